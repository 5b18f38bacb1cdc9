package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/caches/dbcache"
	"github.com/djsession/djsession/caches/djangoredis"
	"github.com/djsession/djsession/caches/filecache"
	"github.com/djsession/djsession/caches/memcache"
	"github.com/djsession/djsession/caches/redis"
	djengines "github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/cache"
	"github.com/djsession/djsession/engines/cacheddb"
	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/engines/db/mysql"
	"github.com/djsession/djsession/engines/db/postgres"
	"github.com/djsession/djsession/engines/db/sqlite"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"

	goredis "github.com/redis/go-redis/v9"
)

// ---------------------------------------------------------------- cache-key vs Django

// cacheKeyCase is one line of fixtures/cachekeys.json, written by scripts/gen_cache_keys.py
// from the keys Django 5.2 (and django-redis) make.
type cacheKeyCase struct {
	Backend     string  `json:"backend"`
	KeyPrefix   *string `json:"key_prefix"`
	Version     *string `json:"version"`
	VersionType string  `json:"version_type"`
	Engine      string  `json:"engine"`
	Raw         bool    `json:"raw"`
	Key         string  `json:"key"`
	CacheKey    string  `json:"cache_key"`
	FullKey     string  `json:"full_key"`
	FileName    string  `json:"file_name"`
	Invalid     bool    `json:"invalid"`
}

func TestCacheKeyMatchesDjango(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "cachekeys.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Django string         `json:"django"`
		Cases  []cacheKeyCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	if len(fx.Cases) < 100 {
		t.Fatalf("only %d cases", len(fx.Cases))
	}
	seen := map[string]bool{}
	for i, c := range fx.Cases {
		seen[c.Backend] = true
		args := []string{"cache-key", "--cache-backend", c.Backend}
		if c.KeyPrefix != nil {
			args = append(args, "--key-prefix", *c.KeyPrefix)
		}
		if c.Version != nil {
			args = append(args, "--version", *c.Version)
		}
		if c.Raw {
			args = append(args, "--raw")
		} else {
			args = append(args, "--engine", c.Engine)
		}
		name := fmt.Sprintf("case %d %v", i, args[1:])
		// No secret key: cache-key does not need one.
		r := call(nil, "", append(args, "--", c.Key)...)
		if r.code != 0 || r.stdout != c.FullKey+"\n" {
			t.Errorf("%s: exit %d, stdout %q, Django %q (stderr %q)", name, r.code, r.stdout, c.FullKey, r.stderr)
			continue
		}
		if warned := r.stderr != ""; warned != c.Invalid {
			t.Errorf("%s: stderr %q, Django's validate_key objects: %v", name, r.stderr, c.Invalid)
		}
		if c.Invalid && (strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "djsession: cache-key: warning: ")) {
			t.Errorf("%s: warning %q is not one line", name, r.stderr)
		}
		r = call(nil, "", append(append(args, "--json", "--location", "cachedir"), "--", c.Key)...)
		var got struct{ Key, CacheKey, FullKey, File string }
		if r.code != 0 {
			t.Fatalf("%s --json: exit %d %q", name, r.code, r.stderr)
		}
		if err := json.Unmarshal([]byte(r.stdout), &struct {
			Key      *string `json:"key"`
			CacheKey *string `json:"cache_key"`
			FullKey  *string `json:"full_key"`
			File     *string `json:"file"`
		}{&got.Key, &got.CacheKey, &got.FullKey, &got.File}); err != nil {
			t.Fatal(err)
		}
		if got.Key != c.Key || got.CacheKey != c.CacheKey || got.FullKey != c.FullKey || filepath.Base(got.File) != c.FileName &&
			!(c.FileName == "" && got.File == "") {
			t.Errorf("%s --json: %+v, Django %+v", name, got, c)
		}
		if c.FileName != "" && !filepath.IsAbs(got.File) {
			t.Errorf("%s: file %q is not absolute", name, got.File)
		}
	}
	for _, b := range cacheBackends {
		if !seen[b] {
			t.Errorf("fixture has no case for --cache-backend %s", b)
		}
	}
	// Without --cache-backend the key is the same.
	if got := line(t, call(nil, "", "cache-key", "--key-prefix", "p", "--version", "v2", "abcdefgh")); got != "p:v2:django.contrib.sessions.cacheabcdefgh" {
		t.Errorf("no backend: %q", got)
	}
}

