package main

import (
	"flag"
	"fmt"

	djengines "github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/cache"
	"github.com/djsession/djsession/engines/cacheddb"
	"github.com/djsession/djsession/engines/migrate"
)

func init() {
	commands["logout-user"] = &command{
		synopsis: "logout-user [--engine db|file|cache|cached_db] (--db URL | --file-path DIR | --cache-backend B --location L) [--keep KEY] [--dry-run] [--json] [settings flags] USER_ID",
		help: `Logs a user out everywhere: deletes every session logged in as USER_ID (its
_auth_user_id, the user's primary key as text), as a site does after an account was taken
over. Sessions Django would not load (expired, undecodable) are left to clearsessions.
--keep KEY spares one session (the one the user is using). --dry-run deletes nothing
and lists what it would delete. Prints the number of sessions deleted; --json prints
{"user_id", "deleted": [keys], "dry_run"}.

db and file: the table or directory; cache: the cache engine's entries on a cache that
can list its keys (redis, django-redis, db; memcached and the file cache cannot);
cached_db: the rows of --db, each deleted from the database and from the cache.`,
		arg:         "USER_ID",
		setup:       setupLogoutUser,
		keyOptional: true, // the cache engine needs no secret key
	}
}

func setupLogoutUser(fs *flag.FlagSet) runner {
	f := defineStoreFlags(fs, "db, file, cache or cached_db")
	cf := defineCacheFlags(fs)
	keep := fs.String("keep", "", "the `key` of a session to keep")
	dryRun := fs.Bool("dry-run", false, "delete nothing: list what would be deleted")
	return func(a *app, cfg *config, userID string) error {
		if userID == "" {
			return usagef("USER_ID is empty")
		}
		engine := cacheEngineName(f, cf)
		ctx, cancel := storeContext()
		defer cancel()
		var src migrate.Source
		var store djengines.Store
		switch {
		case engine == "cache":
			if err := checkCacheEngineFlags(f, cf, engine); err != nil {
				return err
			}
			if err := cf.checkListable(); err != nil {
				return err
			}
			exp, now, err := f.cacheClock(cfg)
			if err != nil {
				return err
			}
			st := &storeSettings{expiry: exp, now: now}
			cs, closeSrc, err := openCacheSource(ctx, cf, exp, now)
			if err != nil {
				return err
			}
			defer closeSrc()
			src = cs
			c, closeCache, err := openCacheBackend(ctx, cf, st)
			if err != nil {
				return err
			}
			defer closeCache()
			if store, err = cache.New(c, cache.Options{Options: djengines.Options{Expiry: exp, Now: now, Logger: discardLogger}}); err != nil {
				return err
			}
		case engine == "cached_db":
			if f.dbURL == "" {
				return usagef("--engine cached_db needs --db URL (its rows) besides the cache")
			}
			if err := cf.checkBackend(engine, true); err != nil {
				return err
			}
			st, err := f.settings(cfg)
			if err != nil {
				return err
			}
			rows, closeDB, err := f.openDB(ctx, st, true)
			if err != nil {
				return err
			}
			defer closeDB()
			c, closeCache, err := openCacheBackend(ctx, cf, st)
			if err != nil {
				return err
			}
			defer closeCache()
			src = migrate.FromDB(rows)
			if store, err = cacheddb.New(rows, c, cacheddb.Options{Options: djengines.Options{Codec: st.codec,
				Expiry: st.expiry, Now: st.now, Logger: discardLogger}}); err != nil {
				return err
			}
		default:
			if err := rejectCacheFlags(cf, engine); err != nil {
				return err
			}
			if err := f.checkEngineFlags(engine); err != nil {
				return err
			}
			if engine == "signed_cookies" {
				return usagef("signed_cookies keeps sessions in the browser: rotate SECRET_KEY or change the password to log a user out")
			}
			st, err := f.settings(cfg)
			if err != nil {
				return err
			}
			if engine == "db" {
				s, closeDB, err := f.openDB(ctx, st, true)
				if err != nil {
					return err
				}
				defer closeDB()
				src, store = migrate.FromDB(s), s
			} else {
				s, err := f.openFile(st)
				if err != nil {
					return err
				}
				src, store = migrate.FromFiles(s), s
			}
		}
		ofUser := migrate.OfUser(userID)
		match := func(s migrate.Session) bool { return s.Key != *keep && ofUser(s) }
		keys, err := migrate.Sweep(ctx, src, store, match, *dryRun)
		if f.jsonOut {
			if keys == nil {
				keys = []string{}
			}
			if perr := a.printJSON(map[string]any{"user_id": userID, "deleted": keys, "dry_run": *dryRun}); perr != nil {
				return perr
			}
		} else {
			verb := "deleted"
			if *dryRun {
				verb = "would be deleted (dry run)"
				for _, k := range keys {
					if perr := a.printLine(k); perr != nil {
						return perr
					}
				}
			}
			noun := "sessions"
			if len(keys) == 1 {
				noun = "session"
			}
			if perr := a.printLine(fmt.Sprintf("%d %s of user %s %s", len(keys), noun, userID, verb)); perr != nil {
				return perr
			}
		}
		return err
	}
}
