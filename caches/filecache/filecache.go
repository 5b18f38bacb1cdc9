// Package filecache implements caches.Backend for Django's FileBasedCache
// (django.core.cache.backends.filebased): one file per key in the LOCATION directory,
// named md5(full key) + ".djcache" (caches.FileCacheName), holding the pickled float
// expiry followed by the zlib-compressed pickled value (caches.FileCache), written to a
// temporary file in the same directory and renamed into place; the directory is made
// with mode 0o700; expired files are deleted when read; MAX_ENTRIES / CULL_FREQUENCY
// culling deletes a random sample, as Django does.
package filecache

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/serializer"
)

// CullClear is CULL_FREQUENCY = 0: when the directory is full, empty it.
const CullClear = -1

// Options mirror a FileBasedCache CACHES entry.
type Options struct {
	// Dir is LOCATION (required); it is made absolute, as Django does.
	Dir string
	// Keys holds KEY_PREFIX, VERSION and KEY_FUNCTION.
	Keys caches.KeyConfig
	// Timeout is TIMEOUT (zero value: 300 s).
	Timeout caches.Timeout
	// MaxEntries is OPTIONS MAX_ENTRIES (0: 300).
	MaxEntries int
	// CullFrequency is OPTIONS CULL_FREQUENCY (0: 3; CullClear for Django's 0).
	CullFrequency int
	// Codec is the file codec (zero value: Django's).
	Codec caches.FileCache
	// Now is the clock (default time.Now); expiries are time.time() floats of it.
	Now func() time.Time
	// Logger receives CacheKeyWarning-style key warnings (default slog.Default()).
	Logger *slog.Logger
}

// Cache is a Django FileBasedCache. It is safe for concurrent use (as Django's, by
// atomic renames; there is no locking).
type Cache struct {
	o       Options
	timeout caches.Timeout
}

var _ caches.Backend = (*Cache)(nil)
var _ caches.TTLer = (*Cache)(nil)

// New returns the cache for opts. The directory is created on the first Set.
func New(opts Options) (*Cache, error) {
	if opts.Dir == "" {
		return nil, errors.New("filecache: Options.Dir (LOCATION) is required")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	opts.Dir = dir
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = 300
	}
	if opts.CullFrequency == 0 {
		opts.CullFrequency = 3
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Cache{o: opts, timeout: opts.Timeout.Resolve(caches.DefaultTimeout)}, nil
}

// Dir returns the absolute cache directory.
func (c *Cache) Dir() string { return c.o.Dir }

// MakeKey returns the full key (make_key).
func (c *Cache) MakeKey(key string) string { return c.o.Keys.MakeKey(key) }

// Path returns the file that holds key (_key_to_file); a bad key is logged
// (CacheKeyWarning), not refused.
func (c *Cache) Path(key string) string {
	k := c.o.Keys.MakeKey(key)
	if err := caches.ValidateKey(k); err != nil {
		c.o.Logger.Warn("CacheKeyWarning: "+err.Error(), "backend", "FileBasedCache")
	}
	return filepath.Join(c.o.Dir, caches.FileCacheName(k))
}

func (c *Cache) now() float64 { return caches.PyTime(c.o.Now()) }

// read returns the content of the file, and whether it is there and not expired;
// an expired file is deleted (_is_expired).
func (c *Cache) read(name string) ([]byte, caches.FileExpiry, bool, error) {
	data, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, caches.FileExpiry{}, false, nil
	}
	if err != nil {
		return nil, caches.FileExpiry{}, false, err
	}
	exp, _, err := c.o.Codec.DecodeExpiry(data)
	if err != nil {
		return nil, exp, false, err
	}
	if len(data) == 0 || exp.Expired(c.now()) {
		c.remove(name)
		return nil, exp, false, nil
	}
	return data, exp, true, nil
}

