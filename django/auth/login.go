package auth

import (
	"errors"
	"net/http"
	"slices"

	"github.com/djsession/djsession/django"
)

// LoginRequired is Django's login_required for a Go handler: a request whose session has
// no logged-in user (GetUser) is redirected (302) to s.LoginURL with the page to come
// back to in the "next" parameter, byte for byte as Django's redirect_to_login writes
// the Location; a logged-in user's request goes to h. A host outside ALLOWED_HOSTS gets
// Django's 400 page, as its DisallowedHost without DEBUG.
func LoginRequired(s *django.Settings, cfg *Config, h http.Handler) http.Handler {
	return UserPassesTest(s, cfg, func(r *http.Request, u *User) (bool, error) { return u != nil, nil }, "", django.RedirectFieldName, h)
}

// ErrPermissionDenied is Django's PermissionDenied: a UserPassesTest test that returns an
// error matching it answers 403 rather than sending the user to log in.
var ErrPermissionDenied = errors.New("auth: permission denied")

// UserPassesTest is Django's user_passes_test decorator for a Go handler: test gets the
// request and its user (GetUser; nil for an anonymous one) and the request goes to h if
// it returns true (with the user for RequestUser, as AuthenticationMiddleware gives it);
// else it is redirected to loginURL ("" for s.LoginURL) with the page under
// redirectFieldName, as RedirectToLogin. An error matching
// ErrPermissionDenied answers 403 (cfg.PermissionDenied, by default Django's page); any
// other error (of test or of GetUser) is logged to s.Logger and answered with Django's
// 500 page.
//
// Under LoginRequiredMiddleware, an anonymous request is sent to loginURL with the page
// under redirectFieldName before test runs, as Django's user_passes_test marks its view.
func UserPassesTest(s *django.Settings, cfg *Config, test func(r *http.Request, u *User) (bool, error), loginURL, redirectFieldName string, h http.Handler) http.Handler {
	return decorated(userPassesTest(s, cfg, test, loginURL, redirectFieldName, h), h, true, loginURL, redirectFieldName)
}

// userPassesTest is UserPassesTest without the marks for LoginRequiredMiddleware, for
// the mixins (a class-based view's login_url is not the view function's).
func userPassesTest(s *django.Settings, cfg *Config, test func(r *http.Request, u *User) (bool, error), loginURL, redirectFieldName string, h http.Handler) http.Handler {
	return AuthenticationMiddleware(cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := RequestUser(r, cfg)
		if errors.Is(err, ErrNoSessionMiddleware) { // (Django: no request.user without its middlewares, a 500)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		ok := false
		if err == nil {
			ok, err = test(r, u)
		}
		switch {
		case errors.Is(err, ErrPermissionDenied):
			cfg.permissionDenied(w, r, s)
		case err != nil:
			s.Log().ErrorContext(r.Context(), "auth: access check failed", "path", r.URL.Path, "err", err)
			s.ServerError(w, r)
		case ok:
			h.ServeHTTP(w, r)
		default:
			RedirectToLogin(w, r, s, loginURL, redirectFieldName)
		}
	}))
}

// PermissionRequired is Django's permission_required decorator for a Go handler: the
// request goes to h when its user has every permission of perms (HasPerms); else, with
// raiseException, it gets a 403 (cfg.PermissionDenied), and without, it is redirected to
// loginURL ("" for s.LoginURL) as LoginRequired does, even for a logged-in user: that is
// the decorator's way (PermissionRequiredMixin, for class-based views, differs).
func PermissionRequired(s *django.Settings, cfg *Config, perms []string, loginURL string, raiseException bool, h http.Handler) http.Handler {
	perms = slices.Clone(perms)
	return UserPassesTest(s, cfg, func(r *http.Request, u *User) (bool, error) {
		ok, err := HasPerms(r.Context(), u, perms, cfg)
		if err == nil && !ok && raiseException {
			err = ErrPermissionDenied
		}
		return ok, err
	}, loginURL, django.RedirectFieldName, h)
}

// LoginRequiredMixin is Django's LoginRequiredMixin (AccessMixin) for a Go handler: an
// anonymous request is redirected to loginURL ("" for s.LoginURL) with the page under
// redirectFieldName or, with raiseException, gets a 403; a logged-in user's request
// goes to h.
func LoginRequiredMixin(s *django.Settings, cfg *Config, loginURL, redirectFieldName string, raiseException bool, h http.Handler) http.Handler {
	return decorated(userPassesTest(s, cfg, func(r *http.Request, u *User) (bool, error) {
		if u == nil && raiseException {
			return false, ErrPermissionDenied
		}
		return u != nil, nil
	}, loginURL, redirectFieldName, h), h, false, "", "")
}

