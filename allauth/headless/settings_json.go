package headless

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
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
// this package does not list) leave the tokens working and make the views that answer
// flows fail (a server error).
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
	s.MFAEnabled = slices.Contains(apps, "allauth.mfa")
	s.SitesInstalled = slices.Contains(apps, "django.contrib.sites")
	// What the config endpoint tells.
	s.SignupEnabled, s.LoginByCodeEnabled = flags["ACCOUNT_SIGNUP_ENABLED"], flags["ACCOUNT_LOGIN_BY_CODE_ENABLED"]
	s.PasswordResetByCodeEnabled = flags["ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED"]
	s.MFASupportedTypes = mfaTypes
	s.PasskeyLoginEnabled = flags["MFA_PASSKEY_LOGIN_ENABLED"] && slices.Contains(mfaTypes, "webauthn")
	s.UserSessionsEnabled = slices.Contains(apps, "allauth.usersessions")
	for name, dst := range map[string]*bool{"ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED": &s.EmailVerificationByCodeEnabled,
		"USERSESSIONS_TRACK_ACTIVITY": &s.UserSessionsTrackActivity} {
		var v any
		if _, err := get(name, &v); err != nil {
			return nil, err
		}
		*dst = truthy(v)
	}
	if slices.Contains(apps, "allauth.socialaccount") {
		s.configErr = fmt.Errorf("%w: allauth.socialaccount installed (its providers)", ErrSettings)
	}
	if _, err := get("SITE_ID", &s.SiteID); err != nil {
		return nil, err
	}
	if err := loginSettings(s, doc.Settings, apps); err != nil {
		return nil, err
	}
	if err := mfaSettings(s, doc.Settings, mfaTypes); err != nil {
		return nil, err
	}
	codeSettings(s, doc.Settings)
	return s, nil
}

