package compat_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/db"
	dbmysql "github.com/djsession/djsession/engines/db/mysql"
	"github.com/djsession/djsession/engines/db/postgres"
	"github.com/djsession/djsession/engines/db/sqlite"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
)

// Helpers of the db engine's tests: the three databases behind one interface, each
// usable by Go directly and by a Django peer started on the same database.

const dbZone = "America/New_York" // TIME_ZONE of both sides in the db tests

// dbBackend is one database kind.
type dbBackend struct {
	name string // "sqlite", "postgres", "pgbouncer" (PostgreSQL through PgBouncer), "mysql"
	// open returns a database for one test (SQLite: a new file; servers: the shared
	// test database), or skips when the server is not running.
	open func(t testing.TB) *dbHandle
}

// dbHandle is one database both sides use.
type dbHandle struct {
	backend  string
	django   map[string]any // DATABASES["default"] for the peer
	newStore func(t testing.TB, opts db.Options) *db.Store
	exec     func(ctx context.Context, q string, args ...any) error
	// raw returns session_data and expire_date as text, straight from the table.
	raw func(t testing.TB, table, key string) (data, exp string, ok bool)
	// quote quotes an identifier.
	quote func(string) string
	// placeholder is the i-th parameter marker.
	placeholder func(int) string
	// sqlDB is the database/sql pool (nil for PostgreSQL), pool the pgx pool.
	sqlDB *sql.DB
	pool  *pgxpool.Pool
}

func dbBackends() []dbBackend {
	return []dbBackend{
		{name: "sqlite", open: openSQLite},
		{name: "postgres", open: openPostgres},
		{name: "pgbouncer", open: openPgBouncer},
		{name: "mysql", open: openMySQL},
	}
}

func openSQLite(t testing.TB) *dbHandle {
	path := filepath.Join(t.TempDir(), "db.sqlite3")
	sdb, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sdb.Close() })
	h := sqlHandle("sqlite", sdb, sqlite.Dialect{})
	h.django = map[string]any{"ENGINE": "django.db.backends.sqlite3", "NAME": path}
	h.newStore = func(t testing.TB, opts db.Options) *db.Store {
		s, err := sqlite.New(sdb, opts)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	h.raw = func(t testing.TB, table, key string) (string, string, bool) {
		return rawSQL(t, sdb, "SELECT session_data, CAST(expire_date AS TEXT) FROM "+db.QuoteDouble(table)+" WHERE session_key = ?", key)
	}
	return h
}

func sqlHandle(name string, sdb *sql.DB, d db.Dialect) *dbHandle {
	return &dbHandle{
		backend: name,
		sqlDB:   sdb,
		exec: func(ctx context.Context, q string, args ...any) error {
			_, err := sdb.ExecContext(ctx, q, args...)
			return err
		},
		quote:       d.Quote,
		placeholder: d.Placeholder,
	}
}

func rawSQL(t testing.TB, sdb *sql.DB, q, key string) (string, string, bool) {
	var data, exp string
	err := sdb.QueryRow(q, key).Scan(&data, &exp)
	if err == sql.ErrNoRows {
		return "", "", false
	}
	if err != nil {
		t.Fatal(err)
	}
	return data, exp, true
}

var (
	pgOnce sync.Once
	pgPool *pgxpool.Pool
	pgCfg  *pgx.ConnConfig
	pgErr  error

	bouncerOnce  sync.Once
	bouncerPool  *pgxpool.Pool // simple protocol by default
	bouncerStore *pgxpool.Pool // pgx's default mode
	bouncerCfg   *pgx.ConnConfig
	bouncerErr   error

	myOnce sync.Once
	myDB   *sql.DB
	myCfg  *gomysql.Config
	myErr  error
)

func openPostgres(t testing.TB) *dbHandle {
	dsn := os.Getenv("DJSESSION_PG_DSN")
	if dsn == "" {
		skipOrFailTB(t, "DJSESSION_PG_DSN is not set: run eval \"$(scripts/services start postgres)\"")
	}
	pgOnce.Do(func() { pgPool, pgCfg, pgErr = openPgxPool(dsn, false) })
	if pgErr != nil {
		skipOrFailTB(t, "PostgreSQL at DJSESSION_PG_DSN unavailable (scripts/services start postgres): %v", pgErr)
	}
	return pgHandle("postgres", pgPool, pgPool, false, pgCfg)
}

