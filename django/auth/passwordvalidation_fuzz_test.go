package auth

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/djsession/djsession/internal/pystr"
)

// FuzzValidatePassword: any password (invalid UTF-8 included) and user attribute goes
// through the four validators without a panic, with the same answer twice, and the
// Python string helpers keep their invariants (the split's pieces are in the text,
// lower-casing keeps valid UTF-8).
func FuzzValidatePassword(f *testing.F) {
	for _, s := range []string{"", "password", "ΩΣ", "İ", "²³", "\x1cx\x1f", "a.b@c", "\xff\xfe", "Σ'Σ."} {
		f.Add(s, "alice.smith@example.com")
	}
	common := &CommonPasswordValidator{passwords: map[string]struct{}{"password": {}}}
	validators := []PasswordValidator{MinimumLengthValidator{}, UserAttributeSimilarityValidator{MaxSimilarity: 0.1}, common, NumericPasswordValidator{}}
	f.Fuzz(func(t *testing.T, password, attr string) {
		user := &PasswordUser{Attributes: map[string]string{"username": attr, "email": attr}}
		a, b := ValidatePassword(password, user, validators), ValidatePassword(password, user, validators)
		if (a == nil) != (b == nil) || a != nil && a.Error() != b.Error() {
			t.Fatalf("two answers: %v, %v", a, b)
		}
		if !utf8.ValidString(pystr.Lower(password)) {
			t.Fatalf("pystr.Lower(%q) is not UTF-8", password)
		}
		for _, part := range pystr.SplitNonWord(attr) {
			if !strings.Contains(attr, part) {
				t.Fatalf("split(%q) has %q", attr, part)
			}
		}
		if r := pystr.QuickRatio(password, attr); r < 0 || r > 1 {
			t.Fatalf("quick_ratio(%q, %q) = %v", password, attr, r)
		}
	})
}
