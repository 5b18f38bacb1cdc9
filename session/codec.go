// Package session encodes and decodes session data as Django's SessionBase.encode and
// SessionBase.decode do: the string stored in django_session.session_data, in session
// files and (with the same salt) by every engine that stores the signed form.
//
// It sits above signing and serializer and below the storage engines; it knows nothing of
// storage. Decode behaves as Django 4.0+ (an empty session for anything unreadable, with a
// warning logged for signature failures); DecodeErr reports the precise error instead.
package session

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/signing"
)

// SaltPrefix is prepended to the store class's __qualname__ to make the session salt.
const SaltPrefix = "django.contrib.sessions."

// DefaultStoreClass is the __qualname__ of every built-in session store.
const DefaultStoreClass = "SessionStore"

// LoggerName is the Django logger that receives "Session data corrupted"; it is attached
// to the slog record as the attribute "logger".
const LoggerName = "django.security.SuspiciousSession"

// ErrNotDict is returned when session data decodes to something other than a dict.
var ErrNotDict = errors.New("session: data is not a dict")

// Config configures a Codec. Field names follow Django's settings.
type Config struct {
	// SecretKey signs new data and verifies stored data (SECRET_KEY). Required.
	SecretKey string
	// SecretKeyFallbacks verify stored data after SecretKey, in order (Django 4.1+).
	SecretKeyFallbacks []string
	// StoreClass is the __qualname__ of the SessionStore class, which makes the salt
	// "django.contrib.sessions.<StoreClass>". Default "SessionStore" (all built-in engines).
	StoreClass string
	// Serializer is SESSION_SERIALIZER; default serializer.JSON.
	Serializer serializer.Serializer
	// AcceptLegacy also reads the pre-3.1 format (standard base64 of "<sha1 hex>:<data>"),
	// as Django 3.1 and 3.2 do. Django 4.0+ treats such data as corrupted.
	AcceptLegacy bool
	// AcceptSHA1 accepts SHA-1 signatures as Django 3.1 and 3.2 do.
	AcceptSHA1 bool
	// Logger receives the "Session data corrupted" warning; default slog.Default().
	Logger *slog.Logger
	// Now is the clock for the signing timestamp; default time.Now.
	Now func() time.Time
}

// Codec encodes and decodes session data. It is safe for concurrent use.
type Codec struct {
	cfg    Config
	signer *signing.TimestampSigner
}

// NewCodec returns a Codec for cfg.
func NewCodec(cfg Config) (*Codec, error) {
	if cfg.StoreClass == "" {
		cfg.StoreClass = DefaultStoreClass
	}
	if cfg.Serializer == nil {
		cfg.Serializer = serializer.JSON{}
	}
	s, err := signing.NewTimestampSigner(signing.Options{
		Key:          cfg.SecretKey,
		FallbackKeys: cfg.SecretKeyFallbacks,
		Salt:         cfg.Salt(),
		AcceptSHA1:   cfg.AcceptSHA1,
		Serializer:   cfg.Serializer,
		Now:          cfg.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	return &Codec{cfg: cfg, signer: s}, nil
}

// Salt returns the signing salt, "django.contrib.sessions." + StoreClass.
func (c Config) Salt() string {
	if c.StoreClass == "" {
		return SaltPrefix + DefaultStoreClass
	}
	return SaltPrefix + c.StoreClass
}

// Encode returns the stored form of the session: signing.dumps with the session salt,
// compressed when that saves at least two bytes.
func (c *Codec) Encode(d *serializer.Dict) (string, error) {
	return c.signer.SignObject(serializer.DictValue(d), true)
}

// Decode returns the session stored in s, or an empty session when s cannot be read, as
// Django 4.0+ does: a signature failure logs the warning "Session data corrupted" (logger
// django.security.SuspiciousSession), any other failure is silent.
func (c *Codec) Decode(s string) *serializer.Dict {
	d, err := c.DecodeErr(s)
	if err != nil {
		if errors.Is(err, signing.ErrBadSignature) {
			c.logger().LogAttrs(context.Background(), slog.LevelWarn, "Session data corrupted",
				slog.String("logger", LoggerName), slog.String("error", err.Error()))
		}
		return serializer.NewDict()
	}
	return d
}

func (c *Codec) logger() *slog.Logger {
	if c.cfg.Logger != nil {
		return c.cfg.Logger
	}
	return slog.Default()
}

// DecodeErr returns the session stored in s or the reason it cannot be read: an error
// matching signing.ErrBadSignature, signing.ErrMalformed or ErrNotDict.
func (c *Codec) DecodeErr(s string) (*serializer.Dict, error) {
	v, err := c.DecodeValue(s)
	if err != nil {
		return nil, err
	}
	d := v.Dict()
	if d == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotDict, v.Kind())
	}
	return d, nil
}

