package headless_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/allauth/headless"
	"github.com/djsession/djsession/caches/filecache"
	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/serializer"
)

// loginSite is a site whose LoginView counts its rates in a FileBasedCache: two logins
// per minute from a client, one failed login per login.
func loginSite(t testing.TB) *site {
	s := headless.Defaults("test-secret-key")
	s.RateLimits = map[string]string{"login": "2/m/ip", "login_failed": "5/m/ip,1/5m/key"}
	st := newSite(t, s)
	c, err := filecache.New(filecache.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	st.h.Cache = c
	st.cfg.AuthenticationBackends = []string{auth.ModelBackend, "allauth.account.auth_backends.AuthenticationBackend"}
	return st
}

// history is the number of hits of a rate limit's cache key.
func history(t *testing.T, st *site, key string) int {
	v, ok, err := st.h.Cache.Get(t.Context(), key)
	if err != nil || (ok && v.Len() < 0) {
		t.Fatal(err)
	}
	return v.Len()
}

var sessionTokenRE = regexp.MustCompile(`"session_token": "[a-z0-9]{32}"`)

// TestLoginView holds what the live tests cannot: the rate limits at a glance, and a
// login that needs a stage handed to the fallback with Go's counting taken back.
func TestLoginView(t *testing.T) {
	const login = "/_allauth/app/v1/auth/login"
	const loginKey = "allauth:rl:allauth.account:login:2/60/ip:ip:192.0.2.1"
	sum := sha256.Sum256([]byte("example.com:alice")) // (the site's domain, the login lowercased)
	failedKey := "allauth:rl:allauth.account:login_failed:1/300.0/key:" + hex.EncodeToString(sum[:])
	st := loginSite(t)
	view := st.h.LoginView(nil)
	for _, c := range []struct{ body, want string }{
		{`{"username": "alice", "password": "wrong"}`, `{"status": 400, "errors": [{"message": "The username and/or password you specified are not correct.", "code": "username_password_mismatch", "param": "password"}]}`},
		{`{"username": "ALICE", "password": "wrong"}`, `{"status": 400, "errors": [{"message": "Too many failed login attempts. Try again later.", "code": "too_many_login_attempts"}]}`},
		{`{"username": "alice", "password": "alice-example-password"}`, `{"status": 429}`},
	} {
		w := serve(view, "POST", login, c.body)
		if w.Body.String() != c.want {
			t.Errorf("%s: %d %s; want %s", c.body, w.Code, w.Body, c.want)
		}
	}
	if n, f := history(t, st, loginKey), history(t, st, failedKey); n != 2 || f != 1 {
		t.Errorf("%d logins, %d failed ones counted; want 2, 1", n, f)
	}

	// A login code required: the request goes to the fallback, whole, and the rates Go
	// counted are taken back (Django counts them).
	st = loginSite(t)
	st.h.Settings.LoginByCodeRequired = true
	const body = `{"username": "alice", "password": "alice-example-password"}`
	var got string
	fallback := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
		w.WriteHeader(299)
	})
	if w := serve(st.h.LoginView(fallback), "POST", login, body); w.Code != 299 || got != body {
		t.Errorf("a login code required: %d, the fallback read %q", w.Code, got)
	}
	if n, f := history(t, st, loginKey), history(t, st, failedKey); n != 0 || f != 0 {
		t.Errorf("%d logins, %d failed ones left counted after the fallback, want none", n, f)
	}
	if w := serve(st.h.LoginView(nil), "POST", login, body); w.Code != 500 {
		t.Errorf("a login code required, no fallback: %d", w.Code)
	}

	// A login: the session's user, its record, its token.
	st.h.Settings.LoginByCodeRequired = false
	w := serve(st.h.LoginView(nil), "POST", login, `{"username": "alice", "password": "alice-example-password"}`)
	if w.Code != 200 || !sessionTokenRE.MatchString(w.Body.String()) {
		t.Fatalf("a login: %d %s", w.Code, w.Body)
	}
	key := sessionTokenRE.FindString(w.Body.String())[18:50]
	s, err := st.h.LookupSession(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.h.SessionUser(t.Context(), s)
	if err != nil || u == nil || u.Username != "alice" {
		t.Fatalf("the session's user: %v, %v", u, err)
	}
	if backend, _ := auth.Backend(s); backend != auth.ModelBackend {
		t.Errorf("backend %q", backend)
	}
	rec := headless.AuthenticationRecords(s, u)
	if rec.Len() != 1 || rec.Items()[0].Dict().Len() != 3 {
		t.Errorf("the records: %v", rec)
	}
}

