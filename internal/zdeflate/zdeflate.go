// Package zdeflate produces zlib streams that are byte-for-byte identical
// to those of CPython's zlib.compress(data) with its defaults, i.e. the
// reference zlib library (1.2.x) at compression level 6, windowBits 15,
// memLevel 8 and the default strategy.
//
// Django's signing compresses session payloads with zlib.compress and only
// keeps the compressed form if it is at least two bytes shorter, so a Go
// implementation needs the very same output to produce the very same
// tokens. Go's compress/flate (and other Go deflaters) make different
// matching and block decisions, hence this package.
//
// The implementation reproduces the behaviour of zlib's "lazy" deflate
// strategy with the level-6 tuning (good=8, lazy=16, nice=128, chain=128):
// a 32 KiB sliding window held in a 64 KiB buffer, 15-bit hash chains
// indexed by a 3-byte hash, the rule that discards length-3 matches further
// than 4096 bytes, blocks ended after 16383 buffered symbols, and zlib's
// Huffman tree construction and stored/fixed/dynamic block selection.
// Output has been checked against CPython (zlib 1.2.13) for inputs of all
// sizes, including inputs much larger than the window that force sliding
// and many blocks; there is no known size limit on identity.
//
// Compress is safe for concurrent use; the (large) compression state is
// pooled, so steady-state calls do not allocate beyond growing dst.
package zdeflate

import (
	"encoding/binary"
	"math/bits"
	"sync"

	"github.com/djsession/djsession/internal/adler32"
)

const (
	wBits        = 15
	wSize        = 1 << wBits
	wMask        = wSize - 1
	windowSize   = 2 * wSize
	hashBits     = 15 // memLevel 8 + 7
	hashSize     = 1 << hashBits
	hashMask     = hashSize - 1
	minMatch     = 3
	maxMatch     = 258
	minLookahead = maxMatch + minMatch + 1
	maxDist      = wSize - minLookahead // farthest usable match distance
	tooFar       = 4096                 // length-3 matches beyond this are dropped
	winInit      = maxMatch             // bytes kept initialised past the data

	// Level 6 configuration.
	goodLength = 8
	maxLazy    = 16
	niceLength = 128
	maxChain   = 128

	litBufSize = 1 << (8 + 6) // memLevel 8
	symLimit   = litBufSize - 1
)

// compressor is the complete deflate state. It is large (about 350 KiB), so
// instances are pooled.
type compressor struct {
	window [windowSize]byte
	prev   [wSize]uint16
	// head holds, per hash value, gen<<16 | newest position. Entries
	// whose generation differs from gen are empty, so the table needs no
	// clearing between calls.
	head [hashSize]uint32
	gen  uint32

	in    []byte
	inPos int

	strstart       int
	blockStart     int
	lookahead      int
	matchStart     int
	matchLength    int
	prevLength     int
	prevMatch      int
	matchAvailable bool
	highWater      int

	syms []uint32 // dist<<8 | (length-3 or literal)

	ltree, dtree, bltree huffTree
	heap                 [heapSize]int    // tree nodes in order of removal
	pq                   [heapSize]uint64 // priority queue, see pqEntry
	heapLen, heapMax     int
	depth                [heapSize]uint8
	blCount              [maxBits + 1]int
	optLen, staticLen    int

	out   []byte
	bits  uint64
	nbits uint
}

var pool = sync.Pool{New: func() any {
	d := new(compressor)
	d.syms = make([]uint32, 0, symLimit)
	d.initBlock()
	return d
}}

// Compress appends to dst the zlib stream (header 78 9c, deflate data,
// Adler-32 trailer) that CPython's zlib.compress(src) produces, and returns
// the extended slice.
func Compress(dst, src []byte) []byte {
	d := pool.Get().(*compressor)
	d.out = dst
	d.in = src
	d.run()
	dst = d.out
	d.release()
	pool.Put(d)
	return dst
}

// release drops references to caller memory.
func (d *compressor) release() {
	d.in = nil
	d.out = nil
}

