package compat_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/djsession/djsession/allauth/headless"
	"github.com/djsession/djsession/caches/dbcache"
	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/engines/db/sqlite"
	"github.com/djsession/djsession/restframework"
	"github.com/djsession/djsession/serializer"
)

// allauthConfig is a site configuration of scripts/allauth_oracle.py: its HEADLESS_*
// settings (without the prefix; JWT_PRIVATE_KEY added).
type allauthConfig struct {
	name     string
	headless map[string]any
	django   map[string]any
}

var allauthConfigs = []allauthConfig{
	{name: "jwt", headless: map[string]any{"TOKEN_STRATEGY": headless.JWTTokenStrategy}},
	// (signups mailing the optional verification)
	{name: "session", headless: map[string]any{}, django: map[string]any{"ACCOUNT_EMAIL_VERIFICATION": "optional"}},
	{name: "jwt-hs-stateful", headless: map[string]any{"TOKEN_STRATEGY": headless.JWTTokenStrategy,
		"JWT_ALGORITHM": "HS256", "JWT_STATEFUL_VALIDATION_ENABLED": true, "JWT_ROTATE_REFRESH_TOKEN": false,
		"JWT_AUTHORIZATION_HEADER_SCHEME": "JWT"}, django: map[string]any{"ACCOUNT_LOGIN_ON_PASSWORD_RESET": true,
		"ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED": true}},
	// (a first password set only after a reauthentication, recovery codes shown once, a
	// login code after every password)
	{name: "reauth", headless: map[string]any{}, django: map[string]any{"ACCOUNT_REAUTHENTICATION_REQUIRED": true,
		"MFA_RECOVERY_CODES_SHOW_ONCE": true, "ACCOUNT_LOGIN_BY_CODE_REQUIRED": true, "ACCOUNT_LOGIN_ON_PASSWORD_RESET": true}},
	// (naive datetimes; recovery codes without a reauthentication; a login after a
	// password reset; notifications mailed; logins that wait for their address's
	// verification)
	{name: "naive", headless: map[string]any{}, django: map[string]any{"USE_TZ": false, "TIME_ZONE": "UTC",
		"MFA_REAUTHENTICATION_REQUIRED": false, "ACCOUNT_LOGIN_ON_PASSWORD_RESET": true, "ACCOUNT_EMAIL_NOTIFICATIONS": true,
		"ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION": true, "ACCOUNT_EMAIL_VERIFICATION": "mandatory"}},
	// (the keys of the EmailConfirmation table, mailed at logins that wait for them)
	// (and signups that ask for the address twice)
	{name: "table", headless: map[string]any{}, django: map[string]any{"ACCOUNT_EMAIL_VERIFICATION": "mandatory",
		"ACCOUNT_EMAIL_CONFIRMATION_HMAC": false, "ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION": true,
		"ACCOUNT_SIGNUP_FIELDS": []any{"email*", "email2", "username*", "password1*"}, "ACCOUNT_MAX_EMAIL_ADDRESSES": 3}},
	// (logins that wait for their address's verification by code, after a password
	// reset too; the codes' rate counted over the whole run, whatever its speed)
	// (addresses changed rather than added, the change notified)
	// (and signups without a username field: usernames made up; the logins and the
	// requests of the sessions, JWTs' too, recorded by allauth.usersessions)
	{name: "change", headless: map[string]any{"TOKEN_STRATEGY": headless.JWTTokenStrategy}, django: map[string]any{"ACCOUNT_CHANGE_EMAIL": true,
		"ACCOUNT_EMAIL_NOTIFICATIONS": true, "ACCOUNT_EMAIL_VERIFICATION": "optional",
		"ACCOUNT_SIGNUP_FIELDS": []any{"email*", "password1*"}, "USERSESSIONS": true, "USERSESSIONS_TRACK_ACTIVITY": true}},
	{name: "bycode", headless: map[string]any{}, django: map[string]any{"ACCOUNT_EMAIL_VERIFICATION": "mandatory",
		"ACCOUNT_LOGIN_ON_PASSWORD_RESET":            true,
		"ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED": true, "ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND": true,
		"ACCOUNT_RATE_LIMITS": map[string]any{"confirm_email": "3/180s/key"}, "ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_CHANGE": true}},
}

// allauthBackend is allauth's authentication backend.
const allauthBackend = "allauth.account.auth_backends.AuthenticationBackend"

// allauthSetup is what allauth_oracle.py's setup prints.
type allauthSetup struct {
	Tokens          map[string]string
	Steps           []jwtStep
	Allauth         string
	DRF             string
	Python          string
	CommonPasswords string `json:"common_passwords"`
}

// allauthAnswer is what allauth_oracle.py's run reports of an answer.
type allauthAnswer struct {
	jwtAnswer
	CacheControl *string `json:"cache_control"`
	// Mails are the mails sent: [template prefix, recipient, context].
	Mails [][]any
}

// allauthLoginCode is a login code of allauth's default format.
var allauthLoginCode = regexp.MustCompile(`^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$`)

