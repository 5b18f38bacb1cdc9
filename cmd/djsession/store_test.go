package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/engines/db/sqlite"
)

// exampleDir is the Django-made fixture the README's main command lists.
var exampleDir = filepath.Join("..", "..", "fixtures", "example")

// exampleFixture is fixtures/example/sessions.json, written by scripts/make_example_db.py
// from what Django reads back from the database.
type exampleFixture struct {
	Django    string `json:"django"`
	SecretKey string `json:"secret_key"`
	CookieAge int    `json:"session_cookie_age"`
	Users     []struct {
		ID       int    `json:"id"`
		Username string `json:"username"`
		Password string `json:"password"`
		AuthHash string `json:"session_auth_hash"`
		// (is_staff, is_superuser, get_all_permissions())
		IsStaff     bool     `json:"is_staff"`
		IsSuperuser bool     `json:"is_superuser"`
		Permissions []string `json:"permissions"`
		Groups      []string `json:"groups"`
	} `json:"users"`
	Sessions []struct {
		Key         string  `json:"key"`
		UserID      *string `json:"user_id"`
		Backend     *string `json:"backend"`
		DjangoUser  *string `json:"django_user"` // (who Django's get_user finds for it)
		ExpireDate  string  `json:"expire_date"`
		Expired     bool    `json:"expired"`
		Size        int64   `json:"size"`
		SessionData string  `json:"session_data"`
		JSON        string  `json:"json"`
	} `json:"sessions"`
}

func loadExample(t *testing.T) exampleFixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(exampleDir, "sessions.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f exampleFixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Sessions) < 4 || len(f.Users) < 2 {
		t.Fatalf("fixture too small: %d sessions, %d users", len(f.Sessions), len(f.Users))
	}
	return f
}

