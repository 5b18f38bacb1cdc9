package oauth2provider

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/djsession/djsession/serializer"
)

// truthy sets *b to the truth of the exported value, as Python's bool() of it.
func truthy(raw json.RawMessage, b *bool) error {
	v, err := serializer.DecodeJSONText(string(raw))
	if err != nil {
		return err
	}
	switch v.Kind() {
	case serializer.KindNone:
		*b = false
	case serializer.KindBool:
		*b, _ = v.AsBool()
	case serializer.KindInt:
		n, _ := v.AsBigInt()
		*b = n.Sign() != 0
	case serializer.KindFloat:
		f, _ := v.AsFloat()
		*b = f != 0
	default:
		*b = v.Len() > 0
	}
	return nil
}

// The toolkit's defaults of the settings SettingsFromJSON accepts at their default only.
var fixedDefaults = map[string]any{
	"OAUTH2_VALIDATOR_CLASS":              "oauth2_provider.oauth2_validators.OAuth2Validator",
	"OAUTH2_BACKEND_CLASS":                "oauth2_provider.oauth2_backends.OAuthLibCore",
	"OAUTH2_SERVER_CLASS":                 "oauthlib.oauth2.Server",
	"ACCESS_TOKEN_MODEL":                  "oauth2_provider.AccessToken",
	"AUTHENTICATION_SERVER_EXP_TIME_ZONE": "UTC",
}

// The toolkit's defaults of the settings of issuing tokens that TokenView follows at their
// default only (other values make it a server error; reading tokens ignores them).
var issuingDefaults = map[string]string{
	"ACCESS_TOKEN_GENERATOR":         "null",
	"REFRESH_TOKEN_GENERATOR":        "null",
	"EXTRA_SERVER_KWARGS":            "{}",
	"SCOPES_BACKEND_CLASS":           `"oauth2_provider.scopes.SettingsScopes"`,
	"APPLICATION_MODEL":              `"oauth2_provider.Application"`,
	"REFRESH_TOKEN_MODEL":            `"oauth2_provider.RefreshToken"`,
	"OIDC_ENABLED":                   "false",
	"REFRESH_TOKEN_REUSE_PROTECTION": "false",
}

// defaultValidator is RESOURCE_SERVER_TOKEN_RESOURCE_VALIDATOR's default.
const defaultValidator = "oauth2_provider.oauth2_validators.validate_resource_as_url_prefix"

