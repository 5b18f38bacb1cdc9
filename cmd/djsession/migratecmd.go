package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/caches/dbcache"
	"github.com/djsession/djsession/caches/djangoredis"
	"github.com/djsession/djsession/caches/filecache"
	"github.com/djsession/djsession/caches/redis"
	"github.com/djsession/djsession/django/auth"
	djengines "github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/cache"
	"github.com/djsession/djsession/engines/cacheddb"
	"github.com/djsession/djsession/engines/migrate"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
)

func init() {
	commands["migrate-sessions"] = &command{
		synopsis: "migrate-sessions --from-engine db|file|cache (--from-db URL | --from-file-path DIR | --cache-backend B --location L) --to-engine db|file|cache|cached_db (--to-db URL | --to-file-path DIR | --cache-backend B --location L) [--users-db URL] [--overwrite] [--dry-run] [--workers N] [--json] [settings flags]",
		help: `Copies every session Django would still load from one store to another, keeping its key
and the instant it expires, so that users stay logged in when a site changes
SESSION_ENGINE, SESSION_SERIALIZER or SECRET_KEY. The source is only read.

The source: --from-engine db (also the rows of cached_db) or file, with --from-db or
--from-file-path and the --from- settings (--from-serializer pickle for PickleSerializer,
--from-table, --from-session-cookie-age, ...), or cache, with the CACHES flags (Redis and
the database cache can list their keys; memcached and the file cache cannot). The target: --to-engine db, file, cache or
cached_db, with --to-db / --to-file-path and the --to- settings; cache and cached_db take
the CACHES entry as inspect does (--cache-backend, --location, --key-prefix, --version, ...);
only one side can be a cache.
Source and target may be the same table: with --overwrite the rows are rewritten in place
(say, from pickle to JSON); without it, sessions the target already holds are left alone.

Keys: the source decodes with --secret-key and then each --fallback-key (the old key goes
there, as in SECRET_KEY_FALLBACKS); the target encodes with --secret-key. With
--users-db URL (the database of the user table, --user-table), the _auth_user_hash of every
logged-in session made under a fallback key is re-signed with --secret-key, so that the old
key can then leave SECRET_KEY_FALLBACKS without logging anybody out (with
--from-accept-sha1, also the SHA-1 hashes of Django 3.1/3.2). To JSON, an
_session_expiry datetime (set_expiry before Django 4.1) becomes its isoformat text, as
Django 4.1+ stores it (not for a cache target, which pickles the datetime; not with
--keep-datetime-expiry, for a Django 4.0 or earlier target, which cannot read the text).
Without --overwrite, a session the target holds under the same key stays, unless Django
would not load it (expired, undecodable).

Prints what happened: copied, already there, expired, unreadable (Django reads them as
empty sessions), re-signed hashes, and each session that could not be copied (say, a value
JSON cannot hold), which makes the exit status 1. --dry-run writes nothing and reports what
a run would do, those sessions included.`,
		setup: setupMigrateSessions,
	}
}

