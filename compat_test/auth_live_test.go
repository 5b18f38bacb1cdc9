package compat_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"maps"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/django/auth/hashers"
	dbmysql "github.com/djsession/djsession/engines/db/mysql"
	"github.com/djsession/djsession/engines/db/sqlite"
	"github.com/djsession/djsession/serializer"
)

// liveHashers is what the peer's PASSWORD_HASHERS holds (scripts/peer_ops_auth.py),
// with small work factors.
func liveHashers(series string) []hashers.Hasher {
	hs := []hashers.Hasher{
		hashers.PBKDF2{Iterations: 1000}, hashers.PBKDF2{SHA1: true, Iterations: 1000},
		hashers.Argon2{TimeCost: 1, MemoryCost: 64, Parallelism: 2},
		hashers.BCrypt{Rounds: 4}, hashers.BCrypt{NoPrehash: true, Rounds: 4}, hashers.MD5{},
	}
	if series != "3.2" {
		hs = append(hs, hashers.Scrypt{WorkFactor: 1024, BlockSize: 8, Parallelism: 2})
	}
	if series == "3.2" || series == "4.2" {
		hs = append(hs, hashers.MD5{SHA1: true}, hashers.UnsaltedMD5{}, hashers.UnsaltedSHA1{})
	}
	return hs
}

func needAuthExtras(t *testing.T, p *peer, resp map[string]any) {
	t.Helper()
	if ok, _ := resp["ok"].(bool); !ok {
		msg, _ := resp["message"].(string)
		if strings.Contains(msg, "Couldn't load") {
			skipOrFail(t, "Django %s venv lacks argon2-cffi/bcrypt: run scripts/venv-extras-auth (%s)", p.Series, msg)
		}
		t.Fatalf("Django %s: %v: %v", p.Series, resp["error"], msg)
	}
}

// TestAuthLiveHashers: every Django in the matrix accepts the hashes Go makes (random
// salts) and rejects wrong passwords; Go accepts the hashes Django makes.
func TestAuthLiveHashers(t *testing.T) {
	ctx := context.Background()
	_ = ctx
	for _, p := range livePeers(t) {
		t.Run(p.Series, func(t *testing.T) {
			t.Parallel()
			n := 0
			type hpw struct {
				h  hashers.Hasher
				pw string
			}
			var cases []hpw
			for _, h := range liveHashers(p.Series) {
				for _, pw := range []string{"correct horse", "pässwörd ☃ 🔑", ""} {
					cases = append(cases, hpw{h, pw})
				}
			}
			// Each default work factor of this version once.
			for _, h := range hashers.ForDjango(p.Series).Hashers() {
				cases = append(cases, hpw{h, "pässwörd ☃ 🔑"})
			}
			for _, c := range cases {
				h, pw := c.h, c.pw
				{
					enc, err := hashers.MakeWith(h, pw)
					if err != nil {
						t.Fatal(err)
					}
					for _, try := range []struct {
						pw   string
						want bool
					}{{pw, true}, {pw + "x", false}} {
						resp := p.call(t, map[string]any{"op": "auth_check_password", "password": try.pw, "encoded": enc})
						needAuthExtras(t, p, resp)
						if got, _ := resp["result"].(bool); got != try.want {
							t.Errorf("Django check_password(%q, %q) = %v, want %v", try.pw, enc, got, try.want)
						}
						n++
					}
				}
			}
			set := hashers.All(p.Series)
			for _, alg := range hashers.ForDjango(p.Series).Hashers() {
				for _, cheap := range []bool{true, false} {
					if !cheap && alg.Algorithm() != "pbkdf2_sha256" && alg.Algorithm() != "argon2" {
						continue
					}
					pw := "Django made this ✓"
					resp := p.call(t, map[string]any{"op": "auth_make_password", "password": pw, "algorithm": alg.Algorithm(), "cheap": cheap})
					needAuthExtras(t, p, resp)
					enc, _ := resp["encoded"].(string)
					if ok, _ := set.Check(pw, enc); !ok {
						t.Errorf("Go rejects Django's %q", enc)
					}
					if ok, _ := set.Check(pw+"!", enc); ok {
						t.Errorf("Go accepts a wrong password for %q", enc)
					}
					n++
				}
			}
			t.Logf("Django %s: %d live checks", p.Django, n)
		})
	}
}

