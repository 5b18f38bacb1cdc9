package signing

import (
	"errors"
	"testing"

	"github.com/djsession/djsession/internal/fixtureseed"
)

// FuzzLoads: arbitrary tokens never panic and fail only with the package's errors.
func FuzzLoads(f *testing.F) {
	for _, s := range fixtureseed.Strings(".", "token", "token_z", "input", "output") {
		f.Add(s)
	}
	s, err := NewTimestampSigner(Options{Key: benchKey, Salt: benchSalt, FallbackKeys: []string{"old"}, AcceptSHA1: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, token string) {
		_, err := s.UnsignObject(token)
		if err != nil && !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrMalformed) {
			t.Fatalf("unexpected error class: %v", err)
		}
	})
}

// FuzzUnsignObjectPayload signs arbitrary payload text, so the fuzzer reaches the
// base64, zlib and JSON stages behind a valid signature: the result is a value or
// ErrMalformed, never a signature error.
func FuzzUnsignObjectPayload(f *testing.F) {
	for _, s := range []string{"eyJhIjoxfQ", ".eJyrVkpUsjKs5QIAEaYDJQ", "a", ".", "e30=", "e+/="} {
		f.Add(s)
	}
	s, err := NewTimestampSigner(Options{Key: "k"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, payload string) {
		_, err := s.UnsignObject(s.Sign(payload))
		if err != nil && (!errors.Is(err, ErrMalformed) || errors.Is(err, ErrBadSignature)) {
			t.Fatalf("payload %q: %v", payload, err)
		}
	})
}
