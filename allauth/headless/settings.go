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
	"slices"

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

	// LoginMethods is ACCOUNT_LOGIN_METHODS: "username" (the default), "email" or both;
	// allauth's "phone" is not supported here (LoginView fails).
	LoginMethods []string
	// PreserveUsernameCasing is ACCOUNT_PRESERVE_USERNAME_CASING (true): usernames are
	// found case-insensitively (username__iexact) rather than stored lowercased.
	PreserveUsernameCasing bool
	// EmailVerification is ACCOUNT_EMAIL_VERIFICATION: "optional" (the default), "none"
	// or "mandatory" (a login by a user with no verified address then goes to
	// LoginView's fallback: allauth mails them).
	EmailVerification string
	// LoginByCodeRequired is ACCOUNT_LOGIN_BY_CODE_REQUIRED as it applies to password
	// logins (True, or "password" among the methods): LoginView then mails a login code
	// (Headless.Mailer; without one, every login goes to LoginView's fallback).
	LoginByCodeRequired bool
	// ReauthenticationMethods is ACCOUNT_REAUTHENTICATION_METHODS ("password", "code"
	// and "mfa"): ReauthenticateView answers a 403 without "password".
	ReauthenticationMethods []string
	// PasswordMinLength is ACCOUNT_PASSWORD_MIN_LENGTH (6), which allauth applies to new
	// passwords only when AUTH_PASSWORD_VALIDATORS is empty: 0 otherwise
	// (SettingsFromJSON sees to it).
	PasswordMinLength int
	// LogoutOnPasswordChange is ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE (false): a password
	// change logs the session out rather than keeping it logged in.
	LogoutOnPasswordChange bool
	// LoginOnPasswordReset is ACCOUNT_LOGIN_ON_PASSWORD_RESET (false): a password reset
	// by key logs the session in (ResetPasswordView).
	LoginOnPasswordReset bool
	// LoginOnEmailConfirmation is ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION (false): a login
	// waiting for its address's verification goes on once the key is taken
	// (VerifyEmailView), else it is dropped; EmailConfirmationHMAC is
	// ACCOUNT_EMAIL_CONFIRMATION_HMAC (true: keys are signed; false: rows of the
	// EmailConfirmation table, which needs Emails to be a ConfirmationTable),
	// EmailConfirmationExpireDays ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS (3) and
	// AccountSalt ACCOUNT_SALT ("account"), the keys' salt.
	LoginOnEmailConfirmation, EmailConfirmationHMAC bool
	EmailConfirmationExpireDays                     int
	AccountSalt                                     string
	// ReauthenticationRequired is ACCOUNT_REAUTHENTICATION_REQUIRED (false): a user
	// without a usable password must have reauthenticated lately to set one
	// (ChangePasswordView hands such a request to its fallback).
	ReauthenticationRequired bool
	// MFAEnabled is whether allauth.mfa is installed: a login by a user with a TOTP or
	// WebAuthn authenticator (mfa_authenticator) then waits for the second factor
	// (allauth's mfa_authenticate stage: MFAAuthenticateView).
	MFAEnabled bool
	// LoginTimeout is ACCOUNT_LOGIN_TIMEOUT (900): the seconds a login may wait for a
	// stage before it is forgotten.
	LoginTimeout float64
	// TOTPPeriod, TOTPDigits and TOTPTolerance are MFA_TOTP_PERIOD (30),
	// MFA_TOTP_DIGITS (6) and MFA_TOTP_TOLERANCE (0): a TOTP code is taken for the
	// periods from TOTPTolerance before the current one to TOTPTolerance after it.
	TOTPPeriod, TOTPDigits, TOTPTolerance int
	// RecoveryCodeCount and RecoveryCodeDigits are MFA_RECOVERY_CODE_COUNT (10) and
	// MFA_RECOVERY_CODE_DIGITS (8).
	RecoveryCodeCount, RecoveryCodeDigits int
	// MFATrustEnabled, LoginByCodeTrustEnabled and PasskeySignupEnabled are
	// MFA_TRUST_ENABLED, ACCOUNT_LOGIN_BY_CODE_TRUST_ENABLED and
	// MFA_PASSKEY_SIGNUP_ENABLED (false): stages this package does not run, so that a
	// login waiting for a second factor goes to LoginView's fallback when one is set.
	MFATrustEnabled, LoginByCodeTrustEnabled, PasskeySignupEnabled bool
	// ReauthenticationTimeout is ACCOUNT_REAUTHENTICATION_TIMEOUT (300): the seconds a
	// reauthentication counts as recent; LoginByCodeTimeout ACCOUNT_LOGIN_BY_CODE_TIMEOUT
	// (180): those a code sent (for a reauthentication) stays pending.
	ReauthenticationTimeout, LoginByCodeTimeout float64
	// MFAReauthenticationRequired is MFA_REAUTHENTICATION_REQUIRED (true): the
	// recovery codes are shown and made anew only after a recent reauthentication.
	MFAReauthenticationRequired bool
	// RecoveryCodesShowOnce is MFA_RECOVERY_CODES_SHOW_ONCE (false): the recovery codes
	// are shown the first time only.
	RecoveryCodesShowOnce bool
	// LoginByCodeMaxAttempts is ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS (3): the wrong codes
	// that drop a login waiting for its code; LoginByCodeMaxResendCount the new codes
	// it may ask for (ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND: 0 for False, the default, 2
	// for True, else the number).
	LoginByCodeMaxAttempts, LoginByCodeMaxResendCount int
	// LoginByCodeFormat is ACCOUNT_LOGIN_BY_CODE_FORMAT (ALLAUTH_USER_CODE_FORMAT's
	// default: 8 letters, dashed).
	LoginByCodeFormat UserCodeFormat
	// PasswordResetByCodeMaxAttempts is ACCOUNT_PASSWORD_RESET_BY_CODE_MAX_ATTEMPTS (3),
	// PasswordResetByCodeTimeout ACCOUNT_PASSWORD_RESET_BY_CODE_TIMEOUT (180 seconds) and
	// PasswordResetByCodeFormat ACCOUNT_PASSWORD_RESET_BY_CODE_CODE_FORMAT (as allauth
	// names it; ALLAUTH_USER_CODE_FORMAT's default), for the password reset by code
	// (PasswordResetByCodeEnabled).
	PasswordResetByCodeMaxAttempts int
	PasswordResetByCodeTimeout     float64
	PasswordResetByCodeFormat      UserCodeFormat
	// EmailVerificationByCodeMaxAttempts is ACCOUNT_EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS
	// (3), EmailVerificationByCodeTimeout ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT (900
	// seconds), EmailVerificationByCodeFormat ACCOUNT_EMAIL_VERIFICATION_BY_CODE_FORMAT
	// (ALLAUTH_USER_CODE_FORMAT's default) and EmailVerificationMaxResendCount the new
	// codes a verification may ask for (ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND: 0 for
	// False, the default, 2 for True, else the number), for the verification by code
	// (EmailVerificationByCodeEnabled).
	EmailVerificationByCodeMaxAttempts int
	EmailVerificationByCodeTimeout     float64
	EmailVerificationByCodeFormat      UserCodeFormat
	EmailVerificationMaxResendCount    int
	// EmailVerificationMaxChangeCount is the changes of address a verification by code
	// at a signup's stage may make (ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_CHANGE: 0 for
	// False, the default, 2 for True, else the number), through ManageEmailView.
	EmailVerificationMaxChangeCount int
	// MaxEmailAddresses is ACCOUNT_MAX_EMAIL_ADDRESSES (0 for None, the default): the
	// addresses a user may have, as ManageEmailView adds them (without ChangeEmail).
	MaxEmailAddresses int
	// PreventEnumeration is ACCOUNT_PREVENT_ENUMERATION's truth (true; "strict" is true
	// too): a login code asked for an address of no user is answered as for a user's;
	// PreventEnumerationStrict is its "strict" (a signup may take another account's
	// address).
	PreventEnumeration, PreventEnumerationStrict bool
	// SignupFields is ACCOUNT_SIGNUP_FIELDS (by default, from the older settings:
	// "email", "username*", "password1*", "password2*"); UsernameMinLength
	// ACCOUNT_USERNAME_MIN_LENGTH (1), UsernameMaxLength the user model's username
	// max_length (150), UsernameBlacklist ACCOUNT_USERNAME_BLACKLIST, as SignupView
	// validates them.
	SignupFields                         []SignupField
	UsernameMinLength, UsernameMaxLength int
	UsernameBlacklist                    []string
	// EmailUnknownAccounts is ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS (true): such an address is
	// mailed "account/email/unknown_account".
	EmailUnknownAccounts bool
	// UniqueEmail is ACCOUNT_UNIQUE_EMAIL (true) and ChangeEmail ACCOUNT_CHANGE_EMAIL
	// (false), as a login by code verifies its address (ConfirmLoginCodeView hands an
	// address to verify to its fallback with ChangeEmail).
	UniqueEmail, ChangeEmail bool
	// FrontendURLs is HEADLESS_FRONTEND_URLS: the unknown account's mail carries
	// "account_signup" (required for that mail, as on a HEADLESS_ONLY site).
	FrontendURLs map[string]string
	// SocialAccountOnly is SOCIALACCOUNT_ONLY (false), and EmailNotifications
	// ACCOUNT_EMAIL_NOTIFICATIONS (false): the views mail allauth's notifications
	// through Headless.Mailer (without one, those that would send one hand such
	// requests on).
	SocialAccountOnly, EmailNotifications bool
	// TOTPIssuer is MFA_TOTP_ISSUER ("": the current Site's name, else the request's
	// host), and MFAAllowUnverifiedEmail MFA_ALLOW_UNVERIFIED_EMAIL (false: a user with
	// an unverified address may not add an authenticator).
	TOTPIssuer              string
	MFAAllowUnverifiedEmail bool
	// MFAAdapter is MFA_ADAPTER ("" for allauth's DefaultMFAAdapter, which keeps the
	// authenticators' secrets as they are): an adapter of the project's own, which may
	// encrypt them, needs Headless.MFADecrypt.
	MFAAdapter string
	// SignupEnabled, EmailVerificationByCodeEnabled, LoginByCodeEnabled and
	// PasswordResetByCodeEnabled are ACCOUNT_SIGNUP_ENABLED (true) and
	// ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED, ACCOUNT_LOGIN_BY_CODE_ENABLED and
	// ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED (false), as ConfigView tells them
	// (LoginByCodeEnabled also opens RequestLoginCodeView and ResendLoginCodeView, as
	// allauth routes them).
	SignupEnabled, EmailVerificationByCodeEnabled, LoginByCodeEnabled, PasswordResetByCodeEnabled bool
	// MFASupportedTypes is MFA_SUPPORTED_TYPES (recovery_codes and totp) and
	// PasskeyLoginEnabled MFA_PASSKEY_LOGIN_ENABLED with "webauthn" among them, as
	// ConfigView tells them with MFAEnabled.
	MFASupportedTypes   []string
	PasskeyLoginEnabled bool
	// UserSessionsEnabled is whether allauth.usersessions is installed, and
	// UserSessionsTrackActivity USERSESSIONS_TRACK_ACTIVITY (false), as ConfigView tells
	// them.
	UserSessionsEnabled, UserSessionsTrackActivity bool
	// SitesInstalled is whether django.contrib.sites is installed: the failed logins'
	// rate limit is then keyed by the current Site's domain, which LoginView needs as
	// Headless.SiteDomain (SiteDomain reads it from django_site).
	SitesInstalled bool
	// SiteID is SITE_ID (0 when unset): the current Site.
	SiteID int64
	// RateLimits is ACCOUNT_RATE_LIMITS over allauth's defaults (DefaultRateLimits;
	// empty for False): LoginView counts "login" and "login_failed".
	RateLimits map[string]string
	// TrustedProxyCount is ALLAUTH_TRUSTED_PROXY_COUNT (0): the client of a rate limit is
	// the n-th address from the end of X-Forwarded-For.
	TrustedProxyCount int
	// TrustedClientIPHeader is ALLAUTH_TRUSTED_CLIENT_IP_HEADER ("" for None): the header
	// that names the client, when set.
	TrustedClientIPHeader string
	// RateLimitIPv6Prefix is ALLAUTH_RATE_LIMIT_IPV6_PREFIX (64): IPv6 clients are
	// counted by their network of this length.
	RateLimitIPv6Prefix int

	// flowsErr (SettingsFromJSON) is why the flows cannot be listed; loginErr why
	// LoginView cannot follow the site's login; passwordErr why ChangePasswordView
	// cannot follow its password changes.
	flowsErr, loginErr, passwordErr error
	// signupErr (SettingsFromJSON) is why SignupView hands every signup on (an
	// ErrLoginStage: a form, a honeypot or username validators of the project's own).
	signupErr error
	// resetErr (SettingsFromJSON) is why the password reset views cannot follow the
	// site's (a token generator of its own).
	resetErr error
	// mfaErr (SettingsFromJSON) is why the second-factor views cannot follow allauth.mfa.
	mfaErr error
	// loginByCodeMethods (SettingsFromJSON) are the methods of
	// ACCOUNT_LOGIN_BY_CODE_REQUIRED when it is a set (nil when it is a bool:
	// LoginByCodeRequired).
	loginByCodeMethods []string
	// configErr (SettingsFromJSON) is why ConfigView cannot tell the configuration.
	configErr error
}

