package zdeflate

import (
	"encoding/binary"
	"math/bits"
)

// Huffman tree construction and block emission.
//
// The block-level choices (stored vs. fixed vs. dynamic), the exact shape of
// the Huffman trees (heap order, tie breaking by subtree depth, the length
// limiting redistribution) and the run-length coding of the code-length
// sequences all influence the produced bytes, so they follow zlib's
// behaviour precisely.

const (
	lengthCodes = 29
	literals    = 256
	lCodes      = literals + 1 + lengthCodes // 286
	dCodes      = 30
	blCodes     = 19
	heapSize    = 2*lCodes + 1
	maxBits     = 15
	maxBlBits   = 7
	endBlock    = 256
	rep3to6     = 16
	repz3to10   = 17
	repz11to138 = 18
)

var extraLBits = [lengthCodes]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}

// (30 codes, padded for masked indexes)
var extraDBits = [32]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}

var extraBlBits = [blCodes]uint8{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7}

// blOrder is the order in which code-length code lengths are transmitted.
var blOrder = [blCodes]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

var (
	baseLength [lengthCodes]uint16 // first (length-3) value of each length code
	lengthCode [256]uint8          // (length-3) -> length code
	baseDist   [32]uint16          // first (distance-1) value of each distance code (30, padded for masked indexes)
	distCode   [512]uint8          // see dCode

	staticLLen  [lCodes + 2]uint16
	staticLCode [lCodes + 2]uint16
	staticDLen  [32]uint16 // (30 codes, padded for masked indexes)
	staticDCode [32]uint16
)

func init() {
	l := 0
	for code := 0; code < lengthCodes-1; code++ {
		baseLength[code] = uint16(l)
		for i := 0; i < 1<<extraLBits[code]; i++ {
			lengthCode[l] = uint8(code)
			l++
		}
	}
	// Length 258 has its own code (285) without extra bits, replacing the
	// last slot of code 284.
	lengthCode[255] = lengthCodes - 1
	baseLength[lengthCodes-1] = 255

	dist := 0
	for code := 0; code < 16; code++ {
		baseDist[code] = uint16(dist)
		for i := 0; i < 1<<extraDBits[code]; i++ {
			distCode[dist] = uint8(code)
			dist++
		}
	}
	dist >>= 7
	for code := 16; code < dCodes; code++ {
		baseDist[code] = uint16(dist << 7)
		for i := 0; i < 1<<(extraDBits[code]-7); i++ {
			distCode[256+dist] = uint8(code)
			dist++
		}
	}

	for lc := range lenTab {
		code := lengthCode[lc]
		lenTab[lc] = lenInfo{sym: uint16(code) + literals + 1, nextra: extraLBits[code], extra: uint8(lc - int(baseLength[code]))}
	}

	var count [maxBits + 1]int
	for n := range staticLLen {
		switch {
		case n < 144:
			staticLLen[n] = 8
		case n < 256:
			staticLLen[n] = 9
		case n < 280:
			staticLLen[n] = 7
		default:
			staticLLen[n] = 8
		}
		count[staticLLen[n]]++
	}
	assignCodes(staticLLen[:], staticLCode[:], len(staticLLen)-1, &count)
	for n := range dCodes {
		staticDLen[n] = 5
		staticDCode[n] = uint16(reverseBits(uint32(n), 5))
	}
}

// lenInfo is how a match length (length-3, 0..255) is coded: its symbol in
// the literal/length alphabet and the number and value of its extra bits.
type lenInfo struct {
	sym    uint16
	nextra uint8
	extra  uint8
}

var lenTab [256]lenInfo

// dCode maps a zero-based match distance (0..32767) to its distance code.
func dCode(dist int) int {
	if dist < 256 {
		return int(distCode[dist])
	}
	return int(distCode[256+(dist>>7)])
}

func reverseBits(code uint32, n int) uint32 {
	return uint32(bits.Reverse16(uint16(code))) >> (16 - n)
}

// assignCodes gives canonical (bit-reversed, ready to emit LSB first) codes
// to symbols 0..maxCode from their lengths and the per-length counts.
func assignCodes(lens []uint16, codes []uint16, maxCode int, count *[maxBits + 1]int) {
	var next [maxBits + 1]uint32
	code := uint32(0)
	for bits := 1; bits <= maxBits; bits++ {
		code = (code + uint32(count[bits-1])) << 1
		next[bits] = code
	}
	for n := 0; n <= maxCode; n++ {
		l := int(lens[n])
		if l == 0 {
			continue
		}
		codes[n] = uint16(reverseBits(next[l], l))
		next[l]++
	}
}

