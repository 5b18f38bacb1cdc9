package restframework

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/pystr"
)

// Authenticator is one of DRF's authentication classes (DEFAULT_AUTHENTICATION_CLASSES,
// a view's authentication_classes).
type Authenticator interface {
	// Authenticate returns the user r authenticates as and the scheme's credentials
	// (DRF's request.auth: the *Token of TokenAuthentication, nil for the others); a nil
	// user and nil credentials when r does not use the scheme (DRF's None: the next
	// authenticator is tried); a nil user with credentials authenticates r without a
	// user (DRF's (None, auth), as an OAuth2 token of no user: request.user is None);
	// or an error: an *APIException to answer (AuthenticationFailed, PermissionDenied),
	// or any other error, which is a server error.
	Authenticate(r *http.Request) (user *auth.User, credentials any, err error)
	// AuthenticateHeader is the WWW-Authenticate header of a 401 answer when this is the
	// view's first authenticator; "" for none, and DRF then answers 403 instead.
	AuthenticateHeader(r *http.Request) string
}

// Authentication is what DRF's request authentication leaves on a request.
type Authentication struct {
	// User is request.user: nil for an anonymous user (and for credentials of no user,
	// Python's None).
	User *auth.User
	// Auth is request.auth: the *Token of TokenAuthentication, else nil.
	Auth any
	// Authenticator is request.successful_authenticator: nil when none authenticated r.
	Authenticator Authenticator
}

// Authenticate is DRF's request authentication (Request._authenticate, run when a view
// starts): each authenticator in turn, the first that returns a user wins; an error
// stops it. No authenticator taking r leaves an anonymous user (Authentication.User nil,
// and Authenticator nil).
func Authenticate(r *http.Request, authenticators []Authenticator) (*Authentication, error) {
	for _, a := range authenticators {
		u, cred, err := a.Authenticate(r)
		if err != nil {
			return nil, err
		}
		if u != nil || cred != nil {
			return &Authentication{User: u, Auth: cred, Authenticator: a}, nil
		}
	}
	return &Authentication{}, nil
}

// SessionAuthentication is DRF's SessionAuthentication: the user logged in to the
// request's Django session (auth.RequestUser, so behind the django package's session
// middleware), if active, with the CSRF checks of a Django view enforced for that user
// (django.CSRFCheckPOST: behind a CSRFMiddleware, whose Exempt reports the API's requests
// as DRF's views are csrf_exempt). A failed check is PermissionDenied "CSRF Failed: "
// and the reason. Where the check reads a POST's csrfmiddlewaretoken, DRF's parsers read
// the body (a form's fields; none for JSON), and a body they refuse (ParseError,
// UnsupportedMediaType) is the answer. An anonymous request is not this scheme's, and
// is not CSRF-checked.
type SessionAuthentication struct {
	// Config is the auth configuration that reads the session's user.
	Config *auth.Config
}

// Authenticate implements Authenticator.
func (a *SessionAuthentication) Authenticate(r *http.Request) (*auth.User, any, error) {
	u, err := auth.RequestUser(r, a.Config)
	if err != nil || u == nil || !u.IsActive {
		return nil, nil, err
	}
	if err := EnforceCSRF(r); err != nil {
		return nil, nil, err
	}
	return u, nil, nil
}

// EnforceCSRF is SessionAuthentication.enforce_csrf (what other authenticators, such as
// dj-rest-auth's JWTCookieAuthentication, also run): Django's CSRF checks of a view
// (django.CSRFCheckPOST, behind a CSRFMiddleware) on r, inside an APIView, a failure being
// PermissionDenied "CSRF Failed: " and Django's reason. Where the check reads a POST's
// csrfmiddlewaretoken, DRF's parsers read the body, and a body they refuse is the error.
func EnforceCSRF(r *http.Request) error {
	// (Django's check reads request.POST, which is DRF's: its parsers read the body, and
	// their errors stop the authentication.)
	reason, err := django.CSRFCheckPOST(r, func(string) (string, error) {
		data, err := requestData(r)
		if err != nil {
			return "", err
		}
		return data.post(django.CSRFFormField), nil
	})
	if err != nil {
		return err
	}
	if reason != "" {
		// (Django's reason holds header bytes as latin-1 characters.)
		return ErrPermissionDenied.with("CSRF Failed: " + pystr.Latin1(reason))
	}
	return nil
}

