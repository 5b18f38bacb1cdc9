package django

import (
	"strings"
	"testing"
)

// TestIsValidEmail pins a few answers of Django's validate_email per version (the live
// test, TestLiveIsValidEmail, holds thousands to each version's).
func TestIsValidEmail(t *testing.T) {
	tests := []struct {
		value          string
		legacy, modern bool // Django before 5.2, and 5.2+
	}{
		{"alice@example.com", true, true},
		{"alice@b\u00fccher.de", true, true},
		{"alice@example.c0m", true, false},
		{"alice@example.\u00e9", true, false},
		{"alice@example.\u00e9\u00e9", true, true},
		{"alice@\u00e9xample.com", true, true},
		{"alice@xn--bcher-kva.de", true, true},
		{"alice@example.com.", false, false},
		{"alice@localhost", true, true},
		{"alice@[127.0.0.1]", true, true},
		{"alice@[127.0.0.01]", false, false},
		{"alice@[::ffff:1.2.3.4]", true, true},
		{"\u017fam@example.com", true, true},
		{"\"a b\"@example.com", false, false},
		{"\"a\\ b\"@example.com", true, true},
		{"a..b@example.com", false, false},
		{strings.Repeat("a", 300) + "@example.com", true, true},
		{strings.Repeat("a", 320) + "@example.com", false, false},
	}
	for _, tc := range tests {
		for _, version := range []string{"4.2", "5.2"} {
			s := NewSettings()
			if err := s.ForDjango(version); err != nil {
				t.Fatal(err)
			}
			want := tc.modern
			if version == "4.2" {
				want = tc.legacy
			}
			if got := s.IsValidEmail(tc.value); got != want {
				t.Errorf("%s: %+q: %v, want %v", version, tc.value, got, want)
			}
		}
	}
}

func FuzzIsValidEmail(f *testing.F) {
	for _, s := range []string{"alice@example.com", "a@[::1]", "\"a\\\"\"@b\u00fccher.de", "a@xn--a.b"} {
		f.Add(s)
	}
	legacy := NewSettings()
	legacy.ForDjango("3.2")
	modern := NewSettings()
	f.Fuzz(func(t *testing.T, v string) {
		legacy.IsValidEmail(v)
		modern.IsValidEmail(v)
	})
}