func (d *compressor) run() {
	d.inPos = 0
	d.strstart = 0
	d.blockStart = 0
	d.lookahead = 0
	d.matchStart = 0
	d.matchLength = minMatch - 1
	d.prevLength = minMatch - 1
	d.prevMatch = 0
	d.matchAvailable = false
	d.highWater = 0
	d.gen++
	if d.gen > 0xffff {
		clear(d.head[:])
		d.gen = 1
	}
	d.bits = 0
	d.nbits = 0

	d.out = append(d.out, 0x78, 0x9c)
	d.deflateLazy()
	sum := adler32.Checksum(d.in)
	d.out = append(d.out, byte(sum>>24), byte(sum>>16), byte(sum>>8), byte(sum))
}

// hash3 is the hash of the three bytes at p: each byte is shifted in five
// bits at a time and only the low 15 bits are kept. (Positions are below
// windowSize, so the uint16 conversions are exact.)
func hash3(w *[windowSize]byte, p int) uint32 {
	return (uint32(w[uint16(p)])<<10 ^ uint32(w[uint16(p+1)])<<5 ^ uint32(w[uint16(p+2)])) & hashMask
}

// insert adds position pos to its hash chain and returns the previous head
// of that chain (0 means none).
func (d *compressor) insert(pos int) int {
	h := hash3(&d.window, pos)
	v := d.head[h]
	head := 0
	if v>>16 == d.gen {
		head = int(v & 0xffff)
	}
	d.prev[pos&wMask] = uint16(head)
	d.head[h] = d.gen<<16 | uint32(pos)
	return head
}

// fillWindow slides the window when the current position gets near its end
// and reads as much input as fits.
func (d *compressor) fillWindow() {
	for {
		more := windowSize - d.lookahead - d.strstart
		if d.strstart >= wSize+maxDist {
			keep := wSize - more
			copy(d.window[:keep], d.window[wSize:wSize+keep])
			d.matchStart -= wSize
			d.strstart -= wSize
			d.blockStart -= wSize
			d.slideHash()
			more += wSize
		}
		if d.inPos == len(d.in) {
			break
		}
		at := d.strstart + d.lookahead
		n := copy(d.window[at:at+more], d.in[d.inPos:])
		d.inPos += n
		d.lookahead += n
		if d.lookahead >= minLookahead || d.inPos == len(d.in) {
			break
		}
	}

	// Keep the bytes just past the data defined: match comparisons may run
	// up to maxMatch bytes beyond the current position.
	if d.highWater < windowSize {
		curr := d.strstart + d.lookahead
		if d.highWater < curr {
			n := min(windowSize-curr, winInit)
			clear(d.window[curr : curr+n])
			d.highWater = curr + n
		} else if d.highWater < curr+winInit {
			n := min(curr+winInit-d.highWater, windowSize-d.highWater)
			clear(d.window[d.highWater : d.highWater+n])
			d.highWater += n
		}
	}
}

func (d *compressor) slideHash() {
	for i, v := range d.head {
		if v>>16 == d.gen && v&0xffff >= wSize {
			d.head[i] = v - wSize
		} else {
			d.head[i] = 0
		}
	}
	for i, m := range d.prev {
		if m >= wSize {
			d.prev[i] = m - wSize
		} else {
			d.prev[i] = 0
		}
	}
}

// longestMatch walks the hash chain starting at cur looking for a match
// longer than prevLength and returns its length (clamped to the
// lookahead), recording its start in matchStart.
func (d *compressor) longestMatch(cur int) int {
	w := &d.window
	chain := maxChain
	scan := d.strstart
	best := d.prevLength
	nice := niceLength
	limit := 0
	if d.strstart > maxDist {
		limit = d.strstart - maxDist
	}
	end1 := w[scan+best-1]
	end0 := w[scan+best]
	if d.prevLength >= goodLength {
		chain >>= 2
	}
	if nice > d.lookahead {
		nice = d.lookahead
	}
	s0, s1 := w[scan], w[scan+1]
	for {
		m := cur
		// The third byte is implied by equal hashes, so comparison resumes
		// at offset 3.
		if w[m+best] == end0 && w[m+best-1] == end1 && w[m] == s0 && w[m+1] == s1 {
			n := matchLen(w[scan:scan+maxMatch:scan+maxMatch], w[m:m+maxMatch:m+maxMatch])
			if n > best {
				d.matchStart = cur
				best = n
				if n >= nice {
					break
				}
				end1 = w[scan+best-1]
				end0 = w[scan+best]
			}
		}
		cur = int(d.prev[cur&wMask])
		if cur <= limit {
			break
		}
		chain--
		if chain == 0 {
			break
		}
	}
	if best <= d.lookahead {
		return best
	}
	return d.lookahead
}

