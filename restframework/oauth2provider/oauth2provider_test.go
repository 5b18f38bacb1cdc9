package oauth2provider_test

import (
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/internal/exampledb"
	"github.com/djsession/djsession/restframework"
	"github.com/djsession/djsession/restframework/oauth2provider"
	"github.com/djsession/djsession/serializer"
)

// The toolkit's oauth2_provider_accesstoken as its migrations make it on SQLite (3.4.1,
// and 2.4.0 for version "2.4"), without the references to its other tables.
const (
	table34 = `CREATE TABLE "oauth2_provider_accesstoken" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
	"token" text NOT NULL, "expires" datetime NOT NULL, "scope" text NOT NULL, "application_id" bigint NULL,
	"user_id" integer NULL REFERENCES "auth_user" ("id"), "created" datetime NOT NULL, "updated" datetime NOT NULL,
	"source_refresh_token_id" bigint NULL UNIQUE, "id_token_id" bigint NULL UNIQUE,
	"token_checksum" varchar(64) NOT NULL UNIQUE, "resource" text NOT NULL CHECK ((JSON_VALID("resource") OR "resource" IS NULL)))`
	table24 = `CREATE TABLE "oauth2_provider_accesstoken" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
	"expires" datetime NOT NULL, "scope" text NOT NULL, "application_id" bigint NULL,
	"user_id" integer NULL REFERENCES "auth_user" ("id"), "created" datetime NOT NULL, "updated" datetime NOT NULL,
	"source_refresh_token_id" bigint NULL UNIQUE, "id_token_id" bigint NULL UNIQUE, "token" varchar(255) NOT NULL UNIQUE)`
)

// testSite is a copy of the example database with the toolkit's table, and an APIView
// with OAuth2Authentication and perm answering the user's username ("-" for none).
type testSite struct {
	db       *sql.DB
	settings *oauth2provider.Settings
	auth     *oauth2provider.OAuth2Authentication
	view     func(perm restframework.Permission, methods ...string) http.Handler
}

func newSite(tb testing.TB, version string) *testSite {
	db, users := exampledb.Open(tb)
	s, err := siteOn(db, users, version)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func siteOn(db *sql.DB, users *auth.SQLUserSource, version string) (*testSite, error) {
	ddl := table34
	if version == "2.4" {
		ddl = table24
	}
	if _, err := db.Exec(ddl); err != nil {
		return nil, err
	}
	s := oauth2provider.Defaults()
	s.Version = version
	ds := django.NewSettings()
	ds.AllowedHosts = []string{"example.com"}
	ds.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	a := &oauth2provider.OAuth2Authentication{Settings: s, Tokens: oauth2provider.NewSQLTokens(users, "", version),
		Config: &auth.Config{SecretKey: "k", Users: users}, Django: &ds}
	view := func(perm restframework.Permission, methods ...string) http.Handler {
		if methods == nil {
			methods = []string{"GET"}
		}
		return &restframework.APIView{Authentication: []restframework.Authenticator{a},
			Permissions: []restframework.Permission{perm}, Methods: methods, Settings: &ds,
			Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				u := restframework.FromContext(r.Context()).User
				v := serializer.Str("-") // (a token of no user)
				if u != nil {
					v = serializer.Str(u.Username)
				}
				restframework.Response(w, r, http.StatusOK, v)
			})}
	}
	return &testSite{db: db, settings: s, auth: a, view: view}, nil
}