// ---------------------------------------------------------------- shared checks

// cacheInspectJSON is inspect --json for a cache engine.
type cacheInspectJSON struct {
	Key          string          `json:"key"`
	Engine       string          `json:"engine"`
	CacheBackend string          `json:"cache_backend"`
	CacheKey     string          `json:"cache_key"`
	Cached       bool            `json:"cached"`
	Source       string          `json:"source"`
	TTL          *float64        `json:"ttl"`
	NeverExpires bool            `json:"never_expires"`
	ExpireDate   *string         `json:"expire_date"`
	Expired      bool            `json:"expired"`
	UserID       json.RawMessage `json:"user_id"`
	UserBackend  json.RawMessage `json:"user_backend"`
	Size         int64           `json:"size"`
	Session      json.RawMessage `json:"session"`
	DB           *struct {
		Found      bool            `json:"found"`
		ExpireDate string          `json:"expire_date"`
		Expired    bool            `json:"expired"`
		Session    json.RawMessage `json:"session"`
	} `json:"db"`
}

func inspectCacheJSON(t *testing.T, args ...string) cacheInspectJSON {
	t.Helper()
	r := call(nil, "", append([]string{"inspect", "--json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("inspect %v: exit %d, stderr %q", args, r.code, r.stderr)
	}
	var got cacheInspectJSON
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%q: %v", r.stdout, err)
	}
	return got
}

// cacheListKeys runs list --json and returns the keys (file names for the file backend)
// and user ids.
func cacheListKeys(t *testing.T, args ...string) ([]string, map[string]string) {
	t.Helper()
	r := call(nil, "", append([]string{"list", "--json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("list %v: exit %d, stderr %q", args, r.code, r.stderr)
	}
	var keys []string
	users := map[string]string{}
	for _, row := range jsonLines(t, r.stdout) {
		k, _ := row["key"].(string)
		if k == "" {
			k, _ = row["file"].(string)
		}
		keys = append(keys, k)
		if u, ok := row["user_id"].(string); ok {
			users[k] = u
		}
	}
	return keys, users
}

const (
	sessionA = `{"_auth_user_id":"42","_auth_user_backend":"django.contrib.auth.backends.ModelBackend","cart":[1,2.5,"x"]}`
	sessionB = `{"lang":"fr","n":7}`
)

// checkTTL checks a TTL against the session age the engine stored (SESSION_COOKIE_AGE).
func checkTTL(t *testing.T, what string, got cacheInspectJSON, age float64) {
	t.Helper()
	if got.TTL == nil || *got.TTL > age || *got.TTL < age-30 || got.NeverExpires || got.ExpireDate == nil {
		t.Errorf("%s: ttl %v (never %v, expire date %v), want about %v s", what, got.TTL, got.NeverExpires, got.ExpireDate, age)
	}
}

func randomPrefix() string {
	var b [5]byte
	rand.Read(b[:])
	return "djscli" + hex.EncodeToString(b[:])
}

// writeCacheSessions saves sessionA and sessionB with the Go cache engine on c and
// returns their keys, sorted; it also stores an entry of the cached_db engine and a
// non-session entry, which the cache engine's list must leave out.
func writeCacheSessions(t *testing.T, c caches.Backend) (keys []string, cachedDBKey string) {
	t.Helper()
	ctx := context.Background()
	s, err := cache.New(c, cache.Options{Options: djengines.Options{Logger: discardLogger}})
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{sessionA, sessionB} {
		k := djengines.NewKey()
		saveSession(t, s, k, text)
		keys = append(keys, k)
	}
	slices.Sort(keys)
	cachedDBKey = djengines.NewKey()
	if err := c.Set(ctx, cacheddb.KeyPrefix+cachedDBKey, serializer.DictValue(dictOf(t, sessionB)), caches.Seconds(600)); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, "unrelated", serializer.Int(5), caches.Seconds(600)); err != nil {
		t.Fatal(err)
	}
	return keys, cachedDBKey
}

// checkCacheBackend is the inspect/list suite on a backend the sessions were written to
// with writeCacheSessions; flags select it on the command line.
func checkCacheBackend(t *testing.T, c caches.Backend, flags []string, canList bool) {
	keys, cdb := writeCacheSessions(t, c)
	backend := flags[slices.Index(flags, "--cache-backend")+1]
	for _, k := range keys {
		got := inspectCacheJSON(t, append(flags, k)...)
		full := c.MakeKey(cache.KeyPrefix + k)
		if got.Key != k || got.Engine != "cache" || got.CacheBackend != backend || got.CacheKey != full ||
			!got.Cached || got.Source != "cache" || got.Expired || got.Size <= 0 {
			t.Errorf("inspect %s: %+v", k, got)
		}
		checkTTL(t, "inspect "+k, got, float64(session.DefaultCookieAge))
		// The session is what the Go engine stored (A or B: keys are sorted).
		if string(got.Session) != sessionA && string(got.Session) != sessionB {
			t.Errorf("inspect %s: session %s", k, got.Session)
		}
		if string(got.Session) == sessionA && string(got.UserID) != `"42"` || string(got.Session) == sessionB && string(got.UserID) != "null" {
			t.Errorf("inspect %s: user %s for %s", k, got.UserID, got.Session)
		}
		// The text form names the key it read and the TTL.
		r := call(nil, "", append(append([]string{"inspect"}, flags...), k)...)
		if r.code != 0 || !strings.Contains(r.stdout, "cache key     "+full+"\n") || !strings.Contains(r.stdout, "\nttl           ") ||
			!strings.Contains(r.stdout, "session       "+string(got.Session)+"\n") {
			t.Errorf("inspect %s text: exit %d\n%s%s", k, r.code, r.stdout, r.stderr)
		}
	}
	// The cached_db entry is found with --engine cached_db (no --db: the cache only).
	got := inspectCacheJSON(t, append(append([]string{"--engine", "cached_db"}, flags...), cdb)...)
	if got.CacheKey != c.MakeKey(cacheddb.KeyPrefix+cdb) || string(got.Session) != sessionB || got.Source != "cache" {
		t.Errorf("inspect cached_db: %+v", got)
	}
	// A missing session exits 1 with one line naming the full key.
	missing := djengines.NewKey()
	r := call(nil, "", append(append([]string{"inspect"}, flags...), missing)...)
	if r.code != exitError || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, c.MakeKey(cache.KeyPrefix+missing)) {
		t.Errorf("missing session: %+v", r)
	}
	if !canList {
		r := call(nil, "", append([]string{"list"}, flags...)...)
		if r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "memcached cannot list") || r.stdout != "" {
			t.Errorf("list on memcached: %+v", r)
		}
		return
	}
	listed, users := cacheListKeys(t, flags...)
	if !slices.Equal(listed, keys) {
		t.Errorf("list: %v, want %v (the cached_db entry and the int left out)", listed, keys)
	}
	if len(users) != 1 {
		t.Errorf("list users: %v", users)
	}
	listed, _ = cacheListKeys(t, append([]string{"--engine", "cached_db"}, flags...)...)
	if !slices.Equal(listed, []string{cdb}) {
		t.Errorf("list --engine cached_db: %v, want %v", listed, []string{cdb})
	}
	// Text: one line per session.
	r = call(nil, "", append([]string{"list"}, flags...)...)
	if r.code != 0 || strings.Count(r.stdout, "\n") != 2 || !strings.HasPrefix(r.stdout, keys[0]+" ") {
		t.Errorf("list text: %+v", r)
	}
}

