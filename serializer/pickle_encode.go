package serializer

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/djsession/djsession/internal/pystr"
)

// The encoder follows CPython's C pickler (Modules/_pickle.c behaviour, as observed on
// 3.10-3.13) so that dict, str, int, float, bool, None, list and tuple pickles are
// byte-identical to pickle.dumps(v, protocol), framing and memo included; the fixtures in
// fixtures/pickle check this for every protocol. The other types are written as CPython
// writes them too (the same reduce tuples, globals and memo use), so their bytes match as
// well whenever Python's object identities match ours. Where they cannot:
//
//   - object identity: CPython memoizes by object, so an object reachable twice is written
//     once and then fetched (BINGET). Here a str, bytes, list, tuple, set or dict Value is
//     "the same object" when it shares memory with an earlier one (same pointer and
//     length), as copies of one Value do; the str "" and one-character latin-1 strs, and
//     bytes of length 0 or 1, are shared by value, as CPython caches them. Two equal
//     values built separately in Go may be one object in Python (or the reverse): the
//     pickle then differs by a BINGET, and loads to an equal value either way.
//   - datetime, date, time, timedelta, Decimal and UUID values have no identity here and
//     are never fetched from the memo (CPython does when the very same object repeats);
//     tzinfo objects are shared by pointer (timezone.utc and ZoneInfo(key) are singletons
//     in both).
//   - sets are written in the order of their elements in the Value; CPython writes its
//     hash-table order, which Go cannot reproduce for str elements (hash randomization).
//   - a UUID's is_safe attribute is not modelled; it is written as unknown.
//
// Only the opcodes for the types of Value are emitted, and the only globals written are
// the constructors of those types, so no Go value can make the pickle call anything else.

// Go's math.NaN() has a different payload from CPython's float('nan'); the encoder writes
// CPython's, so that a NaN made in Go pickles as Python's own. Other NaN payloads (read
// from a pickle) are written as they are.
const (
	goNaN = 0x7ff8000000000001
	pyNaN = 0x7ff8000000000000
)

const (
	frameSizeTarget = 64 * 1024
	frameHeaderSize = 9
	batchSize       = 1000
)

// memoKey identifies an object: by pointer and length, or (ptr nil) by the value s for
// the objects CPython shares by value.
type memoKey struct {
	kind Kind
	ptr  unsafe.Pointer
	n    uint64
	s    string
}

// ptrKey is a memoKey without its string, for the common case.
type ptrKey struct {
	kind Kind
	ptr  unsafe.Pointer
	n    uint64
}

// ptrTable is an open-addressing hash table from ptrKey to memo index: a session pickles
// a hundred or so objects, and a Go map spent most of the encoding time growing.
//
// Slots are stamped with the generation of the pickle that filled them, so that reset (once
// per pickle) is a counter increment rather than a clear of the whole table: the table of a
// typical session has 512 slots (16 KiB), and clearing it cost more than filling it. The
// table is kept at most a quarter full: most lookups are of new objects, and at half full
// whether the first slot probed is free was a coin toss the branch predictor lost (13%
// more mispredicted branches per pickle in cachegrind's model, and 2-11% more time in
// back-to-back runs).
type ptrTable struct {
	slots []ptrSlot
	count int
	gen   uint32 // slots with another gen are empty
}

type ptrSlot struct {
	ptr  unsafe.Pointer
	n    uint64
	idx  int
	gen  uint32
	kind Kind
}

func (t *ptrTable) hash(k ptrKey) uint64 {
	h := (uint64(uintptr(k.ptr)) ^ k.n<<40 ^ uint64(k.kind)<<56) * 0x9e3779b97f4a7c15
	return h >> 32
}

func (t *ptrTable) get(k ptrKey) (int, bool) {
	if t.count == 0 {
		return 0, false
	}
	mask := uint64(len(t.slots) - 1)
	for i := t.hash(k) & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.gen != t.gen {
			return 0, false
		}
		if s.ptr == k.ptr && s.n == k.n && s.kind == k.kind {
			return s.idx, true
		}
	}
}

func (t *ptrTable) put(k ptrKey, idx int) {
	if s, found := t.slot(k, idx); found {
		s.idx = idx
	}
}

// getOrPut returns the index of k, or, when k is absent, adds it with index idx and
// returns false: one probe where a get and a put take two.
func (t *ptrTable) getOrPut(k ptrKey, idx int) (int, bool) {
	if s, found := t.slot(k, idx); found {
		return s.idx, true
	}
	return 0, false
}

