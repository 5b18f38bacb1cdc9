package zinflate

import "encoding/binary"

// fastRoom is the output room the fast loop needs for one iteration: three literals or
// a match.
const fastRoom = 258

// huffman decodes the data of a Huffman-coded block with the given tables. Most of the
// work is done by fast, which runs while at least 8 bytes of input are left and the
// output has room for any symbol; step decodes the symbols in between.
func (f *inflater) huffman(lt *[litlenTableSize]uint32, dt *[distTableSize]uint32) error {
	for {
		if f.pos <= len(f.src)-8 {
			if f.op+fastRoom > len(f.out)-copySlack && f.op+fastRoom <= f.limit {
				if err := f.grow(fastRoom); err != nil {
					return err
				}
			}
			if f.op+fastRoom <= min(len(f.out)-copySlack, f.limit) {
				if eob, err := f.fast(lt, dt); eob || err != nil {
					return err
				}
			}
		}
		if eob, err := f.step(lt, dt); eob || err != nil {
			return err
		}
	}
}

// fast decodes symbols while at least 8 bytes of input are left and op+fastRoom is
// within the output buffer and the limit. It reports whether it reached the end of
// the block.
//
// It calls no functions, so that the Go compiler keeps its state in registers.
func (f *inflater) fast(lt *[litlenTableSize]uint32, dt *[distTableSize]uint32) (eob bool, err error) {
	src := f.src[f.pos:] // the input not loaded into bitbuf yet
	bitbuf, nbits := f.bitbuf, f.nbits
	// The loop runs while op <= len(out)-copySlack-fastRoom.
	out, op := f.out[:min(len(f.out)-copySlack, f.limit)+copySlack], f.op

	for len(src) >= 8 && op <= len(out)-copySlack-fastRoom {
		// Refill: afterwards nbits >= 56, enough for a length and a distance with
		// their extra bits (15+5 + 15+13 = 48 bits), or for three literals.
		bitbuf |= binary.LittleEndian.Uint64(src) << (nbits & 63)
		src = src[(63-nbits&63)>>3:]
		nbits |= 56

		e := lt[bitbuf&litlenMask]
		if int32(e) < 0 {
			bitbuf >>= e & 63
			nbits -= uint(e & 63)
			out[op] = byte(e >> 16)
			op++
			e = lt[bitbuf&litlenMask]
			if int32(e) >= 0 {
				continue
			}
			bitbuf >>= e & 63
			nbits -= uint(e & 63)
			out[op] = byte(e >> 16)
			op++
			e = lt[bitbuf&litlenMask]
			if int32(e) >= 0 {
				continue
			}
			bitbuf >>= e & 63
			nbits -= uint(e & 63)
			out[op] = byte(e >> 16)
			op++
			continue
		}
		if e&entSub != 0 {
			bitbuf >>= litlenBits
			nbits -= litlenBits
			e = lt[e>>16+uint32(bitbuf)&(1<<(e>>8&15)-1)]
			if int32(e) < 0 {
				bitbuf >>= e & 63
				nbits -= uint(e & 63)
				out[op] = byte(e >> 16)
				op++
				continue
			}
		}
		if e&entExc != 0 {
			if e&entEOB != 0 {
				bitbuf >>= e & 63
				nbits -= uint(e & 63)
				eob = true
				break
			}
			err = errLitlenCode
			break
		}

		// Length, then distance.
		n := e & 63
		length := int(e>>16) + int(bitbuf&(1<<n-1)>>(e>>8&15))
		bitbuf >>= n
		nbits -= uint(n)

		e = dt[bitbuf&distMask]
		if e&entExc != 0 {
			if e&entSub == 0 {
				err = errDistCode
				break
			}
			bitbuf >>= distBits
			nbits -= distBits
			e = dt[e>>16+uint32(bitbuf)&(1<<(e>>8&15)-1)]
			if e&entExc != 0 {
				err = errDistCode
				break
			}
		}
		n = e & 63
		dist := int(e>>16) + int(bitbuf&(1<<n-1)>>(e>>8&15))
		bitbuf >>= n
		nbits -= uint(n)

		if dist > op-f.start {
			err = errDistTooFar
			break
		}
		// copyMatch, inlined by hand.
		from := op - dist
		if dist >= 8 {
			for i := 0; i < length; i += 8 {
				binary.LittleEndian.PutUint64(out[op+i:], binary.LittleEndian.Uint64(out[from+i:]))
			}
		} else if dist == 1 {
			v := uint64(out[from]) * 0x0101010101010101
			for i := 0; i < length; i += 8 {
				binary.LittleEndian.PutUint64(out[op+i:], v)
			}
		} else {
			o := out[op : op+length]
			s := out[from : from+length]
			for i := range o {
				o[i] = s[i]
			}
		}
		op += length
	}
	f.pos, f.bitbuf, f.nbits, f.op = len(f.src)-len(src), bitbuf, nbits, op
	return eob, err
}

