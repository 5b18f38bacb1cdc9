package compat_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/restframework"
	"github.com/djsession/djsession/restframework/oauth2provider"
	"github.com/djsession/djsession/serializer"
)

// oauth2Config is a site configuration of scripts/oauth2_oracle.py.
type oauth2Config struct {
	name   string
	oauth2 map[string]any // OAUTH2_PROVIDER
	realm  string
	django map[string]any
	as     bool // a resource server of serve-as's authorization server
}

var oauth2Configs = []oauth2Config{
	{name: "default", oauth2: map[string]any{}},
	{name: "errors", oauth2: map[string]any{"ERROR_RESPONSE_WITH_SCOPES": true, "WRITE_SCOPE": "alt",
		"REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 60, "REFRESH_TOKEN_EXPIRE_SECONDS": 30, "ACCESS_TOKEN_EXPIRE_SECONDS": 600,
		"DEFAULT_SCOPES": []string{"write"}}, realm: "priv\u00e9"},
	{name: "compliant", oauth2: map[string]any{"COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": true,
		"RESOURCE_SERVER_TOKEN_RESOURCE_VALIDATOR": nil, "READ_SCOPE": "music:read", "ROTATE_REFRESH_TOKEN": false},
		django: map[string]any{"USE_TZ": false, "TIME_ZONE": "America/Sao_Paulo"}},
	{name: "middleware", oauth2: map[string]any{}, django: map[string]any{
		"MIDDLEWARE":              []string{sessionMiddleware, authMiddleware, oauth2Middleware, extraTokenMiddleware},
		"AUTHENTICATION_BACKENDS": []string{oauth2provider.OAuth2Backend, auth.ModelBackend}}},
	{name: "middleware-first", oauth2: map[string]any{}, django: map[string]any{
		"MIDDLEWARE":              []string{sessionMiddleware, oauth2Middleware, authMiddleware},
		"AUTHENTICATION_BACKENDS": []string{auth.ModelBackend, oauth2provider.OAuth2Backend}}},
}

// The middleware of the configurations above.
const (
	sessionMiddleware    = "django.contrib.sessions.middleware.SessionMiddleware"
	authMiddleware       = "django.contrib.auth.middleware.AuthenticationMiddleware"
	oauth2Middleware     = "oauth2_provider.middleware.OAuth2TokenMiddleware"
	extraTokenMiddleware = "oauth2_provider.middleware.OAuth2ExtraTokenMiddleware"
)

// oauth2Step is a step of oauth2_oracle.py: simplejwt_oracle.py's, and a raw query
// string (QUERY_STRING) when Query is not nil.
type oauth2Step struct {
	jwtStep
	Query *string `json:"query"`
}

// oauth2Setup is what oauth2_oracle.py's setup prints.
type oauth2Setup struct {
	Tokens   map[string]string
	DRFToken string `json:"drf_token"`
	Steps    []oauth2Step
	OAuth2   string
	DRF      string
	Python   string
}

func oauth2Oracle(t *testing.T, series, dbJSON string, c oauth2Config, stdin any, out any, command string) {
	t.Helper()
	var realm any
	if c.realm != "" {
		realm = c.realm
	}
	conf, _ := json.Marshal(map[string]any{"oauth2": c.oauth2, "realm": realm, "django": c.django, "as": c.as})
	in := ""
	if stdin != nil {
		b, _ := json.Marshal(stdin)
		in = string(b)
	}
	runScriptJSON(t, series, "", in, out, "oauth2_oracle.py", dbJSON, string(conf), command)
}

// oauth2Settings is c's OAUTH2_PROVIDER for the toolkit's version.
func oauth2Settings(c oauth2Config, version string) *oauth2provider.Settings {
	s := oauth2provider.Defaults()
	if strings.HasPrefix(version, "2.") {
		s.Version = "2.4"
	}
	for k, v := range c.oauth2 {
		switch k {
		case "ERROR_RESPONSE_WITH_SCOPES":
			s.ErrorResponseWithScopes = v.(bool)
		case "WRITE_SCOPE":
			s.WriteScope = v.(string)
		case "READ_SCOPE":
			s.ReadScope = v.(string)
		case "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT":
			s.AccessTokenTransportCompliant = v.(bool)
		case "RESOURCE_SERVER_TOKEN_RESOURCE_VALIDATOR":
			s.ResourceValidator = nil
		case "RESOURCE_SERVER_INTROSPECTION_URL":
			s.IntrospectionURL = v.(string)
		case "RESOURCE_SERVER_AUTH_TOKEN":
			s.IntrospectionToken = v.(string)
		case "RESOURCE_SERVER_INTROSPECTION_CREDENTIALS":
			c := v.([]string)
			s.IntrospectionCredentials = &[2]string{c[0], c[1]}
		case "RESOURCE_SERVER_TOKEN_CACHING_SECONDS":
			s.TokenCachingSeconds = float64(v.(int))
		case "REFRESH_TOKEN_GRACE_PERIOD_SECONDS":
			s.RefreshTokenGracePeriodSeconds = float64(v.(int))
		case "REFRESH_TOKEN_EXPIRE_SECONDS":
			s.RefreshTokenExpireSeconds = float64(v.(int))
		case "ACCESS_TOKEN_EXPIRE_SECONDS":
			s.AccessTokenExpireSeconds = v.(int)
		case "DEFAULT_SCOPES":
			s.DefaultScopes = v.([]string)
		case "ROTATE_REFRESH_TOKEN":
			s.RotateRefreshToken = v.(bool)
		}
	}
	return s
}

