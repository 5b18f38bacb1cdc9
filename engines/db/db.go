// Package db is Django's database session engine (django.contrib.sessions.backends.db):
// sessions live in the django_session table, one row per session key, with
// session_data = the encoded session (session.Codec) and expire_date = the session's
// expiry date at save time, stored exactly as Django stores it in each database.
//
// This package holds the engine's logic on a small connection interface; the database
// drivers live in sub-packages, so a program imports only the driver it needs:
//
//   - engines/db/sqlite: SQLite through modernc.org/sqlite (pure Go, no cgo), on database/sql;
//   - engines/db/postgres: PostgreSQL through github.com/jackc/pgx/v5 (pgxpool), with an
//     option for the simple protocol (PgBouncer in transaction mode);
//   - engines/db/mysql: MariaDB and MySQL through github.com/go-sql-driver/mysql.
//
// Each sub-package accepts a connection the program already has (*sql.DB,
// *pgxpool.Pool), so Go and Django can share one database.
//
// # Rows as Django writes them
//
// expire_date is session.Expiry.Date(data, now) at save time, with now truncated to
// microseconds as Python's datetime. With USE_TZ = True (Expiry.NaiveTimes false) the time is
// UTC; with USE_TZ = False it is the naive wall-clock time in TIME_ZONE (Expiry.Location),
// computed with naive arithmetic as Python does (adding 14 days across a DST change keeps
// the wall-clock time). PostgreSQL stores a timestamp with time zone; SQLite stores the
// text of Python's str(datetime), "YYYY-MM-DD HH:MM:SS" with ".ffffff" only when the
// microseconds are not zero; MySQL/MariaDB store datetime(6).
//
// Load sees only rows whose expire_date is after now; Exists, as Django's, sees every row.
// Save with mustCreate is an INSERT (a taken key gives engines.ErrCreate), otherwise an
// UPDATE (no row gives engines.ErrUpdate); each is a single, atomic statement.
// ClearExpired deletes the rows whose expire_date is before now, as manage.py
// clearsessions.
//
// Keys Django could not have stored (shorter than 8 characters, longer than 40, invalid
// UTF-8 or holding NUL) never reach the database: Load and Exists report no session,
// Delete does nothing and Save returns engines.ErrInvalidKey.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/signing"
)

// DefaultTable is the table of Django's Session model.
const DefaultTable = "django_session"

// MaxKeyLength is the length of the session_key column (varchar(40)), in characters.
const MaxKeyLength = 40

// Row is one result row (*sql.Row and pgx.Row satisfy it).
type Row interface {
	Scan(dest ...any) error
}

// Rows is a result set being read.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// Conn is what the engine needs from a database connection pool. The driver sub-packages
// provide it for *sql.DB and pgx; a query that finds no row must make Row.Scan return an
// error matching sql.ErrNoRows.
type Conn interface {
	// Exec runs a statement and returns the number of rows it affected.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	// QueryRow runs a query that returns at most one row.
	QueryRow(ctx context.Context, query string, args ...any) Row
	// Query runs a query that returns rows.
	Query(ctx context.Context, query string, args ...any) (Rows, error)
}

// Dialect is what differs between databases. The driver sub-packages implement it.
//
// Times cross this interface as "wall" times: a time.Time in UTC whose fields are those of
// the naive datetime Django holds. With USE_TZ = True that is simply the UTC time; with
// USE_TZ = False it is the wall-clock time in TIME_ZONE (loc), written as if it were UTC.
type Dialect interface {
	// Name is Django's vendor name: "sqlite", "postgresql" or "mysql".
	Name() string
	// Placeholder returns the parameter marker for the i-th parameter (from 1).
	Placeholder(i int) string
	// Quote quotes an identifier.
	Quote(ident string) string
	// TimeValue returns the query parameter for expire_date = wall. loc is TIME_ZONE when
	// USE_TZ = False, nil when USE_TZ = True.
	TimeValue(wall time.Time, loc *time.Location) any
	// ParseTime reads an expire_date value as scanned from the driver (text, []byte or
	// time.Time) back into a wall time.
	ParseTime(src any, loc *time.Location) (time.Time, error)
	// IsUniqueViolation reports whether err is a primary-key/unique constraint violation.
	IsUniqueViolation(err error) bool
	// UpdateCountsChanged reports whether an UPDATE's affected-row count leaves out rows
	// it matched without changing them (MySQL without CLIENT_FOUND_ROWS).
	UpdateCountsChanged() bool
	// CreateTableSQL returns Django's DDL for the sessions table named table.
	CreateTableSQL(table string) []string
}

