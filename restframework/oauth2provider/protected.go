package oauth2provider

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
)

// ProtectedResource is the toolkit's protection of a plain Django view, outside DRF: the
// protected_resource and rw_protected_resource decorators, and the class-based
// ProtectedResourceView, ScopedProtectedResourceView and ReadWriteScopedResourceView
// (View). A request whose access token (found and checked as OAuth2Authentication does,
// request.POST being Django's: the form fields of a POST) is valid and has Scopes
// reaches Handler, which reads the token and its user (request.resource_owner) with
// ResourceOwner; any other gets the toolkit's bare 403 (an empty text/html page).
//
// With 2.4, each request to an rw_protected_resource adds its read or write scope to the
// scopes the decorated view requires, for good: once a worker has served both kinds of
// requests, the view requires both scopes of every token. Go requires, as 3.4 does, the
// scope of the request's method alone. Django's request.POST is read as
// django.Settings.PostValue reads it: a form in another charset than UTF-8 is Django 5.2's
// 400 (FormCharsetError), read as UTF-8 before 5.2 (which reads it in its charset), a
// Content-Type in any case (Django 3.2 reads
// no form from "Application/X-WWW-Form-Urlencoded"), and a multipart body as Go's
// reader takes it (lines ending in LF alone, nothing after the closing boundary), where
// Django's parser differs.
type ProtectedResource struct {
	// Authentication finds and checks the tokens (its Realm is not used).
	Authentication *OAuth2Authentication
	// Scopes are the scopes the token must have (the decorator's scopes, the view's
	// required_scopes).
	Scopes []string
	// ReadWrite adds READ_SCOPE to Scopes for GET, HEAD and OPTIONS and WRITE_SCOPE for
	// other methods (rw_protected_resource, ReadWriteScopedResourceView), and needs
	// both among Settings.Scopes (SCOPES), as the toolkit does: else every request is a
	// server error (ImproperlyConfigured).
	ReadWrite bool
	// View is the class-based views rather than the decorators: OPTIONS requests pass
	// unchecked, and a query string with a malformed %-escape is Django's 400 (a
	// SuspiciousOperation) rather than a server error.
	View bool
	// Handler serves the requests that pass.
	Handler http.Handler
}

type ownerKey struct{}

// owner is what ProtectedResource leaves for its Handler.
type owner struct {
	user  *auth.User
	token *AccessToken
}

// ResourceOwner returns, inside a ProtectedResource's Handler, the token's user
// (request.resource_owner; nil for a token of no user) and the token (nil for an
// OPTIONS request a View let through).
func ResourceOwner(ctx context.Context) (*auth.User, *AccessToken) {
	if o, ok := ctx.Value(ownerKey{}).(*owner); ok {
		return o.user, o.token
	}
	return nil, nil
}

// ServeHTTP implements http.Handler.
func (p *ProtectedResource) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a := p.Authentication
	var ds *django.Settings
	if a != nil {
		ds = a.Django
	}
	if a == nil || a.Settings == nil {
		djangoFail(w, r, ds, errors.New("oauth2provider: ProtectedResource needs Authentication and its Settings"))
		return
	}
	s := a.Settings
	// (the view's __new__, or the decorator, checks SCOPES before anything else)
	if p.ReadWrite && (!slices.Contains(s.Scopes, s.ReadScope) || !slices.Contains(s.Scopes, s.WriteScope)) {
		djangoFail(w, r, ds, ErrImproperlyConfigured)
		return
	}
	if p.View && strings.EqualFold(r.Method, http.MethodOptions) {
		p.Handler.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ownerKey{}, &owner{})))
		return
	}
	scopes := p.Scopes
	if p.ReadWrite {
		scope := s.WriteScope
		if safeMethod(r) {
			scope = s.ReadScope
		}
		scopes = append(slices.Clip(scopes), scope)
	}
	u, t, _, err := a.verify(r, a.djangoPost(r), scopes, p.View)
	switch {
	case err != nil:
		djangoFail(w, r, ds, err)
	case t == nil:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
	default:
		p.Handler.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ownerKey{}, &owner{user: u, token: t})))
	}
}

// djangoPost reads request.POST's access_token as Django's own request does (the site's
// DATA_UPLOAD_MAX_* bounds; Django's defaults without Django settings).
func (a *OAuth2Authentication) djangoPost(r *http.Request) func() (string, bool, error) {
	return func() (string, bool, error) {
		s := djangoSettings(a.Django)
		if err := s.FormCharsetError(r); err != nil {
			return "", false, err
		}
		return s.PostValue(r, "access_token")
	}
}

// djangoDefaults are Django's default settings.
var djangoDefaults = django.NewSettings()

// djangoFail answers an error raised before a view as Django does: its 400 page for a
// SuspiciousOperation (or a MultiPartParserError), else its 500 page (a plain 500
// without settings).
func djangoFail(w http.ResponseWriter, r *http.Request, ds *django.Settings, err error) {
	switch {
	case ds == nil:
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
	case errors.Is(err, django.ErrSuspiciousOperation) || errors.Is(err, django.ErrDisallowedHost) ||
		errors.Is(err, django.ErrMultiPartParser) || errors.Is(err, django.ErrBadRequest):
		ds.BadRequest(w, r)
	default:
		ds.Log().ErrorContext(r.Context(), "oauth2provider: protected resource failed", "path", r.URL.Path, "err", err)
		ds.ServerError(w, r)
	}
}