// allauthISOTime is a time's isoformat(), but for its offset.
var allauthISOTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?`)

// allauthResetToken is the token of a password reset key ("<base 36 time>-<32 hex
// digits>"), whose time is the second of its making.
var allauthResetToken = regexp.MustCompile(`[0-9a-z]+-[0-9a-f]{32}\b`)

// mailedKeys are the password reset keys of mails, and the mails with their tokens
// made "T".
func mailedKeys(mails [][]any) []string {
	var keys []string
	for _, m := range mails {
		if len(m) != 3 {
			continue
		}
		ctx, _ := m[2].(map[string]any)
		uid, isReset := ctx["uid"].(string)
		token, ok := ctx["key"].(string)
		if !ok || !isReset {
			continue
		}
		keys = append(keys, uid+"-"+token)
		m[2] = replaceInContext(ctx, allauthResetToken, "T")
	}
	return keys
}

// replaceInContext is a copy of a mail's context with re replaced by repl in its strings.
func replaceInContext(ctx map[string]any, re *regexp.Regexp, repl string) map[string]any {
	ctx = maps.Clone(ctx)
	for k, v := range ctx {
		if s, ok := v.(string); ok {
			ctx[k] = re.ReplaceAllString(s, repl)
		}
	}
	return ctx
}

// allauthConfirmationKey is an email verification key (EmailConfirmationHMAC's:
// signing.dumps of the address's id), whose time and signature are those of its making,
// alone or quoted in a link.
var allauthConfirmationKey = regexp.MustCompile(`\b([\w-]+)(:|%3A)[0-9A-Za-z]+(:|%3A)[\w-]{43}\b`)

// allauthTableKey is an email verification key of the EmailConfirmation table (random).
var allauthTableKey = regexp.MustCompile(`\b[0-9a-z]{64}\b`)

// lastConfirmationKey is the key of the last of mails that is an email verification's
// ("" for none), and mails with the keys' times and signatures made "T".
func lastConfirmationKey(mails [][]any) string {
	key := ""
	for _, m := range mails {
		if len(m) != 3 {
			continue
		}
		ctx, _ := m[2].(map[string]any)
		if _, ok := ctx["activate_url"]; !ok {
			continue
		}
		key, _ = ctx["key"].(string)
		m[2] = replaceInContext(replaceInContext(ctx, allauthConfirmationKey, "${1}${2}T"), allauthTableKey, "T")
	}
	return key
}

// lastCode is the code of the last of mails that has one ("" for none), and mails with
// the codes of allauth's format made "C" (random on either side).
func lastCode(mails [][]any) string {
	code := ""
	for _, m := range mails {
		if len(m) != 3 {
			continue
		}
		ctx, _ := m[2].(map[string]any)
		if c, ok := ctx["code"].(string); ok {
			code = c
			if allauthLoginCode.MatchString(c) {
				ctx = maps.Clone(ctx)
				ctx["code"] = "C"
				m[2] = ctx
			}
		}
	}
	return code
}

func allauthOracle(t *testing.T, series, dbPath string, c allauthConfig, stdin, out any, command string) {
	t.Helper()
	allauthOracleOn(t, series, map[string]any{"ENGINE": "django.db.backends.sqlite3", "NAME": dbPath}, c, stdin, out, command)
}

// allauthOracleOn runs allauth_oracle.py's command on the database of Django's
// DATABASES entry djdb.
func allauthOracleOn(t *testing.T, series string, djdb map[string]any, c allauthConfig, stdin, out any, command string) {
	t.Helper()
	dbj, _ := json.Marshal(djdb)
	conf, _ := json.Marshal(map[string]any{"headless": c.headless, "django": c.django})
	in := ""
	if stdin != nil {
		b, _ := json.Marshal(stdin)
		in = string(b)
	}
	runScriptJSON(t, series, "", in, out, "allauth_oracle.py", string(dbj), string(conf), command)
}

// allauthSettings is c's HEADLESS_* settings in Go.
func allauthSettings(c allauthConfig, secretKey string) *headless.Settings {
	s := headless.Defaults(secretKey)
	for k, v := range c.headless {
		switch k {
		case "TOKEN_STRATEGY":
			s.TokenStrategy = v.(string)
		case "JWT_ALGORITHM":
			s.JWTAlgorithm = v.(string)
		case "JWT_PRIVATE_KEY":
			s.JWTPrivateKey = v.(string)
		case "JWT_STATEFUL_VALIDATION_ENABLED":
			s.JWTStatefulValidationEnabled = v.(bool)
		case "JWT_ROTATE_REFRESH_TOKEN":
			s.JWTRotateRefreshToken = v.(bool)
		case "JWT_AUTHORIZATION_HEADER_SCHEME":
			s.JWTAuthorizationHeaderScheme = v.(string)
		}
	}
	return s
}

// rsaPEM is a new 2048-bit RSA key in PKCS #8 PEM.
func rsaPEM(t *testing.T) string {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// allauthSite is allauth_oracle.py's site in Go on the SQLite database at path.
func allauthSite(t *testing.T, djangoVersion string, setup allauthSetup, c allauthConfig, path string, fallback http.Handler) (http.Handler, *headless.Headless) {
	adb := sqliteAuthDB(t, path)
	site, cfg := oracleSiteOn(t, djangoVersion, adb, c.django)
	cfg.AuthenticationBackends = []string{auth.ModelBackend, allauthBackend}
	cache, err := dbcache.New(db.SQLConn(adb.db), sqlite.Dialect{}, dbcache.Options{Table: "allauth_cache", MaxEntries: 5000})
	if err != nil {
		t.Fatal(err)
	}
	hs := allauthSettings(c, site.settings.SecretKey)
	// (the oracle's login settings)
	hs.LoginMethods, hs.EmailVerification, hs.TrustedProxyCount = []string{"email", "username"}, "none", 1
	hs.RateLimits["login"], hs.RateLimits["login_failed"] = "12/m/ip", "6/m/ip,3/5m/key"
	hs.RateLimits["reauthenticate"], hs.RateLimits["change_password"] = "8/m/user", "9/m/user"
	hs.RateLimits["reset_password"], hs.RateLimits["reset_password_from_key"] = "20/m/ip,3/m/key", "6/m/ip"
	hs.PasswordMinLength = 0 // (AUTH_PASSWORD_VALIDATORS are the project's)
	hs.SitesInstalled, hs.SiteID = true, 1
	hs.MFAEnabled, hs.TOTPTolerance = true, 20 // (allauth.mfa, MFA_TOTP_TOLERANCE)
	// (ACCOUNT_LOGIN_BY_CODE_ENABLED, ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND, HEADLESS_FRONTEND_URLS)
	hs.LoginByCodeEnabled, hs.LoginByCodeMaxResendCount = true, 2
	hs.UnauthenticatedFlows = []string{"login", "login_by_code", "signup"}
	hs.FrontendURLs = map[string]string{"account_signup": "https://app.example.org/signup",
		"account_reset_password_from_key": "/password/reset?k={key}", "account_confirm_email": "/account/verify/{key}"}
	if v, ok := c.django["ACCOUNT_EMAIL_VERIFICATION"].(string); ok {
		hs.EmailVerification = v
	}
	hs.LoginOnPasswordReset, _ = c.django["ACCOUNT_LOGIN_ON_PASSWORD_RESET"].(bool)
	hs.PasswordResetByCodeEnabled, _ = c.django["ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED"].(bool)
	hs.EmailNotifications, _ = c.django["ACCOUNT_EMAIL_NOTIFICATIONS"].(bool)
	hs.ChangeEmail, _ = c.django["ACCOUNT_CHANGE_EMAIL"].(bool)
	hs.UserSessionsEnabled, _ = c.django["USERSESSIONS"].(bool)
	hs.UserSessionsTrackActivity, _ = c.django["USERSESSIONS_TRACK_ACTIVITY"].(bool)
	hs.LoginOnEmailConfirmation, _ = c.django["ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION"].(bool)
	hs.EmailVerificationByCodeEnabled, _ = c.django["ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED"].(bool)
	if v, ok := c.django["ACCOUNT_EMAIL_CONFIRMATION_HMAC"].(bool); ok {
		hs.EmailConfirmationHMAC = v
	}
	if v, ok := c.django["ACCOUNT_SIGNUP_FIELDS"].([]any); ok {
		hs.SignupFields = nil
		for _, f := range v {
			name, required := strings.CutSuffix(f.(string), "*")
			hs.SignupFields = append(hs.SignupFields, headless.SignupField{Name: name, Required: required})
		}
	}
	if v, _ := c.django["ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND"].(bool); v {
		hs.EmailVerificationMaxResendCount = 2
	}
	if v, _ := c.django["ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_CHANGE"].(bool); v {
		hs.EmailVerificationMaxChangeCount = 2
	}
	if v, ok := c.django["ACCOUNT_MAX_EMAIL_ADDRESSES"].(int); ok {
		hs.MaxEmailAddresses = v
	}
	if hs.EmailVerificationByCodeEnabled {
		hs.RateLimits["confirm_email"] = "1/10s/key"
	}
	rates, _ := c.django["ACCOUNT_RATE_LIMITS"].(map[string]any)
	for k, v := range rates {
		hs.RateLimits[k] = v.(string)
	}
	hs.ReauthenticationRequired, _ = c.django["ACCOUNT_REAUTHENTICATION_REQUIRED"].(bool)
	hs.RecoveryCodesShowOnce, _ = c.django["MFA_RECOVERY_CODES_SHOW_ONCE"].(bool)
	hs.LoginByCodeRequired, _ = c.django["ACCOUNT_LOGIN_BY_CODE_REQUIRED"].(bool)
	if v, ok := c.django["MFA_REAUTHENTICATION_REQUIRED"].(bool); ok {
		hs.MFAReauthenticationRequired = v
	}
	if v, ok := c.django["ACCOUNT_REAUTHENTICATION_METHODS"].([]any); ok {
		hs.ReauthenticationMethods = nil
		for _, m := range v {
			hs.ReauthenticationMethods = append(hs.ReauthenticationMethods, m.(string))
		}
	}
	if v, ok := c.django["ACCOUNT_REAUTHENTICATION_TIMEOUT"].(int); ok {
		hs.ReauthenticationTimeout = float64(v)
	}
	validators := projectValidators(t, setup.CommonPasswords)
	domain, err := headless.SiteDomain(t.Context(), site.users, hs.SiteID)
	if err != nil || domain != "accounts.example.org" {
		t.Fatalf("the Site: %q, %v", domain, err)
	}
	name, err := headless.SiteName(t.Context(), site.users, hs.SiteID)
	if err != nil {
		t.Fatal(err)
	}
	h := &headless.Headless{Settings: hs, Sessions: site.mw, Config: cfg, Cache: cache, SiteDomain: domain, SiteName: name,
		Emails: headless.NewSQLEmailAddresses(site.users, ""), PasswordValidators: validators,
		Authenticators: headless.NewSQLAuthenticators(site.users, "")}
	if hs.UserSessionsEnabled {
		h.UserSessions = headless.NewSQLUserSessions(site.users, "")
	}
	ds := &site.settings
	answer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := restframework.FromContext(r.Context())
		d := serializer.NewDict()
		d.Set("user", serializer.None())
		d.Set("auth", serializer.None())
		d.Set("active", serializer.None())
		if a.User != nil {
			n, _ := strconv.ParseInt(a.User.ID, 10, 64)
			d.Set("user", serializer.Int(n))
			d.Set("active", serializer.Bool(a.User.IsActive))
		}
		switch v := a.Auth.(type) {
		case *serializer.Dict:
			use, _ := v.Get("token_use")
			sub, _ := v.Get("sub")
			d.Set("auth", serializer.List(serializer.Str("jwt"), use, sub))
		case interface{ Key() string }:
			k := v.Key()
			d.Set("auth", serializer.List(serializer.Str("session"), serializer.Str(k[:min(4, len(k))])))
		}
		restframework.Response(w, r, http.StatusOK, serializer.DictValue(d))
	})
	view := func(perm restframework.Permission, auths ...restframework.Authenticator) http.Handler {
		return &restframework.APIView{Authentication: auths, Permissions: []restframework.Permission{perm},
			Methods: []string{"GET"}, Name: "View", Settings: ds, RESTFramework: drfVersion(setup.DRF),
			Python: setup.Python, Handler: answer}
	}
	xs := &headless.XSessionTokenAuthentication{Headless: h}
	jwt := &headless.JWTTokenAuthentication{Headless: h}
	mux := http.NewServeMux()
	mux.Handle("/_allauth/app/v1/tokens/refresh", h.RefreshTokenView())
	mux.Handle("/_allauth/app/v1/auth/session", h.SessionView())
	mux.Handle("/_allauth/browser/v1/auth/session", h.BrowserSessionView())
	mux.Handle("/_allauth/app/v1/auth/login", h.LoginView(nil))
	mux.Handle("/_allauth/browser/v1/auth/login", h.BrowserLoginView(nil))
	mux.Handle("/_allauth/app/v1/auth/reauthenticate", h.ReauthenticateView())
	mux.Handle("/_allauth/browser/v1/auth/reauthenticate", h.BrowserReauthenticateView())
	mux.Handle("/_allauth/app/v1/config", h.ConfigView())
	mux.Handle("/_allauth/browser/v1/config", h.BrowserConfigView())
	mux.Handle("/_allauth/app/v1/account/password/change", h.ChangePasswordView(nil))
	mux.Handle("/_allauth/browser/v1/account/password/change", h.BrowserChangePasswordView(nil))
	mux.Handle("/_allauth/app/v1/auth/2fa/authenticate", h.MFAAuthenticateView(fallback))
	mux.Handle("/_allauth/browser/v1/auth/2fa/authenticate", h.BrowserMFAAuthenticateView(fallback))
	mux.Handle("/_allauth/app/v1/auth/2fa/reauthenticate", h.MFAReauthenticateView())
	mux.Handle("/_allauth/browser/v1/auth/2fa/reauthenticate", h.BrowserMFAReauthenticateView())
	mux.Handle("/_allauth/app/v1/account/authenticators", h.AuthenticatorsView())
	mux.Handle("/_allauth/browser/v1/account/authenticators", h.BrowserAuthenticatorsView())
	mux.Handle("/_allauth/app/v1/account/authenticators/recovery-codes", h.RecoveryCodesView(fallback))
	mux.Handle("/_allauth/browser/v1/account/authenticators/recovery-codes", h.BrowserRecoveryCodesView(fallback))
	mux.Handle("/_allauth/app/v1/account/authenticators/totp", h.TOTPView(fallback))
	mux.Handle("/_allauth/browser/v1/account/authenticators/totp", h.BrowserTOTPView(fallback))
	mux.Handle("/_allauth/app/v1/auth/code/request", h.RequestLoginCodeView(fallback))
	mux.Handle("/_allauth/browser/v1/auth/code/request", h.BrowserRequestLoginCodeView(fallback))
	mux.Handle("/_allauth/app/v1/auth/code/confirm", h.ConfirmLoginCodeView(fallback))
	mux.Handle("/_allauth/browser/v1/auth/code/confirm", h.BrowserConfirmLoginCodeView(fallback))
	mux.Handle("/_allauth/app/v1/auth/code/resend", h.ResendLoginCodeView(fallback))
	mux.Handle("/_allauth/browser/v1/auth/code/resend", h.BrowserResendLoginCodeView(fallback))
	mux.Handle("/_allauth/app/v1/auth/reauthenticate/code/request", h.RequestReauthenticationCodeView(fallback))
	mux.Handle("/_allauth/app/v1/auth/reauthenticate/code/confirm", h.ConfirmReauthenticationCodeView(fallback))
	mux.Handle("/_allauth/app/v1/auth/reauthenticate/code/resend", h.ResendReauthenticationCodeView(fallback))
	mux.Handle("/_allauth/browser/v1/auth/reauthenticate/code/request", h.BrowserRequestReauthenticationCodeView(fallback))
	mux.Handle("/_allauth/browser/v1/auth/reauthenticate/code/confirm", h.BrowserConfirmReauthenticationCodeView(fallback))
	mux.Handle("/_allauth/browser/v1/auth/reauthenticate/code/resend", h.BrowserResendReauthenticationCodeView(fallback))
	mux.Handle("/_allauth/app/v1/auth/password/request", h.RequestPasswordResetView(fallback))
	mux.Handle("/_allauth/browser/v1/auth/password/request", h.BrowserRequestPasswordResetView(fallback))
	mux.Handle("/_allauth/app/v1/auth/password/reset", h.ResetPasswordView(fallback))
	mux.Handle("/_allauth/browser/v1/auth/password/reset", h.BrowserResetPasswordView(fallback))
	mux.Handle("/_allauth/app/v1/auth/email/verify", h.VerifyEmailView(fallback))
	mux.Handle("/_allauth/browser/v1/auth/email/verify", h.BrowserVerifyEmailView(fallback))
	mux.Handle("/_allauth/app/v1/auth/signup", h.SignupView(fallback))
	mux.Handle("/_allauth/browser/v1/auth/signup", h.BrowserSignupView(fallback))
	mux.Handle("/_allauth/app/v1/auth/email/verify/resend", h.ResendEmailVerificationCodeView(fallback))
	mux.Handle("/_allauth/browser/v1/auth/email/verify/resend", h.BrowserResendEmailVerificationCodeView(fallback))
	mux.Handle("/_allauth/app/v1/account/email", h.ManageEmailView(fallback))
	mux.Handle("/_allauth/app/v1/auth/sessions", h.SessionsView(fallback))
	mux.Handle("/_allauth/browser/v1/auth/sessions", h.BrowserSessionsView(fallback))
	mux.Handle("/_allauth/browser/v1/account/email", h.BrowserManageEmailView(fallback))
	mux.Handle("/api/session/", view(restframework.IsAuthenticated{}, xs))
	mux.Handle("/api/session-strict/", view(restframework.AllowAny{}, &headless.XSessionTokenAuthentication{Headless: h,
		RefuseAnonymousUsers: true, RefuseInvalidSessionTokens: true}))
	mux.Handle("/api/jwt/", view(restframework.IsAuthenticated{}, jwt))
	mux.Handle("/api/any/", view(restframework.AllowAny{}, xs, jwt))
	csrf, err := django.NewCSRFMiddleware(site.settings)
	if err != nil {
		t.Fatal(err)
	}
	csrf.Exempt = func(r *http.Request) bool { return !strings.HasPrefix(r.URL.Path, "/_allauth/browser/") }
	csrf.Failure = func(w http.ResponseWriter, r *http.Request, reason string) { // (the oracle's CSRF_FAILURE_VIEW)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, "csrf")
	}
	return site.mw.Handler(h.UserSessionsMiddleware(csrf.Handler(mux))), h
}

// allauthMarks are what some of Django's answers must hold: the session endpoint's user
// (with allauth's primary address, and with the user's own), its authentication
// records, a pending flow, an anonymous session's flows.
var allauthMarks = []string{`"email": "alice@example.com"`, `"email": "someone@example.com"`,
	`"methods": [{"method": "password", "at": `, `"is_pending": true`, `"flows": [{"id": "login"}, {"id": "login_by_code"}, {"id": "signup"}]`,
	`{"id": "login_by_code", "is_pending": true}`, `{"method": "code", "at": `,
	`"is_authenticated": true`, `"is_authenticated": false`, `"has_usable_password": false`,
	`"code": "too_many_login_attempts"`, `"code": "invalid_login"`, `"code": "username_password_mismatch"`,
	`"code": "email_password_mismatch"`, `"code": "incorrect_password", "param": "password"`,
	`"reauthenticated": true`, `"code": "enter_current_password"`, `"code": "password_too_similar"`,
	`"code": "password_entirely_numeric"`, `"code": "password_too_common"`, `"code": "too_many_login_attempts", "param": "password"`, `"code": "invalid", "param": "email"`, `"display": "GINA"`,
	`"display": "ivy"`, `"authentication_method": "username_email"}, "mfa": {"supported_types": ["recovery_codes", "totp"]`, `"display": "zero"`, `"display": "kim"`, `"email": "alice@example.com"}]`, `"username": "alice"}]`,
	`{"id": "mfa_authenticate", "is_pending": true, "types": ["recovery_codes", "totp"]}`, `"types": ["webauthn"]`,
	`{"id": "verify_phone", "is_pending": true}`, `"code": "incorrect_code", "param": "code"`, `"code": "too_many_login_attempts", "param": "code"`,
	`{"method": "mfa", "at": `, `"id": 1, "type": "totp"}`, `"type": "recovery_codes", "reauthenticated": true}`, `"display": "lee"`,
	`"unused_codes": ["`, `"is_passwordless": true`, `"flows": [{"id": "reauthenticate"}, {"id": "reauthenticate_by_code", "recipients": [`,
	`{"id": "mfa_reauthenticate", "types": ["recovery_codes", "totp"]}]`, `"code": "cannot_generate_recovery_codes"`,
	`"totp_url": "otpauth://totp/q/in%2Bx%40example.com?secret=`, `{"status": 200, "data": {"type": "totp", "created_at": `,
	`"code": "unverified_email"}]`, `"code": "rate_limited", "param": "code"`, `"unused_code_count": 10}]}`}

