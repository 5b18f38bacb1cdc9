package compat_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/django/auth/hashers"
	"github.com/djsession/djsession/engines/db/sqlite"
	"github.com/djsession/djsession/restframework"
	"github.com/djsession/djsession/restframework/simplejwt"
	"github.com/djsession/djsession/serializer"
)

// jwtConfig is a site configuration of scripts/simplejwt_oracle.py (its SIMPLE_JWT and
// whether the token_blacklist app is installed) and its Go twin.
type jwtConfig struct {
	name      string
	simpleJWT map[string]any
	django    map[string]any // (other settings of the site)
	restAuth  map[string]any // dj-rest-auth's REST_AUTH (its JWT cookies), or nil
	cookies   func() *simplejwt.JWTCookieAuthentication
	blacklist bool
	// edges runs the configuration on the oldest and newest Django only (simplejwt 5.3
	// and 5.5), for what does not depend on Django's version.
	edges      bool
	tokenTypes []string
	settings   func(*simplejwt.Settings)
}

var jwtConfigs = []jwtConfig{
	{name: "cookies", blacklist: false, simpleJWT: map[string]any{},
		restAuth: map[string]any{"USE_JWT": true, "JWT_AUTH_COOKIE": "app-auth", "JWT_AUTH_REFRESH_COOKIE": "app-refresh",
			"JWT_AUTH_COOKIE_USE_CSRF": true},
		cookies: func() *simplejwt.JWTCookieAuthentication {
			return &simplejwt.JWTCookieAuthentication{Cookie: "app-auth", CookieUseCSRF: true}
		},
		settings: func(*simplejwt.Settings) {}},
	{name: "cookies-strict", blacklist: false, simpleJWT: map[string]any{},
		restAuth: map[string]any{"USE_JWT": true, "JWT_AUTH_COOKIE": "__Secure-auth", "JWT_AUTH_REFRESH_COOKIE": "refresh",
			"JWT_AUTH_COOKIE_ENFORCE_CSRF_ON_UNAUTHENTICATED": true, "JWT_AUTH_SAMESITE": "None", "JWT_AUTH_SECURE": true,
			"JWT_AUTH_HTTPONLY": false, "JWT_AUTH_COOKIE_DOMAIN": ".example.com", "JWT_AUTH_REFRESH_COOKIE_PATH": "/api/token/"},
		cookies: func() *simplejwt.JWTCookieAuthentication {
			return &simplejwt.JWTCookieAuthentication{Cookie: "__Secure-auth", CookieEnforceCSRFOnUnauthenticated: true}
		},
		settings: func(*simplejwt.Settings) {}},
	{name: "blacklist", blacklist: true,
		simpleJWT: map[string]any{"ROTATE_REFRESH_TOKENS": true, "BLACKLIST_AFTER_ROTATION": true, "UPDATE_LAST_LOGIN": true},
		settings: func(s *simplejwt.Settings) {
			s.RotateRefreshTokens, s.BlacklistAfterRotation, s.UpdateLastLogin = true, true, true
		}},
	{name: "custom", tokenTypes: []string{simplejwt.Access, simplejwt.Sliding},
		simpleJWT: map[string]any{"ALGORITHM": "HS512", "SIGNING_KEY": "another signing key \u00e9", "AUDIENCE": "api",
			"ISSUER": "https://example.com", "LEEWAY": 30, "AUTH_HEADER_TYPES": []string{"JWT", "Bearer"},
			"USER_ID_CLAIM": "uid", "CHECK_REVOKE_TOKEN": true, "CHECK_USER_IS_ACTIVE": false,
			"ACCESS_TOKEN_LIFETIME": 600, "SLIDING_TOKEN_LIFETIME": 120, "ROTATE_REFRESH_TOKENS": true,
			"AUTH_TOKEN_CLASSES": []string{"rest_framework_simplejwt.tokens.AccessToken", "rest_framework_simplejwt.tokens.SlidingToken"}},
		settings: func(s *simplejwt.Settings) {
			s.Algorithm, s.SigningKey, s.Audience, s.Issuer = "HS512", "another signing key \u00e9", serializer.Str("api"), "https://example.com"
			s.Leeway, s.AuthHeaderTypes, s.UserIDClaim = 30*time.Second, []string{"JWT", "Bearer"}, "uid"
			s.CheckRevokeToken, s.CheckUserIsActive = true, false
			s.AccessTokenLifetime, s.SlidingTokenLifetime, s.RotateRefreshTokens = 10*time.Minute, 2*time.Minute, true
		}},
	{name: "claims", blacklist: true, edges: true,
		simpleJWT: map[string]any{"JTI_CLAIM": "id", "TOKEN_TYPE_CLAIM": "typ", "ROTATE_REFRESH_TOKENS": true,
			"BLACKLIST_AFTER_ROTATION": true, "AUTH_HEADER_TYPES": []string{"B\u00e9arer", "JWT"}, "ALGORITHM": "HS384",
			"REFRESH_TOKEN_LIFETIME": 3600},
		settings: func(s *simplejwt.Settings) {
			s.JTIClaim, s.TokenTypeClaim, s.RotateRefreshTokens, s.BlacklistAfterRotation = "id", "typ", true, true
			s.AuthHeaderTypes, s.Algorithm, s.RefreshTokenLifetime = []string{"B\u00e9arer", "JWT"}, "HS384", time.Hour
		}},
}

