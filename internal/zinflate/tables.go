package zinflate

import "math/bits"

// A table entry is a uint32:
//
//	bits  0-5   number of input bits to consume: codeword length plus extra bits (for a
//	            subtable pointer: the primary table's index bits)
//	bits  8-11  codeword length, i.e. where the extra bits start (for a subtable
//	            pointer: the subtable's index bits)
//	bit   13    entEOB: end of block
//	bit   14    entSub: pointer to a subtable
//	bit   15    entExc: anything but a literal, length or distance (EOB, subtable
//	            pointer, invalid code)
//	bits 16-30  value: literal byte, length base, distance base or subtable offset
//	bit   31    entLit: literal (tested as the sign bit)
//
// In a subtable, lengths are counted from the end of the primary index bits. The code
// length code table uses bits 12 and 16-31 differently (see preTemplates).
//
// A template is an entry without codeword length: flags, value and the number of extra
// bits. The entry for a codeword of length l is template + l | l<<8.
const (
	entEOB = 1 << 13
	entSub = 1 << 14
	entExc = 1 << 15
	entLit = 1 << 31

	entInvalid = entExc

	// tmplSize is the size of template arrays: a power of two above the 286+30
	// symbols of a dynamic block, so that indexes can be masked.
	tmplSize = 512

	prePrev = 1 << 12 // code length code 16: repeat the previous length
)

var (
	litlenTemplates [tmplSize]uint32
	distTemplates   [tmplSize]uint32
	preTemplates    [tmplSize]uint32

	fixedLitlen [litlenTableSize]uint32
	fixedDist   [distTableSize]uint32
)

func init() {
	for i := range 256 {
		litlenTemplates[i] = entLit | uint32(i)<<16
	}
	litlenTemplates[256] = entExc | entEOB
	// Lengths 257-285 (RFC 1951 section 3.2.5).
	base, extra := uint32(3), uint32(0)
	for i := 257; i < 285; i++ {
		litlenTemplates[i] = base<<16 | extra
		base += 1 << extra
		if i >= 264 && (i-264)%4 == 0 {
			extra++
		}
	}
	litlenTemplates[285] = 258 << 16
	litlenTemplates[286] = entInvalid
	litlenTemplates[287] = entInvalid

	base, extra = 1, 0
	for i := range 30 {
		distTemplates[i] = base<<16 | extra
		base += 1 << extra
		if i >= 3 && i%2 == 1 {
			extra++
		}
	}
	distTemplates[30] = entInvalid
	distTemplates[31] = entInvalid

	// Code length code entries: bit 12 (prePrev) set for code 16, the length to store
	// in bits 16-19 (lengths 0-15 store themselves, codes 17 and 18 zeros), the base
	// repeat count in bits 24-31, and the extra bits for the repeat count.
	for i := range 16 {
		preTemplates[i] = uint32(i)<<16 | 1<<24
	}
	preTemplates[16] = prePrev | 3<<24 | 2
	preTemplates[17] = 3<<24 | 3
	preTemplates[18] = 11<<24 | 7

	// Fixed Huffman codes (RFC 1951 section 3.2.6). Symbols 286, 287, 30 and 31 get
	// codewords whose entries are invalid.
	var lens [288]uint8
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
	var (
		groups [maxCodeLen + 1][]uint16
		bucket [maxCodeLen + 1][288 + 32]uint16
	)
	groupLengths(&groups, lens[:], &bucket)
	if !buildTable(fixedLitlen[:], &groups, &litlenTemplates, litlenBits, true) {
		panic("zinflate: bad fixed literal/length code")
	}
	for i := range 32 {
		lens[i] = 5
	}
	groupLengths(&groups, lens[:32], &bucket)
	if !buildTable(fixedDist[:], &groups, &distTemplates, distBits, true) {
		panic("zinflate: bad fixed distance code")
	}
}

// groupLengths sets groups[l] to the list of symbols with code length l, in increasing
// order, stored in bucket.
func groupLengths(groups *[maxCodeLen + 1][]uint16, lens []uint8, bucket *[maxCodeLen + 1][288 + 32]uint16) {
	var cnt [maxCodeLen + 1]int
	for s, l := range lens {
		l &= maxCodeLen
		bucket[l][cnt[l]] = uint16(s)
		cnt[l]++
	}
	for l := range groups {
		groups[l] = bucket[l][:cnt[l]]
	}
}

