package file

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/serializer"
)

// A logged-in session of typical size.
func benchSession() *serializer.Dict {
	d := serializer.NewDict()
	d.Set("_auth_user_id", serializer.Str("42"))
	d.Set("_auth_user_backend", serializer.Str("django.contrib.auth.backends.ModelBackend"))
	d.Set("_auth_user_hash", serializer.Str(strings.Repeat("ab12", 16)))
	d.Set("cart", serializer.List(serializer.Int(1), serializer.Int(2), serializer.Int(3)))
	d.Set("display_name", serializer.Str("Zoë ✓"))
	return d
}

// BenchmarkLoad compares Store.Load with a bare os.ReadFile of the same file; the
// difference is decoding (HMAC, base64, JSON) and the expiry check.
func BenchmarkLoad(b *testing.B) {
	ctx := context.Background()
	s := newStore(b, b.TempDir(), nil)
	key, err := engines.Create(ctx, s, benchSession())
	if err != nil {
		b.Fatal(err)
	}
	name, _ := s.FileName(key)
	b.Run("Store.Load", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok, err := s.Load(ctx, key); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	})
	b.Run("os.ReadFile", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := os.ReadFile(name); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSave compares Store.Save (update) with a bare os.WriteFile of the same bytes,
// and with the same temp-file-and-rename done by hand; the difference is encoding and
// the placeholder open.
func BenchmarkSave(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	s := newStore(b, dir, nil)
	data := benchSession()
	key, err := engines.Create(ctx, s, data)
	if err != nil {
		b.Fatal(err)
	}
	name, _ := s.FileName(key)
	content, _ := os.ReadFile(name)
	b.Run("Store.Save", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := s.Save(ctx, key, data, false); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("os.WriteFile", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := os.WriteFile(filepath.Join(dir, "bare"), content, 0o600); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("temp+rename", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := writeAtomic(filepath.Join(dir, "bare2"), string(content)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
