package headless_test

import (
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/allauth/headless"
	"github.com/djsession/djsession/django/auth"
)

// mfaTable is allauth.mfa's mfa_authenticator as its migrations make it on SQLite.
const mfaTable = `CREATE TABLE "mfa_authenticator" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
	"type" varchar(20) NOT NULL, "data" text NOT NULL CHECK ((JSON_VALID("data") OR "data" IS NULL)),
	"user_id" integer NOT NULL REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED,
	"created_at" datetime NOT NULL, "last_used_at" datetime NULL)`

// rfc6238Secret is the SHA-1 secret of RFC 6238's test vectors ("12345678901234567890"),
// in base32.
const rfc6238Secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

// mfaSite is loginSite with allauth.mfa: alice (pk 1) has a TOTP authenticator of RFC
// 6238's secret (eight digits, as the RFC's vectors) and recovery codes; the clock is
// *now.
func mfaSite(t testing.TB, now *time.Time) (*site, *auth.SQLUserSource) {
	st := loginSite(t)
	s := st.h.Settings
	s.MFAEnabled, s.TOTPDigits = true, 8
	s.RateLimits = map[string]string{"login_failed": "9/5m/key"}
	users := st.cfg.Users.(*auth.SQLUserSource)
	for _, q := range []string{mfaTable,
		`INSERT INTO mfa_authenticator VALUES (1, 'totp', '{"secret": "` + rfc6238Secret + `"}', 1, '2026-01-01 00:00:00', NULL)`,
		`INSERT INTO mfa_authenticator VALUES (2, 'recovery_codes', '{"seed": "5eed", "used_mask": 4}', 1, '2026-01-01 00:00:00', NULL)`} {
		if _, err := users.DB().ExecContext(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	st.h.Authenticators = headless.NewSQLAuthenticators(users, "")
	st.h.Now = func() time.Time { return *now }
	return st, users
}

var pendingMFA = regexp.MustCompile(`^\{"status": 401, "data": \{"flows": \[\{"id": "login"\}, \{"id": "signup"\}, \{"id": "mfa_authenticate", "is_pending": true, "types": \["recovery_codes", "totp"\]\}\]\}, "meta": \{"is_authenticated": false, "session_token": "([a-z0-9]{32})"\}\}$`)

// mfaLogin logs alice in with her password: the login waits for the second factor; the
// session token.
func mfaLogin(t testing.TB, st *site) string {
	t.Helper()
	w := serve(st.h.LoginView(nil), "POST", "/_allauth/app/v1/auth/login", `{"username": "alice", "password": "alice-example-password"}`)
	m := pendingMFA.FindStringSubmatch(w.Body.String())
	if w.Code != 401 || m == nil {
		t.Fatalf("a login waiting for the second factor: %d %s", w.Code, w.Body)
	}
	return m[1]
}

// TestMFAAuthenticate holds the TOTP codes to RFC 6238's test vectors (SHA-1, eight
// digits) at their times, with and without MFA_TOTP_TOLERANCE, each code taken once;
// recovery codes marked used in the row as Django writes it; a login that waited too
// long forgotten.
func TestMFAAuthenticate(t *testing.T) {
	const path = "/_allauth/app/v1/auth/2fa/authenticate"
	now := time.Unix(59, 0)
	st, users := mfaSite(t, &now)
	view := st.h.MFAAuthenticateView(nil)
	code := func(token, code string) (int, string) {
		w := serve(view, "POST", path, `{"code": "`+code+`"}`, "X-Session-Token", token)
		return w.Code, w.Body.String()
	}
	const incorrect = `{"status": 400, "errors": [{"message": "Incorrect code.", "code": "incorrect_code", "param": "code"}]}`
	for _, c := range []struct {
		at        int64
		tolerance int
		code      string
		ok        bool
	}{
		{59, 0, "94287082", true},
		{59, 0, "94287082", false}, // (used)
		{1111111109, 0, "07081804", true},
		{1111111111, 0, "1405-0471", true}, // (punctuation dropped)
		{1234567890 + 30, 0, "89005924", false},
		{1234567890 + 30, 1, "89005924", true},
		{2000000000 - 60, 1, "69279037", false},
		{2000000000 - 60, 2, "69279037", true},
	} {
		now = time.Unix(c.at, 0)
		st.h.Settings.TOTPTolerance = c.tolerance
		token := mfaLogin(t, st)
		status, body := code(token, c.code)
		if c.ok != (status == 200) || !c.ok && body != incorrect {
			t.Errorf("%s at %d (tolerance %d): %d %s", c.code, c.at, c.tolerance, status, body)
		}
		if !c.ok {
			continue
		}
		if _, err := st.h.LookupSession(t.Context(), token); !errors.Is(err, headless.ErrInvalidToken) {
			t.Errorf("the login's session under its old key: %v", err) // (logged in under a new key)
		}
		if !strings.Contains(body, `"methods": [{"method": "password", "at": `) ||
			!strings.Contains(body, `, "username": "alice"}, {"method": "mfa", "at": `) || !strings.HasSuffix(body, `"id": 1, "type": "totp"}]}, "meta": {"is_authenticated": true, "session_token": "`+body[len(body)-35:]) {
			t.Errorf("the login: %s", body)
		}
	}

	// Recovery codes: alice's third (used_mask 4) is used already, the others once.
	a, err := st.h.Authenticators.(headless.MFASource).Authenticator(t.Context(), 2)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := st.h.UnusedRecoveryCodes(a)
	if err != nil || len(codes) != 9 {
		t.Fatalf("unused codes %v, %v", codes, err)
	}
	token := mfaLogin(t, st)
	if status, _ := code(token, codes[2]); status != 200 {
		t.Errorf("the fourth recovery code: %d", status)
	}
	var data string
	if err := users.DB().QueryRowContext(t.Context(), `SELECT data FROM mfa_authenticator WHERE id = 2`).Scan(&data); err != nil || data != `{"seed": "5eed", "used_mask": 12}` {
		t.Errorf("the recovery codes' row: %s, %v", data, err)
	}
	token = mfaLogin(t, st)
	if status, body := code(token, codes[2]); status != 400 || body != incorrect {
		t.Errorf("a used recovery code: %d %s", status, body)
	}

	// ACCOUNT_LOGIN_TIMEOUT: the login forgotten, the session's flows without it.
	now = now.Add(901 * time.Second)
	w := serve(view, "POST", path, `{"code": "`+codes[3]+`"}`, "X-Session-Token", token)
	const gone = `{"status": 401, "data": {"flows": [{"id": "login"}, {"id": "signup"}]}, "meta": {"is_authenticated": null}}`
	if w.Code != 401 || w.Body.String() != gone {
		t.Errorf("a login that waited too long: %d %s", w.Code, w.Body)
	}
	s, err := st.h.LookupSession(t.Context(), token)
	if err != nil || s.Has("account_login") || s.Has("account_authentication_methods") {
		t.Errorf("the session after the timeout: %v, %v", s.Keys(), err)
	}

	// Stages after the second factor are handed on.
	st.h.Settings.MFATrustEnabled = true
	fallback := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) })
	if w := serve(st.h.LoginView(fallback), "POST", "/_allauth/app/v1/auth/login", `{"username": "alice", "password": "alice-example-password"}`); w.Code != 299 {
		t.Errorf("a login of a site with MFA_TRUST_ENABLED: %d", w.Code)
	}
}

