package oauth2provider

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/restframework"
)

// OAuth2Authentication is the toolkit's DRF authentication class
// (oauth2_provider.contrib.rest_framework.OAuth2Authentication), a
// restframework.Authenticator: the request's access token, as oauthlib finds it (an
// Authorization header of two words, "Bearer" in any case first, split on Python's
// white space; without an Authorization header, the access_token parameter of a form
// body, else of the query string), that is known and unexpired (and, with 3.4, allowed
// at the request's URI by the token's resource indicators) authenticates the request as
// the token's user, the *AccessToken being request.auth. A token of no user (or whose
// user row is gone) authenticates it with no user, as Python's None. Other requests
// stay anonymous (no AuthenticationFailed: a permission refuses them), and the 401's
// WWW-Authenticate header says why, as the toolkit's: Bearer realm="api", then
// error="invalid_token" and its description.
//
// As the toolkit, it reads the body's form fields (DRF's request.POST, so a malformed
// body is DRF's 400 or 415), and refuses a query string with a malformed %-escape
// (3.4: Django's 400; 2.4: a server error) and, with 3.4, a host out of ALLOWED_HOSTS
// (Django's 400), on every request.
type OAuth2Authentication struct {
	// Settings is the site's OAUTH2_PROVIDER.
	Settings *Settings
	// Tokens finds the tokens (NewSQLTokens).
	Tokens TokenSource
	// Config reads the tokens' users (Config.Users).
	Config *auth.Config
	// Django is the site's settings (ALLOWED_HOSTS, SECURE_PROXY_SSL_HEADER), with which
	// 3.4 builds the request's absolute URI.
	Django *django.Settings
	// Realm is www_authenticate_realm: "" means the toolkit's "api".
	Realm string
	// Client makes the requests to Settings.IntrospectionURL (nil: http.DefaultClient).
	Client *http.Client
}

// oauth2ErrorKey is the request attribute of the toolkit's request.oauth2_error.
type oauth2ErrorKey struct{}

// The toolkit's error descriptions.
const (
	descInvalid       = "The access token is invalid."
	descExpired       = "The access token has expired."
	descResource      = "The access token is not valid for this resource."
	errorInvalidToken = "invalid_token"
)

// Authenticate implements restframework.Authenticator.
func (a *OAuth2Authentication) Authenticate(r *http.Request) (*auth.User, any, error) {
	// (OAuthLibCore._extract_params: request.POST, DRF's)
	post := func() (string, bool, error) { return restframework.PostValue(r, "access_token") }
	u, t, desc, err := a.verify(r, post, nil, a.Settings != nil && !a.Settings.v24())
	if desc != "" {
		restframework.SetRequestAttr(r, oauth2ErrorKey{}, [][2]string{{"error", errorInvalidToken}, {"error_description", desc}})
	}
	if err != nil || t == nil {
		return nil, nil, err
	}
	return u, t, nil
}

// verify is the toolkit's OAuthLibCore.verify_request(request, scopes): the request's
// access token (post reads request.POST's access_token) and its user, when the token is
// valid and has scopes; else no token, and the description of the toolkit's
// invalid_token error when it sets one. suspicious is whether a malformed query string
// is a SuspiciousOperation (the DRF authentication's and the views' conversion of
// oauthlib's ValueError, which 2.4's DRF authentication and the decorators leave a
// server error).
func (a *OAuth2Authentication) verify(r *http.Request, post func() (string, bool, error), scopes []string, suspicious bool) (u *auth.User, t *AccessToken, desc string, err error) {
	s := a.Settings
	if s == nil || a.Tokens == nil || a.Config == nil || a.Config.Users == nil || a.Django == nil && !s.v24() {
		return nil, nil, "", errors.New("oauth2provider: OAuth2Authentication needs Settings, Tokens, Config.Users and Django")
	}
	bodyToken, inBody, err := post()
	if err != nil {
		return nil, nil, "", err
	}
	var requestURI string
	if !s.v24() {
		if _, inQuery := django.QueryValue(r, "access_token"); inQuery && s.AccessTokenTransportCompliant {
			return nil, nil, "", nil
		}
		host, err := a.Django.GetHost(r)
		if err != nil {
			return nil, nil, "", err
		}
		scheme := "http"
		if a.Django.IsSecure(r) {
			scheme = "https"
		}
		requestURI = absoluteURI(scheme, host, r.URL.Path)
	}
	// (the toolkit's urlparse, and oauthlib's, end the query string at a "#")
	rawQuery, _, _ := strings.Cut(r.URL.RawQuery, "#")
	query := oauthlibQuery(rawQuery)
	if invalidHex(query) {
		if !suspicious {
			return nil, nil, "", errors.New("oauth2provider: Invalid hex encoding in query string. (oauthlib's ValueError)")
		}
		return nil, nil, "", fmt.Errorf("%w: Invalid hex encoding in query string.", django.ErrSuspiciousOperation)
	}
	var token string
	if hs := r.Header.Values("Authorization"); len(hs) > 0 {
		parts := strings.FieldsFunc(pystr.Latin1(strings.Join(hs, ",")), pystr.IsSpace)
		if len(parts) == 2 && pystr.LowerASCII(parts[0]) == "bearer" {
			token = parts[1]
		}
	} else if inBody {
		token = bodyToken
	} else {
		token, _ = django.FormValue([]byte(query), "access_token")
	}
	if token == "" {
		return nil, nil, "", nil
	}
	t, err = a.Tokens.AccessToken(r.Context(), token)
	if err != nil && !errors.Is(err, ErrTokenNotFound) {
		return nil, nil, "", err
	}
	now := s.now()
	if (t == nil || !t.IsValid(now, scopes)) && s.introspects() {
		if t, err = a.introspect(r.Context(), token); err != nil {
			return nil, nil, "", err
		}
		now = s.now() // (is_valid's clock, read after the token was kept)
	}
	switch {
	case t == nil:
		return nil, nil, descInvalid, nil
	case t.IsExpired(now):
		return nil, nil, descExpired, nil
	case !t.AllowScopes(scopes):
		return nil, nil, "", nil // (insufficient_scope, which no answer here names)
	}
	if (len(t.Resource) > 0 || t.resourceErr != nil) && s.ResourceValidator != nil && !s.v24() {
		if t.resourceErr != nil {
			return nil, nil, "", t.resourceErr
		}
		ok, err := s.ResourceValidator(requestURI, t.Resource)
		if err != nil {
			return nil, nil, "", err
		}
		if !ok {
			return nil, nil, descResource, nil
		}
	}
	if t.UserID == "" {
		return nil, t, "", nil
	}
	u, err = a.Config.Users.User(r.Context(), t.UserID)
	switch {
	case errors.Is(err, auth.ErrUserNotFound): // (select_related's outer join: no user)
		return nil, t, "", nil
	case err != nil:
		return nil, nil, "", err
	}
	return u, t, "", nil
}

