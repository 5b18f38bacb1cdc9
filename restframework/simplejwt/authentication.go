package simplejwt

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/restframework"
	"github.com/djsession/djsession/serializer"
)

// JWTAuthentication is simplejwt's JWTAuthentication, a restframework.Authenticator: the
// user of the token in the Authorization header ("Bearer <token>", AUTH_HEADER_TYPES),
// found by the token's user id in Config's user source, with request.auth the *Token.
// A header of another scheme is not this authenticator's; a refused token answers 401
// with simplejwt's details ({"detail": "Given token not valid for any token type",
// "code": "token_not_valid", "messages": [...]}) and WWW-Authenticate: Bearer
// realm="api".
type JWTAuthentication struct {
	// Settings is SIMPLE_JWT.
	Settings *Settings
	// Config finds the users (its Users source).
	Config *auth.Config
	// TokenTypes, if set, are the types of the tokens taken, tried in order, instead of
	// Settings.AuthTokenTypes (AUTH_TOKEN_CLASSES).
	TokenTypes []string
	// Blacklist, if set, is simplejwt's token_blacklist app, which refuses the
	// blacklisted refresh and sliding tokens (when TokenTypes takes those).
	Blacklist Blacklist
	// Stateless makes this JWTStatelessUserAuthentication: the user is not looked up but
	// made from the token (a TokenUser: auth.User with ID the token's user id and
	// IsActive true).
	Stateless bool
}

// classNames are the simplejwt classes of the token types, for the messages.
var classNames = map[string]string{Access: "AccessToken", Refresh: "RefreshToken", Sliding: "SlidingToken", Untyped: "UntypedToken"}

// Authenticate implements restframework.Authenticator.
func (a *JWTAuthentication) Authenticate(r *http.Request) (*auth.User, any, error) {
	raw, _, err := a.Settings.rawToken(r)
	if raw == "" || err != nil {
		return nil, nil, err
	}
	return a.authenticateToken(r.Context(), raw)
}

// authenticateToken is get_validated_token then get_user.
func (a *JWTAuthentication) authenticateToken(ctx context.Context, raw string) (*auth.User, any, error) {
	tok, err := a.validatedToken(ctx, raw)
	if err != nil {
		return nil, nil, err
	}
	u, err := a.user(ctx, tok)
	if err != nil {
		return nil, nil, err
	}
	return u, tok, nil
}

// JWTCookieAuthentication is dj-rest-auth's JWTCookieAuthentication (REST_AUTH's USE_JWT
// with a JWT_AUTH_COOKIE): JWTAuthentication's header first; without the header, the
// access token in the cookie Cookie, with Django's CSRF checks
// (restframework.EnforceCSRF) when the cookie is there and CookieUseCSRF is set, or
// always with CookieEnforceCSRFOnUnauthenticated. CookieSettings.SetJWTCookies sets the
// cookies as dj-rest-auth's views set them.
type JWTCookieAuthentication struct {
	JWTAuthentication
	// Cookie is JWT_AUTH_COOKIE ("" for None: the header alone).
	Cookie string
	// CookieUseCSRF is JWT_AUTH_COOKIE_USE_CSRF.
	CookieUseCSRF bool
	// CookieEnforceCSRFOnUnauthenticated is JWT_AUTH_COOKIE_ENFORCE_CSRF_ON_UNAUTHENTICATED.
	CookieEnforceCSRFOnUnauthenticated bool
}

// Authenticate implements restframework.Authenticator.
func (a *JWTCookieAuthentication) Authenticate(r *http.Request) (*auth.User, any, error) {
	raw, present, err := a.Settings.rawToken(r)
	if err != nil {
		return nil, nil, err
	}
	if !present {
		if a.Cookie == "" {
			return nil, nil, nil
		}
		var inCookie bool
		raw, inCookie = django.CookieValue(r, a.Cookie)
		if a.CookieEnforceCSRFOnUnauthenticated || inCookie && a.CookieUseCSRF {
			if err := restframework.EnforceCSRF(r); err != nil {
				return nil, nil, err
			}
		}
		if !inCookie {
			return nil, nil, nil
		}
	} else if raw == "" {
		return nil, nil, nil
	}
	return a.authenticateToken(r.Context(), raw)
}