// codeSettings reads the settings of the login by code: its attempts, resends and code
// format, the enumeration prevention, the unknown accounts' mails and the frontend's
// URLs. Values allauth would fail on make the views that log in fail (loginErr).
func codeSettings(s *Settings, raw map[string]json.RawMessage) {
	refuse := func(format string, args ...any) {
		if s.loginErr == nil {
			s.loginErr = fmt.Errorf("%w: "+format, append([]any{ErrSettings}, args...)...)
		}
	}
	value := func(name string) (any, bool) {
		r, ok := raw[name]
		if !ok {
			return nil, false
		}
		var v any
		d := json.NewDecoder(bytes.NewReader(r))
		d.UseNumber()
		if d.Decode(&v) != nil {
			refuse("%s = %s", name, r)
			return nil, false
		}
		return v, true
	}
	intOf := func(name string, v any) int {
		n, err := strconv.Atoi(fmt.Sprint(v))
		if _, isNum := v.(json.Number); !isNum || err != nil {
			refuse("%s = %v (an int)", name, v)
		}
		return n
	}
	if v, ok := value("ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS"); ok {
		s.LoginByCodeMaxAttempts = intOf("ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS", v)
	}
	for name, dst := range map[string]*int{"ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND": &s.LoginByCodeMaxResendCount,
		"ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND": &s.EmailVerificationMaxResendCount,
		"ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_CHANGE": &s.EmailVerificationMaxChangeCount} {
		if v, ok := value(name); ok {
			switch x := v.(type) {
			case bool:
				*dst = map[bool]int{true: 2}[x]
			default:
				*dst = intOf(name, v)
			}
		}
	}
	if v, ok := value("ACCOUNT_EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS"); ok {
		s.EmailVerificationByCodeMaxAttempts = intOf("ACCOUNT_EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS", v)
	}
	format := func(name string, v any) UserCodeFormat {
		f := UserCodeFormat{Dashed: true}
		d, ok := v.(map[string]any)
		if !ok {
			refuse("%s = %v (a dict)", name, v)
			return f
		}
		for k, x := range d {
			switch k {
			case "length":
				if x != nil {
					if f.Length = intOf(name+"[length]", x); f.Length <= 0 {
						refuse("%s[length] = %v", name, x)
					}
				}
			case "numeric", "dashed":
				*map[string]*bool{"numeric": &f.Numeric, "dashed": &f.Dashed}[k] = truthy(x)
			default:
				refuse("%s[%q] (this package makes codes of allauth's alphabets)", name, k)
			}
		}
		return f
	}
	if v, ok := value("ALLAUTH_USER_CODE_FORMAT"); ok {
		s.LoginByCodeFormat = format("ALLAUTH_USER_CODE_FORMAT", v)
		s.PasswordResetByCodeFormat = s.LoginByCodeFormat
		s.EmailVerificationByCodeFormat = s.LoginByCodeFormat
	}
	if v, ok := value("ACCOUNT_EMAIL_VERIFICATION_BY_CODE_FORMAT"); ok {
		s.EmailVerificationByCodeFormat = format("ACCOUNT_EMAIL_VERIFICATION_BY_CODE_FORMAT", v)
	}
	if v, ok := value("ACCOUNT_LOGIN_BY_CODE_FORMAT"); ok {
		s.LoginByCodeFormat = format("ACCOUNT_LOGIN_BY_CODE_FORMAT", v)
	}
	// (allauth's name of the setting)
	if v, ok := value("ACCOUNT_PASSWORD_RESET_BY_CODE_CODE_FORMAT"); ok {
		s.PasswordResetByCodeFormat = format("ACCOUNT_PASSWORD_RESET_BY_CODE_CODE_FORMAT", v)
	}
	if v, ok := value("ACCOUNT_PASSWORD_RESET_BY_CODE_MAX_ATTEMPTS"); ok {
		s.PasswordResetByCodeMaxAttempts = intOf("ACCOUNT_PASSWORD_RESET_BY_CODE_MAX_ATTEMPTS", v)
	}
	if v, ok := value("ACCOUNT_PREVENT_ENUMERATION"); ok {
		s.PreventEnumeration = truthy(v)
		s.PreventEnumerationStrict = v == "strict"
	}
	signupSettings(s, value, intOf, refuse)
	if v, ok := value("ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS"); ok {
		s.EmailUnknownAccounts = truthy(v)
	}
	if v, ok := value("ACCOUNT_UNIQUE_EMAIL"); ok {
		s.UniqueEmail = truthy(v)
	}
	if v, ok := value("ACCOUNT_CHANGE_EMAIL"); ok {
		s.ChangeEmail = truthy(v)
	}
	if v, ok := value("ACCOUNT_MAX_EMAIL_ADDRESSES"); ok && v != nil {
		s.MaxEmailAddresses = intOf("ACCOUNT_MAX_EMAIL_ADDRESSES", v)
	}
	if v, ok := value("HEADLESS_FRONTEND_URLS"); ok {
		d, _ := v.(map[string]any)
		s.FrontendURLs = map[string]string{}
		for k, x := range d {
			if u, isStr := x.(string); isStr {
				s.FrontendURLs[k] = u
			}
		}
	}
}