// TestLoginInactive: a user AllowAllUsersModelBackend takes while inactive is refused as
// allauth's pre_login refuses it (a 401 with the flows), not logged in.
func TestLoginInactive(t *testing.T) {
	st := loginSite(t)
	st.h.Settings.RateLimits = map[string]string{}
	st.cfg.AuthenticationBackends = []string{auth.AllowAllUsersModelBackend, "allauth.account.auth_backends.AuthenticationBackend"}
	users := st.cfg.Users.(*auth.SQLUserSource)
	if _, err := users.DB().ExecContext(t.Context(), `UPDATE auth_user SET is_active = 0 WHERE username = 'alice'`); err != nil {
		t.Fatal(err)
	}
	w := serve(st.h.LoginView(nil), "POST", "/_allauth/app/v1/auth/login", `{"username": "alice", "password": "alice-example-password"}`)
	const want = `{"status": 401, "data": {"flows": [{"id": "login"}, {"id": "signup"}]}, "meta": {"is_authenticated": false}}`
	if w.Code != 401 || w.Body.String() != want {
		t.Errorf("an inactive user: %d %s", w.Code, w.Body)
	}
}

// TestReauthenticate: a site without "password" among its reauthentication methods
// answers 403; a wrong password is refused, the right one recorded.
func TestReauthenticate(t *testing.T) {
	st := loginSite(t)
	st.h.Settings.RateLimits["login_failed"] = "5/5m/key" // (a failure leaves room for a success)
	sess := st.login(t, "1")
	view := st.h.ReauthenticateView()
	const path = "/_allauth/app/v1/auth/reauthenticate"
	st.h.Settings.ReauthenticationMethods = []string{"code"}
	if w := serve(view, "POST", path, `{"password": "x"}`, "X-Session-Token", sess.Key()); w.Code != 403 || w.Body.String() != `{"status": 403}` {
		t.Errorf("no reauthentication by password: %d %s", w.Code, w.Body)
	}
	st.h.Settings.ReauthenticationMethods = []string{"password"}
	w := serve(view, "POST", path, `{"password": "wrong"}`, "X-Session-Token", sess.Key())
	const incorrect = `{"status": 400, "errors": [{"message": "Incorrect password.", "code": "incorrect_password", "param": "password"}]}`
	if w.Body.String() != incorrect {
		t.Errorf("a wrong password: %d %s", w.Code, w.Body)
	}
	w = serve(view, "POST", path, `{"password": "alice-example-password"}`, "X-Session-Token", sess.Key())
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"reauthenticated": true}]`) {
		t.Errorf("the right password: %d %s", w.Code, w.Body)
	}
}

// TestChangePassword: ACCOUNT_PASSWORD_MIN_LENGTH without validators, the logout of
// ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE, and the fallback of a user without a usable
// password when a reauthentication is required.
func TestChangePassword(t *testing.T) {
	st := loginSite(t)
	st.h.Settings.RateLimits = map[string]string{}
	st.h.Settings.LogoutOnPasswordChange = true
	sess := st.login(t, "1")
	const path = "/_allauth/app/v1/account/password/change"
	view := st.h.ChangePasswordView(nil)
	w := serve(view, "POST", path, `{"current_password": "alice-example-password", "new_password": "abc"}`, "X-Session-Token", sess.Key())
	const short = `{"status": 400, "errors": [{"message": "This password is too short. It must contain at least 6 characters.", "code": "password_too_short", "param": "new_password"}]}`
	if w.Body.String() != short {
		t.Errorf("a short password: %d %s", w.Code, w.Body)
	}
	w = serve(view, "POST", path, `{"current_password": "alice-example-password", "new_password": "abcdef"}`, "X-Session-Token", sess.Key())
	if w.Code != 401 || strings.Contains(w.Body.String(), "session_token") {
		t.Errorf("a change that logs out: %d %s", w.Code, w.Body)
	}
	if _, err := st.h.LookupSession(t.Context(), sess.Key()); !errors.Is(err, headless.ErrInvalidToken) {
		t.Errorf("the session after the change: %v", err)
	}
	users := st.cfg.Users.(*auth.SQLUserSource)
	if _, err := users.DB().ExecContext(t.Context(), `UPDATE auth_user SET password = '!x' WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	st.h.Settings.ReauthenticationRequired = true
	st.h.Settings.RateLimits = map[string]string{"change_password": "5/m/user"}
	sess = st.login(t, "1")
	// (no way to reauthenticate: no usable password, no address, no second factor)
	const reauth = `"methods": [], "flows": []}, "meta": {"is_authenticated": true}}`
	if w := serve(st.h.ChangePasswordView(nil), "POST", path, `{"new_password": "abcdef"}`, "X-Session-Token", sess.Key()); w.Code != 401 || !strings.HasSuffix(w.Body.String(), reauth) {
		t.Errorf("a reauthentication required: %d %s", w.Code, w.Body)
	}
	if n := history(t, st, "allauth:rl:allauth.account:change_password:5/60/user:user:1"); n != 1 {
		t.Errorf("%d changes counted, want 1", n)
	}
	// A reauthentication by code pending: listed; one too old: dropped.
	for _, c := range []struct {
		age  float64
		want string
	}{{10, `"flows": [{"id": "reauthenticate_by_code", "is_pending": true}]}`}, {200, `"flows": []}`}} {
		state := serializer.NewDict()
		state.Set("at", serializer.Float(float64(time.Now().Unix())-c.age))
		sess.Set("account_email_reauthentication_code", serializer.DictValue(state))
		if err := sess.Save(t.Context()); err != nil {
			t.Fatal(err)
		}
		w := serve(st.h.ChangePasswordView(nil), "POST", path, `{"new_password": "abcdef"}`, "X-Session-Token", sess.Key())
		if w.Code != 401 || !strings.Contains(w.Body.String(), c.want) {
			t.Errorf("a reauthentication by code %vs old: %d %s", c.age, w.Code, w.Body)
		}
	}
	// A new password Python cannot encode: a server error, the password unchanged.
	st.h.Settings.ReauthenticationRequired = false
	if w := serve(view, "POST", path, `{"new_password": "abc-\ud800-def"}`, "X-Session-Token", sess.Key()); w.Code != 500 {
		t.Errorf("a lone surrogate: %d %s", w.Code, w.Body)
	}
	if u, _ := st.cfg.Users.User(t.Context(), "1"); u.PasswordHash != "!x" {
		t.Errorf("the password changed: %q", u.PasswordHash)
	}
}

