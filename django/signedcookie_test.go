package django

import (
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/djsession/djsession/signing"
)

// Values Django set_signed_cookie("prefs", "dark", salt="ui") made with SECRET_KEY "k" at
// time.time() == 1700000000 (scripts/peer_ops_signedcookie.py); TestLiveSignedCookieValues
// compares every version live.
func TestSignedCookieDjangoValues(t *testing.T) {
	for version, want := range map[string]string{
		"4.2.30": "dark:1r31eq:oi3jkbs6XznIZtdArFDZOUTG9Y9UTgzslQDyFb0AxkU",
		"6.1.3":  "dark:1r31eq:DHV48GL_fLLMTY07g7jA-dHP2SthsFpW6hsPFnqXuUk",
	} {
		s := NewSettings()
		s.SecretKey = "k"
		s.Now = func() time.Time { return time.Unix(1700000000, 0) }
		if err := s.ForDjango(version); err != nil {
			t.Fatal(err)
		}
		got, err := s.SignCookieValue("prefs", "dark", "ui")
		if err != nil || got != want {
			t.Errorf("Django %s: %q, %v; want %q", version, got, err, want)
		}
		rec := httptest.NewRecorder()
		if err := SetSignedCookie(rec, &s, Cookie{Name: "prefs", Value: "dark", Path: "/"}, "ui"); err != nil ||
			rec.Header().Get("Set-Cookie") != "prefs="+want+"; Path=/" {
			t.Errorf("Django %s: Set-Cookie %q, %v", version, rec.Header().Get("Set-Cookie"), err)
		}
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Cookie", "prefs="+want)
		if v, err := GetSignedCookie(req, &s, "prefs", SignedCookieOptions{Salt: "ui"}); v != "dark" || err != nil {
			t.Errorf("Django %s: get %q, %v", version, v, err)
		}
		if _, err := GetSignedCookie(req, &s, "prefs", SignedCookieOptions{Salt: "u"}); !errors.Is(err, signing.ErrBadSignature) {
			t.Errorf("Django %s: another salt: %v", version, err)
		}
		if _, err := GetSignedCookie(req, &s, "other", SignedCookieOptions{}); !errors.Is(err, ErrNoSignedCookie) {
			t.Errorf("Django %s: no cookie: %v", version, err)
		}
		later := s
		later.Now = func() time.Time { return time.Unix(1700000011, 0) }
		if _, err := GetSignedCookie(req, &later, "prefs", SignedCookieOptions{Salt: "ui", MaxAge: 10 * time.Second, HasMaxAge: true}); !errors.Is(err, signing.ErrSignatureExpired) {
			t.Errorf("Django %s: 11 s old with max_age 10: %v", version, err)
		}
	}
}

func TestSignedCookieSalts(t *testing.T) {
	for _, c := range []struct {
		version        string
		legacy, fallbk bool
	}{
		{"3.2.25", true, false}, {"4.2.30", true, false}, {"5.2.14", true, false}, {"5.2.15", false, true},
		{"6.0.5", true, false}, {"6.0.6", false, true}, {"6.1", false, false},
	} {
		s := NewSettings()
		if err := s.ForDjango(c.version); err != nil {
			t.Fatal(err)
		}
		if s.SignedCookieLegacySalt != c.legacy || s.SignedCookieLegacySaltFallback != c.fallbk {
			t.Errorf("ForDjango(%s): legacy salt %v, fallback %v", c.version, s.SignedCookieLegacySalt, s.SignedCookieLegacySaltFallback)
		}
	}
	var s Settings
	// The salt length counts characters, as Python's len(); the pairs that collided
	// before do not now.
	if got := s.cookieSalt("a", "é", false); got != "django.http.cookies.v2:1:éa" {
		t.Errorf("v2 salt %q", got)
	}
	if s.cookieSalt("ab", "c", false) == s.cookieSalt("a", "bc", false) || s.cookieSalt("ab", "c", true) != s.cookieSalt("a", "bc", true) {
		t.Error("salts: the v2 form must tell (ab, c) from (a, bc), the legacy one does not")
	}
}
