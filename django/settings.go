package django

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
)

// Settings holds the Django settings a Go peer of a Django site needs, under Django's
// names and with Django's defaults (django/conf/global_settings.py).
//
// # Defaults
//
// Two of Django's boolean settings default to true (SESSION_COOKIE_HTTPONLY and USE_TZ),
// which a Go zero value cannot express. Settings therefore always start from NewSettings
// (Django's defaults) or SettingsFromJSON (a Django project's values); a Settings built as
// a bare struct literal is refused by Validate and NewMiddleware, so a forgotten default
// can never silently turn HttpOnly off or switch times to naive local time. Change fields
// after the constructor:
//
//	s := django.NewSettings()
//	s.SecretKey = os.Getenv("DJANGO_SECRET_KEY")
//	s.SessionEngine = store
//
// # Version behaviour
//
// Where Django versions behave differently, a field named after the behaviour selects the
// older one; the zero value of each is the behaviour of current Django (6.1). ForDjango
// sets them all from a Django version number.
type Settings struct {
	// SecretKey is SECRET_KEY. Required.
	SecretKey string
	// SecretKeyFallbacks is SECRET_KEY_FALLBACKS (Django 4.1+): older keys that still
	// verify, in order.
	SecretKeyFallbacks []string

	// SessionEngine is the configured store of SESSION_ENGINE: a store from engines/db,
	// engines/file, engines/signedcookies, ... built with EngineOptions. Required by
	// NewMiddleware.
	SessionEngine engines.Store
	// SessionEngineName is the dotted path of SESSION_ENGINE as the Django project has it
	// (informational; SettingsFromJSON fills it). Default "django.contrib.sessions.backends.db".
	SessionEngineName string

	// SessionCookieName is SESSION_COOKIE_NAME. Default "sessionid".
	SessionCookieName string
	// SessionCookieAge is SESSION_COOKIE_AGE in seconds. Default 1209600 (two weeks).
	// Zero is refused by Validate (see there).
	SessionCookieAge int
	// SessionCookieDomain is SESSION_COOKIE_DOMAIN; "" is Django's None (no Domain).
	SessionCookieDomain string
	// SessionCookiePath is SESSION_COOKIE_PATH. Default "/"; "" sends no Path attribute,
	// as Django does for an empty path.
	SessionCookiePath string
	// SessionCookieSecure is SESSION_COOKIE_SECURE. Default false.
	SessionCookieSecure bool
	// SessionCookieHttpOnly is SESSION_COOKIE_HTTPONLY. Default true.
	SessionCookieHttpOnly bool
	// SessionCookieSameSite is SESSION_COOKIE_SAMESITE: "Lax" (default), "Strict" or
	// "None" in any case, written as given; "" is Django's False/None (no attribute).
	SessionCookieSameSite string
	// SessionSaveEveryRequest is SESSION_SAVE_EVERY_REQUEST. Default false.
	SessionSaveEveryRequest bool
	// SessionExpireAtBrowserClose is SESSION_EXPIRE_AT_BROWSER_CLOSE. Default false.
	SessionExpireAtBrowserClose bool
	// SessionSerializer is SESSION_SERIALIZER. Default serializer.JSON (Django's
	// JSONSerializer); serializer.Pickle for PickleSerializer (Django ≤ 4.2).
	SessionSerializer serializer.Serializer
	// SessionFilePath is SESSION_FILE_PATH for the file engine; "" is Django's None (the
	// system temporary directory).
	SessionFilePath string
	// SessionCacheAlias is SESSION_CACHE_ALIAS. Default "default".
	SessionCacheAlias string

	// UseTZ is USE_TZ. Default true.
	UseTZ bool
	// TimeZone is TIME_ZONE, an IANA zone name. Default "America/Chicago", as Django's
	// global default (new projects set "UTC").
	TimeZone string

	// AuthenticationBackends is AUTHENTICATION_BACKENDS. Default
	// ["django.contrib.auth.backends.ModelBackend"].
	AuthenticationBackends []string
	// CSRFUseSessions is CSRF_USE_SESSIONS. Default false.
	CSRFUseSessions bool
	// CSRFCookieName is CSRF_COOKIE_NAME. Default "csrftoken".
	CSRFCookieName string
	// CSRFCookieAge is CSRF_COOKIE_AGE in seconds; default one year (31449600). -1 stands
	// for None: a cookie without Max-Age, which ends with the browser session.
	CSRFCookieAge int
	// CSRFCookieDomain is CSRF_COOKIE_DOMAIN; "" for None (the default).
	CSRFCookieDomain string
	// CSRFCookiePath is CSRF_COOKIE_PATH. Default "/".
	CSRFCookiePath string
	// CSRFCookieSecure is CSRF_COOKIE_SECURE. Default false.
	CSRFCookieSecure bool
	// CSRFCookieHttpOnly is CSRF_COOKIE_HTTPONLY. Default false.
	CSRFCookieHttpOnly bool
	// CSRFCookieSameSite is CSRF_COOKIE_SAMESITE. Default "Lax"; "" for no attribute.
	CSRFCookieSameSite string
	// CSRFCookieMasked is CSRF_COOKIE_MASKED (Django 4.1 and 4.2): new CSRF cookies hold
	// the masked 64-character token rather than the secret.
	CSRFCookieMasked bool
	// CSRFHeaderName is CSRF_HEADER_NAME, as a request.META key. Default
	// "HTTP_X_CSRFTOKEN" (the X-CSRFToken header).
	CSRFHeaderName string
	// CSRFTrustedOrigins is CSRF_TRUSTED_ORIGINS ("https://*.example.com" style).
	CSRFTrustedOrigins []string
	// AllowedHosts is ALLOWED_HOSTS, which request.get_host() checks (the CSRF Origin and
	// Referer checks use it). Default empty.
	AllowedHosts []string
	// Debug is DEBUG, which only matters here for get_host: with no ALLOWED_HOSTS, DEBUG
	// allows localhost, 127.0.0.1 and [::1].
	Debug bool
	// UseXForwardedHost and UseXForwardedPort are USE_X_FORWARDED_HOST and
	// USE_X_FORWARDED_PORT.
	UseXForwardedHost, UseXForwardedPort bool
	// SecureProxySSLHeader is SECURE_PROXY_SSL_HEADER: nil, or a request.META key and the
	// value that means HTTPS ({"HTTP_X_FORWARDED_PROTO", "https"}).
	SecureProxySSLHeader []string
	// SignedCookieLegacySaltFallback is SIGNED_COOKIE_LEGACY_SALT_FALLBACK: signed cookies
	// made under the salt of Django before 5.2.15 and 6.0.6 are still accepted. Default
	// false, as Django 6.1; ForDjango sets it for 5.2.15+ and 6.0.6+, whose default it is.
	SignedCookieLegacySaltFallback bool

	// LoginURL is LOGIN_URL, where login_required sends anonymous users (a URL or path;
	// Django's named URL patterns are not resolved). Default "/accounts/login/".
	LoginURL string
	// LoginRedirectURL is LOGIN_REDIRECT_URL, where LoginView sends a user without a safe
	// "next". Default "/accounts/profile/".
	LoginRedirectURL string
	// LogoutRedirectURL is LOGOUT_REDIRECT_URL, where auth.LogoutView sends a user it
	// logged out who gave no safe "next" (a URL or path, used as given). Default "",
	// Django's None: the view's own page.
	LogoutRedirectURL string
	// PasswordResetTimeout is PASSWORD_RESET_TIMEOUT in seconds, how long a password reset
	// token is good for (auth.PasswordResetTokenGenerator). Default 259200 (three days).
	PasswordResetTimeout int
	// DataUploadMaxMemorySize, DataUploadMaxNumberFields and DataUploadMaxNumberFiles are
	// DATA_UPLOAD_MAX_MEMORY_SIZE (bytes), DATA_UPLOAD_MAX_NUMBER_FIELDS and
	// DATA_UPLOAD_MAX_NUMBER_FILES, Django's bounds on a request's data, which
	// restframework's parsers keep; -1 is None (no bound). Defaults 2621440 (2.5 MB), 1000
	// and 100.
	DataUploadMaxMemorySize, DataUploadMaxNumberFields, DataUploadMaxNumberFiles int

	// MessageStorage is MESSAGE_STORAGE, the dotted path of the messages framework's
	// storage (package django/messages): DefaultMessageStorage (FallbackStorage, the
	// default), or the CookieStorage or SessionStorage path.
	MessageStorage string
	// MessageLevel is MESSAGE_LEVEL, the lowest level the messages framework records.
	// Default 20 (INFO).
	MessageLevel int
	// MessageTags is MESSAGE_TAGS: tags by level that add to or replace the default ones
	// (10 "debug", 20 "info", 25 "success", 30 "warning", 40 "error").
	MessageTags map[int]string
	// PasswordHashers is PASSWORD_HASHERS (nil: the Django version's default); the
	// hashers package's FromSettings builds it.
	PasswordHashers []string
	// AuthPasswordValidators is AUTH_PASSWORD_VALIDATORS (default: none); the auth
	// package's PasswordValidators builds them.
	AuthPasswordValidators []PasswordValidatorSetting

	// DjangoVersion is the version of the Django site ("5.2.19"), informational; set it
	// with ForDjango, which also sets the behaviour options below.
	DjangoVersion string

	// VaryOnlyWhenAccessed: add "Vary: Cookie" only when the session was accessed (or the
	// cookie deleted), not also whenever the session cookie is set. Django before 5.2.14
	// and 6.0.5 (every 3.x, 4.x, 5.0, 5.1) behaves so; 5.2.14+, 6.0.5+ and 6.1 also vary
	// when the cookie is set (CVE-2026-35192).
	VaryOnlyWhenAccessed bool
	// SkipSaveOnlyOn500: skip saving the session only for status 500 exactly, as
	// Django ≤ 4.1; Django 4.2+ skips it for every status ≥ 500.
	SkipSaveOnlyOn500 bool
	// LegacyVaryMerge merges an existing Vary header as Django ≤ 6.0 does (split on
	// commas with surrounding spaces, empty parts kept); Django 6.1 strips the parts and
	// drops empty ones.
	LegacyVaryMerge bool
	// DatetimeExpiry: set_expiry stores datetime objects rather than ISO strings, as
	// Django ≤ 4.0. Such objects cannot be stored with the JSON serializer (Django's save
	// fails), so SetExpiry refuses absolute times and durations with
	// ErrExpiryNotRepresentable.
	DatetimeExpiry bool
	// AcceptLegacySessions reads the pre-3.1 session format and SHA-1 signatures, as
	// Django 3.1 and 3.2 do (session.Config.AcceptLegacy and AcceptSHA1).
	AcceptLegacySessions bool
	// CSRFLegacyChecks checks CSRF as Django before 4.0: masked tokens in the cookie, no
	// Origin check, one reason for a missing or wrong token.
	CSRFLegacyChecks bool
	// ProxySSLHeaderExact compares the whole SECURE_PROXY_SSL_HEADER value, as Django
	// before 4.1; later versions take its first comma-separated part, stripped.
	ProxySSLHeaderExact bool
	// SignedCookieLegacySalt signs and checks signed cookies under the salt name+salt, as
	// Django before 5.2.15 and 6.0.6 (and every 3.x, 4.x, 5.0, 5.1); later versions use
	// "django.http.cookies.v2:<len(salt)>:<salt><name>".
	SignedCookieLegacySalt bool
	// SafeURLLegacy checks redirect URLs (URLHasAllowedHostAndScheme) as Django 3.2 does,
	// with its own older copy of urlsplit (no tab or line break removed, no check of what
	// brackets hold) and no length limit.
	SafeURLLegacy bool
	// SafeURLBackport checks them as Django 4.0-4.2 do, with their copy of Python 3.9's
	// urlsplit (no leading controls stripped; any scheme characters) and no length limit;
	// Django 5.0+ use the running Python's urlsplit and refuse URLs over 2048 characters.
	SafeURLBackport bool
	// MessagesLegacyExtraTags stores a message's extra_tags only when it is not empty (an
	// empty one reads back as None), as Django before 4.1; later versions store any
	// extra_tags but None.
	MessagesLegacyExtraTags bool
	// MessagesLegacyCookieFit drops one message at a time from a messages cookie over its
	// size limit until it fits, as Django before 5.0; later versions find the cut by
	// bisection. The two agree unless a compressed cookie grows when a message is dropped
	// (none of 60,000 random lists tried did).
	MessagesLegacyCookieFit bool
	// MessagesLegacyCookieFormats also reads messages cookies in Django 3.1's format (the
	// JSON text signed as it is), as Django 3.2 and 4.0 do; with AcceptLegacySessions, the
	// older "<hash>$<json>" format as well, as Django 3.2 does.
	MessagesLegacyCookieFormats bool
	// ErrorPagesNoCharset sends Django's default 400, 403 and 500 pages (BadRequest,
	// PermissionDenied, ServerError) as "text/html" with no charset, as Django before 4.1
	// does.
	ErrorPagesNoCharset bool
	// LoginRequiredUserFirst makes auth.LoginRequiredMiddleware read the request's user
	// before it looks at the handler's LoginNotRequired mark, as Django 5.1 and 5.2 do: a
	// stale session is then flushed even on an open page. Django 6.0+ look at the mark
	// first.
	LoginRequiredUserFirst bool
	// LogoutViewLegacy makes auth.LogoutView behave as before Django 4.1: every request
	// (whatever its method) logs out first, and a "next" given but unsafe, or empty,
	// sends the user to the view's own path. ForDjango sets it for versions before 4.1.
	LogoutViewLegacy bool
	// LogoutViewGET makes auth.LogoutView log out on GET and HEAD too, as Django 4.1 and
	// 4.2 do (deprecated there); Django 5.0+ answer them 405. ForDjango sets it for 4.1
	// and 4.2.
	LogoutViewGET bool
	// FormLegacyCharset follows Django before 5.2 in FormCharsetError: a form body in a
	// charset other than UTF-8 is read (in that charset), not refused.
	FormLegacyCharset bool
	// EmailValidatorLegacy makes IsValidEmail (validate_email) follow Django before 5.2:
	// domain labels of ASCII letters, digits and "-", and a non-ASCII domain retried in
	// its IDNA 2003 encoding. ForDjango sets it for versions before 5.2.
	EmailValidatorLegacy bool
	// IPv6NoLengthLimit accepts IPv6 addresses longer than 39 characters (those with an
	// embedded IPv4 address can be), as Django before 4.2.18, 5.0.11 and 5.1.5 do (the fix
	// of CVE-2024-56374). ForDjango sets it for those versions.
	IPv6NoLengthLimit bool
	// EmailNoLengthLimit accepts email addresses longer than 320 characters in
	// IsValidEmail, as Django before 3.2.20, 4.1.10 and 4.2.3 do (the fix of
	// CVE-2023-36053). ForDjango sets it for those versions.
	EmailNoLengthLimit bool
	// PasswordResetMailErrorsFail makes a failure to send a password reset email a 500
	// (auth.PasswordResetView), as Django before 4.2.16, 5.0.9 and 5.1.1 (the fix of
	// CVE-2024-45231); later versions log it and go on. ForDjango sets it for those
	// versions.
	PasswordResetMailErrorsFail bool

	// Now is the clock; nil means time.Now. Not a Django setting: for tests.
	Now func() time.Time
	// Logger receives warnings (corrupted sessions, failed saves); nil means slog.Default().
	Logger *slog.Logger

	initialized bool
}

