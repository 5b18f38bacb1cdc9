package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // --time-zone works on machines without a zoneinfo database

	"github.com/jackc/pgx/v5/pgxpool"

	djengines "github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/engines/db/mysql"
	"github.com/djsession/djsession/engines/db/postgres"
	"github.com/djsession/djsession/engines/db/sqlite"
	"github.com/djsession/djsession/engines/file"
	"github.com/djsession/djsession/session"
)

// storeFlags are the settings of the commands that read a session store (inspect, list,
// clearsessions). Names follow Django's settings.
type storeFlags struct {
	engine     optString
	dbURL      string
	filePath   optString
	cookieName string
	cookieAge  int
	useTZ      bool
	timeZone   string
	table      string
	storeClass string
	legacy     bool
	acceptSHA1 bool
	jsonOut    bool
	ser        *serializerChoice
	listUser   optString // list --user: only the sessions logged in as this user id
}

// wantUser reports whether list shows e: always, unless --user names another user.
func (f *storeFlags) wantUser(e entry) bool {
	return !f.listUser.set || e.UserID != nil && e.userText == f.listUser.v
}

func defineStoreFlags(fs *flag.FlagSet, engineHelp string) *storeFlags {
	return defineStoreFlagsAs(fs, "", engineHelp)
}

// defineStoreFlagsAs defines the store flags with each name after prefix (migrate-sessions
// has a "from-" and a "to-" store); --json only without a prefix.
func defineStoreFlagsAs(fs *flag.FlagSet, prefix, engineHelp string) *storeFlags {
	f := &storeFlags{useTZ: true}
	n := func(name string) string { return prefix + name }
	fs.Var(&f.engine, n("engine"), "the session `engine`: "+engineHelp+" (default: file with --"+n("file-path")+", else db)")
	fs.StringVar(&f.dbURL, n("db"), "", "db engine: the database `URL`: postgres://..., postgresql://... (through PgBouncer in transaction mode: add default_query_exec_mode=simple_protocol), mysql://user:pass@host:port/db, sqlite:PATH or sqlite:///ABS/PATH")
	fs.Var(&f.filePath, n("file-path"), "file engine: SESSION_FILE_PATH, the session `directory` (default: the system temporary directory)")
	fs.StringVar(&f.cookieName, n("session-cookie-name"), file.DefaultCookieName, "SESSION_COOKIE_NAME, the prefix of the file engine's file `name`s")
	fs.IntVar(&f.cookieAge, n("session-cookie-age"), session.DefaultCookieAge, "SESSION_COOKIE_AGE in `seconds`")
	fs.BoolVar(&f.useTZ, n("use-tz"), true, "USE_TZ (--"+n("no-use-tz")+" or --"+n("use-tz")+"=false for USE_TZ = False)")
	fs.Var(negBool{&f.useTZ}, n("no-use-tz"), "USE_TZ = False: expire dates are naive times in --"+n("time-zone"))
	fs.StringVar(&f.timeZone, n("time-zone"), "UTC", "TIME_ZONE, an IANA `zone` name (Django's global default is America/Chicago; startproject writes UTC)")
	fs.StringVar(&f.table, n("table"), db.DefaultTable, "db engine: the session `table` (Meta.db_table)")
	fs.StringVar(&f.storeClass, n("store-class"), session.DefaultStoreClass, "the __qualname__ of the SessionStore `class`, part of the salt; not for signed_cookies")
	fs.BoolVar(&f.legacy, n("legacy"), false, "also read the pre-3.1 session format (Django 3.1/3.2)")
	fs.BoolVar(&f.acceptSHA1, n("accept-sha1"), false, "also accept SHA-1 signatures (Django 3.1/3.2)")
	if prefix == "" {
		fs.BoolVar(&f.jsonOut, "json", false, "print JSON instead of text")
	}
	f.ser = serializerFlagAs(fs, n("serializer"))
	return f
}

// negBool is a boolean flag that sets *p to the opposite of its value.
type negBool struct{ p *bool }

func (n negBool) String() string {
	if n.p == nil {
		return "false"
	}
	return strconv.FormatBool(!*n.p)
}

