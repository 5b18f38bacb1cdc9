package headless_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/allauth/headless"
)

// TestNotifications: with ACCOUNT_EMAIL_NOTIFICATIONS a password change is mailed to
// the user's primary address with allauth's context (the client's address as allauth
// finds it, the user agent cut at 200 characters, the time); without a Mailer the
// change goes to the fallback, nothing changed.
func TestNotifications(t *testing.T) {
	var mails []headless.Mail
	st := codeSite(t, &mails)
	st.h.Settings.EmailNotifications = true
	st.h.Settings.TrustedProxyCount = 1
	const path = "/_allauth/app/v1/account/password/change"
	body := `{"current_password": "alice-example-password", "new_password": "a-new-password-9"}`
	sess := st.login(t, "1")
	ua := strings.Repeat("x", 250)
	w := serve(st.h.ChangePasswordView(nil), "POST", path, body, "X-Session-Token", sess.Key(),
		"X-Forwarded-For", "203.0.113.7, 10.0.0.1", "User-Agent", ua)
	if w.Code != 200 || len(mails) != 1 {
		t.Fatalf("the change: %d %s, %d mails", w.Code, w.Body, len(mails))
	}
	m := mails[0]
	ts, _ := m.Context["timestamp"].(time.Time)
	if m.TemplatePrefix != "account/email/password_changed" || m.Email != "alice@example.com" ||
		m.Context["ip"] != "10.0.0.1" || m.Context["user_agent"] != ua[:200] || time.Since(ts) > time.Minute {
		t.Errorf("the notification: %+v", m)
	}
	// Without a Mailer: the fallback's.
	st.h.Mailer = nil
	sess = st.login(t, "1")
	fallback := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) })
	body = `{"current_password": "a-new-password-9", "new_password": "another-password-9"}`
	if w := serve(st.h.ChangePasswordView(fallback), "POST", path, body, "X-Session-Token", sess.Key()); w.Code != 299 {
		t.Errorf("no Mailer: %d %s", w.Code, w.Body)
	}
}