// huffTree holds one alphabet's frequencies and resulting code. Slots
// beyond the alphabet size are the internal nodes of the Huffman tree.
type huffTree struct {
	freq    [heapSize]uint16
	code    [heapSize]uint16
	bitLen  [heapSize]uint16
	parent  [heapSize]uint16
	maxCode int // largest symbol with a nonzero frequency (after padding)
}

type treeKind struct {
	staticLen []uint16 // nil when the alphabet has no fixed code
	extra     []uint8
	extraBase int
	elems     int
	maxLength int
}

var (
	litKind  = treeKind{staticLLen[:], extraLBits[:], literals + 1, lCodes, maxBits}
	distKind = treeKind{staticDLen[:dCodes], extraDBits[:dCodes], 0, dCodes, maxBits}
	blKind   = treeKind{nil, extraBlBits[:], 0, blCodes, maxBlBits}
)

// Heap entries pack a node's ordering key above its index: the key is
// freq<<8 | depth, so "a sorts before b" (lower frequency, ties broken by
// the shallower subtree, and equal keys counting as smaller) is simply
// key(a) <= key(b).
func pqEntry(t *huffTree, depth *[heapSize]uint8, n int) uint64 {
	return (uint64(t.freq[n])<<8|uint64(depth[n]))<<16 | uint64(n)
}

func pqLE(a, b uint64) bool { return a <= b|0xffff } // (a>>16 <= b>>16)

// pqSentinel follows the last heap entry: it never sorts first, so
// siftDown needs no test for a missing right child.
const pqSentinel = ^uint64(0)

// siftDown restores the min-heap property below position k.
func (d *compressor) siftDown(k int) {
	n := d.heapLen
	pq := d.pq[:n+2] // (pq[n+1] is the sentinel)
	v := pq[k]
	for j := k << 1; j <= n; j = k << 1 {
		if pqLE(pq[j+1], pq[j]) {
			j++
		}
		if pqLE(v, pq[j]) {
			break
		}
		pq[k] = pq[j]
		k = j
	}
	pq[k] = v
}

// buildTree computes optimal, length-limited code lengths and codes for t
// and adds the block's cost under this code (and under the fixed code, if
// any) to optLen and staticLen.
func (d *compressor) buildTree(t *huffTree, k *treeKind) {
	maxCode := -1
	d.heapLen = 0
	d.heapMax = heapSize
	clear(t.bitLen[:k.elems])
	for n, f := range t.freq[:k.elems] {
		if f != 0 {
			d.heapLen++
			d.depth[n] = 0
			d.pq[d.heapLen] = pqEntry(t, &d.depth, n)
			maxCode = n
		}
	}
	// A valid code needs at least two symbols; pad with dummy symbols of
	// frequency 1 whose cost is taken back out of the estimates.
	for d.heapLen < 2 {
		node := 0
		if maxCode < 2 {
			maxCode++
			node = maxCode
		}
		t.freq[node] = 1
		d.depth[node] = 0
		d.heapLen++
		d.pq[d.heapLen] = pqEntry(t, &d.depth, node)
		d.optLen--
		if k.staticLen != nil {
			d.staticLen -= int(k.staticLen[node])
		}
	}
	t.maxCode = maxCode

	d.pq[d.heapLen+1] = pqSentinel
	for n := d.heapLen / 2; n >= 1; n-- {
		d.siftDown(n)
	}
	node := k.elems
	for {
		n := int(d.pq[1] & 0xffff)
		d.pq[1] = d.pq[d.heapLen]
		d.pq[d.heapLen] = pqSentinel
		d.heapLen--
		d.siftDown(1)
		m := int(d.pq[1] & 0xffff)

		d.heapMax--
		d.heap[d.heapMax] = n
		d.heapMax--
		d.heap[d.heapMax] = m

		t.freq[node] = t.freq[n] + t.freq[m]
		d.depth[node] = max(d.depth[n], d.depth[m]) + 1
		t.parent[n] = uint16(node)
		t.parent[m] = uint16(node)
		d.pq[1] = pqEntry(t, &d.depth, node)
		node++
		d.siftDown(1)
		if d.heapLen < 2 {
			break
		}
	}
	d.heapMax--
	d.heap[d.heapMax] = int(d.pq[1] & 0xffff)

	d.genBitLengths(t, k)
	assignCodes(t.bitLen[:], t.code[:], maxCode, &d.blCount)
}

