// Package cacheddb is Django's cached_db session engine
// (django.contrib.sessions.backends.cached_db): the database row of the db engine
// (engines/db) is the truth, and a cache (any caches.Backend) holds the session dict under
// "django.contrib.sessions.cached_db"+session key, for the session's remaining age.
//
// As Django:
//   - Save writes the database first (engines/db's Save: INSERT or UPDATE, with its
//     ErrCreate and ErrUpdate), then sets the cache with get_expiry_age(). A cache failure
//     is logged ("Error saving to cache") and the save succeeds, as Django 5.1+; with
//     Options.StrictCacheSave it is returned (after the database write), as Django ≤ 5.0.
//   - Load reads the cache (a failure is a miss), then the unexpired database row, and
//     puts the row's session back into the cache with the row's remaining age
//     (get_expiry_age(expiry=expire_date)).
//   - Exists asks the cache, then the database. Delete removes the row, then the cache
//     entry. ClearExpired is the db engine's.
//
// Unlike Django, a cache failure while Load repopulates the cache, or while Exists asks
// it, does not fail the request: it is logged and the database answers. So a Go service
// keeps serving sessions from the database while the cache server is down, and refills
// the cache on the first load after it is back. Each failed cache operation is logged
// once, as one record.
package cacheddb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/cache"
	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
)

// KeyPrefix is the cached_db engine's cache_key_prefix.
const KeyPrefix = "django.contrib.sessions.cached_db"

// LoggerName is the Python logger Django's cached_db engine logs cache failures on; the
// records carry it as attribute "logger".
const LoggerName = "django.contrib.sessions"

// Options configure a Store.
type Options struct {
	// Options: Codec (to decode database rows: the db Store's settings), Expiry, Now and
	// Logger, the same as the db Store's.
	engines.Options
	// KeyPrefix replaces KeyPrefix (a SessionStore subclass's cache_key_prefix).
	KeyPrefix string
	// StrictCacheSave makes a cache failure on Save an error, as Django ≤ 5.0 (the
	// database row is written all the same).
	StrictCacheSave bool
}

// Store is a cached_db session store. It implements engines.Store and is safe for
// concurrent use.
type Store struct {
	db     *db.Store
	cache  caches.Backend
	opts   Options
	prefix string
}

var _ engines.Store = (*Store)(nil)

// New returns a cached_db store on the database store dbs and the cache backend c. opts
// must describe the same settings as dbs (SECRET_KEY, serializer, expiry, clock).
func New(dbs *db.Store, c caches.Backend, opts Options) (*Store, error) {
	if dbs == nil || c == nil {
		return nil, errors.New("cacheddb: New needs a db Store and a cache backend")
	}
	if opts.Codec == nil {
		return nil, errors.New("cacheddb: Options.Codec is required")
	}
	p := opts.KeyPrefix
	if p == "" {
		p = KeyPrefix
	}
	return &Store{db: dbs, cache: c, opts: opts, prefix: p}, nil
}

// DB returns the database store.
func (s *Store) DB() *db.Store { return s.db }

// Backend returns the cache backend.
func (s *Store) Backend() caches.Backend { return s.cache }

// CacheKey returns the key the session engine hands to the cache ("prefix"+key).
func (s *Store) CacheKey(key string) string { return s.prefix + key }

// FullKey returns the key the cache server stores the session under (after make_key).
func (s *Store) FullKey(key string) string { return s.cache.MakeKey(s.prefix + key) }

func (s *Store) cacheFailed(ctx context.Context, level slog.Level, msg, op, key string, err error) {
	s.opts.Log().LogAttrs(ctx, level, msg, slog.String("logger", LoggerName),
		slog.String("op", op), slog.String("key", s.prefix+key), slog.String("error", err.Error()))
}

