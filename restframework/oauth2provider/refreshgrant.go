package oauth2provider

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/pystr"
)

// refreshRow is a row of the refresh tokens' table, as validate_refresh_token reads it.
type refreshRow struct {
	id, appID int64
	userID    string
	accessID  sql.NullInt64
	revoked   *time.Time
	family    string   // (3.x; "": NULL)
	resource  []string // (3.x)
	token     string   // (2.4: the stored value, which MySQL matched ignoring case)
}

// findRefresh is validate_refresh_token's lookup of raw: with 3.x by its checksum, the row
// not revoked first, else the last revoked; with 2.4 by its value, among the rows not
// revoked or revoked after graceStart, the first.
func (t *SQLTokens) findRefresh(ctx context.Context, raw string, graceStart time.Time) (*refreshRow, error) {
	q, p := t.users.Quote, t.users.Param
	cols := q("id") + ", " + q("user_id") + ", " + q("application_id") + ", " + q("access_token_id") + ", " + q("revoked")
	var query string
	var args []any
	if t.v24 {
		query = "SELECT " + cols + ", " + q("token") + " FROM " + q(t.refreshTable()) + " WHERE (" + q("revoked") + " IS NULL OR " +
			q("revoked") + " > " + p(1) + ") AND " + q("token") + " = " + p(2) + " ORDER BY " + q("id") + " LIMIT 1"
		args = []any{t.users.TimeArg(graceStart), raw}
	} else {
		family := q("token_family")
		if t.users.Dialect() == auth.PostgreSQL {
			family += "::text"
		}
		query = "SELECT " + cols + ", " + family + ", " + q("resource") + " FROM " + q(t.refreshTable()) + " WHERE " +
			q("token_checksum") + " = " + p(1) + " ORDER BY (" + q("revoked") + " IS NULL) DESC, " + q("revoked") + " DESC LIMIT 1"
		args = []any{Checksum(raw)}
	}
	var r refreshRow
	var user sql.NullString
	var revoked, resource any
	var family sql.NullString
	dest := []any{&r.id, &user, &r.appID, &r.accessID, &revoked}
	if t.v24 {
		dest = append(dest, &r.token)
	} else {
		dest = append(dest, &family, &resource)
	}
	err := t.users.DB().QueryRowContext(ctx, query, args...).Scan(dest...)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, err
	}
	if r.userID, err = t.userID(user); err != nil {
		return nil, err
	}
	if revoked != nil {
		at, err := t.users.ScanTime(revoked)
		if err != nil {
			return nil, err
		}
		r.revoked = &at
	}
	r.family = family.String
	if r.resource, err = resources(resource); err != nil {
		return nil, err
	}
	return &r, nil
}

// accessOf returns the id, value, scope and expiry of the access token whose where is
// true of arg (ok false: none).
func (t *SQLTokens) accessOf(ctx context.Context, db auth.SQLDB, column string, arg any, lock bool) (id int64, token, scope string, expires time.Time, ok bool, err error) {
	q, p := t.users.Quote, t.users.Param
	query := "SELECT " + q("id") + ", " + q("token") + ", " + q("scope") + ", " + q("expires") + " FROM " + q(t.table) +
		" WHERE " + q(column) + " = " + p(1) + " ORDER BY " + q("id") + " LIMIT 1"
	if lock && t.users.Dialect() != auth.SQLite {
		query += " FOR UPDATE"
	}
	var exp any
	err = db.QueryRowContext(ctx, query, arg).Scan(&id, &token, &scope, &exp)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, "", "", time.Time{}, false, nil
	case err != nil:
		return 0, "", "", time.Time{}, false, err
	}
	expires, err = t.users.ScanTime(exp)
	return id, token, scope, expires, err == nil, err
}

// scopeToList is oauthlib's scope_to_list of a string: stripped, split on spaces.
func scopeToList(scope string) []string {
	return strings.Split(pystr.Strip(scope), " ")
}

