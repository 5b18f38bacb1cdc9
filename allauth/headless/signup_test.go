package headless_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/djsession/djsession/allauth/headless"
	"github.com/djsession/djsession/django/auth"
)

// TestSignup: a user made with its address and logged in; the fields' errors; a
// mandatory verification's link mailed and the login waiting; what allauth's form
// would do otherwise handed on before anything is written.
func TestSignup(t *testing.T) {
	var mails []headless.Mail
	st := codeSite(t, &mails)
	st.h.Settings.LoginMethods = []string{"email", "username"}
	st.h.Settings.FrontendURLs["account_confirm_email"] = "/verify/{key}"
	signup := st.h.SignupView(nil)
	const path = "/_allauth/app/v1/auth/signup"
	w := serve(signup, "POST", path, `{"username": "newbie", "email": "New@Example.COM", "password": "a-good-pass-123"}`)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"username": "newbie"`) || !strings.Contains(w.Body.String(), `"methods": []`) {
		t.Fatalf("the signup: %d %s", w.Code, w.Body)
	}
	if len(mails) != 1 || mails[0].TemplatePrefix != "account/email/email_confirmation_signup" || mails[0].Email != "new@example.com" {
		t.Errorf("the optional verification's mail: %+v", mails)
	}
	users := st.cfg.Users.(*auth.SQLUserSource)
	u, err := users.UserByUsername(t.Context(), "newbie")
	if err != nil || u.Email != "new@example.com" || !strings.HasPrefix(u.PasswordHash, "pbkdf2_sha256$") || !u.IsActive {
		t.Fatalf("the user: %+v, %v", u, err)
	}
	var primary, verified bool
	if err := users.DB().QueryRowContext(t.Context(), `SELECT "primary", verified FROM account_emailaddress WHERE user_id = ? AND email = ?`,
		u.ID, "new@example.com").Scan(&primary, &verified); err != nil || !primary || verified {
		t.Errorf("the address: %v %v, %v", primary, verified, err)
	}
	for body, want := range map[string]string{
		`{"username": "NEWBIE", "password": "a-good-pass-123"}`:                         `"username_taken", "param": "username"`,
		`{"username": "b@d!", "password": "a-good-pass-123"}`:                           `"invalid", "param": "username"`,
		`{"username": "fine", "email": "alice@example.com", "password": "a-good-pass"}`: `"email_taken", "param": "email"`,
		`{"username": "fine", "password": ""}`:                                          `"required", "param": "password"`,
		`{"email": "x@example.com", "password": "a-good-pass-123"}`:                     `"required", "param": "username"`,
	} {
		if w := serve(signup, "POST", path, body); w.Code != 400 || !strings.Contains(w.Body.String(), want) {
			t.Errorf("%s: %d %s", body, w.Code, w.Body)
		}
	}
	// Mandatory verification: the link mailed (the signup's template), the login waiting.
	st.h.Settings.EmailVerification = "mandatory"
	w = serve(signup, "POST", path, `{"username": "waiter", "email": "waiter@example.com", "password": "a-good-pass-123"}`)
	if w.Code != 401 || !strings.Contains(w.Body.String(), `{"id": "verify_email", "is_pending": true}`) || len(mails) != 2 ||
		mails[1].TemplatePrefix != "account/email/email_confirmation_signup" {
		t.Errorf("a signup waiting for its address: %d %s, %+v", w.Code, w.Body, mails)
	}
	// A login code required: handed on, no user made.
	st.h.Settings.LoginByCodeRequired = true
	handed := false
	fallback := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handed = true })
	serve(st.h.SignupView(fallback), "POST", path, `{"username": "coder", "password": "a-good-pass-123"}`)
	if _, err := users.UserByUsername(t.Context(), "coder"); !handed || err == nil {
		t.Errorf("a signup needing a login code: handed on %v, %v", handed, err)
	}
}

// TestSignupMadeUpUsername: without a username field, the username is made up from the
// address as allauth's populate_username makes it: its local part (NFKD, ASCII alone,
// lowercased, what is not \w\s@+.- dropped), "user" when nothing is left, and a random
// suffix (digits first) when the base is taken or too short.
func TestSignupMadeUpUsername(t *testing.T) {
	var mails []headless.Mail
	st := codeSite(t, &mails)
	st.h.Settings.SignupFields = []headless.SignupField{{Name: "email", Required: true}, {Name: "password1", Required: true}}
	st.h.Settings.FrontendURLs["account_confirm_email"] = "/verify/{key}"
	signup := st.h.SignupView(nil)
	users := st.cfg.Users.(*auth.SQLUserSource)
	for _, tc := range []struct {
		email string
		want  *regexp.Regexp
	}{
		{"O'Brien+X@Example.com", regexp.MustCompile(`^obrien\+x$`)},
		{"ALICE@elsewhere.example", regexp.MustCompile(`^alice[0-9]$`)}, // (alice taken, whatever the case)
		{"`{}~@example.com", regexp.MustCompile(`^user$`)},
		{"`{}|@example.com", regexp.MustCompile(`^user[0-9]$`)}, // (user taken by now)
		{"Mr.Smith-2@example.com", regexp.MustCompile(`^mr\.smith-2$`)},
	} {
		w := serve(signup, "POST", "/_allauth/app/v1/auth/signup", `{"email": "`+tc.email+`", "password": "a-good-pass-123"}`)
		m := regexp.MustCompile(`"username": "([^"]*)"`).FindStringSubmatch(w.Body.String())
		if w.Code != 200 || m == nil || !tc.want.MatchString(m[1]) {
			t.Errorf("%s: %d %s", tc.email, w.Code, w.Body)
			continue
		}
		if u, err := users.UserByUsername(t.Context(), m[1]); err != nil || u.Email != strings.ToLower(tc.email) {
			t.Errorf("%s: the user %+v, %v", tc.email, u, err)
		}
	}
	// A minimum length the base misses: a suffix makes it up.
	st.h.Settings.UsernameMinLength = 4
	w := serve(signup, "POST", "/_allauth/app/v1/auth/signup", `{"email": "ab@example.com", "password": "a-good-pass-123"}`)
	if !regexp.MustCompile(`"username": "ab[0-9]{2}"`).MatchString(w.Body.String()) {
		t.Errorf("a short base: %d %s", w.Code, w.Body)
	}
}
