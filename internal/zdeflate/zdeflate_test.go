package zdeflate

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"testing"
)

type vector struct {
	Name string `json:"name"`
	Hex  string `json:"hex"`
	Gen  *struct {
		Seed uint64  `json:"seed"`
		Ops  []genOp `json:"ops"`
	} `json:"gen"`
	InLen  int    `json:"inlen"`
	Out    string `json:"out"`
	SHA256 string `json:"sha256"`
	OutLen int    `json:"outlen"`
}

type vectorFile struct {
	Python             string   `json:"python"`
	ZlibRuntimeVersion string   `json:"zlib_runtime_version"`
	Vectors            []vector `json:"vectors"`
}

func loadVectors(t testing.TB) *vectorFile {
	t.Helper()
	b, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var f vectorFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return &f
}

func (v *vector) input(t testing.TB) []byte {
	t.Helper()
	if v.Gen == nil {
		b, err := hex.DecodeString(v.Hex)
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		return b
	}
	b, err := runGen(v.Gen.Seed, v.Gen.Ops)
	if err != nil {
		t.Fatalf("%s: %v", v.Name, err)
	}
	return b
}

func roundTrip(t testing.TB, in, z []byte) {
	t.Helper()
	r, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatalf("zlib.NewReader: %v", err)
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decompress: %v", err)
	}
	if !bytes.Equal(got, in) {
		t.Fatalf("round trip mismatch: %d bytes in, %d bytes out", len(in), len(got))
	}
}

// TestVectors checks byte identity with CPython's zlib.compress for every
// stored vector (produced by scripts/zlib_oracle.py).
func TestVectors(t *testing.T) {
	f := loadVectors(t)
	if len(f.Vectors) < 400 {
		t.Fatalf("only %d vectors", len(f.Vectors))
	}
	pass := 0
	for i := range f.Vectors {
		v := &f.Vectors[i]
		in := v.input(t)
		if len(in) != v.InLen {
			t.Errorf("%s: generated %d bytes, want %d", v.Name, len(in), v.InLen)
			continue
		}
		got := Compress(nil, in)
		if v.Out != "" {
			want, err := base64.StdEncoding.DecodeString(v.Out)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s (%d bytes): output differs from CPython\n got %x\nwant %x", v.Name, len(in), got, want)
				continue
			}
		} else {
			sum := sha256.Sum256(got)
			if len(got) != v.OutLen || hex.EncodeToString(sum[:]) != v.SHA256 {
				t.Errorf("%s (%d bytes): output differs from CPython (len %d, want %d)", v.Name, len(in), len(got), v.OutLen)
				continue
			}
		}
		roundTrip(t, in, got)
		pass++
	}
	t.Logf("%d/%d vectors identical to CPython %s (zlib %s)", pass, len(f.Vectors), f.Python, f.ZlibRuntimeVersion)
}

// TestAppend checks that Compress appends to dst and that pooled state is
// reset between calls of different sizes.
func TestAppend(t *testing.T) {
	f := loadVectors(t)
	prefix := []byte("prefix")
	var prev []byte
	for i := range f.Vectors {
		v := &f.Vectors[i]
		if v.Gen != nil && v.InLen > 200000 {
			continue
		}
		in := v.input(t)
		want := Compress(nil, in)
		got := Compress(append([]byte(nil), prefix...), in)
		if !bytes.HasPrefix(got, prefix) || !bytes.Equal(got[len(prefix):], want) {
			t.Fatalf("%s: append result differs", v.Name)
		}
		if prev != nil {
			// Interleave with a different input to exercise pool reuse.
			Compress(nil, prev)
			if again := Compress(nil, in); !bytes.Equal(again, want) {
				t.Fatalf("%s: output changed after reuse", v.Name)
			}
		}
		prev = in
	}
}

// TestRoundTripRandom decompresses outputs for assorted random inputs with
// the standard library's zlib reader.
func TestRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 300
	if testing.Short() {
		n = 50
	}
	for range n {
		in := randomInput(r, 70000)
		roundTrip(t, in, Compress(nil, in))
	}
}

// randomInput builds a random mix of random, repetitive and text content.
func randomInput(r *rand.Rand, maxLen int) []byte {
	size := r.IntN(maxLen + 1)
	if r.IntN(4) == 0 {
		size = r.IntN(2000)
	}
	out := make([]byte, 0, size)
	for len(out) < size {
		n := min(size-len(out), 1+r.IntN(1+r.IntN(20000)))
		switch k := r.IntN(7); {
		case k == 0:
			for range n {
				out = append(out, byte(r.Uint32()))
			}
		case k == 1:
			for len(out) < cap(out) && n > 0 {
				w := words[r.IntN(len(words))] + " "
				w = w[:min(len(w), n)]
				out = append(out, w...)
				n -= len(w)
			}
		case k == 2:
			b := byte(r.Uint32())
			for range n {
				out = append(out, b)
			}
		case (k == 3 || k == 4) && len(out) > 0:
			dist := 1 + r.IntN(min(len(out), 40000))
			rate := 1 + r.IntN(200)
			for range n {
				if k == 4 && r.IntN(rate) == 0 {
					out = append(out, byte(r.Uint32()))
				} else {
					out = append(out, out[len(out)-dist])
				}
			}
		case k == 5:
			alpha := "ab"[:1+r.IntN(2)] + "cdefgh"[:r.IntN(7)]
			for range n {
				out = append(out, alpha[r.IntN(len(alpha))])
			}
		default:
			const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
			for range n {
				out = append(out, b64[r.IntN(64)])
			}
		}
	}
	return out
}

// FuzzCompress checks that every output is a valid zlib stream of the input.
func FuzzCompress(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("a"))
	f.Add([]byte("hello hello hello hello"))
	f.Add(bytes.Repeat([]byte("abc"), 1000))
	if b, err := os.ReadFile("../../fixtures/bench/typical-session.json"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		roundTrip(t, in, Compress(nil, in))
	})
}
