// Package dbcache implements caches.Backend for Django's DatabaseCache
// (django.core.cache.backends.db): the table createcachetable makes (cache_key, value,
// expires), values as caches.DatabaseCache encodes them (base64 of a pickle), expires
// as Django computes and stores it (now + timeout, truncated to whole seconds, in UTC
// with USE_TZ or as naive TIME_ZONE wall time without), and Django's culling
// (MAX_ENTRIES, CULL_FREQUENCY). It runs on the engines/db connection and dialect
// abstractions, so SQLite, PostgreSQL (pgx) and MySQL/MariaDB work.
package dbcache

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/serializer"
)

// CullClear is CULL_FREQUENCY = 0: when the table is full, empty it.
const CullClear = -1

// Options mirror a DatabaseCache CACHES entry and the settings it depends on.
type Options struct {
	// Table is LOCATION, the table name (required).
	Table string
	// Keys holds KEY_PREFIX, VERSION and KEY_FUNCTION.
	Keys caches.KeyConfig
	// Timeout is TIMEOUT (zero value: 300 s).
	Timeout caches.Timeout
	// MaxEntries is OPTIONS MAX_ENTRIES (0: 300).
	MaxEntries int
	// CullFrequency is OPTIONS CULL_FREQUENCY (0: 3; CullClear for Django's 0).
	CullFrequency int
	// Codec is the value codec (zero value: Django's; Strict for Django 6.1+ reads).
	Codec caches.DatabaseCache
	// Location is TIME_ZONE when USE_TZ = False (naive expires); nil means USE_TZ = True.
	Location *time.Location
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives CacheKeyWarning-style key warnings (default slog.Default()).
	Logger *slog.Logger
}

// Cache is a Django DatabaseCache. It is safe for concurrent use.
type Cache struct {
	conn    db.Conn
	d       db.Dialect
	o       Options
	table   string // quoted
	timeout caches.Timeout
}

var _ caches.Backend = (*Cache)(nil)
var _ caches.TTLer = (*Cache)(nil)