// authDB runs scripts/make_auth_db.py under a Django venv.
func authDB(t *testing.T, series, cmd string, db map[string]any, extra ...string) map[string]any {
	t.Helper()
	dbj, _ := json.Marshal(db)
	var res map[string]any
	runScriptJSON(t, series, "", "", &res, append([]string{"make_auth_db.py", cmd, string(dbj)}, extra...)...)
	return res
}

// runScriptJSON runs scripts/ARGS[0] with the other args under the Python of Django
// series, with DJSESSION_PEER_SETTINGS set to settings and stdin as its input, and
// decodes its standard output (JSON) into out. A failure of the script fails the test
// with its standard error.
func runScriptJSON(t *testing.T, series, settings, stdin string, out any, args ...string) {
	t.Helper()
	py := filepath.Join(venvDir(), "django-"+series, "bin", "python")
	if _, err := os.Stat(py); err != nil {
		skipOrFail(t, "no virtualenv for Django %s: run scripts/venvs", series)
	}
	c := exec.Command(py, append([]string{"../scripts/" + args[0]}, args[1:]...)...)
	c.Env = append(os.Environ(), "DJSESSION_PEER_SETTINGS="+settings)
	c.Stdin = strings.NewReader(stdin)
	text, err := c.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("%v (Django %s): %v\n%s", args[:min(len(args), 2)], series, err, ee.Stderr)
		}
		t.Fatal(err)
	}
	if err := json.Unmarshal(text, out); err != nil {
		t.Fatalf("%s output %q: %v", args[0], text, err)
	}
}

func djangoUser(res map[string]any, name string) map[string]any {
	for _, u := range res["users"].([]any) {
		m := u.(map[string]any)
		if m["username"] == name {
			return m
		}
	}
	return nil
}

// TestAuthLiveSQL: the SQL user source over an auth_user table made by each Django's
// migrate, on SQLite, PostgreSQL and MariaDB: loading users, credentials, the session
// hash, last_login and a Go-set password as Django reads them; then the permissions
// (checkPermissions).
func TestAuthLiveSQL(t *testing.T) {
	t.Parallel()                     // (with the other heavy live tests, on databases of their own)
	for _, p := range livePeers(t) { // (the venvs must exist)
		for _, backend := range authBackends {
			t.Run(p.Series+"/"+backend, func(t *testing.T) {
				t.Parallel() // (databases and processes of its own)
				adb := newAuthDB(t, p.Series, backend)
				created := authDB(t, p.Series, "create", adb.django)
				checkSQLSource(t, p.Series, adb.db, adb.dialect, adb.django, created)
				// (the permissions' users, from id 10, on the same database)
				t.Run("permissions", func(t *testing.T) { checkPermissions(t, p, adb) })
			})
		}
	}
}

// authBackends are the databases the SQL user source is held to Django on.
var authBackends = []string{"sqlite", "postgres", "mariadb"}

// newestOnServers runs f as the subtest "series/backend" for each Django version on
// SQLite, and for the newest version on PostgreSQL and MariaDB too.
func newestOnServers(t *testing.T, f func(t *testing.T, p *peer, backend string)) {
	peers := livePeers(t)
	for i, p := range peers {
		for _, backend := range authBackends {
			if backend != "sqlite" && i != len(peers)-1 {
				continue
			}
			t.Run(p.Series+"/"+backend, func(t *testing.T) {
				t.Parallel() // (databases and processes of its own)
				f(t, p, backend)
			})
		}
	}
}

// authDatabase is an empty database for make_auth_db.py: as Django's DATABASES entry and
// as a database/sql handle.
type authDatabase struct {
	django  map[string]any
	db      *sql.DB
	dialect auth.Dialect
}

