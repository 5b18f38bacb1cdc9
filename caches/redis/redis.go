// Package redis is Django's own Redis cache backend
// (django.core.cache.backends.redis.RedisCache, Django 4.0+) as a peer, on
// github.com/redis/go-redis/v9: the same full keys (caches.KeyConfig), the same value
// bytes (caches.RedisSerializer: exact ints as digits, everything else pickle protocol 5),
// the same timeouts and the same choice of server.
//
// # Servers
//
// LOCATION may name several servers (a list, or one string split on "," and ";", see
// [SplitLocation]). As Django's RedisCacheClient, writes (set, add, delete) always go to
// the first server, and reads (get, has_key, the TTL) go to a server drawn at random among
// the others when there are several, else to the first: the first is a primary and the
// others its replicas. [New] takes the clients in LOCATION order, so any go-redis
// UniversalClient works (a plain client, a failover client, a cluster client).
//
// # Timeouts
//
// As RedisCache.get_backend_timeout: the default timeout resolves to Options.Timeout
// (TIMEOUT, 300 s unless set); caches.Never stores without expiry (SET without EX);
// anything else is max(0, int(seconds)), truncated toward zero. 0 deletes the key on set,
// and on add stores with SET NX then deletes, reporting whether the SET NX succeeded;
// otherwise SET key value EX seconds (NX for add).
//
// # Keys
//
// Every key goes through Options.MakeKey and is checked with caches.ValidateKey, which
// Django's RedisCache only warns about: a bad key is logged (slog, warning) and used.
package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/caches/internal/redisconn"
	"github.com/djsession/djsession/serializer"
)

// Serializer turns cache values into the bytes stored in Redis and back: Django's
// OPTIONS["serializer"]. caches.RedisSerializer is the default.
type Serializer interface {
	Encode(v serializer.Value) ([]byte, error)
	Decode(data []byte) (serializer.Value, error)
}

// Options are the settings of a RedisCache entry of CACHES besides LOCATION.
type Options struct {
	caches.KeyConfig
	// Timeout is TIMEOUT, what a default timeout means; zero value = 300 seconds.
	Timeout caches.Timeout
	// Serializer is OPTIONS["serializer"]; nil means caches.RedisSerializer{}.
	Serializer Serializer
	// Logger receives key warnings (CacheKeyWarning); default slog.Default().
	Logger *slog.Logger
	// ReadIndex picks the read server among 1..n-1 (given n-1, it returns 0..n-2);
	// default math/rand/v2, as Django's random.randint. Tests pin it.
	ReadIndex func(n int) int
}

// Cache is a RedisCache: it implements caches.Backend and caches.TTLer and is safe for
// concurrent use.
type Cache struct {
	srv  redisconn.Servers
	opts Options
	ser  Serializer
}

var (
	_ caches.Backend = (*Cache)(nil)
	_ caches.TTLer   = (*Cache)(nil)
)

// New returns a RedisCache on clients, in LOCATION order (the first takes the writes).
// The caller keeps ownership of the clients: Close does not close them.
func New(clients []goredis.UniversalClient, opts Options) (*Cache, error) {
	srv, err := redisconn.New("redis", clients, opts.ReadIndex)
	if err != nil {
		return nil, err
	}
	c := &Cache{srv: srv, opts: opts, ser: opts.Serializer}
	if c.ser == nil {
		c.ser = caches.RedisSerializer{}
	}
	if c.opts.Timeout.IsDefault() {
		c.opts.Timeout = caches.DefaultTimeout
	}
	return c, nil
}

// SplitLocation splits a LOCATION string into server URLs as Django does (re.split on
// "," and ";").
func SplitLocation(location string) []string {
	return strings.FieldsFunc(location, func(r rune) bool { return r == ',' || r == ';' }) // empty parts (invalid URLs) are dropped
}

// Open connects to the servers of LOCATION (URLs as redis-py's from_url reads them:
// redis://, rediss:// and unix://, with the database number as path or db parameter),
// one go-redis client each. Close closes them.
func Open(locations []string, opts Options) (*Cache, error) {
	clients, err := redisconn.Dial("redis", locations)
	if err != nil {
		return nil, err
	}
	c, err := New(clients, opts)
	if err != nil {
		redisconn.CloseAll(clients)
		return nil, err
	}
	c.srv.Own()
	return c, nil
}

// Close closes the clients Open made; it does nothing for clients passed to New.
func (c *Cache) Close() error { return c.srv.Close() }

// Clients returns the clients in LOCATION order.
func (c *Cache) Clients() []goredis.UniversalClient { return c.srv.Clients() }

// writer is the first server.
func (c *Cache) writer() goredis.UniversalClient { return c.srv.Writer() }

// reader is Django's _get_connection_pool_index(write=False).
func (c *Cache) reader() goredis.UniversalClient { return c.srv.Reader() }

// MakeKey returns the full key (KEY_FUNCTION of KEY_PREFIX, VERSION and key).
func (c *Cache) MakeKey(key string) string { return c.opts.MakeKey(key) }

