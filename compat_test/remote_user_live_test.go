package compat_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/engines/db/sqlite"
)

// remoteUserStep is a step of scripts/remote_user_oracle.py: a request with the
// Remote-User header (nil: none), or a password login of a user; and what follows it.
type remoteUserStep struct {
	Header *string `json:"header"`
	Login  string  `json:"login"`
}

type remoteUserAfter struct {
	User       string  `json:"user"`
	Backend    *string `json:"backend"`
	KeyChanged bool    `json:"key_changed"`
}

// TestLiveRemoteUserMiddleware holds RemoteUserMiddleware to Django's, for every version
// in the matrix, in three set-ups (RemoteUserBackend; AllowAllUsersRemoteUserBackend with
// PersistentRemoteUserMiddleware; a subclass of RemoteUserBackend that creates no users
// and lowercases usernames): the same steps (requests with and without the Remote-User
// header, for known, unknown, inactive users, other cases of a name, an empty header,
// and password logins in between) must leave, after each, the same user, the same
// _auth_user_backend and the same change (or not) of session key; and the users Go
// created must read, through Django's ORM, as those Django created (empty password,
// active, date_joined now, last_login set by the login). On SQLite for every version and
// set-up; on PostgreSQL and MariaDB with the newest, for RemoteUserBackend and a UUID key.
func TestLiveRemoteUserMiddleware(t *testing.T) {
	t.Parallel() // (with the other heavy live tests, on databases of their own)
	const strict = "djsession_remote_backends.StrictLowercase"
	variants := []struct {
		name     string
		backends []string
		persist  bool
		opts     auth.RemoteUserOptions
	}{
		{"remote", []string{auth.RemoteUserBackend}, false, auth.RemoteUserOptions{}},
		{"allow-all-persistent", []string{auth.AllowAllUsersRemoteUser}, true, auth.RemoteUserOptions{Persistent: true}},
		{"custom-backend", []string{strict}, false, auth.RemoteUserOptions{
			Backend: strict, SkipCreateUnknownUser: true, CleanUsername: strings.ToLower}},
		// (tried in turn: the inactive carol is refused by the first, taken by the next)
		{"three-backends", []string{strict, auth.RemoteUserBackend, auth.AllowAllUsersRemoteUser}, false, auth.RemoteUserOptions{
			Backend: strict, SkipCreateUnknownUser: true, CleanUsername: strings.ToLower}},
	}
	peers := livePeers(t)
	for i, p := range peers {
		for _, backend := range authBackends {
			if backend != "sqlite" && i != len(peers)-1 {
				continue // (PostgreSQL and MariaDB: the newest version)
			}
			for j, v := range variants {
				if backend != "sqlite" && j > 0 {
					continue // (the other variants' rules do not depend on the database)
				}
				t.Run(p.Series+"/"+backend+"/"+v.name, func(t *testing.T) {
					t.Parallel() // (databases and processes of its own)
					checkRemoteUser(t, p, backend, v.backends, v.persist, false, v.opts)
				})
			}
			if i == len(peers)-1 {
				// Users created with a UUID key, in each database's form of it.
				t.Run(p.Series+"/"+backend+"/custom-user", func(t *testing.T) {
					t.Parallel() // (databases and processes of its own)
					checkRemoteUser(t, p, backend, []string{auth.RemoteUserBackend}, false, true, auth.RemoteUserOptions{})
				})
			}
		}
	}
}

// checkRemoteUser runs the steps of remote_user_oracle.py in Django and in Go, each on a
// database of its own on backend, and compares what follows each and the users made.
func checkRemoteUser(t *testing.T, p *peer, backend string, authBackends []string, persist, customUser bool, opts auth.RemoteUserOptions) {
	variant, _ := json.Marshal(map[string]any{"backends": authBackends, "persistent": persist, "custom_user": customUser})
	oracle := func(adb *authDatabase, cmd string, out any) {
		dbj, _ := json.Marshal(adb.django)
		runScriptJSON(t, p.Series, "", "", out, "remote_user_oracle.py", string(dbj), cmd, string(variant))
	}
	// Django's run, on its own database.
	var setup struct{ Steps []remoteUserStep }
	var want struct{ Steps []remoteUserAfter }
	var wantUsers, gotUsers map[string]any
	djDB := newAuthDB(t, p.Series, backend)
	oracle(djDB, "setup", &setup)
	oracle(djDB, "run", &want)
	oracle(djDB, "users", &wantUsers)
	// Go's, on another made the same way.
	goDB := newAuthDB(t, p.Series, backend)
	oracle(goDB, "setup", &struct{}{})
	table, pk := auth.AuthUser, auth.PKInt
	if customUser {
		name := "djsession_accounts_customuser"
		table.Name, table.UserPermissionsTable, table.GroupsTable = name, name+"_user_permissions", name+"_groups"
		table.M2MUserColumn, pk = "customuser_id", auth.PKUUID
	}
	got := runRemoteUserSteps(t, p.Django, goDB, table, pk, authBackends, opts, setup.Steps)
	oracle(goDB, "users", &gotUsers)
	if len(want.Steps) != len(setup.Steps) || len(setup.Steps) < 15 {
		t.Fatalf("Django ran %d of %d steps", len(want.Steps), len(setup.Steps))
	}
	for i, s := range setup.Steps {
		if d := cmp.Diff(want.Steps[i], got[i]); d != "" {
			h := "login " + s.Login
			if s.Login == "" {
				h = "no header"
				if s.Header != nil {
					h = fmt.Sprintf("Remote-User: %q", *s.Header)
				}
			}
			t.Errorf("step %d (%s): (-django +go)\n%s", i, h, d)
		}
	}
	if d := cmp.Diff(wantUsers, gotUsers); d != "" {
		t.Errorf("users: (-django +go)\n%s", d)
	}
}

