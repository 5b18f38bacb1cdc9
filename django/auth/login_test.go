package auth_test

import (
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

// TestLoginRequired: an anonymous request is sent to LOGIN_URL with its page in "next"
// (Django's form, held to Django live by compat_test's TestLiveLoginRequired); a logged-in
// one reaches the handler; LoginView's next is kept only when safe.
func TestLoginRequired(t *testing.T) {
	s, mw := newSite(t, "login-required-test-secret")
	pw, _ := hashers.PBKDF2{Iterations: 1000}.Encode("pw", "saltsaltsaltsalt")
	alice := &auth.User{ID: "1", PasswordHash: pw, IsActive: true}
	cfg := &auth.Config{SecretKey: s.SecretKey, Users: users{"1": alice}}
	mux := http.NewServeMux()
	mux.Handle("/private/", auth.LoginRequired(s, cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("secret"))
	})))
	mux.HandleFunc("/login/", func(w http.ResponseWriter, r *http.Request) {
		if err := auth.Login(r.Context(), django.FromContext(r.Context()), alice, "", cfg); err != nil {
			t.Fatal(err)
		}
		to, err := auth.SuccessURL(r, s)
		if err != nil {
			t.Fatal(err)
		}
		w.Header().Set("Location", to)
		w.WriteHeader(http.StatusFound)
	})
	h := mw.Handler(mux)
	do := func(target, cookie string) *httptest.ResponseRecorder { return get(h, target, cookie) }
	rec := do("/private/a%20b?x=1", "")
	if rec.Code != http.StatusFound || rec.Header().Get("Location") != "/login/?next=/private/a%2520b%3Fx%3D1" {
		t.Fatalf("anonymous: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	// Logging in sends the user to the safe next, or to LOGIN_REDIRECT_URL.
	for next, want := range map[string]string{"/private/x": "/private/x", "https://evil.com/": "/accounts/profile/",
		"//evil.com/": "/accounts/profile/", "": "/accounts/profile/", "/\t//evil.com": "/%09//evil.com"} {
		rec = do("/login/?next="+url.QueryEscape(next), "")
		if got := rec.Header().Get("Location"); got != want {
			t.Errorf("login with next %q: to %q, want %q", next, got, want)
		}
	}
	cookie, _, _ := strings.Cut(rec.Header().Get("Set-Cookie"), ";")
	if rec = do("/private/", cookie); rec.Code != http.StatusOK || rec.Body.String() != "secret" {
		t.Errorf("logged in: %d %q", rec.Code, rec.Body)
	}
	if rec = do("/private/", ""); rec.Code != http.StatusFound {
		t.Errorf("anonymous again: %d", rec.Code)
	}
	// Without the session middleware: a 500, not a panic.
	rec = httptest.NewRecorder()
	auth.LoginRequired(s, cfg, http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest("GET", "http://example.com/", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("without sessions: %d", rec.Code)
	}
}

// newSite returns the settings of a site at example.com, with LOGIN_URL /login/ and
// signed-cookie sessions under secret, and its session middleware.
func newSite(t *testing.T, secret string) (*django.Settings, *django.Middleware) {
	t.Helper()
	s := django.NewSettings()
	s.SecretKey, s.AllowedHosts, s.LoginURL = secret, []string{"example.com"}, "/login/"
	opts, _ := s.EngineOptions()
	store, err := signedcookies.New(signedcookies.Config{SecretKey: s.SecretKey}, opts)
	if err != nil {
		t.Fatal(err)
	}
	s.SessionEngine = store
	mw, err := django.NewMiddleware(s)
	if err != nil {
		t.Fatal(err)
	}
	return &s, mw
}

// get serves a GET of http://example.com+target, with the Cookie header cookie (if any),
// by h.
func get(h http.Handler, target, cookie string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", "http://example.com"+target, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