func (n negBool) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	*n.p = !b
	return nil
}

func (negBool) IsBoolFlag() bool { return true }

// engineName returns the engine to use: --engine, else file when --file-path is given,
// else db.
func (f *storeFlags) engineName() string {
	switch {
	case f.engine.set:
		return f.engine.v
	case f.filePath.set:
		return "file"
	}
	return "db"
}

// storeSettings is what every engine needs, resolved from the flags.
type storeSettings struct {
	codec  *session.Codec
	expiry session.Expiry
	now    func() time.Time
}

func (f *storeFlags) settings(cfg *config) (*storeSettings, error) {
	if cfg.keyErr != nil {
		return nil, cfg.keyErr
	}
	if f.cookieAge == 0 {
		// session.Expiry reads 0 as "the default"; Django would expire everything at once.
		return nil, usagef("--session-cookie-age 0 is not supported")
	}
	loc, err := time.LoadLocation(f.timeZone)
	if err != nil || f.timeZone == "" || f.timeZone == "Local" {
		return nil, usagef("--time-zone %q is not an IANA time zone name", f.timeZone)
	}
	now := cfg.now
	if now == nil {
		now = time.Now
	}
	codec, err := session.NewCodec(session.Config{SecretKey: cfg.key, SecretKeyFallbacks: cfg.fallbackKeys,
		StoreClass: f.storeClass, Serializer: f.ser.serializer(), AcceptLegacy: f.legacy,
		AcceptSHA1: f.acceptSHA1, Now: now, Logger: discardLogger})
	if err != nil {
		return nil, err
	}
	return &storeSettings{
		codec:  codec,
		expiry: session.Expiry{CookieAge: f.cookieAge, NaiveTimes: !f.useTZ, Location: loc},
		now:    now,
	}, nil
}

// checkEngineFlags rejects flags that do not apply to the engine.
func (f *storeFlags) checkEngineFlags(engine string) error {
	switch engine {
	case "db":
		if f.dbURL == "" {
			return usagef("the db engine needs --db URL")
		}
		if f.filePath.set {
			return usagef("--file-path is for the file engine, not db")
		}
	case "file":
		if f.dbURL != "" {
			return usagef("--db is for the db engine, not file")
		}
	case "signed_cookies":
		if f.dbURL != "" || f.filePath.set {
			return usagef("signed_cookies keeps the session in the cookie: --db and --file-path do not apply")
		}
		if f.legacy {
			return usagef("--legacy does not apply to signed_cookies")
		}
	default:
		if isCacheEngine(engine) {
			return usagef("not for the %s engine: the cache expires sessions itself (cached_db's rows: --engine db --db URL)", engine)
		}
		return usagef("unknown engine %q (want db, file or signed_cookies)", engine)
	}
	return nil
}

// dbTarget is a parsed --db URL.
type dbTarget struct {
	vendor string // "postgresql", "mysql" or "sqlite"
	dsn    string // pgx URL, go-sql-driver DSN, or SQLite file path
}

// parseDBURL reads --db: postgres:// and postgresql:// URLs go to pgx as they are;
// mysql:// (or mariadb://) URLs become a go-sql-driver DSN; sqlite:PATH, sqlite:///ABS/PATH
// name an SQLite file.
func parseDBURL(raw string) (dbTarget, error) {
	scheme, rest, ok := strings.Cut(raw, ":")
	if !ok || scheme == "" {
		return dbTarget{}, usagef("--db %q is not a database URL (want postgres://..., mysql://..., sqlite:PATH)", raw)
	}
	switch strings.ToLower(scheme) {
	case "sqlite", "sqlite3":
		path := rest
		if strings.HasPrefix(rest, "//") {
			if !strings.HasPrefix(rest, "///") {
				return dbTarget{}, usagef("--db %q: an SQLite URL has no host; use sqlite:PATH or sqlite:///ABS/PATH", raw)
			}
			path = rest[2:]
		}
		if path == "" {
			return dbTarget{}, usagef("--db %q names no SQLite file", raw)
		}
		return dbTarget{vendor: "sqlite", dsn: path}, nil
	case "postgres", "postgresql":
		if _, err := pgxpool.ParseConfig(raw); err != nil {
			return dbTarget{}, usagef("--db: %v", err)
		}
		return dbTarget{vendor: "postgresql", dsn: raw}, nil
	case "mysql", "mariadb":
		dsn, err := mysqlDSN(raw)
		if err != nil {
			return dbTarget{}, err
		}
		return dbTarget{vendor: "mysql", dsn: dsn}, nil
	}
	return dbTarget{}, usagef("--db: unknown database URL scheme %q (want postgres, postgresql, mysql, mariadb or sqlite)", scheme)
}

