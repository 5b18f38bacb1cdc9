package auth

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"github.com/djsession/djsession/django"
)

// ErrNoSessionMiddleware: RequestUser was called on a request that did not pass through
// the session middleware (django.Middleware), which has no session to read a login from
// (Django raises an ImproperlyConfigured or AttributeError: a 500).
var ErrNoSessionMiddleware = errors.New("auth: the request has no session: put django.Middleware (SessionMiddleware) around the handler")

type userKey struct{}

// requestUser is a request's user, read at most once, as Django's request.user (a lazy
// object AuthenticationMiddleware sets).
type requestUser struct {
	mu     sync.Mutex
	loaded bool
	u      *User
	err    error
}

// set records the user a Login or Logout on the request's context leaves, as Django's
// login and logout set request.user.
func setRequestUser(ctx context.Context, u *User) {
	if ru, ok := ctx.Value(userKey{}).(*requestUser); ok {
		ru.mu.Lock()
		ru.loaded, ru.u, ru.err = true, u, nil
		ru.mu.Unlock()
	}
}

// AuthenticationMiddleware is Django's AuthenticationMiddleware: inside the session
// middleware (django.Middleware), it gives each request a user that RequestUser reads
// from the session at most once (GetUser on first use, as Django's lazy request.user),
// and that a Login or Logout with the request's context then replaces. The decorators
// (LoginRequired, PermissionRequired, ...) and the handlers behind them share it.
func AuthenticationMiddleware(cfg *Config, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := r.Context().Value(userKey{}).(*requestUser); ok {
			h.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, &requestUser{})))
	})
}

// HasRequestUser reports whether the request whose context is ctx passed through an
// AuthenticationMiddleware (or a decorator of this package) that gave it a user to read
// once: Django's hasattr(request, "user"), for a middleware of your own that acts
// depending on where it stands.
func HasRequestUser(ctx context.Context) bool {
	_, ok := ctx.Value(userKey{}).(*requestUser)
	return ok
}

// SetRequestUser makes u the user of the request whose context is ctx, as an
// authentication middleware's request.user = request._cached_user = u (the token
// middleware of django-oauth-toolkit, for one), without logging u in to the session:
// behind AuthenticationMiddleware it replaces the request's user and returns ctx;
// elsewhere it returns a context carrying u, which an AuthenticationMiddleware inside
// keeps as the request's user (Django's _cached_user) and RequestUser returns.
func SetRequestUser(ctx context.Context, u *User) context.Context {
	if _, ok := ctx.Value(userKey{}).(*requestUser); ok {
		setRequestUser(ctx, u)
		return ctx
	}
	return context.WithValue(ctx, userKey{}, &requestUser{loaded: true, u: u})
}

// RequestUser returns r's user, as Django's request.user: the user logged in to r's
// session (GetUser), or nil for an anonymous one. Behind AuthenticationMiddleware or a
// decorator of this package it is read once per request (and reflects a Login or Logout
// made with r's context since); elsewhere each call reads it anew.
func RequestUser(r *http.Request, cfg *Config) (*User, error) {
	ru, ok := r.Context().Value(userKey{}).(*requestUser)
	if ok {
		ru.mu.Lock()
		loaded, u, err := ru.loaded, ru.u, ru.err
		ru.mu.Unlock()
		if loaded {
			return u, err
		}
	}
	sess := django.FromContext(r.Context())
	if sess == nil {
		return nil, ErrNoSessionMiddleware
	}
	if !ok {
		return GetUser(r.Context(), sess, cfg)
	}
	ru.mu.Lock()
	defer ru.mu.Unlock()
	if !ru.loaded {
		ru.u, ru.err = GetUser(r.Context(), sess, cfg)
		ru.loaded = true
	}
	return ru.u, ru.err
}
