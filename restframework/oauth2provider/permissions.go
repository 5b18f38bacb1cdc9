package oauth2provider

import (
	"errors"
	"net/http"
	"strings"

	"github.com/djsession/djsession/restframework"
	"github.com/djsession/djsession/serializer"
)

// ErrImproperlyConfigured is Django's ImproperlyConfigured raised by a permission whose
// view lacks its scopes (RequiredScopes nil for TokenHasScope, RequiredAlternateScopes
// nil for TokenMatchesOASRequirements), which Django answers with a server error.
var ErrImproperlyConfigured = errors.New("oauth2provider: the view defines no required scopes (ImproperlyConfigured)")

// errNotOAuth2 is 2.4's AssertionError for a request.auth that is not an access token.
var errNotOAuth2 = errors.New("oauth2provider: TokenHasScope requires the OAuth2Authentication authentication class (AssertionError)")

// token is request.auth as the permissions see it: the access token (nil for none), or
// the error of a request.auth of another scheme (2.4's AssertionError; 3.4 refuses it).
func token(s *Settings, a *restframework.Authentication) (*AccessToken, error) {
	switch t := a.Auth.(type) {
	case nil:
		return nil, nil
	case *AccessToken:
		return t, nil
	}
	if s.v24() {
		return nil, errNotOAuth2
	}
	return nil, nil
}

// safeMethod is DRF's SAFE_METHODS.
func safeMethod(r *http.Request) bool {
	switch strings.ToUpper(r.Method) {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

// TokenHasScope is the toolkit's TokenHasScope: request.auth is an access token that is
// unexpired and has every one of RequiredScopes (the view's required_scopes). With
// ErrorResponseWithScopes, the 403 of an unexpired token lacking some names them.
type TokenHasScope struct {
	// Settings is the site's OAUTH2_PROVIDER.
	Settings *Settings
	// RequiredScopes is the view's required_scopes; nil is a view without them (a server
	// error), where an empty list requires none.
	RequiredScopes []string
}

// HasPermission implements restframework.Permission.
func (p *TokenHasScope) HasPermission(r *http.Request, a *restframework.Authentication) (bool, error) {
	return hasScope(r, a, p.Settings, func() ([]string, error) {
		if p.RequiredScopes == nil {
			return nil, ErrImproperlyConfigured
		}
		return p.RequiredScopes, nil
	}, true)
}

// hasScope is TokenHasScope.has_permission with the scopes get_scopes returns (its
// message, with explain).
func hasScope(r *http.Request, a *restframework.Authentication, s *Settings, scopes func() ([]string, error), explain bool) (bool, error) {
	if s == nil {
		return false, errors.New("oauth2provider: a permission needs Settings")
	}
	t, err := token(s, a)
	if t == nil || err != nil {
		return false, err
	}
	required, err := scopes()
	if err != nil {
		return false, err
	}
	now := s.now()
	if t.IsValid(now, required) {
		return true, nil
	}
	if explain && s.ErrorResponseWithScopes && len(required) > 0 && !t.IsExpired(now) && !t.AllowScopes(required) {
		e := *restframework.ErrPermissionDenied
		d := serializer.NewDict()
		d.Set("detail", serializer.Str(e.Detail))
		l := make([]serializer.Value, len(required))
		for i, s := range required {
			l[i] = serializer.Str(s)
		}
		d.Set("required_scopes", serializer.List(l...))
		e.Data = serializer.DictValue(d)
		return false, &e
	}
	return false, nil
}

// TokenHasReadWriteScope is the toolkit's TokenHasReadWriteScope: TokenHasScope with the
// read scope (READ_SCOPE) added for GET, HEAD and OPTIONS and the write scope for other
// methods; RequiredScopes may be nil.
type TokenHasReadWriteScope struct {
	// Settings is the site's OAUTH2_PROVIDER.
	Settings *Settings
	// RequiredScopes is the view's required_scopes, if any.
	RequiredScopes []string
}

// HasPermission implements restframework.Permission.
func (p *TokenHasReadWriteScope) HasPermission(r *http.Request, a *restframework.Authentication) (bool, error) {
	return hasScope(r, a, p.Settings, func() ([]string, error) {
		scope := p.Settings.WriteScope
		if safeMethod(r) {
			scope = p.Settings.ReadScope
		}
		return append(append([]string(nil), p.RequiredScopes...), scope), nil
	}, true)
}

// TokenHasResourceScope is the toolkit's TokenHasResourceScope: TokenHasScope with each
// of RequiredScopes as "<scope>:<read scope>" for GET, HEAD and OPTIONS and
// "<scope>:<write scope>" for other methods (none: every token passes).
type TokenHasResourceScope struct {
	// Settings is the site's OAUTH2_PROVIDER.
	Settings *Settings
	// RequiredScopes is the view's required_scopes, if any.
	RequiredScopes []string
}

// HasPermission implements restframework.Permission.
func (p *TokenHasResourceScope) HasPermission(r *http.Request, a *restframework.Authentication) (bool, error) {
	return hasScope(r, a, p.Settings, func() ([]string, error) {
		kind := p.Settings.WriteScope
		if safeMethod(r) {
			kind = p.Settings.ReadScope
		}
		out := make([]string, len(p.RequiredScopes))
		for i, s := range p.RequiredScopes {
			out[i] = s + ":" + kind
		}
		return out, nil
	}, true)
}

// IsAuthenticatedOrTokenHasScope is the toolkit's IsAuthenticatedOrTokenHasScope: a user
// authenticated by another scheme than OAuth2Authentication (a session, say), or a
// request whose token passes TokenHasScope with RequiredScopes (whose scopes are then
// never named in the 403).
type IsAuthenticatedOrTokenHasScope struct {
	// Settings is the site's OAUTH2_PROVIDER.
	Settings *Settings
	// RequiredScopes is the view's required_scopes (nil: a server error when a token is
	// checked).
	RequiredScopes []string
}

// HasPermission implements restframework.Permission.
func (p *IsAuthenticatedOrTokenHasScope) HasPermission(r *http.Request, a *restframework.Authentication) (bool, error) {
	if a.User != nil {
		if _, oauth := a.Authenticator.(*OAuth2Authentication); !oauth {
			return true, nil
		}
	}
	return hasScope(r, a, p.Settings, func() ([]string, error) {
		if p.RequiredScopes == nil {
			return nil, ErrImproperlyConfigured
		}
		return p.RequiredScopes, nil
	}, false)
}

// TokenMatchesOASRequirements is the toolkit's TokenMatchesOASRequirements: the token is
// unexpired and has every scope of one of the lists RequiredAlternateScopes gives for
// the request's method (upper case keys; a method without any is refused).
type TokenMatchesOASRequirements struct {
	// Settings is the site's OAUTH2_PROVIDER.
	Settings *Settings
	// RequiredAlternateScopes is the view's required_alternate_scopes; nil is a view
	// without them (a server error).
	RequiredAlternateScopes map[string][][]string
}

// HasPermission implements restframework.Permission.
func (p *TokenMatchesOASRequirements) HasPermission(r *http.Request, a *restframework.Authentication) (bool, error) {
	if p.Settings == nil {
		return false, errors.New("oauth2provider: a permission needs Settings")
	}
	t, err := token(p.Settings, a)
	if t == nil || err != nil {
		return false, err
	}
	if p.RequiredAlternateScopes == nil {
		return false, ErrImproperlyConfigured
	}
	now := p.Settings.now()
	for _, alt := range p.RequiredAlternateScopes[strings.ToUpper(r.Method)] {
		if t.IsValid(now, alt) {
			return true, nil
		}
	}
	return false, nil
}
