package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/engines/cache"
	"github.com/djsession/djsession/engines/cacheddb"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
)

// The --cache-backend names, for Django's BACKEND:
//
//	redis         django.core.cache.backends.redis.RedisCache (Django 4.0+)
//	django-redis  django_redis.cache.RedisCache (DefaultClient)
//	pymemcache    django.core.cache.backends.memcached.PyMemcacheCache
//	pylibmc       django.core.cache.backends.memcached.PyLibMCCache
//	db            django.core.cache.backends.db.DatabaseCache
//	file          django.core.cache.backends.filebased.FileBasedCache
var cacheBackends = []string{"redis", "django-redis", "pymemcache", "pylibmc", "db", "file"}

const cacheBackendList = "redis, django-redis, pymemcache, pylibmc, db or file"

// isCacheEngine reports whether the engine stores sessions in a cache.
func isCacheEngine(engine string) bool { return engine == "cache" || engine == "cached_db" }

// cacheFlags are the settings of the CACHES entry the session engine uses
// (SESSION_CACHE_ALIAS). Names follow Django's: LOCATION, KEY_PREFIX, VERSION, OPTIONS.
type cacheFlags struct {
	backend    optString
	locations  stringList
	keyPrefix  string
	version    optString
	cacheTable string
	serializer optString // django-redis OPTIONS["SERIALIZER"]
	compressor optString // django-redis OPTIONS["COMPRESSOR"]
	// redisCluster: --location names nodes of a Redis Cluster
	redisCluster bool
}

func defineCacheFlags(fs *flag.FlagSet) *cacheFlags {
	cf := &cacheFlags{}
	fs.Var(&cf.backend, "cache-backend", "cache and cached_db engines: the cache `backend` [CACHES BACKEND]: "+cacheBackendList)
	fs.Var(&cf.locations, "location", "cache engines: [LOCATION] one `server` or place: redis://host:port/db (redis, django-redis), "+
		"host:port or unix:/path (memcached), a directory (file), a database URL as --db takes (db); repeatable, in order, "+
		"and split on \",\" and \";\" as Django does")
	fs.StringVar(&cf.keyPrefix, "key-prefix", "", "cache engines: [KEY_PREFIX] the cache key `prefix`")
	fs.Var(&cf.version, "version", "cache engines: [VERSION] the cache `version`, an int or a string, as it appears in keys (default 1)")
	fs.StringVar(&cf.cacheTable, "cache-table", "", "db cache backend: the cache `table` [LOCATION of a DatabaseCache]")
	fs.Var(&cf.serializer, "cache-serializer", "django-redis: [OPTIONS SERIALIZER] `pickle` (default), json or msgpack")
	fs.Var(&cf.compressor, "cache-compressor", "django-redis: [OPTIONS COMPRESSOR] `identity` (default), zlib, gzip, lzma, lz4 or zstd")
	fs.BoolVar(&cf.redisCluster, "redis-cluster", false, "redis, django-redis: --location names nodes of a Redis Cluster: "+
		"each key is read from the node that holds its slot, and list scans every primary")
	return cf
}

// given reports whether any cache flag was given, to reject them for other engines.
func (cf *cacheFlags) given() string {
	switch {
	case cf.backend.set:
		return "--cache-backend"
	case len(cf.locations) > 0:
		return "--location"
	case cf.keyPrefix != "":
		return "--key-prefix"
	case cf.version.set:
		return "--version"
	case cf.cacheTable != "":
		return "--cache-table"
	case cf.serializer.set:
		return "--cache-serializer"
	case cf.compressor.set:
		return "--cache-compressor"
	case cf.redisCluster:
		return "--redis-cluster"
	}
	return ""
}

// keyConfig is KEY_PREFIX and VERSION with Django's default key function. VERSION is
// formatted with %s, so an int and a str with the same text make the same keys.
func (cf *cacheFlags) keyConfig() caches.KeyConfig {
	k := caches.KeyConfig{KeyPrefix: cf.keyPrefix}
	if cf.version.set {
		if n, err := strconv.Atoi(cf.version.v); err == nil && strconv.Itoa(n) == cf.version.v {
			k.Version = caches.IntVersion(n)
		} else {
			k.Version = caches.StringVersion(cf.version.v)
		}
	}
	return k
}

