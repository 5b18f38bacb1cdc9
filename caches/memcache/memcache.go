// Package memcache implements caches.Backend for Django's memcached backends,
// PyMemcacheCache (pymemcache) and PyLibMCCache (pylibmc), over
// github.com/bradfitz/gomemcache: the same full keys (KEY_PREFIX, VERSION,
// KEY_FUNCTION), the same item values and flags (caches.Pymemcache, caches.Pylibmc),
// the same expiration times, and with several servers the same server for every key as
// the Python client picks (see Rendezvous and Modula), so a Go service and Django share
// one memcached cluster.
package memcache

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"strconv"
	"strings"
	"time"

	gomc "github.com/bradfitz/gomemcache/memcache"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/serializer"
)

// Flavor is the Python client a Django site uses.
type Flavor int

const (
	// PyMemcache is django.core.cache.backends.memcached.PyMemcacheCache (Django 3.2+).
	PyMemcache Flavor = iota
	// PyLibMC is django.core.cache.backends.memcached.PyLibMCCache.
	PyLibMC
)

func (f Flavor) String() string {
	if f == PyLibMC {
		return "PyLibMCCache"
	}
	return "PyMemcacheCache"
}

// Options mirror one CACHES entry of a memcached backend.
type Options struct {
	// Location is LOCATION: the servers, in order ("host:port", "unix:/path"); use
	// SplitLocation for a "a;b,c" string.
	Location []string
	// Keys holds KEY_PREFIX, VERSION and KEY_FUNCTION.
	Keys caches.KeyConfig
	// Timeout is TIMEOUT, used for caches.Timeout's default (zero value: 300 s).
	Timeout caches.Timeout
	// Pymemcache and Pylibmc are the value codecs (zero values: Django's).
	Pymemcache caches.Pymemcache
	Pylibmc    caches.Pylibmc
	// Selector replaces the server choice (default: Rendezvous for PyMemcache, Modula
	// for PyLibMC), e.g. for a site that sets pylibmc behaviors.
	Selector Selector
	// NetTimeout and MaxIdleConns configure the gomemcache client (0: its defaults).
	NetTimeout   time.Duration
	MaxIdleConns int
	// Now is the clock for timeouts over 30 days, which become Unix times (default
	// time.Now).
	Now func() time.Time
	// Logger receives pymemcache's "could not unpickle" style warnings (default
	// slog.Default()).
	Logger *slog.Logger
}

// Cache is a Django memcached cache. It is safe for concurrent use.
type Cache struct {
	flavor  Flavor
	client  *gomc.Client
	sel     Selector
	keys    caches.KeyConfig
	timeout caches.Timeout
	pym     caches.Pymemcache
	plc     caches.Pylibmc
	now     func() time.Time
	log     *slog.Logger
	netTO   time.Duration
}

var _ caches.Backend = (*Cache)(nil)
var _ caches.TTLer = (*Cache)(nil)

// New returns the cache of the flavor for opts.
func New(flavor Flavor, opts Options) (*Cache, error) {
	sel := opts.Selector
	if sel == nil {
		var err error
		if flavor == PyLibMC {
			sel, err = NewModula(opts.Location)
		} else {
			sel, err = NewRendezvous(opts.Location)
		}
		if err != nil {
			return nil, err
		}
	}
	c := &Cache{
		flavor: flavor, client: gomc.NewFromSelector(sel), sel: sel, keys: opts.Keys,
		timeout: opts.Timeout.Resolve(caches.DefaultTimeout), pym: opts.Pymemcache, plc: opts.Pylibmc,
		now: opts.Now, log: opts.Logger, netTO: opts.NetTimeout,
	}
	c.client.Timeout = opts.NetTimeout
	c.client.MaxIdleConns = opts.MaxIdleConns
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	return c, nil
}

// NewPymemcache returns a PyMemcacheCache.
func NewPymemcache(opts Options) (*Cache, error) { return New(PyMemcache, opts) }

// NewPylibmc returns a PyLibMCCache.
func NewPylibmc(opts Options) (*Cache, error) { return New(PyLibMC, opts) }

// Client returns the underlying gomemcache client.
func (c *Cache) Client() *gomc.Client { return c.client }

// Selector returns the server selector.
func (c *Cache) Selector() Selector { return c.sel }

// Flavor returns the Python client the cache mirrors.
func (c *Cache) Flavor() Flavor { return c.flavor }

// Close closes idle connections.
func (c *Cache) Close() error { return c.client.Close() }

// MakeKey returns the full key (make_key).
func (c *Cache) MakeKey(key string) string { return c.keys.MakeKey(key) }

// fullKey is make_and_validate_key: the memcached backends refuse bad keys
// (InvalidCacheKey), as Django does.
func (c *Cache) fullKey(ctx context.Context, key string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	k := c.keys.MakeKey(key)
	if err := caches.ValidateKey(k); err != nil {
		return "", err
	}
	return k, nil
}

// Expiration returns the exptime Django sends for the timeout
// (BaseMemcachedCache.get_backend_timeout): None → 0 (never), a timeout whose int() is
// 0 → -1 (expired at once), over 30 days → plus int(time.time()) (a Unix time), then
// int() of the result.
func (c *Cache) Expiration(t caches.Timeout) int32 {
	t = t.Resolve(c.timeout)
	if t.IsNever() {
		return 0
	}
	s := t.Seconds()
	if math.Trunc(s) == 0 {
		s = -1
	}
	if s > 2592000 {
		s += float64(c.now().Unix())
	}
	s = math.Trunc(s)
	switch {
	case s > math.MaxInt32:
		return math.MaxInt32
	case s < math.MinInt32:
		return math.MinInt32
	}
	return int32(s)
}

