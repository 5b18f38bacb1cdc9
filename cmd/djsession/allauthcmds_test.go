package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestAllauthTokenCLI runs "djsession allauth-token" on the JWTs django-allauth made
// (scripts/allauth_oracle.py's setup on Django 5.2, HS256 under the site's secret key):
// the claims and the session key of valid ones, exit 4 for an expired token and 3 for
// the other refusals.
func TestAllauthTokenCLI(t *testing.T) {
	py := djangoPython(t)
	path := filepath.Join(t.TempDir(), "db.sqlite3")
	c := exec.Command(py, filepath.Join("..", "..", "scripts", "allauth_oracle.py"),
		`{"ENGINE":"django.db.backends.sqlite3","NAME":"`+path+`"}`,
		`{"headless": {"TOKEN_STRATEGY": "allauth.headless.tokens.strategies.jwt.JWTTokenStrategy", "JWT_ALGORITHM": "HS256"}}`, "setup")
	text, err := c.Output()
	if err != nil {
		t.Fatalf("allauth_oracle.py setup: %v", err)
	}
	var setup struct{ Tokens map[string]string }
	if err := json.Unmarshal(text, &setup); err != nil {
		t.Fatal(err)
	}
	const key = "djsession-auth-db-secret-key" // (the oracle site's SECRET_KEY)
	for _, c := range []struct {
		name    string
		refresh bool
		code    int
		session string // the token whose session key is expected
	}{
		{"a-alice", false, exitOK, "s-alice"},
		{"r-alice", true, exitOK, "s-alice"},
		{"a-bob", false, exitOK, "s-bob"},
		{"a-anon", false, exitOK, "s-anon"},
		{"a-badsid", false, exitOK, ""},
		{"a-expired", false, exitExpired, ""},
		{"r-expired", true, exitExpired, ""},
		{"a-tampered", false, exitBadSig, ""},
		{"a-othersecret", false, exitBadSig, ""},
		{"a-alice", true, exitBadSig, ""},
		{"r-alice", false, exitBadSig, ""},
		{"a-nosid", false, exitBadSig, ""},
		{"a-intsub", false, exitBadSig, ""},
		{"a-iat", false, exitBadSig, ""},
	} {
		args := []string{"allauth-token", "--secret-key", key, "--algorithm", "HS256"}
		if c.refresh {
			args = append(args, "--refresh")
		}
		out, code := runCLI(t, "", append(args, setup.Tokens[c.name])...)
		if code != c.code {
			t.Errorf("%s (refresh %v): exit %d, want %d (%s)", c.name, c.refresh, code, c.code, out)
			continue
		}
		if code != exitOK {
			continue
		}
		var got struct {
			Claims     map[string]any
			SessionKey *string `json:"session_key"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%s: %v: %s", c.name, err, out)
		}
		want := setup.Tokens[c.session]
		if c.session == "" && got.SessionKey != nil || c.session != "" && (got.SessionKey == nil || *got.SessionKey != want) {
			t.Errorf("%s: session key %v, want %q", c.name, got.SessionKey, want)
		}
		if got.Claims["sid"] == nil || got.Claims["jti"] == nil {
			t.Errorf("%s: claims %v", c.name, got.Claims)
		}
	}
	if _, code := runCLI(t, "", "allauth-token", "--secret-key", key, setup.Tokens["a-alice"]); code != exitUsage {
		t.Errorf("RS256 without a private key: exit %d, want %d", code, exitUsage)
	}
}