// slot returns the slot of k and true, or, when k is absent, fills a slot with k and
// index idx and returns it and false.
func (t *ptrTable) slot(k ptrKey, idx int) (*ptrSlot, bool) {
	if 4*(t.count+1) > len(t.slots) {
		t.grow()
	}
	mask := uint64(len(t.slots) - 1)
	for i := t.hash(k) & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.gen != t.gen {
			// Field by field: a five-field struct literal is not SSA-able, and its store
			// became a typedmemmove call that cost more than the rest of the insertion.
			s.ptr, s.n, s.idx, s.gen, s.kind = k.ptr, k.n, idx, t.gen, k.kind
			t.count++
			return s, false
		}
		if s.ptr == k.ptr && s.n == k.n && s.kind == k.kind {
			return s, true
		}
	}
}

func (t *ptrTable) grow() {
	old, gen := t.slots, t.gen
	t.slots = make([]ptrSlot, max(64, 2*len(old)))
	t.count, t.gen = 0, 1
	for _, s := range old {
		if s.gen == gen {
			t.put(ptrKey{s.kind, s.ptr, s.n}, s.idx)
		}
	}
}

func (t *ptrTable) reset() {
	t.count = 0
	t.gen++
	if t.gen == 0 { // wrapped: slots of an old generation could look current
		clear(t.slots)
		t.gen = 1
	}
}

// idlePicklers keeps encoders (and their memo tables) for reuse.
var idlePicklers = sync.Pool{New: func() any { return &pickler{byPtr: ptrTable{gen: 1}} }}

type pickler struct {
	proto    int
	maxDepth int
	out      []byte
	framing  bool
	// needFrame is set when framing and no frame is open: the next write opens one.
	needFrame  bool
	frameStart int // offset of the open frame's header, or -1
	// frameEnd is the length of out at which the open frame is full (frameStart + header
	// + target), or MaxInt when none is open: save checks it with a single comparison.
	frameEnd int
	memoN    int             // entries in CPython's memo so far
	byPtr    ptrTable        // memo index of objects identified by pointer
	byValue  map[memoKey]int // memo index of objects identified by value
	scratch  []byte          // where PickleWith builds its pickles, kept across uses
}

// maxKeptScratch bounds the scratch buffer a pooled pickler keeps between uses.
const maxKeptScratch = 64 << 10

// PickleWith returns the pickle of v with the protocol of o (default 5). The pickle is
// built in the pooled pickler's scratch buffer, as large as the largest pickle it has
// held, so it does not regrow, and is then copied once into a slice of its exact size.
func PickleWith(v Value, o PickleOptions) ([]byte, error) {
	return appendPickle(nil, v, o, true)
}

// AppendPickle appends the pickle of v (as [PickleWith]) to dst.
func AppendPickle(dst []byte, v Value, o PickleOptions) ([]byte, error) {
	return appendPickle(dst, v, o, false)
}

// appendPickle pickles v after dst, or, with inScratch, into the pickler's scratch
// buffer, and then returns a copy of the pickle alone.
func appendPickle(dst []byte, v Value, o PickleOptions, inScratch bool) ([]byte, error) {
	o = o.withDefaults()
	if o.Protocol < 0 || o.Protocol > 5 {
		return dst, fmt.Errorf("%w: pickle protocol %d (want 0 to 5)", ErrInvalidValue, o.Protocol)
	}
	p := idlePicklers.Get().(*pickler)
	if inScratch {
		dst = p.scratch[:0]
	}
	p.proto, p.maxDepth, p.out, p.memoN = o.Protocol, o.MaxDepth, dst, 0
	p.frameStart, p.frameEnd = -1, math.MaxInt
	defer func() {
		if inScratch && cap(p.out) <= maxKeptScratch {
			p.scratch = p.out[:0]
		}
		p.out, p.byValue = nil, nil
		p.byPtr.reset()
		if len(p.byPtr.slots) <= 1<<12 {
			idlePicklers.Put(p)
		}
	}()
	if p.proto >= 2 {
		p.out = append(p.out, 0x80, byte(p.proto))
	}
	p.framing = p.proto >= 4
	p.needFrame = p.framing
	if err := p.save(v, 0); err != nil {
		if inScratch {
			return nil, err
		}
		return dst, err
	}
	p.write1('.')
	p.commitFrame()
	if inScratch {
		return append(make([]byte, 0, len(p.out)), p.out...), nil
	}
	return p.out, nil
}

// write appends bytes, opening a frame first when framing and none is open.
func (p *pickler) write(b ...byte) {
	p.open()
	p.out = append(p.out, b...)
}

// write1 and write2 are write for the common one- and two-byte opcodes, without the
// variadic slice.
func (p *pickler) write1(b byte) {
	p.open()
	p.out = append(p.out, b)
}

func (p *pickler) write2(a, b byte) {
	p.open()
	p.out = append(p.out, a, b)
}

func (p *pickler) writeString(s string) {
	p.open()
	p.out = append(p.out, s...)
}

