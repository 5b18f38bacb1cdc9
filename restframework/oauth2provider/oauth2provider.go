// Package oauth2provider is django-oauth-toolkit (oauth2_provider) in Go: the OAuth 2
// access tokens a Django site issues, read from its oauth2_provider_accesstoken table and
// checked as django-oauth-toolkit and oauthlib check them, so that a Go endpoint takes the
// same bearer tokens as the site's DRF views, with the same answers; and the
// authorization server's endpoints for clients (token, introspection, revocation), so
// that Go issues and revokes tokens the site's resource servers take.
//
// Settings is the site's OAUTH2_PROVIDER (Defaults gives the toolkit's; SettingsFromJSON
// reads the project's, as scripts/export_settings.py exports it). SQLTokens is the
// table; OAuth2Authentication is the toolkit's DRF authentication class (a
// restframework.Authenticator: the token of an "Authorization: Bearer" header, or of an
// access_token parameter of the query string or of a form body, as oauthlib finds it;
// expired, unknown and resource-restricted tokens refused with the toolkit's
// WWW-Authenticate errors; a token of no user, as the client-credentials grant issues,
// authenticates without a user). The permissions are the toolkit's DRF permissions:
// TokenHasScope, TokenHasReadWriteScope, TokenHasResourceScope,
// IsAuthenticatedOrTokenHasScope and TokenMatchesOASRequirements. ProtectedResource is
// the toolkit's protection of plain Django views: its protected_resource and
// rw_protected_resource decorators and its ProtectedResourceView,
// ScopedProtectedResourceView and ReadWriteScopedResourceView. OAuth2Authentication's
// TokenMiddleware is its OAuth2TokenMiddleware (with OAuth2Backend): a bearer token's user
// as the request's user for plain handlers (auth.RequestUser, LoginRequired, ...), and
// its ExtraTokenMiddleware the OAuth2ExtraTokenMiddleware (the token as
// request.access_token: RequestAccessToken). SQLTokens.RevokeForUser revokes a user's
// tokens as the toolkit's revoke() does.
//
// The authorization server's endpoints authenticate the clients of
// oauth2_provider_application as the toolkit's OAuth2Validator does (ClientAuthentication
// over SQLApplications: Basic credentials or client_id and client_secret, secrets hashed
// by PASSWORD_HASHERS or not): TokenView is its token endpoint (the client-credentials,
// password, refresh-token and authorization-code grants, with rotation, PKCE and resource
// indicators; the device flow is handed to a Fallback), IntrospectTokenView its RFC 7662
// introspection endpoint, RevokeTokenView its RFC 7009 revocation endpoint, each with
// oauthlib's answers and errors.
//
//	s := oauth2provider.Defaults()
//	tokens := oauth2provider.NewSQLTokens(users, "", s.Version)
//	api := &restframework.APIView{
//		Authentication: []restframework.Authenticator{&oauth2provider.OAuth2Authentication{Settings: s, Tokens: tokens, Config: cfg, Django: ds}},
//		Permissions:    []restframework.Permission{&oauth2provider.TokenHasScope{Settings: s, RequiredScopes: []string{"read"}}},
//		...
//	}
//
// Handlers read the token with restframework.FromContext(ctx).Auth.(*AccessToken).
//
// A resource server of another authorization server (Settings.IntrospectionURL, the
// toolkit's RESOURCE_SERVER_INTROSPECTION_URL) asks that server's RFC 7662 endpoint about
// the tokens its table does not hold as valid, and keeps those it vouches for in the
// table, making their users, as the toolkit does; but AUTHENTICATION_SERVER_EXP_TIME_ZONE
// is UTC, and an answer whose username is null or not a scalar, or whose scope is not a
// string, is a server error (the toolkit stores some of those). The request to the
// introspection server is made as Python's requests makes it (redirects, the
// Authorization header, the answer's charset and BOM), but for an answer in no UTF and no
// declared charset, which requests reads in the charset it guesses and Go as UTF-8, an
// answer compressed other than with gzip, and proxies and .netrc, which Go's client does
// not read.
//
// Held to django-oauth-toolkit 3.4.1 (Django 4.2 and later) and 2.4.0 (Django 3.2, which
// looks tokens up by their value rather than their SHA-256, knows no resource indicators
// and answers some failures with a server error: Settings.Version "2.4"). Known
// differences: the toolkit's own models (no OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL) and its
// OAuth2Validator and OAuthLibCore (no OAUTH2_VALIDATOR_CLASS, OAUTH2_BACKEND_CLASS, nor
// the JSON one); an Application's is_usable is the toolkit's (always); the only resource
// validator is the toolkit's default, and it does not run the NFKC check Python's
// urlsplit runs on a host beyond ASCII; messages in English; the charsets of request
// bodies and query strings are UTF-8, latin-1 and ASCII (Django also reads, say, cp500),
// and a form body in another charset than UTF-8 is refused as Django 5.2 refuses it
// (django.Settings.FormCharsetError) but read as UTF-8 for earlier versions, which read
// it in that charset (as they read a multipart body's fields);
// a realm is never empty (Realm "" is the toolkit's "api"); with USE_TZ False, expiry
// is compared as an instant where the toolkit compares wall clocks, which differ in the
// hour a zone's clocks repeat. Of the authorization server, the pages a user sees (the
// authorization view that makes the codes TokenView exchanges, the device flow's,
// OpenID Connect's) stay Django's; TokenView answers settings it does not follow
// (ACCESS_TOKEN_GENERATOR, OIDC_ENABLED, REFRESH_TOKEN_REUSE_PROTECTION, ...) with a
// server error, and an introspection answer's aud is the token's resources as strings
// (the toolkit echoes whatever JSON the column holds).
package oauth2provider

