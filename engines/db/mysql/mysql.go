// Package mysql is the db session engine on MariaDB and MySQL, through
// github.com/go-sql-driver/mysql on database/sql.
//
// Django stores expire_date in a datetime(6) column as a naive time: UTC with
// USE_TZ = True, TIME_ZONE's wall-clock time otherwise. The values are sent as Python's
// str(datetime) text, as Django sends them, so the connection's time_zone and the DSN's
// loc/parseTime settings do not matter. DSNs made by this package's DSN helpers set
// clientFoundRows, as Django's backend does; without it an UPDATE that changes nothing
// reports no row, which the store then checks with a SELECT.
package mysql

import (
	"database/sql"
	"errors"
	"strings"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/djsession/djsession/engines/db"
)

// Open opens a MariaDB/MySQL database from a go-sql-driver DSN
// ("user:pass@tcp(127.0.0.1:3306)/dbname"), adding clientFoundRows=true and
// charset=utf8mb4 unless the DSN sets them.
func Open(dsn string) (*sql.DB, error) {
	add := func(param string) {
		if strings.Contains(dsn, param+"=") {
			return
		}
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		dsn += sep + param + "=" + map[string]string{"clientFoundRows": "true", "charset": "utf8mb4"}[param]
	}
	add("clientFoundRows")
	add("charset")
	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	conn, err := gomysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(conn), nil
}

// New returns a session store on conn (a *sql.DB, *sql.Conn or *sql.Tx of the
// go-sql-driver/mysql driver).
func New(conn db.SQLDB, opts db.Options) (*db.Store, error) {
	return db.New(db.SQLConn(conn), Dialect{}, opts)
}

// Dialect is MariaDB's and MySQL's db.Dialect.
type Dialect struct{}

// Name returns "mysql", Django's vendor name.
func (Dialect) Name() string { return "mysql" }

// Placeholder returns "?".
func (Dialect) Placeholder(int) string { return "?" }

// Quote quotes an identifier with backquotes, doubling any backquote inside it.
func (Dialect) Quote(ident string) string {
	return "`" + strings.ReplaceAll(ident, "`", "``") + "`"
}

// TimeValue returns str() of the naive datetime, as Django sends it.
func (Dialect) TimeValue(wall time.Time, _ *time.Location) any { return db.FormatPyDatetime(wall) }

// ParseTime reads a datetime(6) value: text, or time.Time with parseTime=true (whose
// wall-clock fields are the stored ones, whatever loc the DSN names).
func (Dialect) ParseTime(src any, _ *time.Location) (time.Time, error) { return db.ParseWall(src) }

// erDupEntry is MySQL's and MariaDB's ER_DUP_ENTRY.
const erDupEntry = 1062

// IsUniqueViolation reports ER_DUP_ENTRY.
func (Dialect) IsUniqueViolation(err error) bool {
	var e *gomysql.MySQLError
	return errors.As(err, &e) && e.Number == erDupEntry
}

// UpdateCountsChanged is true: without clientFoundRows MySQL counts changed rows only.
func (Dialect) UpdateCountsChanged() bool { return true }

// MaxNameLength is MySQL's identifier limit, which Django's index names respect.
const MaxNameLength = 64

// CreateTableSQL returns the DDL of Django's sessions 0001_initial migration on MySQL.
func (d Dialect) CreateTableSQL(table string) []string {
	q := d.Quote
	return []string{
		"CREATE TABLE " + q(table) + " (`session_key` varchar(40) NOT NULL PRIMARY KEY, `session_data` longtext NOT NULL, `expire_date` datetime(6) NOT NULL)",
		"CREATE INDEX " + q(db.IndexName(table, "expire_date", "", MaxNameLength)) + " ON " + q(table) + " (`expire_date`)",
	}
}
