// Package knox is django-rest-knox in Go: DRF tokens stored hashed (SHA-512) in the
// knox_authtoken table, each with its own expiry, that Go and Django both make, read and
// revoke, so that an API client logged in on one side is logged in on the other.
//
// Settings is the site's REST_KNOX (Defaults gives knox's; SettingsFromJSON reads the
// project's, as scripts/export_settings.py exports it). SQLTokens is the table;
// TokenAuthentication is knox's authentication class (a restframework.Authenticator:
// "Authorization: Token <token>", expired tokens deleted, AUTO_REFRESH); Views holds
// knox's LoginView (a new token for a user the site's default authentication found),
// LogoutView and LogoutAllView.
//
//	s := knox.Defaults()
//	tokens := knox.NewSQLTokens(users, "")
//	api := &restframework.APIView{
//		Authentication: []restframework.Authenticator{&knox.TokenAuthentication{Settings: s, Tokens: tokens, Config: cfg}},
//		...
//	}
//	views := &knox.Views{Settings: s, Tokens: tokens, Config: cfg,
//		Authentication: []restframework.Authenticator{&restframework.BasicAuthentication{Config: cfg}}}
//	mux.Handle("/api/auth/login/", views.Login())
//
// Held to django-rest-knox 5.1.0 (Django 4.2 and later) and 4.2.0 (Django 3.2, whose
// tokens hash differently: Settings.Version "4.2"). Known differences: SHA-512 only
// (SECURE_HASH_ALGORITHM), knox's own AuthToken model (no KNOX_TOKEN_MODEL), its
// UserSerializer or none (USER_SERIALIZER), DRF's default ISO 8601 expiry format; no
// token_expired, user_logged_in and user_logged_out signals but Django's own
// update_last_login, which Login does; and with USE_TZ False, an expiry whose TOKEN_TTL
// spans a change of the zone's offset (daylight saving time) is off by that change, as
// knox adds the TTL to the wall clock and Go to the instant.
package knox

import (
	"context"
	"crypto/rand"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/restframework"
)

// Settings are django-rest-knox's REST_KNOX settings.
type Settings struct {
	// TokenTTL is TOKEN_TTL (10 hours): a new token's lifetime, unless NoExpiry (None:
	// tokens that never expire).
	TokenTTL time.Duration
	NoExpiry bool
	// AuthTokenCharacterLength is AUTH_TOKEN_CHARACTER_LENGTH (64): the hex digits of a
	// token, after TokenPrefix.
	AuthTokenCharacterLength int
	// TokenLimitPerUser is TOKEN_LIMIT_PER_USER (nil for None): Login refuses a user with
	// that many live tokens.
	TokenLimitPerUser *int
	// AutoRefresh is AUTO_REFRESH: each use of an expiring token moves its expiry to
	// TokenTTL from now (written when it moves by more than MinRefreshInterval seconds),
	// but not beyond its creation plus AutoRefreshMaxTTL (AUTO_REFRESH_MAX_TTL, knox 5;
	// nil for None).
	AutoRefresh        bool
	AutoRefreshMaxTTL  *time.Duration
	MinRefreshInterval float64
	// AuthHeaderPrefix is AUTH_HEADER_PREFIX ("Token"), the Authorization header's scheme.
	AuthHeaderPrefix string
	// TokenPrefix is TOKEN_PREFIX (knox 5, at most 10 characters; 4.2 has none), written
	// before the hex digits of new tokens.
	TokenPrefix string
	// UserSerializer is USER_SERIALIZER "knox.serializers.UserSerializer": Login's answer
	// holds "user": {USERNAME_FIELD: ...}.
	UserSerializer bool
	// Version is the release of django-rest-knox: "4.2" (the newest for Django 3.2:
	// tokens hashed from their hex digits' bytes, keys of 8 characters, tokens without an
	// expiry not counted by TokenLimitPerUser), or "" for 5.0 and later.
	Version string
	// Now is the clock (timezone.now); nil means time.Now.
	Now func() time.Time
}

// Defaults returns django-rest-knox's defaults.
func Defaults() *Settings {
	return &Settings{TokenTTL: 10 * time.Hour, AuthTokenCharacterLength: 64, MinRefreshInterval: 60,
		AuthHeaderPrefix: "Token"}
}