// TestConfigView: the parts of installed apps (allauth.mfa, allauth.usersessions), and a
// server error for allauth.socialaccount, whose providers this package does not list.
func TestConfigView(t *testing.T) {
	s, err := headless.SettingsFromJSON([]byte(`{"settings": {"SECRET_KEY": "k", "MFA_SUPPORTED_TYPES": ["totp", "webauthn"],
		"MFA_PASSKEY_LOGIN_ENABLED": true, "USERSESSIONS_TRACK_ACTIVITY": 1, "ACCOUNT_LOGIN_METHODS": ["email"]},
		"installed_apps": ["allauth", "allauth.account", "allauth.mfa", "allauth.usersessions"]}`))
	if err != nil {
		t.Fatal(err)
	}
	st := newSite(t, s)
	w := serve(st.h.ConfigView(), "GET", "/_allauth/app/v1/config", "")
	const want = `{"status": 200, "data": {"account": {"login_methods": ["email"], "is_open_for_signup": true, ` +
		`"email_verification_by_code_enabled": false, "login_by_code_enabled": false, "password_reset_by_code_enabled": false, ` +
		`"authentication_method": "email"}, "mfa": {"supported_types": ["totp", "webauthn"], "passkey_login_enabled": true}, ` +
		`"usersessions": {"track_activity": true}}}`
	if w.Code != 200 || w.Body.String() != want {
		t.Errorf("%d %s", w.Code, w.Body)
	}
	s, err = headless.SettingsFromJSON([]byte(`{"settings": {"SECRET_KEY": "k"}, "installed_apps": ["allauth.socialaccount"]}`))
	if err != nil {
		t.Fatal(err)
	}
	st = newSite(t, s)
	if w := serve(st.h.ConfigView(), "GET", "/_allauth/app/v1/config", ""); w.Code != 500 {
		t.Errorf("allauth.socialaccount: %d", w.Code)
	}
}
