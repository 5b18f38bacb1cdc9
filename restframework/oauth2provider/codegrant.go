package oauth2provider

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/djsession/djsession/internal/pystr"
)

// DefaultGrantTable is the table of the toolkit's Grant model (authorization codes).
const DefaultGrantTable = "oauth2_provider_grant"

// codeRow is a row of the grants' table, as validate_code reads it.
type codeRow struct {
	userID, scope, redirectURI, challenge, method string
	expires                                       time.Time
	resource                                      []string // (3.x)
}

// grantTable is GrantTable or its default.
func (t *SQLTokens) grantTable() string {
	if t.GrantTable == "" {
		return DefaultGrantTable
	}
	return t.GrantTable
}

// findGrant is Grant.objects.get(code=code, application=appID) (nil: none).
func (t *SQLTokens) findGrant(ctx context.Context, code string, appID int64) (*codeRow, error) {
	q, p := t.users.Quote, t.users.Param
	cols := q("user_id") + ", " + q("scope") + ", " + q("redirect_uri") + ", " + q("code_challenge") + ", " +
		q("code_challenge_method") + ", " + q("expires")
	if !t.v24 {
		cols += ", " + q("resource")
	}
	var g codeRow
	var user sql.NullString
	var expires, resource any
	dest := []any{&user, &g.scope, &g.redirectURI, &g.challenge, &g.method, &expires}
	if !t.v24 {
		dest = append(dest, &resource)
	}
	err := t.users.DB().QueryRowContext(ctx, "SELECT "+cols+" FROM "+q(t.grantTable())+" WHERE "+q("code")+" = "+p(1)+
		" AND "+q("application_id")+" = "+p(2), code, appID).Scan(dest...)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, err
	}
	if g.userID, err = t.userID(user); err != nil {
		return nil, err
	}
	if g.expires, err = t.users.ScanTime(expires); err != nil {
		return nil, err
	}
	if g.resource, err = resources(resource); err != nil {
		return nil, err
	}
	return &g, nil
}

// deleteGrant is invalidate_authorization_code: whether a grant was deleted.
func (t *SQLTokens) deleteGrant(ctx context.Context, code string, appID int64) (bool, error) {
	q, p := t.users.Quote, t.users.Param
	res, err := t.users.DB().ExecContext(ctx, "DELETE FROM "+q(t.grantTable())+" WHERE "+q("code")+" = "+p(1)+" AND "+
		q("application_id")+" = "+p(2), code, appID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// codeGrant is oauthlib's AuthorizationCodeGrant with the toolkit's validator: an
// authorization code (a Grant row the toolkit's authorization view made) exchanged for a
// token pair, with PKCE and the redirect URI checked, then deleted.
func (v *TokenView) codeGrant(r *http.Request, o *oauthRequest) ([]any, *oauthError, error) {
	ctx := r.Context()
	s, t := v.Clients.Settings, v.Tokens
	code, ok := o.param("code")
	if !ok {
		return nil, &oauthError{status: 400, code: "invalid_request", description: "Missing code parameter."}, nil
	}
	if oe, err := v.validateClientAuthentication(ctx, o); oe != nil || err != nil {
		return nil, oe, err
	}
	if o.params["grant_type"] == "openid" { // (validate_grant_type's assertion: no such grant type)
		return nil, nil, errors.New("oauth2provider: grant type openid (the toolkit's AssertionError)")
	}
	if gt := o.client.AuthorizationGrantType; gt != "authorization-code" && gt != "openid-hybrid" {
		return nil, &oauthError{status: 400, code: "unauthorized_client"}, nil
	}
	g, err := t.findGrant(ctx, code, o.client.ID)
	if err != nil {
		return nil, nil, err
	}
	if g == nil || !s.now().Before(g.expires) {
		return nil, &oauthError{status: 400, code: "invalid_grant"}, nil
	}
	if err := v.userExists(ctx, g.userID); err != nil {
		return nil, nil, err
	}
	verifier, hasVerifier := o.param("code_verifier")
	missingVerifier := &oauthError{status: 400, code: "invalid_request", description: "Code verifier required."}
	switch {
	case g.challenge != "":
		if !hasVerifier {
			return nil, missingVerifier, nil
		}
		var ok bool
		switch g.method {
		case "":
			return nil, &oauthError{status: 400, code: "invalid_grant", description: "Challenge method not found"}, nil
		case "plain":
			ok = subtle.ConstantTimeCompare([]byte(verifier), []byte(g.challenge)) == 1
		case "S256":
			sum := sha256.Sum256([]byte(verifier))
			ok = subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(g.challenge)) == 1
		default:
			return nil, &oauthError{status: 400, code: "server_error", description: "code_challenge_method " + g.method + " is not supported."}, nil
		}
		if !ok {
			return nil, &oauthError{status: 400, code: "invalid_grant"}, nil
		}
	case s.PKCERequired:
		if !hasVerifier {
			return nil, missingVerifier, nil
		}
		return nil, &oauthError{status: 400, code: "invalid_grant", description: "Challenge not found"}, nil
	}
	redirect, ok := o.param("redirect_uri")
	if !ok { // (the client's only redirection URI)
		uris := strings.FieldsFunc(o.client.RedirectURIs, pystr.IsSpace)
		switch {
		case len(uris) == 1:
			redirect = uris[0]
		case len(uris) == 0 && s.v24():
			return nil, nil, errors.New("oauth2provider: a client without redirect URIs (2.4's AssertionError)")
		default:
			return nil, &oauthError{status: 400, code: "invalid_request", description: "Missing redirect URI.", noState: true}, nil
		}
	}
	if redirect != g.redirectURI {
		return nil, &oauthError{status: 400, code: "invalid_request", description: "Mismatching redirect URI."}, nil
	}
	scopes := strings.Split(g.scope, " ")
	n := &newTokens{userID: g.userID, appID: o.client.ID, scope: strings.Join(scopes, " "), hashed: s.HashedTokenStorage}
	if n.access, err = generateToken(); err != nil {
		return nil, nil, err
	}
	if n.refresh, err = newRefresh(o, s); err != nil {
		return nil, nil, err
	}
	if !s.v24() {
		var oe *oauthError
		if n.resource, oe, err = v.requestResources(r); oe != nil || err != nil {
			return nil, oe, err
		}
		switch {
		case len(n.resource) > 0 && len(g.resource) > 0:
			for _, res := range n.resource {
				if !slices.Contains(g.resource, res) {
					return nil, &oauthError{status: 400, code: "invalid_target", plain: true, description: "The requested resource '" +
						res + "' is not allowed. Token request cannot escalate resource permissions beyond the original authorization grant"}, nil
				}
			}
		case len(g.resource) > 0:
			if oe, err := validateResources(g.resource); oe != nil || err != nil {
				return nil, oe, err
			}
			n.resource = g.resource
		}
	}
	n.now = s.now()
	n.expires = n.now.Add(time.Duration(s.AccessTokenExpireSeconds) * time.Second)
	if err := t.saveIssued(ctx, n); err != nil {
		return nil, nil, err
	}
	deleted, err := t.deleteGrant(ctx, code, o.client.ID)
	switch {
	case err != nil:
		return nil, nil, err
	case !deleted: // (used meanwhile: the tokens stay, as the toolkit's)
		return nil, &oauthError{status: 400, code: "invalid_grant", plain: true}, nil
	}
	return []any{"access_token", n.access, "expires_in", int64(s.AccessTokenExpireSeconds), "token_type", "Bearer",
		"scope", n.scope, "refresh_token", n.refresh}, nil, nil
}