// ---------------------------------------------------------------- file and db caches

func TestCacheEngineFileBackend(t *testing.T) {
	dir := t.TempDir()
	keys := caches.KeyConfig{KeyPrefix: "site", Version: caches.IntVersion(3)}
	c, err := filecache.New(filecache.Options{Dir: dir, Keys: keys, Logger: discardLogger})
	if err != nil {
		t.Fatal(err)
	}
	flags := []string{"--cache-backend", "file", "--location", dir, "--key-prefix", "site", "--version", "3"}
	sessKeys, cdb := writeCacheSessions(t, c)
	for _, k := range sessKeys {
		got := inspectCacheJSON(t, append(flags, k)...)
		if got.CacheKey != "site:3:django.contrib.sessions.cache"+k || !got.Cached || got.Expired {
			t.Errorf("inspect %s: %+v", k, got)
		}
		checkTTL(t, k, got, float64(session.DefaultCookieAge))
	}
	// The file cache keeps no keys: list names files, and shows every dict (the cached_db
	// entry too), not the int.
	var want []string
	for _, k := range append(slices.Clone(sessKeys), "") {
		uk := cache.KeyPrefix + k
		if k == "" {
			uk = cacheddb.KeyPrefix + cdb
		}
		want = append(want, caches.FileCacheName(keys.MakeKey(uk)))
	}
	slices.Sort(want)
	listed, _ := cacheListKeys(t, flags...)
	if !slices.Equal(listed, want) {
		t.Errorf("list: %v, want %v", listed, want)
	}

	// An entry written a year ago has expired: inspect shows it marked, list leaves it
	// out unless --all, and neither deletes it (Django's get would).
	old, err := filecache.New(filecache.Options{Dir: dir, Keys: keys, Logger: discardLogger,
		Now: func() time.Time { return time.Now().Add(-365 * 24 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	oldKey := djengines.NewKey()
	s, _ := cache.New(old, cache.Options{Options: djengines.Options{Now: func() time.Time { return time.Now().Add(-365 * 24 * time.Hour) }}})
	saveSession(t, s, oldKey, sessionB)
	got := inspectCacheJSON(t, append(flags, oldKey)...)
	if !got.Expired || got.TTL == nil || *got.TTL != 0 {
		t.Errorf("expired entry: %+v", got)
	}
	if listed, _ := cacheListKeys(t, flags...); len(listed) != 3 {
		t.Errorf("list without --all: %v", listed)
	}
	if listed, _ := cacheListKeys(t, append(flags, "--all")...); len(listed) != 4 {
		t.Errorf("list --all: %v", listed)
	}
	if _, err := os.Stat(filepath.Join(dir, caches.FileCacheName(keys.MakeKey(cache.KeyPrefix+oldKey)))); err != nil {
		t.Errorf("inspect or list removed the expired file: %v", err)
	}
}

func newSQLiteCache(t *testing.T, path string, keys caches.KeyConfig) *dbcache.Cache {
	t.Helper()
	conn, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c, err := dbcache.New(db.SQLConn(conn), sqlite.Dialect{}, dbcache.Options{Table: "my_cache_table", Keys: keys, Logger: discardLogger})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCacheEngineDBBackend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache.sqlite3")
	keys := caches.KeyConfig{KeyPrefix: "a*b?[c]", Version: caches.StringVersion("v2")}
	c := newSQLiteCache(t, path, keys)
	if err := c.CreateTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkCacheBackend(t, c, []string{"--cache-backend", "db", "--location", "sqlite:" + path, "--cache-table", "my_cache_table",
		"--key-prefix", "a*b?[c]", "--version", "v2"}, true)
}

// TestCachedDBInspect: cache first, then the database row.
func TestCachedDBInspect(t *testing.T) {
	now := time.Now()
	tmp := t.TempDir()
	dbPath := filepath.Join(tmp, "db.sqlite3")
	dbs, _ := newSQLiteStore(t, dbPath, now, false, time.UTC)
	fc, err := filecache.New(filecache.Options{Dir: filepath.Join(tmp, "cache"), Logger: discardLogger})
	if err != nil {
		t.Fatal(err)
	}
	s, err := cacheddb.New(dbs, fc, cacheddb.Options{Options: djengines.Options{Codec: codecAt(t, now), Logger: discardLogger}})
	if err != nil {
		t.Fatal(err)
	}
	key := djengines.NewKey()
	saveSession(t, s, key, sessionA)
	flags := []string{"--engine", "cached_db", "--cache-backend", "file", "--location", filepath.Join(tmp, "cache")}
	withDB := append(slices.Clone(flags), "--db", "sqlite:"+dbPath)
	inspect := func(args ...string) cacheInspectJSON {
		r := cli(append([]string{"inspect", "--json"}, append(args, key)...)...)
		var got cacheInspectJSON
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &got) != nil {
			t.Fatalf("inspect %v: %+v", args, r)
		}
		return got
	}
	got := inspect(withDB...)
	if got.Source != "cache" || !got.Cached || string(got.Session) != sessionA || got.DB == nil || !got.DB.Found ||
		string(got.DB.Session) != sessionA || got.DB.Expired || got.CacheKey != ":1:django.contrib.sessions.cached_db"+key {
		t.Errorf("cached: %+v", got)
	}
	checkTTL(t, "cached_db", got, float64(session.DefaultCookieAge))
	if r := cli(append(append([]string{"inspect"}, withDB...), key)...); r.code != 0 || !strings.Contains(r.stdout, "same session as the cache") {
		t.Errorf("text: %+v", r)
	}
	// Evicted from the cache: the database row answers, as Django's load falls back.
	if err := fc.Delete(context.Background(), cacheddb.KeyPrefix+key); err != nil {
		t.Fatal(err)
	}
	got = inspect(withDB...)
	if got.Source != "db" || got.Cached || string(got.Session) != sessionA || got.TTL != nil || got.ExpireDate == nil ||
		*got.ExpireDate != got.DB.ExpireDate || string(got.UserID) != `"42"` {
		t.Errorf("from the database: %+v", got)
	}
	// Without --db only the cache is asked: a miss, exit 1.
	if r := cli(append(append([]string{"inspect"}, flags...), key)...); r.code != exitError || !strings.Contains(r.stderr, "--db") {
		t.Errorf("cache only: %+v", r)
	}
	// The database side needs the secret key; the cache side does not.
	if r := call(nil, "", append(append([]string{"inspect"}, withDB...), key)...); r.code != exitUsage || !strings.Contains(r.stderr, "no secret key") {
		t.Errorf("no key: %+v", r)
	}
}

// ---------------------------------------------------------------- live servers

const liveCacheHint = `run eval "$(scripts/services start redis memcached)" to enable the live cache CLI tests`

func liveEnv(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		skipOrFail(t, "$"+name+" is not set: "+liveCacheHint)
	}
	return v
}

func TestCacheCLIRedis(t *testing.T) {
	url := liveEnv(t, "DJSESSION_REDIS_URL")
	t.Run("RedisCache", func(t *testing.T) {
		prefix := randomPrefix()
		keys := caches.KeyConfig{KeyPrefix: prefix, Version: caches.IntVersion(4)}
		c, err := redis.Open([]string{url}, redis.Options{KeyConfig: keys, Logger: discardLogger})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Clients()[0].Ping(context.Background()).Err(); err != nil {
			skipOrFail(t, fmt.Sprintf("redis at %s: %v: %s", url, err, liveCacheHint))
		}
		defer cleanRedis(t, c.Clients()[0], prefix)
		checkCacheBackend(t, c, []string{"--cache-backend", "redis", "--location", url, "--key-prefix", prefix, "--version", "4"}, true)
		// An entry set with timeout None never expires.
		k := djengines.NewKey()
		if err := c.Set(context.Background(), cache.KeyPrefix+k, serializer.DictValue(dictOf(t, sessionB)), caches.Never); err != nil {
			t.Fatal(err)
		}
		got := inspectCacheJSON(t, "--cache-backend", "redis", "--location", url, "--key-prefix", prefix, "--version", "4", k)
		if !got.NeverExpires || got.TTL != nil || got.ExpireDate != nil {
			t.Errorf("timeout None: %+v", got)
		}
	})
	t.Run("django-redis", func(t *testing.T) {
		prefix := randomPrefix() + "*["
		codec := caches.DjangoRedis{Serializer: caches.JSONSerializer, Compressor: caches.Zlib}
		c, err := djangoredis.Open([]string{url}, djangoredis.Options{KeyConfig: caches.KeyConfig{KeyPrefix: prefix}, Codec: codec})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		defer cleanRedis(t, c.Clients()[0], prefix)
		flags := []string{"--cache-backend", "django-redis", "--location", url + "," + url, "--key-prefix", prefix,
			"--cache-serializer", "json", "--cache-compressor", "zlib"}
		checkCacheBackend(t, c, flags, true)
		// With the default (pickle) serializer the JSON values cannot be read: exit 1.
		listed, _ := cacheListKeys(t, flags...)
		r := call(nil, "", "inspect", "--cache-backend", "django-redis", "--location", url, "--key-prefix", prefix, listed[0])
		if r.code != exitError || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("wrong serializer: %+v", r)
		}
	})
}

// TestCacheCLIRedisCluster runs the inspect/list suite with --redis-cluster on the Redis
// Cluster of scripts/services (three primaries), and lists sessions spread over all
// three nodes; without --redis-cluster the keys on the other nodes cannot be read.
func TestCacheCLIRedisCluster(t *testing.T) {
	addrs := liveEnv(t, "DJSESSION_REDIS_CLUSTER")
	ctx := context.Background()
	cl := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: strings.Split(addrs, ",")})
	defer cl.Close()
	if err := cl.Ping(ctx).Err(); err != nil {
		skipOrFail(t, fmt.Sprintf("Redis Cluster at %s: %v: run eval \"$(scripts/services start redis-cluster)\"", addrs, err))
	}
	prefix := randomPrefix()
	c, err := djangoredis.New([]goredis.UniversalClient{cl}, djangoredis.Options{KeyConfig: caches.KeyConfig{KeyPrefix: prefix}})
	if err != nil {
		t.Fatal(err)
	}
	defer cleanRedis(t, cl, prefix)
	node := "redis://" + strings.Split(addrs, ",")[0]
	flags := []string{"--cache-backend", "django-redis", "--location", node, "--redis-cluster", "--key-prefix", prefix}
	checkCacheBackend(t, c, flags, true)

	s, err := cache.New(c, cache.Options{Options: djengines.Options{Logger: discardLogger}})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := cacheListKeys(t, flags...)
	want := slices.Clone(before)
	for range 15 {
		k := djengines.NewKey()
		saveSession(t, s, k, sessionA)
		want = append(want, k)
	}
	slices.Sort(want)
	listed, _ := cacheListKeys(t, flags...)
	if !slices.Equal(listed, want) {
		t.Fatalf("list --redis-cluster: %d keys, want %d", len(listed), len(want))
	}
	// Keys on every node; each read with --redis-cluster, and some not without it.
	ranges, err := cl.ClusterSlots(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	nodes := map[string]bool{}
	unreadable := 0
	for _, k := range want {
		slot, err := cl.ClusterKeySlot(ctx, c.MakeKey(cache.KeyPrefix+k)).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range ranges {
			if int64(r.Start) <= slot && slot <= int64(r.End) {
				nodes[r.Nodes[0].Addr] = true
			}
		}
		if r := call(nil, "", append(append([]string{"inspect"}, flags...), k)...); r.code != 0 {
			t.Errorf("inspect --redis-cluster %s: %+v", k, r)
		}
		plain := slices.DeleteFunc(slices.Clone(flags), func(f string) bool { return f == "--redis-cluster" })
		if r := call(nil, "", append(append([]string{"inspect"}, plain...), k)...); r.code != 0 {
			unreadable++
		}
	}
	if len(nodes) != 3 || unreadable == 0 {
		t.Errorf("%d sessions on %d nodes, %d unreadable without --redis-cluster", len(want), len(nodes), unreadable)
	}
	if r := call(nil, "", "list", "--cache-backend", "pymemcache", "--location", "127.0.0.1:1", "--redis-cluster"); r.code != exitUsage {
		t.Errorf("--redis-cluster with memcached: %+v", r)
	}
	if r := call(nil, "", "list", "--cache-backend", "redis", "--location", node+"/2", "--redis-cluster"); r.code != exitUsage {
		t.Errorf("--redis-cluster with database 2: %+v", r)
	}
}