// copyMatch copies length bytes from dist bytes back to out[op:], as a deflate
// back-reference does: when dist < length the copy repeats the last dist bytes. It may
// write up to copySlack bytes past op+length.
func copyMatch(out []byte, op, dist, length int) {
	from := op - dist
	switch {
	case dist >= 8:
		// Eight bytes at a time: each load reads bytes already written.
		for i := 0; i < length; i += 8 {
			binary.LittleEndian.PutUint64(out[op+i:], binary.LittleEndian.Uint64(out[from+i:]))
		}
	case dist == 1:
		v := uint64(out[from]) * 0x0101010101010101
		for i := 0; i < length; i += 8 {
			binary.LittleEndian.PutUint64(out[op+i:], v)
		}
	default:
		// Overlapping copy with a short period: byte by byte.
		o := out[op : op+length]
		s := out[from : from+length]
		for i := range o {
			o[i] = s[i]
		}
	}
}

// step decodes one symbol, with every check: the input may be about to end and the
// output may have to grow. It reports whether the symbol was the end of the block.
func (f *inflater) step(lt *[litlenTableSize]uint32, dt *[distTableSize]uint32) (eob bool, err error) {
	if err := f.refill(); err != nil {
		return false, err
	}
	e := lt[f.bitbuf&litlenMask]
	if e&entSub != 0 {
		f.bitbuf >>= litlenBits
		f.nbits -= litlenBits
		e = lt[e>>16+uint32(f.bitbuf)&(1<<(e>>8&15)-1)]
	}
	if int32(e) < 0 {
		f.bitbuf >>= e & 63
		f.nbits -= uint(e & 63)
		if f.op >= f.limit {
			return false, f.tooLarge()
		}
		if f.op >= len(f.out)-copySlack {
			if err := f.grow(1); err != nil {
				return false, err
			}
		}
		f.out[f.op] = byte(e >> 16)
		f.op++
		return false, nil
	}
	if e&entExc != 0 {
		if e&entEOB != 0 {
			f.bitbuf >>= e & 63
			f.nbits -= uint(e & 63)
			return true, nil
		}
		return false, errLitlenCode
	}
	n := e & 63
	length := int(e>>16) + int(f.bitbuf&(1<<n-1)>>(e>>8&15))
	f.bitbuf >>= n
	f.nbits -= uint(n)

	e = dt[f.bitbuf&distMask]
	if e&entSub != 0 {
		f.bitbuf >>= distBits
		f.nbits -= distBits
		e = dt[e>>16+uint32(f.bitbuf)&(1<<(e>>8&15)-1)]
	}
	if e&entExc != 0 {
		return false, errDistCode
	}
	n = e & 63
	dist := int(e>>16) + int(f.bitbuf&(1<<n-1)>>(e>>8&15))
	f.bitbuf >>= n
	f.nbits -= uint(n)

	if dist > f.op-f.start {
		return false, errDistTooFar
	}
	if length > f.limit-f.op {
		return false, f.tooLarge()
	}
	if f.op+length > len(f.out)-copySlack {
		if err := f.grow(length); err != nil {
			return false, err
		}
	}
	copyMatch(f.out, f.op, dist, length)
	f.op += length
	return false, nil
}
