package compat_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/djsession/djsession/django"
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
}

var oauth2Configs = []oauth2Config{
	{name: "default", oauth2: map[string]any{}},
	{name: "errors", oauth2: map[string]any{"ERROR_RESPONSE_WITH_SCOPES": true, "WRITE_SCOPE": "alt"}, realm: "priv\u00e9"},
	{name: "compliant", oauth2: map[string]any{"COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": true,
		"RESOURCE_SERVER_TOKEN_RESOURCE_VALIDATOR": nil, "READ_SCOPE": "music:read"},
		django: map[string]any{"USE_TZ": false, "TIME_ZONE": "America/Sao_Paulo"}},
}

// oauth2Setup is what oauth2_oracle.py's setup prints.
type oauth2Setup struct {
	Tokens   map[string]string
	DRFToken string `json:"drf_token"`
	Steps    []jwtStep
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
	conf, _ := json.Marshal(map[string]any{"oauth2": c.oauth2, "realm": realm, "django": c.django})
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
	csrf, err := django.NewCSRFMiddleware(site.settings)
	if err != nil {
		t.Fatal(err)
	}
	csrf.Exempt = func(*http.Request) bool { return true }
	return site.mw.Handler(csrf.Handler(mux))
}

var oauth2Placeholder = regexp.MustCompile(`\{t:([\w-]+)\}|\{drf\}`)

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
// 3.2, 3.4.1 on the others) on the site configurations of oauth2Configs (the toolkit's
// defaults; ERROR_RESPONSE_WITH_SCOPES, another WRITE_SCOPE and a realm beyond ASCII;
// tokens refused in query strings, no resource validator, another READ_SCOPE and naive
// times in America/Sao_Paulo): the same database copied after Django's setup (users,
// an inactive one, one whose row is gone; access tokens good, expired, expiring, of no
// user, of no application, of odd scopes, of values beyond ASCII, restricted to
// resources here, elsewhere and in malformed URIs), the same requests (Authorization
// headers of every shape, tokens in query strings and form bodies, malformed bodies and
// query strings, another host, each view's permission with each token and method) sent
// to Django's views and Go's, and the same answers byte for byte.
func TestLiveOAuth2(t *testing.T) {
	for _, p := range livePeers(t) {
		for _, c := range oauth2Configs {
			t.Run(p.Series+"/"+c.name, func(t *testing.T) { oauth2Live(t, p, c, "sqlite") })
		}
	}
}

// TestLiveOAuth2Servers is TestLiveOAuth2's default configuration on PostgreSQL and
// MariaDB with the newest Django: two databases that Django's setup fills alike (but for
// the tokens' random values).
func TestLiveOAuth2Servers(t *testing.T) {
	newestOnServers(t, func(t *testing.T, p *peer, backend string) {
		if backend != "sqlite" {
			oauth2Live(t, p, oauth2Configs[0], backend)
		}
	})
}

// oauth2Live runs oauth2_oracle.py's steps on Django and on Go for configuration c on
// backend: on SQLite a copy of Django's database, else a second one set up alike.
func oauth2Live(t *testing.T, p *peer, c oauth2Config, backend string) {
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
		"drf_token": setup.DRFToken}, &want, "run")
	if len(want.Steps) != len(setup.Steps) || len(setup.Steps) < 200 {
		t.Fatalf("%d answers for %d steps", len(want.Steps), len(setup.Steps))
	}
	h := oauth2Site(t, p.Django, goSetup, c, goDB)
	codes := map[int]int{}
	for i, step := range setup.Steps {
		fill := func(v string, quoted bool) string {
			return oauth2Placeholder.ReplaceAllStringFunc(v, func(m string) string {
				name := oauth2Placeholder.FindStringSubmatch(m)[1]
				if name == "" {
					return goSetup.DRFToken
				}
				v, ok := goSetup.Tokens[name]
				if !ok {
					v = "none"
				}
				if quoted {
					return pyQuote(v)
				}
				return v
			})
		}
		form := !strings.HasPrefix(step.ContentType, "application/json")
		body := fill(step.Body, form && !strings.Contains(step.ContentType, "multipart"))
		req := httptest.NewRequest(step.Method, fill(step.Path, true), strings.NewReader(body))
		req.Host, req.RemoteAddr = "testserver", "127.0.0.1:50000"
		req.Header.Set("Content-Type", step.ContentType)
		for k, v := range step.Headers {
			if k == "Host" {
				req.Host = v
				continue
			}
			req.Header.Set(k, latin1Bytes(fill(v, false)))
		}
		got := jwtServe(h, req)
		codes[want.Steps[i].Status]++
		if diff := cmp.Diff(want.Steps[i], got, jwtCmp, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("step %d %s %s %q (-django +go):\n%s", i, step.Method, step.Path, step.Headers, diff)
		}
	}
	for _, code := range []int{200, 400, 401, 403, 500} {
		if codes[code] == 0 {
			t.Errorf("no step answered %d: %v", code, codes)
		}
	}
}
