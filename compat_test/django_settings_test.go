package compat_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/django/auth/hashers"
	"github.com/djsession/djsession/django/messages"
	"github.com/djsession/djsession/serializer"
)

// TestDjangoMiddlewareVersionOptionsMatter shows the behaviour options are needed: the
// fixtures of one Django version, replayed with another version's options, differ.
func TestDjangoMiddlewareVersionOptionsMatter(t *testing.T) {
	docs := loadMwFixtures(t)
	bySeries := map[string]*mwFixtures{}
	for _, d := range docs {
		bySeries[d.Series] = d
	}
	for _, pair := range [][2]string{{"3.2", "4.2.30"}, {"4.2", "6.1.3"}, {"6.1", "4.2.30"}, {"5.2", "5.2.13"}} {
		doc := bySeries[pair[0]]
		if doc == nil {
			continue
		}
		differ := 0
		for _, c := range doc.Cases {
			s := mwSettings(t, doc, c.Cfg)
			if err := s.ForDjango(pair[1]); err != nil {
				t.Fatal(err)
			}
			if runMwCase(doc, c, s) != nil {
				differ++
			}
		}
		if differ == 0 {
			t.Errorf("Django %s fixtures replayed with Django %s options: no difference", doc.Django, pair[1])
		} else {
			t.Logf("Django %s fixtures with Django %s options: %d cases differ", doc.Django, pair[1], differ)
		}
	}
}