// addToken stores an access token as the toolkit does (user "" for none; resource a JSON
// list, 3.x alone).
func (s *testSite) addToken(tb testing.TB, token, user string, expires time.Time, scope, resource string) {
	tb.Helper()
	var uid any
	if user != "" {
		uid = user
	}
	exp := expires.UTC().Format("2006-01-02 15:04:05.000000")
	var err error
	if s.settings.Version == "2.4" {
		_, err = s.db.Exec(`INSERT INTO "oauth2_provider_accesstoken" ("token", "expires", "scope", "user_id", "created", "updated")
			VALUES (?, ?, ?, ?, ?, ?)`, token, exp, scope, uid, exp, exp)
	} else {
		_, err = s.db.Exec(`INSERT INTO "oauth2_provider_accesstoken" ("token", "token_checksum", "expires", "scope", "user_id",
			"created", "updated", "resource") VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			token, oauth2provider.Checksum(token), exp, scope, uid, exp, exp, resource)
	}
	if err != nil {
		tb.Fatal(err)
	}
}

type request struct {
	method, target, authorization, host, body string
}

func (s *testSite) send(h http.Handler, q request) *httptest.ResponseRecorder {
	method := q.method
	if method == "" {
		method = "GET"
	}
	r := httptest.NewRequest(method, "http://example.com"+q.target, strings.NewReader(q.body))
	if q.host != "" {
		r.Host = q.host
	}
	if q.body != "" {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if q.authorization != "" {
		r.Header.Set("Authorization", q.authorization)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestAuthenticate: where the token is found (header, form body, query string, in that
// order), which tokens authenticate (unexpired, allowed here by their resources; a token
// of no user without a user) and the 401's WWW-Authenticate header of each refusal;
// malformed query strings and hosts are Django's 400.
func TestAuthenticate(t *testing.T) {
	s := newSite(t, "")
	future := time.Now().Add(time.Hour)
	s.addToken(t, "good", "2", future, "read write", "[]")
	s.addToken(t, "expired", "2", time.Now().Add(-time.Minute), "read", "[]")
	s.addToken(t, "client", "", future, "read", "[]")
	s.addToken(t, "here", "2", future, "read", `["http://example.com/api/"]`)
	s.addToken(t, "elsewhere", "2", future, "read", `["https://example.com/api/", "http://example.com/apiary/"]`)
	s.addToken(t, "malformed", "2", future, "read", `["http://[::1/"]`)
	who := s.view(restframework.IsAuthenticated{})
	any := s.view(restframework.AllowAny{})
	const realm = `Bearer realm="api"`
	invalid := realm + `,error="invalid_token",error_description="The access token is invalid."`
	for _, c := range []struct {
		view   http.Handler
		q      request
		status int
		body   string
		header string
	}{
		{who, request{target: "/api/me/", authorization: "Bearer good"}, 200, `"bob"`, ""},
		{who, request{target: "/api/me/", authorization: "bearer\u00a0good"}, 401, "", realm}, // (the raw UTF-8 of NBSP)
		{who, request{target: "/api/me/", authorization: "bearer \xa0good\xa0"}, 200, `"bob"`, ""},
		{who, request{target: "/api/me/", authorization: "Bearer good x"}, 401, "", realm},
		{who, request{target: "/api/me/", authorization: "Token good"}, 401, "", realm},
		{who, request{target: "/api/me/", authorization: "Bearer bad"}, 401, "", invalid},
		{who, request{target: "/api/me/", authorization: "Bearer expired"}, 401, "",
			realm + `,error="invalid_token",error_description="The access token has expired."`},
		{who, request{target: "/api/me/?access_token=good"}, 200, `"bob"`, ""},
		{who, request{target: "/api/me/?access_token=good&access_token=bad"}, 401, "", invalid},
		{who, request{target: "/api/me/?access_token=good", authorization: "Basic x"}, 401, "", realm},
		{who, request{method: "POST", target: "/api/me/?access_token=bad", body: "access_token=good"}, 405, "", ""},
		{who, request{method: "POST", target: "/api/me/?access_token=good", body: "access_token="}, 401, "", realm},
		{who, request{target: "/api/me/?x=%zz", authorization: "Bearer good"}, 400, "", ""},
		{who, request{target: "/api/me/?x=%", authorization: "Bearer good"}, 200, `"bob"`, ""},
		{who, request{target: "/api/me/", host: "evil.example", authorization: "Bearer good"}, 400, "", ""},
		{who, request{target: "/api/me/", authorization: "Bearer client"}, 403, "", ""},
		{any, request{target: "/api/me/", authorization: "Bearer client"}, 200, `"-"`, ""},
		{who, request{target: "/api/me/", authorization: "Bearer here"}, 200, `"bob"`, ""},
		{who, request{target: "/apiary/", authorization: "Bearer here"}, 401, "",
			realm + `,error="invalid_token",error_description="The access token is not valid for this resource."`},
		{who, request{target: "/api/me/", authorization: "Bearer elsewhere"}, 401, "", ""},
		{who, request{target: "/api/me/", authorization: "Bearer malformed"}, 500, "", ""},
	} {
		w := s.send(c.view, c.q)
		if w.Code != c.status || c.body != "" && w.Body.String() != c.body || c.header != "" && w.Header().Get("WWW-Authenticate") != c.header {
			t.Errorf("%+v: %d %s %q", c.q, w.Code, w.Body, w.Header().Get("WWW-Authenticate"))
		}
	}
	// (without its pieces, a server error rather than a panic)
	bare := &restframework.APIView{Authentication: []restframework.Authenticator{&oauth2provider.OAuth2Authentication{}},
		Methods: []string{"GET"}, Handler: http.NotFoundHandler()}
	if w := s.send(bare, request{target: "/"}); w.Code != 500 {
		t.Errorf("an authenticator without its pieces: %d", w.Code)
	}
}

// TestVersion24: 2.4 looks tokens up by their value, knows no resources, and answers a
// malformed query string with a server error.
func TestVersion24(t *testing.T) {
	s := newSite(t, "2.4")
	s.addToken(t, "good", "2", time.Now().Add(time.Hour), "read", "")
	who := s.view(restframework.IsAuthenticated{})
	for _, c := range []struct {
		q      request
		status int
	}{
		{request{target: "/", authorization: "Bearer good"}, 200},
		{request{target: "/", authorization: "Bearer GOOD"}, 401},
		{request{target: "/?x=%zz", authorization: "Bearer good"}, 500},
		{request{target: "/", host: "evil.example", authorization: "Bearer good"}, 200},
	} {
		if w := s.send(who, c.q); w.Code != c.status {
			t.Errorf("%+v: %d %s", c.q, w.Code, w.Body)
		}
	}
}

// TestPermissions: each permission's rule for scopes and methods, ERROR_RESPONSE_WITH_SCOPES'
// 403, the server error of a view without its scopes.
func TestPermissions(t *testing.T) {
	s := newSite(t, "")
	future := time.Now().Add(time.Hour)
	s.addToken(t, "reader", "2", future, "read music:read", "[]")
	s.addToken(t, "writer", "3", future, "write extra\tmusic:write", "[]")
	set := s.settings
	views := map[string]http.Handler{
		"scope":    s.view(&oauth2provider.TokenHasScope{Settings: set, RequiredScopes: []string{"read"}}),
		"none":     s.view(&oauth2provider.TokenHasScope{Settings: set}),
		"rw":       s.view(&oauth2provider.TokenHasReadWriteScope{Settings: set}, "GET", "POST"),
		"resource": s.view(&oauth2provider.TokenHasResourceScope{Settings: set, RequiredScopes: []string{"music"}}, "GET", "POST"),
		"oas": s.view(&oauth2provider.TokenMatchesOASRequirements{Settings: set,
			RequiredAlternateScopes: map[string][][]string{"GET": {{"read"}, {"extra"}}, "POST": {{"write", "read"}}}}, "GET", "POST"),
		"either": s.view(&oauth2provider.IsAuthenticatedOrTokenHasScope{Settings: set, RequiredScopes: []string{"extra"}}),
	}
	for _, c := range []struct {
		view, method, token string
		status              int
	}{
		{"scope", "GET", "reader", 200}, {"scope", "GET", "writer", 403}, {"scope", "GET", "", 401},
		{"none", "GET", "reader", 500}, {"none", "GET", "", 401},
		{"rw", "GET", "reader", 200}, {"rw", "POST", "reader", 403}, {"rw", "POST", "writer", 200}, {"rw", "GET", "writer", 403},
		{"resource", "GET", "reader", 200}, {"resource", "POST", "writer", 200}, {"resource", "POST", "reader", 403},
		{"oas", "GET", "reader", 200}, {"oas", "GET", "writer", 200}, {"oas", "POST", "writer", 403},
		{"either", "GET", "writer", 200}, {"either", "GET", "reader", 403},
	} {
		auth := ""
		if c.token != "" {
			auth = "Bearer " + c.token
		}
		if w := s.send(views[c.view], request{method: c.method, target: "/", authorization: auth}); w.Code != c.status {
			t.Errorf("%s %s %s: %d %s", c.view, c.method, c.token, w.Code, w.Body)
		}
	}
	set.ErrorResponseWithScopes = true
	w := s.send(views["scope"], request{target: "/", authorization: "Bearer writer"})
	if diff := cmp.Diff(`{"detail":"You do not have permission to perform this action.","required_scopes":["read"]}`, w.Body.String()); w.Code != 403 || diff != "" {
		t.Errorf("ERROR_RESPONSE_WITH_SCOPES: %d %s", w.Code, diff)
	}
}

// TestProtectedResource: the decorators' and views' rules: scopes, read and write scopes
// by method (and SCOPES holding them), OPTIONS let through by the views, the malformed
// query string's 500 (decorators) or 400 (views), Django's request.POST (a POST's form).
func TestProtectedResource(t *testing.T) {
	s := newSite(t, "")
	future := time.Now().Add(time.Hour)
	s.addToken(t, "reader", "2", future, "read", "[]")
	s.addToken(t, "writer", "", future, "write", "[]")
	var seen []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, tok := oauth2provider.ResourceOwner(r.Context())
		switch {
		case tok == nil:
			seen = append(seen, "no token")
		case u == nil:
			seen = append(seen, "no user")
		default:
			seen = append(seen, u.Username)
		}
	})
	prot := func(scopes []string, rw, view bool) http.Handler {
		return &oauth2provider.ProtectedResource{Authentication: s.auth, Scopes: scopes, ReadWrite: rw, View: view, Handler: h}
	}
	for _, c := range []struct {
		h      http.Handler
		q      request
		status int
		seen   string
	}{
		{prot(nil, false, false), request{target: "/", authorization: "Bearer reader"}, 200, "bob"},
		{prot(nil, false, false), request{target: "/", authorization: "Bearer writer"}, 200, "no user"},
		{prot(nil, false, false), request{target: "/"}, 403, ""},
		{prot(nil, false, false), request{method: "OPTIONS", target: "/"}, 403, ""},
		{prot(nil, false, true), request{method: "OPTIONS", target: "/"}, 200, "no token"},
		{prot([]string{"read"}, false, false), request{target: "/", authorization: "Bearer writer"}, 403, ""},
		{prot(nil, true, false), request{target: "/", authorization: "Bearer reader"}, 200, "bob"},
		{prot(nil, true, false), request{method: "POST", target: "/", authorization: "Bearer reader"}, 403, ""},
		{prot(nil, true, true), request{method: "PUT", target: "/", authorization: "Bearer writer"}, 200, "no user"},
		{prot(nil, false, false), request{method: "POST", target: "/", body: "access_token=reader"}, 200, "bob"},
		{prot(nil, false, false), request{method: "PUT", target: "/", body: "access_token=reader"}, 403, ""},
		{prot(nil, false, false), request{target: "/?x=%zz", authorization: "Bearer reader"}, 500, ""},
		{prot(nil, false, true), request{target: "/?x=%zz", authorization: "Bearer reader"}, 400, ""},
	} {
		seen = nil
		w := s.send(c.h, c.q)
		if got := strings.Join(seen, ","); w.Code != c.status || got != c.seen {
			t.Errorf("%+v: %d %q", c.q, w.Code, got)
		}
		if w.Code == 403 && (w.Body.Len() != 0 || w.Header().Get("Content-Type") != "text/html; charset=utf-8") {
			t.Errorf("%+v: the 403 %q %q", c.q, w.Header(), w.Body)
		}
	}
	s.settings.Scopes = []string{"read"}
	if w := s.send(prot(nil, true, true), request{method: "OPTIONS", target: "/"}); w.Code != 500 {
		t.Errorf("ReadWrite without the write scope in SCOPES: %d", w.Code)
	}
}

// TestAccessToken: scopes split on Python's white space, expiry at the instant itself.
func TestAccessToken(t *testing.T) {
	now := time.Now()
	tok := &oauth2provider.AccessToken{Scope: " a\u00a0b\x1fc  ", Expires: now}
	if diff := cmp.Diff([]string{"a", "b", "c"}, tok.Scopes()); diff != "" {
		t.Error(diff)
	}
	if !tok.AllowScopes(nil) || !tok.AllowScopes([]string{"c", "a"}) || tok.AllowScopes([]string{"a", "d"}) {
		t.Error("AllowScopes")
	}
	if !tok.IsExpired(now) || tok.IsExpired(now.Add(-time.Nanosecond)) || tok.IsValid(now, nil) {
		t.Error("IsExpired")
	}
	// (the SHA-256 test vector of "abc")
	if got := oauth2provider.Checksum("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Error(got)
	}
}

// TestSettingsFromJSON: what SettingsFromJSON takes and what it refuses.
func TestSettingsFromJSON(t *testing.T) {
	for _, c := range []struct {
		doc string
		ok  bool
	}{
		{`{"settings": {}}`, true},
		{`{"settings": {"OAUTH2_PROVIDER": {"ACCESS_TOKEN_EXPIRE_SECONDS": 5, "SCOPES": {"a": "b"}, "PKCE_REQUIRED": false}}}`, true},
		{`{"settings": {"OAUTH2_PROVIDER": {"OAUTH2_BACKEND_CLASS": "oauth2_provider.oauth2_backends.OAuthLibCore"}}}`, true},
		{`{"settings": {"OAUTH2_PROVIDER": {"OAUTH2_BACKEND_CLASS": "oauth2_provider.oauth2_backends.JSONOAuthLibCore"}}}`, false},
		{`{"settings": {"OAUTH2_PROVIDER": {"RESOURCE_SERVER_INTROSPECTION_URL": "https://as/introspect/"}}}`, true},
		{`{"settings": {"OAUTH2_PROVIDER": {"RESOURCE_SERVER_INTROSPECTION_CREDENTIALS": ["id", "secret", "x"]}}}`, false},
		{`{"settings": {"OAUTH2_PROVIDER": {"AUTHENTICATION_SERVER_EXP_TIME_ZONE": "Europe/Paris"}}}`, false},
		{`{"settings": {"OAUTH2_PROVIDER": {"RESOURCE_SERVER_INTROSPECTION_URL": "https://as/introspect/",
			"RESOURCE_SERVER_AUTH_TOKEN": "t", "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": true}}}`, false},
		{`{"settings": {"OAUTH2_PROVIDER": {"RESOURCE_SERVER_TOKEN_RESOURCE_VALIDATOR": "mysite.check"}}}`, false},
		{`{"settings": {"OAUTH2_PROVIDER": {"READ_SCOPE": 5}}}`, false},
		{`{"settings": {"OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL": "mysite.Token"}}`, false},
		{`{"settings": {"OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL": "oauth2_provider.AccessToken"}}`, true},
		{`[`, false},
	} {
		_, err := oauth2provider.SettingsFromJSON([]byte(c.doc))
		if c.ok && err != nil || !c.ok && err == nil {
			t.Errorf("%s: %v", c.doc, err)
		}
	}
	s, err := oauth2provider.SettingsFromJSON([]byte(`{"oauth2_provider_version": "2.4.0", "settings": {"OAUTH2_PROVIDER": {
		"RESOURCE_SERVER_TOKEN_RESOURCE_VALIDATOR": null, "WRITE_SCOPE": "w"}}}`))
	if err != nil || s.Version != "2.4" || s.ResourceValidator != nil || s.WriteScope != "w" {
		t.Errorf("%+v %v", s, err)
	}
	if _, err := oauth2provider.SettingsFromJSON([]byte(`{"settings": {"OAUTH2_PROVIDER": {"READ_SCOPE": 5}}}`)); !errors.Is(err, oauth2provider.ErrSettings) {
		t.Error(err)
	}
}

// A Go endpoint of an API whose tokens Django's django-oauth-toolkit issues: the token in
// the Authorization header, its scope checked.
func Example() {
	db, users, done, err := exampledb.Copy()
	if err != nil {
		panic(err)
	}
	defer done()
	site, err := siteOn(db, users, "")
	if err != nil {
		panic(err)
	}
	// (a token as Django's toolkit stores it)
	expires := time.Now().Add(time.Hour).UTC().Format("2006-01-02 15:04:05")
	db.Exec(`INSERT INTO "oauth2_provider_accesstoken" ("token", "token_checksum", "expires", "scope", "user_id", "created",
		"updated", "resource") VALUES ('Kq3fXAmple', ?, ?, 'read', 2, ?, ?, '[]')`, oauth2provider.Checksum("Kq3fXAmple"), expires, expires, expires)

	api := &restframework.APIView{
		Authentication: []restframework.Authenticator{site.auth},
		Permissions:    []restframework.Permission{&oauth2provider.TokenHasScope{Settings: site.settings, RequiredScopes: []string{"read"}}},
		Methods:        []string{"GET"},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a := restframework.FromContext(r.Context())
			tok := a.Auth.(*oauth2provider.AccessToken)
			restframework.Response(w, r, http.StatusOK, serializer.Str(a.User.Username+" with "+tok.Scope))
		}),
	}
	for _, authorization := range []string{"Bearer Kq3fXAmple", "Bearer forged", ""} {
		r := httptest.NewRequest("GET", "http://example.com/api/songs/", nil)
		if authorization != "" {
			r.Header.Set("Authorization", authorization)
		}
		w := httptest.NewRecorder()
		api.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Header().Get("WWW-Authenticate"), w.Body)
	}
	// Output:
	// 200  "bob with read"
	// 401 Bearer realm="api",error="invalid_token",error_description="The access token is invalid." {"detail":"Authentication credentials were not provided."}
	// 401 Bearer realm="api" {"detail":"Authentication credentials were not provided."}
}

// TestTokenMiddleware: the token middleware gives a Bearer request the token's user
// (behind AuthenticationMiddleware only when the session has none), only when
// OAuth2Backend is among the backends, adds "Authorization" to Vary, and answers a
// malformed query string with Django's 400.
func TestTokenMiddleware(t *testing.T) {
	s := newSite(t, "")
	s.addToken(t, "good", "2", time.Now().Add(time.Hour), "read", "[]")
	s.addToken(t, "client", "", time.Now().Add(time.Hour), "read", "[]")
	cfg := s.auth.Config
	show := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := auth.RequestUser(r, cfg)
		switch {
		case err != nil:
			fmt.Fprint(w, err)
		case u == nil:
			fmt.Fprint(w, "anonymous")
		default:
			fmt.Fprint(w, u.Username)
		}
	})
	front := s.auth.TokenMiddleware(show) // (in front of AuthenticationMiddleware: no session needed)
	for _, c := range []struct {
		backends      []string
		authorization string
		target        string
		status        int
		body          string
	}{
		{[]string{oauth2provider.OAuth2Backend}, "Bearer good", "/", 200, "bob"},
		{[]string{oauth2provider.OAuth2Backend}, "bearer  good ", "/", 200, "bob"},
		{[]string{oauth2provider.OAuth2Backend}, "Bearer good x", "/", 200, auth.ErrNoSessionMiddleware.Error()},
		{[]string{oauth2provider.OAuth2Backend}, "Bearer client", "/", 200, auth.ErrNoSessionMiddleware.Error()},
		{[]string{auth.ModelBackend}, "Bearer good", "/", 200, auth.ErrNoSessionMiddleware.Error()},
		{[]string{oauth2provider.OAuth2Backend}, "Bearer good", "/?x=%zz", 400, ""},
	} {
		cfg.AuthenticationBackends = c.backends
		w := s.send(front, request{target: c.target, authorization: c.authorization})
		if w.Code != c.status || c.body != "" && w.Body.String() != c.body {
			t.Errorf("%v %q %s: %d %q", c.backends, c.authorization, c.target, w.Code, w.Body)
		}
		if vary := w.Header().Get("Vary"); (w.Code == 200) != (vary == "Authorization") {
			t.Errorf("%q: Vary %q", c.authorization, vary)
		}
	}
}
