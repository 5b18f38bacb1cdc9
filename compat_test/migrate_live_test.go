package compat_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/caches"
	credis "github.com/djsession/djsession/caches/redis"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/cache"
	"github.com/djsession/djsession/engines/cacheddb"
	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/engines/db/sqlite"
	"github.com/djsession/djsession/engines/file"
	"github.com/djsession/djsession/engines/migrate"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
)

// Keys of the two sites of the migration tests (made up for these tests only).
const (
	migrateOldKey = "djsession-migrate-test-OLD-key-not-a-real-secret-000000000000"
	migrateNewKey = "djsession-migrate-test-NEW-key-not-a-real-secret-111111111111"
)

// migrateMade is one session as the old site's Django describes it (migrate_oracle.py make).
type migrateMade struct {
	Case    string  `json:"case"`
	Key     string  `json:"key"`
	Data    *string `json:"data"` // JSON text (sets as {"$set": [...]})
	JSONOK  bool    `json:"json_ok"`
	User    *string `json:"user"`
	Expires *string `json:"expires"`
}

// migrateSeen is one session as the new site's Django finds it (migrate_oracle.py check).
type migrateSeen struct {
	Key      string  `json:"key"`
	Exists   bool    `json:"exists"`
	Data     string  `json:"data"`
	User     *string `json:"user"`
	Expires  *string `json:"expires"`
	TTL      *int64  `json:"ttl"`
	KeyAfter string  `json:"key_after"`
}

// migrateOracle runs scripts/migrate_oracle.py under Django series with the site's
// settings, and decodes its "sessions".
func migrateOracle[T any](t *testing.T, series string, settings map[string]any, stdin string, args ...string) []T {
	t.Helper()
	sj, _ := json.Marshal(settings)
	var res struct{ Sessions []T }
	runScriptJSON(t, series, string(sj), stdin, &res, append([]string{"migrate_oracle.py"}, args...)...)
	return res.Sessions
}

// TestLiveMigrateSessions moves the sessions of an old site (Django 3.2 or 4.2, with
// PickleSerializer and the old SECRET_KEY, on the db or file engine) to a new one (Django
// 5.2 or 6.1: JSONSerializer, a new SECRET_KEY without fallbacks, on the db engine in place,
// the file engine, the cache engine on Redis or cached_db) with engines/migrate, and has
// the new site's Django read every session: the same data (the _session_expiry datetime
// of Django 3.2 now its isoformat text), the same expiry, the same user logged in without
// a fallback key; sessions Django would not load (expired, damaged) and those JSON cannot
// hold are not copied, and the reports say so. One old site runs Django 3.2 with
// DEFAULT_HASHING_ALGORITHM = "sha1", so its rows are in the pre-3.1 format and its
// session hashes SHA-1, both of which Django 4.0+ refuses: they arrive re-signed.
func TestLiveMigrateSessions(t *testing.T) {
	if testing.Short() {
		skipOrFail(t, "live Django tests skipped in -short mode")
	}
	rd := needRedis(t)
	plans := []migratePlan{
		{from: "3.2", to: "5.2", engine: "db"},
		{from: "4.2", to: "6.1", engine: "file"},
		{from: "3.2", to: "6.1", engine: "file"},
		{from: "4.2", to: "5.2", engine: "db"},
		// DEFAULT_HASHING_ALGORITHM = "sha1": Django 3.2 then writes the pre-3.1 session
		// format and SHA-1 session hashes, which Django 4.0 and later refuse.
		{from: "3.2", to: "5.2", engine: "db", sha1: true},
	}
	for i, p := range plans {
		name := fmt.Sprintf("%s-%s-from-%s", p.from, p.to, p.engine)
		if p.sha1 {
			name += "-sha1"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			old := migrateSite(dir, p.engine, migrateOldKey)
			old["SESSION_SERIALIZER"] = "django.contrib.sessions.serializers.PickleSerializer"
			if p.sha1 {
				old["DEFAULT_HASHING_ALGORITHM"] = "sha1"
			}
			made := migrateOracle[migrateMade](t, p.from, old, "", "make", fmt.Sprint(20261126+i))
			for _, target := range []string{"db", "file", "cache", "cached_db"} {
				t.Run("to-"+target, func(t *testing.T) {
					testMigrateTo(t, rd, p, dir, target, made)
				})
			}
		})
	}
}

// migratePlan is a site's move: from a Django series on an engine to another series.
type migratePlan struct {
	from, to, engine string
	sha1             bool // the old site has DEFAULT_HASHING_ALGORITHM = "sha1"
}

// migrateSite is the settings of a site whose database and session files are in dir.
func migrateSite(dir, engine, key string) map[string]any {
	return map[string]any{
		"SECRET_KEY":        key,
		"SESSION_ENGINE":    "django.contrib.sessions.backends." + engine,
		"DATABASES":         map[string]any{"default": map[string]any{"ENGINE": "django.db.backends.sqlite3", "NAME": filepath.Join(dir, "db.sqlite3")}},
		"SESSION_FILE_PATH": filepath.Join(dir, "files"),
		"USE_TZ":            true,
		"TIME_ZONE":         "UTC",
	}
}

