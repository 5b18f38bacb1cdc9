package simplejwt

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/restframework"
	"github.com/djsession/djsession/serializer"
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
	// Naive, if set, is the TIME_ZONE of a site with USE_TZ False (ForSite sets it):
	// dj-rest-auth's expiry times are then naive local times, which Django's set_cookie
	// takes as UTC, so that the cookies' Max-Age is off by the zone's offset (east of
	// UTC longer, west of it shorter, or 0: a cookie that expires at once), as Django's
	// are.
	Naive *time.Location
}

// ForSite returns c for a site of settings s (nil: Django's defaults, USE_TZ): with
// USE_TZ False, a copy whose Naive is its TIME_ZONE.
func (c *CookieSettings) ForSite(s *django.Settings) (*CookieSettings, error) {
	if s == nil || s.UseTZ {
		return c, nil
	}
	loc, err := s.Location()
	if err != nil {
		return nil, err
	}
	n := *c
	n.Naive = loc
	return &n, nil
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
	if err := c.setAccess(w, s, access, now); err != nil {
		return err
	}
	return c.setRefresh(w, s, refresh, now)
}

// setAccess is set_jwt_access_cookie at now.
func (c *CookieSettings) setAccess(w http.ResponseWriter, s *Settings, access string, now time.Time) error {
	if c.AuthCookie == "" {
		return nil
	}
	return c.set(w, c.AuthCookie, access, "/", s.AccessTokenLifetime, now)
}

// setRefresh is set_jwt_refresh_cookie at now.
func (c *CookieSettings) setRefresh(w http.ResponseWriter, s *Settings, refresh string, now time.Time) error {
	if c.RefreshCookie == "" {
		return nil
	}
	return c.set(w, c.RefreshCookie, refresh, c.RefreshCookiePath, s.RefreshTokenLifetime, now)
}

