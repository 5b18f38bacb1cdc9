package oauth2provider

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/serializer"
)

// TokenSource finds access tokens.
type TokenSource interface {
	// AccessToken returns the token whose value is token (as the toolkit's validator
	// loads it), or an error matching ErrTokenNotFound.
	AccessToken(ctx context.Context, token string) (*AccessToken, error)
}

// ErrTokenNotFound: no access token has that value.
var ErrTokenNotFound = errors.New("oauth2provider: no such access token")

// ErrBadRow: a row of the table holds what the toolkit never writes there (a resource
// that is not a JSON list).
var ErrBadRow = errors.New("oauth2provider: malformed oauth2_provider_accesstoken row")

// DefaultTable is the table of the toolkit's AccessToken model.
const DefaultTable = "oauth2_provider_accesstoken"

// SQLTokens is the toolkit's oauth2_provider_accesstoken table, next to the user table of
// an auth.SQLUserSource (in the same database, with its key type and Location: expiry
// times are read as Django stores a DateTimeField there).
type SQLTokens struct {
	// RefreshTable is the refresh tokens' table RevokeForUser revokes ("":
	// DefaultRefreshTable).
	RefreshTable string
	// GrantTable is the authorization codes' table TokenView exchanges ("":
	// DefaultGrantTable).
	GrantTable string

	users   *auth.SQLUserSource
	table   string
	v24     bool
	selByID string

	selID, insert, update string // SaveIntrospected's
}

// NewSQLTokens returns the tokens of table ("" means DefaultTable) for the users of users,
// as django-oauth-toolkit version (Settings.Version) stores them: 3.x looks a token up by
// its SHA-256 (token_checksum) and keeps resource indicators (resource); 2.4 looks it up
// by its value (token), which MySQL and MariaDB compare ignoring case as their collation
// does.
func NewSQLTokens(users *auth.SQLUserSource, table, version string) *SQLTokens {
	if table == "" {
		table = DefaultTable
	}
	q, p := users.Quote, users.Param
	t := &SQLTokens{users: users, table: table, v24: version == "2.4"}
	cols := q("id") + ", " + q("token") + ", " + q("user_id") + ", " + q("application_id") + ", " +
		q("expires") + ", " + q("scope")
	key := q("token_checksum")
	if t.v24 {
		key = q("token")
	} else {
		cols += ", " + q("resource")
	}
	// (.first(): the lowest primary key)
	t.selByID = "SELECT " + cols + " FROM " + q(table) + " WHERE " + key + " = " + p(1) + " ORDER BY " + q("id") + " LIMIT 1"
	// (update_or_create: the row, locked where the database can; then an UPDATE of the
	// defaults and updated, or an INSERT)
	t.selID = "SELECT " + q("id") + " FROM " + q(table) + " WHERE " + key + " = " + p(1)
	if users.Dialect() != auth.SQLite {
		t.selID += " FOR UPDATE"
	}
	ins := []string{"token", "user_id", "scope", "expires", "created", "updated"}
	set := []string{"user_id", "scope", "expires", "updated"}
	if !t.v24 {
		ins = append(ins, "token_checksum", "resource")
		set = []string{"token", "user_id", "scope", "expires", "updated", "resource"}
	}
	var cs, ps, sets []string
	for i, c := range ins {
		cs, ps = append(cs, q(c)), append(ps, p(i+1))
	}
	for i, c := range set {
		sets = append(sets, q(c)+" = "+p(i+1))
	}
	t.insert = "INSERT INTO " + q(table) + " (" + strings.Join(cs, ", ") + ", " + q("application_id") + ") VALUES (" +
		strings.Join(ps, ", ") + ", NULL)"
	t.update = "UPDATE " + q(table) + " SET " + strings.Join(sets, ", ") + ", " + q("application_id") + " = NULL WHERE " +
		q("id") + " = " + p(len(set)+1)
	return t
}