// ExtraColumnsFunc returns values for columns besides Django's three, written on every
// save (for tables such as django-user-sessions' or django-qsessions', which add user_id,
// ip, user_agent, ...). Request-scoped values (client IP, User-Agent) can travel in ctx.
// Column names are quoted; values are passed to the driver as query parameters.
type ExtraColumnsFunc func(ctx context.Context, key string, data *serializer.Dict) (map[string]any, error)

// Options configure a Store.
type Options struct {
	engines.Options
	// Table is the session table; default "django_session". It is quoted as one
	// identifier, as Django quotes Meta.db_table.
	Table string
	// ExtraColumns, if set, supplies values for extra columns on every save.
	ExtraColumns ExtraColumnsFunc
}

// Store is a session store on a django_session table. It implements engines.Store and is
// safe for concurrent use.
type Store struct {
	conn    Conn
	dialect Dialect
	opts    Options
	table   string

	qLoad, qGet, qExists, qDelete, qClear, qInsert, qUpdate, qAll, qPage string
}

var _ engines.Store = (*Store)(nil)

// Record is a stored row as it is, expired or not.
type Record struct {
	// Key is session_key.
	Key string
	// Data is session_data, the encoded session.
	Data string
	// ExpireDate is expire_date: in UTC with USE_TZ = True, otherwise in Expiry.Location
	// (its wall-clock time is what Django reads).
	ExpireDate time.Time
}

// New returns a Store on conn. Most programs call the driver sub-package's New instead.
func New(conn Conn, dialect Dialect, opts Options) (*Store, error) {
	if conn == nil || dialect == nil {
		return nil, errors.New("db: New needs a connection and a dialect")
	}
	if opts.Codec == nil {
		return nil, errors.New("db: Options.Codec is required")
	}
	if opts.Table == "" {
		opts.Table = DefaultTable
	}
	if strings.IndexByte(opts.Table, 0) >= 0 {
		return nil, errors.New("db: table name holds a NUL byte")
	}
	s := &Store{conn: conn, dialect: dialect, opts: opts, table: dialect.Quote(opts.Table)}
	p := dialect.Placeholder
	t := s.table
	s.qLoad = "SELECT session_data FROM " + t + " WHERE session_key = " + p(1) + " AND expire_date > " + p(2)
	s.qGet = "SELECT session_data, expire_date FROM " + t + " WHERE session_key = " + p(1)
	s.qExists = "SELECT 1 FROM " + t + " WHERE session_key = " + p(1) + " LIMIT 1"
	s.qDelete = "DELETE FROM " + t + " WHERE session_key = " + p(1)
	s.qClear = "DELETE FROM " + t + " WHERE expire_date < " + p(1)
	s.qInsert = "INSERT INTO " + t + " (session_key, session_data, expire_date) VALUES (" + p(1) + ", " + p(2) + ", " + p(3) + ")"
	s.qUpdate = "UPDATE " + t + " SET session_data = " + p(1) + ", expire_date = " + p(2) + " WHERE session_key = " + p(3)
	s.qAll = "SELECT session_key, session_data, expire_date FROM " + t + " ORDER BY session_key"
	s.qPage = "SELECT session_key, session_data, expire_date FROM " + t + " WHERE session_key > " + p(1) +
		" ORDER BY session_key LIMIT " + p(2)
	return s, nil
}

// Dialect returns the store's dialect.
func (s *Store) Dialect() Dialect { return s.dialect }

// Table returns the (unquoted) table name.
func (s *Store) Table() string { return s.opts.Table }

// usableKey reports whether key can name a row: Django's minimum length, and what a
// varchar(40) column in any of the databases can hold.
func usableKey(key string) bool {
	if !engines.ValidKey(key) || len(key) > 4*MaxKeyLength || !utf8.ValidString(key) ||
		strings.IndexByte(key, 0) >= 0 {
		return false
	}
	return utf8.RuneCountInString(key) <= MaxKeyLength
}

// loc is TIME_ZONE when times are naive, nil when USE_TZ = True.
func (s *Store) loc() *time.Location {
	if !s.opts.Expiry.NaiveTimes {
		return nil
	}
	if s.opts.Expiry.Location == nil {
		return time.UTC
	}
	return s.opts.Expiry.Location
}

// toWall converts an instant to the wall time Django holds for it.
func (s *Store) toWall(t time.Time) time.Time {
	loc := s.loc()
	if loc == nil {
		return t.UTC()
	}
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
}

