package headless

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/pyuuid"
	"github.com/djsession/djsession/restframework/simplejwt"
	"github.com/djsession/djsession/serializer"
)

// ErrInvalidToken is a session token or JWT allauth refuses (its None): no such session,
// a bad signature, an expired or unknown token, a user that is not the session's.
var ErrInvalidToken = errors.New("headless: invalid token")

// refreshTokensKey is the session key of the refresh tokens' state (jti -> exp).
const refreshTokensKey = "headless_refresh_tokens"

// Headless is allauth's token strategy (HEADLESS_TOKEN_STRATEGY) over a site's sessions
// and users. It is safe for concurrent use once in use.
type Headless struct {
	// Settings are the HEADLESS_* settings. Required.
	Settings *Settings
	// Sessions makes the site's sessions (its SESSION_ENGINE). Required.
	Sessions *django.Middleware
	// Config finds the users (get_user's AUTHENTICATION_BACKENDS and users). Required.
	Config *auth.Config
	// Emails finds users' primary email addresses for SerializeUser (allauth's
	// account_emailaddress: NewSQLEmailAddresses); nil means each user's own email.
	Emails EmailSource
	// Cache is allauth's cache for its rate limits (Django's default cache: a backend of
	// the caches sub-packages, as the site's CACHES configures it), which LoginView
	// needs unless RateLimits is empty.
	Cache caches.Backend
	// SiteDomain is the domain of the current Site (django.contrib.sites: SITE_ID's row
	// of django_site) that keys the failed logins' rate limit; "" means the request's
	// host (request.get_host(), a RequestSite: the sites framework not installed).
	SiteDomain string
	// SiteName is the name of the current Site (SiteName reads it), the issuer of the
	// TOTP authenticators' URLs without MFA_TOTP_ISSUER; "" means the request's host.
	SiteName string
	// PasswordValidators are AUTH_PASSWORD_VALIDATORS (auth.PasswordValidators), which
	// ChangePasswordView applies to new passwords.
	PasswordValidators []auth.PasswordValidator
	// Authenticators are allauth.mfa's mfa_authenticator (NewSQLAuthenticators), which
	// LoginView with MFAEnabled asks whether a user has a second factor, and the
	// second-factor views use (an MFASource).
	Authenticators AuthenticatorSource
	// MFADecrypt and MFAEncrypt are the MFA adapter's decrypt and encrypt, for a
	// project whose MFA_ADAPTER encrypts the authenticators' secrets; nil means
	// allauth's (the secrets as they are).
	MFADecrypt, MFAEncrypt func(string) (string, error)
	// Mailer sends the mails of the login code views and of LoginView's login code
	// stage (ACCOUNT_LOGIN_BY_CODE_REQUIRED); nil hands those requests to the views'
	// fallbacks.
	Mailer Mailer
	// UserSessions is allauth.usersessions' table of the users' sessions
	// (NewSQLUserSessions), where the logins Go makes are recorded as allauth records
	// them, on a site with allauth.usersessions (Settings.UserSessionsEnabled); nil
	// hands such logins to the views' fallbacks.
	UserSessions UserSessionStore
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	once sync.Once
	jwt  *jwtConfig
	err  error
}

func (h *Headless) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Headless) check() error {
	if h.Settings == nil || h.Sessions == nil || h.Config == nil {
		return errors.New("headless: Headless needs Settings, Sessions and Config")
	}
	switch h.Settings.TokenStrategy {
	case SessionTokenStrategy, JWTTokenStrategy:
		return nil
	}
	return fmt.Errorf("%w: HEADLESS_TOKEN_STRATEGY %q", ErrSettings, h.Settings.TokenStrategy)
}

// jwtConfig is the settings' JWT configuration, made once.
func (h *Headless) jwtConfig() (*jwtConfig, error) {
	h.once.Do(func() { h.jwt, h.err = h.Settings.jwtConfig() })
	return h.jwt, h.err
}