// open opens a frame when one is needed; it is small enough to be inlined in the writes.
func (p *pickler) open() {
	if p.needFrame {
		p.openFrame()
	}
}

func (p *pickler) openFrame() {
	p.frameStart = len(p.out)
	p.frameEnd = p.frameStart + frameHeaderSize + frameSizeTarget
	p.needFrame = false
	p.out = append(p.out, make([]byte, frameHeaderSize)...)
}

// commitFrame closes the open frame: a FRAME header when it holds at least 4 bytes, none
// (the reserved room removed) otherwise, as CPython does.
func (p *pickler) commitFrame() {
	if p.frameStart < 0 {
		return
	}
	start := p.frameStart
	n := len(p.out) - start - frameHeaderSize
	if n >= 4 {
		p.out[start] = 0x95
		binary.LittleEndian.PutUint64(p.out[start+1:], uint64(n))
	} else {
		copy(p.out[start:], p.out[start+frameHeaderSize:])
		p.out = p.out[:len(p.out)-frameHeaderSize]
	}
	p.frameStart, p.frameEnd = -1, math.MaxInt
	p.needFrame = p.framing
}

// writeLarge writes an opcode with a payload; payloads of 64 KiB or more go outside
// frames, as CPython writes them.
func (p *pickler) writeLarge(header []byte, payload string) {
	if p.framing && len(payload) >= frameSizeTarget {
		p.commitFrame()
		p.out = append(p.out, header...)
		p.out = append(p.out, payload...)
		return
	}
	p.write(header...)
	p.writeString(payload)
}

func (p *pickler) memoize(k memoKey, cacheable bool) {
	idx := p.memoN
	if cacheable {
		if k.ptr != nil {
			p.byPtr.put(ptrKey{k.kind, k.ptr, k.n}, idx)
		} else {
			if p.byValue == nil {
				p.byValue = make(map[memoKey]int)
			}
			p.byValue[k] = idx
		}
	}
	p.writeMemo()
}

// memoizePtr is memoize for an object identified by pointer.
func (p *pickler) memoizePtr(k ptrKey) {
	p.byPtr.put(k, p.memoN)
	p.writeMemo()
}

// writeMemo writes the store of the top of the stack as the next memo entry.
func (p *pickler) writeMemo() {
	idx := p.memoN
	p.memoN++
	switch {
	case p.proto >= 4:
		p.write1(0x94)
	case p.proto >= 1:
		if idx < 256 {
			p.write2('q', byte(idx))
		} else {
			p.write('r', byte(idx), byte(idx>>8), byte(idx>>16), byte(idx>>24))
		}
	default:
		p.writeString("p" + strconv.Itoa(idx) + "\n")
	}
}

// get writes a memo fetch and reports whether k was memoized.
func (p *pickler) get(k memoKey) bool {
	if k.ptr != nil {
		return p.getPtr(ptrKey{k.kind, k.ptr, k.n})
	}
	idx, ok := p.byValue[k]
	if ok {
		p.writeGet(idx)
	}
	return ok
}

// getPtr is get for an object identified by pointer.
func (p *pickler) getPtr(k ptrKey) bool {
	idx, ok := p.byPtr.get(k)
	if ok {
		p.writeGet(idx)
	}
	return ok
}

func (p *pickler) writeGet(idx int) {
	switch {
	case p.proto == 0:
		p.writeString("g" + strconv.Itoa(idx) + "\n")
	case idx < 256:
		p.write2('h', byte(idx))
	default:
		p.write('j', byte(idx), byte(idx>>8), byte(idx>>16), byte(idx>>24))
	}
}

// strByValue reports whether a str is shared by value (as CPython caches "" and the
// one-character latin-1 strs) rather than identified by pointer.
func strByValue(s string) bool {
	return len(s) <= 1 || (len(s) == 2 && s[0] >= 0xc2 && s[0] <= 0xc3 && s[1] >= 0x80 && s[1] < 0xc0)
}

// identity returns the memo key of a value, and false for values never fetched from the
// memo.
func identity(v Value) (memoKey, bool) {
	switch v.kind {
	case KindStr:
		if s := v.s(); strByValue(s) {
			return memoKey{kind: KindStr, s: s}, true
		}
	case KindBytes:
		if v.num <= 1 {
			return memoKey{kind: KindBytes, s: v.s()}, true
		}
	case KindList, KindTuple, KindSet, KindFrozenSet:
		if v.num == 0 {
			return memoKey{}, false // empty slices may share a pointer without being one object
		}
	case KindDict, KindBytearray:
	default:
		return memoKey{}, false
	}
	return memoKey{kind: v.kind, ptr: v.ptr, n: v.num}, true
}

