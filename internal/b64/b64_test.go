package b64

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"testing"
)

// stdDecode is the reference: encoding/base64's own decoder on the same input.
func stdDecode(src string) ([]byte, error) {
	dst := make([]byte, base64.RawURLEncoding.DecodedLen(len(src)))
	n, err := base64.RawURLEncoding.Decode(dst, []byte(src))
	return dst[:n], err
}

// eachPath runs fn with the table loop alone, then with AVX2 too where the CPU has it.
func eachPath(fn func(avx bool)) {
	saved := useAVX2
	defer func() { useAVX2 = saved }()
	for _, avx := range []bool{false, true} {
		if avx && !saved {
			continue
		}
		useAVX2 = avx
		fn(avx)
	}
}

// randomBytes returns n bytes from r.
func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// check decodes src with dst of the minimum size and of 32 bytes more, on each path, and
// compares bytes and error with encoding/base64.
func check(t testing.TB, src string) {
	t.Helper()
	want, wantErr := stdDecode(src)
	eachPath(func(avx bool) {
		for _, extra := range []int{0, 32} {
			dst := make([]byte, base64.RawURLEncoding.DecodedLen(len(src))+extra)
			n, err := DecodeURL(dst, src)
			if fmt.Sprint(err) != fmt.Sprint(wantErr) || !bytes.Equal(dst[:n], want) {
				t.Fatalf("avx2=%v extra=%d %q:\n got %x, %v\nwant %x, %v", avx, extra, src, dst[:n], err, want, wantErr)
			}
		}
	})
}

func TestDecodeEveryByteEveryPlace(t *testing.T) {
	// A valid 96-character text with each byte value put in turn at each of the positions
	// of its first 32-character block, its 8-character groups and its tail.
	base := []byte(base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb, 0xef, 0xbe, 0x12, 0x34, 0x56}, 12)))
	for c := range 256 {
		for _, pos := range []int{0, 1, 2, 3, 4, 7, 8, 15, 16, 23, 31, 32, 40, 63, 64, 70, 95} {
			b := bytes.Clone(base)
			b[pos] = byte(c)
			check(t, string(b))
		}
	}
}

func TestDecodeAlphabet(t *testing.T) {
	// Every character at every position of a 32-character block decodes to its value.
	for v := range 64 {
		for pos := range 32 {
			b := bytes.Repeat([]byte{'A'}, 64)
			b[pos] = alphabet[v]
			check(t, string(b))
		}
	}
}

func TestDecodeRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		raw := randomBytes(r, r.IntN(400))
		s := []byte(base64.RawURLEncoding.EncodeToString(raw))
		switch r.IntN(4) {
		case 1: // one damaged byte
			if len(s) > 0 {
				s[r.IntN(len(s))] = byte(r.Uint32())
			}
		case 2: // a line break, which encoding/base64 skips
			if len(s) > 0 {
				i := r.IntN(len(s))
				s = append(s[:i], append([]byte{"\r\n"[r.IntN(2)]}, s[i:]...)...)
			}
		case 3: // cut short
			s = s[:r.IntN(len(s)+1)]
		}
		check(t, string(s))
	}
}

func FuzzDecodeURL(f *testing.F) {
	f.Add("")
	f.Add("eyJhIjoxfQ")
	f.Add(base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte("djsession"), 20)))
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA_-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	f.Fuzz(func(t *testing.T, s string) { check(t, s) })
}

func BenchmarkDecodeURL(b *testing.B) {
	raw := randomBytes(rand.New(rand.NewPCG(3, 4)), 1112)
	src := base64.RawURLEncoding.EncodeToString(raw)
	dst := make([]byte, len(raw)+32)
	b.Run("b64", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			if _, err := DecodeURL(dst, src); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("tables", func(b *testing.B) {
		saved := useAVX2
		useAVX2 = false
		defer func() { useAVX2 = saved }()
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			if _, err := DecodeURL(dst, src); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("stdlib", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		in := []byte(src)
		for b.Loop() {
			if _, err := base64.RawURLEncoding.Decode(dst, in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func checkEncode(t testing.TB, src []byte) {
	t.Helper()
	want := base64.RawURLEncoding.EncodeToString(src)
	eachPath(func(avx bool) {
		dst := make([]byte, len(want))
		EncodeURL(dst, src)
		if string(dst) != want {
			t.Fatalf("avx2=%v %x:\n got %s\nwant %s", avx, src, dst, want)
		}
	})
}

func TestEncodeEveryValue(t *testing.T) {
	// Each byte value at each position of the first 24-byte block and of the tail.
	base := bytes.Repeat([]byte{0x00, 0x10, 0x83, 0xff, 0xbf, 0xfe}, 10)
	for c := range 256 {
		for _, pos := range []int{0, 1, 2, 3, 11, 12, 13, 23, 24, 30, 47, 48, 59} {
			b := bytes.Clone(base)
			b[pos] = byte(c)
			checkEncode(t, b)
		}
	}
}

func TestEncodeRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		src := randomBytes(r, r.IntN(400))
		checkEncode(t, src)
	}
}

func FuzzEncodeURL(f *testing.F) {
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0xfb, 0xff}, 40))
	f.Fuzz(func(t *testing.T, b []byte) { checkEncode(t, b) })
}

func BenchmarkEncodeURL(b *testing.B) {
	src := randomBytes(rand.New(rand.NewPCG(7, 8)), 1112)
	dst := make([]byte, base64.RawURLEncoding.EncodedLen(len(src)))
	b.Run("b64", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			EncodeURL(dst, src)
		}
	})
	b.Run("stdlib", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			base64.RawURLEncoding.Encode(dst, src)
		}
	})
}