// mysqlDSN converts mysql://user:pass@host:port/db?params to go-sql-driver's
// user:pass@tcp(host:port)/db?params (port 3306 by default).
func mysqlDSN(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", usagef("--db: %v", err)
	}
	if u.Opaque != "" || u.Host == "" {
		return "", usagef("--db %q: want mysql://user:password@host:port/database", raw)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" || strings.Contains(name, "/") {
		return "", usagef("--db %q: want mysql://user:password@host:port/database", raw)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "3306"
	}
	var b strings.Builder
	if u.User != nil {
		b.WriteString(u.User.Username())
		if p, ok := u.User.Password(); ok {
			b.WriteString(":" + p)
		}
		b.WriteString("@")
	}
	b.WriteString("tcp(" + net.JoinHostPort(host, port) + ")/" + name)
	if u.RawQuery != "" {
		b.WriteString("?" + u.RawQuery)
	}
	return b.String(), nil
}

// sqliteDSN is a modernc.org/sqlite DSN for path that never creates the file: read-only
// unless write.
func sqliteDSN(path string, write bool) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	mode := "ro"
	if write {
		mode = "rw"
	}
	return "file:" + esc + "?mode=" + mode + "&_pragma=busy_timeout(5000)"
}

// openDB opens the db engine's store for --db; write is for clearsessions.
func (f *storeFlags) openDB(ctx context.Context, st *storeSettings, write bool) (*db.Store, func(), error) {
	t, err := parseDBURL(f.dbURL)
	if err != nil {
		return nil, nil, err
	}
	opts := db.Options{Options: djengines.Options{Codec: st.codec, Expiry: st.expiry, Now: st.now, Logger: discardLogger},
		Table: f.table}
	switch t.vendor {
	case "postgresql":
		pool, err := pgxpool.New(ctx, t.dsn)
		if err != nil {
			return nil, nil, fmt.Errorf("postgresql: %w", err)
		}
		s, err := postgres.New(pool, postgres.Options{Options: opts})
		if err != nil {
			pool.Close()
			return nil, nil, err
		}
		return s, pool.Close, nil
	case "mysql":
		conn, err := mysql.Open(t.dsn)
		if err != nil {
			return nil, nil, usagef("--db: %v", err)
		}
		s, err := mysql.New(conn, opts)
		if err != nil {
			conn.Close()
			return nil, nil, err
		}
		return s, func() { conn.Close() }, nil
	}
	st2, err := os.Stat(t.dsn)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, nil, fmt.Errorf("sqlite: %s: no such database file", t.dsn)
	case err != nil:
		return nil, nil, fmt.Errorf("sqlite: %w", err)
	case st2.IsDir():
		return nil, nil, fmt.Errorf("sqlite: %s is a directory, not a database file", t.dsn)
	}
	conn, err := sql.Open(sqlite.DriverName, sqliteDSN(t.dsn, write))
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: %w", err)
	}
	s, err := sqlite.New(conn, opts)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return s, func() { conn.Close() }, nil
}

// openFile opens the file engine's store for --file-path.
func (f *storeFlags) openFile(st *storeSettings) (*file.Store, error) {
	if f.filePath.set && f.filePath.v == "" {
		return nil, usagef("--file-path is empty")
	}
	if f.cookieName == "" {
		return nil, usagef("--session-cookie-name is empty")
	}
	s, err := file.New(file.Config{Path: f.filePath.v, CookieName: f.cookieName},
		djengines.Options{Codec: st.codec, Expiry: st.expiry, Now: st.now, Logger: discardLogger})
	if err != nil {
		return nil, err
	}
	return s, nil
}
