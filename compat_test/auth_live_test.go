package compat_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/django/auth/hashers"
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
	py := filepath.Join(venvDir(), "django-"+series, "bin", "python")
	dbj, _ := json.Marshal(db)
	args := append([]string{"../scripts/make_auth_db.py", cmd, string(dbj)}, extra...)
	c := exec.Command(py, args...)
	c.Env = append(os.Environ(), "DJSESSION_PEER_SETTINGS=")
	out, err := c.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("make_auth_db.py %s (Django %s): %v\n%s", cmd, series, err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var res map[string]any
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("make_auth_db.py output %q: %v", out, err)
	}
	return res
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
// migrate, on SQLite and (with DJSESSION_PG_DSN) PostgreSQL: loading users, credentials,
// the session hash, last_login and a Go-set password as Django reads them.
func TestAuthLiveSQL(t *testing.T) {
	peersList := livePeers(t) // the venvs must exist
	for _, p := range peersList {
		t.Run(p.Series+"/sqlite", func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "auth.sqlite3")
			djdb := map[string]any{"ENGINE": "django.db.backends.sqlite3", "NAME": path}
			created := authDB(t, p.Series, "create", djdb)
			db, err := sqlite.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			checkSQLSource(t, p.Series, db, auth.SQLite, djdb, created)
		})
		t.Run(p.Series+"/postgres", func(t *testing.T) {
			dsn := os.Getenv("DJSESSION_PG_DSN")
			if dsn == "" {
				skipOrFail(t, "DJSESSION_PG_DSN not set: eval \"$(scripts/services start postgres)\"")
			}
			u, err := url.Parse(dsn)
			if err != nil {
				t.Fatal(err)
			}
			rnd := make([]byte, 4)
			rand.Read(rnd)
			schema := "djsession_auth_" + strings.ReplaceAll(p.Series, ".", "") + "_" + hex.EncodeToString(rnd)
			admin, err := sql.Open("pgx", dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer admin.Close()
			if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
				skipOrFail(t, "PostgreSQL at %s: %v", u.Host, err)
			}
			defer admin.Exec("DROP SCHEMA " + schema + " CASCADE")
			pw, _ := u.User.Password()
			djdb := map[string]any{
				"ENGINE": "django.db.backends.postgresql", "NAME": strings.TrimPrefix(u.Path, "/"),
				"USER": u.User.Username(), "PASSWORD": pw, "HOST": u.Hostname(), "PORT": u.Port(),
				"OPTIONS": map[string]any{"options": "-c search_path=" + schema},
			}
			created := authDB(t, p.Series, "create", djdb)
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			db, err := sql.Open("pgx", u.String())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			checkSQLSource(t, p.Series, db, auth.PostgreSQL, djdb, created)
		})
	}
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
	if _, err := src.User(ctx, "99"); !errors.Is(err, auth.ErrUserNotFound) {
		t.Errorf("User(99): %v", err)
	}
	if carol, err := src.UserByUsername(ctx, "carol"); err != nil || carol.IsActive || carol.ID != "3" {
		t.Errorf("carol: %+v, %v", carol, err)
	}
	if u, err := auth.Authenticate(ctx, "alice", "alice-pw", cfg); err != nil || u == nil || u.ID != "1" {
		t.Errorf("Authenticate(alice) = %v, %v", u, err)
	}
	if u, _ := auth.Authenticate(ctx, "alice", "bob-pw", cfg); u != nil {
		t.Error("wrong password accepted")
	}
	if u, _ := auth.Authenticate(ctx, "carol", "carol-pw", cfg); u != nil {
		t.Error("inactive user authenticated")
	}
	if u, _ := auth.Authenticate(ctx, "Alice", "alice-pw", cfg); u != nil {
		t.Error("username matched case-insensitively")
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
