package django

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/djsession/djsession/signing"
)

// Signed cookies: Django's HttpResponse.set_signed_cookie and HttpRequest.get_signed_cookie.
// The value is signed by a TimestampSigner (SIGNING_BACKEND's default) whose key is
// "django.http.cookies" + SECRET_KEY (SECRET_KEY_FALLBACKS likewise) and whose salt
// depends on the cookie's name and the salt argument: since Django 5.2.15, 6.0.6 and 6.1,
// "django.http.cookies.v2:<len(salt)>:<salt><name>" (CVE-2026-6873), before that
// <name><salt>, which SIGNED_COOKIE_LEGACY_SALT_FALLBACK still accepts.

// cookieSignerKeyPrefix is what Django's get_cookie_signer puts before each key.
const cookieSignerKeyPrefix = "django.http.cookies"

// ErrNoSignedCookie is returned by GetSignedCookie when the request has no such cookie
// (Django's KeyError).
var ErrNoSignedCookie = errors.New("django: no such signed cookie")

// SignedCookieOptions are the arguments of get_signed_cookie besides the name.
type SignedCookieOptions struct {
	// Salt is the salt argument; default "".
	Salt string
	// MaxAge, when HasMaxAge, is max_age: an older signature is ErrSignatureExpired.
	MaxAge    time.Duration
	HasMaxAge bool
}

// cookieSalt is the salt Django signs a cookie named name with salt under.
func (s *Settings) cookieSalt(name, salt string, legacy bool) string {
	if legacy {
		return name + salt
	}
	return "django.http.cookies.v2:" + strconv.Itoa(len([]rune(salt))) + ":" + salt + name
}

// cookieSigner is get_cookie_signer(salt).
func (s *Settings) cookieSigner(salt string) (*signing.TimestampSigner, error) {
	fallbacks := make([]string, len(s.SecretKeyFallbacks))
	for i, k := range s.SecretKeyFallbacks {
		fallbacks[i] = cookieSignerKeyPrefix + k
	}
	return signing.NewTimestampSigner(signing.Options{Key: cookieSignerKeyPrefix + s.SecretKey,
		FallbackKeys: fallbacks, Salt: salt, AcceptSHA1: s.AcceptLegacySessions, Now: s.Now})
}

// CookieSigner is Django's signing.get_cookie_signer(salt): a TimestampSigner whose key
// is "django.http.cookies" + SECRET_KEY (SECRET_KEY_FALLBACKS likewise) and whose salt is
// salt. The messages framework signs its cookie with one (salt "django.contrib.messages").
func (s *Settings) CookieSigner(salt string) (*signing.TimestampSigner, error) {
	return s.cookieSigner(salt)
}

// SignCookieValue returns the value Django's set_signed_cookie(name, value, salt=salt)
// stores in the cookie: value:timestamp:signature.
func (s *Settings) SignCookieValue(name, value, salt string) (string, error) {
	signer, err := s.cookieSigner(s.cookieSalt(name, salt, s.SignedCookieLegacySalt))
	if err != nil {
		return "", err
	}
	return signer.Sign(value), nil
}

// UnsignCookieValue is get_signed_cookie's check of the value of the cookie named name:
// the value, or an error matching signing.ErrBadSignature (signing.ErrSignatureExpired
// for one older than o.MaxAge). A value signed under the pre-5.2.15 salt passes only
// with SignedCookieLegacySaltFallback (and not once expired), as in Django.
func (s *Settings) UnsignCookieValue(name, signed string, o SignedCookieOptions) (string, error) {
	unsign := func(legacy bool) (string, error) {
		signer, err := s.cookieSigner(s.cookieSalt(name, o.Salt, legacy))
		if err != nil {
			return "", err
		}
		if o.HasMaxAge {
			return signer.UnsignMaxAge(signed, o.MaxAge)
		}
		return signer.Unsign(signed)
	}
	v, err := unsign(s.SignedCookieLegacySalt)
	if err != nil && !s.SignedCookieLegacySalt && s.SignedCookieLegacySaltFallback &&
		errors.Is(err, signing.ErrBadSignature) && !errors.Is(err, signing.ErrSignatureExpired) {
		return unsign(true)
	}
	return v, err
}

// GetSignedCookie is request.get_signed_cookie(name, salt=..., max_age=...): the verified
// value of r's cookie name, ErrNoSignedCookie when r has none, or UnsignCookieValue's
// error.
func GetSignedCookie(r *http.Request, s *Settings, name string, o SignedCookieOptions) (string, error) {
	v, ok := lookupCookie(r.Header["Cookie"], name)
	if !ok {
		return "", ErrNoSignedCookie
	}
	return s.UnsignCookieValue(name, v, o)
}

// SetSignedCookie is response.set_signed_cookie: it signs c.Value for c.Name and salt and
// adds the Set-Cookie header (replacing one for the same name), with c's attributes
// written as Django's set_cookie writes them.
func SetSignedCookie(w http.ResponseWriter, s *Settings, c Cookie, salt string) error {
	v, err := s.SignCookieValue(c.Name, c.Value, salt)
	if err != nil {
		return err
	}
	c.Value = v
	setCookieHeader(w.Header(), c.Name, c.String())
	return nil
}
