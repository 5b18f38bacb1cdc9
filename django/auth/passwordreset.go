package auth

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/internal/pystr"
)

// PasswordResetOptions configure PasswordResetView: the class attributes of Django's
// PasswordResetView and what its PasswordResetForm reads.
type PasswordResetOptions struct {
	// Settings and Config are the site's settings and auth configuration (Config.Users
	// must implement EmailSource, as SQLUserSource with an EmailColumn does). Required.
	Settings *django.Settings
	Config   *Config
	// Tokens makes the links' tokens (default_token_generator). Required.
	Tokens *PasswordResetTokenGenerator
	// Site is the current site of django.contrib.sites (the Site of SITE_ID: its domain
	// and name) for a project that has the app installed; nil means Django's RequestSite:
	// the request's host, as both domain and name.
	Site *Site
	// SuccessURL is success_url, where the form sends the browser once it is valid, whether
	// or not the address is a user's ("" means "/accounts/password_reset/done/", the
	// password_reset_done URL of django.contrib.auth.urls included at accounts/).
	SuccessURL string
	// SendMail sends one user's reset email (Django renders the templates
	// registration/password_reset_subject.txt and password_reset_email.html with the
	// email's fields and sends it from DEFAULT_FROM_EMAIL). Required. An error is logged
	// and the view goes on, as Django 4.2+ do; with Settings.PasswordResetMailErrorsFail
	// (before 4.2) it is a 500.
	SendMail func(ctx context.Context, m *PasswordResetEmail) error
	// CSRFExempt lets the view take POSTs that no django.CSRFMiddleware checked. By
	// default such a POST is a 500 with ErrCSRFNotChecked: Django's view is csrf_protect.
	CSRFExempt bool
	// Render writes the page (the template registration/password_reset_form.html) with
	// status 200: the form, with the errors of a POST that was not valid. Required.
	Render func(w http.ResponseWriter, r *http.Request, page *PasswordResetPage)
}

// Site is a django.contrib.sites Site: its domain and display name.
type Site struct {
	Domain, Name string
}

// PasswordResetPage is what PasswordResetView's template gets.
type PasswordResetPage struct {
	// Email is the email field's value as posted ("" on a GET).
	Email string
	// Errors are the PasswordResetForm's errors by field ("email"), in Django's order.
	Errors map[string][]PasswordError
}

// PasswordResetEmail is one reset email: the context of Django's email templates.
type PasswordResetEmail struct {
	// To is the address to send it to: the user's EMAIL_FIELD, as stored.
	To string
	// Email is the same address ({{ email }}).
	Email string
	// Domain and SiteName are the current site's ({{ domain }}, {{ site_name }}).
	Domain, SiteName string
	// UID and Token make the link ({{ uid }}, {{ token }}): UID is EncodeUID of the user's
	// key, Token the token generator's token for the user now.
	UID, Token string
	// Protocol is "https" on a secure request, else "http" ({{ protocol }}).
	Protocol string
	// User is the user ({{ user }}).
	User *User
}

// Link returns the reset link of Django's default email template:
// {{ protocol }}://{{ domain }}/accounts/reset/{{ uid }}/{{ token }}/, with the path of
// the password_reset_confirm URL of django.contrib.auth.urls included at accounts/.
func (m *PasswordResetEmail) Link() string {
	return m.Protocol + "://" + m.Domain + "/accounts/reset/" + m.UID + "/" + m.Token + "/"
}

// The EmailField's own errors, as Django's English locale words them.
var errInvalidEmail = PasswordError{Code: "invalid", Message: "Enter a valid email address."}

// PasswordResetView is Django's PasswordResetView for a Go handler, behind the session
// middleware (django.Middleware) and django.CSRFMiddleware: GET renders the form; POST
// checks it as PasswordResetForm does (email stripped, required, Settings.IsValidEmail,
// at most 254 characters, no null characters); once it is valid, every active user whose
// email matches it (Config.Users' UsersByEmail: the database's case-insensitive match),
// with a usable password and an email equal to it under NFKC and case folding (as
// Django's _unicode_ci_compare), is sent an email (SendMail) with a link Django's and
// Go's PasswordResetConfirmView take, and the browser is redirected (302) to SuccessURL,
// users or not, so that the page tells nobody whether an address has an account. PUT is
// a POST with an empty form, OPTIONS answers 200 with the FormView's Allow, other methods
// 405. The handler is marked LoginNotRequired, as Django 5.1+ mark the view; Django's
// view adds no never_cache headers, nor does this one.
//
// Known differences: as for LoginView, the form's body is read by django.PostValue, and
// a Location over 16384 characters is not refused; the NFKC and case folding use Go's
// Unicode tables (each Python has its own version: characters assigned since differ);
// and a SuccessURL with a scheme other
// than http, https and ftp is not refused as Django's DisallowedRedirect (400).
func PasswordResetView(opts PasswordResetOptions) http.Handler {
	if opts.SuccessURL == "" {
		opts.SuccessURL = "/accounts/password_reset/done/"
	}
	s := opts.Settings
	return LoginNotRequired(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = upperMethod(r)
		if !django.CSRFProtectView(w, r) {
			return
		}
		if err := passwordReset(w, r, &opts); err != nil {
			viewFailed(w, r, s, "password reset view", err)
		}
	}))
}

