package headless_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/allauth/headless"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/signing"
)

// TestVerifyEmail: a key of allauth's verification mail (signing.dumps of the address's
// id, salt ACCOUNT_SALT) read and taken, the address then verified and the key spent;
// a key of another salt refused.
func TestVerifyEmail(t *testing.T) {
	var mails []headless.Mail
	st := codeSite(t, &mails)
	ds := st.h.Sessions.Settings()
	key, err := signing.Dumps(serializer.Int(2), signing.DumpsOptions{Key: ds.SecretKey, Salt: "account"})
	if err != nil {
		t.Fatal(err)
	}
	view := st.h.VerifyEmailView(nil)
	const path = "/_allauth/app/v1/auth/email/verify"
	if w := serve(view, "GET", path, "", "X-Email-Verification-Key", key); w.Code != 200 ||
		!strings.HasPrefix(w.Body.String(), `{"status": 200, "data": {"email": "bob@example.com", "user": {"id": 2, `) ||
		!strings.HasSuffix(w.Body.String(), `"meta": {"is_authenticating": false}}`) {
		t.Errorf("the key read: %d %s", w.Code, w.Body)
	}
	if w := serve(view, "POST", path, `{"key": "`+key+`"}`); w.Code != 401 {
		t.Errorf("the key taken: %d %s", w.Code, w.Body)
	}
	if w := serve(view, "POST", path, `{"key": "`+key+`"}`); w.Code != 400 || !strings.Contains(w.Body.String(), `"code": "invalid_or_expired_key"`) {
		t.Errorf("the key spent: %d %s", w.Code, w.Body)
	}
	other, _ := signing.Dumps(serializer.Int(2), signing.DumpsOptions{Key: ds.SecretKey, Salt: "another"})
	if w := serve(view, "GET", path, "", "X-Email-Verification-Key", other); w.Code != 400 {
		t.Errorf("a key of another salt: %d %s", w.Code, w.Body)
	}
}

// TestVerifyEmailEmptySalt: with ACCOUNT_SALT "", allauth's keys are signed with
// TimestampSigner's own default salt (signing.dumps hands the "" on); the key, made by
// Django 6.1's signing.dumps(2, salt="") with this SECRET_KEY, is read as allauth reads
// it.
func TestVerifyEmailEmptySalt(t *testing.T) {
	var mails []headless.Mail
	st := codeSite(t, &mails)
	st.h.Settings.AccountSalt, st.h.Settings.EmailConfirmationExpireDays = "", 100000
	const key = "Mg:1xXFfY:1_Xcl_enuFxDmQQnj0dbkaTzJFLW-BWaSlClfWKgpZM"
	const path = "/_allauth/app/v1/auth/email/verify"
	if w := serve(st.h.VerifyEmailView(nil), "GET", path, "", "X-Email-Verification-Key", key); w.Code != 200 ||
		!strings.Contains(w.Body.String(), `"email": "bob@example.com"`) {
		t.Errorf("Django's key of salt \"\": %d %s", w.Code, w.Body)
	}
	st.h.Settings.AccountSalt = "account"
	if w := serve(st.h.VerifyEmailView(nil), "GET", path, "", "X-Email-Verification-Key", key); w.Code != 400 {
		t.Errorf("the key under another salt: %d %s", w.Code, w.Body)
	}
}

