package oauth2provider

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/django/auth/hashers"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/signing"
)

// Application is a row of oauth2_provider_application, the toolkit's Application: the
// fields client authentication reads.
type Application struct {
	// ID is the row's primary key.
	ID int64
	// ClientID is client_id.
	ClientID string
	// ClientSecret is client_secret as stored: a Django password hash (the toolkit hashes
	// secrets unless hash_client_secret is off), or the secret itself.
	ClientSecret string
	// ClientType is "confidential" or "public".
	ClientType string
	// AuthorizationGrantType is the one grant the client may use ("client-credentials",
	// "password", "authorization-code", ...), and with it refresh_token.
	AuthorizationGrantType string
	// RedirectURIs is redirect_uris: the client's redirection URIs, separated by white
	// space.
	RedirectURIs string
}

// The toolkit's client types.
const (
	ClientConfidential = "confidential"
	ClientPublic       = "public"
)

// ApplicationSource finds the applications (OAuth 2 clients) of the site.
type ApplicationSource interface {
	// Application returns the application of client id clientID (as
	// Application.objects.get(client_id=...) finds it), or an error matching
	// ErrApplicationNotFound.
	Application(ctx context.Context, clientID string) (*Application, error)
	// ApplicationByID returns the application of primary key id.
	ApplicationByID(ctx context.Context, id int64) (*Application, error)
}

// ErrApplicationNotFound: no application has that client id.
var ErrApplicationNotFound = errors.New("oauth2provider: no such application")

// DefaultApplicationTable is the table of the toolkit's Application model.
const DefaultApplicationTable = "oauth2_provider_application"

// SQLApplications is the toolkit's oauth2_provider_application table, in the database of
// an auth.SQLUserSource.
type SQLApplications struct {
	// Psycopg2 says the site reaches PostgreSQL through psycopg2, whose ValueError on a
	// client id with a NUL character the toolkit's 3.x takes as no application; with
	// psycopg 3 (Django's choice from 4.2 on) or the toolkit's 2.4, such a client id is a
	// server error, as here by default.
	Psycopg2 bool

	users            *auth.SQLUserSource
	byClientID, byID string
	postgres, v24    bool
}

// NewSQLApplications returns the applications of table ("": DefaultApplicationTable) in the
// database of users, as django-oauth-toolkit version (Settings.Version) reads them.
func NewSQLApplications(users *auth.SQLUserSource, table, version string) *SQLApplications {
	if table == "" {
		table = DefaultApplicationTable
	}
	q, p := users.Quote, users.Param
	sel := "SELECT " + q("id") + ", " + q("client_id") + ", " + q("client_secret") + ", " + q("client_type") + ", " +
		q("authorization_grant_type") + ", " + q("redirect_uris") + " FROM " + q(table) + " WHERE "
	return &SQLApplications{users: users, byClientID: sel + q("client_id") + " = " + p(1), byID: sel + q("id") + " = " + p(1),
		postgres: users.Dialect() == auth.PostgreSQL, v24: version == "2.4"}
}

// Application implements ApplicationSource.
func (s *SQLApplications) Application(ctx context.Context, clientID string) (*Application, error) {
	if s.postgres && strings.ContainsRune(clientID, 0) { // (PostgreSQL's text holds no NUL)
		if s.Psycopg2 && !s.v24 {
			return nil, ErrApplicationNotFound
		}
		return nil, errors.New("oauth2provider: a client id with a NUL character, which PostgreSQL cannot compare")
	}
	return s.one(ctx, s.byClientID, clientID)
}

// ApplicationByID implements ApplicationSource.
func (s *SQLApplications) ApplicationByID(ctx context.Context, id int64) (*Application, error) {
	return s.one(ctx, s.byID, id)
}

func (s *SQLApplications) one(ctx context.Context, query string, arg any) (*Application, error) {
	var a Application
	err := s.users.DB().QueryRowContext(ctx, query, arg).Scan(&a.ID, &a.ClientID, &a.ClientSecret, &a.ClientType, &a.AuthorizationGrantType, &a.RedirectURIs)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, ErrApplicationNotFound
	case err != nil:
		return nil, fmt.Errorf("oauth2provider: read the application: %w", err)
	}
	return &a, nil
}