// testMigrateTo copies (a copy of) the old site's store to the target engine and checks
// it through the new site's Django.
func testMigrateTo(t *testing.T, rd *redisEnv, p migratePlan, made0, target string, made []migrateMade) {
	srcEngine, series := p.engine, p.to
	ctx := context.Background()
	dir := t.TempDir()
	copyTree(t, made0, dir)
	if err := os.MkdirAll(filepath.Join(dir, "newfiles"), 0o700); err != nil {
		t.Fatal(err)
	}
	oldCodec, err := session.NewCodec(session.Config{SecretKey: migrateNewKey, SecretKeyFallbacks: []string{migrateOldKey},
		Serializer: serializer.Pickle{}, AcceptLegacy: p.sha1, AcceptSHA1: p.sha1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	newCodec, err := session.NewCodec(session.Config{SecretKey: migrateNewKey})
	if err != nil {
		t.Fatal(err)
	}
	sdb, err := sqlite.Open(filepath.Join(dir, "db.sqlite3"))
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	oldOpts := engines.Options{Codec: oldCodec}
	newOpts := engines.Options{Codec: newCodec}

	var src migrate.Source
	if srcEngine == "db" {
		st, err := sqlite.New(sdb, db.Options{Options: oldOpts})
		if err != nil {
			t.Fatal(err)
		}
		src = migrate.FromDB(st)
	} else {
		st, err := file.New(file.Config{Path: filepath.Join(dir, "files")}, oldOpts)
		if err != nil {
			t.Fatal(err)
		}
		src = migrate.FromFiles(st)
	}

	site := migrateSite(dir, target, migrateNewKey)
	site["SESSION_FILE_PATH"] = filepath.Join(dir, "newfiles")
	prefix := "migrate-" + strings.ReplaceAll(t.Name(), "/", "-")
	site["CACHES"] = map[string]any{"default": map[string]any{
		"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": rd.url, "KEY_PREFIX": prefix}}
	var cacheBackend caches.Backend
	if target == "cache" || target == "cached_db" {
		c, err := credis.Open([]string{rd.url}, credis.Options{KeyConfig: caches.KeyConfig{KeyPrefix: prefix}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		cacheBackend = c
	}
	newDB, err := sqlite.New(sdb, db.Options{Options: newOpts})
	if err != nil {
		t.Fatal(err)
	}
	var dst engines.ExpiringSaver
	inPlace := false
	switch target {
	case "db":
		dst, inPlace = newDB, srcEngine == "db"
	case "file":
		dst, err = file.New(file.Config{Path: filepath.Join(dir, "newfiles")}, newOpts)
	case "cache":
		dst, err = cache.New(cacheBackend, cache.Options{Options: newOpts})
	case "cached_db":
		dst, err = cacheddb.New(newDB, cacheBackend, cacheddb.Options{Options: newOpts})
		inPlace = srcEngine == "db"
	}
	if err != nil {
		t.Fatal(err)
	}
	users, err := auth.NewSQLUserSource(sdb, auth.SQLite, auth.AuthUser, auth.SQLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hashes := &migrate.AuthHashes{Config: &auth.Config{SecretKey: migrateNewKey, SecretKeyFallbacks: []string{migrateOldKey},
		Users: users, AcceptLegacyHash: p.sha1}}
	rep, err := migrate.Copy(ctx, src, dst, migrate.Options{Overwrite: inPlace,
		Transforms: []migrate.Transform{migrate.ExpiryAsText, hashes.Transform}})

	// What the old site says decides what must have been copied.
	want := map[string]migrateMade{}
	copyable, loggedIn := 0, 0
	var pickleOnly string
	for _, m := range made {
		switch {
		case !m.JSONOK && target != "cache":
			// The cache engine pickles the dict whatever SESSION_SERIALIZER says; the
			// others encode it with JSONSerializer, which cannot hold a set.
			pickleOnly = m.Key
		case m.Case == "expired" || m.Case == "damaged":
		default:
			want[m.Key] = m
			copyable++
			if m.User != nil {
				loggedIn++
			}
		}
	}
	if pickleOnly == "" {
		if err != nil {
			t.Fatalf("Copy: %v", err)
		}
	} else if !errors.Is(err, migrate.ErrIncomplete) || len(rep.Failed) != 1 || rep.Failed[0].Key != pickleOnly {
		t.Fatalf("Copy: %v, failures %v; want only the session with a set (%s), which JSON cannot hold", err, rep.Failed, pickleOnly)
	}
	if rep.Copied != copyable || rep.Expired != 1 || rep.Unreadable != 1 || rep.Existing != 0 || hashes.Resigned != loggedIn {
		t.Fatalf("report %+v, %d hashes re-signed; want %d copied, 1 expired, 1 unreadable, %d re-signed", rep, hashes.Resigned, copyable, loggedIn)
	}

	keys := make([]string, len(made))
	for i, m := range made {
		keys[i] = m.Key
	}
	kj, _ := json.Marshal(keys)
	seen := migrateOracle[migrateSeen](t, series, site, string(kj), "check")
	now := time.Now()
	for _, s := range seen {
		m, ok := want[s.Key]
		if !ok {
			// Not copied: absent, or (in place) the old row, which the new site reads as
			// no session.
			if s.Exists && !(inPlace && s.Data == "{}" && s.User == nil) {
				t.Errorf("session %s should not be there for Django %s: %+v", s.Key, series, s)
			}
			continue
		}
		if !s.Exists {
			t.Errorf("%s (%s): Django %s does not find the copy", m.Case, s.Key, series)
			continue
		}
		if m.User != nil && s.KeyAfter != s.Key {
			t.Errorf("%s: Django %s changed the session key to %q (a hash under a fallback key?)", m.Case, series, s.KeyAfter)
		}
		if !sameUser(m.User, s.User) {
			t.Errorf("%s: Django %s finds user %v, the old site %v", m.Case, series, str(s.User), str(m.User))
		}
		if d := dataDiff(t, *m.Data, s.Data, m.User != nil); d != "" {
			t.Errorf("%s: data differs (old site -, new site +):\n%s", m.Case, d)
		}
		exp, err := time.Parse(time.RFC3339Nano, *m.Expires)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case s.TTL != nil:
			if left := exp.Sub(now); absDur(left-time.Duration(*s.TTL)*time.Second) > 3*time.Second {
				t.Errorf("%s: Redis TTL %d s, want about %v", m.Case, *s.TTL, left.Round(time.Second))
			}
		case s.Expires != nil:
			got, err := time.Parse(time.RFC3339Nano, *s.Expires)
			if err != nil {
				t.Fatal(err)
			}
			if absDur(got.Sub(exp)) >= time.Second {
				t.Errorf("%s: Django %s says it expires at %v, the old site %v", m.Case, series, got, exp)
			}
		default:
			t.Errorf("%s: no expiry from Django %s", m.Case, series)
		}
	}
}

func str(p *string) string {
	if p == nil {
		return "<nobody>"
	}
	return *p
}

func sameUser(a, b *string) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// dataDiff compares two JSONSerializer texts of session data, key order included; the
// _auth_user_hash of a logged-in session is left out (it is re-signed under the new key;
// that the new site's get_user finds the user proves it right).
func dataDiff(t *testing.T, old, new string, resigned bool) string {
	t.Helper()
	a, b := mustDict(t, old), mustDict(t, new)
	if resigned {
		a.Delete(auth.HashSessionKey)
		b.Delete(auth.HashSessionKey)
	}
	if as, bs := serializer.DictValue(a).String(), serializer.DictValue(b).String(); as != bs {
		return "- " + as + "\n+ " + bs
	}
	return ""
}

// copyTree copies the regular files and directories under from into to.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o700)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if err := os.WriteFile(dst, b, 0o600); err != nil {
			return err
		}
		return os.Chtimes(dst, info.ModTime(), info.ModTime())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkMigrateToRedis copies 1000 sessions from an SQLite table to the cache engine on
// Redis (scripts/services start redis), with 1, 4 and 8 workers: the µs per session an
// operator can expect, and what workers save on a server's round trips.
func BenchmarkMigrateToRedis(b *testing.B) {
	rd := needRedis(b)
	ctx := context.Background()
	codec, err := session.NewCodec(session.Config{SecretKey: migrateNewKey})
	if err != nil {
		b.Fatal(err)
	}
	sdb, err := sqlite.Open(filepath.Join(b.TempDir(), "db.sqlite3"))
	if err != nil {
		b.Fatal(err)
	}
	defer sdb.Close()
	src, err := sqlite.New(sdb, db.Options{Options: engines.Options{Codec: codec}})
	if err != nil {
		b.Fatal(err)
	}
	if err := src.CreateTable(ctx); err != nil {
		b.Fatal(err)
	}
	data := mustDict(b, `{"_auth_user_id":"42","_auth_user_backend":"django.contrib.auth.backends.ModelBackend","cart":[1,2.5,"caf\u00e9"]}`)
	for range 1000 {
		if _, err := engines.Create(ctx, src, data); err != nil {
			b.Fatal(err)
		}
	}
	for _, workers := range []int{1, 4, 8} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			for i := range b.N {
				prefix := fmt.Sprintf("migrate-bench-%d-%d-%d", workers, i, time.Now().UnixNano())
				c, err := credis.Open([]string{rd.url}, credis.Options{KeyConfig: caches.KeyConfig{KeyPrefix: prefix}})
				if err != nil {
					b.Fatal(err)
				}
				dst, _ := cache.New(c, cache.Options{})
				rep, err := migrate.Copy(ctx, migrate.FromDB(src), dst, migrate.Options{Workers: workers})
				c.Close()
				if err != nil || rep.Copied != 1000 {
					b.Fatal(rep, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(1000*b.N), "µs/session")
		})
	}
}
