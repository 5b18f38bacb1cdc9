package headless_test

import (
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/djsession/djsession/allauth/headless"
	"github.com/djsession/djsession/django/auth/hashers"
)

// FuzzHeadless feeds tokens, sids, refresh bodies, login bodies, second-factor codes and
// the login by code's bodies to the readers: a
// refusal or an answer, never a panic, and a token of no session is never valid.
func FuzzHeadless(f *testing.F) {
	s := newSite(f, jwtSettings())
	sess := s.login(f, "2")
	u, _ := s.cfg.Users.User(f.Context(), "2")
	at, _ := s.h.CreateAccessToken(u, sess, nil)
	rt, _ := s.h.CreateRefreshToken(u, sess)
	sid, _ := headless.SessionKeyToSID("k", sess.Key())
	for _, seed := range []string{at, rt, sid, "", "a.b.c", `{"refresh_token": "` + rt + `"}`, `{"refresh_token": 1e999}`, "\ufeff{}"} {
		f.Add(seed)
	}
	view := s.h.RefreshTokenView()
	// The login endpoint, its unknown users hashed by MD5 (fast).
	ls := loginSite(f)
	md5, err := hashers.FromSettings("5.2", []string{"django.contrib.auth.hashers.MD5PasswordHasher"})
	if err != nil {
		f.Fatal(err)
	}
	ls.cfg.Hashers = md5
	ls.h.Settings.LoginMethods = []string{"email", "username"}
	ls.h.Settings.RateLimits = map[string]string{}
	login := ls.h.LoginView(nil)
	for _, seed := range []string{`{"username": "nobody", "password": "x"}`, `{"email": "a@b.c", "password": "x"}`,
		`{"username": ["a", {"b": 1.5}], "password": "x"}`} {
		f.Add(seed)
	}
	// The second factor's endpoint, for a login waiting for it.
	now := time.Unix(59, 0)
	ms, _ := mfaSite(f, &now)
	ms.h.Settings.RateLimits = map[string]string{}
	pending := mfaLogin(f, ms)
	mfa := ms.h.MFAAuthenticateView(nil)
	f.Add(`{"code": "94287081"}`)
	f.Add(`{"code": " 9428-7082\t\u00e9"}`)
	// The login by code: its request, and the confirmation of a login waiting for one.
	var mails []headless.Mail
	cs := codeSite(f, &mails)
	request, confirm := cs.h.RequestLoginCodeView(nil), cs.h.ConfirmLoginCodeView(nil)
	w := serve(request, "POST", "/_allauth/app/v1/auth/code/request", `{"email": "alice@example.com"}`)
	codeToken := sessionTokenOf.FindStringSubmatch(w.Body.String())[1]
	f.Add(`{"code": "` + mails[0].Context["code"].(string) + `"}`)
	f.Add(`{"email": "Alice@example.com "}`)
	// The password reset: its request, and keys read and taken.
	var resetMails []headless.Mail
	rs := resetSite(f, &resetMails)
	resetRequest, reset := rs.h.RequestPasswordResetView(nil), rs.h.ResetPasswordView(nil)
	serve(resetRequest, "POST", "/_allauth/app/v1/auth/password/request", `{"email": "bob@example.com"}`)
	resetKey := resetMails[0].Context["uid"].(string) + "-" + resetMails[0].Context["key"].(string)
	f.Add(resetKey)
	f.Add(`{"key": "` + resetKey + `", "password": "x"}`)
	// ... and by code, for a process waiting for its code.
	cs2 := resetSite(f, &resetMails)
	cs2.h.Settings.PasswordResetByCodeEnabled = true
	w = serve(cs2.h.RequestPasswordResetView(nil), "POST", "/_allauth/app/v1/auth/password/request", `{"email": "alice@example.com"}`)
	resetToken := sessionTokenOf.FindStringSubmatch(w.Body.String())[1]
	resetByCode := cs2.h.ResetPasswordView(nil)
	f.Add(`{"key": "` + resetMails[len(resetMails)-1].Context["code"].(string) + `", "password": "a-long-password"}`)
	verify := cs2.h.VerifyEmailView(nil)
	// The verification by code of a login waiting for it.
	var vmails []headless.Mail
	vs := codeSite(f, &vmails)
	vs.h.Settings.EmailVerification, vs.h.Settings.EmailVerificationByCodeEnabled = "mandatory", true
	w = serve(vs.h.LoginView(nil), "POST", "/_allauth/app/v1/auth/login", `{"email": "bob@example.com", "password": "bob-example-password"}`)
	verifyToken := sessionTokenOf.FindStringSubmatch(w.Body.String())[1]
	f.Add(`{"key": "` + vmails[0].Context["code"].(string) + `"}`)
	verifyByCode := vs.h.VerifyEmailView(nil)
	// Signups.
	var smails []headless.Mail
	ss := codeSite(f, &smails)
	ss.h.Settings.FrontendURLs["account_confirm_email"] = "/verify/{key}"
	signup := ss.h.SignupView(nil)
	f.Add(`{"username": "fuzzy", "email": "Fuzzy@Example.com", "password": "a-good-pass-123"}`)
	// The addresses of a logged-in user.
	manage := ss.h.ManageEmailView(nil)
	manageToken := ss.login(f, "1").Key()
	f.Add(`{"email": "alice@example.com", "primary": "yes"}`)
	f.Fuzz(func(t *testing.T, in string) {
		for _, method := range []string{"POST", "PUT", "PATCH", "DELETE"} {
			if w := serve(manage, method, "/_allauth/app/v1/account/email", in, "X-Session-Token", manageToken); w.Code != 400 && w.Code != 200 && w.Code != 403 {
				t.Errorf("%s email %q: %d %s", method, in, w.Code, w.Body)
			}
		}
		if w := serve(signup, "POST", "/_allauth/app/v1/auth/signup", in); w.Code != 400 && w.Code != 200 {
			t.Errorf("signup %q: %d %s", in, w.Code, w.Body)
		}
		// (a 409 once three codes failed, a 410 once the code took)
		for _, w := range []*httptest.ResponseRecorder{
			serve(verifyByCode, "POST", "/_allauth/app/v1/auth/email/verify", in, "X-Session-Token", verifyToken),
			serve(verifyByCode, "GET", "/_allauth/app/v1/auth/email/verify", "", "X-Session-Token", verifyToken, "X-Email-Verification-Key", in),
		} {
			if w.Code != 400 && w.Code != 409 && w.Code != 200 && w.Code != 410 {
				t.Errorf("verify by code %q: %d %s", in, w.Code, w.Body)
			}
		}
		// (a 401 once a key took: no login waits for it)
		if w := serve(verify, "POST", "/_allauth/app/v1/auth/email/verify", in); w.Code != 400 && w.Code != 401 {
			t.Errorf("verify %q: %d %s", in, w.Code, w.Body)
		}
		if w := serve(verify, "GET", "/_allauth/app/v1/auth/email/verify", "", "X-Email-Verification-Key", in); w.Code != 400 && w.Code != 200 {
			t.Errorf("verify key %q: %d %s", in, w.Code, w.Body)
		}
		// (a 409 once the process is gone: three wrong codes, or the reset done)
		if w := serve(resetByCode, "POST", "/_allauth/app/v1/auth/password/reset", in, "X-Session-Token", resetToken); w.Code != 400 && w.Code != 401 && w.Code != 409 && w.Code != 410 {
			t.Errorf("reset by code %q: %d %s", in, w.Code, w.Body)
		}
		if w := serve(resetByCode, "GET", "/_allauth/app/v1/auth/password/reset", "", "X-Session-Token", resetToken, "X-Password-Reset-Key", in); w.Code != 400 && w.Code != 200 && w.Code != 409 && w.Code != 410 {
			t.Errorf("reset code %q: %d %s", in, w.Code, w.Body)
		}
		if w := serve(resetRequest, "POST", "/_allauth/app/v1/auth/password/request", in); w.Code != 400 && w.Code != 200 {
			t.Errorf("reset request %q: %d %s", in, w.Code, w.Body)
		}
		// (a 500 for a key of no user id, as allauth's; a 401 once a key took)
		if w := serve(reset, "POST", "/_allauth/app/v1/auth/password/reset", in); w.Code != 400 && w.Code != 401 && w.Code != 500 {
			t.Errorf("reset %q: %d %s", in, w.Code, w.Body)
		}
		if w := serve(reset, "GET", "/_allauth/app/v1/auth/password/reset", "", "X-Password-Reset-Key", in); w.Code != 400 && w.Code != 200 && w.Code != 500 {
			t.Errorf("reset key %q: %d %s", in, w.Code, w.Body)
		}
		if w := serve(request, "POST", "/_allauth/app/v1/auth/code/request", in); w.Code != 400 && w.Code != 401 {
			t.Errorf("code request %q: %d %s", in, w.Code, w.Body)
		}
		// (a 409 once three codes failed, a 410 once a code took)
		if w := serve(confirm, "POST", "/_allauth/app/v1/auth/code/confirm", in, "X-Session-Token", codeToken); w.Code != 400 && w.Code != 409 && w.Code != 200 && w.Code != 410 {
			t.Errorf("code confirm %q: %d %s", in, w.Code, w.Body)
		}
		// (a 410 once a code took: the login's session is under a new key)
		if w := serve(mfa, "POST", "/_allauth/app/v1/auth/2fa/authenticate", in, "X-Session-Token", pending); w.Code != 400 && w.Code != 401 && w.Code != 200 && w.Code != 410 {
			t.Errorf("2fa %q: %d %s", in, w.Code, w.Body)
		}
		if w := serve(login, "POST", "/_allauth/app/v1/auth/login", in); w.Code != 400 && w.Code != 401 && w.Code != 200 && w.Code != 500 {
			t.Errorf("login %q: %d", in, w.Code)
		}
		headless.SessionKeyFromSID("k", in)
		if _, err := s.h.ValidateAccessToken(t.Context(), in); err != nil && !errors.Is(err, headless.ErrInvalidToken) {
			t.Logf("ValidateAccessToken: %v", err) // (a server error, as allauth raises)
		}
		if _, _, err := s.h.RefreshToken(t.Context(), in); err == nil && in != rt {
			t.Errorf("RefreshToken(%q) took a token never issued", in)
		}
		w := serve(view, "POST", "/_allauth/app/v1/tokens/refresh", in)
		if w.Code != 400 && w.Code != 200 && w.Code != 500 {
			t.Errorf("refresh %q: %d", in, w.Code)
		}
	})
}
