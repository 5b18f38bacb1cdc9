package oauth2provider_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/django/auth/hashers"
	"github.com/djsession/djsession/internal/exampledb"
	"github.com/djsession/djsession/restframework/oauth2provider"
)

// The toolkit's application and refresh token tables (3.4.1 on SQLite), without their
// references to other tables.
const (
	appTable = `CREATE TABLE "oauth2_provider_application" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
	"client_id" varchar(100) NOT NULL UNIQUE, "client_type" varchar(32) NOT NULL,
	"authorization_grant_type" varchar(32) NOT NULL, "client_secret" varchar(255) NOT NULL, "name" varchar(255) NOT NULL,
	"redirect_uris" text NOT NULL DEFAULT '')`
	refreshTable = `CREATE TABLE "oauth2_provider_refreshtoken" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
	"token" varchar(255) NOT NULL, "token_checksum" varchar(64) NOT NULL, "access_token_id" bigint NULL UNIQUE,
	"application_id" bigint NOT NULL, "user_id" integer NOT NULL, "created" datetime NOT NULL, "updated" datetime NOT NULL,
	"revoked" datetime NULL, "token_family" char(32) NULL, "resource" text NOT NULL DEFAULT '[]')`
)

// endpointSite is a testSite with the toolkit's endpoints for clients: the confidential
// client "conf" (secret "s:e+c", stored hashed) owns the tokens "good" and "other" (with
// refresh token "good-r"), the public client "pub" the token "pub-token".
type endpointSite struct {
	*testSite
	introspect, revoke, token http.Handler
}

