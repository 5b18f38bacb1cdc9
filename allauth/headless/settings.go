package headless

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"

	"github.com/djsession/djsession/restframework/simplejwt"
	"github.com/djsession/djsession/serializer"
)

// The token strategies of HEADLESS_TOKEN_STRATEGY.
const (
	// SessionTokenStrategy is allauth's default: the session token is the session key.
	SessionTokenStrategy = "allauth.headless.tokens.strategies.sessions.SessionTokenStrategy"
	// JWTTokenStrategy adds JWT access and refresh tokens.
	JWTTokenStrategy = "allauth.headless.tokens.strategies.jwt.JWTTokenStrategy"
)

// ErrSettings is returned for settings this package cannot use (an unknown strategy or
// algorithm, an unreadable key).
var ErrSettings = errors.New("headless: unusable settings")

// Settings is the site's HEADLESS_* settings, under allauth's names (Defaults gives
// allauth's defaults), and the SECRET_KEY they use.
type Settings struct {
	// SecretKey is SECRET_KEY: the key of the sid claim's cipher, and the HMAC key of
	// HS* tokens when JWTPrivateKey is empty.
	SecretKey string
	// TokenStrategy is HEADLESS_TOKEN_STRATEGY: SessionTokenStrategy (the default) or
	// JWTTokenStrategy.
	TokenStrategy string
	// JWTAlgorithm is HEADLESS_JWT_ALGORITHM: "RS256" (the default), "RS384", "RS512",
	// "HS256", "HS384" or "HS512".
	JWTAlgorithm string
	// JWTPrivateKey is HEADLESS_JWT_PRIVATE_KEY: the RSA private key in PEM (PKCS #8 or
	// PKCS #1) for RS*; for HS*, the secret (SecretKey when empty).
	JWTPrivateKey string
	// JWTAccessTokenExpiresIn and JWTRefreshTokenExpiresIn are
	// HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN (300) and HEADLESS_JWT_REFRESH_TOKEN_EXPIRES_IN
	// (86400), in seconds.
	JWTAccessTokenExpiresIn, JWTRefreshTokenExpiresIn int64
	// JWTAuthorizationHeaderScheme is HEADLESS_JWT_AUTHORIZATION_HEADER_SCHEME ("Bearer"):
	// the scheme of the Authorization header that carries access tokens.
	JWTAuthorizationHeaderScheme string
	// JWTStatefulValidationEnabled is HEADLESS_JWT_STATEFUL_VALIDATION_ENABLED (false):
	// an access token is only taken while its session lives and is logged in as the
	// token's user.
	JWTStatefulValidationEnabled bool
	// JWTRotateRefreshToken is HEADLESS_JWT_ROTATE_REFRESH_TOKEN (true): a refresh gives
	// a new refresh token and forgets the one used.
	JWTRotateRefreshToken bool
	// UnauthenticatedFlows are the ids of the flows an unauthenticated answer lists
	// (data.flows), as allauth lists them for the site's configuration: "login" and
	// "signup" by default (ACCOUNT_* and SOCIALACCOUNT_* settings, MFA and
	// LOGIN_BY_CODE_ENABLED add others). A "provider_redirect" or "provider_token" flow
	// (a social account's) needs its providers, which this package does not list.
	UnauthenticatedFlows []string
	// UserModelUsernameField is ACCOUNT_USER_MODEL_USERNAME_FIELD ("username"; "" for
	// None): serialized users carry their username unless it is "".
	UserModelUsernameField string
	// UserModelEmailField is ACCOUNT_USER_MODEL_EMAIL_FIELD ("email"; "" for None): a
	// user without a primary address in account_emailaddress is shown with this one.
	UserModelEmailField string

	// flowsErr (SettingsFromJSON) is why the flows cannot be listed.
	flowsErr error
}

// Defaults returns allauth's defaults, with secretKey as SECRET_KEY.
func Defaults(secretKey string) *Settings {
	return &Settings{
		SecretKey:                    secretKey,
		TokenStrategy:                SessionTokenStrategy,
		JWTAlgorithm:                 "RS256",
		JWTAccessTokenExpiresIn:      300,
		JWTRefreshTokenExpiresIn:     86400,
		JWTAuthorizationHeaderScheme: "Bearer",
		JWTRotateRefreshToken:        true,
		UnauthenticatedFlows:         []string{"login", "signup"},
		UserModelUsernameField:       "username",
		UserModelEmailField:          "email",
	}
}

// jwtConfig is allauth's JWTConfig: the PyJWT settings that sign and read the tokens,
// and the key ID of an RSA key.
type jwtConfig struct {
	jwt *simplejwt.Settings
	kid string
}

// jwtConfig is _get_jwt_config.
func (s *Settings) jwtConfig() (*jwtConfig, error) {
	key := s.JWTPrivateKey
	j := simplejwt.Defaults(s.SecretKey)
	j.Algorithm = s.JWTAlgorithm
	c := &jwtConfig{jwt: j}
	switch s.JWTAlgorithm {
	case "HS256", "HS384", "HS512":
		if key == "" {
			key = s.SecretKey
		}
		j.SigningKey, j.VerifyingKey = key, key
	case "RS256", "RS384", "RS512":
		priv, err := rsaPrivateKey(key)
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrSettings, err)
		}
		j.SigningKey = key
		j.VerifyingKey = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
		c.kid = jwkThumbprint(&priv.PublicKey)
	default:
		return nil, fmt.Errorf("%w: HEADLESS_JWT_ALGORITHM %q (allauth takes HS* and RS*)", ErrSettings, s.JWTAlgorithm)
	}
	return c, nil
}

// rsaPrivateKey is jwkkit.load_pem: an RSA private key in PEM, unencrypted.
func rsaPrivateKey(text string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, fmt.Errorf("%w: HEADLESS_JWT_PRIVATE_KEY is not a key in PEM", ErrSettings)
	}
	var k any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		err = fmt.Errorf("a %q block", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: HEADLESS_JWT_PRIVATE_KEY: %v", ErrSettings, err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: HEADLESS_JWT_PRIVATE_KEY is not an RSA key", ErrSettings)
	}
	return rk, nil
}

// jwkThumbprint is jwkkit.jwk_thumbprint of the key's JWK (RFC 7638): the SHA-256 of
// {"e":...,"kty":"RSA","n":...}, base64url without padding.
func jwkThumbprint(k *rsa.PublicKey) string {
	uint := func(n *big.Int) string {
		b := n.Bytes()
		if len(b) == 0 {
			b = []byte{0}
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	js := `{"e":"` + uint(big.NewInt(int64(k.E))) + `","kty":"RSA","n":"` + uint(k.N) + `"}`
	sum := sha256.Sum256([]byte(js))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// strOf is v's text when it is a str.
func strOf(d *serializer.Dict, key string) (string, bool) {
	v, ok := d.Get(key)
	if !ok {
		return "", false
	}
	return v.AsStr()
}