// allauthIssued is a token of the refresh endpoint's answer.
var allauthIssued = regexp.MustCompile(`"(access_token|refresh_token)": "[\w.-]+"`)

// allauthNew are the values of a login's answer that are new each time: the session
// token, the time of an authentication record.
// allauthMadeUp is the username a signup made up for an address whose local part,
// "kim", was taken: a random digit after it.
var allauthMadeUp = regexp.MustCompile(`("(?:display|username)": "kim)[0-9]"`)

// allauthCreatedAt is the time of a user session's making.
var allauthCreatedAt = regexp.MustCompile(`"(created_at|last_seen_at)": [0-9.e+]+`)

var allauthNew = regexp.MustCompile(`"(session_token|at)": ("[a-z0-9]+"|[0-9.e+]+)`)

// allauthTimes and allauthCodeList are the authenticators' times and the recovery codes
// (random when made anew).
var (
	allauthTimes    = regexp.MustCompile(`"(created_at|last_used_at)": [0-9.e+]+`)
	allauthSecret   = regexp.MustCompile(`("secret": "|secret=)[A-Z2-7]{32}`)
	allauthCodeList = regexp.MustCompile(`\[("[0-9]{8}"(, )?)*\]`)
)

var allauthCSRFCookie = regexp.MustCompile(`^csrftoken=[A-Za-z0-9]{32};`)

// allauthNewSession is the cookie of a session under a new (random) key.
var allauthNewSession = regexp.MustCompile(`^sessionid=[a-z0-9]{32};`)

var allauthPlaceholder = regexp.MustCompile(`\{t:([\w-]+)\}`)

// TestLiveAllauthHeadless holds package allauth/headless to django-allauth 65.22.1 on
// each Django version that it supports (4.2 and later), on a copy of the database
// Django's setup made (users, app logins through allauth's login endpoint, tokens of
// every odd kind): the X-Session-Token and JWT authentication classes behind DRF views,
// and the refresh endpoint (rotation included), answer alike, and leave the sessions
// alike; then tokens Go makes and refreshes are taken by allauth's own functions.
func TestLiveAllauthHeadless(t *testing.T) {
	t.Parallel() // (with the other heavy live tests, on databases of their own)
	peers := livePeers(t)
	for i, p := range peers {
		if p.Series == "3.2" {
			continue // (allauth's releases for Django 3.2 have no JWTs nor DRF classes)
		}
		for j, c := range allauthConfigs {
			if j > 0 && i != len(peers)-1 {
				continue // (the other configurations on the newest Django alone)
			}
			t.Run(p.Series+"/"+c.name, func(t *testing.T) {
				t.Parallel() // (a database and oracle processes of its own)
				allauthLive(t, p, c)
			})
		}
	}
}

