package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	gomc "github.com/bradfitz/gomemcache/memcache"
	"github.com/jackc/pgx/v5/pgxpool"
	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/caches/djangoredis"
	"github.com/djsession/djsession/caches/memcache"
	"github.com/djsession/djsession/caches/redis"
	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/engines/db/mysql"
	"github.com/djsession/djsession/engines/db/postgres"
	"github.com/djsession/djsession/engines/db/sqlite"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
)

// cacheItem is one cache entry as the commands report it. The readers only read: an
// expired DatabaseCache row or cache file is reported as expired (Django's get would
// delete it and miss), not removed.
type cacheItem struct {
	value     serializer.Value
	decodeErr error // the value could not be read (Django: an error, or a miss)
	size      int64 // bytes stored (the value column's text for db, the whole file for file)
	ttl       time.Duration
	never     bool // stored without expiry (timeout None)
	ttlKnown  bool
	ttlWhy    string    // why the TTL is unknown
	expireAt  time.Time // db and file: the stored expiry instant
	expired   bool      // db and file: past its expiry
}

// cacheReader reads a cache's entries the way the session engines store them.
type cacheReader interface {
	// read returns the entry of a key before make_key (prefix + session key).
	read(ctx context.Context, userKey string) (cacheItem, bool, error)
	// scan calls fn for the entries whose full key starts with prefix. The file backend
	// keeps no keys: it calls fn for every file, with full "" and the file name.
	scan(ctx context.Context, prefix string, fn func(full, file string, it cacheItem) error) error
	describe() string
	close()
}

func openCacheReader(ctx context.Context, cf *cacheFlags, exp session.Expiry, now func() time.Time) (cacheReader, error) {
	keys := cf.keyConfig()
	locs := cf.locationList()
	switch cf.backend.v {
	case "redis", "django-redis":
		if !cf.redisCluster {
			break
		}
		decode := caches.RedisSerializer{}.Decode
		if cf.backend.v == "django-redis" {
			codec, err := cf.djangoRedisCodec()
			if err != nil {
				return nil, err
			}
			decode = codec.Decode
		}
		c, err := openRedisCluster(locs)
		if err != nil {
			return nil, err
		}
		return &redisReader{keys: keys, client: c, closer: c.Close, decode: decode,
			name: cf.backend.v + " cluster " + strings.Join(locs, ",")}, nil
	}
	switch cf.backend.v {
	case "redis":
		c, err := redis.Open(locs, redis.Options{KeyConfig: keys, Logger: discardLogger})
		if err != nil {
			return nil, usagef("--location: %v", err)
		}
		return &redisReader{keys: keys, client: c.Clients()[0], closer: c.Close, decode: caches.RedisSerializer{}.Decode,
			name: "redis " + locs[0]}, nil
	case "django-redis":
		codec, err := cf.djangoRedisCodec()
		if err != nil {
			return nil, err
		}
		c, err := djangoredis.Open(locs, djangoredis.Options{KeyConfig: keys, Codec: codec, Logger: discardLogger})
		if err != nil {
			return nil, usagef("--location: %v", err)
		}
		return &redisReader{keys: keys, client: c.Clients()[0], closer: c.Close, decode: codec.Decode,
			name: "django-redis " + locs[0]}, nil
	case "pymemcache", "pylibmc":
		c, flavor, err := cf.openMemcache()
		if err != nil {
			return nil, err
		}
		return &memcacheReader{keys: keys, c: c, flavor: flavor}, nil
	case "file":
		dir, err := filepath.Abs(locs[0])
		if err != nil {
			return nil, err
		}
		return &fileCacheReader{keys: keys, dir: dir, now: now}, nil
	case "db":
		conn, dialect, closeFn, err := openCacheDB(ctx, locs[0], false)
		if err != nil {
			return nil, err
		}
		var loc *time.Location
		if exp.NaiveTimes {
			loc = exp.Location
		}
		return &dbCacheReader{keys: keys, conn: conn, d: dialect, table: cf.cacheTable, loc: loc, now: now,
			closer: closeFn}, nil
	}
	return nil, usagef("unknown --cache-backend %q", cf.backend.v)
}

