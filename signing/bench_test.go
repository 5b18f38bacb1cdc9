package signing

import (
	"bytes"
	"compress/zlib"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"os"
	"strings"
	"sync"
	"testing"

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

// BenchmarkFloor does only the unavoidable work on the same tokens: split, base64 decode,
// HMAC-SHA256 check with a precomputed key (and, for the compressed token, a pooled
// stdlib inflate). It is the yardstick for Loads.
func BenchmarkFloor(b *testing.B) {
	key := deriveKey(sha256.New, benchSalt+"signer", benchKey)
	macs := sync.Pool{New: func() any { return hmac.New(sha256.New, key) }}
	var zr io.ReadCloser
	for _, kind := range []string{"uncompressed", "compressed"} {
		tok := benchFile(b, "typical-token-"+kind+".txt")
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 4096)
			out := bytes.NewBuffer(make([]byte, 0, 4096))
			for b.Loop() {
				i := strings.LastIndexByte(tok, ':')
				value, sig := tok[:i], tok[i+1:]
				m := macs.Get().(interface {
					Write([]byte) (int, error)
					Sum([]byte) []byte
					Reset()
				})
				m.Reset()
				m.Write([]byte(value))
				var sum [32]byte
				var enc [43]byte
				base64.RawURLEncoding.Encode(enc[:], m.Sum(sum[:0]))
				macs.Put(m)
				if !hmac.Equal(enc[:], []byte(sig)) {
					b.Fatal("bad signature")
				}
				payload := value[:strings.LastIndexByte(value, ':')]
				compressed := payload[0] == '.'
				if compressed {
					payload = payload[1:]
				}
				n, err := base64.RawURLEncoding.Decode(buf[:cap(buf)], []byte(payload))
				if err != nil {
					b.Fatal(err)
				}
				if compressed {
					if zr == nil {
						zr, err = zlib.NewReader(bytes.NewReader(buf[:n]))
					} else {
						err = zr.(zlib.Resetter).Reset(bytes.NewReader(buf[:n]), nil)
					}
					if err != nil {
						b.Fatal(err)
					}
					out.Reset()
					if _, err := out.ReadFrom(zr); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
