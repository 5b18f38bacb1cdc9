package oauth2provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/django/auth/hashers"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/internal/pyuuid"
)

// The grant types of the token endpoint, and the application grant types they need.
const (
	deviceCodeGrant   = "urn:ietf:params:oauth:grant-type:device_code"
	grantClientCreds  = "client-credentials"
	grantPassword     = "password"
	tokenCharacterSet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)

// TokenView is the toolkit's TokenView (its token/ URL), the token endpoint, for the
// client-credentials, resource-owner password and refresh-token grants, through oauthlib's
// TokenEndpoint: a client that authenticates itself (a public client of the password
// grant by its client_id alone) gets an access token (and with the password grant, a
// refresh token for the user whose credentials Django's backends take) with the scopes
// it asks for among Settings.Scopes, or Settings.DefaultScopes, stored as the toolkit
// stores them (resource indicators of RFC 8707 with 3.x), so that Django's resource
// servers take them, and the same JSON answer ({"access_token", "expires_in",
// "token_type": "Bearer", "scope"[, "refresh_token"]}); and oauthlib's JSON errors
// (invalid_request, invalid_client with a 401, unauthorized_client for a client not
// registered for the grant, invalid_grant for wrong user credentials, invalid_scope,
// unsupported_grant_type, invalid_target for a malformed resource), a request's state
// echoed. It is exempt from CSRF checks.
//
// The refresh_token grant rotates refresh tokens as the toolkit does (ROTATE_REFRESH_TOKEN,
// REFRESH_TOKEN_GRACE_PERIOD_SECONDS, REFRESH_TOKEN_EXPIRE_SECONDS), so that a refresh
// token either side issued refreshes on the other. The grants that need what happened in
// a browser (authorization_code, and the device code polling of 3.x) are handed to
// Fallback (a proxy to the Django site, say), unread.
type TokenView struct {
	// Clients authenticates the clients.
	Clients *ClientAuthentication
	// Tokens stores the tokens issued.
	Tokens *SQLTokens
	// Config authenticates the users of the password grant (Django's authenticate over
	// Config.AuthenticationBackends, inactive users refused).
	Config *auth.Config
	// Fallback serves the grants TokenView does not (nil: they are a server error).
	Fallback http.Handler
}

// oauthError is one of oauthlib's OAuth2Errors, as JSON.
type oauthError struct {
	status            int
	code, description string
	plain             bool // (raised outside the grant's validation: none of its headers)
	noState           bool // (raised without the request)
}

