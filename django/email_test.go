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
		for _, version := range []string{"4.2.30", "5.2"} {
			s := NewSettings()
			if err := s.ForDjango(version); err != nil {
				t.Fatal(err)
			}
			want := tc.modern
			if version == "4.2.30" {
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

// TestSecurityReleaseCutoffs: the behaviours that security releases changed in a patch
// release (checked against those releases' code).
func TestSecurityReleaseCutoffs(t *testing.T) {
	tests := []struct {
		version                         string
		noEmailLimit, noIPv6Limit, mail bool
	}{
		{"3.2.19", true, true, true},
		{"3.2.20", false, true, true},
		{"4.1.9", true, true, true},
		{"4.1.10", false, true, true},
		{"4.2.2", true, true, true},
		{"4.2.3", false, true, true},
		{"4.2.15", false, true, true},
		{"4.2.16", false, true, false},
		{"4.2.17", false, true, false},
		{"4.2.18", false, false, false},
		{"5.0.8", false, true, true},
		{"5.0.9", false, true, false},
		{"5.0.11", false, false, false},
		{"5.1", false, true, true},
		{"5.1.1", false, true, false},
		{"5.1.5", false, false, false},
		{"5.2", false, false, false},
	}
	for _, tc := range tests {
		s := NewSettings()
		if err := s.ForDjango(tc.version); err != nil {
			t.Fatal(err)
		}
		if s.EmailNoLengthLimit != tc.noEmailLimit || s.IPv6NoLengthLimit != tc.noIPv6Limit || s.PasswordResetMailErrorsFail != tc.mail {
			t.Errorf("%s: EmailNoLengthLimit %v, IPv6NoLengthLimit %v, PasswordResetMailErrorsFail %v; want %v %v %v", tc.version,
				s.EmailNoLengthLimit, s.IPv6NoLengthLimit, s.PasswordResetMailErrorsFail, tc.noEmailLimit, tc.noIPv6Limit, tc.mail)
		}
		long := strings.Repeat("a", 400) + "@example.com"
		if s.IsValidEmail(long) != tc.noEmailLimit {
			t.Errorf("%s: a 412-character address: %v", tc.version, s.IsValidEmail(long))
		}
		if ip := "a@[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]"; s.IsValidEmail(ip) != tc.noIPv6Limit {
			t.Errorf("%s: a 45-character IPv6 literal: %v", tc.version, s.IsValidEmail(ip))
		}
	}
}
