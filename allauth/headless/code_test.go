package headless_test

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/djsession/djsession/allauth/headless"
	"github.com/djsession/djsession/django/auth"
)

// codeSite is loginSite with the login by code: account_emailaddress holds alice's
// address (verified) and bob's (not), the mails sent are appended to *mails.
func codeSite(t testing.TB, mails *[]headless.Mail) *site {
	st := loginSite(t)
	st.h.Settings.RateLimits = map[string]string{}
	st.h.Settings.LoginByCodeEnabled = true
	st.h.Settings.LoginMethods = []string{"email"}
	st.h.Settings.FrontendURLs = map[string]string{"account_signup": "/signup"}
	users := st.cfg.Users.(*auth.SQLUserSource)
	for _, q := range []string{`CREATE TABLE "account_emailaddress" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
		"email" varchar(254) NOT NULL, "verified" bool NOT NULL, "primary" bool NOT NULL, "user_id" integer NOT NULL)`,
		`INSERT INTO account_emailaddress VALUES (1, 'alice@example.com', 1, 1, 1), (2, 'bob@example.com', 0, 1, 2)`} {
		if _, err := users.DB().ExecContext(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	st.h.Emails = headless.NewSQLEmailAddresses(users, "")
	st.h.Mailer = headless.MailerFunc(func(_ context.Context, m headless.Mail) error {
		*mails = append(*mails, m)
		return nil
	})
	return st
}

var sessionTokenOf = regexp.MustCompile(`"session_token": "([a-z0-9]{32})"`)

// TestLoginByCode: the codes of each format allauth makes; a code asked for and taken;
// an address verified by its code (or handed on with ACCOUNT_CHANGE_EMAIL), a missing
// Mailer and a Mailer's failure handed on or failed before anything is kept.
func TestLoginByCode(t *testing.T) {
	for _, tc := range []struct {
		format headless.UserCodeFormat
		want   string
	}{
		{headless.UserCodeFormat{Dashed: true}, `^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$`},
		{headless.UserCodeFormat{Numeric: true, Dashed: true}, `^[0-9]{3}-[0-9]{3}-[0-9]{3}$`},
		{headless.UserCodeFormat{Length: 10, Dashed: true}, `^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{2}$`},
		{headless.UserCodeFormat{Length: 7, Dashed: true}, `^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{3}$`},
		{headless.UserCodeFormat{Length: 6, Numeric: true}, `^[0-9]{6}$`},
	} {
		var mails []headless.Mail
		st := codeSite(t, &mails)
		st.h.Settings.LoginByCodeFormat = tc.format
		w := serve(st.h.RequestLoginCodeView(nil), "POST", "/_allauth/app/v1/auth/code/request", `{"email": "Alice@Example.com"}`)
		if w.Code != 401 || !strings.Contains(w.Body.String(), `{"id": "login_by_code", "is_pending": true}`) || len(mails) != 1 {
			t.Fatalf("%+v: %d %s, %d mails", tc.format, w.Code, w.Body, len(mails))
		}
		m := mails[0]
		code, _ := m.Context["code"].(string)
		if m.TemplatePrefix != "account/email/login_code" || m.Email != "alice@example.com" || !regexp.MustCompile(tc.want).MatchString(code) {
			t.Errorf("%+v: the mail %+v", tc.format, m)
		}
		token := sessionTokenOf.FindStringSubmatch(w.Body.String())[1]
		confirm := st.h.ConfirmLoginCodeView(nil)
		if w := serve(confirm, "POST", "/_allauth/app/v1/auth/code/confirm", `{"code": "0"}`, "X-Session-Token", token); w.Code != 400 {
			t.Errorf("a wrong code: %d %s", w.Code, w.Body)
		}
		w = serve(confirm, "POST", "/_allauth/app/v1/auth/code/confirm", `{"code": " `+strings.ToLower(code)+`"}`, "X-Session-Token", token)
		if w.Code != 200 || !strings.Contains(w.Body.String(), `"methods": [{"method": "code", "at": `) {
			t.Errorf("%+v: the code %q: %d %s", tc.format, code, w.Code, w.Body)
		}
	}

	// bob's address is not verified: allauth verifies it as the code is taken; with
	// ACCOUNT_CHANGE_EMAIL, his other address removed too, and the change notified (the
	// fallback's to do without a Mailer, the code untouched).
	var mails []headless.Mail
	st := codeSite(t, &mails)
	users := st.cfg.Users.(*auth.SQLUserSource)
	verified := func() (v bool) {
		if err := users.DB().QueryRowContext(t.Context(), `SELECT verified FROM account_emailaddress WHERE id = 2`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	w := serve(st.h.RequestLoginCodeView(nil), "POST", "/_allauth/app/v1/auth/code/request", `{"email": "bob@example.com"}`)
	token := sessionTokenOf.FindStringSubmatch(w.Body.String())[1]
	fell := 0
	fallback := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fell++; w.WriteHeader(299) })
	code := mails[0].Context["code"].(string)
	if _, err := users.DB().ExecContext(t.Context(), `INSERT INTO account_emailaddress VALUES (3, 'bob2@example.com', 1, 0, 2)`); err != nil {
		t.Fatal(err)
	}
	st.h.Settings.ChangeEmail, st.h.Settings.EmailNotifications = true, true
	mailer := st.h.Mailer
	st.h.Mailer = nil
	for range 2 {
		if w := serve(st.h.ConfirmLoginCodeView(fallback), "POST", "/_allauth/app/v1/auth/code/confirm", `{"code": "`+code+`"}`, "X-Session-Token", token); w.Code != 299 {
			t.Errorf("an address to verify: %d %s", w.Code, w.Body)
		}
	}
	if fell != 2 || verified() {
		t.Errorf("the fallback served %d requests; the address verified: %v", fell, verified())
	}
	st.h.Mailer = mailer
	if w := serve(st.h.ConfirmLoginCodeView(fallback), "POST", "/_allauth/app/v1/auth/code/confirm", `{"code": "`+code+`"}`, "X-Session-Token", token); w.Code != 200 || !verified() {
		t.Errorf("the address verified by the code: %d %s, %v", w.Code, w.Body, verified())
	}
	var n int
	if err := users.DB().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM account_emailaddress WHERE user_id = 2`).Scan(&n); err != nil || n != 1 {
		t.Errorf("bob's addresses once changed: %d, %v", n, err)
	}
	if m := mails[len(mails)-1]; m.TemplatePrefix != "account/email/email_changed" || m.Email != "bob2@example.com" ||
		m.Context["to_email"] != "bob@example.com" {
		t.Errorf("the change's notification: %+v", m)
	}
	st.h.Settings.ChangeEmail, st.h.Settings.EmailNotifications = false, false

	// Without a Mailer, a code is the fallback's to send; a Mailer's failure is a server
	// error, and no login is kept waiting.
	st.h.Mailer = nil
	if w := serve(st.h.RequestLoginCodeView(fallback), "POST", "/_allauth/app/v1/auth/code/request", `{"email": "alice@example.com"}`); w.Code != 299 {
		t.Errorf("no Mailer: %d %s", w.Code, w.Body)
	}
	st.h.Mailer = headless.MailerFunc(func(context.Context, headless.Mail) error { return errors.New("SMTP down") })
	if w := serve(st.h.RequestLoginCodeView(nil), "POST", "/_allauth/app/v1/auth/code/request", `{"email": "alice@example.com"}`); w.Code != 500 || sessionTokenOf.MatchString(w.Body.String()) {
		t.Errorf("a Mailer's failure: %d %s", w.Code, w.Body)
	}
}

// TestLoginByCodeUnknown: an address of no user gets the unknown account's mail with
// the frontend's signup URL made absolute for the request, or, without
// HEADLESS_FRONTEND_URLS["account_signup"], a server error (as allauth's
// ImproperlyConfigured).
func TestLoginByCodeUnknown(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"https://app.example.org/signup", "https://app.example.org/signup"},
		{"/account/signup?x=1", "http://example.com/account/signup?x=1"},
		{"signup", "http://example.com/_allauth/app/v1/auth/code/signup"},
		{"", ""},
	} {
		var mails []headless.Mail
		st := codeSite(t, &mails)
		st.h.Settings.FrontendURLs = map[string]string{"account_signup": tc.url}
		w := serve(st.h.RequestLoginCodeView(nil), "POST", "/_allauth/app/v1/auth/code/request", `{"email": "nobody@example.com"}`)
		if tc.want == "" {
			if w.Code != 500 || len(mails) != 0 {
				t.Errorf("no signup URL: %d %s %v", w.Code, w.Body, mails)
			}
			continue
		}
		if w.Code != 401 || len(mails) != 1 || mails[0].TemplatePrefix != "account/email/unknown_account" || mails[0].Context["signup_url"] != tc.want {
			t.Errorf("%q: %d %s %+v", tc.url, w.Code, w.Body, mails)
		}
	}
}