// TestDjangoExportSettings runs scripts/export_settings.py inside a small Django project
// under every Django version of the matrix and reads its output with SettingsFromJSON.
func TestDjangoExportSettings(t *testing.T) {
	if testing.Short() {
		skipOrFail(t, "live Django tests skipped in -short mode")
	}
	settingsPy := `
SECRET_KEY = "export-test-secret"
SECRET_KEY_FALLBACKS = ["old-1", "old-2"]
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions"]
DATABASES = {}
USE_TZ = False
TIME_ZONE = "Europe/Paris"
SESSION_ENGINE = "django.contrib.sessions.backends.file"
SESSION_FILE_PATH = "/tmp/sessions"
SESSION_COOKIE_NAME = "__Host-app"
SESSION_COOKIE_AGE = 3600
SESSION_COOKIE_DOMAIN = None
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = False
SESSION_COOKIE_SAMESITE = False
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
AUTHENTICATION_BACKENDS = ("django.contrib.auth.backends.ModelBackend", "myapp.Backend")
CSRF_USE_SESSIONS = True
CSRF_COOKIE_NAME = "xsrf"
CSRF_COOKIE_AGE = None
CSRF_COOKIE_DOMAIN = ".example.com"
CSRF_COOKIE_PATH = "/app"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_HEADER_NAME = "HTTP_X_XSRF_TOKEN"
CSRF_TRUSTED_ORIGINS = ["https://*.example.com", "https://partner.example"]
ALLOWED_HOSTS = [".example.com"]
USE_X_FORWARDED_HOST = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SIGNED_COOKIE_LEGACY_SALT_FALLBACK = True
PASSWORD_RESET_TIMEOUT = 7200
DATA_UPLOAD_MAX_MEMORY_SIZE = None
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
LOGIN_URL = "/signin/"
LOGIN_REDIRECT_URL = "/dashboard/"
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"
MESSAGE_LEVEL = 10
MESSAGE_TAGS = {40: "danger", 35: "notice"}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher", "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ("username", "email"), "max_similarity": 0.5}},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
`
	script, project := settingsProject(t, settingsPy)
	for _, series := range matrix(t) {
		t.Run(series, func(t *testing.T) {
			py := filepath.Join(venvDir(), "django-"+series, "bin", "python")
			if _, err := os.Stat(py); err != nil {
				skipOrFail(t, "no venv for Django %s: run scripts/venvs", series)
			}
			run := func(args ...string) []byte {
				cmd := exec.Command(py, append([]string{script}, args...)...)
				cmd.Dir = project
				cmd.Env = append(os.Environ(), "DJANGO_SETTINGS_MODULE=mysite.settings")
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("export_settings.py %v: %v", args, err)
				}
				return out
			}
			s, err := django.SettingsFromJSON(run())
			if err != nil {
				t.Fatal(err)
			}
			if s.SecretKey != "" || s.SecretKeyFallbacks != nil {
				t.Errorf("secrets exported without --secrets: %q %q", s.SecretKey, s.SecretKeyFallbacks)
			}
			s, err = django.SettingsFromJSON(run("--secrets"))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			check := func(name string, got, want any) {
				t.Helper()
				if got != want {
					t.Errorf("%s = %v, want %v", name, got, want)
				}
			}
			check("SecretKey", s.SecretKey, "export-test-secret")
			if series != "3.2" {
				check("SecretKeyFallbacks", len(s.SecretKeyFallbacks), 2)
			}
			check("SessionEngineName", s.SessionEngineName, "django.contrib.sessions.backends.file")
			check("SessionFilePath", s.SessionFilePath, "/tmp/sessions")
			check("SessionCookieName", s.SessionCookieName, "__Host-app")
			check("SessionCookieAge", s.SessionCookieAge, 3600)
			check("SessionCookieDomain", s.SessionCookieDomain, "")
			check("SessionCookiePath", s.SessionCookiePath, "/")
			check("SessionCookieSecure", s.SessionCookieSecure, true)
			check("SessionCookieHttpOnly", s.SessionCookieHttpOnly, false)
			check("SessionCookieSameSite", s.SessionCookieSameSite, "")
			check("SessionSaveEveryRequest", s.SessionSaveEveryRequest, true)
			check("SessionExpireAtBrowserClose", s.SessionExpireAtBrowserClose, true)
			check("SessionSerializer", s.SessionSerializer, serializer.Serializer(serializer.JSON{}))
			check("SessionCacheAlias", s.SessionCacheAlias, "default")
			check("UseTZ", s.UseTZ, false)
			check("TimeZone", s.TimeZone, "Europe/Paris")
			check("AuthenticationBackends", len(s.AuthenticationBackends), 2)
			check("CSRFUseSessions", s.CSRFUseSessions, true)
			check("VaryOnlyWhenAccessed", s.VaryOnlyWhenAccessed, series == "3.2" || series == "4.2")
			check("SkipSaveOnlyOn500", s.SkipSaveOnlyOn500, series == "3.2")
			check("DatetimeExpiry", s.DatetimeExpiry, series == "3.2")
			check("AcceptLegacySessions", s.AcceptLegacySessions, series == "3.2")
			check("CSRFCookieName", s.CSRFCookieName, "xsrf")
			check("CSRFCookieAge", s.CSRFCookieAge, -1)
			check("CSRFCookieDomain", s.CSRFCookieDomain, ".example.com")
			check("CSRFCookiePath", s.CSRFCookiePath, "/app")
			check("CSRFCookieSecure", s.CSRFCookieSecure, true)
			check("CSRFCookieHttpOnly", s.CSRFCookieHttpOnly, true)
			check("CSRFCookieSameSite", s.CSRFCookieSameSite, "Strict")
			check("CSRFHeaderName", s.CSRFHeaderName, "HTTP_X_XSRF_TOKEN")
			check("CSRFTrustedOrigins", len(s.CSRFTrustedOrigins), 2)
			check("AllowedHosts", len(s.AllowedHosts), 1)
			check("UseXForwardedHost", s.UseXForwardedHost, true)
			check("SecureProxySSLHeader", strings.Join(s.SecureProxySSLHeader, " "), "HTTP_X_FORWARDED_PROTO https")
			check("CSRFLegacyChecks", s.CSRFLegacyChecks, series == "3.2")
			// (SIGNED_COOKIE_LEGACY_SALT_FALLBACK is read whatever the version; where signed
			// cookies still use the old salt, it changes nothing.)
			check("SignedCookieLegacySalt", s.SignedCookieLegacySalt, series == "3.2" || series == "4.2")
			check("SignedCookieLegacySaltFallback", s.SignedCookieLegacySaltFallback, true)
			check("PasswordResetTimeout", s.PasswordResetTimeout, 7200)
			check("DataUploadMaxMemorySize", s.DataUploadMaxMemorySize, -1)
			check("DataUploadMaxNumberFields", s.DataUploadMaxNumberFields, 5000)
			check("DataUploadMaxNumberFiles", s.DataUploadMaxNumberFiles, 100)
			check("LoginURL", s.LoginURL, "/signin/")
			check("LoginRedirectURL", s.LoginRedirectURL, "/dashboard/")
			check("SafeURLLegacy", s.SafeURLLegacy, series == "3.2")
			check("SafeURLBackport", s.SafeURLBackport, series == "4.2")
			check("MessageStorage", s.MessageStorage, "django.contrib.messages.storage.cookie.CookieStorage")
			check("MessageLevel", s.MessageLevel, 10)
			check("MessageTags", fmt.Sprint(s.MessageTags), "map[35:notice 40:danger]")
			check("MessagesLegacyExtraTags", s.MessagesLegacyExtraTags, series == "3.2")
			check("MessagesLegacyCookieFit", s.MessagesLegacyCookieFit, series == "3.2" || series == "4.2")
			check("MessagesLegacyCookieFormats", s.MessagesLegacyCookieFormats, series == "3.2")
			vals, err := auth.PasswordValidators(&s, "")
			if err != nil {
				t.Fatal(err)
			}
			check("AuthPasswordValidators", fmt.Sprint(vals), "[{[username email] 0.5} {12} {}]")
			set, err := hashers.FromSettings(s.DjangoVersion, s.PasswordHashers)
			if err != nil {
				t.Fatal(err)
			}
			check("PasswordHashers", fmt.Sprint(set.Hashers()), fmt.Sprint([]hashers.Hasher{hashers.Argon2{}, hashers.PBKDF2{Iterations: hashers.PBKDF2Iterations(series)}}))
			if _, err := django.NewCSRFMiddleware(s); err != nil {
				t.Errorf("NewCSRFMiddleware: %v", err)
			}
			if _, err := messages.NewMiddleware(s); err != nil {
				t.Errorf("messages.NewMiddleware: %v", err)
			}
		})
	}
}

// settingsProject makes a Django project whose settings module mysite.settings is
// settingsPy, and returns scripts/export_settings.py and the project's directory.
func settingsProject(t *testing.T, settingsPy string) (script, project string) {
	script, _ = filepath.Abs("../scripts/export_settings.py")
	project = t.TempDir()
	if err := os.MkdirAll(filepath.Join(project, "mysite"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(project, "mysite", "__init__.py"), nil, 0o644)
	os.WriteFile(filepath.Join(project, "mysite", "settings.py"), []byte(settingsPy), 0o644)
	return script, project
}
