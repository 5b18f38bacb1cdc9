// Package engines holds what Django's session engines share: the Store contract each
// engine package implements (engines/db, engines/file, engines/signedcookies, ...),
// session keys, and Django's create/save error semantics.
//
// An engine only moves bytes: encoding lives in package session (Codec) and expiry
// arithmetic in session.Expiry, as in Django's SessionBase. Every engine package is usable
// on its own, without the django package.
package engines

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
)

// Errors with Django's meaning; test them with errors.Is.
var (
	// ErrCreate: a must-create save found the key taken (Django's CreateError).
	ErrCreate = errors.New("engines: session key already exists")
	// ErrUpdate: a must-update save found no session to update (Django's UpdateError),
	// e.g. it was deleted concurrently. The middleware answers 400, as Django's
	// SessionInterrupted.
	ErrUpdate = errors.New("engines: session no longer exists")
	// ErrInvalidKey: the key cannot name a session in this engine (e.g. characters the
	// file engine refuses). Loads treat it as "no session", as Django does.
	ErrInvalidKey = errors.New("engines: invalid session key")
)

// Store is the storage side of a SESSION_ENGINE, shaped by Django's SessionStore. Keys are
// session keys as in the cookie; data is the session dict.
type Store interface {
	// Load returns the session stored under key. ok is false when there is none: missing,
	// expired, undecodable or an invalid key, as Django's load() returning {}. err is for
	// real failures (I/O, database).
	Load(ctx context.Context, key string) (data *serializer.Dict, ok bool, err error)
	// Exists reports whether a session is stored under key.
	Exists(ctx context.Context, key string) (bool, error)
	// Save stores data under key. With mustCreate, it fails with ErrCreate if the key is
	// taken; without, with ErrUpdate if there is nothing to update.
	Save(ctx context.Context, key string, data *serializer.Dict, mustCreate bool) error
	// Delete removes the session; deleting a missing session is not an error.
	Delete(ctx context.Context, key string) error
	// ClearExpired removes expired sessions, as manage.py clearsessions.
	ClearExpired(ctx context.Context) error
}

// ExpiringSaver is a Store that can also save a session so that it expires at a given
// instant, instead of at the one a save now gives (now plus get_expiry_age()): what a
// copy into another store needs so that the session lives exactly as long there
// (engines/migrate). mustCreate and the errors are as for Save.
type ExpiringSaver interface {
	Store
	SaveExpiring(ctx context.Context, key string, data *serializer.Dict, expires time.Time, mustCreate bool) error
}

// Options are the settings every engine needs besides its own.
type Options struct {
	// Codec encodes and decodes session data (SECRET_KEY, SESSION_SERIALIZER, ...).
	Codec *session.Codec
	// Expiry holds SESSION_COOKIE_AGE, USE_TZ and TIME_ZONE for expiry arithmetic.
	Expiry session.Expiry
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger receives warnings; default slog.Default().
	Logger *slog.Logger
}

// Clock returns o.Now or time.Now.
func (o Options) Clock() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Log returns o.Logger or slog.Default().
func (o Options) Log() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.Default()
}

// KeyChars are the characters of new session keys (Django's VALID_KEY_CHARS).
const KeyChars = "abcdefghijklmnopqrstuvwxyz0123456789"

// KeyLength is the length of new session keys.
const KeyLength = 32

// NewKey returns a new random session key: 32 characters from KeyChars, drawn with the
// operating system's CSPRNG without modulo bias, as get_random_string(32, VALID_KEY_CHARS).
func NewKey() string {
	var out [KeyLength]byte
	var buf [64]byte
	n := 0
	for n < KeyLength {
		if _, err := rand.Read(buf[:]); err != nil {
			panic("engines: crypto/rand failed: " + err.Error()) // crypto/rand does not fail on supported systems
		}
		for _, b := range buf {
			if b >= 252 { // 252 = 7*36: reject to keep the distribution uniform
				continue
			}
			out[n] = KeyChars[b%36]
			if n++; n == KeyLength {
				break
			}
		}
	}
	return string(out[:])
}

// ValidKey reports whether Django accepts key as a session key at all (truthy and at least
// 8 characters); anything else means "no session yet".
func ValidKey(key string) bool { return len(key) >= 8 }

// MaxCreateAttempts bounds Create's retries on key collisions, as Django's cache engine
// does (10000); the other engines retry without bound in Django, which with 36^32 keys
// makes no practical difference.
const MaxCreateAttempts = 10000

// Create stores data under a new key and returns it, retrying with another key when one
// is taken, as SessionStore.create().
func Create(ctx context.Context, s Store, data *serializer.Dict) (string, error) {
	for i := 0; i < MaxCreateAttempts; i++ {
		key := NewKey()
		err := s.Save(ctx, key, data, true)
		if err == nil {
			return key, nil
		}
		if !errors.Is(err, ErrCreate) {
			return "", err
		}
	}
	return "", fmt.Errorf("engines: unable to create a new session key after %d attempts", MaxCreateAttempts)
}
