package session

import (
	"io"
	"log/slog"
	"testing"

	"github.com/djsession/djsession/internal/fixtureseed"
)

// FuzzDecode: Decode never panics and always returns a usable dict; with AcceptLegacy the
// legacy path is exercised too.
func FuzzDecode(f *testing.F) {
	for _, s := range fixtureseed.Strings(".", "input", "output", "token") {
		f.Add(s)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := NewCodec(Config{SecretKey: "django-insecure-perf-anchor-secret-key-0123456789abcdefghijklmnopqrstuv", AcceptLegacy: true, Logger: quiet})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d := c.Decode(s); d == nil {
			t.Fatal("Decode returned nil")
		}
	})
}