// mfaSettings reads the settings of the second factor (allauth.mfa) and
// ACCOUNT_LOGIN_TIMEOUT. Values allauth would fail on, and a test-only bypass code,
// make the second-factor views fail (mfaErr).
func mfaSettings(s *Settings, raw map[string]json.RawMessage, types []string) error {
	refuse := func(format string, args ...any) {
		if s.mfaErr == nil {
			s.mfaErr = fmt.Errorf("%w: "+format, append([]any{ErrSettings}, args...)...)
		}
	}
	var v any
	for name, dst := range map[string]*int{"MFA_TOTP_PERIOD": &s.TOTPPeriod, "MFA_TOTP_DIGITS": &s.TOTPDigits,
		"MFA_TOTP_TOLERANCE": &s.TOTPTolerance, "MFA_RECOVERY_CODE_COUNT": &s.RecoveryCodeCount,
		"MFA_RECOVERY_CODE_DIGITS": &s.RecoveryCodeDigits} {
		r, ok := raw[name]
		if !ok {
			continue
		}
		n, err := strconv.Atoi(string(r))
		if err != nil || n < 0 {
			refuse("%s = %s (an int, at least 0)", name, r)
			continue
		}
		*dst = n
	}
	if s.TOTPPeriod == 0 || s.TOTPDigits > 18 || s.RecoveryCodeDigits > 18 {
		refuse("MFA_TOTP_PERIOD %d, MFA_TOTP_DIGITS %d, MFA_RECOVERY_CODE_DIGITS %d", s.TOTPPeriod, s.TOTPDigits, s.RecoveryCodeDigits)
	}
	if r, ok := raw["ACCOUNT_LOGIN_TIMEOUT"]; ok {
		f, err := strconv.ParseFloat(string(r), 64)
		if err != nil {
			return fmt.Errorf("%w: ACCOUNT_LOGIN_TIMEOUT %s", ErrSettings, r)
		}
		s.LoginTimeout = f
	}
	flag := func(name string) bool {
		v = nil
		if r, ok := raw[name]; ok && json.Unmarshal(r, &v) != nil {
			refuse("%s = %s", name, r)
		}
		return truthy(v)
	}
	s.MFATrustEnabled = flag("MFA_TRUST_ENABLED")
	s.RecoveryCodesShowOnce = flag("MFA_RECOVERY_CODES_SHOW_ONCE")
	s.MFAAllowUnverifiedEmail = flag("MFA_ALLOW_UNVERIFIED_EMAIL")
	if r, ok := raw["MFA_TOTP_ISSUER"]; ok && string(r) != "null" && json.Unmarshal(r, &s.TOTPIssuer) != nil {
		refuse("MFA_TOTP_ISSUER = %s", r)
	}
	s.SocialAccountOnly, s.EmailNotifications = flag("SOCIALACCOUNT_ONLY"), flag("ACCOUNT_EMAIL_NOTIFICATIONS")
	if _, ok := raw["MFA_REAUTHENTICATION_REQUIRED"]; ok {
		s.MFAReauthenticationRequired = flag("MFA_REAUTHENTICATION_REQUIRED")
	}
	for name, dst := range map[string]*float64{"ACCOUNT_REAUTHENTICATION_TIMEOUT": &s.ReauthenticationTimeout,
		"ACCOUNT_LOGIN_BY_CODE_TIMEOUT":              &s.LoginByCodeTimeout,
		"ACCOUNT_PASSWORD_RESET_BY_CODE_TIMEOUT":     &s.PasswordResetByCodeTimeout,
		"ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT": &s.EmailVerificationByCodeTimeout} {
		if r, ok := raw[name]; ok {
			f, err := strconv.ParseFloat(string(r), 64)
			if err != nil {
				return fmt.Errorf("%w: %s %s", ErrSettings, name, r)
			}
			*dst = f
		}
	}
	s.LoginByCodeTrustEnabled = flag("ACCOUNT_LOGIN_BY_CODE_TRUST_ENABLED")
	s.PasskeySignupEnabled = flag("MFA_PASSKEY_SIGNUP_ENABLED") && slices.Contains(types, "webauthn")
	if flag("MFA_TOTP_INSECURE_BYPASS_CODE") {
		refuse("MFA_TOTP_INSECURE_BYPASS_CODE (for tests alone)")
	}
	if r, ok := raw["MFA_ADAPTER"]; ok && json.Unmarshal(r, &s.MFAAdapter) != nil {
		refuse("MFA_ADAPTER = %s", r)
	}
	return nil
}

