package auth

import (
	"net/http"

	"github.com/djsession/djsession/django"
)

// PasswordChangeOptions configure PasswordChangeView: the class attributes of Django's
// PasswordChangeView and the settings it reads.
type PasswordChangeOptions struct {
	// Settings and Config are the site's settings and auth configuration (Config.Users
	// must implement PasswordSetter, as SQLUserSource does). Required.
	Settings *django.Settings
	Config   *Config
	// Validators are AUTH_PASSWORD_VALIDATORS (PasswordValidators builds them); nil
	// checks nothing, as an empty setting.
	Validators []PasswordValidator
	// SuccessURL is success_url, where a changed password sends the user ("" means
	// "/accounts/password_change/done/", the password_change_done URL of
	// django.contrib.auth.urls included at accounts/).
	SuccessURL string
	// CSRFExempt lets the view take POSTs that no django.CSRFMiddleware checked. By
	// default such a POST is a 500 with ErrCSRFNotChecked: Django's view is csrf_protect.
	CSRFExempt bool
	// Render writes the page (the template registration/password_change_form.html) with
	// status 200: the form, with the errors of a POST that changed nothing. Required.
	Render func(w http.ResponseWriter, r *http.Request, page *PasswordChangePage)
}

// PasswordChangePage is what PasswordChangeView's template gets.
type PasswordChangePage struct {
	// User is the logged-in user whose password the form changes.
	User *User
	// Errors are the PasswordChangeForm's errors by field ("old_password",
	// "new_password1", "new_password2", in that order in Django's form.errors), after a
	// POST that did not change the password; each field's in Django's order.
	Errors map[string][]PasswordError
}

// errPasswordIncorrect is PasswordChangeForm's error for a wrong old password, as
// Django's English locale words it.
var errPasswordIncorrect = PasswordError{Code: "password_incorrect", Message: "Your old password was entered incorrectly. Please enter it again."}

// PasswordChangeView is Django's PasswordChangeView for a Go handler, behind the session
// middleware (django.Middleware) and django.CSRFMiddleware: for a logged-in user (an
// anonymous one is sent to log in, as login_required sends it), GET renders the form;
// POST checks it as PasswordChangeForm does (old_password required and the user's
// password by CheckPassword; new_password1 and new_password2 as SetPasswordForm checks
// them, with Validators), then changes the password as Django's view does
// (ChangePassword: the new hash saved, this session kept logged in under a new key, the
// user's other sessions, Django's and Go's, logged out) and redirects (302) to
// SuccessURL; a form with errors is rendered again with them. PUT is a POST with an
// empty form (Django reads no PUT body), OPTIONS answers 200 with the FormView's Allow,
// other methods 405. Django's view does not add never_cache's headers, and neither does
// this one. Behind a CSRFMiddleware whose Exempt reports the request, the view checks
// CSRF itself before it looks at the user, as Django's csrf_protect around
// login_required.
//
// The old password is checked by CheckPassword, which upgrades an outdated hash only
// with Config.UpgradePasswordHashes; Django always upgrades it, so that there even a
// form with errors changes the hash, and logs the user out everywhere, this session
// included. Set UpgradePasswordHashes for that behaviour.
//
// Known differences: as for LoginView, the form's body is read by django.PostValue, and
// a Location over 16384 characters is not refused; a SuccessURL with a scheme other than
// http, https and ftp is not refused as Django's DisallowedRedirect (400); the new
// password is saved by PasswordSetter alone (Django's user.save() writes every column)
// and no validator's password_changed hook is called; and without any CSRFMiddleware, a
// POST is a 500 (ErrCSRFNotChecked), after the login check, where Django's decorator
// refuses unsafe methods (403) before it.
func PasswordChangeView(opts PasswordChangeOptions) http.Handler {
	if opts.SuccessURL == "" {
		opts.SuccessURL = "/accounts/password_change/done/"
	}
	s := opts.Settings
	inner := LoginRequired(s, opts.Config, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = upperMethod(r)
		if err := passwordChange(w, r, &opts); err != nil {
			viewFailed(w, r, s, "password change view", err)
		}
	}))
	// csrf_protect around login_required, the view keeping login_required's marks for
	// LoginRequiredMiddleware, as Django's
	return decorated(django.CSRFProtect(inner), inner, false, "", "")
}

func passwordChange(w http.ResponseWriter, r *http.Request, opts *PasswordChangeOptions) error {
	ctx, cfg := r.Context(), opts.Config
	sess := django.FromContext(ctx)
	if sess == nil {
		return ErrNoSessionMiddleware
	}
	u, err := RequestUser(r, cfg)
	if err != nil {
		return err
	}
	if u == nil { // (LoginRequired let it through: the user went since)
		RedirectToLogin(w, r, opts.Settings, "", django.RedirectFieldName)
		return nil
	}
	page := &PasswordChangePage{User: u}
	if post, err := formPost(w, r, func() error { opts.Render(w, r, page); return nil }); !post {
		return err
	}
	if !opts.CSRFExempt && !django.CSRFProtected(ctx) {
		return ErrCSRFNotChecked
	}
	errs := map[string][]PasswordError{}
	if old := postField(r, errs, "old_password"); old != "" {
		ok, err := CheckPassword(ctx, u, old, cfg)
		if err != nil {
			return err
		}
		if !ok {
			errs["old_password"] = []PasswordError{errPasswordIncorrect}
		}
	}
	p1, err := setPasswordForm(r, u, opts.Validators, errs)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		page.Errors = errs
		opts.Render(w, r, page)
		return nil
	}
	if err := ChangePassword(ctx, sess, u, p1, cfg); err != nil {
		return err
	}
	redirect(w, django.IRIToURI(opts.SuccessURL))
	return nil
}
