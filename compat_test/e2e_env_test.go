package compat_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/caches/djangoredis"
	goredisbackend "github.com/djsession/djsession/caches/redis"
	"github.com/djsession/djsession/engines/cache"
	"github.com/djsession/djsession/engines/cacheddb"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/django/messages"
	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/engines/db/postgres"
	"github.com/djsession/djsession/engines/db/sqlite"
	"github.com/djsession/djsession/engines/file"
	"github.com/djsession/djsession/engines/signedcookies"
)

// End-to-end helpers: a real Django site (scripts/djangoapp, one process per Django
// version and engine) and a Go service behind django.Middleware and auth.GetUser, sharing
// one session store and one auth_user table.

const e2eApp = "../scripts/djangoapp/serve.py"

// e2eVersion is one Django series of scripts/matrix with its virtualenv.
type e2eVersion struct {
	Series string
	Django string // full version, from scripts/matrix
	Python string // the venv's python
	// template is an SQLite database with Django's migrations applied and the test users,
	// copied for each engine that keeps its users in SQLite.
	template string
}

// hasFallbacks reports whether the version has SECRET_KEY_FALLBACKS (4.1+).
func (v *e2eVersion) hasFallbacks() bool {
	major, minor := 0, 0
	fmt.Sscanf(v.Series, "%d.%d", &major, &minor)
	return major > 4 || (major == 4 && minor >= 1)
}

// e2eVersions returns the matrix's versions, skipping (or failing under
// DJSESSION_REQUIRE_LIVE=1) when a virtualenv is missing.
func e2eVersions(t *testing.T) []*e2eVersion {
	t.Helper()
	if testing.Short() {
		skipOrFail(t, "end-to-end Django tests skipped in -short mode")
	}
	data, err := os.ReadFile("../scripts/matrix")
	if err != nil {
		t.Fatal(err)
	}
	var vs []*e2eVersion
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || strings.HasPrefix(f[0], "#") {
			continue
		}
		py := filepath.Join(venvDir(), "django-"+f[0], "bin", "python")
		if _, err := os.Stat(py); err != nil {
			skipOrFail(t, "no virtualenv for Django %s at %s: run scripts/venvs", f[0], py)
		}
		vs = append(vs, &e2eVersion{Series: f[0], Django: f[1], Python: py})
	}
	return vs
}

// e2eUsers are created in every database: alice (a superuser, for the admin), bob, and
// carol, in the group "reporters" that has the permission auth.view_user.
var e2eUsers = []string{"alice:alice-pw-1:staff", "bob:bob-pw-1", "carol:carol-pw-1::reporters:auth.view_user"}

// prepareTemplate migrates an SQLite database for v once, with the test users.
func (v *e2eVersion) prepareTemplate(t *testing.T) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "template.sqlite3")
	runDjangoSetup(t, v, map[string]string{"DJANGOAPP_DATABASE": "sqlite://" + path})
	v.template = path
}

// runDjangoSetup runs the migrations and creates the users in the database of env.
func runDjangoSetup(t testing.TB, v *e2eVersion, env map[string]string) {
	t.Helper()
	args := []string{e2eApp, "--migrate", "--no-serve"}
	for _, u := range e2eUsers {
		args = append(args, "--user", u)
	}
	cmd := exec.Command(v.Python, args...)
	cmd.Env = djangoEnv(env)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("Django %s: %s --migrate: %v\n%s", v.Series, e2eApp, err, out)
	}
}

