// Package postgres is the db session engine on PostgreSQL, through
// github.com/jackc/pgx/v5 (a *pgxpool.Pool, *pgx.Conn or pgx.Tx).
//
// expire_date is a timestamp with time zone, as Django creates it whatever USE_TZ says.
// With USE_TZ = False Django sends naive wall-clock times that the server reads in the
// connection's time zone, which Django sets to TIME_ZONE; this package sends the same
// instant (Expiry.Location's reading of the wall-clock time), so the connection's own
// time zone does not matter.
//
// Options.SimpleProtocol sends every query with pgx's simple protocol (no prepared
// statements), for PgBouncer in transaction pooling mode. The pool itself may stay in
// pgx's default mode: the live tests run the store, and Django beside it, through a real
// PgBouncer in that mode on such a pool.
package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/djsession/djsession/engines/db"
)

// Querier is what the store uses of a *pgxpool.Pool, *pgx.Conn or pgx.Tx.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Options configure a PostgreSQL store.
type Options struct {
	db.Options
	// SimpleProtocol runs every query with pgx.QueryExecModeSimpleProtocol: no prepared
	// statements, as PgBouncer's transaction pooling mode needs.
	SimpleProtocol bool
}

// New returns a session store on q, usually a *pgxpool.Pool.
func New(q Querier, opts Options) (*db.Store, error) {
	return db.New(Conn(q, opts.SimpleProtocol), Dialect{}, opts.Options)
}

// Conn adapts q to db.Conn; with simple, queries use the simple protocol.
func Conn(q Querier, simple bool) db.Conn { return pgxConn{q: q, simple: simple} }

type pgxConn struct {
	q      Querier
	simple bool
}

func (c pgxConn) args(args []any) []any {
	if !c.simple {
		return args
	}
	return append([]any{pgx.QueryExecModeSimpleProtocol}, args...)
}

func (c pgxConn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := c.q.Exec(ctx, query, c.args(args)...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (c pgxConn) QueryRow(ctx context.Context, query string, args ...any) db.Row {
	return c.q.QueryRow(ctx, query, c.args(args)...)
}

func (c pgxConn) Query(ctx context.Context, query string, args ...any) (db.Rows, error) {
	rows, err := c.q.Query(ctx, query, c.args(args)...)
	if err != nil {
		return nil, err
	}
	return pgxRows{rows}, nil
}

type pgxRows struct{ pgx.Rows }

func (r pgxRows) Close() error { r.Rows.Close(); return r.Rows.Err() }

// Dialect is PostgreSQL's db.Dialect.
type Dialect struct{}

// Name returns "postgresql", Django's vendor name.
func (Dialect) Name() string { return "postgresql" }

// Placeholder returns "$i".
func (Dialect) Placeholder(i int) string { return "$" + itoa(i) }

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// Quote quotes an identifier with double quotes.
func (Dialect) Quote(ident string) string { return db.QuoteDouble(ident) }

// TimeValue returns the instant: the wall time in UTC with USE_TZ = True, in loc
// (TIME_ZONE) otherwise.
func (Dialect) TimeValue(wall time.Time, loc *time.Location) any {
	if loc == nil {
		return wall
	}
	return time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), wall.Nanosecond(), loc)
}

// ParseTime reads a timestamptz back as the wall time Django sees.
func (Dialect) ParseTime(src any, loc *time.Location) (time.Time, error) {
	t, ok := src.(time.Time)
	if !ok {
		return db.ParseWall(src)
	}
	if loc == nil {
		return t.UTC(), nil
	}
	return db.ParseWall(t.In(loc))
}

// IsUniqueViolation reports SQLSTATE 23505 (unique_violation).
func (Dialect) IsUniqueViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

// UpdateCountsChanged is false: PostgreSQL counts matched rows.
func (Dialect) UpdateCountsChanged() bool { return false }

// MaxNameLength is PostgreSQL's identifier limit (NAMEDATALEN - 1).
const MaxNameLength = 63

// CreateTableSQL returns the DDL of Django's sessions 0001_initial migration on
// PostgreSQL, including the varchar_pattern_ops index Django adds for a varchar key.
func (Dialect) CreateTableSQL(table string) []string {
	q := db.QuoteDouble
	return []string{
		"CREATE TABLE " + q(table) + ` ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" timestamp with time zone NOT NULL)`,
		"CREATE INDEX " + q(db.IndexName(table, "session_key", "_like", MaxNameLength)) + " ON " + q(table) + ` ("session_key" varchar_pattern_ops)`,
		"CREATE INDEX " + q(db.IndexName(table, "expire_date", "", MaxNameLength)) + " ON " + q(table) + ` ("expire_date")`,
	}
}
