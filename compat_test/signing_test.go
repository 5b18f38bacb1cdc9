package compat_test

import (
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/signing"
)

// Versions whose signing accepted SHA-1 signatures besides the configured algorithm.
func acceptsSHA1(series string) bool { return series == "3.2" }

func TestFixtureB62(t *testing.T) {
	type c struct {
		N int64  `json:"n"`
		S string `json:"s"`
	}
	eachCase(t, loadFixtures(t, "signing"), "b62", func(t *testing.T, _ fixtureFile, c c) {
		if got := signing.B62Encode(c.N); got != c.S {
			t.Errorf("B62Encode(%d) = %q, Django %q", c.N, got, c.S)
		}
		if got, err := signing.B62Decode(c.S); err != nil || got != c.N {
			t.Errorf("B62Decode(%q) = %d, %v; Django %d", c.S, got, err, c.N)
		}
	})
}

func TestFixtureSaltedHMAC(t *testing.T) {
	type c struct {
		KeySalt   string `json:"key_salt"`
		Value     string `json:"value"`
		Secret    string `json:"secret"`
		Algorithm string `json:"algorithm"`
		Hex       string `json:"hex"`
		Error     string `json:"error"`
	}
	eachCase(t, loadFixtures(t, "signing"), "salted_hmac", func(t *testing.T, _ fixtureFile, c c) {
		mac, err := signing.SaltedHMAC(c.KeySalt, c.Value, c.Secret, c.Algorithm)
		if c.Error != "" {
			if !errors.Is(err, signing.ErrInvalidAlgorithm) {
				t.Errorf("Django raised %s; Go: %x, %v", c.Error, mac, err)
			}
			return
		}
		if err != nil || hex.EncodeToString(mac) != c.Hex {
			t.Errorf("got %x, %v; Django %s", mac, err, c.Hex)
		}
	})
}

// signerCase holds the fields of sign and unsign cases.
type signerCase struct {
	Signer       string   `json:"signer"`
	Class        string   `json:"class"`
	Key          string   `json:"key"`
	FallbackKeys []string `json:"fallback_keys"`
	Salt         *string  `json:"salt"`
	Sep          *string  `json:"sep"`
	Algorithm    *string  `json:"algorithm"`
	Time         *float64 `json:"time"`
	MaxAge       *float64 `json:"max_age"`
	Value        pyStr    `json:"value"`
	Input        pyStr    `json:"input"`
	Output       pyStr    `json:"output"`
	Result       string   `json:"result"`
	Error        string   `json:"error"`
	SettingsKey  string   `json:"settings_secret_key"`
}

// pyStr is a string field of a fixture read as Python reads it: a lone surrogate escape
// becomes its WTF-8 form (encoding/json would turn it into U+FFFD).
type pyStr string

func (p *pyStr) UnmarshalJSON(b []byte) error {
	v, err := serializer.DecodeJSONText(string(b))
	if err != nil {
		return err
	}
	s, ok := v.AsStr()
	if !ok {
		return fmt.Errorf("not a string: %s", b)
	}
	*p = pyStr(s)
	return nil
}

// keyOr mirrors Django's `key or settings.SECRET_KEY`: Go has no settings, so the caller
// passes the settings key itself.
func keyOr(key, settingsKey string) string {
	if key == "" {
		return settingsKey
	}
	return key
}

func (c signerCase) options(series string) signing.Options {
	o := signing.Options{Key: keyOr(c.Key, c.SettingsKey), FallbackKeys: c.FallbackKeys, AcceptSHA1: acceptsSHA1(series)}
	if c.Salt != nil {
		o.Salt = *c.Salt
	}
	if c.Sep != nil {
		o.Sep = *c.Sep
	}
	if c.Algorithm != nil {
		o.Algorithm = *c.Algorithm
	}
	if c.Class != "" {
		o.ClassName = c.Class
	}
	if c.Time != nil {
		o.Now = clock(*c.Time)
	}
	return o
}

// explicitEmptySep reports a case where Django was given sep="" explicitly; Go's zero
// Sep means the default ":", so such a case is not expressible (Django refuses it).
func (c signerCase) explicitEmptySep() bool { return c.Sep != nil && *c.Sep == "" }

// signer is the common surface of Signer and TimestampSigner used here.
type signer interface {
	Sign(string) string
	Unsign(string) (string, error)
}