// oauth2Site is oauth2_oracle.py's site in Go on adb.
func oauth2Site(t *testing.T, djangoVersion string, setup oauth2Setup, c oauth2Config, adb *authDatabase) http.Handler {
	site, cfg := oracleSiteOn(t, djangoVersion, adb, c.django)
	s := oauth2Settings(c, setup.OAuth2)
	ds := &site.settings
	oa := &oauth2provider.OAuth2Authentication{Settings: s, Tokens: oauth2provider.NewSQLTokens(site.users, "", s.Version),
		Config: cfg, Django: ds, Realm: c.realm}
	drf := drfVersion(setup.DRF)
	answer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := restframework.FromContext(r.Context())
		d := serializer.NewDict()
		d.Set("user", serializer.None())
		if a.User != nil {
			n, _ := strconv.ParseInt(a.User.ID, 10, 64)
			d.Set("user", serializer.Int(n))
		}
		d.Set("token", serializer.None())
		d.Set("scope", serializer.None())
		if tok, ok := a.Auth.(*oauth2provider.AccessToken); ok {
			d.Set("token", serializer.Int(tok.ID))
			d.Set("scope", serializer.Str(tok.Scope))
		}
		restframework.Response(w, r, http.StatusOK, serializer.DictValue(d))
	})
	view := func(name string, perm restframework.Permission, auths []restframework.Authenticator, methods ...string) http.Handler {
		if auths == nil {
			auths = []restframework.Authenticator{oa}
		}
		if methods == nil {
			methods = []string{"GET"}
		}
		return &restframework.APIView{Authentication: auths, Permissions: []restframework.Permission{perm},
			Methods: methods, Name: "View", Settings: ds, RESTFramework: drf, Python: setup.Python, Handler: answer}
	}
	mux := http.NewServeMux()
	mux.Handle("/api/whoami/", view("whoami", restframework.IsAuthenticated{}, nil))
	mux.Handle("/api/any/", view("any", restframework.AllowAny{}, nil))
	mux.Handle("/api/scoped/", view("scoped", &oauth2provider.TokenHasScope{Settings: s, RequiredScopes: []string{"read", "extra"}}, nil))
	mux.Handle("/api/rw/", view("rw", &oauth2provider.TokenHasReadWriteScope{Settings: s}, nil, "GET", "POST"))
	mux.Handle("/api/rw-extra/", view("rw-extra", &oauth2provider.TokenHasReadWriteScope{Settings: s, RequiredScopes: []string{"extra"}},
		nil, "GET", "POST"))
	mux.Handle("/api/resource/", view("resource", &oauth2provider.TokenHasResourceScope{Settings: s, RequiredScopes: []string{"music"}},
		nil, "GET", "POST"))
	mux.Handle("/api/either/", view("either", &oauth2provider.IsAuthenticatedOrTokenHasScope{Settings: s, RequiredScopes: []string{"read"}},
		[]restframework.Authenticator{&restframework.BasicAuthentication{Config: cfg}, oa}))
	mux.Handle("/api/oas/", view("oas", &oauth2provider.TokenMatchesOASRequirements{Settings: s,
		RequiredAlternateScopes: map[string][][]string{"GET": {{"read"}, {"alt"}}, "POST": {{"write", "extra"}}}},
		nil, "GET", "POST", "PUT"))
	mux.Handle("/api/noscopes/", view("noscopes", &oauth2provider.TokenHasScope{Settings: s}, nil))
	mux.Handle("/api/mixed/", view("mixed", &oauth2provider.TokenHasScope{Settings: s, RequiredScopes: []string{"read"}},
		[]restframework.Authenticator{&restframework.TokenAuthentication{Tokens: restframework.NewSQLTokens(site.users, ""), Config: cfg}, oa}))
	// The plain views: JsonResponse({"owner": ..., "method": ...}), and for the class-based
	// ones, Django's View around it (OPTIONS, the 405 of other methods).
	ownerAnswer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := oauth2provider.ResourceOwner(r.Context())
		id := "null"
		if u != nil {
			id = u.ID
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"owner": %s, "method": "%s"}`, id, r.Method)
	})
	djangoView := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.Method {
		case "GET", "POST", "HEAD":
			ownerAnswer(w, r)
		case "OPTIONS":
			w.Header().Set("Allow", "GET, POST, HEAD, OPTIONS")
			w.Header().Set("Content-Length", "0")
		default:
			w.Header().Set("Allow", "GET, POST, HEAD, OPTIONS")
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
	})
	for _, p := range []struct {
		path      string
		scopes    []string
		readWrite bool
		view      bool
	}{
		{"/prot/any/", nil, false, false},
		{"/prot/scoped/", []string{"read", "extra"}, false, false},
		{"/prot/rw/", nil, true, false},
		{"/prot/view/", nil, false, true},
		{"/prot/scoped-view/", []string{"read"}, false, true},
		{"/prot/rw-view/", nil, true, true},
	} {
		var h http.Handler = ownerAnswer
		if p.view {
			h = djangoView
		}
		mux.Handle(p.path, &oauth2provider.ProtectedResource{Authentication: oa, Scopes: p.scopes, ReadWrite: p.readWrite,
			View: p.view, Handler: h})
	}
	// The plain views of the token middleware.
	mwWhoami := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := auth.RequestUser(r, cfg)
		if err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", "application/json")
		token := "null"
		if t := oauth2provider.RequestAccessToken(r.Context()); t != nil {
			token = strconv.FormatInt(t.ID, 10)
		}
		if u == nil {
			fmt.Fprintf(w, `{"user": null, "active": false, "authenticated": false, "access_token": %s}`, token)
			return
		}
		fmt.Fprintf(w, `{"user": %s, "active": %t, "authenticated": true, "access_token": %s}`, u.ID, u.IsActive, token)
	})
	mux.Handle("/mw/whoami/", mwWhoami)
	mux.Handle("/mw/login-required/", auth.LoginRequired(ds, cfg, mwWhoami))
	// The authorization server's endpoints for clients.
	clients := &oauth2provider.ClientAuthentication{Settings: s, Applications: oauth2provider.NewSQLApplications(site.users, "", s.Version),
		Hashers: cfg.Hashers, Django: ds}
	mux.Handle("/o/introspect/", &oauth2provider.IntrospectTokenView{Clients: clients, Authentication: oa})
	mux.Handle("/o/revoke_token/", &oauth2provider.RevokeTokenView{Clients: clients,
		Tokens: oauth2provider.NewSQLTokens(site.users, "", s.Version)})
	mux.Handle("/o/token/", &oauth2provider.TokenView{Clients: clients, Tokens: oauth2provider.NewSQLTokens(site.users, "", s.Version),
		Config: cfg})
	csrf, err := django.NewCSRFMiddleware(site.settings)
	if err != nil {
		t.Fatal(err)
	}
	csrf.Exempt = func(*http.Request) bool { return true }
	inner := csrf.Handler(mux)
	if mws, ok := c.django["MIDDLEWARE"].([]string); ok {
		cfg.AuthenticationBackends = c.django["AUTHENTICATION_BACKENDS"].([]string)
		for i := len(mws) - 1; i > 0; i-- { // (the session middleware, first, is site.mw)
			switch mws[i] {
			case authMiddleware:
				inner = auth.AuthenticationMiddleware(cfg, inner)
			case oauth2Middleware:
				inner = oa.TokenMiddleware(inner)
			case extraTokenMiddleware:
				inner = oa.ExtraTokenMiddleware(inner)
			}
		}
	} else {
		inner = auth.AuthenticationMiddleware(cfg, inner)
	}
	return site.mw.Handler(inner)
}

var oauth2Placeholder = regexp.MustCompile(`\{(t|a|b64|qp):([\w-]+)\}|\{drf\}`)

// pyQuote is Python's urllib.parse.quote(s, safe="").
func pyQuote(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_.-~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// TestLiveOAuth2 holds package oauth2provider to django-oauth-toolkit (2.4.0 on Django
// 3.2, 3.4.1 on the others) on the site configurations of oauth2Configs, the first on
// every version, the others on the oldest and newest (the toolkit's defaults;
// ERROR_RESPONSE_WITH_SCOPES, another WRITE_SCOPE and a realm beyond ASCII; tokens
// refused in query strings, no resource validator, another READ_SCOPE and naive times in
// America/Sao_Paulo; the token middleware behind and in front of
// AuthenticationMiddleware): the same database copied after Django's setup (users,
// an inactive one, one whose row is gone; access tokens good, expired, expiring, of no
// user, of no application, of odd scopes, of values beyond ASCII, restricted to
// resources here, elsewhere and in malformed URIs), the same requests (Authorization
// headers of every shape, tokens in query strings and form bodies, malformed bodies and
// query strings, another host, each view's permission with each token and method) sent
// to Django's views and Go's, and the same answers byte for byte: DRF's views with each
// permission, and plain Django views behind the toolkit's decorators and class-based
// views (ProtectedResource; but for 2.4's rw_protected_resource, whose scopes depend on
// the requests it served before), and plain views seeing the user the token middleware
// gives them; and the authorization server's endpoints for clients, to the clients of
// every kind (confidential and public, secrets hashed or not, client ids beyond ASCII):
// introspection (IntrospectTokenView), the token endpoint (TokenView: the
// client-credentials, password, authorization-code (PKCE, redirect URIs, resources) and
// refresh-token grants, with rotation, the grace period and without rotation, as the
// configurations set them) and revocation (RevokeTokenView), then the tables as Django
// reads them: the same tokens revoked, and the tokens issued alike (users, scopes,
// clients, expiry, resources, refresh tokens and their families), valid for Django.
func TestLiveOAuth2(t *testing.T) {
	t.Parallel() // (with the other heavy live tests, on databases of their own)
	peers := livePeers(t)
	for i, p := range peers {
		for _, c := range oauth2Configs {
			if c.name != "default" && i != 0 && i != len(peers)-1 {
				continue // (the other configurations on the oldest and newest Django alone)
			}
			t.Run(p.Series+"/"+c.name, func(t *testing.T) {
				t.Parallel() // (databases and oracle processes of its own)
				oauth2Live(t, p, c, "sqlite")
			})
		}
	}
}

// TestLiveOAuth2Servers is TestLiveOAuth2's default configuration on PostgreSQL and
// MariaDB with the newest Django: two databases that Django's setup fills alike (but for
// the tokens' random values).
func TestLiveOAuth2Servers(t *testing.T) {
	t.Parallel() // (with the other heavy live tests, on databases of their own)
	newestOnServers(t, func(t *testing.T, p *peer, backend string) {
		if backend != "sqlite" {
			oauth2Live(t, p, oauth2Configs[0], backend)
		}
	})
}

// oauth2Live runs oauth2_oracle.py's steps on Django and on Go for configuration c on
// backend: on SQLite a copy of Django's database, else a second one set up alike.
func oauth2Live(t *testing.T, p *peer, c oauth2Config, backend string) {
	oauth2LiveAS(t, p, c, backend, nil)
}

// oauth2LiveAS is oauth2Live for a resource server of the authorization server whose
// tokens are asTokens (nil: none), whose view of them Django then reads in both
// databases: the same tokens kept, the same users made.
func oauth2LiveAS(t *testing.T, p *peer, c oauth2Config, backend string, asTokens map[string]string) {
	adb := newAuthDB(t, p.Series, backend)
	dbj, _ := json.Marshal(adb.django)
	var setup oauth2Setup
	oauth2Oracle(t, p.Series, string(dbj), c, nil, &setup, "setup")
	var goSetup oauth2Setup // (a new one: unmarshalling into a copy of setup would fill its map)
	var goDB *authDatabase
	if backend == "sqlite" {
		goPath := filepath.Join(t.TempDir(), "go.sqlite3")
		copyFile(t, adb.django["NAME"].(string), goPath)
		goSetup, goDB = setup, sqliteAuthDB(t, goPath)
	} else {
		goDB = newAuthDB(t, p.Series, backend)
		goJSON, _ := json.Marshal(goDB.django)
		oauth2Oracle(t, p.Series, string(goJSON), c, nil, &goSetup, "setup")
	}
	var want struct{ Steps []jwtAnswer }
	oauth2Oracle(t, p.Series, string(dbj), c, map[string]any{"steps": setup.Steps, "tokens": setup.Tokens,
		"drf_token": setup.DRFToken, "as_tokens": asTokens}, &want, "run")
	if len(want.Steps) != len(setup.Steps) || len(setup.Steps) < 150 {
		t.Fatalf("%d answers for %d steps", len(want.Steps), len(setup.Steps))
	}
	h := oauth2Site(t, p.Django, goSetup, c, goDB)
	codes := map[int]int{}
	endpointSteps := 0 // (the introspection and revocation endpoints')
	issuedTokens := 0
	viaMiddleware := 0 // (the plain views' answers with a user)
	extraTokens := 0   // (and with request.access_token)
	for i, step := range setup.Steps {
		fill := func(v string, quoted bool) string {
			return oauth2Placeholder.ReplaceAllStringFunc(v, func(m string) string {
				sub := oauth2Placeholder.FindStringSubmatch(m)
				if sub[1] == "" {
					return goSetup.DRFToken
				}
				tokens := goSetup.Tokens
				if sub[1] == "a" {
					tokens = asTokens
				}
				v, ok := tokens[sub[2]]
				if !ok {
					v = sub[2]
				}
				switch sub[1] {
				case "b64":
					return base64.StdEncoding.EncodeToString([]byte(v))
				case "qp":
					return v[:5] + "=\r\n" + v[5:]
				}
				if quoted {
					return pyQuote(v)
				}
				return v
			})
		}
		form := !strings.HasPrefix(step.ContentType, "application/json")
		body := fill(step.Body, form && !strings.Contains(step.ContentType, "multipart"))
		req := stepRequest(step.jwtStep, fill(step.Path, true), body, func(v string) string { return fill(v, false) })
		if step.Query != nil {
			req.URL.RawQuery = fill(*step.Query, true)
		}
		got := jwtServe(h, req)
		if goSetup.OAuth2 < "3" && step.Path == "/prot/rw/" {
			continue // (2.4's rw_protected_resource keeps the scopes of all the requests it served)
		}
		if _, cookie := step.Headers["Cookie"]; cookie && backend != "sqlite" {
			continue // (the Go site's sessions are in a SQLite database of their own there)
		}
		codes[want.Steps[i].Status]++
		if strings.HasPrefix(step.Path, "/o/") {
			endpointSteps++
		}
		if strings.HasPrefix(step.Path, "/mw/") && strings.Contains(want.Steps[i].Body, `"authenticated": true`) {
			viaMiddleware++
		}
		if strings.HasPrefix(step.Path, "/mw/") && !strings.Contains(want.Steps[i].Body, `"access_token": null`) &&
			want.Steps[i].Status == 200 {
			extraTokens++
		}
		if backend != "sqlite" { // (the tokens of two setups, a few seconds apart: the same exp within a minute)
			got.Body = sameExp(want.Steps[i].Body, got.Body)
		}
		if step.Path == "/o/token/" { // (tokens issued: random)
			issuedTokens += len(issuedToken.FindAllString(want.Steps[i].Body, -1))
			want.Steps[i].Body = issuedToken.ReplaceAllString(want.Steps[i].Body, `"$1": "T"`)
			got.Body = issuedToken.ReplaceAllString(got.Body, `"$1": "T"`)
		}
		if diff := cmp.Diff(want.Steps[i], got, jwtCmp, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("step %d %s %s %q (-django +go):\n%s", i, step.Method, step.Path, step.Headers, diff)
		}
	}
	if _, mw := c.django["MIDDLEWARE"]; mw != (viaMiddleware > 0) {
		t.Errorf("%d plain views' answers with a user (middleware %v)", viaMiddleware, mw)
	}
	if mws, _ := c.django["MIDDLEWARE"].([]string); slices.Contains(mws, extraTokenMiddleware) != (extraTokens > 0) {
		t.Errorf("%d plain views' answers with request.access_token (middleware %v)", extraTokens, mws)
	}
	wantCodes := []int{200, 400, 401, 403, 500}
	if asTokens != nil {
		wantCodes = []int{200, 401, 403}
	}
	for _, code := range wantCodes {
		if codes[code] == 0 {
			t.Errorf("no step answered %d: %v", code, codes)
		}
	}
	if asTokens == nil {
		// (the revocation endpoint's work)
		var want, got oauth2Tokens
		oauth2Oracle(t, p.Series, string(dbj), c, map[string]any{"tokens": setup.Tokens}, &want, "tokens")
		goJSON, _ := json.Marshal(goDB.django)
		oauth2Oracle(t, p.Series, string(goJSON), c, map[string]any{"tokens": goSetup.Tokens}, &got, "tokens")
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("the tokens after the steps (-django's +go's, read by Django):\n%s", diff)
		}
		revoked := 0
		for _, r := range want.Refresh {
			if r[2] == true {
				revoked++
			}
		}
		if endpointSteps < 100 || revoked < 3 || issuedTokens < 20 {
			t.Errorf("%d steps to the endpoints, %d refresh tokens revoked, %d tokens issued: %v", endpointSteps, revoked,
				issuedTokens, want.Refresh)
		}
		// (the tokens issued, as Django reads them)
		var wantIssued, gotIssued struct{ Issued [][]any }
		oauth2Oracle(t, p.Series, string(dbj), c, map[string]any{"tokens": setup.Tokens}, &wantIssued, "issued")
		oauth2Oracle(t, p.Series, string(goJSON), c, map[string]any{"tokens": goSetup.Tokens}, &gotIssued, "issued")
		if diff := cmp.Diff(wantIssued, gotIssued); diff != "" {
			t.Errorf("the tokens issued (-django's +go's, read by Django):\n%s", diff)
		}
		if len(wantIssued.Issued) < 10 {
			t.Errorf("%d tokens issued", len(wantIssued.Issued))
		}
		return
	}
	var wantState, gotState oauth2State
	oauth2Oracle(t, p.Series, string(dbj), c, map[string]any{"as_tokens": asTokens}, &wantState, "state")
	goJSON, _ := json.Marshal(goDB.django)
	oauth2Oracle(t, p.Series, string(goJSON), c, map[string]any{"as_tokens": asTokens}, &gotState, "state")
	if diff := cmp.Diff(wantState, gotState); diff != "" {
		t.Errorf("the introspected tokens and users (-django's +go's, read by Django):\n%s", diff)
	}
	if len(wantState.Tokens) < 5 || len(wantState.Users) < 6 {
		t.Errorf("too little state to compare: %+v", wantState)
	}
}

// issuedToken is a token of the token endpoint's answer.
var issuedToken = regexp.MustCompile(`"(access_token|refresh_token)": "[A-Za-z0-9]{30}"`)

var introspectedExp = regexp.MustCompile(`"exp": (\d+)`)

// sameExp is got with the exp of an introspection answer that is within a minute of
// want's written as want's.
func sameExp(want, got string) string {
	w, g := introspectedExp.FindStringSubmatch(want), introspectedExp.FindStringSubmatch(got)
	if w == nil || g == nil {
		return got
	}
	wn, _ := strconv.ParseInt(w[1], 10, 64)
	gn, _ := strconv.ParseInt(g[1], 10, 64)
	if d := wn - gn; d < -60 || d > 60 {
		return got
	}
	return strings.Replace(got, g[0], w[0], 1)
}

// oauth2State is what oauth2_oracle.py's state prints.
type oauth2State struct {
	Tokens [][]any
	Users  [][]any
}

// TestLiveOAuth2Introspection holds the introspection of package oauth2provider
// (Settings.IntrospectionURL) to django-oauth-toolkit's (RESOURCE_SERVER_INTROSPECTION_URL)
// on each Django version (with a bearer token; the other configurations on the oldest
// and newest): an authorization server, the toolkit's IntrospectTokenView on
// its own database (oauth2_oracle.py's serve-as, which also gives canned answers of
// every odd kind: not JSON, not an object, a 500, exp a string, a float, in the past,
// huge, usernames new and not strings, audiences of every form), asked by Django's and
// Go's resource servers (copies of one database, whose users are not the authorization
// server's) about the same tokens, with a bearer token (RESOURCE_SERVER_AUTH_TOKEN), with
// client credentials, naive times in America/Sao_Paulo, and no caching: the same answers,
// then the same tokens kept (user, scope, expiry, resources) and the same users made.
func TestLiveOAuth2Introspection(t *testing.T) {
	t.Parallel() // (with the other heavy live tests, on databases of their own)
	peers := livePeers(t)
	for i, p := range peers {
		for _, ic := range []struct {
			name        string
			credentials bool
			caching     int
			django      map[string]any
		}{
			{"token", false, 600, nil},
			{"credentials-naive", true, 600, map[string]any{"USE_TZ": false, "TIME_ZONE": "America/Sao_Paulo"}},
			{"no-caching", false, 0, nil},
		} {
			if ic.name != "token" && i != 0 && i != len(peers)-1 {
				continue // (the other configurations on the oldest and newest Django alone)
			}
			t.Run(p.Series+"/"+ic.name, func(t *testing.T) {
				t.Parallel() // (databases and oracle processes of its own)
				port, asTokens := oauth2AuthorizationServer(t, p.Series)
				o := map[string]any{"RESOURCE_SERVER_INTROSPECTION_URL": fmt.Sprintf("http://127.0.0.1:%d/o/introspect/", port),
					"RESOURCE_SERVER_TOKEN_CACHING_SECONDS": ic.caching}
				if ic.credentials {
					o["RESOURCE_SERVER_INTROSPECTION_CREDENTIALS"] = []string{"rs-client", "rs-secret"}
				} else {
					o["RESOURCE_SERVER_AUTH_TOKEN"] = asTokens["as-introspect"]
				}
				oauth2LiveAS(t, p, oauth2Config{name: ic.name, oauth2: o, django: ic.django, as: true}, "sqlite", asTokens)
			})
		}
	}
}

// oauth2AuthorizationServer starts oauth2_oracle.py's serve-as on a database of its own,
// stopped when t ends: its port and tokens.
func oauth2AuthorizationServer(t *testing.T, series string) (int, map[string]string) {
	db := newAuthDB(t, series, "sqlite")
	dbj, _ := json.Marshal(db.django)
	conf := `{"django": {"ALLOWED_HOSTS": ["127.0.0.1"]}}`
	cmd := exec.Command(filepath.Join(venvDir(), "django-"+series, "bin", "python"), "../scripts/oauth2_oracle.py", string(dbj), conf, "serve-as")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	var started struct {
		Port   int
		Tokens map[string]string
	}
	if err := json.NewDecoder(stdout).Decode(&started); err != nil {
		t.Fatalf("serve-as: %v", err)
	}
	return started.Port, started.Tokens
}

// TestLiveOAuth2ResourceValidator holds ValidateResourceAsURLPrefix to the toolkit's
// validate_resource_as_url_prefix (3.4.1, on the newest Django's Python) on 3,000
// request URIs and audience lists made of random parts (schemes in any case, hosts in any
// case, IPv4 and IPv6 ones, brackets that do not match, ports good and bad, user
// information, paths with dot segments, doubled and trailing slashes, queries,
// fragments, leading control characters and spaces, tabs and newlines inside): the same
// answer, or the same ValueError.
func TestLiveOAuth2ResourceValidator(t *testing.T) {
	peers := livePeers(t)
	p := peers[len(peers)-1]
	rnd := rand.New(rand.NewPCG(7, 11))
	pick := func(xs ...string) string { return xs[rnd.IntN(len(xs))] }
	uri := func() string {
		u := pick("", " ", "\x01", "\t") + pick("http", "HTTP", "https", "ftp", "", "1http", "ht tp") + pick("://", ":", ":///", "//")
		u += pick("", "", "", "u@", "u:p@", "@")
		u += pick("testserver", "TestServer", "other.example", "[::1]", "[::1", "::1]", "[v1.x]", "[1.2.3.4]", "127.0.0.1",
			"", "t\u00e9st", "test\nserver", "[::1]x", "io", "\u0130o", "IO", "[fe80::1%a%b]", "[fe80::1%eth0]", "[FE80::1%ETH0]")
		u += pick("", "", ":80", ":443", ":", ":8x", ":99999", ":0080", ":\u0661")
		for n := rnd.IntN(4); n > 0; n-- {
			u += pick("/api", "/", "/.", "/..", "/api/", "//", "/apiary", "/x%2F", "/\u00e9")
		}
		u += pick("", "", "?q=1", "#f", "?q#f", "#")
		return u
	}
	type testCase struct {
		uri       string
		audiences []string
	}
	var cases []testCase
	for range 3000 {
		c := testCase{uri: uri()}
		for n := rnd.IntN(4); n > 0; n-- {
			c.audiences = append(c.audiences, uri())
		}
		if c.audiences == nil && rnd.IntN(2) == 0 {
			c.audiences = []string{}
		}
		cases = append(cases, c)
	}
	in := make([][]any, len(cases))
	for i, c := range cases {
		in[i] = []any{c.uri, c.audiences}
	}
	var want []any
	oauth2Oracle(t, p.Series, `{"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}`, oauth2Configs[0], in, &want, "resource")
	if len(want) != len(cases) {
		t.Fatalf("%d answers for %d cases", len(want), len(cases))
	}
	counts := map[any]int{}
	for i, c := range cases {
		ok, err := oauth2provider.ValidateResourceAsURLPrefix(c.uri, c.audiences)
		var got any = ok
		if errors.Is(err, oauth2provider.ErrURL) {
			got = "error"
		} else if err != nil {
			t.Fatalf("%q %q: %v", c.uri, c.audiences, err)
		}
		counts[want[i]]++
		if got != want[i] {
			t.Errorf("%q %q: Go %v, the toolkit %v", c.uri, c.audiences, got, want[i])
		}
	}
	for _, w := range []any{true, false, "error"} {
		if counts[w] < 50 {
			t.Errorf("too few cases answered %v: %v", w, counts)
		}
	}
}