func allauthLive(t *testing.T, p *peer, c allauthConfig) {
	c.headless = maps.Clone(c.headless)
	if _, hs := c.headless["JWT_ALGORITHM"]; !hs {
		c.headless["JWT_PRIVATE_KEY"] = rsaPEM(t) // (RS256's; HS256's key is SECRET_KEY)
	}
	dir := t.TempDir()
	started := time.Now()
	djPath, goPath := filepath.Join(dir, "django.sqlite3"), filepath.Join(dir, "go.sqlite3")
	var setup allauthSetup
	allauthOracle(t, p.Series, djPath, c, nil, &setup, "setup")
	copyFile(t, djPath, goPath)
	var want struct{ Steps []allauthAnswer }
	allauthOracle(t, p.Series, djPath, c, map[string]any{"steps": setup.Steps, "tokens": setup.Tokens}, &want, "run")
	if len(want.Steps) != len(setup.Steps) || len(setup.Steps) < 150 {
		t.Fatalf("%d answers for %d steps", len(want.Steps), len(setup.Steps))
	}
	// The fallback of a login whose stages Go does not run is the site's Django, on Go's
	// database.
	fell := false
	fallback := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fell = true; w.WriteHeader(299) })
	h, hl := allauthSite(t, p.Django, setup, c, goPath, fallback)
	var mails [][]any
	hl.Mailer = headless.MailerFunc(func(_ context.Context, m headless.Mail) error {
		ctx := maps.Clone(m.Context)
		if u, ok := ctx["user"].(*auth.User); ok { // (the oracle's record: the user's key)
			ctx["user"] = u.ID
		}
		if ts, ok := ctx["timestamp"].(time.Time); ok { // (and its time's isoformat)
			if hl.Sessions.Settings().UseTZ {
				ctx["timestamp"] = ts.Format("2006-01-02T15:04:05.999999") + "+00:00"
			} else {
				ctx["timestamp"] = ts.Format("2006-01-02T15:04:05.999999")
			}
		}
		mails = append(mails, []any{m.TemplatePrefix, m.Email, ctx})
		return nil
	})
	var resetKeys [2][]string    // (the keys mailed: Django's, Go's)
	notified := map[string]int{} // (the notifications Django mailed, by template)
	codes := map[int]int{}
	marks := map[string]int{}
	issued := 0
	fill := func(s string) string {
		return allauthPlaceholder.ReplaceAllStringFunc(s, func(m string) string {
			name := allauthPlaceholder.FindStringSubmatch(m)[1]
			if v, ok := setup.Tokens[name]; ok {
				return v
			}
			return name
		})
	}
	for i, step := range setup.Steps {
		req := stepRequest(step, step.Path, fill(step.Body), fill)
		mails = nil
		var cc *string
		got := allauthAnswer{jwtAnswer: jwtServe(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r)
			if v := w.Header().Get("Cache-Control"); v != "" {
				cc = &v
			}
		}), req)}
		got.CacheControl, got.Mails = cc, mails
		if fell {
			var fb struct{ Steps []allauthAnswer }
			allauthOracle(t, p.Series, goPath, c, map[string]any{"steps": []jwtStep{step}, "tokens": setup.Tokens}, &fb, "run")
			got, fell = fb.Steps[0], false
			marks["a fallback"]++
			if strings.HasSuffix(step.Path, "/auth/login") {
				marks["a login's fallback"]++
			}
			if strings.HasSuffix(step.Path, "/auth/signup") {
				marks["a signup's fallback"]++
			}
			if strings.HasSuffix(step.Path, "/account/email") {
				marks["an address's fallback"]++
			}
			if strings.HasSuffix(step.Path, "/auth/sessions") {
				marks["a user sessions' fallback"]++
			}
			if os.Getenv("DJSESSION_DEBUG_FALLBACKS") != "" {
				t.Logf("fallback %d %s %s", i, step.Method, step.Path)
			}
		}
		w := want.Steps[i]
		if code := lastCode(got.Mails); code != "" {
			setup.Tokens["code"] = code
		}
		if lastCode(w.Mails) != "" {
			marks["a login code mailed"]++
		}
		for _, m := range w.Mails {
			if ctx, _ := m[2].(map[string]any); strings.HasPrefix(m[0].(string), "account/email/email_confirmation") && ctx["code"] != nil {
				marks["a verification code mailed"]++
			}
		}
		if key := lastConfirmationKey(got.Mails); key != "" {
			setup.Tokens["vkey"] = key
		}
		if lastConfirmationKey(w.Mails) != "" {
			marks["a verification link mailed"]++
		}
		for _, a := range []*allauthAnswer{&w, &got} { // (the notifications' times, now)
			for _, m := range a.Mails {
				if ctx, ok := m[2].(map[string]any); len(m) == 3 && ok {
					if ts, ok := ctx["timestamp"].(string); ok {
						if a == &w {
							notified[m[0].(string)]++
						}
						ctx = maps.Clone(ctx)
						ctx["timestamp"] = allauthISOTime.ReplaceAllString(ts, "T")
						m[2] = ctx
					}
				}
			}
		}
		for side, a := range []*allauthAnswer{&w, &got} {
			if keys := mailedKeys(a.Mails); len(keys) > 0 {
				resetKeys[side] = append(resetKeys[side], keys...)
				if side == 1 {
					setup.Tokens["key"] = keys[len(keys)-1]
				}
				marks["a password reset key mailed"]++
			}
		}
		for _, a := range []*allauthAnswer{&w, &got} { // (a new CSRF secret is random)
			for j, c := range a.SetCookie {
				c = allauthNewSession.ReplaceAllString(allauthCSRFCookie.ReplaceAllString(c, "csrftoken=S;"), "sessionid=K;")
				a.SetCookie[j] = cookieExpiresRE.ReplaceAllString(c, "expires=<date>")
			}
		}
		codes[w.Status]++
		if strings.HasSuffix(step.Path, "/auth/signup") && (w.Status == 200 || w.Status == 401) {
			marks["a user signed up"]++
		}
		if strings.HasSuffix(step.Path, "/account/email") && step.Method != "GET" && w.Status == 200 {
			marks["an address changed"]++
		}
		if strings.HasSuffix(step.Path, "/auth/sessions") && w.Status == 200 && strings.Contains(w.Body, `"is_current": true`) {
			marks["the user's sessions listed"]++
		}
		if w.Body == "csrf" {
			marks["csrf"]++
		}
		if slices.ContainsFunc(w.SetCookie, func(c string) bool { return strings.HasPrefix(c, `sessionid="";`) }) {
			marks["the session cookie deleted"]++
		}
		for _, mark := range allauthMarks {
			if strings.Contains(w.Body, mark) {
				marks[mark]++
			}
		}
		issued += len(allauthIssued.FindAllString(w.Body, -1))
		// (LOGIN_METHODS is a frozenset: its order is Python's hash seed's)
		w.Body = strings.Replace(w.Body, `"login_methods": ["username", "email"]`, `"login_methods": ["email", "username"]`, 1)
		for _, b := range []*string{&w.Body, &got.Body} {
			// (times of the steps' making: the authenticators' uses, codes made anew)
			*b = allauthTimes.ReplaceAllStringFunc(*b, func(m string) string {
				f, _ := strconv.ParseFloat(m[strings.LastIndexByte(m, ' ')+1:], 64)
				if f < float64(started.Unix()-3600) {
					return m
				}
				return m[:strings.LastIndexByte(m, ' ')+1] + "N"
			})
			if strings.HasSuffix(step.Path, "/auth/sessions") { // (the times of the logins)
				*b = allauthCreatedAt.ReplaceAllString(*b, `"$1": T`)
			}
			if strings.HasSuffix(step.Path, "/auth/signup") { // (a random suffix)
				*b = allauthMadeUp.ReplaceAllString(*b, `${1}#"`)
			}
			if strings.HasSuffix(step.Path, "/totp") { // (a new random secret)
				*b = allauthSecret.ReplaceAllString(*b, "${1}S")
			}
			// (new random codes; shown later too where no reauthentication guards the making)
			if strings.EqualFold(step.Method, "POST") && strings.HasSuffix(step.Path, "/recovery-codes") || !hl.Settings.MFAReauthenticationRequired {
				*b = allauthCodeList.ReplaceAllStringFunc(*b, func(m string) string { return fmt.Sprintf("<%d codes>", strings.Count(m, `"`)/2) })
			}
		}
		for _, b := range []*string{&w.Body, &got.Body} {
			if strings.Contains(*b, `"session_token": "`) {
				marks["a new session token"]++
			}
			*b = allauthNew.ReplaceAllString(allauthIssued.ReplaceAllString(*b, `"$1": "T"`), `"$1": "N"`)
		}
		if diff := cmp.Diff(w, got, cmp.AllowUnexported(allauthAnswer{}), jwtCmp, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("step %d %s %s %q %q (-django +go):\n%s", i, step.Method, step.Path, step.Headers, step.Body, diff)
		}
	}
	for _, code := range []int{200, 400, 401, 403, 405, 409, 410, 429, 500} {
		if codes[code] == 0 && (code != 500 || !hl.Settings.JWTStatefulValidationEnabled) {
			t.Errorf("no step answered %d: %v", code, codes)
		}
	}
	for _, mark := range append(allauthMarks, "csrf", "the session cookie deleted", "a new session token", "a fallback", "a login code mailed",
		"a password reset key mailed") {
		if marks[mark] == 0 && c.django == nil { // (the configurations of other Django settings answer otherwise)
			t.Errorf("no answer has %s: %v", mark, marks)
		}
	}
	if hl.Settings.EmailVerification == "mandatory" && !hl.Settings.EmailVerificationByCodeEnabled &&
		(marks["a verification link mailed"] < 5 || marks["a login's fallback"] > 0) {
		t.Errorf("mandatory verification: %d logins handed on, %d links mailed", marks["a login's fallback"], marks["a verification link mailed"])
	}
	// (signups: a login code required goes to Django)
	if marks["a user signed up"] < 3 || marks["a signup's fallback"] > 0 && !hl.Settings.LoginByCodeRequired {
		t.Errorf("signups: %d made, %d handed on", marks["a user signed up"], marks["a signup's fallback"])
	}
	if least := map[bool]int{false: 8, true: 2}[hl.Settings.ReauthenticationRequired]; marks["an address changed"] < least ||
		marks["an address's fallback"] > 0 { // (with ACCOUNT_REAUTHENTICATION_REQUIRED, meb's alone)
		t.Errorf("addresses: %d changed, %d handed on", marks["an address changed"], marks["an address's fallback"])
	}
	if hl.Settings.EmailVerificationByCodeEnabled && (marks["a verification code mailed"] < 8 || marks["a login's fallback"] > 0) {
		t.Errorf("verification by code: %d logins handed on, %d codes mailed", marks["a login's fallback"], marks["a verification code mailed"])
	}
	if hl.Settings.EmailNotifications {
		for _, m := range []string{"account/email/password_changed", "account/email/password_set", "account/email/password_reset",
			"mfa/email/totp_activated", "mfa/email/totp_deactivated", "mfa/email/recovery_codes_generated",
			"account/email/email_deleted", "account/email/email_changed"} {
			if notified[m] == 0 {
				t.Errorf("no %s mailed: %v", m, notified)
			}
		}
	}
	rotating := hl.Settings.TokenStrategy == headless.JWTTokenStrategy
	if rotating != (issued > 0) {
		t.Errorf("%d tokens issued by the refreshes (%s)", issued, hl.Settings.TokenStrategy)
	}
	// The sessions after the steps, as Django reads them.
	var wantState, gotState struct {
		Sessions, Every, Rates, Authenticators, Addresses, Emails, Passwords, Usersessions [][]any
	}
	allauthOracle(t, p.Series, djPath, c, map[string]any{"tokens": setup.Tokens}, &wantState, "state")
	allauthOracle(t, p.Series, goPath, c, map[string]any{"tokens": setup.Tokens}, &gotState, "state")
	if diff := cmp.Diff(wantState, gotState); diff != "" {
		t.Errorf("the sessions after the steps (-django's +go's, read by Django):\n%s", diff)
	}
	if hl.Settings.UserSessionsEnabled && (marks["the user's sessions listed"] < 2 || marks["a user sessions' fallback"] > 0) {
		t.Errorf("the user's sessions: %v", marks)
	}
	if hl.Settings.UserSessionsEnabled != (len(wantState.Usersessions) > 10) {
		t.Errorf("the user sessions recorded: %v", wantState.Usersessions)
	}
	if len(wantState.Sessions) < 6 || len(wantState.Rates) < 10 {
		t.Errorf("too few sessions or rate limits: %v, %v", wantState.Sessions, wantState.Rates)
	}
	// The keys mailed, good for the same users (or none) on either side: Go's taken by
	// allauth on Go's database as Django's on Django's.
	if hl.Settings.PasswordResetByCodeEnabled { // (codes mailed, not keys)
		if len(resetKeys[0])+len(resetKeys[1]) > 0 {
			t.Errorf("reset keys mailed: %v", resetKeys)
		}
	} else if len(resetKeys[0]) < 5 || len(resetKeys[0]) != len(resetKeys[1]) {
		t.Errorf("reset keys mailed: %d by Django, %d by Go", len(resetKeys[0]), len(resetKeys[1]))
	} else {
		var djangoUsers, goUsers []any
		allauthOracle(t, p.Series, djPath, c, map[string]any{"keys": resetKeys[0]}, &djangoUsers, "resetkeys")
		allauthOracle(t, p.Series, goPath, c, map[string]any{"keys": resetKeys[1]}, &goUsers, "resetkeys")
		if diff := cmp.Diff(djangoUsers, goUsers); diff != "" || !slices.Contains(goUsers, any(401.0)) {
			t.Errorf("the users of the reset keys mailed, by allauth (-django's +go's):\n%s\n%v", diff, goUsers)
		}
	}
	allauthGoTokens(t, p, c, hl, setup, goPath)
	if c.django == nil { // (lee's TOTP authenticator may be gone in the others)
		allauthGoStash(t, p, c, h, setup, goPath)
	}
}

