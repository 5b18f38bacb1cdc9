package oauth2provider

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/serializer"
)

// IntrospectionScope is the scope an access token needs to use IntrospectTokenView.
const IntrospectionScope = "introspection"

// IntrospectTokenView is the toolkit's IntrospectTokenView (its introspect/ URL): the RFC
// 7662 token introspection endpoint that resource servers ask about the tokens they are
// shown (RESOURCE_SERVER_INTROSPECTION_URL, or Settings.IntrospectionURL of this
// package). It answers, as the toolkit does, a client that authenticates itself
// (Clients: Basic credentials or client_id and client_secret) or a request with an
// access token of scope "introspection" (Authentication): {"active": true, "scope",
// "exp", "client_id", "username", "aud"} for a valid access token (the token parameter of
// the query string for GET, of the form body for POST), {"active": false} for any other,
// a 400 without a token, and the bare 403 for a request that authenticates neither way.
// It is exempt from CSRF checks.
type IntrospectTokenView struct {
	// Clients authenticates the clients.
	Clients *ClientAuthentication
	// Authentication checks the access tokens of the requests that are not a client's,
	// and its Tokens and Config (the users) answer the introspection.
	Authentication *OAuth2Authentication
}

// ServeHTTP implements http.Handler.
func (v *IntrospectTokenView) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a := v.Authentication
	var ds *django.Settings
	if a != nil {
		ds = a.Django
	}
	if v.Clients == nil || a == nil || a.Settings == nil || a.Tokens == nil || a.Config == nil || a.Config.Users == nil {
		djangoFail(w, r, ds, errors.New("oauth2provider: IntrospectTokenView needs Clients and Authentication"))
		return
	}
	method := strings.ToUpper(r.Method)
	allow := "GET, POST, HEAD, OPTIONS"
	if method == http.MethodOptions { // (ClientProtectedResourceMixin lets OPTIONS through)
		viewOptions(w, allow)
		return
	}
	if c, err := v.Clients.Authenticate(r); err != nil {
		djangoFail(w, r, ds, err)
		return
	} else if c == nil {
		_, t, _, err := a.verify(r, a.djangoPost(r), []string{IntrospectionScope}, !a.Settings.v24())
		switch {
		case err != nil:
			djangoFail(w, r, ds, err)
			return
		case t == nil:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusForbidden)
			return
		}
	}
	var token string
	var found bool
	switch method {
	case http.MethodGet, http.MethodHead:
		token, found = django.QueryValue(r, "token")
	case http.MethodPost:
		var err error
		if token, found, err = djangoSettings(ds).PostValue(r, "token"); err != nil {
			djangoFail(w, r, ds, err)
			return
		}
	default:
		viewNotAllowed(w, allow)
		return
	}
	if !found && !a.Settings.v24() {
		pyJSONResponse(w, http.StatusBadRequest, "error", "invalid_request", "error_description", "Token parameter is missing.")
		return
	}
	body, err := v.introspect(r, token, found)
	if err != nil {
		djangoFail(w, r, ds, err)
		return
	}
	pyJSONResponse(w, http.StatusOK, body...)
}

// introspect is get_token_response's answer for token (found false: None).
func (v *IntrospectTokenView) introspect(r *http.Request, token string, found bool) ([]any, error) {
	a := v.Authentication
	inactive := []any{"active", false}
	if !found { // (2.4: token=None, which no row has)
		return inactive, nil
	}
	t, err := a.Tokens.AccessToken(r.Context(), token)
	switch {
	case errors.Is(err, ErrTokenNotFound):
		return inactive, nil
	case err != nil:
		return nil, err
	case t.IsExpired(a.Settings.now()):
		return inactive, nil
	}
	// (exp: calendar.timegm of the expiry's wall clock, in UTC or, with USE_TZ False, the
	// naive local time Django reads)
	e := t.Expires
	exp := time.Date(e.Year(), e.Month(), e.Day(), e.Hour(), e.Minute(), e.Second(), 0, time.UTC).Unix()
	out := []any{"active", true, "scope", t.Scope, "exp", exp}
	if t.ApplicationID != 0 && v.Clients.Applications != nil {
		app, err := v.Clients.Applications.ApplicationByID(r.Context(), t.ApplicationID)
		if err != nil && !errors.Is(err, ErrApplicationNotFound) {
			return nil, err
		}
		if app != nil {
			out = append(out, "client_id", app.ClientID)
		}
	}
	if t.UserID != "" {
		u, err := a.Config.Users.User(r.Context(), t.UserID)
		if err != nil && !errors.Is(err, auth.ErrUserNotFound) {
			return nil, err
		}
		if u != nil {
			out = append(out, "username", u.Username)
		}
	}
	if len(t.Resource) > 0 && !a.Settings.v24() {
		out = append(out, "aud", t.Resource)
	}
	return out, nil
}

