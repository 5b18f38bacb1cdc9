package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestUserCommand: "djsession user" on the database Django made for fixtures/example
// prints each user as Django read it back (sessions.json), by key and by username, and
// --has-perm exits 3 exactly when the user lacks a permission.
func TestUserCommand(t *testing.T) {
	f := loadExample(t)
	db := "sqlite:" + copyExampleDB(t)
	type user struct {
		ID          string
		Username    string
		IsStaff     bool     `json:"is_staff"`
		IsSuperuser bool     `json:"is_superuser"`
		Permissions []string `json:"permissions"`
		Groups      []string `json:"groups"`
	}
	withPerms := 0
	for _, fu := range f.Users {
		want := user{strconv.Itoa(fu.ID), fu.Username, fu.IsStaff, fu.IsSuperuser, fu.Permissions, fu.Groups}
		for _, args := range [][]string{{want.ID}, {"--username", fu.Username}} {
			out, code := runCLI(t, "", append([]string{"user", "--db", db, "--json"}, args...)...)
			var got user
			if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil {
				t.Fatalf("user %v: exit %d, %v: %s", args, code, err, out)
			}
			if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("user %v: (-django +go)\n%s", args, d)
			}
		}
		for _, perm := range []string{"auth.view_user", "sessions.view_session", "auth.add_user"} {
			has := false
			for _, p := range fu.Permissions {
				has = has || p == perm
			}
			_, code := runCLI(t, "", "user", "--db", db, "--has-perm", perm, want.ID)
			if code != map[bool]int{true: 0, false: 3}[has] {
				t.Errorf("user %s --has-perm %s: exit %d (Django: %v)", want.ID, perm, code, has)
			}
		}
		if len(fu.Permissions) > 0 {
			withPerms++
		}
	}
	if withPerms < 2 {
		t.Fatalf("the fixture has %d users with permissions: regenerate it (scripts/make-example-db)", withPerms)
	}
	// USERNAME_FIELD = "email", as custom user models often have it.
	if out, code := runCLI(t, "", "user", "--db", db, "--username-field", "email", "--username", "--json", "bob@example.com"); code != 0 || !strings.Contains(out, `"id":"2"`) {
		t.Errorf("by e-mail: exit %d: %s", code, out)
	}
	if _, code := runCLI(t, "", "user", "--db", db, "99"); code != 1 {
		t.Errorf("no such user: exit %d", code)
	}
	if _, code := runCLI(t, "", "user", "--db", db, "--pk", "bigint", "1"); code != 2 {
		t.Errorf("--pk bigint: exit %d", code)
	}
}