// SettingsFromJSON reads the OAUTH2_PROVIDER of a project from the JSON that
// scripts/export_settings.py prints ({"oauth2_provider_version", "settings":
// {"OAUTH2_PROVIDER": {...}, "OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL": ...}}), over the
// toolkit's defaults; Version follows the release the document names. READ_SCOPE,
// WRITE_SCOPE, the names of SCOPES, ERROR_RESPONSE_WITH_SCOPES, COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT
// RESOURCE_SERVER_TOKEN_RESOURCE_VALIDATOR (its default, or None) and the introspection
// server's settings (RESOURCE_SERVER_INTROSPECTION_URL, RESOURCE_SERVER_AUTH_TOKEN and
// RESOURCE_SERVER_INTROSPECTION_CREDENTIALS, which scripts/export_settings.py prints only
// with --secrets, and RESOURCE_SERVER_TOKEN_CACHING_SECONDS) are read; the settings of
// issuing tokens, which reading them never uses, are ignored; a validator, backend,
// server class or token model of the project's own, an
// AUTHENTICATION_SERVER_EXP_TIME_ZONE other than UTC, and hashed token storage
// (COMPLIANT_BCP_RFC9700_TOKEN_STORAGE) with an introspection server are an error
// matching ErrSettings.
func SettingsFromJSON(data []byte) (*Settings, error) {
	var doc struct {
		Version  string `json:"oauth2_provider_version"`
		Settings struct {
			Provider    map[string]json.RawMessage `json:"OAUTH2_PROVIDER"`
			Model       *string                    `json:"OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL"`
			Application *string                    `json:"OAUTH2_PROVIDER_APPLICATION_MODEL"`
			Refresh     *string                    `json:"OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL"`
			Grant       *string                    `json:"OAUTH2_PROVIDER_GRANT_MODEL"`
		} `json:"settings"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("oauth2provider: settings JSON: %w", err)
	}
	s := Defaults()
	if major, _, _ := strings.Cut(doc.Version, "."); major != "" {
		if n, err := strconv.Atoi(major); err != nil || n < 3 {
			s.Version = "2.4"
		}
	}
	if m := doc.Settings.Model; m != nil && *m != fixedDefaults["ACCESS_TOKEN_MODEL"] {
		return nil, fmt.Errorf("%w: OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL %q", ErrSettings, *m)
	}
	for _, m := range []struct {
		name  string
		value *string
		def   string
	}{
		{"OAUTH2_PROVIDER_APPLICATION_MODEL", doc.Settings.Application, "oauth2_provider.Application"},
		{"OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL", doc.Settings.Refresh, "oauth2_provider.RefreshToken"},
		{"OAUTH2_PROVIDER_GRANT_MODEL", doc.Settings.Grant, "oauth2_provider.Grant"},
	} {
		if m.value != nil && *m.value != m.def { // (models of the project's own: TokenView cannot write them)
			s.issuingErr = fmt.Errorf("%w: %s %q", ErrSettings, m.name, *m.value)
		}
	}
	names := make([]string, 0, len(doc.Settings.Provider))
	for name := range doc.Settings.Provider {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := s.setJSON(name, doc.Settings.Provider[name]); err != nil {
			return nil, fmt.Errorf("%w: OAUTH2_PROVIDER[%q]: %w", ErrSettings, name, err)
		}
	}
	// (DEFAULT_SCOPES: "__all__" for every scope of SCOPES, in order, else those of them
	// among SCOPES)
	s.DefaultScopes = nil
	for _, d := range s.defaultScopes {
		if d == "__all__" {
			s.DefaultScopes = slices.Clone(s.Scopes)
			break
		}
		if slices.Contains(s.Scopes, d) {
			s.DefaultScopes = append(s.DefaultScopes, d)
		} else if s.issuingErr == nil { // (the toolkit's ImproperlyConfigured, when it needs them)
			s.issuingErr = fmt.Errorf("%w: DEFAULT_SCOPES %q not present in SCOPES", ErrSettings, d)
		}
	}
	if s.HashedTokenStorage && s.introspects() {
		return nil, fmt.Errorf("%w: COMPLIANT_BCP_RFC9700_TOKEN_STORAGE with an introspection server", ErrSettings)
	}
	return s, nil
}

// setJSON sets the setting name from its exported JSON value.
func (s *Settings) setJSON(name string, raw json.RawMessage) error {
	switch name {
	case "READ_SCOPE", "WRITE_SCOPE":
		var v *string
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		if v == nil {
			return errors.New("None")
		}
		if name == "READ_SCOPE" {
			s.ReadScope = *v
		} else {
			s.WriteScope = *v
		}
		return nil
	case "SCOPES":
		v, err := serializer.DecodeJSONText(string(raw))
		if err != nil {
			return err
		}
		d := v.Dict()
		if d == nil {
			return errors.New("not a dict")
		}
		s.Scopes = nil
		for k := range d.All() {
			ks, ok := k.AsStr()
			if !ok {
				return errors.New("a scope that is not a string")
			}
			s.Scopes = append(s.Scopes, ks)
		}
		return nil
	case "DEFAULT_SCOPES":
		return json.Unmarshal(raw, &s.defaultScopes)
	case "ACCESS_TOKEN_EXPIRE_SECONDS":
		if err := json.Unmarshal(raw, &s.AccessTokenExpireSeconds); err != nil {
			s.issuingErr = fmt.Errorf("%w: ACCESS_TOKEN_EXPIRE_SECONDS %s", ErrSettings, raw)
		}
		return nil
	case "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT":
		return truthy(raw, &s.PasswordGrantCompliant)
	case "ROTATE_REFRESH_TOKEN":
		return truthy(raw, &s.RotateRefreshToken)
	case "PKCE_REQUIRED":
		var v bool
		if err := json.Unmarshal(raw, &v); err != nil { // (a function of the client id)
			s.issuingErr = fmt.Errorf("%w: PKCE_REQUIRED %s", ErrSettings, raw)
			return nil
		}
		s.PKCERequired = v
		return nil
	case "REFRESH_TOKEN_GRACE_PERIOD_SECONDS", "REFRESH_TOKEN_EXPIRE_SECONDS":
		var v *float64
		if err := json.Unmarshal(raw, &v); err != nil || v != nil && *v < 0 {
			s.issuingErr = fmt.Errorf("%w: %s %s", ErrSettings, name, raw)
			return nil
		}
		if v == nil {
			v = new(float64)
		}
		if name == "REFRESH_TOKEN_EXPIRE_SECONDS" {
			s.RefreshTokenExpireSeconds = *v
		} else {
			s.RefreshTokenGracePeriodSeconds = *v
		}
		return nil
	case "RESOURCE_SERVER_INTROSPECTION_URL":
		var v *string
		if err := json.Unmarshal(raw, &v); err != nil || v == nil {
			return err
		}
		s.IntrospectionURL = *v
		return nil
	case "RESOURCE_SERVER_AUTH_TOKEN":
		var v *string
		if err := json.Unmarshal(raw, &v); err != nil || v == nil {
			return err
		}
		s.IntrospectionToken = *v
		return nil
	case "RESOURCE_SERVER_INTROSPECTION_CREDENTIALS":
		var v []string
		if err := json.Unmarshal(raw, &v); err != nil || v == nil {
			return err
		}
		if len(v) != 2 {
			return fmt.Errorf("%d items, not a client id and a secret", len(v))
		}
		s.IntrospectionCredentials = &[2]string{v[0], v[1]}
		return nil
	case "RESOURCE_SERVER_TOKEN_CACHING_SECONDS":
		return json.Unmarshal(raw, &s.TokenCachingSeconds)
	case "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE":
		return truthy(raw, &s.HashedTokenStorage)
	case "ERROR_RESPONSE_WITH_SCOPES":
		return truthy(raw, &s.ErrorResponseWithScopes)
	case "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT":
		return truthy(raw, &s.AccessTokenTransportCompliant)
	case "RESOURCE_SERVER_TOKEN_RESOURCE_VALIDATOR":
		var v *string
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		switch {
		case v == nil:
			s.ResourceValidator = nil
		case *v != defaultValidator:
			return fmt.Errorf("a validator of the project's own (%s)", *v)
		}
		return nil
	}
	if def, issuing := issuingDefaults[name]; issuing {
		var got, want any
		if err := json.Unmarshal(raw, &got); err != nil {
			return err
		}
		json.Unmarshal([]byte(def), &want)
		if !reflect.DeepEqual(got, want) {
			s.issuingErr = fmt.Errorf("%w: %s %s, which TokenView does not follow", ErrSettings, name, raw)
		}
		return nil
	}
	if def, fixed := fixedDefaults[name]; fixed {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		if v != def {
			return fmt.Errorf("not the toolkit's %v but %s", def, raw)
		}
	}
	return nil
}
