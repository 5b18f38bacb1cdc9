package headless_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/djsession/djsession/allauth/headless"
	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/engines/db/sqlite"
	"github.com/djsession/djsession/internal/exampledb"
	"github.com/djsession/djsession/restframework"
	"github.com/djsession/djsession/serializer"
)

// site is a Headless over the example database (users alice, bob, ... of
// fixtures/example), its sessions in its django_session table.
type site struct {
	h   *headless.Headless
	cfg *auth.Config
}

func newSite(tb testing.TB, s *headless.Settings) *site {
	tb.Helper()
	conn, users := exampledb.Open(tb)
	return siteOn(tb, conn, users, s)
}

func siteOn(tb testing.TB, conn db.SQLDB, users *auth.SQLUserSource, s *headless.Settings) *site {
	ds := django.NewSettings()
	ds.SecretKey, ds.AllowedHosts = s.SecretKey, []string{"example.com"}
	opts, _ := ds.EngineOptions()
	st, err := sqlite.New(conn, db.Options{Options: opts})
	if err != nil {
		tb.Fatal(err)
	}
	ds.SessionEngine = st
	mw, err := django.NewMiddleware(ds)
	if err != nil {
		tb.Fatal(err)
	}
	cfg := &auth.Config{SecretKey: s.SecretKey, Users: users, SkipLastLogin: true}
	return &site{h: &headless.Headless{Settings: s, Sessions: mw, Config: cfg}, cfg: cfg}
}

// login logs user id in to a new session, saved, as an app's login does.
func (s *site) login(tb testing.TB, id string) *django.Session {
	tb.Helper()
	ctx := context.Background()
	u, err := s.cfg.Users.User(ctx, id)
	if err != nil {
		tb.Fatal(err)
	}
	sess := s.h.Sessions.NewSession(ctx, "")
	if err := auth.Login(ctx, sess, u, auth.ModelBackend, s.cfg); err != nil {
		tb.Fatal(err)
	}
	if err := sess.Save(ctx); err != nil {
		tb.Fatal(err)
	}
	return sess
}

func jwtSettings() *headless.Settings {
	s := headless.Defaults("test-secret-key")
	s.TokenStrategy, s.JWTAlgorithm = headless.JWTTokenStrategy, "HS256"
	return s
}

func TestSessionKeySID(t *testing.T) {
	key := "abcdefgh12345678abcdefgh12345678"
	sid, err := headless.SessionKeyToSID("k", key)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := headless.SessionKeyToSID("k", key)
	if sid == again || len(sid) != 64 {
		t.Errorf("sids %q and %q: want a random IV each, 64 characters", sid, again)
	}
	for _, c := range []struct {
		secret, sid, want string
		ok, err           bool
	}{
		{"k", sid, key, true, false},
		{"k", " " + sid[:10] + "!" + sid[10:] + "\n", key, true, false}, // (b64decode skips what is not base64)
		{"other", sid, "", false, false},                                // (decrypted as something else: not UTF-8, here)
		{"k", "", "", false, false},
		{"k", "AAAAAAAAAAAAAAAAAAAAAA==", "", false, false}, // (an IV and nothing else)
		{"k", "abc", "", false, false},                      // (bad padding)
		{"k", "é" + sid, "", false, true},                   // (b64decode's ValueError)
	} {
		got, ok, err := headless.SessionKeyFromSID(c.secret, c.sid)
		if got != c.want || ok != c.ok || (err != nil) != c.err {
			t.Errorf("SessionKeyFromSID(%q, %q) = %q, %v, %v; want %q, %v, error %v", c.secret, c.sid, got, ok, err,
				c.want, c.ok, c.err)
		}
	}
}