// ClientAuthentication is how the toolkit's endpoints for clients (token revocation,
// introspection) authenticate the client, as its OAuth2Validator does: HTTP Basic
// credentials (client id and secret, each %-decoded as a form field), else the
// client_id and client_secret parameters (of the form body, else of the query string),
// the secret checked against the application's, hashed by PASSWORD_HASHERS or not.
type ClientAuthentication struct {
	// Settings is the site's OAUTH2_PROVIDER (its Version).
	Settings *Settings
	// Applications finds the clients (NewSQLApplications).
	Applications ApplicationSource
	// Hashers checks the hashed client secrets (PASSWORD_HASHERS; nil: Django's
	// defaults).
	Hashers *hashers.Set
	// Django is the site's settings (its DATA_UPLOAD_MAX_* bounds; nil: Django's
	// defaults).
	Django *django.Settings
}

// oauthRequest is the part of oauthlib's Request the endpoints read.
type oauthRequest struct {
	params      map[string]string // (the query string's, then request.POST's last values)
	basic       string            // _extract_basic_auth's: after "Basic "
	client      *Application      // request.client, once loaded
	clientParam bool              // a "client" parameter that is not empty (2.4's AttributeError)
}

// param is request.<name>: ok false for Python's None.
func (o *oauthRequest) param(name string) (string, bool) {
	v, ok := o.params[name]
	return v, ok
}

// oauthParams are the parameters the endpoints read from a request.
var oauthParams = []string{"client_id", "client_secret", "token", "token_type_hint", "state", "client", "grant_type",
	"scope", "username", "password", "resource", "refresh_token", "code", "redirect_uri", "code_verifier"}

// errInvalidHex is oauthlib's ValueError on a query string with a malformed %-escape,
// which the client endpoints leave a server error.
var errInvalidHex = errors.New("oauth2provider: Invalid hex encoding in query string. (oauthlib's ValueError)")

// oauthlibRequest builds the oauthlib Request of r as the toolkit's OAuthLibCore does:
// the query string of Django's get_full_path, escaped, then request.POST (its last
// values), and the Authorization header.
func (c *ClientAuthentication) oauthlibRequest(r *http.Request) (*oauthRequest, error) {
	ds := c.Django
	if ds == nil {
		ds = &djangoDefaults
	}
	o := &oauthRequest{params: map[string]string{}}
	if err := ds.FormCharsetError(r); err != nil {
		return nil, err
	}
	post, err := ds.PostForm(r, oauthParams...)
	if err != nil {
		return nil, err
	}
	rawQuery, _, _ := strings.Cut(r.URL.RawQuery, "#")
	query := oauthlibQuery(rawQuery)
	if invalidHex(query) {
		return nil, errInvalidHex
	}
	for _, name := range oauthParams {
		if v, ok := django.FormValue([]byte(query), name); ok {
			o.params[name] = v
		}
		if vs := post[name]; len(vs) > 0 {
			o.params[name] = vs[len(vs)-1]
		}
	}
	o.clientParam = o.params["client"] != ""
	if hs := r.Header.Values("Authorization"); len(hs) > 0 {
		if kind, rest, ok := strings.Cut(pystr.Latin1(strings.Join(hs, ",")), " "); ok && kind == "Basic" {
			o.basic = rest
		}
	}
	return o, nil
}

func (c *ClientAuthentication) v24() bool { return c.Settings != nil && c.Settings.v24() }