// genBitLengths derives code lengths from the tree (root first), clamps
// them to k.maxLength and repairs the length counts so the code stays
// complete, then reassigns lengths to leaves in order of frequency.
func (d *compressor) genBitLengths(t *huffTree, k *treeKind) {
	maxCode := t.maxCode
	maxLength := k.maxLength
	overflow := 0
	clear(d.blCount[:])

	t.bitLen[d.heap[d.heapMax]] = 0
	h := d.heapMax + 1
	for ; h < heapSize; h++ {
		n := d.heap[h]
		bits := int(t.bitLen[t.parent[n]]) + 1
		if bits > maxLength {
			bits = maxLength
			overflow++
		}
		t.bitLen[n] = uint16(bits)
		if n > maxCode {
			continue // internal node
		}
		d.blCount[bits]++
		xbits := 0
		if n >= k.extraBase {
			xbits = int(k.extra[n-k.extraBase])
		}
		f := int(t.freq[n])
		d.optLen += f * (bits + xbits)
		if k.staticLen != nil {
			d.staticLen += f * (int(k.staticLen[n]) + xbits)
		}
	}
	if overflow == 0 {
		return
	}
	for {
		bits := maxLength - 1
		for d.blCount[bits] == 0 {
			bits--
		}
		d.blCount[bits]--
		d.blCount[bits+1] += 2
		d.blCount[maxLength]--
		overflow -= 2
		if overflow <= 0 {
			break
		}
	}
	for bits := maxLength; bits != 0; bits-- {
		n := d.blCount[bits]
		for n != 0 {
			h--
			m := d.heap[h]
			if m > maxCode {
				continue
			}
			if int(t.bitLen[m]) != bits {
				d.optLen += (bits - int(t.bitLen[m])) * int(t.freq[m])
				t.bitLen[m] = uint16(bits)
			}
			n--
		}
	}
}

// The code lengths of an alphabet are transmitted run-length encoded:
// repeats of the previous length (code 16, 3..6 times) and runs of zeros
// (codes 17 and 18). scanLengths codes t's lengths as zlib's scan_tree and
// send_tree both do, tallying the code-length symbols in the code-length
// tree's frequencies and recording them, each with the value of its extra
// bits (sym | extra<<8), in d.blSeq for sendLengths.
//
// zlib walks the lengths one by one, ending a group when the next length
// differs or the group is full; taken a run of equal lengths at a time, its
// rules come to this:
//   - zeros go in groups of up to 138: fewer than 3 as literal zeros, up to
//     10 as code 17, more as code 18;
//   - a run of another length L goes in groups of up to 7 first, then 6: a
//     first group of fewer than 4 as literal Ls, else as L and code 16 for the
//     rest; a later group of fewer than 3 as literal Ls, else as code 16 (the
//     previous length sent is L then).
func (d *compressor) scanLengths(t *huffTree, maxCode int) {
	// The internal nodes' lengths are no longer needed: the slot past
	// maxCode takes a guard that never equals a real length, so it ends
	// the last run.
	lens := t.bitLen[:maxCode+2]
	lens[maxCode+1] = 0xffff
	bl := &d.bltree.freq
	seq := d.blSeq
	literal := func(l uint16, c int) {
		bl[l%blCodes] += uint16(c)
		for ; c > 0; c-- {
			seq = append(seq, l)
		}
	}
	for n := 0; n <= maxCode; {
		l := lens[n]
		r := 1
		for lens[n+r] == l {
			r++
		}
		n += r
		if l == 0 {
			for r > 0 {
				c := min(r, 138)
				switch {
				case c < 3:
					literal(0, c)
				case c <= 10:
					bl[repz3to10]++
					seq = append(seq, repz3to10|uint16(c-3)<<8)
				default:
					bl[repz11to138]++
					seq = append(seq, repz11to138|uint16(c-11)<<8)
				}
				r -= c
			}
			continue
		}
		for first := true; r > 0; first = false {
			c, least := min(r, 6), 3
			if first {
				c, least = min(r, 7), 4
			}
			r -= c
			if c < least {
				literal(l, c)
				continue
			}
			if first {
				literal(l, 1)
				c--
			}
			bl[rep3to6]++
			seq = append(seq, rep3to6|uint16(c-3)<<8)
		}
	}
	d.blSeq = seq
}

// sendLengths writes the code-length symbols scanLengths recorded, with
// the code-length code.
func (d *compressor) sendLengths() {
	bl := &d.bltree
	for _, e := range d.blSeq {
		sym := uint8(e) % blCodes
		d.sendBits(uint32(bl.code[sym]), uint(bl.bitLen[sym]))
		if eb := extraBlBits[sym]; eb != 0 {
			d.sendBits(uint32(e>>8), uint(eb))
		}
	}
}