// runRemoteUserSteps runs steps through the session middleware (db engine on adb) and
// RemoteUserMiddleware with a cookie jar of one session cookie, and returns what follows
// each, as remote_user_oracle.py reports it.
func runRemoteUserSteps(t *testing.T, version string, adb *authDatabase, table auth.Table, pk auth.PKType, backends []string, opts auth.RemoteUserOptions, steps []remoteUserStep) []remoteUserAfter {
	site := dbSessionSite(t, version, adb, table, pk, append([]string{auth.ModelBackend}, backends...))
	s, cfg, mw, src := site.settings, site.cfg, site.mw, site.users
	whoami := func(w http.ResponseWriter, r *http.Request) {
		u, err := auth.RequestUser(r, cfg)
		if err != nil {
			t.Error(err)
		}
		var out remoteUserAfter
		if u != nil {
			out.User = u.Username
		}
		if b, ok := auth.Backend(django.FromContext(r.Context())); ok {
			out.Backend = &b
		}
		json.NewEncoder(w).Encode(out)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/whoami/", whoami)
	mux.HandleFunc("/login/{name}/", func(w http.ResponseWriter, r *http.Request) {
		u, err := src.UserByUsername(r.Context(), r.PathValue("name"))
		if err == nil {
			err = auth.Login(r.Context(), django.FromContext(r.Context()), u, auth.ModelBackend, cfg)
		}
		if err != nil {
			t.Error(err)
		}
		whoami(w, r)
	})
	h := mw.Handler(auth.RemoteUserMiddleware(&s, cfg, opts, mux))
	cookie := ""
	var out []remoteUserAfter
	for _, step := range steps {
		target := "/whoami/"
		if step.Login != "" {
			target = "/login/" + step.Login + "/"
		}
		req := httptest.NewRequest("GET", "http://testserver"+target, nil)
		if step.Header != nil {
			req.Header.Set("Remote-User", *step.Header)
		}
		if cookie != "" {
			req.Header.Set("Cookie", "sessionid="+cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", target, rec.Code, rec.Body)
		}
		var after remoteUserAfter
		if err := json.Unmarshal(rec.Body.Bytes(), &after); err != nil {
			t.Fatal(err)
		}
		before := cookie
		for _, c := range rec.Result().Cookies() {
			if c.Name == "sessionid" {
				cookie = c.Value // ("" when the response deletes it)
			}
		}
		after.KeyChanged = before != cookie && cookie != ""
		out = append(out, after)
	}
	return out
}

// dbSite is the Go side of a live auth test on a database made by a Django script: its
// settings, the users of table, sessions in django_session (in the database on SQLite,
// else in a SQLite database of their own: the users' side is what PostgreSQL and MariaDB
// test), and the session middleware.
type dbSite struct {
	settings django.Settings
	cfg      *auth.Config
	mw       *django.Middleware
	store    *db.Store
	users    *auth.SQLUserSource
}

func dbSessionSite(t *testing.T, version string, adb *authDatabase, table auth.Table, pk auth.PKType, backends []string,
	tweaks ...func(*django.Settings)) *dbSite {
	t.Helper()
	s := django.NewSettings()
	if err := s.ForDjango(version); err != nil {
		t.Fatal(err)
	}
	s.SecretKey, s.AllowedHosts = "djsession-auth-db-secret-key", []string{"testserver"}
	for _, f := range tweaks {
		f(&s)
	}
	eo, err := s.EngineOptions()
	if err != nil {
		t.Fatal(err)
	}
	sdb := adb.db
	if adb.dialect != auth.SQLite {
		if sdb, err = sqlite.Open(filepath.Join(t.TempDir(), "sessions.sqlite3")); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sdb.Close() })
	}
	store, err := sqlite.New(sdb, db.Options{Options: eo})
	if err == nil && adb.dialect != auth.SQLite {
		err = store.CreateTable(context.Background())
	}
	if err != nil {
		t.Fatal(err)
	}
	s.SessionEngine = store
	loc, err := s.Location()
	if err != nil || s.UseTZ {
		loc = time.UTC
	}
	src, err := auth.NewSQLUserSource(adb.db, adb.dialect, table, auth.SQLOptions{PK: pk, Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	cfg := &auth.Config{SecretKey: s.SecretKey, Users: src, PK: pk, AuthenticationBackends: backends}
	mw, err := django.NewMiddleware(s)
	if err != nil {
		t.Fatal(err)
	}
	return &dbSite{settings: s, cfg: cfg, mw: mw, store: store, users: src}
}