// fromWall converts a wall time back to an instant (in Location when naive).
func (s *Store) fromWall(w time.Time) time.Time {
	loc := s.loc()
	if loc == nil {
		return w
	}
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc)
}

// now returns django.utils.timezone.now() as a wall time, with microsecond precision.
func (s *Store) now() time.Time {
	return s.toWall(s.opts.Clock().Round(0).Truncate(time.Microsecond))
}

// ExpireDate returns the expire_date a save at instant now would store for data, in the
// form of Record.ExpireDate. The arithmetic is session.Expiry's; with USE_TZ = False it
// runs on wall-clock times, as Python's naive datetimes do.
func (s *Store) ExpireDate(data *serializer.Dict, now time.Time) (time.Time, error) {
	w, err := s.expireWall(data, s.toWall(now.Round(0).Truncate(time.Microsecond)))
	if err != nil {
		return time.Time{}, err
	}
	return s.fromWall(w), nil
}

// maxAge is the largest expiry age in seconds that a time.Duration holds.
const maxAge = int64(1<<63-1) / int64(time.Second)

func (s *Store) expireWall(data *serializer.Dict, nowWall time.Time) (time.Time, error) {
	e := s.opts.Expiry
	if e.NaiveTimes {
		e.Location = time.UTC // wall-clock arithmetic: naive ISO strings are wall times
	}
	age, err := e.Age(data, nowWall)
	if err != nil {
		return time.Time{}, err
	}
	if age > maxAge || age < -maxAge {
		// time.Duration cannot hold it; Python can up to year 9999.
		return time.Time{}, fmt.Errorf("db: session expiry of %d seconds is out of range", age)
	}
	d, err := e.Date(data, nowWall)
	if err != nil {
		return time.Time{}, err
	}
	if d.Location() != time.UTC {
		// An ISO string with an offset: Django makes it naive in the connection's zone.
		d = s.toWall(d)
	}
	d = d.Round(time.Microsecond) // Python keeps microseconds
	if y := d.Year(); y < 1 || y > 9999 {
		return time.Time{}, fmt.Errorf("db: expire_date %v is out of Python's datetime range", d)
	}
	return d, nil
}

// Load returns the session stored under key if its row exists and has not expired.
// Undecodable data is no session (Codec.Decode logs signature failures, as Django).
func (s *Store) Load(ctx context.Context, key string) (*serializer.Dict, bool, error) {
	if !usableKey(key) {
		return nil, false, nil
	}
	var data string
	err := s.conn.QueryRow(ctx, s.qLoad, key, s.dialect.TimeValue(s.now(), s.loc())).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("db: load session: %w", err)
	}
	d, derr := s.opts.Codec.DecodeErr(data)
	if derr != nil {
		if errors.Is(derr, signing.ErrBadSignature) {
			s.opts.Codec.Decode(data) // logs "Session data corrupted" as Django does
		}
		return nil, false, nil
	}
	return d, true, nil
}

// Exists reports whether a row exists for key, expired or not (as Django's exists()).
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	if !usableKey(key) {
		return false, nil
	}
	var one int
	err := s.conn.QueryRow(ctx, s.qExists, key).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("db: session exists: %w", err)
	}
	return true, nil
}

// Save writes data under key: an INSERT when mustCreate (engines.ErrCreate if the key is
// taken), else an UPDATE (engines.ErrUpdate if there is no row).
func (s *Store) Save(ctx context.Context, key string, data *serializer.Dict, mustCreate bool) error {
	if !usableKey(key) {
		return fmt.Errorf("db: save %q: %w", key, engines.ErrInvalidKey)
	}
	encoded, err := s.opts.Codec.Encode(data)
	if err != nil {
		return fmt.Errorf("db: encode session: %w", err)
	}
	exp, err := s.expireWall(data, s.now())
	if err != nil {
		return fmt.Errorf("db: session expiry: %w", err)
	}
	return s.write(ctx, key, encoded, exp, data, mustCreate)
}

// Encode returns the session_data string Save would store for data (the store's
// SESSION_SERIALIZER and SECRET_KEY).
func (s *Store) Encode(data *serializer.Dict) (string, error) { return s.opts.Codec.Encode(data) }