// copyExampleDB copies the shipped database to a temporary file and returns its path.
func copyExampleDB(t *testing.T) string {
	t.Helper()
	src, err := os.Open(filepath.Join(exampleDir, "db.sqlite3"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	path := filepath.Join(t.TempDir(), "db.sqlite3")
	dst, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// cli runs the command with the fixture's secret key file.
func cli(args ...string) result {
	keyFile := filepath.Join(exampleDir, "secret-key.txt")
	return call(nil, "", append([]string{args[0], "--secret-key-file", keyFile}, args[1:]...)...)
}

func ok(t *testing.T, r result) string {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	return r.stdout
}

// jsonLines decodes one JSON object per line.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		rows = append(rows, m)
	}
	return rows
}

func strOrNil(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestExampleSecretKeyMatchesFixture(t *testing.T) {
	f := loadExample(t)
	b, err := os.ReadFile(filepath.Join(exampleDir, "secret-key.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if chomp(string(b)) != f.SecretKey {
		t.Fatal("secret-key.txt and sessions.json disagree")
	}
	// The auth hashes Django computed for its users are what session-hash prints.
	for _, u := range f.Users {
		if got := line(t, cli("session-hash", u.Password)); got != u.AuthHash {
			t.Errorf("user %s: session-hash %s, Django %s", u.Username, got, u.AuthHash)
		}
	}
}

func TestExampleList(t *testing.T) {
	f := loadExample(t)
	dbURL := "sqlite:" + copyExampleDB(t)

	// Text: the unexpired sessions, in key order, with Django's expire dates and users.
	var want []string
	for _, s := range f.Sessions {
		if s.Expired {
			continue
		}
		user := "-"
		if s.UserID != nil {
			user = *s.UserID
		}
		want = append(want, strings.Join([]string{s.Key, s.ExpireDate, user, strconv.FormatInt(s.Size, 10)}, " "))
	}
	out := ok(t, cli("list", "--db", dbURL))
	var got []string
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		got = append(got, strings.Join(strings.Fields(l), " "))
	}
	if !slices.Equal(got, want) {
		t.Errorf("list:\n%s\nwant (fields):\n%s", out, strings.Join(want, "\n"))
	}

	// --all --json: every row, each field as Django read it.
	rows := jsonLines(t, ok(t, cli("list", "--all", "--json", "--db", dbURL)))
	if len(rows) != len(f.Sessions) {
		t.Fatalf("list --all: %d rows, fixture has %d", len(rows), len(f.Sessions))
	}
	for i, s := range f.Sessions {
		r := rows[i]
		wantRow := map[string]any{"key": s.Key, "expire_date": s.ExpireDate, "expired": s.Expired,
			"user_id": strOrNil(s.UserID), "size": float64(s.Size)}
		if fmt.Sprint(r) != fmt.Sprint(wantRow) {
			t.Errorf("row %d: %v, want %v", i, r, wantRow)
		}
	}

	// A clock before the expired session expired: all rows are alive.
	before := strconv.Itoa(1577836800 + 1800) // 2020-01-01 00:30 UTC
	if n := len(jsonLines(t, ok(t, cli("list", "--json", "--now", before, "--db", dbURL)))); n != len(f.Sessions) {
		t.Errorf("list --now %s: %d sessions, want all %d", before, n, len(f.Sessions))
	}
	// sqlite:///ABS/PATH names the same file.
	abs, _ := filepath.Abs(strings.TrimPrefix(dbURL, "sqlite:"))
	if out2 := ok(t, cli("list", "--db", "sqlite://"+abs)); out2 != out {
		t.Errorf("sqlite:// URL lists\n%s\nwant\n%s", out2, out)
	}
}

func TestExampleInspect(t *testing.T) {
	f := loadExample(t)
	dbURL := "sqlite:" + copyExampleDB(t)
	for _, s := range f.Sessions {
		r := ok(t, cli("inspect", "--json", "--db", dbURL, s.Key))
		var got struct {
			Key         string          `json:"key"`
			Engine      string          `json:"engine"`
			Session     json.RawMessage `json:"session"`
			ExpireDate  string          `json:"expire_date"`
			Expired     bool            `json:"expired"`
			UserID      *string         `json:"user_id"`
			UserBackend *string         `json:"user_backend"`
			Size        int64           `json:"size"`
		}
		if err := json.Unmarshal([]byte(r), &got); err != nil {
			t.Fatal(err)
		}
		if string(got.Session) != s.JSON {
			t.Errorf("%s: session %s, Django %s", s.Key, got.Session, s.JSON)
		}
		if got.Key != s.Key || got.Engine != "db" || got.ExpireDate != s.ExpireDate || got.Expired != s.Expired ||
			fmt.Sprint(strOrNil(got.UserID)) != fmt.Sprint(strOrNil(s.UserID)) ||
			fmt.Sprint(strOrNil(got.UserBackend)) != fmt.Sprint(strOrNil(s.Backend)) || got.Size != s.Size {
			t.Errorf("%s: %+v", s.Key, got)
		}
		// The text form carries the same facts.
		text := ok(t, cli("inspect", "--db", dbURL, s.Key))
		for _, wantLine := range []string{"session       " + s.JSON, "expire date   " + s.ExpireDate,
			fmt.Sprintf("size          %d bytes", s.Size)} {
			if !strings.Contains(text, wantLine+"\n") {
				t.Errorf("%s: text output lacks %q:\n%s", s.Key, wantLine, text)
			}
		}
		if s.UserID != nil && !strings.Contains(text, "user id       "+*s.UserID+"\n") {
			t.Errorf("%s: text output lacks the user:\n%s", s.Key, text)
		}
	}
}

// TestExampleListUser: list --user gives exactly the sessions whose _auth_user_id Django
// read as that id (sessions.json), expired ones with --all.
func TestExampleListUser(t *testing.T) {
	f := loadExample(t)
	dbURL := "sqlite:" + copyExampleDB(t)
	for _, id := range []string{"1", "2", "4", "99"} {
		var want []string
		for _, s := range f.Sessions {
			if s.UserID != nil && *s.UserID == id {
				want = append(want, s.Key)
			}
		}
		var got []string
		for _, row := range jsonLines(t, ok(t, cli("list", "--all", "--json", "--user", id, "--db", dbURL))) {
			got = append(got, row["key"].(string))
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("--user %s: %v, Django %v", id, got, want)
		}
	}
	if n := len(strings.Split(ok(t, cli("list", "--user", "2", "--db", dbURL)), "\n")); n != 2 { // (one live session, and the final newline)
		t.Errorf("--user 2 without --all: %d lines", n-1)
	}
}

// TestExampleInspectCheckLogin: inspect --check-login says of each session what Django's
// get_user found for it (sessions.json): valid as that user, or not valid (dave's, whose
// password changed after the login; the expired one), changing nothing in the database.
func TestExampleInspectCheckLogin(t *testing.T) {
	f := loadExample(t)
	path := copyExampleDB(t)
	before := sqliteKeys(t, path)
	stale := 0
	for _, s := range f.Sessions {
		r := ok(t, cli("inspect", "--json", "--check-login", "--db", "sqlite:"+path, s.Key))
		var got struct {
			Login *struct {
				Username string
				Valid    bool
				Reason   string
			}
		}
		if err := json.Unmarshal([]byte(r), &got); err != nil {
			t.Fatal(err)
		}
		switch {
		case s.UserID == nil:
			if got.Login != nil {
				t.Errorf("%s: anonymous, yet %+v", s.Key, got.Login)
			}
		case got.Login == nil:
			t.Errorf("%s: no login check: %s", s.Key, r)
		case s.DjangoUser != nil:
			if !got.Login.Valid || got.Login.Username != *s.DjangoUser {
				t.Errorf("%s: Django logs it in as %s; Go: %+v", s.Key, *s.DjangoUser, got.Login)
			}
		default:
			if got.Login.Valid || got.Login.Reason == "" {
				t.Errorf("%s: Django logs nobody in; Go: %+v", s.Key, got.Login)
			}
			if !s.Expired {
				stale++
			}
		}
	}
	if stale == 0 {
		t.Error("the fixture has no live session with a stale login: regenerate it (scripts/make-example-db)")
	}
	if after := sqliteKeys(t, path); !slices.Equal(before, after) {
		t.Errorf("--check-login changed the sessions: %v, then %v", before, after)
	}
	text := ok(t, cli("inspect", "--check-login", "--db", "sqlite:"+path, "xgai1mc8jb36mcvsqooessxghfsr05ea"))
	if !strings.Contains(text, "login         valid, as alice\n") {
		t.Errorf("text output:\n%s", text)
	}
	if r := cli("inspect", "--check-login", "--engine", "file", "--file-path", t.TempDir(), "xgai1mc8jb36mcvsqooessxghfsr05ea"); r.code != exitUsage {
		t.Errorf("--check-login on the file engine: exit %d", r.code)
	}
}

// sqliteKeys returns the session keys left in an SQLite database, sorted.
func sqliteKeys(t *testing.T, path string) []string {
	t.Helper()
	conn, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query("SELECT session_key FROM django_session ORDER BY session_key")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	return keys
}

func TestExampleClearSessions(t *testing.T) {
	f := loadExample(t)
	path := copyExampleDB(t)
	var want []string
	removed := 0
	for _, s := range f.Sessions {
		if s.Expired {
			removed++
		} else {
			want = append(want, s.Key)
		}
	}
	if got := line(t, cli("clearsessions", "--db", "sqlite:"+path)); got != fmt.Sprintf("%d expired session removed", removed) {
		t.Errorf("clearsessions: %q", got)
	}
	if got := sqliteKeys(t, path); !slices.Equal(got, want) {
		t.Errorf("left %v, want %v", got, want)
	}
	if got := line(t, cli("clearsessions", "--json", "--db", "sqlite:"+path)); got != `{"removed":0}` {
		t.Errorf("second clearsessions: %q", got)
	}
}

// djangoPython returns the Python of the Django 5.2 venv, or skips (fails with
// DJSESSION_REQUIRE_LIVE=1) when there is none.
func djangoPython(t *testing.T) string {
	t.Helper()
	out, err := exec.Command(filepath.Join("..", "..", "scripts", "venv-python"), "5.2").Output()
	if err != nil {
		msg := "no Django 5.2 virtualenv: run scripts/venvs 5.2 to enable the Django parity tests"
		if os.Getenv("DJSESSION_REQUIRE_LIVE") == "1" {
			t.Fatal(msg + " (DJSESSION_REQUIRE_LIVE=1: live tests may not skip)")
		}
		t.Skip(msg)
	}
	return strings.TrimSpace(string(out))
}

// TestClearSessionsParityWithDjango runs Django's clearsessions management command on one
// copy of the fixture and ours on another, at the same instant, and compares what is left.
func TestClearSessionsParityWithDjango(t *testing.T) {
	py := djangoPython(t)
	script := filepath.Join("..", "..", "scripts", "make_example_db.py")
	nows := []string{
		"",                            // the real clock
		strconv.Itoa(1577836800),      // 2020-01-01 00:00: nothing has expired
		strconv.Itoa(1577840400),      // 2020-01-01 01:00: exactly the expired row's expire_date
		strconv.Itoa(1577840401),      // one second later
		strconv.Itoa(3312835260),      // 2074-12-20 00:01:00: exactly a row's expire_date
		strconv.Itoa(3312835260 + 61), // past three of the long-lived rows
		"3312835320.5",                // a fraction of a second after 00:02:00
	}
	for _, now := range nows {
		t.Run("now="+now, func(t *testing.T) {
			dj, ours := copyExampleDB(t), copyExampleDB(t)
			args := []string{script, "--clearsessions", dj}
			ourArgs := []string{"clearsessions", "--db", "sqlite:" + ours}
			if now != "" {
				args = append(args, "--now", now)
				ourArgs = append(ourArgs, "--now", now)
			}
			if out, err := exec.Command(py, args...).CombinedOutput(); err != nil {
				t.Fatalf("Django clearsessions: %v\n%s", err, out)
			}
			before := len(sqliteKeys(t, ours))
			msg := line(t, cli(ourArgs...))
			djKeys, ourKeys := sqliteKeys(t, dj), sqliteKeys(t, ours)
			if !slices.Equal(djKeys, ourKeys) {
				t.Errorf("Django left %v, djsession left %v", djKeys, ourKeys)
			}
			n := before - len(ourKeys)
			if !strings.HasPrefix(msg, strconv.Itoa(n)+" expired session") {
				t.Errorf("printed %q, removed %d", msg, n)
			}
		})
	}
}

func TestStoreBadInput(t *testing.T) {
	f := loadExample(t)
	path := copyExampleDB(t)
	missing := filepath.Join(t.TempDir(), "missing.sqlite3")
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"unknown scheme", []string{"list", "--db", "redis://localhost/0"}, exitUsage, `unknown database URL scheme "redis"`},
		{"not a URL", []string{"list", "--db", "db.sqlite3"}, exitUsage, "not a database URL"},
		{"sqlite host", []string{"list", "--db", "sqlite://host/x"}, exitUsage, "has no host"},
		{"mysql without database", []string{"list", "--db", "mysql://u:p@localhost"}, exitUsage, "want mysql://"},
		{"missing SQLite file", []string{"list", "--db", "sqlite:" + missing}, exitError, "no such database file"},
		{"missing SQLite file clearsessions", []string{"clearsessions", "--db", "sqlite:" + missing}, exitError, "no such database file"},
		{"no table", []string{"list", "--db", "sqlite:" + path, "--table", "nosuch"}, exitError, "no such table"},
		{"short key", []string{"inspect", "--db", "sqlite:" + path, "abc"}, exitUsage, "shorter than 8"},
		{"long key", []string{"inspect", "--db", "sqlite:" + path, strings.Repeat("a", 41)}, exitUsage, "longer than 40"},
		{"no such session", []string{"inspect", "--db", "sqlite:" + path, strings.Repeat("a", 32)}, exitError, "no such session"},
		{"wrong secret key", []string{"inspect", "--secret-key", "not-the-key", "--db", "sqlite:" + path, f.Sessions[0].Key}, exitBadSig, "bad signature"},
		{"traversal key", []string{"inspect", "--file-path", t.TempDir(), "../../../etc/passwd"}, exitUsage, "only a-z and 0-9"},
		{"missing directory", []string{"list", "--file-path", missing}, exitError, "doesn't exist"},
		{"no --db", []string{"list"}, exitUsage, "needs --db"},
		{"db and file", []string{"list", "--db", "sqlite:" + path, "--file-path", "/tmp"}, exitUsage, "not file"},
		{"list signed_cookies", []string{"list", "--engine", "signed_cookies"}, exitUsage, "nothing to list"},
		{"unknown engine", []string{"list", "--engine", "nosuch", "--db", "sqlite:" + path}, exitUsage, "unknown engine"},
		{"list argument", []string{"list", "--db", "sqlite:" + path, "extra"}, exitUsage, "takes no argument"},
		{"inspect no key", []string{"inspect", "--db", "sqlite:" + path}, exitUsage, "missing KEY"},
		{"bad time zone", []string{"list", "--db", "sqlite:" + path, "--time-zone", "Mars/Olympus"}, exitUsage, "IANA"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := cli(tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.msg) || strings.Count(r.stderr, "\n") != 1 ||
				!strings.HasPrefix(r.stderr, "djsession: ") {
				t.Errorf("exit %d, stderr %q; want exit %d with %q on one line", r.code, r.stderr, tc.code, tc.msg)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q", r.stdout)
			}
		})
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("a missing SQLite file was created")
	}
	// The fixture is untouched by the read-only commands.
	if got := sqliteKeys(t, path); len(got) != len(f.Sessions) {
		t.Errorf("rows changed: %v", got)
	}
}

