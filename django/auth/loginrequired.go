package auth

import (
	"errors"
	"net/http"
	"reflect"

	"github.com/djsession/djsession/django"
)

// viewAttrs are the attributes of a Django view that LoginRequiredMiddleware reads: set
// on a Go handler by LoginNotRequired (login_required = False) and by UserPassesTest and
// the decorators made with it (login_url and redirect_field_name, which Django's
// user_passes_test sets on the view it returns).
type viewAttrs struct {
	notRequired bool   // login_required = False
	hasURL      bool   // login_url and redirect_field_name are set
	loginURL    string // "" for None
	field       string // "" for None
}

// view is a handler with the attributes of a Django view.
type view struct {
	http.Handler
	attrs viewAttrs
}

// attrsOf returns the attributes of h: none unless h was made by this package's
// decorators.
func attrsOf(h http.Handler) viewAttrs {
	if v, ok := h.(*view); ok {
		return v.attrs
	}
	return viewAttrs{}
}

// decorated returns h, made from inner by a decorator, with the attributes Django's
// decorator gives it: those of inner (copied by functools.wraps, so they win), on top of
// a login_url and redirect_field_name when set.
func decorated(h, inner http.Handler, set bool, loginURL, field string) http.Handler {
	a := attrsOf(inner)
	if set && !a.hasURL {
		a.hasURL, a.loginURL, a.field = true, loginURL, field
	}
	if a == (viewAttrs{}) {
		return h
	}
	return &view{Handler: h, attrs: a}
}

// LoginNotRequired is Django's login_not_required decorator (Django 5.1+): it marks h as
// open to anonymous users under LoginRequiredMiddleware, and changes nothing else (a
// decorator of this package around or inside it still checks its own test). Mark the
// handler as it is registered on the Router, or inside this package's decorators, which
// keep the mark as Django's keep it; another package's wrapper around it hides it.
func LoginNotRequired(h http.Handler) http.Handler {
	a := attrsOf(h)
	if v, ok := h.(*view); ok {
		h = v.Handler
	}
	a.notRequired = true
	return &view{Handler: h, attrs: a}
}

// Router finds the handler a request goes to, as Django's URL resolver finds the view
// whose attributes LoginRequiredMiddleware reads. *http.ServeMux is a Router: Handler
// returns an empty pattern when it has no handler for the request.
type Router interface {
	http.Handler
	Handler(r *http.Request) (h http.Handler, pattern string)
}

// redirectType is the type of the handlers http.RedirectHandler makes, which a ServeMux
// also answers with to send a request to a path's canonical form ("/page" to "/page/").
var redirectType = reflect.TypeOf(http.RedirectHandler("/", http.StatusMovedPermanently))

// ErrNoLoginURL: LoginRequiredMiddleware has nowhere to send an anonymous user (no
// Settings.LoginURL and no login URL on the handler); Django raises ImproperlyConfigured.
var ErrNoLoginURL = errors.New("auth: no login URL to redirect to: set Settings.LoginURL (LOGIN_URL) or give the decorator a login URL")

// LoginRequiredMiddleware is Django's LoginRequiredMiddleware (Django 5.1+) in front of
// mux: a request whose handler (mux.Handler) is not marked with LoginNotRequired, from a
// user who is not logged in (RequestUser), is redirected to log in as
// django.contrib.auth.middleware.LoginRequiredMiddleware redirects it: to the login URL
// of the handler's decorator (LoginRequired, UserPassesTest, PermissionRequired,
// StaffMemberRequired; "" means Settings.LoginURL) with the page under its redirect field
// name, else to Settings.LoginURL with the page under "next" (the mixins' login URLs are
// theirs alone, as a class-based view's are in Django). Everything else goes to mux,
// including the requests mux has no handler for (its 404 and 405 answers: Django answers
// a URL that resolves to no view before any middleware sees a view) and those it
// redirects to a canonical path (as Django's APPEND_SLASH redirect comes first; a
// handler made by http.RedirectHandler is passed the same way). Like the decorators, it
// needs the session middleware (django.Middleware) around it, and shares the request's
// user with the handlers behind it.
func LoginRequiredMiddleware(s *django.Settings, cfg *Config, mux Router) http.Handler {
	return AuthenticationMiddleware(cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		a := attrsOf(h)
		if pattern == "" || a.notRequired || reflect.TypeOf(h) == redirectType {
			mux.ServeHTTP(w, r)
			return
		}
		u, err := RequestUser(r, cfg)
		if errors.Is(err, ErrNoSessionMiddleware) {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		loginURL, field := "", django.RedirectFieldName
		if a.hasURL {
			loginURL, field = a.loginURL, a.field
		}
		if loginURL == "" {
			loginURL = s.LoginURL
		}
		switch {
		case err != nil:
			s.Log().ErrorContext(r.Context(), "auth: access check failed", "path", r.URL.Path, "err", err)
			s.ServerError(w, r)
		case u != nil:
			mux.ServeHTTP(w, r)
		case loginURL == "":
			s.Log().ErrorContext(r.Context(), "auth: LoginRequiredMiddleware", "path", r.URL.Path, "err", ErrNoLoginURL)
			s.ServerError(w, r)
		default:
			RedirectToLogin(w, r, s, loginURL, field)
		}
	}))
}
