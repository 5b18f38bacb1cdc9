// Package signing is django.core.signing in Go: salted HMAC, Signer, TimestampSigner and
// dumps/loads, producing and accepting exactly the tokens Django does, including
// SECRET_KEY_FALLBACKS, Django's default salts, its separator rule, compressed payloads and
// Python's lenient base64.
//
// Errors follow Django's classes: a token that fails verification gives an error matching
// [ErrBadSignature]; an expired one gives [ErrSignatureExpired], which also matches
// [ErrBadSignature] (SignatureExpired is a subclass of BadSignature in Django); a token
// whose signature is valid but whose payload cannot be read gives [ErrMalformed], which
// matches neither.
package signing

import (
	"crypto/hmac"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/djsession/djsession/internal/b64"
	"github.com/djsession/djsession/serializer"
)

// Value is a Python value (see package serializer).
type Value = serializer.Value

// Serializer turns objects into bytes and back (see package serializer).
type Serializer = serializer.Serializer

// Errors returned by this package; test them with errors.Is.
var (
	// ErrBadSignature: the signature is missing or does not match any key.
	ErrBadSignature = errors.New("signing: bad signature")
	// ErrSignatureExpired: the signature is valid but older than max_age. It also matches
	// ErrBadSignature.
	ErrSignatureExpired error = expiredError{}
	// ErrMalformed: the signature is valid but what it signs cannot be read (bad base64,
	// zlib, timestamp or serialized data). It matches neither signature error.
	ErrMalformed = errors.New("signing: malformed payload after a valid signature")
	// ErrUnsafeSeparator: the separator could occur in signatures or timestamps.
	ErrUnsafeSeparator = errors.New("signing: unsafe separator")
	// ErrNoKey: no secret key was given.
	ErrNoKey = errors.New("signing: no secret key")
)

type expiredError struct{}

func (expiredError) Error() string { return "signing: signature expired" }

// Is makes ErrSignatureExpired match ErrBadSignature, as SignatureExpired subclasses
// BadSignature in Django.
func (expiredError) Is(target error) bool { return target == ErrBadSignature }

// Default salts: Django uses "<module>.<class name>" when no salt is given.
const (
	SignerClass          = "django.core.signing.Signer"
	TimestampSignerClass = "django.core.signing.TimestampSigner"
)

// Options configures a Signer or TimestampSigner. Fields carry Django's argument names;
// zero values mean Django's defaults.
type Options struct {
	// Key is the secret key (SECRET_KEY). Required.
	Key string
	// FallbackKeys are tried in order after Key when verifying (SECRET_KEY_FALLBACKS,
	// Django 4.1+). Signing always uses Key.
	FallbackKeys []string
	// Salt namespaces the signatures. Empty means the default salt, ClassName, exactly as
	// Django's `salt or default` does.
	Salt string
	// ClassName is "<module>.<class name>" of the signer class Django would use, which
	// makes the default salt: SignerClass or TimestampSignerClass when empty. Set it to
	// mirror a Django subclass of Signer whose salt was not given.
	ClassName string
	// Sep separates value, timestamp and signature; default ":". A separator made only of
	// characters from Python's [A-z0-9-_=] (which includes [ \ ] ^ _ `) is refused.
	Sep string
	// Algorithm is the hashlib name of the HMAC hash; default "sha256".
	Algorithm string
	// AcceptSHA1 also accepts signatures made with SHA-1, as Django 3.1 and 3.2 do
	// (legacy_algorithm). Needed only while tokens from Django < 3.1 or from a 3.x site
	// with DEFAULT_HASHING_ALGORITHM = "sha1" are still in circulation.
	AcceptSHA1 bool
	// Now is the clock of a TimestampSigner; default time.Now.
	Now func() time.Time
	// Serializer serializes objects for SignObject and UnsignObject; default
	// serializer.JSON.
	Serializer Serializer
}

// key is one secret prepared for MACs: its derived HMAC key and a pool of HMAC states.
type key struct {
	pool sync.Pool
}

func newKey(h func() hash.Hash, keySalt, secret string) *key {
	derived := deriveKey(h, keySalt, secret)
	k := &key{}
	k.pool.New = func() any { return hmac.New(h, derived) }
	return k
}