// djangoEnv is the environment of a Django process: ours, without the variables the
// demo settings read, plus env.
func djangoEnv(env map[string]string) []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "DJSESSION_PG_DSN", "SECRET_KEY", "SECRET_KEY_FALLBACKS", "SESSION_ENGINE", "SESSION_FILE_PATH",
			"USE_TZ", "TIME_ZONE", "DJANGO_SETTINGS_MODULE", "DEBUG":
			continue
		}
		if strings.HasPrefix(name, "DJANGOAPP_") {
			continue
		}
		out = append(out, kv)
	}
	out = append(out, "DJANGOAPP_FAST_HASHER=1", "PYTHONDONTWRITEBYTECODE=1")
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// djangoServer is one running scripts/djangoapp/serve.py.
type djangoServer struct {
	URL    string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *lockedBuffer
	done   chan struct{}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startDjango starts the site on a free loopback port with env and stops it when the
// test ends.
func startDjango(t testing.TB, v *e2eVersion, env map[string]string) *djangoServer {
	t.Helper()
	cmd := exec.Command(v.Python, e2eApp, "--exit-with-stdin", "--quiet")
	cmd.Env = djangoEnv(env)
	s := &djangoServer{cmd: cmd, stderr: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = s.stderr
	var err error
	if s.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start Django %s: %v", v.Series, err)
	}
	go func() { cmd.Wait(); close(s.done) }()
	t.Cleanup(s.stop)
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		io.Copy(io.Discard, stdout)
	}()
	select {
	case line, ok := <-lines:
		var hello struct{ URL, Django string }
		if !ok || json.Unmarshal([]byte(line), &hello) != nil || hello.URL == "" {
			s.stop()
			t.Fatalf("Django %s did not start (%q):\n%s", v.Series, line, s.stderr.String())
		}
		if hello.Django != v.Django {
			t.Fatalf("venv django-%s runs Django %s, scripts/matrix wants %s: run scripts/venvs", v.Series, hello.Django, v.Django)
		}
		s.URL = hello.URL
	case <-time.After(60 * time.Second):
		s.stop()
		t.Fatalf("Django %s: no start-up line in 60s:\n%s", v.Series, s.stderr.String())
	}
	return s
}

// stop ends the server (closing stdin makes it exit; kill after a grace period).
func (s *djangoServer) stop() {
	s.stdin.Close()
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// e2eKeys are the SECRET_KEY and SECRET_KEY_FALLBACKS both sides use at one time.
type e2eKeys struct {
	Key       string
	Fallbacks []string
}

func (k e2eKeys) env() map[string]string {
	fb, _ := json.Marshal(k.Fallbacks)
	if k.Fallbacks == nil {
		fb = []byte("[]")
	}
	return map[string]string{"SECRET_KEY": k.Key, "SECRET_KEY_FALLBACKS": string(fb)}
}

// e2eSetup is what an engine gives the test: the Django environment selecting the store
// and the user database, the Go user source over the same auth_user, and a constructor
// of the Go store for given settings (the keys change when they are rotated).
type e2eSetup struct {
	env      map[string]string
	users    auth.UserSource
	newStore func(t testing.TB, s *django.Settings) engines.Store
}

// e2eEngine is one SESSION_ENGINE configuration of the shared-login tests. Adding an
// engine is one line in e2eEngines.
type e2eEngine struct {
	name string
	// serverSide: sessions live in the store, so a flushed or cycled session's old cookie
	// no longer works (false for signed_cookies, whose cookie is the session).
	serverSide bool
	setup      func(t *testing.T, v *e2eVersion) e2eSetup
}

var e2eEngines = []e2eEngine{
	{name: "db-sqlite", serverSide: true, setup: e2eDBSQLite},
	{name: "db-postgres", serverSide: true, setup: e2eDBPostgres},
	{name: "file", serverSide: true, setup: e2eFile},
	{name: "signed_cookies", setup: e2eSignedCookies},
	{name: "cache-redis", serverSide: true, setup: e2eCacheRedis},
	{name: "cached_db-redis", serverSide: true, setup: e2eCachedDBRedis},
}

// e2eRedis returns a cache backend on DJSESSION_REDIS_URL under a key prefix of the
// test's own, and the CACHES setting that makes Django use the same cache: Django's
// RedisCache from 4.0, django-redis (pickle protocol 4) on 3.2, which has no RedisCache.
func e2eRedis(t *testing.T, v *e2eVersion) (caches.Backend, string) {
	t.Helper()
	url := os.Getenv("DJSESSION_REDIS_URL")
	if url == "" {
		skipOrFail(t, "DJSESSION_REDIS_URL is not set: run eval \"$(scripts/services start redis)\"")
	}
	var rb [4]byte
	rand.Read(rb[:])
	prefix := "e2e" + hex.EncodeToString(rb[:])
	keys := caches.KeyConfig{KeyPrefix: prefix}
	backend := "django.core.cache.backends.redis.RedisCache"
	var c caches.Backend
	if v.Series == "3.2" {
		backend = "django_redis.cache.RedisCache"
		dr, err := djangoredis.Open([]string{url}, djangoredis.Options{KeyConfig: keys})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { dr.Close() })
		c = dr
	} else {
		rc, err := goredisbackend.Open([]string{url}, goredisbackend.Options{KeyConfig: keys})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rc.Close() })
		c = rc
	}
	conf, err := json.Marshal(map[string]any{"default": map[string]any{"BACKEND": backend, "LOCATION": url, "KEY_PREFIX": prefix}})
	if err != nil {
		t.Fatal(err)
	}
	return c, string(conf)
}