func (p *pickler) save(v Value, depth int) error {
	if len(p.out) >= p.frameEnd {
		p.commitFrame()
	}
	if depth > p.maxDepth {
		return fmt.Errorf("%w: nesting deeper than %d", ErrInvalidValue, p.maxDepth)
	}
	// Fast paths for the kinds a session is made of, at the protocols that matter; they
	// write what saveAny writes for them, without building a memoKey.
	switch v.kind {
	case KindNone:
		p.write1('N')
		return nil
	case KindBool:
		if p.proto >= 2 {
			if v.num != 0 {
				p.write1(0x88) // NEWTRUE
			} else {
				p.write1(0x89) // NEWFALSE
			}
			return nil
		}
	case KindInt:
		if v.ptr == nil && v.num < 256 && p.proto >= 1 {
			p.write2('K', byte(v.num))
			return nil
		}
	case KindFloat:
		if p.proto >= 1 {
			bits := v.num
			if bits == goNaN {
				bits = pyNaN
			}
			p.open()
			p.out = binary.BigEndian.AppendUint64(append(p.out, 'G'), bits)
			return nil
		}
	case KindStr:
		if p.proto >= 4 && v.num < 256 {
			if s := v.s(); !strByValue(s) {
				return p.saveShortStr(s)
			}
		}
	case KindDict:
		if p.proto >= 1 {
			k := ptrKey{KindDict, v.ptr, v.num}
			if p.getPtr(k) {
				return nil
			}
			p.write1('}')
			p.memoizePtr(k)
			return p.batchDict(v.dictp().items, depth)
		}
	}
	return p.saveAny(v, depth)
}

// saveShortStr writes a str of fewer than 256 bytes, identified by pointer, at protocol
// 4 or 5 (SHORT_BINUNICODE and MEMOIZE, or BINGET when memoized).
func (p *pickler) saveShortStr(s string) error {
	// Nothing is written between the lookup and the memo entry, so the str can be entered
	// at once, with the index its MEMOIZE below gives it. (If s is invalid the pickle fails
	// and the memo is dropped.)
	k := ptrKey{KindStr, unsafe.Pointer(unsafe.StringData(s)), uint64(len(s))}
	if idx, ok := p.byPtr.getOrPut(k, p.memoN); ok {
		p.writeGet(idx)
		return nil
	}
	// SHORT_BINUNICODE, length, s, MEMOIZE: written in place after one capacity check.
	// (Written before s is known to be valid: if it is not, the pickle fails.)
	p.open()
	n := len(p.out)
	p.out = slices.Grow(p.out, len(s)+3)[:n+len(s)+3]
	out := p.out[n:]
	out[0], out[1] = 0x8c, byte(len(s))
	if !copyASCII(out[2:2+len(s)], s) && !validWTF8(s) {
		return fmt.Errorf("%w: %q", ErrInvalidUTF8, s)
	}
	out[2+len(s)] = 0x94
	p.memoN++
	return nil
}

// copyASCII copies s to dst, which is as long, and reports whether s is all ASCII: a
// word at a time (overlapping words at the end, and for 4 to 7 bytes two overlapping
// 4-byte words), so that a short str costs a few loads and stores rather than a call to
// copy and another to test it.
func copyASCII(dst []byte, s string) bool {
	n := len(s)
	dst = dst[:n]
	var acc uint64
	switch {
	case n >= 8:
		for i := 0; i < n-8; i += 8 {
			w := load64(s, i)
			binary.LittleEndian.PutUint64(dst[i:], w)
			acc |= w
		}
		w := load64(s, n-8)
		binary.LittleEndian.PutUint64(dst[n-8:], w)
		acc |= w
	case n >= 4:
		a, b := load32(s, 0), load32(s, n-4)
		binary.LittleEndian.PutUint32(dst, a)
		binary.LittleEndian.PutUint32(dst[n-4:], b)
		acc = uint64(a | b)
	case n > 0:
		a, b, c := s[0], s[n/2], s[n-1]
		dst[0], dst[n/2], dst[n-1] = a, b, c
		acc = uint64(a | b | c)
	}
	return acc&msbs == 0
}