// openMemcache opens the memcached servers of --location with the Python client's
// placement (--cache-backend pymemcache or pylibmc).
func (cf *cacheFlags) openMemcache() (*memcache.Cache, memcache.Flavor, error) {
	flavor := memcache.PyMemcache
	if cf.backend.v == "pylibmc" {
		flavor = memcache.PyLibMC
	}
	locs := cf.locationList()
	for i, l := range locs {
		locs[i] = strings.TrimPrefix(l, "unix:") // as Django's memcached backends do
	}
	c, err := memcache.New(flavor, memcache.Options{Location: locs, Keys: cf.keyConfig(), Logger: discardLogger,
		NetTimeout: 5 * time.Second})
	if err != nil {
		return nil, flavor, usagef("--location: %v", err)
	}
	return c, flavor, nil
}

// ---------------------------------------------------------------- redis

// redisReader reads the first server of LOCATION, the one Django writes to.
type redisReader struct {
	keys   caches.KeyConfig
	client goredis.UniversalClient
	closer func() error
	decode func([]byte) (serializer.Value, error)
	name   string
}

func (r *redisReader) describe() string { return r.name }
func (r *redisReader) close()           { r.closer() }

func (r *redisReader) read(ctx context.Context, userKey string) (cacheItem, bool, error) {
	return r.readFull(ctx, r.keys.MakeKey(userKey))
}

func (r *redisReader) readFull(ctx context.Context, full string) (cacheItem, bool, error) {
	var get *goredis.StringCmd
	var pttl *goredis.DurationCmd
	_, err := r.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		get = p.Get(ctx, full)
		pttl = p.PTTL(ctx, full)
		return nil
	})
	if errors.Is(err, goredis.Nil) {
		err = nil
	}
	if err != nil {
		return cacheItem{}, false, err
	}
	b, err := get.Bytes()
	if errors.Is(err, goredis.Nil) {
		return cacheItem{}, false, nil
	}
	if err != nil {
		return cacheItem{}, false, err
	}
	it := cacheItem{size: int64(len(b))}
	it.value, it.decodeErr = r.decode(b)
	switch d := pttl.Val(); {
	case pttl.Err() != nil:
		it.ttlWhy = pttl.Err().Error()
	case d == -1:
		it.never = true
	case d == -2: // gone between GET and PTTL
		it.ttlWhy = "the key expired meanwhile"
	default:
		it.ttl, it.ttlKnown = d, true
	}
	return it, true, nil
}

// openRedisCluster connects to the Redis Cluster whose nodes locs name (redis:// or
// rediss:// URLs; the credentials and TLS settings of the first apply to all, and a
// cluster has only database 0).
func openRedisCluster(locs []string) (*goredis.ClusterClient, error) {
	o := &goredis.ClusterOptions{}
	for i, l := range locs {
		u, err := goredis.ParseURL(l)
		if err != nil {
			return nil, usagef("--location %q: %v", l, err)
		}
		if u.DB != 0 {
			return nil, usagef("--location %q: a Redis Cluster has only database 0", l)
		}
		if i == 0 {
			o.Username, o.Password, o.TLSConfig = u.Username, u.Password, u.TLSConfig
		}
		o.Addrs = append(o.Addrs, u.Addr)
	}
	return goredis.NewClusterClient(o), nil
}

// scanKeys returns the keys matching a SCAN pattern: of every primary, on a cluster.
func scanKeys(ctx context.Context, c goredis.UniversalClient, match string) ([]string, error) {
	if cc, ok := c.(*goredis.ClusterClient); ok {
		var mu sync.Mutex
		var keys []string
		err := cc.ForEachMaster(ctx, func(ctx context.Context, node *goredis.Client) error {
			ks, err := scanKeys(ctx, node, match)
			mu.Lock()
			keys = append(keys, ks...)
			mu.Unlock()
			return err
		})
		return keys, err
	}
	var keys []string
	iter := c.Scan(ctx, 0, match, 1000).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	return keys, iter.Err()
}

func (r *redisReader) scan(ctx context.Context, prefix string, fn func(full, file string, it cacheItem) error) error {
	keys, err := scanKeys(ctx, r.client, globEscape(prefix)+"*")
	if err != nil {
		return err
	}
	sort.Strings(keys)
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] || !strings.HasPrefix(k, prefix) { // SCAN may return a key twice
			continue
		}
		seen[k] = true
		it, ok, err := r.readFull(ctx, k)
		if err != nil {
			return err
		}
		if !ok {
			continue // expired since the scan
		}
		if err := fn(k, "", it); err != nil {
			return err
		}
	}
	return nil
}

