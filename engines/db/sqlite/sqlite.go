// Package sqlite is the db session engine on SQLite, Django's default database, through
// modernc.org/sqlite (pure Go, no cgo), on database/sql.
//
// Django stores expire_date in SQLite as the text of Python's str(datetime):
// "YYYY-MM-DD HH:MM:SS", with ".ffffff" only when the microseconds are not zero, in UTC
// with USE_TZ = True and in TIME_ZONE's wall-clock time otherwise; comparisons with now
// are text comparisons of the same form, which this package reproduces exactly.
package sqlite

import (
	"database/sql"
	"errors"
	"strings"
	"time"

	msqlite "modernc.org/sqlite"

	"github.com/djsession/djsession/engines/db"
)

// DriverName is the database/sql driver name modernc.org/sqlite registers.
const DriverName = "sqlite"

// Open opens the SQLite database file at path for sessions: a database/sql pool with a
// busy timeout of 5 seconds, so that concurrent writers (Go or Django) wait for each
// other instead of failing with SQLITE_BUSY.
func Open(path string) (*sql.DB, error) {
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)"
	return sql.Open(DriverName, dsn)
}

// New returns a session store on conn, an SQLite database opened with this package's
// driver (Open, or sql.Open("sqlite", ...)). It can be a *sql.DB, *sql.Conn or *sql.Tx.
func New(conn db.SQLDB, opts db.Options) (*db.Store, error) {
	return db.New(db.SQLConn(conn), Dialect{}, opts)
}

// Dialect is SQLite's db.Dialect.
type Dialect struct{}

// Name returns "sqlite", Django's vendor name.
func (Dialect) Name() string { return "sqlite" }

// Placeholder returns "?".
func (Dialect) Placeholder(int) string { return "?" }

// Quote quotes an identifier with double quotes.
func (Dialect) Quote(ident string) string { return db.QuoteDouble(ident) }

// TimeValue returns the text Django stores: str() of the naive datetime.
func (Dialect) TimeValue(wall time.Time, _ *time.Location) any { return db.FormatPyDatetime(wall) }

// ParseTime reads stored text (or the time.Time the driver makes of a datetime column).
func (Dialect) ParseTime(src any, _ *time.Location) (time.Time, error) { return db.ParseWall(src) }

// SQLite extended result codes for constraint violations of a primary key or unique
// index.
const (
	codeConstraintPrimaryKey = 1555
	codeConstraintUnique     = 2067
)

// IsUniqueViolation reports a primary-key or unique constraint failure.
func (Dialect) IsUniqueViolation(err error) bool {
	var e *msqlite.Error
	if errors.As(err, &e) {
		return e.Code() == codeConstraintPrimaryKey || e.Code() == codeConstraintUnique
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// UpdateCountsChanged is false: SQLite counts matched rows.
func (Dialect) UpdateCountsChanged() bool { return false }

// CreateTableSQL returns the DDL of Django's sessions 0001_initial migration on SQLite.
func (Dialect) CreateTableSQL(table string) []string {
	q := db.QuoteDouble
	return []string{
		"CREATE TABLE " + q(table) + ` ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" datetime NOT NULL)`,
		"CREATE INDEX " + q(db.IndexName(table, "expire_date", "", 0)) + " ON " + q(table) + ` ("expire_date")`,
	}
}
