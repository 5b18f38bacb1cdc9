package auth

import "testing"

// TestUnicodeCIEqual pins _unicode_ci_compare's answers (Python 3.13's) where Go's case
// folding needs help (Cherokee) or where folding keeps letters apart.
func TestUnicodeCIEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"\u13a0", "\uab70", true},
		{"\u13f0", "\u13f8", true},
		{"stra\u00dfe", "STRASSE", true},
		{"\u0131", "i", false},
		{"\ufb01", "FI", true},
		{"\u212a", "k", true},
		{"\u00c9cole", "\u00e9COLE", true},
		{"\u0130", "i", false},
	}
	for _, tc := range tests {
		if got := unicodeCIEqual(tc.a, tc.b); got != tc.want {
			t.Errorf("%+q, %+q: %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