// DefaultRateLimits returns allauth's ACCOUNT_RATE_LIMITS defaults (with the default
// ACCOUNT_LOGIN_ATTEMPTS_LIMIT, ACCOUNT_LOGIN_ATTEMPTS_TIMEOUT and
// ACCOUNT_EMAIL_CONFIRMATION_COOLDOWN).
func DefaultRateLimits() map[string]string {
	return map[string]string{
		"change_password":         "5/m/user",
		"change_phone":            "1/m/user",
		"manage_email":            "10/m/user",
		"reset_password":          "20/m/ip,5/m/key",
		"reauthenticate":          "10/m/user",
		"reset_password_from_key": "20/m/ip",
		"signup":                  "20/m/ip",
		"login":                   "30/m/ip",
		"request_login_code":      "20/m/ip,3/m/key",
		"login_failed":            "10/m/ip,5/300s/key",
		"confirm_email":           "1/180s/key",
		"verify_phone":            "1/30s/key,3/m/ip",
	}
}

// Defaults returns allauth's defaults, with secretKey as SECRET_KEY.
func Defaults(secretKey string) *Settings {
	return &Settings{
		SecretKey:                          secretKey,
		TokenStrategy:                      SessionTokenStrategy,
		JWTAlgorithm:                       "RS256",
		JWTAccessTokenExpiresIn:            300,
		JWTRefreshTokenExpiresIn:           86400,
		JWTAuthorizationHeaderScheme:       "Bearer",
		JWTRotateRefreshToken:              true,
		UnauthenticatedFlows:               []string{"login", "signup"},
		UserModelUsernameField:             "username",
		UserModelEmailField:                "email",
		LoginMethods:                       []string{"username"},
		PreserveUsernameCasing:             true,
		EmailVerification:                  "optional",
		ReauthenticationMethods:            []string{"password", "code", "mfa"},
		PasswordMinLength:                  6,
		SignupEnabled:                      true,
		MFASupportedTypes:                  []string{"recovery_codes", "totp"},
		LoginTimeout:                       900,
		ReauthenticationTimeout:            300,
		LoginByCodeTimeout:                 180,
		LoginByCodeMaxAttempts:             3,
		LoginByCodeFormat:                  UserCodeFormat{Dashed: true},
		PasswordResetByCodeFormat:          UserCodeFormat{Dashed: true},
		EmailVerificationByCodeFormat:      UserCodeFormat{Dashed: true},
		EmailVerificationByCodeTimeout:     900,
		EmailVerificationByCodeMaxAttempts: 3,
		EmailConfirmationHMAC:              true,
		EmailConfirmationExpireDays:        3,
		AccountSalt:                        "account",
		PasswordResetByCodeTimeout:         180,
		PasswordResetByCodeMaxAttempts:     3,
		PreventEnumeration:                 true,
		SignupFields: []SignupField{{Name: "email"}, {Name: "username", Required: true}, {Name: "password1", Required: true},
			{Name: "password2", Required: true}},
		UsernameMinLength:           1,
		UsernameMaxLength:           150,
		EmailUnknownAccounts:        true,
		UniqueEmail:                 true,
		MFAReauthenticationRequired: true,
		TOTPPeriod:                  30,
		TOTPDigits:                  6,
		RecoveryCodeCount:           10,
		RecoveryCodeDigits:          8,
		RateLimits:                  DefaultRateLimits(),
		RateLimitIPv6Prefix:         64,
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

// loginByCodeRequired is the adapter's is_login_by_code_required for a login whose last
// authentication record is of method.
func (s *Settings) loginByCodeRequired(method string) bool {
	if method == "code" {
		return false
	}
	if s.loginByCodeMethods == nil {
		return s.LoginByCodeRequired
	}
	if method == "" { // (no authentication recorded: `method is None or ...`)
		return len(s.loginByCodeMethods) > 0
	}
	return slices.Contains(s.loginByCodeMethods, method)
}