// Django's defaults that NewSettings applies.
const (
	DefaultSessionCookieName     = "sessionid"
	DefaultSessionCookiePath     = "/"
	DefaultSessionCookieSameSite = "Lax"
	DefaultSessionEngineName     = "django.contrib.sessions.backends.db"
	DefaultSessionCacheAlias     = "default"
	DefaultTimeZone              = "America/Chicago"
	DefaultAuthBackend           = "django.contrib.auth.backends.ModelBackend"
	DefaultMessageStorage        = "django.contrib.messages.storage.fallback.FallbackStorage"
	DefaultMessageLevel          = 20
	DefaultPasswordResetTimeout  = 259200

	DefaultDataUploadMaxMemorySize   = 2621440
	DefaultDataUploadMaxNumberFields = 1000
	DefaultDataUploadMaxNumberFiles  = 100
	DefaultLoginURL                  = "/accounts/login/"
	DefaultLoginRedirectURL          = "/accounts/profile/"
)

// NewSettings returns Settings holding Django's defaults (global_settings.py). SecretKey
// and SessionEngine are left for the caller.
func NewSettings() Settings {
	return Settings{
		SessionEngineName:      DefaultSessionEngineName,
		SessionCookieName:      DefaultSessionCookieName,
		SessionCookieAge:       session.DefaultCookieAge,
		SessionCookiePath:      DefaultSessionCookiePath,
		SessionCookieHttpOnly:  true,
		SessionCookieSameSite:  DefaultSessionCookieSameSite,
		SessionSerializer:      serializer.JSON{},
		SessionCacheAlias:      DefaultSessionCacheAlias,
		UseTZ:                  true,
		TimeZone:               DefaultTimeZone,
		AuthenticationBackends: []string{DefaultAuthBackend},
		CSRFCookieName:         DefaultCSRFCookieName,
		CSRFCookieAge:          DefaultCSRFCookieAge,
		CSRFCookiePath:         DefaultCSRFCookiePath,
		CSRFCookieSameSite:     DefaultCSRFCookieSameSite,
		CSRFHeaderName:         DefaultCSRFHeaderName,
		MessageStorage:         DefaultMessageStorage,
		MessageLevel:           DefaultMessageLevel,
		PasswordResetTimeout:   DefaultPasswordResetTimeout,

		DataUploadMaxMemorySize:   DefaultDataUploadMaxMemorySize,
		DataUploadMaxNumberFields: DefaultDataUploadMaxNumberFields,
		DataUploadMaxNumberFiles:  DefaultDataUploadMaxNumberFiles,
		LoginURL:                  DefaultLoginURL,
		LoginRedirectURL:          DefaultLoginRedirectURL,
		initialized:               true,
	}
}