// matchLen returns the index of the first difference between a and b
// (both maxMatch long) at or after offset 3, or maxMatch.
func matchLen(a, b []byte) int {
	a = a[:maxMatch]
	b = b[:maxMatch]
	n := 3
	for ; n+8 <= maxMatch; n += 8 {
		x := binary.LittleEndian.Uint64(a[n:]) ^ binary.LittleEndian.Uint64(b[n:])
		if x != 0 {
			return n + bits.TrailingZeros64(x)>>3
		}
	}
	for ; n < maxMatch && a[n] == b[n]; n++ {
	}
	return n
}

// deflateLazy is the main loop: at each position the match found is only
// taken if the match starting at the next position is not longer.
func (d *compressor) deflateLazy() {
	for {
		if d.lookahead < minLookahead {
			d.fillWindow()
			if d.lookahead == 0 {
				break
			}
		}
		head := 0
		if d.lookahead >= minMatch {
			head = d.insert(d.strstart)
		}
		d.prevLength = d.matchLength
		d.prevMatch = d.matchStart
		d.matchLength = minMatch - 1

		if head != 0 && d.prevLength < maxLazy && d.strstart-head <= maxDist {
			d.matchLength = d.longestMatch(head)
			if d.matchLength == minMatch && d.strstart-d.matchStart > tooFar {
				d.matchLength = minMatch - 1
			}
		}

		if d.prevLength >= minMatch && d.matchLength <= d.prevLength {
			maxInsert := d.strstart + d.lookahead - minMatch
			d.syms = append(d.syms, uint32(d.strstart-1-d.prevMatch)<<8|uint32(d.prevLength-minMatch))
			d.ltree.freq[int(lengthCode[d.prevLength-minMatch])+literals+1]++
			d.dtree.freq[dCode(d.strstart-2-d.prevMatch)]++
			full := len(d.syms) == symLimit

			d.lookahead -= d.prevLength - 1
			for k := d.prevLength - 2; k > 0; k-- {
				d.strstart++
				if d.strstart <= maxInsert {
					d.insert(d.strstart)
				}
			}
			d.matchAvailable = false
			d.matchLength = minMatch - 1
			d.strstart++
			if full {
				d.flushBlock(false)
			}
		} else if d.matchAvailable {
			c := d.window[d.strstart-1]
			d.syms = append(d.syms, uint32(c))
			d.ltree.freq[c]++
			if len(d.syms) == symLimit {
				d.flushBlock(false)
			}
			d.strstart++
			d.lookahead--
		} else {
			d.matchAvailable = true
			d.strstart++
			d.lookahead--
		}
	}
	if d.matchAvailable {
		c := d.window[d.strstart-1]
		d.syms = append(d.syms, uint32(c))
		d.ltree.freq[c]++
		d.matchAvailable = false
	}
	d.flushBlock(true)
}

// flushBlock emits the symbols gathered since blockStart as one block.
func (d *compressor) flushBlock(last bool) {
	var buf []byte
	if d.blockStart >= 0 {
		buf = d.window[d.blockStart:d.strstart]
	}
	d.flushTrees(buf, d.strstart-d.blockStart, last)
	d.blockStart = d.strstart
}

// sendBits appends the n low bits of v to the bit stream (LSB first).
func (d *compressor) sendBits(v uint32, n uint) {
	d.bits |= uint64(v) << d.nbits
	d.nbits += n
	if d.nbits >= 32 {
		b := d.bits
		d.out = append(d.out, byte(b), byte(b>>8), byte(b>>16), byte(b>>24))
		d.bits >>= 32
		d.nbits -= 32
	}
}

// alignBits flushes pending bits, padding with zeros to a byte boundary.
func (d *compressor) alignBits() {
	for d.nbits > 0 {
		d.out = append(d.out, byte(d.bits))
		d.bits >>= 8
		if d.nbits < 8 {
			d.nbits = 0
		} else {
			d.nbits -= 8
		}
	}
	d.bits = 0
}