// jwtConfigList is jwtConfigs and the configurations with keys in PEM, made once: RS256
// (PKCS #8 and PKIX keys), and ES256 (a SEC 1 key) with an audience list.
var jwtConfigList = sync.OnceValue(func() []jwtConfig {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	pemOf := func(typ string) func([]byte, error) string {
		return func(der []byte, err error) string {
			if err != nil {
				panic(err)
			}
			return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
		}
	}
	rsaPriv := pemOf("PRIVATE KEY")(x509.MarshalPKCS8PrivateKey(rsaKey))
	rsaPub := pemOf("PUBLIC KEY")(x509.MarshalPKIXPublicKey(rsaKey.Public()))
	ecPriv := pemOf("EC PRIVATE KEY")(x509.MarshalECPrivateKey(ecKey))
	ecPub := pemOf("PUBLIC KEY")(x509.MarshalPKIXPublicKey(ecKey.Public()))
	return append(slices.Clone(jwtConfigs),
		jwtConfig{name: "rs256", blacklist: true, edges: true,
			simpleJWT: map[string]any{"ALGORITHM": "RS256", "SIGNING_KEY": rsaPriv, "VERIFYING_KEY": rsaPub,
				"ROTATE_REFRESH_TOKENS": true},
			settings: func(s *simplejwt.Settings) {
				s.Algorithm, s.SigningKey, s.VerifyingKey, s.RotateRefreshTokens = "RS256", rsaPriv, rsaPub, true
			}},
		jwtConfig{name: "es256", edges: true, tokenTypes: []string{simplejwt.Access, simplejwt.Sliding},
			simpleJWT: map[string]any{"ALGORITHM": "ES256", "SIGNING_KEY": ecPriv, "VERIFYING_KEY": ecPub,
				"AUDIENCE": []string{"web", "api"}, "AUTH_TOKEN_CLASSES": []string{
					"rest_framework_simplejwt.tokens.AccessToken", "rest_framework_simplejwt.tokens.SlidingToken"}},
			settings: func(s *simplejwt.Settings) {
				s.Algorithm, s.SigningKey, s.VerifyingKey = "ES256", ecPriv, ecPub
				s.Audience = serializer.List(serializer.Str("web"), serializer.Str("api"))
			}})
})

// jwtSetup is what simplejwt_oracle.py's setup prints.
type jwtSetup struct {
	Tokens    map[string]string
	Steps     []jwtStep
	SimpleJWT string
	DRF       string
	Python    string
}

// jwtStep is a request of simplejwt_oracle.py (its headers and body are latin-1 text).
type jwtStep struct {
	Method      string            `json:"method"`
	Path        string            `json:"path"`
	Headers     map[string]string `json:"headers"`
	ContentType string            `json:"content_type"`
	Body        string            `json:"body"`
}

// stepRequest is the request Django's test Client sends for step, with path and body
// (filled by the caller) and the headers' values filled by fill and sent as latin-1 bytes;
// a "Host" header is the request's host (else testserver).
func stepRequest(step jwtStep, path, body string, fill func(string) string) *http.Request {
	req := httptest.NewRequest(step.Method, path, strings.NewReader(body))
	req.Host, req.RemoteAddr = "testserver", "127.0.0.1:50000" // (Django's test Client's)
	req.Header.Set("Content-Type", step.ContentType)
	for k, v := range step.Headers {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, latin1Bytes(fill(v)))
	}
	return req
}

// jwtAnswer is what simplejwt_oracle.py reports of an answer: drf_oracle.py's report and
// the Set-Cookie headers (sorted, their expires attribute, which depends on the clock,
// left out).
type jwtAnswer struct {
	drfAnswer
	SetCookie []string `json:"set_cookie"`
}

// jwtServe is h's answer to req as simplejwt_oracle.py reports one.
func jwtServe(h http.Handler, req *http.Request) jwtAnswer {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	a := jwtAnswer{drfAnswer: drfAnswerOf(rec, req), SetCookie: slices.Sorted(slices.Values(rec.Header().Values("Set-Cookie")))}
	a.Vary = nil
	return a
}

// normal is a with its tokens and cookie dates normalised (jwtNormal).
func (a jwtAnswer) normal(t *testing.T, s *simplejwt.Settings) jwtAnswer {
	a.Body = jwtNormal(t, s, a.Body)
	cookies := make([]string, len(a.SetCookie))
	for i, c := range a.SetCookie {
		cookies[i] = cookieExpiresRE.ReplaceAllString(c, "expires=<date>")
	}
	a.SetCookie = cookies
	if len(a.SetCookie) == 0 {
		a.SetCookie = nil
	}
	return a
}

var cookieExpiresRE = regexp.MustCompile(`expires=[^;]*`)

// jwtCmp lets cmp compare jwtAnswers (their embedded drfAnswer).
var jwtCmp = cmp.AllowUnexported(jwtAnswer{})

// jwtRun is what simplejwt_oracle.py's run prints.
type jwtRun struct {
	Steps       []jwtAnswer
	Outstanding []*int
	Blacklisted []string
	LastLogin   []int `json:"last_login"`
}

// jwtOracle runs simplejwt_oracle.py's command on the database dbJSON for configuration c.
func jwtOracle(t *testing.T, series, dbJSON string, c jwtConfig, stdin any, out any, command ...string) {
	t.Helper()
	conf, _ := json.Marshal(map[string]any{"simple_jwt": c.simpleJWT, "blacklist": c.blacklist, "django": c.django,
		"rest_auth": c.restAuth})
	in := ""
	if stdin != nil {
		b, _ := json.Marshal(stdin)
		in = string(b)
	}
	runScriptJSON(t, series, "", in, out, append([]string{"simplejwt_oracle.py", dbJSON, string(conf)}, command...)...)
}

// jwtSettings is c's SIMPLE_JWT in Go for a site running simplejwt version on Django
// djangoVersion.
func jwtSettings(c jwtConfig, version, djangoVersion string) *simplejwt.Settings {
	s := simplejwt.Defaults("djsession-auth-db-secret-key")
	c.settings(s)
	s.DjangoVersion = djangoVersion
	if strings.HasPrefix(version, "5.3") {
		s.Version = "5.3"
	}
	return s
}

