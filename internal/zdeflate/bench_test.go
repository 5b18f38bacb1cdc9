package zdeflate

import (
	"bytes"
	stdzlib "compress/zlib"
	"os"
	"testing"

	kpzlib "github.com/klauspost/compress/zlib"
)

func benchInput(b *testing.B) []byte {
	in, err := os.ReadFile("../../fixtures/bench/typical-session.json")
	if err != nil {
		b.Fatal(err)
	}
	return in
}

// BenchmarkCompress measures this package on the typical session payload.
func BenchmarkCompress(b *testing.B) {
	in := benchInput(b)
	buf := make([]byte, 0, 4096)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		buf = Compress(buf[:0], in)
	}
}

// BenchmarkKlauspostZlib6 is klauspost/compress/zlib at level 6 with a
// reused writer, for comparison.
func BenchmarkKlauspostZlib6(b *testing.B) {
	in := benchInput(b)
	var out bytes.Buffer
	w, err := kpzlib.NewWriterLevel(&out, 6)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		w.Reset(&out)
		w.Write(in)
		w.Close()
	}
}

// BenchmarkStdlibZlib6 is compress/zlib at level 6 with a reused writer,
// for comparison.
func BenchmarkStdlibZlib6(b *testing.B) {
	in := benchInput(b)
	var out bytes.Buffer
	w, err := stdzlib.NewWriterLevel(&out, 6)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		w.Reset(&out)
		w.Write(in)
		w.Close()
	}
}
