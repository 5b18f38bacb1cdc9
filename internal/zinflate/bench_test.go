package zinflate

import (
	"bytes"
	stdzlib "compress/zlib"
	"io"
	"os"
	"testing"

	kpzlib "github.com/klauspost/compress/zlib"
)

// benchInputs are streams written by CPython's zlib.compress at level 6 (see
// testdata/gen_cpython.py): "token" is fixtures/bench/typical-session.json, the payload
// of the typical signed session token (457 bytes inflating to 1112), "small" a
// 268-byte session (199 bytes compressed).
var benchInputs = []struct{ name, file string }{
	{"token", "testdata/cpython/session.L6.zlib"},
	{"small", "testdata/cpython/small-session.L6.zlib"},
}

// resetReader is a pooled-reader decompressor, as the signing package uses.
type resetReader struct {
	br  bytes.Reader
	zr  io.ReadCloser
	new func(io.Reader) (io.ReadCloser, error)
}

func (r *resetReader) decompress(dst, src []byte) ([]byte, error) {
	r.br.Reset(src)
	var err error
	if r.zr == nil {
		r.zr, err = r.new(&r.br)
	} else {
		err = r.zr.(interface {
			Reset(io.Reader, []byte) error
		}).Reset(&r.br, nil)
	}
	if err != nil {
		return dst, err
	}
	for {
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		n, err := r.zr.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

func BenchmarkDecompress(b *testing.B) {
	for _, in := range benchInputs {
		z, err := os.ReadFile(in.file)
		if err != nil {
			b.Fatal(err)
		}
		want, err := stdInflate(z, false, 1<<20)
		if err != nil {
			b.Fatal(err)
		}
		check := func(b *testing.B, got []byte, err error) {
			if err != nil || !bytes.Equal(got, want) {
				b.Fatalf("bad output: %v", err)
			}
		}
		buf := make([]byte, 0, 4*len(z)+64)
		b.Run(in.name+"/zinflate", func(b *testing.B) {
			b.SetBytes(int64(len(want)))
			b.ReportAllocs()
			for b.Loop() {
				out, err := Decompress(buf[:0], z, 1<<20)
				check(b, out, err)
			}
		})
		b.Run(in.name+"/zinflate-alloc", func(b *testing.B) {
			// A fresh output slice per call, as the signing package does.
			b.SetBytes(int64(len(want)))
			b.ReportAllocs()
			for b.Loop() {
				out, err := Decompress(nil, z, 1<<20)
				check(b, out, err)
			}
		})
		b.Run(in.name+"/klauspost", func(b *testing.B) {
			r := &resetReader{new: func(r io.Reader) (io.ReadCloser, error) { return kpzlib.NewReader(r) }}
			b.SetBytes(int64(len(want)))
			b.ReportAllocs()
			for b.Loop() {
				out, err := r.decompress(buf[:0], z)
				check(b, out, err)
			}
		})
		b.Run(in.name+"/stdlib", func(b *testing.B) {
			r := &resetReader{new: stdzlib.NewReader}
			b.SetBytes(int64(len(want)))
			b.ReportAllocs()
			for b.Loop() {
				out, err := r.decompress(buf[:0], z)
				check(b, out, err)
			}
		})
	}
}