// set is response.set_cookie(name, value, expires=now+lifetime, ...): Django turns the
// datetime into Max-Age (the seconds left, plus the one it adds for the time lost) and
// writes expires from that.
func (c *CookieSettings) set(w http.ResponseWriter, name, value, path string, lifetime time.Duration, now time.Time) error {
	if c.Naive != nil { // (a local wall clock read as UTC)
		_, offset := now.In(c.Naive).Zone()
		lifetime += time.Duration(offset) * time.Second
	}
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

// CookieTokenRefresh is dj-rest-auth's token refresh view (get_refresh_view(), the
// token/refresh/ of dj_rest_auth.urls with USE_JWT) for the cookies c: TokenRefresh whose
// refresh token is the posted "refresh" (an optional field: a token that is not a string,
// a number say, is refused as invalid), else the one in c's RefreshCookie (else 401 "No
// valid refresh token found."). A refresh sets the new access token's cookie and adds
// "access_expiration" (Django's timezone.now() plus ACCESS_TOKEN_LIFETIME, on the clock
// of Settings and the USE_TZ and TIME_ZONE of Views.Django); a rotated refresh token is
// set in its cookie too, and then either removed from the answer (c.HTTPOnly) or
// followed by "refresh_expiration". The cookies are c.ForSite(Views.Django)'s.
func (v *Views) CookieTokenRefresh(c *CookieSettings) http.Handler {
	c, cerr := c.ForSite(v.Django)
	return v.view("Refresh View With Cookie Support", "",
		[]field{{name: "refresh", optional: true, helpText: "WIll override cookie."}, {name: "access", readOnly: true}},
		func(w http.ResponseWriter, r *http.Request, _ []string) (serializer.Value, error) {
			if cerr != nil {
				return serializer.Value{}, cerr
			}
			raw, err := v.cookieRefreshToken(r, c)
			if err != nil {
				return serializer.Value{}, err
			}
			data, err := v.refresh(r.Context(), raw)
			if err != nil {
				return serializer.Value{}, err
			}
			now := v.Settings.now()
			d := data.Dict()
			if access, ok := d.Get("access"); ok {
				as, _ := access.AsStr()
				if err := c.setAccess(w, v.Settings, as, now); err != nil {
					return serializer.Value{}, err
				}
				exp, err := restframework.TimezoneNow(now.Add(v.Settings.AccessTokenLifetime), v.Django)
				if err != nil {
					return serializer.Value{}, err
				}
				d.Set("access_expiration", exp)
			}
			if refresh, ok := d.Get("refresh"); ok {
				rs, _ := refresh.AsStr()
				if err := c.setRefresh(w, v.Settings, rs, now); err != nil {
					return serializer.Value{}, err
				}
				if c.HTTPOnly {
					d.Delete("refresh")
				} else {
					exp, err := restframework.TimezoneNow(now.Add(v.Settings.RefreshTokenLifetime), v.Django)
					if err != nil {
						return serializer.Value{}, err
					}
					d.Set("refresh_expiration", exp)
				}
			}
			return data, nil
		})
}

// cookieRefreshToken is CookieTokenRefreshSerializer.extract_refresh_token: request.data's
// "refresh" unless it is "", else the refresh cookie.
func (v *Views) cookieRefreshToken(r *http.Request, c *CookieSettings) (string, error) {
	raw, found, err := restframework.DataItem(r, "refresh")
	if err != nil {
		return "", err
	}
	if s, isStr := raw.AsStr(); found && !(isStr && s == "") {
		return s, nil // (not a str: a token PyJWT refuses, as "" is)
	}
	if c.RefreshCookie != "" {
		if s, ok := django.CookieValue(r, c.RefreshCookie); ok {
			return s, nil
		}
	}
	return "", invalidToken("No valid refresh token found.")
}

// ObtainPair is dj-rest-auth's jwt_encode(user) (TokenObtainPairSerializer.get_token):
// a refresh token for u, recorded as outstanding with a Blacklist, and its access token.
func (v *Views) ObtainPair(ctx context.Context, u *auth.User) (refresh, access string, err error) {
	rt, err := v.forUser(ctx, Refresh, u)
	if err != nil {
		return "", "", err
	}
	at, err := rt.AccessToken()
	if err != nil {
		return "", "", err
	}
	if refresh, err = rt.Encode(); err != nil {
		return "", "", err
	}
	access, err = at.Encode()
	return refresh, access, err
}

// BlacklistRefresh is RefreshToken(raw).blacklist() with the Blacklist (which must be
// set), as dj-rest-auth's logout calls it: raw is a str (a token, checked as
// ParseWithBlacklist checks it: a refusal is a *TokenError, a token without a jti
// ErrBlacklistNoJTI, and nothing is blacklisted), None (a new token, made for nobody,
// which is blacklisted: what simplejwt does), or another value (refused as a token PyJWT
// cannot read).
func (v *Views) BlacklistRefresh(ctx context.Context, raw serializer.Value) error {
	if v.Blacklist == nil {
		return errors.New("simplejwt: BlacklistRefresh without a Blacklist")
	}
	var t *Token
	var err error
	switch s, isStr := raw.AsStr(); {
	case raw.IsNone():
		t, err = v.Settings.New(Refresh)
	case isStr && hasSurrogate(s): // (str.encode fails in PyJWT)
		return errors.New("simplejwt: a token with a lone surrogate (Python's UnicodeEncodeError)")
	default:
		t, err = v.Settings.ParseWithBlacklist(ctx, v.Blacklist, Refresh, s)
	}
	if err != nil {
		return err
	}
	return v.blacklist(ctx, t)
}

// hasSurrogate reports whether s holds the WTF-8 form of a lone surrogate (ED A0-BF xx),
// as the value model holds one.
func hasSurrogate(s string) bool {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == 0xED && s[i+1] >= 0xA0 && s[i+1] <= 0xBF {
			return true
		}
	}
	return false
}
