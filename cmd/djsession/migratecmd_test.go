package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/engines/db/sqlite"
)

// migrateReport is migrate-sessions --json.
type migrateReport struct {
	Copied, Existing, Expired, Unreadable int
	Resigned                              int `json:"resigned_hashes"`
	Failed                                []struct{ Key, Error string }
}

func migrateSessions(t *testing.T, args ...string) migrateReport {
	t.Helper()
	var rep migrateReport
	if err := json.Unmarshal([]byte(ok(t, cli(append([]string{"migrate-sessions", "--json"}, args...)...))), &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

// inspectJSON is inspect --json of a session, or nil when it is not there.
func inspectJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	r := cli(append([]string{"inspect", "--json"}, args...)...)
	if r.code == exitError && strings.Contains(r.stderr, "no such session") {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(ok(t, r)), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestExampleMigrateSessions moves the example's sessions (made by Django) from its
// database to a file engine directory, then re-signs them in place under a new
// SECRET_KEY: every session Django would load arrives with the same data and expire date,
// the expired one does not, and after the rotation each session logs in (with the new key
// alone) exactly the user Django's get_user found for it.
func TestExampleMigrateSessions(t *testing.T) {
	f := loadExample(t)
	path := copyExampleDB(t)
	dir := t.TempDir()
	live, expired, loggedIn := 0, 0, 0
	for _, s := range f.Sessions {
		if s.Expired {
			expired++
			continue
		}
		live++
		if s.DjangoUser != nil {
			loggedIn++
		}
	}

	dry := migrateSessions(t, "--from-db", "sqlite:"+path, "--to-file-path", dir, "--dry-run")
	if dry.Copied != live || dry.Expired != expired {
		t.Fatalf("dry run: %+v; want %d to copy, %d expired", dry, live, expired)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("the dry run wrote %d files", len(left))
	}
	rep := migrateSessions(t, "--from-db", "sqlite:"+path, "--to-file-path", dir, "--workers", "3")
	if rep.Copied != live || rep.Expired != expired || rep.Existing+rep.Unreadable+len(rep.Failed) != 0 {
		t.Fatalf("to files: %+v; want %d copied, %d expired", rep, live, expired)
	}
	for _, s := range f.Sessions {
		got := inspectJSON(t, "--engine", "file", "--file-path", dir, s.Key)
		if s.Expired {
			if got != nil {
				t.Errorf("%s: the expired session was copied", s.Key)
			}
			continue
		}
		if got == nil {
			t.Errorf("%s: not copied", s.Key)
			continue
		}
		want := inspectJSON(t, "--db", "sqlite:"+path, s.Key)
		if gs, ws := got["session"], want["session"]; ws == nil || !jsonEqual(gs, ws) {
			t.Errorf("%s: data %v, in the database %v", s.Key, gs, ws)
		}
		if got["expire_date"] != s.ExpireDate {
			t.Errorf("%s: expires %v in the file engine, %s in Django's row", s.Key, got["expire_date"], s.ExpireDate)
		}
	}
	if again := migrateSessions(t, "--from-db", "sqlite:"+path, "--to-file-path", dir); again.Existing != live || again.Copied != 0 {
		t.Errorf("a second run: %+v; want the %d sessions left as they are", again, live)
	}

	const newKey = "djsession-example-rotation-NEW-key-not-a-real-secret-0123456789"
	rot := []string{"--secret-key", newKey, "--fallback-key", f.SecretKey, "--from-db", "sqlite:" + path,
		"--to-db", "sqlite:" + path, "--overwrite"}
	rep = migrateSessions(t, append(rot, "--users-db", "sqlite:"+path)...)
	if rep.Copied != live || rep.Resigned != loggedIn {
		t.Fatalf("rotation: %+v; want %d rewritten, %d hashes re-signed (the users Django logs in)", rep, live, loggedIn)
	}
	for _, s := range f.Sessions {
		if s.Expired || s.UserID == nil {
			continue
		}
		r := ok(t, call(nil, "", "inspect", "--json", "--check-login", "--secret-key", newKey, "--db", "sqlite:"+path, s.Key))
		var got struct {
			Login struct {
				Username string
				Valid    bool
			}
		}
		if err := json.Unmarshal([]byte(r), &got); err != nil {
			t.Fatal(err)
		}
		if want := s.DjangoUser != nil; got.Login.Valid != want || want && got.Login.Username != *s.DjangoUser {
			t.Errorf("%s after the rotation, with the new key alone: %+v; Django logged in %v", s.Key, got.Login, s.DjangoUser)
		}
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// TestExampleMigrateSessionsToCache moves the example's sessions to the cache engine and to
// cached_db (on a FileBasedCache, and the cache engine also on a DatabaseCache in SQLite): inspect finds each under Django's cache key with the
// same data, a TTL that ends when the row's expire_date does, and for cached_db the row too.
func TestExampleMigrateSessionsToCache(t *testing.T) {
	f := loadExample(t)
	for _, run := range []struct{ engine, backend string }{{"cache", "file"}, {"cached_db", "file"}, {"cache", "db"}} {
		engine := run.engine
		t.Run(engine+"-"+run.backend, func(t *testing.T) {
			src := copyExampleDB(t)
			dir := t.TempDir()
			flags := []string{"--cache-backend", "file", "--location", dir, "--key-prefix", "site"}
			if run.backend == "db" {
				path := filepath.Join(dir, "cache.sqlite3")
				if err := newSQLiteCache(t, path, caches.KeyConfig{KeyPrefix: "site"}).CreateTable(context.Background()); err != nil {
					t.Fatal(err)
				}
				flags = []string{"--cache-backend", "db", "--location", "sqlite:" + path, "--cache-table", "my_cache_table", "--key-prefix", "site"}
			}
			args := append([]string{"--from-db", "sqlite:" + src, "--to-engine", engine}, flags...)
			dst := ""
			if engine == "cached_db" {
				dst = copyExampleDB(t)
				sqliteExec(t, dst, "DELETE FROM django_session")
				args = append(args, "--to-db", "sqlite:"+dst)
			}
			rep := migrateSessions(t, args...)
			if rep.Copied == 0 || len(rep.Failed) != 0 {
				t.Fatalf("%+v", rep)
			}
			for _, s := range f.Sessions {
				if s.Expired {
					continue
				}
				want := inspectJSON(t, "--db", "sqlite:"+src, s.Key)
				iargs := append([]string{"--engine", engine, "--secret-key-file", filepath.Join(exampleDir, "secret-key.txt")}, flags...)
				if dst != "" {
					iargs = append(iargs, "--db", "sqlite:"+dst)
				}
				got := inspectCacheJSON(t, append(iargs, s.Key)...)
				var session any
				if err := json.Unmarshal(got.Session, &session); err != nil || !got.Cached || !jsonEqual(session, want["session"]) {
					t.Errorf("%s: cached %v, %s; in the database %v", s.Key, got.Cached, got.Session, want["session"])
				}
				exp, _ := time.Parse(time.RFC3339, s.ExpireDate)
				if got.TTL == nil || math.Abs(*got.TTL-time.Until(exp).Seconds()) > 5 {
					t.Errorf("%s: ttl %v, the row expires in %v", s.Key, got.TTL, time.Until(exp))
				}
				if dst != "" && (got.DB == nil || !got.DB.Found || got.DB.ExpireDate != s.ExpireDate) {
					t.Errorf("%s: cached_db row %+v, want one expiring %s", s.Key, got.DB, s.ExpireDate)
				}
			}
		})
	}
}

// sqliteExec runs a statement on an SQLite database file.
func sqliteExec(t *testing.T, path, stmt string) {
	t.Helper()
	conn, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec(stmt); err != nil {
		t.Fatal(err)
	}
}

// TestMigrateSessionsFromCache moves the cache engine's sessions out of a database cache
// into session files: the two sessions arrive with their data and an expiry within a
// second of their cache entries'; cached_db's entry and a foreign entry stay behind.
func TestMigrateSessionsFromCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache.sqlite3")
	keys := caches.KeyConfig{KeyPrefix: "site", Version: caches.IntVersion(2)}
	c := newSQLiteCache(t, path, keys)
	if err := c.CreateTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	sessKeys, _ := writeCacheSessions(t, c)
	flags := []string{"--cache-backend", "db", "--location", "sqlite:" + path, "--cache-table", "my_cache_table",
		"--key-prefix", "site", "--version", "2"}
	dir := t.TempDir()
	rep := migrateSessions(t, append([]string{"--from-engine", "cache", "--to-file-path", dir}, flags...)...)
	if rep.Copied != len(sessKeys) || rep.Unreadable+rep.Expired+len(rep.Failed) != 0 {
		t.Fatalf("%+v; want %d copied", rep, len(sessKeys))
	}
	for _, k := range sessKeys {
		was := inspectCacheJSON(t, append(flags, k)...)
		got := inspectJSON(t, "--engine", "file", "--file-path", dir, k)
		var session any
		if err := json.Unmarshal(was.Session, &session); err != nil || got == nil || !jsonEqual(got["session"], session) {
			t.Errorf("%s: %v in the file, %s in the cache", k, got, was.Session)
			continue
		}
		a, _ := time.Parse(time.RFC3339Nano, *was.ExpireDate)
		b, _ := time.Parse(time.RFC3339Nano, got["expire_date"].(string))
		if d := a.Sub(b); d > time.Second || d < -time.Second {
			t.Errorf("%s: expires %v in the file, %v in the cache", k, b, a)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != len(sessKeys) {
		t.Errorf("%d files, want %d", len(left), len(sessKeys))
	}
	for _, bad := range [][]string{
		{"--from-engine", "cache", "--to-engine", "cache", "--cache-backend", "file", "--location", dir},
		{"--from-engine", "cache", "--to-file-path", dir, "--cache-backend", "pymemcache", "--location", "127.0.0.1:1"},
		{"--from-engine", "cache", "--to-file-path", dir, "--cache-backend", "file", "--location", dir},
	} {
		if r := cli(append([]string{"migrate-sessions"}, bad...)...); r.code != exitUsage {
			t.Errorf("%v: exit %d, want a usage error", bad, r.code)
		}
	}
}