import (
	"errors"
	"strings"
	"time"

	"github.com/djsession/djsession/internal/pystr"
)

// Settings is the part of OAUTH2_PROVIDER that reading tokens uses, with the toolkit's
// names.
type Settings struct {
	// ReadScope and WriteScope are READ_SCOPE ("read") and WRITE_SCOPE ("write"), the
	// scopes of TokenHasReadWriteScope and TokenHasResourceScope.
	ReadScope, WriteScope string
	// Scopes are the names of SCOPES, the scopes the site knows (read and write), which
	// ProtectedResource's ReadWrite needs to hold ReadScope and WriteScope.
	Scopes []string
	// ErrorResponseWithScopes is ERROR_RESPONSE_WITH_SCOPES (false): TokenHasScope's 403
	// then names the scopes the token lacks ({"detail": ..., "required_scopes": [...]}).
	ErrorResponseWithScopes bool
	// AccessTokenTransportCompliant is COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT
	// (false; 3.4 and later): a request with an access_token in its query string is then
	// not authenticated at all (RFC 9700 forbids tokens in URLs).
	AccessTokenTransportCompliant bool
	// ResourceValidator is RESOURCE_SERVER_TOKEN_RESOURCE_VALIDATOR (3.4 and later):
	// whether a token restricted to resources (RFC 8707) may be used at the request's
	// absolute URI (without its query). Defaults sets ValidateResourceAsURLPrefix, the
	// toolkit's default; nil is None: every resource.
	ResourceValidator func(requestURI string, audiences []string) (bool, error)
	// IntrospectionURL is RESOURCE_SERVER_INTROSPECTION_URL ("": None): the RFC 7662
	// introspection endpoint of another authorization server (another site's
	// django-oauth-toolkit, say), asked about the tokens the table does not hold as
	// valid, when IntrospectionToken or IntrospectionCredentials is set. A token it
	// vouches for is kept in the table as the toolkit keeps it (its user made when
	// missing), until its exp but no longer than TokenCachingSeconds.
	IntrospectionURL string
	// IntrospectionToken is RESOURCE_SERVER_AUTH_TOKEN: the bearer token of the
	// introspection requests ("": none).
	IntrospectionToken string
	// IntrospectionCredentials is RESOURCE_SERVER_INTROSPECTION_CREDENTIALS: the client id
	// and secret of the introspection requests' Basic authentication, when there is no
	// IntrospectionToken (nil: none).
	IntrospectionCredentials *[2]string
	// TokenCachingSeconds is RESOURCE_SERVER_TOKEN_CACHING_SECONDS (36000).
	TokenCachingSeconds float64
	// AccessTokenExpireSeconds is ACCESS_TOKEN_EXPIRE_SECONDS (36000): the lifetime of the
	// access tokens TokenView issues.
	AccessTokenExpireSeconds int
	// DefaultScopes are the scopes of a token asked for without any (DEFAULT_SCOPES, with
	// "__all__" standing for Scopes, in their order: Defaults sets read and write).
	DefaultScopes []string
	// PasswordGrantCompliant is COMPLIANT_BCP_RFC9700_PASSWORD_GRANT (false; 3.4 and
	// later): TokenView then refuses the password grant to every client
	// (unauthorized_client).
	PasswordGrantCompliant bool
	// HashedTokenStorage is COMPLIANT_BCP_RFC9700_TOKEN_STORAGE (false; 3.4 and later):
	// TokenView keeps the SHA-256 of the tokens it issues, not their values (which
	// introspecting another server's tokens cannot do).
	HashedTokenStorage bool
	// PKCERequired is PKCE_REQUIRED (true): an authorization code made without a PKCE
	// challenge is refused.
	PKCERequired bool
	// RotateRefreshToken is ROTATE_REFRESH_TOKEN (true): a refresh token is used once, and
	// replaced by a new one; else it stays, and its access token is replaced in place.
	RotateRefreshToken bool
	// RefreshTokenGracePeriodSeconds is REFRESH_TOKEN_GRACE_PERIOD_SECONDS (0): how long a
	// rotated refresh token still gives the pair it was replaced with (a client's retry).
	RefreshTokenGracePeriodSeconds float64
	// RefreshTokenExpireSeconds is REFRESH_TOKEN_EXPIRE_SECONDS (0: None): with 3.x, a
	// refresh token no longer refreshes that long after its access token expired.
	RefreshTokenExpireSeconds float64
	// Version is the version of django-oauth-toolkit the site runs: "2.4" (the release
	// for Django 3.2), or "" for 3.4 and later.
	Version string
	// Now is the clock (nil: time.Now), for tests.
	Now func() time.Time

	issuingErr    error    // the settings of issuing tokens SettingsFromJSON met that TokenView cannot honour
	defaultScopes []string // DEFAULT_SCOPES, as SettingsFromJSON read it
}