// TestDjangoExportOAuth2 runs scripts/export_settings.py in a project with an
// OAUTH2_PROVIDER of its own on the oldest and newest Django, and reads it with
// oauth2provider.SettingsFromJSON: the settings read, the others ignored, the secrets
// left out, and the toolkit's version there; a validator class of the project's own is
// refused.
func TestDjangoExportOAuth2(t *testing.T) {
	const base = `
SECRET_KEY = "export-test-secret"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
DATABASES = {}
OAUTH2_PROVIDER = {
    "READ_SCOPE": "lire", "WRITE_SCOPE": "\u00e9crire", "ERROR_RESPONSE_WITH_SCOPES": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True, "RESOURCE_SERVER_TOKEN_RESOURCE_VALIDATOR": None,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 60, "SCOPES": {"lire": "Read", "\u00e9crire": "Write"},
    "OIDC_RSA_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----", "RESOURCE_SERVER_AUTH_TOKEN": "secret-token",
    "OAUTH2_VALIDATOR_CLASS": "oauth2_provider.oauth2_validators.OAuth2Validator",
}
`
	script, project := settingsProject(t, base)
	_, own := settingsProject(t, base+`OAUTH2_PROVIDER["OAUTH2_VALIDATOR_CLASS"] = "mysite.MyValidator"
`)
	peers := livePeers(t)
	for _, p := range []*peer{peers[0], peers[len(peers)-1]} {
		t.Run(p.Series, func(t *testing.T) {
			export := func(dir string) []byte {
				cmd := exec.Command(filepath.Join(venvDir(), "django-"+p.Series, "bin", "python"), script)
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), "DJANGO_SETTINGS_MODULE=mysite.settings")
				out, err := cmd.Output()
				if err != nil {
					t.Fatal(err)
				}
				return out
			}
			out := export(project)
			if strings.Contains(string(out), "secret-token") || strings.Contains(string(out), "PRIVATE KEY") {
				t.Errorf("the export holds a secret: %s", out)
			}
			s, err := oauth2provider.SettingsFromJSON(out)
			if err != nil {
				t.Fatal(err)
			}
			want := oauth2provider.Defaults()
			want.ReadScope, want.WriteScope, want.ErrorResponseWithScopes = "lire", "\u00e9crire", true
			want.AccessTokenTransportCompliant, want.ResourceValidator = true, nil
			want.Scopes = []string{"lire", "\u00e9crire"}
			want.DefaultScopes, want.AccessTokenExpireSeconds = want.Scopes, 60 // (DEFAULT_SCOPES "__all__")
			if p.Series == "3.2" {
				want.Version = "2.4"
			}
			if diff := cmp.Diff(want, s, cmpopts.IgnoreFields(oauth2provider.Settings{}, "Now"), cmpopts.IgnoreUnexported(oauth2provider.Settings{})); diff != "" {
				t.Errorf("settings (-want +got):\n%s", diff)
			}
			if _, err := oauth2provider.SettingsFromJSON(export(own)); !errors.Is(err, oauth2provider.ErrSettings) {
				t.Errorf("a validator of the project's own: %v", err)
			}
		})
	}
}

