package auth

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/django"
)

func tokenTestGenerator(t testing.TB, now time.Time) *PasswordResetTokenGenerator {
	t.Helper()
	s := django.NewSettings()
	s.SecretKey, s.SecretKeyFallbacks, s.TimeZone = "tokens-test-secret", []string{"old-secret"}, "UTC"
	s.Now = func() time.Time { return now }
	g, err := NewPasswordResetTokenGenerator(&s)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestPasswordResetTokenEdges(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	g := tokenTestGenerator(t, now)
	login := time.Date(2025, 5, 1, 8, 30, 15, 999999000, time.UTC)
	u := &User{ID: "42", PasswordHash: "pbkdf2_sha256$1$s$h", LastLogin: &login, Email: "a@example.com"}
	tok, err := g.MakeToken(u)
	if err != nil {
		t.Fatal(err)
	}
	// 2025-06-01 12:00 is 770,472,000 s after 2001-01-01: "cqpw00" in base 36 (Python's int_to_base36).
	if !strings.HasPrefix(tok, "cqpw00-") || len(tok) != len("cqpw00-")+32 {
		t.Errorf("token %q", tok)
	}
	if !g.CheckToken(u, tok) {
		t.Error("own token refused")
	}
	other := *u
	other.Email = "b@example.com"
	for _, c := range []struct {
		u     *User
		token string
	}{
		{nil, tok}, {u, ""}, {&other, tok}, {u, "0" + tok}, {u, strings.ToUpper(tok[:1]) + tok[1:]},
		{u, "zzzzzzzzzzzzzz-" + tok[7:]}, {u, "zzzzzzzzzzzzz-" + tok[7:]}, {u, tok + "-x"}, {u, "-"},
	} {
		if g.CheckToken(c.u, c.token) {
			t.Errorf("CheckToken(%v, %q) accepted", c.u, c.token)
		}
	}
	// The fallback key's tokens pass; the timeout is inclusive.
	old := *g
	old.Secret = "old-secret"
	oldTok, _ := old.MakeToken(u)
	if !g.CheckToken(u, oldTok) {
		t.Error("fallback key's token refused")
	}
	for _, c := range []struct {
		after time.Duration
		ok    bool
	}{{259200 * time.Second, true}, {259201 * time.Second, false}, {-time.Hour, true}} {
		later := tokenTestGenerator(t, now.Add(c.after))
		if got := later.CheckToken(u, tok); got != c.ok {
			t.Errorf("%v later: %v", c.after, got)
		}
	}
	if _, err := tokenTestGenerator(t, time.Date(2000, 12, 31, 0, 0, 0, 0, time.UTC)).MakeToken(u); !errors.Is(err, ErrTokenTime) {
		t.Errorf("token before 2001: %v", err)
	}
}

func TestUIDB64(t *testing.T) {
	for pk, want := range map[string]string{"42": "NDI", "1": "MQ", "ü": "w7w", "": ""} {
		if got := EncodeUID(pk); got != want {
			t.Errorf("EncodeUID(%q) = %q, want %q", pk, got, want)
		}
		if back, err := DecodeUID(want); err != nil || back != pk {
			t.Errorf("DecodeUID(%q) = %q, %v", want, back, err)
		}
	}
	// Django pads with len % 4 "=" signs: "M" (one character) cannot be completed.
	for _, bad := range []string{"M", "/w", "NDIxM"} {
		if v, err := DecodeUID(bad); err == nil {
			t.Errorf("DecodeUID(%q) = %q", bad, v)
		}
	}
}

// FuzzCheckToken: any token text is refused or accepted without a panic, and one that is
// accepted is the generator's own token for its timestamp (or a fallback key's).
func FuzzCheckToken(f *testing.F) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	g := tokenTestGenerator(f, now)
	u := &User{ID: "42", PasswordHash: "x", Email: "a@example.com"}
	tok, _ := g.MakeToken(u)
	for _, s := range []string{tok, "0" + tok, "-", "a-b", "zzzzzzzzzzzzz-" + tok[7:], "NDI"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		ok := g.CheckToken(u, token)
		DecodeUID(token)
		if !ok {
			return
		}
		ts, _, _ := strings.Cut(token, "-")
		n, good := base36ToInt(ts)
		if !good {
			t.Fatalf("accepted %q with an unreadable timestamp", token)
		}
		mine, _ := g.token(u, n, g.Secret, "sha256", "")
		theirs, _ := g.token(u, n, "old-secret", "sha256", "")
		if token != mine && token != theirs {
			t.Fatalf("accepted %q, not a token of either key", token)
		}
	})
}
