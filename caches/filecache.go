package caches

import (
	"crypto/md5"
	"encoding/hex"
	"math"
	"math/big"
	"time"

	"github.com/djsession/djsession/internal/zdeflate"
	"github.com/djsession/djsession/serializer"
)

// FileCacheSuffix is the extension of FileBasedCache files.
const FileCacheSuffix = ".djcache"

// FileCacheName returns the file name FileBasedCache uses for an entry:
// md5(fullKey encoded as UTF-8).hexdigest() + ".djcache", where fullKey is the key after
// make_key (":1:django.contrib.sessions.cache<session key>" by default).
func FileCacheName(fullKey string) string {
	sum := md5.Sum([]byte(fullKey))
	return hex.EncodeToString(sum[:]) + FileCacheSuffix
}

// FileExpiry is the expiry a FileBasedCache file starts with: a float Unix time, or None
// (Never) for an entry that does not expire.
type FileExpiry struct {
	Never bool
	At    float64
}

// PyTime returns the float Python's time.time() gives at the instant t (the nanoseconds
// divided by 1e9 in float64 arithmetic), the clock Django's cache expiries use.
func PyTime(t time.Time) float64 {
	ns := t.UnixNano()
	if ns%1e9 == 0 {
		return float64(ns / 1e9)
	}
	return float64(ns) / 1e9
}

// FileCacheExpiry returns the expiry FileBasedCache writes for an entry set at now (a
// time.time() value: see [PyTime]) with the timeout in seconds (never: timeout None):
// now + timeout, with a timeout of 0 counting as -1 (BaseCache.get_backend_timeout).
func FileCacheExpiry(now, timeout float64, never bool) FileExpiry {
	if never {
		return FileExpiry{Never: true}
	}
	if timeout == 0 {
		timeout = -1
	}
	return FileExpiry{At: now + timeout}
}

// Expired tells whether FileBasedCache treats the file as expired at now (a time.time()
// value) and deletes it: a float expiry before now.
func (e FileExpiry) Expired(now float64) bool {
	return !e.Never && e.At < now
}

// FileCache is the content codec of Django's FileBasedCache files:
// pickle.dumps(expiry, pickle.HIGHEST_PROTOCOL) immediately followed by
// zlib.compress(pickle.dumps(value, pickle.HIGHEST_PROTOCOL)). The zlib stream is
// byte-identical to CPython's (internal/zdeflate), so the whole file is.
type FileCache struct {
	Protocol int // pickle protocol; 0 means 5
	Limits   Limits
}

// Encode returns the content of the file for v with the expiry.
func (c FileCache) Encode(exp FileExpiry, v serializer.Value) ([]byte, error) {
	ev := serializer.None()
	if !exp.Never {
		ev = serializer.Float(exp.At)
	}
	out, err := pickleDumps(ev, c.Protocol, 5)
	if err != nil {
		return nil, err
	}
	p, err := pickleDumps(v, c.Protocol, 5)
	if err != nil {
		return nil, err
	}
	return zdeflate.Compress(out, p), nil
}

// DecodeExpiry reads the expiry at the start of a file, as FileBasedCache._is_expired
// does: an empty file counts as expired (expiry 0). An int expiry is read as a float, as
// Python compares it.
func (c FileCache) DecodeExpiry(data []byte) (FileExpiry, int, error) {
	if len(data) == 0 {
		return FileExpiry{}, 0, nil
	}
	v, n, err := serializer.UnpickleFirst(data, c.Limits.Pickle)
	if err != nil {
		return FileExpiry{}, 0, corrupt("file cache: expiry pickle", err)
	}
	switch v.Kind() {
	case serializer.KindNone:
		return FileExpiry{Never: true}, n, nil
	case serializer.KindFloat:
		f, _ := v.AsFloat()
		return FileExpiry{At: f}, n, nil
	case serializer.KindBool:
		if b, _ := v.AsBool(); b {
			return FileExpiry{At: 1}, n, nil
		}
		return FileExpiry{}, n, nil
	case serializer.KindInt:
		b, _ := v.AsBigInt()
		f, _ := new(big.Float).SetInt(b).Float64()
		if math.IsInf(f, 0) {
			return FileExpiry{}, 0, corrupt("file cache: expiry int too large to convert to float", nil)
		}
		return FileExpiry{At: f}, n, nil
	}
	return FileExpiry{}, 0, corrupt("file cache: expiry is a "+v.Kind().String()+", not a float or None", nil)
}

// Decode reads a whole file: the expiry, then the value, zlib-decompressed (bytes after
// the zlib stream are ignored, as zlib.decompress ignores them) within
// Limits.MaxDecompressedSize, then unpickled. It does not check the expiry: see
// [FileExpiry.Expired]. An empty file gives an error (Django treats it as expired).
func (c FileCache) Decode(data []byte) (FileExpiry, serializer.Value, error) {
	if len(data) == 0 {
		return FileExpiry{}, serializer.Value{}, corrupt("file cache: empty file", nil)
	}
	exp, n, err := c.DecodeExpiry(data)
	if err != nil {
		return exp, serializer.Value{}, err
	}
	raw, err := Zlib.decompress(data[n:], c.Limits.maxOut())
	if err == errNotCompressed {
		err = corrupt("file cache: zlib header", nil)
	}
	if err != nil {
		return exp, serializer.Value{}, err
	}
	v, err := pickleLoads(raw, c.Limits)
	return exp, v, err
}

// String formats the expiry as Python's repr does.
func (e FileExpiry) String() string {
	if e.Never {
		return "None"
	}
	return serializer.FormatFloat(e.At)
}