// ErrNotInitialized is returned by Validate for Settings not made by NewSettings or
// SettingsFromJSON.
var ErrNotInitialized = errors.New("django: Settings must start from django.NewSettings() or django.SettingsFromJSON (Django's defaults: SESSION_COOKIE_HTTPONLY and USE_TZ are true)")

// ErrInvalidSettings is matched (errors.Is) by every error Validate returns.
var ErrInvalidSettings = errors.New("django: invalid settings")

// ForDjango sets DjangoVersion and the behaviour options from a Django version such as
// "3.2.25", "5.2.14" or "6.1" (a series without a patch number means its first release).
func (s *Settings) ForDjango(version string) error {
	major, minor, patch, err := parseVersion(version)
	if err != nil {
		return err
	}
	v := major*10000 + minor*100 + min(patch, 99)
	s.DjangoVersion = version
	// The CVE-2026-35192 fix: 5.2.14, 6.0.5, and every release from 6.1.
	varyOnSet := (major == 5 && minor == 2 && patch >= 14) ||
		(major == 6 && minor == 0 && patch >= 5) || v >= 60100
	s.VaryOnlyWhenAccessed = !varyOnSet
	s.SkipSaveOnlyOn500 = v < 40200
	s.LegacyVaryMerge = v < 60100
	s.DatetimeExpiry = v < 40100
	s.AcceptLegacySessions = major == 3 && minor >= 1
	s.CSRFLegacyChecks = v < 40000
	s.ProxySSLHeaderExact = v < 40100
	// The CVE-2026-6873 fix: 5.2.15, 6.0.6, and every release from 6.1.
	v2Salt := (major == 5 && minor == 2 && patch >= 15) || (major == 6 && minor == 0 && patch >= 6) || v >= 60100
	s.SignedCookieLegacySalt = !v2Salt
	s.SignedCookieLegacySaltFallback = v2Salt && v < 60100
	s.MessagesLegacyExtraTags = v < 40100
	s.SafeURLLegacy = v < 40000
	s.SafeURLBackport = v >= 40000 && v < 50000
	s.MessagesLegacyCookieFit = v < 50000
	s.MessagesLegacyCookieFormats = v < 40100
	s.ErrorPagesNoCharset = v < 40100
	s.LoginRequiredUserFirst = v >= 50100 && v < 60000
	s.LogoutViewLegacy = v < 40100
	s.LogoutViewGET = v >= 40100 && v < 50000
	s.EmailValidatorLegacy = v < 50200
	s.FormLegacyCharset = v < 50200
	s.IPv6NoLengthLimit = v < 40218 || (v >= 50000 && v < 50011) || (v >= 50100 && v < 50105)
	s.EmailNoLengthLimit = v < 30220 || (v >= 40000 && v < 40110) || (v >= 40200 && v < 40203)
	s.PasswordResetMailErrorsFail = v < 40216 || (v >= 50000 && v < 50009) || v == 50100
	// Django 4.0 stores masked CSRF cookies; 4.1 and 4.2 as CSRF_COOKIE_MASKED says (kept
	// as set); the others have no such setting (3.2's legacy checks mask them anyway).
	if v < 40100 || v >= 50000 {
		s.CSRFCookieMasked = v >= 40000 && v < 40100
	}
	return nil
}