func (s *Settings) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Settings) v42() bool { return s.Version == "4.2" }

// keyLength is CONSTANTS.TOKEN_KEY_LENGTH: the characters of a token stored in the clear
// (token_key) to find it.
func (s *Settings) keyLength() int {
	if s.v42() {
		return 8
	}
	return 15
}

// ErrHash: a token knox 4.2 cannot hash (its hex digits are not hex: binascii.Error,
// which knox takes for an invalid token). A token with characters beyond ASCII is
// another error (Python's ValueError, a server error in knox).
var ErrHash = errors.New("knox: a token of knox 4.2 must be hex digits")

// HashToken is knox's hash_token: the SHA-512 of the token's UTF-8 bytes (knox 5; knox
// 4.2 hashes the bytes its hex digits stand for), in hex: the token's digest, the key of
// its row.
func (s *Settings) HashToken(token string) (string, error) {
	b := []byte(token)
	if s.v42() {
		for i := 0; i < len(token); i++ {
			if token[i] >= utf8.RuneSelf {
				return "", errors.New("knox: a token of knox 4.2 with characters beyond ASCII (Python's ValueError)")
			}
		}
		var err error
		if b, err = hex.DecodeString(token); err != nil {
			return "", fmt.Errorf("%w: %v", ErrHash, err)
		}
	}
	sum := sha512.Sum512(b)
	return hex.EncodeToString(sum[:]), nil
}

// AuthToken is a row of knox_authtoken.
type AuthToken struct {
	// Digest is the token's hash (HashToken), the row's key; TokenKey its first
	// characters.
	Digest, TokenKey string
	// UserID is the user's primary key.
	UserID string
	// Created is when it was made; Expiry when it expires (nil: never).
	Created time.Time
	Expiry  *time.Time
}

// Create is AuthToken.objects.create(user): a new token for the user whose primary key
// is userID, expiring TokenTTL from now (unless NoExpiry), with TokenPrefix, stored in
// tokens. It returns the row and the token, which only the client keeps.
func (s *Settings) Create(ctx context.Context, tokens *SQLTokens, userID string) (*AuthToken, string, error) {
	n := s.AuthTokenCharacterLength / 2 // (int(n / 2): toward zero)
	if n < 0 {
		return nil, "", fmt.Errorf("knox: AUTH_TOKEN_CHARACTER_LENGTH %d (Python's urandom refuses it)", s.AuthTokenCharacterLength)
	}
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, "", err
	}
	token := hex.EncodeToString(b)
	if !s.v42() { // (knox 4.2 has no TOKEN_PREFIX)
		token = s.TokenPrefix + token
	}
	digest, err := s.HashToken(token)
	if err != nil {
		return nil, "", err
	}
	now := s.now()
	t := &AuthToken{Digest: digest, TokenKey: pystr.Head(token, s.keyLength()), UserID: userID, Created: now}
	if !s.NoExpiry {
		exp := now.Add(s.TokenTTL)
		t.Expiry = &exp
	}
	if err := tokens.insert(ctx, t); err != nil {
		return nil, "", err
	}
	return t, token, nil
}

// TokenAuthentication is knox's TokenAuthentication: "Authorization: Token <token>"
// (AuthHeaderPrefix, any case) names a token of Tokens; its user (Config.Users) must be
// active. Tokens that have expired are deleted as they are met (and the user's other
// expired ones with them); with AutoRefresh a token's expiry moves. The credentials
// (Authentication.Auth) are the *AuthToken.
type TokenAuthentication struct {
	Settings *Settings
	Tokens   *SQLTokens
	Config   *auth.Config
}

// AuthenticateHeader implements restframework.Authenticator: AuthHeaderPrefix, as Django
// writes a header (latin-1, or MIME-encoded UTF-8 beyond it).
func (a *TokenAuthentication) AuthenticateHeader(*http.Request) string {
	return restframework.HeaderValue(a.Settings.AuthHeaderPrefix)
}

