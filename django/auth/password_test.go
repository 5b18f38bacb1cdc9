package auth_test

import (
	"context"
	"errors"
	"testing"

	"github.com/djsession/djsession/django/auth"
	"github.com/djsession/djsession/django/auth/hashers"
	"github.com/djsession/djsession/serializer"
)

// settableUsers is a users source that stores new password hashes.
type settableUsers struct{ users }

func (s settableUsers) SetPassword(_ context.Context, id, encoded string) error {
	s.users[id].PasswordHash = encoded
	return nil
}

// TestChangePassword: the new password replaces the old, the changing session stays
// logged in and another one of the user is logged out (held to Django over HTTP by
// compat_test's TestE2EExamplePasswordChange).
func TestChangePassword(t *testing.T) {
	ctx := context.Background()
	pw, _ := hashers.PBKDF2{Iterations: 1000}.Encode("old-password", "saltsaltsaltsalt")
	bob := &auth.User{ID: "2", PasswordHash: pw, IsActive: true}
	src := settableUsers{users{"2": bob}}
	cfg := &auth.Config{SecretKey: "change-password-test", Users: src, Hashers: hashers.NewSet(hashers.PBKDF2{Iterations: 1000})}
	mine, theirs := &mapSession{d: serializer.NewDict()}, &mapSession{d: serializer.NewDict()}
	for _, s := range []*mapSession{mine, theirs} {
		if err := auth.Login(ctx, s, bob, "", cfg); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := auth.CheckPassword(ctx, bob, "old-password", cfg); !ok || err != nil {
		t.Fatalf("CheckPassword(old) = %v, %v", ok, err)
	}
	if err := auth.ChangePassword(ctx, mine, bob, "new-password", cfg); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		pw   string
		want bool
	}{{"old-password", false}, {"new-password", true}} {
		if ok, err := auth.CheckPassword(ctx, bob, c.pw, cfg); ok != c.want || err != nil {
			t.Errorf("CheckPassword(%q) = %v, %v", c.pw, ok, err)
		}
	}
	if u, err := auth.GetUser(ctx, mine, cfg); u == nil || err != nil {
		t.Errorf("the changing session: %v, %v", u, err)
	}
	if u, err := auth.GetUser(ctx, theirs, cfg); u != nil || err != nil {
		t.Errorf("the other session: %v, %v", u, err)
	}
	// A source that cannot store passwords.
	ro := &auth.Config{SecretKey: "x", Users: users{"2": bob}}
	if err := auth.SetPassword(ctx, bob, "x", ro); !errors.Is(err, auth.ErrUnsupported) {
		t.Errorf("SetPassword without a PasswordSetter: %v", err)
	}
}