// refreshGrant is oauthlib's RefreshTokenGrant with the toolkit's validator: the answer's
// keys and values, or the OAuth2Error to answer.
func (v *TokenView) refreshGrant(r *http.Request, o *oauthRequest) ([]any, *oauthError, error) {
	ctx := r.Context()
	s, t := v.Clients.Settings, v.Tokens
	raw, ok := o.param("refresh_token")
	if !ok {
		return nil, &oauthError{status: 400, code: "invalid_request", description: "Missing refresh token parameter."}, nil
	}
	if oe, err := v.validateClientAuthentication(ctx, o); oe != nil || err != nil {
		return nil, oe, err
	}
	if o.client.AuthorizationGrantType == "implicit" { // (every grant but implicit refreshes)
		return nil, &oauthError{status: 400, code: "unauthorized_client"}, nil
	}
	invalid := &oauthError{status: 400, code: "invalid_grant"}
	now := s.now()
	grace := time.Duration(s.RefreshTokenGracePeriodSeconds * float64(time.Second))
	rt, err := t.findRefresh(ctx, raw, now.Add(-grace))
	switch {
	case err != nil:
		return nil, nil, err
	case rt == nil:
		return nil, invalid, nil
	}
	// (3.x: a revoked token only within the grace period and if it minted an access
	// token; a live one only with its access token, unexpired beyond
	// REFRESH_TOKEN_EXPIRE_SECONDS)
	var accessExpires time.Time
	var originalScope string
	hasOriginal := false
	if rt.accessID.Valid {
		_, _, scope, exp, found, err := t.accessOf(ctx, t.users.DB(), "id", rt.accessID.Int64, false)
		if err != nil {
			return nil, nil, err
		}
		accessExpires, originalScope, hasOriginal = exp, scope, found
	}
	if !t.v24 {
		switch {
		case rt.revoked != nil:
			_, _, _, _, superseded, err := t.accessOf(ctx, t.users.DB(), "source_refresh_token_id", rt.id, false)
			if err != nil {
				return nil, nil, err
			}
			if !rt.revoked.After(now.Add(-grace)) || !superseded {
				return nil, invalid, nil
			}
		case !rt.accessID.Valid:
			return nil, invalid, nil
		case s.RefreshTokenExpireSeconds > 0 &&
			!accessExpires.Add(time.Duration(s.RefreshTokenExpireSeconds*float64(time.Second))).After(now):
			return nil, invalid, nil
		}
	}
	if err := v.userExists(ctx, rt.userID); err != nil {
		return nil, nil, err
	}
	if rt.appID != o.client.ID {
		return nil, invalid, nil
	}
	requestRefresh := raw
	if t.v24 {
		requestRefresh = rt.token
	}
	// (get_original_scopes: the scope of its access token, or of the one it minted)
	if !rt.accessID.Valid {
		_, _, scope, _, found, err := t.accessOf(ctx, t.users.DB(), "source_refresh_token_id", rt.id, false)
		if err != nil {
			return nil, nil, err
		}
		originalScope, hasOriginal = scope, found
	}
	var original []string
	if hasOriginal {
		original = scopeToList(originalScope)
	}
	scopes := original
	if scope := o.params["scope"]; scope != "" {
		scopes = scopeToList(scope)
		for _, sc := range scopes {
			if !slices.Contains(original, sc) {
				return nil, &oauthError{status: 400, code: "invalid_scope"}, nil
			}
		}
	}
	if scopes == nil {
		scopes = []string{}
	}
	n := &newTokens{userID: rt.userID, appID: o.client.ID, scope: strings.Join(scopes, " "), hashed: s.HashedTokenStorage}
	if n.access, err = generateToken(); err != nil {
		return nil, nil, err
	}
	if requestRefresh != "" && !s.RotateRefreshToken {
		n.refresh = requestRefresh
	} else if n.refresh, err = generateToken(); err != nil {
		return nil, nil, err
	}
	if !t.v24 {
		if oe, err := v.refreshResources(r, n, rt); oe != nil || err != nil {
			return nil, oe, err
		}
	}
	n.now = s.now()
	n.expires = n.now.Add(time.Duration(s.AccessTokenExpireSeconds) * time.Second)
	err = t.inTx(ctx, func(tx auth.SQLDB) error { return t.saveRefreshed(ctx, tx, n, rt, !s.RotateRefreshToken) })
	if err != nil {
		return nil, nil, err
	}
	return []any{"access_token", n.access, "expires_in", int64(s.AccessTokenExpireSeconds), "token_type", "Bearer",
		"scope", n.scope, "refresh_token", n.refresh}, nil, nil
}

