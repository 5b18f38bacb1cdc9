package simplejwt

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/djsession/djsession/django/auth"
)

// OutstandingToken is a row of simplejwt's token_blacklist_outstandingtoken: a refresh or
// sliding token made while the token_blacklist app is installed.
type OutstandingToken struct {
	// UserID is the key of the token's user (nil for none).
	UserID *string
	// JTI is the token's jti, unique.
	JTI string
	// Token is the token itself.
	Token string
	// CreatedAt is when it was made (nil for NULL).
	CreatedAt *time.Time
	// ExpiresAt is its exp.
	ExpiresAt time.Time
}

// Outstanding is the OutstandingToken row of t for the user whose key is userID ("" for
// none), as for_user records it: made at t's CurrentTime, expiring at its exp.
func (t *Token) Outstanding(userID string) (*OutstandingToken, error) {
	jti, ok := t.Payload.Get(t.s.JTIClaim)
	if !ok {
		return nil, fmt.Errorf("simplejwt: a token without %s (Python's KeyError)", t.s.JTIClaim)
	}
	if jti.IsNone() {
		return nil, fmt.Errorf("simplejwt: a token whose %s is null, which the outstanding tokens' jti column refuses", t.s.JTIClaim)
	}
	exp, _ := t.Payload.Get("exp")
	expires, err := fromEpoch(exp)
	if err != nil {
		return nil, err
	}
	s, err := t.Encode()
	if err != nil {
		return nil, err
	}
	created := t.CurrentTime
	o := &OutstandingToken{JTI: pyStr(jti), Token: s, CreatedAt: &created, ExpiresAt: expires}
	if userID != "" {
		o.UserID = &userID
	}
	return o, nil
}

// Blacklist is simplejwt's token_blacklist app (rest_framework_simplejwt.token_blacklist in
// INSTALLED_APPS): its OutstandingToken and BlacklistedToken tables. SQLBlacklist is one.
type Blacklist interface {
	// IsBlacklisted reports whether the token whose jti is jti is blacklisted
	// (BlacklistedToken.objects.filter(token__jti=jti).exists()).
	IsBlacklisted(ctx context.Context, jti string) (bool, error)
	// Create records a token just made (OutstandingToken.objects.create).
	Create(ctx context.Context, o *OutstandingToken) error
	// GetOrCreate records a token unless its jti is recorded
	// (OutstandingToken.objects.get_or_create(jti=...)).
	GetOrCreate(ctx context.Context, o *OutstandingToken) error
	// Blacklist blacklists a token, recording it first if it is not
	// (BlacklistMixin.blacklist).
	Blacklist(ctx context.Context, o *OutstandingToken) error
}

// SQLBlacklist is simplejwt's token_blacklist tables, next to the user table of an
// auth.SQLUserSource (in the same database, with its key type and time handling).
type SQLBlacklist struct {
	users *auth.SQLUserSource

	isBlack, jtiID, insertOut, blackOf, insertBlack, flushBlack, flushOut string
}

// NewSQLBlacklist returns the blacklist of simplejwt's tables
// (token_blacklist_outstandingtoken and token_blacklist_blacklistedtoken) for the users of
// users.
func NewSQLBlacklist(users *auth.SQLUserSource) *SQLBlacklist {
	q, p := users.Quote, users.Param
	out, black := q("token_blacklist_outstandingtoken"), q("token_blacklist_blacklistedtoken")
	return &SQLBlacklist{
		users: users,
		isBlack: "SELECT 1 FROM " + black + " INNER JOIN " + out + " ON " + black + "." + q("token_id") + " = " +
			out + "." + q("id") + " WHERE " + out + "." + q("jti") + " = " + p(1) + " LIMIT 1",
		jtiID: "SELECT " + q("id") + " FROM " + out + " WHERE " + q("jti") + " = " + p(1),
		insertOut: "INSERT INTO " + out + " (" + strings.Join([]string{q("jti"), q("token"), q("created_at"),
			q("expires_at"), q("user_id")}, ", ") + ") VALUES (" + p(1) + ", " + p(2) + ", " + p(3) + ", " + p(4) + ", " + p(5) + ")",
		blackOf:     "SELECT " + q("id") + " FROM " + black + " WHERE " + q("token_id") + " = " + p(1),
		insertBlack: "INSERT INTO " + black + " (" + q("blacklisted_at") + ", " + q("token_id") + ") VALUES (" + p(1) + ", " + p(2) + ")",
		flushBlack: "DELETE FROM " + black + " WHERE " + q("token_id") + " IN (SELECT " + q("id") + " FROM " + out +
			" WHERE " + q("expires_at") + " <= " + p(1) + ")",
		flushOut: "DELETE FROM " + out + " WHERE " + q("expires_at") + " <= " + p(1),
	}
}