func setupMigrateSessions(fs *flag.FlagSet) runner {
	from := defineStoreFlagsAs(fs, "from-", "db or file")
	to := defineStoreFlagsAs(fs, "to-", "db, file, cache or cached_db")
	cf := defineCacheFlags(fs)
	usersDB := fs.String("users-db", "", "re-sign _auth_user_hash: the database `URL` of the user table")
	userTable := fs.String("user-table", auth.AuthUser.Name, "with --users-db: the user model's `table`")
	pkType := fs.String("pk", "int", "with --users-db: the user primary key's `type`: int, uuid or str")
	overwrite := fs.Bool("overwrite", false, "replace sessions the target already holds")
	keepDatetime := fs.Bool("keep-datetime-expiry", false, "to JSON, keep an _session_expiry datetime rather than write its text: for a target on Django 4.0 or earlier, which cannot read the text (such sessions are then reported: JSON cannot hold them)")
	workers := fs.Int("workers", 1, "how many sessions to write at once: a few hide the round trips to a database or cache server (SQLite gains nothing)")
	dryRun := fs.Bool("dry-run", false, "write nothing: report what a run would do (sessions the target's serializer cannot hold included)")
	jsonOut := fs.Bool("json", false, "print the report as JSON")
	return func(a *app, cfg *config, _ string) error {
		srcEngine, dstEngine := from.engineName(), to.engineName()
		switch {
		case srcEngine == "cache":
			if isCacheEngine(dstEngine) {
				return usagef("the CACHES flags describe one cache: the source or the target, not both")
			}
			if from.dbURL != "" || from.filePath.set {
				return usagef("--from-engine cache reads the cache of --cache-backend and --location, not --from-db or --from-file-path")
			}
			if err := cf.checkBackend("cache", true); err != nil {
				return err
			}
			if err := cf.checkListable(); err != nil {
				return err
			}
		case srcEngine != "db" && srcEngine != "file":
			return usagef("--from-engine %s: the source is db (or cached_db's rows: db), file or cache", srcEngine)
		default:
			if err := from.checkEngineFlags(srcEngine); err != nil {
				return prefixed(err, "from-")
			}
		}
		switch {
		case isCacheEngine(dstEngine):
			if err := cf.checkBackend(dstEngine, true); err != nil {
				return err
			}
			if dstEngine == "cached_db" && to.dbURL == "" {
				return usagef("--to-engine cached_db needs --to-db URL (its database) besides the cache")
			}
		case dstEngine == "signed_cookies":
			return usagef("--to-engine signed_cookies: the sessions would live in cookies that no browser has")
		default:
			if err := to.checkEngineFlags(dstEngine); err != nil {
				return prefixed(err, "to-")
			}
			if g := cf.given(); g != "" && srcEngine != "cache" {
				return usagef("%s is for --from-engine cache or --to-engine cache or cached_db", g)
			}
		}
		pk, err := parsePKType(*pkType)
		if err != nil {
			return err
		}
		srcSt, err := from.settings(cfg)
		if err != nil {
			return err
		}
		dstSt, err := to.settings(cfg)
		if err != nil {
			return err
		}
		ctx, cancel := storeContext()
		defer cancel()

		var src migrate.Source
		switch srcEngine {
		case "cache":
			cs, closeSrc, err := openCacheSource(ctx, cf, srcSt.expiry, srcSt.now)
			if err != nil {
				return err
			}
			defer closeSrc()
			src = cs
		case "db":
			s, closeDB, err := from.openDB(ctx, srcSt, false)
			if err != nil {
				return err
			}
			defer closeDB()
			src = migrate.FromDB(s)
		default:
			s, err := from.openFile(srcSt)
			if err != nil {
				return err
			}
			src = migrate.FromFiles(s)
		}
		dst, closeDst, err := openTarget(ctx, dstEngine, to, dstSt, cf)
		if err != nil {
			return err
		}
		defer closeDst()

		if *workers < 1 {
			return usagef("--workers must be at least 1")
		}
		opts := migrate.Options{Overwrite: *overwrite, DryRun: *dryRun, Workers: *workers, Now: srcSt.now}
		if to.ser.name == "json" && dstEngine != "cache" && !*keepDatetime {
			opts.Transforms = append(opts.Transforms, migrate.ExpiryAsText)
		}
		var hashes *migrate.AuthHashes
		if *usersDB != "" {
			table := auth.AuthUser
			table.Name = *userTable
			users, closeUsers, err := openUsers(*usersDB, table, from.useTZ, srcSt.expiry.Location, pk, false)
			if err != nil {
				return err
			}
			defer closeUsers()
			hashes = &migrate.AuthHashes{Config: &auth.Config{SecretKey: cfg.key, SecretKeyFallbacks: cfg.fallbackKeys,
				Users: users, PK: pk, AcceptLegacyHash: from.acceptSHA1}}
			opts.Transforms = append(opts.Transforms, hashes.Transform)
		}
		rep, copyErr := migrate.Copy(ctx, src, dst, opts)
		if copyErr != nil && !errors.Is(copyErr, migrate.ErrIncomplete) {
			return copyErr
		}
		if err := printMigrateReport(a, rep, hashes, *dryRun, *jsonOut); err != nil {
			return err
		}
		if copyErr != nil {
			return fmt.Errorf("%d sessions not copied", len(rep.Failed))
		}
		return nil
	}
}