// New returns the cache on conn (db.SQLConn(*sql.DB), postgres.Conn(pool, false), ...)
// with the dialect of the database.
func New(conn db.Conn, dialect db.Dialect, opts Options) (*Cache, error) {
	if conn == nil || dialect == nil {
		return nil, errors.New("dbcache: New needs a connection and a dialect")
	}
	if opts.Table == "" {
		return nil, errors.New("dbcache: Options.Table (LOCATION) is required")
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = 300
	}
	if opts.CullFrequency == 0 {
		opts.CullFrequency = 3
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Cache{conn: conn, d: dialect, o: opts, table: dialect.Quote(opts.Table),
		timeout: opts.Timeout.Resolve(caches.DefaultTimeout)}, nil
}

// CreateTableSQL returns the statements of createcachetable for the table on the
// dialect's database (sqlite, postgresql, mysql).
func CreateTableSQL(dialect db.Dialect, table string) ([]string, error) {
	var dt, text string
	switch dialect.Name() {
	case "sqlite":
		dt, text = "datetime", "text"
	case "postgresql":
		dt, text = "timestamp with time zone", "text"
	case "mysql":
		dt, text = "datetime(6)", "longtext"
	default:
		return nil, fmt.Errorf("dbcache: no DDL for %s", dialect.Name())
	}
	q := dialect.Quote
	return []string{
		"CREATE TABLE " + q(table) + " (\n    " + q("cache_key") + " varchar(255) NOT NULL PRIMARY KEY,\n    " +
			q("value") + " " + text + " NOT NULL,\n    " + q("expires") + " " + dt + " NOT NULL\n);",
		"CREATE INDEX " + q(table+"_expires") + " ON " + q(table) + " (" + q("expires") + ");",
	}, nil
}

// CreateTable runs CreateTableSQL (createcachetable for one table).
func (c *Cache) CreateTable(ctx context.Context) error {
	stmts, err := CreateTableSQL(c.d, c.o.Table)
	if err != nil {
		return err
	}
	for _, s := range stmts {
		if _, err := c.conn.Exec(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// MakeKey returns the full key (make_key).
func (c *Cache) MakeKey(key string) string { return c.o.Keys.MakeKey(key) }

// fullKey is make_and_validate_key: a bad key is logged (CacheKeyWarning), not refused.
func (c *Cache) fullKey(key string) string {
	k := c.o.Keys.MakeKey(key)
	if err := caches.ValidateKey(k); err != nil {
		c.o.Logger.Warn("CacheKeyWarning: "+err.Error(), "backend", "DatabaseCache")
	}
	return k
}

func (c *Cache) p(i int) string { return c.d.Placeholder(i) }

// wall is the value Django stores for an instant: UTC with USE_TZ, else TIME_ZONE.
func (c *Cache) wall(t time.Time) any {
	if c.o.Location == nil {
		return c.d.TimeValue(t.UTC(), nil)
	}
	return c.d.TimeValue(t.In(c.o.Location), c.o.Location)
}

// instant reads a stored expires back as an instant.
func (c *Cache) instant(src any) (time.Time, error) {
	w, err := c.d.ParseTime(src, c.o.Location)
	if err != nil {
		return time.Time{}, err
	}
	loc := c.o.Location
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc), nil
}

// expires returns the expires column value for a timeout set now.
func (c *Cache) expires(now time.Time, t caches.Timeout) any {
	t = t.Resolve(c.timeout)
	if t.IsNever() {
		n := caches.DatabaseCacheNever
		if c.o.Location == nil {
			return c.d.TimeValue(n, nil)
		}
		w := time.Date(n.Year(), n.Month(), n.Day(), n.Hour(), n.Minute(), n.Second(), 0, c.o.Location)
		return c.d.TimeValue(w, c.o.Location)
	}
	return c.wall(caches.DatabaseCacheExpires(caches.PyTime(now), t.Seconds(), false))
}

// Get is DatabaseCache.get (get_many of one key): an expired row is deleted and missed.
func (c *Cache) Get(ctx context.Context, key string) (serializer.Value, bool, error) {
	k := c.fullKey(key)
	var value string
	var exp any
	err := c.conn.QueryRow(ctx, "SELECT "+c.d.Quote("cache_key")+", "+c.d.Quote("value")+", "+c.d.Quote("expires")+
		" FROM "+c.table+" WHERE "+c.d.Quote("cache_key")+" IN ("+c.p(1)+")", k).Scan(new(string), &value, &exp)
	if isNoRows(err) {
		return serializer.Value{}, false, nil
	}
	if err != nil {
		return serializer.Value{}, false, err
	}
	e, err := c.instant(exp)
	if err != nil {
		return serializer.Value{}, false, err
	}
	if caches.DatabaseCacheExpired(e, c.o.Now()) {
		_, err := c.conn.Exec(ctx, "DELETE FROM "+c.table+" WHERE "+c.d.Quote("cache_key")+" IN ("+c.p(1)+")", k)
		return serializer.Value{}, false, err
	}
	v, err := c.o.Codec.Decode(value)
	if err != nil {
		return serializer.Value{}, false, err
	}
	return v, true, nil
}

// isNoRows: db.Conn promises sql.ErrNoRows for a query that finds no row.
func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Set is DatabaseCache.set.
func (c *Cache) Set(ctx context.Context, key string, v serializer.Value, timeout caches.Timeout) error {
	_, err := c.baseSet(ctx, "set", key, v, timeout)
	return err
}

// Add is DatabaseCache.add: it stores v when the key is absent or its row has expired.
func (c *Cache) Add(ctx context.Context, key string, v serializer.Value, timeout caches.Timeout) (bool, error) {
	return c.baseSet(ctx, "add", key, v, timeout)
}

// baseSet is DatabaseCache._base_set: count the rows, cull when over MAX_ENTRIES, then
// update or insert. A unique-key race on insert reports false, as Django's "fail
// silently" does.
func (c *Cache) baseSet(ctx context.Context, mode, key string, v serializer.Value, timeout caches.Timeout) (bool, error) {
	k := c.fullKey(key)
	var num int64
	if err := c.conn.QueryRow(ctx, "SELECT COUNT(*) FROM "+c.table).Scan(&num); err != nil {
		return false, err
	}
	now := c.o.Now()
	exp := c.expires(now, timeout)
	nowTrunc := now.Truncate(time.Second)
	if num > int64(c.o.MaxEntries) {
		if err := c.cull(ctx, nowTrunc, num); err != nil {
			return false, err
		}
	}
	value, err := c.o.Codec.Encode(v)
	if err != nil {
		return false, err
	}
	qk := c.d.Quote("cache_key")
	var cur any
	err = c.conn.QueryRow(ctx, "SELECT "+qk+", "+c.d.Quote("expires")+" FROM "+c.table+" WHERE "+qk+" = "+c.p(1), k).Scan(new(string), &cur)
	found := err == nil
	if err != nil && !isNoRows(err) {
		return false, err
	}
	update := found && mode == "set"
	if found && mode == "add" {
		ce, err := c.instant(cur)
		if err != nil {
			return false, err
		}
		if !ce.Before(nowTrunc) {
			return false, nil
		}
		update = true
	}
	if update {
		_, err = c.conn.Exec(ctx, "UPDATE "+c.table+" SET "+c.d.Quote("value")+" = "+c.p(1)+", "+c.d.Quote("expires")+" = "+c.p(2)+
			" WHERE "+qk+" = "+c.p(3), value, exp, k)
	} else {
		_, err = c.conn.Exec(ctx, "INSERT INTO "+c.table+" ("+qk+", "+c.d.Quote("value")+", "+c.d.Quote("expires")+") VALUES ("+
			c.p(1)+", "+c.p(2)+", "+c.p(3)+")", k, value, exp)
		if err != nil && c.d.IsUniqueViolation(err) {
			return false, nil
		}
	}
	return err == nil, err
}

// cull is DatabaseCache._cull: delete expired rows, then, if still over MAX_ENTRIES,
// the first count/CULL_FREQUENCY keys in key order (or everything for CULL_FREQUENCY 0).
func (c *Cache) cull(ctx context.Context, now time.Time, num int64) error {
	if c.o.CullFrequency == CullClear {
		return c.Clear(ctx)
	}
	deleted, err := c.conn.Exec(ctx, "DELETE FROM "+c.table+" WHERE "+c.d.Quote("expires")+" < "+c.p(1), c.wall(now))
	if err != nil {
		return err
	}
	remaining := num - deleted
	if remaining <= int64(c.o.MaxEntries) {
		return nil
	}
	cullNum := remaining / int64(c.o.CullFrequency)
	qk := c.d.Quote("cache_key")
	var last string
	err = c.conn.QueryRow(ctx, "SELECT "+qk+" FROM "+c.table+" ORDER BY "+qk+" LIMIT 1 OFFSET "+c.p(1), cullNum).Scan(&last)
	if isNoRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = c.conn.Exec(ctx, "DELETE FROM "+c.table+" WHERE "+qk+" < "+c.p(1), last)
	return err
}

// Clear deletes every row (cache.clear()).
func (c *Cache) Clear(ctx context.Context) error {
	_, err := c.conn.Exec(ctx, "DELETE FROM "+c.table)
	return err
}

// Delete removes key.
func (c *Cache) Delete(ctx context.Context, key string) error {
	_, err := c.conn.Exec(ctx, "DELETE FROM "+c.table+" WHERE "+c.d.Quote("cache_key")+" IN ("+c.p(1)+")", c.fullKey(key))
	return err
}

// Has is DatabaseCache.has_key: a row whose expires is after now truncated to seconds.
func (c *Cache) Has(ctx context.Context, key string) (bool, error) {
	qk := c.d.Quote("cache_key")
	err := c.conn.QueryRow(ctx, "SELECT "+qk+" FROM "+c.table+" WHERE "+qk+" = "+c.p(1)+" and "+c.d.Quote("expires")+" > "+c.p(2),
		c.fullKey(key), c.wall(c.o.Now().Truncate(time.Second))).Scan(new(string))
	if isNoRows(err) {
		return false, nil
	}
	return err == nil, err
}

// TTL reports the time left until the row's expires (never for datetime.max).
func (c *Cache) TTL(ctx context.Context, key string) (time.Duration, bool, bool, error) {
	var exp any
	err := c.conn.QueryRow(ctx, "SELECT "+c.d.Quote("expires")+" FROM "+c.table+" WHERE "+c.d.Quote("cache_key")+" = "+c.p(1),
		c.fullKey(key)).Scan(&exp)
	if isNoRows(err) {
		return 0, false, false, nil
	}
	if err != nil {
		return 0, false, false, err
	}
	e, err := c.instant(exp)
	if err != nil {
		return 0, false, false, err
	}
	if e.Year() == 9999 {
		return 0, true, true, nil
	}
	now := c.o.Now()
	if caches.DatabaseCacheExpired(e, now) {
		return 0, false, false, nil
	}
	return e.Sub(now), false, true, nil
}