// cleanRedis deletes the test's keys (on every primary of a cluster).
func cleanRedis(t *testing.T, cl goredis.UniversalClient, prefix string) {
	ctx := context.Background()
	keys, err := scanKeys(ctx, cl, globEscape(prefix)+"*")
	for _, k := range keys {
		cl.Del(ctx, k)
	}
	if err != nil {
		t.Error(err)
	}
}

func TestCacheCLIMemcached(t *testing.T) {
	addrs := strings.Split(liveEnv(t, "DJSESSION_MEMCACHED_ADDRS"), ",")
	for _, flavor := range []memcache.Flavor{memcache.PyMemcache, memcache.PyLibMC} {
		name := map[memcache.Flavor]string{memcache.PyMemcache: "pymemcache", memcache.PyLibMC: "pylibmc"}[flavor]
		t.Run(name, func(t *testing.T) {
			prefix := randomPrefix()
			c, err := memcache.New(flavor, memcache.Options{Location: addrs, Keys: caches.KeyConfig{KeyPrefix: prefix}, Logger: discardLogger})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.Client().Ping(); err != nil {
				skipOrFail(t, fmt.Sprintf("memcached at %v: %v: %s", addrs, err, liveCacheHint))
			}
			// The servers as one LOCATION string (split as Django splits it).
			checkCacheBackend(t, c, []string{"--cache-backend", name, "--location", strings.Join(addrs, ";"), "--key-prefix", prefix}, false)
			// As repeated --location flags, in the same order: the same server choice.
			flags := []string{"--cache-backend", name, "--key-prefix", prefix}
			for _, a := range addrs {
				flags = append(flags, "--location", a)
			}
			k := djengines.NewKey()
			s, _ := cache.New(c, cache.Options{Options: djengines.Options{Logger: discardLogger}})
			saveSession(t, s, k, sessionA)
			got := inspectCacheJSON(t, append(flags, k)...)
			if string(got.Session) != sessionA {
				t.Errorf("repeated --location: %+v", got)
			}
			// Only the server the client picks holds the key: so the CLI must pick the same.
			if len(addrs) > 1 {
				holders := 0
				for _, a := range addrs {
					r := call(nil, "", "inspect", "--cache-backend", name, "--location", a, "--key-prefix", prefix, k)
					if r.code == 0 {
						holders++
					}
				}
				if holders != 1 {
					t.Errorf("%d servers hold the session, want 1", holders)
				}
			}
		})
	}
}