// checkBackend validates --cache-backend and the flags that depend on it; needLocation
// is false for cache-key.
func (cf *cacheFlags) checkBackend(engine string, needLocation bool) error {
	b := cf.backend.v
	if !cf.backend.set {
		if !needLocation {
			return nil
		}
		return usagef("the %s engine needs --cache-backend (%s)", engine, cacheBackendList)
	}
	known := false
	for _, n := range cacheBackends {
		known = known || n == b
	}
	if !known {
		return usagef("unknown --cache-backend %q (want %s)", b, cacheBackendList)
	}
	if b != "django-redis" && (cf.serializer.set || cf.compressor.set) {
		return usagef("--cache-serializer and --cache-compressor are django-redis OPTIONS, not for --cache-backend %s", b)
	}
	if b != "db" && cf.cacheTable != "" {
		return usagef("--cache-table is for --cache-backend db")
	}
	if cf.redisCluster && b != "redis" && b != "django-redis" {
		return usagef("--redis-cluster is for --cache-backend redis or django-redis")
	}
	if !needLocation {
		return nil
	}
	locs := cf.locationList()
	hint := map[string]string{"redis": "redis://HOST:PORT/DB", "django-redis": "redis://HOST:PORT/DB",
		"pymemcache": "HOST:PORT", "pylibmc": "HOST:PORT", "db": "DATABASE_URL", "file": "DIR"}[b]
	switch {
	case len(locs) == 0:
		return usagef("--cache-backend %s needs --location %s", b, hint)
	case (b == "db" || b == "file") && len(locs) > 1:
		return usagef("--cache-backend %s takes one --location %s, not %d", b, hint, len(locs))
	case b == "db" && cf.cacheTable == "":
		return usagef("--cache-backend db needs --cache-table TABLE (the DatabaseCache LOCATION)")
	}
	return nil
}