// AuthenticateHeader implements Authenticator: none, so DRF answers 403.
func (a *SessionAuthentication) AuthenticateHeader(*http.Request) string { return "" }

// BasicAuthentication is DRF's BasicAuthentication: "Authorization: Basic " and the
// base64 of "username:password" (UTF-8, or latin-1 when it is not), checked as Django's
// authenticate does (auth.AuthenticateBackends: the password backends of
// Config.AuthenticationBackends), the user refused when inactive.
type BasicAuthentication struct {
	// Config is the auth configuration whose backends and users check the password.
	Config *auth.Config
	// Realm is www_authenticate_realm; "" means DRF's "api".
	Realm string
}

// Authenticate implements Authenticator.
func (a *BasicAuthentication) Authenticate(r *http.Request) (*auth.User, any, error) {
	parts := authorizationHeader(r)
	if len(parts) == 0 || pystr.LowerASCII(parts[0]) != "basic" {
		return nil, nil, nil
	}
	switch {
	case len(parts) == 1:
		return nil, nil, authFailed("Invalid basic header. No credentials provided.")
	case len(parts) > 2:
		return nil, nil, authFailed("Invalid basic header. Credentials string should not contain spaces.")
	}
	raw, ok := pyB64Decode(parts[1])
	text := string(raw)
	if !utf8.ValidString(text) {
		text = pystr.Latin1(text)
	}
	userid, password, found := strings.Cut(text, ":")
	if !ok || !found {
		return nil, nil, authFailed("Invalid basic header. Credentials not correctly base64 encoded.")
	}
	u, _, err := auth.AuthenticateBackends(r.Context(), userid, password, a.Config)
	switch {
	case err != nil:
		return nil, nil, err
	case u == nil:
		return nil, nil, authFailed("Invalid username/password.")
	case !u.IsActive:
		return nil, nil, authFailed("User inactive or deleted.")
	}
	return u, nil, nil
}

// AuthenticateHeader implements Authenticator: Basic realm="api".
func (a *BasicAuthentication) AuthenticateHeader(*http.Request) string {
	realm := a.Realm
	if realm == "" {
		realm = "api"
	}
	return `Basic realm="` + realm + `"`
}

// TokenAuthentication is DRF's TokenAuthentication: "Authorization: Token " and a key
// of authtoken_token (Tokens), whose user (loaded from Config.Users) must be active.
type TokenAuthentication struct {
	// Tokens finds the tokens (SQLTokens over DRF's authtoken_token table).
	Tokens TokenSource
	// Config is the auth configuration whose Users loads a token's user.
	Config *auth.Config
	// Keyword is the scheme's name in the header; "" means DRF's "Token" (a subclass's
	// keyword, such as "Bearer", goes here).
	Keyword string
}

func (a *TokenAuthentication) keyword() string {
	if a.Keyword == "" {
		return "Token"
	}
	return a.Keyword
}

// Authenticate implements Authenticator; the credentials are the *Token.
func (a *TokenAuthentication) Authenticate(r *http.Request) (*auth.User, any, error) {
	key, ok, err := KeywordCredential(r, a.keyword())
	if !ok || err != nil {
		return nil, nil, err
	}
	return a.credentials(r.Context(), key)
}

