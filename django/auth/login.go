package auth

import (
	"net/http"

	"github.com/djsession/djsession/django"
)

// LoginRequired is Django's login_required for a Go handler: a request whose session has
// no logged-in user (GetUser) is redirected (302) to s.LoginURL with the page to come
// back to in the "next" parameter, byte for byte as Django's redirect_to_login writes
// the Location; a logged-in user's request goes to h. A host outside ALLOWED_HOSTS gets a
// 400, as Django's DisallowedHost.
func LoginRequired(s *django.Settings, cfg *Config, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess := django.FromContext(r.Context())
		if sess == nil { // (Django: no request.user without its middlewares, a 500)
			http.Error(w, "auth.LoginRequired needs the session middleware (django.Middleware) around it", http.StatusInternalServerError)
			return
		}
		u, err := GetUser(r.Context(), sess, cfg)
		if err != nil {
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		if u != nil {
			h.ServeHTTP(w, r)
			return
		}
		RedirectToLogin(w, r, s, s.LoginURL, django.RedirectFieldName)
	})
}

// RedirectToLogin answers r as Django's login_required does for an anonymous user: a 302
// to loginURL ("" for s.LoginURL) with the current page under redirectFieldName.
func RedirectToLogin(w http.ResponseWriter, r *http.Request, s *django.Settings, loginURL, redirectFieldName string) {
	if loginURL == "" {
		loginURL = s.LoginURL
	}
	next, err := s.LoginRequiredNext(r, loginURL)
	if err != nil {
		http.Error(w, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
		return
	}
	w.Header().Set("Location", django.RedirectToLoginURL(next, loginURL, redirectFieldName))
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
	next, ok := django.PostValue(r, django.RedirectFieldName)
	if !ok {
		next, _ = django.QueryValue(r, django.RedirectFieldName)
	}
	host, err := s.GetHost(r)
	if err != nil {
		return "", err
	}
	if !s.URLHasAllowedHostAndScheme(next, []string{host}, s.IsSecure(r)) {
		next = s.LoginRedirectURL
	}
	return django.IRIToURI(next), nil
}
