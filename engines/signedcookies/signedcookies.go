// Package signedcookies is Django's signed_cookies session engine
// (django.contrib.sessions.backends.signed_cookies): the whole session lives in the
// cookie. The cookie value is
//
//	signing.dumps(session, compress=True, salt=Salt, serializer=SESSION_SERIALIZER)
//
// signed with the plain SECRET_KEY (no "django.http.cookies" prefix), and it is read back
// with signing.loads(value, max_age=SESSION_COOKIE_AGE), SECRET_KEY_FALLBACKS honoured.
// Any failure (bad signature, expired, undecodable, not a dict) means an empty session.
//
// # Fit with engines.Store
//
// In this engine the session key is the data, so a save cannot keep the key: it makes a
// new cookie value. Store implements engines.Store as far as that allows, with Django's
// semantics:
//   - Load(key) decodes the cookie value key (Decode);
//   - Exists is always false, as Django's exists();
//   - Delete and ClearExpired do nothing (Django's delete() only empties the in-memory
//     session and clear_expired() is a no-op);
//   - Save cannot hand back the new value through its signature, so it refuses with
//     ErrKeyIsValue instead of silently dropping the data; callers that know the engine
//     use SaveKey (or Encode), which returns the new cookie value. A middleware can test
//     for the KeySaver interface to support this engine next to the server-side ones.
//
// The custom expiry of set_expiry is not enforced on load (Django ticket #19201): only
// SESSION_COOKIE_AGE bounds a value's validity, counted from the second it was signed;
// the cookie's own Max-Age/expires does the rest.
package signedcookies

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/signing"
)

// Salt is the literal salt of the engine's signatures.
const Salt = "django.contrib.sessions.backends.signed_cookies"

// MaxCookieSize is the size browsers guarantee for a cookie (RFC 6265 §6.1: at least 4096
// bytes of name, value and attributes). Encode logs a warning for longer values; the
// browser would drop such a cookie and the user would silently lose the session.
const MaxCookieSize = 4096

// ErrKeyIsValue is returned by Save: in this engine the data is the key, so a save must
// return the new cookie value; use SaveKey or Encode.
var ErrKeyIsValue = errors.New("signedcookies: the session is the cookie value; use SaveKey or Encode to get the new value")

// KeySaver is implemented by engines whose session key is derived from the data, like
// this one: SaveKey stores nothing server-side and returns the key (cookie value) for
// data.
type KeySaver interface {
	SaveKey(ctx context.Context, data *serializer.Dict) (string, error)
}

// Config holds the settings the engine needs besides engines.Options.
type Config struct {
	// SecretKey is SECRET_KEY; it signs new values and verifies old ones. Required.
	SecretKey string
	// SecretKeyFallbacks are tried in order after SecretKey when verifying
	// (SECRET_KEY_FALLBACKS, Django 4.1+).
	SecretKeyFallbacks []string
	// Serializer is SESSION_SERIALIZER; default serializer.JSON.
	Serializer serializer.Serializer
	// AcceptSHA1 accepts SHA-1 signatures as Django 3.1/3.2 do.
	AcceptSHA1 bool
}

// Store is the signed_cookies engine. It is safe for concurrent use.
//
// Of engines.Options it uses Expiry.CookieAge (SESSION_COOKIE_AGE, the max age of a
// value), Now (the signing clock) and Logger (the size warning); Codec is not used, since
// this engine signs with its own salt.
type Store struct {
	signer *signing.TimestampSigner
	maxAge time.Duration
	log    *slog.Logger
}

var (
	_ engines.Store = (*Store)(nil)
	_ KeySaver      = (*Store)(nil)
)

// New returns a Store for cfg and opts.
func New(cfg Config, opts engines.Options) (*Store, error) {
	ser := cfg.Serializer
	if ser == nil {
		ser = serializer.JSON{}
	}
	sg, err := signing.NewTimestampSigner(signing.Options{
		Key:          cfg.SecretKey,
		FallbackKeys: cfg.SecretKeyFallbacks,
		Salt:         Salt,
		AcceptSHA1:   cfg.AcceptSHA1,
		Serializer:   ser,
		Now:          opts.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("signedcookies: %w", err)
	}
	// get_session_cookie_age(): Expiry.Age of a session without a custom expiry.
	age, err := opts.Expiry.Age(nil, time.Time{})
	if err != nil {
		return nil, fmt.Errorf("signedcookies: %w", err)
	}
	return &Store{signer: sg, maxAge: time.Duration(age) * time.Second, log: opts.Log()}, nil
}

// Encode returns the cookie value for data, as the engine's _get_session_key(): compressed
// when that saves at least two bytes, signed with the current time. A value longer than
// MaxCookieSize is returned but logged as a warning. The compressed bytes may differ from
// CPython's zlib output; Django reads them all the same.
func (s *Store) Encode(data *serializer.Dict) (string, error) {
	if data == nil {
		data = serializer.NewDict()
	}
	v, err := s.signer.SignObject(serializer.DictValue(data), true)
	if err != nil {
		return "", fmt.Errorf("signedcookies: %w", err)
	}
	if len(v) > MaxCookieSize {
		s.log.LogAttrs(context.Background(), slog.LevelWarn,
			"signedcookies: session cookie value exceeds the browser limit; browsers will drop it",
			slog.Int("size", len(v)), slog.Int("limit", MaxCookieSize))
	}
	return v, nil
}

// Decode returns the session in a cookie value, or ok false when Django's load() would
// return an empty session: a bad signature (under the key and every fallback), a value
// older than SESSION_COOKIE_AGE, unreadable content, or data that is not a dict. Nothing
// is logged, as in Django.
func (s *Store) Decode(value string) (*serializer.Dict, bool) {
	d, err := s.DecodeErr(value)
	return d, err == nil
}

// DecodeErr is Decode with the reason: an error matching signing.ErrBadSignature (or
// signing.ErrSignatureExpired), signing.ErrMalformed, or ErrNotDict.
func (s *Store) DecodeErr(value string) (*serializer.Dict, error) {
	if !engines.ValidKey(value) {
		return nil, fmt.Errorf("%w: value too short", signing.ErrBadSignature)
	}
	v, err := s.signer.UnsignObjectMaxAge(value, s.maxAge)
	if err != nil {
		return nil, err
	}
	d := v.Dict()
	if d == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotDict, v.Kind())
	}
	return d, nil
}

// ErrNotDict is returned by DecodeErr for a validly signed value that holds no dict.
var ErrNotDict = errors.New("signedcookies: value is not a dict")

// SaveKey returns the new cookie value for data (Encode); ctx is only checked for
// cancellation. It is what Django's save() does: recompute the key from the data.
func (s *Store) SaveKey(ctx context.Context, data *serializer.Dict) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return s.Encode(data)
}

// Load returns the session held in the cookie value key (Decode). err is always nil.
func (s *Store) Load(ctx context.Context, key string) (*serializer.Dict, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	d, ok := s.Decode(key)
	return d, ok, nil
}

// Exists is always false, as Django's exists(): there is no shared store to look in.
func (s *Store) Exists(context.Context, string) (bool, error) { return false, nil }

// Save returns ErrKeyIsValue: the new cookie value cannot travel back through this
// signature. Use SaveKey.
func (s *Store) Save(context.Context, string, *serializer.Dict, bool) error {
	return ErrKeyIsValue
}

// Delete does nothing: the client holds the session; the caller clears the cookie.
func (s *Store) Delete(context.Context, string) error { return nil }

// ClearExpired does nothing, as Django's: expired values are rejected on load.
func (s *Store) ClearExpired(context.Context) error { return nil }