// refreshResources is _check_and_set_request_resource for the refresh grant: the
// request's resources, or the refresh token's, which they may only narrow.
func (v *TokenView) refreshResources(r *http.Request, n *newTokens, rt *refreshRow) (*oauthError, error) {
	var oe *oauthError
	var err error
	if n.resource, oe, err = v.requestResources(r); oe != nil || err != nil {
		return oe, err
	}
	switch {
	case len(rt.resource) == 0:
	case len(n.resource) == 0:
		if oe, err := validateResources(rt.resource); oe != nil || err != nil {
			return oe, err
		}
		n.resource = rt.resource
	case !slices.Equal(n.resource, rt.resource):
		for _, res := range n.resource {
			if !slices.Contains(rt.resource, res) {
				return &oauthError{status: 400, code: "invalid_target", plain: true, description: "The requested resource '" + res +
					"' is not allowed. Token refresh cannot request resources beyond the original refresh token scope"}, nil
			}
		}
	}
	return nil, nil
}

// validateResources is _validate_resource_uris: each an absolute URI with a host.
func validateResources(resources []string) (*oauthError, error) {
	for _, res := range resources {
		_, ok, err := parseResourceURI(res)
		if err != nil {
			return nil, err
		}
		if !ok {
			return &oauthError{status: 400, code: "invalid_target", plain: true, description: "The resource '" + res +
				"' is not a valid resource indicator: it must be an absolute URI with a scheme and host."}, nil
		}
	}
	return nil, nil
}

// saveRefreshed is save_bearer_token for the refresh grant: without rotation (reuse), the
// access token of rt updated in place; else rt revoked (its access token deleted) and a
// new pair minted from it (3.x: of its family), or, when rt already minted one (a retry
// in the grace period), that pair given again.
func (t *SQLTokens) saveRefreshed(ctx context.Context, tx auth.SQLDB, n *newTokens, rt *refreshRow, reuse bool) error {
	q, p := t.users.Quote, t.users.Param
	if reuse && rt.accessID.Valid {
		id, _, _, _, found, err := t.accessOf(ctx, tx, "id", rt.accessID.Int64, true)
		if err != nil {
			return err
		}
		if !found {
			return errors.New("oauth2provider: the refresh token's access token is gone (AccessToken.DoesNotExist)")
		}
		user, err := t.userArg(n)
		if err != nil {
			return err
		}
		sets := []string{"user_id", "scope", "expires", "token", "application_id", "updated"}
		args := []any{user, n.scope, t.users.TimeArg(n.expires), n.tokenValue(n.access), n.appID, t.users.TimeArg(n.now)}
		if !t.v24 {
			res, err := resourceJSON(n.resource)
			if err != nil {
				return err
			}
			sets = append(sets, "token_checksum", "resource")
			args = append(args, Checksum(n.access), res)
		}
		for i := range sets {
			sets[i] = q(sets[i]) + " = " + p(i+1)
		}
		_, err = tx.ExecContext(ctx, "UPDATE "+q(t.table)+" SET "+strings.Join(sets, ", ")+" WHERE "+q("id")+" = "+p(len(sets)+1),
			append(args, id)...)
		return err
	}
	lock := "SELECT " + q("id") + " FROM " + q(t.refreshTable()) + " WHERE " + q("id") + " = " + p(1)
	if t.users.Dialect() != auth.SQLite {
		lock += " FOR UPDATE"
	}
	var id int64
	if err := tx.QueryRowContext(ctx, lock, rt.id).Scan(&id); err != nil {
		return err
	}
	prevID, prevToken, prevScope, _, prev, err := t.accessOf(ctx, tx, "source_refresh_token_id", rt.id, !t.v24)
	if err != nil {
		return err
	}
	if err := t.revokeRefreshTx(ctx, tx, t.refreshTable(), t.revokeSelect(t.refreshTable()), rt.id, n.now); err != nil {
		return err
	}
	var family any
	if !t.v24 {
		family = t.familyArg(rt.family)
	}
	if !prev {
		accessID, err := t.insertAccess(ctx, tx, n, &rt.id)
		if err != nil {
			return err
		}
		return t.insertRefresh(ctx, tx, n, n.refresh, accessID, family)
	}
	var existing string
	err = tx.QueryRowContext(ctx, "SELECT "+q("token")+" FROM "+q(t.refreshTable())+" WHERE "+q("access_token_id")+" = "+p(1)+
		" ORDER BY "+q("id")+" LIMIT 1", prevID).Scan(&existing)
	switch {
	case errors.Is(err, sql.ErrNoRows) && !t.v24:
		if err := t.insertRefresh(ctx, tx, n, n.refresh, prevID, family); err != nil {
			return err
		}
		existing = n.tokenValue(n.refresh)
	case err != nil:
		return err
	}
	n.access, n.refresh, n.scope = prevToken, existing, prevScope
	return nil
}