// buildBlTree builds the code-length code and returns the index (in
// blOrder) of the last code-length code that must be transmitted.
func (d *compressor) buildBlTree() int {
	d.blSeq = d.blSeq[:0]
	d.scanLengths(&d.ltree, d.ltree.maxCode)
	d.scanLengths(&d.dtree, d.dtree.maxCode)
	d.buildTree(&d.bltree, &blKind)
	maxIndex := blCodes - 1
	for ; maxIndex >= 3; maxIndex-- {
		if d.bltree.bitLen[blOrder[maxIndex]] != 0 {
			break
		}
	}
	d.optLen += 3*(maxIndex+1) + 5 + 5 + 4
	return maxIndex
}

// emitSymbols writes the buffered literals and matches with the given
// codes, followed by the end-of-block code. It keeps the bit buffer in
// locals (as sendBits would fill it, flushing whole 32-bit words): fewer
// than 32 bits are pending before each symbol, a length with its extra bits
// adds at most 20 and a distance at most 28. (Shift counts are masked, and
// distance codes index tables of 32, to spare the compiler's range checks.)
func (d *compressor) emitSymbols(lcode, llen, dcode, dlen []uint16) {
	acc, n, out := d.bits, d.nbits, d.out
	dc32, dl32 := dcode[:32], dlen[:32]
	for _, sym := range d.syms[:d.nsyms] {
		lc := uint8(sym)
		if sym < 1<<8 {
			acc |= uint64(lcode[lc]) << (n & 63)
			n += uint(llen[lc])
		} else {
			li := lenTab[lc]
			acc |= uint64(lcode[li.sym]) << (n & 63)
			n += uint(llen[li.sym])
			acc |= uint64(li.extra) << (n & 63)
			n += uint(li.nextra)
			if n >= 32 {
				out = binary.LittleEndian.AppendUint32(out, uint32(acc))
				acc >>= 32
				n -= 32
			}
			dist := int(sym>>8) - 1
			dc := dCode(dist) & 31
			acc |= uint64(dc32[dc]) << (n & 63)
			n += uint(dl32[dc])
			acc |= uint64(dist-int(baseDist[dc])) << (n & 63)
			n += uint(extraDBits[dc])
		}
		if n >= 32 {
			out = binary.LittleEndian.AppendUint32(out, uint32(acc))
			acc >>= 32
			n -= 32
		}
	}
	d.bits, d.nbits, d.out = acc, n, out
	d.sendBits(uint32(lcode[endBlock]), uint(llen[endBlock]))
}

// flushTrees ends the current block: it picks the cheapest of a stored,
// fixed-code or dynamic-code block using zlib's size estimates and writes
// it. buf holds the block's raw bytes, or is nil when they are no longer in
// the window.
func (d *compressor) flushTrees(buf []byte, storedLen int, last bool) {
	d.buildTree(&d.ltree, &litKind)
	d.buildTree(&d.dtree, &distKind)
	maxBlIndex := d.buildBlTree()

	optLenb := (d.optLen + 3 + 7) >> 3
	staticLenb := (d.staticLen + 3 + 7) >> 3
	if staticLenb <= optLenb {
		optLenb = staticLenb
	}
	lastBit := uint32(0)
	if last {
		lastBit = 1
	}
	switch {
	case storedLen+4 <= optLenb && buf != nil:
		d.sendBits(lastBit, 3) // block type 00
		d.alignBits()
		d.out = append(d.out, byte(storedLen), byte(storedLen>>8), ^byte(storedLen), ^byte(storedLen>>8))
		d.out = append(d.out, buf[:storedLen]...)
	case staticLenb == optLenb:
		d.sendBits(2|lastBit, 3)
		d.emitSymbols(staticLCode[:], staticLLen[:], staticDCode[:], staticDLen[:])
	default:
		d.sendBits(4|lastBit, 3)
		lc := d.ltree.maxCode + 1
		dc := d.dtree.maxCode + 1
		d.sendBits(uint32(lc-257), 5)
		d.sendBits(uint32(dc-1), 5)
		d.sendBits(uint32(maxBlIndex+1-4), 4)
		for r := 0; r <= maxBlIndex; r++ {
			d.sendBits(uint32(d.bltree.bitLen[blOrder[r]]), 3)
		}
		d.sendLengths()
		d.emitSymbols(d.ltree.code[:], d.ltree.bitLen[:], d.dtree.code[:], d.dtree.bitLen[:])
	}
	d.initBlock()
	if last {
		d.alignBits()
	}
}

// initBlock clears the symbol statistics for a new block.
func (d *compressor) initBlock() {
	clear(d.ltree.freq[:lCodes])
	clear(d.dtree.freq[:dCodes])
	clear(d.bltree.freq[:blCodes])
	d.ltree.freq[endBlock] = 1
	d.optLen = 0
	d.staticLen = 0
	d.nsyms = 0
}
