package serializer

import "testing"

func benchSession(b *testing.B) Value {
	v, err := DecodeJSON(benchJSON(b))
	if err != nil {
		b.Fatal(err)
	}
	return v
}

// BenchmarkPickleDecode reads the typical session (fixtures/bench/typical-session.json)
// pickled at protocol 5, as Django's PickleSerializer and cache backends write it.
func BenchmarkPickleDecode(b *testing.B) {
	data, err := PickleDumps(benchSession(b))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PickleLoads(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPickleEncode pickles the typical session at protocol 5.
func BenchmarkPickleEncode(b *testing.B) {
	v := benchSession(b)
	buf := make([]byte, 0, 2048)
	var err error
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = AppendPickle(buf[:0], v, PickleOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