// load32 returns the four bytes of s from i as a little-endian uint32.
func load32(s string, i int) uint32 {
	b := s[i : i+4]
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// saveAny writes any value (save has checked depth and framing).
func (p *pickler) saveAny(v Value, depth int) error {
	key, cacheable := identity(v)
	if cacheable && p.get(key) {
		return nil
	}
	switch v.kind {
	case KindNone:
		p.write('N')
	case KindBool:
		switch {
		case p.proto >= 2 && v.num != 0:
			p.write(0x88)
		case p.proto >= 2:
			p.write(0x89)
		case v.num != 0:
			p.writeString("I01\n")
		default:
			p.writeString("I00\n")
		}
	case KindInt:
		p.saveInt(v)
	case KindFloat:
		f := math.Float64frombits(v.num)
		if p.proto >= 1 {
			var b [9]byte
			b[0] = 'G'
			bits := v.num
			if bits == goNaN {
				bits = pyNaN
			}
			binary.BigEndian.PutUint64(b[1:], bits)
			p.write(b[:]...)
		} else {
			p.writeString("F" + FormatFloat(f) + "\n")
		}
	case KindStr:
		if err := p.saveStr(v.s()); err != nil {
			return err
		}
		p.memoize(key, cacheable)
	case KindBytes:
		if p.proto < 3 {
			return p.saveBytesReduce(v.s(), key, cacheable, KindBytes)
		}
		p.saveBytesRaw(v.s())
		p.memoize(key, cacheable)
	case KindBytearray:
		if p.proto >= 5 {
			var h [9]byte
			h[0] = 0x96
			binary.LittleEndian.PutUint64(h[1:], v.num)
			p.writeLarge(h[:], v.s())
			p.memoize(key, cacheable)
			return nil
		}
		return p.saveBytesReduce(v.s(), key, cacheable, KindBytearray)
	case KindList:
		if p.proto == 0 {
			p.write('(', 'l')
		} else {
			p.write(']')
		}
		p.memoize(key, cacheable)
		return p.batchList(v.list(), depth)
	case KindTuple:
		return p.saveTuple(v, key, cacheable, depth)
	case KindDict:
		if p.proto == 0 {
			p.write('(', 'd')
		} else {
			p.write('}')
		}
		p.memoize(key, cacheable)
		return p.batchDict(v.dictp().items, depth)
	case KindSet:
		if p.proto < 4 {
			return p.reduceOfList("builtins", "set", v, key, cacheable, depth)
		}
		p.write(0x8f)
		p.memoize(key, cacheable)
		items := v.list()
		if len(items) == 0 {
			return nil
		}
		for i := 0; ; {
			p.write('(')
			n := 0
			for ; i < len(items) && n < batchSize; i, n = i+1, n+1 {
				if err := p.save(items[i], depth+1); err != nil {
					return err
				}
			}
			p.write(0x90)
			if n < batchSize {
				return nil
			}
		}
	case KindFrozenSet:
		if p.proto < 4 {
			return p.reduceOfList("builtins", "frozenset", v, key, cacheable, depth)
		}
		p.write('(')
		for _, e := range v.list() {
			if err := p.save(e, depth+1); err != nil {
				return err
			}
		}
		p.write(0x91)
		p.memoize(key, cacheable)
	case KindDecimal:
		return p.reduce("decimal", "Decimal", func() error {
			return p.saveTupleOf(depth, Str(string([]byte(v.s()))))
		})
	case KindUUID:
		return p.saveUUID(v.s(), depth)
	case KindTimedelta:
		td := *(*Timedelta)(v.ptr)
		return p.reduce("datetime", "timedelta", func() error {
			return p.saveTupleOf(depth, Int(td.Days), Int(td.Seconds), Int(td.Microseconds))
		})
	case KindDate, KindDatetime, KindTime:
		return p.saveDate(v, depth)
	default:
		return fmt.Errorf("%w: cannot pickle a value of kind %s", ErrInvalidValue, v.kind)
	}
	return nil
}

func (p *pickler) saveInt(v Value) {
	if b, ok := v.bigp(); ok {
		p.saveLong(b)
		return
	}
	i := int64(v.num)
	if i >= math.MinInt32 && i <= math.MaxInt32 {
		switch {
		case p.proto == 0:
			p.writeString("I" + strconv.FormatInt(i, 10) + "\n")
		case i >= 0 && i < 256:
			p.write('K', byte(i))
		case i >= 0 && i < 65536:
			p.write('M', byte(i), byte(i>>8))
		default:
			p.write('J', byte(i), byte(i>>8), byte(i>>16), byte(i>>24))
		}
		return
	}
	p.saveLong(big.NewInt(i))
}

func (p *pickler) saveLong(b *big.Int) {
	if p.proto < 2 {
		p.writeString("L" + b.String() + "L\n")
		return
	}
	enc := encodeLong(b)
	if len(enc) < 256 {
		p.write(0x8a, byte(len(enc)))
	} else {
		n := len(enc)
		p.write(0x8b, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	}
	p.write(enc...)
}

// encodeLong returns the little-endian two's complement bytes of b, as pickle's LONG1
// and LONG4 hold them: (bit length / 8) + 1 bytes, one fewer for negative numbers when the
// top byte is a redundant 0xff.
func encodeLong(b *big.Int) []byte {
	if b.Sign() == 0 {
		return nil
	}
	n := b.BitLen()/8 + 1
	x := new(big.Int).Set(b)
	if b.Sign() < 0 {
		x.Add(x, new(big.Int).Lsh(big.NewInt(1), uint(8*n)))
	}
	be := x.FillBytes(make([]byte, n))
	out := make([]byte, n)
	for i := range be {
		out[n-1-i] = be[i]
	}
	if b.Sign() < 0 && n > 1 && out[n-1] == 0xff && out[n-2]&0x80 != 0 {
		out = out[:n-1]
	}
	return out
}

func (p *pickler) saveStr(s string) error {
	if !validWTF8(s) {
		return fmt.Errorf("%w: %q", ErrInvalidUTF8, s)
	}
	n := len(s)
	switch {
	case p.proto == 0:
		p.writeString("V" + rawUnicodeEscape(s) + "\n")
	case p.proto >= 4 && n < 256:
		p.write(0x8c, byte(n))
		p.writeString(s)
	case n <= math.MaxUint32:
		p.writeLarge([]byte{'X', byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)}, s)
	default:
		var h [9]byte
		h[0] = 0x8d
		binary.LittleEndian.PutUint64(h[1:], uint64(n))
		p.writeLarge(h[:], s)
	}
	return nil
}

// rawUnicodeEscape is protocol 0's text form of a str: latin-1 characters as bytes, others
// and '\\', '\n', '\r', NUL and 0x1a as \uXXXX or \UXXXXXXXX.
func rawUnicodeEscape(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, n := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, n = decodeWTF8(s[i:])
		}
		i += n
		switch {
		case r >= 0x10000:
			out = fmt.Appendf(out, "\\U%08x", r)
		case r >= 0x100 || r == '\\' || r == '\n' || r == '\r' || r == 0 || r == 0x1a:
			out = fmt.Appendf(out, "\\u%04x", r)
		default:
			out = append(out, byte(r))
		}
	}
	return string(out)
}

