package compat_test

import (
	"context"
	"io"
	"mime/quotedprintable"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/djsession/djsession/django/auth"
)

// TestE2EPasswordReset: for every Django version, password reset links cross between a
// real Django site (scripts/djangoapp, with Django's PasswordResetView and
// PasswordResetConfirmView over a migrated auth_user) and Go, over HTTP: a link Go makes
// is taken by Django's view and lets the user set a new password (after which Go refuses
// it, as Django does), a damaged one is refused by Django, and the link of the e-mail
// Django sends is accepted by Go for the user whose uidb64 it carries.
func TestE2EPasswordReset(t *testing.T) {
	for _, v := range e2eVersions(t) {
		t.Run(v.Series, func(t *testing.T) {
			t.Parallel()
			v.prepareTemplate(t)
			runE2EPasswordReset(t, v)
		})
	}
}

var resetLink = regexp.MustCompile(`/reset/([^/\s]+)/([^/\s]+)/`)

func runE2EPasswordReset(t *testing.T, v *e2eVersion) {
	ctx := context.Background()
	env, _, users := e2eSQLiteUsers(t, v)
	keys := e2eKeys{Key: "djsession-e2e-reset-" + v.Series + "-0123456789abcdef"}
	for k, val := range keys.env() {
		env[k] = val
	}
	mail := t.TempDir()
	env["DJANGOAPP_EMAIL_DIR"] = mail
	dj := startDjango(t, v, env)
	s := e2eSettings(t, v, keys)
	tokens, err := auth.NewPasswordResetTokenGenerator(&s)
	if err != nil {
		t.Fatal(err)
	}
	byName := users.(auth.UsernameSource)
	alice, err := byName.UserByUsername(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if alice.Email != "alice@example.com" {
		t.Fatalf("alice loaded as %+v", alice)
	}

	// A link Go makes is Django's: its view redirects to the new-password form.
	token, err := tokens.MakeToken(alice)
	if err != nil {
		t.Fatal(err)
	}
	uid := auth.EncodeUID(alice.ID)
	b := newBrowser(t, "reset")
	if status, _, body := b.do("GET", dj.URL+"/reset/"+uid+"/"+token[:len(token)-1]+"x/", nil); status != http.StatusOK ||
		!strings.Contains(string(body), `id="invalid"`) {
		t.Fatalf("Django took a damaged Go link: %d %.300s", status, body)
	}
	status, h, body := b.do("GET", dj.URL+"/reset/"+uid+"/"+token+"/", nil)
	if status != http.StatusFound || !strings.HasSuffix(h.Get("Location"), "/set-password/") {
		t.Fatalf("Django refused the Go link: %d %q %.300s", status, h.Get("Location"), body)
	}
	form := dj.URL + h.Get("Location")
	if status, loc, body := b.postForm(form, url.Values{"new_password1": {"a-new-pw-9876"}, "new_password2": {"a-new-pw-9876"}}); status != http.StatusFound || loc != "/" {
		t.Fatalf("Django's new-password form: %d %q %.500s", status, loc, body)
	}
	b.djangoLogin(dj, "alice", "a-new-pw-9876")
	// The password changed: the link is spent, for Go as for Django.
	alice, err = byName.UserByUsername(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if tokens.CheckToken(alice, token) {
		t.Error("Go accepts the link after the password changed")
	}
	if status, _, body := b.do("GET", dj.URL+"/reset/"+uid+"/"+token+"/", nil); status != http.StatusOK || !strings.Contains(string(body), `id="invalid"`) {
		t.Fatalf("Django after the reset: %d %.300s", status, body)
	}

	// The e-mail Django sends: Go reads its link.
	b2 := newBrowser(t, "reset-mail")
	if status, loc, body := b2.postForm(dj.URL+"/password_reset/", url.Values{"email": {"bob@example.com"}}); status != http.StatusFound || loc != "/" {
		t.Fatalf("Django's password reset form: %d %q %.500s", status, loc, body)
	}
	files, _ := filepath.Glob(filepath.Join(mail, "*"))
	if len(files) != 1 {
		t.Fatalf("%d e-mails written", len(files))
	}
	raw, _ := os.ReadFile(files[0])
	// The body is quoted-printable (long lines are split with "=" soft breaks).
	_, bodyQP, _ := strings.Cut(string(raw), "\n\n")
	text, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(bodyQP)))
	if err != nil {
		t.Fatal(err)
	}
	m := resetLink.FindStringSubmatch(string(text))
	if m == nil {
		t.Fatalf("no link in the e-mail:\n%s", text)
	}
	id, err := auth.DecodeUID(m[1])
	if err != nil {
		t.Fatal(err)
	}
	bob, err := users.User(ctx, id)
	if err != nil || bob.Username != "bob" {
		t.Fatalf("uidb64 %q: %v %v", m[1], bob, err)
	}
	if !tokens.CheckToken(bob, m[2]) {
		t.Errorf("Go refuses the link Django mailed: %s", m[0])
	}
	if tokens.CheckToken(alice, m[2]) {
		t.Error("Go accepts bob's link for alice")
	}
}
