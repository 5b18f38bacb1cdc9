package auth

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/serializer"
)

// ResetSessionTokenKey is the session key under which Django's PasswordResetConfirmView
// keeps the token of a reset link between its two steps (INTERNAL_RESET_SESSION_TOKEN).
const ResetSessionTokenKey = "_password_reset_token"

// PasswordResetConfirmOptions configure PasswordResetConfirmView: the class attributes of
// Django's PasswordResetConfirmView and the settings it reads.
type PasswordResetConfirmOptions struct {
	// Settings and Config are the site's settings and auth configuration (Config.Users
	// must implement PasswordSetter, as SQLUserSource does). Required.
	Settings *django.Settings
	Config   *Config
	// Tokens checks the links' tokens (default_token_generator). Required.
	Tokens *PasswordResetTokenGenerator
	// Validators are AUTH_PASSWORD_VALIDATORS (PasswordValidators builds them); nil
	// checks nothing, as an empty setting.
	Validators []PasswordValidator
	// ResetURLToken is reset_url_token: what replaces the token in the URL the view
	// redirects to ("" means "set-password").
	ResetURLToken string
	// SuccessURL is success_url, where a reset password sends the user ("" means
	// "/accounts/reset/done/", the password_reset_complete URL of
	// django.contrib.auth.urls included at accounts/).
	SuccessURL string
	// PostResetLogin logs the user in once the password is set (post_reset_login), through
	// PostResetLoginBackend ("" as Login takes it: the only backend of Config; with
	// several, it is required, and Django answers 500 too, having flushed the session).
	PostResetLogin        bool
	PostResetLoginBackend string
	// Render writes the page (the template registration/password_reset_confirm.html) with
	// status 200: the form when page.ValidLink, else the "invalid link" page. Required. It
	// finds never_cache's headers set, and should leave them.
	Render func(w http.ResponseWriter, r *http.Request, page *PasswordResetConfirmPage)
}

// PasswordResetConfirmPage is what PasswordResetConfirmView's template gets.
type PasswordResetConfirmPage struct {
	// ValidLink is validlink: the link (or the token the session keeps) is good.
	ValidLink bool
	// User is the link's user (nil when there is none).
	User *User
	// Errors are the SetPasswordForm's errors by field ("new_password1", then
	// "new_password2" in Django's form.errors), after a POST that did not set the
	// password; each field's in Django's order.
	Errors map[string][]PasswordError
}

// SetPasswordForm's own errors, as Django's English locale words them.
var (
	errFieldRequired    = PasswordError{Code: "required", Message: "This field is required."}
	errNullCharacters   = PasswordError{Code: "null_characters_not_allowed", Message: "Null characters are not allowed."}
	errPasswordMismatch = PasswordError{Code: "password_mismatch", Message: "The two password fields didn\u2019t match."}
)

// PasswordResetConfirmView is Django's PasswordResetConfirmView for a Go handler, behind
// the session middleware (django.Middleware), at a pattern with the wildcards {uidb64}
// and {token} ("/accounts/reset/{uidb64}/{token}/"): the two steps of a password reset
// link, so that either step may be Django's and the other Go's.
//
// A link whose token is good (Tokens.CheckToken) stores the token in the session
// (ResetSessionTokenKey) and is redirected (302) to the same path with the token
// replaced by ResetURLToken; there, with the session's token good, GET renders the form
// and POST sets the password (new_password1 and new_password2, as SetPasswordForm checks
// them: both required, no null characters, the same, and passing Validators), deletes
// the session's token, logs the user in if PostResetLogin, and redirects (302) to
// SuccessURL; a form with errors is rendered again with them. Any other link renders the
// invalid-link page. The view's answers carry never_cache's headers; a failure to load or
// save the user is logged and answered with Django's 500 page (without them). The handler
// is marked LoginNotRequired, as Django 5.1+ mark the view.
//
// Known differences, in requests Django refuses before the view: the form's body is read
// by django.PostValue (no DATA_UPLOAD_MAX_* limits, charsets other than UTF-8 not
// refused), and a redirect over 16384 characters (a uidb64 that long) is not refused as
// Django 4.2+'s DisallowedRedirect; and a uidb64 of non-ASCII digits, which Python's
// int() reads, names no user here.
func PasswordResetConfirmView(opts PasswordResetConfirmOptions) http.Handler {
	if opts.ResetURLToken == "" {
		opts.ResetURLToken = "set-password"
	}
	if opts.SuccessURL == "" {
		opts.SuccessURL = "/accounts/reset/done/"
	}
	s := opts.Settings
	// (open to anonymous users under LoginRequiredMiddleware, as Django 5.1+ mark it)
	return LoginNotRequired(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = upperMethod(r)
		neverCache(w, s)
		if err := resetConfirm(w, r, &opts); err != nil {
			viewFailed(w, r, s, "password reset confirm", err)
		}
	}))
}