// PermissionRequiredMixin is Django's PermissionRequiredMixin for a Go handler, as a
// class-based view with permission_required = perms answers: the request goes to h when
// its user has every permission of perms (HasPerms); else a logged-in user gets a 403
// (cfg.PermissionDenied), and so does an anonymous one with raiseException, while
// without it an anonymous one is redirected to loginURL ("" for s.LoginURL) with the page
// under redirectFieldName.
func PermissionRequiredMixin(s *django.Settings, cfg *Config, perms []string, loginURL, redirectFieldName string, raiseException bool, h http.Handler) http.Handler {
	perms = slices.Clone(perms)
	return decorated(userPassesTest(s, cfg, func(r *http.Request, u *User) (bool, error) {
		ok, err := HasPerms(r.Context(), u, perms, cfg)
		if err == nil && !ok && (raiseException || u != nil) {
			err = ErrPermissionDenied
		}
		return ok, err
	}, loginURL, redirectFieldName, h), h, false, "", "")
}

// AdminLoginURL is where Django's admin login is when urls.py mounts the admin at
// "admin/" (path("admin/", admin.site.urls)) and no FORCE_SCRIPT_NAME or script prefix
// applies: reverse("admin:login").
const AdminLoginURL = "/admin/login/"

// StaffMemberRequired is the admin's staff_member_required decorator for a Go handler:
// the request goes to h when its user is active and staff; else it is redirected to
// loginURL ("" for AdminLoginURL, what Django's reverse of "admin:login" gives for the
// usual mount) with the page under redirectFieldName as LoginRequired does.
func StaffMemberRequired(s *django.Settings, cfg *Config, loginURL, redirectFieldName string, h http.Handler) http.Handler {
	if loginURL == "" {
		loginURL = AdminLoginURL
	}
	return UserPassesTest(s, cfg, func(r *http.Request, u *User) (bool, error) {
		return u != nil && u.IsActive && u.IsStaff, nil
	}, loginURL, redirectFieldName, h)
}

func (c *Config) permissionDenied(w http.ResponseWriter, r *http.Request, s *django.Settings) {
	if c.PermissionDenied != nil {
		c.PermissionDenied.ServeHTTP(w, r)
		return
	}
	s.PermissionDenied(w, r)
}

// RedirectToLogin answers r as Django's login_required does for an anonymous user: a 302
// to loginURL ("" for s.LoginURL) with the current page under redirectFieldName
// (django.RedirectFieldName, "next", is Django's default; "" adds none, as Django's
// None). A host outside ALLOWED_HOSTS gets Django's 400 page (DisallowedHost); with no
// login URL at all, Django's 500 (ImproperlyConfigured or NoReverseMatch there), and
// ErrNoLoginURL in s.Logger.
func RedirectToLogin(w http.ResponseWriter, r *http.Request, s *django.Settings, loginURL, redirectFieldName string) {
	if loginURL == "" {
		loginURL = s.LoginURL
	}
	if loginURL == "" {
		s.Log().ErrorContext(r.Context(), "auth: redirect to login", "path", r.URL.Path, "err", ErrNoLoginURL)
		s.ServerError(w, r)
		return
	}
	next, err := s.LoginRequiredNext(r, loginURL)
	if err != nil {
		s.Log().ErrorContext(r.Context(), "auth: redirect to login", "err", err)
		s.BadRequest(w, r)
		return
	}
	w.Header().Set("Location", django.RedirectToLoginURL(next, loginURL, redirectFieldName))
	w.Header().Set("Content-Type", "text/html; charset=utf-8") // (HttpResponseRedirect's)
	w.WriteHeader(http.StatusFound)
}

// SuccessURL is where Django's LoginView sends a user who just logged in, as the Location
// of its redirect: the "next" of the POST form (else of the query string), read as
// Django reads request.POST and request.GET, when URLHasAllowedHostAndScheme takes it
// for the request's own host (HTTPS required on a secure request), else
// s.LoginRedirectURL; made a URI by django.IRIToURI, as HttpResponseRedirect does. Set
// it as the Location header as it is (net/http's Redirect would rewrite some paths). The
// error is django.ErrDisallowedHost for a host outside ALLOWED_HOSTS (Django: 400).
func SuccessURL(r *http.Request, s *django.Settings) (string, error) {
	next, err := successURL(r, s)
	return django.IRIToURI(next), err
}

// successURL is SuccessURL before it is made a URI (get_success_url).
func successURL(r *http.Request, s *django.Settings) (string, error) {
	next, err := safeNext(r, s)
	if next == "" && err == nil {
		next = s.LoginRedirectURL
	}
	return next, err
}