// TestMFAReauthenticate: a code of the session's user recorded as a reauthentication; a
// site without "mfa" among its reauthentication methods answers 403.
func TestMFAReauthenticate(t *testing.T) {
	const path = "/_allauth/app/v1/auth/2fa/reauthenticate"
	now := time.Unix(1111111109, 0)
	st, _ := mfaSite(t, &now)
	sess := st.login(t, "1")
	view := st.h.MFAReauthenticateView()
	w := serve(view, "POST", path, `{"code": "07081804"}`, "X-Session-Token", sess.Key())
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"id": 1, "type": "totp", "reauthenticated": true}]`) {
		t.Errorf("a reauthentication: %d %s", w.Code, w.Body)
	}
	// An MFA adapter of the project's own: its decrypt, or a server error.
	st.h.Settings.MFAAdapter = "mysite.MFAAdapter"
	now = now.Add(30 * time.Second)
	if w := serve(view, "POST", path, `{"code": "07081804"}`, "X-Session-Token", sess.Key()); w.Code != 500 {
		t.Errorf("MFA_ADAPTER without MFADecrypt: %d %s", w.Code, w.Body)
	}
	st.h.MFADecrypt = func(s string) (string, error) { return strings.ToUpper(s), nil }
	if w := serve(view, "POST", path, `{"code": "14050471"}`, "X-Session-Token", sess.Key()); w.Code != 200 {
		t.Errorf("MFA_ADAPTER with MFADecrypt: %d %s", w.Code, w.Body)
	}
	st.h.Settings.ReauthenticationMethods = []string{"password"}
	if w := serve(view, "POST", path, `{"code": "07081804"}`, "X-Session-Token", sess.Key()); w.Code != 403 {
		t.Errorf("no reauthentication by code: %d %s", w.Code, w.Body)
	}
	// A test-only bypass code is refused.
	s, err := headless.SettingsFromJSON([]byte(`{"settings": {"MFA_TOTP_INSECURE_BYPASS_CODE": "000000"}, "installed_apps": ["allauth.mfa"]}`))
	if err != nil {
		t.Fatal(err)
	}
	st.h.Settings = s
	if w := serve(view, "POST", path, `{"code": "000000"}`, "X-Session-Token", sess.Key()); w.Code != 500 {
		t.Errorf("MFA_TOTP_INSECURE_BYPASS_CODE: %d %s", w.Code, w.Body)
	}
}

// TestRecoveryCodesView: the codes shown only after a reauthentication, marked viewed,
// made anew (other codes, the old ones gone); the authenticators listed.
func TestRecoveryCodesView(t *testing.T) {
	const path = "/_allauth/app/v1/account/authenticators/recovery-codes"
	now := time.Unix(1111111109, 0)
	st, users := mfaSite(t, &now)
	sess := st.login(t, "1")
	view := st.h.RecoveryCodesView(nil)
	w := serve(view, "GET", path, "", "X-Session-Token", sess.Key())
	if w.Code != 401 || !strings.Contains(w.Body.String(), `"flows": [{"id": "reauthenticate"}, {"id": "mfa_reauthenticate", "types": ["recovery_codes", "totp"]}]`) {
		t.Fatalf("the codes without a reauthentication: %d %s", w.Code, w.Body)
	}
	if w := serve(st.h.MFAReauthenticateView(), "POST", "/_allauth/app/v1/auth/2fa/reauthenticate", `{"code": "07081804"}`, "X-Session-Token", sess.Key()); w.Code != 200 {
		t.Fatalf("a reauthentication: %d %s", w.Code, w.Body)
	}
	a, err := st.h.Authenticators.(headless.MFASource).Authenticator(t.Context(), 2)
	if err != nil {
		t.Fatal(err)
	}
	codes, _ := st.h.UnusedRecoveryCodes(a)
	w = serve(view, "GET", path, "", "X-Session-Token", sess.Key())
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"total_code_count": 10, "unused_code_count": 9, "unused_codes": ["`+strings.Join(codes, `", "`)+`"]}`) {
		t.Errorf("the codes: %d %s", w.Code, w.Body)
	}
	var data string
	users.DB().QueryRowContext(t.Context(), `SELECT data FROM mfa_authenticator WHERE id = 2`).Scan(&data)
	if data != `{"seed": "5eed", "used_mask": 4, "viewed_at": 1111111109.0}` {
		t.Errorf("the viewed codes' row: %s", data)
	}
	w = serve(view, "POST", path, "", "X-Session-Token", sess.Key())
	if w.Code != 200 || strings.Contains(w.Body.String(), codes[0]) || !strings.Contains(w.Body.String(), `"unused_code_count": 10, "unused_codes": ["`) {
		t.Errorf("codes made anew: %d %s", w.Code, w.Body)
	}
	var n int
	users.DB().QueryRowContext(t.Context(), `SELECT count(*) FROM mfa_authenticator WHERE type = 'recovery_codes' AND data LIKE '%"seed": "5eed"%'`).Scan(&n)
	if n != 0 {
		t.Errorf("the old codes are left")
	}
	w = serve(st.h.AuthenticatorsView(), "GET", "/_allauth/app/v1/account/authenticators", "", "X-Session-Token", sess.Key())
	const totp = `{"status": 200, "data": [{"type": "totp", "created_at": 1767225600.0, "last_used_at": 1111111109.0}, {"type": "recovery_codes", "created_at": 1111111109.0, "last_used_at": null, "total_code_count": 10, "unused_code_count": 10}]}`
	if w.Code != 200 || w.Body.String() != totp {
		t.Errorf("the authenticators: %d %s", w.Code, w.Body)
	}
}
