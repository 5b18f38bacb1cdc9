package headless_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/djsession/djsession/allauth/headless"
	"github.com/djsession/djsession/django/auth"
)

// TestUserSessions: on a site with allauth.usersessions, each login is recorded (the
// client's address and agent) and listed by SessionsView; another session ended, then
// the current one (logged out); ids of no session of the user refused; without
// Headless.UserSessions, logins are handed on; with USERSESSIONS_TRACK_ACTIVITY, a
// request of a session token records its client.
func TestUserSessions(t *testing.T) {
	var mails []headless.Mail
	st := codeSite(t, &mails)
	st.h.Settings.LoginMethods = []string{"email", "username"}
	users := st.cfg.Users.(*auth.SQLUserSource)
	if _, err := users.DB().ExecContext(t.Context(), `CREATE TABLE "usersessions_usersession" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
		"created_at" datetime NOT NULL, "ip" char(39) NOT NULL, "last_seen_at" datetime NOT NULL, "session_key" varchar(40) NOT NULL UNIQUE,
		"user_agent" varchar(200) NOT NULL, "data" text NOT NULL, "user_id" integer NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	st.h.Settings.UserSessionsEnabled = true
	login := func(h http.Handler, agent string) string {
		w := serve(h, "POST", "/_allauth/app/v1/auth/login", `{"username": "bob", "password": "bob-example-password"}`, "User-Agent", agent)
		m := sessionTokenOf.FindStringSubmatch(w.Body.String())
		if w.Code != 200 || m == nil {
			t.Fatalf("a login: %d %s", w.Code, w.Body)
		}
		return m[1]
	}
	// Without the table's store: handed on, nothing recorded.
	handed := false
	fallback := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handed = true })
	serve(st.h.LoginView(fallback), "POST", "/_allauth/app/v1/auth/login", `{"username": "bob", "password": "bob-example-password"}`)
	if !handed {
		t.Error("a login without Headless.UserSessions was not handed on")
	}
	st.h.UserSessions = headless.NewSQLUserSessions(users, "")
	first, second := login(st.h.LoginView(nil), "agent/1"), login(st.h.LoginView(nil), "agent/2")
	view := st.h.SessionsView(nil)
	w := serve(view, "GET", "/_allauth/app/v1/auth/sessions", "", "X-Session-Token", second)
	want := `{"user_agent": "agent/1", "ip": "192.0.2.1", "created_at": `
	if w.Code != 200 || !strings.Contains(w.Body.String(), want) || !strings.Contains(w.Body.String(), `"is_current": true, "id": 2}`) {
		t.Fatalf("the sessions: %d %s", w.Code, w.Body)
	}
	for body, code := range map[string]string{`{"sessions": [9]}`: "invalid_choice", `{"sessions": ["x"]}`: "invalid_pk_value",
		`{"sessions": 1}`: "invalid_list", `{}`: "required"} {
		if w := serve(view, "DELETE", "/_allauth/app/v1/auth/sessions", body, "X-Session-Token", second); w.Code != 400 ||
			!strings.Contains(w.Body.String(), `"code": "`+code+`"`) {
			t.Errorf("%s: %d %s", body, w.Code, w.Body)
		}
	}
	w = serve(view, "DELETE", "/_allauth/app/v1/auth/sessions", `{"sessions": [1]}`, "X-Session-Token", second)
	if w.Code != 200 || strings.Contains(w.Body.String(), "agent/1") {
		t.Errorf("another session ended: %d %s", w.Code, w.Body)
	}
	if w := serve(view, "GET", "/_allauth/app/v1/auth/sessions", "", "X-Session-Token", first); w.Code != 410 {
		t.Errorf("the ended session: %d %s", w.Code, w.Body)
	}
	// USERSESSIONS_TRACK_ACTIVITY: a request of the session records its new agent.
	st.h.Settings.UserSessionsTrackActivity = true
	serve(st.h.SessionView(), "GET", "/_allauth/app/v1/auth/session", "", "X-Session-Token", second, "User-Agent", "agent/3")
	var agent string
	if err := users.DB().QueryRowContext(t.Context(), `SELECT user_agent FROM usersessions_usersession WHERE id = 2`).Scan(&agent); err != nil || agent != "agent/3" {
		t.Errorf("the session's agent once tracked: %q, %v", agent, err)
	}
	w = serve(view, "GET", "/_allauth/app/v1/auth/sessions", "", "X-Session-Token", second, "User-Agent", "agent/3")
	if !strings.Contains(w.Body.String(), `{"user_agent": "agent/3", "ip": "192.0.2.1", "created_at": `) ||
		!strings.Contains(w.Body.String(), `"last_seen_at": `) {
		t.Errorf("the session's activity: %d %s", w.Code, w.Body)
	}
	if w := serve(view, "DELETE", "/_allauth/app/v1/auth/sessions", `{"sessions": ["2"]}`, "X-Session-Token", second); w.Code != 401 {
		t.Errorf("the current session ended: %d %s", w.Code, w.Body)
	}
}