// Authenticate implements restframework.Authenticator.
func (a *TokenAuthentication) Authenticate(r *http.Request) (*auth.User, any, error) {
	if a.Settings == nil || a.Tokens == nil || a.Config == nil || a.Config.Users == nil {
		return nil, nil, errors.New("knox: TokenAuthentication needs Settings, Tokens and Config.Users")
	}
	parts := restframework.AuthorizationHeader(r)
	if len(parts) == 0 || pystr.LowerASCII(parts[0]) != pystr.LowerASCII(a.Settings.AuthHeaderPrefix) {
		return nil, nil, nil
	}
	switch {
	case len(parts) == 1:
		return nil, nil, failed("Invalid token header. No credentials provided.")
	case len(parts) > 2:
		return nil, nil, failed("Invalid token header. Token string should not contain spaces.")
	case !utf8.ValidString(parts[1]): // (token.decode("utf-8"): a UnicodeDecodeError)
		return nil, nil, errors.New("knox: a token that is not UTF-8 (Python's UnicodeDecodeError)")
	}
	return a.credentials(r.Context(), parts[1])
}

// failed is DRF's AuthenticationFailed(msg).
func failed(msg string) error {
	e := *restframework.ErrAuthenticationFailed
	e.Detail = msg
	return &e
}

// credentials is authenticate_credentials: each token whose key is the token's first
// characters, cleaned up, then compared by its digest.
func (a *TokenAuthentication) credentials(ctx context.Context, token string) (*auth.User, any, error) {
	s := a.Settings
	candidates, err := a.Tokens.byKey(ctx, pystr.Head(token, s.keyLength()))
	if err != nil {
		return nil, nil, err
	}
	for _, t := range candidates {
		// (the token's user: knox 5 joins it, so that a token without one is not found;
		// knox 4.2 reads it in the cleanup, where its absence is a server error)
		u, err := a.Config.Users.User(ctx, t.UserID)
		switch {
		case errors.Is(err, auth.ErrUserNotFound) && !s.v42():
			continue
		case err != nil:
			return nil, nil, err
		}
		expired, err := a.cleanup(ctx, t)
		if err != nil {
			return nil, nil, err
		}
		if expired {
			continue
		}
		digest, err := s.HashToken(token)
		switch {
		case errors.Is(err, ErrHash):
			return nil, nil, failed("Invalid token.")
		case err != nil:
			return nil, nil, err
		}
		if subtle.ConstantTimeCompare([]byte(digest), []byte(t.Digest)) != 1 { // (hmac.compare_digest)
			continue
		}
		if s.AutoRefresh && t.Expiry != nil {
			if err := a.renew(ctx, t); err != nil {
				return nil, nil, err
			}
		}
		if !u.IsActive {
			return nil, nil, failed("User inactive or deleted.")
		}
		return u, t, nil
	}
	return nil, nil, failed("Invalid token.")
}

// cleanup is _cleanup_token: the user's other tokens that have expired are deleted; t
// too, if it has (expired true).
func (a *TokenAuthentication) cleanup(ctx context.Context, t *AuthToken) (expired bool, err error) {
	others, err := a.Tokens.forUser(ctx, t.UserID)
	if err != nil {
		return false, err
	}
	for _, o := range others {
		if o.Digest != t.Digest && o.Expiry != nil && o.Expiry.Before(a.Settings.now()) {
			if err := a.Tokens.delete(ctx, o.Digest); err != nil {
				return false, err
			}
		}
	}
	if t.Expiry != nil && t.Expiry.Before(a.Settings.now()) {
		return true, a.Tokens.delete(ctx, t.Digest)
	}
	return false, nil
}

// renew is renew_token: the expiry moved to TokenTTL from now (at most the creation plus
// AutoRefreshMaxTTL), written when it moved by more than MinRefreshInterval.
func (a *TokenAuthentication) renew(ctx context.Context, t *AuthToken) error {
	s := a.Settings
	if s.NoExpiry { // (timezone.now() + None: a TypeError)
		return errors.New("knox: AUTO_REFRESH of an expiring token with TOKEN_TTL None (Python's TypeError)")
	}
	current := *t.Expiry
	next := s.now().Add(s.TokenTTL)
	if !s.v42() && s.AutoRefreshMaxTTL != nil {
		if limit := t.Created.Add(*s.AutoRefreshMaxTTL); next.After(limit) {
			next = limit
		}
	}
	t.Expiry = &next
	if next.Sub(current).Seconds() > s.MinRefreshInterval {
		return a.Tokens.setExpiry(ctx, t.Digest, next)
	}
	return nil
}
