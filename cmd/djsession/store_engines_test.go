package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgxpool"

	djengines "github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/engines/db/mysql"
	"github.com/djsession/djsession/engines/db/postgres"
	"github.com/djsession/djsession/engines/db/sqlite"
	"github.com/djsession/djsession/engines/file"
	"github.com/djsession/djsession/engines/signedcookies"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
)

// exampleKey is the fixture's secret key, which cli() passes.
func exampleKey(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(exampleDir, "secret-key.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return chomp(string(b))
}

func codecAt(t *testing.T, now time.Time) *session.Codec {
	t.Helper()
	c, err := session.NewCodec(session.Config{SecretKey: exampleKey(t), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func dictOf(t *testing.T, text string) *serializer.Dict {
	t.Helper()
	v, err := serializer.DecodeJSONText(text)
	if err != nil || v.Dict() == nil {
		t.Fatalf("%s: %v", text, err)
	}
	return v.Dict()
}

func saveSession(t *testing.T, s djengines.Store, key, text string) {
	t.Helper()
	if err := s.Save(context.Background(), key, dictOf(t, text), true); err != nil {
		t.Fatal(err)
	}
}

// newSQLiteStore makes an SQLite database with Django's table, written by the Go db
// engine with its clock at now.
func newSQLiteStore(t *testing.T, path string, now time.Time, naive bool, loc *time.Location) (*db.Store, *sql.DB) {
	t.Helper()
	conn, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.New(conn, db.Options{Options: djengines.Options{Codec: codecAt(t, now),
		Expiry: session.Expiry{NaiveTimes: naive, Location: loc}, Now: func() time.Time { return now }}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, conn
}

const modelBackend = "django.contrib.auth.backends.ModelBackend"

// rawSession returns the "session" member of inspect --json output as printed.
func rawSession(t *testing.T, out string) json.RawMessage {
	t.Helper()
	var v struct {
		Session json.RawMessage `json:"session"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	return v.Session
}

// ---------------------------------------------------------------- file engine

type fileCase struct {
	key, data string
	age       time.Duration // mtime this long ago
	expired   bool
	user      string
	empty     bool // the empty placeholder file
}

func fileCases() []fileCase {
	k := func(c byte) string { return strings.Repeat(string(c), 32) }
	return []fileCase{
		{key: k('a'), data: `{"_auth_user_id":"1","_auth_user_backend":"` + modelBackend + `","_auth_user_hash":"x"}`, user: "1"},
		{key: k('b'), data: `{"cart":[1,2],"greeting":"h\u00e9"}`},
		{key: k('c'), data: `{"a":1}`, age: 15 * 24 * time.Hour, expired: true},                                  // mtime + 14 days passed
		{key: k('d'), data: `{"_session_expiry":"2020-01-01T00:00:00+00:00"}`, expired: true},                    // absolute, passed
		{key: k('e'), data: `{"_auth_user_id":"2","_session_expiry":3600}`, age: 30 * 24 * time.Hour, user: "2"}, // int: never expires here
		{key: k('f'), empty: true, age: 30 * 24 * time.Hour},                                                     // placeholder: not checked
		{key: "g1234567", data: `{"_session_expiry":"2999-01-01T00:00:00"}`},                                     // absolute, far
	}
}

// makeFileStore writes the cases with Go's file engine into a new directory, plus files
// Django's scan ignores.
func makeFileStore(t *testing.T, prefix string) string {
	t.Helper()
	dir := t.TempDir()
	now := time.Now()
	s, err := file.New(file.Config{Path: dir, CookieName: prefix}, djengines.Options{Codec: codecAt(t, now)})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range fileCases() {
		name := filepath.Join(dir, prefix+c.key)
		if c.empty {
			if err := os.WriteFile(name, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		} else {
			saveSession(t, s, c.key, c.data)
		}
		if c.age != 0 {
			old := now.Add(-c.age)
			if err := os.Chtimes(name, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, content := range map[string]string{
		"notes.txt":      "x",
		prefix + "short": "x",
		prefix + strings.Repeat("h", 32) + "_out_123": "x",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, prefix+strings.Repeat("i", 32)), 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

// copyDir copies the regular files of dir, keeping their mtimes.
func copyDir(t *testing.T, dir string) string {
	t.Helper()
	out := t.TempDir()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		src := filepath.Join(dir, e.Name())
		if e.IsDir() {
			os.Mkdir(filepath.Join(out, e.Name()), 0o700)
			continue
		}
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := os.Stat(src)
		dst := filepath.Join(out, e.Name())
		if err := os.WriteFile(dst, b, 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(dst, st.ModTime(), st.ModTime())
	}
	return out
}

// sessionFiles returns the keys of the session files in dir, sorted.
func sessionFiles(t *testing.T, dir, prefix string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range ents {
		if k, ok := strings.CutPrefix(e.Name(), prefix); ok && !e.IsDir() && len(k) >= 8 && validKeyChars(k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func TestFileEngine(t *testing.T) {
	for _, prefix := range []string{"sessionid", "mysite_session"} {
		t.Run(prefix, func(t *testing.T) { testFileEngine(t, prefix) })
	}
}

func testFileEngine(t *testing.T, prefix string) {
	dir := makeFileStore(t, prefix)
	flags := []string{"--file-path", dir}
	if prefix != file.DefaultCookieName {
		flags = append(flags, "--session-cookie-name", prefix)
	}
	cases := fileCases()
	slices.SortFunc(cases, func(a, b fileCase) int { return strings.Compare(a.key, b.key) })

	var alive []string
	for _, c := range cases {
		if !c.expired {
			alive = append(alive, c.key)
		}
	}

	// The Go engine's own clear_expired (tested against Django) on a copy keeps exactly
	// the sessions list shows.
	ref := copyDir(t, dir)
	refStore, err := file.New(file.Config{Path: ref, CookieName: prefix}, djengines.Options{Codec: codecAt(t, time.Now())})
	if err != nil {
		t.Fatal(err)
	}
	if err := refStore.ClearExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := sessionFiles(t, ref, prefix); !slices.Equal(got, alive) {
		t.Fatalf("engine keeps %v, cases say %v", got, alive)
	}

	rows := jsonLines(t, ok(t, cli(append([]string{"list", "--json"}, flags...)...)))
	var keys []string
	for _, r := range rows {
		keys = append(keys, r["key"].(string))
	}
	if !slices.Equal(keys, alive) {
		t.Errorf("list: %v, want %v", keys, alive)
	}
	rows = jsonLines(t, ok(t, cli(append([]string{"list", "--all", "--json"}, flags...)...)))
	if len(rows) != len(cases) {
		t.Fatalf("list --all: %v", rows)
	}
	for i, c := range cases {
		r := rows[i]
		var wantUser any
		if c.user != "" {
			wantUser = c.user
		}
		st, _ := os.Stat(filepath.Join(dir, prefix+c.key))
		if r["key"] != c.key || r["expired"] != c.expired || r["user_id"] != wantUser || r["size"] != float64(st.Size()) {
			t.Errorf("list --all row %v, want %+v", r, c)
		}
	}
	text := ok(t, cli(append([]string{"list"}, flags...)...))
	if n := strings.Count(text, "\n"); n != len(alive) {
		t.Errorf("list text has %d lines:\n%s", n, text)
	}

	// inspect: the data as saved, the expiry Django's file engine computes.
	for _, c := range cases {
		r := jsonLines(t, ok(t, cli(append([]string{"inspect", "--json"}, append(flags, c.key)...)...)))[0]
		st, _ := os.Stat(filepath.Join(dir, prefix+c.key))
		e := session.Expiry{}
		data := serializer.NewDict()
		if !c.empty {
			data = dictOf(t, c.data)
		}
		exp, err := e.Date(data, st.ModTime())
		if err != nil {
			t.Fatal(err)
		}
		wantSession := "{}"
		if !c.empty {
			b, _ := serializer.EncodeJSON(serializer.DictValue(data))
			wantSession = string(b)
		}
		got := rawSession(t, ok(t, cli(append([]string{"inspect", "--json"}, append(flags, c.key)...)...)))
		if string(got) != wantSession {
			t.Errorf("inspect --json %s: session %s, want %s", c.key, got, wantSession)
		}
		if r["expire_date"] != e.FormatISO(exp.UTC()) || r["expired"] != c.expired || r["engine"] != "file" ||
			r["modified"] != e.FormatISO(st.ModTime().UTC()) {
			t.Errorf("inspect %s: %v (want expire_date %s)", c.key, r, e.FormatISO(exp.UTC()))
		}
		if !strings.Contains(ok(t, cli(append([]string{"inspect"}, append(flags, c.key)...)...)), "session       "+wantSession+"\n") {
			t.Errorf("inspect %s: session is not %s (json %s)", c.key, wantSession, got)
		}
	}

	// A bad signature: listed without a user and a warning; inspect says why.
	bad := strings.Repeat("z", 32)
	if err := os.WriteFile(filepath.Join(dir, prefix+bad), []byte("eyJhIjoxfQ:1tSmBU:notavalidsignature"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := cli(append([]string{"list"}, flags...)...)
	if r.code != 0 || !strings.Contains(r.stdout, bad+"  ") || !strings.Contains(r.stderr, "Session data corrupted") {
		t.Errorf("list with a corrupted session: %+v", r)
	}
	if r := cli(append([]string{"inspect"}, append(flags, bad)...)...); r.code != exitBadSig {
		t.Errorf("inspect corrupted: %+v", r)
	}
	if r := cli(append([]string{"inspect"}, append(flags, strings.Repeat("y", 32))...)...); r.code != exitError ||
		!strings.Contains(r.stderr, "no such session") {
		t.Errorf("inspect missing: %+v", r)
	}
	os.Remove(filepath.Join(dir, prefix+bad))

	// clearsessions removes what the engine removes, and says how many.
	if got := line(t, cli(append([]string{"clearsessions"}, flags...)...)); got != "2 expired sessions removed" {
		t.Errorf("clearsessions: %q", got)
	}
	if got, want := sessionFiles(t, dir, prefix), sessionFiles(t, ref, prefix); !slices.Equal(got, want) {
		t.Errorf("clearsessions left %v, the engine %v", got, want)
	}
	for _, other := range []string{"notes.txt", prefix + "short", prefix + strings.Repeat("h", 32) + "_out_123", prefix + strings.Repeat("i", 32)} {
		if _, err := os.Stat(filepath.Join(dir, other)); err != nil {
			t.Errorf("clearsessions touched %s: %v", other, err)
		}
	}
	// Later, the mtime-based sessions expire too.
	later := strconv.FormatInt(time.Now().Add(20*24*time.Hour).Unix(), 10)
	rows = jsonLines(t, ok(t, cli(append([]string{"list", "--json", "--now", later}, flags...)...)))
	var laterKeys []string
	for _, r := range rows {
		laterKeys = append(laterKeys, r["key"].(string))
	}
	if want := []string{strings.Repeat("e", 32), strings.Repeat("f", 32), "g1234567"}; !slices.Equal(laterKeys, want) {
		t.Errorf("list --now +20 days: %v, want %v", laterKeys, want)
	}
}

// ---------------------------------------------------------------- signed_cookies

func TestSignedCookiesInspect(t *testing.T) {
	signedAt := time.Unix(1700000000, 0)
	newKey, oldKey := exampleKey(t), "an-older-secret-key-from-rotation"
	mk := func(secret string) string {
		s, err := signedcookies.New(signedcookies.Config{SecretKey: secret},
			djengines.Options{Now: func() time.Time { return signedAt }})
		if err != nil {
			t.Fatal(err)
		}
		v, err := s.Encode(dictOf(t, `{"_auth_user_id":"5","_auth_user_backend":"`+modelBackend+`","x":[1,2.5]}`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cookie := mk(newKey)
	inspect := func(args ...string) result {
		return cli(append([]string{"inspect", "--engine", "signed_cookies"}, args...)...)
	}
	r := jsonLines(t, ok(t, inspect("--json", "--now", "1700000100", cookie)))[0]
	want := map[string]any{"key": cookie, "engine": "signed_cookies", "expire_date": "2023-11-28T22:13:20+00:00",
		"expired": false, "signed_at": "2023-11-14T22:13:20+00:00", "user_id": "5", "user_backend": modelBackend,
		"size": float64(len(cookie))}
	for k, v := range want {
		if r[k] != v {
			t.Errorf("%s = %v, want %v", k, r[k], v)
		}
	}
	text := ok(t, inspect("--now", "1700000100", cookie))
	if !strings.Contains(text, `session       {"_auth_user_id":"5","_auth_user_backend":"`+modelBackend+`","x":[1,2.5]}`+"\n") {
		t.Errorf("text:\n%s", text)
	}
	// Older than SESSION_COOKIE_AGE: shown, marked expired (Django would not load it).
	r = jsonLines(t, ok(t, inspect("--json", "--now", strconv.Itoa(1700000000+1209601), cookie)))[0]
	if r["expired"] != true {
		t.Errorf("expired: %v", r)
	}
	r = jsonLines(t, ok(t, inspect("--json", "--session-cookie-age", "60", "--now", "1700000061", cookie)))[0]
	if r["expired"] != true || r["expire_date"] != "2023-11-14T22:14:20+00:00" {
		t.Errorf("age 60: %v", r)
	}
	r = jsonLines(t, ok(t, inspect("--json", "--session-cookie-age", "60", "--now", "1700000060", cookie)))[0]
	if r["expired"] != false {
		t.Errorf("age 60, exactly 60 s later: %v", r)
	}
	// Key rotation: a cookie signed with a key now in SECRET_KEY_FALLBACKS.
	old := mk(oldKey)
	if r := inspect(old); r.code != exitBadSig {
		t.Errorf("old key without fallback: %+v", r)
	}
	if r := inspect("--fallback-key", oldKey, "--now", "1700000100", old); r.code != 0 {
		t.Errorf("with fallback: %+v", r)
	}
	// Standard input.
	if r := call(nil, cookie+"\n", "inspect", "--secret-key", newKey, "--engine", "signed_cookies", "--now", "1700000100", "-"); r.code != 0 || r.stdout != text {
		t.Errorf("stdin: %+v", r)
	}
	if r := inspect(flipLast(cookie)); r.code != exitBadSig {
		t.Errorf("tampered: %+v", r)
	}
	if r := cli("clearsessions", "--engine", "signed_cookies"); r.code != 0 || r.stdout != "0 expired sessions removed\n" {
		t.Errorf("clearsessions signed_cookies: %+v", r)
	}
}

// ---------------------------------------------------------------- live databases

func skipOrFail(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("DJSESSION_REQUIRE_LIVE") == "1" {
		t.Fatal(msg + " (DJSESSION_REQUIRE_LIVE=1: live tests may not skip)")
	}
	t.Skip(msg)
}

func randomTable(t *testing.T) string {
	var b [6]byte
	rand.Read(b[:])
	return "djs_cli_" + hex.EncodeToString(b[:])
}

// livePostgres connects to DJSESSION_PG_DSN (skipping, or failing in CI, without it) and
// returns the pool, closed at the test's end, and the DSN.
func livePostgres(t *testing.T) (*pgxpool.Pool, string) {
	dsn := os.Getenv("DJSESSION_PG_DSN")
	if dsn == "" {
		skipOrFail(t, `DJSESSION_PG_DSN is not set: run eval "$(scripts/services start postgres mariadb)"`)
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err == nil {
		err = pool.Ping(ctx)
	}
	if err != nil {
		skipOrFail(t, fmt.Sprintf("PostgreSQL at DJSESSION_PG_DSN unavailable (scripts/services start postgres mariadb): %v", err))
	}
	t.Cleanup(pool.Close)
	return pool, dsn
}

// liveMariaDB connects to DJSESSION_MYSQL_DSN (skipping, or failing in CI, without it)
// and returns the handle, closed at the test's end, and the database's mysql:// URL as
// --db takes it.
func liveMariaDB(t *testing.T) (*sql.DB, string) {
	dsn := os.Getenv("DJSESSION_MYSQL_DSN")
	if dsn == "" {
		skipOrFail(t, `DJSESSION_MYSQL_DSN is not set: run eval "$(scripts/services start postgres mariadb)"`)
	}
	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := mysql.Open(dsn)
	if err == nil {
		err = conn.Ping()
	}
	if err != nil {
		skipOrFail(t, fmt.Sprintf("MariaDB at DJSESSION_MYSQL_DSN unavailable (scripts/services start postgres mariadb): %v", err))
	}
	t.Cleanup(func() { conn.Close() })
	u := url.URL{Scheme: "mysql", User: url.UserPassword(cfg.User, cfg.Passwd), Host: cfg.Addr, Path: "/" + cfg.DBName}
	return conn, u.String()
}

// liveSuite writes sessions with the Go db engine (two clocks: now, and a year ago for
// the expired ones) and checks list, inspect and clearsessions through dbURL.
func liveSuite(t *testing.T, dbURL string, open func(table string, now time.Time) *db.Store, drop func(table string)) {
	table := randomTable(t)
	now := time.Now()
	cur, past := open(table, now), open(table, now.Add(-365*24*time.Hour))
	if err := cur.CreateTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { drop(table) })
	type row struct {
		key, data, user string
		expired         bool
	}
	rows := []row{
		{key: strings.Repeat("a", 32), data: `{"_auth_user_id":"11","_auth_user_backend":"` + modelBackend + `","_auth_user_hash":"h"}`, user: "11"},
		{key: strings.Repeat("b", 32), data: `{"cart":["x"]}`},
		{key: strings.Repeat("c", 32), data: `{"_auth_user_id":"12"}`, user: "12", expired: true},
		{key: strings.Repeat("d", 32), data: `{"_session_expiry":60}`, expired: true},
	}
	for _, r := range rows {
		s := cur
		if r.expired {
			s = past
		}
		saveSession(t, s, r.key, r.data)
	}
	flags := []string{"--db", dbURL, "--table", table}
	listKeys := func(args ...string) []string {
		var keys []string
		for _, r := range jsonLines(t, ok(t, cli(append(append([]string{"list", "--json"}, args...), flags...)...))) {
			keys = append(keys, r["key"].(string))
		}
		return keys
	}
	if got := listKeys(); !slices.Equal(got, []string{rows[0].key, rows[1].key}) {
		t.Errorf("list: %v", got)
	}
	if got := listKeys("--all"); len(got) != 4 {
		t.Errorf("list --all: %v", got)
	}
	for _, r := range rows {
		out := ok(t, cli(append(append([]string{"inspect", "--json"}, flags...), r.key)...))
		got := jsonLines(t, out)[0]
		b := rawSession(t, out)
		rec, _, err := cur.Get(context.Background(), r.key)
		if err != nil {
			t.Fatal(err)
		}
		var wantUser any
		if r.user != "" {
			wantUser = r.user
		}
		if string(b) != r.data || got["expired"] != r.expired || got["user_id"] != wantUser ||
			got["expire_date"] != (session.Expiry{}).FormatISO(rec.ExpireDate.UTC()) {
			t.Errorf("inspect %s: %v (session %s)", r.key, got, b)
		}
	}
	if got := line(t, cli(append([]string{"clearsessions"}, flags...)...)); got != "2 expired sessions removed" {
		t.Errorf("clearsessions: %q", got)
	}
	if got := listKeys("--all"); !slices.Equal(got, []string{rows[0].key, rows[1].key}) {
		t.Errorf("after clearsessions: %v", got)
	}
	if r := cli(append(append([]string{"inspect"}, flags...), rows[2].key)...); r.code != exitError {
		t.Errorf("inspect a cleared session: %+v", r)
	}
}

func TestLivePostgres(t *testing.T) {
	dsn := os.Getenv("DJSESSION_PG_DSN")
	if dsn == "" {
		skipOrFail(t, `DJSESSION_PG_DSN is not set: run eval "$(scripts/services start postgres mariadb)"`)
	}
	livePostgresSuite(t, dsn, "PostgreSQL at DJSESSION_PG_DSN unavailable (scripts/services start postgres mariadb)")
}

// TestLivePgBouncer runs the CLI through PgBouncer in transaction pooling mode, where it
// needs pgx's simple protocol, which pgx reads from the URL (default_query_exec_mode).
func TestLivePgBouncer(t *testing.T) {
	dsn := os.Getenv("DJSESSION_PGBOUNCER_DSN")
	if dsn == "" {
		skipOrFail(t, `DJSESSION_PGBOUNCER_DSN is not set: run eval "$(scripts/services start pgbouncer)"`)
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	livePostgresSuite(t, dsn+sep+"default_query_exec_mode=simple_protocol",
		"PgBouncer at DJSESSION_PGBOUNCER_DSN unavailable (scripts/services start pgbouncer)")
}

func livePostgresSuite(t *testing.T, dsn, unavailable string) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err == nil {
		err = pool.Ping(ctx)
	}
	if err != nil {
		skipOrFail(t, fmt.Sprintf("%s: %v", unavailable, err))
	}
	defer pool.Close()
	liveSuite(t, dsn, func(table string, now time.Time) *db.Store {
		s, err := postgres.New(pool, postgres.Options{Options: db.Options{Table: table,
			Options: djengines.Options{Codec: codecAt(t, now), Now: func() time.Time { return now }}}})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}, func(table string) { pool.Exec(ctx, `DROP TABLE IF EXISTS "`+table+`"`) })
}

func TestLiveMariaDB(t *testing.T) {
	conn, dbURL := liveMariaDB(t)
	liveSuite(t, dbURL, func(table string, now time.Time) *db.Store {
		s, err := mysql.New(conn, db.Options{Table: table,
			Options: djengines.Options{Codec: codecAt(t, now), Now: func() time.Time { return now }}})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}, func(table string) { conn.Exec("DROP TABLE IF EXISTS `" + table + "`") })
}

// TestPickleInspect reads a PickleSerializer session (Django <= 4.2) and prints it in
// tagged JSON.
func TestPickleInspect(t *testing.T) {
	dir := t.TempDir()
	c, err := session.NewCodec(session.Config{SecretKey: exampleKey(t), Serializer: serializer.Pickle{}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := file.New(file.Config{Path: dir}, djengines.Options{Codec: c})
	if err != nil {
		t.Fatal(err)
	}
	d := serializer.NewDict()
	d.Set("_auth_user_id", serializer.Int(9))
	d.Set("pair", serializer.Tuple(serializer.Int(1), serializer.Str("a")))
	key := strings.Repeat("p", 32)
	if err := s.Save(context.Background(), key, d, true); err != nil {
		t.Fatal(err)
	}
	out := ok(t, cli("inspect", "--json", "--serializer", "pickle", "--file-path", dir, key))
	if got := string(rawSession(t, out)); got != `{"_auth_user_id":9,"pair":{"$tuple":[1,"a"]}}` {
		t.Errorf("session %s", got)
	}
	if r := jsonLines(t, out)[0]; r["user_id"] != float64(9) || r["user_backend"] != nil {
		t.Errorf("inspect: %v", r)
	}
	if got := ok(t, cli("list", "--serializer", "pickle", "--file-path", dir)); !strings.Contains(got, "  9  ") {
		t.Errorf("list: %q", got)
	}
	// Read as JSON, the pickle is data Django's JSON serializer cannot load.
	if r := cli("inspect", "--file-path", dir, key); r.code != exitError {
		t.Errorf("inspect as json: %+v", r)
	}
}

// TestLiveResetLink runs reset-link and check-reset-link on PostgreSQL and MariaDB, over
// a user table holding the users of the example database (the columns Django gives
// auth_user there): the links must be the ones Django 5.2 made for them (see
// TestResetLinkCommands), which exercises each database's reading of last_login.
func TestLiveResetLink(t *testing.T) {
	rows := [][]any{
		{1, "alice", "alice@example.com", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)},
		{2, "bob", "bob@example.com", time.Date(2025, 1, 1, 0, 1, 0, 0, time.UTC)},
		{3, "carol", "carol@example.com", nil},
	}
	// The password hashes are the example database's.
	src, err := sql.Open(sqlite.DriverName, sqliteDSN("../../fixtures/example/db.sqlite3", false))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	passwords := map[int]string{}
	for _, r := range rows {
		var pw string
		if err := src.QueryRow("SELECT password FROM auth_user WHERE id = ?", r[0]).Scan(&pw); err != nil {
			t.Fatal(err)
		}
		passwords[r[0].(int)] = pw
	}
	table := randomTable(t)
	check := func(t *testing.T, dbURL string) {
		k := []string{"--secret-key-file", "../../fixtures/example/secret-key.txt", "--db", dbURL, "--user-table", table, "--now", "1893553445"}
		for _, c := range []struct {
			args []string
			code int
			out  string
		}{
			{append([]string{"reset-link", "alice"}, k...), 0, "/reset/MQ/f4wwit-2b2d1457b3fc332496d7a996ddf30342/\n"},
			{append([]string{"reset-link", "carol"}, k...), 0, "/reset/Mw/f4wwit-649972528fedea4224bab447cc456bef/\n"},
			{append([]string{"check-reset-link", "/reset/Mg/f4wwit-406875d7184c94e1b29eea144f3dfcfa/"}, k...), 0, "2 bob\n"},
			{append([]string{"check-reset-link", "/reset/MQ/f4wwit-406875d7184c94e1b29eea144f3dfcfa/"}, k...), exitBadSig, ""},
		} {
			r := call(nil, "", c.args...)
			if r.code != c.code || r.stdout != c.out {
				t.Errorf("%v: exit %d, %q (stderr %q); want %d, %q", c.args, r.code, r.stdout, r.stderr, c.code, c.out)
			}
		}
	}
	t.Run("postgresql", func(t *testing.T) {
		pool, dsn := livePostgres(t)
		ctx := context.Background()
		// auth_user's columns as Django creates them on PostgreSQL.
		if _, err := pool.Exec(ctx, `CREATE TABLE "`+table+`" ("id" integer NOT NULL PRIMARY KEY, "password" varchar(128) NOT NULL,
			"last_login" timestamp with time zone NULL, "is_active" boolean NOT NULL, "username" varchar(150) NOT NULL UNIQUE,
			"email" varchar(254) NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		defer pool.Exec(ctx, `DROP TABLE "`+table+`"`)
		for _, r := range rows {
			if _, err := pool.Exec(ctx, `INSERT INTO "`+table+`" VALUES ($1, $2, $3, true, $4, $5)`,
				r[0], passwords[r[0].(int)], r[3], r[1], r[2]); err != nil {
				t.Fatal(err)
			}
		}
		check(t, dsn)
	})
	t.Run("mariadb", func(t *testing.T) {
		conn, dbURL := liveMariaDB(t)
		// auth_user's columns as Django creates them on MySQL/MariaDB (naive UTC datetimes).
		if _, err := conn.Exec("CREATE TABLE `" + table + "` (`id` integer NOT NULL PRIMARY KEY, `password` varchar(128) NOT NULL, " +
			"`last_login` datetime(6) NULL, `is_active` bool NOT NULL, `username` varchar(150) NOT NULL UNIQUE, `email` varchar(254) NOT NULL)"); err != nil {
			t.Fatal(err)
		}
		defer conn.Exec("DROP TABLE `" + table + "`")
		for _, r := range rows {
			var ll any
			if r[3] != nil {
				ll = r[3].(time.Time).Format("2006-01-02 15:04:05.000000")
			}
			if _, err := conn.Exec("INSERT INTO `"+table+"` VALUES (?, ?, ?, 1, ?, ?)", r[0], passwords[r[0].(int)], ll, r[1], r[2]); err != nil {
				t.Fatal(err)
			}
		}
		check(t, dbURL)
	})
}