// jwtSite is simplejwt_oracle.py's site in Go, on the SQLite database at path.
func jwtSite(t *testing.T, djangoVersion string, setup jwtSetup, c jwtConfig, path string) http.Handler {
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	users, err := auth.NewSQLUserSource(db, auth.SQLite, auth.AuthUser, auth.SQLOptions{PK: auth.PKInt})
	if err != nil {
		t.Fatal(err)
	}
	hs, err := hashers.FromSettings(djangoVersion, []string{"django.contrib.auth.hashers.MD5PasswordHasher"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := &auth.Config{SecretKey: "djsession-auth-db-secret-key", Users: users, PK: auth.PKInt, Hashers: hs}
	ds := new(django.Settings)
	*ds = django.NewSettings()
	if err := ds.ForDjango(djangoVersion); err != nil {
		t.Fatal(err)
	}
	ds.SecretKey, ds.AllowedHosts = cfg.SecretKey, []string{"testserver"}
	ds.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	s := jwtSettings(c, setup.SimpleJWT, djangoVersion)
	drf := drfVersion(setup.DRF)
	var bl simplejwt.Blacklist
	if c.blacklist {
		bl = simplejwt.NewSQLBlacklist(users)
	}
	jwt := &simplejwt.JWTAuthentication{Settings: s, Config: cfg, TokenTypes: c.tokenTypes, Blacklist: bl}
	stateless := &simplejwt.JWTAuthentication{Settings: s, Config: cfg, TokenTypes: c.tokenTypes, Blacklist: bl, Stateless: true}
	basic := &restframework.BasicAuthentication{Config: cfg}
	answer := func(stateless bool) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a := restframework.FromContext(r.Context())
			d := serializer.NewDict()
			d.Set("user", serializer.None())
			d.Set("jti", serializer.None())
			d.Set("type", serializer.None())
			tok, _ := a.Auth.(*simplejwt.Token)
			switch {
			case a.User != nil && stateless: // (TokenUser.pk: the claim)
				v, _ := tok.Payload.Get(s.UserIDClaim)
				d.Set("user", v)
			case a.User != nil:
				v, err := serializer.DecodeJSONText(a.User.ID)
				if err != nil {
					t.Error(err)
				}
				d.Set("user", v)
			}
			if tok != nil {
				jti, _ := tok.Payload.Get(s.JTIClaim)
				typ, _ := tok.Payload.Get(s.TokenTypeClaim)
				d.Set("jti", jti)
				d.Set("type", typ)
			}
			if err := restframework.Response(w, r, http.StatusOK, serializer.DictValue(d)); err != nil {
				restframework.Fail(w, r, err) // (a lone surrogate: DRF's renderer fails too)
			}
		})
	}
	view := func(auths []restframework.Authenticator, perm restframework.Permission, stateless bool, methods ...string) http.Handler {
		return &restframework.APIView{Authentication: auths, Permissions: []restframework.Permission{perm}, Methods: methods,
			Name: "V", Handler: answer(stateless), Settings: ds, RESTFramework: drf, Python: setup.Python}
	}
	views := &simplejwt.Views{Settings: s, Config: cfg, Blacklist: bl, Django: ds, RESTFramework: drf, Python: setup.Python}
	mux := http.NewServeMux()
	mux.Handle("/api/jwt/", view([]restframework.Authenticator{jwt}, restframework.IsAuthenticated{}, false, "GET", "POST"))
	mux.Handle("/api/jwt-basic/", view([]restframework.Authenticator{jwt, basic}, restframework.IsAuthenticated{}, false, "GET"))
	mux.Handle("/api/basic-jwt/", view([]restframework.Authenticator{basic, jwt}, restframework.AllowAny{}, false, "GET"))
	mux.Handle("/api/stateless/", view([]restframework.Authenticator{stateless}, restframework.IsAuthenticated{}, true, "GET"))
	mux.Handle("/api/token/", views.TokenObtainPair())
	mux.Handle("/api/token/refresh/", views.TokenRefresh())
	mux.Handle("/api/token/verify/", views.TokenVerify())
	mux.Handle("/api/token/blacklist/", views.TokenBlacklist())
	mux.Handle("/api/sliding/", views.TokenObtainSliding())
	mux.Handle("/api/sliding/refresh/", views.TokenRefreshSliding())
	if c.restAuth != nil {
		ca := c.cookies()
		ca.JWTAuthentication = *jwt
		mux.Handle("/api/cookie/", view([]restframework.Authenticator{ca}, restframework.IsAuthenticated{}, false, "GET", "POST"))
		mux.Handle("/api/cookie-open/", view([]restframework.Authenticator{ca}, restframework.AllowAny{}, false, "GET", "POST"))
		cs := simplejwt.CookieDefaults(ca.Cookie, c.restAuth["JWT_AUTH_REFRESH_COOKIE"].(string))
		if v, ok := c.restAuth["JWT_AUTH_SAMESITE"]; ok {
			cs.SameSite = v.(string)
		}
		if v, ok := c.restAuth["JWT_AUTH_HTTPONLY"]; ok {
			cs.HTTPOnly = v.(bool)
		}
		if v, ok := c.restAuth["JWT_AUTH_SECURE"]; ok {
			cs.Secure = v.(bool)
		}
		if v, ok := c.restAuth["JWT_AUTH_COOKIE_DOMAIN"]; ok {
			cs.Domain = v.(string)
		}
		if v, ok := c.restAuth["JWT_AUTH_REFRESH_COOKIE_PATH"]; ok {
			cs.RefreshCookiePath = v.(string)
		}
		cookieView := func(set bool) http.Handler {
			return &restframework.APIView{Methods: []string{"POST"}, Settings: ds, RESTFramework: drf, Python: setup.Python,
				Name: map[bool]string{true: "Set Cookies", false: "Unset Cookies"}[set],
				Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if set {
						var body map[string]string
						json.NewDecoder(r.Body).Decode(&body)
						if err := cs.SetJWTCookies(w, s, body["access"], body["refresh"]); err != nil {
							t.Error(err)
						}
					} else {
						cs.UnsetJWTCookies(w)
					}
					restframework.Response(w, r, http.StatusOK, serializer.DictValue(serializer.NewDict()))
				})}
		}
		mux.Handle("/api/set-cookies/", cookieView(true))
		mux.Handle("/api/unset-cookies/", cookieView(false))
	}
	csrf, err := django.NewCSRFMiddleware(*ds)
	if err != nil {
		t.Fatal(err)
	}
	csrf.Exempt = func(*http.Request) bool { return true } // (DRF's views are csrf_exempt)
	return csrf.Handler(mux)
}

