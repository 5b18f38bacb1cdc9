package zinflate

import (
	"bytes"
	"compress/flate"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTemplates(t *testing.T) {
	// RFC 1951 section 3.2.5.
	lenBase := []int{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
		67, 83, 99, 115, 131, 163, 195, 227, 258}
	lenExtra := []int{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4,
		5, 5, 5, 5, 0}
	distBase := []int{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513,
		769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra := []int{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10,
		11, 11, 12, 12, 13, 13}
	for i := range lenBase {
		tm := litlenTemplates[257+i]
		if int(tm>>16) != lenBase[i] || int(tm&63) != lenExtra[i] || tm&(entExc|entLit) != 0 {
			t.Errorf("length symbol %d: template %#x", 257+i, tm)
		}
	}
	for i := range distBase {
		tm := distTemplates[i]
		if int(tm>>16) != distBase[i] || int(tm&63) != distExtra[i] || tm&entExc != 0 {
			t.Errorf("distance symbol %d: template %#x", i, tm)
		}
	}
}

// TestCPython inflates streams written by CPython's zlib module (testdata/gen_cpython.py).
func TestCPython(t *testing.T) {
	files, err := filepath.Glob("testdata/cpython/*.zlib")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".zlib")
		t.Run(name, func(t *testing.T) {
			z, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join("testdata/cpython", name[:strings.IndexByte(name, '.')]+".in"))
			if err != nil {
				t.Fatal(err)
			}
			checkValid(t, z, want)
		})
	}
}

// checkValid checks that the zlib stream z inflates to want, under various conditions.
func checkValid(t *testing.T, z, want []byte) {
	t.Helper()
	got, err := Decompress(nil, z, len(want))
	if err != nil {
		t.Fatalf("Decompress: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Decompress output (-want +got):\n%s", diff)
	}
	// Appending to a prefix, with and without spare capacity.
	prefix := []byte("prefix")
	for _, dst := range [][]byte{prefix, append(make([]byte, 0, 4096), prefix...)} {
		got, err = Decompress(dst, z, len(want))
		if err != nil || !bytes.Equal(got[:len(prefix)], prefix) || !bytes.Equal(got[len(prefix):], want) {
			t.Fatalf("Decompress with prefix (cap %d): err %v, output ok %v", cap(dst), err,
				bytes.Equal(got, append(prefix, want...)))
		}
	}
	// One byte short of the limit.
	if len(want) > 0 {
		if got, err := Decompress(prefix, z, len(want)-1); !errors.Is(err, ErrTooLarge) || len(got) != len(prefix) {
			t.Fatalf("Decompress with maxSize %d: err %v, len %d", len(want)-1, err, len(got))
		}
	}
	// Trailing data is ignored, as CPython's zlib.decompress ignores it.
	got, err = Decompress(nil, append(z[:len(z):len(z)], "trailing"...), len(want))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Decompress with trailing data: err %v", err)
	}
	// Raw deflate.
	got, err = DecompressRaw(nil, z[2:len(z)-4], len(want))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("DecompressRaw: err %v", err)
	}
	// Every truncation fails (near both ends, and a sample in between).
	for n := range len(z) {
		if n >= 64 && n < len(z)-64 && n%37 != 0 {
			continue
		}
		if _, err := Decompress(nil, z[:n], len(want)); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Decompress of %d/%d bytes: err %v", n, len(z), err)
		}
	}
}

