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
			is_active bool, username varchar(150) UNIQUE)`,
		`INSERT INTO auth_user (id, password, is_active, username) VALUES (1, '` + pw + `', 1, 'alice')`,
	} {
		if _, err := sdb.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	settings := filepath.Join(dir, "settings.json")
	os.WriteFile(settings, []byte(`{"django_version": "6.1.3", "settings": {"SECRET_KEY": "example-key",
		"SESSION_ENGINE": "django.contrib.sessions.backends.signed_cookies", "TIME_ZONE": "UTC"}}`), 0o600)

	a, err := newApp(context.Background(), settings, "sqlite://"+path, "http://django.example")
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
	if _, err := c.PostForm(srv.URL+"/login", url.Values{"username": {"alice"}, "password": {"wrong"}}); err != nil {
		t.Fatal(err)
	}
	if body := get(); !strings.Contains(body, "Hello, anonymous visitor.") {
		t.Fatalf("after a wrong password:\n%s", body)
	}
	if _, err := c.PostForm(srv.URL+"/login", url.Values{"username": {"alice"}, "password": {"pw"}}); err != nil {
		t.Fatal(err)
	}
	if body := get(); !strings.Contains(body, "Hello, alice!") {
		t.Fatalf("after login:\n%s", body)
	}
	var lastLogin sql.NullString
	sdb.QueryRow("SELECT last_login FROM auth_user WHERE id = 1").Scan(&lastLogin)
	if !lastLogin.Valid {
		t.Error("login did not set last_login")
	}
	if _, err := c.PostForm(srv.URL+"/logout", nil); err != nil {
		t.Fatal(err)
	}
	if body := get(); !strings.Contains(body, "Hello, anonymous visitor.") {
		t.Fatalf("after logout:\n%s", body)
	}
	// A cross-site POST is refused.
	req, _ := http.NewRequest("POST", srv.URL+"/logout", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: %d, want 403", resp.StatusCode)
	}
}
