package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOAuth2TokenCLI runs "djsession oauth2-token" on the access tokens django-oauth-toolkit
// made in a database (scripts/oauth2_oracle.py's setup on Django 5.2): each token's user,
// scope and resources as Django stored them, exit 4 for an expired token, 3 for an
// unknown one and for one lacking a --scope; then "oauth2-revoke" takes a user's tokens
// away.
func TestOAuth2TokenCLI(t *testing.T) {
	py := djangoPython(t)
	path := filepath.Join(t.TempDir(), "db.sqlite3")
	c := exec.Command(py, filepath.Join("..", "..", "scripts", "oauth2_oracle.py"),
		`{"ENGINE":"django.db.backends.sqlite3","NAME":"`+path+`"}`, `{}`, "setup")
	text, err := c.Output()
	if err != nil {
		t.Fatalf("oauth2_oracle.py setup: %v", err)
	}
	var setup struct{ Tokens map[string]string }
	if err := json.Unmarshal(text, &setup); err != nil {
		t.Fatal(err)
	}
	type user struct{ ID, Username string }
	type token struct {
		User     *user
		Scope    string
		Expired  bool
		Resource []string
	}
	for _, c := range []struct {
		name   string
		scopes []string
		code   int
		want   token
	}{
		{"alice", nil, exitOK, token{&user{"1", "alice"}, "read write", false, []string{}}},
		{"alice", []string{"write", "extra"}, exitBadSig, token{&user{"1", "alice"}, "read write", false, []string{}}},
		{"carol", []string{"extra", "music:read"}, exitOK, token{&user{"3", "carol"}, "read write music:read extra alt", false, []string{}}},
		{"expired", nil, exitExpired, token{&user{"1", "alice"}, "read write", true, []string{}}},
		{"client", nil, exitOK, token{nil, "read write", false, []string{}}},
		{"ghost", nil, exitOK, token{nil, "read", false, []string{}}},
		{"latin", nil, exitOK, token{&user{"1", "alice"}, "read", false, []string{}}},
		{"res-other", nil, exitOK, token{&user{"1", "alice"}, "read", false,
			[]string{"https://testserver/api/", "http://other.example/api/", "http://testserver/apiary/"}}},
	} {
		args := []string{"oauth2-token", "--db", "sqlite:" + path}
		for _, s := range c.scopes {
			args = append(args, "--scope", s)
		}
		out, code := runCLI(t, "", append(args, setup.Tokens[c.name])...)
		var got token
		if err := json.Unmarshal([]byte(out), &got); err != nil || code != c.code {
			t.Errorf("%s %v: exit %d %q", c.name, c.scopes, code, out)
			continue
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
	if out, code := runCLI(t, "", "oauth2-token", "--db", "sqlite:"+path, "no-such-token"); code != exitBadSig || out != "" {
		t.Errorf("an unknown token: exit %d %q", code, out)
	}
	if _, code := runCLI(t, "", "oauth2-token", "--db", "sqlite:"+path, "--dot", "3", "x"); code != exitUsage {
		t.Errorf("--dot 3: exit %d", code)
	}
	// Revoking carol's tokens: her access tokens are gone.
	out, code := runCLI(t, "", "oauth2-revoke", "--db", "sqlite:"+path, "carol")
	if code != exitOK || !strings.HasPrefix(out, "Revoked ") || !strings.HasSuffix(out, " access tokens and 3 refresh tokens of user carol") {
		t.Errorf("oauth2-revoke: exit %d %q", code, out)
	}
	if _, code := runCLI(t, "", "oauth2-token", "--db", "sqlite:"+path, setup.Tokens["carol"]); code != exitBadSig {
		t.Errorf("carol's token after oauth2-revoke: exit %d", code)
	}
	if _, code := runCLI(t, "", "oauth2-token", "--db", "sqlite:"+path, setup.Tokens["alice"]); code != exitOK {
		t.Errorf("alice's token after revoking carol's: exit %d", code)
	}
	if _, code := runCLI(t, "", "oauth2-revoke", "--db", "sqlite:"+path, "nobody"); code != exitError {
		t.Errorf("oauth2-revoke of an unknown user: exit %d", code)
	}
	if !strings.Contains(setup.Tokens["latin"], "\u00f6") {
		t.Errorf("the latin token is %q", setup.Tokens["latin"])
	}
}