// prefixed names the flags of a usage error after their prefix ("--db" -> "--from-db").
func prefixed(err error, prefix string) error {
	var u *usageError
	if !errors.As(err, &u) {
		return err
	}
	msg := u.Error()
	for _, name := range []string{"db", "file-path", "legacy", "engine"} {
		msg = strings.ReplaceAll(msg, "--"+name, "--"+prefix+name)
	}
	msg = strings.ReplaceAll(msg, "the db engine", "--"+prefix+"engine db")
	return usagef("%s", msg)
}

// openTarget opens the store sessions are copied to.
func openTarget(ctx context.Context, engine string, f *storeFlags, st *storeSettings, cf *cacheFlags) (djengines.ExpiringSaver, func(), error) {
	eopts := djengines.Options{Codec: st.codec, Expiry: st.expiry, Now: st.now, Logger: discardLogger}
	switch engine {
	case "db":
		s, closeDB, err := f.openDB(ctx, st, true)
		return s, closeDB, err
	case "file":
		s, err := f.openFile(st)
		return s, func() {}, err
	}
	c, closeCache, err := openCacheBackend(ctx, cf, st)
	if err != nil {
		return nil, nil, err
	}
	if engine == "cache" {
		s, err := cache.New(c, cache.Options{Options: eopts})
		if err != nil {
			closeCache()
			return nil, nil, err
		}
		return s, closeCache, nil
	}
	rows, closeDB, err := f.openDB(ctx, st, true)
	if err != nil {
		closeCache()
		return nil, nil, err
	}
	s, err := cacheddb.New(rows, c, cacheddb.Options{Options: eopts})
	if err != nil {
		closeDB()
		closeCache()
		return nil, nil, err
	}
	return s, func() { closeDB(); closeCache() }, nil
}

// openCacheBackend opens the CACHES entry of the flags for writing.
func openCacheBackend(ctx context.Context, cf *cacheFlags, st *storeSettings) (caches.Backend, func(), error) {
	keys := cf.keyConfig()
	locs := cf.locationList()
	if cf.redisCluster {
		return nil, nil, usagef("--redis-cluster is for inspect and list; migrate-sessions writes through --location")
	}
	switch cf.backend.v {
	case "redis":
		c, err := redis.Open(locs, redis.Options{KeyConfig: keys, Logger: discardLogger})
		if err != nil {
			return nil, nil, usagef("--location: %v", err)
		}
		return c, func() { c.Close() }, nil
	case "django-redis":
		codec, err := cf.djangoRedisCodec()
		if err != nil {
			return nil, nil, err
		}
		c, err := djangoredis.Open(locs, djangoredis.Options{KeyConfig: keys, Codec: codec, Logger: discardLogger})
		if err != nil {
			return nil, nil, usagef("--location: %v", err)
		}
		return c, func() { c.Close() }, nil
	case "pymemcache", "pylibmc":
		c, _, err := cf.openMemcache()
		if err != nil {
			return nil, nil, err
		}
		return c, func() { c.Close() }, nil
	case "file":
		dir, err := filepath.Abs(locs[0])
		if err != nil {
			return nil, nil, err
		}
		c, err := filecache.New(filecache.Options{Dir: dir, Keys: keys, Now: st.now})
		return c, func() {}, err
	case "db":
		conn, dialect, closeDB, err := openCacheDB(ctx, locs[0], true)
		if err != nil {
			return nil, nil, err
		}
		var loc *time.Location
		if st.expiry.NaiveTimes {
			loc = st.expiry.Location
		}
		c, err := dbcache.New(conn, dialect, dbcache.Options{Table: cf.cacheTable, Keys: keys, Now: st.now, Location: loc})
		if err != nil {
			closeDB()
			return nil, nil, err
		}
		return c, closeDB, nil
	}
	return nil, nil, usagef("unknown --cache-backend %q", cf.backend.v)
}