// LookupSession is the strategy's lookup_session: the session of a session token (the
// X-Session-Token header), or ErrInvalidToken when there is none. With
// SessionTokenStrategy, a session that exists (as the engine's exists() says: for the db
// engine, even expired) is the token's; with JWTTokenStrategy, only one that loads.
func (h *Headless) LookupSession(ctx context.Context, token string) (*django.Session, error) {
	if err := h.check(); err != nil {
		return nil, err
	}
	if h.Settings.TokenStrategy == JWTTokenStrategy {
		return h.loadSession(ctx, token)
	}
	ok, err := h.Sessions.Settings().SessionEngine.Exists(ctx, token)
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return nil, ErrInvalidToken
	}
	return h.Sessions.NewSession(ctx, token), nil
}

// loadSession is sessionkit.lookup_session: the session of key once loaded, or
// ErrInvalidToken when it is missing or expired.
func (h *Headless) loadSession(ctx context.Context, key string) (*django.Session, error) {
	s := h.Sessions.NewSession(ctx, key)
	if err := s.Load(ctx); err != nil {
		return nil, err
	}
	if s.Key() == "" {
		return nil, ErrInvalidToken
	}
	return s, nil
}

// SessionUser is get_session_user: the user logged in to s as Django's get_user finds
// it (the session flushed when its hash is stale), or nil.
func (h *Headless) SessionUser(ctx context.Context, s *django.Session) (*auth.User, error) {
	return auth.GetUser(ctx, s, h.Config)
}

// AccessToken is a valid access token (allauth's AccessTokenValidationResult).
type AccessToken struct {
	// User is the token's user.
	User *auth.User
	// Payload is the token's claims.
	Payload *serializer.Dict
	// Session is the token's session with stateful validation, else nil.
	Session *django.Session
}

// DecodeToken is allauth's decode_token: the claims of a JWT of the given use ("access"
// or "refresh"): signed with the settings' key and algorithm, unexpired (PyJWT's checks),
// with that token_use and with jti, sub and sid strs. A refusal matches ErrInvalidToken
// (and, for an expired token, simplejwt.ErrTokenExpired). It needs Settings alone.
func (h *Headless) DecodeToken(token, use string) (*serializer.Dict, error) {
	return h.decodeToken(token, use)
}

func (h *Headless) decodeToken(token, use string) (*serializer.Dict, error) {
	c, err := h.jwtConfig()
	if err != nil {
		return nil, err
	}
	p, err := c.jwt.Decode(token, h.now())
	switch {
	case errors.Is(err, simplejwt.ErrToken):
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	case err != nil:
		return nil, err
	}
	if u, _ := strOf(p, "token_use"); u != use {
		return nil, fmt.Errorf("%w: its token_use is not %q", ErrInvalidToken, use)
	}
	for _, k := range []string{"jti", "sub", "sid"} {
		if _, ok := strOf(p, k); !ok {
			return nil, fmt.Errorf("%w: no %s str", ErrInvalidToken, k)
		}
	}
	return p, nil
}

// tokenSession is get_token_session: the live session of the token's sid.
func (h *Headless) tokenSession(ctx context.Context, p *serializer.Dict) (*django.Session, error) {
	sid, _ := strOf(p, "sid")
	key, ok, err := SessionKeyFromSID(h.Settings.SecretKey, sid)
	switch {
	case err != nil:
		return nil, err
	case !ok || key == "":
		return nil, ErrInvalidToken
	}
	return h.loadSession(ctx, key)
}

// tokenUser is validate_token_user: the session's user, when it is the token's.
func (h *Headless) tokenUser(ctx context.Context, p *serializer.Dict, s *django.Session) (*auth.User, error) {
	u, err := h.SessionUser(ctx, s)
	if err != nil {
		return nil, err
	}
	if sub, _ := strOf(p, "sub"); u == nil || u.ID != sub {
		return nil, ErrInvalidToken
	}
	return u, nil
}