// SaveExpiring is Save with the given expire_date instead of the one get_expiry_date()
// gives now (engines.ExpiringSaver). ExtraColumns see data, as on Save.
func (s *Store) SaveExpiring(ctx context.Context, key string, data *serializer.Dict, expires time.Time, mustCreate bool) error {
	if !usableKey(key) {
		return fmt.Errorf("db: save %q: %w", key, engines.ErrInvalidKey)
	}
	encoded, err := s.opts.Codec.Encode(data)
	if err != nil {
		return fmt.Errorf("db: encode session: %w", err)
	}
	return s.write(ctx, key, encoded, s.toWall(expires.Round(time.Microsecond)), data, mustCreate)
}

// SaveEncoded writes an already encoded session with the given expire_date (an instant;
// it is stored as Django would store it), for tools that copy rows between stores.
func (s *Store) SaveEncoded(ctx context.Context, key, encoded string, expireDate time.Time, mustCreate bool) error {
	if !usableKey(key) {
		return fmt.Errorf("db: save %q: %w", key, engines.ErrInvalidKey)
	}
	return s.write(ctx, key, encoded, s.toWall(expireDate.Round(time.Microsecond)), nil, mustCreate)
}

func (s *Store) write(ctx context.Context, key, encoded string, exp time.Time, data *serializer.Dict, mustCreate bool) error {
	expArg := s.dialect.TimeValue(exp, s.loc())
	query := s.qUpdate
	args := []any{encoded, expArg, key}
	if mustCreate {
		query = s.qInsert
		args = []any{key, encoded, expArg}
	}
	if s.opts.ExtraColumns != nil {
		extra, err := s.opts.ExtraColumns(ctx, key, data)
		if err != nil {
			return fmt.Errorf("db: extra columns: %w", err)
		}
		if len(extra) > 0 {
			query, args = s.withExtra(extra, key, encoded, expArg, mustCreate)
		}
	}
	n, err := s.conn.Exec(ctx, query, args...)
	if mustCreate {
		if err != nil {
			if s.dialect.IsUniqueViolation(err) {
				return fmt.Errorf("db: create session: %w", engines.ErrCreate)
			}
			return fmt.Errorf("db: create session: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("db: update session: %w", err)
	}
	if n == 0 && s.dialect.UpdateCountsChanged() {
		// The row may exist with the same values; MySQL then counts no row.
		if ok, err := s.Exists(ctx, key); err != nil {
			return err
		} else if ok {
			return nil
		}
	}
	if n == 0 {
		return fmt.Errorf("db: update session: %w", engines.ErrUpdate)
	}
	return nil
}

// withExtra builds the INSERT or UPDATE with extra columns, in sorted column order.
func (s *Store) withExtra(extra map[string]any, key, encoded string, expArg any, mustCreate bool) (string, []any) {
	cols := make([]string, 0, len(extra))
	for c := range extra {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	p := s.dialect.Placeholder
	var b strings.Builder
	if mustCreate {
		args := []any{key, encoded, expArg}
		b.WriteString("INSERT INTO " + s.table + " (session_key, session_data, expire_date")
		for _, c := range cols {
			b.WriteString(", " + s.dialect.Quote(c))
			args = append(args, extra[c])
		}
		b.WriteString(") VALUES (")
		for i := range args {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(p(i + 1))
		}
		b.WriteString(")")
		return b.String(), args
	}
	args := []any{encoded, expArg}
	b.WriteString("UPDATE " + s.table + " SET session_data = " + p(1) + ", expire_date = " + p(2))
	for _, c := range cols {
		args = append(args, extra[c])
		b.WriteString(", " + s.dialect.Quote(c) + " = " + p(len(args)))
	}
	args = append(args, key)
	b.WriteString(" WHERE session_key = " + p(len(args)))
	return b.String(), args
}

// Delete removes the row for key; a missing row is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if !usableKey(key) {
		return nil
	}
	if _, err := s.conn.Exec(ctx, s.qDelete, key); err != nil {
		return fmt.Errorf("db: delete session: %w", err)
	}
	return nil
}

// ClearExpired deletes the rows whose expire_date is before now, as clearsessions.
func (s *Store) ClearExpired(ctx context.Context) error {
	_, err := s.ClearExpiredCount(ctx)
	return err
}

// ClearExpiredCount is ClearExpired that also returns the number of rows deleted.
func (s *Store) ClearExpiredCount(ctx context.Context) (int64, error) {
	n, err := s.conn.Exec(ctx, s.qClear, s.dialect.TimeValue(s.now(), s.loc()))
	if err != nil {
		return 0, fmt.Errorf("db: clear expired sessions: %w", err)
	}
	return n, nil
}

// Get returns the row for key as stored, expired or not, without decoding it.
func (s *Store) Get(ctx context.Context, key string) (Record, bool, error) {
	if !usableKey(key) {
		return Record{}, false, nil
	}
	var data string
	var exp any
	err := s.conn.QueryRow(ctx, s.qGet, key).Scan(&data, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, false, nil
	}
	if err != nil {
		return Record{}, false, fmt.Errorf("db: get session: %w", err)
	}
	w, err := s.dialect.ParseTime(exp, s.loc())
	if err != nil {
		return Record{}, false, fmt.Errorf("db: session %q: expire_date: %w", key, err)
	}
	return Record{Key: key, Data: data, ExpireDate: s.fromWall(w)}, true, nil
}

// RecordsAfter returns up to limit rows, expired or not, whose keys sort after the key
// after ("" for the first page), in key order: a page of the table, so that a program can
// walk a large table without holding a cursor open while it writes elsewhere.
func (s *Store) RecordsAfter(ctx context.Context, after string, limit int) ([]Record, error) {
	if limit <= 0 {
		return nil, errors.New("db: RecordsAfter needs a positive limit")
	}
	rows, err := s.conn.Query(ctx, s.qPage, after, limit)
	if err != nil {
		return nil, fmt.Errorf("db: list sessions: %w", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		r, err := s.scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: list sessions: %w", err)
	}
	return out, nil
}

// scanRecord reads a row of session_key, session_data and expire_date.
func (s *Store) scanRecord(rows Rows) (Record, error) {
	var r Record
	var exp any
	if err := rows.Scan(&r.Key, &r.Data, &exp); err != nil {
		return Record{}, fmt.Errorf("db: list sessions: %w", err)
	}
	w, err := s.dialect.ParseTime(exp, s.loc())
	if err != nil {
		return Record{}, fmt.Errorf("db: session %q: expire_date: %w", r.Key, err)
	}
	r.ExpireDate = s.fromWall(w)
	return r, nil
}

// Decode decodes a record's session_data with the store's codec: the precise error for
// data Django would read as an empty session.
func (s *Store) Decode(r Record) (*serializer.Dict, error) { return s.opts.Codec.DecodeErr(r.Data) }

// Expired reports whether Django's load would skip the record (expire_date <= now).
func (s *Store) Expired(r Record) bool { return !s.toWall(r.ExpireDate).After(s.now()) }

// Records calls fn for every row, expired or not, in key order, until fn returns an
// error (which Records returns).
func (s *Store) Records(ctx context.Context, fn func(Record) error) error {
	rows, err := s.conn.Query(ctx, s.qAll)
	if err != nil {
		return fmt.Errorf("db: list sessions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := s.scanRecord(rows)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("db: list sessions: %w", err)
	}
	return nil
}

// CreateTable creates the table (named Options.Table) with Django's exact DDL for the
// database, as the sessions app's 0001_initial migration does.
func (s *Store) CreateTable(ctx context.Context) error {
	for _, stmt := range s.dialect.CreateTableSQL(s.opts.Table) {
		if _, err := s.conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("db: create table: %w", err)
		}
	}
	return nil
}

// FormatPyDatetime writes a wall time as Python's str(datetime) does:
// "YYYY-MM-DD HH:MM:SS", then ".ffffff" only when the microseconds are not zero. This is
// what Django stores in SQLite and sends to MySQL.
func FormatPyDatetime(w time.Time) string {
	var buf [26]byte
	b := w.AppendFormat(buf[:0], "2006-01-02 15:04:05")
	if us := w.Nanosecond() / 1000; us != 0 {
		b = append(b, '.')
		for d := 100000; d > 0; d /= 10 {
			b = append(b, byte('0'+us/d%10))
		}
	}
	return string(b)
}

// ParseWall reads a naive datetime value from a driver: text as Django's parse_datetime
// accepts it ("YYYY-MM-DD HH:MM[:SS[.ffffff]]", with T or space), or a time.Time whose
// wall-clock fields are taken as they are.
func ParseWall(src any) (time.Time, error) {
	var text string
	switch v := src.(type) {
	case time.Time:
		return time.Date(v.Year(), v.Month(), v.Day(), v.Hour(), v.Minute(), v.Second(), v.Nanosecond(), time.UTC), nil
	case string:
		text = v
	case []byte:
		text = string(v)
	default:
		return time.Time{}, fmt.Errorf("unexpected %T", src)
	}
	t, err := parseISO(text)
	if err != nil {
		return time.Time{}, err
	}
	if t.Location() != time.UTC {
		t = t.UTC()
	}
	return t, nil
}