// openPgBouncer is PostgreSQL behind PgBouncer in transaction pooling mode: the store
// runs on a pool in pgx's default mode (prepared statements, which transaction pooling
// breaks) with Options.SimpleProtocol, so that only that option keeps it working; the
// test's own queries and the bare queries of the benchmarks use a pool in simple mode.
// Django connects through PgBouncer too, as Django's documentation says to
// (DISABLE_SERVER_SIDE_CURSORS).
func openPgBouncer(t testing.TB) *dbHandle {
	dsn := os.Getenv("DJSESSION_PGBOUNCER_DSN")
	if dsn == "" {
		skipOrFailTB(t, "DJSESSION_PGBOUNCER_DSN is not set: run eval \"$(scripts/services start pgbouncer)\"")
	}
	bouncerOnce.Do(func() {
		bouncerStore, _, bouncerErr = openPgxPool(dsn, false)
		if bouncerErr == nil {
			bouncerPool, bouncerCfg, bouncerErr = openPgxPool(dsn, true)
		}
	})
	if bouncerErr != nil {
		skipOrFailTB(t, "PgBouncer at DJSESSION_PGBOUNCER_DSN unavailable (scripts/services start pgbouncer): %v", bouncerErr)
	}
	h := pgHandle("pgbouncer", bouncerPool, bouncerStore, true, bouncerCfg)
	h.django["DISABLE_SERVER_SIDE_CURSORS"] = true
	return h
}

// openPgxPool opens and pings a pool on dsn; with simple, its queries use pgx's simple
// protocol unless told otherwise.
func openPgxPool(dsn string, simple bool) (*pgxpool.Pool, *pgx.ConnConfig, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, nil, err
	}
	cfg.MaxConns = 32
	if simple {
		cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err == nil {
		err = pool.Ping(context.Background())
	}
	return pool, cfg.ConnConfig, err
}