func (p *pickler) saveBytesRaw(s string) {
	n := len(s)
	switch {
	case n < 256:
		p.write('C', byte(n))
		p.writeString(s)
	case n <= math.MaxUint32:
		p.writeLarge([]byte{'B', byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)}, s)
	default:
		var h [9]byte
		h[0] = 0x8e
		binary.LittleEndian.PutUint64(h[1:], uint64(n))
		p.writeLarge(h[:], s)
	}
}

// saveBytesReduce writes bytes (protocols < 3) and bytearray (protocols < 5) as CPython's
// reduce of them does: bytes() or _codecs.encode(latin-1 str, 'latin1') for bytes;
// bytearray() or bytearray(bytes) for bytearray.
func (p *pickler) saveBytesReduce(s string, key memoKey, cacheable bool, k Kind) error {
	if k == KindBytes {
		if s == "" {
			p.saveGlobal("builtins", "bytes")
			p.emptyTuple()
		} else {
			p.saveGlobal("_codecs", "encode")
			p.mark()
			if err := p.saveStr(pystr.Latin1(s)); err != nil {
				return err
			}
			p.memoize(memoKey{}, false)
			if !p.get(memoKey{kind: KindStr, s: "\x00latin1"}) {
				_ = p.saveStr("latin1")
				p.memoize(memoKey{kind: KindStr, s: "\x00latin1"}, true)
			}
			p.endTuple(2)
		}
		p.write('R')
		p.memoize(key, cacheable)
		return nil
	}
	p.saveGlobal("builtins", "bytearray")
	if s == "" {
		p.emptyTuple()
	} else {
		p.mark()
		if err := p.save(mkStr(KindBytes, string([]byte(s))), 1); err != nil {
			return err
		}
		p.endTuple(1)
	}
	p.write('R')
	p.memoize(key, cacheable)
	return nil
}

func (p *pickler) emptyTuple() {
	if p.proto >= 1 {
		p.write(')')
	} else {
		p.write('(', 't')
	}
}

// mark writes MARK where a tuple of up to 3 items will need it (protocols < 2).
func (p *pickler) mark() {
	if p.proto < 2 {
		p.write('(')
	}
}

// endTuple closes a fresh (unshared) tuple of n items begun with mark, and memoizes it.
func (p *pickler) endTuple(n int) {
	if p.proto >= 2 && n <= 3 {
		p.write(0x84 + byte(n))
	} else {
		p.write('t')
	}
	p.memoize(memoKey{}, false)
}

func (p *pickler) saveTupleOf(depth int, items ...Value) error {
	if err := p.tupleItems(items, depth); err != nil {
		return err
	}
	p.memoize(memoKey{}, false)
	return nil
}

