package caches

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/djsession/djsession/serializer"
)

// Backend is one entry of Django's CACHES as the session engines use it: the cache API of
// django.core.cache (get, set, add, delete, has_key) on user keys, which the backend turns
// into full keys with its KeyConfig, and values in the backend's own format. Backends live
// in sub-packages, each importing only its own driver.
type Backend interface {
	// Get returns the value stored under key; ok is false on a miss.
	Get(ctx context.Context, key string) (v serializer.Value, ok bool, err error)
	// Set stores v under key for the timeout.
	Set(ctx context.Context, key string, v serializer.Value, timeout Timeout) error
	// Add stores v only if key is absent and reports whether it did.
	Add(ctx context.Context, key string, v serializer.Value, timeout Timeout) (bool, error)
	// Delete removes key; a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// Has reports whether key is present (has_key / `key in cache`).
	Has(ctx context.Context, key string) (bool, error)
	// MakeKey returns the full key the backend stores key under.
	MakeKey(key string) string
}

// TTLer is implemented by backends that can report the remaining lifetime of a key (for
// djsession inspect). never is true for keys without expiry.
type TTLer interface {
	TTL(ctx context.Context, key string) (ttl time.Duration, never bool, ok bool, err error)
}

// Timeout is a Django cache timeout: the backend's default (the zero value, Django's
// DEFAULT_TIMEOUT, which is the TIMEOUT setting, 300 s unless configured), a number of
// seconds (0 or less: expire at once, which deletes), or Never (None).
type Timeout struct {
	set     bool
	never   bool
	seconds float64
}

// Never is timeout=None: the value never expires.
var Never = Timeout{set: true, never: true}

// Seconds returns a timeout of s seconds.
func Seconds(s float64) Timeout { return Timeout{set: true, seconds: s} }

// IsDefault reports whether t is the backend default.
func (t Timeout) IsDefault() bool { return !t.set }

// IsNever reports whether t is None.
func (t Timeout) IsNever() bool { return t.never }

// Seconds returns the number of seconds of a timeout that is neither default nor never.
func (t Timeout) Seconds() float64 { return t.seconds }

// Resolve replaces the default with def (the backend's TIMEOUT).
func (t Timeout) Resolve(def Timeout) Timeout {
	if !t.set {
		return def
	}
	return t
}

// DefaultTimeout is Django's TIMEOUT default, 300 seconds.
var DefaultTimeout = Seconds(300)

// KeyFunc is Django's KEY_FUNCTION: it makes the full key from the key, KEY_PREFIX and
// VERSION (as text).
type KeyFunc func(key, prefix, version string) string

// DefaultKeyFunc is Django's default_key_func: "prefix:version:key".
func DefaultKeyFunc(key, prefix, version string) string {
	return prefix + ":" + version + ":" + key
}

// KeyConfig holds the key settings of a CACHES entry.
type KeyConfig struct {
	KeyPrefix   string  // KEY_PREFIX, default ""
	Version     Version // VERSION, default 1
	KeyFunction KeyFunc // KEY_FUNCTION, default DefaultKeyFunc
}

// Version is a cache VERSION: an int (default 1) or a string.
type Version struct {
	s     string
	isSet bool
}

// IntVersion returns VERSION = n.
func IntVersion(n int) Version { return Version{s: strconv.Itoa(n), isSet: true} }

// StringVersion returns VERSION = s (Django formats it with %s, so any text works).
func StringVersion(s string) Version { return Version{s: s, isSet: true} }

// String returns the version as it appears in keys ("1" by default).
func (v Version) String() string {
	if !v.isSet {
		return "1"
	}
	return v.s
}

// MakeKey returns make_key(key): KeyFunction(key, KeyPrefix, Version).
func (c KeyConfig) MakeKey(key string) string {
	f := c.KeyFunction
	if f == nil {
		f = DefaultKeyFunc
	}
	return f(key, c.KeyPrefix, c.Version.String())
}

// MaxKeyLength is the longest key memcached accepts, which Django checks for every
// backend (CacheKeyWarning).
const MaxKeyLength = 250

// ErrInvalidKey is what the memcached backends raise (InvalidCacheKey) for keys the other
// backends only warn about.
var ErrInvalidKey = errors.New("caches: invalid cache key")

// ValidateKey is Django's validate_key: a full key longer than MaxKeyLength characters, or
// containing a control character (0x00-0x20) or DEL, is a problem; the memcached backends
// refuse it (error), the others log a warning and go on. It returns nil for good keys.
func ValidateKey(fullKey string) error {
	if n := len([]rune(fullKey)); n > MaxKeyLength {
		return fmt.Errorf("%w: key is %d characters long, more than %d: %q", ErrInvalidKey, n, MaxKeyLength, fullKey)
	}
	for _, r := range fullKey {
		if r <= 0x20 || r == 0x7f {
			return fmt.Errorf("%w: key contains control character %U: %q", ErrInvalidKey, r, fullKey)
		}
	}
	return nil
}
