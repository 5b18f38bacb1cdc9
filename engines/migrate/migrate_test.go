package migrate_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/engines/db/sqlite"
	"github.com/djsession/djsession/engines/file"
	"github.com/djsession/djsession/engines/migrate"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
)

func sqliteStore(t testing.TB, codec *session.Codec) (*db.Store, *sql.DB) {
	t.Helper()
	conn, err := sqlite.Open(filepath.Join(t.TempDir(), "db.sqlite3"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	s, err := sqlite.New(conn, db.Options{Options: engines.Options{Codec: codec}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, conn
}

// sourceTable is a sessions table of n rows, some expired (about 1 in 97) and some
// damaged (1 in 101), and what a copy must give: the expire_date of each row to copy.
type sourceTable struct {
	store               *db.Store
	want                map[string]time.Time
	expired, unreadable int
}

func newSourceTable(t *testing.T, codec *session.Codec, n int) sourceTable {
	t.Helper()
	src, srcConn := sqliteStore(t, codec)
	now := time.Now().UTC().Truncate(time.Microsecond)
	tx, err := srcConn.Begin()
	if err != nil {
		t.Fatal(err)
	}
	st := sourceTable{store: src, want: map[string]time.Time{}}
	for i := range n {
		key := fmt.Sprintf("key%08d", i)
		d := serializer.NewDict()
		d.Set("i", serializer.Int(int64(i)))
		data, _ := codec.Encode(d)
		exp := now.Add(time.Duration(i+1) * time.Minute)
		switch {
		case i%97 == 5:
			exp, st.expired = now.Add(-time.Minute), st.expired+1
		case i%101 == 7:
			data, st.unreadable = data+"x", st.unreadable+1
		default:
			st.want[key] = exp
		}
		if _, err := tx.Exec("INSERT INTO django_session VALUES (?, ?, ?)", key, data, exp.Format("2006-01-02 15:04:05.000000")); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return st
}

// check reports the rows of dst that are not as they must be.
func (st sourceTable) check(t *testing.T, dst *db.Store) {
	t.Helper()
	seen := 0
	err := dst.Records(context.Background(), func(r db.Record) error {
		seen++
		if exp, ok := st.want[r.Key]; !ok || !r.ExpireDate.Equal(exp) {
			return fmt.Errorf("%s expires %v, want %v (to copy: %v)", r.Key, r.ExpireDate, exp, ok)
		}
		return nil
	})
	if err != nil || seen != len(st.want) {
		t.Fatalf("target: %d rows of %d, %v", seen, len(st.want), err)
	}
}

// TestCopyPages copies a table larger than a page, with expired and undecodable rows
// among the others, and then again: every row is seen once, each copy keeps its
// expire_date, and the second run leaves the target alone (or, with Overwrite, rewrites it).
func TestCopyPages(t *testing.T) {
	ctx := context.Background()
	codec, _ := session.NewCodec(session.Config{SecretKey: "k"})
	st := newSourceTable(t, codec, 2*migrate.DefaultPageSize+3)
	src, want, expired, unreadable := st.store, st.want, st.expired, st.unreadable
	dst, _ := sqliteStore(t, codec)
	rep, err := migrate.Copy(ctx, migrate.FromDB(src), dst, migrate.Options{})
	if err != nil || rep.Copied != len(want) || rep.Expired != expired || rep.Unreadable != unreadable {
		t.Fatalf("Copy: %+v, %v; want %d copied, %d expired, %d unreadable", rep, err, len(want), expired, unreadable)
	}
	st.check(t, dst)
	rep, err = migrate.Copy(ctx, migrate.FromDB(src), dst, migrate.Options{})
	if err != nil || rep.Copied != 0 || rep.Existing != len(want) {
		t.Errorf("second run: %+v, %v", rep, err)
	}
	rep, err = migrate.Copy(ctx, migrate.FromDB(src), dst, migrate.Options{Overwrite: true})
	if err != nil || rep.Copied != len(want) || rep.Existing != 0 {
		t.Errorf("with Overwrite: %+v, %v", rep, err)
	}
}

// TestCopyConcurrentWorkers: with four workers, the same copy as with one, and a
// cancelled context still stops it.
func TestCopyConcurrentWorkers(t *testing.T) {
	ctx := context.Background()
	codec, _ := session.NewCodec(session.Config{SecretKey: "k"})
	st := newSourceTable(t, codec, 300)
	dst, _ := sqliteStore(t, codec)
	rep, err := migrate.Copy(ctx, migrate.FromDB(st.store), dst, migrate.Options{Workers: 4})
	if err != nil || rep.Copied != len(st.want) || rep.Expired != st.expired || rep.Unreadable != st.unreadable {
		t.Fatalf("with 4 workers: %+v, %v", rep, err)
	}
	st.check(t, dst)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := migrate.Copy(cctx, migrate.FromDB(st.store), dst, migrate.Options{Workers: 4}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled, with workers: %v", err)
	}
}

// TestCopyFailures: a transform's error and data the target cannot encode are reported
// per session, and the others are copied; a cancelled context stops Copy.
func TestCopyFailures(t *testing.T) {
	ctx := context.Background()
	pickle, _ := session.NewCodec(session.Config{SecretKey: "k", Serializer: serializer.Pickle{}})
	jsonCodec, _ := session.NewCodec(session.Config{SecretKey: "k"})
	srcDir, dstDir := t.TempDir(), t.TempDir()
	src, _ := file.New(file.Config{Path: srcDir}, engines.Options{Codec: pickle})
	dst, _ := file.New(file.Config{Path: dstDir}, engines.Options{Codec: jsonCodec})
	put := func(v serializer.Value) string {
		d := serializer.NewDict()
		d.Set("v", v)
		key, err := engines.Create(ctx, src, d)
		if err != nil {
			t.Fatal(err)
		}
		return key
	}
	set, _ := serializer.NewSet(serializer.Int(1))
	bad := put(set)
	refused := put(serializer.Str("refuse me"))
	put(serializer.Int(3))
	refuse := func(_ context.Context, s *migrate.Session) error {
		if v, _ := s.Data.Get("v"); v.String() == serializer.Str("refuse me").String() {
			return errors.New("refused")
		}
		return nil
	}
	rep, err := migrate.Copy(ctx, migrate.FromFiles(src), dst, migrate.Options{Transforms: []migrate.Transform{refuse}})
	if !errors.Is(err, migrate.ErrIncomplete) || rep.Copied != 1 || len(rep.Failed) != 2 {
		t.Fatalf("Copy: %+v, %v", rep, err)
	}
	failed := map[string]bool{rep.Failed[0].Key: true, rep.Failed[1].Key: true}
	if !failed[bad] || !failed[refused] {
		t.Errorf("failures %v; want %s (a set) and %s (refused)", rep.Failed, bad, refused)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := migrate.Copy(cctx, migrate.FromFiles(src), dst, migrate.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestCopyDryRun: a dry run reports what a run would do (a session the target cannot
// encode, one it already holds, one to copy) and writes nothing.
func TestCopyDryRun(t *testing.T) {
	ctx := context.Background()
	pickle, _ := session.NewCodec(session.Config{SecretKey: "k", Serializer: serializer.Pickle{}})
	jsonCodec, _ := session.NewCodec(session.Config{SecretKey: "k"})
	src, _ := file.New(file.Config{Path: t.TempDir()}, engines.Options{Codec: pickle})
	dstDir := t.TempDir()
	dst, _ := file.New(file.Config{Path: dstDir}, engines.Options{Codec: jsonCodec})
	set, _ := serializer.NewSet(serializer.Int(1))
	var keys []string
	for _, v := range []serializer.Value{set, serializer.Int(2), serializer.Int(3)} {
		d := serializer.NewDict()
		d.Set("v", v)
		key, err := engines.Create(ctx, src, d)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, key)
	}
	held := serializer.NewDict()
	if err := dst.Save(ctx, keys[2], held, true); err != nil {
		t.Fatal(err)
	}
	rep, err := migrate.Copy(ctx, migrate.FromFiles(src), dst, migrate.Options{DryRun: true})
	if !errors.Is(err, migrate.ErrIncomplete) || rep.Copied != 1 || rep.Existing != 1 || len(rep.Failed) != 1 || rep.Failed[0].Key != keys[0] {
		t.Fatalf("dry run: %+v, %v", rep, err)
	}
	if k, _ := dst.Keys(ctx); len(k) != 1 || k[0] != keys[2] {
		t.Errorf("the dry run wrote: the target holds %v", k)
	}
	if rep, _ := migrate.Copy(ctx, migrate.FromFiles(src), dst, migrate.Options{DryRun: true, Overwrite: true}); rep.Copied != 2 {
		t.Errorf("dry run with Overwrite: %+v", rep)
	}
}

// BenchmarkCopy copies 1000 typical sessions from one SQLite table to another (pickle to
// JSON, an old key among the fallbacks), per op: the throughput an operator can expect.
func BenchmarkCopy(b *testing.B) {
	ctx := context.Background()
	oldCodec, _ := session.NewCodec(session.Config{SecretKey: "old", Serializer: serializer.Pickle{}})
	readCodec, _ := session.NewCodec(session.Config{SecretKey: "new", SecretKeyFallbacks: []string{"old"}, Serializer: serializer.Pickle{}})
	newCodec, _ := session.NewCodec(session.Config{SecretKey: "new"})
	srcOld, conn := sqliteStore(b, oldCodec)
	data, err := serializer.ValueOf(map[string]any{"_auth_user_id": "42", "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
		"_auth_user_hash": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "cart": []any{1, 2.5, "caf\u00e9"}})
	if err != nil {
		b.Fatal(err)
	}
	for range 1000 {
		if _, err := engines.Create(ctx, srcOld, data.Dict()); err != nil {
			b.Fatal(err)
		}
	}
	src, err := sqlite.New(conn, db.Options{Options: engines.Options{Codec: readCodec}})
	if err != nil {
		b.Fatal(err)
	}
	for _, workers := range []int{1, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				dst, _ := sqliteStore(b, newCodec)
				b.StartTimer()
				rep, err := migrate.Copy(ctx, migrate.FromDB(src), dst, migrate.Options{Workers: workers})
				if err != nil || rep.Copied != 1000 {
					b.Fatal(rep, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(1000*b.N), "µs/session")
		})
	}
}

// TestCopyReplacesDeadSessions: without Overwrite, a session the target holds under the
// same key stays, but one Django would not load there (expired, damaged) is replaced, in a
// table and in a directory.
func TestCopyReplacesDeadSessions(t *testing.T) {
	ctx := context.Background()
	codec, _ := session.NewCodec(session.Config{SecretKey: "k"})
	src, _ := file.New(file.Config{Path: t.TempDir()}, engines.Options{Codec: codec})
	dict := func(v string) *serializer.Dict {
		d := serializer.NewDict()
		d.Set("v", serializer.Str(v))
		return d
	}
	keys := map[string]string{}
	for _, name := range []string{"live", "expired", "damaged"} {
		k, err := engines.Create(ctx, src, dict("from source"))
		if err != nil {
			t.Fatal(err)
		}
		keys[name] = k
	}
	past := time.Now().Add(-time.Hour)
	dbDst, _ := sqliteStore(t, codec)
	fileDst, _ := file.New(file.Config{Path: t.TempDir()}, engines.Options{Codec: codec})
	for _, dst := range []engines.ExpiringSaver{dbDst, fileDst} {
		if err := dst.Save(ctx, keys["live"], dict("in target"), true); err != nil {
			t.Fatal(err)
		}
		if err := dst.SaveExpiring(ctx, keys["expired"], dict("in target"), past, true); err != nil {
			t.Fatal(err)
		}
		other, _ := session.NewCodec(session.Config{SecretKey: "another key"})
		damaged, _ := other.Encode(dict("in target"))
		switch d := dst.(type) {
		case *db.Store:
			err := d.SaveEncoded(ctx, keys["damaged"], damaged, time.Now().Add(time.Hour), true)
			if err != nil {
				t.Fatal(err)
			}
		case *file.Store:
			name, _ := d.FileName(keys["damaged"])
			if err := os.WriteFile(name, []byte(damaged), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := migrate.Copy(ctx, migrate.FromFiles(src), dst, migrate.Options{})
		if err != nil || rep.Existing != 1 || rep.Copied != 2 {
			t.Errorf("%T: %+v, %v; want the live session kept, the other two replaced", dst, rep, err)
		}
		for name, k := range keys {
			d, ok, err := dst.Load(ctx, k)
			want := "from source"
			if name == "live" {
				want = "in target"
			}
			if v, _ := d.Get("v"); !ok || err != nil || v.String() != serializer.Str(want).String() {
				t.Errorf("%T: %s session %v, %v, %v; want %q", dst, name, d, ok, err, want)
			}
		}
	}
}

// TestFileSaveExpiringNaive: with USE_TZ = False, a file copy expires at the same wall
// clock across a DST change (Django adds SESSION_COOKIE_AGE to the naive mtime), and a
// session whose int _session_expiry has passed (which the file engine still serves) is
// copied to expire that many seconds from now.
func TestFileSaveExpiringNaive(t *testing.T) {
	ctx := context.Background()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	codec, _ := session.NewCodec(session.Config{SecretKey: "k"})
	exp := session.Expiry{NaiveTimes: true, Location: berlin}
	dst, _ := file.New(file.Config{Path: t.TempDir()}, engines.Options{Codec: codec, Expiry: exp})
	expires := time.Date(2024, 11, 1, 12, 0, 0, 0, berlin) // two weeks after the change on 27 October
	d := serializer.NewDict()
	d.Set("n", serializer.Int(1))
	key := engines.NewKey()
	if err := dst.SaveExpiring(ctx, key, d, expires, true); err != nil {
		t.Fatal(err)
	}
	p, ok, err := dst.Peek(ctx, key)
	if err != nil || !ok || !p.Expires.Equal(expires) {
		t.Errorf("expires %v (%v, %v), want %v", p.Expires, ok, err, expires)
	}

	src, _ := file.New(file.Config{Path: t.TempDir()}, engines.Options{Codec: codec})
	quirk := serializer.NewDict()
	quirk.Set(session.ExpiryKey, serializer.Int(60))
	key = engines.NewKey()
	if err := src.Save(ctx, key, quirk, true); err != nil {
		t.Fatal(err)
	}
	name, _ := src.FileName(key)
	if err := os.Chtimes(name, time.Time{}, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	dbDst, _ := sqliteStore(t, codec)
	rep, err := migrate.Copy(ctx, migrate.FromFiles(src), dbDst, migrate.Options{})
	if err != nil || rep.Copied != 1 {
		t.Fatalf("%+v, %v", rep, err)
	}
	r, _, _ := dbDst.Get(ctx, key)
	if left := time.Until(r.ExpireDate); left < 55*time.Second || left > 61*time.Second {
		t.Errorf("the copy expires in %v, want about 60 s", left)
	}
}

// TestSweep logs a user out everywhere: only that user's live sessions go (an int id
// stored by other code included), a dry run deletes nothing.
func TestSweep(t *testing.T) {
	ctx := context.Background()
	codec, _ := session.NewCodec(session.Config{SecretKey: "k"})
	store, _ := sqliteStore(t, codec)
	put := func(id serializer.Value) string {
		d := serializer.NewDict()
		if !id.IsNone() {
			d.Set("_auth_user_id", id)
		}
		k, err := engines.Create(ctx, store, d)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	mine := []string{put(serializer.Str("7")), put(serializer.Int(7)), put(serializer.Str("7"))}
	others := []string{put(serializer.Str("70")), put(serializer.Str("8")), put(serializer.None())}
	dry, err := migrate.Sweep(ctx, migrate.FromDB(store), store, migrate.OfUser("7"), true)
	if err != nil || len(dry) != len(mine) {
		t.Fatalf("dry run: %v, %v", dry, err)
	}
	for _, k := range mine {
		if ok, _ := store.Exists(ctx, k); !ok {
			t.Fatalf("the dry run deleted %s", k)
		}
	}
	gone, err := migrate.Sweep(ctx, migrate.FromDB(store), store, migrate.OfUser("7"), false)
	if err != nil || len(gone) != len(mine) {
		t.Fatalf("sweep: %v, %v", gone, err)
	}
	for _, k := range mine {
		if ok, _ := store.Exists(ctx, k); ok {
			t.Errorf("%s of user 7 is still there", k)
		}
	}
	for _, k := range others {
		if ok, _ := store.Exists(ctx, k); !ok {
			t.Errorf("%s of another user was deleted", k)
		}
	}
}
