package auth

import (
	"errors"
	"net/http"

	"github.com/djsession/djsession/django"
)

// ErrCSRFNotChecked: a POST reached a view that Django protects with csrf_protect (the
// login and password change views, and the logout view from Django 4.1), but no
// django.CSRFMiddleware was in front of it to check it. Put the middleware there, or set
// the view's CSRFExempt. (Behind a middleware whose Exempt reports the request, the view
// checks it itself, as Django's decorated views do: django.CSRFProtect.)
var ErrCSRFNotChecked = errors.New("auth: no django.CSRFMiddleware checked this POST, and Django's view is csrf_protect: add the middleware, or set CSRFExempt")

// LogoutViewOptions configure LogoutView: the class attributes of Django's LogoutView
// (success_url_allowed_hosts and extra_context are not offered).
type LogoutViewOptions struct {
	// Settings is the site's settings (LogoutRedirectURL, and the version behaviour
	// LogoutViewLegacy and LogoutViewGET, which ForDjango sets). Required.
	Settings *django.Settings
	// NextPage is next_page: where a logged-out user without a safe "next" goes, before
	// Settings.LogoutRedirectURL ("" is Django's None). It is used as given, as Django uses
	// a URL (named URL patterns are not resolved). Django's logout_then_login is
	// LogoutView with NextPage set to Settings.LoginURL.
	NextPage string
	// CSRFExempt lets LogoutView take POSTs that no django.CSRFMiddleware checked (a site
	// that protects its forms otherwise). By default such a POST is a 500 with
	// ErrCSRFNotChecked where Django's view is csrf_protect (4.1 on): a logout that
	// another site can post logs a browser out behind its user's back.
	CSRFExempt bool
	// Render writes the "logged out" page (the template registration/logged_out.html)
	// with status 200, once the user is logged out. Required. It finds never_cache's
	// headers set, and should leave them.
	Render func(w http.ResponseWriter, r *http.Request)
}

// LogoutView is Django's LogoutView for a Go handler, behind the session middleware
// (django.Middleware) and, usually, django.CSRFMiddleware: a POST logs the user out
// (Logout: the session flushed, its cookie deleted) and is redirected (302) to the safe
// "next" of the form or the query string (Settings.URLHasAllowedHostAndScheme, for the
// request's own host), else to NextPage, else to Settings.LogoutRedirectURL, else to the
// request's own path; but when that is the request's full path (django.GetFullPath: so
// not with a query string or a non-ASCII path), the "logged out" page is rendered.
// OPTIONS answers 200 with the view's Allow; other methods 405. The answers carry
// never_cache's headers. It is not marked LoginNotRequired (Django's is not: under
// LoginRequiredMiddleware an anonymous user is sent to log in).
//
// The version behaviour follows Settings: with LogoutViewGET (Django 4.1, 4.2), GET and
// HEAD log out as POST does. With LogoutViewLegacy (Django before 4.1), every request
// logs out first, whatever its method; then it is redirected when a "next" is given (to
// it when safe, else, and when empty, to the request's own path) or when NextPage or
// LogoutRedirectURL is set, and otherwise answered by the method (the page for GET, HEAD
// and POST, 200 for OPTIONS, else 405); and there, as in Django, CSRF is only what the
// middleware checks.
//
// Known differences: as for LoginView, the form's body is read by django.PostValue, and
// a Location over 16384 characters is not refused; a NextPage or LogoutRedirectURL with
// a scheme other than http, https and ftp is not refused as Django's DisallowedRedirect
// (400); Logout does not read the user first, so a session whose user id cannot be read
// is flushed where Django answers 500; and without any CSRFMiddleware, a POST is a 500
// (ErrCSRFNotChecked) and other methods are answered as their method, where Django's
// decorator refuses the unsafe ones (403).
func LogoutView(opts LogoutViewOptions) http.Handler {
	s := opts.Settings
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = upperMethod(r)
		// (Django 5.0+: csrf_protect around never_cache, on dispatch; 4.1 and 4.2: on
		// post, inside it; before: none)
		if !s.LogoutViewLegacy && !s.LogoutViewGET && !django.CSRFProtectView(w, r) {
			return
		}
		neverCache(w, s)
		if err := logoutView(w, r, &opts); err != nil {
			viewFailed(w, r, s, "logout view", err)
		}
	})
}

