package simplejwt

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/djsession/djsession/serializer"
)

// tokenClasses are AUTH_TOKEN_CLASSES' entries and their token types.
var tokenClasses = map[string]string{
	"rest_framework_simplejwt.tokens.AccessToken":  Access,
	"rest_framework_simplejwt.tokens.RefreshToken": Refresh,
	"rest_framework_simplejwt.tokens.SlidingToken": Sliding,
	"rest_framework_simplejwt.tokens.UntypedToken": Untyped,
}

// defaultsOnly are the settings this package takes only with simplejwt's default value
// (their classes are simplejwt's own here).
var defaultsOnly = map[string]any{
	"USER_AUTHENTICATION_RULE":         "rest_framework_simplejwt.authentication.default_user_authentication_rule",
	"TOKEN_USER_CLASS":                 "rest_framework_simplejwt.models.TokenUser",
	"TOKEN_OBTAIN_SERIALIZER":          "rest_framework_simplejwt.serializers.TokenObtainPairSerializer",
	"TOKEN_REFRESH_SERIALIZER":         "rest_framework_simplejwt.serializers.TokenRefreshSerializer",
	"TOKEN_VERIFY_SERIALIZER":          "rest_framework_simplejwt.serializers.TokenVerifySerializer",
	"TOKEN_BLACKLIST_SERIALIZER":       "rest_framework_simplejwt.serializers.TokenBlacklistSerializer",
	"SLIDING_TOKEN_OBTAIN_SERIALIZER":  "rest_framework_simplejwt.serializers.TokenObtainSlidingSerializer",
	"SLIDING_TOKEN_REFRESH_SERIALIZER": "rest_framework_simplejwt.serializers.TokenRefreshSlidingSerializer",
	"JSON_ENCODER":                     nil,
	"JWK_URL":                          nil,
}

// SettingsFromJSON reads the SIMPLE_JWT of a project from the JSON that
// scripts/export_settings.py prints ({"django_version", "simplejwt_version",
// "settings": {"SIMPLE_JWT": {...}}}), over simplejwt's defaults for a site whose
// SECRET_KEY is secretKey (the SIGNING_KEY unless the project sets one: export_settings.py
// leaves it out without --secrets). DjangoVersion and Version follow the versions the
// document names. Settings this package cannot honour (a JWK_URL, classes of the
// project's own, an unknown name) are an error matching ErrSettings.
func SettingsFromJSON(data []byte, secretKey string) (*Settings, error) {
	var doc struct {
		DjangoVersion    string `json:"django_version"`
		SimpleJWTVersion string `json:"simplejwt_version"`
		Settings         struct {
			SimpleJWT map[string]json.RawMessage `json:"SIMPLE_JWT"`
		} `json:"settings"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("simplejwt: settings JSON: %w", err)
	}
	s := Defaults(secretKey)
	s.DjangoVersion = doc.DjangoVersion
	if strings.HasPrefix(doc.SimpleJWTVersion, "5.3") || doc.SimpleJWTVersion != "" && doc.SimpleJWTVersion < "5.3" {
		s.Version = "5.3"
	}
	names := make([]string, 0, len(doc.Settings.SimpleJWT))
	for name := range doc.Settings.SimpleJWT {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := s.setJSON(name, doc.Settings.SimpleJWT[name]); err != nil {
			return nil, fmt.Errorf("%w: SIMPLE_JWT[%q]: %w", ErrSettings, name, err)
		}
	}
	return s, s.check()
}

// setJSON sets the setting name from its exported JSON value.
func (s *Settings) setJSON(name string, raw json.RawMessage) error {
	str := func(dst *string) error { return json.Unmarshal(raw, dst) }
	boolean := func(dst *bool) error { return json.Unmarshal(raw, dst) }
	duration := func(dst *time.Duration) error {
		var secs float64
		if err := json.Unmarshal(raw, &secs); err != nil {
			return err
		}
		if math.IsNaN(secs) || math.Abs(secs) > math.MaxInt64/1e9 {
			return fmt.Errorf("%v seconds", secs)
		}
		*dst = time.Duration(math.Round(secs*1e6)) * time.Microsecond
		return nil
	}
	switch name {
	case "ACCESS_TOKEN_LIFETIME":
		return duration(&s.AccessTokenLifetime)
	case "REFRESH_TOKEN_LIFETIME":
		return duration(&s.RefreshTokenLifetime)
	case "SLIDING_TOKEN_LIFETIME":
		return duration(&s.SlidingTokenLifetime)
	case "SLIDING_TOKEN_REFRESH_LIFETIME":
		return duration(&s.SlidingTokenRefreshLifetime)
	case "LEEWAY":
		return duration(&s.Leeway)
	case "ROTATE_REFRESH_TOKENS":
		return boolean(&s.RotateRefreshTokens)
	case "BLACKLIST_AFTER_ROTATION":
		return boolean(&s.BlacklistAfterRotation)
	case "UPDATE_LAST_LOGIN":
		return boolean(&s.UpdateLastLogin)
	case "CHECK_REVOKE_TOKEN":
		return boolean(&s.CheckRevokeToken)
	case "CHECK_USER_IS_ACTIVE":
		return boolean(&s.CheckUserIsActive)
	case "ALGORITHM":
		return str(&s.Algorithm)
	case "SIGNING_KEY":
		return str(&s.SigningKey)
	case "VERIFYING_KEY":
		return str(&s.VerifyingKey)
	case "AUTH_HEADER_NAME":
		return str(&s.AuthHeaderName)
	case "USER_ID_FIELD":
		if err := str(&s.UserIDField); err != nil {
			return err
		}
		if s.UserIDField != "id" && s.UserIDField != "pk" {
			return fmt.Errorf("%q: users are found by primary key here", s.UserIDField)
		}
		return nil
	case "USER_ID_CLAIM":
		return str(&s.UserIDClaim)
	case "TOKEN_TYPE_CLAIM":
		return str(&s.TokenTypeClaim)
	case "JTI_CLAIM":
		return str(&s.JTIClaim)
	case "SLIDING_TOKEN_REFRESH_EXP_CLAIM":
		return str(&s.SlidingTokenRefreshExpClaim)
	case "REVOKE_TOKEN_CLAIM":
		return str(&s.RevokeTokenClaim)
	case "ISSUER":
		return str(&s.Issuer) // (null leaves "")
	case "AUDIENCE":
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		a, err := serializer.ValueOf(v)
		if err != nil {
			return err
		}
		s.Audience = a
		return nil
	case "AUTH_HEADER_TYPES":
		var one string
		if json.Unmarshal(raw, &one) == nil {
			s.AuthHeaderTypes = []string{one}
			return nil
		}
		return json.Unmarshal(raw, &s.AuthHeaderTypes)
	case "AUTH_TOKEN_CLASSES":
		var classes []string
		if err := json.Unmarshal(raw, &classes); err != nil {
			return err
		}
		s.AuthTokenTypes = nil
		for _, c := range classes {
			typ, ok := tokenClasses[c]
			if !ok {
				return fmt.Errorf("%q: only simplejwt's token classes are supported", c)
			}
			s.AuthTokenTypes = append(s.AuthTokenTypes, typ)
		}
		return nil
	}
	if want, ok := defaultsOnly[name]; ok {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		if v != want {
			return fmt.Errorf("%v: only simplejwt's default (%v) is supported", v, want)
		}
		return nil
	}
	return fmt.Errorf("an unknown setting")
}