// tupleItems writes a non-empty tuple's items: TUPLE1-3 after them at protocol 2 and
// later for up to three, MARK ... TUPLE otherwise.
func (p *pickler) tupleItems(items []Value, depth int) error {
	if len(items) > 3 || p.proto < 2 {
		p.write('(')
	}
	for _, it := range items {
		if err := p.save(it, depth+1); err != nil {
			return err
		}
	}
	if len(items) <= 3 && p.proto >= 2 {
		p.write(0x84 + byte(len(items)))
	} else {
		p.write('t')
	}
	return nil
}

func (p *pickler) saveTuple(v Value, key memoKey, cacheable bool, depth int) error {
	items := v.list()
	if len(items) == 0 {
		p.emptyTuple()
		return nil
	}
	if err := p.tupleItems(items, depth); err != nil {
		return err
	}
	p.memoize(key, cacheable)
	return nil
}

func (p *pickler) batchList(items []Value, depth int) error {
	if p.proto == 0 {
		for _, it := range items {
			if err := p.save(it, depth+1); err != nil {
				return err
			}
			p.write('a')
		}
		return nil
	}
	if len(items) == 1 {
		if err := p.save(items[0], depth+1); err != nil {
			return err
		}
		p.write('a')
		return nil
	}
	for i := 0; i < len(items); {
		p.write('(')
		for n := 0; i < len(items) && n < batchSize; i, n = i+1, n+1 {
			if err := p.save(items[i], depth+1); err != nil {
				return err
			}
		}
		p.write('e')
	}
	return nil
}

func (p *pickler) saveItem(it Item, depth int) error {
	if err := p.save(it.Key, depth+1); err != nil {
		return err
	}
	return p.save(it.Value, depth+1)
}

func (p *pickler) batchDict(items []Item, depth int) error {
	if p.proto == 0 {
		for _, it := range items {
			if err := p.saveItem(it, depth); err != nil {
				return err
			}
			p.write('s')
		}
		return nil
	}
	switch len(items) {
	case 0:
		return nil
	case 1:
		if err := p.saveItem(items[0], depth); err != nil {
			return err
		}
		p.write('s')
		return nil
	}
	for i := 0; ; {
		p.write1('(')
		n := 0
		for ; i < len(items) && n < batchSize; i, n = i+1, n+1 {
			// A short str key (as most are) goes straight to saveShortStr, which save
			// would call for it after its checks.
			if k := items[i].Key; k.kind == KindStr && k.num < 256 && p.proto >= 4 && len(p.out) < p.frameEnd && !strByValue(k.s()) {
				if err := p.saveShortStr(k.s()); err != nil {
					return err
				}
			} else if err := p.save(k, depth+1); err != nil {
				return err
			}
			if err := p.save(items[i].Value, depth+1); err != nil {
				return err
			}
		}
		p.write1('u')
		if n < batchSize { // CPython ends a multiple of 1000 items with an empty batch
			return nil
		}
	}
}

// saveGlobal writes a class or function reference (memoized, as CPython does).
func (p *pickler) saveGlobal(module, name string) {
	k := memoKey{kind: kindGlobal, s: module + "\x00" + name}
	if p.get(k) {
		return
	}
	if p.proto >= 4 {
		for _, part := range []memoKey{{kind: kindGlobal, s: "m\x00" + module}, {kind: kindGlobal, s: "n\x00" + module + "\x00" + name}} {
			if !p.get(part) {
				s := module
				if part.s[0] == 'n' {
					s = name
				}
				_ = p.saveStr(s)
				p.memoize(part, true)
			}
		}
		p.write(0x93)
	} else {
		if p.proto < 3 {
			switch module {
			case "builtins":
				module = "__builtin__"
			case "copyreg":
				module = "copy_reg"
			}
		}
		p.writeString("c" + module + "\n" + name + "\n")
	}
	p.memoize(k, true)
}

// reduce writes callable(*args) with the args written by saveArgs, then memoizes the
// result.
func (p *pickler) reduce(module, name string, saveArgs func() error) error {
	p.saveGlobal(module, name)
	if err := saveArgs(); err != nil {
		return err
	}
	p.write('R')
	p.memoize(memoKey{}, false)
	return nil
}

// reduceOfList writes set/frozenset for protocols < 4: cls([items]).
func (p *pickler) reduceOfList(module, name string, v Value, key memoKey, cacheable bool, depth int) error {
	p.saveGlobal(module, name)
	p.mark()
	if p.proto == 0 {
		p.write('(', 'l')
	} else {
		p.write(']')
	}
	p.memoize(memoKey{}, false)
	if err := p.batchList(v.list(), depth+1); err != nil {
		return err
	}
	p.endTuple(1)
	p.write('R')
	p.memoize(key, cacheable)
	return nil
}