func TestParseDBURL(t *testing.T) {
	tests := []struct{ in, vendor, dsn string }{
		{"sqlite:db.sqlite3", "sqlite", "db.sqlite3"},
		{"sqlite:fixtures/example/db.sqlite3", "sqlite", "fixtures/example/db.sqlite3"},
		{"sqlite:///var/lib/app/db.sqlite3", "sqlite", "/var/lib/app/db.sqlite3"},
		{"sqlite:////var/db.sqlite3", "sqlite", "//var/db.sqlite3"},
		{"postgres://u:p@localhost:5432/app?sslmode=disable", "postgresql", "postgres://u:p@localhost:5432/app?sslmode=disable"},
		{"postgresql://localhost/app", "postgresql", "postgresql://localhost/app"},
		{"mysql://u:p@127.0.0.1:53306/app", "mysql", "u:p@tcp(127.0.0.1:53306)/app"},
		{"mysql://u@db.example/app?tls=true", "mysql", "u@tcp(db.example:3306)/app?tls=true"},
		{"mysql://u:p%40ss%2Fw@[::1]:3306/app", "mysql", "u:p@ss/w@tcp([::1]:3306)/app"},
		{"mariadb://u:p@localhost/app", "mysql", "u:p@tcp(localhost:3306)/app"},
	}
	for _, tc := range tests {
		got, err := parseDBURL(tc.in)
		if err != nil || got.vendor != tc.vendor || got.dsn != tc.dsn {
			t.Errorf("parseDBURL(%q) = %+v, %v; want %s %s", tc.in, got, err, tc.vendor, tc.dsn)
		}
	}
}