// userID is a user_id column's value as a user's primary key ("" for NULL).
func (t *SQLTokens) userID(user sql.NullString) (string, error) {
	if !user.Valid {
		return "", nil
	}
	return t.users.PK().Normalize(user.String)
}

// Checksum is the toolkit's token_checksum of token: the SHA-256 of its UTF-8, in
// lower-case hex.
func Checksum(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// AccessToken implements TokenSource.
func (t *SQLTokens) AccessToken(ctx context.Context, token string) (*AccessToken, error) {
	arg := token
	if !t.v24 {
		arg = Checksum(token)
	}
	var a AccessToken
	var user sql.NullString
	var app sql.NullInt64
	var expires, resource any
	dest := []any{&a.ID, &a.Token, &user, &app, &expires, &a.Scope}
	if !t.v24 {
		dest = append(dest, &resource)
	}
	err := t.users.DB().QueryRowContext(ctx, t.selByID, arg).Scan(dest...)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, ErrTokenNotFound
	case err != nil:
		return nil, fmt.Errorf("oauth2provider: read %s: %w", t.table, err)
	}
	if a.UserID, err = t.userID(user); err != nil {
		return nil, err
	}
	a.ApplicationID = app.Int64
	if a.Expires, err = t.users.ScanTime(expires); err != nil {
		return nil, err
	}
	if a.Resource, err = resources(resource); errors.Is(err, errNotIterable) {
		a.resourceErr = err // (for the validator, which iterates it)
	} else if err != nil {
		return nil, err
	}
	return &a, nil
}

// errNotIterable is a resource Python cannot iterate (its TypeError).
var errNotIterable = fmt.Errorf("%w: a resource that is not iterable (Python's TypeError)", ErrBadRow)

// resources decodes the resource column as the toolkit's validator sees it: a false
// value (SQL NULL, JSON null, an empty list, string or object, 0, false) is none; a
// list's strings (other items are "", which no validator takes), a string's characters
// and an object's keys are what Python iterates; true and other numbers are Python's
// TypeError when iterated (errNotIterable).
func resources(v any) ([]string, error) {
	var text []byte
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		text = []byte(v)
	case []byte:
		text = v
	default:
		return nil, fmt.Errorf("%w: resource of type %T", ErrBadRow, v)
	}
	raw, err := serializer.DecodeJSONText(string(text))
	if err != nil {
		return nil, fmt.Errorf("%w: resource %q: %v", ErrBadRow, text, err)
	}
	var out []string
	switch raw.Kind() {
	case serializer.KindNone:
	case serializer.KindList:
		for _, e := range raw.Items() {
			str, _ := e.AsStr()
			out = append(out, str)
		}
	case serializer.KindStr:
		str, _ := raw.AsStr()
		for _, r := range str {
			out = append(out, string(r))
		}
	case serializer.KindDict:
		for _, k := range raw.Dict().Keys() {
			str, _ := k.AsStr()
			out = append(out, str)
		}
	case serializer.KindBool, serializer.KindInt, serializer.KindFloat:
		if f, ok := raw.AsFloat(); ok && f == 0 {
			return nil, nil
		}
		if b, ok := raw.AsBool(); ok && !b {
			return nil, nil
		}
		if n, ok := raw.AsBigInt(); ok && n.Sign() == 0 {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: resource %s", errNotIterable, text)
	default:
		return nil, fmt.Errorf("%w: resource %s", ErrBadRow, text)
	}
	return out, nil
}

// DefaultRefreshTable is the table of the toolkit's RefreshToken model.
const DefaultRefreshTable = "oauth2_provider_refreshtoken"

