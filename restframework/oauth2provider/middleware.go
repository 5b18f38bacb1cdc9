package oauth2provider

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/pystr"
)

// OAuth2Backend is the dotted path of the toolkit's authentication backend, which
// AUTHENTICATION_BACKENDS (auth.Config.AuthenticationBackends) must hold for
// TokenMiddleware to authenticate requests.
const OAuth2Backend = "oauth2_provider.backends.OAuth2Backend"

// TokenMiddleware is the toolkit's OAuth2TokenMiddleware, with its OAuth2Backend: a request
// with a Bearer Authorization header whose user is anonymous (auth.RequestUser behind
// AuthenticationMiddleware; any request in front of it) gets the user of its access
// token, found and checked as OAuth2Authentication does (request.POST being Django's), as
// its request.user (auth.SetRequestUser; the session is not touched), when OAuth2Backend
// is among the Config's AUTHENTICATION_BACKENDS; a token of no user leaves it anonymous.
// Every answer gets "Authorization" in its Vary header. Plain handlers (LoginRequired,
// PermissionRequired, ...) then see the token's user, an inactive one included, as
// Django's views do.
//
// The header is a Bearer one as 3.4 reads it (two words, "bearer" in any case first);
// 2.4 only asks that it start with "Bearer".
func (a *OAuth2Authentication) TokenMiddleware(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.Settings != nil && a.Config != nil && slices.Contains(a.Config.AuthenticationBackends, OAuth2Backend) &&
			a.bearer(strings.Join(r.Header.Values("Authorization"), ",")) {
			// (if not hasattr(request, "user") or request.user.is_anonymous)
			anonymous := true
			if auth.HasRequestUser(r.Context()) {
				u, err := auth.RequestUser(r, a.Config)
				if err != nil {
					djangoFail(w, r, a.Django, err)
					return
				}
				anonymous = u == nil
			}
			if anonymous {
				u, _, _, err := a.verify(r, a.djangoPost(r), nil, true)
				if err != nil {
					djangoFail(w, r, a.Django, err) // (raised before the view: no Vary)
					return
				}
				if u != nil {
					r = r.WithContext(auth.SetRequestUser(r.Context(), u))
				}
			}
		}
		if a.Django == nil {
			h.ServeHTTP(w, r)
			return
		}
		vw := &varyWriter{ResponseWriter: w, s: a.Django}
		h.ServeHTTP(vw, r)
		vw.patch()
	})
}

// bearer reports whether the Authorization header is one the middleware acts on.
func (a *OAuth2Authentication) bearer(header string) bool {
	if a.Settings.v24() {
		return strings.HasPrefix(header, "Bearer")
	}
	// (parse_bearer_token: split(maxsplit=2) on the latin-1 text)
	parts := strings.FieldsFunc(pystr.Latin1(header), pystr.IsSpace)
	return len(parts) == 2 && pystr.LowerASCII(parts[0]) == "bearer"
}

// varyWriter adds "Authorization" to the answer's Vary header before it is written
// (patch_vary_headers).
type varyWriter struct {
	http.ResponseWriter
	s    *django.Settings
	done bool
}

func (v *varyWriter) patch() {
	if !v.done {
		v.done = true
		v.s.PatchVaryHeaders(v.Header(), "Authorization")
	}
}

func (v *varyWriter) WriteHeader(code int) {
	v.patch()
	v.ResponseWriter.WriteHeader(code)
}

func (v *varyWriter) Write(b []byte) (int, error) {
	v.patch()
	return v.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (v *varyWriter) Unwrap() http.ResponseWriter { return v.ResponseWriter }

// extraTokenKey is the context key of request.access_token.
type extraTokenKey struct{}

// ExtraTokenMiddleware is the toolkit's OAuth2ExtraTokenMiddleware: a request with a
// Bearer Authorization header gets the access token of that value as
// request.access_token (RequestAccessToken), found by its SHA-256 (3.x) or its value
// (2.4), whatever its expiry, scopes and resources; an unknown token is logged and
// leaves none. The header is a Bearer one as 3.4 reads it (two words, "bearer" in any
// case first); 2.4 takes the second word of any header that starts with "Bearer", and
// answers one without a second word with a server error (its IndexError).
func (a *OAuth2Authentication) ExtraTokenMiddleware(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.Settings == nil || a.Tokens == nil {
			djangoFail(w, r, a.Django, errors.New("oauth2provider: ExtraTokenMiddleware needs Settings and Tokens"))
			return
		}
		header := pystr.Latin1(strings.Join(r.Header.Values("Authorization"), ","))
		token := ""
		if a.Settings.v24() {
			if strings.HasPrefix(header, "Bearer") {
				parts := strings.FieldsFunc(header, pystr.IsSpace)
				if len(parts) < 2 {
					djangoFail(w, r, a.Django, errors.New("oauth2provider: a Bearer header of one word (2.4's IndexError)"))
					return
				}
				token = parts[1]
			}
		} else if parts := strings.FieldsFunc(header, pystr.IsSpace); len(parts) == 2 && pystr.LowerASCII(parts[0]) == "bearer" {
			token = parts[1]
		}
		if token != "" {
			t, err := a.Tokens.AccessToken(r.Context(), token)
			switch {
			case errors.Is(err, ErrTokenNotFound):
				djangoSettings(a.Django).Log().ErrorContext(r.Context(), "oauth2provider: AccessToken matching query does not exist.")
			case err != nil:
				djangoFail(w, r, a.Django, err)
				return
			default:
				r = r.WithContext(context.WithValue(r.Context(), extraTokenKey{}, t))
			}
		}
		h.ServeHTTP(w, r)
	})
}

// RequestAccessToken returns request.access_token, the token ExtraTokenMiddleware found
// (nil: none).
func RequestAccessToken(ctx context.Context) *AccessToken {
	t, _ := ctx.Value(extraTokenKey{}).(*AccessToken)
	return t
}
