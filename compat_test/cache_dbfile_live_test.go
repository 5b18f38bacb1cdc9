package compat_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/caches/dbcache"
	"github.com/djsession/djsession/caches/filecache"
	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/engines/db/postgres"
	"github.com/djsession/djsession/engines/db/sqlite"
	"github.com/djsession/djsession/serializer"
)

// Live tests of caches/dbcache and caches/filecache against Django's DatabaseCache
// (SQLite always, PostgreSQL when DJSESSION_PG_DSN is set) and FileBasedCache, for every
// Django version in the matrix and every key configuration of cacheKeyCases.

// commonCacheChecks runs the exchanges every backend must pass: Django saves → Go loads
// equal data; Go saves → Django loads equal data; Go deletes → Django misses; add,
// timeout 0, and the TTL Go reads for Django's entries.
func commonCacheChecks(t *testing.T, s *cacheSide, ttler caches.TTLer) {
	ctx := context.Background()
	for i, js := range cacheValues {
		k := fmt.Sprintf("dj-%d-\u00e9", i)
		s.req("cb_set", k, map[string]any{"json": js, "timeout": 120})
		if got, ok := s.goGetJSON(k); !ok || got != js {
			t.Errorf("Django set %s; Go got %q (found %v)", js, got, ok)
		}
		ttl, never, ok, err := ttler.TTL(ctx, k)
		if err != nil || !ok || never || ttl < 118*time.Second || ttl > 121*time.Second { // DatabaseCache truncates to seconds
			t.Errorf("TTL of Django's 120 s entry: %v never=%v ok=%v err=%v", ttl, never, ok, err)
		}
		k = fmt.Sprintf("go-%d", i)
		if err := s.cache.Set(ctx, k, mustJSON(t, js), caches.Seconds(200)); err != nil {
			t.Fatal(err)
		}
		if dj, ok := s.djangoGet(k); !ok || dj != js {
			t.Errorf("Go set %s; Django got %q (found %v)", js, dj, ok)
		}
	}
	sess := mustJSON(t, cacheValues[0])
	if err := s.cache.Set(ctx, "never", sess, caches.Never); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.djangoGet("never"); !ok {
		t.Error("Go set timeout None; Django misses")
	}
	if _, never, ok, _ := ttler.TTL(ctx, "never"); !never || !ok {
		t.Error("Go TTL of a None entry is not never")
	}
	s.req("cb_set", "zero", map[string]any{"json": "1"})
	s.cache.Set(ctx, "zero", sess, caches.Seconds(0))
	if _, ok := s.djangoGet("zero"); ok {
		t.Error("Go set timeout 0; Django still finds the key")
	}
	s.req("cb_set", "del", map[string]any{"json": cacheValues[0]})
	if has, err := s.cache.Has(ctx, "del"); !has || err != nil {
		t.Errorf("Go Has of Django's key: %v %v", has, err)
	}
	if err := s.cache.Delete(ctx, "del"); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.djangoGet("del"); ok {
		t.Error("Go deleted; Django still finds the key")
	}
	if s.req("cb_has", "del", nil)["has"] != false {
		t.Error("Go deleted; Django has_key is true")
	}
	if added, err := s.cache.Add(ctx, "go-0", sess, caches.Seconds(60)); added || err != nil {
		t.Errorf("Go Add on a taken key: %v %v", added, err)
	}
	if s.req("cb_add", "go-0", map[string]any{"json": "1"})["added"] != false {
		t.Error("Django add on Go's key succeeded")
	}
	if added, err := s.cache.Add(ctx, "fresh", sess, caches.Seconds(60)); !added || err != nil {
		t.Errorf("Go Add on a free key: %v %v", added, err)
	}
	if js, ok := s.djangoGet("fresh"); !ok || js != cacheValues[0] {
		t.Errorf("Django reads Go's add: %q %v", js, ok)
	}
	// An expired entry can be added again, on both sides.
	s.req("cb_set", "expired", map[string]any{"json": "1", "timeout": -5})
	if added, err := s.cache.Add(ctx, "expired", sess, caches.Seconds(60)); !added || err != nil {
		t.Errorf("Go Add over an expired entry: %v %v", added, err)
	}
}

type dbCacheDB struct {
	name string
	open func(t testing.TB) (*dbHandle, db.Conn, db.Dialect)
}

func dbCacheDBs() []dbCacheDB {
	out := []dbCacheDB{{"sqlite", func(t testing.TB) (*dbHandle, db.Conn, db.Dialect) {
		h := openSQLite(t)
		return h, db.SQLConn(h.sqlDB), sqlite.Dialect{}
	}}}
	if os.Getenv("DJSESSION_PG_DSN") != "" {
		out = append(out, dbCacheDB{"postgres", func(t testing.TB) (*dbHandle, db.Conn, db.Dialect) {
			h := openPostgres(t)
			return h, postgres.Conn(h.pool, false), postgres.Dialect{}
		}})
	}
	return out
}