// allauthGoStash logs lee in through Go's login endpoint, which stashes the login at
// the second factor, and has allauth's own endpoint take the recovery code that
// completes it.
func allauthGoStash(t *testing.T, p *peer, c allauthConfig, h http.Handler, setup allauthSetup, goPath string) {
	req := stepRequest(jwtStep{Method: "POST", Path: "/_allauth/app/v1/auth/login", ContentType: "application/json",
		Headers: map[string]string{"X-Forwarded-For": "10.99.0.2"}}, "/_allauth/app/v1/auth/login",
		`{"username": "lee", "password": "secret-pw-1"}`, func(s string) string { return s })
	got := jwtServe(h, req)
	m := regexp.MustCompile(`"session_token": "([a-z0-9]+)"`).FindStringSubmatch(got.Body)
	if got.Status != 401 || m == nil || !strings.Contains(got.Body, `"id": "mfa_authenticate", "is_pending": true`) {
		t.Fatalf("Go's login of lee: %d %s", got.Status, got.Body)
	}
	var done struct {
		Status  int
		User    any
		Methods []string
		Errors  any
	}
	allauthOracle(t, p.Series, goPath, c, map[string]any{"token": m[1], "code": setup.Tokens["rc-lee-8"]}, &done, "complete")
	if done.Status != 200 || done.User != 11.0 || !slices.Equal(done.Methods, []string{"password", "mfa"}) {
		t.Errorf("allauth's second factor for Go's stashed login: %+v", done)
	}
}