// locationList is --location, each split as Django splits a LOCATION string.
func (cf *cacheFlags) locationList() []string {
	var out []string
	for _, l := range cf.locations {
		switch cf.backend.v {
		case "db", "file": // a URL or path: taken whole
			if l != "" {
				out = append(out, l)
			}
		default:
			for _, p := range strings.FieldsFunc(l, func(r rune) bool { return r == ',' || r == ';' }) {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// djangoRedisCodec is the django-redis value codec of --cache-serializer and
// --cache-compressor.
func (cf *cacheFlags) djangoRedisCodec() (caches.DjangoRedis, error) {
	var c caches.DjangoRedis
	switch cf.serializer.v {
	case "", "pickle":
	case "json":
		c.Serializer = caches.JSONSerializer
	case "msgpack":
		c.Serializer = caches.MsgPackSerializer
	default:
		return c, usagef("unknown --cache-serializer %q (want pickle, json or msgpack)", cf.serializer.v)
	}
	comp := map[string]caches.Compressor{"": caches.Identity, "identity": caches.Identity, "zlib": caches.Zlib,
		"gzip": caches.Gzip, "lzma": caches.Lzma, "lz4": caches.Lz4, "zstd": caches.Zstd}
	var ok bool
	if c.Compressor, ok = comp[cf.compressor.v]; !ok {
		return c, usagef("unknown --cache-compressor %q (want identity, zlib, gzip, lzma, lz4 or zstd)", cf.compressor.v)
	}
	return c, nil
}

// sessionPrefix is the engine's cache_key_prefix.
func sessionPrefix(engine string) string {
	if engine == "cached_db" {
		return cacheddb.KeyPrefix
	}
	return cache.KeyPrefix
}

// cacheEngineName returns the engine of a store command: --engine, else cache when
// --cache-backend is given, else what engineName says.
func cacheEngineName(f *storeFlags, cf *cacheFlags) string {
	if !f.engine.set && cf.backend.set {
		return "cache"
	}
	return f.engineName()
}

// checkCacheEngineFlags rejects the flags of the other engines.
func checkCacheEngineFlags(f *storeFlags, cf *cacheFlags, engine string) error {
	if f.filePath.set {
		return usagef("--file-path is for the file engine, not %s (the file cache backend takes --location DIR)", engine)
	}
	if engine == "cache" && f.dbURL != "" {
		return usagef("--db is for the db and cached_db engines, not cache (the db cache backend takes --location URL)")
	}
	return cf.checkBackend(engine, true)
}

// rejectCacheFlags is for the engines that do not use a cache.
func rejectCacheFlags(cf *cacheFlags, engine string) error {
	if n := cf.given(); n != "" {
		return usagef("%s is for the cache and cached_db engines, not %s", n, engine)
	}
	return nil
}

// cacheClock returns the expiry settings and the clock, without a codec (the cache
// engine needs no secret key).
func (f *storeFlags) cacheClock(cfg *config) (session.Expiry, func() time.Time, error) {
	loc, err := time.LoadLocation(f.timeZone)
	if err != nil || f.timeZone == "" || f.timeZone == "Local" {
		return session.Expiry{}, nil, usagef("--time-zone %q is not an IANA time zone name", f.timeZone)
	}
	now := cfg.now
	if now == nil {
		now = time.Now
	}
	return session.Expiry{CookieAge: f.cookieAge, NaiveTimes: !f.useTZ, Location: loc}, now, nil
}

// taggedJSON formats cache values: the cache backends pickle the session dict whatever
// SESSION_SERIALIZER says, so any pickled type may be there; tagged JSON is plain JSON
// for what JSON holds.
var taggedJSON = &serializerChoice{name: "pickle"}

// ---------------------------------------------------------------- cache-key

func init() {
	commands["cache-key"] = &command{
		synopsis: "cache-key [--engine cache|cached_db] [--raw] [--key-prefix P] [--version V] [--cache-backend B] [--location L] [--json] KEY",
		help: `Prints the full key a Django cache stores KEY's session under: make_key(cache_key_prefix + KEY),
that is KEY_PREFIX:VERSION:django.contrib.sessions.cacheKEY (cached_db:
...sessions.cached_dbKEY) with Django's default KEY_FUNCTION. --raw makes the key of KEY
as it is (cache.make_key(KEY)). A key that Django's validate_key objects to (longer than
250 characters, control characters or spaces) is printed with a warning on standard
error: the memcached backends refuse it, Django's other backends warn, django-redis does
not check. --json prints {"key", "cache_key" (before make_key), "full_key"} and, for
--cache-backend file, "file" (LOCATION/md5(full_key).djcache). No secret key is needed.`,
		arg:         "KEY",
		keyOptional: true,
		setup:       setupCacheKey,
	}
}

func setupCacheKey(fs *flag.FlagSet) runner {
	engine := fs.String("engine", "cache", "the session `engine` whose cache_key_prefix is used: cache or cached_db")
	raw := fs.Bool("raw", false, "make_key(KEY) as it is, without the session prefix")
	jsonOut := fs.Bool("json", false, "print JSON")
	cf := defineCacheFlags(fs)
	return func(a *app, cfg *config, arg string) error {
		if !isCacheEngine(*engine) {
			return usagef("unknown engine %q (want cache or cached_db)", *engine)
		}
		if err := cf.checkBackend(*engine, false); err != nil {
			return err
		}
		key, err := a.readArg(arg, true, false)
		if err != nil {
			return err
		}
		userKey := key
		if !*raw {
			if err := checkKey(key, 0); err != nil {
				return err
			}
			userKey = sessionPrefix(*engine) + key
		}
		full := cf.keyConfig().MakeKey(userKey)
		if verr := caches.ValidateKey(full); verr != nil && cf.backend.v != "django-redis" {
			who := "Django warns (CacheKeyWarning)"
			if cf.backend.v == "pymemcache" || cf.backend.v == "pylibmc" {
				who = "the memcached backends refuse it (InvalidCacheKey)"
			} else if !cf.backend.set {
				who = "the memcached backends refuse it, Django's others warn"
			}
			fmt.Fprintln(a.stderr, oneLine(fmt.Sprintf("djsession: cache-key: warning: %v: %s", verr, who)))
		}
		if !*jsonOut {
			return a.printLine(full)
		}
		out := struct {
			Key      string `json:"key"`
			CacheKey string `json:"cache_key"`
			FullKey  string `json:"full_key"`
			File     string `json:"file,omitempty"`
		}{key, userKey, full, ""}
		if cf.backend.v == "file" {
			out.File = caches.FileCacheName(full)
			if locs := cf.locationList(); len(locs) > 0 {
				dir, err := filepath.Abs(locs[0])
				if err != nil {
					return err
				}
				out.File = filepath.Join(dir, out.File)
			}
		}
		return a.printJSON(out)
	}
}

// ---------------------------------------------------------------- inspect

// cacheOut is what inspect prints for the cache engines.
type cacheOut struct {
	Key          string          `json:"key"`
	Engine       string          `json:"engine"`
	CacheBackend string          `json:"cache_backend"`
	CacheKey     string          `json:"cache_key"` // the full key
	Cached       bool            `json:"cached"`    // found in the cache
	Source       string          `json:"source"`    // where Django would load it from: cache or db
	TTL          *float64        `json:"ttl"`       // seconds left in the cache; null: never or unknown
	NeverExpires bool            `json:"never_expires"`
	ExpireDate   *string         `json:"expire_date"`
	Expired      bool            `json:"expired"`
	UserID       json.RawMessage `json:"user_id"`
	UserBackend  json.RawMessage `json:"user_backend"`
	Size         int64           `json:"size"`
	Session      json.RawMessage `json:"session"`
	DB           *cacheDBRow     `json:"db,omitempty"`

	ttlNote, userText, backendText string
}

// cacheDBRow is the database side of cached_db.
type cacheDBRow struct {
	Found      bool            `json:"found"`
	ExpireDate string          `json:"expire_date,omitempty"`
	Expired    bool            `json:"expired"`
	Size       int64           `json:"size"`
	Session    json.RawMessage `json:"session,omitempty"`
}

func inspectCacheEngine(a *app, cfg *config, f *storeFlags, cf *cacheFlags, engine, arg string) error {
	if err := checkCacheEngineFlags(f, cf, engine); err != nil {
		return err
	}
	key, err := a.readArg(arg, true, false)
	if err != nil {
		return err
	}
	if err := checkKey(key, 0); err != nil {
		return err
	}
	exp, now, err := f.cacheClock(cfg)
	if err != nil {
		return err
	}
	var st *storeSettings
	if engine == "cached_db" && f.dbURL != "" {
		if st, err = f.settings(cfg); err != nil {
			return err
		}
	}
	ctx, cancel := storeContext()
	defer cancel()
	r, err := openCacheReader(ctx, cf, exp, now)
	if err != nil {
		return err
	}
	defer r.close()
	userKey := sessionPrefix(engine) + key
	out := cacheOut{Key: key, Engine: engine, CacheBackend: cf.backend.v, CacheKey: cf.keyConfig().MakeKey(userKey)}
	it, found, err := r.read(ctx, userKey)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	var cacheDict *serializer.Dict
	if found {
		if it.decodeErr != nil {
			return fmt.Errorf("cache value under %q: %w", out.CacheKey, it.decodeErr)
		}
		if cacheDict = it.value.Dict(); cacheDict == nil {
			return fmt.Errorf("cache value under %q is a %s, not a session dict", out.CacheKey, it.value.Kind())
		}
		out.Cached, out.Source, out.Size, out.Expired = true, "cache", it.size, it.expired
		switch {
		case it.never:
			out.NeverExpires, out.ttlNote = true, "never expires"
		case !it.ttlKnown:
			out.ttlNote = "unknown (" + it.ttlWhy + ")"
		default:
			s := max(it.ttl, 0).Seconds()
			out.TTL = &s
			d := isoUTC(exp, now().Add(it.ttl))
			if !it.expireAt.IsZero() {
				d = isoUTC(exp, it.expireAt)
			}
			out.ExpireDate = &d
			out.ttlNote = strconv.FormatFloat(s, 'f', -1, 64) + " s"
		}
		if err := out.fill(cacheDict, taggedJSON); err != nil {
			return err
		}
	}
	if st != nil {
		row, d, err := cachedDBRow(ctx, f, st, key)
		if err != nil {
			return err
		}
		out.DB = row
		if !found && row.Found {
			out.Source, out.Size, out.Expired = "db", row.Size, row.Expired
			out.ExpireDate = &row.ExpireDate
			if err := out.fill(d, f.ser); err != nil {
				return err
			}
		}
	}
	if out.Source == "" {
		more := ""
		if engine == "cached_db" && st == nil {
			more = " (give --db URL to look in the database too)"
		} else if st != nil {
			more = " nor in the database"
		}
		return fmt.Errorf("%w %q: cache key %q is not in the %s cache%s", errNoSession, key, out.CacheKey, cf.backend.v, more)
	}
	if f.jsonOut {
		return a.printJSON(out)
	}
	return printCacheInspect(a, out)
}

// fill sets the session and user fields.
func (o *cacheOut) fill(d *serializer.Dict, ser *serializerChoice) error {
	var e entry
	if err := e.fill(d, ser, true); err != nil {
		return err
	}
	o.Session, o.UserID, o.UserBackend, o.userText, o.backendText = e.Session, e.UserID, e.UserBackend, e.userText, e.backendText
	return nil
}

// cachedDBRow reads the cached_db engine's database row.
func cachedDBRow(ctx context.Context, f *storeFlags, st *storeSettings, key string) (*cacheDBRow, *serializer.Dict, error) {
	s, closeDB, err := f.openDB(ctx, st, false)
	if err != nil {
		return nil, nil, err
	}
	defer closeDB()
	r, ok, err := s.Get(ctx, key)
	if err != nil || !ok {
		return &cacheDBRow{}, nil, err
	}
	d, err := st.codec.DecodeErr(r.Data)
	if err != nil {
		return nil, nil, fmt.Errorf("database row of session %q: %w", key, err)
	}
	e := dbEntry(st, r)
	row := &cacheDBRow{Found: true, ExpireDate: e.ExpireDate, Expired: e.Expired, Size: e.Size}
	if row.Session, err = f.ser.format(serializer.DictValue(d)); err != nil {
		return nil, nil, err
	}
	return row, d, nil
}

func printCacheInspect(a *app, o cacheOut) error {
	var b strings.Builder
	row := func(k, v string) { fmt.Fprintf(&b, "%-13s %s\n", k, v) }
	row("engine", o.Engine)
	row("key", o.Key)
	row("cache backend", o.CacheBackend)
	row("cache key", oneLine(o.CacheKey))
	if o.Engine == "cached_db" {
		src := "cache"
		if o.Source == "db" {
			src = "database (not in the cache)"
		}
		row("source", src)
	}
	if o.Cached {
		row("ttl", o.ttlNote)
	}
	if o.ExpireDate != nil {
		row("expire date", *o.ExpireDate)
	} else if o.NeverExpires {
		row("expire date", "never")
	}
	row("expired", map[bool]string{true: "yes (Django would not load it)", false: "no"}[o.Expired])
	row("user id", orDash(o.userText, o.UserID))
	row("user backend", orDash(o.backendText, o.UserBackend))
	row("size", fmt.Sprintf("%d bytes", o.Size))
	row("session", string(o.Session))
	if o.DB != nil {
		switch {
		case !o.DB.Found:
			row("db row", "none")
		case o.Source == "db":
			row("db row", fmt.Sprintf("expire date %s", o.DB.ExpireDate))
		default:
			same := "same session as the cache"
			if string(o.DB.Session) != string(o.Session) {
				same = "differs from the cache: " + string(o.DB.Session)
			}
			exp := ""
			if o.DB.Expired {
				exp = ", expired"
			}
			row("db row", fmt.Sprintf("expire date %s%s, %d bytes, %s", o.DB.ExpireDate, exp, o.DB.Size, same))
		}
	}
	_, err := io.WriteString(a.stdout, b.String())
	return err
}

// ---------------------------------------------------------------- list

// cacheListOut is one line of list --json for the cache engines.
type cacheListOut struct {
	Key          string          `json:"key"` // "" for the file backend, which keeps no keys
	File         string          `json:"file,omitempty"`
	CacheKey     string          `json:"cache_key,omitempty"`
	ExpireDate   *string         `json:"expire_date"`
	TTL          *float64        `json:"ttl"`
	NeverExpires bool            `json:"never_expires"`
	Expired      bool            `json:"expired"`
	UserID       json.RawMessage `json:"user_id"`
	Size         int64           `json:"size"`
}

func listCacheEngine(a *app, cfg *config, f *storeFlags, cf *cacheFlags, engine string, all bool) error {
	if err := checkCacheEngineFlags(f, cf, engine); err != nil {
		return err
	}
	if f.dbURL != "" {
		return usagef("list --engine cached_db lists the cache; list the database with --engine db --db URL")
	}
	if b := cf.backend.v; b == "pymemcache" || b == "pylibmc" {
		return usagef("memcached cannot list its keys (--cache-backend %s): inspect a session by its key instead", b)
	}
	exp, now, err := f.cacheClock(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := storeContext()
	defer cancel()
	r, err := openCacheReader(ctx, cf, exp, now)
	if err != nil {
		return err
	}
	defer r.close()
	keys := cf.keyConfig()
	prefix := keys.MakeKey(sessionPrefix(engine))
	// "django.contrib.sessions.cache" is a prefix of "...cached_db": leave those out.
	other := ""
	if engine == "cache" {
		other = keys.MakeKey(cacheddb.KeyPrefix)
	}
	var rows []cacheListOut
	var texts []entry
	unreadable := 0
	warn := func(what string, err error) {
		fmt.Fprintln(a.stderr, oneLine(fmt.Sprintf("djsession: list: warning: %s: %v", what, err)))
	}
	err = r.scan(ctx, prefix, func(full, file string, it cacheItem) error {
		if other != "" && strings.HasPrefix(full, other) {
			return nil
		}
		if it.expired && !all {
			return nil
		}
		o := cacheListOut{File: file, CacheKey: full, NeverExpires: it.never, Expired: it.expired, Size: it.size,
			UserID: json.RawMessage("null")}
		if full != "" {
			o.Key = strings.TrimPrefix(full, prefix)
		}
		e := entry{Key: o.Key, Size: it.size, ExpireDate: "?"}
		if file != "" {
			e.Key = file
		}
		switch {
		case it.never:
			e.ExpireDate = "never"
		case it.ttlKnown:
			s := max(it.ttl, 0).Seconds()
			o.TTL = &s
			at := now().Add(it.ttl)
			if !it.expireAt.IsZero() {
				at = it.expireAt
			}
			d := isoUTC(exp, at)
			o.ExpireDate, e.ExpireDate = &d, d
		}
		var d *serializer.Dict
		if it.decodeErr == nil {
			d = it.value.Dict()
		}
		switch {
		case file != "" && d == nil:
			// The file cache keeps no keys: entries that are not session dicts are other
			// cache entries.
			if it.decodeErr != nil {
				unreadable++
			}
			return nil
		case it.decodeErr != nil:
			warn(fmt.Sprintf("cache key %q", full), it.decodeErr)
		case d == nil:
			warn(fmt.Sprintf("cache key %q", full), fmt.Errorf("the value is a %s, not a session dict", it.value.Kind()))
		default:
			if err := e.fill(d, taggedJSON, false); err != nil {
				return err
			}
			if e.UserID != nil {
				o.UserID = e.UserID
			}
		}
		rows = append(rows, o)
		texts = append(texts, e)
		return nil
	})
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	if unreadable > 0 {
		warn(r.describe(), fmt.Errorf("%d cache files could not be read (not sessions, or types djsession cannot read)", unreadable))
	}
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return texts[idx[i]].Key < texts[idx[j]].Key })
	if f.jsonOut {
		for _, i := range idx {
			if !f.wantUser(texts[i]) {
				continue
			}
			if err := a.printJSON(rows[i]); err != nil {
				return err
			}
		}
		return nil
	}
	sorted := make([]entry, len(idx))
	for n, i := range idx {
		sorted[n] = texts[i]
	}
	return printList(a, f, sorted)
}
