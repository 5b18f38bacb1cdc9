// Package cache is Django's cache session engine (django.contrib.sessions.backends.cache)
// on any caches.Backend (the SESSION_CACHE_ALIAS cache: Django's RedisCache,
// django-redis, memcached, ...).
//
// The session dict itself is the cache value, under the key
// "django.contrib.sessions.cache"+session key, which the backend turns into its full key
// (KEY_PREFIX, VERSION, KEY_FUNCTION). There is no signing and no SESSION_SERIALIZER: the
// backend's value format is the whole story. Every write passes the timeout
// get_expiry_age() (session.Expiry.Age at save time).
//
// As Django: a must-create save is cache.add (engines.ErrCreate when the key is taken);
// another save first reads the key and sets it only if it is there (engines.ErrUpdate
// otherwise); a load that fails is a miss; Exists is has_key; ClearExpired does nothing,
// the cache expires entries itself.
package cache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/serializer"
)

// KeyPrefix is the cache engine's cache_key_prefix.
const KeyPrefix = "django.contrib.sessions.cache"

// Options configure a Store.
type Options struct {
	// Options: Expiry (SESSION_COOKIE_AGE...), Now and Logger. Codec is not used: the
	// cache backend serializes the dict.
	engines.Options
	// KeyPrefix replaces KeyPrefix (a SessionStore subclass's cache_key_prefix).
	KeyPrefix string
}

// Store is a cache session store. It implements engines.Store and is safe for concurrent
// use.
type Store struct {
	cache  caches.Backend
	opts   Options
	prefix string
}

var _ engines.Store = (*Store)(nil)

// New returns a cache session store on the cache backend c.
func New(c caches.Backend, opts Options) (*Store, error) {
	if c == nil {
		return nil, errors.New("cache: New needs a cache backend")
	}
	p := opts.KeyPrefix
	if p == "" {
		p = KeyPrefix
	}
	return &Store{cache: c, opts: opts, prefix: p}, nil
}

// Backend returns the cache backend.
func (s *Store) Backend() caches.Backend { return s.cache }

// CacheKey returns the key the session engine hands to the cache ("prefix"+key).
func (s *Store) CacheKey(key string) string { return s.prefix + key }

// FullKey returns the key the cache server stores the session under (after make_key).
func (s *Store) FullKey(key string) string { return s.cache.MakeKey(s.prefix + key) }

// Load returns the session under key. A miss, a cache failure (Django treats any
// exception as a miss) or a value that is not a dict is no session.
func (s *Store) Load(ctx context.Context, key string) (*serializer.Dict, bool, error) {
	if !engines.ValidKey(key) {
		return nil, false, nil
	}
	v, ok, err := s.cache.Get(ctx, s.prefix+key)
	if err != nil {
		s.opts.Log().Debug("session cache load failed; treated as a miss", "err", err)
		return nil, false, nil
	}
	if !ok {
		return nil, false, nil
	}
	d := v.Dict()
	if d == nil {
		return nil, false, nil
	}
	return d, true, nil
}

// Exists reports whether the cache holds key (has_key).
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	if key == "" {
		return false, nil
	}
	return s.cache.Has(ctx, s.prefix+key)
}

// Timeout returns the cache timeout a save at now gives data: get_expiry_age().
func Timeout(e Expiryer, data *serializer.Dict, now time.Time) (caches.Timeout, error) {
	age, err := e.Age(data, now)
	if err != nil {
		return caches.Timeout{}, err
	}
	return caches.Seconds(float64(age)), nil
}

// Expiryer is what Timeout needs of session.Expiry.
type Expiryer interface {
	Age(data *serializer.Dict, modification time.Time) (int64, error)
}

// Save stores data under key: add when mustCreate (engines.ErrCreate when taken), else
// set if the key is present (engines.ErrUpdate when it is not).
//
// Django tests presence with get(key) is not None, which fetches and decodes the value
// only to drop it; Save asks the backend's has_key (EXISTS on Redis, a get without
// decoding on memcached), which reads from the same server and is cheaper by a whole
// decode. The two differ only for a stored value that is None or cannot be decoded,
// which no session engine writes: there Django refuses to update and Save overwrites.
func (s *Store) Save(ctx context.Context, key string, data *serializer.Dict, mustCreate bool) error {
	if !engines.ValidKey(key) {
		return fmt.Errorf("cache: save %q: %w", key, engines.ErrInvalidKey)
	}
	if data == nil {
		data = serializer.NewDict()
	}
	t, err := Timeout(s.opts.Expiry, data, s.opts.Clock())
	if err != nil {
		return fmt.Errorf("cache: session expiry: %w", err)
	}
	return s.save(ctx, key, data, t, mustCreate)
}

// RemainingTimeout is the cache timeout of an entry that is to expire at expires: the
// whole seconds left at now, rounded down as get_expiry_age rounds.
func RemainingTimeout(expires, now time.Time) caches.Timeout {
	d := expires.Sub(now)
	s := int64(d / time.Second)
	if d%time.Second < 0 {
		s--
	}
	return caches.Seconds(float64(s))
}

// SaveExpiring is Save with the timeout that makes the entry expire at expires (the whole
// seconds left), instead of get_expiry_age() (engines.ExpiringSaver).
func (s *Store) SaveExpiring(ctx context.Context, key string, data *serializer.Dict, expires time.Time, mustCreate bool) error {
	if !engines.ValidKey(key) {
		return fmt.Errorf("cache: save %q: %w", key, engines.ErrInvalidKey)
	}
	if data == nil {
		data = serializer.NewDict()
	}
	return s.save(ctx, key, data, RemainingTimeout(expires, s.opts.Clock()), mustCreate)
}

func (s *Store) save(ctx context.Context, key string, data *serializer.Dict, t caches.Timeout, mustCreate bool) error {
	v := serializer.DictValue(data)
	if mustCreate {
		ok, err := s.cache.Add(ctx, s.prefix+key, v, t)
		if err != nil {
			return fmt.Errorf("cache: create session: %w", err)
		}
		if !ok {
			return fmt.Errorf("cache: create session: %w", engines.ErrCreate)
		}
		return nil
	}
	ok, err := s.cache.Has(ctx, s.prefix+key)
	if err != nil {
		return fmt.Errorf("cache: update session: %w", err)
	}
	if !ok {
		return fmt.Errorf("cache: update session: %w", engines.ErrUpdate)
	}
	if err := s.cache.Set(ctx, s.prefix+key, v, t); err != nil {
		return fmt.Errorf("cache: update session: %w", err)
	}
	return nil
}

// Delete removes the session.
func (s *Store) Delete(ctx context.Context, key string) error {
	if key == "" {
		return nil
	}
	return s.cache.Delete(ctx, s.prefix+key)
}

// ClearExpired does nothing: the cache expires sessions itself.
func (s *Store) ClearExpired(ctx context.Context) error { return nil }

// TTL returns the remaining lifetime of the session's cache entry when the backend can
// tell (caches.TTLer); ok is false for a missing entry or a backend that cannot tell.
func (s *Store) TTL(ctx context.Context, key string) (ttl time.Duration, never, ok bool, err error) {
	t, can := s.cache.(caches.TTLer)
	if !can {
		return 0, false, false, nil
	}
	return t.TTL(ctx, s.prefix+key)
}