// ---------------------------------------------------------------- bad input

func TestCacheCLIBadInput(t *testing.T) {
	dir := t.TempDir()
	const k = "abcdefgh12345678"
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown backend", []string{"inspect", "--engine", "cache", "--cache-backend", "locmem", "--location", "x", k}, `unknown --cache-backend "locmem"`},
		{"unknown backend list", []string{"list", "--cache-backend", "nosuch", "--location", "x"}, "unknown --cache-backend"},
		{"missing location", []string{"inspect", "--engine", "cache", "--cache-backend", "redis", k}, "needs --location"},
		{"missing location list", []string{"list", "--engine", "cached_db", "--cache-backend", "file"}, "needs --location"},
		{"empty location", []string{"inspect", "--cache-backend", "pymemcache", "--location", ",;", k}, "needs --location"},
		{"missing backend", []string{"inspect", "--engine", "cache", k}, "needs --cache-backend"},
		{"memcached list", []string{"list", "--cache-backend", "pylibmc", "--location", "127.0.0.1:1"}, "memcached cannot list"},
		{"two file dirs", []string{"inspect", "--cache-backend", "file", "--location", dir, "--location", dir, k}, "takes one --location"},
		{"db without table", []string{"inspect", "--cache-backend", "db", "--location", "sqlite:x", k}, "--cache-table"},
		{"db bad url", []string{"inspect", "--cache-backend", "db", "--location", "oracle://x", "--cache-table", "t", k}, "unknown database URL scheme"},
		{"redis bad url", []string{"inspect", "--cache-backend", "redis", "--location", "http://x", k}, "--location"},
		{"serializer not django-redis", []string{"inspect", "--cache-backend", "redis", "--location", "redis://x", "--cache-serializer", "json", k}, "django-redis"},
		{"bad serializer", []string{"inspect", "--cache-backend", "django-redis", "--location", "redis://127.0.0.1:1", "--cache-serializer", "yaml", k}, "--cache-serializer"},
		{"bad compressor", []string{"inspect", "--cache-backend", "django-redis", "--location", "redis://127.0.0.1:1", "--cache-compressor", "brotli", k}, "--cache-compressor"},
		{"cache flag on db engine", []string{"inspect", "--engine", "db", "--db", "sqlite:x", "--key-prefix", "p", k}, "--key-prefix is for the cache"},
		{"file-path on cache", []string{"inspect", "--cache-backend", "file", "--location", dir, "--file-path", dir, k}, "--file-path"},
		{"db on cache engine", []string{"inspect", "--cache-backend", "file", "--location", dir, "--db", "sqlite:x", k}, "--db"},
		{"db on cached_db list", []string{"list", "--engine", "cached_db", "--cache-backend", "file", "--location", dir, "--db", "sqlite:x"}, "--engine db"},
		{"short session key", []string{"inspect", "--cache-backend", "file", "--location", dir, "abc"}, "invalid session key"},
		{"cache-key engine", []string{"cache-key", "--engine", "db", k}, "unknown engine"},
		{"cache-key short key", []string{"cache-key", "abc"}, "invalid session key"},
		{"cache-key backend", []string{"cache-key", "--cache-backend", "memcached", k}, "unknown --cache-backend"},
		{"clearsessions cache", []string{"clearsessions", "--secret-key", "x", "--engine", "cache"}, "the cache expires sessions itself"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := call(nil, "", c.args...)
			if r.code != exitUsage || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 ||
				!strings.HasPrefix(r.stderr, "djsession: ") || !strings.Contains(r.stderr, c.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", r.code, r.stdout, r.stderr, c.want)
			}
		})
	}
}