// parseVersion reads "X.Y" or "X.Y.Z" (a pre-release suffix such as "6.1rc1" or
// "6.1.0a1" is ignored).
func parseVersion(version string) (major, minor, patch int, err error) {
	bad := fmt.Errorf("%w: Django version %q is not X.Y or X.Y.Z", ErrInvalidSettings, version)
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return 0, 0, 0, bad
	}
	num := func(p string, lenient bool) (int, bool) {
		end := 0
		for end < len(p) && p[end] >= '0' && p[end] <= '9' {
			end++
		}
		if end == 0 || (!lenient && end != len(p)) {
			return 0, false
		}
		n, err := strconv.Atoi(p[:end])
		return n, err == nil
	}
	var ok bool
	if major, ok = num(parts[0], false); !ok {
		return 0, 0, 0, bad
	}
	if minor, ok = num(parts[1], len(parts) == 2); !ok {
		return 0, 0, 0, bad
	}
	if len(parts) == 3 {
		if patch, ok = num(parts[2], true); !ok {
			return 0, 0, 0, bad
		}
	}
	return major, minor, patch, nil
}

// validCookie checks the settings of a cookie (prefix "SESSION_COOKIE" or "CSRF_COOKIE")
// as Python's http.cookies and Django's set_cookie would take them.
func validCookie(prefix, name, sameSite, domain, path string) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidSettings}, args...)...)
	}
	if name == "" {
		return bad("%s_NAME must not be empty", prefix)
	}
	for i := 0; i < len(name); i++ {
		if !strings.ContainsRune(cookieLegalChars, rune(name[i])) {
			return bad("%s_NAME %q holds %q, which Python's http.cookies refuses in a cookie name", prefix, name, name[i])
		}
	}
	for _, r := range morselReserved {
		if strings.EqualFold(name, r) {
			return bad("%s_NAME %q is a reserved cookie attribute name", prefix, name)
		}
	}
	switch strings.ToLower(sameSite) {
	case "", "lax", "strict", "none":
	default:
		return bad(`%s_SAMESITE %q must be "Lax", "Strict", "None" (any case) or empty (no attribute)`, prefix, sameSite)
	}
	if strings.ContainsAny(domain, ";\r\n") || strings.ContainsAny(path, ";\r\n") {
		return bad("%s_DOMAIN and %s_PATH must not hold ';' or line breaks", prefix, prefix)
	}
	return nil
}