func e2eCacheRedis(t *testing.T, v *e2eVersion) e2eSetup {
	env, _, users := e2eSQLiteUsers(t, v)
	c, conf := e2eRedis(t, v)
	env["SESSION_ENGINE"] = "cache"
	env["DJANGOAPP_CACHES"] = conf
	return e2eSetup{env: env, users: users, newStore: func(t testing.TB, s *django.Settings) engines.Store {
		st, err := cache.New(c, cache.Options{Options: e2eEngineOptions(t, s)})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}}
}

func e2eCachedDBRedis(t *testing.T, v *e2eVersion) e2eSetup {
	env, sdb, users := e2eSQLiteUsers(t, v)
	c, conf := e2eRedis(t, v)
	env["SESSION_ENGINE"] = "cached_db"
	env["DJANGOAPP_CACHES"] = conf
	return e2eSetup{env: env, users: users, newStore: func(t testing.TB, s *django.Settings) engines.Store {
		opts := e2eEngineOptions(t, s)
		dbs, err := sqlite.New(sdb, db.Options{Options: opts})
		if err != nil {
			t.Fatal(err)
		}
		st, err := cacheddb.New(dbs, c, cacheddb.Options{Options: opts})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}}
}

// e2eSQLiteUsers copies v's template database for one test and returns the Django
// environment for it and the Go side's handle and user source.
func e2eSQLiteUsers(t *testing.T, v *e2eVersion) (map[string]string, *sql.DB, auth.UserSource) {
	t.Helper()
	data, err := os.ReadFile(v.template)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "db.sqlite3")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	sdb, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sdb.Close() })
	users, err := auth.NewSQLUserSource(sdb, auth.SQLite, auth.AuthUser, auth.SQLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"DJANGOAPP_DATABASE": "sqlite://" + path}, sdb, users
}

func e2eDBSQLite(t *testing.T, v *e2eVersion) e2eSetup {
	env, sdb, users := e2eSQLiteUsers(t, v)
	env["SESSION_ENGINE"] = "db"
	return e2eSetup{env: env, users: users, newStore: func(t testing.TB, s *django.Settings) engines.Store {
		opts := e2eEngineOptions(t, s)
		st, err := sqlite.New(sdb, db.Options{Options: opts})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}}
}

func e2eFile(t *testing.T, v *e2eVersion) e2eSetup {
	env, _, users := e2eSQLiteUsers(t, v)
	dir := t.TempDir()
	env["SESSION_ENGINE"] = "file"
	env["SESSION_FILE_PATH"] = dir
	return e2eSetup{env: env, users: users, newStore: func(t testing.TB, s *django.Settings) engines.Store {
		st, err := file.New(file.Config{Path: dir, CookieName: s.SessionCookieName}, e2eEngineOptions(t, s))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}}
}