// TestLoginMandatoryVerification: with ACCOUNT_EMAIL_VERIFICATION "mandatory", a login
// of an unverified address waits for it, its link mailed (once in the "confirm_email"
// rate), and the mailed key resumes it; a verified one logs in; without a Mailer the
// login is handed on.
func TestLoginMandatoryVerification(t *testing.T) {
	var mails []headless.Mail
	st := codeSite(t, &mails)
	s := st.h.Settings
	s.EmailVerification, s.LoginOnEmailConfirmation = "mandatory", true
	s.RateLimits = map[string]string{"confirm_email": "1/180s/key"}
	s.FrontendURLs["account_confirm_email"] = "/verify/{key}"
	login := st.h.LoginView(nil)
	const path = "/_allauth/app/v1/auth/login"
	const pending = `{"id": "verify_email", "is_pending": true}`
	w := serve(login, "POST", path, `{"email": "Bob@Example.com", "password": "bob-example-password"}`)
	if w.Code != 401 || !strings.Contains(w.Body.String(), pending) || len(mails) != 1 {
		t.Fatalf("bob's login: %d %s, %d mails", w.Code, w.Body, len(mails))
	}
	m := mails[0]
	key, _ := m.Context["key"].(string)
	link, _ := m.Context["activate_url"].(string)
	if u, _ := m.Context["user"].(*auth.User); m.TemplatePrefix != "account/email/email_confirmation" ||
		m.Email != "bob@example.com" || u == nil || u.ID != "2" || link != "http://example.com/verify/"+strings.ReplaceAll(key, ":", "%3A") {
		t.Errorf("the mail: %+v", m)
	}
	token := sessionTokenOf.FindStringSubmatch(w.Body.String())[1]
	// (another login of the address in the rate: no mail)
	if w := serve(login, "POST", path, `{"email": "bob@example.com", "password": "bob-example-password"}`); w.Code != 401 || len(mails) != 1 {
		t.Errorf("bob's second login: %d %s, %d mails", w.Code, w.Body, len(mails))
	}
	verify := st.h.VerifyEmailView(nil)
	const vpath = "/_allauth/app/v1/auth/email/verify"
	if w := serve(verify, "GET", vpath, "", "X-Email-Verification-Key", key, "X-Session-Token", token); w.Code != 200 ||
		!strings.HasSuffix(w.Body.String(), `"meta": {"is_authenticating": true}}`) {
		t.Errorf("the key read: %d %s", w.Code, w.Body)
	}
	if w := serve(verify, "POST", vpath, `{"key": "`+key+`"}`, "X-Session-Token", token); w.Code != 200 ||
		!strings.Contains(w.Body.String(), `"username": "bob"`) {
		t.Errorf("the key taken: %d %s", w.Code, w.Body)
	}
	// A verified address logs in; no Mailer hands the login on.
	if w := serve(login, "POST", path, `{"email": "alice@example.com", "password": "alice-example-password"}`); w.Code != 200 {
		t.Errorf("alice's login: %d %s", w.Code, w.Body)
	}
	if _, err := st.cfg.Users.(*auth.SQLUserSource).DB().ExecContext(t.Context(), `UPDATE account_emailaddress SET verified = 0`); err != nil {
		t.Fatal(err)
	}
	st.h.Mailer = nil
	handed := false
	fallback := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handed = true })
	if serve(st.h.LoginView(fallback), "POST", path, `{"email": "alice@example.com", "password": "alice-example-password"}`); !handed {
		t.Error("a login without a Mailer not handed on")
	}
}

