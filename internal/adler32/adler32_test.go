package adler32

import (
	stdadler32 "hash/adler32"
	"math/rand/v2"
	"testing"
)

// TestChecksum compares Checksum with hash/adler32 on lengths around the SWAR step and
// the modulo interval, for bytes that maximise the sums and for random ones.
func TestAdler32(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 7, 15, 16, 17, 31, 100, 5551, 5552, 5553, 11104, 70000} {
		for _, fill := range []string{"random", "ff", "zero"} {
			b := make([]byte, n)
			for i := range b {
				switch fill {
				case "random":
					b[i] = byte(rng.Uint32())
				case "ff":
					b[i] = 0xff
				}
			}
			if got, want := Checksum(b), stdadler32.Checksum(b); got != want {
				t.Errorf("n=%d %s: Checksum %#x, want %#x", n, fill, got, want)
			}
		}
	}
}

// BenchmarkChecksum times Checksum and hash/adler32 on a session-sized payload.
func BenchmarkChecksum(b *testing.B) {
	data := make([]byte, 1112) // the length of the typical session's JSON
	for i := range data {
		data[i] = byte(i * 7)
	}
	for _, c := range []struct {
		name string
		sum  func([]byte) uint32
	}{{"swar", Checksum}, {"stdlib", stdadler32.Checksum}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				c.sum(data)
			}
		})
	}
}