// allauthGoTokens makes tokens in Go (for a session Go logs alice in to, and by
// refreshing them) and has allauth's validate_access_token and validate_refresh_token read them.
func allauthGoTokens(t *testing.T, p *peer, c allauthConfig, hl *headless.Headless, setup allauthSetup, goPath string) {
	ctx := t.Context()
	u, err := hl.Config.Users.User(ctx, "1")
	if err != nil {
		t.Fatal(err)
	}
	s := hl.Sessions.NewSession(ctx, "") // (alice logs in to the app, in Go)
	if err := auth.Login(ctx, s, u, allauthBackend, hl.Config); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx); err != nil {
		t.Fatal(err)
	}
	at, err := hl.CreateAccessToken(u, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := hl.CreateRefreshToken(u, s)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx); err != nil {
		t.Fatal(err)
	}
	access, refresh := []string{at}, []string{rt}
	wantAccess := []any{[]any{1.0, "access"}}
	wantRefresh := []any{1.0}
	if hl.Settings.TokenStrategy == headless.JWTTokenStrategy {
		at2, rt2, err := hl.RefreshToken(ctx, rt)
		if err != nil {
			t.Fatal(err)
		}
		access, refresh = append(access, at2), append(refresh, rt2, rt)
		wantAccess = append(wantAccess, []any{1.0, "access"})
		// (the used refresh token is forgotten when rotating)
		if hl.Settings.JWTRotateRefreshToken {
			wantRefresh = append(wantRefresh, 1.0, nil)
			wantRefresh[0] = nil
		} else {
			wantRefresh = append(wantRefresh, 1.0, 1.0)
		}
	}
	// (and refused: a refresh token as an access token, an access token as a refresh one)
	access, refresh = append(access, rt), append(refresh, at)
	wantAccess, wantRefresh = append(wantAccess, nil), append(wantRefresh, nil)
	var got struct{ Access, Refresh []any }
	allauthOracle(t, p.Series, goPath, c, map[string]any{"access": access, "refresh": refresh}, &got, "check")
	if diff := cmp.Diff(wantAccess, got.Access); diff != "" {
		t.Errorf("Go's access tokens read by allauth (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantRefresh, got.Refresh); diff != "" {
		t.Errorf("Go's refresh tokens read by allauth (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(setup.Allauth, "65.") {
		t.Errorf("allauth %s", setup.Allauth)
	}
}

// TestDjangoExportAllauth runs scripts/export_settings.py in a project with allauth's
// headless API configured on the newest Django, and reads it with
// headless.SettingsFromJSON: the settings read, the private key only with --secrets,
// the flows derived from the installed apps (named by their AppConfig) and settings (a
// truthy int, signup closed, webauthn not supported); an adapter of the project's own is
// refused.
func TestDjangoExportAllauth(t *testing.T) {
	const base = `
SECRET_KEY = "export-test-secret"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "allauth", "allauth.account",
                  "allauth.headless", "allauth.mfa.apps.MFAConfig"]
DATABASES = {}
MIDDLEWARE = ["allauth.account.middleware.AccountMiddleware"]
HEADLESS_TOKEN_STRATEGY = "allauth.headless.tokens.strategies.jwt.JWTTokenStrategy"
HEADLESS_JWT_PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----"
HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN = 60
HEADLESS_JWT_STATEFUL_VALIDATION_ENABLED = True
HEADLESS_JWT_AUTHORIZATION_HEADER_SCHEME = "JWT"
ACCOUNT_LOGIN_BY_CODE_ENABLED = 1
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_SUPPORTED_TYPES = ["totp", "webauthn"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
`
	script, project := settingsProject(t, base)
	_, own := settingsProject(t, base+`HEADLESS_ADAPTER = "mysite.MyAdapter"
`)
	_, social := settingsProject(t, base+`INSTALLED_APPS.append("allauth.socialaccount.apps.SocialAccountConfig")
`)
	_, closed := settingsProject(t, base+`ACCOUNT_SIGNUP_ENABLED = False
MFA_SUPPORTED_TYPES = ["totp"]
`)
	peers := livePeers(t)
	p := peers[len(peers)-1]
	export := func(dir string, args ...string) []byte {
		cmd := exec.Command(filepath.Join(venvDir(), "django-"+p.Series, "bin", "python"), append([]string{script}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "DJANGO_SETTINGS_MODULE=mysite.settings")
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	out := export(project)
	if strings.Contains(string(out), "PRIVATE KEY") || !strings.Contains(string(out), `"allauth_version": "65.`) {
		t.Errorf("the export holds the private key, or not allauth's version: %s", out)
	}
	s, err := headless.SettingsFromJSON(out)
	if err != nil {
		t.Fatal(err)
	}
	want := headless.Defaults("")
	want.TokenStrategy, want.JWTAccessTokenExpiresIn = headless.JWTTokenStrategy, 60
	want.JWTStatefulValidationEnabled, want.JWTAuthorizationHeaderScheme = true, "JWT"
	want.UnauthenticatedFlows = []string{"login", "login_by_code", "signup", "mfa_login_webauthn"}
	want.UserModelUsernameField = ""
	want.MFAEnabled = true
	want.LoginByCodeEnabled, want.PasskeyLoginEnabled = true, true
	want.MFASupportedTypes = []string{"totp", "webauthn"}
	if diff := cmp.Diff(want, s, cmpopts.IgnoreUnexported(headless.Settings{})); diff != "" {
		t.Errorf("settings (-want +got):\n%s", diff)
	}
	s, err = headless.SettingsFromJSON(export(project, "--secrets"))
	if err != nil || s.JWTPrivateKey != "-----BEGIN PRIVATE KEY-----" || s.SecretKey != "export-test-secret" {
		t.Errorf("with --secrets: %v, %q, %q", err, s.JWTPrivateKey, s.SecretKey)
	}
	if _, err := headless.SettingsFromJSON(export(own)); !errors.Is(err, headless.ErrSettings) {
		t.Errorf("an adapter of the project's own: %v", err)
	}
	// (socialaccount's flows: the tokens work, the views that list flows do not)
	if _, err := headless.SettingsFromJSON(export(social)); err != nil {
		t.Errorf("allauth.socialaccount installed: %v", err)
	}
	_, ownMFA := settingsProject(t, base+`MFA_ADAPTER = "mysite.MFAAdapter"
`)
	s, err = headless.SettingsFromJSON(export(ownMFA))
	if err != nil || s.MFAAdapter != "mysite.MFAAdapter" {
		t.Errorf("MFA_ADAPTER: %v, %q", err, s.MFAAdapter)
	}
	s, err = headless.SettingsFromJSON(export(closed))
	if err != nil || !slices.Equal(s.UnauthenticatedFlows, []string{"login", "login_by_code"}) {
		t.Errorf("signup closed, no passkeys: %v, %v", err, s)
	}
	// The login's settings, as allauth's app settings compute them in the project.
	for i, extra := range []string{`
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_RATE_LIMITS = {"login": "3/m/ip", "signup": None}
ACCOUNT_LOGIN_ATTEMPTS_LIMIT = 4
ACCOUNT_LOGIN_ATTEMPTS_TIMEOUT = 90
ACCOUNT_EMAIL_VERIFICATION = True
ACCOUNT_LOGIN_BY_CODE_REQUIRED = ["password", "mfa"]
ACCOUNT_PRESERVE_USERNAME_CASING = False
ALLAUTH_TRUSTED_PROXY_COUNT = 2
ALLAUTH_RATE_LIMIT_IPV6_PREFIX = 48
ACCOUNT_PASSWORD_MIN_LENGTH = 9
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_REAUTHENTICATION_METHODS = ("code", "password")
SITE_ID = 3
MFA_TOTP_PERIOD = 60
MFA_TOTP_DIGITS = 8
MFA_TOTP_TOLERANCE = 1
MFA_RECOVERY_CODE_COUNT = 12
MFA_RECOVERY_CODE_DIGITS = 10
ACCOUNT_LOGIN_TIMEOUT = 300
MFA_TRUST_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 5
ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = True
ACCOUNT_PREVENT_ENUMERATION = "strict"
HEADLESS_FRONTEND_URLS = {"account_signup": "https://app.example.org/signup", "account_confirm_email": "/c/{key}"}
`, `
AUTH_PASSWORD_VALIDATORS = [{"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"}]
ACCOUNT_REAUTHENTICATION_REQUIRED = 1
ACCOUNT_LOGIN_ON_PASSWORD_RESET = 1
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 7
ACCOUNT_SALT = "another-salt"
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT = 120.5
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "email"]
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_USERNAME_BLACKLIST = ["Admin", "root"]
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_FORMAT = {"length": 7, "numeric": True}
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_CHANGE = True
ACCOUNT_MAX_EMAIL_ADDRESSES = 3
`, `
ACCOUNT_AUTHENTICATION_METHOD = "email"
ACCOUNT_RATE_LIMITS = False
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGIN_BY_CODE_REQUIRED = True
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = 4
ALLAUTH_USER_CODE_FORMAT = {"numeric": True}
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_PREVENT_ENUMERATION = False
ACCOUNT_UNIQUE_EMAIL = False
ACCOUNT_CHANGE_EMAIL = 1
`, `
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_ATTEMPTS_LIMIT = 0
ACCOUNT_SIGNUP_ENABLED = 0
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True
ACCOUNT_PASSWORD_RESET_BY_CODE_MAX_ATTEMPTS = 5
ACCOUNT_PASSWORD_RESET_BY_CODE_TIMEOUT = 60
ACCOUNT_EMAIL_CONFIRMATION_HMAC = False
EMAIL_CONFIRMATION_DAYS = 5
MFA_SUPPORTED_TYPES = ["totp"]
USERSESSIONS_TRACK_ACTIVITY = True
ACCOUNT_LOGIN_BY_CODE_REQUIRED = ["mfa"]
ACCOUNT_LOGIN_BY_CODE_TRUST_ENABLED = True
MFA_SUPPORTED_TYPES = ["totp", "webauthn"]
MFA_PASSKEY_SIGNUP_ENABLED = True
ACCOUNT_LOGIN_TIMEOUT = 12.5
ALLAUTH_USER_CODE_FORMAT = {"numeric": True}
ACCOUNT_LOGIN_BY_CODE_FORMAT = {"length": 6, "dashed": False}
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND = 3
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_CHANGE = 5
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS = 4
ACCOUNT_EMAIL_REQUIRED = True
ACCOUNT_SIGNUP_EMAIL_ENTER_TWICE = True
ACCOUNT_USERNAME_REQUIRED = False
ACCOUNT_SIGNUP_PASSWORD_VERIFICATION = False
`, `
ALLAUTH_USER_CODE_FORMAT = {"length": 10}
ACCOUNT_PASSWORD_RESET_BY_CODE_CODE_FORMAT = {"numeric": True, "dashed": True}
`} {
		_, dir := settingsProject(t, base+extra)
		cmd := exec.Command(filepath.Join(venvDir(), "django-"+p.Series, "bin", "python"), "-c", `
import json, django
django.setup()
from django.conf import settings
from allauth import app_settings as al
from allauth.account import app_settings as a
from allauth.mfa import app_settings as mfa
from allauth.usersessions import app_settings as us
from allauth.headless import app_settings as hs
r = a.LOGIN_BY_CODE_REQUIRED
print(json.dumps({"LoginMethods": sorted(m.value for m in a.LOGIN_METHODS), "RateLimits": {k: v or "" for k, v in a.RATE_LIMITS.items()},
    "EmailVerification": a.EMAIL_VERIFICATION.value, "LoginByCodeRequired": r is True or (not isinstance(r, bool) and "password" in r),
    "PreserveUsernameCasing": a.PRESERVE_USERNAME_CASING, "TrustedProxyCount": al.TRUSTED_PROXY_COUNT,
    "TrustedClientIPHeader": al.TRUSTED_CLIENT_IP_HEADER or "", "RateLimitIPv6Prefix": al.RATE_LIMIT_IPV6_PREFIX,
    "PasswordMinLength": a.PASSWORD_MIN_LENGTH or 0, "LogoutOnPasswordChange": a.LOGOUT_ON_PASSWORD_CHANGE,
    "ReauthenticationRequired": bool(a.REAUTHENTICATION_REQUIRED), "ReauthenticationMethods": sorted(a.REAUTHENTICATION_METHODS),
    "SiteID": getattr(settings, "SITE_ID", 0), "SignupEnabled": bool(a.SIGNUP_ENABLED),
    "EmailVerificationByCodeEnabled": bool(a.EMAIL_VERIFICATION_BY_CODE_ENABLED), "LoginByCodeEnabled": bool(a.LOGIN_BY_CODE_ENABLED),
    "PasswordResetByCodeEnabled": bool(a.PASSWORD_RESET_BY_CODE_ENABLED), "MFASupportedTypes": mfa.SUPPORTED_TYPES,
    "PasskeyLoginEnabled": bool(mfa.PASSKEY_LOGIN_ENABLED), "UserSessionsTrackActivity": bool(us.TRACK_ACTIVITY),
    "LoginTimeout": a.LOGIN_TIMEOUT, "TOTPPeriod": mfa.TOTP_PERIOD, "TOTPDigits": mfa.TOTP_DIGITS,
    "TOTPTolerance": mfa.TOTP_TOLERANCE, "RecoveryCodeCount": mfa.RECOVERY_CODE_COUNT,
    "RecoveryCodeDigits": mfa.RECOVERY_CODE_DIGITS, "MFATrustEnabled": bool(mfa.TRUST_ENABLED),
    "LoginByCodeTrustEnabled": bool(a.LOGIN_BY_CODE_TRUST_ENABLED), "PasskeySignupEnabled": bool(mfa.PASSKEY_SIGNUP_ENABLED),
    "LoginByCodeMaxAttempts": a.LOGIN_BY_CODE_MAX_ATTEMPTS, "LoginByCodeMaxResendCount": a.LOGIN_BY_CODE_MAX_RESEND_COUNT,
    "LoginByCodeFormat": {"Length": a.LOGIN_BY_CODE_FORMAT.get("length") or 0,
                          "Numeric": bool(a.LOGIN_BY_CODE_FORMAT.get("numeric")),
                          "Dashed": bool(a.LOGIN_BY_CODE_FORMAT.get("dashed", True))},
    "PreventEnumeration": bool(a.PREVENT_ENUMERATION), "EmailUnknownAccounts": bool(a.EMAIL_UNKNOWN_ACCOUNTS),
    "FrontendURLs": hs.FRONTEND_URLS or None, "UniqueEmail": bool(a.UNIQUE_EMAIL), "ChangeEmail": bool(a.CHANGE_EMAIL),
    "LoginOnPasswordReset": bool(a.LOGIN_ON_PASSWORD_RESET),
    "PasswordResetByCodeMaxAttempts": a.PASSWORD_RESET_BY_CODE_MAX_ATTEMPTS,
    "LoginOnEmailConfirmation": a.LOGIN_ON_EMAIL_CONFIRMATION, "EmailConfirmationHMAC": a.EMAIL_CONFIRMATION_HMAC,
    "EmailConfirmationExpireDays": a.EMAIL_CONFIRMATION_EXPIRE_DAYS, "AccountSalt": a.SALT,
    "PasswordResetByCodeTimeout": a.PASSWORD_RESET_BY_CODE_TIMEOUT,
    "PasswordResetByCodeFormat": {"Length": a.PASSWORD_RESET_BY_CODE_FORMAT.get("length") or 0,
                                  "Numeric": bool(a.PASSWORD_RESET_BY_CODE_FORMAT.get("numeric")),
                                  "Dashed": bool(a.PASSWORD_RESET_BY_CODE_FORMAT.get("dashed", True))},
    "EmailVerificationByCodeMaxAttempts": a.EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS,
    "EmailVerificationByCodeTimeout": a.EMAIL_VERIFICATION_BY_CODE_TIMEOUT,
    "EmailVerificationMaxResendCount": a.EMAIL_VERIFICATION_MAX_RESEND_COUNT,
    "EmailVerificationMaxChangeCount": a.EMAIL_VERIFICATION_MAX_CHANGE_COUNT, "MaxEmailAddresses": a.MAX_EMAIL_ADDRESSES or 0,
    "SignupFields": [{"Name": k, "Required": v["required"]} for k, v in a.SIGNUP_FIELDS.items()],
    "UsernameMinLength": a.USERNAME_MIN_LENGTH, "UsernameBlacklist": a.USERNAME_BLACKLIST or None,
    "PreventEnumerationStrict": a.PREVENT_ENUMERATION == "strict",
    "EmailVerificationByCodeFormat": {"Length": a.EMAIL_VERIFICATION_BY_CODE_FORMAT.get("length") or 0,
                                      "Numeric": bool(a.EMAIL_VERIFICATION_BY_CODE_FORMAT.get("numeric")),
                                      "Dashed": bool(a.EMAIL_VERIFICATION_BY_CODE_FORMAT.get("dashed", True))}}))
`)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "DJANGO_SETTINGS_MODULE=mysite.settings")
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		var want headless.Settings
		if err := json.Unmarshal(out, &want); err != nil {
			t.Fatal(err)
		}
		got, err := headless.SettingsFromJSON(export(dir))
		if err != nil {
			t.Fatal(err)
		}
		opt := cmp.Transformer("login", func(s headless.Settings) []any {
			return []any{s.LoginMethods, s.RateLimits, s.EmailVerification, s.LoginByCodeRequired, s.PreserveUsernameCasing,
				s.TrustedProxyCount, s.TrustedClientIPHeader, s.RateLimitIPv6Prefix, s.PasswordMinLength,
				s.LogoutOnPasswordChange, s.ReauthenticationRequired, slices.Sorted(slices.Values(s.ReauthenticationMethods)), s.SiteID,
				s.SignupEnabled, s.EmailVerificationByCodeEnabled, s.LoginByCodeEnabled, s.PasswordResetByCodeEnabled,
				s.MFASupportedTypes, s.PasskeyLoginEnabled, s.UserSessionsTrackActivity, s.LoginTimeout, s.TOTPPeriod,
				s.TOTPDigits, s.TOTPTolerance, s.RecoveryCodeCount, s.RecoveryCodeDigits, s.MFATrustEnabled,
				s.LoginByCodeTrustEnabled, s.PasskeySignupEnabled, s.LoginByCodeMaxAttempts, s.LoginByCodeMaxResendCount,
				s.LoginByCodeFormat, s.PreventEnumeration, s.EmailUnknownAccounts, s.FrontendURLs, s.UniqueEmail, s.ChangeEmail,
				s.LoginOnPasswordReset, s.PasswordResetByCodeMaxAttempts, s.PasswordResetByCodeTimeout, s.PasswordResetByCodeFormat,
				s.LoginOnEmailConfirmation, s.EmailConfirmationHMAC, s.EmailConfirmationExpireDays, s.AccountSalt,
				s.EmailVerificationByCodeMaxAttempts, s.EmailVerificationByCodeTimeout, s.EmailVerificationMaxResendCount,
				s.EmailVerificationByCodeFormat, s.SignupFields, s.UsernameMinLength, s.UsernameBlacklist,
				s.PreventEnumerationStrict, s.EmailVerificationMaxChangeCount, s.MaxEmailAddresses}
		})
		if diff := cmp.Diff(want, *got, opt); diff != "" {
			t.Errorf("login settings %d (-allauth's +go's):\n%s", i, diff)
		}
	}
}

// TestLiveAllauthMFATables holds headless.SQLAuthenticators to the mfa_authenticator
// table of allauth.mfa on SQLite, PostgreSQL (jsonb) and MariaDB (a JSON longtext), on
// the newest Django: the rows Django wrote read alike, the recovery codes of Django's
// seed, the data Go writes read by Django (the text json.dumps writes, where the
// database keeps text) and refused when the row changed meanwhile, the last use's time;
// and the addresses of account_emailaddress verified as verify_email_indirectly
// verifies them (SQLEmailAddresses.VerifyEmail), added, made primary and removed as
// ManageEmailView does; and the rows of allauth.usersessions Go records.
func TestLiveAllauthMFATables(t *testing.T) {
	t.Parallel() // (with the other heavy live tests, on databases of their own)
	peers := livePeers(t)
	p := peers[len(peers)-1]
	for _, backend := range []string{"sqlite", "postgres", "mariadb"} {
		t.Run(p.Series+"/"+backend, func(t *testing.T) {
			t.Parallel() // (databases and processes of its own)
			ctx := t.Context()
			adb := newAuthDB(t, p.Series, backend)
			c := allauthConfig{name: "mfa", headless: map[string]any{}, django: map[string]any{"USERSESSIONS": true}}
			var made struct {
				IDs   []int64
				Codes []string
			}
			allauthOracleOn(t, p.Series, adb.django, c, nil, &made, "mfadb")
			users, err := auth.NewSQLUserSource(adb.db, adb.dialect, auth.AuthUser, auth.SQLOptions{PK: auth.PKInt})
			if err != nil {
				t.Fatal(err)
			}
			src := headless.NewSQLAuthenticators(users, "")
			list, err := src.Authenticators(ctx, "11")
			if err != nil || len(list) != 2 {
				t.Fatalf("lee's authenticators: %v, %v", list, err)
			}
			byType := map[string]*headless.Authenticator{}
			for _, a := range list {
				byType[a.Type] = a
			}
			totp, rc := byType["totp"], byType["recovery_codes"]
			if totp == nil || rc == nil || totp.ID != made.IDs[0] || rc.ID != made.IDs[1] {
				t.Fatalf("lee's authenticators: %+v, ids %v", list, made.IDs)
			}
			if secret, _ := totp.Data.Dict().Get("secret"); !serializer.Equal(secret, serializer.Str("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")) {
				t.Errorf("the TOTP secret: %v", secret)
			}
			for _, v := range []struct {
				user, typ string
				want      bool
			}{{"11", "totp", true}, {"11", "webauthn", false}, {"12", "recovery_codes", true}, {"12", "totp", false}} {
				if ok, err := src.HasAuthenticator(ctx, v.user, v.typ); err != nil || ok != v.want {
					t.Errorf("HasAuthenticator(%s, %s): %v, %v", v.user, v.typ, ok, err)
				}
			}
			h := &headless.Headless{Settings: headless.Defaults("k")}
			codes, err := h.UnusedRecoveryCodes(rc)
			if err != nil || !slices.Equal(codes, made.Codes) {
				t.Errorf("the recovery codes: %v, %v; Django's %v", codes, err, made.Codes)
			}
			mig, err := src.Authenticator(ctx, made.IDs[2])
			if err != nil {
				t.Fatal(err)
			}
			if codes, err := h.UnusedRecoveryCodes(mig); err != nil || !slices.Equal(codes, []string{"11112222", "caf\u00e9"}) {
				t.Errorf("the migrated codes: %q, %v", codes, err)
			}
			// Two codes used: the row as read, then the same stale row.
			data := serializer.NewDict()
			for k, v := range rc.Data.Dict().All() {
				data.SetKey(k, v)
			}
			data.Set("used_mask", serializer.Int(5))
			if ok, err := src.ReplaceData(ctx, rc, data); err != nil || !ok {
				t.Fatalf("ReplaceData: %v, %v", ok, err)
			}
			data.Set("used_mask", serializer.Int(7))
			if ok, err := src.ReplaceData(ctx, rc, data); err != nil || ok {
				t.Errorf("ReplaceData of a row changed meanwhile: %v, %v", ok, err)
			}
			at := time.Date(2026, 11, 27, 10, 11, 12, 345678000, time.UTC)
			if err := src.RecordUsage(ctx, rc.ID, at); err != nil {
				t.Fatal(err)
			}
			var rows []struct {
				ID               int64
				Type, Dumps, Raw string
				Data             map[string]any
				LastUsedAt       *string `json:"last_used_at"`
			}
			allauthOracleOn(t, p.Series, adb.django, c, nil, &rows, "mfadb-state")
			if len(rows) != 3 {
				t.Fatalf("rows %v", rows)
			}
			r := rows[1]
			if r.ID != rc.ID || r.Data["used_mask"] != 5.0 || r.Data["seed"] != strings.Repeat("5eed", 20) || len(r.Data) != 2 {
				t.Errorf("the recovery codes' row as Django reads it: %+v", r)
			}
			if backend != "postgres" && r.Raw != r.Dumps {
				t.Errorf("the recovery codes' data: %q; Django writes %q", r.Raw, r.Dumps)
			}
			if r.LastUsedAt == nil || *r.LastUsedAt != "2026-11-27T10:11:12.345678+00:00" || rows[0].LastUsedAt != nil {
				t.Errorf("last_used_at: %v, %v", r.LastUsedAt, rows[0].LastUsedAt)
			}
			if again, err := src.Authenticator(ctx, rc.ID); err != nil || again.Text != r.Raw {
				t.Errorf("the row read again: %v, %v; Django reads %q", again, err, r.Raw)
			}
			// The login by code's verify_email_indirectly: Go verifies the go- users'
			// addresses as Django verified the dj- users'.
			var vd struct{ Users map[string]int64 }
			allauthOracleOn(t, p.Series, adb.django, c, nil, &vd, "verifydb")
			emails := headless.NewSQLEmailAddresses(users, "")
			for _, name := range []string{"none", "other", "conflict", "done", "norow"} {
				email := "go-" + name + "@x.org"
				if name == "conflict" {
					email = "conflict@x.org"
				} else if name == "none" {
					email = strings.ToUpper(email)
				}
				if err := emails.VerifyEmail(ctx, strconv.FormatInt(vd.Users["go-"+name], 10), email, true); err != nil {
					t.Errorf("VerifyEmail %s: %v", name, err)
				}
			}
			var vs struct{ Dj, Go [][]any }
			allauthOracleOn(t, p.Series, adb.django, c, nil, &vs, "verifydb-state")
			if diff := cmp.Diff(vs.Dj, vs.Go); diff != "" || len(vs.Dj) != 5 {
				t.Errorf("the addresses Go verified (-django +go):\n%s", diff)
			}
			if want := []any{"none", "none@x.org", []any{[]any{"none@x.org", true, true}}}; !cmp.Equal(vs.Go[0], want) {
				t.Errorf("an address with no primary one beside it: %v", vs.Go[0])
			}
			// The address a login waiting for its verification is mailed at
			// (get_address_for_login): Go finds or adds the go- users' as Django did
			// the dj- users'.
			var ad struct {
				Users map[string]int64
				Found map[string][]any
			}
			allauthOracleOn(t, p.Series, adb.django, c, nil, &ad, "addressdb")
			for name, login := range map[string]string{"row": "ROW@x.org", "add": "add@x.org", "first": "", "verified": "",
				"own": "", "none": ""} {
				id := strconv.FormatInt(ad.Users["go-"+name], 10)
				u, err := users.User(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				var got []any
				_, a, found, err := emails.AddressForLogin(ctx, id, strings.Replace(login, "@", "-go@", 1), strings.ToLower(u.Email))
				if err != nil {
					t.Errorf("AddressForLogin %s: %v", name, err)
				} else if found {
					got = []any{strings.Replace(a.Email, "-go@", "@", 1), a.Verified}
				}
				want := ad.Found[name]
				if len(want) > 2 {
					want = want[:2]
				}
				if !cmp.Equal(got, want, cmpopts.EquateEmpty()) {
					t.Errorf("the address for %s's login: %v; Django found %v", name, got, ad.Found[name])
				}
			}
			allauthUserSessionsTable(t, p, c, adb.django, users)
			allauthAddressesTable(t, p, c, adb.django, users)
			allauthOracleOn(t, p.Series, adb.django, c, nil, &vs, "addressdb-state")
			if diff := cmp.Diff(vs.Dj, vs.Go); diff != "" || len(vs.Dj) != 6 {
				t.Errorf("the addresses Go added (-django +go):\n%s", diff)
			}
		})
	}
}

// allauthUserSessionsTable holds headless.SQLUserSessions to allauth.usersessions'
// table: rows Go records (made, then updated) read by Django as Go wrote them (a JSON
// data of {}, the times), and read back by Go alike; a row deleted.
func allauthUserSessionsTable(t *testing.T, p *peer, c allauthConfig, djdb map[string]any, users *auth.SQLUserSource) {
	t.Helper()
	ctx := t.Context()
	us := headless.NewSQLUserSessions(users, "")
	t1 := time.Date(2026, 11, 27, 10, 11, 12, 345678000, time.UTC)
	t2 := t1.Add(90 * time.Second)
	for _, r := range []struct {
		s headless.UserSession
		t time.Time
	}{
		{headless.UserSession{UserID: "11", SessionKey: "k1k1k1k1k1k1k1k1k1k1k1k1k1k1k1k1", IP: "10.0.0.1", UserAgent: "agent/1"}, t1},
		{headless.UserSession{UserID: "11", SessionKey: "k2k2k2k2k2k2k2k2k2k2k2k2k2k2k2k2", IP: "2001:db8::1", UserAgent: "café"}, t1},
		{headless.UserSession{UserID: "11", SessionKey: "k1k1k1k1k1k1k1k1k1k1k1k1k1k1k1k1", IP: "10.0.0.2", UserAgent: "agent/2"}, t2},
	} {
		if err := us.RecordUserSession(ctx, r.s, r.t); err != nil {
			t.Fatalf("RecordUserSession: %v", err)
		}
	}
	var rows []map[string]any
	allauthOracleOn(t, p.Series, djdb, c, map[string]any{"model": "usersessions.UserSession", "user": 11}, &rows, "values")
	want := []map[string]any{
		{"user_id": 11.0, "session_key": "k1k1k1k1k1k1k1k1k1k1k1k1k1k1k1k1", "ip": "10.0.0.2", "user_agent": "agent/2",
			"created_at": "2026-11-27T10:11:12.345678+00:00", "last_seen_at": "2026-11-27T10:12:42.345678+00:00", "data": map[string]any{}},
		{"user_id": 11.0, "session_key": "k2k2k2k2k2k2k2k2k2k2k2k2k2k2k2k2", "ip": "2001:db8::1", "user_agent": "café",
			"created_at": "2026-11-27T10:11:12.345678+00:00", "last_seen_at": "2026-11-27T10:11:12.345678+00:00", "data": map[string]any{}},
	}
	if diff := cmp.Diff(want, rows, cmpopts.IgnoreMapEntries(func(k string, _ any) bool { return k == "id" })); diff != "" {
		t.Errorf("the user sessions as Django reads them (-want +got):\n%s", diff)
	}
	got, err := us.UserSessions(ctx, "11")
	if err != nil || len(got) != 2 || !got[0].CreatedAt.Equal(t1) || !got[0].LastSeenAt.Equal(t2) || got[1].IP != "2001:db8::1" {
		t.Fatalf("the user sessions as Go reads them: %+v, %v", got, err)
	}
	if err := us.DeleteUserSession(ctx, got[0].ID); err != nil {
		t.Fatal(err)
	}
	allauthOracleOn(t, p.Series, djdb, c, map[string]any{"model": "usersessions.UserSession", "user": 11}, &rows, "values")
	if len(rows) != 1 || rows[0]["session_key"] != "k2k2k2k2k2k2k2k2k2k2k2k2k2k2k2k2" {
		t.Errorf("the user sessions once one is deleted: %v", rows)
	}
}

// allauthAddressesTable holds headless.SQLEmailAddresses as an EmailManager to
// account_emailaddress: addresses added, made primary, removed, as Django reads them.
func allauthAddressesTable(t *testing.T, p *peer, c allauthConfig, djdb map[string]any, users *auth.SQLUserSource) {
	t.Helper()
	ctx := t.Context()
	em := headless.NewSQLEmailAddresses(users, "")
	a, err := em.AddAddress(ctx, "12", "m1@x.org", true, true)
	if err != nil {
		t.Fatal(err)
	}
	b, err := em.AddAddress(ctx, "12", "m2@x.org", false, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := em.SetPrimary(ctx, a, b); err != nil {
		t.Fatal(err)
	}
	cc, err := em.AddAddress(ctx, "12", "m3@x.org", false, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := em.RemoveAddress(ctx, cc); err != nil {
		t.Fatal(err)
	}
	first, found, err := em.FirstAddress(ctx, "12")
	if err != nil || !found || first != "m1@x.org" {
		t.Errorf("the first address (verified first): %q %v %v", first, found, err)
	}
	if row, found, err := em.UserAddressByEmail(ctx, "12", "M2@X.org"); err != nil || !found || row.ID != b || !row.Primary {
		t.Errorf("the address by email: %+v %v %v", row, found, err)
	}
	var rows []map[string]any
	allauthOracleOn(t, p.Series, djdb, c, map[string]any{"model": "account.EmailAddress", "user": 12}, &rows, "values")
	var got [][]any
	for _, r := range rows {
		got = append(got, []any{r["email"], r["verified"], r["primary"]})
	}
	if diff := cmp.Diff([][]any{{"m1@x.org", true, false}, {"m2@x.org", false, true}}, got); diff != "" {
		t.Errorf("max's addresses as Django reads them (-want +got):\n%s", diff)
	}
}
