package auth

import (
	"errors"
	"net/http"
	"path"
	"reflect"
	"strings"

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

// probeMethods are the methods resolve tries when a Router has a handler for a request's
// path under another method only.
var probeMethods = [...]string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// resolve returns the handler that stands for Django's view of r: the one mux gives r
// (inside a Router it gives, such as a ServeMux mounted at a prefix without StripPrefix),
// else, when mux has one for r's path under another method only (it answers r with
// 405), that one: Django's URLs match whatever the method, and a view refuses methods
// itself. ok is false when there is no view: no handler at all, or mux's redirect of r
// to the canonical form of its path (which comes first in Django too: CommonMiddleware's
// APPEND_SLASH).
func resolve(mux Router, r *http.Request) (h http.Handler, ok bool) {
	for range 8 { // (a bound on Routers inside Routers)
		h, pattern := mux.Handler(r)
		if pattern == "" {
			for _, m := range probeMethods {
				if m == r.Method {
					continue
				}
				probe := *r
				probe.Method = m
				if h, pattern = mux.Handler(&probe); pattern != "" {
					break
				}
			}
			if pattern == "" {
				return nil, false
			}
		}
		if reflect.TypeOf(h) == redirectType && canonicalRedirect(mux, r, pattern) {
			return nil, false
		}
		inner, isRouter := h.(Router)
		if !isRouter {
			return h, true
		}
		mux = inner
	}
	return nil, false
}

// canonicalRedirect reports whether mux's redirect for r, found under pattern, is one a
// ServeMux makes itself to a path's canonical form (an unclean path, or a missing
// trailing slash), rather than a handler made by http.RedirectHandler and registered,
// which, as Django's RedirectView, is a view like another.
func canonicalRedirect(mux Router, r *http.Request, pattern string) bool {
	p := r.URL.Path
	if clean := path.Clean(p); p == "" || clean != p && clean+"/" != p {
		return true
	}
	if strings.HasSuffix(p, "/") {
		return false
	}
	probe := *r
	u := *r.URL
	u.Path, u.RawPath = p+"/", ""
	probe.URL = &u
	_, withSlash := mux.Handler(&probe)
	return withSlash == pattern
}

// ErrNoLoginURL: there is nowhere to send an anonymous user (no Settings.LoginURL and no
// login URL of the handler's decorator); Django raises ImproperlyConfigured (a 500).
var ErrNoLoginURL = errors.New("auth: no login URL to redirect to: set Settings.LoginURL (LOGIN_URL) or give the decorator a login URL")

// LoginRequiredMiddleware is Django's LoginRequiredMiddleware (Django 5.1+) in front of
// mux: a request whose handler is not marked with LoginNotRequired, from a user who is
// not logged in (RequestUser), is redirected to log in as
// django.contrib.auth.middleware.LoginRequiredMiddleware redirects it: to the login URL
// of the handler's decorator (LoginRequired, UserPassesTest, PermissionRequired,
// StaffMemberRequired; "" means Settings.LoginURL) with the page under its redirect field
// name, else to Settings.LoginURL with the page under "next" (the mixins' login URLs are
// theirs alone, as a class-based view's are in Django). With
// Settings.LoginRequiredUserFirst (Django 5.1 and 5.2) the user is read before the mark
// is looked at, else after (Django 6.0+).
//
// The handler is the one mux.Handler gives the request, looked for inside a Router it
// gives in turn; a handler under the same path for another method stands for a request
// mux would answer with 405 (Django's URLs know no methods). Other requests go to mux
// untouched: those mux has no handler for (Django's 404 comes before any middleware sees
// a view) and those it redirects to the canonical form of their path (as Django's
// APPEND_SLASH redirect does). A handler behind http.StripPrefix or another wrapper that
// hides a Router is a view like another: mark the mount (or the wrapper) as the view it
// is. Like the decorators, it needs the session middleware (django.Middleware) around it,
// and shares the request's user with the handlers behind it.
func LoginRequiredMiddleware(s *django.Settings, cfg *Config, mux Router) http.Handler {
	return AuthenticationMiddleware(cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, ok := resolve(mux, r)
		if !ok {
			mux.ServeHTTP(w, r)
			return
		}
		a := attrsOf(h)
		var (
			u    *User
			err  error
			read bool
		)
		if s.LoginRequiredUserFirst {
			u, err = RequestUser(r, cfg)
			read = true
		}
		if a.notRequired && err == nil {
			mux.ServeHTTP(w, r)
			return
		}
		if !read {
			u, err = RequestUser(r, cfg)
		}
		if errors.Is(err, ErrNoSessionMiddleware) {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		loginURL, field := "", django.RedirectFieldName
		if a.hasURL {
			loginURL, field = a.loginURL, a.field
		}
		switch {
		case err != nil:
			s.Log().ErrorContext(r.Context(), "auth: access check failed", "path", r.URL.Path, "err", err)
			s.ServerError(w, r)
		case u != nil:
			mux.ServeHTTP(w, r)
		default:
			RedirectToLogin(w, r, s, loginURL, field)
		}
	}))
}
