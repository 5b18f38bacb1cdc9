// Package djangoredis is the django-redis package's cache backend
// (django_redis.cache.RedisCache with its DefaultClient or SentinelClient) as a peer, on
// github.com/redis/go-redis/v9: the same full keys (caches.KeyConfig), the same value
// bytes (caches.DjangoRedis: ints raw, else the serializer's bytes through the
// compressor), the same timeouts and the same server choice.
//
// # Servers
//
// As DefaultClient, writes (set, add, delete) go to the first client and reads (get,
// has_key, ttl) to a client drawn at random among the others when there are several (a
// primary and its replicas). [New] accepts any go-redis UniversalClient, so a Redis
// Cluster client or a failover (Sentinel) client can stand for a LOCATION entry. (The live
// tests run the session engines on a real three-node Redis Cluster through a
// ClusterClient, beside django-redis on redis-py's cluster client.)
// [NewSentinel] is SentinelClient: the primary of a Sentinel-watched master for writes
// and one of its replicas for reads.
//
// # Timeouts
//
// As DefaultClient.set: the default timeout resolves to Options.Timeout (TIMEOUT, 300 s
// unless set); caches.Never stores without expiry; otherwise the timeout becomes
// int(seconds*1000) milliseconds, stored with SET PX. Zero or less deletes the key on
// set, and makes add store nothing and report whether the key was absent.
//
// django-redis does not validate keys (no CacheKeyWarning), and neither does this
// package.
package djangoredis

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

// Options are the settings of a django-redis entry of CACHES besides LOCATION.
type Options struct {
	caches.KeyConfig
	// Timeout is TIMEOUT, what a default timeout means; zero value = 300 seconds.
	Timeout caches.Timeout
	// Codec holds OPTIONS SERIALIZER, COMPRESSOR and PICKLE_VERSION; the zero value is
	// django-redis's default (pickle protocol 4, no compression).
	Codec caches.DjangoRedis
	// IgnoreExceptions is OPTIONS["IGNORE_EXCEPTIONS"] (DJANGO_REDIS_IGNORE_EXCEPTIONS):
	// connection failures make Get a miss, Has false, Add false and Set/Delete no-ops,
	// instead of errors. They are logged when LogIgnoredExceptions is set.
	IgnoreExceptions bool
	// LogIgnoredExceptions is DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS.
	LogIgnoredExceptions bool
	// Logger receives the ignored exceptions; default slog.Default().
	Logger *slog.Logger
	// ReadIndex picks the read client among 1..n-1 (given n-1, it returns 0..n-2);
	// default math/rand/v2, as django-redis's random.randint. Tests pin it.
	ReadIndex func(n int) int
}

// Cache is a django-redis cache: it implements caches.Backend and caches.TTLer and is
// safe for concurrent use.
type Cache struct {
	srv  redisconn.Servers
	opts Options
}

var (
	_ caches.Backend = (*Cache)(nil)
	_ caches.TTLer   = (*Cache)(nil)
)

// New returns a django-redis cache on clients, in LOCATION order (the first takes the
// writes). The caller keeps ownership of the clients: Close does not close them.
func New(clients []goredis.UniversalClient, opts Options) (*Cache, error) {
	srv, err := redisconn.New("djangoredis", clients, opts.ReadIndex)
	if err != nil {
		return nil, err
	}
	if opts.Timeout.IsDefault() {
		opts.Timeout = caches.DefaultTimeout
	}
	return &Cache{srv: srv, opts: opts}, nil
}

// SplitLocation splits a LOCATION string into server URLs as DefaultClient does (on ",").
func SplitLocation(location string) []string {
	return strings.Split(location, ",")
}

