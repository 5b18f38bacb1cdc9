package zinflate

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"encoding/binary"
	stdadler32 "hash/adler32"
	"io"
	"math/bits"
)

// bitWriter builds deflate streams bit by bit for hand-crafted test cases.
type bitWriter struct {
	buf []byte
	acc uint64
	n   uint
}

// bits writes the n low bits of v, least significant first (header fields, extra bits).
func (w *bitWriter) bits(v uint64, n uint) {
	w.acc |= v << w.n
	w.n += n
	for w.n >= 8 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc >>= 8
		w.n -= 8
	}
}

// align pads to a byte boundary with zero bits.
func (w *bitWriter) align() {
	if w.n > 0 {
		w.bits(0, 8-w.n)
	}
}

func (w *bitWriter) bytes() []byte {
	w.align()
	return w.buf
}

// code is a canonical Huffman code given by its lengths.
type code struct {
	lens  []uint8
	codes []uint16
}

func newCode(lens []uint8) code {
	var count [16]int
	for _, l := range lens {
		count[l]++
	}
	count[0] = 0
	var next [16]int
	c := 0
	for l := 1; l < 16; l++ {
		c = (c + count[l-1]) << 1
		next[l] = c
	}
	codes := make([]uint16, len(lens))
	for s, l := range lens {
		if l != 0 {
			codes[s] = uint16(next[l])
			next[l]++
		}
	}
	return code{lens, codes}
}

// sym writes the codeword of s (most significant bit first, as RFC 1951 packs them).
func (w *bitWriter) sym(c code, s int) {
	if c.lens[s] == 0 {
		panic("symbol without codeword")
	}
	l := uint(c.lens[s])
	w.bits(uint64(bits.Reverse16(c.codes[s])>>(16-l)), l)
}

// clsym is a code length code symbol with the value of its extra bits.
type clsym struct{ sym, extra int }

// plainSeq encodes lengths with one code length symbol each (no repeats).
func plainSeq(lens ...[]uint8) []clsym {
	var seq []clsym
	for _, ls := range lens {
		for _, l := range ls {
			seq = append(seq, clsym{int(l), 0})
		}
	}
	return seq
}

// defaultPre is a complete code length code covering all 19 symbols.
var defaultPre = func() (p [19]uint8) {
	for i := range p {
		p[i] = 4
		if i >= 13 {
			p[i] = 5
		}
	}
	return
}()

// dynamic writes a dynamic block header.
func (w *bitWriter) dynamic(final bool, nlit, ndist int, pre [19]uint8, seq []clsym) {
	w.bits(b2u(final), 1)
	w.bits(2, 2)
	w.bits(uint64(nlit-257), 5)
	w.bits(uint64(ndist-1), 5)
	w.bits(19-4, 4)
	for _, s := range preOrder {
		w.bits(uint64(pre[s]), 3)
	}
	pc := newCode(pre[:])
	for _, s := range seq {
		w.sym(pc, s.sym)
		switch s.sym {
		case 16:
			w.bits(uint64(s.extra), 2)
		case 17:
			w.bits(uint64(s.extra), 3)
		case 18:
			w.bits(uint64(s.extra), 7)
		}
	}
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// fixed codes, for crafting fixed blocks.
var fixedLitlenCode, fixedDistCode = func() (code, code) {
	lens := make([]uint8, 288)
	for i := range lens {
		switch {
		case i < 144:
			lens[i] = 8
		case i < 256:
			lens[i] = 9
		case i < 280:
			lens[i] = 7
		default:
			lens[i] = 8
		}
	}
	d := make([]uint8, 32)
	for i := range d {
		d[i] = 5
	}
	return newCode(lens), newCode(d)
}()

// lengthSym returns the length symbol and extra bits for a match length.
func lengthSym(length int) (sym int, extra uint64, nextra uint) {
	if length == 258 {
		return 285, 0, 0
	}
	for s := 284; s >= 257; s-- {
		t := litlenTemplates[s]
		if base := int(t >> 16); base <= length {
			return s, uint64(length - base), uint(t & 63)
		}
	}
	panic("bad length")
}

// distSym returns the distance symbol and extra bits for a distance.
func distSym(dist int) (sym int, extra uint64, nextra uint) {
	for s := 29; s >= 0; s-- {
		t := distTemplates[s]
		if base := int(t >> 16); base <= dist {
			return s, uint64(dist - base), uint(t & 63)
		}
	}
	panic("bad distance")
}

// match writes a length/distance pair with the given codes.
func (w *bitWriter) match(lc, dc code, length, dist int) {
	s, e, n := lengthSym(length)
	w.sym(lc, s)
	w.bits(e, n)
	s, e, n = distSym(dist)
	w.sym(dc, s)
	w.bits(e, n)
}

// wrapZlib adds a zlib header and the adler32 trailer of data to a raw deflate stream.
func wrapZlib(raw, data []byte) []byte {
	z := append([]byte{0x78, 0x9c}, raw...)
	return binary.BigEndian.AppendUint32(z, stdadler32.Checksum(data))
}

// stdZlib compresses with the standard library at the given level.
func stdZlib(data []byte, level int) []byte {
	var b bytes.Buffer
	w, err := zlib.NewWriterLevel(&b, level)
	if err != nil {
		panic(err)
	}
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// stdInflate decompresses with the standard library (zlib or raw deflate), reading at
// most maxSize+1 bytes so that oversized output is detected like ErrTooLarge.
func stdInflate(src []byte, raw bool, maxSize int) ([]byte, error) {
	var r io.Reader
	if raw {
		r = flate.NewReader(bytes.NewReader(src))
	} else {
		zr, err := zlib.NewReader(bytes.NewReader(src))
		if err != nil {
			return nil, err
		}
		r = zr
	}
	// Reading stops at maxSize+1 bytes; a shorter read ended at the reader's EOF
	// (after the checksum was verified) or error. The reader returns the data decoded
	// before an error, so more than maxSize bytes mean that the output exceeded the
	// limit before the error showed.
	out, err := io.ReadAll(io.LimitReader(r, int64(maxSize)+1))
	if len(out) > maxSize {
		return out, ErrTooLarge
	}
	return out, err
}
