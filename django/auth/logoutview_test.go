package auth_test

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/engines/signedcookies"
)

// TestLogoutView covers what the live test (TestLiveLogoutAndPasswordChange) does not: a
// missing session middleware (500), a logout that no CSRFMiddleware checked (500, and
// the user still logged in; CSRFExempt lets it through; before Django 4.1 the view itself
// checked nothing), and a host outside ALLOWED_HOSTS (400 without never_cache's
// headers, the session flushed first, as Django's view logs out before it reads the
// host).
func TestLogoutView(t *testing.T) {
	s, mw := newSite(t, "logout-view-test-secret")
	s.Logger = slog.New(slog.DiscardHandler)
	cfg := &auth.Config{SecretKey: s.SecretKey, SkipLastLogin: true, Users: users{"1": {ID: "1", IsActive: true}}}
	// login answers the session cookie of a session logged in as user 1.
	login := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := auth.Login(r.Context(), django.FromContext(r.Context()), cfg.Users.(users)["1"], "", cfg); err != nil {
			t.Fatal(err)
		}
	}))
	loggedIn := func() string {
		c := get(login, "/", "").Result().Cookies()[0]
		return c.Name + "=" + c.Value
	}
	post := func(h http.Handler, host, cookie string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "http://"+host+"/logout/", nil)
		req.Header.Set("Cookie", cookie)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	// flushed reports whether the response deletes the session cookie.
	flushed := func(rec *httptest.ResponseRecorder) bool {
		for _, c := range rec.Result().Cookies() {
			if c.Name == "sessionid" && c.MaxAge < 0 {
				return true
			}
		}
		return false
	}
	render := func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "logged out") }
	tests := []struct {
		name     string
		legacy   bool
		exempt   bool
		host     string
		code     int
		loggedIn bool
	}{
		{name: "no CSRFMiddleware", host: "example.com", code: 500, loggedIn: true},
		{name: "CSRFExempt", exempt: true, host: "example.com", code: 200},
		{name: "no CSRFMiddleware before 4.1", legacy: true, host: "example.com", code: 200},
		{name: "a host outside ALLOWED_HOSTS", exempt: true, host: "evil.com", code: 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := *s
			st.LogoutViewLegacy = tc.legacy
			h := mw.Handler(auth.LogoutView(auth.LogoutViewOptions{Settings: &st, CSRFExempt: tc.exempt, Render: render}))
			rec := post(h, tc.host, loggedIn())
			if rec.Code != tc.code || flushed(rec) == tc.loggedIn {
				t.Errorf("%d, session flushed %v; want %d, %v", rec.Code, flushed(rec), tc.code, !tc.loggedIn)
			}
			if cc := rec.Header().Get("Cache-Control"); (cc != "") != (tc.code == 200) {
				t.Errorf("Cache-Control %q on a %d", cc, rec.Code)
			}
		})
	}
	bare := auth.LogoutView(auth.LogoutViewOptions{Settings: s, CSRFExempt: true, Render: render})
	if rec := post(bare, "example.com", ""); rec.Code != 500 {
		t.Errorf("without the session middleware: %d", rec.Code)
	}
	if !errors.Is(auth.ErrLoginWithoutCSRF, auth.ErrCSRFNotChecked) {
		t.Error("ErrLoginWithoutCSRF does not match ErrCSRFNotChecked")
	}
}

// TestPasswordChangeView covers what the live test does not: an anonymous user sent to
// log in (whatever the method), a change that no CSRFMiddleware checked (500, the
// password left as it was), and a missing session middleware (500).
func TestPasswordChangeView(t *testing.T) {
	s, mw := newSite(t, "password-change-test-secret")
	s.Logger = slog.New(slog.DiscardHandler)
	alice := &auth.User{ID: "1", IsActive: true, PasswordHash: "!unusable"}
	cfg := &auth.Config{SecretKey: s.SecretKey, SkipLastLogin: true, Users: users{"1": alice}}
	opts := auth.PasswordChangeOptions{Settings: s, Config: cfg,
		Render: func(w http.ResponseWriter, r *http.Request, page *auth.PasswordChangePage) { io.WriteString(w, "form") }}
	h := mw.Handler(auth.PasswordChangeView(opts))
	for _, m := range []string{"GET", "POST", "OPTIONS"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(m, "http://example.com/password_change/?a=1", nil))
		if rec.Code != 302 || rec.Header().Get("Location") != "/login/?next=/password_change/%3Fa%3D1" {
			t.Errorf("anonymous %s: %d %q", m, rec.Code, rec.Header().Get("Location"))
		}
	}
	login := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := auth.Login(r.Context(), django.FromContext(r.Context()), alice, "", cfg); err != nil {
			t.Fatal(err)
		}
	}))
	c := get(login, "/", "").Result().Cookies()[0]
	if rec := get(h, "/password_change/", c.Name+"="+c.Value); rec.Code != 200 || rec.Body.String() != "form" {
		t.Errorf("the form: %d %q", rec.Code, rec.Body)
	}
	form := url.Values{"old_password": {"x"}, "new_password1": {"N3w-pw-long"}, "new_password2": {"N3w-pw-long"}}
	req := httptest.NewRequest("POST", "http://example.com/password_change/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(c)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 500 || alice.PasswordHash != "!unusable" {
		t.Errorf("without CSRFMiddleware: %d, hash %q", rec.Code, alice.PasswordHash)
	}
	rec = httptest.NewRecorder()
	auth.PasswordChangeView(opts).ServeHTTP(rec, httptest.NewRequest("GET", "http://example.com/password_change/", nil))
	if rec.Code != 500 {
		t.Errorf("without the session middleware: %d", rec.Code)
	}
}

