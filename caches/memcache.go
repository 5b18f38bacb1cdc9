package caches

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/djsession/djsession/serializer"
)

// Memcached item flags, as pymemcache.serde and pylibmc use them.
const (
	FlagBytes   uint32 = 0      // bytes, stored as they are
	FlagPickle  uint32 = 1 << 0 // a pickle
	FlagInteger uint32 = 1 << 1 // pymemcache: an exact int; pylibmc: a bool ("1"/"0")
	FlagLong    uint32 = 1 << 2 // pylibmc: an int (pymemcache reads it as an int too)
	FlagZlib    uint32 = 1 << 3 // pylibmc: zlib-compressed (pymemcache's CompressedSerde too)
	FlagText    uint32 = 1 << 4 // a str, UTF-8
)

// Pymemcache is the value codec of Django's PyMemcacheCache: pymemcache's pickle_serde
// (python_memcache_serializer with pickle.HIGHEST_PROTOCOL). bytes are stored as they
// are (flags 0), a str as UTF-8 (16), an exact int as its digits (2), anything else,
// bools included, pickled with protocol 5 (1).
//
// The zero value is Django's configuration; Protocol changes the pickle protocol (0
// means 5) for a site that passes its own serde.
type Pymemcache struct {
	Protocol int
	Limits   Limits
}

// Encode returns the item value and flags pymemcache stores for v.
func (p Pymemcache) Encode(v serializer.Value) ([]byte, uint32, error) {
	switch v.Kind() {
	case serializer.KindBytes:
		b, _ := v.AsBytes()
		return b, FlagBytes, nil
	case serializer.KindStr:
		s, _ := v.AsStr()
		if !utf8.ValidString(s) {
			return nil, 0, unsupported("memcached: str holds lone surrogates ('utf-8' codec can't encode)")
		}
		return []byte(s), FlagText, nil
	case serializer.KindInt:
		return appendInt(nil, v), FlagInteger, nil
	}
	b, err := pickleDumps(v, p.Protocol, 5)
	return b, FlagPickle, err
}

// Decode reads an item as python_memcache_deserializer does: flags 0 give bytes; else
// the text flag, then the int flags (2 or 4), then the pickle flag decide (the pickle
// read as a stream, see serializer.PickleOptions.Stream); any other flags give the bytes
// as they are. pymemcache logs an unreadable pickle and returns None (a cache miss);
// Decode returns None and an error matching ErrCorrupt, for the caller to treat as a
// miss.
func (p Pymemcache) Decode(data []byte, flags uint32) (serializer.Value, error) {
	switch {
	case flags == 0:
		return serializer.Bytes(data), nil
	case flags&FlagText != 0:
		return decodeText(data)
	case flags&(FlagInteger|FlagLong) != 0:
		return decodeInt(data)
	case flags&FlagPickle != 0:
		// (pymemcache unpickles through io.BytesIO: a stream, which reads a damaged
		// pickle's frames otherwise than pickle.loads.)
		l := p.Limits
		l.Pickle.Stream = true
		return pickleLoads(data, l)
	}
	return serializer.Bytes(data), nil
}

func decodeText(data []byte) (serializer.Value, error) {
	if !utf8.Valid(data) {
		return serializer.Value{}, corrupt("memcached: text is not valid UTF-8", nil)
	}
	return serializer.Str(string(data)), nil
}

func decodeInt(data []byte) (serializer.Value, error) {
	v, ok := ParsePythonInt(data)
	if !ok {
		return serializer.Value{}, corrupt(fmt.Sprintf("memcached: invalid literal for int() with base 10: %q", truncate(data)), nil)
	}
	return v, nil
}

func truncate(b []byte) []byte {
	if len(b) > 40 {
		return b[:40]
	}
	return b
}

// Pylibmc is the value codec of Django's PyLibMCCache (pylibmc 1.6): bytes as they are
// (flags 0), a str as UTF-8 (16), a bool as "1" or "0" (2), an int as its digits (4),
// anything else pickled with pickle.HIGHEST_PROTOCOL, 5 (1). Note that pylibmc reads
// flags 2 back as an int: a stored True comes back as 1.
//
// pylibmc compresses with zlib (flag 8) only when set() is given a min_compress_len,
// which Django never passes: MinCompressLen > 0 mimics it for values at least that long
// (kept uncompressed if compressing does not shrink them). Decode always reads flag 8.
type Pylibmc struct {
	Protocol       int
	MinCompressLen int
	Limits         Limits
}

// Encode returns the item value and flags pylibmc stores for v.
func (p Pylibmc) Encode(v serializer.Value) ([]byte, uint32, error) {
	var data []byte
	var flags uint32
	switch v.Kind() {
	case serializer.KindBytes:
		data, _ = v.AsBytes()
	case serializer.KindStr:
		s, _ := v.AsStr()
		if !utf8.ValidString(s) {
			return nil, 0, unsupported("memcached: str holds lone surrogates ('utf-8' codec can't encode)")
		}
		data, flags = []byte(s), FlagText
	case serializer.KindBool:
		data, flags = []byte{'0'}, FlagInteger
		if b, _ := v.AsBool(); b {
			data[0] = '1'
		}
	case serializer.KindInt:
		data, flags = appendInt(nil, v), FlagLong
	default:
		var err error
		if data, err = pickleDumps(v, p.Protocol, 5); err != nil {
			return nil, 0, err
		}
		flags = FlagPickle
	}
	if p.MinCompressLen > 0 && len(data) >= p.MinCompressLen {
		if c, _ := Zlib.Compress(data); len(c) < len(data) {
			return c, flags | FlagZlib, nil
		}
	}
	return data, flags, nil
}

// Decode reads an item as pylibmc does: flag 8 means zlib-compressed; then the type
// flags (1, 2, 4, 16) must be none or exactly one of them (other combinations are
// pylibmc's "unknown memcached key flags" error); bits above 16 are ignored. Ints are
// read as pylibmc reads them, as a C string: digits end at a NUL byte.
func (p Pylibmc) Decode(data []byte, flags uint32) (serializer.Value, error) {
	if flags&FlagZlib != 0 {
		out, err := Zlib.decompress(data, p.Limits.maxOut())
		if err != nil {
			if err == errNotCompressed {
				err = corrupt("pylibmc: zlib", nil)
			}
			return serializer.Value{}, err
		}
		data = out
	}
	switch flags & (FlagPickle | FlagInteger | FlagLong | FlagText) {
	case 0:
		return serializer.Bytes(data), nil
	case FlagText:
		return decodeText(data)
	case FlagInteger, FlagLong:
		if i := bytes.IndexByte(data, 0); i >= 0 {
			data = data[:i] // pylibmc parses the digits as a C string
		}
		return decodeInt(data)
	case FlagPickle:
		return pickleLoads(data, p.Limits)
	}
	return serializer.Value{}, corrupt(fmt.Sprintf("pylibmc: unknown memcached key flags %d", flags), nil)
}
