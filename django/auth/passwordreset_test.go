package auth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/engines/signedcookies"
)

// emailUsers finds users by email too (ignoring case, as a database's iexact does).
type emailUsers struct{ users }

func (e emailUsers) UsersByEmail(_ context.Context, email string) ([]*auth.User, error) {
	var out []*auth.User
	for _, u := range e.users {
		if strings.EqualFold(u.Email, email) && u.IsActive {
			out = append(out, u)
		}
	}
	return out, nil
}

// TestPasswordResetView covers what the live test (TestLivePasswordResetView) does not:
// a configured Site, a failed send (logged and the browser sent on, or a 500 before
// Django 4.2), a host outside ALLOWED_HOSTS (400, users or not), a user source that
// cannot find users by email (500) and a POST no CSRFMiddleware checked (500).
func TestPasswordResetView(t *testing.T) {
	s, mw := newSite(t, "password-reset-test-secret")
	s.Logger = slog.New(slog.DiscardHandler)
	alice := &auth.User{ID: "7", IsActive: true, Email: "alice@example.com", PasswordHash: "pbkdf2_sha256$1$salt$hash"}
	cfg := &auth.Config{SecretKey: s.SecretKey, Users: emailUsers{users{"7": alice}}}
	tokens, err := auth.NewPasswordResetTokenGenerator(s)
	if err != nil {
		t.Fatal(err)
	}
	var sent []*auth.PasswordResetEmail
	send := func(_ context.Context, m *auth.PasswordResetEmail) error { sent = append(sent, m); return nil }
	fail := func(context.Context, *auth.PasswordResetEmail) error { return errors.New("no SMTP server") }
	render := func(w http.ResponseWriter, r *http.Request, page *auth.PasswordResetPage) { io.WriteString(w, "form") }
	post := func(h http.Handler, host string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "https://"+host+"/password_reset/", strings.NewReader(url.Values{"email": {"alice@example.com"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	legacy := *s
	legacy.ForDjango("4.1")
	tests := []struct {
		name   string
		opts   auth.PasswordResetOptions
		host   string
		code   int
		emails int
	}{
		{"a Site", auth.PasswordResetOptions{Settings: s, Config: cfg, Site: &auth.Site{Domain: "www.example.com", Name: "Example"}, SendMail: send}, "example.com", 302, 1},
		{"RequestSite", auth.PasswordResetOptions{Settings: s, Config: cfg, SendMail: send}, "example.com", 302, 1},
		{"a failed send", auth.PasswordResetOptions{Settings: s, Config: cfg, SendMail: fail}, "example.com", 302, 0},
		{"a failed send before 4.2", auth.PasswordResetOptions{Settings: &legacy, Config: cfg, SendMail: fail}, "example.com", 500, 0},
		{"a host outside ALLOWED_HOSTS", auth.PasswordResetOptions{Settings: s, Config: cfg, SendMail: send}, "evil.com", 400, 0},
		{"no EmailSource", auth.PasswordResetOptions{Settings: s, Config: &auth.Config{SecretKey: s.SecretKey, Users: users{}}, SendMail: send}, "example.com", 500, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sent = nil
			tc.opts.Tokens, tc.opts.Render, tc.opts.CSRFExempt = tokens, render, true
			rec := post(mw.Handler(auth.PasswordResetView(tc.opts)), tc.host)
			if rec.Code != tc.code || len(sent) != tc.emails {
				t.Fatalf("%d, %d emails; want %d, %d", rec.Code, len(sent), tc.code, tc.emails)
			}
			if tc.code == 302 && rec.Header().Get("Location") != "/accounts/password_reset/done/" {
				t.Errorf("Location %q", rec.Header().Get("Location"))
			}
			if len(sent) == 1 {
				m, site := sent[0], tc.opts.Site
				if site == nil {
					site = &auth.Site{Domain: "example.com", Name: "example.com"}
				}
				if m.Domain != site.Domain || m.SiteName != site.Name || m.Protocol != "https" || m.To != alice.Email || m.UID != "Nw" ||
					m.Link() != "https://"+site.Domain+"/accounts/reset/Nw/"+m.Token+"/" || !tokens.CheckToken(alice, m.Token) {
					t.Errorf("email %+v", m)
				}
			}
		})
	}
	unchecked := mw.Handler(auth.PasswordResetView(auth.PasswordResetOptions{Settings: s, Config: cfg, Tokens: tokens, SendMail: send, Render: render}))
	sent = nil
	if rec := post(unchecked, "example.com"); rec.Code != 500 || len(sent) != 0 {
		t.Errorf("without CSRFMiddleware: %d, %d emails", rec.Code, len(sent))
	}
	if rec := get(unchecked, "/password_reset/", ""); rec.Code != 200 || rec.Body.String() != "form" {
		t.Errorf("the form: %d %q", rec.Code, rec.Body)
	}
}

// Serve Django's "forgot your password?" form from Go: the user gets the link that
// Django's (or Go's) PasswordResetConfirmView takes.
func ExamplePasswordResetView() {
	s := django.NewSettings()
	s.SecretKey, s.AllowedHosts = "example-secret-key", []string{"www.example.com"}
	opts, _ := s.EngineOptions()
	store, err := signedcookies.New(signedcookies.Config{SecretKey: s.SecretKey}, opts)
	if err != nil {
		panic(err)
	}
	s.SessionEngine = store
	alice := &auth.User{ID: "42", IsActive: true, Email: "alice@example.com", PasswordHash: "pbkdf2_sha256$1$salt$hash"}
	cfg := &auth.Config{SecretKey: s.SecretKey, Users: emailUsers{users{"42": alice}}}
	tokens, err := auth.NewPasswordResetTokenGenerator(&s)
	if err != nil {
		panic(err)
	}
	view := auth.PasswordResetView(auth.PasswordResetOptions{Settings: &s, Config: cfg, Tokens: tokens,
		SendMail: func(ctx context.Context, m *auth.PasswordResetEmail) error {
			// (a real site renders its email template and sends it)
			fmt.Println("to", m.To+":", strings.TrimSuffix(m.Link(), m.Token+"/")+"...")
			return nil
		},
		Render: func(w http.ResponseWriter, r *http.Request, page *auth.PasswordResetPage) {
			token, _ := django.CSRFToken(r) // (the form's {% csrf_token %})
			io.WriteString(w, token)
		},
	})
	mw, err := django.NewMiddleware(s)
	if err != nil {
		panic(err)
	}
	csrf, err := django.NewCSRFMiddleware(s)
	if err != nil {
		panic(err)
	}
	h := mw.Handler(csrf.Handler(view))

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "http://www.example.com/accounts/password_reset/", nil))
	token, cookie := rec.Body.String(), rec.Result().Cookies()[0]
	form := url.Values{"email": {"Alice@example.com"}, "csrfmiddlewaretoken": {token}}
	req := httptest.NewRequest("POST", "http://www.example.com/accounts/password_reset/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(cookie)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	// Output:
	// to alice@example.com: http://www.example.com/accounts/reset/NDI/...
	// 302 /accounts/password_reset/done/
}