// cookieLegalChars are the characters Python's http.cookies allows unquoted in a cookie
// name or value (_LegalChars).
const cookieLegalChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~:"

// morselReserved are the attribute names Python's Morsel refuses as cookie names.
var morselReserved = []string{"expires", "path", "comment", "domain", "max-age", "secure",
	"httponly", "version", "samesite", "partitioned"}

// Validate reports the first setting Django would refuse or that this library cannot
// honour, with an error matching ErrInvalidSettings (or ErrNotInitialized). It does not
// require SessionEngine; NewMiddleware does.
func (s *Settings) Validate() error {
	if !s.initialized {
		return ErrNotInitialized
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidSettings}, args...)...)
	}
	if s.SecretKey == "" {
		return bad("SECRET_KEY (SecretKey) must not be empty")
	}
	if err := validCookie("SESSION_COOKIE", s.SessionCookieName, s.SessionCookieSameSite, s.SessionCookieDomain, s.SessionCookiePath); err != nil {
		return err
	}
	if s.SessionCookieAge == 0 {
		return bad("SESSION_COOKIE_AGE (SessionCookieAge) = 0 is not supported: session.Expiry reads 0 as the default age; use a non-zero age")
	}
	if err := s.validateCSRF(); err != nil {
		return err
	}
	if s.SessionSerializer == nil {
		return bad("SESSION_SERIALIZER (SessionSerializer) must be set")
	}
	if _, err := s.location(); err != nil {
		return bad("TIME_ZONE %q: %v", s.TimeZone, err)
	}
	return nil
}