// testInputs returns inputs of various sizes and compressibility.
func testInputs(rng *rand.Rand) map[string][]byte {
	in := map[string][]byte{
		"empty":  {},
		"one":    {'x'},
		"zeros":  make([]byte, 100000),
		"period": bytes.Repeat([]byte("abcdefg"), 5000),
	}
	for _, n := range []int{10, 250, 1100, 4000, 70000} {
		r := make([]byte, n)
		for i := range r {
			r[i] = byte(rng.Uint32())
		}
		in["random"+strconv.Itoa(n)] = r
		// Text-like: words from a small vocabulary, with repeats at all distances.
		words := strings.Fields(`the quick brown fox jumps over lazy dog "session" : { } , [ ] 0123 _auth_user_id
			django.contrib.auth.backends.ModelBackend price qty sku`)
		var b []byte
		for len(b) < n {
			b = append(b, words[rng.IntN(len(words))]...)
			b = append(b, " ,:\n"[rng.IntN(4)])
		}
		in["text"+strconv.Itoa(n)] = b[:n]
		// Skewed symbols: long Huffman codes.
		s := make([]byte, n)
		for i := range s {
			s[i] = byte(bitsLen(rng.Uint64()) * 4)
		}
		in["skewed"+strconv.Itoa(n)] = s
	}
	return in
}

// bitsLen returns the number of leading zero bits, a geometric distribution.
func bitsLen(x uint64) int {
	n := 0
	for x&(1<<63) == 0 && n < 63 {
		x <<= 1
		n++
	}
	return n
}

// TestStdlibRoundTrip inflates streams written by the standard library at every level.
func TestStdlibRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for name, data := range testInputs(rng) {
		for level := flate.HuffmanOnly; level <= flate.BestCompression; level++ {
			t.Run(name+"/"+strconv.Itoa(level+2), func(t *testing.T) {
				z := stdZlib(data, level)
				if len(data) > 5000 {
					// Keep the quadratic truncation check cheap.
					got, err := Decompress(nil, z, len(data))
					if err != nil || !bytes.Equal(got, data) {
						t.Fatalf("Decompress: err %v", err)
					}
					got, err = DecompressRaw(nil, z[2:len(z)-4], len(data))
					if err != nil || !bytes.Equal(got, data) {
						t.Fatalf("DecompressRaw: err %v", err)
					}
					return
				}
				checkValid(t, z, data)
			})
		}
	}
}

func TestMaxSize(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 1000)
	for _, level := range []int{0, 1, 6} {
		z := stdZlib(data, level)
		for _, max := range []int{-1, 0, 1, 9, 10, 11, 257, 4096, 9999} {
			for _, dst := range [][]byte{nil, make([]byte, 3, 20000)} {
				got, err := Decompress(dst, z, max)
				if !errors.Is(err, ErrTooLarge) || len(got) != len(dst) {
					t.Errorf("level %d max %d cap %d: err %v, len %d", level, max, cap(dst), err, len(got))
				}
			}
		}
		for _, max := range []int{10000, 10001, 1 << 62, int(^uint(0) >> 1)} {
			if got, err := Decompress(make([]byte, 5), z, max); err != nil || !bytes.Equal(got[5:], data) {
				t.Errorf("level %d max %d: err %v", level, max, err)
			}
		}
	}
}

func TestNoAllocs(t *testing.T) {
	data := bytes.Repeat([]byte(`{"a":1,"b":[1,2,3],"c":"xyz"}`), 40)
	for _, level := range []int{1, 6} {
		z := stdZlib(data, level)
		buf := make([]byte, 0, 2*len(data))
		Decompress(buf, z, len(data)) // warm the pool
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := Decompress(buf, z, len(data)); err != nil {
				t.Fatal(err)
			}
		})
		if allocs > 0 {
			t.Errorf("level %d: %v allocations per call", level, allocs)
		}
	}
}

// TestConcurrent decompresses from several goroutines (run with -race).
func TestConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	inputs := testInputs(rng)
	var streams, wants [][]byte
	for _, data := range inputs {
		if len(data) <= 5000 {
			streams = append(streams, stdZlib(data, 6))
			wants = append(wants, data)
		}
	}
	done := make(chan error)
	for g := range 4 {
		go func() {
			for i := range 50 {
				k := (g + i) % len(streams)
				got, err := Decompress(nil, streams[k], len(wants[k]))
				if err == nil && !bytes.Equal(got, wants[k]) {
					err = errors.New("bad output")
				}
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