// ValidateAccessToken is allauth's validate_access_token: the user and claims of a valid
// access token, or ErrInvalidToken. Statelessly (the default), the token's user is
// loaded by its id, whatever its session and its is_active; with
// JWTStatefulValidationEnabled, the token's session must load and be logged in as the
// token's user (Session is then the session).
func (h *Headless) ValidateAccessToken(ctx context.Context, token string) (*AccessToken, error) {
	if err := h.check(); err != nil {
		return nil, err
	}
	p, err := h.decodeToken(token, "access")
	if err != nil {
		return nil, err
	}
	if h.Settings.JWTStatefulValidationEnabled {
		s, err := h.tokenSession(ctx, p)
		if err != nil {
			return nil, err
		}
		u, err := h.tokenUser(ctx, p, s)
		if err != nil {
			return nil, err
		}
		return &AccessToken{User: u, Payload: p, Session: s}, nil
	}
	sub, _ := strOf(p, "sub")
	pk, err := h.Config.PK.Normalize(sub)
	if err != nil {
		return nil, err // (allauth raises: a server error)
	}
	if h.Config.Users == nil {
		return nil, errors.New("headless: Config.Users is needed")
	}
	u, err := h.Config.Users.User(ctx, pk)
	if err != nil {
		return nil, err // (a user gone: DoesNotExist, a server error as in Django)
	}
	return &AccessToken{User: u, Payload: p}, nil
}

// createToken is allauth's create_token: claims, then iat, exp, sid, jti, token_use and
// sub, signed. It returns the token and its claims.
func (h *Headless) createToken(use, sub, sid string, claims *serializer.Dict, expiresIn int64) (string, *serializer.Dict, error) {
	c, err := h.jwtConfig()
	if err != nil {
		return "", nil, err
	}
	jti, err := pyuuid.New4()
	if err != nil {
		return "", nil, err
	}
	now := h.now().Unix()
	p := serializer.NewDict()
	if claims != nil {
		p = claims.Clone()
	}
	p.Set("iat", serializer.Int(now))
	p.Set("exp", serializer.Int(now+expiresIn))
	p.Set("sid", serializer.Str(sid))
	p.Set("jti", serializer.Str(jti))
	p.Set("token_use", serializer.Str(use))
	p.Set("sub", serializer.Str(sub))
	var tok string
	if c.kid != "" {
		tok, err = c.jwt.EncodeKID(p, c.kid)
	} else {
		tok, err = c.jwt.Encode(p)
	}
	return tok, p, err
}

// sessionSID is the sid of a session saved under a key.
func (h *Headless) sessionSID(u *auth.User, s *django.Session) (string, error) {
	if u == nil || s.Key() == "" {
		return "", errors.New("headless: tokens need a user and a saved session")
	}
	return SessionKeyToSID(h.Settings.SecretKey, s.Key())
}

// CreateAccessToken is allauth's create_access_token: an access token for u, logged in
// to s (a saved session), with claims (nil for none) under allauth's own.
func (h *Headless) CreateAccessToken(u *auth.User, s *django.Session, claims *serializer.Dict) (string, error) {
	sid, err := h.sessionSID(u, s)
	if err != nil {
		return "", err
	}
	tok, _, err := h.createToken("access", u.ID, sid, claims, h.Settings.JWTAccessTokenExpiresIn)
	return tok, err
}

// refreshState is get_refresh_token_state: the session's jti -> exp dict.
func refreshState(s *django.Session) (*serializer.Dict, error) {
	v := s.SetDefault(refreshTokensKey, serializer.DictValue(serializer.NewDict()))
	d := v.Dict()
	if d == nil {
		return nil, fmt.Errorf("headless: the session's %s is a %s, not a dict", refreshTokensKey, v.Kind())
	}
	return d, nil
}

// CreateRefreshToken is allauth's create_refresh_token: a refresh token for u, logged
// in to s (a saved session), recorded in s (which the caller saves).
func (h *Headless) CreateRefreshToken(u *auth.User, s *django.Session) (string, error) {
	sid, err := h.sessionSID(u, s)
	if err != nil {
		return "", err
	}
	tok, p, err := h.createToken("refresh", u.ID, sid, nil, h.Settings.JWTRefreshTokenExpiresIn)
	if err != nil {
		return "", err
	}
	state, err := refreshState(s)
	if err != nil {
		return "", err
	}
	jti, _ := strOf(p, "jti")
	exp, _ := p.Get("exp")
	state.Set(jti, exp)
	s.MarkModified()
	return tok, nil
}