// AuthenticateHeader implements restframework.Authenticator: `Bearer realm="api"`.
func (a *JWTAuthentication) AuthenticateHeader(*http.Request) string {
	return a.Settings.authenticateHeader()
}

func (s *Settings) authenticateHeader() string {
	typ := "Bearer"
	if len(s.AuthHeaderTypes) > 0 {
		typ, _ = latin1(s.AuthHeaderTypes[0]) // (Django writes a header's value in latin-1)
	}
	return typ + ` realm="api"`
}

// rawToken is get_header and get_raw_token: the header's bytes split on Python's bytes
// white space; "" when it is absent, empty or of another scheme; AuthenticationFailed
// when it has more or fewer than two parts. present reports whether r has the header.
func (s *Settings) rawToken(r *http.Request) (raw string, present bool, err error) {
	name := s.AuthHeaderName
	if name == "" {
		name = "HTTP_AUTHORIZATION"
	}
	name = strings.ReplaceAll(strings.TrimPrefix(name, "HTTP_"), "_", "-")
	vs := r.Header.Values(name)
	if vs == nil {
		return "", false, nil
	}
	parts := strings.FieldsFunc(strings.Join(vs, ","), func(c rune) bool {
		return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
	})
	if len(parts) == 0 {
		return "", true, nil
	}
	types := s.AuthHeaderTypes
	if types == nil {
		types = []string{"Bearer"}
	}
	known := false
	for _, t := range types {
		b, _ := latin1(t)
		known = known || parts[0] == b
	}
	if !known {
		return "", true, nil
	}
	if len(parts) != 2 {
		return "", true, authFailed("Authorization header must contain two space-delimited values", "bad_authorization_header")
	}
	return parts[1], true, nil
}

// detailError is simplejwt's AuthenticationFailed (DetailDictMixin): {"detail": msg,
// "code": code}, and messages unless None, as DRF's APIException e.
func detailError(e *restframework.APIException, msg, code string, messages serializer.Value) error {
	c := *e
	c.Detail = msg
	d := serializer.NewDict()
	d.Set("detail", serializer.Str(msg))
	d.Set("code", serializer.Str(code))
	if !messages.IsNone() {
		d.Set("messages", messages)
	}
	c.Data = serializer.DictValue(d)
	return &c
}

// authFailed is simplejwt's AuthenticationFailed with msg and code.
func authFailed(msg, code string) error {
	return detailError(restframework.ErrAuthenticationFailed, msg, code, serializer.None())
}

// invalidToken is simplejwt's InvalidToken (code token_not_valid) with msg.
func invalidToken(msg string) error { return authFailed(msg, "token_not_valid") }

// validatedToken is get_validated_token: the first token type that takes raw, else
// InvalidToken with each type's refusal.
func (a *JWTAuthentication) validatedToken(ctx context.Context, raw string) (*Token, error) {
	types := a.TokenTypes
	if types == nil {
		types = a.Settings.AuthTokenTypes
	}
	if types == nil {
		types = []string{Access}
	}
	var messages []serializer.Value
	for _, typ := range types {
		tok, err := a.Settings.ParseWithBlacklist(ctx, a.Blacklist, typ, raw)
		var te *TokenError
		if errors.As(err, &te) {
			m := serializer.NewDict()
			m.Set("token_class", serializer.Str(classNames[typ]))
			m.Set("token_type", serializer.Str(typ))
			m.Set("message", serializer.Str(te.Message))
			messages = append(messages, serializer.DictValue(m))
			continue
		}
		return tok, err
	}
	return nil, detailError(restframework.ErrAuthenticationFailed, "Given token not valid for any token type",
		"token_not_valid", serializer.List(messages...))
}

// ErrBlacklistNoJTI: the blacklist's check of a token without a jti claim, which is
// Python's KeyError in simplejwt (a server error, but where a caller catches KeyError).
var ErrBlacklistNoJTI = errors.New("simplejwt: the blacklist's check of a token without its jti claim (Python's KeyError)")