// globEscape quotes the characters Redis glob patterns give a meaning: * ? [ ] \.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ---------------------------------------------------------------- memcached

type memcacheReader struct {
	keys   caches.KeyConfig
	c      *memcache.Cache
	flavor memcache.Flavor
}

func (r *memcacheReader) describe() string { return r.flavor.String() }
func (r *memcacheReader) close()           { r.c.Close() }

func (r *memcacheReader) read(ctx context.Context, userKey string) (cacheItem, bool, error) {
	full := r.keys.MakeKey(userKey)
	if err := caches.ValidateKey(full); err != nil {
		return cacheItem{}, false, usagef("%v: the memcached backends refuse it", err)
	}
	item, err := r.c.Client().Get(full)
	if errors.Is(err, gomc.ErrCacheMiss) {
		return cacheItem{}, false, nil
	}
	if err != nil {
		return cacheItem{}, false, err
	}
	it := cacheItem{size: int64(len(item.Value))}
	if r.flavor == memcache.PyLibMC {
		it.value, it.decodeErr = caches.Pylibmc{}.Decode(item.Value, item.Flags)
	} else {
		it.value, it.decodeErr = caches.Pymemcache{}.Decode(item.Value, item.Flags)
	}
	ttl, never, ok, err := r.c.TTL(ctx, userKey)
	switch {
	case err != nil:
		it.ttlWhy = err.Error()
	case never:
		it.never = true
	case !ok:
		it.ttlWhy = "the key expired meanwhile"
	default:
		it.ttl, it.ttlKnown = ttl, true
	}
	return it, true, nil
}

func (r *memcacheReader) scan(context.Context, string, func(string, string, cacheItem) error) error {
	return usagef("memcached cannot list its keys")
}

// ---------------------------------------------------------------- file

// fileCacheReader reads FileBasedCache files without deleting expired ones.
type fileCacheReader struct {
	keys caches.KeyConfig
	dir  string
	now  func() time.Time
}

func (r *fileCacheReader) describe() string { return "file cache " + r.dir }
func (r *fileCacheReader) close()           {}

func (r *fileCacheReader) read(_ context.Context, userKey string) (cacheItem, bool, error) {
	return r.readFile(filepath.Join(r.dir, caches.FileCacheName(r.keys.MakeKey(userKey))))
}

func (r *fileCacheReader) readFile(name string) (cacheItem, bool, error) {
	data, err := os.ReadFile(name)
	if errors.Is(err, os.ErrNotExist) {
		return cacheItem{}, false, nil
	}
	if err != nil {
		return cacheItem{}, false, err
	}
	it := cacheItem{size: int64(len(data))}
	if len(data) == 0 { // Django treats an empty file as expired
		it.expired, it.decodeErr = true, errors.New("empty cache file")
		return it, true, nil
	}
	exp, v, err := caches.FileCache{}.Decode(data)
	it.value, it.decodeErr = v, err
	if err != nil {
		if e, _, eerr := (caches.FileCache{}).DecodeExpiry(data); eerr == nil {
			exp = e
		} else {
			return it, true, nil
		}
	}
	now := r.now()
	if exp.Never {
		it.never = true
		return it, true, nil
	}
	it.expired = exp.Expired(caches.PyTime(now))
	sec := int64(exp.At)
	it.expireAt = time.Unix(sec, int64((exp.At-float64(sec))*1e9))
	it.ttl, it.ttlKnown = it.expireAt.Sub(now), true
	return it, true, nil
}

func (r *fileCacheReader) scan(_ context.Context, _ string, fn func(full, file string, it cacheItem) error) error {
	ents, err := os.ReadDir(r.dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), caches.FileCacheSuffix) {
			continue
		}
		it, ok, err := r.readFile(filepath.Join(r.dir, e.Name()))
		if err != nil {
			return err
		}
		if ok {
			if err := fn("", e.Name(), it); err != nil {
				return err
			}
		}
	}
	return nil
}

// ---------------------------------------------------------------- db

