package signing

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/serializer"
)

// Unit tests of the mechanics; compat_test checks the same against real Django's output.

func TestB62(t *testing.T) {
	for n, s := range map[int64]string{0: "0", 1: "1", 61: "z", 62: "10", 3844: "100", 1700000000: "1r31eq", -62: "-10"} {
		if got := B62Encode(n); got != s {
			t.Errorf("B62Encode(%d) = %q, want %q", n, got, s)
		}
		if got, err := B62Decode(s); err != nil || got != n {
			t.Errorf("B62Decode(%q) = %d, %v", s, got, err)
		}
	}
	for _, bad := range []string{"", "!", "1.5"} {
		if _, err := B62Decode(bad); !errors.Is(err, ErrBase62) {
			t.Errorf("B62Decode(%q): err = %v", bad, err)
		}
	}
}

func TestB64DecodeLenient(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"aGk", "hi", true}, {"aGk=", "hi", true}, {"aGk==", "hi", true}, {"a-_z", "k\xef\xf3", true},
		{"a+/z", "k\xef\xf3", true}, {"a G!k", "hi", true}, {"a", "", false}, {"aGkx" + "a", "", false},
		// Newlines are skipped, but counted in the length that Django pads to (as Django's
		// b64_decode answered; the fast decoder once read the first four).
		{"QUI\n", "", false}, {"QQ\n", "", false}, {"QQ\n\n", "", false}, {"QU\rI", "", false},
		{"QUJD\n", "ABC", true}, {"QQ\n\n\n\n", "A", true}, {"QUJD\r\n\r\n", "ABC", true},
		{"QUJDRA\n\n\n\nQUJD", "ABCD\x04\x14$", true}, {"QUJDRA\nQUJD", "", false},
	}
	for _, tt := range tests {
		got, err := B64Decode(tt.in)
		if (err == nil) != tt.ok || (tt.ok && string(got) != tt.want) {
			t.Errorf("B64Decode(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestSeparatorRule(t *testing.T) {
	for _, sep := range []string{"a", "_", "-", "=", "[", `\`, "^", "`", "0", "Z9"} {
		if _, err := NewSigner(Options{Key: "k", Sep: sep}); !errors.Is(err, ErrUnsafeSeparator) {
			t.Errorf("sep %q: err = %v, want ErrUnsafeSeparator", sep, err)
		}
	}
	for _, sep := range []string{":", "::", "#sep#", "/", "!", "a:"} {
		if _, err := NewSigner(Options{Key: "k", Sep: sep}); err != nil {
			t.Errorf("sep %q: %v", sep, err)
		}
	}
	if _, err := NewSigner(Options{}); !errors.Is(err, ErrNoKey) {
		t.Errorf("no key: %v", err)
	}
	if _, err := NewSigner(Options{Key: "k", Algorithm: "sha512_256"}); !errors.Is(err, ErrInvalidAlgorithm) {
		t.Errorf("bad algorithm: %v", err)
	}
}

func TestUnsignErrors(t *testing.T) {
	s, _ := NewSigner(Options{Key: "secret", FallbackKeys: []string{"old"}})
	old, _ := NewSigner(Options{Key: "old"})
	other, _ := NewSigner(Options{Key: "other"})
	signed := s.Sign("a:b")
	if v, err := s.Unsign(signed); err != nil || v != "a:b" {
		t.Errorf("Unsign = %q, %v", v, err)
	}
	if v, err := s.Unsign(old.Sign("x")); err != nil || v != "x" {
		t.Errorf("fallback: %q, %v", v, err)
	}
	for _, bad := range []string{"nosep", signed + "x", "b" + signed[1:], other.Sign("a:b")} {
		if _, err := s.Unsign(bad); !errors.Is(err, ErrBadSignature) || errors.Is(err, ErrSignatureExpired) {
			t.Errorf("Unsign(%q): err = %v, want ErrBadSignature", bad, err)
		}
	}
}

func TestMaxAge(t *testing.T) {
	now := time.Unix(1700000000, 250_000_000)
	clock := func() time.Time { return now }
	s, _ := NewTimestampSigner(Options{Key: "secret", Now: clock})
	signed := s.Sign("v") // timestamp 1700000000, truncated
	tests := []struct {
		at      time.Time
		maxAge  time.Duration
		wantErr error
	}{
		{time.Unix(1700000010, 0), 10 * time.Second, nil},                        // age == max_age
		{time.Unix(1700000010, 1e6), 10 * time.Second, ErrSignatureExpired},      // just over
		{time.Unix(1700000000, 250e6), 0, ErrSignatureExpired},                   // 0.25 s > 0
		{time.Unix(1699999000, 0), time.Second, nil},                             // future timestamp
		{time.Unix(1700000000, 0), 0, nil},                                       // age exactly 0
		{time.Unix(1700000001, 0), 1500 * time.Millisecond, nil},                 // float max age
		{time.Unix(1700000002, 0), 1500 * time.Millisecond, ErrSignatureExpired}, // float max age
	}
	for i, tt := range tests {
		now = tt.at
		_, err := s.UnsignMaxAge(signed, tt.maxAge)
		if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
			t.Errorf("%d: err = %v, want %v", i, err, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrBadSignature) {
			t.Errorf("%d: expired error must also be ErrBadSignature", i)
		}
	}
	now = time.Unix(1800000000, 0)
	if _, err := s.UnsignMaxAge("x"+signed, time.Second); !errors.Is(err, ErrBadSignature) || errors.Is(err, ErrSignatureExpired) {
		t.Errorf("tampered and old: %v, want bad signature (checked before age)", err)
	}
}

func TestObjectErrorsAfterValidSignature(t *testing.T) {
	s, _ := NewTimestampSigner(Options{Key: "secret"})
	for name, payload := range map[string]string{
		"bad base64": "a", "bad zlib": ".aGVsbG8", "bad json": B64Encode([]byte("{nope")),
	} {
		_, err := s.UnsignObject(s.Sign(payload))
		if !errors.Is(err, ErrMalformed) || errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: err = %v, want ErrMalformed only", name, err)
		}
	}
}

func TestDumpsLoadsRoundTrip(t *testing.T) {
	v, _ := serializer.DecodeJSONText(`{"a":[1,2.5,"` + strings.Repeat("x", 200) + `"],"é":null}`)
	for _, compress := range []bool{false, true} {
		tok, err := Dumps(v, DumpsOptions{Key: "k", Compress: compress})
		if err != nil {
			t.Fatal(err)
		}
		if compress != strings.HasPrefix(tok, ".") {
			t.Errorf("compress=%v token %q", compress, tok)
		}
		got, err := Loads(tok, LoadsOptions{Key: "k", MaxAge: time.Hour})
		if err != nil || !serializer.Equal(got, v) {
			t.Errorf("Loads = %v, %v", got, err)
		}
	}
	tiny, _ := Dumps(serializer.Int(1), DumpsOptions{Key: "k", Compress: true})
	if strings.HasPrefix(tiny, ".") {
		t.Errorf("tiny value must not be compressed: %q", tiny)
	}
}

// TestLoadedValuesOwnMemory checks that values from UnsignObject stay intact while later
// calls reuse the pooled buffers the payloads are decoded into.
func TestLoadedValuesOwnMemory(t *testing.T) {
	s, err := NewSigner(Options{Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	for _, compress := range []bool{false, true} {
		var toks []string
		var want []string
		for _, c := range []string{"a", "b", "c"} {
			v, _ := serializer.DecodeJSONText(`{"s":"` + strings.Repeat(c, 300) + `","t":["` + c + `é"]}`)
			tok, err := s.SignObject(v, compress)
			if err != nil {
				t.Fatal(err)
			}
			toks, want = append(toks, tok), append(want, v.String())
		}
		var got []serializer.Value
		for _, tok := range toks {
			v, err := s.UnsignObject(tok)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, v)
		}
		for i, v := range got {
			if v.String() != want[i] {
				t.Errorf("compress=%v: value %d changed by later loads: %.60s…", compress, i, v.String())
			}
		}
	}
}

// TestB64DecodeStdStrict pins base64.b64decode(s, validate=True), as Python 3.13 answered
// for each input (Django 6.1's DatabaseCache reads its values so).
func TestB64DecodeStdStrict(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"QQ==", "A", true}, {"QR==", "A", true}, {"QUI=", "AB", true}, {"", "", true}, {"QUJD", "ABC", true},
		{"QQ=", "", false}, {"QQ", "", false}, {"=QQ==", "", false}, {"QQ==QQ==", "", false},
		{"QUJD\n", "", false}, {"QU=JD", "", false}, {"QUJD=", "", false}, {"QQ===", "", false},
		{"QQ==\n", "", false}, {"Q-_A", "", false}, {"QUJ=D", "", false},
	}
	for _, tt := range tests {
		got, err := B64DecodeStdStrict(tt.in)
		if (err == nil) != tt.ok || tt.ok && string(got) != tt.want {
			t.Errorf("B64DecodeStdStrict(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
