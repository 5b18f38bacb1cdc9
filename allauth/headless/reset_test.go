package headless_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/djsession/djsession/allauth/headless"
	"github.com/djsession/djsession/django/auth"
)

// resetSite is codeSite with the password reset's frontend URL.
func resetSite(t testing.TB, mails *[]headless.Mail) *site {
	st := codeSite(t, mails)
	st.h.Settings.FrontendURLs["account_reset_password_from_key"] = "https://app.example.org/reset/{key}?x=1"
	return st
}

// TestPasswordReset: a link mailed, its key read and taken (the password set, the key
// spent); carol's own address added to the table as the token is made; a missing
// Mailer handed on, and a key's odd forms refused.
func TestPasswordReset(t *testing.T) {
	var mails []headless.Mail
	st := resetSite(t, &mails)
	ctx := t.Context()
	request, reset := st.h.RequestPasswordResetView(nil), st.h.ResetPasswordView(nil)
	w := serve(request, "POST", "/_allauth/app/v1/auth/password/request", `{"email": " Alice@Example.com"}`)
	if w.Code != 200 || w.Body.String() != `{"status": 200}` || len(mails) != 1 {
		t.Fatalf("the request: %d %s, %d mails", w.Code, w.Body, len(mails))
	}
	m := mails[0]
	uid, _ := m.Context["uid"].(string)
	token, _ := m.Context["key"].(string)
	link, _ := m.Context["password_reset_url"].(string)
	if m.TemplatePrefix != "account/email/password_reset_key" || m.Email != "alice@example.com" || uid != "1" ||
		!auth.IsWellFormedToken(token) || link != "https://app.example.org/reset/1-"+url.PathEscape(token)+"?x=1" {
		t.Fatalf("the mail: %+v", m)
	}
	if u, _ := m.Context["user"].(*auth.User); u == nil || u.ID != "1" {
		t.Errorf("the mail's user: %+v", m.Context["user"])
	}
	key := uid + "-" + token
	if w := serve(reset, "GET", "/_allauth/app/v1/auth/password/reset", "", "X-Password-Reset-Key", key); w.Code != 200 ||
		!strings.Contains(w.Body.String(), `{"status": 200, "data": {"user": {"id": 1, "display": "alice"`) {
		t.Errorf("the key read: %d %s", w.Code, w.Body)
	}
	if w := serve(reset, "POST", "/_allauth/app/v1/auth/password/reset", `{"key": "`+key+`", "password": "a-new-password-9"}`); w.Code != 401 {
		t.Errorf("the key taken: %d %s", w.Code, w.Body)
	}
	u, err := st.cfg.Users.User(ctx, "1")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := auth.CheckPassword(ctx, u, "a-new-password-9", st.cfg); !ok || err != nil {
		t.Errorf("the new password: %v %v", ok, err)
	}
	if w := serve(reset, "GET", "/_allauth/app/v1/auth/password/reset", "", "X-Password-Reset-Key", key); w.Code != 400 ||
		!strings.Contains(w.Body.String(), `"code": "invalid_password_reset"`) {
		t.Errorf("the key spent: %d %s", w.Code, w.Body)
	}
	// carol's address is hers alone (no row): the token's making adds it.
	mails = nil
	if w := serve(request, "POST", "/_allauth/app/v1/auth/password/request", `{"email": "carol@example.com"}`); w.Code != 200 || len(mails) != 1 {
		t.Fatalf("carol's request: %d %s, %d mails", w.Code, w.Body, len(mails))
	}
	emails, err := st.h.Emails.(headless.PasswordResetEmails).UserEmails(ctx, "3")
	if err != nil || len(emails) != 1 || emails[0] != "carol@example.com" {
		t.Errorf("carol's addresses: %q %v", emails, err)
	}
	// Keys of odd forms: refused (no user, no token), or a server error (no user id).
	for key, want := range map[string]int{"": 400, "3": 400, "3-": 400, "3-x": 400, "3-0a-b": 400, "-x": 500, "zzzzzzzzzzzzzz-a-b": 400} {
		if w := serve(reset, "GET", "/_allauth/app/v1/auth/password/reset", "", "X-Password-Reset-Key", key); w.Code != want {
			t.Errorf("key %q: %d %s", key, w.Code, w.Body)
		}
	}
	// Without a Mailer, the request goes to the fallback.
	st.h.Mailer = nil
	fallback := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) })
	if w := serve(st.h.RequestPasswordResetView(fallback), "POST", "/_allauth/app/v1/auth/password/request", `{"email": "alice@example.com"}`); w.Code != 299 {
		t.Errorf("no Mailer: %d %s", w.Code, w.Body)
	}
}

