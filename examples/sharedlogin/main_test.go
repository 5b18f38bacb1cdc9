package main

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/djsession/djsession/django/auth/hashers"
	"github.com/djsession/djsession/engines/db/sqlite"
)

// The service on its own (compat_test/e2e_example_test.go runs it beside a real Django):
// a login from Go is greeted by name, and a logout makes the visitor anonymous again.
func TestSharedLoginService(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "db.sqlite3")
	sdb, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	pw, err := hashers.PBKDF2{Iterations: 1000}.Encode("pw", "saltsaltsaltsalt")
	if err != nil {
		t.Fatal(err)
	}
	// The columns of Django's auth_user that the service reads.
	for _, q := range []string{
		`CREATE TABLE auth_user (id integer PRIMARY KEY, password varchar(128), last_login datetime NULL,
			is_active bool, username varchar(150) UNIQUE, email varchar(254), is_superuser bool NOT NULL DEFAULT 0,
			is_staff bool NOT NULL DEFAULT 0, first_name varchar(150) NOT NULL DEFAULT '', last_name varchar(150) NOT NULL DEFAULT '')`,
		`INSERT INTO auth_user (id, password, is_active, username) VALUES (1, '` + pw + `', 1, 'alice')`,
	} {
		if _, err := sdb.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	settings := filepath.Join(dir, "settings.json")
	os.WriteFile(settings, []byte(`{"django_version": "6.1.3", "settings": {"SECRET_KEY": "example-key",
		"SESSION_ENGINE": "django.contrib.sessions.backends.signed_cookies", "TIME_ZONE": "UTC",
		"ALLOWED_HOSTS": ["127.0.0.1"]}}`), 0o600)

	a, err := newApp(context.Background(), settings, "sqlite://"+path, "http://django.example", "")
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	srv := httptest.NewServer(a.handler())
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func() string {
		resp, err := c.Get(srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if body := get(); !strings.Contains(body, "Hello, anonymous visitor.") {
		t.Fatalf("before login:\n%s", body)
	}
	// Each form carries Django's CSRF token for the csrftoken cookie.
	// post returns the status and the page the redirect leads to.
	post := func(path string, form url.Values, origin string) (int, string) {
		t.Helper()
		m := regexp.MustCompile(`name="csrfmiddlewaretoken" value="([^"]+)"`).FindStringSubmatch(get())
		if m == nil {
			t.Fatal("no CSRF token on the page")
		}
		form.Set("csrfmiddlewaretoken", m[1])
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// Each outcome leaves a message (Django's messages framework) for the next page only.
	if _, body := post("/login", url.Values{"username": {"alice"}, "password": {"wrong"}}, srv.URL); !strings.Contains(body, `<li class="error">Wrong username or password.</li>`) {
		t.Fatalf("the page after a wrong password:\n%s", body)
	}
	if body := get(); !strings.Contains(body, "Hello, anonymous visitor.") || strings.Contains(body, "Wrong") {
		t.Fatalf("after a wrong password:\n%s", body)
	}
	u, _ := url.Parse(srv.URL)
	before := jar.Cookies(u)
	if _, body := post("/login", url.Values{"username": {"alice"}, "password": {"pw"}}, srv.URL); !strings.Contains(body, "Welcome back, alice.") {
		t.Fatalf("the page after login:\n%s", body)
	}
	for _, ck := range jar.Cookies(u) {
		for _, old := range before {
			if ck.Name == "csrftoken" && old.Name == "csrftoken" && ck.Value == old.Value {
				t.Error("login did not rotate the CSRF cookie")
			}
		}
	}
	if body := get(); !strings.Contains(body, "Hello, alice!") {
		t.Fatalf("after login:\n%s", body)
	}
	var lastLogin sql.NullString
	sdb.QueryRow("SELECT last_login FROM auth_user WHERE id = 1").Scan(&lastLogin)
	if !lastLogin.Valid {
		t.Error("login did not set last_login")
	}
	// A cross-site POST is refused, even with the token; a POST without one too.
	if status, _ := post("/logout", url.Values{}, "https://evil.example"); status != http.StatusForbidden {
		t.Errorf("cross-site POST: %d, want 403", status)
	}
	resp, err := c.PostForm(srv.URL+"/logout", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST without a token: %d, want 403", resp.StatusCode)
	}
	if body := get(); !strings.Contains(body, "Hello, alice!") {
		t.Fatalf("after refused logouts:\n%s", body)
	}
	if _, body := post("/logout", url.Values{}, srv.URL); !strings.Contains(body, "You are logged out") {
		t.Fatalf("the page after logout:\n%s", body)
	}
	if body := get(); !strings.Contains(body, "Hello, anonymous visitor.") {
		t.Fatalf("after logout:\n%s", body)
	}
}