// RevokeForUser revokes every token of the user whose primary key is userID, as calling
// the toolkit's revoke() on each would, in one transaction: the user's refresh tokens not
// yet revoked are marked revoked (and updated) at now and lose their access token, and
// the user's access tokens are deleted (the refresh tokens of other users pointing at
// them, if any, losing theirs, as Django's SET_NULL does). It returns how many of each it
// revoked. The user's clients must then log in again (or ask the user anew): the "log
// me out of every app" of a taken-over account. RefreshTable names the refresh tokens'
// table ("": DefaultRefreshTable).
func (t *SQLTokens) RevokeForUser(ctx context.Context, userID string, now time.Time) (access, refresh int64, err error) {
	arg, err := t.users.KeyArg(userID)
	if err != nil {
		return 0, 0, err
	}
	q, p := t.users.Quote, t.users.Param
	rt := t.RefreshTable
	if rt == "" {
		rt = DefaultRefreshTable
	}
	revoke := "UPDATE " + q(rt) + " SET " + q("revoked") + " = " + p(1) + ", " + q("updated") + " = " + p(2) + ", " +
		q("access_token_id") + " = NULL WHERE " + q("user_id") + " = " + p(3) + " AND " + q("revoked") + " IS NULL"
	detach := "UPDATE " + q(rt) + " SET " + q("access_token_id") + " = NULL WHERE " + q("access_token_id") + " IN (SELECT " +
		q("id") + " FROM " + q(t.table) + " WHERE " + q("user_id") + " = " + p(1) + ")"
	del := "DELETE FROM " + q(t.table) + " WHERE " + q("user_id") + " = " + p(1)
	err = t.inTx(ctx, func(tx auth.SQLDB) error {
		at := t.users.TimeArg(now)
		res, err := tx.ExecContext(ctx, revoke, at, at, arg)
		if err != nil {
			return err
		}
		if refresh, err = res.RowsAffected(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, detach, arg); err != nil {
			return err
		}
		res, err = tx.ExecContext(ctx, del, arg)
		if err != nil {
			return err
		}
		access, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("oauth2provider: revoke the tokens of user %s: %w", userID, err)
	}
	return access, refresh, nil
}

// inTx runs f in a transaction of its own when the users' database is a *sql.DB (else in
// the caller's), committed when f succeeds.
func (t *SQLTokens) inTx(ctx context.Context, f func(tx auth.SQLDB) error) error {
	db := t.users.DB()
	b, ok := db.(interface {
		BeginTx(context.Context, *sql.TxOptions) (*sql.Tx, error)
	})
	if !ok {
		return f(db)
	}
	tx, err := b.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// ErrMultipleObjects is Django's MultipleObjectsReturned: 2.4's revocation of a refresh
// token whose value several rows hold (one revoked, one not).
var ErrMultipleObjects = errors.New("oauth2provider: several refresh tokens of that value (MultipleObjectsReturned)")

// RevokeToken revokes token as the toolkit's revocation endpoint does (its validator's
// revoke_token), once the client is authenticated: looked up among the access tokens
// first, or the refresh tokens when hint is "refresh_token", then among the others. With
// 3.x, only the tokens of application appID are looked at (by token_checksum), and an
// access token is revoked with the refresh token bound to it; with 2.4, any client's
// (by value), and an access token alone. Revoking an access token deletes it; revoking
// a refresh token marks it revoked at now and deletes its access token.
func (t *SQLTokens) RevokeToken(ctx context.Context, token, hint string, appID int64, now time.Time) error {
	q, p := t.users.Quote, t.users.Param
	rt := t.RefreshTable
	if rt == "" {
		rt = DefaultRefreshTable
	}
	key, arg := q("token_checksum"), any(Checksum(token))
	if t.v24 {
		key, arg = q("token"), token
	}
	where := " WHERE " + key + " = " + p(1)
	args := []any{arg}
	if !t.v24 {
		where += " AND " + q("application_id") + " = " + p(2)
		args = append(args, appID)
	}
	ids := func(table string) ([]int64, error) {
		rows, err := t.users.DB().QueryContext(ctx, "SELECT "+q("id")+" FROM "+q(table)+where+" ORDER BY "+q("id"), args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			out = append(out, id)
		}
		return out, rows.Err()
	}
	refreshFirst := hint == "refresh_token"
	first, second := t.table, rt
	if refreshFirst {
		first, second = rt, t.table
	}
	found, err := ids(first)
	if err != nil {
		return fmt.Errorf("oauth2provider: revoke a token: %w", err)
	}
	isRefresh := refreshFirst
	if t.v24 && refreshFirst && len(found) > 1 { // (2.4: get())
		return ErrMultipleObjects
	}
	if len(found) == 0 {
		if found, err = ids(second); err != nil {
			return fmt.Errorf("oauth2provider: revoke a token: %w", err)
		}
		isRefresh = !refreshFirst
	}
	for _, id := range found {
		switch {
		case isRefresh:
			err = t.revokeRefresh(ctx, rt, id, now)
		case t.v24:
			err = t.deleteAccess(ctx, t.users.DB(), rt, id)
		default: // (revoke_access_token: its refresh token's revoke(), else its own)
			var rid int64
			err = t.users.DB().QueryRowContext(ctx, "SELECT "+q("id")+" FROM "+q(rt)+" WHERE "+q("access_token_id")+" = "+p(1)+
				" ORDER BY "+q("id")+" LIMIT 1", id).Scan(&rid)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				err = t.inTx(ctx, func(tx auth.SQLDB) error { return t.deleteAccess(ctx, tx, rt, id) })
			case err == nil:
				err = t.revokeRefresh(ctx, rt, rid, now)
			}
		}
		if err != nil {
			return fmt.Errorf("oauth2provider: revoke a token: %w", err)
		}
	}
	return nil
}

// deleteAccess deletes access token id as Django's delete() does: the refresh tokens
// pointing at it lose it (SET_NULL), then the row goes.
func (t *SQLTokens) deleteAccess(ctx context.Context, db auth.SQLDB, refreshTable string, id int64) error {
	q, p := t.users.Quote, t.users.Param
	if _, err := db.ExecContext(ctx, "UPDATE "+q(refreshTable)+" SET "+q("access_token_id")+" = NULL WHERE "+
		q("access_token_id")+" = "+p(1), id); err != nil {
		return err
	}
	_, err := db.ExecContext(ctx, "DELETE FROM "+q(t.table)+" WHERE "+q("id")+" = "+p(1), id)
	return err
}

// revokeRefresh is RefreshToken.revoke(): in a transaction, the row (locked) if it is
// not revoked yet, its access token deleted, then the row revoked at now.
func (t *SQLTokens) revokeRefresh(ctx context.Context, refreshTable string, id int64, now time.Time) error {
	sel := t.revokeSelect(refreshTable)
	return t.inTx(ctx, func(tx auth.SQLDB) error { return t.revokeRefreshTx(ctx, tx, refreshTable, sel, id, now) })
}

// revokeSelect is revoke()'s query: the access token of a refresh token not revoked yet,
// locked.
func (t *SQLTokens) revokeSelect(refreshTable string) string {
	q, p := t.users.Quote, t.users.Param
	sel := "SELECT " + q("access_token_id") + " FROM " + q(refreshTable) + " WHERE " + q("id") + " = " + p(1) + " AND " +
		q("revoked") + " IS NULL"
	if t.users.Dialect() != auth.SQLite {
		sel += " FOR UPDATE"
	}
	return sel
}

// revokeRefreshTx is revokeRefresh in the transaction tx; sel locks the row if it is not
// revoked.
func (t *SQLTokens) revokeRefreshTx(ctx context.Context, tx auth.SQLDB, refreshTable, sel string, id int64, now time.Time) error {
	q, p := t.users.Quote, t.users.Param
	var access sql.NullInt64
	err := tx.QueryRowContext(ctx, sel, id).Scan(&access)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	}
	if access.Valid {
		if err := t.deleteAccess(ctx, tx, refreshTable, access.Int64); err != nil {
			return err
		}
	}
	at := t.users.TimeArg(now)
	_, err = tx.ExecContext(ctx, "UPDATE "+q(refreshTable)+" SET "+q("access_token_id")+" = NULL, "+q("revoked")+" = "+
		p(1)+", "+q("updated")+" = "+p(2)+" WHERE "+q("id")+" = "+p(3), at, at, id)
	return err
}