func e2eSignedCookies(t *testing.T, v *e2eVersion) e2eSetup {
	env, _, users := e2eSQLiteUsers(t, v)
	env["SESSION_ENGINE"] = "signed_cookies"
	return e2eSetup{env: env, users: users, newStore: func(t testing.TB, s *django.Settings) engines.Store {
		st, err := signedcookies.New(signedcookies.Config{SecretKey: s.SecretKey, SecretKeyFallbacks: s.SecretKeyFallbacks,
			Serializer: s.SessionSerializer, AcceptSHA1: s.AcceptLegacySessions}, e2eEngineOptions(t, s))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}}
}

// e2eDBPostgres gives the version a database of its own on the server of
// DJSESSION_PG_DSN, migrated by Django, dropped at the end.
func e2eDBPostgres(t *testing.T, v *e2eVersion) e2eSetup {
	dsn := os.Getenv("DJSESSION_PG_DSN")
	if dsn == "" {
		skipOrFail(t, "DJSESSION_PG_DSN is not set: run eval \"$(scripts/services start postgres)\"")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		skipOrFail(t, "PostgreSQL at DJSESSION_PG_DSN unavailable (scripts/services start postgres): %v", err)
	}
	defer admin.Close(ctx)
	var rb [4]byte
	rand.Read(rb[:])
	name := "djsession_e2e_" + strings.ReplaceAll(v.Series, ".", "_") + "_" + hex.EncodeToString(rb[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	vdsn := u.String()
	pool, err := pgxpool.New(ctx, vdsn)
	if err != nil {
		t.Fatal(err)
	}
	sdb, err := sql.Open("pgx", vdsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pool.Close()
		sdb.Close()
		if c, err := pgx.Connect(context.Background(), dsn); err == nil {
			c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	})
	env := map[string]string{"DJANGOAPP_DATABASE": vdsn, "SESSION_ENGINE": "db"}
	runDjangoSetup(t, v, env)
	users, err := auth.NewSQLUserSource(sdb, auth.PostgreSQL, auth.AuthUser, auth.SQLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return e2eSetup{env: env, users: users, newStore: func(t testing.TB, s *django.Settings) engines.Store {
		st, err := postgres.New(pool, postgres.Options{Options: db.Options{Options: e2eEngineOptions(t, s)}})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}}
}

func e2eEngineOptions(t testing.TB, s *django.Settings) engines.Options {
	t.Helper()
	opts, err := s.EngineOptions()
	if err != nil {
		t.Fatal(err)
	}
	return opts
}

// e2eSettings are the Go settings matching the Django site of v under keys.
func e2eSettings(t testing.TB, v *e2eVersion, keys e2eKeys) django.Settings {
	t.Helper()
	s := django.NewSettings()
	if err := s.ForDjango(v.Django); err != nil {
		t.Fatal(err)
	}
	s.SecretKey = keys.Key
	s.SecretKeyFallbacks = keys.Fallbacks
	s.TimeZone = "UTC"
	return s
}

// goService is the Go side: an httptest.Server whose handler (middleware + auth) can be
// rebuilt for new keys without changing its address.
type goService struct {
	srv *httptest.Server
	mu  sync.RWMutex
	h   http.Handler
}

func newGoService(t testing.TB) *goService {
	g := &goService{}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.RLock()
		h := g.h
		g.mu.RUnlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

// configure installs a handler for settings s (with its store) and users.
func (g *goService) configure(t testing.TB, s django.Settings, users auth.UserSource) {
	t.Helper()
	mw, err := django.NewMiddleware(s)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &auth.Config{SecretKey: s.SecretKey, SecretKeyFallbacks: s.SecretKeyFallbacks,
		AuthenticationBackends: s.AuthenticationBackends, Users: users, CSRFUseSessions: s.CSRFUseSessions}
	msgs, err := messages.NewMiddleware(s)
	if err != nil {
		t.Fatal(err)
	}
	g.mu.Lock()
	g.h = mw.Handler(msgs.Handler(goRoutes(cfg)))
	g.mu.Unlock()
}

// goRoutes are the Go service's endpoints.
func goRoutes(cfg *auth.Config) http.Handler {
	mux := http.NewServeMux()
	writeJSON := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
		sess := django.FromContext(r.Context())
		u, err := auth.GetUser(r.Context(), sess, cfg)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		out := map[string]any{"authenticated": u != nil, "username": ""}
		if u != nil {
			out["username"] = u.Username
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		sess := django.FromContext(r.Context())
		u, err := auth.Authenticate(r.Context(), r.PostFormValue("username"), r.PostFormValue("password"), cfg)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if u == nil {
			writeJSON(w, http.StatusForbidden, map[string]any{"ok": false})
			return
		}
		if err := auth.Login(r.Context(), sess, u, "", cfg); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		if err := auth.Logout(r.Context(), django.FromContext(r.Context())); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	})
	mux.HandleFunc("GET /messages", func(w http.ResponseWriter, r *http.Request) {
		list := []map[string]any{}
		for _, m := range messages.GetMessages(r) {
			var tags any = m.ExtraTags
			if m.NoExtraTags {
				tags = nil
			}
			list = append(list, map[string]any{"level": m.Level, "message": m.Message, "tags": m.Tags(),
				"extra_tags": tags, "safe": m.Safe})
		}
		writeJSON(w, http.StatusOK, map[string]any{"messages": list})
	})
	mux.HandleFunc("POST /messages/add", func(w http.ResponseWriter, r *http.Request) {
		level, err := strconv.Atoi(r.PostFormValue("level"))
		if err != nil {
			level = messages.INFO
		}
		st := messages.FromContext(r.Context())
		for _, text := range r.PostForm["text"] {
			st.AddMessage(messages.Message{Level: level, Message: text, ExtraTags: r.PostFormValue("tags"),
				Safe: r.PostFormValue("safe") != ""})
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	})
	mux.HandleFunc("GET /session", func(w http.ResponseWriter, r *http.Request) {
		v, ok := django.FromContext(r.Context()).GetString(r.FormValue("key"))
		writeJSON(w, http.StatusOK, map[string]any{"present": ok, "value": v})
	})
	mux.HandleFunc("POST /session/set", func(w http.ResponseWriter, r *http.Request) {
		if err := django.FromContext(r.Context()).SetAny(r.PostFormValue("key"), r.PostFormValue("value")); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	})
	return mux
}

// browser is one user agent: a cookie jar shared by the Django site and the Go service
// (cookies do not depend on the port), and no redirect following.
type browser struct {
	t      testing.TB
	name   string
	client *http.Client
}

func newBrowser(t testing.TB, name string) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, name: name, client: &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (b *browser) do(method, u string, form url.Values) (int, http.Header, []byte) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s: %s %s: %v", b.name, method, u, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("%s: %s %s: %v", b.name, method, u, err)
	}
	return resp.StatusCode, resp.Header, data
}

var csrfInput = regexp.MustCompile(`name="csrfmiddlewaretoken" value="([^"]+)"`)

// csrfToken fetches a Django form page and returns its csrfmiddlewaretoken.
func (b *browser) csrfToken(pageURL string) string {
	b.t.Helper()
	status, _, body := b.do("GET", pageURL, nil)
	m := csrfInput.FindSubmatch(body)
	if status != http.StatusOK || m == nil {
		b.t.Fatalf("%s: GET %s: %d without a CSRF token:\n%.500s", b.name, pageURL, status, body)
	}
	return string(m[1])
}

// postForm fetches the form at page (for the CSRF token) and posts fields to it; it
// returns the status and Location.
func (b *browser) postForm(page string, fields url.Values) (int, string, []byte) {
	b.t.Helper()
	fields.Set("csrfmiddlewaretoken", b.csrfToken(page))
	status, h, body := b.do("POST", page, fields)
	return status, h.Get("Location"), body
}

// djangoLogin logs in through Django's LoginView.
func (b *browser) djangoLogin(dj *djangoServer, user, password string) {
	b.t.Helper()
	status, loc, body := b.postForm(dj.URL+"/login/", url.Values{"username": {user}, "password": {password}})
	if status != http.StatusFound || loc != "/me/" {
		b.t.Fatalf("%s: Django login as %s: %d %q (want 302 to /me/):\n%.800s", b.name, user, status, loc, body)
	}
}

// djangoLogout posts to Django's LogoutView (the CSRF token comes from the login form).
func (b *browser) djangoLogout(dj *djangoServer) {
	b.t.Helper()
	fields := url.Values{"csrfmiddlewaretoken": {b.csrfToken(dj.URL + "/login/")}}
	status, _, body := b.do("POST", dj.URL+"/logout/", fields)
	if status != http.StatusFound {
		b.t.Fatalf("%s: Django logout: %d:\n%.800s", b.name, status, body)
	}
}

// djangoChangePassword uses Django's PasswordChangeView.
func (b *browser) djangoChangePassword(dj *djangoServer, old, new string) {
	b.t.Helper()
	status, loc, body := b.postForm(dj.URL+"/password/", url.Values{"old_password": {old},
		"new_password1": {new}, "new_password2": {new}})
	if status != http.StatusFound || loc != "/me/" {
		b.t.Fatalf("%s: Django password change: %d %q:\n%.800s", b.name, status, loc, body)
	}
}

// djangoUser is the user Django's protected view sees ("" when it redirects to login).
func (b *browser) djangoUser(dj *djangoServer) string {
	b.t.Helper()
	status, h, body := b.do("GET", dj.URL+"/me/", nil)
	switch status {
	case http.StatusOK:
		var me struct{ Username string }
		if err := json.Unmarshal(body, &me); err != nil || me.Username == "" {
			b.t.Fatalf("%s: Django /me/: %s", b.name, body)
		}
		return me.Username
	case http.StatusFound:
		if !strings.HasPrefix(h.Get("Location"), "/login/") {
			b.t.Fatalf("%s: Django /me/ redirects to %q", b.name, h.Get("Location"))
		}
		return ""
	}
	b.t.Fatalf("%s: Django /me/: %d\n%.800s", b.name, status, body)
	return ""
}

// goUser is the user the Go service sees ("" for anonymous).
func (b *browser) goUser(g *goService) string {
	b.t.Helper()
	status, _, body := b.do("GET", g.srv.URL+"/whoami", nil)
	var who struct {
		Authenticated bool
		Username      string
	}
	if status != http.StatusOK || json.Unmarshal(body, &who) != nil {
		b.t.Fatalf("%s: Go /whoami: %d %s", b.name, status, body)
	}
	return who.Username
}

func (b *browser) goLogin(g *goService, user, password string) {
	b.t.Helper()
	status, _, body := b.do("POST", g.srv.URL+"/login", url.Values{"username": {user}, "password": {password}})
	if status != http.StatusOK {
		b.t.Fatalf("%s: Go login as %s: %d %s", b.name, user, status, body)
	}
}

func (b *browser) goLogout(g *goService) {
	b.t.Helper()
	if status, _, body := b.do("POST", g.srv.URL+"/logout", url.Values{}); status != http.StatusOK {
		b.t.Fatalf("%s: Go logout: %d %s", b.name, status, body)
	}
}

// sessionCookie is the session cookie the browser holds for the loopback host ("" if none).
func (b *browser) sessionCookie(base string) string {
	u, _ := url.Parse(base)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == django.DefaultSessionCookieName {
			return c.Value
		}
	}
	return ""
}

// withSessionCookie returns a new browser holding only the session cookie value (an
// old cookie replayed after logout or re-keying).
func withSessionCookie(t testing.TB, name, base, value string) *browser {
	b := newBrowser(t, name)
	u, _ := url.Parse(base)
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: django.DefaultSessionCookieName, Value: value, Path: "/"}})
	return b
}