// appendSignature appends the base64 signature of value to dst.
func (k *key) appendSignature(dst []byte, value string) []byte {
	m := k.pool.Get().(hash.Hash)
	m.Reset()
	m.Write(unsafe.Slice(unsafe.StringData(value), len(value)))
	var sum [64]byte
	mac := m.Sum(sum[:0])
	k.pool.Put(m)
	n := len(dst)
	enc := base64.RawURLEncoding
	dst = append(dst, make([]byte, enc.EncodedLen(len(mac)))...)
	enc.Encode(dst[n:], mac)
	return dst
}

// core holds what Signer and TimestampSigner share.
type core struct {
	sep        string
	salt       string
	keys       []*key // Key, then FallbackKeys
	legacyKeys []*key // SHA-1 variants, when AcceptSHA1
	now        func() time.Time
	ser        Serializer
}

func newCore(o Options, class string) (*core, error) {
	if o.Key == "" {
		return nil, ErrNoKey
	}
	c := &core{sep: o.Sep, salt: o.Salt, now: o.Now, ser: o.Serializer}
	if c.sep == "" {
		c.sep = ":"
	}
	if unsafeSep(c.sep) {
		return nil, fmt.Errorf("%w: %q (separators may not be made only of [A-z0-9-_=])", ErrUnsafeSeparator, c.sep)
	}
	if c.salt == "" {
		c.salt = o.ClassName
		if c.salt == "" {
			c.salt = class
		}
	}
	alg := o.Algorithm
	if alg == "" {
		alg = "sha256"
	}
	h, err := lookupAlgorithm(alg)
	if err != nil {
		return nil, err
	}
	keySalt := c.salt + "signer"
	for _, s := range append([]string{o.Key}, o.FallbackKeys...) {
		c.keys = append(c.keys, newKey(h, keySalt, s))
		if o.AcceptSHA1 && alg != "sha1" {
			h1, _ := lookupAlgorithm("sha1")
			c.legacyKeys = append(c.legacyKeys, newKey(h1, keySalt, s))
		}
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.ser == nil {
		c.ser = serializer.JSON{}
	}
	return c, nil
}

// unsafeSep reports whether every character of sep matches Python's [A-z0-9-_=], the
// class Django refuses (A-z spans the ASCII range 'A'..'z').
func unsafeSep(sep string) bool {
	for _, r := range sep {
		if !(r >= 'A' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '=') {
			return false
		}
	}
	return true
}

// sign returns value + sep + signature(value) as a string built in one allocation.
func (c *core) sign(value []byte) string {
	buf := make([]byte, 0, len(value)+len(c.sep)+88)
	buf = append(buf, value...)
	buf = append(buf, c.sep...)
	buf = c.keys[0].appendSignature(buf, unsafe.String(unsafe.SliceData(value), len(value)))
	return unsafe.String(unsafe.SliceData(buf), len(buf))
}

// unsign verifies a signed string and returns the value it signs.
func (c *core) unsign(signed string) (string, error) {
	i := strings.LastIndex(signed, c.sep)
	if i < 0 {
		return "", fmt.Errorf("%w: no %q found in value", ErrBadSignature, c.sep)
	}
	value, sig := signed[:i], signed[i+len(c.sep):]
	var buf [128]byte
	for _, ks := range [2][]*key{c.keys, c.legacyKeys} {
		for _, k := range ks {
			want := k.appendSignature(buf[:0], value)
			if subtle.ConstantTimeCompare(want, unsafe.Slice(unsafe.StringData(sig), len(sig))) == 1 {
				return value, nil
			}
		}
	}
	return "", fmt.Errorf("%w: signature %q does not match", ErrBadSignature, sig)
}

// Signer is django.core.signing.Signer. It is safe for concurrent use.
type Signer struct{ c *core }

// NewSigner returns a Signer; the default salt is "django.core.signing.Signer".
func NewSigner(o Options) (*Signer, error) {
	c, err := newCore(o, SignerClass)
	if err != nil {
		return nil, err
	}
	return &Signer{c}, nil
}

// Salt returns the salt in use (the default salt when none was given).
func (s *Signer) Salt() string { return s.c.salt }

// Sign returns value + sep + signature, signed with the primary key.
func (s *Signer) Sign(value string) string { return s.c.sign([]byte(value)) }

// Unsign verifies signed against the key and then each fallback key, and returns the
// value. The signature is split off at the last separator.
func (s *Signer) Unsign(signed string) (string, error) { return s.c.unsign(signed) }

// SignObject serializes v, compresses it when compress is set and compression saves at
// least two bytes (marking it with a leading '.'), base64-encodes it and signs it, as
// Signer.sign_object.
func (s *Signer) SignObject(v Value, compress bool) (string, error) {
	return s.c.signObject(v, compress, false)
}

// UnsignObject verifies signed and returns the object it holds, as Signer.unsign_object.
func (s *Signer) UnsignObject(signed string) (Value, error) {
	payload, err := s.c.unsign(signed)
	if err != nil {
		return Value{}, err
	}
	return s.c.loadPayload(payload)
}

// signObject builds the payload and signs it; with timestamp, a TimestampSigner's
// ":<base62 time>" goes between payload and signature.
func (c *core) signObject(v Value, compress, timestamp bool) (string, error) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	data, err := appendSerialized((*bp)[:0], c.ser, v)
	if err != nil {
		return "", err
	}
	*bp = data
	dot := false
	if compress {
		zp := bufPool.Get().(*[]byte)
		defer bufPool.Put(zp)
		z := compressZlib((*zp)[:0], data)
		*zp = z
		if len(z) < len(data)-1 {
			data, dot = z, true
		}
	}
	enc := base64.RawURLEncoding
	n := enc.EncodedLen(len(data))
	extra := 0
	if dot {
		extra = 1
	}
	out := make([]byte, extra+n, extra+n+len(c.sep)*2+16+88)
	if dot {
		out[0] = '.'
	}
	b64.EncodeURL(out[extra:], data)
	if timestamp {
		out = append(out, c.sep...)
		out = appendB62(out, unixTrunc(c.now()))
	}
	out = append(out, c.sep...)
	out = c.keys[0].appendSignature(out, unsafe.String(unsafe.SliceData(out), len(out)-len(c.sep)))
	return unsafe.String(unsafe.SliceData(out), len(out)), nil
}

