// Package zinflate is a one-shot decompressor for zlib streams (RFC 1950) and raw
// deflate data (RFC 1951), tuned for small inputs such as compressed Django session
// tokens.
//
// The whole input is in memory and the output is appended to a caller-supplied slice, so
// there is no streaming machinery: bits are read from a 64-bit buffer refilled eight
// bytes at a time, back-references copy within the output slice, and Huffman codes are
// decoded with lookup tables that are cheap to build (the fixed-code tables are built
// once). Per-call tables live in a pooled decoder, so a call allocates nothing besides
// the growth of the output slice.
//
// The decoder is as strict as zlib's inflate (as used by CPython's zlib.decompress):
// over-subscribed and incomplete Huffman codes are rejected except for the single
// one-bit code zlib tolerates, a code for end-of-block is required, repeat codes must
// stay within the declared lengths, length codes 286-287 and distance codes 30-31 are
// invalid, stored block lengths must match their complement, distances may not reach
// before the start of the output, and the adler32 trailer is verified. Like
// zlib.decompress, bytes after the end of the stream are ignored (see Decompress).
package zinflate

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"sync"

	"github.com/djsession/djsession/internal/adler32"
)

// ErrCorrupt is returned (possibly wrapped, so test it with errors.Is) for any malformed
// input: a bad zlib header or a preset dictionary, an invalid block type, an invalid
// Huffman code set, an invalid code in the data, a distance too far back, a stored-block
// length mismatch, a truncated stream or an adler32 mismatch.
var ErrCorrupt = errors.New("zinflate: corrupt input")

// ErrTooLarge is returned (possibly wrapped, so test it with errors.Is) when the
// decompressed data would exceed the maxSize limit.
var ErrTooLarge = errors.New("zinflate: decompressed data too large")

// detailError is a precise error message that unwraps to ErrCorrupt or ErrTooLarge. All
// instances are package-level values, so reporting an error does not allocate.
type detailError struct {
	kind error
	msg  string
}

func (e *detailError) Error() string { return e.kind.Error() + ": " + e.msg }
func (e *detailError) Unwrap() error { return e.kind }

func corrupt(msg string) error { return &detailError{ErrCorrupt, msg} }

var (
	errTooLarge      = &detailError{ErrTooLarge, "output exceeds maxSize"}
	errTruncated     = corrupt("unexpected end of input")
	errHeaderCheck   = corrupt("incorrect header check")
	errMethod        = corrupt("unknown compression method")
	errWindow        = corrupt("invalid window size")
	errDictionary    = corrupt("preset dictionary not supported")
	errBlockType     = corrupt("invalid block type")
	errStoredLen     = corrupt("invalid stored block lengths")
	errTooManySyms   = corrupt("too many length or distance symbols")
	errCodeLenSet    = corrupt("invalid code lengths set")
	errRepeatNoPrev  = corrupt("invalid bit length repeat")
	errRepeatTooLong = corrupt("invalid bit length repeat")
	errMissingEOB    = corrupt("invalid code -- missing end-of-block")
	errLitlenSet     = corrupt("invalid literal/lengths set")
	errDistSet       = corrupt("invalid distances set")
	errLitlenCode    = corrupt("invalid literal/length code")
	errDistCode      = corrupt("invalid distance code")
	errDistTooFar    = corrupt("invalid distance too far back")
	errChecksum      = corrupt("incorrect data check")
)

// Decompress appends the data of the zlib stream (RFC 1950) in src to dst and returns
// the extended slice. At most maxSize bytes are appended: if the stream holds more,
// Decompress fails with an error matching ErrTooLarge (a negative maxSize is treated
// as 0). Malformed input fails with an error matching ErrCorrupt: a bad header (method
// other than deflate, window larger than 32 KiB, header check), the FDICT flag (preset
// dictionaries are not supported), an invalid block, Huffman code set or code,
// a distance too far back, truncated input or an adler32 mismatch.
//
// Bytes after the adler32 trailer are ignored, as CPython's zlib.decompress ignores
// them (it only rejects streams that end early), so Decompress accepts exactly what
// zlib.decompress accepts and yields the same data.
//
// If the output exceeds maxSize before the input shows an error, the error is
// ErrTooLarge, whatever follows: errors are reported in stream order. On error the
// returned slice is dst, unchanged in length; the bytes of its spare capacity may
// have been overwritten.
func Decompress(dst, src []byte, maxSize int) ([]byte, error) {
	if len(src) < 2 {
		return dst, errTruncated
	}
	cmf, flg := src[0], src[1]
	switch {
	case (uint(cmf)<<8|uint(flg))%31 != 0:
		return dst, errHeaderCheck
	case cmf&0x0f != 8:
		return dst, errMethod
	case cmf>>4 > 7:
		return dst, errWindow
	case flg&0x20 != 0:
		return dst, errDictionary
	}
	out, n, err := inflate(dst, src[2:], maxSize)
	if err != nil {
		return dst, err
	}
	rest := src[2+n:]
	if len(rest) < 4 {
		return dst, errTruncated
	}
	if adler32.Checksum(out[len(dst):]) != binary.BigEndian.Uint32(rest) {
		return dst, errChecksum
	}
	return out, nil
}