// oauth2Tokens is what oauth2_oracle.py's tokens prints.
type oauth2Tokens struct {
	Access  [][]any
	Refresh [][]any
}

// TestLiveOAuth2Revoke holds SQLTokens.RevokeForUser to calling the toolkit's revoke() on
// each of a user's refresh tokens, then each of its access tokens (2.4.0 on Django 3.2,
// 3.4.1 on the newest, and on PostgreSQL and MariaDB with the newest): on two databases
// Django set up alike, Django revokes alice's tokens in one and Go in the other, and
// Django then reads the same tokens in both: her access tokens gone, her live refresh
// tokens revoked now and without their access tokens, her old revoked one and the other
// users' tokens as they were.
func TestLiveOAuth2Revoke(t *testing.T) {
	t.Parallel() // (with the other heavy live tests, on databases of their own)
	peers := livePeers(t)
	newestOnServers(t, func(t *testing.T, p *peer, backend string) {
		if backend == "sqlite" && p != peers[0] && p != peers[len(peers)-1] {
			return
		}
		c := oauth2Configs[0]
		var djangoDB, goDB *authDatabase
		var setup, goSetup oauth2Setup
		for _, side := range []struct {
			db    **authDatabase
			setup *oauth2Setup
		}{{&djangoDB, &setup}, {&goDB, &goSetup}} {
			*side.db = newAuthDB(t, p.Series, backend)
			dbj, _ := json.Marshal((*side.db).django)
			oauth2Oracle(t, p.Series, string(dbj), c, nil, side.setup, "setup")
		}
		dbj, _ := json.Marshal(djangoDB.django)
		var ignored any
		oauth2Oracle(t, p.Series, string(dbj), c, map[string]any{"user": 1}, &ignored, "revoke")
		site, _ := oracleSiteOn(t, p.Django, goDB, nil)
		s := oauth2Settings(c, goSetup.OAuth2)
		access, refresh, err := oauth2provider.NewSQLTokens(site.users, "", s.Version).RevokeForUser(t.Context(), "1", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var want, got oauth2Tokens
		oauth2Oracle(t, p.Series, string(dbj), c, map[string]any{"tokens": setup.Tokens}, &want, "tokens")
		goJSON, _ := json.Marshal(goDB.django)
		oauth2Oracle(t, p.Series, string(goJSON), c, map[string]any{"tokens": goSetup.Tokens}, &got, "tokens")
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("the tokens after revoking alice's (-django's +go's, read by Django):\n%s", diff)
		}
		if access < 5 || refresh != 4 || len(want.Refresh) != 10 {
			t.Errorf("revoked %d access and %d refresh tokens; Django's tokens %v", access, refresh, want)
		}
	})
}
