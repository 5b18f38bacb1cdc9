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

	// syms[:nsyms] are the block's symbols so far: dist<<8 | (length-3 or literal).
	syms  [litBufSize]uint32
	nsyms int
	blSeq []uint16 // the code-length symbols of a dynamic block, see scanLengths

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
	d.blSeq = make([]uint16, 0, lCodes+dCodes)
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

// rollHash is h, the hash3 of the three bytes at p-1, moved on to the three
// bytes at p, given c, the byte at p+2: the oldest byte's bits shift out.
// (hash3 is the same rolled from zero, written out: fewer masks.)
func rollHash(h uint32, c byte) uint32 {
	return (h<<5 ^ uint32(c)) & hashMask
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
// longer than prevLength at strstart and returns its length (clamped to the
// lookahead) and start; start stays matchStart unless a longer match is found.
func (d *compressor) longestMatch(cur, strstart, prevLength, lookahead, matchStart int) (int, int) {
	w := &d.window
	prev := &d.prev
	chain := maxChain
	scan := strstart
	best := prevLength
	nice := niceLength
	limit := 0
	if strstart > maxDist {
		limit = strstart - maxDist
	}
	end1 := w[uint16(scan+best-1)]
	end0 := w[uint16(scan+best)]
	if prevLength >= goodLength {
		chain >>= 2
	}
	if nice > lookahead {
		nice = lookahead
	}
	s0, s1 := w[uint16(scan)], w[uint16(scan+1)]
	for {
		m := cur
		// The third byte is implied by equal hashes, so comparison resumes
		// at offset 3. (Positions and lengths keep every index below
		// windowSize, so the uint16 conversions are exact.)
		if w[uint16(m+best)] == end0 && w[uint16(m+best-1)] == end1 && w[uint16(m)] == s0 && w[uint16(m+1)] == s1 {
			n := matchLen(w[scan:scan+maxMatch:scan+maxMatch], w[m:m+maxMatch:m+maxMatch])
			if n > best {
				matchStart = cur
				best = n
				if n >= nice {
					break
				}
				end1 = w[uint16(scan+best-1)]
				end0 = w[uint16(scan+best)]
			}
		}
		cur = int(prev[cur&wMask])
		if cur <= limit {
			break
		}
		chain--
		if chain == 0 {
			break
		}
	}
	return min(best, lookahead), matchStart
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
// taken if the match starting at the next position is not longer. It keeps
// the compressor's position and match state in locals, which it stores back
// before each call that reads or changes them (fillWindow, flushBlock), and
// inserts positions into the hash chains itself.
func (d *compressor) deflateLazy() {
	var (
		strstart       = d.strstart
		lookahead      = d.lookahead
		matchStart     = d.matchStart
		matchLength    = d.matchLength
		prevLength     = d.prevLength
		prevMatch      = d.prevMatch
		matchAvailable = d.matchAvailable
		nsyms          = d.nsyms
		settled        bool // all input is in the window, and fillWindow has seen that
	)
	// link adds position p (below windowSize), whose hash is h, to its hash
	// chain and returns the previous head of that chain (0 means none): an
	// entry of another generation is empty. (The arrays are reached through
	// d, not through locals, which would take registers the loop needs.)
	link := func(p int, h uint32) int {
		gen := d.gen << 16 // (from memory: a register for it would spill another)
		v := d.head[h] ^ gen
		if v > 0xffff {
			v = 0
		}
		d.prev[p&wMask] = uint16(v)
		d.head[h] = gen | uint32(p)
		return int(v)
	}
	for {
		// Once all input is in the window, fillWindow only has work when the
		// window must slide.
		if lookahead < minLookahead {
			if !settled || strstart >= wSize+maxDist {
				d.strstart, d.lookahead, d.matchStart = strstart, lookahead, matchStart
				d.fillWindow()
				strstart, lookahead, matchStart = d.strstart, d.lookahead, d.matchStart
				settled = d.inPos == len(d.in)
			}
			if lookahead == 0 {
				break
			}
		}
		head := 0
		if lookahead >= minMatch {
			head = link(strstart, hash3(&d.window, strstart))
		}
		prevLength, prevMatch = matchLength, matchStart
		matchLength = minMatch - 1

		if head != 0 && prevLength < maxLazy && strstart-head <= maxDist {
			matchLength, matchStart = d.longestMatch(head, strstart, prevLength, lookahead, matchStart)
			if matchLength == minMatch && strstart-matchStart > tooFar {
				matchLength = minMatch - 1
			}
		}

		if prevLength >= minMatch && matchLength <= prevLength {
			maxInsert := strstart + lookahead - minMatch
			d.syms[nsyms&(litBufSize-1)] = uint32(strstart-1-prevMatch)<<8 | uint32(prevLength-minMatch)
			nsyms++
			d.ltree.freq[int(lengthCode[uint8(prevLength-minMatch)])+literals+1]++
			d.dtree.freq[dCode(strstart-2-prevMatch)]++
			lookahead -= prevLength - 1
			// The positions the match covers after strstart go into the hash
			// chains too, up to maxInsert; being consecutive, each one's hash
			// follows from the last by rolling in one byte.
			if p, last := strstart+1, min(strstart+prevLength-2, maxInsert); p <= last {
				h := hash3(&d.window, p)
				for {
					link(p, h)
					if p == last {
						break
					}
					p++
					h = rollHash(h, d.window[uint16(p+2)])
				}
			}
			strstart += prevLength - 2
			matchAvailable = false
			matchLength = minMatch - 1
			strstart++
			if nsyms == symLimit {
				d.nsyms, d.strstart = nsyms, strstart
				d.flushBlock(false)
				nsyms = d.nsyms
			}
		} else if matchAvailable {
			c := d.window[uint16(strstart-1)]
			d.syms[nsyms&(litBufSize-1)] = uint32(c)
			nsyms++
			d.ltree.freq[c]++
			if nsyms == symLimit {
				// (zlib flushes before moving on: the block ends at strstart.)
				d.nsyms, d.strstart = nsyms, strstart
				d.flushBlock(false)
				nsyms = d.nsyms
			}
			strstart++
			lookahead--
		} else {
			matchAvailable = true
			strstart++
			lookahead--
		}
	}
	if matchAvailable {
		c := d.window[uint16(strstart-1)]
		d.syms[nsyms&(litBufSize-1)] = uint32(c)
		nsyms++
		d.ltree.freq[c]++
		matchAvailable = false
	}
	d.nsyms, d.strstart, d.lookahead = nsyms, strstart, lookahead
	d.matchStart, d.matchLength, d.prevLength, d.prevMatch = matchStart, matchLength, prevLength, prevMatch
	d.matchAvailable = matchAvailable
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
	d.bits |= uint64(v) << (d.nbits & 63) // (always below 32)
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