// saveUUID writes uuid.UUID as CPython does: copyreg.__newobj__ (NEWOBJ) for protocols
// 2+, copyreg._reconstructor before, then the state {'int': n} and BUILD.
func (p *pickler) saveUUID(raw string, depth int) error {
	if p.proto >= 2 {
		p.saveGlobal("uuid", "UUID")
		p.write(')', 0x81)
	} else {
		p.saveGlobal("copyreg", "_reconstructor")
		p.write('(')
		p.saveGlobal("uuid", "UUID")
		p.saveGlobal("builtins", "object")
		p.write('N', 't')
		p.memoize(memoKey{}, false)
		p.write('R')
	}
	p.memoize(memoKey{}, false)
	if p.proto == 0 {
		p.write('(', 'd')
	} else {
		p.write('}')
	}
	p.memoize(memoKey{}, false)
	if !p.get(memoKey{kind: KindStr, s: "\x00int"}) {
		_ = p.saveStr("int")
		p.memoize(memoKey{kind: KindStr, s: "\x00int"}, true)
	}
	p.saveInt(BigInt(new(big.Int).SetBytes([]byte(raw))))
	p.write('s', 'b')
	return nil
}

func (p *pickler) saveTZ(tz *TZInfo, depth int) error {
	k := memoKey{kind: kindTZ, ptr: unsafe.Pointer(tz)}
	if p.get(k) {
		return nil
	}
	switch tz.Kind {
	case TZPytzUTC: // pytz.utc.__reduce__() is (pytz._UTC, ())
		p.saveGlobal("pytz", "_UTC")
		p.emptyTuple()
	case TZPytz: // pytz._p(zone[, utcoffset seconds, dst seconds, tzname])
		p.saveGlobal("pytz", "_p")
		args := []Value{Str(tz.Key)}
		if tz.HasName {
			args = append(args, Int(int64(tz.Offset/time.Second)), Int(int64(tz.DST/time.Second)), Str(string([]byte(tz.Name))))
		}
		if err := p.saveTupleOf(depth, args...); err != nil {
			return err
		}
	case TZPytzFixed: // pytz.FixedOffset(minutes)
		p.saveGlobal("pytz", "FixedOffset")
		if err := p.saveTupleOf(depth, Int(int64(tz.Offset/time.Minute))); err != nil {
			return err
		}
	case TZZoneInfo:
		p.saveGlobal("builtins", "getattr")
		p.mark()
		p.saveGlobal("zoneinfo", "ZoneInfo")
		_ = p.saveStr("_unpickle")
		p.memoize(memoKey{}, false)
		p.endTuple(2)
		p.write('R')
		p.memoize(memoKey{}, false)
		p.mark()
		_ = p.saveStr(tz.Key)
		p.memoize(memoKey{}, false)
		fromCache := int64(1)
		if tz.NoCache {
			fromCache = 0
		}
		p.saveInt(Int(fromCache))
		p.endTuple(2)
	default:
		p.saveGlobal("datetime", "timezone")
		off := TimedeltaOf(tz.Offset)
		if tz.HasName {
			if err := p.saveTupleOf(depth, off, Str(string([]byte(tz.Name)))); err != nil {
				return err
			}
		} else if err := p.saveTupleOf(depth, off); err != nil {
			return err
		}
	}
	p.write('R')
	p.memoize(k, true)
	return nil
}

func (p *pickler) saveDate(v Value, depth int) error {
	d := unpackDT(v.num)
	var state []byte
	switch v.kind {
	case KindDate:
		state = []byte{byte(d.Year >> 8), byte(d.Year), byte(d.Month), byte(d.Day)}
	case KindDatetime:
		m := byte(d.Month)
		if d.Fold && p.proto > 3 {
			m |= 0x80
		}
		state = []byte{byte(d.Year >> 8), byte(d.Year), m, byte(d.Day), byte(d.Hour), byte(d.Minute), byte(d.Second),
			byte(d.Microsecond >> 16), byte(d.Microsecond >> 8), byte(d.Microsecond)}
	default:
		h := byte(d.Hour)
		if d.Fold && p.proto > 3 {
			h |= 0x80
		}
		state = []byte{h, byte(d.Minute), byte(d.Second), byte(d.Microsecond >> 16), byte(d.Microsecond >> 8), byte(d.Microsecond)}
	}
	name := "time"
	if v.kind == KindDate {
		name = "date"
	} else if v.kind == KindDatetime {
		name = "datetime"
	}
	return p.reduce("datetime", name, func() error {
		p.mark()
		if err := p.save(mkStr(KindBytes, string(state)), depth+1); err != nil {
			return err
		}
		n := 1
		if v.ptr != nil {
			n = 2
			if err := p.saveTZ((*TZInfo)(v.ptr), depth+1); err != nil {
				return err
			}
		}
		p.endTuple(n)
		return nil
	})
}