// dbCacheReader reads a DatabaseCache table without deleting expired rows.
type dbCacheReader struct {
	keys   caches.KeyConfig
	conn   db.Conn
	d      db.Dialect
	table  string
	loc    *time.Location // TIME_ZONE with USE_TZ = False, else nil
	now    func() time.Time
	closer func()
}

func (r *dbCacheReader) describe() string { return "database cache table " + r.table }
func (r *dbCacheReader) close()           { r.closer() }

func (r *dbCacheReader) query() string {
	q := r.d.Quote
	return "SELECT " + q("cache_key") + ", " + q("value") + ", " + q("expires") + " FROM " + q(r.table)
}

func (r *dbCacheReader) read(ctx context.Context, userKey string) (cacheItem, bool, error) {
	var full, value string
	var exp any
	err := r.conn.QueryRow(ctx, r.query()+" WHERE "+r.d.Quote("cache_key")+" = "+r.d.Placeholder(1),
		r.keys.MakeKey(userKey)).Scan(&full, &value, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return cacheItem{}, false, nil
	}
	if err != nil {
		return cacheItem{}, false, err
	}
	it, err := r.item(value, exp)
	return it, err == nil, err
}

func (r *dbCacheReader) item(value string, exp any) (cacheItem, error) {
	it := cacheItem{size: int64(len(value))}
	it.value, it.decodeErr = caches.DatabaseCache{}.Decode(value)
	w, err := r.d.ParseTime(exp, r.loc)
	if err != nil {
		return it, err
	}
	loc := r.loc
	if loc == nil {
		loc = time.UTC
	}
	at := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc)
	if at.Year() == 9999 {
		it.never = true
		return it, nil
	}
	now := r.now()
	it.expireAt, it.expired = at, caches.DatabaseCacheExpired(at, now)
	it.ttl, it.ttlKnown = at.Sub(now), true
	return it, nil
}

func (r *dbCacheReader) scan(ctx context.Context, prefix string, fn func(full, file string, it cacheItem) error) error {
	// A cache table is small (MAX_ENTRIES, 300 by default): filter in Go, free of each
	// database's LIKE escaping and collation rules.
	rows, err := r.conn.Query(ctx, r.query()+" ORDER BY "+r.d.Quote("cache_key"))
	if err != nil {
		return err
	}
	type rec struct {
		full, value string
		exp         any
	}
	var recs []rec
	for rows.Next() {
		var x rec
		if err := rows.Scan(&x.full, &x.value, &x.exp); err != nil {
			rows.Close()
			return err
		}
		if strings.HasPrefix(x.full, prefix) {
			recs = append(recs, x)
		}
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return err
	}
	rows.Close()
	for _, x := range recs {
		it, err := r.item(x.value, x.exp)
		if err != nil {
			return fmt.Errorf("cache key %q: %w", x.full, err)
		}
		if err := fn(x.full, "", it); err != nil {
			return err
		}
	}
	return nil
}

// openCacheDB connects to the database of a DatabaseCache (--location, a --db style
// URL), read-only for SQLite.
func openCacheDB(ctx context.Context, raw string, write bool) (db.Conn, db.Dialect, func(), error) {
	t, err := parseDBURL(raw)
	if err != nil {
		return nil, nil, nil, usagef("%s", strings.Replace(err.Error(), "--db", "--location", 1))
	}
	switch t.vendor {
	case "postgresql":
		pool, err := pgxpool.New(ctx, t.dsn)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("postgresql: %w", err)
		}
		return postgres.Conn(pool, false), postgres.Dialect{}, pool.Close, nil
	case "mysql":
		conn, err := mysql.Open(t.dsn)
		if err != nil {
			return nil, nil, nil, usagef("--location: %v", err)
		}
		return db.SQLConn(conn), mysql.Dialect{}, func() { conn.Close() }, nil
	}
	st, err := os.Stat(t.dsn)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, nil, nil, fmt.Errorf("sqlite: %s: no such database file", t.dsn)
	case err != nil:
		return nil, nil, nil, fmt.Errorf("sqlite: %w", err)
	case st.IsDir():
		return nil, nil, nil, fmt.Errorf("sqlite: %s is a directory, not a database file", t.dsn)
	}
	conn, err := sql.Open(sqlite.DriverName, sqliteDSN(t.dsn, write))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("sqlite: %w", err)
	}
	return db.SQLConn(conn), sqlite.Dialect{}, func() { conn.Close() }, nil
}
