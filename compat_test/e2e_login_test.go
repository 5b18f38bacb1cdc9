package compat_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

// TestE2ESharedLogin: for every Django version of scripts/matrix and every engine of
// e2eEngines, a real Django site (scripts/djangoapp) and a Go service behind
// django.Middleware share one session store and one auth_user table, and a login, a
// logout, a password change and a SECRET_KEY rotation on either side are seen by the
// other, over HTTP with cookie jars.
func TestE2ESharedLogin(t *testing.T) {
	versions := e2eVersions(t)
	for _, v := range versions {
		t.Run(v.Series, func(t *testing.T) {
			t.Parallel()
			v.prepareTemplate(t)
			for _, eng := range e2eEngines {
				t.Run(eng.name, func(t *testing.T) {
					t.Parallel()
					runSharedLogin(t, v, eng)
				})
			}
		})
	}
}

func runSharedLogin(t *testing.T, v *e2eVersion, eng e2eEngine) {
	setup := eng.setup(t, v)
	keys := e2eKeys{Key: "djsession-e2e-key-one-" + v.Series + "-" + eng.name + "-0123456789abcdef"}
	env := func(k e2eKeys) map[string]string {
		m := k.env()
		for name, val := range setup.env {
			m[name] = val
		}
		return m
	}
	dj := startDjango(t, v, env(keys))
	g := newGoService(t)
	configure := func(k e2eKeys) {
		s := e2eSettings(t, v, k)
		s.SessionEngine = setup.newStore(t, &s)
		g.configure(t, s, setup.users)
	}
	configure(keys)

	alicePW := "alice-pw-1"
	step := func(name string, f func(t *testing.T)) bool {
		return t.Run(name, f)
	}

	ok := step("django-login/go-sees-user", func(t *testing.T) {
		b := newBrowser(t, "b1")
		if got := b.goUser(g); got != "" {
			t.Fatalf("Go sees %q before any login", got)
		}
		b.djangoLogin(dj, "alice", alicePW)
		if got := b.djangoUser(dj); got != "alice" {
			t.Fatalf("Django /me/ after Django login: %q", got)
		}
		if got := b.goUser(g); got != "alice" {
			t.Fatalf("Go /whoami after Django login: %q, want alice", got)
		}
		// Session data written on one side is read on the other.
		if st, _, body := b.do("POST", g.srv.URL+"/session/set", url.Values{"key": {"from_go"}, "value": {"héllo ☃"}}); st != http.StatusOK {
			t.Fatalf("Go session set: %d %s", st, body)
		}
		if st, _, body := b.do("GET", dj.URL+"/session/?key=from_go", nil); st != http.StatusOK || !jsonHas(body, "value", "héllo ☃") {
			t.Fatalf("Django reads the Go write: %d %s", st, body)
		}
		if st, _, body := b.do("GET", dj.URL+"/session/set/?key=from_django&value=42", nil); st != http.StatusOK {
			t.Fatalf("Django session set: %d %s", st, body)
		}
		if st, _, body := b.do("GET", g.srv.URL+"/session?key=from_django", nil); st != http.StatusOK || !jsonHas(body, "value", "42") {
			t.Fatalf("Go reads the Django write: %d %s", st, body)
		}
		if got := b.goUser(g); got != "alice" {
			t.Fatalf("Go /whoami after the session writes: %q", got)
		}
	})
	ok = ok && step("go-login/django-sees-user", func(t *testing.T) {
		b := newBrowser(t, "b2")
		b.goLogin(g, "bob", "bob-pw-1")
		if got := b.goUser(g); got != "bob" {
			t.Fatalf("Go /whoami after Go login: %q", got)
		}
		if got := b.djangoUser(dj); got != "bob" {
			t.Fatalf("Django /me/ after Go login: %q, want bob", got)
		}
		// Logging in as another user on the same browser replaces the login.
		b.goLogin(g, "alice", alicePW)
		if got := b.djangoUser(dj); got != "alice" {
			t.Fatalf("Django /me/ after Go login as alice: %q", got)
		}
	})
	ok = ok && step("django-logout/go-anonymous", func(t *testing.T) {
		b := newBrowser(t, "b3")
		b.djangoLogin(dj, "alice", alicePW)
		old := b.sessionCookie(dj.URL)
		if got := b.goUser(g); got != "alice" {
			t.Fatalf("Go before logout: %q", got)
		}
		b.djangoLogout(dj)
		if got := b.goUser(g); got != "" {
			t.Fatalf("Go after Django logout: %q, want anonymous", got)
		}
		if eng.serverSide {
			replay := withSessionCookie(t, "b3-replay", dj.URL, old)
			if got := replay.goUser(g); got != "" {
				t.Fatalf("Go accepts the session cookie Django logged out: %q", got)
			}
		}
	})
	ok = ok && step("go-logout/django-anonymous", func(t *testing.T) {
		b := newBrowser(t, "b4")
		b.djangoLogin(dj, "bob", "bob-pw-1")
		old := b.sessionCookie(dj.URL)
		b.goLogout(g)
		if got := b.djangoUser(dj); got != "" {
			t.Fatalf("Django after Go logout: %q, want anonymous", got)
		}
		if eng.serverSide {
			replay := withSessionCookie(t, "b4-replay", dj.URL, old)
			if got := replay.djangoUser(dj); got != "" {
				t.Fatalf("Django accepts the session cookie Go logged out: %q", got)
			}
		}
	})
	ok = ok && step("django-password-change/go-rejects-old-session", func(t *testing.T) {
		other := newBrowser(t, "b5-other")
		other.goLogin(g, "alice", alicePW)
		changer := newBrowser(t, "b5-changer")
		changer.djangoLogin(dj, "alice", alicePW)
		if got := other.goUser(g); got != "alice" {
			t.Fatalf("Go before the password change: %q", got)
		}
		changer.djangoChangePassword(dj, alicePW, "alice-pw-2")
		alicePW = "alice-pw-2"
		if got := other.goUser(g); got != "" {
			t.Fatalf("Go accepts a session of the old password: %q", got)
		}
		if got := other.djangoUser(dj); got != "" {
			t.Fatalf("Django accepts a session of the old password: %q", got)
		}
		// update_session_auth_hash kept the changing session logged in, for both.
		if got := changer.goUser(g); got != "alice" {
			t.Fatalf("Go after the password change, changing session: %q", got)
		}
		if got := changer.djangoUser(dj); got != "alice" {
			t.Fatalf("Django after the password change, changing session: %q", got)
		}
		// The new password works from Go.
		fresh := newBrowser(t, "b5-fresh")
		fresh.goLogin(g, "alice", alicePW)
		if got := fresh.djangoUser(dj); got != "alice" {
			t.Fatalf("Django after a Go login with the new password: %q", got)
		}
	})
	if !ok {
		return
	}
	if !v.hasFallbacks() {
		t.Logf("Django %s has no SECRET_KEY_FALLBACKS: no key rotation case", v.Series)
		return
	}
	step("secret-key-rotation/both-accept-and-rekey", func(t *testing.T) {
		viaDjango := newBrowser(t, "b6-django")
		viaDjango.djangoLogin(dj, "alice", alicePW)
		viaGo := newBrowser(t, "b6-go")
		viaGo.goLogin(g, "bob", "bob-pw-1")
		oldD, oldG := viaDjango.sessionCookie(dj.URL), viaGo.sessionCookie(dj.URL)

		// Rotate: the old key becomes a fallback on both sides.
		rotated := e2eKeys{Key: "djsession-e2e-key-two-" + v.Series + "-" + eng.name + "-fedcba9876543210",
			Fallbacks: []string{keys.Key}}
		dj.stop()
		dj = startDjango(t, v, env(rotated))
		configure(rotated)

		// Django accepts the session made by Django, Go the one made by Go; each re-keys.
		if got := viaDjango.djangoUser(dj); got != "alice" {
			t.Fatalf("Django after rotation, Django's session: %q", got)
		}
		if got := viaGo.goUser(g); got != "bob" {
			t.Fatalf("Go after rotation, Go's session: %q", got)
		}
		newD, newG := viaDjango.sessionCookie(dj.URL), viaGo.sessionCookie(dj.URL)
		if newD == oldD || newD == "" {
			t.Errorf("Django did not re-key its session (cookie %q)", newD)
		}
		if newG == oldG || newG == "" {
			t.Errorf("Go did not re-key its session (cookie %q)", newG)
		}
		if eng.serverSide {
			// cycle_key deleted the old sessions.
			if got := withSessionCookie(t, "b6-old-django", dj.URL, oldD).goUser(g); got != "" {
				t.Errorf("Go accepts the pre-rotation key of Django's session: %q", got)
			}
			if got := withSessionCookie(t, "b6-old-go", dj.URL, oldG).djangoUser(dj); got != "" {
				t.Errorf("Django accepts the pre-rotation key of Go's session: %q", got)
			}
		}

		// Re-keyed sessions need no fallback any more: drop the old key on both sides.
		only := e2eKeys{Key: rotated.Key}
		dj.stop()
		dj = startDjango(t, v, env(only))
		configure(only)
		for _, c := range []struct {
			b    *browser
			user string
		}{{viaDjango, "alice"}, {viaGo, "bob"}} {
			if got := c.b.goUser(g); got != c.user {
				t.Errorf("%s: Go without the fallback: %q, want %s", c.b.name, got, c.user)
			}
			if got := c.b.djangoUser(dj); got != c.user {
				t.Errorf("%s: Django without the fallback: %q, want %s", c.b.name, got, c.user)
			}
		}
	})
}

// jsonHas reports whether body is a JSON object with "present": true and field == want.
func jsonHas(body []byte, field, want string) bool {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return false
	}
	return m["present"] == true && m[field] == want
}
