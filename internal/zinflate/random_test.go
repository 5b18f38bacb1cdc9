package zinflate

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// randomLengths returns code lengths for n symbols forming a complete code over k of
// them (k >= 2) with codewords of at most 15 bits, often with long codewords.
func randomLengths(rng *rand.Rand, n, k int, must int) []uint8 {
	leaves := []uint8{1, 1}
	deep := rng.IntN(3) == 0
	for len(leaves) < k {
		i := rng.IntN(len(leaves))
		if deep {
			// Split the deepest splittable leaf: long chains and 15-bit codes.
			i = -1
			for j, l := range leaves {
				if l < 15 && (i < 0 || l > leaves[i]) {
					i = j
				}
			}
		}
		for leaves[i] >= 15 {
			i = rng.IntN(len(leaves))
		}
		leaves[i]++
		leaves = append(leaves, leaves[i])
	}
	lens := make([]uint8, n)
	perm := rng.Perm(n)
	if must >= 0 {
		// Put must first.
		for j, s := range perm {
			if s == must {
				perm[0], perm[j] = perm[j], perm[0]
			}
		}
	}
	for j, l := range leaves {
		lens[perm[j]] = l
	}
	return lens
}

// TestRandomCodes decodes dynamic blocks with random complete codes, exercising
// subtables and every length and distance symbol.
func TestRandomCodes(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for iter := range 3000 {
		var w bitWriter
		var want []byte
		nblocks := 1 + rng.IntN(3)
		for b := range nblocks {
			nlit := 257 + rng.IntN(30)
			ndist := 1 + rng.IntN(30)
			lit := randomLengths(rng, nlit, 2+rng.IntN(nlit-1), 256)
			var dist []uint8
			switch rng.IntN(8) {
			case 0:
				dist = make([]uint8, ndist) // no distance codes
			case 1:
				dist = make([]uint8, ndist) // a single one-bit code
				dist[rng.IntN(ndist)] = 1
			default:
				if ndist == 1 {
					ndist = 2
				}
				dist = randomLengths(rng, ndist, 2+rng.IntN(ndist-1), -1)
			}
			// Code lengths, with some zero runs encoded as repeats.
			var seq []clsym
			all := append(append([]uint8{}, lit...), dist...)
			for i := 0; i < len(all); {
				if all[i] == 0 && rng.IntN(2) == 0 {
					j := i
					for j < len(all) && all[j] == 0 && j-i < 138 {
						j++
					}
					if j-i >= 3 {
						seq = append(seq, zeros(j-i)...)
						i = j
						continue
					}
				}
				seq = append(seq, clsym{int(all[i]), 0})
				i++
			}
			w.dynamic(b == nblocks-1, nlit, len(dist), defaultPre, seq)
			lc, dc := newCode(lit), newCode(dist)
			var litSyms, lenSyms, distSyms []int
			for s, l := range lit {
				switch {
				case l == 0 || s == 256:
				case s < 256:
					litSyms = append(litSyms, s)
				default:
					lenSyms = append(lenSyms, s)
				}
			}
			for s, l := range dist {
				if l != 0 {
					distSyms = append(distSyms, s)
				}
			}
			for range rng.IntN(300) {
				if len(lenSyms) > 0 && len(distSyms) > 0 && len(want) > 0 && rng.IntN(2) == 0 {
					ls := lenSyms[rng.IntN(len(lenSyms))]
					ds := distSyms[rng.IntN(len(distSyms))]
					dt := distTemplates[ds]
					dbase := int(dt >> 16)
					if dbase > len(want) {
						continue
					}
					lt := litlenTemplates[ls]
					lextra := rng.Uint64N(1 << (lt & 63))
					length := int(lt>>16) + int(lextra)
					dextra := rng.Uint64N(uint64(min(1<<(dt&63), len(want)-dbase+1)))
					d := dbase + int(dextra)
					w.sym(lc, ls)
					w.bits(lextra, uint(lt&63))
					w.sym(dc, ds)
					w.bits(dextra, uint(dt&63))
					for range length {
						want = append(want, want[len(want)-d])
					}
				} else if len(litSyms) > 0 {
					s := litSyms[rng.IntN(len(litSyms))]
					w.sym(lc, s)
					want = append(want, byte(s))
				}
			}
			w.sym(lc, 256)
		}
		z := wrapZlib(w.bytes(), want)
		got, err := Decompress(nil, z, len(want))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("iteration %d: err %v, output ok %v", iter, err, bytes.Equal(got, want))
		}
		if std, err := stdInflate(z, false, len(want)); err != nil || !bytes.Equal(std, want) {
			t.Fatalf("iteration %d: compress/zlib: err %v", iter, err)
		}
		if len(want) > 0 {
			if _, err := Decompress(nil, z, len(want)-1); !errors.Is(err, ErrTooLarge) {
				t.Fatalf("iteration %d: maxSize-1: err %v", iter, err)
			}
		}
	}
}