// loadApplication is the validator's _load_application: the application of clientID (ok
// false for Python's None), kept in o.client, or nil when there is none.
func (c *ClientAuthentication) loadApplication(ctx context.Context, o *oauthRequest, clientID string, ok bool) (*Application, error) {
	if c.v24() {
		// (2.4: request.client = request.client or get(...), whatever the client id; a
		// "client" parameter is request.client, and has no is_usable)
		if o.clientParam {
			return nil, errors.New("oauth2provider: a client parameter (2.4's AttributeError: 'str' object has no attribute 'is_usable')")
		}
		if o.client != nil {
			return o.client, nil
		}
	} else if o.client != nil && ok && o.client.ClientID == clientID {
		return o.client, nil
	}
	o.client = nil
	if !ok { // (client_id=None: IS NULL, which no row is)
		return nil, nil
	}
	a, err := c.Applications.Application(ctx, clientID)
	switch {
	case errors.Is(err, ErrApplicationNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	}
	o.client = a
	return a, nil
}

// checkSecret is _check_secret: provided against the stored secret, a password hash or
// the secret itself (also when it only looks like a hash: its hasher cannot read it).
func (c *ClientAuthentication) checkSecret(provided, stored string) bool {
	set := c.Hashers
	if set == nil {
		set = hashers.ForDjango("")
	}
	if h, err := set.Identify(stored); err == nil && hashers.IsPasswordUsable(stored) {
		if ok, err := h.Verify(provided, stored); err == nil {
			return ok
		}
	}
	return subtle.ConstantTimeCompare([]byte(provided), []byte(stored)) == 1
}

// authenticateClient is the validator's authenticate_client: Basic credentials, else the
// request's client_id and client_secret.
func (c *ClientAuthentication) authenticateClient(ctx context.Context, o *oauthRequest) (bool, error) {
	ok, err := c.basicAuth(ctx, o)
	if ok || err != nil {
		return ok, err
	}
	id, has := o.param("client_id")
	secret := o.params["client_secret"]
	a, err := c.loadApplication(ctx, o, id, has)
	if a == nil || err != nil {
		return false, err
	}
	return c.devicePublic(o, a) || c.checkSecret(secret, a.ClientSecret), nil
}

// devicePublic is 3.x's exception to the secret check: a public client with the device
// code grant type in the request needs none.
func (c *ClientAuthentication) devicePublic(o *oauthRequest, a *Application) bool {
	return !c.v24() && a.ClientType == ClientPublic && o.params["grant_type"] == deviceCodeGrant
}

// basicAuth is _authenticate_basic_auth.
func (c *ClientAuthentication) basicAuth(ctx context.Context, o *oauthRequest) (bool, error) {
	if o.basic == "" {
		return false, nil
	}
	for i := 0; i < len(o.basic); i++ {
		if o.basic[i] >= utf8.RuneSelf {
			return false, errors.New("oauth2provider: Basic credentials beyond ASCII (b64decode's ValueError)")
		}
	}
	raw, err := signing.B64DecodeStd(o.basic)
	if err != nil || !utf8.Valid(raw) {
		return false, nil
	}
	id, secret, found := strings.Cut(string(raw), ":")
	if !found {
		return false, nil
	}
	id, secret = django.UnquotePlus(id), django.UnquotePlus(secret)
	a, err := c.loadApplication(ctx, o, id, true)
	if a == nil || err != nil || a.ClientID != id {
		return false, err
	}
	return c.devicePublic(o, a) || c.checkSecret(secret, a.ClientSecret), nil
}

// clientAuthenticationRequired is the validator's client_authentication_required.
func (c *ClientAuthentication) clientAuthenticationRequired(ctx context.Context, o *oauthRequest) (bool, error) {
	if o.basic != "" || o.params["client_id"] != "" && o.params["client_secret"] != "" {
		return true, nil
	}
	id, has := o.param("client_id")
	a, err := c.loadApplication(ctx, o, id, has)
	if err != nil || a == nil {
		return true, err
	}
	return a.ClientType == ClientConfidential, nil
}

// authenticateClientID is the validator's authenticate_client_id: a known client that is
// not confidential.
func (c *ClientAuthentication) authenticateClientID(ctx context.Context, o *oauthRequest) (bool, error) {
	id, has := o.param("client_id")
	a, err := c.loadApplication(ctx, o, id, has)
	if err != nil || a == nil {
		return false, err
	}
	return a.ClientType != ClientConfidential, nil
}

// Authenticate reports whether r authenticates a client as the toolkit's
// ClientProtectedResourceView does (Basic credentials, else client_id and client_secret
// parameters), and returns the client. An error is one Django answers with its 400 or
// 500 page.
func (c *ClientAuthentication) Authenticate(r *http.Request) (*Application, error) {
	if c.Applications == nil {
		return nil, errors.New("oauth2provider: ClientAuthentication needs Applications")
	}
	o, err := c.oauthlibRequest(r)
	if err != nil {
		return nil, err
	}
	ok, err := c.authenticateClient(r.Context(), o)
	if !ok || err != nil {
		return nil, err
	}
	return o.client, nil
}
