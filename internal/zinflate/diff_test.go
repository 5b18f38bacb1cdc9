package zinflate

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
)

// corruptVariants returns damaged copies of z: bit flips, byte changes, truncations,
// insertions and deletions.
func corruptVariants(rng *rand.Rand, z []byte, n int) [][]byte {
	var out [][]byte
	for range n {
		c := bytes.Clone(z)
		switch rng.IntN(6) {
		case 0, 1: // flip 1-3 bits
			for range 1 + rng.IntN(3) {
				i := rng.IntN(len(c) * 8)
				c[i/8] ^= 1 << (i % 8)
			}
		case 2: // random byte
			c[rng.IntN(len(c))] = byte(rng.Uint32())
		case 3: // truncate
			c = c[:rng.IntN(len(c))]
		case 4: // insert a byte
			i := rng.IntN(len(c) + 1)
			c = append(c[:i], append([]byte{byte(rng.Uint32())}, c[i:]...)...)
		case 5: // delete a byte
			i := rng.IntN(len(c))
			c = append(c[:i], c[i+1:]...)
		}
		out = append(out, c)
	}
	return out
}

// agree checks that Decompress (or DecompressRaw) and the standard library agree on
// src: both fail (with the same kind of error when it is ErrTooLarge) or both succeed
// with the same output.
func agree(t testing.TB, src []byte, raw bool, maxSize int) {
	t.Helper()
	prefix := []byte("pre")
	var got []byte
	var err error
	if raw {
		got, err = DecompressRaw(prefix, src, maxSize)
	} else {
		got, err = Decompress(prefix, src, maxSize)
	}
	if err != nil {
		if len(got) != len(prefix) {
			t.Fatalf("error %v with output of length %d", err, len(got)-len(prefix))
		}
		if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) {
			t.Fatalf("error %v is neither ErrCorrupt nor ErrTooLarge", err)
		}
	} else if len(got)-len(prefix) > maxSize {
		t.Fatalf("output of %d bytes exceeds maxSize %d", len(got)-len(prefix), maxSize)
	}
	want, wantErr := stdInflate(src, raw, maxSize)
	if err == errMissingEOB && wantErr != nil {
		// zlib (and so zinflate) rejects a literal/length code without an end-of-block
		// code when it reads the block header; compress/flate decodes the block's
		// data until it fails, which may exceed maxSize first.
		return
	}
	if errors.Is(err, ErrTooLarge) && errors.Is(wantErr, io.ErrUnexpectedEOF) {
		// On a truncated stream compress/flate may stop a few symbols before the
		// end of the input, while zinflate, like zlib, decodes every complete
		// symbol (TestCPythonDifferential checks the count), so it may reach the
		// limit first.
		decompress := Decompress
		if raw {
			decompress = DecompressRaw
		}
		if _, err := decompress(nil, src, 1<<30); err == errTruncated {
			return
		}
	}
	switch {
	case (err == nil) != (wantErr == nil):
		t.Fatalf("raw=%v maxSize=%d src=%x:\nzinflate: %v\nstdlib:   %v", raw, maxSize, src, err, wantErr)
	case errors.Is(wantErr, ErrTooLarge) != errors.Is(err, ErrTooLarge):
		t.Fatalf("raw=%v maxSize=%d src=%x:\nzinflate: %v\nstdlib:   %v", raw, maxSize, src, err, wantErr)
	case err == nil && !bytes.Equal(got[len(prefix):], want):
		t.Fatalf("raw=%v maxSize=%d src=%x: outputs differ", raw, maxSize, src)
	}
}

// TestDifferential compares Decompress with compress/zlib on valid and damaged streams.
func TestDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	inputs := testInputs(rng)
	n := 0
	for name, data := range inputs {
		if len(data) > 5000 {
			data = data[:5000]
		}
		for level := -2; level <= 9; level++ {
			z := stdZlib(data, level)
			agree(t, z, false, len(data))
			agree(t, z[2:], true, len(data))
			for _, c := range corruptVariants(rng, z, 30) {
				for _, max := range []int{len(data), len(data) / 2, 1 << 20} {
					agree(t, c, false, max)
					if len(c) > 2 {
						agree(t, c[2:], true, max)
					}
					n++
				}
			}
		}
		_ = name
	}
	t.Logf("%d damaged streams", n)
}

// TestDifferentialRandom feeds random bytes behind a valid zlib header, so that the
// deflate decoder sees arbitrary block headers and code length sets.
func TestDifferentialRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	ok := 0
	n := 100000
	if testing.Short() {
		n = 10000
	}
	for range n {
		src := make([]byte, 3+rng.IntN(64))
		src[0], src[1] = 0x78, 0x9c
		for i := 2; i < len(src); i++ {
			src[i] = byte(rng.Uint32())
		}
		// Bias toward dynamic blocks: BTYPE 2, final.
		if rng.IntN(2) == 0 {
			src[2] = src[2]&^7 | 5
		}
		agree(t, src, false, 1<<16)
		agree(t, src[2:], true, 1<<16)
		if _, err := DecompressRaw(nil, src[2:], 1<<16); err == nil {
			ok++
		}
	}
	t.Logf("%d random raw streams decoded without error", ok)
}