// DecodeValue returns exactly what Django's decode returns for s, even when that is not a
// dict (validly signed data holding a list, say, which Django returns as it is and then
// fails on), or the error: see DecodeErr.
//
// With AcceptLegacy it follows Django 3.1/3.2: after a bad signature, or after a valid
// signature over unreadable data, the legacy format is tried; a legacy hash mismatch or
// unreadable base64 after a bad signature is a signature error (Django logs it), other
// legacy failures are silent.
func (c *Codec) DecodeValue(s string) (serializer.Value, error) {
	v, err := c.signer.UnsignObject(s)
	if err != nil && c.cfg.AcceptLegacy {
		bad := errors.Is(err, signing.ErrBadSignature)
		lv, lerr := c.decodeLegacy(s)
		if lerr == nil {
			return lv, nil
		}
		if bad && errors.Is(lerr, errLegacyBase64) {
			return serializer.Value{}, fmt.Errorf("%w: %w", signing.ErrBadSignature, lerr)
		}
		return serializer.Value{}, lerr
	}
	return v, err
}

var errLegacyBase64 = errors.New("session: legacy data is not base64")

// legacyKeySalt is the pre-3.1 salt: no dot, and the class's __name__ (last part of the
// qualified name).
func (c *Codec) legacyKeySalt() string {
	name := c.cfg.StoreClass
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	return "django.contrib.sessions" + name
}

// EncodeLegacy returns the pre-3.1 form of the session, which Django 3.1/3.2 write when
// DEFAULT_HASHING_ALGORITHM is "sha1": standard base64 of "<sha1 hex>:<serialized>".
func (c *Codec) EncodeLegacy(d *serializer.Dict) (string, error) {
	data, err := c.cfg.Serializer.Dumps(serializer.DictValue(d))
	if err != nil {
		return "", err
	}
	mac, err := signing.SaltedHMAC(c.legacyKeySalt(), string(data), c.cfg.SecretKey, "sha1")
	if err != nil {
		return "", err
	}
	raw := append([]byte(hex.EncodeToString(mac)+":"), data...)
	return base64.StdEncoding.EncodeToString(raw), nil
}

func (c *Codec) decodeLegacy(s string) (serializer.Value, error) {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 { // Python's s.encode("ascii") fails before decoding
			return serializer.Value{}, fmt.Errorf("%w: non-ASCII", errLegacyBase64)
		}
	}
	raw, err := signing.B64DecodeStd(s)
	if err != nil {
		return serializer.Value{}, fmt.Errorf("%w: %w", errLegacyBase64, err)
	}
	i := strings.IndexByte(string(raw), ':')
	if i < 0 {
		return serializer.Value{}, fmt.Errorf("%w: legacy data without ':'", signing.ErrMalformed)
	}
	hash, data := raw[:i], raw[i+1:]
	if !utf8.Valid(hash) {
		return serializer.Value{}, fmt.Errorf("%w: legacy hash is not UTF-8", signing.ErrMalformed)
	}
	for _, key := range append([]string{c.cfg.SecretKey}, c.cfg.SecretKeyFallbacks...) {
		mac, _ := signing.SaltedHMAC(c.legacyKeySalt(), string(data), key, "sha1")
		if subtle.ConstantTimeCompare([]byte(hex.EncodeToString(mac)), hash) == 1 {
			v, err := c.cfg.Serializer.Loads(data)
			if err != nil {
				return serializer.Value{}, fmt.Errorf("%w: %w", signing.ErrMalformed, err)
			}
			return v, nil
		}
	}
	return serializer.Value{}, fmt.Errorf("%w: legacy session hash does not match", signing.ErrBadSignature)
}

// AuthHashKeySalt is the key salt of AbstractBaseUser.get_session_auth_hash.
const AuthHashKeySalt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"

// AuthHash returns _auth_user_hash for a user whose stored password hash (the
// user.password column, e.g. "pbkdf2_sha256$...") is password, under secretKey: 64 hex
// characters, as get_session_auth_hash.
func AuthHash(password, secretKey string) string {
	mac, _ := signing.SaltedHMAC(AuthHashKeySalt, password, secretKey, "sha256")
	return hex.EncodeToString(mac)
}

// LegacyAuthHash is the SHA-1 variant Django 3.1/3.2 also accept
// (_legacy_get_session_auth_hash): 40 hex characters.
func LegacyAuthHash(password, secretKey string) string {
	mac, _ := signing.SaltedHMAC(AuthHashKeySalt, password, secretKey, "sha1")
	return hex.EncodeToString(mac)
}
