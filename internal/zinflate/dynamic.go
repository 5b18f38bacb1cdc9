package zinflate

import "encoding/binary"

// Code length code order (RFC 1951 section 3.2.7).
var preOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// readDynamic reads the header of a dynamic block and builds its tables in f.d.
func (f *inflater) readDynamic() error {
	d := f.d
	if err := f.refill(); err != nil {
		return err
	}
	nlit := int(f.bitbuf&31) + 257
	ndist := int(f.bitbuf>>5&31) + 1
	nclen := int(f.bitbuf>>10&15) + 4
	f.bitbuf >>= 14
	f.nbits -= 14
	if nlit > 286 || ndist > 30 {
		return errTooManySyms
	}

	// Code length code lengths: 3 bits each, up to 57 bits.
	if err := f.refill(); err != nil {
		return err
	}
	var plens [19]uint8
	for i := range nclen {
		if i == 14 {
			if err := f.refill(); err != nil {
				return err
			}
		}
		plens[preOrder[i]] = uint8(f.bitbuf & 7)
		f.bitbuf >>= 3
		f.nbits -= 3
	}
	if !buildPre(&d.pre, &plens) {
		return errCodeLenSet
	}

	// Literal/length and distance code lengths, one sequence.
	cnt, err := f.readLengths(nlit + ndist)
	if err != nil {
		return err
	}
	// Split each bucket: literal/length symbols first, then distance symbols. Symbol
	// 256 (end of block) must have a codeword; it is the first symbol above 255.
	var groups, dgroups [maxCodeLen + 1][]uint16
	eob := false
	for l := 1; l <= maxCodeLen; l++ {
		b := d.bucket[l][:cnt[l]]
		k := len(b)
		for k > 0 && int(b[k-1]) >= nlit {
			k--
		}
		groups[l], dgroups[l] = b[:k], b[k:]
		for k > 0 && b[k-1] > 256 {
			k--
		}
		if k > 0 && b[k-1] == 256 {
			eob = true
		}
	}
	if !eob {
		return errMissingEOB
	}
	// Templates of the symbols in the combined sequence: literal/length symbols, then
	// distance symbols from nlit (d.tmpl[:257] is always litlenTemplates[:257]).
	copy(d.tmpl[257:nlit], litlenTemplates[257:nlit])
	copy(d.tmpl[nlit:nlit+ndist], distTemplates[:ndist])
	if !buildTable(d.litlen[:], &groups, &d.tmpl, litlenBits, false) {
		return errLitlenSet
	}
	if !buildTable(d.dist[:], &dgroups, &d.tmpl, distBits, false) {
		return errDistSet
	}
	return nil
}

// readLengths decodes the n code lengths of a dynamic block with the code length code
// in f.d.pre. Each symbol with a nonzero length goes into the bucket of its length;
// readLengths returns the bucket sizes.
//
// The loop calls no functions and keeps few variables, so that the Go compiler keeps
// them in registers, and has few data-dependent branches: every code is handled as a
// run of rep copies of a length v, using the code length code entries (see
// preTemplates).
func (f *inflater) readLengths(n int) (cnt [maxCodeLen + 1]int, err error) {
	d := f.d
	src := f.src[f.pos:]
	bitbuf, nbits := f.bitbuf, f.nbits
	prev := uint32(0) // previous length, for code 16
	bad := 0          // error: 1 truncated, 2 repeat without previous length, 3 repeat too long
	i := 0
	for i < n {
		// Refill: afterwards nbits >= 56, enough for four codes of at most 7+7 bits.
		// (Refilling less often keeps nbits off the critical path.)
		if len(src) >= 8 {
			bitbuf |= binary.LittleEndian.Uint64(src) << (nbits & 63)
			src = src[(63-nbits&63)>>3:]
			nbits |= 56
		} else {
			// Near the end of the input: byte by byte, then zero padding (see
			// refill), inline since a call would make the compiler spill
			// variables.
			for nbits <= 55 {
				if len(src) > 0 {
					bitbuf |= uint64(src[0]) << (nbits & 63)
					src = src[1:]
				} else {
					if f.overread >= 8 {
						bad = 1
						break
					}
					f.overread++
				}
				nbits += 8
			}
			if bad != 0 {
				break
			}
		}
		// Up to four codes per refill.
		for range 4 {
			e := d.pre[bitbuf&(1<<preBits-1)]
			rep := int(e>>24) + int(bitbuf&(1<<(e&63)-1)>>(e>>8&15))
			bitbuf >>= e & 63
			nbits -= uint(e & 63)
			// v = prev for code 16, else the length in the entry.
			v := (e>>16 | prev&-(e>>12&1)) & maxCodeLen
			if i == 0 && e&prePrev != 0 {
				bad = 2
				break
			}
			if rep > n-i {
				bad = 3
				break
			}
			// Store at least one symbol, even for v == 0: bucket 0 is scratch.
			c := cnt[v]
			d.bucket[v][c] = uint16(i)
			if rep > 1 && v != 0 {
				for k := 1; k < rep; k++ {
					d.bucket[v][c+k] = uint16(i + k)
				}
			}
			cnt[v] = c + rep
			prev = v
			i += rep
			if i >= n {
				break
			}
		}
		if bad != 0 {
			break
		}
	}
	f.pos, f.bitbuf, f.nbits = len(f.src)-len(src), bitbuf, nbits
	switch bad {
	case 1:
		err = errTruncated
	case 2:
		err = errRepeatNoPrev
	case 3:
		err = errRepeatTooLong
	}
	return cnt, err
}