func resetConfirm(w http.ResponseWriter, r *http.Request, opts *PasswordResetConfirmOptions) error {
	ctx := r.Context()
	sess := django.FromContext(ctx)
	if sess == nil {
		return ErrNoSessionMiddleware
	}
	page := &PasswordResetConfirmPage{}
	var err error
	if page.User, err = resetUser(r, opts.Config); err != nil {
		return err
	}
	if u := page.User; u != nil {
		token := django.RepercentBroken(r.PathValue("token"))
		if token == opts.ResetURLToken {
			st, _ := sess.GetString(ResetSessionTokenKey)
			if opts.Tokens.CheckToken(u, st) {
				page.ValidLink = true
				return resetForm(w, r, opts, sess, page)
			}
		} else if opts.Tokens.CheckToken(u, token) {
			// (the form at a URL without the token, which a Referer header would leak)
			sess.Set(ResetSessionTokenKey, serializer.Str(token))
			redirect(w, django.IRIToURI(strings.ReplaceAll(django.RequestPath(r), token, opts.ResetURLToken)))
			return nil
		}
	}
	opts.Render(w, r, page)
	return nil
}

// resetUser is PasswordResetConfirmView.get_user: the user of the link's uidb64, nil when
// it names none.
func resetUser(r *http.Request, cfg *Config) (*User, error) {
	id, err := DecodeUID(django.RepercentBroken(r.PathValue("uidb64")))
	if err != nil {
		return nil, nil
	}
	if id, err = cfg.PK.Normalize(id); err != nil {
		return nil, nil
	}
	u, err := cfg.Users.User(r.Context(), id)
	if errors.Is(err, ErrUserNotFound) || errors.Is(err, ErrInvalidUserID) {
		return nil, nil
	}
	return u, err
}

// resetForm is the FormView with SetPasswordForm behind a good link.
func resetForm(w http.ResponseWriter, r *http.Request, opts *PasswordResetConfirmOptions, sess *django.Session, page *PasswordResetConfirmPage) error {
	if post, err := formPost(w, r, func() error { opts.Render(w, r, page); return nil }); !post {
		return err
	}
	errs := map[string][]PasswordError{}
	p1, err := setPasswordForm(r, page.User, opts.Validators, errs)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		page.Errors = errs
		opts.Render(w, r, page)
		return nil
	}
	ctx := r.Context()
	if err := SetPassword(ctx, page.User, p1, opts.Config); err != nil {
		return err
	}
	sess.Delete(ResetSessionTokenKey)
	if opts.PostResetLogin {
		if err := Login(ctx, sess, page.User, opts.PostResetLoginBackend, opts.Config); err != nil {
			return err
		}
	}
	redirect(w, django.IRIToURI(opts.SuccessURL))
	return nil
}

// setPasswordForm checks the fields of Django's SetPasswordForm for user u, recording
// their errors in errs: new_password1 and new_password2 required, without null
// characters, the same, and the second passing validators. It returns new_password1
// (valid when errs is left empty).
func setPasswordForm(r *http.Request, u *User, validators []PasswordValidator, errs map[string][]PasswordError) (string, error) {
	p1, p2 := postField(r, errs, "new_password1"), postField(r, errs, "new_password2")
	pe, err := CheckNewPassword(u, p1, p2, validators)
	if pe != nil {
		errs["new_password2"] = pe
	}
	return p1, err
}

// CheckNewPassword is the check of Django's SetPasswordForm (clean_new_password2, and
// from Django 5.1 validate_passwords and validate_password_for_user) of the new password
// p1 and its confirmation p2 for u, once each field has passed its own checks ("" for
// one that did not): the errors of new_password2, the passwords' mismatch or the
// validators' refusals, or nil.
func CheckNewPassword(u *User, p1, p2 string, validators []PasswordValidator) ([]PasswordError, error) {
	if p1 != "" && p2 != "" && p1 != p2 {
		return []PasswordError{errPasswordMismatch}, nil
	}
	if p2 == "" {
		return nil, nil
	}
	var pe PasswordErrors
	if err := ValidatePassword(p2, u.PasswordUser(), validators); errors.As(err, &pe) {
		return pe, nil
	} else if err != nil {
		return nil, err
	}
	return nil, nil
}

// postField is the value of the password field name of the POST form (a CharField that
// does not strip), checked by formField: "" when it has an error, recorded in errs.
func postField(r *http.Request, errs map[string][]PasswordError, name string) string {
	v, _ := django.PostValue(r, name)
	if !formField(errs, name, v) {
		v = ""
	}
	return v
}

// neverCache adds the headers of Django's never_cache: Expires now, and a Cache-Control
// that forbids any cache.
func neverCache(w http.ResponseWriter, s *django.Settings) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	w.Header().Set("Expires", now().UTC().Format(http.TimeFormat))
	w.Header().Set("Cache-Control", "max-age=0, no-cache, no-store, must-revalidate, private")
}