func newEndpointSite(tb testing.TB) *endpointSite {
	db, users := exampledb.Open(tb)
	s, err := siteOn(db, users, "")
	if err != nil {
		tb.Fatal(err)
	}
	set := hashers.NewSet(hashers.MD5{})
	hashed, err := set.Make("s:e+c")
	if err != nil {
		tb.Fatal(err)
	}
	for _, q := range []string{appTable, refreshTable,
		`INSERT INTO "oauth2_provider_application" VALUES (1, 'conf', 'confidential', 'client-credentials', '` + hashed + `', 'c', '')`,
		`INSERT INTO "oauth2_provider_application" VALUES (2, 'pub', 'public', 'password', 'x', 'p', '')`} {
		if _, err := db.Exec(q); err != nil {
			tb.Fatal(err)
		}
	}
	exp := time.Now().Add(time.Hour)
	for _, tok := range []struct{ token, app string }{{"good", "1"}, {"other", "1"}, {"pub-token", "2"}} {
		s.addToken(tb, tok.token, "2", exp, "read", "[]")
		if _, err := db.Exec(`UPDATE "oauth2_provider_accesstoken" SET "application_id" = ? WHERE "token" = ?`, tok.app, tok.token); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := db.Exec(`INSERT INTO "oauth2_provider_refreshtoken" VALUES (1, 'good-r', ?, 1, 1, 2, '2026-01-01 00:00:00',
		'2026-01-01 00:00:00', NULL, NULL, '[]')`, oauth2provider.Checksum("good-r")); err != nil {
		tb.Fatal(err)
	}
	clients := &oauth2provider.ClientAuthentication{Settings: s.settings, Hashers: set,
		Applications: oauth2provider.NewSQLApplications(users, "", ""), Django: s.auth.Django}
	return &endpointSite{testSite: s,
		introspect: &oauth2provider.IntrospectTokenView{Clients: clients, Authentication: s.auth},
		revoke:     &oauth2provider.RevokeTokenView{Clients: clients, Tokens: s.auth.Tokens.(*oauth2provider.SQLTokens)},
		token: &oauth2provider.TokenView{Clients: clients, Tokens: s.auth.Tokens.(*oauth2provider.SQLTokens),
			Config: &auth.Config{SecretKey: "k", Users: users, Hashers: set, AuthenticationBackends: []string{auth.ModelBackend}}}}
}

func basicAuth(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

// TestIntrospectTokenView: who may ask (a client with its secret, %-escaped in Basic
// credentials; not with a wrong one), and what it is told.
func TestIntrospectTokenView(t *testing.T) {
	s := newEndpointSite(t)
	conf := basicAuth("conf", "s%3Ae%2Bc")
	for _, c := range []struct {
		q          request
		code       int
		body, ctyp string
	}{
		{request{target: "/o/introspect/?token=good", authorization: conf}, 200, `"active": true, "scope": "read", "exp": `, "application/json"},
		{request{target: "/o/introspect/?token=good", authorization: basicAuth("conf", "s:e+c")}, 403, "", "text/html; charset=utf-8"},
		{request{target: "/o/introspect/?token=good&client_id=conf&client_secret=s%3Ae%2Bc"}, 200, `"client_id": "conf"`, "application/json"},
		{request{method: "POST", target: "/o/introspect/", body: "token=nope&client_id=conf&client_secret=s:e%2Bc"}, 200, `{"active": false}`, "application/json"},
		{request{target: "/o/introspect/", authorization: conf}, 400, `{"error": "invalid_request", "error_description": "Token parameter is missing."}`, "application/json"},
		{request{target: "/o/introspect/?token=good"}, 403, "", "text/html; charset=utf-8"},
		{request{target: "/o/introspect/?token=good&x=%zz", authorization: conf}, 500, "Server Error", "text/html; charset=utf-8"},
		{request{method: "PUT", target: "/o/introspect/?token=good", authorization: conf}, 405, "", "text/html; charset=utf-8"},
		{request{target: "/o/introspect/?token=good", authorization: "Basic Y29uZjpzOmUrY\u00e9"}, 500, "Server Error", "text/html; charset=utf-8"},
	} {
		w := s.send(s.introspect, c.q)
		if w.Code != c.code || !strings.Contains(w.Body.String(), c.body) || w.Header().Get("Content-Type") != c.ctyp {
			t.Errorf("%+v: %d %s %q", c.q, w.Code, w.Header().Get("Content-Type"), w.Body)
		}
	}
}

// TestRevokeTokenView: oauthlib's errors, a client revoking its own tokens (and an access
// token's refresh token with it), not another client's.
func TestRevokeTokenView(t *testing.T) {
	s := newEndpointSite(t)
	conf := basicAuth("conf", "s%3Ae%2Bc")
	for _, c := range []struct {
		q          request
		code       int
		body, auth string
	}{
		{request{method: "GET", target: "/o/revoke_token/", authorization: conf}, 405, "", ""},
		{request{method: "POST", target: "/o/revoke_token/", body: "token=good"}, 401, `{"error": "invalid_client"}`, `Bearer error="invalid_client"`},
		{request{method: "POST", target: "/o/revoke_token/", body: "token=good&state=\u00e9", authorization: basicAuth("conf", "x")}, 401,
			`{"error": "invalid_client", "state": "\u00e9"}`, `Bearer error="invalid_client"`},
		{request{method: "POST", target: "/o/revoke_token/", body: "x=1", authorization: conf}, 400,
			`{"error": "invalid_request", "error_description": "Missing token parameter."}`, ""},
		{request{method: "POST", target: "/o/revoke_token/?token=good", body: "token=good", authorization: conf}, 400,
			`{"error": "invalid_request", "error_description": "URL query parameters are not allowed"}`, ""},
		{request{method: "POST", target: "/o/revoke_token/", body: "token=pub-token", authorization: conf}, 200, "", ""},
		{request{method: "POST", target: "/o/revoke_token/", body: "token=good&client_id=pub"}, 200, "", ""},
		{request{method: "POST", target: "/o/revoke_token/", body: "token=good", authorization: conf}, 200, "", ""},
	} {
		w := s.send(s.revoke, c.q)
		if w.Code != c.code || w.Body.String() != c.body || w.Header().Get("WWW-Authenticate") != c.auth {
			t.Errorf("%+v: %d %q %q", c.q, w.Code, w.Body, w.Header().Get("WWW-Authenticate"))
		}
	}
	var left []string
	rows, err := s.db.Query(`SELECT "token" FROM "oauth2_provider_accesstoken" ORDER BY "token"`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var tok string
		rows.Scan(&tok)
		left = append(left, tok)
	}
	var revoked bool
	if err := s.db.QueryRow(`SELECT "revoked" IS NOT NULL AND "access_token_id" IS NULL FROM "oauth2_provider_refreshtoken"`).Scan(&revoked); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"other", "pub-token"}, left); diff != "" || !revoked {
		t.Errorf("access tokens left (-want +got):\n%s\nrefresh token revoked: %v", diff, revoked)
	}
}