// ParseWithBlacklist is Parse where simplejwt's token_blacklist app is installed (bl;
// nil for none): refresh and sliding tokens (its BlacklistMixin) are checked against the
// blacklist first, so a blacklisted one is "Token is blacklisted", and one without a jti
// a server error (ErrBlacklistNoJTI), before the other checks.
func (s *Settings) ParseWithBlacklist(ctx context.Context, bl Blacklist, typ, raw string) (*Token, error) {
	if bl == nil || typ != Refresh && typ != Sliding {
		return s.Parse(typ, raw)
	}
	return s.parse(typ, raw, func(t *Token) error {
		jti, ok := t.Payload.Get(s.JTIClaim)
		if !ok {
			return fmt.Errorf("%w (%s)", ErrBlacklistNoJTI, s.JTIClaim)
		}
		black, err := isBlacklisted(ctx, bl, jti)
		if err != nil {
			return err
		}
		if black {
			return tokenError("Token is blacklisted")
		}
		return nil
	})
}

// user is get_user: the user whose primary key is the token's user id claim, active
// (with CheckUserIsActive), and whose password has not changed since (with
// CheckRevokeToken).
func (a *JWTAuthentication) user(ctx context.Context, tok *Token) (*auth.User, error) {
	s := a.Settings
	id, ok := tok.Payload.Get(s.UserIDClaim)
	if !ok {
		return nil, invalidToken("Token contained no recognizable user identification")
	}
	if a.Stateless {
		return &auth.User{ID: pyStr(id), IsActive: true}, nil
	}
	u, err := s.lookupUser(ctx, a.Config, id)
	if errors.Is(err, auth.ErrUserNotFound) {
		return nil, authFailed("User not found", "user_not_found")
	}
	if err != nil {
		return nil, err
	}
	if (s.CheckUserIsActive || s.v53()) && !u.IsActive {
		return nil, authFailed("User is inactive", "user_inactive")
	}
	if s.CheckRevokeToken {
		h, _ := tok.Payload.Get(s.RevokeTokenClaim)
		if v, ok := h.AsStr(); !ok || v != passwordHash(u.PasswordHash) {
			return nil, authFailed("The user's password has been changed.", "password_changed")
		}
	}
	return u, nil
}

// lookupUser is User.objects.get(pk=id) for a claim's value: None finds nobody, and from
// Django 5.0 on so does an integer beyond the key's range; a value the primary key's
// field cannot take (Django's ValueError or TypeError) is an error that is not
// ErrUserNotFound.
func (s *Settings) lookupUser(ctx context.Context, cfg *auth.Config, id serializer.Value) (*auth.User, error) {
	if id.IsNone() {
		return nil, auth.ErrUserNotFound
	}
	key, err := s.PK.NormalizeValue(id)
	if err != nil {
		return nil, err
	}
	u, err := cfg.Users.User(ctx, key)
	if errors.Is(err, auth.ErrUserIDOutOfRange) && !djangoBefore5(s.DjangoVersion) {
		return nil, auth.ErrUserNotFound
	}
	return u, err
}

// djangoBefore5 reports whether a Django version ("4.2.30", "" for the newest) is older
// than 5.0.
func djangoBefore5(v string) bool {
	major, _, _ := strings.Cut(v, ".")
	return major != "" && len(major) == 1 && major < "5"
}

// isBlacklisted is BlacklistedToken.objects.filter(token__jti=jti).exists() for a claim's
// value: None matches nothing (jti IS NULL), others are their str().
func isBlacklisted(ctx context.Context, bl Blacklist, jti serializer.Value) (bool, error) {
	if jti.IsNone() {
		return false, nil
	}
	return bl.IsBlacklisted(ctx, pyStr(jti))
}

// pyStr is str(v) of a claim.
func pyStr(v serializer.Value) string {
	if s, ok := v.AsStr(); ok {
		return s
	}
	return v.String()
}