// Get is FileBasedCache.get.
func (c *Cache) Get(ctx context.Context, key string) (serializer.Value, bool, error) {
	if err := ctx.Err(); err != nil {
		return serializer.Value{}, false, err
	}
	data, _, ok, err := c.read(c.Path(key))
	if !ok || err != nil {
		return serializer.Value{}, false, err
	}
	_, v, err := c.o.Codec.Decode(data)
	if err != nil {
		return serializer.Value{}, false, err
	}
	return v, true, nil
}

// Set is FileBasedCache.set: make the directory (0o700), cull, write a temporary file
// in the directory and rename it over the entry.
func (c *Cache) Set(ctx context.Context, key string, v serializer.Value, timeout caches.Timeout) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	name := c.Path(key)
	t := timeout.Resolve(c.timeout)
	content, err := c.o.Codec.Encode(caches.FileCacheExpiry(c.now(), t.Seconds(), t.IsNever()), v)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.o.Dir, 0o700); err != nil {
		return err
	}
	if err := c.cull(); err != nil {
		return err
	}
	f, err := os.CreateTemp(c.o.Dir, "tmp")
	if err != nil {
		return err
	}
	renamed := false
	defer func() {
		if !renamed {
			os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(content); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), name); err != nil {
		return err
	}
	renamed = true
	return nil
}

// Add is FileBasedCache.add: has_key, then set.
func (c *Cache) Add(ctx context.Context, key string, v serializer.Value, timeout caches.Timeout) (bool, error) {
	if has, err := c.Has(ctx, key); has || err != nil {
		return false, err
	}
	return true, c.Set(ctx, key, v, timeout)
}

// Delete removes the key's file; a missing file is not an error.
func (c *Cache) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.remove(c.Path(key))
}

func (c *Cache) remove(name string) error {
	if !strings.HasPrefix(name, c.o.Dir) {
		return nil
	}
	if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Has is FileBasedCache.has_key: the file exists and has not expired (an expired one is
// deleted).
func (c *Cache) Has(ctx context.Context, key string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	_, _, ok, err := c.read(c.Path(key))
	return ok, err
}

// TTL reports the time left until the file's expiry.
func (c *Cache) TTL(ctx context.Context, key string) (time.Duration, bool, bool, error) {
	_, exp, ok, err := c.read(c.Path(key))
	if !ok || err != nil {
		return 0, false, false, err
	}
	if exp.Never {
		return 0, true, true, nil
	}
	return time.Duration((exp.At - c.now()) * float64(time.Second)), false, true, nil
}

// files lists the cache files (_list_cache_files: "*.djcache" in the directory).
func (c *Cache) files() ([]string, error) {
	return filepath.Glob(filepath.Join(globEscape(c.o.Dir), "*"+caches.FileCacheSuffix))
}

// globMeta escapes the characters filepath.Glob reads as a pattern.
var globMeta = strings.NewReplacer(`\`, `\\`, "*", `\*`, "?", `\?`, "[", `\[`)

func globEscape(s string) string { return globMeta.Replace(s) }

// cull is FileBasedCache._cull: below MAX_ENTRIES nothing happens; otherwise a random
// int(n / CULL_FREQUENCY) files are deleted (all of them for CULL_FREQUENCY 0).
func (c *Cache) cull() error {
	files, err := c.files()
	if err != nil {
		return err
	}
	n := len(files)
	if n < c.o.MaxEntries {
		return nil
	}
	if c.o.CullFrequency == CullClear {
		return c.Clear(context.Background())
	}
	rand.Shuffle(n, func(i, j int) { files[i], files[j] = files[j], files[i] })
	for _, f := range files[:n/c.o.CullFrequency] {
		if err := c.remove(f); err != nil {
			return err
		}
	}
	return nil
}

// Clear deletes every cache file (cache.clear()).
func (c *Cache) Clear(ctx context.Context) error {
	files, err := c.files()
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := c.remove(f); err != nil {
			return err
		}
	}
	return nil
}