func TestDatabaseCacheLive(t *testing.T) {
	if testing.Short() {
		skipOrFail(t, "live Django tests skipped in -short mode")
	}
	for _, series := range matrix(t) {
		for _, d := range dbCacheDBs() {
			t.Run(series+"/"+d.name, func(t *testing.T) {
				h, conn, dialect := d.open(t)
				p := startDBPeer(t, series, h, true)
				for _, kc := range cacheKeyCases() {
					t.Run(kc.name, func(t *testing.T) {
						table := h.tempTable(t, "djcache")
						p.mustOK(t, map[string]any{"op": "cb_createcachetable", "table": table})
						conf := map[string]any{"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": table}
						for k, v := range kc.django {
							conf[k] = v
						}
						c, err := dbcache.New(conn, dialect, dbcache.Options{Table: table, Keys: kc.keys})
						if err != nil {
							t.Fatal(err)
						}
						s := &cacheSide{t: t, p: p, conf: conf, cache: c}
						commonCacheChecks(t, s, c)

						// Byte-exact rows: the same value and the same expires text as
						// Django's for the same value and timeout (± 1 s).
						ctx := context.Background()
						for _, tc := range []struct {
							name    string
							timeout caches.Timeout
							django  any
						}{{"200s", caches.Seconds(200), 200}, {"None", caches.Never, nil}} {
							c.Set(ctx, "row-go", mustJSON(t, cacheValues[0]), tc.timeout)
							s.req("cb_set", "row-dj", map[string]any{"json": cacheValues[0], "timeout": tc.django})
							g := p.mustOK(t, map[string]any{"op": "cb_db_row", "table": table, "full_key": c.MakeKey("row-go")})["row"].(map[string]any)
							j := p.mustOK(t, map[string]any{"op": "cb_db_row", "table": table, "full_key": c.MakeKey("row-dj")})["row"].(map[string]any)
							if g["value"] != j["value"] {
								t.Errorf("%s: value column: Go %q, Django %q", tc.name, g["value"], j["value"])
							}
							if !sameSecond(t, g["expires"].(string), j["expires"].(string)) {
								t.Errorf("%s: expires: Go %q, Django %q", tc.name, g["expires"], j["expires"])
							}
						}
					})
				}
			})
		}
	}
}

// sameSecond compares Django's str() of two expires datetimes within one second: with an
// offset (PostgreSQL's timestamptz) or without (SQLite's text), fractions optional.
func sameSecond(t *testing.T, a, b string) bool {
	if a == b {
		return true
	}
	parse := func(s string) (time.Time, bool) {
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999"} {
			if v, err := time.Parse(layout, s); err == nil {
				return v, true
			}
		}
		t.Errorf("expires %q: not a datetime", s)
		return time.Time{}, false
	}
	ta, ok1 := parse(a)
	tb, ok2 := parse(b)
	if !ok1 || !ok2 {
		return false
	}
	d := ta.Sub(tb)
	return d >= -time.Second && d <= time.Second
}

func TestFileBasedCacheLive(t *testing.T) {
	peers := livePeers(t)
	ctx := context.Background()
	for _, p := range peers {
		for _, kc := range cacheKeyCases() {
			t.Run(p.Series+"/"+kc.name, func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "cache")
				conf := map[string]any{"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": dir}
				for k, v := range kc.django {
					conf[k] = v
				}
				c, err := filecache.New(filecache.Options{Dir: dir, Keys: kc.keys})
				if err != nil {
					t.Fatal(err)
				}
				s := &cacheSide{t: t, p: p, conf: conf, cache: c}
				// Go makes the directory, 0o700, as Django does.
				if err := c.Set(ctx, "first", serializer.Int(1), caches.Seconds(60)); err != nil {
					t.Fatal(err)
				}
				if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
					t.Errorf("cache dir: %v %v, want 0700", fi.Mode(), err)
				}
				commonCacheChecks(t, s, c)

				// Byte-exact files: after the expiry pickle, Go's file and Django's file
				// for the same value are the same bytes; the expiries agree within 1 s.
				c.Set(ctx, "file-go", mustJSON(t, cacheValues[0]), caches.Seconds(200))
				s.req("cb_set", "file-dj", map[string]any{"json": cacheValues[0], "timeout": 200})
				g, err1 := os.ReadFile(c.Path("file-go"))
				j, err2 := os.ReadFile(c.Path("file-dj"))
				if err1 != nil || err2 != nil {
					t.Fatal(err1, err2)
				}
				var codec caches.FileCache
				ge, gn, _ := codec.DecodeExpiry(g)
				je, jn, _ := codec.DecodeExpiry(j)
				if !bytes.Equal(g[gn:], j[jn:]) {
					t.Error("file bodies differ between Go and Django")
				}
				if d := ge.At - je.At; d < -1 || d > 1 {
					t.Errorf("expiry: Go %v, Django %v", ge, je)
				}
				// An expired file is a miss for Django, which deletes it.
				c.Set(ctx, "gone", serializer.Int(1), caches.Seconds(-1))
				if _, ok := s.djangoGet("gone"); ok {
					t.Error("Django finds Go's expired entry")
				}
				if _, err := os.Stat(c.Path("gone")); !os.IsNotExist(err) {
					t.Errorf("expired file still there: %v", err)
				}
				// No temporary files are left behind.
				ents, _ := os.ReadDir(dir)
				for _, e := range ents {
					if !strings.HasSuffix(e.Name(), caches.FileCacheSuffix) {
						t.Errorf("stray file %s", e.Name())
					}
				}
			})
		}
	}
}
