package knox

import (
	"context"
	"fmt"
	"time"

	"github.com/djsession/djsession/django/auth"
)

// SQLTokens is knox's knox_authtoken table, next to the user table of an
// auth.SQLUserSource (in the same database, with its key type and Location: the times
// are stored as Django stores a DateTimeField there).
type SQLTokens struct {
	users *auth.SQLUserSource
	table string

	selKey, selUser, insertRow, del, delUser, setExp string
}

// DefaultTable is the table of knox's AuthToken model.
const DefaultTable = "knox_authtoken"

// NewSQLTokens returns the tokens of table ("" means DefaultTable, with knox's columns
// digest, token_key, user_id, created and expiry) for the users of users.
func NewSQLTokens(users *auth.SQLUserSource, table string) *SQLTokens {
	if table == "" {
		table = DefaultTable
	}
	q, p := users.Quote, users.Param
	t := &SQLTokens{users: users, table: table}
	cols := q("digest") + ", " + q("token_key") + ", " + q("user_id") + ", " + q("created") + ", " + q("expiry")
	sel := "SELECT " + cols + " FROM " + q(table) + " WHERE "
	t.selKey = sel + q("token_key") + " = " + p(1)
	t.selUser = sel + q("user_id") + " = " + p(1)
	t.insertRow = "INSERT INTO " + q(table) + " (" + cols + ") VALUES (" + p(1) + ", " + p(2) + ", " + p(3) + ", " +
		p(4) + ", " + p(5) + ")"
	t.del = "DELETE FROM " + q(table) + " WHERE " + q("digest") + " = " + p(1)
	t.delUser = "DELETE FROM " + q(table) + " WHERE " + q("user_id") + " = " + p(1)
	t.setExp = "UPDATE " + q(table) + " SET " + q("expiry") + " = " + p(1) + " WHERE " + q("digest") + " = " + p(2)
	return t
}

func (t *SQLTokens) query(ctx context.Context, q string, arg any) ([]*AuthToken, error) {
	rows, err := t.users.DB().QueryContext(ctx, q, arg)
	if err != nil {
		return nil, fmt.Errorf("knox: read %s: %w", t.table, err)
	}
	defer rows.Close()
	var out []*AuthToken
	for rows.Next() {
		var a AuthToken
		var created, expiry any
		if err := rows.Scan(&a.Digest, &a.TokenKey, &a.UserID, &created, &expiry); err != nil {
			return nil, fmt.Errorf("knox: read %s: %w", t.table, err)
		}
		if a.UserID, err = t.users.PK().Normalize(a.UserID); err != nil {
			return nil, err
		}
		if a.Created, err = t.users.ScanTime(created); err != nil {
			return nil, err
		}
		if expiry != nil {
			e, err := t.users.ScanTime(expiry)
			if err != nil {
				return nil, err
			}
			a.Expiry = &e
		}
		out = append(out, &a)
	}
	return out, rows.Err()
}

// byKey is AuthToken.objects.filter(token_key=key), in the database's order.
func (t *SQLTokens) byKey(ctx context.Context, key string) ([]*AuthToken, error) {
	return t.query(ctx, t.selKey, key)
}

// ForUser returns the tokens of the user whose primary key is userID
// (user.auth_token_set.all()), in the database's order.
func (t *SQLTokens) ForUser(ctx context.Context, userID string) ([]*AuthToken, error) {
	return t.forUser(ctx, userID)
}

func (t *SQLTokens) forUser(ctx context.Context, userID string) ([]*AuthToken, error) {
	arg, err := t.users.KeyArg(userID)
	if err != nil {
		return nil, err
	}
	return t.query(ctx, t.selUser, arg)
}

func (t *SQLTokens) insert(ctx context.Context, a *AuthToken) error {
	arg, err := t.users.KeyArg(a.UserID)
	if err != nil {
		return err
	}
	var expiry any
	if a.Expiry != nil {
		expiry = t.users.TimeArg(*a.Expiry)
	}
	_, err = t.users.DB().ExecContext(ctx, t.insertRow, a.Digest, a.TokenKey, arg, t.users.TimeArg(a.Created), expiry)
	if err != nil {
		return fmt.Errorf("knox: create token: %w", err)
	}
	return nil
}

// Delete removes the token whose digest is digest (LogoutView's request.auth.delete()).
func (t *SQLTokens) Delete(ctx context.Context, digest string) error { return t.delete(ctx, digest) }

func (t *SQLTokens) delete(ctx context.Context, digest string) error {
	_, err := t.users.DB().ExecContext(ctx, t.del, digest)
	return err
}

// DeleteForUser removes every token of the user whose primary key is userID
// (LogoutAllView's user.auth_token_set.all().delete()).
func (t *SQLTokens) DeleteForUser(ctx context.Context, userID string) error {
	arg, err := t.users.KeyArg(userID)
	if err != nil {
		return err
	}
	_, err = t.users.DB().ExecContext(ctx, t.delUser, arg)
	return err
}

func (t *SQLTokens) setExpiry(ctx context.Context, digest string, expiry time.Time) error {
	_, err := t.users.DB().ExecContext(ctx, t.setExp, t.users.TimeArg(expiry), digest)
	return err
}