// TestLoginMandatoryVerificationByCode follows a login that waits for its address's
// verification by code: the code mailed (the signup template for a user who never
// logged in), the process kept in the session, the login refused while the address's
// rate is used up, wrong codes counted until the process is dropped, a resend, and the
// code taken, which logs the session in.
func TestLoginMandatoryVerificationByCode(t *testing.T) {
	var mails []headless.Mail
	st := codeSite(t, &mails)
	s := st.h.Settings
	s.EmailVerification, s.EmailVerificationByCodeEnabled, s.EmailVerificationMaxResendCount = "mandatory", true, 1
	s.RateLimits = map[string]string{"confirm_email": "2/180s/key"}
	s.LoginMethods = []string{"email", "username"}
	now := time.Now()
	st.h.Now = func() time.Time { return now }
	if _, err := st.cfg.Users.(*auth.SQLUserSource).DB().ExecContext(t.Context(), `UPDATE auth_user SET last_login = NULL WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	login := st.h.LoginView(nil)
	const path = "/_allauth/app/v1/auth/login"
	const pending = `{"id": "verify_email", "is_pending": true}`
	w := serve(login, "POST", path, `{"email": "Bob@Example.com", "password": "bob-example-password"}`)
	if w.Code != 401 || !strings.Contains(w.Body.String(), pending) || len(mails) != 1 {
		t.Fatalf("bob's login: %d %s, %d mails", w.Code, w.Body, len(mails))
	}
	m := mails[0]
	code, _ := m.Context["code"].(string)
	if u, _ := m.Context["user"].(*auth.User); m.TemplatePrefix != "account/email/email_confirmation_signup" ||
		m.Email != "bob@example.com" || u == nil || u.ID != "2" || len(code) != 9 || m.Context["key"] != nil {
		t.Errorf("the mail: %+v", m)
	}
	token := sessionTokenOf.FindStringSubmatch(w.Body.String())[1]
	verify, resend := st.h.VerifyEmailView(nil), st.h.ResendEmailVerificationCodeView(nil)
	const vpath, rpath = "/_allauth/app/v1/auth/email/verify", "/_allauth/app/v1/auth/email/verify/resend"
	// Without a session waiting for it: the 409.
	if w := serve(verify, "POST", vpath, `{"key": "`+code+`"}`); w.Code != 409 {
		t.Errorf("no process: %d %s", w.Code, w.Body)
	}
	if w := serve(verify, "POST", vpath, `{"key": "BBBB-BBBB"}`, "X-Session-Token", token); w.Code != 400 ||
		!strings.Contains(w.Body.String(), `"code": "incorrect_code", "param": "key"`) {
		t.Errorf("a wrong code: %d %s", w.Code, w.Body)
	}
	// A resend (the rate's second hit), then none: the quota used up.
	if w := serve(resend, "POST", rpath, "", "X-Session-Token", token); w.Code != 200 || len(mails) != 2 {
		t.Fatalf("the resend: %d %s, %d mails", w.Code, w.Body, len(mails))
	}
	if w := serve(resend, "POST", rpath, "", "X-Session-Token", token); w.Code != 409 || len(mails) != 2 {
		t.Errorf("a second resend: %d %s, %d mails", w.Code, w.Body, len(mails))
	}
	old := code
	code, _ = mails[1].Context["code"].(string)
	if w := serve(verify, "GET", vpath, "", "X-Email-Verification-Key", old, "X-Session-Token", token); w.Code != 400 {
		t.Errorf("the old code: %d %s", w.Code, w.Body)
	}
	// (another login by the address, the rate used up: refused before the password's stage)
	if w := serve(login, "POST", path, `{"email": "bob@example.com", "password": "bob-example-password"}`); w.Code != 400 ||
		!strings.Contains(w.Body.String(), `"too_many_login_attempts"`) || len(mails) != 2 {
		t.Errorf("bob's second login: %d %s, %d mails", w.Code, w.Body, len(mails))
	}
	// Two wrong codes so far: the third drops the process and the login.
	if w := serve(verify, "POST", vpath, `{"key": "BBBB-BBBB"}`, "X-Session-Token", token); w.Code != 400 {
		t.Errorf("the third wrong code: %d %s", w.Code, w.Body)
	}
	if w := serve(verify, "POST", vpath, `{"key": "`+code+`"}`, "X-Session-Token", token); w.Code != 409 {
		t.Errorf("the code after the process was dropped: %d %s", w.Code, w.Body)
	}
	// A new login (the rate's window moved on), its code read and taken.
	now = now.Add(181 * time.Second)
	w = serve(login, "POST", path, `{"username": "bob", "password": "bob-example-password"}`)
	if w.Code != 401 || len(mails) != 3 {
		t.Fatalf("bob's third login: %d %s, %d mails", w.Code, w.Body, len(mails))
	}
	token = sessionTokenOf.FindStringSubmatch(w.Body.String())[1]
	code, _ = mails[2].Context["code"].(string)
	if w := serve(verify, "GET", vpath, "", "X-Email-Verification-Key", strings.ToLower(code), "X-Session-Token", token); w.Code != 200 ||
		!strings.HasSuffix(w.Body.String(), `"meta": {"is_authenticating": true}}`) || !strings.Contains(w.Body.String(), `"email": "bob@example.com"`) {
		t.Errorf("the code read: %d %s", w.Code, w.Body)
	}
	if w := serve(verify, "POST", vpath, `{"key": "`+code+`"}`, "X-Session-Token", token); w.Code != 200 ||
		!strings.Contains(w.Body.String(), `"username": "bob"`) {
		t.Errorf("the code taken: %d %s", w.Code, w.Body)
	}
	var verified bool
	if err := st.cfg.Users.(*auth.SQLUserSource).DB().QueryRowContext(t.Context(),
		`SELECT verified FROM account_emailaddress WHERE email = 'bob@example.com'`).Scan(&verified); err != nil || !verified {
		t.Errorf("bob's address: %v, %v", verified, err)
	}
}

// TestLoginMandatoryVerificationTable follows a login that waits for its address's
// verification with ACCOUNT_EMAIL_CONFIRMATION_HMAC off: the key a new row of
// account_emailconfirmation (64 lowercase characters, marked sent), read in any case,
// taken once, refused once expired or never sent.
func TestLoginMandatoryVerificationTable(t *testing.T) {
	var mails []headless.Mail
	st := codeSite(t, &mails)
	s := st.h.Settings
	s.EmailVerification, s.LoginOnEmailConfirmation, s.EmailConfirmationHMAC = "mandatory", true, false
	s.FrontendURLs["account_confirm_email"] = "/verify/{key}"
	now := time.Now()
	st.h.Now = func() time.Time { return now }
	db := st.cfg.Users.(*auth.SQLUserSource).DB()
	if _, err := db.ExecContext(t.Context(), `CREATE TABLE "account_emailconfirmation" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
		"created" datetime NOT NULL, "sent" datetime NULL, "key" varchar(64) NOT NULL UNIQUE, "email_address_id" integer NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	login := st.h.LoginView(nil)
	const path = "/_allauth/app/v1/auth/login"
	w := serve(login, "POST", path, `{"email": "bob@example.com", "password": "bob-example-password"}`)
	if w.Code != 401 || len(mails) != 1 {
		t.Fatalf("bob's login: %d %s, %d mails", w.Code, w.Body, len(mails))
	}
	key, _ := mails[0].Context["key"].(string)
	if !regexp.MustCompile(`^[a-z0-9]{64}$`).MatchString(key) || mails[0].Context["activate_url"] != "http://example.com/verify/"+key {
		t.Errorf("the mail: %+v", mails[0])
	}
	var n int
	if err := db.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM account_emailconfirmation WHERE "key" = ? AND email_address_id = 2
		AND sent IS NOT NULL`, key).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the row: %d, %v", n, err)
	}
	token := sessionTokenOf.FindStringSubmatch(w.Body.String())[1]
	verify := st.h.VerifyEmailView(nil)
	const vpath = "/_allauth/app/v1/auth/email/verify"
	if w := serve(verify, "GET", vpath, "", "X-Email-Verification-Key", strings.ToUpper(key), "X-Session-Token", token); w.Code != 200 {
		t.Errorf("the key read: %d %s", w.Code, w.Body)
	}
	if w := serve(verify, "POST", vpath, `{"key": "`+key+`"}`, "X-Session-Token", token); w.Code != 200 ||
		!strings.Contains(w.Body.String(), `"username": "bob"`) {
		t.Errorf("the key taken: %d %s", w.Code, w.Body)
	}
	// Taken (the address verified): no more.
	if w := serve(verify, "GET", vpath, "", "X-Email-Verification-Key", key); w.Code != 400 {
		t.Errorf("the key again: %d %s", w.Code, w.Body)
	}
	// The address unverified again: good for three days from its sending, no longer.
	if _, err := db.ExecContext(t.Context(), `UPDATE account_emailaddress SET verified = 0 WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	now = now.Add(3*24*time.Hour - time.Second)
	if w := serve(verify, "GET", vpath, "", "X-Email-Verification-Key", key); w.Code != 200 {
		t.Errorf("the key on its last day: %d %s", w.Code, w.Body)
	}
	now = now.Add(2 * time.Second)
	if w := serve(verify, "GET", vpath, "", "X-Email-Verification-Key", key); w.Code != 400 ||
		!strings.Contains(w.Body.String(), "invalid_or_expired_key") {
		t.Errorf("the expired key: %d %s", w.Code, w.Body)
	}
	// A row never sent: allauth's failed assertion, a server error.
	if _, err := db.ExecContext(t.Context(), `UPDATE account_emailconfirmation SET sent = NULL`); err != nil {
		t.Fatal(err)
	}
	if w := serve(verify, "GET", vpath, "", "X-Email-Verification-Key", key); w.Code != 500 {
		t.Errorf("a key never sent: %d %s", w.Code, w.Body)
	}
}
