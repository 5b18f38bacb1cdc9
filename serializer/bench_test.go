package serializer

import (
	"os"
	"strings"
	"testing"
)

func benchJSON(b *testing.B) []byte {
	data, err := os.ReadFile("../fixtures/bench/typical-session.json")
	if err != nil {
		b.Fatal(err)
	}
	return []byte(strings.TrimSpace(string(data)))
}

func BenchmarkJSONDecode(b *testing.B) {
	data := benchJSON(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeJSON(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONEncode(b *testing.B) {
	v, err := DecodeJSON(benchJSON(b))
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 2048)
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = AppendJSON(buf[:0], v); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDecodeAllocations pins the slab design: a whole session decodes in two allocations
// (the slab of Values, and one string holding the copy of the input and all the strings
// with escapes), however many containers and strings it has.
func TestDecodeAllocations(t *testing.T) {
	data, err := os.ReadFile("../fixtures/bench/typical-session.json")
	if err != nil {
		t.Fatal(err)
	}
	n := testing.AllocsPerRun(100, func() {
		if _, err := DecodeJSON(data); err != nil {
			t.Fatal(err)
		}
	})
	if n > 2 {
		t.Errorf("DecodeJSON of the typical session: %v allocations, want at most 2", n)
	}
}