func newSigner(series string, c signerCase) (signer, func(string, time.Duration) (string, error), error) {
	o := c.options(series)
	if c.Signer == "TimestampSigner" {
		s, err := signing.NewTimestampSigner(o)
		if err != nil {
			return nil, nil, err
		}
		return s, s.UnsignMaxAge, nil
	}
	s, err := signing.NewSigner(o)
	return s, nil, err
}

func TestFixtureSign(t *testing.T) {
	eachCase(t, loadFixtures(t, "signing"), "sign", func(t *testing.T, f fixtureFile, c signerCase) {
		s, _, err := newSigner(f.Series, c)
		if c.Error == "UnicodeEncodeError" {
			// A str with lone surrogates has no UTF-8 bytes to sign, so Django raises. A Go
			// string can hold one only as WTF-8 (from DecodeJSON); Sign signs its bytes,
			// and the result verifies.
			if utf8.ValidString(string(c.Value)) {
				t.Fatalf("Django raised UnicodeEncodeError for valid UTF-8 %q", c.Value)
			}
			if got, err := s.Unsign(s.Sign(string(c.Value))); err != nil || got != string(c.Value) {
				t.Errorf("round trip = %q, %v", got, err)
			}
			return
		}
		if c.Error != "" {
			if c.explicitEmptySep() {
				return
			}
			if err == nil {
				t.Errorf("Django raised %s; Go accepted the options", c.Error)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Sign(string(c.Value)); got != string(c.Output) {
			t.Errorf("Sign(%q) = %q, Django %q", c.Value, got, c.Output)
		}
	})
}

// checkResult compares a Go error with Django's result label.
func checkResult(t *testing.T, err error, result string) {
	t.Helper()
	switch result {
	case "ok":
		if err != nil {
			t.Errorf("Django accepted; Go: %v", err)
		}
	case "SignatureExpired":
		if !errors.Is(err, signing.ErrSignatureExpired) || !errors.Is(err, signing.ErrBadSignature) {
			t.Errorf("Django: SignatureExpired; Go: %v", err)
		}
	case "BadSignature":
		if !errors.Is(err, signing.ErrBadSignature) || errors.Is(err, signing.ErrSignatureExpired) {
			t.Errorf("Django: BadSignature; Go: %v", err)
		}
	case "error":
		if !errors.Is(err, signing.ErrMalformed) || errors.Is(err, signing.ErrBadSignature) {
			t.Errorf("Django: error after a valid signature; Go: %v", err)
		}
	default:
		t.Fatalf("unknown result %q", result)
	}
}

func TestFixtureUnsign(t *testing.T) {
	eachCase(t, loadFixtures(t, "signing"), "unsign", func(t *testing.T, f fixtureFile, c signerCase) {
		s, unsignMaxAge, err := newSigner(f.Series, c)
		if err != nil {
			if c.Result == "error" && (errors.Is(err, signing.ErrUnsafeSeparator) || errors.Is(err, signing.ErrInvalidAlgorithm)) {
				return // Django refused the signer's options too
			}
			t.Fatal(err)
		}
		var got string
		if c.MaxAge != nil {
			got, err = unsignMaxAge(string(c.Input), time.Duration(*c.MaxAge*float64(time.Second)))
		} else {
			got, err = s.Unsign(string(c.Input))
		}
		checkResult(t, err, c.Result)
		if c.Result == "ok" && got != string(c.Value) {
			t.Errorf("Unsign = %q, Django %q", got, c.Value)
		}
	})
}

type dumpsCase struct {
	Key      string   `json:"key"`
	Settings string   `json:"settings_secret_key"`
	Salt     *string  `json:"salt"`
	Compress bool     `json:"compress"`
	Time     float64  `json:"time"`
	Value    typed    `json:"value"`
	JSON     string   `json:"json"`
	Token    string   `json:"token"`
	Fallback []string `json:"fallback_keys"`
}

// dumpsSalt maps the salt Django's dumps was called with to DumpsOptions.Salt.
func dumpsSalt(s *string) string {
	switch {
	case s == nil:
		return signing.DefaultSalt
	case *s == "":
		return signing.TimestampSignerClass // Django: salt or default
	}
	return *s
}

func TestFixtureDumps(t *testing.T) {
	eachCase(t, loadFixtures(t, "signing"), "dumps", func(t *testing.T, f fixtureFile, c dumpsCase) {
		v := c.Value.toValue(t)
		js, err := serializer.EncodeJSON(v)
		if err != nil || string(js) != c.JSON {
			t.Fatalf("EncodeJSON = %s, %v; Django %s", js, err, c.JSON)
		}
		c.Key = keyOr(c.Key, c.Settings)
		opts := signing.DumpsOptions{Key: c.Key, Salt: dumpsSalt(c.Salt), Compress: c.Compress, Now: clock(c.Time)}
		tok, err := signing.Dumps(v, opts)
		if err != nil {
			t.Fatal(err)
		}
		if tok != c.Token {
			t.Errorf("Dumps = %q\nDjango  %q", tok, c.Token)
		}
		got, err := signing.Loads(c.Token, signing.LoadsOptions{Key: c.Key, Salt: dumpsSalt(c.Salt)})
		if err != nil {
			t.Fatalf("Loads(Django's token): %v", err)
		}
		sameValue(t, "Loads(Django's token)", got, mustDecodeJSON(t, c.JSON))
	})
}

func mustDecodeJSON(t *testing.T, s string) serializer.Value {
	t.Helper()
	v, err := serializer.DecodeJSONString(s)
	if err != nil {
		t.Fatalf("DecodeJSON(%s): %v", s, err)
	}
	return v
}

type loadsCase struct {
	Key          string   `json:"key"`
	FallbackKeys []string `json:"fallback_keys"`
	Salt         *string  `json:"salt"`
	MaxAge       *float64 `json:"max_age"`
	Time         float64  `json:"time"`
	Token        string   `json:"token"`
	Result       string   `json:"result"`
	Value        *typed   `json:"value"`
}

func TestFixtureLoads(t *testing.T) {
	eachCase(t, loadFixtures(t, "signing"), "loads", func(t *testing.T, f fixtureFile, c loadsCase) {
		s, err := signing.NewTimestampSigner(signing.Options{Key: c.Key, FallbackKeys: c.FallbackKeys,
			Salt: dumpsSalt(c.Salt), AcceptSHA1: acceptsSHA1(f.Series), Now: clock(c.Time)})
		if err != nil {
			t.Fatal(err)
		}
		var got serializer.Value
		if c.MaxAge != nil {
			got, err = s.UnsignObjectMaxAge(c.Token, time.Duration(*c.MaxAge*float64(time.Second)))
		} else {
			got, err = s.UnsignObject(c.Token)
		}
		checkResult(t, err, c.Result)
		if c.Result == "ok" {
			sameValue(t, "loads", got, c.Value.toValue(t))
		}
	})
}

type roundtripCase struct {
	Value  typed   `json:"value"`
	JSON   string  `json:"json"`
	Key    string  `json:"key"`
	Salt   *string `json:"salt"`
	Time   float64 `json:"time"`
	Token  string  `json:"token"`
	TokenZ string  `json:"token_z"`
}

func TestFixtureRandomRoundtrip(t *testing.T) {
	eachCase(t, loadFixtures(t, "random"), "roundtrip", func(t *testing.T, f fixtureFile, c roundtripCase) {
		v := c.Value.toValue(t)
		js, err := serializer.EncodeJSON(v)
		if err != nil || string(js) != c.JSON {
			t.Fatalf("EncodeJSON = %s, %v\nDjango %s", js, err, c.JSON)
		}
		for _, compress := range []bool{false, true} {
			want := map[bool]string{false: c.Token, true: c.TokenZ}[compress]
			tok, err := signing.Dumps(v, signing.DumpsOptions{Key: c.Key, Salt: dumpsSalt(c.Salt), Compress: compress, Now: clock(c.Time)})
			if err != nil || tok != want {
				t.Errorf("Dumps(compress=%v) = %q, %v\nDjango  %q", compress, tok, err, want)
			}
		}
		for _, token := range []string{c.Token, c.TokenZ} {
			got, err := signing.Loads(token, signing.LoadsOptions{Key: c.Key, Salt: dumpsSalt(c.Salt)})
			if err != nil {
				t.Fatalf("Loads(%q): %v", token, err)
			}
			sameValue(t, "Loads", got, v) // random values are JSON-native: no tuples or non-str keys
		}
	})
}