// newAuthDB makes an empty database on backend, dropped at the test's end: a SQLite
// file, a PostgreSQL schema of DJSESSION_PG_DSN's database, or a MariaDB database on
// DJSESSION_MYSQL_DSN's server (a server that is not set up skips, or fails in CI).
func newAuthDB(t *testing.T, series, backend string) *authDatabase {
	rnd := make([]byte, 4)
	rand.Read(rnd)
	name := "djsession_auth_" + strings.ReplaceAll(series, ".", "") + "_" + hex.EncodeToString(rnd)
	open := func(driver, dsn string) *sql.DB {
		db, err := sql.Open(driver, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	switch backend {
	case "sqlite":
		path := filepath.Join(t.TempDir(), "auth.sqlite3")
		db, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return &authDatabase{django: map[string]any{"ENGINE": "django.db.backends.sqlite3", "NAME": path}, db: db, dialect: auth.SQLite}
	case "postgres":
		dsn := os.Getenv("DJSESSION_PG_DSN")
		if dsn == "" {
			skipOrFail(t, "DJSESSION_PG_DSN not set: eval \"$(scripts/services start postgres)\"")
		}
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		admin := open("pgx", dsn)
		if _, err := admin.Exec("CREATE SCHEMA " + name); err != nil {
			skipOrFail(t, "PostgreSQL at %s: %v", u.Host, err)
		}
		t.Cleanup(func() { admin.Exec("DROP SCHEMA " + name + " CASCADE") })
		pw, _ := u.User.Password()
		djdb := map[string]any{
			"ENGINE": "django.db.backends.postgresql", "NAME": strings.TrimPrefix(u.Path, "/"),
			"USER": u.User.Username(), "PASSWORD": pw, "HOST": u.Hostname(), "PORT": u.Port(),
			"OPTIONS": map[string]any{"options": "-c search_path=" + name},
		}
		q := u.Query()
		q.Set("search_path", name)
		u.RawQuery = q.Encode()
		return &authDatabase{django: djdb, db: open("pgx", u.String()), dialect: auth.PostgreSQL}
	case "mariadb":
		h := openMySQL(t)
		if _, err := myDB.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { myDB.Exec("DROP DATABASE " + name) })
		djdb := maps.Clone(h.django)
		djdb["NAME"] = name
		cfg := myCfg.Clone()
		cfg.DBName = name
		db, err := dbmysql.Open(cfg.FormatDSN())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return &authDatabase{django: djdb, db: db, dialect: auth.MySQL}
	}
	t.Fatalf("unknown backend %q", backend)
	return nil
}

func checkSQLSource(t *testing.T, series string, db *sql.DB, dialect auth.Dialect, djdb map[string]any, created map[string]any) {
	ctx := context.Background()
	src, err := auth.NewSQLUserSource(db, dialect, auth.AuthUser, auth.SQLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 6, 7, 8, 9, 10, 123456789, time.UTC)
	cfg := &auth.Config{
		SecretKey: "djsession-auth-db-secret-key", Users: src,
		Hashers: hashers.ForDjango(series), Now: func() time.Time { return now },
	}
	alice, err := src.User(ctx, "1")
	if err != nil {
		t.Fatal(err)
	}
	dj := djangoUser(created, "alice")
	if alice.ID != "1" || alice.Username != "alice" || !alice.IsActive || alice.PasswordHash != dj["password"] || alice.LastLogin != nil {
		t.Errorf("User(1) = %+v; Django %v", alice, dj)
	}
	if h, _ := cfg.SessionAuthHash(alice); h != dj["session_auth_hash"] {
		t.Errorf("session hash %s; Django %v", h, dj["session_auth_hash"])
	}
	// (as Django's get(pk=...) finds none: 3000000000 is beyond PostgreSQL's int4 id)
	for _, id := range []string{"99", "3000000000", "-1"} {
		if _, err := src.User(ctx, id); !errors.Is(err, auth.ErrUserNotFound) {
			t.Errorf("User(%s): %v", id, err)
		}
	}
	if carol, err := src.UserByUsername(ctx, "carol"); err != nil || carol.IsActive || carol.ID != "3" {
		t.Errorf("carol: %+v, %v", carol, err)
	}
	// Authenticate as Django's: the usernames compare as the database compares them
	// (MySQL's default collation ignores case).
	logins := [][2]string{{"alice", "alice-pw"}, {"alice", "bob-pw"}, {"carol", "carol-pw"}, {"Alice", "alice-pw"}}
	lj, _ := json.Marshal(logins)
	djIDs := authDB(t, series, "authenticate", djdb, string(lj))["ids"].([]any)
	for i, c := range logins {
		want := djIDs[i]
		u, err := auth.Authenticate(ctx, c[0], c[1], cfg)
		var got any
		if u != nil {
			got = u.ID
		}
		if err != nil || got != want {
			t.Errorf("Authenticate(%q, %q) = %v, %v; Django: %v", c[0], c[1], got, err, want)
		}
	}
	// Login from Go: last_login as Django reads it; the session logs in on GetUser.
	s := &recSession{d: serializer.NewDict()}
	if err := auth.Login(ctx, s, alice, "", cfg); err != nil {
		t.Fatal(err)
	}
	if u, err := auth.GetUser(ctx, s, cfg); err != nil || u == nil || u.LastLogin == nil || !u.LastLogin.Equal(now.Truncate(time.Microsecond)) {
		t.Errorf("GetUser after Login = %+v, %v", u, err)
	}
	// A password set from Go, checked by Django.
	newHash, err := cfg.Hashers.Make("bob-new-pw")
	if err != nil {
		t.Fatal(err)
	}
	if err := src.SetPassword(ctx, "2", newHash); err != nil {
		t.Fatal(err)
	}
	checks, _ := json.Marshal(map[string]string{"bob": "bob-new-pw", "alice": "alice-pw", "carol": "wrong"})
	insp := authDB(t, series, "inspect", djdb, string(checks))
	if a := djangoUser(insp, "alice"); a["last_login"] != "2025-06-07T08:09:10.123456+00:00" || a["check_password"] != true {
		t.Errorf("Django reads alice as %v", a)
	}
	b := djangoUser(insp, "bob")
	bob, _ := src.User(ctx, "2")
	h, _ := cfg.SessionAuthHash(bob)
	if b["check_password"] != true || b["password"] != newHash || b["session_auth_hash"] != h {
		t.Errorf("Django reads bob as %v (Go hash %s)", b, h)
	}
	if c := djangoUser(insp, "carol"); c["check_password"] != false {
		t.Errorf("carol: %v", c)
	}
}

// TestLivePasswordHashersSetting: hashers.FromSettings reads a PASSWORD_HASHERS setting as
// each Django's get_hashers does: random lists (orders, subsets, and classes some
// versions lack) give the same algorithms in the same order (so the same preferred
// hasher), and an error exactly where Django cannot load the list (and for
// CryptPasswordHasher, which Go does not implement).
func TestLivePasswordHashersSetting(t *testing.T) {
	const p = "django.contrib.auth.hashers."
	names := []string{"PBKDF2PasswordHasher", "PBKDF2SHA1PasswordHasher", "Argon2PasswordHasher",
		"BCryptSHA256PasswordHasher", "BCryptPasswordHasher", "ScryptPasswordHasher", "MD5PasswordHasher",
		"SHA1PasswordHasher", "UnsaltedMD5PasswordHasher", "UnsaltedSHA1PasswordHasher", "CryptPasswordHasher"}
	for _, pr := range livePeers(t) {
		t.Run("django-"+pr.Series, func(t *testing.T) {
			r := mrand.New(mrand.NewPCG(95, seedOf(pr.Django)))
			errs := 0
			for i := range 60 {
				var list []string
				for _, j := range r.Perm(len(names))[:1+r.IntN(4)] {
					list = append(list, p+names[j])
				}
				resp := pr.call(t, map[string]any{"op": "auth_hashers_info", "hashers": list})
				set, err := hashers.FromSettings(pr.Django, list)
				if djErr, failed := resp["error"]; failed {
					errs++
					if err == nil || !errors.Is(err, hashers.ErrUnknownHasher) {
						t.Errorf("case %d: %v: Django raises %v, Go: %v", i, list, djErr, err)
					}
					continue
				}
				if slices.Contains(list, p+"CryptPasswordHasher") {
					// (Unix crypt(3), deprecated in Django 4.1 and gone in 5.0: not implemented)
					if !errors.Is(err, hashers.ErrUnknownHasher) {
						t.Errorf("case %d: %v: %v, want ErrUnknownHasher", i, list, err)
					}
					continue
				}
				if err != nil {
					t.Errorf("case %d: %v: %v (Django: %v)", i, list, err, resp["algorithms"])
					continue
				}
				var got []any
				for _, h := range set.Hashers() {
					got = append(got, h.Algorithm())
				}
				if d := cmp.Diff(resp["algorithms"], got); d != "" {
					t.Errorf("case %d: %v: (-django +go)\n%s", i, list, d)
				}
			}
			if errs == 60 || pr.Series >= "5.1" && errs == 0 {
				t.Errorf("%d of 60 lists failed in Django: the cases miss one side", errs)
			}
		})
	}
}