// TestTokenView: the client-credentials grant's token, stored so that it authenticates
// (and that introspection knows it), and oauthlib's refusals.
func TestTokenView(t *testing.T) {
	s := newEndpointSite(t)
	conf := basicAuth("conf", "s%3Ae%2Bc")
	issued := regexp.MustCompile(`^\{"access_token": "([A-Za-z0-9]{30})", "expires_in": 36000, "token_type": "Bearer", "scope": "read write"\}$`)
	w := s.send(s.token, request{method: "POST", target: "/o/token/", body: "grant_type=client_credentials", authorization: conf})
	m := issued.FindStringSubmatch(w.Body.String())
	if w.Code != 200 || m == nil || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("%d %s %v", w.Code, w.Body, w.Header())
	}
	w = s.send(s.introspect, request{target: "/o/introspect/?token=" + m[1], authorization: conf})
	if !strings.Contains(w.Body.String(), `{"active": true, "scope": "read write", "exp": `) || !strings.Contains(w.Body.String(), `"client_id": "conf"}`) {
		t.Errorf("the token issued, introspected: %s", w.Body)
	}
	for _, c := range []struct {
		q          request
		code       int
		body, ctyp string
	}{
		{request{method: "POST", target: "/o/token/", body: "grant_type=client_credentials&scope=read+bogus", authorization: conf}, 400,
			`{"error": "invalid_scope"}`, "application/json"},
		{request{method: "POST", target: "/o/token/", body: "grant_type=client_credentials", authorization: basicAuth("conf", "x")}, 401,
			`{"error": "invalid_client"}`, "application/json"},
		{request{method: "POST", target: "/o/token/", body: "grant_type=bogus&state=s", authorization: conf}, 400,
			`{"error": "unsupported_grant_type", "state": "s"}`, "application/json"},
		{request{method: "POST", target: "/o/token/?x=1", body: "grant_type=client_credentials", authorization: conf}, 400,
			`{"error": "invalid_request", "error_description": "URL query parameters are not allowed"}`, "text/html; charset=utf-8"},
		{request{method: "POST", target: "/o/token/", body: "grant_type=password&username=u&password=p", authorization: conf}, 400,
			`{"error": "invalid_grant", "error_description": "Invalid credentials given."}`, "application/json"},
		{request{method: "POST", target: "/o/token/", body: "grant_type=client_credentials&resource=nope", authorization: conf}, 400,
			`{"error": "invalid_target", "error_description": "The resource 'nope' is not a valid resource indicator: it must be an absolute URI with a scheme and host."}`,
			"text/html; charset=utf-8"},
		{request{method: "POST", target: "/o/token/", body: "grant_type=refresh_token&refresh_token=good-r", authorization: conf}, 200,
			`"scope": "read", "refresh_token": "`, "application/json"},
		{request{method: "POST", target: "/o/token/", body: "grant_type=refresh_token&refresh_token=good-r", authorization: conf}, 400,
			`{"error": "invalid_grant"}`, "application/json"},
		{request{method: "POST", target: "/o/token/", body: "grant_type=authorization_code&code=x", authorization: conf}, 400,
			`{"error": "unauthorized_client"}`, "application/json"},
		{request{method: "GET", target: "/o/token/"}, 405, "", "text/html; charset=utf-8"},
	} {
		w := s.send(s.token, c.q)
		if w.Code != c.code || !strings.Contains(w.Body.String(), c.body) || w.Header().Get("Content-Type") != c.ctyp {
			t.Errorf("%+v: %d %s %q", c.q, w.Code, w.Header().Get("Content-Type"), w.Body)
		}
	}
	// Settings TokenView cannot follow make it a server error.
	for _, provider := range []string{`{"ACCESS_TOKEN_GENERATOR": "mysite.gen"}`, `{"DEFAULT_SCOPES": ["read", "bogus"]}`,
		`{"PKCE_REQUIRED": "mysite.pkce_required"}`, `{"REFRESH_TOKEN_REUSE_PROTECTION": true}`} {
		st, err := oauth2provider.SettingsFromJSON([]byte(`{"settings": {"OAUTH2_PROVIDER": ` + provider + `}}`))
		if err != nil {
			t.Fatal(err)
		}
		tv := *s.token.(*oauth2provider.TokenView)
		clients := *tv.Clients
		clients.Settings, tv.Clients = st, &clients
		if w := s.send(&tv, request{method: "POST", target: "/o/token/", body: "grant_type=client_credentials", authorization: conf}); w.Code != 500 {
			t.Errorf("%s: %d %s", provider, w.Code, w.Body)
		}
	}
}