// KeywordCredential is the header half of DRF's TokenAuthentication.authenticate, for a
// token authentication class of your own: the credential of "Authorization: <keyword>
// <credential>" (the keyword in any case), false when the header names another scheme
// or none, or DRF's AuthenticationFailed for a malformed one (no credential, spaces in
// it, or not UTF-8).
func KeywordCredential(r *http.Request, keyword string) (string, bool, error) {
	parts := authorizationHeader(r)
	if len(parts) == 0 || pystr.LowerASCII(parts[0]) != strings.ToLower(keyword) {
		return "", false, nil
	}
	switch {
	case len(parts) == 1:
		return "", true, authFailed("Invalid token header. No credentials provided.")
	case len(parts) > 2:
		return "", true, authFailed("Invalid token header. Token string should not contain spaces.")
	case !utf8.ValidString(parts[1]):
		return "", true, authFailed("Invalid token header. Token string should not contain invalid characters.")
	}
	return parts[1], true, nil
}

// credentials is authenticate_credentials: the token's user, active.
func (a *TokenAuthentication) credentials(ctx context.Context, key string) (*auth.User, any, error) {
	if a.Tokens == nil || a.Config == nil || a.Config.Users == nil {
		return nil, nil, errors.New("restframework: TokenAuthentication needs Tokens and Config.Users")
	}
	tok, err := a.Tokens.Token(ctx, key)
	var u *auth.User
	if err == nil {
		// (Django reads the token and its user in one join: a token's user exists.)
		u, err = a.Config.Users.User(ctx, tok.UserID)
	}
	switch {
	case errors.Is(err, ErrTokenNotFound) || errors.Is(err, auth.ErrUserNotFound):
		return nil, nil, authFailed("Invalid token.")
	case err != nil:
		return nil, nil, err
	case !u.IsActive:
		return nil, nil, authFailed("User inactive or deleted.")
	}
	return u, tok, nil
}

// AuthenticateHeader implements Authenticator: the keyword, "Token".
func (a *TokenAuthentication) AuthenticateHeader(*http.Request) string { return a.keyword() }

// AuthorizationHeader is DRF's get_authorization_header(request).split(), for an
// authentication class of your own: the Authorization header's bytes (several lines
// joined by ",", as WSGI servers join them) split on Python's bytes whitespace.
func AuthorizationHeader(r *http.Request) []string { return authorizationHeader(r) }

// authorizationHeader is AuthorizationHeader.
func authorizationHeader(r *http.Request) []string {
	h := strings.Join(r.Header.Values("Authorization"), ",")
	return strings.FieldsFunc(h, func(c rune) bool {
		// (FieldsFunc hands a byte of broken UTF-8 over as U+FFFD: never whitespace.)
		return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
	})
}

// HeaderValue is s, a header's value, as Django's HttpResponse writes it: latin-1 when it
// can, else encoded as email.header.Header(s, "utf-8") encodes it (for a WWW-Authenticate
// header of your own beyond ASCII).
func HeaderValue(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return "=?utf-8?b?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?="
		}
		b = append(b, byte(r))
	}
	return string(b)
}

// b64Values maps a byte to its value in the standard base64 alphabet, or 0xff.
var b64Values = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" {
		t[c] = byte(i)
	}
	return t
}()

// pyB64Decode is Python's base64.b64decode(s) (binascii.a2b_base64, not strict): bytes
// outside the alphabet are skipped, a pad completing a group of four ends the input, and
// a last group that is incomplete is an error (false).
func pyB64Decode(s string) ([]byte, bool) {
	out := make([]byte, 0, len(s)*3/4)
	var quad, pads int
	var left byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '=' {
			if quad >= 2 {
				pads++
				if quad+pads >= 4 {
					return out, true
				}
			}
			continue
		}
		v := b64Values[c]
		if v == 0xff {
			continue
		}
		pads = 0
		switch quad {
		case 0:
			left = v
		case 1:
			out = append(out, left<<2|v>>4)
			left = v & 0x0f
		case 2:
			out = append(out, left<<4|v>>2)
			left = v & 0x03
		case 3:
			out = append(out, left<<6|v)
		}
		quad = (quad + 1) % 4
	}
	return out, quad == 0
}