func passwordReset(w http.ResponseWriter, r *http.Request, opts *PasswordResetOptions) error {
	ctx, s := r.Context(), opts.Settings
	page := &PasswordResetPage{}
	if post, err := formPost(w, r, func() error { opts.Render(w, r, page); return nil }); !post {
		return err
	}
	if !opts.CSRFExempt && !django.CSRFProtected(ctx) {
		return ErrCSRFNotChecked
	}
	page.Email, _ = django.PostValue(r, "email")
	email := pystr.Strip(page.Email)
	if errs := emailFieldErrors(s, email, 254); len(errs) > 0 {
		page.Errors = map[string][]PasswordError{"email": errs}
		opts.Render(w, r, page)
		return nil
	}
	if err := SendPasswordResetEmails(r, email, opts); err != nil {
		return err
	}
	redirect(w, django.IRIToURI(opts.SuccessURL))
	return nil
}

// EmailFieldErrors are the errors of Django's forms.EmailField(max_length=maxLength) on
// the stripped value v, in the order its validators run (nil when there are none):
// required, "Enter a valid email address." (Settings.IsValidEmail), the length, null
// characters.
func EmailFieldErrors(s *django.Settings, v string, maxLength int) []PasswordError {
	return emailFieldErrors(s, v, maxLength)
}

// SendPasswordResetEmails is PasswordResetForm.save for the request r and the form's
// valid email (stripped): every active user whose email matches it (Config.Users'
// UsersByEmail), with a usable password and an email equal to it under NFKC and case
// folding, is sent an email through opts.SendMail, with a link to opts.Site (nil: the
// request's host, an error for one outside ALLOWED_HOSTS) made with opts.Tokens. An error
// of SendMail is logged (returned with Settings.PasswordResetMailErrorsFail).
func SendPasswordResetEmails(r *http.Request, email string, opts *PasswordResetOptions) error {
	ctx, s := r.Context(), opts.Settings
	// the site first (a host outside ALLOWED_HOSTS is a 400, users or not)
	site := opts.Site
	if site == nil {
		host, err := s.GetHost(r)
		if err != nil {
			return err
		}
		site = &Site{Domain: host, Name: host}
	}
	protocol := "http"
	if s.IsSecure(r) {
		protocol = "https"
	}
	src, ok := opts.Config.Users.(EmailSource)
	if !ok {
		return fmt.Errorf("%w: PasswordResetView needs Config.Users to be an EmailSource", ErrUnsupported)
	}
	users, err := src.UsersByEmail(ctx, email)
	if err != nil {
		return err
	}
	for _, u := range users {
		if strings.HasPrefix(u.PasswordHash, "!") || !unicodeCIEqual(email, u.Email) {
			continue
		}
		token, err := opts.Tokens.MakeToken(u)
		if err != nil {
			return err
		}
		m := &PasswordResetEmail{To: u.Email, Email: u.Email, Domain: site.Domain, SiteName: site.Name,
			UID: EncodeUID(u.ID), Token: token, Protocol: protocol, User: u}
		if err := opts.SendMail(ctx, m); err != nil {
			if s.PasswordResetMailErrorsFail {
				return fmt.Errorf("auth: send the password reset email: %w", err)
			}
			s.Log().ErrorContext(ctx, "Failed to send password reset email", "user", u.ID, "err", err)
		}
	}
	return nil
}

// emailFieldErrors are the errors of Django's forms.EmailField(max_length=maxLength) on
// the stripped value v, in the order its validators run.
func emailFieldErrors(s *django.Settings, v string, maxLength int) []PasswordError {
	if v == "" {
		return []PasswordError{errFieldRequired}
	}
	var errs []PasswordError
	if !s.IsValidEmail(v) {
		errs = append(errs, errInvalidEmail)
	}
	if n := utf8.RuneCountInString(v); n > maxLength {
		errs = append(errs, PasswordError{Code: "max_length", Message: fmt.Sprintf(
			"Ensure this value has at most %d characters (it has %d).", maxLength, n)})
	}
	if strings.ContainsRune(v, 0) {
		errs = append(errs, errNullCharacters)
	}
	return errs
}

// unicodeCIEqual is Django's _unicode_ci_compare: NFKC, then case folding (Python's
// str.casefold), equal.
func unicodeCIEqual(a, b string) bool {
	fold := cases.Fold()
	return casefoldCherokee(fold.String(norm.NFKC.String(a))) == casefoldCherokee(fold.String(norm.NFKC.String(b)))
}

// casefoldCherokee maps the small Cherokee letters to the capitals, as Unicode's
// CaseFolding.txt (and so Python's casefold) folds them, where Go's cases.Fold folds the
// capitals to the small ones.
func casefoldCherokee(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xAB70 && r <= 0xABBF:
			return r - 0xAB70 + 0x13A0
		case r >= 0x13F8 && r <= 0x13FD:
			return r - 8
		}
		return r
	}, s)
}