// Load returns the session under key: from the cache, else from its unexpired database
// row (then cached again).
func (s *Store) Load(ctx context.Context, key string) (*serializer.Dict, bool, error) {
	if !engines.ValidKey(key) {
		return nil, false, nil
	}
	v, ok, err := s.cache.Get(ctx, s.prefix+key)
	if err != nil {
		s.cacheFailed(ctx, slog.LevelWarn, "Error loading from cache; reading the database", "get", key, err)
	} else if ok {
		if d := v.Dict(); d != nil {
			return d, true, nil
		}
	}
	rec, found, err := s.db.Get(ctx, key)
	if err != nil {
		return nil, false, err
	}
	now := s.opts.Clock()
	if !found || !s.unexpired(rec.ExpireDate, now) {
		return nil, false, nil
	}
	d, derr := s.opts.Codec.DecodeErr(rec.Data)
	if derr != nil {
		s.opts.Codec.Decode(rec.Data) // logs "Session data corrupted" as Django does
		return nil, false, nil
	}
	// get_expiry_age(expiry=row.expire_date): the row's remaining age, with session.Expiry's
	// arithmetic (naive wall clocks with USE_TZ = False).
	e := s.opts.Expiry
	exp := serializer.NewDict()
	exp.Set(session.ExpiryKey, serializer.Str(e.FormatISO(rec.ExpireDate)))
	age, err := e.Age(exp, now)
	if err == nil {
		err = s.cache.Set(ctx, s.prefix+key, serializer.DictValue(d), caches.Seconds(float64(age)))
	}
	if err != nil {
		s.cacheFailed(ctx, slog.LevelWarn, "Error saving to cache", "set", key, err)
	}
	return d, true, nil
}

// unexpired is the database's expire_date > now, on wall clocks with USE_TZ = False.
func (s *Store) unexpired(exp, now time.Time) bool {
	now = now.Round(0).Truncate(time.Microsecond)
	if e := s.opts.Expiry; e.NaiveTimes {
		loc := e.Location
		if loc == nil {
			loc = time.UTC
		}
		wall := func(t time.Time) time.Time {
			t = t.In(loc)
			return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
		}
		return wall(exp).After(wall(now))
	}
	return exp.After(now)
}

// Exists reports whether the cache or the database holds key (the database row even if
// expired, as Django).
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	if key == "" {
		return false, nil
	}
	ok, err := s.cache.Has(ctx, s.prefix+key)
	if err != nil {
		s.cacheFailed(ctx, slog.LevelWarn, "Error reading the cache; asking the database", "has_key", key, err)
	} else if ok {
		return true, nil
	}
	return s.db.Exists(ctx, key)
}

// Save writes the database row, then the cache entry.
func (s *Store) Save(ctx context.Context, key string, data *serializer.Dict, mustCreate bool) error {
	if data == nil {
		data = serializer.NewDict()
	}
	if err := s.db.Save(ctx, key, data, mustCreate); err != nil {
		return err
	}
	t, err := cache.Timeout(s.opts.Expiry, data, s.opts.Clock())
	return s.setCache(ctx, key, data, t, err)
}

// Encode returns the session_data string Save would store in the database row.
func (s *Store) Encode(data *serializer.Dict) (string, error) { return s.db.Encode(data) }

// SaveExpiring is Save with the row's expire_date and the cache entry's timeout set so
// that both expire at expires (engines.ExpiringSaver).
func (s *Store) SaveExpiring(ctx context.Context, key string, data *serializer.Dict, expires time.Time, mustCreate bool) error {
	if data == nil {
		data = serializer.NewDict()
	}
	if err := s.db.SaveExpiring(ctx, key, data, expires, mustCreate); err != nil {
		return err
	}
	return s.setCache(ctx, key, data, cache.RemainingTimeout(expires, s.opts.Clock()), nil)
}

// setCache writes the cache entry after the row, unless err (from working out its
// timeout) is set; a failure is logged, or returned with StrictCacheSave.
func (s *Store) setCache(ctx context.Context, key string, data *serializer.Dict, t caches.Timeout, err error) error {
	if err == nil {
		err = s.cache.Set(ctx, s.prefix+key, serializer.DictValue(data), t)
	}
	if err != nil {
		if s.opts.StrictCacheSave {
			return fmt.Errorf("cacheddb: save to cache: %w", err)
		}
		s.cacheFailed(ctx, slog.LevelError, "Error saving to cache", "set", key, err)
	}
	return nil
}

// Delete removes the row, then the cache entry. A cache failure is returned: the entry
// would otherwise keep the session alive.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.db.Delete(ctx, key); err != nil {
		return err
	}
	if key == "" {
		return nil
	}
	if err := s.cache.Delete(ctx, s.prefix+key); err != nil {
		return fmt.Errorf("cacheddb: delete from cache: %w", err)
	}
	return nil
}

// ClearExpired deletes expired rows, as clearsessions (the cache expires its entries).
func (s *Store) ClearExpired(ctx context.Context) error { return s.db.ClearExpired(ctx) }

// TTL returns the remaining lifetime of the session's cache entry when the backend can
// tell (caches.TTLer).
func (s *Store) TTL(ctx context.Context, key string) (ttl time.Duration, never, ok bool, err error) {
	t, can := s.cache.(caches.TTLer)
	if !can {
		return 0, false, false, nil
	}
	return t.TTL(ctx, s.prefix+key)
}
