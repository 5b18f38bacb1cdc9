package headless

import (
	"errors"
	"net/http"
	"strings"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/restframework"
)

// invalidToken is allauth's AuthenticationFailed with its "invalid_token" message.
var invalidToken = &restframework.APIException{StatusCode: http.StatusUnauthorized, Detail: "Invalid token.",
	Code: "authentication_failed"}

// sessionToken is the X-Session-Token header as Django's request.headers gives it.
func sessionToken(r *http.Request) string {
	return strings.Join(r.Header.Values("X-Session-Token"), ",")
}

// XSessionTokenAuthentication is allauth's XSessionTokenAuthentication for DRF: a request
// with an X-Session-Token header is the user logged in to that session (the credentials,
// DRF's request.auth, are the *django.Session). As allauth's class, by default a token of
// no session, or of a session no one is logged in to, leaves the request anonymous (the
// next authenticator is tried) and the permissions decide.
type XSessionTokenAuthentication struct {
	// Headless finds the sessions and their users. Required.
	Headless *Headless
	// RefuseAnonymousUsers is allow_anonymous_users = False: a session no one is logged
	// in to is refused (401 "Incorrect authentication credentials.").
	RefuseAnonymousUsers bool
	// RefuseInvalidSessionTokens is allow_invalid_session_tokens = False: a token of no
	// session is refused (401 "Invalid token.").
	RefuseInvalidSessionTokens bool
}

// Authenticate implements restframework.Authenticator.
func (a *XSessionTokenAuthentication) Authenticate(r *http.Request) (*auth.User, any, error) {
	token := sessionToken(r)
	if token == "" {
		return nil, nil, nil
	}
	ctx := r.Context()
	s, err := a.Headless.LookupSession(ctx, token)
	switch {
	case errors.Is(err, ErrInvalidToken):
		if a.RefuseInvalidSessionTokens {
			return nil, nil, invalidToken
		}
		return nil, nil, nil
	case err != nil:
		return nil, nil, err
	}
	u, err := a.Headless.SessionUser(ctx, s)
	switch {
	case err != nil:
		return nil, nil, err
	case u == nil && a.RefuseAnonymousUsers:
		return nil, nil, restframework.ErrAuthenticationFailed
	case u == nil:
		return nil, nil, nil
	}
	return u, s, a.Headless.track(r, s, u)
}

// AuthenticateHeader implements restframework.Authenticator: "X-Session-Token" when
// either refusal is on (a 401), else none (DRF then answers 403).
func (a *XSessionTokenAuthentication) AuthenticateHeader(*http.Request) string {
	if a.RefuseAnonymousUsers || a.RefuseInvalidSessionTokens {
		return "X-Session-Token"
	}
	return ""
}

// JWTTokenAuthentication is allauth's JWTTokenAuthentication for DRF: "Authorization:
// Bearer <access token>" (HEADLESS_JWT_AUTHORIZATION_HEADER_SCHEME) is the token's user,
// as ValidateAccessToken finds it (the credentials, DRF's request.auth, are the token's
// claims, a *serializer.Dict); a refused token is a 401 "Invalid token.", with DRF's
// TokenAuthentication's refusals of a malformed header.
type JWTTokenAuthentication struct {
	// Headless reads the tokens. Required.
	Headless *Headless
}

// Authenticate implements restframework.Authenticator.
func (a *JWTTokenAuthentication) Authenticate(r *http.Request) (*auth.User, any, error) {
	token, ok, err := restframework.KeywordCredential(r, a.Headless.Settings.JWTAuthorizationHeaderScheme)
	if !ok || err != nil {
		return nil, nil, err
	}
	at, err := a.Headless.ValidateAccessToken(r.Context(), token)
	switch {
	case errors.Is(err, ErrInvalidToken):
		return nil, nil, invalidToken
	case err != nil:
		return nil, nil, err
	}
	return at.User, at.Payload, a.Headless.track(r, at.Session, at.User)
}

// AuthenticateHeader implements restframework.Authenticator: the scheme ("Bearer").
func (a *JWTTokenAuthentication) AuthenticateHeader(*http.Request) string {
	return a.Headless.Settings.JWTAuthorizationHeaderScheme
}