// loginSettings reads the settings of LoginView: the login methods, the email
// verification, the login code, the rate limits and how a client is known. Values
// allauth fails on (a None where it wants a value) make LoginView fail too (loginErr).
func loginSettings(s *Settings, raw map[string]json.RawMessage, apps []string) error {
	// value is a setting as Python has it: nil for None, numbers as json.Number (whose
	// text is Python's str() of an int or a float); set false when it is not set.
	value := func(name string) (any, bool, error) {
		r, ok := raw[name]
		if !ok {
			return nil, false, nil
		}
		d := json.NewDecoder(bytes.NewReader(r))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			return nil, false, fmt.Errorf("%w: %s: %w", ErrSettings, name, err)
		}
		return v, true, nil
	}
	var errs []error
	refuse := func(name string, v any) {
		if s.loginErr == nil {
			s.loginErr = fmt.Errorf("%w: %s = %v (allauth fails on it)", ErrSettings, name, v)
		}
	}
	get := func(name string) (any, bool) {
		v, ok, err := value(name)
		errs = append(errs, err)
		return v, ok
	}
	// ACCOUNT_LOGIN_METHODS, else ACCOUNT_AUTHENTICATION_METHOD.
	var methods []string
	if v, ok := get("ACCOUNT_LOGIN_METHODS"); ok && v != nil {
		list, isList := v.([]any)
		for _, m := range list {
			if name, isStr := m.(string); isStr {
				methods = append(methods, name)
			} else {
				isList = false
			}
		}
		if !isList {
			errs = append(errs, fmt.Errorf("%w: ACCOUNT_LOGIN_METHODS %v", ErrSettings, v))
		}
	} else {
		method := "username"
		if v, ok := get("ACCOUNT_AUTHENTICATION_METHOD"); ok {
			method, _ = v.(string)
		}
		methods = []string{method}
		if method == "username_email" {
			methods = []string{"username", "email"}
		}
	}
	slices.Sort(methods) // (a frozenset: LoginInput's fields keep their own order)
	s.LoginMethods = slices.Compact(methods)
	if v, ok := get("ACCOUNT_REAUTHENTICATION_METHODS"); ok && v != nil {
		list, _ := v.([]any)
		if d, isDict := v.(map[string]any); isDict { // (frozenset of a dict: its keys)
			for k := range d {
				list = append(list, k)
			}
		}
		s.ReauthenticationMethods = []string{}
		for _, m := range list {
			if name, isStr := m.(string); isStr {
				s.ReauthenticationMethods = append(s.ReauthenticationMethods, name)
			}
		}
	}
	for name, dst := range map[string]*bool{"ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE": &s.LogoutOnPasswordChange,
		"ACCOUNT_REAUTHENTICATION_REQUIRED": &s.ReauthenticationRequired, "ACCOUNT_LOGIN_ON_PASSWORD_RESET": &s.LoginOnPasswordReset,
		"ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION": &s.LoginOnEmailConfirmation, "ACCOUNT_EMAIL_CONFIRMATION_HMAC": &s.EmailConfirmationHMAC} {
		if v, ok := get(name); ok {
			*dst = truthy(v)
		}
	}
	if v, ok := get("ACCOUNT_SALT"); ok {
		if salt, isStr := v.(string); isStr {
			s.AccountSalt = salt
		} else {
			refuse("ACCOUNT_SALT", v)
		}
	}
	days, ok := get("ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS")
	if !ok {
		days, ok = get("EMAIL_CONFIRMATION_DAYS")
	}
	if ok {
		n, isNum := days.(json.Number)
		d, err := n.Int64()
		if !isNum || err != nil {
			refuse("ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS", days)
		}
		s.EmailConfirmationExpireDays = int(d)
	}
	if v, ok := get("ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR"); ok && v != nil {
		s.resetErr = fmt.Errorf("%w: ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR %v (allauth's EmailAwarePasswordResetTokenGenerator alone)", ErrSettings, v)
	}
	// PASSWORD_MIN_LENGTH: ACCOUNT_PASSWORD_MIN_LENGTH (6) without AUTH_PASSWORD_VALIDATORS.
	s.PasswordMinLength = 0
	if v, _ := get("AUTH_PASSWORD_VALIDATORS"); !truthy(v) {
		s.PasswordMinLength = 6
		if v, ok := get("ACCOUNT_PASSWORD_MIN_LENGTH"); ok {
			n, isNum := v.(json.Number)
			f, err := n.Float64()
			switch {
			case v == nil || v == false:
				s.PasswordMinLength = 0
			case v == true: // (len(password) < True)
				s.PasswordMinLength = 1
			case !isNum || err != nil || f != float64(int(f)) || f < 0:
				s.passwordErr = fmt.Errorf("%w: ACCOUNT_PASSWORD_MIN_LENGTH %v", ErrSettings, v)
			default:
				s.PasswordMinLength = int(f)
			}
		}
	}
	if v, ok := get("ACCOUNT_PRESERVE_USERNAME_CASING"); ok {
		s.PreserveUsernameCasing = truthy(v)
	}
	if v, ok := get("ACCOUNT_EMAIL_VERIFICATION"); ok {
		switch x := v.(type) {
		case bool: // (the legacy boolean setting)
			s.EmailVerification = map[bool]string{true: "mandatory", false: "optional"}[x]
		case string:
			s.EmailVerification = x
		default:
			refuse("ACCOUNT_EMAIL_VERIFICATION", v)
		}
	}
	if v, ok := get("ACCOUNT_LOGIN_BY_CODE_REQUIRED"); ok {
		switch x := v.(type) {
		case bool:
			s.LoginByCodeRequired = x
		case []any:
			s.LoginByCodeRequired = slices.Contains(x, any("password"))
			s.loginByCodeMethods = []string{}
			for _, m := range x {
				if name, ok := m.(string); ok {
					s.loginByCodeMethods = append(s.loginByCodeMethods, name)
				}
			}
		case string: // (set("password"): its letters)
			s.loginByCodeMethods = strings.Split(x, "")
		default:
			refuse("ACCOUNT_LOGIN_BY_CODE_REQUIRED", v)
		}
	}
	// ACCOUNT_RATE_LIMITS over the defaults, which some settings change; a number is
	// written into a rate as Python's f-string writes it.
	s.RateLimits = DefaultRateLimits()
	limit, ok := get("ACCOUNT_LOGIN_ATTEMPTS_LIMIT")
	if !ok {
		limit = json.Number("5")
	}
	timeout, ok := get("ACCOUNT_LOGIN_ATTEMPTS_TIMEOUT")
	if !ok {
		timeout = json.Number("300")
	}
	s.RateLimits["login_failed"] = ""
	if truthy(limit) && truthy(timeout) {
		s.RateLimits["login_failed"] = fmt.Sprintf("10/m/ip,%v/%vs/key", pyFormat(limit), pyFormat(timeout))
	}
	byCodeVerification, _ := get("ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED")
	cooldown, ok := get("ACCOUNT_EMAIL_CONFIRMATION_COOLDOWN")
	if !ok {
		cooldown = json.Number("180")
	}
	switch {
	case truthy(byCodeVerification):
		s.RateLimits["confirm_email"] = "1/10s/key"
	case truthy(cooldown):
		s.RateLimits["confirm_email"] = fmt.Sprintf("1/%vs/key", pyFormat(cooldown))
	default:
		s.RateLimits["confirm_email"] = ""
	}
	if v, ok := get("ACCOUNT_RATE_LIMITS"); ok {
		switch x := v.(type) {
		case bool:
			if x {
				refuse("ACCOUNT_RATE_LIMITS", v)
			} else {
				s.RateLimits = map[string]string{}
			}
		case map[string]any:
			for action, r := range x {
				text, isStr := r.(string)
				if r != nil && !isStr {
					errs = append(errs, fmt.Errorf("%w: ACCOUNT_RATE_LIMITS[%q] %v", ErrSettings, action, r))
				}
				s.RateLimits[action] = text
			}
		default:
			refuse("ACCOUNT_RATE_LIMITS", v)
		}
	}
	for name, dst := range map[string]*int{"ALLAUTH_TRUSTED_PROXY_COUNT": &s.TrustedProxyCount,
		"ALLAUTH_RATE_LIMIT_IPV6_PREFIX": &s.RateLimitIPv6Prefix} {
		v, ok := get(name)
		if !ok {
			continue
		}
		n, isNum := v.(json.Number)
		i, err := strconv.Atoi(string(n))
		if !isNum || err != nil {
			refuse(name, v)
			continue
		}
		*dst = i
	}
	if v, ok := get("ALLAUTH_TRUSTED_CLIENT_IP_HEADER"); ok {
		s.TrustedClientIPHeader, _ = v.(string)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	// What LoginView cannot follow.
	fields, _ := get("ACCOUNT_SIGNUP_FIELDS")
	list, _ := fields.([]any)
	phone := slices.ContainsFunc(list, func(f any) bool { t, _ := f.(string); return strings.TrimSuffix(t, "*") == "phone" })
	switch {
	case slices.Contains(s.LoginMethods, "phone"):
		s.loginErr = fmt.Errorf("%w: login by phone", ErrSettings)
	case phone:
		s.loginErr = fmt.Errorf("%w: a phone in ACCOUNT_SIGNUP_FIELDS (its verification stage)", ErrSettings)
	}
	return nil
}