// timeArg is t as simplejwt's tables hold it: an instant on PostgreSQL; elsewhere the
// UTC wall clock, as Python's isoformat(" ") writes it (simplejwt's times are UTC, also
// with USE_TZ False).
func (b *SQLBlacklist) timeArg(t time.Time) any {
	t = t.Truncate(time.Microsecond)
	if b.users.Dialect() == auth.PostgreSQL {
		return t
	}
	if t.Nanosecond() == 0 {
		return t.UTC().Format("2006-01-02 15:04:05")
	}
	return t.UTC().Format("2006-01-02 15:04:05.000000")
}

// FlushExpired is simplejwt's manage.py flushexpiredtokens: the outstanding tokens that
// expired by now deleted, with their blacklist entries (as Django's delete cascades). It
// returns how many outstanding tokens it deleted.
func (b *SQLBlacklist) FlushExpired(ctx context.Context, now time.Time) (int64, error) {
	var db interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	} = b.users.DB()
	commit := func() error { return nil }
	if bdb, ok := b.users.DB().(interface {
		BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
	}); ok { // (a *sql.DB: both deletes in one transaction, as Django's delete)
		tx, err := bdb.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		defer tx.Rollback()
		db, commit = tx, tx.Commit
	}
	at := b.timeArg(now)
	if _, err := db.ExecContext(ctx, b.flushBlack, at); err != nil {
		return 0, fmt.Errorf("simplejwt: flush the blacklist: %w", err)
	}
	res, err := db.ExecContext(ctx, b.flushOut, at)
	if err != nil {
		return 0, fmt.Errorf("simplejwt: flush the outstanding tokens: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	return n, commit()
}

// errNotUTF8 is the error of a jti Python cannot encode for the database (one holding a
// lone surrogate): the database driver's UnicodeEncodeError, a server error.
var errNotUTF8 = errors.New("simplejwt: a jti that is not valid UTF-8 (a lone surrogate), which Python cannot send to the database")

// IsBlacklisted implements Blacklist.
func (b *SQLBlacklist) IsBlacklisted(ctx context.Context, jti string) (bool, error) {
	if !utf8.ValidString(jti) {
		return false, errNotUTF8
	}
	var one int
	switch err := b.users.DB().QueryRowContext(ctx, b.isBlack, jti).Scan(&one); {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("simplejwt: read the blacklist: %w", err)
	}
	return true, nil
}

// Create implements Blacklist.
func (b *SQLBlacklist) Create(ctx context.Context, o *OutstandingToken) error {
	if !utf8.ValidString(o.JTI) || !utf8.ValidString(o.Token) {
		return errNotUTF8
	}
	var user, created any
	if o.UserID != nil {
		arg, err := b.users.KeyArg(*o.UserID)
		if err != nil {
			return err
		}
		user = arg
	}
	if o.CreatedAt != nil {
		created = b.timeArg(*o.CreatedAt)
	}
	_, err := b.users.DB().ExecContext(ctx, b.insertOut, o.JTI, o.Token, created, b.timeArg(o.ExpiresAt), user)
	if err != nil {
		return fmt.Errorf("simplejwt: record an outstanding token: %w", err)
	}
	return nil
}

// id is the id of the outstanding token of jti (sql.ErrNoRows for none).
func (b *SQLBlacklist) id(ctx context.Context, jti string) (int64, error) {
	var id int64
	err := b.users.DB().QueryRowContext(ctx, b.jtiID, jti).Scan(&id)
	return id, err
}

// getOrCreate is GetOrCreate, returning the row's id. A row another request created
// meanwhile is taken as found.
func (b *SQLBlacklist) getOrCreate(ctx context.Context, o *OutstandingToken) (int64, error) {
	if !utf8.ValidString(o.JTI) {
		return 0, errNotUTF8
	}
	id, err := b.id(ctx, o.JTI)
	if !errors.Is(err, sql.ErrNoRows) {
		return id, err
	}
	insErr := b.Create(ctx, o)
	id, err = b.id(ctx, o.JTI)
	if errors.Is(err, sql.ErrNoRows) && insErr != nil {
		return 0, insErr
	}
	return id, err
}

// GetOrCreate implements Blacklist.
func (b *SQLBlacklist) GetOrCreate(ctx context.Context, o *OutstandingToken) error {
	_, err := b.getOrCreate(ctx, o)
	return err
}

// Blacklist implements Blacklist.
func (b *SQLBlacklist) Blacklist(ctx context.Context, o *OutstandingToken) error {
	id, err := b.getOrCreate(ctx, o)
	if err != nil {
		return err
	}
	var bid int64
	switch err := b.users.DB().QueryRowContext(ctx, b.blackOf, id).Scan(&bid); {
	case err == nil:
		return nil
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("simplejwt: read the blacklist: %w", err)
	}
	_, insErr := b.users.DB().ExecContext(ctx, b.insertBlack, b.timeArg(time.Now()), id)
	if insErr != nil {
		if err := b.users.DB().QueryRowContext(ctx, b.blackOf, id).Scan(&bid); err != nil {
			return fmt.Errorf("simplejwt: blacklist a token: %w", insErr)
		}
	}
	return nil
}