// Open connects to the servers of LOCATION (redis://, rediss:// or unix:// URLs), one
// go-redis client each. Close closes them.
func Open(locations []string, opts Options) (*Cache, error) {
	clients, err := redisconn.Dial("djangoredis", locations)
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

// NewSentinel is django-redis's SentinelClient: fo names the master (MasterName) and the
// Sentinels (SentinelAddrs); writes go to the master and reads to a replica (falling back
// to the master when no replica is up), as the is_master=1 and is_master=0 pools of
// SentinelClient. Close closes both clients.
func NewSentinel(fo *goredis.FailoverOptions, opts Options) (*Cache, error) {
	if fo == nil || fo.MasterName == "" || len(fo.SentinelAddrs) == 0 {
		return nil, errors.New("djangoredis: NewSentinel needs MasterName and SentinelAddrs")
	}
	primary := *fo
	primary.ReplicaOnly = false
	replica := *fo
	replica.ReplicaOnly = true
	replica.UseDisconnectedReplicas = false
	p := goredis.NewFailoverClient(&primary)
	r := goredis.NewFailoverClient(&replica)
	c, err := New([]goredis.UniversalClient{p, r}, opts)
	if err != nil {
		p.Close()
		r.Close()
		return nil, err
	}
	c.srv.Own()
	return c, nil
}

// Close closes the clients Open or NewSentinel made; it does nothing for clients passed
// to New.
func (c *Cache) Close() error { return c.srv.Close() }

// Clients returns the clients in LOCATION order.
func (c *Cache) Clients() []goredis.UniversalClient { return c.srv.Clients() }

func (c *Cache) writer() goredis.UniversalClient { return c.srv.Writer() }

// reader is get_next_client_index(write=False).
func (c *Cache) reader() goredis.UniversalClient { return c.srv.Reader() }

// MakeKey returns the full key (KEY_FUNCTION of KEY_PREFIX, VERSION and key).
func (c *Cache) MakeKey(key string) string { return c.opts.MakeKey(key) }

// pxTimeout is DefaultClient.set's timeout: never, or int(seconds*1000) milliseconds
// (zero or less means delete).
func (c *Cache) pxTimeout(t caches.Timeout) (ms int64, never bool) {
	t = t.Resolve(c.opts.Timeout)
	if t.IsNever() {
		return 0, true
	}
	f := math.Trunc(t.Seconds() * 1000)
	switch {
	case math.IsNaN(f) || f <= 0:
		return 0, false
	case f > float64(math.MaxInt64/int64(time.Millisecond)):
		return math.MaxInt64 / int64(time.Millisecond), false
	}
	return int64(f), false
}

// connErr reports whether err is what django-redis turns into ConnectionInterrupted: a
// network, timeout or server error, not a value it cannot decode.
func connErr(err error) bool {
	return err != nil && !errors.Is(err, caches.ErrCorrupt) && !errors.Is(err, caches.ErrTooLarge) &&
		!errors.Is(err, caches.ErrUnsupported)
}

// ignore is omit_exception: with IgnoreExceptions, a connection failure is dropped (and
// logged if asked).
func (c *Cache) ignore(op, key string, err error) bool {
	if !c.opts.IgnoreExceptions || !connErr(err) {
		return false
	}
	if c.opts.LogIgnoredExceptions {
		log := c.opts.Logger
		if log == nil {
			log = slog.Default()
		}
		log.Error("djangoredis: exception ignored", "op", op, "key", key, "err", err)
	}
	return true
}

// Get returns the value under key; a missing key is a miss.
func (c *Cache) Get(ctx context.Context, key string) (serializer.Value, bool, error) {
	k := c.opts.MakeKey(key)
	data, err := c.reader().Get(ctx, k).Bytes()
	if errors.Is(err, goredis.Nil) {
		return serializer.Value{}, false, nil
	}
	if err != nil {
		if c.ignore("get", k, err) {
			return serializer.Value{}, false, nil
		}
		return serializer.Value{}, false, fmt.Errorf("djangoredis: get %q: %w", k, err)
	}
	v, err := c.opts.Codec.Decode(data)
	if err != nil {
		return serializer.Value{}, false, fmt.Errorf("djangoredis: get %q: %w", k, err)
	}
	return v, true, nil
}

// Set stores v under key (SET, SET PX, or DEL for a timeout of zero or less).
func (c *Cache) Set(ctx context.Context, key string, v serializer.Value, timeout caches.Timeout) error {
	_, err := c.set(ctx, "set", key, v, timeout, false)
	return err
}

// Add stores v under key only if it is absent (SET NX) and reports whether it did.
func (c *Cache) Add(ctx context.Context, key string, v serializer.Value, timeout caches.Timeout) (bool, error) {
	return c.set(ctx, "add", key, v, timeout, true)
}

func (c *Cache) set(ctx context.Context, op, key string, v serializer.Value, timeout caches.Timeout, nx bool) (bool, error) {
	k := c.opts.MakeKey(key)
	data, err := c.opts.Codec.Encode(v)
	if err != nil {
		return false, fmt.Errorf("djangoredis: %s %q: %w", op, k, err)
	}
	ms, never := c.pxTimeout(timeout)
	w := c.writer()
	var ok bool
	switch {
	case never && nx:
		ok, err = w.SetNX(ctx, k, data, 0).Result()
	case never:
		err = w.Set(ctx, k, data, 0).Err()
		ok = err == nil
	case ms <= 0 && nx:
		// django-redis: "negative timeouts with nx do not expire an existing value"; it
		// stores nothing and answers whether the key was absent.
		var n int64
		n, err = w.Exists(ctx, k).Result()
		ok = n == 0
	case ms <= 0:
		err = w.Del(ctx, k).Err()
	case nx:
		ok, err = w.SetNX(ctx, k, data, time.Duration(ms)*time.Millisecond).Result()
	default:
		err = w.Set(ctx, k, data, time.Duration(ms)*time.Millisecond).Err()
		ok = err == nil
	}
	if err != nil {
		if c.ignore(op, k, err) {
			return false, nil
		}
		return false, fmt.Errorf("djangoredis: %s %q: %w", op, k, err)
	}
	return ok, nil
}

// Delete removes key (DEL on the first client).
func (c *Cache) Delete(ctx context.Context, key string) error {
	k := c.opts.MakeKey(key)
	if err := c.writer().Del(ctx, k).Err(); err != nil && !c.ignore("delete", k, err) {
		return fmt.Errorf("djangoredis: delete %q: %w", k, err)
	}
	return nil
}

// Has reports whether key exists (EXISTS on a read client).
func (c *Cache) Has(ctx context.Context, key string) (bool, error) {
	k := c.opts.MakeKey(key)
	n, err := c.reader().Exists(ctx, k).Result()
	if err != nil {
		if c.ignore("has_key", k, err) {
			return false, nil
		}
		return false, fmt.Errorf("djangoredis: has_key %q: %w", k, err)
	}
	return n == 1, nil
}

// TTL returns the remaining lifetime of key (PTTL on a read client), as django-redis's
// pttl.
func (c *Cache) TTL(ctx context.Context, key string) (time.Duration, bool, bool, error) {
	k := c.opts.MakeKey(key)
	ms, err := c.reader().PTTL(ctx, k).Result()
	if err != nil {
		return 0, false, false, fmt.Errorf("djangoredis: pttl %q: %w", k, err)
	}
	// go-redis turns -1/-2 into negative durations of those many nanoseconds.
	switch {
	case ms == -2*time.Nanosecond:
		return 0, false, false, nil
	case ms < 0:
		return 0, true, true, nil
	}
	return ms, false, true, nil
}