func printMigrateReport(a *app, rep migrate.Report, hashes *migrate.AuthHashes, dryRun, jsonOut bool) error {
	resigned := 0
	if hashes != nil {
		resigned = hashes.Resigned
	}
	if jsonOut {
		failed := make([]map[string]string, len(rep.Failed))
		for i, f := range rep.Failed {
			failed[i] = map[string]string{"key": f.Key, "error": f.Err.Error()}
		}
		return a.printJSON(map[string]any{"copied": rep.Copied, "existing": rep.Existing, "expired": rep.Expired,
			"unreadable": rep.Unreadable, "resigned_hashes": resigned, "failed": failed, "dry_run": dryRun})
	}
	would := ""
	if dryRun {
		would = "dry run, nothing written: would be "
	}
	lines := []string{fmt.Sprintf("%s%d copied, %d already there, %d expired, %d unreadable, %d failed",
		would, rep.Copied, rep.Existing, rep.Expired, rep.Unreadable, len(rep.Failed))}
	if hashes != nil {
		lines = append(lines, fmt.Sprintf("%s%d session hashes re-signed with the secret key", would, resigned))
	}
	for _, f := range rep.Failed {
		lines = append(lines, "not copied: "+f.Error())
	}
	for _, l := range lines {
		if err := a.printLine(l); err != nil {
			return err
		}
	}
	return nil
}

// checkListable refuses the cache backends that cannot list their keys, which a cache
// source needs.
func (cf *cacheFlags) checkListable() error {
	switch cf.backend.v {
	case "pymemcache", "pylibmc", "file":
		return usagef("--cache-backend %s cannot list its keys (redis, django-redis and db can)", cf.backend.v)
	}
	return nil
}

// openCacheSource opens the cache engine's sessions on the cache of the flags.
func openCacheSource(ctx context.Context, cf *cacheFlags, exp session.Expiry, now func() time.Time) (migrate.Source, func(), error) {
	r, err := openCacheReader(ctx, cf, exp, now)
	if err != nil {
		return nil, nil, err
	}
	return &cacheScanSource{r: r, keys: cf.keyConfig(), exp: exp, now: now}, r.close, nil
}

// cacheScanSource is the sessions of the cache engine on a cache that can list its keys
// (Redis through SCAN, the database cache's table): each expires when its entry does.
type cacheScanSource struct {
	r    cacheReader
	keys caches.KeyConfig
	exp  session.Expiry
	now  func() time.Time
}

func (c *cacheScanSource) Sessions(ctx context.Context, fn func(migrate.Session, error) error) error {
	prefix := c.keys.MakeKey(cache.KeyPrefix)
	other := c.keys.MakeKey(cacheddb.KeyPrefix) // cached_db's entries share the prefix
	return c.r.scan(ctx, prefix, func(full, _ string, it cacheItem) error {
		if strings.HasPrefix(full, other) {
			return nil
		}
		s := migrate.Session{Key: strings.TrimPrefix(full, prefix)}
		var d *serializer.Dict
		if it.decodeErr == nil {
			d = it.value.Dict()
		}
		now := c.now()
		switch {
		case it.expired:
			return fn(s, migrate.ErrExpired)
		case it.decodeErr != nil:
			return fn(s, fmt.Errorf("%w: %w", migrate.ErrUnreadable, it.decodeErr))
		case d == nil:
			return fn(s, fmt.Errorf("%w: the value is a %s, not a session dict", migrate.ErrUnreadable, it.value.Kind()))
		case !it.expireAt.IsZero():
			s.Expires = it.expireAt
		case it.ttlKnown && !it.never:
			s.Expires = now.Add(it.ttl)
		default:
			// No timeout: when a save by Django now would have it expire.
			exp, err := c.exp.Date(d, now)
			if err != nil {
				return fn(s, fmt.Errorf("%w: %w", migrate.ErrUnreadable, err))
			}
			s.Expires = exp
		}
		s.Data = d
		return fn(s, nil)
	})
}