// buildTable fills table with the decoding table, tableBits bits of primary index
// followed by subtables, for the canonical Huffman code in which groups[l] lists, in
// increasing order, the symbols with codewords of length l; the entry template of
// symbol s is tmpl[s]. It reports whether the lengths form a valid code, by
// zlib's rules for literal/length and distance codes: an over-subscribed code is
// invalid; an incomplete code is allowed only when empty or when it is a single
// one-bit codeword (unless strict, which requires a complete code). Missing codewords
// decode to invalid entries. groups[0] is ignored.
//
// The primary table is built by doubling: after the codewords of length l are stored,
// entries [0, 2^l) are right for every index whose low l bits start with a codeword of
// at most l bits, and copying them to [2^l, 2^(l+1)) extends that to l+1 bits (a
// codeword of at most l bits ignores bit l). So each codeword is stored once, and the
// replication is done by memmove.
func buildTable(table []uint32, groups *[maxCodeLen + 1][]uint16, tmpl *[tmplSize]uint32, tableBits uint, strict bool) bool {
	var count [maxCodeLen + 1]int
	minLen, maxLen := 0, 0
	left := 1 // number of unused codewords at the current length
	for l := 1; l <= maxCodeLen; l++ {
		count[l] = len(groups[l])
		left = left<<1 - count[l]
		if left < 0 {
			return false // over-subscribed
		}
		if count[l] != 0 {
			maxLen = l
			if minLen == 0 {
				minLen = l
			}
		}
	}
	tsize := 1 << tableBits
	primary := table[:tsize]
	if left > 0 {
		// Incomplete.
		if strict || maxLen > 1 {
			return false
		}
		if maxLen == 0 {
			// No codewords at all.
			for i := range primary {
				primary[i] = entInvalid
			}
			return true
		}
		// A single one-bit codeword, 0: index 1 is invalid and stays so
		// through the doubling.
		primary[1] = entInvalid
	}

	// Codewords of at most tableBits bits, stored at their bit-reversed value.
	code := 0 // canonical codeword of the current symbol, most significant bit first
	l := minLen
	n := 1 << min(minLen, int(tableBits)) // filled part of the primary table
	for ; l <= maxLen && l <= int(tableBits); l++ {
		if l > minLen {
			copy(primary[n:2*n], primary[:n])
			n *= 2
		}
		code = storeCodewords((*[maxPrimary]uint32)(table), tsize-1, groups[l], tmpl, l, code) << 1
	}
	for ; n < tsize; n *= 2 {
		copy(primary[n:2*n], primary[:n])
	}

	// Longer codewords: a subtable per distinct tableBits-bit prefix, indexed by the
	// bits after the prefix, sized for the longest codeword sharing the prefix.
	next := tsize // next free table slot
	prefix := -1
	sub := table[:0]
	for ; l <= maxLen; l++ {
		for _, s := range groups[l] {
			if p := code >> (l - int(tableBits)); p != prefix {
				// New subtable. The prefix's subtree is filled, in canonical order,
				// by the remaining codewords; find the depth at which it is full.
				prefix = p
				subBits := l - int(tableBits)
				left := 1 << subBits
				for {
					left -= count[subBits+int(tableBits)]
					if left <= 0 || subBits+int(tableBits) >= maxLen {
						break
					}
					subBits++
					left <<= 1
				}
				if next+1<<subBits > len(table) {
					return false // cannot happen, see litlenTableSize
				}
				primary[bits.Reverse16(uint16(p))>>(16-tableBits)] =
					entExc | entSub | uint32(next)<<16 | uint32(subBits)<<8 | uint32(tableBits)
				sub = table[next : next+1<<subBits]
				next += 1 << subBits
			}
			sl := l - int(tableBits)
			e := tmpl[s%tmplSize] + uint32(sl) | uint32(sl)<<8
			r := int(bits.Reverse16(uint16(code))>>(16-l)) >> tableBits
			for ; r < len(sub); r += 1 << sl {
				sub[r] = e
			}
			count[l]--
			code++
		}
		code <<= 1
	}
	return true
}

// buildPre fills pre with the decoding table (preBits bits of index) of the code length
// code with the given lengths, and reports whether they form a complete code. zlib
// rejects incomplete code length codes, even single codewords; it accepts an empty one
// but then decodes every code length as 0 (with no input), so that the block fails
// later (missing end-of-block, or truncated input): rejecting it at once changes only
// the error message. With 19 symbols, storing each entry at every index it covers is
// cheaper than sorting them.
func buildPre(pre *[maxPrimary]uint32, lens *[19]uint8) bool {
	var count [8]int
	for _, l := range lens {
		count[l&7]++
	}
	count[0] = 0
	left := 1
	var next [8]uint // first canonical codeword of each length
	code := uint(0)
	for l := 1; l <= 7; l++ {
		left = left<<1 - count[l]
		code = (code + uint(count[l-1])) << 1
		next[l] = code
	}
	if left != 0 {
		return false // over-subscribed or incomplete
	}
	for s, l := range lens {
		if l == 0 {
			continue
		}
		l &= 7
		c := next[l]
		next[l]++
		e := preTemplates[s] + uint32(l) | uint32(l)<<8
		for r := uint(rev10[c<<(10-l)%1024]); r < 1<<preBits; r += 1 << l {
			pre[r] = e
		}
	}
	return true
}

// maxPrimary is the largest primary table size; storeCodewords uses tables of this
// size. The bit reversal in storeCodewords needs codewords of at most 10 bits.
const maxPrimary = 1 << 10

const _ = uint(10 - max(litlenBits, distBits, preBits)) // tableBits <= 10

// storeCodewords stores the entries of the symbols syms, with consecutive codewords of
// length l starting at code, in the primary table (masked with mask) at their
// bit-reversed codewords, and returns the next codeword. (A separate function: the
// memmove calls of buildTable would make the compiler spill this loop's variables.)
//
//go:noinline
func storeCodewords(primary *[maxPrimary]uint32, mask int, syms []uint16, tmpl *[tmplSize]uint32, l, code int) int {
	add := uint32(l) | uint32(l)<<8
	// The codeword, left-aligned in 10 bits, reversed by rev10.
	c := uint(code) << (10 - l)
	step := uint(1) << (10 - l)
	for _, s := range syms {
		primary[int(rev10[c%1024])&mask%maxPrimary] = tmpl[s%tmplSize] + add
		c += step
	}
	return code + len(syms)
}

// rev10 reverses 10-bit values.
var rev10 = func() (t [1024]uint16) {
	for i := range t {
		t[i] = bits.Reverse16(uint16(i)) >> 6
	}
	return t
}()
