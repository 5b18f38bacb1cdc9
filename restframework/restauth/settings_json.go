package restauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/djsession/djsession/restframework/simplejwt"
)

// ErrSettings: REST_AUTH has settings this package cannot honour (serializers or a token
// model of the project's own, an unknown name).
var ErrSettings = errors.New("restauth: unusable settings")

// defaultsOnly are the REST_AUTH settings this package takes only with dj-rest-auth's
// default value (its own classes).
var defaultsOnly = map[string]any{
	"LOGIN_SERIALIZER":                  "dj_rest_auth.serializers.LoginSerializer",
	"TOKEN_SERIALIZER":                  "dj_rest_auth.serializers.TokenSerializer",
	"JWT_SERIALIZER":                    "dj_rest_auth.serializers.JWTSerializer",
	"JWT_SERIALIZER_WITH_EXPIRATION":    "dj_rest_auth.serializers.JWTSerializerWithExpiration",
	"JWT_TOKEN_CLAIMS_SERIALIZER":       "rest_framework_simplejwt.serializers.TokenObtainPairSerializer",
	"USER_DETAILS_SERIALIZER":           "dj_rest_auth.serializers.UserDetailsSerializer",
	"PASSWORD_RESET_SERIALIZER":         "dj_rest_auth.serializers.PasswordResetSerializer",
	"PASSWORD_RESET_CONFIRM_SERIALIZER": "dj_rest_auth.serializers.PasswordResetConfirmSerializer",
	"PASSWORD_CHANGE_SERIALIZER":        "dj_rest_auth.serializers.PasswordChangeSerializer",
	"TOKEN_CREATOR":                     "dj_rest_auth.utils.default_create_token",
}

// ignored are the REST_AUTH settings of views this package does not have (registration,
// allauth, MFA), which leave its views as they are.
var ignored = []string{"REGISTER_SERIALIZER", "REGISTER_PERMISSION_CLASSES", "PASSWORD_RESET_USE_SITES_DOMAIN", "MFA_"}

// SettingsFromJSON reads the REST_AUTH (and ACCOUNT_LOGOUT_ON_GET) of a project from the
// JSON that scripts/export_settings.py prints ({"rest_auth_version", "settings":
// {"REST_AUTH": {...}, "ACCOUNT_LOGOUT_ON_GET": ...}}), over dj-rest-auth's defaults;
// Version follows the release the document names. Settings this package cannot honour
// (serializers, a TOKEN_MODEL or TOKEN_CREATOR of the project's own, an unknown name) are
// an error matching ErrSettings. JWT_AUTH_COOKIE_USE_CSRF and
// JWT_AUTH_COOKIE_ENFORCE_CSRF_ON_UNAUTHENTICATED are JWTCookieAuthentication's (see
// Settings.CookieAuthentication).
func SettingsFromJSON(data []byte) (*Settings, error) {
	var doc struct {
		RestAuthVersion string `json:"rest_auth_version"`
		Settings        struct {
			RestAuth    map[string]json.RawMessage `json:"REST_AUTH"`
			LogoutOnGet *bool                      `json:"ACCOUNT_LOGOUT_ON_GET"`
		} `json:"settings"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("restauth: settings JSON: %w", err)
	}
	s := Defaults()
	if strings.HasPrefix(doc.RestAuthVersion, "7.0") || doc.RestAuthVersion != "" && doc.RestAuthVersion < "7.0" {
		s.Version = "7.0"
	}
	if doc.Settings.LogoutOnGet != nil {
		s.LogoutOnGet = *doc.Settings.LogoutOnGet
	}
	names := make([]string, 0, len(doc.Settings.RestAuth))
	for name := range doc.Settings.RestAuth {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := s.setJSON(name, doc.Settings.RestAuth[name]); err != nil {
			return nil, fmt.Errorf("%w: REST_AUTH[%q]: %w", ErrSettings, name, err)
		}
	}
	return s, nil
}

// setJSON sets the setting name from its exported JSON value.
func (s *Settings) setJSON(name string, raw json.RawMessage) error {
	boolean := func(dst *bool) error { return json.Unmarshal(raw, dst) }
	str := func(dst *string) error { return json.Unmarshal(raw, dst) } // (null leaves "": None)
	c := &s.Cookies
	switch name {
	case "USE_JWT":
		return boolean(&s.UseJWT)
	case "SESSION_LOGIN":
		return boolean(&s.SessionLogin)
	case "JWT_AUTH_RETURN_EXPIRATION":
		return boolean(&s.ReturnExpiration)
	case "OLD_PASSWORD_FIELD_ENABLED":
		return boolean(&s.OldPasswordFieldEnabled)
	case "LOGOUT_ON_PASSWORD_CHANGE":
		return boolean(&s.LogoutOnPasswordChange)
	case "JWT_AUTH_COOKIE_USE_CSRF":
		return boolean(&s.CookieUseCSRF)
	case "JWT_AUTH_COOKIE_ENFORCE_CSRF_ON_UNAUTHENTICATED":
		return boolean(&s.CookieEnforceCSRFOnUnauthenticated)
	case "JWT_AUTH_COOKIE":
		return str(&c.AuthCookie)
	case "JWT_AUTH_REFRESH_COOKIE":
		return str(&c.RefreshCookie)
	case "JWT_AUTH_REFRESH_COOKIE_PATH":
		return str(&c.RefreshCookiePath)
	case "JWT_AUTH_COOKIE_DOMAIN":
		return str(&c.Domain)
	case "JWT_AUTH_SECURE":
		return boolean(&c.Secure)
	case "JWT_AUTH_HTTPONLY":
		return boolean(&c.HTTPOnly)
	case "JWT_AUTH_SAMESITE":
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		switch x := v.(type) {
		case string:
			c.SameSite = x
		case nil, bool: // (None, or False: no SameSite)
			if x == true {
				return fmt.Errorf("true: not a SameSite value")
			}
			c.SameSite = ""
		default:
			return fmt.Errorf("%v: not a SameSite value", v)
		}
		return nil
	case "TOKEN_MODEL":
		var v *string
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		switch {
		case v == nil:
			s.NoTokenModel = true
		case *v == "rest_framework.authtoken.models.Token":
			s.NoTokenModel = false
		default:
			return fmt.Errorf("%q: only DRF's Token (or None) is supported", *v)
		}
		return nil
	}
	if want, ok := defaultsOnly[name]; ok {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		if v != want {
			return fmt.Errorf("%v: only dj-rest-auth's default (%v) is supported", v, want)
		}
		return nil
	}
	for _, p := range ignored {
		if name == p || strings.HasSuffix(p, "_") && strings.HasPrefix(name, p) {
			return nil
		}
	}
	return fmt.Errorf("an unknown setting")
}

// CookieAuthentication returns dj-rest-auth's JWTCookieAuthentication for these settings
// (JWT_AUTH_COOKIE and its CSRF settings) over jwt, simplejwt's JWTAuthentication.
func (s *Settings) CookieAuthentication(jwt simplejwt.JWTAuthentication) *simplejwt.JWTCookieAuthentication {
	return &simplejwt.JWTCookieAuthentication{JWTAuthentication: jwt, Cookie: s.Cookies.AuthCookie,
		CookieUseCSRF: s.CookieUseCSRF, CookieEnforceCSRFOnUnauthenticated: s.CookieEnforceCSRFOnUnauthenticated}
}
