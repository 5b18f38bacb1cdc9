// Package caches holds byte-exact codecs for the values Django's cache backends store, so
// that a Go service can read and write the entries of Django's cache and cached_db session
// engines (which store the session dict itself, serialized by the cache backend):
//
//   - [RedisSerializer]: django.core.cache.backends.redis (Django 4.0+): exact ints as
//     ASCII digits, everything else pickled with protocol 5.
//   - [DjangoRedis]: the django-redis package: ints raw, a pickle (protocol 4 by default),
//     JSON or msgpack serializer, and an optional zlib, gzip, lzma, lz4 or zstd compressor.
//   - [Pymemcache] and [Pylibmc]: the value and flags of Django's PyMemcacheCache and
//     PyLibMCCache.
//   - [DatabaseCache]: the base64 text of Django's DatabaseCache value column, and its
//     expires helpers.
//   - [FileCache]: the content and name of a FileBasedCache file.
//
// The codecs are pure: no storage, no network and no key making (the cache engine does
// that). Every decoder is safe for hostile input: it returns an error, never panics, and
// bounds what it allocates (see [Limits]).
package caches

import (
	"errors"

	"github.com/djsession/djsession/serializer"
)

// ErrCorrupt is matched (errors.Is) by the errors of the decoders for input the real
// library would also fail to read: a bad int, bad UTF-8, an unreadable pickle, JSON or
// msgpack, or a corrupt compressed stream. Pickle errors also match
// serializer.ErrInvalidPickle.
var ErrCorrupt = errors.New("caches: corrupt cache value")

// ErrTooLarge is matched by the errors for input beyond a [Limits] bound, such as a small
// compressed value that inflates past MaxDecompressedSize.
var ErrTooLarge = errors.New("caches: cache value exceeds a limit")

// ErrUnsupported is matched by the errors of the encoders for a value the real library
// cannot store either (a set for JSON, a big int for msgpack, a str with lone surrogates
// for memcached text...).
var ErrUnsupported = errors.New("caches: value not supported by this cache format")

// DefaultMaxDecompressedSize is the default bound on decompressed output (64 MiB).
const DefaultMaxDecompressedSize = 64 << 20

// Limits bounds what the decoders allocate. The zero value means the defaults.
type Limits struct {
	// MaxDecompressedSize bounds the output of a decompressor (default
	// DefaultMaxDecompressedSize).
	MaxDecompressedSize int
	// Pickle bounds the pickle decoder (see serializer.PickleOptions; its Protocol is
	// ignored by the decoders).
	Pickle serializer.PickleOptions
}

func (l Limits) maxOut() int {
	if l.MaxDecompressedSize <= 0 {
		return DefaultMaxDecompressedSize
	}
	return l.MaxDecompressedSize
}

type codecError struct {
	msg  string
	kind error
	err  error
}

func (e *codecError) Error() string {
	if e.err != nil {
		return "caches: " + e.msg + ": " + e.err.Error()
	}
	return "caches: " + e.msg
}

func (e *codecError) Unwrap() []error {
	if e.err != nil {
		return []error{e.kind, e.err}
	}
	return []error{e.kind}
}

func corrupt(msg string, err error) error { return &codecError{msg: msg, kind: ErrCorrupt, err: err} }
func tooLarge(msg string) error           { return &codecError{msg: msg, kind: ErrTooLarge} }
func unsupported(msg string) error        { return &codecError{msg: msg, kind: ErrUnsupported} }