// AccessTokenPayload is the strategy's create_access_token_payload, what allauth adds to
// the meta of the answer that logs an app in: with JWTTokenStrategy,
// {"access_token": ..., "refresh_token": ...} for u, logged in to s (saved; the refresh
// token is recorded in s, which the caller saves again); nil with SessionTokenStrategy.
func (h *Headless) AccessTokenPayload(u *auth.User, s *django.Session) (*serializer.Dict, error) {
	if err := h.check(); err != nil || h.Settings.TokenStrategy != JWTTokenStrategy {
		return nil, err
	}
	at, err := h.CreateAccessToken(u, s, nil)
	if err != nil {
		return nil, err
	}
	rt, err := h.CreateRefreshToken(u, s)
	if err != nil {
		return nil, err
	}
	d := serializer.NewDict()
	d.Set("access_token", serializer.Str(at))
	d.Set("refresh_token", serializer.Str(rt))
	return d, nil
}

// RefreshToken is the JWT strategy's refresh_token, the tokens/refresh endpoint's work:
// for a valid refresh token (signed, unexpired, recorded in its live session, whose user
// is the token's), a new access token and the refresh token to use next (a new one,
// the used one forgotten, with JWTRotateRefreshToken; else the same); the session is
// saved. A refused token is ErrInvalidToken. SessionTokenStrategy refreshes nothing
// (ErrInvalidToken).
func (h *Headless) RefreshToken(ctx context.Context, token string) (access, refresh string, err error) {
	access, refresh, _, _, err = h.refreshToken(ctx, token)
	return access, refresh, err
}

// refreshToken is RefreshToken, with the refreshed session and its user.
func (h *Headless) refreshToken(ctx context.Context, token string) (access, refresh string, u *auth.User, s *django.Session, err error) {
	fail := func(err error) (string, string, *auth.User, *django.Session, error) { return "", "", nil, nil, err }
	if err := h.check(); err != nil {
		return fail(err)
	}
	if h.Settings.TokenStrategy != JWTTokenStrategy {
		return fail(ErrInvalidToken)
	}
	p, err := h.decodeToken(token, "refresh")
	if err != nil {
		return fail(err)
	}
	if s, err = h.tokenSession(ctx, p); err != nil {
		return fail(err)
	}
	state, err := refreshState(s)
	if err != nil {
		return fail(err)
	}
	jti, _ := strOf(p, "jti")
	exp, ok := state.Get(jti)
	if !ok {
		return fail(ErrInvalidToken)
	}
	e, err := pyNumber(exp)
	if err != nil {
		return fail(err)
	}
	if e <= float64(h.now().UnixMicro())/1e6 {
		return fail(ErrInvalidToken)
	}
	if u, err = h.tokenUser(ctx, p, s); err != nil {
		return fail(err)
	}
	if access, err = h.CreateAccessToken(u, s, nil); err != nil {
		return fail(err)
	}
	refresh = token
	if h.Settings.JWTRotateRefreshToken {
		state.Delete(jti)
		if refresh, err = h.CreateRefreshToken(u, s); err != nil {
			return fail(err)
		}
	}
	if err := s.Save(ctx); err != nil {
		return fail(err)
	}
	return access, refresh, u, s, nil
}

// pyNumber is an exp of the session's state as Python compares it with a float; other
// values are the TypeError Python raises.
func pyNumber(v serializer.Value) (float64, error) {
	switch v.Kind() {
	case serializer.KindBool:
		if b, _ := v.AsBool(); b {
			return 1, nil
		}
		return 0, nil
	case serializer.KindInt:
		if n, ok := v.AsInt(); ok {
			return float64(n), nil
		}
		n, _ := v.AsBigInt()
		return math.Inf(n.Sign()), nil // (beyond any clock, either way)
	case serializer.KindFloat:
		f, _ := v.AsFloat()
		return f, nil
	}
	return 0, fmt.Errorf("headless: an exp of %s in the session's %s", v.Kind(), refreshTokensKey)
}