// pyFormat is f"{v}" of a setting's value (a json.Number's text is Python's str()).
func pyFormat(v any) string {
	switch x := v.(type) {
	case json.Number:
		return string(x)
	case bool:
		return map[bool]string{true: "True", false: "False"}[x]
	case nil:
		return "None"
	}
	return fmt.Sprint(v)
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
	case json.Number:
		f, err := x.Float64()
		return err != nil || f != 0
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

// signupSettings reads the signup's settings as allauth's app settings compute them:
// ACCOUNT_SIGNUP_FIELDS (else from ACCOUNT_USERNAME_REQUIRED, ACCOUNT_EMAIL_REQUIRED,
// ACCOUNT_SIGNUP_EMAIL_ENTER_TWICE and ACCOUNT_SIGNUP_PASSWORD_ENTER_TWICE, or its older
// name ACCOUNT_SIGNUP_PASSWORD_VERIFICATION), the username's minimum length and
// blacklist; a form, a honeypot or username validators of the project's own hand every
// signup on.
func signupSettings(s *Settings, value func(string) (any, bool), intOf func(string, any) int, refuse func(string, ...any)) {
	setting := func(name string, def bool) bool {
		if v, ok := value(name); ok {
			return truthy(v)
		}
		return def
	}
	var fields []string
	if v, ok := value("ACCOUNT_SIGNUP_FIELDS"); ok && truthy(v) {
		list, isList := v.([]any)
		if !isList {
			refuse("ACCOUNT_SIGNUP_FIELDS = %v", v)
			return
		}
		for _, f := range list {
			name, isStr := f.(string)
			if !isStr {
				refuse("ACCOUNT_SIGNUP_FIELDS holds %v", f)
				return
			}
			fields = append(fields, name)
		}
	} else {
		email := setting("ACCOUNT_EMAIL_REQUIRED", false)
		req := map[bool]string{true: "*"}
		fields = append(fields, "email"+req[email])
		if setting("ACCOUNT_SIGNUP_EMAIL_ENTER_TWICE", false) {
			fields = append(fields, "email2"+req[email])
		}
		if setting("ACCOUNT_USERNAME_REQUIRED", true) {
			fields = append(fields, "username*")
		}
		fields = append(fields, "password1*")
		if setting("ACCOUNT_SIGNUP_PASSWORD_ENTER_TWICE", setting("ACCOUNT_SIGNUP_PASSWORD_VERIFICATION", true)) {
			fields = append(fields, "password2*")
		}
	}
	s.SignupFields = nil
	for _, f := range fields { // (a dict: a field named twice keeps its first place)
		name, _, required := strings.Cut(f, "*")
		i := slices.IndexFunc(s.SignupFields, func(x SignupField) bool { return x.Name == name })
		if i < 0 {
			s.SignupFields = append(s.SignupFields, SignupField{Name: name, Required: required})
		} else {
			s.SignupFields[i].Required = required
		}
	}
	if v, ok := value("ACCOUNT_USERNAME_MIN_LENGTH"); ok {
		s.UsernameMinLength = intOf("ACCOUNT_USERNAME_MIN_LENGTH", v)
	}
	if v, ok := value("ACCOUNT_USERNAME_BLACKLIST"); ok {
		list, _ := v.([]any)
		s.UsernameBlacklist = nil
		for _, b := range list {
			if name, isStr := b.(string); isStr {
				s.UsernameBlacklist = append(s.UsernameBlacklist, name)
			} else {
				refuse("ACCOUNT_USERNAME_BLACKLIST holds %v", b)
			}
		}
	}
	for _, name := range []string{"ACCOUNT_SIGNUP_FORM_CLASS", "ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD", "ACCOUNT_USERNAME_VALIDATORS"} {
		if v, ok := value(name); ok && truthy(v) && s.signupErr == nil {
			s.signupErr = fmt.Errorf("%w: %s (the project's own)", ErrLoginStage, name)
		}
	}
}