// pgHandle is the dbHandle of a PostgreSQL database reached with cfg: the test's queries
// go to pool, the stores' to storeQ (with the simple protocol when simple).
func pgHandle(name string, pool *pgxpool.Pool, storeQ postgres.Querier, simple bool, cfg *pgx.ConnConfig) *dbHandle {
	h := &dbHandle{backend: name, pool: pool, quote: db.QuoteDouble, placeholder: postgres.Dialect{}.Placeholder}
	h.exec = func(ctx context.Context, q string, args ...any) error {
		_, err := pool.Exec(ctx, q, args...)
		return err
	}
	h.django = map[string]any{"ENGINE": "django.db.backends.postgresql", "NAME": cfg.Database,
		"USER": cfg.User, "PASSWORD": cfg.Password, "HOST": cfg.Host, "PORT": strconv.Itoa(int(cfg.Port))}
	h.newStore = func(t testing.TB, opts db.Options) *db.Store {
		s, err := postgres.New(storeQ, postgres.Options{Options: opts, SimpleProtocol: simple})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	h.raw = func(t testing.TB, table, key string) (string, string, bool) {
		var data, exp string
		err := pool.QueryRow(context.Background(), "SELECT session_data, (expire_date AT TIME ZONE 'UTC')::text FROM "+db.QuoteDouble(table)+" WHERE session_key = $1", key).Scan(&data, &exp)
		if err == pgx.ErrNoRows {
			return "", "", false
		}
		if err != nil {
			t.Fatal(err)
		}
		return data, exp, true
	}
	return h
}

func openMySQL(t testing.TB) *dbHandle {
	dsn := os.Getenv("DJSESSION_MYSQL_DSN")
	if dsn == "" {
		skipOrFailTB(t, "DJSESSION_MYSQL_DSN is not set: run eval \"$(scripts/services start mariadb)\"")
	}
	myOnce.Do(func() {
		myCfg, myErr = gomysql.ParseDSN(dsn)
		if myErr != nil {
			return
		}
		myDB, myErr = dbmysql.Open(dsn)
		if myErr == nil {
			myDB.SetMaxOpenConns(32)
			myErr = myDB.Ping()
		}
	})
	if myErr != nil {
		skipOrFailTB(t, "MariaDB at DJSESSION_MYSQL_DSN unavailable (scripts/services start mariadb): %v", myErr)
	}
	h := sqlHandle("mysql", myDB, dbmysql.Dialect{})
	host, port := myCfg.Addr, "3306"
	if i := lastColon(host); i >= 0 {
		host, port = host[:i], host[i+1:]
	}
	h.django = map[string]any{"ENGINE": "django.db.backends.mysql", "NAME": myCfg.DBName, "USER": myCfg.User,
		"PASSWORD": myCfg.Passwd, "HOST": host, "PORT": port, "OPTIONS": map[string]any{"charset": "utf8mb4"}}
	h.newStore = func(t testing.TB, opts db.Options) *db.Store {
		s, err := dbmysql.New(myDB, opts)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	h.raw = func(t testing.TB, table, key string) (string, string, bool) {
		return rawSQL(t, myDB, "SELECT session_data, CAST(expire_date AS CHAR) FROM "+dbmysql.Dialect{}.Quote(table)+" WHERE session_key = ?", key)
	}
	return h
}

func lastColon(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == ':' {
			return i
		}
	}
	return -1
}

func skipOrFailTB(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if requireLive() {
		t.Fatal(msg + " (DJSESSION_REQUIRE_LIVE=1: live tests may not skip)")
	}
	t.Skip(msg)
}

// tempTable returns a fresh table name and drops the table when the test ends.
func (h *dbHandle) tempTable(t testing.TB, prefix string) string {
	var b [4]byte
	rand.Read(b[:])
	name := prefix + "_" + hex.EncodeToString(b[:])
	t.Cleanup(func() { h.exec(context.Background(), "DROP TABLE IF EXISTS "+h.quote(name)) })
	return name
}

// dbOptions are the Go settings matching a peer with SECRET_KEY liveKey, TIME_ZONE dbZone
// and the given USE_TZ, on the clock *now.
func dbOptions(t testing.TB, useTZ bool, now *time.Time, table string, logger *slog.Logger) db.Options {
	loc, err := time.LoadLocation(dbZone)
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return *now }
	codec, err := session.NewCodec(session.Config{SecretKey: liveKey, Now: clock, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	return db.Options{
		Options: engines.Options{Codec: codec, Expiry: session.Expiry{NaiveTimes: !useTZ, Location: loc}, Now: clock, Logger: logger},
		Table:   table,
	}
}

// startDBPeer starts a Django peer of one series whose settings point at database h.
func startDBPeer(t testing.TB, series string, h *dbHandle, useTZ bool) *peer {
	t.Helper()
	py := filepath.Join(venvDir(), "django-"+series, "bin", "python")
	if _, err := os.Stat(py); err != nil {
		skipOrFailTB(t, "no virtualenv for Django %s at %s: run scripts/venvs", series, py)
	}
	settings, _ := json.Marshal(map[string]any{
		"SECRET_KEY": liveKey, "USE_TZ": useTZ, "TIME_ZONE": dbZone,
		"DATABASES": map[string]any{"default": h.django},
	})
	p, err := startPeerEnv(series, py, []string{"DJSESSION_PEER_SETTINGS=" + string(settings)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.stop)
	return p
}

// dbJSON is Django's JSON text of a session dict.
func dbJSON(t testing.TB, d *serializer.Dict) string {
	t.Helper()
	if d == nil {
		d = serializer.NewDict()
	}
	js, err := serializer.EncodeJSON(serializer.DictValue(d))
	if err != nil {
		t.Fatal(err)
	}
	return string(js)
}

// dbUnix is a Unix time in seconds as the peer's "now" (whole microseconds).
func dbUnix(t time.Time) float64 { return float64(t.UnixMicro()) / 1e6 }
