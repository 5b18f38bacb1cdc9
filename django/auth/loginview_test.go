package auth_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/django/auth/hashers"
	"github.com/djsession/djsession/engines/signedcookies"
)

// TestLoginView covers what the live test (TestLiveLoginView) does not: OPTIONS, a host
// outside ALLOWED_HOSTS (400 when the view needs the host: after the login, as Django's
// get_success_url), Django's redirection-loop error (500), a missing session middleware
// (500) and a login that no CSRFMiddleware checked (500).
func TestLoginView(t *testing.T) {
	s, mw := newSite(t, "login-view-test-secret")
	s.Logger = slog.New(slog.DiscardHandler)
	pw, _ := hashers.PBKDF2{Iterations: 1000}.Encode("s3cret", "abcdefghijklmnopqrstuv")
	cfg := &auth.Config{SecretKey: s.SecretKey, Users: namedUsers{users{"1": {ID: "1", Username: "alice", IsActive: true, PasswordHash: pw}}}}
	render := func(w http.ResponseWriter, r *http.Request, page *auth.LoginPage) { fmt.Fprint(w, "form") }
	view := func(redirect bool, s *django.Settings) http.Handler {
		return mw.Handler(auth.LoginView(auth.LoginViewOptions{Settings: s, Config: cfg, RedirectAuthenticatedUser: redirect, Render: render, CSRFExempt: true}))
	}
	post := func(h http.Handler, host, cookie string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "http://"+host+"/login/", strings.NewReader(url.Values{"username": {"alice"}, "password": {"s3cret"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	h := view(false, s)
	rec := post(h, "example.com", "")
	if rec.Code != 302 || rec.Header().Get("Location") != "/accounts/profile/" {
		t.Fatalf("login: %d %v", rec.Code, rec.Header())
	}
	c := rec.Result().Cookies()[0]
	cookie := c.Name + "=" + c.Value
	req := httptest.NewRequest("OPTIONS", "http://example.com/login/", nil)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Header().Get("Allow") != "GET, POST, PUT, HEAD, OPTIONS" {
		t.Errorf("OPTIONS: %d %v", rec.Code, rec.Header())
	}
	if rec := post(h, "evil.com", ""); rec.Code != 400 || rec.Header().Get("Cache-Control") != "" {
		t.Errorf("a host outside ALLOWED_HOSTS: %d %v", rec.Code, rec.Header())
	}
	loop := *s
	loop.LoginRedirectURL = "/login/"
	if rec := get(view(true, &loop), "/login/", cookie); rec.Code != 500 {
		t.Errorf("a redirection loop: %d, want 500", rec.Code)
	}
	if rec := get(view(true, s), "/login/", cookie); rec.Code != 302 {
		t.Errorf("redirect_authenticated_user: %d", rec.Code)
	}
	bare := auth.LoginView(auth.LoginViewOptions{Settings: s, Config: cfg, Render: render})
	if rec := get(bare, "/login/", ""); rec.Code != 500 {
		t.Errorf("without the session middleware: %d", rec.Code)
	}
	// A login no CSRFMiddleware checked: a 500, and nobody logged in.
	unchecked := mw.Handler(auth.LoginView(auth.LoginViewOptions{Settings: s, Config: cfg, Render: render}))
	if rec := post(unchecked, "example.com", ""); rec.Code != 500 || len(rec.Result().Cookies()) != 0 {
		t.Errorf("without CSRFMiddleware: %d %v", rec.Code, rec.Result().Cookies())
	}
	if rec := get(unchecked, "/login/", ""); rec.Code != 200 {
		t.Errorf("the form without CSRFMiddleware: %d", rec.Code)
	}
}

// namedUsers finds users by username too.
type namedUsers struct{ users }

func (n namedUsers) UserByUsername(_ context.Context, name string) (*auth.User, error) {
	for _, u := range n.users {
		if u.Username == name {
			return u, nil
		}
	}
	return nil, auth.ErrUserNotFound
}

// Serve Django's login page from Go: the form (with its CSRF token), and the login that
// sends the user on.
func ExampleLoginView() {
	s := django.NewSettings()
	s.SecretKey, s.AllowedHosts = "example-secret-key", []string{"example.com"}
	opts, _ := s.EngineOptions()
	store, err := signedcookies.New(signedcookies.Config{SecretKey: s.SecretKey}, opts)
	if err != nil {
		panic(err)
	}
	s.SessionEngine = store
	pw, _ := hashers.PBKDF2{Iterations: 1000}.Encode("s3cret", "abcdefghijklmnopqrstuv")
	cfg := &auth.Config{SecretKey: s.SecretKey, SkipLastLogin: true,
		Users: namedUsers{users{"42": {ID: "42", Username: "alice", IsActive: true, PasswordHash: pw}}}}
	mux := http.NewServeMux()
	mux.Handle("/accounts/login/", auth.LoginView(auth.LoginViewOptions{Settings: &s, Config: cfg,
		Render: func(w http.ResponseWriter, r *http.Request, page *auth.LoginPage) {
			token, _ := django.CSRFToken(r) // (a template, in a real site: {% csrf_token %} and the form)
			fmt.Fprint(w, token)
		},
	}))
	mw, err := django.NewMiddleware(s)
	if err != nil {
		panic(err)
	}
	csrf, err := django.NewCSRFMiddleware(s)
	if err != nil {
		panic(err)
	}
	h := mw.Handler(csrf.Handler(mux))

	// The form: its token, and the csrftoken cookie.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "http://example.com/accounts/login/", nil))
	token, cookie := rec.Body.String(), rec.Result().Cookies()[0]
	for _, password := range []string{"wrong", "s3cret"} {
		form := url.Values{"username": {"alice"}, "password": {password}, "next": {"/reports/"}, "csrfmiddlewaretoken": {token}}
		req := httptest.NewRequest("POST", "http://example.com/accounts/login/", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Printf("%d %q\n", rec.Code, rec.Header().Get("Location"))
	}
	// Output:
	// 200 ""
	// 302 "/reports/"
}
