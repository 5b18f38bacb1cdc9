package headless_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/djsession/djsession/allauth/headless"
	"github.com/djsession/djsession/django/auth"
)

// TestManageEmail: alice's addresses listed, one added (its link mailed), a duplicate
// and a bad address refused, the new one mailed again, made primary only once
// verified, removed; the primary one kept; an anonymous session's change refused
// without a verification by code; the "manage_email" rate; a missing Mailer handed on
// before anything is stored.
func TestManageEmail(t *testing.T) {
	var mails []headless.Mail
	st := codeSite(t, &mails)
	st.h.Settings.LoginMethods = []string{"email", "username"}
	st.h.Settings.FrontendURLs["account_confirm_email"] = "/verify/{key}"
	st.h.Settings.RateLimits = map[string]string{"manage_email": "12/m/user", "confirm_email": "1/3m/key"}
	view := st.h.ManageEmailView(nil)
	const path = "/_allauth/app/v1/account/email"
	token := st.login(t, "1").Key()
	call := func(method, body string) (int, string) {
		w := serve(view, method, path, body, "X-Session-Token", token)
		return w.Code, w.Body.String()
	}
	for _, tc := range []struct {
		method, body string
		code         int
		want         string
	}{
		{"GET", "", 200, `"data": [{"email": "alice@example.com", "verified": true, "primary": true}]`},
		{"POST", `{"email": " Al.New@Example.com "}`, 200, `{"email": "al.new@example.com", "verified": false, "primary": false}]`},
		{"POST", `{"email": "AL.NEW@example.com"}`, 400, `"code": "duplicate_email", "param": "email"`},
		{"POST", `{"email": "nope"}`, 400, `"code": "invalid", "param": "email"`},
		{"PUT", `{"email": "al.new@example.com"}`, 403, `{"status": 403}`}, // (the address's rate)
		{"PUT", `{"email": "other@example.com"}`, 400, `"code": "unknown_email"`},
		{"PATCH", `{"email": "al.new@example.com", "primary": true}`, 400, `"code": "unverified_primary_email"`},
		{"PATCH", `{"email": "alice@example.com", "primary": false}`, 400, `"code": "required", "param": "primary"`},
		{"DELETE", `{"email": "alice@example.com"}`, 400, `"code": "cannot_remove_primary_email"`},
		{"DELETE", `{"email": "al.new@example.com"}`, 200, `"data": [{"email": "alice@example.com", "verified": true, "primary": true}]`},
		{"OPTIONS", "", 200, ""},
		{"PUT", "not json", 400, ""},
		{"TRACE", "", 405, ""},
	} {
		if code, body := call(tc.method, tc.body); code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("%s %s: %d %s", tc.method, tc.body, code, body)
		}
	}
	if len(mails) != 1 || mails[0].TemplatePrefix != "account/email/email_confirmation" || mails[0].Email != "al.new@example.com" ||
		!strings.HasPrefix(mails[0].Context["activate_url"].(string), "http://example.com/verify/") {
		t.Errorf("the mails: %+v", mails)
	}
	// The rate: twelve counted requests (GET is not), then a 429.
	if code, body := call("PUT", `{"email": "x@example.com"}`); code != 429 {
		t.Errorf("the rate used up: %d %s", code, body)
	}
	// A primary address changed: the user's own email follows.
	st.h.Settings.RateLimits = map[string]string{}
	users := st.cfg.Users.(*auth.SQLUserSource)
	if _, err := users.DB().ExecContext(t.Context(), `INSERT INTO account_emailaddress VALUES (9, 'al2@example.com', 1, 0, 1)`); err != nil {
		t.Fatal(err)
	}
	if code, body := call("PATCH", `{"email": "AL2@example.com", "primary": "yes"}`); code != 200 ||
		!strings.Contains(body, `{"email": "al2@example.com", "verified": true, "primary": true}`) {
		t.Errorf("made primary: %d %s", code, body)
	}
	if u, err := users.User(t.Context(), "1"); err != nil || u.Email != "al2@example.com" {
		t.Errorf("alice's own email: %+v, %v", u, err)
	}
	// Anonymous: a 401 for GET, a 409 for POST (no verification by code pending).
	if w := serve(view, "GET", path, ""); w.Code != 401 {
		t.Errorf("anonymous GET: %d %s", w.Code, w.Body)
	}
	if w := serve(view, "POST", path, `{"email": "x@example.com"}`); w.Code != 409 {
		t.Errorf("anonymous POST: %d %s", w.Code, w.Body)
	}
	// No Mailer: an address to add is handed on, not stored.
	st.h.Mailer = nil
	handed := false
	fallback := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handed = true })
	serve(st.h.ManageEmailView(fallback), "POST", path, `{"email": "al3@example.com"}`, "X-Session-Token", token)
	var n int
	if err := users.DB().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM account_emailaddress WHERE email = 'al3@example.com'`).Scan(&n); err != nil || !handed || n != 0 {
		t.Errorf("without a Mailer: handed on %v, %d rows, %v", handed, n, err)
	}
}