// TestNaiveTimes lists a store written by the Go engine with USE_TZ = False in a zone
// with DST: expire dates are the naive wall-clock times Django stores and reads.
func TestNaiveTimes(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "db.sqlite3")
	saved := time.Date(2030, 3, 20, 12, 0, 0, 0, time.UTC) // 13:00 in Paris (CET)
	s, conn := newSQLiteStore(t, path, saved, true, loc)
	defer conn.Close()
	key := "naivetimesnaivetimesnaivetimes00"
	saveSession(t, s, key, `{"_auth_user_id":"7","k":1}`)
	// 14 days of wall clock across the DST change: 13:00 on 2030-04-03, naive.
	out := ok(t, cli("list", "--json", "--no-use-tz", "--time-zone", "Europe/Paris", "--now", "1900000000",
		"--db", "sqlite:"+path))
	want := `{"key":"` + key + `","expire_date":"2030-04-03T13:00:00","expired":false,"user_id":"7","size":`
	if !strings.HasPrefix(out, want) {
		t.Errorf("list: %s\nwant prefix %s", out, want)
	}
	var text string
	if err := conn.QueryRow("SELECT CAST(expire_date AS TEXT) FROM django_session").Scan(&text); err != nil {
		t.Fatal(err)
	}
	if text != "2030-04-03 13:00:00" {
		t.Errorf("stored %q", text)
	}
	// One second before and at 13:00 Paris time (11:00 UTC, CEST) on 2030-04-03.
	at := time.Date(2030, 4, 3, 13, 0, 0, 0, loc).Unix()
	for _, c := range []struct {
		now  int64
		want bool
	}{{at - 1, false}, {at, true}} {
		r := jsonLines(t, ok(t, cli("list", "--all", "--json", "--no-use-tz", "--time-zone", "Europe/Paris",
			"--now", strconv.FormatInt(c.now, 10), "--db", "sqlite:"+path)))
		if len(r) != 1 || r[0]["expired"] != c.want {
			t.Errorf("now %d: %v, want expired %v", c.now, r, c.want)
		}
	}
}