func (c *Cache) encode(v serializer.Value) ([]byte, uint32, error) {
	if c.flavor == PyLibMC {
		return c.plc.Encode(v)
	}
	return c.pym.Encode(v)
}

// Get returns the value under key. pymemcache reads an unpickleable item as None (and
// logs it): so does Get (found, None, a warning). pylibmc raises: Get returns the error.
func (c *Cache) Get(ctx context.Context, key string) (serializer.Value, bool, error) {
	k, err := c.fullKey(ctx, key)
	if err != nil {
		return serializer.Value{}, false, err
	}
	it, err := c.client.Get(k)
	if errors.Is(err, gomc.ErrCacheMiss) {
		return serializer.Value{}, false, nil
	}
	if err != nil {
		return serializer.Value{}, false, err
	}
	if c.flavor == PyLibMC {
		v, err := c.plc.Decode(it.Value, it.Flags)
		if err != nil {
			return serializer.Value{}, false, err
		}
		return v, true, nil
	}
	v, err := c.pym.Decode(it.Value, it.Flags)
	if err != nil {
		c.log.Warn("memcache: could not deserialize value, reading it as None", "key", k, "flags", it.Flags, "error", err)
		return serializer.None(), true, nil
	}
	return v, true, nil
}

// Set stores v under key. When the server answers NOT_STORED, Set deletes the key, as
// Django does so that no old value stays behind.
func (c *Cache) Set(ctx context.Context, key string, v serializer.Value, timeout caches.Timeout) error {
	k, err := c.fullKey(ctx, key)
	if err != nil {
		return err
	}
	data, flags, err := c.encode(v)
	if err != nil {
		return err
	}
	err = c.client.Set(&gomc.Item{Key: k, Value: data, Flags: flags, Expiration: c.Expiration(timeout)})
	if errors.Is(err, gomc.ErrNotStored) {
		if err := c.client.Delete(k); err != nil && !errors.Is(err, gomc.ErrCacheMiss) {
			return err
		}
		return nil
	}
	return err
}

// Add stores v only if key is absent (memcached add) and reports whether it did.
func (c *Cache) Add(ctx context.Context, key string, v serializer.Value, timeout caches.Timeout) (bool, error) {
	k, err := c.fullKey(ctx, key)
	if err != nil {
		return false, err
	}
	data, flags, err := c.encode(v)
	if err != nil {
		return false, err
	}
	err = c.client.Add(&gomc.Item{Key: k, Value: data, Flags: flags, Expiration: c.Expiration(timeout)})
	if errors.Is(err, gomc.ErrNotStored) {
		return false, nil
	}
	return err == nil, err
}

// Delete removes key; a missing key is not an error.
func (c *Cache) Delete(ctx context.Context, key string) error {
	k, err := c.fullKey(ctx, key)
	if err != nil {
		return err
	}
	if err := c.client.Delete(k); err != nil && !errors.Is(err, gomc.ErrCacheMiss) {
		return err
	}
	return nil
}

// Has is BaseCache.has_key: a get that finds the key. The value is not decoded: whatever
// it holds, the key is there.
func (c *Cache) Has(ctx context.Context, key string) (bool, error) {
	k, err := c.fullKey(ctx, key)
	if err != nil {
		return false, err
	}
	_, err = c.client.Get(k)
	if errors.Is(err, gomc.ErrCacheMiss) {
		return false, nil
	}
	return err == nil, err
}

// ErrNoMetaCommands is returned by TTL when the server does not speak memcached's meta
// protocol (memcached before 1.6).
var ErrNoMetaCommands = errors.New("memcache: server does not support meta commands (memcached 1.6+ needed for TTL)")

// TTL reports the remaining lifetime of key, read with the meta command "mg <key> t" on
// the server that holds it (memcached 1.6+). Neither Python client can read it; it is
// for djsession inspect and tests.
func (c *Cache) TTL(ctx context.Context, key string) (time.Duration, bool, bool, error) {
	k, err := c.fullKey(ctx, key)
	if err != nil {
		return 0, false, false, err
	}
	addr, err := c.sel.PickServer(k)
	if err != nil {
		return 0, false, false, err
	}
	return metaTTL(ctx, addr, k, c.netTO)
}

func metaTTL(ctx context.Context, addr net.Addr, key string, to time.Duration) (time.Duration, bool, bool, error) {
	if to <= 0 {
		to = gomc.DefaultTimeout
	}
	d := net.Dialer{Timeout: to}
	conn, err := d.DialContext(ctx, addr.Network(), addr.String())
	if err != nil {
		return 0, false, false, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(to))
	if _, err := fmt.Fprintf(conn, "mg %s t\r\n", key); err != nil {
		return 0, false, false, err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return 0, false, false, err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "EN" {
		return 0, false, false, nil
	}
	f := strings.Fields(line)
	if len(f) == 0 || f[0] != "HD" && f[0] != "VA" {
		if strings.HasPrefix(line, "ERROR") {
			return 0, false, false, ErrNoMetaCommands
		}
		return 0, false, false, fmt.Errorf("memcache: unexpected reply to mg: %q", line)
	}
	for _, tok := range f[1:] {
		if s, ok := strings.CutPrefix(tok, "t"); ok {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return 0, false, false, fmt.Errorf("memcache: bad TTL in %q", line)
			}
			if n < 0 {
				return 0, true, true, nil
			}
			return time.Duration(n) * time.Second, false, true, nil
		}
	}
	return 0, false, false, fmt.Errorf("memcache: no TTL in %q", line)
}