// Defaults returns the toolkit's defaults (its newest release).
func Defaults() *Settings {
	return &Settings{ReadScope: "read", WriteScope: "write", Scopes: []string{"read", "write"},
		ResourceValidator: ValidateResourceAsURLPrefix, TokenCachingSeconds: 36000, AccessTokenExpireSeconds: 36000,
		DefaultScopes: []string{"read", "write"}, defaultScopes: []string{"__all__"}, RotateRefreshToken: true, PKCERequired: true}
}

// ErrSettings is returned by SettingsFromJSON for settings this package does not
// implement, or whose values the toolkit would refuse.
var ErrSettings = errors.New("oauth2provider: OAUTH2_PROVIDER settings this package does not implement")

func (s *Settings) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// v24 reports whether the site runs django-oauth-toolkit 2.4.
func (s *Settings) v24() bool { return s.Version == "2.4" }

// AccessToken is a row of oauth2_provider_accesstoken: the toolkit's AccessToken.
type AccessToken struct {
	// ID is the row's primary key.
	ID int64
	// Token is the token as stored (empty where the toolkit stores hashed tokens only).
	Token string
	// UserID is the primary key of the token's user; "" for a token of no user (the
	// client-credentials grant's).
	UserID string
	// ApplicationID is the token's application; 0 for none.
	ApplicationID int64
	// Expires is when the token expires.
	Expires time.Time
	// Scope is the token's scopes, separated by spaces.
	Scope string
	// Resource is the resource indicators the token is restricted to (RFC 8707; 3.4 and
	// later): none for a token valid everywhere. An entry that is not a string in the
	// database is "", which no validator takes.
	Resource []string

	resourceErr error // a resource the validator fails on (one that is not iterable)
}

// IsExpired is is_expired: the token's expiry has come (at now).
func (t *AccessToken) IsExpired(now time.Time) bool { return !now.Before(t.Expires) }

// AllowScopes is allow_scopes: every one of scopes is among the token's (none always is).
func (t *AccessToken) AllowScopes(scopes []string) bool {
	if len(scopes) == 0 {
		return true
	}
	have := t.Scopes()
	for _, s := range scopes {
		found := false
		for _, h := range have {
			if h == s {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// IsValid is is_valid: not expired at now, and allowing scopes.
func (t *AccessToken) IsValid(now time.Time, scopes []string) bool {
	return !t.IsExpired(now) && t.AllowScopes(scopes)
}

// Scopes is the token's scopes: Scope split as Python's str.split() splits it.
func (t *AccessToken) Scopes() []string { return strings.FieldsFunc(t.Scope, pystr.IsSpace) }
