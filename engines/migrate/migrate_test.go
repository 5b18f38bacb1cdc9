package migrate_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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

func sqliteStore(t *testing.T, codec *session.Codec) (*db.Store, *sql.DB) {
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

// TestCopyPages copies a table larger than a page, with expired and undecodable rows
// among the others, and then again: every row is seen once, each copy keeps its
// expire_date, and the second run leaves the target alone (or, with Overwrite, rewrites it).
func TestCopyPages(t *testing.T) {
	ctx := context.Background()
	codec, _ := session.NewCodec(session.Config{SecretKey: "k"})
	src, srcConn := sqliteStore(t, codec)
	dst, _ := sqliteStore(t, codec)
	now := time.Now().UTC().Truncate(time.Microsecond)
	n := 2*migrate.DefaultPageSize + 3
	tx, err := srcConn.Begin()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Time{}
	expired, unreadable := 0, 0
	for i := range n {
		key := fmt.Sprintf("key%08d", i)
		d := serializer.NewDict()
		d.Set("i", serializer.Int(int64(i)))
		data, _ := codec.Encode(d)
		exp := now.Add(time.Duration(i+1) * time.Minute)
		switch {
		case i%97 == 5:
			exp, expired = now.Add(-time.Minute), expired+1
		case i%101 == 7:
			data, unreadable = data+"x", unreadable+1
		default:
			want[key] = exp
		}
		if _, err := tx.Exec("INSERT INTO django_session VALUES (?, ?, ?)", key, data, exp.Format("2006-01-02 15:04:05.000000")); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	rep, err := migrate.Copy(ctx, migrate.FromDB(src), dst, migrate.Options{})
	if err != nil || rep.Copied != len(want) || rep.Expired != expired || rep.Unreadable != unreadable {
		t.Fatalf("Copy: %+v, %v; want %d copied, %d expired, %d unreadable", rep, err, len(want), expired, unreadable)
	}
	seen := 0
	err = dst.Records(ctx, func(r db.Record) error {
		seen++
		if exp, ok := want[r.Key]; !ok || !r.ExpireDate.Equal(exp) {
			return fmt.Errorf("%s expires %v, want %v (copied: %v)", r.Key, r.ExpireDate, exp, ok)
		}
		return nil
	})
	if err != nil || seen != len(want) {
		t.Fatalf("target: %d rows, %v", seen, err)
	}
	rep, err = migrate.Copy(ctx, migrate.FromDB(src), dst, migrate.Options{})
	if err != nil || rep.Copied != 0 || rep.Existing != len(want) {
		t.Errorf("second run: %+v, %v", rep, err)
	}
	rep, err = migrate.Copy(ctx, migrate.FromDB(src), dst, migrate.Options{Overwrite: true})
	if err != nil || rep.Copied != len(want) || rep.Existing != 0 {
		t.Errorf("with Overwrite: %+v, %v", rep, err)
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
