package compat_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"html"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// buildExample compiles examples/sharedlogin into a temporary directory.
func buildExample(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "sharedlogin")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/djsession/djsession/examples/sharedlogin")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build examples/sharedlogin: %v\n%s", err, out)
	}
	return bin
}

// exportSettings runs scripts/export_settings.py --secrets inside the demo Django
// project configured by env, and returns the path of the JSON.
func exportSettings(t testing.TB, v *e2eVersion, env map[string]string) string {
	t.Helper()
	cmd := exec.Command(v.Python, "../scripts/export_settings.py", "--secrets")
	cmd.Env = append(djangoEnv(env), "PYTHONPATH=../scripts/djangoapp", "DJANGO_SETTINGS_MODULE=djangoapp.settings")
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("Django %s: export_settings.py: %v\n%s", v.Series, err, msg)
	}
	path := filepath.Join(t.TempDir(), "settings.json")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// startExample runs the example service and returns its base URL once it answers.
func startExample(t testing.TB, bin, settings, database, djangoURL string) string {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, "-addr", addr, "-settings", settings, "-database", database, "-django", djangoURL)
	logs := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	base := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/api/whoami")
		if err == nil {
			resp.Body.Close()
			return base
		}
		select {
		case <-done:
			t.Fatalf("examples/sharedlogin exited:\n%s", logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("examples/sharedlogin does not answer on %s: %v\n%s", addr, err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// e2eExampleEnv starts, for v, the demo Django site on the db engine over SQLite (with
// the extra environment variables), and examples/sharedlogin configured from the site's
// exported settings.
func e2eExampleEnv(t *testing.T, v *e2eVersion, bin string, extra ...map[string]string) (dj *djangoServer, goURL string) {
	t.Helper()
	env, _, _ := e2eSQLiteUsers(t, v)
	env["SESSION_ENGINE"] = "db"
	for _, e := range extra {
		maps.Copy(env, e)
	}
	for k, val := range (e2eKeys{Key: "djsession-e2e-example-key-" + v.Series + "-0123456789"}).env() {
		env[k] = val
	}
	dj = startDjango(t, v, env)
	settings := exportSettings(t, v, env)
	return dj, startExample(t, bin, settings, env["DJANGOAPP_DATABASE"], dj.URL)
}

// TestE2EExampleSharedLogin runs examples/sharedlogin, configured from the settings
// scripts/export_settings.py prints, beside the demo Django site of every version: a
// Django login is greeted by name on the Go page, a Go logout logs Django out; the CSRF
// tokens of either side's forms pass the other's check, a Go login rotates the CSRF
// cookie as Django's login does, and the messages the Go service leaves are shown once, by
// Django's page.
func TestE2EExampleSharedLogin(t *testing.T) {
	forEachExample(t, nil, func(t *testing.T, dj *djangoServer, goURL string) {
		b := newBrowser(t, "example")
		page := func() string {
			status, _, body := b.do("GET", goURL+"/", nil)
			if status != http.StatusOK {
				t.Fatalf("Go page: %d %s", status, body)
			}
			return string(body)
		}
		if body := page(); !strings.Contains(body, "Hello, anonymous visitor.") {
			t.Fatalf("Go page before login:\n%s", body)
		}
		b.djangoLogin(dj, "alice", "alice-pw-1")
		if body := page(); !strings.Contains(body, "Hello, alice!") {
			t.Fatalf("Go page after the Django login:\n%s", body)
		}
		// Go's CSRF check is Django's: a POST without a token is refused, and the token
		// of Django's login form (with the csrftoken cookie Django set) passes.
		if status, _, body := b.do("POST", goURL+"/logout", url.Values{}); status != http.StatusForbidden {
			t.Fatalf("Go logout without a CSRF token: %d %s", status, body)
		}
		djTok := b.csrfToken(dj.URL + "/login/")
		if status, _, body := b.do("POST", goURL+"/logout", url.Values{"csrfmiddlewaretoken": {djTok}}); status != http.StatusSeeOther {
			t.Fatalf("Go logout with Django's CSRF token: %d %s", status, body)
		}
		if got := b.djangoUser(dj); got != "" {
			t.Fatalf("Django after the Go logout: %q", got)
		}
		// The Go logout's message (Django's messages framework) is shown by Django's page.
		if _, _, body := b.do("GET", dj.URL+"/", nil); !strings.Contains(string(body), `<li class="info">You are logged out (on both sites).</li>`) {
			t.Fatalf("Django's page after the Go logout:\n%s", body)
		}
		// And the other way: a login from the Go page is a Django login.
		goTok := b.csrfToken(goURL + "/")
		if status, _, body := b.do("POST", goURL+"/login", url.Values{"username": {"bob"}, "password": {"bob-pw-1"},
			"csrfmiddlewaretoken": {goTok}}); status != http.StatusSeeOther {
			t.Fatalf("Go login: %d %s", status, body)
		}
		if got := b.djangoUser(dj); got != "bob" {
			t.Fatalf("Django after the Go login: %q", got)
		}
		if _, _, body := b.do("GET", dj.URL+"/", nil); !strings.Contains(string(body), "Welcome back, bob. (You logged in on the Go service.)") {
			t.Fatalf("Django's page after the Go login:\n%s", body)
		}
		if body := page(); !strings.Contains(body, "Hello, bob!") || strings.Contains(body, "Welcome back") {
			t.Fatalf("Go page after the Go login:\n%s", body)
		}
		// The login rotated the CSRF cookie (the old token is refused by Django), and
		// Django takes the token of the Go page for the new one.
		if status, _, _ := b.do("POST", dj.URL+"/logout/", url.Values{"csrfmiddlewaretoken": {goTok}}); status != http.StatusForbidden {
			t.Fatalf("Django logout with the token from before the Go login: %d, want 403", status)
		}
		if status, _, body := b.do("POST", dj.URL+"/logout/", url.Values{"csrfmiddlewaretoken": {b.csrfToken(goURL + "/")}}); status != http.StatusFound {
			t.Fatalf("Django logout with the Go page's CSRF token: %d %.300s", status, body)
		}
		if got := b.djangoUser(dj); got != "" {
			t.Fatalf("Django after its logout: %q", got)
		}
		// The reports page, @permission_required("auth.view_user", raise_exception=True)
		// on Django and auth.PermissionRequired on Go: the same answer for each user
		// (carol has the permission through her group, alice is a superuser, bob has
		// none), and the same 403 page.
		checkReports(t, b, dj, goURL, "anonymous", 403)
		for _, c := range []struct {
			user, password string
			status         int
		}{{"carol", "carol-pw-1", 200}, {"bob", "bob-pw-1", 403}, {"alice", "alice-pw-1", 200}} {
			b.djangoLogin(dj, c.user, c.password)
			checkReports(t, b, dj, goURL, c.user, c.status)
		}
	})
}

// forEachExample runs fn beside the demo Django site and examples/sharedlogin
// (e2eExampleEnv, with the extra environment), for every version of the matrix in
// parallel.
func forEachExample(t *testing.T, extra map[string]string, fn func(t *testing.T, dj *djangoServer, goURL string)) {
	versions := e2eVersions(t)
	bin := buildExample(t)
	for _, v := range versions {
		t.Run(v.Series, func(t *testing.T) {
			t.Parallel()
			v.prepareTemplate(t)
			dj, goURL := e2eExampleEnv(t, v, bin, extra)
			fn(t, dj, goURL)
		})
	}
}

// checkReports gets the reports page from Django and from the Go service as b, and wants
// status and the same response from both: the same JSON for 200, else the same body and
// Content-Type.
func checkReports(t *testing.T, b *browser, dj *djangoServer, goURL, who string, status int) {
	t.Helper()
	djStatus, djHeader, djBody := b.do("GET", dj.URL+"/reports/", nil)
	goStatus, goHeader, goBody := b.do("GET", goURL+"/reports", nil)
	if djStatus != status || goStatus != status {
		t.Fatalf("reports as %s: Django %d, Go %d, want %d\n%.300s\n%.300s", who, djStatus, goStatus, status, djBody, goBody)
	}
	if status == http.StatusOK {
		var djJSON, goJSON map[string]any
		if err := errors.Join(json.Unmarshal(djBody, &djJSON), json.Unmarshal(goBody, &goJSON)); err != nil || djJSON["reports_for"] != who || !maps.Equal(djJSON, goJSON) {
			t.Fatalf("reports as %s: Django %s, Go %s (%v)", who, djBody, goBody, err)
		}
		return
	}
	if !bytes.Equal(djBody, goBody) || djHeader.Get("Content-Type") != goHeader.Get("Content-Type") {
		t.Fatalf("reports as %s: Django %q %q, Go %q %q", who, djHeader.Get("Content-Type"), djBody, goHeader.Get("Content-Type"), goBody)
	}
}

// TestE2EExamplePasswordChange: a password change on the Go service, beside the demo
// site of every version with AUTH_PASSWORD_VALIDATORS set (read by Go from the exported
// settings). A wrong old password, two new ones that differ, and new passwords the
// validators refuse get the same error messages as Django's PasswordChangeView gives for
// the same form. A valid change keeps the changing session logged in on both sides and
// logs the user's other session out of both; Django then takes the new password and
// refuses the old one.
func TestE2EExamplePasswordChange(t *testing.T) {
	const validators = `[{"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
		{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
		{"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"}]`
	forEachExample(t, map[string]string{"DJANGOAPP_PASSWORD_VALIDATORS": validators}, func(t *testing.T, dj *djangoServer, goURL string) {
		b, other := newBrowser(t, "changer"), newBrowser(t, "other")
		b.djangoLogin(dj, "bob", "bob-pw-1")
		other.djangoLogin(dj, "bob", "bob-pw-1")
		form := func(old, new1, new2 string) url.Values {
			return url.Values{"old_password": {old}, "new_password1": {new1}, "new_password2": {new2}}
		}
		// goChange posts the form to Go and returns the messages of the next Go page.
		goChange := func(f url.Values) []string {
			f.Set("csrfmiddlewaretoken", b.csrfToken(goURL+"/"))
			if status, _, body := b.do("POST", goURL+"/password", f); status != http.StatusSeeOther {
				t.Fatalf("Go password change: %d %s", status, body)
			}
			_, _, body := b.do("GET", goURL+"/", nil)
			var msgs []string
			for _, m := range goMessage.FindAllSubmatch(body, -1) {
				msgs = append(msgs, html.UnescapeString(string(m[1])))
			}
			return msgs
		}
		for _, f := range []url.Values{
			form("wrong-old-password", "a fine new password", "a fine new password"),
			form("bob-pw-1", "a fine new password", "another new password"),
			form("bob-pw-1", "12345", "12345"),
			form("bob-pw-1", "bob", "bob"),
		} {
			msgs := goChange(maps.Clone(f))
			if len(msgs) == 0 || strings.HasPrefix(msgs[0], "Your password was changed") {
				t.Fatalf("Go accepted %v: %q", f, msgs)
			}
			// Django's PasswordChangeView on the same form shows the same errors.
			status, _, body := b.postForm(dj.URL+"/password/", maps.Clone(f))
			if status != http.StatusOK {
				t.Fatalf("Django took %v: %d", f, status)
			}
			djText := html.UnescapeString(string(body))
			for _, m := range msgs {
				if !strings.Contains(djText, m) {
					t.Errorf("%v: Go says %q, Django's page does not:\n%.1500s", f, m, body)
				}
			}
			want := 0
			for _, m := range djErrors.FindAllStringSubmatch(djText, -1) {
				want += strings.Count(m[1], "<li>")
			}
			if got := len(msgs); got != want {
				t.Errorf("%v: Go gives %d errors %q, Django %d:\n%.1500s", f, got, msgs, want, body)
			}
		}
		if msgs := goChange(form("bob-pw-1", "a fine new password", "a fine new password")); len(msgs) != 1 || msgs[0] != "Your password was changed." {
			t.Fatalf("Go password change: %q", msgs)
		}
		if got := b.djangoUser(dj); got != "bob" {
			t.Fatalf("Django after the change, same browser: %q", got)
		}
		if got := other.djangoUser(dj); got != "" {
			t.Fatalf("Django after the change, the other session: %q", got)
		}
		if _, _, body := other.do("GET", goURL+"/", nil); !strings.Contains(string(body), "Hello, anonymous visitor.") {
			t.Fatalf("Go page of the other session:\n%s", body)
		}
		fresh := newBrowser(t, "fresh")
		if status, _, _ := fresh.postForm(dj.URL+"/login/", url.Values{"username": {"bob"}, "password": {"bob-pw-1"}}); status != http.StatusOK {
			t.Fatalf("Django login with the old password: %d, want 200 (refused)", status)
		}
		fresh.djangoLogin(dj, "bob", "a fine new password")
	})
}

// djErrors finds the error lists of a Django form page.
var djErrors = regexp.MustCompile(`(?s)<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>`)

// goMessage finds the messages of the example's page.
var goMessage = regexp.MustCompile(`<li class="[^"]*">([^<]*)</li>`)
