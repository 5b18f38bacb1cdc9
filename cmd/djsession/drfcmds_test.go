package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDRFCreateTokenParity runs "djsession drf-create-token" and DRF's own "manage.py
// drf_create_token" (Django 5.2, DRF 3.18) on one database Django made
// (scripts/drf_oracle.py setup: alice has a token, josé none): both print the same line
// for the same token, the token Go makes is the one DRF then prints, --reset makes a new
// one that DRF then prints, and an unknown user fails with DRF's message.
func TestDRFCreateTokenParity(t *testing.T) {
	py := djangoPython(t)
	path := filepath.Join(t.TempDir(), "db.sqlite3")
	dbj := `{"ENGINE":"django.db.backends.sqlite3","NAME":"` + path + `"}`
	oracle := func(args ...string) (out, errText string) {
		t.Helper()
		c := exec.Command(py, append([]string{filepath.Join("..", "..", "scripts", "drf_oracle.py"), dbj}, args...)...)
		text, err := c.Output()
		if err != nil {
			t.Fatalf("drf_oracle.py %v: %v", args, err)
		}
		if args[0] == "setup" {
			return "", ""
		}
		var r struct {
			Out   string
			Error *string
		}
		if err := json.Unmarshal(text, &r); err != nil {
			t.Fatal(err)
		}
		if r.Error != nil {
			return r.Out, *r.Error
		}
		return strings.TrimSpace(r.Out), ""
	}
	oracle("setup")
	db := "sqlite:" + path
	for _, user := range []string{"alice", "jos\u00e9"} {
		got, code := runCLI(t, "", "drf-create-token", "--db", db, user)
		want, _ := oracle("drf_create_token", user)
		if code != 0 || got != want || !strings.HasPrefix(got, "Generated token ") {
			t.Errorf("%s: Go %q (exit %d), DRF %q", user, got, code, want)
		}
	}
	before, _ := oracle("drf_create_token", "alice")
	got, code := runCLI(t, "", "drf-create-token", "--db", db, "--reset", "alice")
	after, _ := oracle("drf_create_token", "alice")
	if code != 0 || got != after || got == before {
		t.Errorf("--reset: Go %q (exit %d), DRF then %q, before %q", got, code, after, before)
	}
	_, want := oracle("drf_create_token", "nobody")
	var out, errOut strings.Builder
	if code := run([]string{"drf-create-token", "--db", db, "nobody"}, strings.NewReader(""), &out, &errOut, nil); code != exitError || !strings.Contains(errOut.String(), want) || want == "" {
		t.Errorf("unknown user: exit %d, %q; DRF %q", code, errOut.String(), want)
	}
}