// drfVersion is APIView.RESTFramework for DRF's version ("3.15.1" is "3.15").
func drfVersion(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 || v >= "3.18" {
		return ""
	}
	return parts[0] + "." + parts[1]
}

// copyFile copies the file at src to dst.
func copyFile(t *testing.T, src, dst string) {
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// jwtSetupDB makes a SQLite database with simplejwt_oracle.py's setup for c: the
// database, as Django's DATABASES entry in JSON, and what setup printed.
func jwtSetupDB(t *testing.T, p *peer, c jwtConfig) (*authDatabase, string, jwtSetup) {
	adb := newAuthDB(t, p.Series, "sqlite")
	dbj, _ := json.Marshal(adb.django)
	var setup jwtSetup
	jwtOracle(t, p.Series, string(dbj), c, nil, &setup, "setup")
	return adb, string(dbj), setup
}

// TestLiveSimpleJWT holds package simplejwt to djangorestframework-simplejwt (5.3.1 on
// Django 3.2, 5.5.1 on the others) on the site configurations of jwtConfigList (the
// defaults with the token_blacklist app, rotation and last_login; a custom one: HS512,
// another key, audience, issuer, leeway, two header types, another user id claim,
// revocation by password, access and sliding tokens; other claim names and a non-ASCII
// header type; RS256; ES256 with an audience list; dj-rest-auth's JWT cookies twice): the
// same database copied after Django's setup (users, tokens Django minted, and tokens
// wrong in every way simplejwt notices), the same requests (~450; ~390 to the cookie
// authenticator) sent to Django's views and Go's (JWTAuthentication,
// JWTStatelessUserAuthentication and JWTCookieAuthentication behind DRF's views; the six
// token views; the cookies set and unset), and the same answers byte for byte, but for
// the tokens the views make, which Go must read as valid and which must hold the same
// claims (the random jti and the times aside), and the cookies' dates. Then Django reads
// the tables Go wrote: the same outstanding tokens for the same users, the same tokens
// blacklisted, the same users' last_login set.
func TestLiveSimpleJWT(t *testing.T) {
	t.Parallel() // (with the other heavy live tests, on databases of their own)
	peers := livePeers(t)
	for i, p := range peers {
		for _, c := range jwtConfigList() {
			if c.edges && i != 0 && i != len(peers)-1 {
				continue
			}
			t.Run(p.Series+"/"+c.name, func(t *testing.T) {
				t.Parallel() // (databases and processes of its own)
				adb, dbj, setup := jwtSetupDB(t, p, c)
				if len(setup.Steps) < 380 {
					t.Fatalf("%d steps", len(setup.Steps))
				}
				goPath := filepath.Join(t.TempDir(), "go.sqlite3")
				copyFile(t, adb.django["NAME"].(string), goPath)
				var want jwtRun
				jwtOracle(t, p.Series, dbj, c, map[string]any{"steps": setup.Steps, "tokens": setup.Tokens}, &want, "run")
				if len(want.Steps) != len(setup.Steps) {
					t.Fatalf("%d answers for %d steps", len(want.Steps), len(setup.Steps))
				}
				h := jwtSite(t, p.Django, setup, c, goPath)
				s := jwtSettings(c, setup.SimpleJWT, p.Django)
				codes := map[int]int{}
				for i, step := range setup.Steps {
					req := httptest.NewRequest(step.Method, step.Path, strings.NewReader(latin1Bytes(step.Body)))
					req.Header.Set("Content-Type", step.ContentType)
					for k, v := range step.Headers {
						req.Header.Set(k, latin1Bytes(v))
					}
					got := jwtServe(h, req).normal(t, s)
					w := want.Steps[i].normal(t, s)
					codes[w.Status]++
					if diff := cmp.Diff(w, got, jwtCmp); diff != "" {
						t.Errorf("step %d %s %s %q %q (-django +go):\n%s", i, step.Method, step.Path, step.Headers, step.Body, diff)
					}
				}
				wantCodes := []int{200, 400, 401, 405, 500}
				if c.restAuth != nil { // (the cookies' steps alone)
					wantCodes = []int{200, 401, 403}
				}
				for _, code := range wantCodes {
					if codes[code] == 0 {
						t.Errorf("no step answered %d: %v", code, codes)
					}
				}
				var state jwtRun
				jwtOracle(t, p.Series, fmt.Sprintf(`{"ENGINE":"django.db.backends.sqlite3","NAME":%q}`, goPath), c,
					map[string]any{"steps": []any{}, "tokens": setup.Tokens}, &state, "run")
				want.Steps, state.Steps = nil, nil
				if diff := cmp.Diff(want, state, jwtCmp); diff != "" {
					t.Errorf("the tables after the steps (-django's +go's, read by Django):\n%s", diff)
				}
				if c.blacklist && (len(want.Outstanding) < 10 || len(want.Blacklisted) < 3) {
					t.Errorf("too little state to compare: %+v", want)
				}
			})
		}
	}
}

// jwtTokenRE is a token in an answer's body.
var jwtTokenRE = regexp.MustCompile(`"(access|refresh|token)":"([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)"`)

// jwtNormal is body with each token in it (made by the view, so different on each
// side) read with s (it must be valid) and replaced by its claims, with "<jti>" for a
// jti of 32 hex digits and "<t>" for the times, and the token's lifetime (exp - iat, to
// the minute).
func jwtNormal(t *testing.T, s *simplejwt.Settings, body string) string {
	return jwtTokenRE.ReplaceAllStringFunc(body, func(m string) string {
		sub := jwtTokenRE.FindStringSubmatch(m)
		tok, err := s.Parse(simplejwt.Untyped, sub[2])
		if err != nil {
			t.Errorf("a token made by a view: %v", err)
			return m
		}
		var b strings.Builder
		var exp, iat int64
		for k, v := range tok.Payload.All() {
			ks, _ := k.AsStr()
			switch ks {
			case s.JTIClaim:
				if js, _ := v.AsStr(); !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(js) {
					t.Errorf("jti %s", v)
				}
				v = serializer.Str("<jti>")
			case "exp", "iat", "refresh_exp":
				n, _ := v.AsInt()
				if ks == "exp" {
					exp = n
				} else if ks == "iat" {
					iat = n
				}
				v = serializer.Str("<t>")
			}
			fmt.Fprintf(&b, "%s=%s;", k, v)
		}
		fmt.Fprintf(&b, "lifetime=%dmin", (exp-iat+30)/60)
		return `"` + sub[1] + `":"` + b.String() + `"`
	})
}

// jwtCheck is simplejwt_oracle.py's check of one token as one type.
type jwtCheck struct {
	Payload *typed
	Message *string
	Error   *string
}

// TestLiveSimpleJWTTokens holds the tokens of package simplejwt to simplejwt's, both ways,
// on the site configurations of jwtConfigList but dj-rest-auth's: Django reads the tokens Go makes (ForUser of each type and
// user, AccessToken of a refresh token, tokens of random payloads, and those tokens
// damaged: cut, a character changed, segments swapped) as Go reads them, each as an
// access, refresh, sliding and untyped token (with the tokens of TestLiveSimpleJWT's
// setup): the same claims, or the same refusal, or
// both failing as a server error. And Go writes the payloads of 300 random tokens Django
// wrote (nested values of every JSON kind, non-ASCII, floats, big ints) into the same
// bytes.
func TestLiveSimpleJWTTokens(t *testing.T) {
	t.Parallel() // (with the other heavy live tests, on databases of their own)
	peers := livePeers(t)
	for i, p := range peers {
		for _, c := range jwtConfigList() {
			if c.restAuth != nil || c.edges && i != 0 && i != len(peers)-1 {
				continue // (dj-rest-auth's sites have the default tokens; see edges)
			}
			t.Run(p.Series+"/"+c.name, func(t *testing.T) {
				t.Parallel() // (databases and processes of its own)
				adb, dbj, setup := jwtSetupDB(t, p, c)
				s := jwtSettings(c, setup.SimpleJWT, p.Django)
				var enc struct {
					Cases []struct {
						Payload typed
						Token   string
					}
				}
				jwtOracle(t, p.Series, dbj, c, nil, &enc, "encode")
				if len(enc.Cases) < 300 {
					t.Fatalf("%d cases", len(enc.Cases))
				}
				var tokens []string
				random := strings.HasPrefix(s.Algorithm, "ES") || strings.HasPrefix(s.Algorithm, "PS")
				for i, e := range enc.Cases {
					v := e.Payload.toValue(t)
					got, err := s.Encode(v.Dict())
					signed := func(tok string) string { return tok[:max(strings.LastIndexByte(tok, '.'), 0)] }
					if err != nil || got != e.Token && !random || random && signed(got) != signed(e.Token) {
						t.Errorf("case %d %s: %q, %v; want %q", i, v, got, err, e.Token)
					}
					if _, err := s.Parse(simplejwt.Untyped, e.Token); random && err != nil {
						t.Errorf("case %d: Django's token %q: %v", i, e.Token, err)
					}
					if i%10 == 0 {
						tokens = append(tokens, got)
					}
				}
				users, err := auth.NewSQLUserSource(adb.db, auth.SQLite, auth.AuthUser, auth.SQLOptions{PK: auth.PKInt})
				if err != nil {
					t.Fatal(err)
				}
				for _, id := range []string{"1", "2", "3", "4"} {
					u, err := users.User(t.Context(), id)
					if err != nil {
						t.Fatal(err)
					}
					for _, typ := range []string{simplejwt.Access, simplejwt.Refresh, simplejwt.Sliding, simplejwt.Untyped} {
						tok, err := s.ForUser(typ, u)
						if err != nil {
							t.Fatal(err)
						}
						tokens = append(tokens, tok.String())
						if typ == simplejwt.Refresh {
							a, err := tok.AccessToken()
							if err != nil {
								t.Fatal(err)
							}
							tokens = append(tokens, a.String())
						}
					}
				}
				var bl simplejwt.Blacklist
				if c.blacklist {
					bl = simplejwt.NewSQLBlacklist(users)
				}
				n := len(tokens)
				for _, name := range slices.Sorted(maps.Keys(setup.Tokens)) {
					tokens = append(tokens, setup.Tokens[name])
				}
				for i := range n {
					tok := tokens[i]
					h, rest, _ := strings.Cut(tok, ".")
					b, sig, _ := strings.Cut(rest, ".")
					tokens = append(tokens, tok[:len(tok)-1], tok[:len(tok)/2], b+"."+h+"."+sig,
						h+"."+b+"."+sig[:len(sig)-2]+"A"+sig[len(sig)-1:], tok+"==", strings.ToUpper(tok[:1])+tok[1:])
				}
				var res struct{ Results []map[string]jwtCheck }
				jwtOracle(t, p.Series, dbj, c, tokens, &res, "check")
				if len(res.Results) != len(tokens) {
					t.Fatalf("%d results for %d tokens", len(res.Results), len(tokens))
				}
				seen := map[string]int{}
				for i, tok := range tokens {
					for _, typ := range []string{simplejwt.Access, simplejwt.Refresh, simplejwt.Sliding, simplejwt.Untyped} {
						want := res.Results[i][typ]
						got, err := s.ParseWithBlacklist(t.Context(), bl, typ, tok)
						var te *simplejwt.TokenError
						switch {
						case want.Payload != nil:
							seen["valid"]++
							if err != nil {
								t.Errorf("token %d %q as %s: %v; Django reads %s", i, tok, typ, err, want.Payload.toValue(t))
							} else if w := want.Payload.toValue(t); !serializer.Equal(w, serializer.DictValue(got.Payload)) {
								t.Errorf("token %d %q as %s: %s; Django reads %s", i, tok, typ, serializer.DictValue(got.Payload), w)
							}
						case want.Message != nil:
							seen[*want.Message]++
							if !errors.As(err, &te) || te.Message != *want.Message {
								t.Errorf("token %d %q as %s: %v; Django refuses it: %s", i, tok, typ, err, *want.Message)
							}
						default:
							seen["error"]++
							if err == nil || errors.As(err, &te) {
								t.Errorf("token %d %q as %s: %v; Django fails: %s", i, tok, typ, err, *want.Error)
							}
						}
					}
				}
				if seen["valid"] < 40 || seen["error"] == 0 || len(seen) < 7 {
					t.Errorf("too few kinds of outcome: %v", seen)
				}
			})
		}
	}
}

// TestLiveSimpleJWTBlacklist shares simplejwt's token_blacklist tables between Django and
// Go on SQLite, PostgreSQL and MariaDB (the newest Django on the servers): Go blacklists
// a refresh token Django made and Django then refuses it; Django blacklists one and Go
// refuses it; Go's token views record the tokens they make as outstanding for the user,
// as Django's do, and rotation (with blacklisting after it) leaves the same tables on
// both sides. The answers are compared as TestLiveSimpleJWT compares them.
func TestLiveSimpleJWTBlacklist(t *testing.T) {
	t.Parallel() // (with the other heavy live tests, on databases of their own)
	c := jwtConfigs[slices.IndexFunc(jwtConfigs, func(c jwtConfig) bool { return c.name == "blacklist" })]
	newestOnServers(t, func(t *testing.T, p *peer, backend string) {
		adb := newAuthDB(t, p.Series, backend)
		raw, _ := json.Marshal(adb.django)
		dbj := string(raw)
		var setup jwtSetup
		jwtOracle(t, p.Series, dbj, c, nil, &setup, "setup")
		users, err := auth.NewSQLUserSource(adb.db, adb.dialect, auth.AuthUser, auth.SQLOptions{PK: auth.PKInt})
		if err != nil {
			t.Fatal(err)
		}
		hs, err := hashers.FromSettings(p.Django, []string{"django.contrib.auth.hashers.MD5PasswordHasher"})
		if err != nil {
			t.Fatal(err)
		}
		cfg := &auth.Config{SecretKey: "djsession-auth-db-secret-key", Users: users, PK: auth.PKInt, Hashers: hs}
		s := jwtSettings(c, setup.SimpleJWT, p.Django)
		views := &simplejwt.Views{Settings: s, Config: cfg, Blacklist: simplejwt.NewSQLBlacklist(users),
			RESTFramework: drfVersion(setup.DRF), Python: setup.Python}
		mux := http.NewServeMux()
		mux.Handle("/api/token/", views.TokenObtainPair())
		mux.Handle("/api/token/refresh/", views.TokenRefresh())
		mux.Handle("/api/token/verify/", views.TokenVerify())
		mux.Handle("/api/token/blacklist/", views.TokenBlacklist())
		mux.Handle("/api/sliding/", views.TokenObtainSliding())
		post := func(path string, body map[string]string) jwtStep {
			d := serializer.NewDict()
			for _, k := range slices.Sorted(maps.Keys(body)) {
				d.Set(k, serializer.Str(body[k]))
			}
			b, _ := serializer.EncodeJSON(serializer.DictValue(d)) // (ASCII: the steps' bodies are latin-1 text)
			return jwtStep{Method: "POST", Path: path, Headers: map[string]string{}, ContentType: "application/json", Body: string(b)}
		}
		tk := setup.Tokens
		login := map[string]string{"username": "carol", "password": "pa:ss w\u00f6rd"}
		// Each round: Go's steps, then Django's, then the same steps the other way round.
		rounds := [][]jwtStep{
			{post("/api/token/blacklist/", map[string]string{"refresh": tk["refresh1b"]}),
				post("/api/token/", login), post("/api/sliding/", login)},
			{post("/api/token/refresh/", map[string]string{"refresh": tk["refresh1b"]}),
				post("/api/token/verify/", map[string]string{"token": tk["refresh1b"]}),
				post("/api/token/blacklist/", map[string]string{"refresh": tk["refresh1c"]}),
				post("/api/token/refresh/", map[string]string{"refresh": tk["refresh3"]})},
		}
		var goAnswers, djAnswers []jwtAnswer
		serve := func(steps []jwtStep) {
			for _, step := range steps {
				req := httptest.NewRequest(step.Method, step.Path, strings.NewReader(step.Body))
				req.Header.Set("Content-Type", step.ContentType)
				goAnswers = append(goAnswers, jwtServe(mux, req).normal(t, s))
			}
		}
		django := func(steps []jwtStep) jwtRun {
			var r jwtRun
			jwtOracle(t, p.Series, dbj, c, map[string]any{"steps": steps, "tokens": tk}, &r, "run")
			for _, a := range r.Steps {
				djAnswers = append(djAnswers, a.normal(t, s))
			}
			return r
		}
		serve(rounds[0])     // Go blacklists refresh1b, logs carol in twice
		django(rounds[1])    // Django refuses refresh1b, blacklists refresh1c, rotates refresh3
		serve(rounds[1][:2]) // Go refuses refresh1b as Django did
		serve([]jwtStep{post("/api/token/refresh/", map[string]string{"refresh": tk["refresh1c"]}),
			post("/api/token/refresh/", map[string]string{"refresh": tk["refresh3"]})})
		state := django(rounds[0][1:]) // Django logs carol in twice too
		// Go's answers: blacklist {} , pair, sliding token; then refresh1b refused twice,
		// refresh1c and refresh3 refused (blacklisted by Django, and by its rotation).
		// Django's: refresh1b refused twice, {}, a rotated pair; then a pair and a
		// sliding token.
		want := []string{"200 {}", "200 pair", "200 token", "401 blacklisted", "400 blacklisted", "401 blacklisted", "401 blacklisted"}
		wantDj := []string{"401 blacklisted", "400 blacklisted", "200 {}", "200 pair", "200 pair", "200 token"}
		check := func(who string, got []jwtAnswer, want []string) {
			if len(got) != len(want) {
				t.Fatalf("%s: %d answers, want %d", who, len(got), len(want))
			}
			for i, a := range got {
				kind := a.Body
				switch {
				case strings.Contains(a.Body, "blacklisted"):
					kind = "blacklisted"
				case strings.HasPrefix(a.Body, `{"refresh":`), strings.HasPrefix(a.Body, `{"access":`):
					kind = "pair"
				case strings.HasPrefix(a.Body, `{"token":`):
					kind = "token"
				}
				if got := fmt.Sprint(a.Status, " ", kind); got != want[i] {
					t.Errorf("%s answer %d: %s (%s), want %s", who, i, got, a.Body, want[i])
				}
			}
		}
		check("Go", goAnswers, want)
		check("Django", djAnswers, wantDj)
		if diff := cmp.Diff(goAnswers[3:5], djAnswers[:2], jwtCmp); diff != "" {
			t.Errorf("refresh1b refused differently (-go +django):\n%s", diff)
		}
		if diff := cmp.Diff(goAnswers[1:3], djAnswers[4:6], jwtCmp); diff != "" {
			t.Errorf("carol's tokens differ (-go +django):\n%s", diff)
		}
		carol := 0
		for _, u := range state.Outstanding {
			if u != nil && *u == 3 {
				carol++
			}
		}
		// (setup: refresh3 and sliding3; Go: a pair's refresh and a sliding token;
		// Django: its rotation of refresh3, which simplejwt 5.3 does not record, a
		// pair's refresh, a sliding token)
		if want := 7 - map[bool]int{true: 1}[s.Version == "5.3"]; carol != want {
			t.Errorf("carol has %d outstanding tokens, want %d", carol, want)
		}
		if diff := cmp.Diff([]string{"refresh1b", "refresh1c", "refresh3"}, state.Blacklisted); diff != "" {
			t.Errorf("blacklisted (-want +got):\n%s", diff)
		}
	})
}

// TestDjangoExportSimpleJWT runs scripts/export_settings.py in a project with a
// SIMPLE_JWT of its own (timedeltas, tuples, another algorithm and key, claims' names,
// two token classes) on each Django version, reads it with simplejwt.SettingsFromJSON,
// and has Go read a token the project's simplejwt made: SIGNING_KEY left out without
// --secrets (the SECRET_KEY given to Go then signs, as simplejwt's default), the versions
// followed, settings Go cannot honour refused.
func TestDjangoExportSimpleJWT(t *testing.T) {
	settingsPy := `
from datetime import timedelta
SECRET_KEY = "export-test-secret"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "rest_framework", "rest_framework_simplejwt"]
DATABASES = {}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15, microseconds=250),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
    "ROTATE_REFRESH_TOKENS": True,
    "ALGORITHM": "HS512",
    "SIGNING_KEY": "jwt-signing-key",
    "AUDIENCE": ["web", "api"],
    "ISSUER": "https://example.com",
    "LEEWAY": timedelta(seconds=30),
    "AUTH_HEADER_TYPES": ("JWT",),
    "USER_ID_CLAIM": "uid",
    "JTI_CLAIM": "id",
    "AUTH_TOKEN_CLASSES": ("rest_framework_simplejwt.tokens.AccessToken", "rest_framework_simplejwt.tokens.SlidingToken"),
    "TOKEN_USER_CLASS": "rest_framework_simplejwt.models.TokenUser",
}
`
	script, project := settingsProject(t, settingsPy)
	for _, p := range livePeers(t) {
		t.Run(p.Series, func(t *testing.T) {
			py := filepath.Join(venvDir(), "django-"+p.Series, "bin", "python")
			run := func(args ...string) []byte {
				cmd := exec.Command(py, args...)
				cmd.Dir = project
				cmd.Env = append(os.Environ(), "DJANGO_SETTINGS_MODULE=mysite.settings")
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("%v: %v", args, err)
				}
				return out
			}
			s, err := simplejwt.SettingsFromJSON(run(script, "--secrets"), "export-test-secret")
			if err != nil {
				t.Fatal(err)
			}
			want := simplejwt.Defaults("jwt-signing-key")
			want.AccessTokenLifetime, want.RefreshTokenLifetime = 15*time.Minute+250*time.Microsecond, 7*24*time.Hour
			want.RotateRefreshTokens, want.Algorithm = true, "HS512"
			want.Audience = serializer.List(serializer.Str("web"), serializer.Str("api"))
			want.Issuer, want.Leeway, want.AuthHeaderTypes = "https://example.com", 30*time.Second, []string{"JWT"}
			want.UserIDClaim, want.JTIClaim = "uid", "id"
			want.AuthTokenTypes = []string{simplejwt.Access, simplejwt.Sliding}
			want.DjangoVersion = p.Django
			if p.Series == "3.2" {
				want.Version = "5.3"
			}
			if diff := cmp.Diff(want, s, cmp.Comparer(serializer.Equal), cmpopts.IgnoreFields(simplejwt.Settings{}, "Now")); diff != "" {
				t.Errorf("settings (-want +got):\n%s", diff)
			}
			tok := strings.TrimSpace(string(run("-c", `import django; django.setup()
from rest_framework_simplejwt.tokens import AccessToken
t = AccessToken()
t["uid"] = "7"
print(t)`)))
			got, err := s.Parse(simplejwt.Access, tok)
			if err != nil {
				t.Fatalf("the project's token %q: %v", tok, err)
			}
			if uid, _ := got.Payload.Get("uid"); uid.String() != `"7"` && uid.String() != "'7'" {
				t.Errorf("uid %s", uid)
			}
			noSecrets, err := simplejwt.SettingsFromJSON(run(script), "export-test-secret")
			if err != nil {
				t.Fatal(err)
			}
			if noSecrets.SigningKey != "export-test-secret" {
				t.Errorf("without --secrets: SIGNING_KEY %q, want the SECRET_KEY given", noSecrets.SigningKey)
			}
		})
	}
	for _, bad := range []string{`{"JWK_URL": "https://example.com/jwks"}`, `{"USER_ID_FIELD": "email"}`,
		`{"AUTH_TOKEN_CLASSES": ["myapp.tokens.MyToken"]}`, `{"NO_SUCH_SETTING": 1}`, `{"ALGORITHM": "ES256K"}`} {
		if _, err := simplejwt.SettingsFromJSON([]byte(`{"settings": {"SIMPLE_JWT": `+bad+`}}`), "k"); !errors.Is(err, simplejwt.ErrSettings) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

// TestLiveSimpleJWTFlushExpired holds SQLBlacklist.FlushExpired to simplejwt's manage.py
// flushexpiredtokens, on the newest Django's site (SQLite, PostgreSQL, MariaDB; and with
// USE_TZ False and TIME_ZONE Asia/Tokyo on SQLite and MariaDB, where simplejwt keeps UTC
// wall clocks): outstanding tokens Go records, expired or not, some blacklisted; Django's
// command deletes the expired ones Go wrote, Go's deletes the expired ones and keeps the
// others, their blacklist entries going with them.
func TestLiveSimpleJWTFlushExpired(t *testing.T) {
	t.Parallel() // (with the other heavy live tests, on databases of their own)
	peers := livePeers(t)
	p := peers[len(peers)-1]
	for _, v := range []struct {
		backend string
		naive   bool
	}{{"sqlite", false}, {"postgres", false}, {"mariadb", false}, {"sqlite", true}, {"mariadb", true}} {
		t.Run(fmt.Sprintf("%s/%s/naive=%v", p.Series, v.backend, v.naive), func(t *testing.T) {
			t.Parallel() // (databases and processes of its own)
			backend, naive := v.backend, v.naive
			c := jwtConfig{name: "flush", blacklist: true, simpleJWT: map[string]any{}}
			var loc *time.Location
			if naive {
				c.django = map[string]any{"USE_TZ": false, "TIME_ZONE": "Asia/Tokyo"}
				loc, _ = time.LoadLocation("Asia/Tokyo")
			}
			adb := newAuthDB(t, p.Series, backend)
			raw, _ := json.Marshal(adb.django)
			dbj := string(raw)
			var setup jwtSetup
			jwtOracle(t, p.Series, dbj, c, nil, &setup, "setup")
			users, err := auth.NewSQLUserSource(adb.db, adb.dialect, auth.AuthUser, auth.SQLOptions{PK: auth.PKInt, Location: loc})
			if err != nil {
				t.Fatal(err)
			}
			bl := simplejwt.NewSQLBlacklist(users)
			now := time.Now()
			record := func(jti string, expires time.Time, black bool) {
				t.Helper()
				uid := "4"
				o := &simplejwt.OutstandingToken{UserID: &uid, JTI: jti, Token: "t." + jti, CreatedAt: &now, ExpiresAt: expires}
				if err := bl.Create(t.Context(), o); err != nil {
					t.Fatal(err)
				}
				if black {
					if err := bl.Blacklist(t.Context(), o); err != nil {
						t.Fatal(err)
					}
				}
			}
			type state struct {
				Outstanding []string `json:"outstanding_jtis"`
				Blacklisted []string `json:"blacklisted_jtis"`
			}
			mine := func(s state) state {
				var m state
				for _, j := range s.Outstanding {
					if strings.HasPrefix(j, "go") {
						m.Outstanding = append(m.Outstanding, j)
					}
				}
				for _, j := range s.Blacklisted {
					if strings.HasPrefix(j, "go") {
						m.Blacklisted = append(m.Blacklisted, j)
					}
				}
				return m
			}
			record("go-expired-1", now.Add(-time.Minute), false)
			record("go-expired-2", now.Add(-10*time.Hour), true)
			record("go-live-1", now.Add(time.Minute), true)
			var s1 state
			jwtOracle(t, p.Series, dbj, c, nil, &s1, "flush", "--run")
			if diff := cmp.Diff(state{[]string{"go-live-1"}, []string{"go-live-1"}}, mine(s1)); diff != "" {
				t.Errorf("after Django's flushexpiredtokens (-want +got):\n%s", diff)
			}
			record("go-expired-3", now.Add(-time.Second), true)
			record("go-live-2", now.Add(10*time.Hour), false)
			n, err := bl.FlushExpired(t.Context(), time.Now())
			if err != nil || n != 1 {
				t.Errorf("FlushExpired: %d, %v; want 1", n, err)
			}
			var s2 state
			jwtOracle(t, p.Series, dbj, c, nil, &s2, "flush")
			if diff := cmp.Diff(state{[]string{"go-live-1", "go-live-2"}, []string{"go-live-1"}}, mine(s2)); diff != "" {
				t.Errorf("after FlushExpired (-want +got):\n%s", diff)
			}
			if len(s2.Outstanding) < 10 {
				t.Errorf("Django's outstanding tokens were flushed too: %v", s2.Outstanding)
			}
		})
	}
}