// DecompressRaw appends the data of the raw deflate stream (RFC 1951, no zlib header
// or trailer) in src to dst and returns the extended slice, with the same limits and
// errors as Decompress. Bytes after the final block are ignored.
func DecompressRaw(dst, src []byte, maxSize int) ([]byte, error) {
	out, _, err := inflate(dst, src, maxSize)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// Table geometry. The primary tables are indexed by the next litlenBits/distBits bits
// of input; longer codes go through a subtable. Table build time matters as much as
// decoding time for the small inputs this package targets.
const (
	litlenBits = 10
	distBits   = 8
	preBits    = 7 // code length codes are at most 7 bits long: no subtables

	litlenMask = 1<<litlenBits - 1
	distMask   = 1<<distBits - 1

	maxCodeLen = 15

	// Upper bounds on the table sizes. A subtable with b index bits belongs to a
	// complete subtree whose deepest code is b bits below the primary table, so that
	// subtree holds at least b+1 codes; b is at most maxCodeLen-tableBits, and
	// 2^b/(b+1) grows with b, so n codes need at most (n/(16-tableBits)+1) subtables
	// of the largest size.
	litlenTableSize = 1<<litlenBits + (286/(maxCodeLen+1-litlenBits)+1)<<(maxCodeLen-litlenBits)
	// (At least maxPrimary, for storeCodewords.)
	distTableSize = max(maxPrimary, 1<<distBits+(30/(maxCodeLen+1-distBits)+1)<<(maxCodeLen-distBits))
)

// decoder holds the tables of the current dynamic block. It is too large to zero on
// every call, so it is pooled.
type decoder struct {
	litlen [litlenTableSize]uint32
	dist   [distTableSize]uint32
	pre    [maxPrimary]uint32 // 1<<preBits used
	tmpl   [tmplSize]uint32   // entry templates of the combined literal/length and distance symbols
	// bucket[l] lists, in increasing order, the symbols with code length l, as
	// indexes in the combined sequence of literal/length and distance code lengths
	// (bucket[0] is scratch). The fixed tables use it with 288+32 symbols.
	bucket [maxCodeLen + 1][288 + 32]uint16
}

var decoderPool = sync.Pool{New: func() any {
	d := new(decoder)
	copy(d.tmpl[:], litlenTemplates[:257])
	return d
}}

// inflater is the state of one decompression. Hot loops copy the fields they use into
// local variables.
type inflater struct {
	src      []byte
	pos      int    // next byte of src to load into bitbuf
	overread int    // zero bytes loaded into bitbuf past the end of src
	bitbuf   uint64 // bits not consumed yet, next bit lowest
	nbits    uint   // number of valid bits in bitbuf (at most 63)

	out   []byte // output buffer, len(out) == cap(out)
	start int    // position of the first output byte in out
	op    int    // next output position
	limit int    // op may not exceed limit

	d *decoder
}

// inflate decodes the deflate stream src, appending to dst. It returns the output and
// the number of bytes of src the deflate data occupies (rounded up to a whole byte).
func inflate(dst, src []byte, maxSize int) ([]byte, int, error) {
	f := inflater{src: src, start: len(dst), op: len(dst)}
	maxSize = max(maxSize, 0)
	// Keep limit+slack representable.
	f.limit = len(dst) + min(maxSize, math.MaxInt-len(dst)-2*copySlack)
	f.out = dst[:cap(dst)]
	// Start with room for a typical compression ratio (up to 1 MiB); the output
	// doubles as needed.
	if guess := min(3*len(src)+64, 1<<20, maxSize) + copySlack; len(f.out)-len(dst) < guess {
		f.out = slices.Grow(f.out[:len(dst)], guess)
		f.out = f.out[:cap(f.out)]
	}
	err := f.run()
	if f.d != nil {
		decoderPool.Put(f.d)
	}
	if err != nil {
		return nil, 0, err
	}
	// The deflate data ends at the last consumed bit; it must lie within src.
	consumed := (f.pos+f.overread)*8 - int(f.nbits)
	if consumed > len(src)*8 {
		return nil, 0, errTruncated
	}
	return f.out[:f.op], (consumed + 7) / 8, nil
}

func (f *inflater) run() error {
	for {
		if err := f.refill(); err != nil {
			return err
		}
		hdr := uint(f.bitbuf & 7)
		f.bitbuf >>= 3
		f.nbits -= 3
		var err error
		switch hdr >> 1 {
		case 0:
			err = f.stored()
		case 1:
			err = f.huffman(&fixedLitlen, &fixedDist)
		case 2:
			if f.d == nil {
				f.d = decoderPool.Get().(*decoder)
			}
			if err = f.readDynamic(); err == nil {
				err = f.huffman(&f.d.litlen, &f.d.dist)
			}
		default:
			err = errBlockType
		}
		if err != nil {
			return err
		}
		if hdr&1 != 0 {
			return nil
		}
	}
}

// refill loads input until bitbuf holds at least 56 bits. Past the end of src it loads
// zero bytes, counted in overread: a valid stream never consumes them, and nine of them
// prove the input truncated.
func (f *inflater) refill() error {
	if f.pos <= len(f.src)-8 {
		f.bitbuf |= binary.LittleEndian.Uint64(f.src[f.pos:]) << f.nbits
		f.pos += int((63 - f.nbits) >> 3)
		f.nbits |= 56
		return nil
	}
	for f.nbits <= 55 {
		if f.pos < len(f.src) {
			f.bitbuf |= uint64(f.src[f.pos]) << f.nbits
			f.pos++
		} else {
			if f.overread >= 8 {
				return errTruncated
			}
			f.overread++
		}
		f.nbits += 8
	}
	return nil
}

// stored copies a stored block.
func (f *inflater) stored() error {
	// Discard the bits up to the byte boundary; bitbuf then holds whole bytes that
	// were loaded from src (or are zero padding past its end).
	f.nbits &^= 7
	p := f.pos + f.overread - int(f.nbits>>3)
	f.bitbuf, f.nbits, f.overread = 0, 0, 0
	if p > len(f.src)-4 {
		return errTruncated
	}
	n := int(binary.LittleEndian.Uint16(f.src[p:]))
	if binary.LittleEndian.Uint16(f.src[p+2:]) != ^uint16(n) {
		return errStoredLen
	}
	p += 4
	// A truncated block still yields the bytes present: report the limit first if
	// they exceed it.
	if min(n, len(f.src)-p) > f.limit-f.op {
		return errTooLarge
	}
	if n > len(f.src)-p {
		return errTruncated
	}
	if f.op+n > len(f.out)-copySlack {
		if err := f.grow(n); err != nil {
			return err
		}
	}
	copy(f.out[f.op:], f.src[p:p+n])
	f.op += n
	f.pos = p + n
	return nil
}

// copySlack is the room kept after a back-reference, so matches can be copied eight
// bytes at a time and overshoot.
const copySlack = 8

// grow makes room for n more output bytes plus copySlack, or fails if the output would
// exceed the limit.
func (f *inflater) grow(n int) error {
	if n > f.limit-f.op {
		return errTooLarge
	}
	need := f.op + n + copySlack
	if need <= len(f.out) {
		return nil
	}
	size := min(max(2*len(f.out), need), f.limit+copySlack)
	f.out = slices.Grow(f.out[:f.op], size-f.op)
	f.out = f.out[:cap(f.out)]
	return nil
}

// tooLarge reports why the symbol just decoded does not fit under the limit: usually
// errTooLarge, but if its bits came from the zero padding past the end of src, the
// input was truncated (zlib would have stopped there).
func (f *inflater) tooLarge() error {
	if (f.pos+f.overread)*8-int(f.nbits) > len(f.src)*8 {
		return errTruncated
	}
	return errTooLarge
}
