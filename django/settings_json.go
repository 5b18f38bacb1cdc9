package django

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/djsession/djsession/serializer"
)

// Dotted paths of Django's session serializers, as SESSION_SERIALIZER names them.
const (
	JSONSerializerPath        = "django.contrib.sessions.serializers.JSONSerializer"
	SigningJSONSerializerPath = "django.core.signing.JSONSerializer"
	PickleSerializerPath      = "django.contrib.sessions.serializers.PickleSerializer"
	CorePickleSerializerPath  = "django.core.serializers.base.PickleSerializer"
)

// exported is the document scripts/export_settings.py prints.
type exported struct {
	DjangoVersion string                     `json:"django_version"`
	Settings      map[string]json.RawMessage `json:"settings"`
}

// SettingsFromJSON reads the JSON that scripts/export_settings.py prints inside a Django
// project (python scripts/export_settings.py [--secrets], with DJANGO_SETTINGS_MODULE
// set) and returns Settings holding the project's values, Django's defaults for the rest,
// and the behaviour options of its Django version (ForDjango).
//
// SECRET_KEY and SECRET_KEY_FALLBACKS are present only when the script ran with
// --secrets; otherwise set SecretKey yourself (from the environment, a vault, ...).
// SessionEngine is never set: build the store named by SessionEngineName with
// EngineOptions. Unknown settings are ignored; a known setting of the wrong type is an
// error. The result is not validated; call Validate (NewMiddleware does).
func SettingsFromJSON(data []byte) (Settings, error) {
	s := NewSettings()
	var doc exported
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return s, fmt.Errorf("django: settings JSON: %w", err)
	}
	if doc.DjangoVersion != "" {
		if err := s.ForDjango(doc.DjangoVersion); err != nil {
			return s, err
		}
	}
	var err error
	get := func(name string, dst any) {
		raw, ok := doc.Settings[name]
		if !ok || err != nil || string(raw) == "null" {
			return
		}
		if e := json.Unmarshal(raw, dst); e != nil {
			err = fmt.Errorf("django: settings JSON: %s: %w", name, e)
		}
	}
	// str-or-null settings: null keeps "" (Django's None).
	get("SECRET_KEY", &s.SecretKey)
	get("SECRET_KEY_FALLBACKS", &s.SecretKeyFallbacks)
	get("SESSION_ENGINE", &s.SessionEngineName)
	get("SESSION_COOKIE_NAME", &s.SessionCookieName)
	get("SESSION_COOKIE_AGE", &s.SessionCookieAge)
	get("SESSION_COOKIE_DOMAIN", &s.SessionCookieDomain)
	get("SESSION_COOKIE_PATH", &s.SessionCookiePath)
	get("SESSION_COOKIE_SECURE", &s.SessionCookieSecure)
	get("SESSION_COOKIE_HTTPONLY", &s.SessionCookieHttpOnly)
	// A SameSite setting is a string, or False/None for no attribute.
	sameSite := func(name string, dst *string) {
		if isNull(doc.Settings, name, "false", "null") {
			*dst = ""
		} else {
			get(name, dst)
		}
	}
	sameSite("SESSION_COOKIE_SAMESITE", &s.SessionCookieSameSite)
	get("SESSION_SAVE_EVERY_REQUEST", &s.SessionSaveEveryRequest)
	get("SESSION_EXPIRE_AT_BROWSER_CLOSE", &s.SessionExpireAtBrowserClose)
	var ser string
	get("SESSION_SERIALIZER", &ser)
	switch ser {
	case "", JSONSerializerPath, SigningJSONSerializerPath:
		s.SessionSerializer = serializer.JSON{}
	case PickleSerializerPath, CorePickleSerializerPath:
		s.SessionSerializer = serializer.Pickle{}
	default:
		if err == nil {
			err = fmt.Errorf("django: settings JSON: SESSION_SERIALIZER %q is not one of Django's serializers; set Settings.SessionSerializer to a serializer.Serializer for it", ser)
		}
	}
	get("SESSION_FILE_PATH", &s.SessionFilePath)
	get("SESSION_CACHE_ALIAS", &s.SessionCacheAlias)
	get("USE_TZ", &s.UseTZ)
	get("TIME_ZONE", &s.TimeZone)
	get("AUTHENTICATION_BACKENDS", &s.AuthenticationBackends)
	get("CSRF_USE_SESSIONS", &s.CSRFUseSessions)
	get("CSRF_COOKIE_NAME", &s.CSRFCookieName)
	if isNull(doc.Settings, "CSRF_COOKIE_AGE", "null") {
		s.CSRFCookieAge = -1
	} else {
		get("CSRF_COOKIE_AGE", &s.CSRFCookieAge)
	}
	get("CSRF_COOKIE_DOMAIN", &s.CSRFCookieDomain)
	get("CSRF_COOKIE_PATH", &s.CSRFCookiePath)
	get("CSRF_COOKIE_SECURE", &s.CSRFCookieSecure)
	get("CSRF_COOKIE_HTTPONLY", &s.CSRFCookieHttpOnly)
	sameSite("CSRF_COOKIE_SAMESITE", &s.CSRFCookieSameSite)
	if major, minor, _, err := parseVersion(doc.DjangoVersion); doc.DjangoVersion == "" || err == nil && major == 4 && minor >= 1 {
		// (only 4.1 and 4.2 have the setting: a project's leftover is ignored elsewhere)
		get("CSRF_COOKIE_MASKED", &s.CSRFCookieMasked)
	}
	get("CSRF_HEADER_NAME", &s.CSRFHeaderName)
	get("CSRF_TRUSTED_ORIGINS", &s.CSRFTrustedOrigins)
	get("ALLOWED_HOSTS", &s.AllowedHosts)
	get("DEBUG", &s.Debug)
	get("USE_X_FORWARDED_HOST", &s.UseXForwardedHost)
	get("USE_X_FORWARDED_PORT", &s.UseXForwardedPort)
	get("SECURE_PROXY_SSL_HEADER", &s.SecureProxySSLHeader)
	get("SIGNED_COOKIE_LEGACY_SALT_FALLBACK", &s.SignedCookieLegacySaltFallback)
	get("PASSWORD_RESET_TIMEOUT", &s.PasswordResetTimeout)
	for name, dst := range map[string]*int{"DATA_UPLOAD_MAX_MEMORY_SIZE": &s.DataUploadMaxMemorySize,
		"DATA_UPLOAD_MAX_NUMBER_FIELDS": &s.DataUploadMaxNumberFields, "DATA_UPLOAD_MAX_NUMBER_FILES": &s.DataUploadMaxNumberFiles} {
		if string(doc.Settings[name]) == "null" {
			*dst = -1 // (None: no bound)
		}
		get(name, dst)
	}
	get("LOGIN_URL", &s.LoginURL)
	get("LOGIN_REDIRECT_URL", &s.LoginRedirectURL)
	get("LOGOUT_REDIRECT_URL", &s.LogoutRedirectURL)
	get("MESSAGE_STORAGE", &s.MessageStorage)
	get("MESSAGE_LEVEL", &s.MessageLevel)
	get("AUTH_PASSWORD_VALIDATORS", &s.AuthPasswordValidators)
	get("PASSWORD_HASHERS", &s.PasswordHashers)
	// MESSAGE_TAGS has int keys, which JSON writes as strings.
	var tags map[string]string
	get("MESSAGE_TAGS", &tags)
	if tags != nil {
		s.MessageTags = make(map[int]string, len(tags))
		for k, v := range tags {
			level, e := strconv.Atoi(k)
			if e != nil && err == nil {
				err = fmt.Errorf("django: settings JSON: MESSAGE_TAGS: level %q is not an int", k)
			}
			s.MessageTags[level] = v
		}
	}
	if err != nil {
		return s, err
	}
	return s, nil
}

// isNull reports whether settings holds name with one of the JSON texts given (null,
// false: the settings whose None or False mean "no value").
func isNull(settings map[string]json.RawMessage, name string, texts ...string) bool {
	raw, ok := settings[name]
	return ok && slices.Contains(texts, string(raw))
}