// fullKey is make_and_validate_key: the key, with a warning for keys memcached refuses.
func (c *Cache) fullKey(key string) string {
	k := c.opts.MakeKey(key)
	if err := caches.ValidateKey(k); err != nil {
		log := c.opts.Logger
		if log == nil {
			log = slog.Default()
		}
		log.Warn("CacheKeyWarning: "+err.Error(), "key", k)
	}
	return k
}

// backendTimeout is get_backend_timeout: never, or whole seconds >= 0.
func (c *Cache) backendTimeout(t caches.Timeout) (secs int64, never bool) {
	t = t.Resolve(c.opts.Timeout)
	if t.IsNever() {
		return 0, true
	}
	s := math.Trunc(t.Seconds())
	switch {
	case math.IsNaN(s) || s <= 0:
		return 0, false
	case s > float64(math.MaxInt64/int64(time.Second)):
		// Python's int has no bound; Redis takes up to about 2^63 ms. Store without a
		// practical end rather than overflow time.Duration.
		return math.MaxInt64 / int64(time.Second), false
	}
	return int64(s), false
}

func exDuration(secs int64) time.Duration { return time.Duration(secs) * time.Second }

// Get returns the value under key; a missing key is a miss.
func (c *Cache) Get(ctx context.Context, key string) (serializer.Value, bool, error) {
	k := c.fullKey(key)
	data, err := c.reader().Get(ctx, k).Bytes()
	if errors.Is(err, goredis.Nil) {
		return serializer.Value{}, false, nil
	}
	if err != nil {
		return serializer.Value{}, false, fmt.Errorf("redis: get %q: %w", k, err)
	}
	v, err := c.ser.Decode(data)
	if err != nil {
		return serializer.Value{}, false, fmt.Errorf("redis: get %q: %w", k, err)
	}
	return v, true, nil
}

// Set stores v under key (SET, SET EX, or DEL for a timeout of 0).
func (c *Cache) Set(ctx context.Context, key string, v serializer.Value, timeout caches.Timeout) error {
	k := c.fullKey(key)
	data, err := c.ser.Encode(v)
	if err != nil {
		return fmt.Errorf("redis: set %q: %w", k, err)
	}
	secs, never := c.backendTimeout(timeout)
	w := c.writer()
	switch {
	case never:
		err = w.Set(ctx, k, data, 0).Err() // expiration 0: a plain SET, no EX
	case secs == 0:
		err = w.Del(ctx, k).Err()
	default:
		err = w.Set(ctx, k, data, exDuration(secs)).Err()
	}
	if err != nil {
		return fmt.Errorf("redis: set %q: %w", k, err)
	}
	return nil
}

// Add stores v under key only if it is absent (SET NX) and reports whether it did.
func (c *Cache) Add(ctx context.Context, key string, v serializer.Value, timeout caches.Timeout) (bool, error) {
	k := c.fullKey(key)
	data, err := c.ser.Encode(v)
	if err != nil {
		return false, fmt.Errorf("redis: add %q: %w", k, err)
	}
	secs, never := c.backendTimeout(timeout)
	w := c.writer()
	var ok bool
	switch {
	case never:
		ok, err = w.SetNX(ctx, k, data, 0).Result()
	case secs == 0:
		if ok, err = w.SetNX(ctx, k, data, 0).Result(); err == nil && ok {
			err = w.Del(ctx, k).Err()
		}
	default:
		ok, err = w.SetNX(ctx, k, data, exDuration(secs)).Result()
	}
	if err != nil {
		return false, fmt.Errorf("redis: add %q: %w", k, err)
	}
	return ok, nil
}

// Delete removes key (DEL on the first server).
func (c *Cache) Delete(ctx context.Context, key string) error {
	k := c.fullKey(key)
	if err := c.writer().Del(ctx, k).Err(); err != nil {
		return fmt.Errorf("redis: delete %q: %w", k, err)
	}
	return nil
}

// Has reports whether key exists (EXISTS on a read server).
func (c *Cache) Has(ctx context.Context, key string) (bool, error) {
	k := c.fullKey(key)
	n, err := c.reader().Exists(ctx, k).Result()
	if err != nil {
		return false, fmt.Errorf("redis: has_key %q: %w", k, err)
	}
	return n > 0, nil
}

// TTL returns the remaining lifetime of key (PTTL on a read server).
func (c *Cache) TTL(ctx context.Context, key string) (time.Duration, bool, bool, error) {
	return pttl(ctx, c.reader(), c.fullKey(key))
}

// pttl reads PTTL: -2 missing, -1 no expiry.
func pttl(ctx context.Context, cl goredis.UniversalClient, k string) (time.Duration, bool, bool, error) {
	ms, err := cl.Do(ctx, "pttl", k).Int64()
	if err != nil {
		return 0, false, false, fmt.Errorf("redis: pttl %q: %w", k, err)
	}
	switch {
	case ms == -2:
		return 0, false, false, nil
	case ms < 0:
		return 0, true, true, nil
	}
	return time.Duration(ms) * time.Millisecond, false, true, nil
}
