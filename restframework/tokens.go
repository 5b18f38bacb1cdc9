package restframework

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/djsession/djsession/django/auth"
)

// Token is a row of DRF's authtoken_token (rest_framework.authtoken's Token model).
type Token struct {
	// Key is the 40-character key, the primary key.
	Key string
	// UserID is the key of the token's user (each user has at most one token).
	UserID string
	// Created is when the token was made.
	Created time.Time
}

// ErrTokenNotFound is returned by a TokenSource for a key no token has.
var ErrTokenNotFound = errors.New("restframework: no token has this key")

// TokenSource finds tokens by key, for TokenAuthentication.
type TokenSource interface {
	// Token returns the token whose key is key, or an error matching ErrTokenNotFound.
	Token(ctx context.Context, key string) (*Token, error)
}

// GenerateKey returns a new token key as DRF's Token.generate_key makes it: 20 random
// bytes in lower-case hex.
func GenerateKey() (string, error) {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// SQLTokens is DRF's authtoken_token table, next to the user table of an
// auth.SQLUserSource (in the same database, with its key type and Location). It
// implements TokenSource.
type SQLTokens struct {
	users *auth.SQLUserSource
	table string

	byKey, byUser, insert, del, delUser string
}

// DefaultTokenTable is the table of DRF's Token model.
const DefaultTokenTable = "authtoken_token"

// NewSQLTokens returns the tokens of table ("" means DefaultTokenTable, with DRF's columns
// key, user_id and created) for the users of users.
func NewSQLTokens(users *auth.SQLUserSource, table string) *SQLTokens {
	if table == "" {
		table = DefaultTokenTable
	}
	q, p := users.Quote, users.Param
	t := &SQLTokens{users: users, table: table}
	cols := q("key") + ", " + q("user_id") + ", " + q("created")
	t.byKey = "SELECT " + cols + " FROM " + q(table) + " WHERE " + q("key") + " = " + p(1)
	t.byUser = "SELECT " + cols + " FROM " + q(table) + " WHERE " + q("user_id") + " = " + p(1)
	t.insert = "INSERT INTO " + q(table) + " (" + cols + ") VALUES (" + p(1) + ", " + p(2) + ", " + p(3) + ")"
	t.del = "DELETE FROM " + q(table) + " WHERE " + q("key") + " = " + p(1)
	t.delUser = "DELETE FROM " + q(table) + " WHERE " + q("user_id") + " = " + p(1)
	return t
}

// Token implements TokenSource: the token whose key equals key as the database compares
// (so, as Django's lookup there, ignoring case and trailing spaces under MySQL's usual
// collations).
func (t *SQLTokens) Token(ctx context.Context, key string) (*Token, error) {
	return t.scan(t.users.DB().QueryRowContext(ctx, t.byKey, key))
}

// ForUser returns the token of the user whose key is userID, or an error matching
// ErrTokenNotFound.
func (t *SQLTokens) ForUser(ctx context.Context, userID string) (*Token, error) {
	arg, err := t.users.KeyArg(userID)
	if err != nil {
		return nil, err
	}
	return t.scan(t.users.DB().QueryRowContext(ctx, t.byUser, arg))
}

func (t *SQLTokens) scan(row *sql.Row) (*Token, error) {
	var tok Token
	var created any
	switch err := row.Scan(&tok.Key, &tok.UserID, &created); {
	case errors.Is(err, sql.ErrNoRows):
		return nil, ErrTokenNotFound
	case err != nil:
		return nil, fmt.Errorf("restframework: read %s: %w", t.table, err)
	}
	var err error
	if tok.UserID, err = t.users.PK().Normalize(tok.UserID); err != nil {
		return nil, err
	}
	if tok.Created, err = t.users.ScanTime(created); err != nil {
		return nil, err
	}
	return &tok, nil
}

// GetOrCreate is Token.objects.get_or_create(user=user), what DRF's obtain_auth_token view
// does once the credentials are good: the user's token, or a new one (created true) with
// a new key (GenerateKey) made now. A token another request created meanwhile is
// returned as found.
func (t *SQLTokens) GetOrCreate(ctx context.Context, userID string, now time.Time) (tok *Token, created bool, err error) {
	tok, err = t.ForUser(ctx, userID)
	if !errors.Is(err, ErrTokenNotFound) {
		return tok, false, err
	}
	key, err := GenerateKey()
	if err != nil {
		return nil, false, err
	}
	arg, err := t.users.KeyArg(userID)
	if err != nil {
		return nil, false, err
	}
	_, insErr := t.users.DB().ExecContext(ctx, t.insert, key, arg, t.users.TimeArg(now))
	tok, err = t.ForUser(ctx, userID)
	switch {
	case insErr != nil && errors.Is(err, ErrTokenNotFound):
		return nil, false, fmt.Errorf("restframework: create token: %w", insErr)
	case err != nil:
		return nil, false, err
	}
	return tok, insErr == nil && tok.Key == key, nil
}

// DeleteForUser removes the token of the user whose key is userID, if any
// (Token.objects.filter(user=user).delete()).
func (t *SQLTokens) DeleteForUser(ctx context.Context, userID string) error {
	arg, err := t.users.KeyArg(userID)
	if err != nil {
		return err
	}
	_, err = t.users.DB().ExecContext(ctx, t.delUser, arg)
	return err
}

// Delete removes the token whose key is key (what a "log out" of a token API does), and
// reports whether there was one.
func (t *SQLTokens) Delete(ctx context.Context, key string) (bool, error) {
	res, err := t.users.DB().ExecContext(ctx, t.del, key)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
