package migrate

import (
	"context"
	"fmt"
	"time"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/engines/file"
	"github.com/djsession/djsession/session"
)

// DefaultPageSize is how many rows FromDB reads per query.
const DefaultPageSize = 500

// FromDB is the sessions of a django_session table (the db engine, or the rows of
// cached_db), read a page of rows at a time in key order, each expiring at its
// expire_date. The store's codec (its SECRET_KEY and fallbacks, serializer, store class,
// legacy format) decodes them.
func FromDB(s *db.Store) Source { return dbSource{s} }

type dbSource struct{ s *db.Store }

func (d dbSource) Sessions(ctx context.Context, fn func(Session, error) error) error {
	after := ""
	for {
		page, err := d.s.RecordsAfter(ctx, after, DefaultPageSize)
		if err != nil {
			return err
		}
		for _, r := range page {
			s := Session{Key: r.Key, Expires: r.ExpireDate}
			var skip error
			if d.s.Expired(r) {
				skip = ErrExpired
			} else if data, err := d.s.Decode(r); err != nil {
				skip = fmt.Errorf("%w: %w", ErrUnreadable, err)
			} else {
				s.Data = data
			}
			if err := fn(s, skip); err != nil {
				return err
			}
		}
		if len(page) < DefaultPageSize {
			return nil
		}
		after = page[len(page)-1].Key
	}
}

// FromFiles is the sessions of a file engine's directory, in key order. Each expires as
// Django's file engine judges it: at its _session_expiry, else at the file's modification
// time plus SESSION_COOKIE_AGE. A session with an int _session_expiry never expires in the
// file engine: its copy expires at the modification time plus that many seconds, what the
// other engines store for it, or, once that has passed, that many seconds from now. A file
// that disappears meanwhile is skipped.
func FromFiles(s *file.Store) Source { return fileSource{s} }

type fileSource struct{ s *file.Store }

func (f fileSource) Sessions(ctx context.Context, fn func(Session, error) error) error {
	keys, err := f.s.Keys(ctx)
	if err != nil {
		return err
	}
	for _, key := range keys {
		p, ok, err := f.s.Peek(ctx, key)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err := fn(Session{Key: key}, err); err != nil {
				return err
			}
			continue
		}
		if !ok {
			continue
		}
		s := Session{Key: key, Expires: p.Expires}
		var skip error
		switch {
		case p.Expired:
			skip = ErrExpired
		case p.DecodeErr != nil:
			skip = fmt.Errorf("%w: %w", ErrUnreadable, p.DecodeErr)
		default:
			s.Data = p.Data
			if !p.Expires.After(f.s.Now()) {
				// An int _session_expiry past mtime + those seconds, which the file engine
				// still serves: the copy expires when a save now would have it expire.
				if s.Expires, err = f.s.SavedExpiry(p.Data); err != nil {
					skip = fmt.Errorf("%w: %w", ErrUnreadable, err)
				}
			}
		}
		if err := fn(s, skip); err != nil {
			return err
		}
	}
	return nil
}

// CacheStore is what FromCache needs of a cache session store (engines/cache).
type CacheStore interface {
	Backend() caches.Backend
	CacheKey(key string) string
	TTL(ctx context.Context, key string) (ttl time.Duration, never, ok bool, err error)
}

// FromCache is the sessions of a cache engine under the given session keys (a cache
// cannot be listed through Django's API; djsession's CLI finds the keys on Redis with
// SCAN). Each expires when its cache entry does; when the backend cannot tell
// (memcached) or the entry has no timeout, at get_expiry_date() now, computed with exp,
// which is what a save by Django now would give it. Keys the cache does not hold are
// skipped; a value that is not a dict is unreadable; a failed read is a failure of that
// session (where Django's load would see a miss).
func FromCache(s CacheStore, keys []string, exp session.Expiry, now func() time.Time) Source {
	if now == nil {
		now = time.Now
	}
	return cacheSource{s: s, keys: keys, exp: exp, now: now}
}

type cacheSource struct {
	s    CacheStore
	keys []string
	exp  session.Expiry
	now  func() time.Time
}

func (c cacheSource) Sessions(ctx context.Context, fn func(Session, error) error) error {
	for _, key := range c.keys {
		if err := ctx.Err(); err != nil {
			return err
		}
		v, ok, err := c.s.Backend().Get(ctx, c.s.CacheKey(key))
		if err != nil {
			if err := fn(Session{Key: key}, fmt.Errorf("read the cache: %w", err)); err != nil {
				return err
			}
			continue
		}
		if !ok {
			continue
		}
		data := v.Dict()
		if data == nil {
			if err := fn(Session{Key: key}, fmt.Errorf("%w: the value is a %s, not a dict", ErrUnreadable, v.Kind())); err != nil {
				return err
			}
			continue
		}
		t := c.now()
		s := Session{Key: key, Data: data}
		ttl, never, known, err := c.s.TTL(ctx, key)
		switch {
		case err != nil:
			if err := fn(s, fmt.Errorf("read the cache's TTL: %w", err)); err != nil {
				return err
			}
			continue
		case known && !never:
			s.Expires = t.Add(ttl)
		default:
			if s.Expires, err = c.exp.Date(data, t); err != nil {
				if err := fn(s, fmt.Errorf("%w: %w", ErrUnreadable, err)); err != nil {
					return err
				}
				continue
			}
		}
		if err := fn(s, nil); err != nil {
			return err
		}
	}
	return nil
}