// AuthenticateHeader implements restframework.Authenticator: Bearer realm="api", and
// the reason the request's token was refused.
func (a *OAuth2Authentication) AuthenticateHeader(r *http.Request) string {
	realm := a.Realm
	if realm == "" {
		realm = "api"
	}
	var b strings.Builder
	b.WriteString(`Bearer realm="` + realm + `"`)
	if kv, ok := restframework.RequestAttr(r, oauth2ErrorKey{}).([][2]string); ok {
		for _, p := range kv {
			b.WriteString(`,` + p[0] + `="` + p[1] + `"`)
		}
	}
	return restframework.HeaderValue(b.String())
}

// oauthlibSafe is oauthlib.common.urlencoded: the characters it leaves in a query string.
var oauthlibSafe = func() (t [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-=&;:%+~,*@!()/?'$" {
		t[c] = true
	}
	return t
}()

// oauthlibQuery is the query string as oauthlib receives it from the toolkit: Django's
// get_full_path (the WSGI QUERY_STRING, its bytes read as latin-1, through iri_to_uri),
// then _get_escaped_full_path: every character oauthlib would refuse %-escaped as its
// UTF-8.
func oauthlibQuery(raw string) string {
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if oauthlibSafe[c] {
			b.WriteByte(c)
			continue
		}
		var u [4]byte
		n := utf8.EncodeRune(u[:], rune(c))
		for _, x := range u[:n] {
			fmt.Fprintf(&b, "%%%02X", x)
		}
	}
	return b.String()
}

// invalidHex is oauthlib's INVALID_HEX_PATTERN: a "%" followed by a character that is
// not a hex digit, or by one that is and then one that is not.
func invalidHex(q string) bool {
	for i := 0; i+1 < len(q); i++ {
		if q[i] != '%' {
			continue
		}
		if !isHex(q[i+1]) || i+2 < len(q) && !isHex(q[i+2]) {
			return true
		}
	}
	return false
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// uriPathSafe is Django's escape_uri_path's safe characters (and quote's own).
var uriPathSafe = func() (t [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~/:@&+$,!*'()" {
		t[c] = true
	}
	return t
}()

// absoluteURI is the toolkit's request URI without its query: build_absolute_uri of
// get_full_path, whose path is escape_uri_path of request.path (bytes that are not
// UTF-8 %-escaped first, by repercent_broken_unicode, and then their "%" escaped too). A
// path starting with "//" names a host, as urljoin reads it.
func absoluteURI(scheme, host, path string) string {
	var b strings.Builder
	for i := 0; i < len(path); {
		r, n := utf8.DecodeRuneInString(path[i:])
		if r == utf8.RuneError && n == 1 {
			fmt.Fprintf(&b, "%%25%02X", path[i])
			i++
			continue
		}
		for _, c := range []byte(path[i : i+n]) {
			if uriPathSafe[c] {
				b.WriteByte(c)
			} else {
				fmt.Fprintf(&b, "%%%02X", c)
			}
		}
		i += n
	}
	escaped := b.String()
	if strings.HasPrefix(escaped, "//") {
		return scheme + ":" + escaped
	}
	return scheme + "://" + host + escaped
}