func TestTokens(t *testing.T) {
	s := newSite(t, jwtSettings())
	ctx := t.Context()
	sess := s.login(t, "2")
	u, _ := s.cfg.Users.User(ctx, "2")
	p, err := s.h.AccessTokenPayload(u, sess)
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Save(ctx); err != nil {
		t.Fatal(err)
	}
	access, _ := p.Get("access_token")
	refresh, _ := p.Get("refresh_token")
	at, _ := access.AsStr()
	rt, _ := refresh.AsStr()
	got, err := s.h.ValidateAccessToken(ctx, at)
	if err != nil || got.User.ID != "2" {
		t.Fatalf("ValidateAccessToken = %+v, %v", got, err)
	}
	keys := []string{}
	for k := range got.Payload.All() {
		ks, _ := k.AsStr()
		keys = append(keys, ks)
	}
	if diff := cmp.Diff([]string{"iat", "exp", "sid", "jti", "token_use", "sub"}, keys); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
	if _, err := s.h.ValidateAccessToken(ctx, rt); !errors.Is(err, headless.ErrInvalidToken) {
		t.Errorf("a refresh token as an access token: %v", err)
	}
	at2, rt2, err := s.h.RefreshToken(ctx, rt)
	if err != nil || at2 == "" || rt2 == rt {
		t.Fatalf("RefreshToken = %q, %q, %v", at2, rt2, err)
	}
	if _, _, err := s.h.RefreshToken(ctx, rt); !errors.Is(err, headless.ErrInvalidToken) {
		t.Errorf("a rotated refresh token again: %v", err)
	}
	// The session records one refresh token: the new one.
	again, err := s.h.LookupSession(ctx, sess.Key())
	if err != nil {
		t.Fatal(err)
	}
	state, _ := again.Get("headless_refresh_tokens")
	if state.Len() != 1 {
		t.Errorf("headless_refresh_tokens = %v, want one", state)
	}
	// Logged out: the session is gone, its tokens with it (statefully), but for the
	// stateless access token.
	if err := again.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.h.RefreshToken(ctx, rt2); !errors.Is(err, headless.ErrInvalidToken) {
		t.Errorf("a refresh token of a flushed session: %v", err)
	}
	if _, err := s.h.ValidateAccessToken(ctx, at2); err != nil {
		t.Errorf("stateless: %v", err)
	}
	s.h.Settings.JWTStatefulValidationEnabled = true
	if _, err := s.h.ValidateAccessToken(ctx, at2); !errors.Is(err, headless.ErrInvalidToken) {
		t.Errorf("stateful, the session flushed: %v", err)
	}
	// Expired.
	s.h.Now = func() time.Time { return time.Now().Add(301 * time.Second) }
	s.h.Settings.JWTStatefulValidationEnabled = false
	if _, err := s.h.ValidateAccessToken(ctx, at2); !errors.Is(err, headless.ErrInvalidToken) {
		t.Errorf("expired: %v", err)
	}
}

func TestSettings(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(*headless.Settings)
	}{
		{"strategy", func(s *headless.Settings) { s.TokenStrategy = "my.Strategy" }},
		{"algorithm", func(s *headless.Settings) { s.JWTAlgorithm = "ES256" }},
		{"RS256 without a key", func(s *headless.Settings) { s.JWTAlgorithm = "RS256" }},
		{"RS256 with a bad key", func(s *headless.Settings) {
			s.JWTAlgorithm, s.JWTPrivateKey = "RS256", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
		}},
	} {
		s := jwtSettings()
		c.change(s)
		h := &headless.Headless{Settings: s, Sessions: &django.Middleware{}, Config: &auth.Config{}}
		if _, err := h.ValidateAccessToken(t.Context(), "a.b.c"); !errors.Is(err, headless.ErrSettings) {
			t.Errorf("%s: %v, want ErrSettings", c.name, err)
		}
	}
}