// write answers e as oauthlib and the toolkit do, with state when it is not empty.
func (e *oauthError) write(w http.ResponseWriter, state string) {
	kv := []any{"error", e.code}
	if e.description != "" {
		kv = append(kv, "error_description", e.description)
	}
	if state != "" && !e.noState {
		kv = append(kv, "state", state)
	}
	if e.plain { // (HttpResponse's own Content-Type)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(e.status)
		w.Write(pyJSON(kv...))
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	if e.status == http.StatusUnauthorized {
		authValues := `Bearer error="` + e.code + `"`
		if e.description != "" {
			authValues += `, error_description="` + e.description + `"`
		}
		h.Set("WWW-Authenticate", authValues)
	}
	pyJSONResponse(w, e.status, kv...)
}

// ServeHTTP implements http.Handler.
func (v *TokenView) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := v.Clients
	var ds *django.Settings
	if c != nil {
		ds = c.Django
	}
	if c == nil || c.Settings == nil || c.Applications == nil || v.Tokens == nil || v.Config == nil || v.Config.Users == nil {
		djangoFail(w, r, ds, errors.New("oauth2provider: TokenView needs Clients (with Settings and Applications), Tokens and Config (with Users)"))
		return
	}
	switch strings.ToUpper(r.Method) {
	case http.MethodPost:
	case http.MethodOptions:
		viewOptions(w, "POST, OPTIONS")
		return
	default:
		viewNotAllowed(w, "POST, OPTIONS")
		return
	}
	s := c.Settings
	if s.issuingErr != nil {
		djangoFail(w, r, ds, s.issuingErr)
		return
	}
	if !s.v24() {
		err := djangoSettings(ds).FormCharsetError(r)
		grant := ""
		if err == nil {
			grant, _, err = djangoSettings(ds).PostValue(r, "grant_type")
		}
		if err != nil {
			djangoFail(w, r, ds, err)
			return
		}
		if grant == deviceCodeGrant {
			v.fallback(w, r, ds)
			return
		}
	}
	o, err := c.oauthlibRequest(r)
	if err != nil {
		djangoFail(w, r, ds, err)
		return
	}
	state := o.params["state"]
	if rawQuery, _, _ := strings.Cut(r.URL.RawQuery, "#"); rawQuery != "" {
		(&oauthError{status: 400, code: "invalid_request", description: "URL query parameters are not allowed", plain: true}).write(w, state)
		return
	}
	var body []any
	switch grant := o.params["grant_type"]; grant {
	case "client_credentials", "password", "refresh_token", "authorization_code", "openid":
		var oe *oauthError
		switch grant {
		case "refresh_token":
			body, oe, err = v.refreshGrant(r, o)
		case "authorization_code", "openid":
			body, oe, err = v.codeGrant(r, o)
		default:
			body, oe, err = v.issue(r, o, grant)
		}
		if oe != nil {
			oe.write(w, state)
			return
		}
	case deviceCodeGrant:
		v.fallback(w, r, ds)
		return
	default: // (oauthlib's default grant, authorization_code, refuses it)
		(&oauthError{status: 400, code: "unsupported_grant_type"}).write(w, state)
		return
	}
	if err == nil && body[1] == "" { // (a pair given again with hashed storage: the view's lookup of "" fails)
		err = errors.New("oauth2provider: the token given again is not stored (hashed storage): AccessToken.DoesNotExist")
	}
	if err != nil {
		djangoFail(w, r, ds, err)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	pyJSONResponse(w, http.StatusOK, body...)
}

// fallback hands r to Fallback.
func (v *TokenView) fallback(w http.ResponseWriter, r *http.Request, ds *django.Settings) {
	if v.Fallback == nil {
		djangoFail(w, r, ds, errors.New("oauth2provider: TokenView serves no such grant and has no Fallback"))
		return
	}
	v.Fallback.ServeHTTP(w, r)
}

// issue is the grant's validate_token_request, create_token and the validator's
// save_bearer_token: the answer's keys and values, or the OAuth2Error to answer.
func (v *TokenView) issue(r *http.Request, o *oauthRequest, grant string) ([]any, *oauthError, error) {
	ctx := r.Context()
	s := v.Clients.Settings
	var user *auth.User
	if grant == "password" {
		for _, p := range []string{"grant_type", "username", "password"} {
			if o.params[p] == "" {
				return nil, &oauthError{status: 400, code: "invalid_request", description: "Request is missing " + p + " parameter."}, nil
			}
		}
		if oe, err := v.validateClientAuthentication(ctx, o); oe != nil || err != nil {
			return nil, oe, err
		}
		u, _, err := auth.AuthenticateBackends(ctx, o.params["username"], o.params["password"], v.Config)
		if err != nil {
			return nil, nil, err
		}
		if u == nil || !u.IsActive {
			return nil, &oauthError{status: 400, code: "invalid_grant", description: "Invalid credentials given."}, nil
		}
		user = u
		if o.client.AuthorizationGrantType != grantPassword || (s.PasswordGrantCompliant && !s.v24()) {
			return nil, &oauthError{status: 400, code: "unauthorized_client"}, nil
		}
	} else {
		if oe, err := v.validateClient(ctx, o, true); oe != nil || err != nil {
			return nil, oe, err
		}
		if o.client.AuthorizationGrantType != grantClientCreds {
			return nil, &oauthError{status: 400, code: "unauthorized_client"}, nil
		}
	}
	// (validate_scopes: the scope parameter split on spaces, else DEFAULT_SCOPES)
	scopes := append([]string{}, s.DefaultScopes...)
	if scope, ok := o.param("scope"); ok {
		scopes = scopeToList(scope)
	}
	for _, sc := range scopes {
		if !slices.Contains(s.Scopes, sc) {
			return nil, &oauthError{status: 400, code: "invalid_scope"}, nil
		}
	}
	access, err := generateToken()
	if err != nil {
		return nil, nil, err
	}
	n := &newTokens{access: access, appID: o.client.ID, scope: strings.Join(scopes, " ")}
	body := []any{"access_token", access, "expires_in", int64(s.AccessTokenExpireSeconds), "token_type", "Bearer", "scope", n.scope}
	if grant == "password" {
		if n.refresh, err = newRefresh(o, s); err != nil {
			return nil, nil, err
		}
		body = append(body, "refresh_token", n.refresh)
		n.userID = user.ID
	}
	if !s.v24() {
		var oe *oauthError
		if n.resource, oe, err = v.requestResources(r); oe != nil || err != nil {
			return nil, oe, err
		}
	}
	n.now = s.now()
	n.expires = n.now.Add(time.Duration(s.AccessTokenExpireSeconds) * time.Second)
	n.hashed = s.HashedTokenStorage
	if err := v.Tokens.saveIssued(ctx, n); err != nil {
		return nil, nil, err
	}
	return body, nil, nil
}

// userExists is request.user = <a row's>.user: the user must be there
// (User.DoesNotExist, a server error, where foreign keys are not enforced).
func (v *TokenView) userExists(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	if _, err := v.Config.Users.User(ctx, id); err != nil {
		return fmt.Errorf("oauth2provider: the user of the grant or refresh token: %w", err)
	}
	return nil
}

// validateClientAuthentication is the grant's validate_client_authentication: a client
// that must authenticate itself does, another names itself.
func (v *TokenView) validateClientAuthentication(ctx context.Context, o *oauthRequest) (*oauthError, error) {
	required, err := v.Clients.clientAuthenticationRequired(ctx, o)
	if err != nil {
		return nil, err
	}
	return v.validateClient(ctx, o, required)
}

// requestResources is the start of _check_and_set_request_resource (3.x): every resource
// of the body when there are several, else the one not blank, each an absolute URI.
func (v *TokenView) requestResources(r *http.Request) ([]string, *oauthError, error) {
	values, err := djangoSettings(v.Clients.Django).PostValues(r, "resource")
	if err != nil {
		return nil, nil, err
	}
	if len(values) == 1 && pystr.Strip(values[0]) == "" {
		values = nil
	}
	oe, err := validateResources(values)
	return values, oe, err
}

// validateClient is the grant's validate_client_confidential (required) or
// validate_client_public: the client authenticated, and the request's client_id its.
func (v *TokenView) validateClient(ctx context.Context, o *oauthRequest, required bool) (*oauthError, error) {
	c := v.Clients
	var ok bool
	var err error
	if required {
		ok, err = c.authenticateClient(ctx, o)
	} else {
		ok, err = c.authenticateClientID(ctx, o)
	}
	switch {
	case err != nil:
		return nil, err
	case !ok || o.client == nil:
		return &oauthError{status: 401, code: "invalid_client"}, nil
	case o.params["client_id"] != "" && o.params["client_id"] != o.client.ClientID:
		return &oauthError{status: 400, code: "server_error", description: "Discrepency found between client identifier"}, nil // (oauthlib gives ServerError the default 400)
	}
	return nil, nil
}

// newRefresh is the refresh token of BearerToken.create_token: the request's
// refresh_token parameter when the site does not rotate them, else a new one.
func newRefresh(o *oauthRequest, s *Settings) (string, error) {
	if given := o.params["refresh_token"]; given != "" && !s.RotateRefreshToken {
		return given, nil
	}
	return generateToken()
}

// generateToken is oauthlib's generate_token: 30 characters drawn from ASCII letters and
// digits by the system's random source.
func generateToken() (string, error) { return hashers.RandomStringOf(30, tokenCharacterSet) }

// newTokens is what TokenView stores of the tokens it issues.
type newTokens struct {
	access, refresh string // (refresh "": none)
	userID          string // ("": none)
	appID           int64
	scope           string
	resource        []string
	expires, now    time.Time
	hashed          bool // (COMPLIANT_BCP_RFC9700_TOKEN_STORAGE: the values not kept, their checksums alone)
}

// saveIssued stores n as the toolkit's save_bearer_token does for a new pair, in one
// transaction: the access token, then the refresh token bound to it (3.x: of a new token
// family).
func (t *SQLTokens) saveIssued(ctx context.Context, n *newTokens) error {
	return t.inTx(ctx, func(tx auth.SQLDB) error {
		id, err := t.insertAccess(ctx, tx, n, nil)
		if err != nil || n.refresh == "" {
			return err
		}
		family, err := pyuuid.New4()
		if err != nil {
			return err
		}
		return t.insertRefresh(ctx, tx, n, n.refresh, id, t.familyArg(family))
	})
}

// familyArg is a token family (a UUID) as the database keeps a UUIDField ("": NULL).
func (t *SQLTokens) familyArg(family string) any {
	if family == "" {
		return nil
	}
	if t.users.Dialect() != auth.PostgreSQL { // (char(32) but on PostgreSQL)
		return strings.ReplaceAll(family, "-", "")
	}
	return family
}

// tokenValue is the token column's value of token.
func (n *newTokens) tokenValue(token string) string {
	if n.hashed {
		return ""
	}
	return token
}

// userArg is n's user as a query argument (nil: NULL).
func (t *SQLTokens) userArg(n *newTokens) (any, error) {
	if n.userID == "" {
		return nil, nil
	}
	return t.users.KeyArg(n.userID)
}

// insertRow inserts a row of cols and args into table and returns its id.
func (t *SQLTokens) insertRow(ctx context.Context, tx auth.SQLDB, table string, cols []string, args []any) (int64, error) {
	q, p := t.users.Quote, t.users.Param
	var ps []string
	for i := range cols {
		cols[i] = q(cols[i])
		ps = append(ps, p(i+1))
	}
	query := "INSERT INTO " + q(table) + " (" + strings.Join(cols, ", ") + ") VALUES (" + strings.Join(ps, ", ") + ")"
	if t.users.Dialect() == auth.PostgreSQL {
		var id int64
		err := tx.QueryRowContext(ctx, query+" RETURNING "+q("id"), args...).Scan(&id)
		return id, err
	}
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// insertAccess is _create_access_token: n's access token, minted from the refresh token
// source (nil: none).
func (t *SQLTokens) insertAccess(ctx context.Context, tx auth.SQLDB, n *newTokens, source *int64) (int64, error) {
	user, err := t.userArg(n)
	if err != nil {
		return 0, err
	}
	at := t.users.TimeArg(n.now)
	cols := []string{"token", "user_id", "application_id", "expires", "scope", "created", "updated"}
	args := []any{n.tokenValue(n.access), user, n.appID, t.users.TimeArg(n.expires), n.scope, at, at}
	if source != nil {
		cols, args = append(cols, "source_refresh_token_id"), append(args, *source)
	}
	if !t.v24 {
		res, err := resourceJSON(n.resource)
		if err != nil {
			return 0, err
		}
		cols = append(cols, "token_checksum", "resource")
		args = append(args, Checksum(n.access), res)
	}
	return t.insertRow(ctx, tx, t.table, cols, args)
}

// insertRefresh is _create_refresh_token: refresh, bound to access token accessID, of
// family (3.x).
func (t *SQLTokens) insertRefresh(ctx context.Context, tx auth.SQLDB, n *newTokens, refresh string, accessID int64, family any) error {
	user, err := t.userArg(n)
	if err != nil {
		return err
	}
	at := t.users.TimeArg(n.now)
	cols := []string{"token", "user_id", "application_id", "access_token_id", "created", "updated"}
	args := []any{n.tokenValue(refresh), user, n.appID, accessID, at, at}
	if !t.v24 {
		res, err := resourceJSON(n.resource)
		if err != nil {
			return err
		}
		cols = append(cols, "token_checksum", "token_family", "resource")
		args = append(args, Checksum(refresh), family, res)
	}
	_, err = t.insertRow(ctx, tx, t.refreshTable(), cols, args)
	return err
}

// refreshTable is RefreshTable or its default.
func (t *SQLTokens) refreshTable() string {
	if t.RefreshTable == "" {
		return DefaultRefreshTable
	}
	return t.RefreshTable
}
