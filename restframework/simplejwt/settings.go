package simplejwt

import (
	"errors"
	"fmt"
	"time"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/serializer"
)

// Settings is the SIMPLE_JWT setting of the Django site, with simplejwt's names; Defaults
// gives simplejwt's defaults. The settings not here are simplejwt's defaults, which this
// package follows: JSON_ENCODER is Python's, no JWK_URL, and the classes (serializers,
// TOKEN_USER_CLASS, USER_AUTHENTICATION_RULE) are simplejwt's own. SettingsFromJSON reads
// the SIMPLE_JWT of a project (exported by scripts/export_settings.py).
type Settings struct {
	// AccessTokenLifetime, RefreshTokenLifetime, SlidingTokenLifetime and
	// SlidingTokenRefreshLifetime are ACCESS_TOKEN_LIFETIME (5 minutes),
	// REFRESH_TOKEN_LIFETIME (1 day), SLIDING_TOKEN_LIFETIME (5 minutes) and
	// SLIDING_TOKEN_REFRESH_LIFETIME (1 day).
	AccessTokenLifetime, RefreshTokenLifetime         time.Duration
	SlidingTokenLifetime, SlidingTokenRefreshLifetime time.Duration
	// RotateRefreshTokens is ROTATE_REFRESH_TOKENS: TokenRefreshView also answers a new
	// refresh token.
	RotateRefreshTokens bool
	// BlacklistAfterRotation is BLACKLIST_AFTER_ROTATION: a rotated refresh token is
	// blacklisted (with a Blacklist).
	BlacklistAfterRotation bool
	// UpdateLastLogin is UPDATE_LAST_LOGIN: the token obtain views record the login
	// (user.last_login), when the user source can (auth.LastLoginUpdater).
	UpdateLastLogin bool
	// Algorithm is ALGORITHM: "HS256" (the default), "HS384" or "HS512"; or, with keys in
	// PEM (or, for a public key, in OpenSSH's format), "RS256", "RS384", "RS512",
	// "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "ES521" or "EdDSA"
	// (Ed25519); simplejwt 5.3 knows neither PS*, EdDSA nor ES521.
	Algorithm string
	// SigningKey is SIGNING_KEY, whose default is the site's SECRET_KEY: the HMAC secret,
	// or the private key in PEM (PKCS #8, PKCS #1 or SEC 1) that signs the tokens made
	// (none is needed to read tokens).
	SigningKey string
	// VerifyingKey is VERIFYING_KEY: for the other algorithms than HMAC, the public key in
	// PEM (PKIX or PKCS #1) that checks the tokens read.
	VerifyingKey string
	// Audience is AUDIENCE: None (the default), a str or a list of strs, written into
	// the tokens made ("aud") and required of the tokens read.
	Audience serializer.Value
	// Issuer is ISSUER ("" for None, so an ISSUER of "" is not supported): written into
	// the tokens made ("iss") and required of the tokens read.
	Issuer string
	// Leeway is LEEWAY: how long past their expiry tokens are still taken.
	Leeway time.Duration
	// AuthHeaderTypes is AUTH_HEADER_TYPES (["Bearer"]): the schemes of the
	// Authorization header JWTAuthentication takes, the first one named in
	// WWW-Authenticate.
	AuthHeaderTypes []string
	// AuthTokenTypes is AUTH_TOKEN_CLASSES: the types of the tokens JWTAuthentication
	// takes, tried in order (nil: simplejwt's default, Access).
	AuthTokenTypes []string
	// AuthHeaderName is AUTH_HEADER_NAME, as a META key ("HTTP_AUTHORIZATION").
	AuthHeaderName string
	// UserIDField is USER_ID_FIELD ("id"): this package finds users by primary key, so
	// only "id" and "pk" (or another name of the primary key) are supported.
	UserIDField string
	// PK is the type of the user model's primary key (auth.Config.PK), which decides how
	// a token's user id is read, and, with Version "5.3", written.
	PK auth.PKType
	// UserIDClaim, TokenTypeClaim and JTIClaim are USER_ID_CLAIM ("user_id"),
	// TOKEN_TYPE_CLAIM ("token_type") and JTI_CLAIM ("jti").
	UserIDClaim, TokenTypeClaim, JTIClaim string
	// SlidingTokenRefreshExpClaim is SLIDING_TOKEN_REFRESH_EXP_CLAIM ("refresh_exp").
	SlidingTokenRefreshExpClaim string
	// CheckRevokeToken is CHECK_REVOKE_TOKEN: tokens carry a hash of the user's password
	// (RevokeTokenClaim, REVOKE_TOKEN_CLAIM: "hash_password"), and a password change
	// revokes them.
	CheckRevokeToken bool
	RevokeTokenClaim string
	// CheckUserIsActive is CHECK_USER_IS_ACTIVE (true; simplejwt 5.4 and later): the
	// tokens of inactive users are refused.
	CheckUserIsActive bool

	// DjangoVersion is the version of Django the site runs ("4.2"; "" for the newest).
	// From Django 5.0 on, a user id beyond the primary key's range finds nobody; before,
	// it is a server error (as on SQLite).
	DjangoVersion string
	// Version is the simplejwt release the Django site runs: "5.3" (the newest for
	// Django 3.2), or "" for 5.4 and later. 5.3 says "Token is invalid or expired" for
	// every token its backend refuses, writes an integer primary key into user_id as an
	// int (later releases write a str), copies a refresh token's iat into the access
	// tokens made from it, always refuses inactive users, and does not check a refresh
	// token's user.
	Version string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Defaults returns simplejwt's defaults (its DEFAULTS) for a site whose SECRET_KEY is
// secretKey.
func Defaults(secretKey string) *Settings {
	return &Settings{
		AccessTokenLifetime:         5 * time.Minute,
		RefreshTokenLifetime:        24 * time.Hour,
		SlidingTokenLifetime:        5 * time.Minute,
		SlidingTokenRefreshLifetime: 24 * time.Hour,
		Algorithm:                   "HS256",
		SigningKey:                  secretKey,
		AuthHeaderTypes:             []string{"Bearer"},
		AuthHeaderName:              "HTTP_AUTHORIZATION",
		UserIDField:                 "id",
		UserIDClaim:                 "user_id",
		TokenTypeClaim:              "token_type",
		JTIClaim:                    "jti",
		SlidingTokenRefreshExpClaim: "refresh_exp",
		RevokeTokenClaim:            "hash_password",
		CheckUserIsActive:           true,
	}
}

// ErrSettings reports settings this package cannot work with.
var ErrSettings = errors.New("simplejwt: unusable settings")

// check reports settings that simplejwt (or this package) refuses.
func (s *Settings) check() error {
	a, ok := algorithms[s.Algorithm]
	if !ok {
		return fmt.Errorf("%w: ALGORITHM %q (this package has HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, ES521 and EdDSA)", ErrSettings, s.Algorithm)
	}
	if s.v53() && (a.kind == rsaPSSAlg || a.kind == ed25519Alg || s.Algorithm == "ES521") {
		return fmt.Errorf("%w: ALGORITHM %q, which simplejwt 5.3 does not know", ErrSettings, s.Algorithm)
	}
	if a.kind == hmacAlg && s.SigningKey == "" {
		return fmt.Errorf("%w: an empty SIGNING_KEY (PyJWT refuses an empty HMAC key)", ErrSettings)
	}
	if a.kind == hmacAlg && asymmetricKey(s.SigningKey) {
		return fmt.Errorf("%w: a SIGNING_KEY that looks like a PEM, SSH or JWK key, which PyJWT refuses as an HMAC secret", ErrSettings)
	}
	for _, t := range s.AuthHeaderTypes {
		if _, ok := latin1(t); !ok {
			return fmt.Errorf("%w: AUTH_HEADER_TYPES %q is not latin-1", ErrSettings, t)
		}
	}
	if s.UserIDClaim == "" || s.TokenTypeClaim == "" || s.JTIClaim == "" {
		return fmt.Errorf("%w: USER_ID_CLAIM, TOKEN_TYPE_CLAIM and JTI_CLAIM must be set", ErrSettings)
	}
	switch s.Audience.Kind() {
	case serializer.KindNone, serializer.KindStr:
	case serializer.KindList:
		for _, a := range s.Audience.Items() {
			if a.Kind() != serializer.KindStr {
				return fmt.Errorf("%w: AUDIENCE must be a str or a list of strs", ErrSettings)
			}
		}
	default:
		return fmt.Errorf("%w: AUDIENCE must be a str or a list of strs", ErrSettings)
	}
	return nil
}

func (s *Settings) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// v53 reports whether the site runs simplejwt 5.3.
func (s *Settings) v53() bool { return s.Version == "5.3" }

// lifetime is the lifetime of tokens of type typ, false for an unknown type.
func (s *Settings) lifetime(typ string) (time.Duration, bool) {
	switch typ {
	case Access:
		return s.AccessTokenLifetime, true
	case Refresh:
		return s.RefreshTokenLifetime, true
	case Sliding:
		return s.SlidingTokenLifetime, true
	case Untyped:
		return 0, true
	}
	return 0, false
}
