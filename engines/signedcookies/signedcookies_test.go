package signedcookies

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/signing"
)

func at(sec float64) func() time.Time {
	t := time.Unix(0, int64(sec*1e9))
	return func() time.Time { return t }
}

func TestDjangoToken(t *testing.T) {
	// Made by Django 3.2 and 6.1: signed_cookies SessionStore, SECRET_KEY "k",
	// session {"a": 1}, time.time() = 1700000000.5.
	const django = "eyJhIjoxfQ:1r31eq:oO0NWqq93YS0fwPSk-pNHwHCos2sDyPFNHZsXkRTJDQ"
	s, err := New(Config{SecretKey: "k"}, engines.Options{Now: at(1700000000.5)})
	if err != nil {
		t.Fatal(err)
	}
	d := serializer.NewDict()
	d.Set("a", serializer.Int(1))
	got, err := s.Encode(d)
	if err != nil || got != django {
		t.Fatalf("Encode = %q, %v; want %q", got, err, django)
	}
	back, ok := s.Decode(django)
	if !ok || !serializer.Equal(serializer.DictValue(back), serializer.DictValue(d)) {
		t.Fatalf("Decode = %v %v", back, ok)
	}
}

func TestMaxAge(t *testing.T) {
	sign, _ := New(Config{SecretKey: "k"}, engines.Options{Now: at(1000.25)})
	v, _ := sign.Encode(serializer.NewDict())
	for _, c := range []struct {
		now float64
		ok  bool
	}{{1000, true}, {1000 + 60, true}, {1060, true}, {1060.001, false}, {500, true}} {
		s, _ := New(Config{SecretKey: "k"}, engines.Options{Now: at(c.now), Expiry: session.Expiry{CookieAge: 60}})
		if _, ok := s.Decode(v); ok != c.ok {
			t.Errorf("at %v: ok %v, want %v", c.now, ok, c.ok)
		}
	}
	// The custom expiry does not matter (ticket #19201).
	d := serializer.NewDict()
	d.Set(session.ExpiryKey, serializer.Int(5))
	v, _ = sign.Encode(d)
	s, _ := New(Config{SecretKey: "k"}, engines.Options{Now: at(1050)})
	if _, ok := s.Decode(v); !ok {
		t.Error("custom expiry applied to the signature age")
	}
}

func TestFallbacksAndTampering(t *testing.T) {
	old, _ := New(Config{SecretKey: "old"}, engines.Options{})
	d := serializer.NewDict()
	d.Set("user", serializer.Str("x"))
	v, _ := old.Encode(d)
	rotated, _ := New(Config{SecretKey: "new", SecretKeyFallbacks: []string{"older", "old"}}, engines.Options{})
	if _, ok := rotated.Decode(v); !ok {
		t.Fatal("fallback key not honoured")
	}
	plain, _ := New(Config{SecretKey: "new"}, engines.Options{})
	if _, err := plain.DecodeErr(v); !errors.Is(err, signing.ErrBadSignature) {
		t.Fatalf("wrong key: %v", err)
	}
	for i := range v {
		b := []byte(v)
		b[i] ^= 1
		if _, ok := old.Decode(string(b)); ok && string(b) != v {
			// flipping a bit of a base64 character can still decode to the same bytes
			// only in the last, partial character of the signature
			if i != len(v)-1 {
				t.Errorf("tampered byte %d accepted", i)
			}
		}
	}
	for _, bad := range []string{"", "short", "a:b:c", strings.Repeat("x", 100000), "\xff\xfe:1:2"} {
		if _, ok := old.Decode(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	// A validly signed non-dict.
	tok, _ := signing.Dumps(serializer.List(serializer.Int(1)), signing.DumpsOptions{Key: "old", Salt: Salt})
	if _, err := old.DecodeErr(tok); !errors.Is(err, ErrNotDict) {
		t.Errorf("list: %v", err)
	}
}

func TestStoreContract(t *testing.T) {
	ctx := context.Background()
	var buf bytes.Buffer
	s, _ := New(Config{SecretKey: "k"}, engines.Options{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	var store engines.Store = s
	d := serializer.NewDict()
	d.Set("a", serializer.Int(1))
	if err := store.Save(ctx, "x", d, true); !errors.Is(err, ErrKeyIsValue) {
		t.Fatal(err)
	}
	if _, err := engines.Create(ctx, store, d); !errors.Is(err, ErrKeyIsValue) {
		t.Fatal("Create must fail loudly", err)
	}
	key, err := s.SaveKey(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := store.Load(ctx, key)
	if !ok || err != nil || got.Len() != 1 {
		t.Fatal(got, ok, err)
	}
	if ex, _ := store.Exists(ctx, key); ex {
		t.Fatal("Exists true")
	}
	if store.Delete(ctx, key) != nil || store.ClearExpired(ctx) != nil {
		t.Fatal("Delete/ClearExpired")
	}
	if buf.Len() != 0 {
		t.Fatalf("unexpected log %s", buf.String())
	}
	// Incompressible data over the browser limit is logged.
	big := serializer.NewDict()
	var sb strings.Builder
	for i := 0; i < 200; i++ { // random keys compress to about 5.2 bits a character
		sb.WriteString(engines.NewKey())
	}
	big.Set("blob", serializer.Str(sb.String()))
	v, err := s.Encode(big)
	if err != nil || len(v) <= MaxCookieSize {
		t.Fatalf("len %d, %v", len(v), err)
	}
	if !strings.Contains(buf.String(), "exceeds the browser limit") {
		t.Fatalf("no warning: %q", buf.String())
	}
}