// FuzzClientEndpoints sends the introspection, revocation and token endpoints any Authorization
// header, query string and form body: they never panic, answer 200, 400, 401, 403, 405 or
// 500 as the toolkit does, and introspect for no request without a client.
func FuzzClientEndpoints(f *testing.F) {
	s := newEndpointSite(f)
	for _, seed := range [][3]string{
		{basicAuth("conf", "s%3Ae%2Bc"), "token=good", ""}, {"", "", "token=good&client_id=conf&client_secret=s:e%2Bc"},
		{"Basic !!", "x=%zz", "client=1"}, {basicAuth("pub", ""), "", "token=pub-token&client_id=pub&token_type_hint=refresh_token"},
		{"Basic \xff", "token", "state=%ff"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, header, query, body string) {
		for _, h := range []http.Handler{s.introspect, s.revoke, s.token} {
			send := func(header string) *httptest.ResponseRecorder {
				r := httptest.NewRequest("POST", "http://example.com/o/x/", strings.NewReader(body))
				r.URL.RawQuery = query
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if header != "" {
					r.Header["Authorization"] = []string{header}
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				return w
			}
			w, r := send(""), send(header)
			for _, code := range []int{w.Code, r.Code} {
				switch code {
				case 200, 400, 401, 403, 405, 500:
				default:
					t.Fatalf("%q %q %q: %d", header, query, body, code)
				}
			}
			// (no client_id field can be spelt without a "c" or a %-escape)
			if h == s.introspect && w.Code == 200 && !strings.ContainsAny(query+body, "c%") {
				t.Fatalf("%q %q: introspected for no client", query, body)
			}
		}
	})
}

// ExampleTokenView issues a token to a client of the client-credentials grant, as the
// toolkit's token endpoint does, then reads it back as a resource server would.
func ExampleTokenView() {
	db, users, done, err := exampledb.Copy()
	if err != nil {
		panic(err)
	}
	defer done()
	site, err := siteOn(db, users, "")
	if err != nil {
		panic(err)
	}
	// (the toolkit's tables, and a client whose secret is stored as is)
	for _, q := range []string{appTable, refreshTable, `INSERT INTO "oauth2_provider_application" VALUES (1, 'reports',
		'confidential', 'client-credentials', 'n0t-s3cret', 'Reports', '')`} {
		if _, err := db.Exec(q); err != nil {
			panic(err)
		}
	}
	token := &oauth2provider.TokenView{
		Clients: &oauth2provider.ClientAuthentication{Settings: site.settings,
			Applications: oauth2provider.NewSQLApplications(users, "", site.settings.Version)},
		Tokens: oauth2provider.NewSQLTokens(users, "", site.settings.Version),
		Config: &auth.Config{SecretKey: "k", Users: users},
	}
	r := httptest.NewRequest("POST", "http://example.com/o/token/", strings.NewReader("grant_type=client_credentials&scope=read"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.SetBasicAuth("reports", "n0t-s3cret")
	w := httptest.NewRecorder()
	token.ServeHTTP(w, r)
	var answer struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		Scope       string
	}
	json.Unmarshal(w.Body.Bytes(), &answer)
	fmt.Println(w.Code, len(answer.AccessToken), answer.ExpiresIn, answer.Scope)

	t, err := site.auth.Tokens.AccessToken(r.Context(), answer.AccessToken)
	fmt.Println(err, t.Scope, t.UserID == "", t.ApplicationID)
	// Output:
	// 200 30 36000 read
	// <nil> read true 1
}

// TestExtraTokenMiddleware: request.access_token is the token of a Bearer header,
// expired or not; none for an unknown one; 2.4's IndexError for "Bearer" alone.
func TestExtraTokenMiddleware(t *testing.T) {
	s := newEndpointSite(t)
	s.addToken(t, "old", "2", time.Now().Add(-time.Hour), "read", "[]")
	seen := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok := oauth2provider.RequestAccessToken(r.Context()); tok != nil {
			fmt.Fprint(w, tok.Scope, " ", tok.ID)
		}
	})
	h := s.auth.ExtraTokenMiddleware(seen)
	for _, c := range []struct {
		header string
		code   int
		body   string
	}{
		{"Bearer good", 200, "read 1"}, {"bearer  old ", 200, "read 4"}, {"Bearer nope", 200, ""}, {"Bearer good x", 200, ""},
		{"Token good", 200, ""}, {"Bearer", 200, ""}, {"", 200, ""},
	} {
		if w := s.send(h, request{authorization: c.header}); w.Code != c.code || w.Body.String() != c.body {
			t.Errorf("%q: %d %q", c.header, w.Code, w.Body)
		}
	}
	s.settings.Version = "2.4"
	defer func() { s.settings.Version = "" }()
	if w := s.send(h, request{authorization: "Bearer"}); w.Code != 500 {
		t.Errorf("2.4, Bearer alone: %d", w.Code)
	}
}
