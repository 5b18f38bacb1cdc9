package signing

import (
	"bytes"
	"compress/zlib"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/djsession/djsession/internal/pairbench"
	"github.com/djsession/djsession/serializer"
)

// The typical logged-in session of fixtures/bench (made by Django 5.2); scripts/bench
// runs these next to the same operations in real Django and prints the ratios.

const benchKey = "django-insecure-perf-anchor-secret-key-0123456789abcdefghijklmnopqrstuv"
const benchSalt = "django.contrib.sessions.SessionStore"

func benchFile(b *testing.B, name string) string {
	data, err := os.ReadFile("../fixtures/bench/" + name)
	if err != nil {
		b.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

func benchSigner(b *testing.B) *TimestampSigner {
	s, err := NewTimestampSigner(Options{Key: benchKey, Salt: benchSalt})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkLoads(b *testing.B) {
	s := benchSigner(b)
	for _, kind := range []string{"uncompressed", "compressed"} {
		tok := benchFile(b, "typical-token-"+kind+".txt")
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.UnsignObject(tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDumps(b *testing.B) {
	s := benchSigner(b)
	v, err := serializer.DecodeJSONString(benchFile(b, "typical-session.json"))
	if err != nil {
		b.Fatal(err)
	}
	for _, compress := range []bool{false, true} {
		name := map[bool]string{false: "uncompressed", true: "compressed"}[compress]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.SignObject(v, compress); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// floor does only the unavoidable work of Loads on a token, with the standard library:
// split, base64 decode, HMAC-SHA256 check with a precomputed key (and, for a compressed
// token, a pooled stdlib inflate). It is the yardstick for Loads. It hands the token's
// bytes to the HMAC and the comparison without copying them, as Loads does: a copy is
// avoidable work, and the 1.5 KB one made the floor about 15% slower.
type floor struct {
	macs sync.Pool
	zr   io.ReadCloser
	buf  []byte
	out  *bytes.Buffer
}

func newFloor() *floor {
	key := deriveKey(sha256.New, benchSalt+"signer", benchKey)
	f := &floor{buf: make([]byte, 0, 4096), out: bytes.NewBuffer(make([]byte, 0, 4096))}
	f.macs.New = func() any { return hmac.New(sha256.New, key) }
	return f
}

func (f *floor) load(tok string) error {
	i := strings.LastIndexByte(tok, ':')
	value, sig := tok[:i], tok[i+1:]
	m := f.macs.Get().(interface {
		Write([]byte) (int, error)
		Sum([]byte) []byte
		Reset()
	})
	m.Reset()
	m.Write(unsafe.Slice(unsafe.StringData(value), len(value))) // (as Loads does: no copy)
	var sum [32]byte
	var enc [43]byte
	base64.RawURLEncoding.Encode(enc[:], m.Sum(sum[:0]))
	f.macs.Put(m)
	if !hmac.Equal(enc[:], unsafe.Slice(unsafe.StringData(sig), len(sig))) {
		return errors.New("bad signature")
	}
	payload := value[:strings.LastIndexByte(value, ':')]
	compressed := payload[0] == '.'
	if compressed {
		payload = payload[1:]
	}
	n, err := base64.RawURLEncoding.Decode(f.buf[:cap(f.buf)], []byte(payload))
	if err != nil || !compressed {
		return err
	}
	if f.zr == nil {
		f.zr, err = zlib.NewReader(bytes.NewReader(f.buf[:n]))
	} else {
		err = f.zr.(zlib.Resetter).Reset(bytes.NewReader(f.buf[:n]), nil)
	}
	if err != nil {
		return err
	}
	f.out.Reset()
	_, err = f.out.ReadFrom(f.zr)
	return err
}

// BenchmarkFloor measures the floor alone on the benchmark tokens.
func BenchmarkFloor(b *testing.B) {
	f := newFloor()
	for _, kind := range []string{"uncompressed", "compressed"} {
		tok := benchFile(b, "typical-token-"+kind+".txt")
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := f.load(tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoadsVsFloor runs Loads and the floor on the same token in one loop,
// alternating which goes first, so that both see the same machine state (on this small
// shared machine, separate benchmarks seconds apart differ by up to a third). It reports
// the median time of each and Loads as a multiple of the floor (x-floor).
func BenchmarkLoadsVsFloor(b *testing.B) {
	s := benchSigner(b)
	f := newFloor()
	for _, kind := range []string{"uncompressed", "compressed"} {
		tok := benchFile(b, "typical-token-"+kind+".txt")
		b.Run(kind, func(b *testing.B) {
			r := pairbench.Run(b, 100, [2]func() error{
				func() error { _, err := s.UnsignObject(tok); return err },
				func() error { return f.load(tok) },
			})
			b.ReportMetric(r.Median[0], "loads-ns")
			b.ReportMetric(r.Median[1], "floor-ns")
			b.ReportMetric(r.Ratio(), "x-floor")
		})
	}
}
