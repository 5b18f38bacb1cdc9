package headless

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The default adapters, which SettingsFromJSON requires.
const (
	defaultHeadlessAdapter = "allauth.headless.adapter.DefaultHeadlessAdapter"
	defaultAccountAdapter  = "allauth.account.adapter.DefaultAccountAdapter"
)

// SettingsFromJSON reads allauth's settings from the JSON scripts/export_settings.py
// prints for a Django project: the HEADLESS_* settings, SECRET_KEY (exported with
// --secrets; else set SecretKey yourself), ACCOUNT_USER_MODEL_USERNAME_FIELD, and the
// flows an anonymous session is offered, as allauth derives them from
// SOCIALACCOUNT_ONLY, ACCOUNT_LOGIN_BY_CODE_ENABLED, ACCOUNT_SIGNUP_ENABLED and the
// installed apps (allauth.mfa with MFA_PASSKEY_LOGIN_ENABLED and "webauthn" in
// MFA_SUPPORTED_TYPES). Settings this package cannot follow are refused with
// ErrSettings: an adapter, token strategy, user display or ALLAUTH_SETTING_GETTER of the
// project's own. Those
// that only change the flows (allauth.socialaccount installed, whose providers' flows
// this package does not list, or ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED, whose flow
// depends on a process in the session) leave the tokens working and make the views
// that answer flows fail (a server error).
func SettingsFromJSON(data []byte) (*Settings, error) {
	var doc struct {
		Settings      map[string]json.RawMessage `json:"settings"`
		InstalledApps []string                   `json:"installed_apps"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("headless: settings JSON: %w", err)
	}
	get := func(name string, dst any) (bool, error) {
		raw, ok := doc.Settings[name]
		if !ok || string(raw) == "null" {
			return false, nil
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return false, fmt.Errorf("%w: %s: %w", ErrSettings, name, err)
		}
		return true, nil
	}
	s := Defaults("")
	var errs []error
	str := func(name string, dst *string) {
		_, err := get(name, dst)
		errs = append(errs, err)
	}
	str("SECRET_KEY", &s.SecretKey)
	str("HEADLESS_TOKEN_STRATEGY", &s.TokenStrategy)
	str("HEADLESS_JWT_ALGORITHM", &s.JWTAlgorithm)
	str("HEADLESS_JWT_PRIVATE_KEY", &s.JWTPrivateKey)
	str("HEADLESS_JWT_AUTHORIZATION_HEADER_SCHEME", &s.JWTAuthorizationHeaderScheme)
	for name, dst := range map[string]*int64{"HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN": &s.JWTAccessTokenExpiresIn,
		"HEADLESS_JWT_REFRESH_TOKEN_EXPIRES_IN": &s.JWTRefreshTokenExpiresIn} {
		_, err := get(name, dst)
		errs = append(errs, err)
	}
	for name, dst := range map[string]*bool{"HEADLESS_JWT_STATEFUL_VALIDATION_ENABLED": &s.JWTStatefulValidationEnabled,
		"HEADLESS_JWT_ROTATE_REFRESH_TOKEN": &s.JWTRotateRefreshToken} {
		_, err := get(name, dst)
		errs = append(errs, err)
	}
	for name, dst := range map[string]*string{"ACCOUNT_USER_MODEL_USERNAME_FIELD": &s.UserModelUsernameField,
		"ACCOUNT_USER_MODEL_EMAIL_FIELD": &s.UserModelEmailField} {
		raw, ok := doc.Settings[name]
		if !ok {
			continue
		}
		var f *string
		if err := json.Unmarshal(raw, &f); err != nil {
			errs = append(errs, fmt.Errorf("%w: %s: %w", ErrSettings, name, err))
		}
		*dst = ""
		if f != nil {
			*dst = *f
		}
	}
	for name, want := range map[string]string{"HEADLESS_ADAPTER": defaultHeadlessAdapter, "ACCOUNT_ADAPTER": defaultAccountAdapter} {
		var v string
		ok, err := get(name, &v)
		errs = append(errs, err)
		if err == nil && ok && v != want {
			errs = append(errs, fmt.Errorf("%w: %s %q (this package follows allauth's own)", ErrSettings, name, v))
		}
	}
	for _, name := range []string{"ACCOUNT_USER_DISPLAY", "ALLAUTH_SETTING_GETTER"} {
		if _, ok := doc.Settings[name]; ok {
			errs = append(errs, fmt.Errorf("%w: %s of the project's own", ErrSettings, name))
		}
	}
	switch s.TokenStrategy {
	case SessionTokenStrategy, JWTTokenStrategy:
	default:
		errs = append(errs, fmt.Errorf("%w: HEADLESS_TOKEN_STRATEGY %q (this package follows allauth's own)", ErrSettings, s.TokenStrategy))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	// The flows of an anonymous session (BaseAuthenticationResponse._get_flows).
	apps := doc.InstalledApps // (the apps' names, as apps.is_installed reads them)
	if apps == nil {
		if _, err := get("INSTALLED_APPS", &apps); err != nil {
			return nil, err
		}
	}
	flags := map[string]bool{"SOCIALACCOUNT_ONLY": false, "ACCOUNT_LOGIN_BY_CODE_ENABLED": false,
		"ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED": false, "MFA_PASSKEY_LOGIN_ENABLED": false, "ACCOUNT_SIGNUP_ENABLED": true}
	for name := range flags {
		var v any
		if ok, err := get(name, &v); err != nil {
			return nil, err
		} else if ok {
			flags[name] = truthy(v)
		}
	}
	mfaTypes := []string{"recovery_codes", "totp"}
	if _, err := get("MFA_SUPPORTED_TYPES", &mfaTypes); err != nil {
		return nil, err
	}
	socialOnly := flags["SOCIALACCOUNT_ONLY"]
	s.UnauthenticatedFlows = nil
	if !socialOnly {
		s.UnauthenticatedFlows = append(s.UnauthenticatedFlows, "login")
	}
	if flags["ACCOUNT_LOGIN_BY_CODE_ENABLED"] {
		s.UnauthenticatedFlows = append(s.UnauthenticatedFlows, "login_by_code")
	}
	if flags["ACCOUNT_SIGNUP_ENABLED"] && !socialOnly { // (the default adapter's is_open_for_signup)
		s.UnauthenticatedFlows = append(s.UnauthenticatedFlows, "signup")
	}
	if slices.Contains(apps, "allauth.socialaccount") {
		s.flowsErr = fmt.Errorf("%w: allauth.socialaccount installed (its providers' flows)", ErrSettings)
	}
	if slices.Contains(apps, "allauth.mfa") && flags["MFA_PASSKEY_LOGIN_ENABLED"] && slices.Contains(mfaTypes, "webauthn") {
		s.UnauthenticatedFlows = append(s.UnauthenticatedFlows, "mfa_login_webauthn")
	}
	if flags["ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED"] && !socialOnly {
		s.flowsErr = fmt.Errorf("%w: ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED (its flow's process)", ErrSettings)
	}
	s.MFAEnabled = slices.Contains(apps, "allauth.mfa")
	s.SitesInstalled = slices.Contains(apps, "django.contrib.sites")
	if err := loginSettings(s, get, apps); err != nil {
		return nil, err
	}
	return s, nil
}

// loginSettings reads the settings of LoginView: the login methods, the email
// verification, the login code, the rate limits and how a client is known.
func loginSettings(s *Settings, get func(string, any) (bool, error), apps []string) error {
	var methods []string
	if ok, err := get("ACCOUNT_LOGIN_METHODS", &methods); err != nil {
		return err
	} else if !ok {
		method := "username"
		if _, err := get("ACCOUNT_AUTHENTICATION_METHOD", &method); err != nil {
			return err
		}
		methods = []string{method}
		if method == "username_email" {
			methods = []string{"username", "email"}
		}
	}
	slices.Sort(methods) // (a frozenset: LoginInput's fields keep their own order)
	s.LoginMethods = slices.Compact(methods)
	var errs []error
	if _, err := get("ACCOUNT_PRESERVE_USERNAME_CASING", &s.PreserveUsernameCasing); err != nil {
		errs = append(errs, err)
	}
	var verification any
	if ok, err := get("ACCOUNT_EMAIL_VERIFICATION", &verification); err != nil {
		errs = append(errs, err)
	} else if ok {
		switch v := verification.(type) {
		case bool: // (the legacy boolean setting)
			s.EmailVerification = map[bool]string{true: "mandatory", false: "optional"}[v]
		case string:
			s.EmailVerification = v
		default:
			errs = append(errs, fmt.Errorf("%w: ACCOUNT_EMAIL_VERIFICATION %v", ErrSettings, v))
		}
	}
	var byCode any
	if _, err := get("ACCOUNT_LOGIN_BY_CODE_REQUIRED", &byCode); err != nil {
		errs = append(errs, err)
	}
	switch v := byCode.(type) {
	case bool:
		s.LoginByCodeRequired = v
	case []any:
		s.LoginByCodeRequired = slices.Contains(v, any("password"))
	}
	// ACCOUNT_RATE_LIMITS over the defaults, which some settings change.
	s.RateLimits = DefaultRateLimits()
	limit, timeout := any(5.0), any(300.0)
	if _, err := get("ACCOUNT_LOGIN_ATTEMPTS_LIMIT", &limit); err != nil {
		errs = append(errs, err)
	}
	if _, err := get("ACCOUNT_LOGIN_ATTEMPTS_TIMEOUT", &timeout); err != nil {
		errs = append(errs, err)
	}
	s.RateLimits["login_failed"] = ""
	if truthy(limit) && truthy(timeout) {
		s.RateLimits["login_failed"] = fmt.Sprintf("10/m/ip,%v/%vs/key", limit, timeout)
	}
	var byCodeVerification bool
	if _, err := get("ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED", &byCodeVerification); err != nil {
		errs = append(errs, err)
	}
	cooldown := any(180.0)
	if _, err := get("ACCOUNT_EMAIL_CONFIRMATION_COOLDOWN", &cooldown); err != nil {
		errs = append(errs, err)
	}
	switch {
	case byCodeVerification:
		s.RateLimits["confirm_email"] = "1/10s/key"
	case truthy(cooldown):
		s.RateLimits["confirm_email"] = fmt.Sprintf("1/%vs/key", cooldown)
	default:
		s.RateLimits["confirm_email"] = ""
	}
	var rates any
	if _, err := get("ACCOUNT_RATE_LIMITS", &rates); err != nil {
		errs = append(errs, err)
	}
	switch v := rates.(type) {
	case bool:
		if !v {
			s.RateLimits = map[string]string{}
		}
	case map[string]any:
		for action, r := range v {
			text, ok := r.(string)
			if r != nil && !ok {
				errs = append(errs, fmt.Errorf("%w: ACCOUNT_RATE_LIMITS[%q] %v", ErrSettings, action, r))
			}
			s.RateLimits[action] = text
		}
	}
	for name, dst := range map[string]*int{"ALLAUTH_TRUSTED_PROXY_COUNT": &s.TrustedProxyCount,
		"ALLAUTH_RATE_LIMIT_IPV6_PREFIX": &s.RateLimitIPv6Prefix} {
		if _, err := get(name, dst); err != nil {
			errs = append(errs, err)
		}
	}
	if _, err := get("ALLAUTH_TRUSTED_CLIENT_IP_HEADER", &s.TrustedClientIPHeader); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	// What LoginView cannot follow.
	var signupFields []string
	if _, err := get("ACCOUNT_SIGNUP_FIELDS", &signupFields); err != nil {
		return err
	}
	switch {
	case slices.Contains(s.LoginMethods, "phone"):
		s.loginErr = fmt.Errorf("%w: login by phone", ErrSettings)
	case slices.ContainsFunc(signupFields, func(f string) bool { return strings.TrimSuffix(f, "*") == "phone" }):
		s.loginErr = fmt.Errorf("%w: a phone in ACCOUNT_SIGNUP_FIELDS (its verification stage)", ErrSettings)
	case slices.Contains(apps, "allauth.usersessions"):
		s.loginErr = fmt.Errorf("%w: allauth.usersessions installed (its records of logins)", ErrSettings)
	}
	return nil
}

// truthy is Python's bool() of a setting's JSON value.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case float64:
		return x != 0
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}
