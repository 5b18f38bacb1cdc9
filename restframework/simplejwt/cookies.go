package simplejwt

import (
	"net/http"
	"time"

	"github.com/djsession/djsession/django"
)

// CookieSettings are dj-rest-auth's REST_AUTH settings of its JWT cookies (with USE_JWT);
// CookieDefaults gives dj-rest-auth's defaults.
type CookieSettings struct {
	// AuthCookie is JWT_AUTH_COOKIE, the access token's cookie ("" for None: no cookie).
	AuthCookie string
	// RefreshCookie is JWT_AUTH_REFRESH_COOKIE ("" for None) and RefreshCookiePath its
	// path, JWT_AUTH_REFRESH_COOKIE_PATH ("/").
	RefreshCookie, RefreshCookiePath string
	// Secure, HTTPOnly and SameSite are JWT_AUTH_SECURE (false), JWT_AUTH_HTTPONLY (true)
	// and JWT_AUTH_SAMESITE ("Lax"; "" for None).
	Secure, HTTPOnly bool
	SameSite         string
	// Domain is JWT_AUTH_COOKIE_DOMAIN ("" for None).
	Domain string
}

// CookieDefaults returns dj-rest-auth's defaults for the cookies named access and refresh
// (its JWT_AUTH_COOKIE and JWT_AUTH_REFRESH_COOKIE; "" for None).
func CookieDefaults(access, refresh string) *CookieSettings {
	return &CookieSettings{AuthCookie: access, RefreshCookie: refresh, RefreshCookiePath: "/", HTTPOnly: true, SameSite: "Lax"}
}

// SetJWTCookies is dj-rest-auth's set_jwt_cookies: the access token in AuthCookie and the
// refresh token in RefreshCookie (each cookie set when it has a name, whatever its token,
// "" too), each expiring with its token's lifetime (of s) from now, as Django's set_cookie
// writes an expiry given as a datetime (Max-Age and expires).
func (c *CookieSettings) SetJWTCookies(w http.ResponseWriter, s *Settings, access, refresh string) error {
	now := s.now()
	if c.AuthCookie != "" {
		if err := c.set(w, c.AuthCookie, access, "/", s.AccessTokenLifetime, now); err != nil {
			return err
		}
	}
	if c.RefreshCookie != "" {
		return c.set(w, c.RefreshCookie, refresh, c.RefreshCookiePath, s.RefreshTokenLifetime, now)
	}
	return nil
}

// set is response.set_cookie(name, value, expires=now+lifetime, ...): Django turns the
// datetime into Max-Age (the seconds left, plus the one it adds for the time lost) and
// writes expires from that.
func (c *CookieSettings) set(w http.ResponseWriter, name, value, path string, lifetime time.Duration, now time.Time) error {
	// (floor(lifetime - the time elapsed since now + 1s): a lifetime of whole seconds, and
	// one second more for a fraction of one)
	maxAge := int64(lifetime.Truncate(time.Microsecond)/time.Second) + 1
	if lifetime%time.Second == 0 {
		maxAge--
	}
	maxAge = max(maxAge, 0)
	expires, err := django.HTTPDate(now.Unix() + maxAge)
	if err != nil {
		return err
	}
	django.SetCookie(w, django.Cookie{Name: name, Value: value, Expires: expires, MaxAge: maxAge, HasMaxAge: true,
		Domain: c.Domain, Path: path, SameSite: c.SameSite, Secure: c.Secure, HttpOnly: c.HTTPOnly})
	return nil
}

// UnsetJWTCookies is dj-rest-auth's unset_jwt_cookies (its logout): both cookies deleted,
// as Django's delete_cookie deletes them.
func (c *CookieSettings) UnsetJWTCookies(w http.ResponseWriter) {
	if c.AuthCookie != "" {
		django.DeleteCookie(w, c.AuthCookie, "/", c.Domain, c.SameSite)
	}
	if c.RefreshCookie != "" {
		django.DeleteCookie(w, c.RefreshCookie, c.RefreshCookiePath, c.Domain, c.SameSite)
	}
}