// serve is h's answer to method path with body and headers (name, value, ...).
func serve(h http.Handler, method, path, body string, headers ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "http://example.com"+path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestRefreshTokenView(t *testing.T) {
	s := newSite(t, jwtSettings())
	view := s.h.RefreshTokenView()
	sess := s.login(t, "2")
	u, _ := s.cfg.Users.User(t.Context(), "2")
	rt, err := s.h.CreateRefreshToken(u, sess)
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Save(t.Context()); err != nil {
		t.Fatal(err)
	}
	const required = `{"status": 400, "errors": [{"message": "This field is required.", "code": "required", "param": "refresh_token"}]}`
	for _, c := range []struct {
		method, body string
		headers      []string
		status       int
		want         string // ("T" for a token)
	}{
		{"POST", `{"refresh_token": "` + rt + `"}`, nil, 200, `{"status": 200, "data": {"access_token": "T", "refresh_token": "T"}}`},
		{"POST", `{"refresh_token": "` + rt + `"}`, nil, 400, `{"status": 400}`},
		{"POST", ``, nil, 400, required},
		{"POST", `{"refresh_token": "  "}`, nil, 400, required},
		{"POST", `{"refresh_token": []}`, nil, 400, required},
		{"POST", `{"refresh_token": "a\u0000"}`, nil, 400, `{"status": 400, "errors": [{"message": "Null characters are not allowed.", "code": "null_characters_not_allowed", "param": "refresh_token"}]}`},
		{"POST", `{"refresh_token": 1}`, nil, 400, `{"status": 400}`},
		{"POST", `[]`, nil, 400, ``},
		{"POST", "\xff", nil, 400, ``},
		{"GET", ``, nil, 405, ``},
		{"PUT", ``, nil, 400, required},
		{"PUT", `{"refresh_token": "x"}`, nil, 405, ``},
		{"OPTIONS", `{"refresh_token": "x"}`, nil, 200, ``},
		{"POST", `{"refresh_token": "x"}`, []string{"X-Session-Token", "nosuchsession1"}, 410,
			`{"status": 410, "data": {"flows": [{"id": "login"}, {"id": "signup"}]}, "meta": {"is_authenticated": null}}`},
	} {
		w := serve(view, c.method, "/_allauth/app/v1/tokens/refresh", c.body, c.headers...)
		body := tokenRE.ReplaceAllString(w.Body.String(), `"T"`)
		if w.Code != c.status || body != c.want {
			t.Errorf("%s %q: %d %s; want %d %s", c.method, c.body, w.Code, body, c.status, c.want)
		}
	}
}

func TestAuthentication(t *testing.T) {
	s := newSite(t, jwtSettings())
	sess := s.login(t, "2")
	u, _ := s.cfg.Users.User(t.Context(), "2")
	at, err := s.h.CreateAccessToken(u, sess, nil)
	if err != nil {
		t.Fatal(err)
	}
	view := &restframework.APIView{
		Authentication: []restframework.Authenticator{
			&headless.XSessionTokenAuthentication{Headless: s.h, RefuseInvalidSessionTokens: true},
			&headless.JWTTokenAuthentication{Headless: s.h},
		},
		Permissions: []restframework.Permission{restframework.IsAuthenticated{}},
		Methods:     []string{"GET"},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			restframework.Response(w, r, 200, serializer.Str(restframework.FromContext(r.Context()).User.Username))
		}),
	}
	for _, c := range []struct {
		headers []string
		status  int
		body    string
	}{
		{[]string{"X-Session-Token", sess.Key()}, 200, `"bob"`},
		{[]string{"Authorization", "Bearer " + at}, 200, `"bob"`},
		{[]string{"Authorization", "bearer  " + at + " "}, 200, `"bob"`},
		{[]string{"X-Session-Token", "nosuchsession1"}, 401, `{"detail":"Invalid token."}`},
		{[]string{"Authorization", "Bearer " + at + "x"}, 401, `{"detail":"Invalid token."}`},
		{[]string{"Authorization", "Bearer"}, 401, `{"detail":"Invalid token header. No credentials provided."}`},
		{[]string{"Authorization", "Bearer a b"}, 401, `{"detail":"Invalid token header. Token string should not contain spaces."}`},
		{nil, 401, `{"detail":"Authentication credentials were not provided."}`},
	} {
		w := serve(view, "GET", "/api/me/", "", c.headers...)
		if w.Code != c.status || w.Body.String() != c.body || (c.status == 401) != (w.Header().Get("WWW-Authenticate") == "X-Session-Token") {
			t.Errorf("%q: %d %s (%q); want %d %s", c.headers, w.Code, w.Body, w.Header().Get("WWW-Authenticate"), c.status, c.body)
		}
	}
}

func TestSettingsFromJSON(t *testing.T) {
	for _, c := range []struct {
		doc string
		ok  bool
	}{
		{`{"settings": {"HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN": 60, "HEADLESS_JWT_ROTATE_REFRESH_TOKEN": false}}`, true},
		{`{"settings": {"HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN": "60"}}`, false},
		{`{"settings": {"HEADLESS_TOKEN_STRATEGY": "mysite.Strategy"}}`, false},
		{`{"settings": {"ACCOUNT_ADAPTER": "mysite.Adapter"}}`, false},
		{`{"settings": {"ACCOUNT_USER_DISPLAY": "mysite.display"}}`, false},
		{`{"settings": {"INSTALLED_APPS": "allauth"}}`, false},
		{`[]`, false},
	} {
		s, err := headless.SettingsFromJSON([]byte(c.doc))
		if (err == nil) != c.ok || !c.ok && !errors.Is(err, headless.ErrSettings) && !strings.Contains(err.Error(), "JSON") {
			t.Errorf("%s: %+v, %v", c.doc, s, err)
		}
	}
	// Socialaccount's flows are not listed: the session view fails, the tokens work.
	s, err := headless.SettingsFromJSON([]byte(`{"settings": {"SECRET_KEY": "k", "INSTALLED_APPS":
		["allauth.socialaccount.apps.SocialAccountConfig"]}, "installed_apps": ["allauth.socialaccount"]}`))
	if err != nil {
		t.Fatal(err)
	}
	st := newSite(t, s)
	sess := st.login(t, "2")
	w := serve(st.h.SessionView(), "GET", "/_allauth/app/v1/auth/session", "", "X-Session-Token", sess.Key())
	if w.Code != 200 {
		t.Errorf("a logged-in session: %d", w.Code)
	}
	w = serve(st.h.SessionView(), "GET", "/_allauth/app/v1/auth/session", "")
	if w.Code != 500 {
		t.Errorf("an anonymous session, whose flows are unknown: %d", w.Code)
	}
	pending := st.h.Sessions.NewSession(t.Context(), "")
	pending.Set("account_login", serializer.DictValue(serializer.NewDict()))
	if err := pending.Save(t.Context()); err != nil {
		t.Fatal(err)
	}
	st.h.Settings = headless.Defaults("k")
	w = serve(st.h.SessionView(), "GET", "/_allauth/app/v1/auth/session", "", "X-Session-Token", pending.Key())
	if w.Code != 500 {
		t.Errorf("a stashed login without user_pk (Login.deserialize's KeyError): %d", w.Code)
	}
}