// Location returns TIME_ZONE as a *time.Location ("" and "UTC" are UTC).
func (s *Settings) Location() (*time.Location, error) { return s.location() }

// location returns TIME_ZONE as a *time.Location ("" and "UTC" are UTC).
func (s *Settings) location() (*time.Location, error) {
	if s.TimeZone == "" || s.TimeZone == "UTC" {
		return time.UTC, nil
	}
	return time.LoadLocation(s.TimeZone)
}

// Expiry returns the expiry arithmetic for these settings: SESSION_COOKIE_AGE,
// SESSION_EXPIRE_AT_BROWSER_CLOSE, USE_TZ and TIME_ZONE.
func (s *Settings) Expiry() (session.Expiry, error) {
	loc, err := s.location()
	if err != nil {
		return session.Expiry{}, fmt.Errorf("%w: TIME_ZONE %q: %v", ErrInvalidSettings, s.TimeZone, err)
	}
	return session.Expiry{
		CookieAge:            s.SessionCookieAge,
		ExpireAtBrowserClose: s.SessionExpireAtBrowserClose,
		NaiveTimes:           !s.UseTZ,
		Location:             loc,
		StoreDatetime:        s.DatetimeExpiry,
	}, nil
}

// Codec returns the session codec for these settings: SECRET_KEY, SECRET_KEY_FALLBACKS,
// SESSION_SERIALIZER and, with AcceptLegacySessions, Django 3.1/3.2's legacy formats.
func (s *Settings) Codec() (*session.Codec, error) {
	return session.NewCodec(session.Config{
		SecretKey:          s.SecretKey,
		SecretKeyFallbacks: s.SecretKeyFallbacks,
		Serializer:         s.SessionSerializer,
		AcceptLegacy:       s.AcceptLegacySessions,
		AcceptSHA1:         s.AcceptLegacySessions,
		Logger:             s.Logger,
		Now:                s.Now,
	})
}

// EngineOptions returns the engines.Options for building the SessionEngine store from
// these settings (codec, expiry, clock and logger), e.g.
//
//	opts, _ := s.EngineOptions()
//	store, _ := file.New(file.Config{Path: s.SessionFilePath, CookieName: s.SessionCookieName}, opts)
func (s *Settings) EngineOptions() (engines.Options, error) {
	codec, err := s.Codec()
	if err != nil {
		return engines.Options{}, err
	}
	exp, err := s.Expiry()
	if err != nil {
		return engines.Options{}, err
	}
	return engines.Options{Codec: codec, Expiry: exp, Now: s.Now, Logger: s.Logger}, nil
}

func (s *Settings) clock() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Log returns Logger, or slog.Default() when it is nil: where the django packages log.
func (s *Settings) Log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// PasswordValidatorSetting is one entry of AUTH_PASSWORD_VALIDATORS: the validator's
// dotted path (NAME) and its keyword arguments (OPTIONS).
type PasswordValidatorSetting struct {
	Name    string         `json:"NAME"`
	Options map[string]any `json:"OPTIONS,omitempty"`
}