// RevokeTokenView is the toolkit's RevokeTokenView (its revoke_token/ URL): the RFC 7009
// token revocation endpoint, through oauthlib's RevocationEndpoint. A POST of a token
// (and token_type_hint) by a client that authenticates itself (a confidential client:
// Basic credentials or client_id and client_secret; a public one: its client_id)
// revokes the token (SQLTokens.RevokeToken) and gets an empty 200, whether there was
// such a token or not; oauthlib's JSON errors answer the others (invalid_request without
// a token or with a query string, invalid_client with a 401 and its WWW-Authenticate
// header), a request's state echoed as oauthlib echoes it. It is exempt from CSRF
// checks.
type RevokeTokenView struct {
	// Clients authenticates the clients.
	Clients *ClientAuthentication
	// Tokens are the site's tokens.
	Tokens *SQLTokens
}

// ServeHTTP implements http.Handler.
func (v *RevokeTokenView) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := v.Clients
	var ds *django.Settings
	if c != nil {
		ds = c.Django
	}
	if c == nil || c.Settings == nil || c.Applications == nil || v.Tokens == nil {
		djangoFail(w, r, ds, errors.New("oauth2provider: RevokeTokenView needs Clients (with Settings and Applications) and Tokens"))
		return
	}
	allow := "POST, OPTIONS"
	switch strings.ToUpper(r.Method) {
	case http.MethodPost:
	case http.MethodOptions:
		viewOptions(w, allow)
		return
	default:
		viewNotAllowed(w, allow)
		return
	}
	o, err := c.oauthlibRequest(r)
	if err != nil {
		djangoFail(w, r, ds, err)
		return
	}
	oauthErr := func(status int, kv ...any) {
		if state := o.params["state"]; state != "" {
			kv = append(kv, "state", state)
		}
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Pragma", "no-cache")
		if status == http.StatusUnauthorized {
			h.Set("WWW-Authenticate", `Bearer error="`+kv[1].(string)+`"`)
		}
		pyJSONResponse(w, status, kv...)
	}
	rawQuery, _, _ := strings.Cut(r.URL.RawQuery, "#")
	if rawQuery != "" {
		oauthErr(http.StatusBadRequest, "error", "invalid_request", "error_description", "URL query parameters are not allowed")
		return
	}
	token := o.params["token"]
	if token == "" {
		oauthErr(http.StatusBadRequest, "error", "invalid_request", "error_description", "Missing token parameter.")
		return
	}
	ctx := r.Context()
	required, err := c.clientAuthenticationRequired(ctx, o)
	ok := false
	if err == nil && required {
		ok, err = c.authenticateClient(ctx, o)
	} else if err == nil {
		ok, err = c.authenticateClientID(ctx, o)
	}
	switch {
	case err != nil:
		djangoFail(w, r, ds, err)
		return
	case !ok:
		oauthErr(http.StatusUnauthorized, "error", "invalid_client")
		return
	}
	hint := o.params["token_type_hint"]
	if c.v24() || o.client != nil { // (3.x: nothing for a request tied to no application)
		var appID int64
		if o.client != nil {
			appID = o.client.ID
		}
		if err := v.Tokens.RevokeToken(ctx, token, hint, appID, c.Settings.now()); err != nil {
			djangoFail(w, r, ds, err)
			return
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
}

// djangoSettings is s, or Django's defaults.
func djangoSettings(s *django.Settings) *django.Settings {
	if s == nil {
		return &djangoDefaults
	}
	return s
}

// viewOptions is Django's View.options: an empty 200 naming the allowed methods.
func viewOptions(w http.ResponseWriter, allow string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Allow", allow)
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

// viewNotAllowed is Django's View.http_method_not_allowed: an empty 405.
func viewNotAllowed(w http.ResponseWriter, allow string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Allow", allow)
	w.WriteHeader(http.StatusMethodNotAllowed)
}

// pyJSONResponse answers status with the object of the keys and values kv (strings,
// bools, int64s, string lists) as Django's JsonResponse and oauthlib write it: json.dumps
// with its default separators (", " and ": "), non-ASCII escaped.
func pyJSONResponse(w http.ResponseWriter, status int, kv ...any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(pyJSON(kv...))
}

// pyJSON is the object of pyJSONResponse.
func pyJSON(kv ...any) []byte {
	b := []byte{'{'}
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b = append(b, ", "...)
		}
		b, _ = serializer.AppendJSON(b, serializer.Str(kv[i].(string)))
		b = append(b, ": "...)
		switch v := kv[i+1].(type) {
		case string:
			b, _ = serializer.AppendJSON(b, serializer.Str(v))
		case bool:
			b = strconv.AppendBool(b, v)
		case int64:
			b = strconv.AppendInt(b, v, 10)
		case []string:
			b = append(b, '[')
			for j, s := range v {
				if j > 0 {
					b = append(b, ", "...)
				}
				b, _ = serializer.AppendJSON(b, serializer.Str(s))
			}
			b = append(b, ']')
		}
	}
	return append(b, '}')
}
