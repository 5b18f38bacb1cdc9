package headless

import (
	"net/http"
	"slices"

	"github.com/djsession/djsession/serializer"
)

const allowGet = "GET, HEAD, OPTIONS"

// ConfigView is the app client's configuration endpoint (allauth's ConfigView, at
// _allauth/app/v1/config), which an app asks at its start: GET answers
// {"status": 200, "data": {"account": {"login_methods", "is_open_for_signup",
// "email_verification_by_code_enabled", "login_by_code_enabled",
// "password_reset_by_code_enabled", "authentication_method"}}}, with "mfa" and
// "usersessions" parts when those apps are installed, as allauth does. A site with
// allauth.socialaccount (whose providers this package does not list) gets a server
// error.
func (h *Headless) ConfigView() http.Handler { return h.appView(h.serveConfig, nil) }

// BrowserConfigView is the browser client's configuration endpoint
// (_allauth/browser/v1/config), behind the session and CSRF middleware.
func (h *Headless) BrowserConfigView() http.Handler { return h.browserView(h.serveConfig, nil) }

// serveConfig is RESTView.handle and ConfigView.get.
func (h *Headless) serveConfig(w http.ResponseWriter, r *http.Request, c *appContext) error {
	s := h.Settings
	if s.configErr != nil {
		return s.configErr
	}
	if ok, err := h.restGet(w, r); err != nil || !ok {
		return err
	}
	account := serializer.NewDict()
	methods := make([]serializer.Value, len(s.LoginMethods))
	for i, m := range s.LoginMethods {
		methods[i] = serializer.Str(m)
	}
	account.Set("login_methods", serializer.List(methods...))
	account.Set("is_open_for_signup", serializer.Bool(s.SignupEnabled))
	account.Set("email_verification_by_code_enabled", serializer.Bool(s.EmailVerificationByCodeEnabled))
	account.Set("login_by_code_enabled", serializer.Bool(s.LoginByCodeEnabled))
	account.Set("password_reset_by_code_enabled", serializer.Bool(s.PasswordResetByCodeEnabled))
	email, username := slices.Contains(s.LoginMethods, "email"), slices.Contains(s.LoginMethods, "username")
	switch { // (kept by allauth for older clients)
	case email && username:
		account.Set("authentication_method", serializer.Str("username_email"))
	case email:
		account.Set("authentication_method", serializer.Str("email"))
	case username:
		account.Set("authentication_method", serializer.Str("username"))
	}
	data := serializer.NewDict()
	data.Set("account", serializer.DictValue(account))
	if s.MFAEnabled {
		types := make([]serializer.Value, len(s.MFASupportedTypes))
		for i, t := range s.MFASupportedTypes {
			types[i] = serializer.Str(t)
		}
		mfa := serializer.NewDict()
		mfa.Set("supported_types", serializer.List(types...))
		mfa.Set("passkey_login_enabled", serializer.Bool(s.PasskeyLoginEnabled))
		data.Set("mfa", serializer.DictValue(mfa))
	}
	if s.UserSessionsEnabled {
		us := serializer.NewDict()
		us.Set("track_activity", serializer.Bool(s.UserSessionsTrackActivity))
		data.Set("usersessions", serializer.DictValue(us))
	}
	return h.dataResponse(w, r, c, http.StatusOK, serializer.DictValue(data), serializer.None())
}