// Log out from Go as Django's LogoutView does: by a POST (Django 5.0+ refuse a GET) that
// carries the CSRF token, then to LOGOUT_REDIRECT_URL.
func ExampleLogoutView() {
	s := django.NewSettings()
	s.SecretKey, s.AllowedHosts, s.LogoutRedirectURL = "example-secret-key", []string{"127.0.0.1"}, "/goodbye/"
	opts, _ := s.EngineOptions()
	store, err := signedcookies.New(signedcookies.Config{SecretKey: s.SecretKey}, opts)
	if err != nil {
		panic(err)
	}
	s.SessionEngine = store
	cfg := &auth.Config{SecretKey: s.SecretKey, SkipLastLogin: true, Users: users{"42": {ID: "42", IsActive: true}}}
	mux := http.NewServeMux()
	// A page that logs alice in (as a single sign-on callback might) and shows the token
	// its logout form posts.
	mux.HandleFunc("/sso/", func(w http.ResponseWriter, r *http.Request) {
		u, _ := cfg.Users.User(r.Context(), "42")
		if err := auth.Login(r.Context(), django.FromContext(r.Context()), u, "", cfg); err != nil {
			panic(err)
		}
		token, _ := django.CSRFToken(r)
		io.WriteString(w, token)
	})
	mux.Handle("/logout/", auth.LogoutView(auth.LogoutViewOptions{Settings: &s,
		Render: func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "You are logged out.") }}))
	mw, err := django.NewMiddleware(s)
	if err != nil {
		panic(err)
	}
	csrf, err := django.NewCSRFMiddleware(s)
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(mw.Handler(csrf.Handler(mux)))
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	resp, err := browser.Get(srv.URL + "/sso/")
	if err != nil {
		panic(err)
	}
	token, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, method := range []string{"GET", "POST"} {
		req, _ := http.NewRequest(method, srv.URL+"/logout/", strings.NewReader(url.Values{"csrfmiddlewaretoken": {string(token)}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := browser.Do(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		u, _ := url.Parse(srv.URL)
		fmt.Printf("%s: %d %q, session cookie kept: %v\n", method, resp.StatusCode, resp.Header.Get("Location"), len(jar.Cookies(u)) == 2)
	}
	// Output:
	// GET: 405 "", session cookie kept: true
	// POST: 302 "/goodbye/", session cookie kept: false
}

// TestViewsCheckExemptedCSRF: behind a CSRFMiddleware that exempts them (csrf_exempt),
// the views still refuse a POST without a token, as Django's, which are csrf_protect:
// before the login check (PasswordChangeView), and for LogoutView outside never_cache
// (Django 5.0+) or inside it (4.1 and 4.2, where the decorator is on post); LogoutView
// before 4.1 had no such check.
func TestViewsCheckExemptedCSRF(t *testing.T) {
	s, mw := newSite(t, "views-csrf-test-secret")
	s.Logger = slog.New(slog.DiscardHandler)
	cfg := &auth.Config{SecretKey: s.SecretKey, Users: namedUsers{users{}}}
	csrf, err := django.NewCSRFMiddleware(*s)
	if err != nil {
		t.Fatal(err)
	}
	csrf.Exempt = func(*http.Request) bool { return true }
	logout := func(version string) http.Handler {
		st := *s
		if err := st.ForDjango(version); err != nil {
			t.Fatal(err)
		}
		return auth.LogoutView(auth.LogoutViewOptions{Settings: &st, Render: func(w http.ResponseWriter, r *http.Request) {}})
	}
	tests := []struct {
		name      string
		view      http.Handler
		code      int
		noCaching bool // never_cache's headers on the answer
	}{
		{"LoginView", auth.LoginView(auth.LoginViewOptions{Settings: s, Config: cfg, Render: func(http.ResponseWriter, *http.Request, *auth.LoginPage) {}}), 403, false},
		{"PasswordChangeView, anonymous", auth.PasswordChangeView(auth.PasswordChangeOptions{Settings: s, Config: cfg, Render: func(http.ResponseWriter, *http.Request, *auth.PasswordChangePage) {}}), 403, false},
		{"LogoutView 6.1", logout("6.1"), 403, false},
		{"LogoutView 4.2", logout("4.2"), 403, true},
		{"LogoutView 3.2", logout("3.2"), 200, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			mw.Handler(csrf.Handler(tc.view)).ServeHTTP(rec, httptest.NewRequest("POST", "http://example.com/", nil))
			if rec.Code != tc.code || (rec.Header().Get("Cache-Control") != "") != tc.noCaching {
				t.Errorf("%d, Cache-Control %q; want %d, never_cache %v", rec.Code, rec.Header().Get("Cache-Control"), tc.code, tc.noCaching)
			}
		})
	}
}
