package headless

import (
	"errors"
	"net/http"
	"strings"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/django/auth/hashers"
	"github.com/djsession/djsession/serializer"
)

// ChangePasswordView is the app client's password change endpoint (allauth's
// ChangePasswordView, at _allauth/app/v1/account/password/change): POST
// {"current_password": ..., "new_password": ...} (no current password for a user
// without a usable one, who sets one) checks the current password, validates the new
// one (ACCOUNT_PASSWORD_MIN_LENGTH without AUTH_PASSWORD_VALIDATORS, then the validators
// of PasswordValidators), sets it, and keeps the session logged in under a new key (its
// new session token in the answer's meta), or logs it out with
// ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE; the user's other sessions are logged out, on both
// sides, as Django's password hash does it. It answers as allauth does: the user (a
// 200), the input's errors (a 400), an anonymous session's 401, the "change_password"
// rate (per user) used up with a 429. A user without a usable password must have
// reauthenticated lately with ACCOUNT_REAUTHENTICATION_REQUIRED, else gets allauth's 401
// with the ways to reauthenticate. With ACCOUNT_EMAIL_NOTIFICATIONS, the change is
// notified ("account/email/password_changed", or "account/email/password_set" for a
// first password, through Headless.Mailer; without one the request goes to fallback).
func (h *Headless) ChangePasswordView(fallback http.Handler) http.Handler {
	return h.appView(h.serveChangePassword, fallback)
}

// BrowserChangePasswordView is the browser client's password change endpoint
// (_allauth/browser/v1/account/password/change): ChangePasswordView's answers for the
// request's own session, behind the session and CSRF middleware.
func (h *Headless) BrowserChangePasswordView(fallback http.Handler) http.Handler {
	return h.browserView(h.serveChangePassword, fallback)
}

// serveChangePassword is AuthenticatedAPIView's dispatch, the "change_password" rate
// limit, ChangePasswordView.handle with ChangePasswordInput, and its post.
func (h *Headless) serveChangePassword(w http.ResponseWriter, r *http.Request, c *appContext) error {
	if err := h.Settings.passwordErr; err != nil {
		return err
	}
	ctx := r.Context()
	u, err := h.sessionUser(w, r, c)
	if err != nil || u == nil {
		return err
	}
	_, ok, err := h.consume(ctx, r, "change_password", "", u.ID)
	if err != nil {
		return err
	} else if !ok {
		return h.metaResponse(w, r, c, http.StatusTooManyRequests, serializer.None())
	}
	usable := hashers.IsPasswordUsable(u.PasswordHash)
	if !usable && h.Settings.ReauthenticationRequired { // (raise_if_reauthentication_required)
		recent, err := h.didRecentlyReauthenticate(ctx, c.session, u)
		if err != nil {
			return err
		}
		if !recent {
			return h.reauthenticationResponse(w, r, c, u)
		}
	}
	data, ok, err := h.restInput(w, r)
	if err != nil || !ok {
		return err
	}
	// ChangePasswordInput: current_password (required with a usable password), then
	// new_password, each a stripped CharField with its clean_ method.
	var errs []serializer.Value
	current := formStr(data, "current_password")
	switch {
	case current == "" && usable:
		errs = append(errs, fieldError("This field is required.", "required", "current_password"))
	case strings.IndexByte(current, 0) >= 0:
		errs = append(errs, fieldError("Null characters are not allowed.", "null_characters_not_allowed", "current_password"))
	case hasSurrogate(current): // (check_password cannot encode it: a 500)
		return errors.New("headless: a current password holding a lone surrogate")
	case current != "":
		ok, err := auth.CheckPassword(ctx, u, current, h.Config)
		if err != nil {
			return err
		}
		if !ok {
			errs = append(errs, fieldError("Please type your current password.", "enter_current_password", "current_password"))
		}
	}
	password, ferr := charField(data, "new_password")
	if !ferr.IsNone() {
		errs = append(errs, ferr)
	} else {
		for _, e := range h.cleanPassword(password, u) {
			errs = append(errs, fieldError(e.Message, e.Code, "new_password"))
		}
	}
	if len(errs) > 0 {
		return h.metaResponse(w, r, c, http.StatusBadRequest, serializer.List(errs...))
	}
	if !restPost(w, r) {
		return nil
	}
	if h.notificationsHandOn() || !h.Settings.LogoutOnPasswordChange && h.userSessionsHandOn() {
		return ErrLoginStage
	}
	if hasSurrogate(password) { // (set_password cannot encode it: a 500)
		return errors.New("headless: a new password holding a lone surrogate")
	}
	if err := auth.SetPassword(ctx, u, password, h.Config); err != nil {
		return err
	}
	// finalize_password_change (or _set, without a current password):
	// logout_on_password_change, then the notification.
	mail := "account/email/password_changed"
	if current == "" {
		mail = "account/email/password_set"
	}
	if h.Settings.LogoutOnPasswordChange { // (allauth's logout: Django's flushes the session)
		if err := auth.Logout(ctx, c.session); err != nil {
			return err
		}
		if err := h.notify(ctx, r, mail, u); err != nil {
			return err
		}
		return h.authenticationResponse(w, r, c, nil)
	}
	if err := auth.UpdateSessionAuthHash(ctx, c.session, u, h.Config); err != nil {
		return err
	}
	if err := h.notify(ctx, r, mail, u); err != nil {
		return err
	}
	if h.Settings.UserSessionsEnabled { // (allauth.usersessions' on_password_changed)
		if err := h.recordUserSession(r, c, u); err != nil {
			return err
		}
	}
	return h.authenticationResponse(w, r, c, u)
}

// cleanPassword is the adapter's clean_password: ACCOUNT_PASSWORD_MIN_LENGTH's
// MinimumLengthValidator (its error alone), then validate_password's errors.
func (h *Headless) cleanPassword(password string, u *auth.User) auth.PasswordErrors {
	if n := h.Settings.PasswordMinLength; n > 0 {
		if e := (auth.MinimumLengthValidator{MinLength: n}).Validate(password, nil); e != nil {
			return auth.PasswordErrors{*e}
		}
	}
	var errs auth.PasswordErrors
	var pu *auth.PasswordUser // (a signup's: none)
	if u != nil {
		pu = u.PasswordUser()
	}
	if err := auth.ValidatePassword(password, pu, h.PasswordValidators); err != nil {
		errors.As(err, &errs)
	}
	return errs
}
