package auth_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/engines/signedcookies"
)

// TestLoginRequiredMiddleware covers what the live test (TestLiveLoginRequiredMiddleware,
// against Django's own middleware) cannot: the requests the mux redirects to a canonical
// path or has no handler for pass to it; a user is read once per request, shared with
// the handler; without a login URL, or without the session middleware, a 500; and a
// logged-in user reaches every handler.
func TestLoginRequiredMiddleware(t *testing.T) {
	s, mw := newSite(t, "login-required-test-secret")
	src := &countingUsers{users: users{"1": {ID: "1", IsActive: true}}}
	cfg := &auth.Config{SecretKey: s.SecretKey, Users: src}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := auth.RequestUser(r, cfg); err != nil {
			t.Error(err)
		}
		fmt.Fprint(w, "ok")
	})
	mux := http.NewServeMux()
	mux.Handle("/open/", auth.LoginNotRequired(ok))
	mux.Handle("/closed/", ok)
	mux.Handle("GET /get-only/{$}", ok)
	mux.Handle("/old/", http.RedirectHandler("/new/", http.StatusFound))
	sub := http.NewServeMux()
	sub.Handle("/sub/open/", auth.LoginNotRequired(ok))
	sub.Handle("/sub/closed/", ok)
	mux.Handle("/sub/", sub)
	mux.Handle("/deco/", auth.UserPassesTest(s, cfg, func(*http.Request, *auth.User) (bool, error) { return true, nil }, "/deco/login/", "", ok))
	mux.Handle("/as/1", auth.LoginNotRequired(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := auth.Login(r.Context(), django.FromContext(r.Context()), src.users["1"], "", cfg); err != nil {
			t.Fatal(err)
		}
	})))
	h := mw.Handler(auth.LoginRequiredMiddleware(s, cfg, mux))

	type answer struct {
		code     int
		location string
	}
	for _, tc := range []struct {
		method, target string
		want           answer
	}{
		{"GET", "/open/x", answer{200, ""}},
		{"GET", "/closed/x?a=1", answer{302, "/login/?next=/closed/x%3Fa%3D1"}},
		{"GET", "/deco/", answer{302, "/deco/login/"}},
		{"GET", "/closed", answer{307, "/closed/"}}, // (the mux's redirect to the canonical path)
		{"GET", "/a/../closed/", answer{307, "/closed/"}},
		{"GET", "/nowhere", answer{404, ""}},
		{"POST", "/get-only/", answer{302, "/login/?next=/get-only/"}}, // (Django's URLs know no methods)
		{"GET", "/old/", answer{302, "/login/?next=/old/"}},            // (a RedirectView)
		{"GET", "/sub/open/", answer{200, ""}},
		{"GET", "/sub/closed/", answer{302, "/login/?next=/sub/closed/"}},
		{"GET", "/sub/none/", answer{404, ""}},
		{"GET", "/get-only/", answer{302, "/login/?next=/get-only/"}},
	} {
		req := httptest.NewRequest(tc.method, "http://example.com"+tc.target, nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if got := (answer{rec.Code, rec.Header().Get("Location")}); got != tc.want {
			t.Errorf("anonymous %s %s: %v, want %v", tc.method, tc.target, got, tc.want)
		}
	}

	// A logged-in user gets every handler, read once per request.
	login := get(h, "/as/1", "").Result().Cookies()
	if len(login) != 1 {
		t.Fatalf("login: cookies %v", login)
	}
	cookie := login[0]
	for _, target := range []string{"/open/", "/closed/", "/deco/", "/get-only/"} {
		loads := src.loads
		if rec := get(h, target, cookie.Name+"="+cookie.Value); rec.Code != 200 || rec.Body.String() != "ok" {
			t.Errorf("logged in, %s: %d %q", target, rec.Code, rec.Body)
		}
		if src.loads != loads+1 {
			t.Errorf("logged in, %s: the user was loaded %d times, want 1", target, src.loads-loads)
		}
	}

	// No login URL anywhere: Django's ImproperlyConfigured, a 500.
	noURL := *s
	noURL.LoginURL, noURL.Logger = "", slog.New(slog.DiscardHandler)
	h2 := mw.Handler(auth.LoginRequiredMiddleware(&noURL, cfg, mux))
	if rec := get(h2, "/closed/", ""); rec.Code != http.StatusInternalServerError {
		t.Errorf("no LOGIN_URL: %d, want 500", rec.Code)
	}
	if rec := get(h2, "/deco/", ""); rec.Code != http.StatusFound || rec.Header().Get("Location") != "/deco/login/" {
		t.Errorf("no LOGIN_URL, a decorator's login URL: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	// ... and the decorators and mixins without one answer 500 too, as Django's.
	for name, dh := range map[string]http.Handler{
		"LoginRequired":      auth.LoginRequired(&noURL, cfg, ok),
		"LoginRequiredMixin": auth.LoginRequiredMixin(&noURL, cfg, "", "next", false, ok),
	} {
		if rec := get(mw.Handler(dh), "/x/", ""); rec.Code != http.StatusInternalServerError {
			t.Errorf("no LOGIN_URL, %s: %d %q, want 500", name, rec.Code, rec.Header().Get("Location"))
		}
	}
	// Without the session middleware: a 500 naming it.
	if rec := get(auth.LoginRequiredMiddleware(s, cfg, mux), "/closed/", ""); rec.Code != http.StatusInternalServerError {
		t.Errorf("without the session middleware: %d, want 500", rec.Code)
	}
}

// TestLoginRequiredUserFirst: Django 5.1 and 5.2 read the user before the open mark, so
// a session whose hash went stale (a password change) is flushed on an open page too;
// 6.0+ leave it until a page reads the user.
func TestLoginRequiredUserFirst(t *testing.T) {
	for _, first := range []bool{false, true} {
		s, mw := newSite(t, "login-required-test-secret")
		s.LoginRequiredUserFirst = first
		alice := &auth.User{ID: "1", IsActive: true, PasswordHash: "pbkdf2_sha256$1$a$b="}
		cfg := &auth.Config{SecretKey: s.SecretKey, Users: users{"1": alice}}
		mux := http.NewServeMux()
		mux.Handle("/open/", auth.LoginNotRequired(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
		mux.Handle("/in/", auth.LoginNotRequired(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := auth.Login(r.Context(), django.FromContext(r.Context()), alice, "", cfg); err != nil {
				t.Fatal(err)
			}
		})))
		h := mw.Handler(auth.LoginRequiredMiddleware(s, cfg, mux))
		c := get(h, "/in/", "").Result().Cookies()
		if len(c) != 1 {
			t.Fatal("no login")
		}
		alice.PasswordHash = "pbkdf2_sha256$1$a$changed="
		rec := get(h, "/open/", c[0].Name+"="+c[0].Value)
		flushed := len(rec.Result().Cookies()) == 1 && rec.Result().Cookies()[0].MaxAge < 0
		if flushed != first {
			t.Errorf("LoginRequiredUserFirst %v: the stale session flushed on an open page: %v (%v)", first, flushed, rec.Header())
		}
	}
}

// TestLoginNotRequiredKeepsMarks: the marks survive the decorators and LoginNotRequired
// in either order, as functools.wraps keeps a Django view's attributes.
func TestLoginNotRequiredKeepsMarks(t *testing.T) {
	s, mw := newSite(t, "login-required-test-secret")
	cfg := &auth.Config{SecretKey: s.SecretKey, Users: users{}}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	never := func(*http.Request, *auth.User) (bool, error) { return false, nil }
	mux := http.NewServeMux()
	for pattern, h := range map[string]http.Handler{
		"/twice/":     auth.LoginNotRequired(auth.LoginNotRequired(ok)),
		"/inside/":    auth.UserPassesTest(s, cfg, never, "/a/", "", auth.LoginNotRequired(ok)),
		"/outside/":   auth.LoginNotRequired(auth.UserPassesTest(s, cfg, never, "/a/", "", ok)),
		"/mixin/":     auth.LoginRequiredMixin(s, cfg, "/m/", "", false, auth.LoginNotRequired(ok)),
		"/url-kept/":  auth.LoginRequiredMixin(s, cfg, "/m/", "", false, auth.UserPassesTest(s, cfg, never, "/a/", "", ok)),
		"/url-inner/": auth.StaffMemberRequired(s, cfg, "/s/", "", auth.UserPassesTest(s, cfg, never, "/a/", "", ok)),
	} {
		mux.Handle(pattern, h)
	}
	h := mw.Handler(auth.LoginRequiredMiddleware(s, cfg, mux))
	// Each answer comes from the handler's own test (all redirect to /a/ or /m/), or from
	// the middleware with the inner decorator's login URL.
	for target, want := range map[string]int{"/twice/": 200, "/inside/": 302, "/outside/": 302, "/mixin/": 302, "/url-kept/": 302, "/url-inner/": 302} {
		if rec := get(h, target, ""); rec.Code != want {
			t.Errorf("%s: %d, want %d", target, rec.Code, want)
		}
	}
	for target, want := range map[string]string{"/inside/": "/a/", "/outside/": "/a/", "/mixin/": "/m/", "/url-kept/": "/a/", "/url-inner/": "/a/"} {
		if got := get(h, target, "").Header().Get("Location"); got != want {
			t.Errorf("%s: Location %q, want %q", target, got, want)
		}
	}
}

// Close a site to anonymous users, as Django 5.1+'s LoginRequiredMiddleware does, with
// the login page and a public page left open.
func ExampleLoginRequiredMiddleware() {
	s := django.NewSettings()
	s.SecretKey, s.AllowedHosts = "example-secret-key", []string{"example.com"}
	opts, _ := s.EngineOptions()
	store, err := signedcookies.New(signedcookies.Config{SecretKey: s.SecretKey}, opts)
	if err != nil {
		panic(err)
	}
	s.SessionEngine = store // (SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies")
	cfg := &auth.Config{SecretKey: s.SecretKey, Users: users{}}
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "page") })

	mux := http.NewServeMux()
	mux.Handle("/accounts/login/", auth.LoginNotRequired(page))
	mux.Handle("/about/", auth.LoginNotRequired(page))
	mux.Handle("/reports/", page)
	mw, err := django.NewMiddleware(s)
	if err != nil {
		panic(err)
	}
	h := mw.Handler(auth.LoginRequiredMiddleware(&s, cfg, mux))

	for _, target := range []string{"/about/", "/reports/?year=2026"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "http://example.com"+target, nil))
		fmt.Printf("%s %d Location=%q\n", target, rec.Code, rec.Header().Get("Location"))
	}
	// Output:
	// /about/ 200 Location=""
	// /reports/?year=2026 302 Location="/accounts/login/?next=/reports/%3Fyear%3D2026"
}