// TestPasswordResetByCode: a code mailed and its process pending in the session's flows,
// a wrong code counted, the code confirmed and taken with the new password (the process
// then gone: a 409); three wrong codes drop a process.
func TestPasswordResetByCode(t *testing.T) {
	var mails []headless.Mail
	st := resetSite(t, &mails)
	st.h.Settings.PasswordResetByCodeEnabled = true
	ctx := t.Context()
	request, reset := st.h.RequestPasswordResetView(nil), st.h.ResetPasswordView(nil)
	w := serve(request, "POST", "/_allauth/app/v1/auth/password/request", `{"email": "alice@example.com"}`)
	if w.Code != 401 || !strings.Contains(w.Body.String(), `{"id": "password_reset_by_code", "is_pending": true}`) || len(mails) != 1 {
		t.Fatalf("the request: %d %s, %d mails", w.Code, w.Body, len(mails))
	}
	code, _ := mails[0].Context["code"].(string)
	if mails[0].TemplatePrefix != "account/email/password_reset_code" || len(code) != 9 {
		t.Fatalf("the mail: %+v", mails[0])
	}
	token := sessionTokenOf.FindStringSubmatch(w.Body.String())[1]
	if w := serve(reset, "GET", "/_allauth/app/v1/auth/password/reset", "", "X-Session-Token", token, "X-Password-Reset-Key", "BBBB-BBBB"); w.Code != 400 ||
		!strings.Contains(w.Body.String(), `"code": "incorrect_code", "param": "key"`) {
		t.Errorf("a wrong code: %d %s", w.Code, w.Body)
	}
	if w := serve(reset, "GET", "/_allauth/app/v1/auth/password/reset", "", "X-Session-Token", token, "X-Password-Reset-Key", strings.ToLower(code)); w.Code != 200 {
		t.Errorf("the code: %d %s", w.Code, w.Body)
	}
	if w := serve(reset, "POST", "/_allauth/app/v1/auth/password/reset", `{"key": "`+code+`", "password": "a-new-password-9"}`, "X-Session-Token", token); w.Code != 401 ||
		!strings.Contains(w.Body.String(), `{"id": "password_reset_by_code", "is_pending": false}`) {
		t.Errorf("the reset: %d %s", w.Code, w.Body)
	}
	u, err := st.cfg.Users.User(ctx, "1")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := auth.CheckPassword(ctx, u, "a-new-password-9", st.cfg); !ok || err != nil {
		t.Errorf("the new password: %v %v", ok, err)
	}
	if w := serve(reset, "POST", "/_allauth/app/v1/auth/password/reset", `{"key": "`+code+`", "password": "x"}`, "X-Session-Token", token); w.Code != 409 {
		t.Errorf("the process gone: %d %s", w.Code, w.Body)
	}
	// Three wrong codes drop the process.
	w = serve(request, "POST", "/_allauth/app/v1/auth/password/request", `{"email": "bob@example.com"}`)
	token = sessionTokenOf.FindStringSubmatch(w.Body.String())[1]
	for i, want := range []int{400, 400, 400, 409} {
		if w := serve(reset, "GET", "/_allauth/app/v1/auth/password/reset", "", "X-Session-Token", token, "X-Password-Reset-Key", "nope"); w.Code != want {
			t.Errorf("wrong code %d: %d %s", i, w.Code, w.Body)
		}
	}
}
