package compat_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"

	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/signing"
)

// codecFor returns a Codec configured as the given Django series behaves: 3.2 also reads
// the legacy format and SHA-1 signatures.
func codecFor(t *testing.T, series, class, key string, fallbacks []string, logger *slog.Logger) *session.Codec {
	t.Helper()
	c, err := session.NewCodec(session.Config{SecretKey: key, SecretKeyFallbacks: fallbacks, StoreClass: class,
		AcceptLegacy: series == "3.2", AcceptSHA1: series == "3.2", Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFixtureSessionEncode(t *testing.T) {
	type c struct {
		StoreClass string  `json:"store_class"`
		Key        string  `json:"key"`
		Time       float64 `json:"time"`
		Value      typed   `json:"value"`
		JSON       string  `json:"json"`
		Output     string  `json:"output"`
	}
	eachCase(t, loadFixtures(t, "session"), "encode", func(t *testing.T, f fixtureFile, c c) {
		codec, err := session.NewCodec(session.Config{SecretKey: c.Key, StoreClass: c.StoreClass, Now: clock(c.Time)})
		if err != nil {
			t.Fatal(err)
		}
		d := c.Value.toValue(t).Dict()
		got, err := codec.Encode(d)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.Output {
			t.Errorf("Encode = %q\nDjango   %q", got, c.Output)
		}
		back, err := codec.DecodeErr(c.Output)
		if err != nil {
			t.Fatalf("DecodeErr(Django's output): %v", err)
		}
		sameValue(t, "decode of Django's output", serializer.DictValue(back), serializer.DictValue(d))
	})
}

// recorder is a slog handler that keeps records.
type recorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec)
	return nil
}
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

func TestFixtureSessionDecode(t *testing.T) {
	type c struct {
		StoreClass   string   `json:"store_class"`
		Key          string   `json:"key"`
		FallbackKeys []string `json:"fallback_keys"`
		Input        string   `json:"input"`
		Result       string   `json:"result"`
		Value        *typed   `json:"value"`
		Warning      bool     `json:"warning"`
	}
	eachCase(t, loadFixtures(t, "session"), "decode", func(t *testing.T, f fixtureFile, c c) {
		rec := &recorder{}
		codec := codecFor(t, f.Series, c.StoreClass, c.Key, c.FallbackKeys, slog.New(rec))
		got := codec.Decode(c.Input)
		_, err := codec.DecodeErr(c.Input)
		switch c.Result {
		case "ok":
			want := c.Value.toValue(t)
			raw, err := codec.DecodeValue(c.Input)
			if err != nil {
				t.Fatalf("DecodeValue: %v", err)
			}
			sameValue(t, "DecodeValue", raw, want)
			if want.Dict() == nil {
				// Django returns the non-dict as it is (and fails later); Go's dict API
				// reports it and gives the empty session.
				if _, err := codec.DecodeErr(c.Input); !errors.Is(err, session.ErrNotDict) || got.Len() != 0 {
					t.Errorf("non-dict session: DecodeErr = %v, Decode = %v", err, serializer.DictValue(got))
				}
				return
			}
			sameValue(t, "Decode", serializer.DictValue(got), want)
		case "empty":
			if got.Len() != 0 {
				t.Errorf("Django: empty session; Go: %v", serializer.DictValue(got))
			}
			if c.Warning != (len(rec.records) > 0) {
				t.Errorf("Django logged a warning: %v; Go logged %d records (err %v)", c.Warning, len(rec.records), err)
			}
			if len(rec.records) > 0 && rec.records[0].Message != "Session data corrupted" {
				t.Errorf("warning %q", rec.records[0].Message)
			}
		case "error":
			// Django 3.2 raises out of decode() here; Go's Decode gives the empty session
			// and DecodeErr the error.
			if err == nil || got.Len() != 0 {
				t.Errorf("Django raised; Go DecodeErr = %v, Decode = %v", err, serializer.DictValue(got))
			}
		default:
			t.Fatalf("unknown result %q", c.Result)
		}
	})
}

func TestFixtureSessionLegacyEncode(t *testing.T) {
	type c struct {
		StoreClass string `json:"store_class"`
		Key        string `json:"key"`
		Value      typed  `json:"value"`
		Output     string `json:"output"`
	}
	eachCase(t, loadFixtures(t, "session")[:1], "legacy_encode", func(t *testing.T, f fixtureFile, c c) {
		codec := codecFor(t, "3.2", c.StoreClass, c.Key, nil, nil)
		got, err := codec.EncodeLegacy(c.Value.toValue(t).Dict())
		if err != nil || got != c.Output {
			t.Errorf("EncodeLegacy = %q, %v\nDjango         %q", got, err, c.Output)
		}
		back, err := codec.DecodeErr(c.Output)
		if err != nil {
			t.Fatal(err)
		}
		sameValue(t, "decode", serializer.DictValue(back), c.Value.toValue(t))
		// Django 4.0+ no longer reads the legacy format.
		modern := codecFor(t, "4.2", c.StoreClass, c.Key, nil, nil)
		if _, err := modern.DecodeErr(c.Output); !errors.Is(err, signing.ErrBadSignature) {
			t.Errorf("without AcceptLegacy: %v, want ErrBadSignature", err)
		}
	})
}

func TestFixtureAuthHash(t *testing.T) {
	type c struct {
		Password string `json:"password"`
		Secret   string `json:"secret"`
		Hash     string `json:"hash"`
	}
	files := loadFixtures(t, "auth")
	eachCase(t, files, "session_auth_hash", func(t *testing.T, _ fixtureFile, c c) {
		if got := session.AuthHash(c.Password, c.Secret); got != c.Hash {
			t.Errorf("AuthHash = %s, Django %s", got, c.Hash)
		}
	})
	eachCase(t, files[:1], "legacy_session_auth_hash", func(t *testing.T, _ fixtureFile, c c) {
		if got := session.LegacyAuthHash(c.Password, c.Secret); got != c.Hash {
			t.Errorf("LegacyAuthHash = %s, Django %s", got, c.Hash)
		}
	})
}
