package db

import (
	"context"
	"database/sql"
)

// SQLConn adapts a *sql.DB (or anything with the same methods, such as *sql.Conn or
// *sql.Tx) to Conn.
func SQLConn(db SQLDB) Conn { return sqlConn{db} }

// SQLDB is the part of *sql.DB, *sql.Conn and *sql.Tx that SQLConn uses.
type SQLDB interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

type sqlConn struct{ db SQLDB }

func (c sqlConn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := c.db.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (c sqlConn) QueryRow(ctx context.Context, query string, args ...any) Row {
	return c.db.QueryRowContext(ctx, query, args...)
}

func (c sqlConn) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	rows, err := c.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}