func logoutView(w http.ResponseWriter, r *http.Request, opts *LogoutViewOptions) error {
	ctx, s := r.Context(), opts.Settings
	sess := django.FromContext(ctx)
	if sess == nil {
		return ErrNoSessionMiddleware
	}
	if s.LogoutViewLegacy {
		return legacyLogout(w, r, opts, sess)
	}
	allow := "POST, OPTIONS"
	if s.LogoutViewGET {
		allow = "GET, HEAD, POST, OPTIONS"
	}
	switch r.Method {
	case http.MethodPost:
	case http.MethodGet, http.MethodHead:
		if s.LogoutViewGET {
			break
		}
		fallthrough
	default:
		methodNotAllowed(w, r.Method, allow)
		return nil
	}
	if s.LogoutViewGET && !django.CSRFProtectView(w, r) {
		return nil
	}
	if r.Method == http.MethodPost && !opts.CSRFExempt && !django.CSRFProtected(ctx) {
		return ErrCSRFNotChecked
	}
	if err := Logout(ctx, sess); err != nil {
		return err
	}
	// get_success_url: the safe next, else the default redirect URL.
	to, err := safeNext(r, s)
	if err != nil {
		return err
	}
	if to == "" {
		switch {
		case opts.NextPage != "":
			to = opts.NextPage
		case s.LogoutRedirectURL != "":
			to = s.LogoutRedirectURL
		default:
			to = django.RequestPath(r)
		}
	}
	if to != django.GetFullPath(r) {
		redirect(w, django.IRIToURI(to))
		return nil
	}
	opts.Render(w, r)
	return nil
}

// legacyLogout is LogoutView before Django 4.1, which logs out in dispatch.
func legacyLogout(w http.ResponseWriter, r *http.Request, opts *LogoutViewOptions, sess *django.Session) error {
	s := opts.Settings
	if err := Logout(r.Context(), sess); err != nil {
		return err
	}
	// get_next_page
	to := opts.NextPage
	if to == "" {
		to = s.LogoutRedirectURL
	}
	next, ok := django.PostValue(r, django.RedirectFieldName)
	if !ok {
		next, ok = django.QueryValue(r, django.RedirectFieldName)
	}
	if ok {
		host, err := s.GetHost(r)
		if err != nil {
			return err
		}
		to = next
		if !s.URLHasAllowedHostAndScheme(next, []string{host}, s.IsSecure(r)) {
			to = django.RequestPath(r)
		}
	}
	if to != "" {
		redirect(w, django.IRIToURI(to))
		return nil
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
		opts.Render(w, r)
	default:
		methodNotAllowed(w, r.Method, "GET, POST, HEAD, OPTIONS")
	}
	return nil
}

// safeNext is RedirectURLMixin.get_redirect_url: the "next" of the POST form (else of
// the query string) when URLHasAllowedHostAndScheme takes it for the request's own host
// (HTTPS required on a secure request), else "".
func safeNext(r *http.Request, s *django.Settings) (string, error) {
	next, ok := django.PostValue(r, django.RedirectFieldName)
	if !ok {
		next, _ = django.QueryValue(r, django.RedirectFieldName)
	}
	host, err := s.GetHost(r)
	if err != nil {
		return "", err
	}
	if !s.URLHasAllowedHostAndScheme(next, []string{host}, s.IsSecure(r)) {
		return "", nil
	}
	return next, nil
}

// methodNotAllowed answers a method a view has no handler for (405, with the view's
// Allow), or OPTIONS (200, empty), as Django's View does.
func methodNotAllowed(w http.ResponseWriter, method, allow string) {
	w.Header().Set("Allow", allow)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if method == http.MethodOptions {
		w.Header().Set("Content-Length", "0")
		return
	}
	w.WriteHeader(http.StatusMethodNotAllowed)
}

// templateView answers as Django's TemplateView: GET and HEAD render, OPTIONS answers 200
// with its Allow, other methods 405.
func templateView(render func(w http.ResponseWriter, r *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = upperMethod(r)
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			render(w, r)
			return
		}
		methodNotAllowed(w, r.Method, "GET, HEAD, OPTIONS")
	})
}

// PasswordChangeDoneView is Django's PasswordChangeDoneView: for a logged-in user (an
// anonymous one is sent to log in, as login_required sends it), GET and HEAD render the
// page (registration/password_change_done.html), OPTIONS answers 200, other methods 405.
func PasswordChangeDoneView(s *django.Settings, cfg *Config, render func(w http.ResponseWriter, r *http.Request)) http.Handler {
	return LoginRequired(s, cfg, templateView(render))
}

// PasswordResetDoneView is Django's PasswordResetDoneView, the page PasswordResetView
// sends the browser to: GET and HEAD render it (registration/password_reset_done.html),
// OPTIONS answers 200, other methods 405. It is marked LoginNotRequired, as Django 5.1+
// mark the view.
func PasswordResetDoneView(render func(w http.ResponseWriter, r *http.Request)) http.Handler {
	return LoginNotRequired(templateView(render))
}

// PasswordResetCompleteView is Django's PasswordResetCompleteView, the page
// PasswordResetConfirmView sends the browser to once the password is set: as
// PasswordResetDoneView, its template (registration/password_reset_complete.html)
// getting login_url, Settings.LoginURL.
func PasswordResetCompleteView(s *django.Settings, render func(w http.ResponseWriter, r *http.Request, loginURL string)) http.Handler {
	return LoginNotRequired(templateView(func(w http.ResponseWriter, r *http.Request) { render(w, r, s.LoginURL) }))
}