// loadPayload decodes the signed text of sign_object: optional '.', base64, optional
// zlib, then the serializer. The JSON serializer copies what it keeps of its input, so for
// it the decoded bytes go to pooled buffers; other serializers get bytes of their own.
func (c *core) loadPayload(payload string) (Value, error) {
	compressed := strings.HasPrefix(payload, ".")
	if compressed {
		payload = payload[1:]
	}
	var data []byte
	var err error
	// out is where the payload is decoded to: a pooled buffer for the JSON serializer,
	// which copies what it keeps (given back, as grown, when done), else a new one.
	var out []byte
	if _, copies := c.ser.(serializer.JSON); copies {
		op := bufPool.Get().(*[]byte)
		out = (*op)[:0]
		defer func() {
			if cap(data) > 0 {
				*op = data[:0]
			}
			bufPool.Put(op)
		}()
	}
	if compressed {
		bp := bufPool.Get().(*[]byte)
		defer bufPool.Put(bp)
		raw, err := b64Decode((*bp)[:0], payload)
		*bp = raw[:0]
		if err != nil {
			return Value{}, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		if out == nil {
			out = make([]byte, 0, 4*len(raw)+64)
		}
		if data, err = decompressZlib(out, raw); err != nil {
			return Value{}, fmt.Errorf("%w: zlib: %w", ErrMalformed, err)
		}
	} else {
		if out == nil {
			out = make([]byte, 0, len(payload)*3/4+35)
		}
		if data, err = b64Decode(out, payload); err != nil {
			return Value{}, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
	}
	v, err := c.ser.Loads(data)
	if err != nil {
		return Value{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return v, nil
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func appendSerialized(dst []byte, ser Serializer, v Value) ([]byte, error) {
	if a, ok := ser.(interface {
		AppendDumps([]byte, Value) ([]byte, error)
	}); ok {
		return a.AppendDumps(dst, v)
	}
	b, err := ser.Dumps(v)
	return append(dst, b...), err
}

// unixTrunc is Python's int(time.time()): seconds truncated toward zero.
func unixTrunc(t time.Time) int64 {
	s := t.Unix()
	if s < 0 && t.Nanosecond() > 0 {
		s++
	}
	return s
}

// unixFloat is Python's time.time() for t.
func unixFloat(t time.Time) float64 {
	return float64(t.Unix()) + float64(t.Nanosecond())/1e9
}
