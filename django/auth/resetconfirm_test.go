package auth_test

import (
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

// resetSite serves PasswordResetConfirmView for user 1 of src over signed-cookie
// sessions, its pages as "valid" or "invalid" and the errors' codes.
func resetSite(t *testing.T, src auth.UserSource) (http.Handler, *auth.PasswordResetTokenGenerator) {
	s, mw := newSite(t, "reset-confirm-test-secret")
	s.Logger = slog.New(slog.DiscardHandler)
	tokens, err := auth.NewPasswordResetTokenGenerator(s)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/reset/{uidb64}/{token}/", auth.PasswordResetConfirmView(auth.PasswordResetConfirmOptions{
		Settings: s, Config: &auth.Config{SecretKey: s.SecretKey, Users: src, Hashers: hashers.ForDjango("5.2")}, Tokens: tokens,
		Render: func(w http.ResponseWriter, r *http.Request, page *auth.PasswordResetConfirmPage) {
			fmt.Fprint(w, map[bool]string{true: "valid", false: "invalid"}[page.ValidLink])
			for _, f := range []string{"new_password1", "new_password2"} {
				for _, e := range page.Errors[f] {
					fmt.Fprintf(w, " %s:%s", f, e.Code)
				}
			}
		},
	}))
	return mw.Handler(mux), tokens
}

// TestPasswordResetConfirmView covers what the live test (TestLivePasswordResetConfirm)
// does not: HEAD and OPTIONS, a source that cannot store passwords (a 500, the token
// kept), and a missing session middleware.
func TestPasswordResetConfirmView(t *testing.T) {
	alice := &auth.User{ID: "1", Username: "alice", IsActive: true, PasswordHash: "md5$salt$hash"}
	h, tokens := resetSite(t, settableUsers{users{"1": alice}})
	token, err := tokens.MakeToken(alice)
	if err != nil {
		t.Fatal(err)
	}
	do := func(method, target, cookie string, form url.Values) *httptest.ResponseRecorder {
		var body *strings.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		} else {
			body = strings.NewReader("")
		}
		req := httptest.NewRequest(method, "http://example.com"+target, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	rec := do("GET", "/reset/MQ/"+token+"/", "", nil)
	if rec.Code != 302 || rec.Header().Get("Location") != "/reset/MQ/set-password/" || rec.Header().Get("Cache-Control") == "" {
		t.Fatalf("the link: %d %v", rec.Code, rec.Header())
	}
	c := rec.Result().Cookies()[0]
	cookie := c.Name + "=" + c.Value
	if rec := do("HEAD", "/reset/MQ/set-password/", cookie, nil); rec.Code != 200 {
		t.Errorf("HEAD: %d", rec.Code)
	}
	if rec := do("OPTIONS", "/reset/MQ/set-password/", cookie, nil); rec.Code != 200 || rec.Header().Get("Allow") != "GET, POST, PUT, HEAD, OPTIONS" {
		t.Errorf("OPTIONS: %d %v", rec.Code, rec.Header())
	}
	if rec := do("POST", "/reset/MQ/set-password/", cookie, url.Values{"new_password1": {"x"}}); rec.Body.String() != "valid new_password2:required" {
		t.Errorf("one password: %q", rec.Body)
	}
	rec = do("POST", "/reset/MQ/set-password/", cookie, url.Values{"new_password1": {"n3w-Pass"}, "new_password2": {"n3w-Pass"}})
	if rec.Code != 302 || rec.Header().Get("Location") != "/accounts/reset/done/" {
		t.Fatalf("the new password: %d %v %q", rec.Code, rec.Header(), rec.Body)
	}
	if ok, _ := hashers.ForDjango("5.2").Check("n3w-Pass", alice.PasswordHash); !ok {
		t.Errorf("the password was not set: %q", alice.PasswordHash)
	}

	// A source that cannot store the password: a 500, and the link still holds.
	carol := &auth.User{ID: "1", Username: "carol", IsActive: true, PasswordHash: "md5$salt$c"}
	h, tokens = resetSite(t, users{"1": carol})
	token, _ = tokens.MakeToken(carol)
	c = do("GET", "/reset/MQ/"+token+"/", "", nil).Result().Cookies()[0]
	cookie = c.Name + "=" + c.Value
	if rec := do("POST", "/reset/MQ/set-password/", cookie, url.Values{"new_password1": {"n3w-Pass"}, "new_password2": {"n3w-Pass"}}); rec.Code != 500 {
		t.Errorf("no PasswordSetter: %d", rec.Code)
	}
	if rec := do("GET", "/reset/MQ/set-password/", cookie, nil); rec.Body.String() != "valid" {
		t.Errorf("after the failure: %q", rec.Body)
	}

	// Without the session middleware.
	s := django.NewSettings()
	s.Logger = slog.New(slog.DiscardHandler)
	bare := auth.PasswordResetConfirmView(auth.PasswordResetConfirmOptions{Settings: &s, Config: &auth.Config{Users: users{}}, Tokens: tokens})
	rec = httptest.NewRecorder()
	bare.ServeHTTP(rec, httptest.NewRequest("GET", "http://example.com/reset/MQ/x/", nil))
	if rec.Code != 500 {
		t.Errorf("without the session middleware: %d", rec.Code)
	}
}

// Serve the two steps of a password reset link, as Django's PasswordResetConfirmView: the
// link's token moves into the session and the browser to a URL without it.
func ExamplePasswordResetConfirmView() {
	s := django.NewSettings()
	s.SecretKey, s.AllowedHosts = "example-secret-key", []string{"example.com"}
	opts, _ := s.EngineOptions()
	store, err := signedcookies.New(signedcookies.Config{SecretKey: s.SecretKey}, opts)
	if err != nil {
		panic(err)
	}
	s.SessionEngine = store
	alice := &auth.User{ID: "42", Username: "alice", IsActive: true, PasswordHash: "md5$salt$hash"}
	cfg := &auth.Config{SecretKey: s.SecretKey, Users: settableUsers{users{"42": alice}}}
	tokens, err := auth.NewPasswordResetTokenGenerator(&s)
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/accounts/reset/{uidb64}/{token}/", auth.PasswordResetConfirmView(auth.PasswordResetConfirmOptions{
		Settings: &s, Config: cfg, Tokens: tokens,
		Render: func(w http.ResponseWriter, r *http.Request, page *auth.PasswordResetConfirmPage) {
			fmt.Fprintln(w, "valid link:", page.ValidLink) // (a template, in a real site)
		},
	}))
	mw, err := django.NewMiddleware(s)
	if err != nil {
		panic(err)
	}
	h := mw.Handler(mux)

	token, _ := tokens.MakeToken(alice)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "http://example.com/accounts/reset/"+auth.EncodeUID("42")+"/"+token+"/", nil))
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	// Output: 302 /accounts/reset/NDI/set-password/
}