// TestCacheCLIDatabaseCacheLive runs the suite on a DatabaseCache table in PostgreSQL and
// MariaDB (timestamptz and datetime(6) expires).
func TestCacheCLIDatabaseCacheLive(t *testing.T) {
	ctx := context.Background()
	t.Run("postgresql", func(t *testing.T) {
		pool, dsn := livePostgres(t)
		table := randomTable(t)
		defer pool.Exec(ctx, `DROP TABLE IF EXISTS "`+table+`"`)
		c, err := dbcache.New(postgres.Conn(pool, false), postgres.Dialect{}, dbcache.Options{Table: table,
			Keys: caches.KeyConfig{KeyPrefix: "pg"}, Logger: discardLogger})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.CreateTable(ctx); err != nil {
			t.Fatal(err)
		}
		checkCacheBackend(t, c, []string{"--cache-backend", "db", "--location", dsn, "--cache-table", table, "--key-prefix", "pg"}, true)
	})
	t.Run("mariadb", func(t *testing.T) {
		conn, dbURL := liveMariaDB(t)
		table := randomTable(t)
		defer conn.Exec("DROP TABLE IF EXISTS `" + table + "`")
		c, err := dbcache.New(db.SQLConn(conn), mysql.Dialect{}, dbcache.Options{Table: table,
			Keys: caches.KeyConfig{KeyPrefix: "my", Version: caches.IntVersion(9)}, Logger: discardLogger})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.CreateTable(ctx); err != nil {
			t.Fatal(err)
		}
		checkCacheBackend(t, c, []string{"--cache-backend", "db", "--location", dbURL, "--cache-table", table,
			"--key-prefix", "my", "--version", "9"}, true)
	})
}
