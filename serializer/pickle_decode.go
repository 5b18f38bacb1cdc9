package serializer

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"
)

// Kinds that exist only on the decoder's stack, never in a returned Value.
const (
	kindBuilder Kind = 250 + iota // a list, dict, set or tuple being built: ptr is *builder
	kindGlobal                    // a refused-or-known global: ptr is *pyGlobal
	kindTZ                        // a tzinfo object: ptr is *TZInfo
	kindPending                   // a UUID made by NEWOBJ or _reconstructor, awaiting BUILD: ptr is *builder
	kindUnset                     // an empty memo slot
)

// builder is a container under construction. Containers are finished in one pass after
// STOP, so that a memo reference taken before a list is complete still sees all its items,
// and shared references stay shared (one final Value per builder).
type builder struct {
	kind  Kind    // KindList, KindDict (items hold key, value, key, value...), KindSet, KindTuple, KindFrozenSet; KindUUID when pending
	state uint8   // 0 building, 1 finishing, 2 done
	items []Value // elements of a list, tuple or set
	d     Dict    // a dict's items (the finished dict is this one, not a copy)
	index map[string]int
}

// done returns the finished value of a builder in state 2: the dict itself, the list,
// tuple or set over items, or the UUID that BUILD stored as the only item.
func (b *builder) done() Value {
	switch b.kind {
	case KindDict:
		return mkDict(&b.d)
	case KindUUID:
		return b.items[0]
	}
	return mkList(b.kind, b.items)
}

// pyGlobal is a global the decoder knows: a class or function of the session types.
type pyGlobal struct{ module, name string }

func (g *pyGlobal) String() string { return g.module + "." + g.name }

// knownGlobals are the only globals a pickle may name. Python 2 names are mapped first
// when the pickle's protocol (that of its PROTO opcode, else 0) is below 3, as Python's
// fix_imports does.
var knownGlobals = map[string]*pyGlobal{}

func init() {
	for _, g := range []string{
		"datetime.datetime", "datetime.date", "datetime.time", "datetime.timedelta", "datetime.timezone",
		"decimal.Decimal", "uuid.UUID", "builtins.set", "builtins.frozenset", "builtins.bytes",
		"builtins.bytearray", "builtins.getattr", "builtins.object", "_codecs.encode",
		"copyreg._reconstructor", "zoneinfo.ZoneInfo", "zoneinfo.ZoneInfo._unpickle",
		"pytz._UTC", "pytz._p", "pytz.FixedOffset",
	} {
		i := strings.IndexByte(g, '.')
		knownGlobals[g] = &pyGlobal{g[:i], g[i+1:]}
	}
}

func lookupGlobal(module, name string, fixImports bool) *pyGlobal {
	switch {
	case !fixImports:
	case module == "__builtin__":
		module = "builtins"
	case module == "copy_reg":
		module = "copyreg"
	}
	return knownGlobals[module+"."+name]
}

type unpickler struct {
	o       PickleOptions
	s       string // the input
	pos     int
	op      int // offset of the current opcode
	stack   []Value
	marks   []int
	memo    []Value
	memoLen int
	proto   int // of the PROTO opcode read, else 0
	bufEnd  int // the end of the bytes read in: len(s), except in stream mode (see fill)
	objects int
	slab    []builder
	islab   []Item
	slow    bool // no fast paths (for tests)
}

// UnpickleWith reads a pickle (protocols 0 to 5) made of the session types: None, bool,
// int, float, str, bytes, bytearray, list, tuple, dict, set, frozenset, datetime.datetime
// (naive, timezone.utc, fixed offsets, zoneinfo.ZoneInfo, fold), date, time, timedelta,
// Decimal and UUID. Shared references stay shared (the same list read twice is one list).
// Any other global is refused (ErrRefusedGlobal); input beyond the limits of o is refused
// (ErrPickleLimit) before anything large is allocated. Strings in the result may share
// memory with one copy of data.
//
// As pickle.loads, UnpickleWith ignores bytes after the STOP opcode; [UnpickleFirst] tells
// how many bytes the pickle took. Hand-made and damaged pickles are read as CPython's C
// unpickler reads them (the text lines of protocol 0 included), with these differences:
// a date, time, datetime or UUID whose fields are out of range is refused (CPython builds
// it from its state bytes unchecked), a zoneinfo key is kept without looking it up, and
// str.encode in a pickle may only name latin-1, UTF-8 or ASCII.
func UnpickleWith(data []byte, o PickleOptions) (Value, error) {
	v, _, err := UnpickleFirst(data, o)
	return v, err
}

// UnpickleFirst reads the pickle at the start of data, as pickle.load reads one object
// from a file (Django's FileBasedCache stores a pickled expiry followed by the compressed
// value), and returns the number of bytes it took.
func UnpickleFirst(data []byte, o PickleOptions) (Value, int, error) {
	return unpickleFirst(data, o, true)
}

// unpickleFirst is UnpickleFirst; with fast false, every opcode takes the general path
// (tests compare the two).
func unpickleFirst(data []byte, o PickleOptions, fast bool) (Value, int, error) {
	o = o.withDefaults()
	if len(data) > o.MaxInputSize {
		return Value{}, 0, &PickleError{Msg: fmt.Sprintf("input of %d bytes exceeds MaxInputSize %d", len(data), o.MaxInputSize), limit: true}
	}
	var u *unpickler
	select {
	case u = <-idleUnpicklers:
	default:
		u = new(unpickler)
	}
	u.o, u.s, u.pos, u.memoLen, u.proto, u.objects, u.slow = o, string(data), 0, 0, 0, 0, !fast
	u.bufEnd = len(data)
	if o.Stream {
		u.bufEnd = 0
	}
	v, err := u.run()
	n := u.pos
	if o.Stream {
		n = u.bufEnd // (what the "file" gave; the rest of a frame after STOP is read too)
	}
	clear(u.stack)
	clear(u.memo)
	clear(u.slab)
	u.stack, u.marks, u.memo, u.slab, u.islab, u.s = u.stack[:0], u.marks[:0], u.memo[:0], nil, nil, ""
	if cap(u.stack) <= 1<<12 && cap(u.memo) <= 1<<12 && cap(u.marks) <= 1<<12 {
		select {
		case idleUnpicklers <- u:
		default:
		}
	}
	if err != nil {
		return Value{}, 0, err
	}
	return v, n, nil
}

// idleUnpicklers keeps decoders with their scratch slices for reuse.
var idleUnpicklers = make(chan *unpickler, 64)

func (u *unpickler) fail(format string, args ...any) error {
	return &PickleError{Offset: u.op, Msg: fmt.Sprintf(format, args...)}
}

func (u *unpickler) limit(format string, args ...any) error {
	return &PickleError{Offset: u.op, Msg: fmt.Sprintf(format, args...), limit: true}
}

func (u *unpickler) refuse(global string) error {
	return &PickleError{Offset: u.op, Global: global}
}

// take returns the next n bytes, checking n against the remaining input first.
func (u *unpickler) take(n uint64) (string, error) {
	if n > uint64(u.bufEnd-u.pos) && !u.fill(n) {
		return "", u.fail("truncated: %d bytes declared, %d left", n, u.bufEnd-u.pos)
	}
	s := u.s[u.pos : u.pos+int(n)]
	u.pos += int(n)
	return s, nil
}

// fill, in stream mode, drops what is left of the buffer (a frame) and makes the next n
// bytes of the input after it the buffer, as CPython's unpickler reads a file whose
// buffered bytes fall short. It reports whether there are n bytes.
func (u *unpickler) fill(n uint64) bool {
	if !u.o.Stream || n > uint64(len(u.s)-u.bufEnd) {
		return false
	}
	u.pos = u.bufEnd
	u.bufEnd += int(n)
	return true
}

// takeInto is take for the contents of bytes and bytearray: CPython reads those into the
// new object, from what is left of the buffer and then from the file, so in stream mode
// too they are the next n bytes.
func (u *unpickler) takeInto(n uint64) (string, error) {
	if n > uint64(u.bufEnd-u.pos) && u.o.Stream && n <= uint64(len(u.s)-u.pos) {
		u.bufEnd = u.pos + int(n)
	}
	return u.take(n)
}

// counted reads a little-endian length of size bytes, then that many bytes.
func (u *unpickler) counted(size int) (string, error) {
	n, err := u.uint(size)
	if err != nil {
		return "", err
	}
	return u.take(n)
}

func (u *unpickler) line() (string, error) {
	i := strings.IndexByte(u.s[u.pos:u.bufEnd], '\n')
	if i < 0 && u.o.Stream { // (the rest of the buffer dropped, a line read after it)
		if i = strings.IndexByte(u.s[u.bufEnd:], '\n'); i >= 0 {
			u.pos = u.bufEnd
			u.bufEnd += i + 1
		}
	}
	if i < 0 {
		return "", u.fail("truncated: no end of line")
	}
	s := u.s[u.pos : u.pos+i]
	u.pos += i + 1
	return s, nil
}

func (u *unpickler) uint(n int) (uint64, error) {
	if n > u.bufEnd-u.pos && !u.fill(uint64(n)) {
		return 0, u.fail("truncated: %d bytes declared, %d left", n, u.bufEnd-u.pos)
	}
	s := u.s[u.pos : u.pos+n]
	u.pos += n
	switch n { // the common widths without a copy
	case 1:
		return uint64(s[0]), nil
	case 4:
		return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24, nil
	}
	var b [8]byte
	copy(b[:], s)
	return binary.LittleEndian.Uint64(b[:]), nil
}

func (u *unpickler) push(v Value) { u.stack = append(u.stack, v) }

func (u *unpickler) pop() (Value, error) {
	n := len(u.stack)
	if n == 0 || (len(u.marks) > 0 && u.marks[len(u.marks)-1] >= n) {
		return Value{}, u.fail("stack underflow")
	}
	v := u.stack[n-1]
	u.stack = u.stack[:n-1]
	return v, nil
}

func (u *unpickler) top() (*Value, error) {
	n := len(u.stack)
	if n == 0 || (len(u.marks) > 0 && u.marks[len(u.marks)-1] >= n) {
		return nil, u.fail("stack underflow")
	}
	return &u.stack[n-1], nil
}

// popMark returns the items above the topmost mark (aliasing the stack: copy before the
// next push) and removes them and the mark.
func (u *unpickler) popMark() ([]Value, error) {
	if len(u.marks) == 0 {
		return nil, u.fail("no MARK on the stack")
	}
	m := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	items := u.stack[m:]
	u.stack = u.stack[:m]
	return items, nil
}

func (u *unpickler) newObject() error {
	u.objects++
	if u.objects > u.o.MaxContainers {
		return u.limit("more than MaxContainers %d containers", u.o.MaxContainers)
	}
	return nil
}

func (u *unpickler) newBuilder(k Kind, items []Value) (Value, error) {
	if err := u.newObject(); err != nil {
		return Value{}, err
	}
	if len(u.slab) == 0 {
		u.slab = make([]builder, u.slabSize(40, 8, 256))
	}
	b := &u.slab[0]
	u.slab = u.slab[1:]
	b.kind, b.items = k, items
	kind := kindBuilder
	if k == KindUUID {
		kind = kindPending
	}
	return Value{kind: kind, ptr: unsafe.Pointer(b)}, nil
}

// dictItems carves room for n dict items out of the decoder's item slab: a session's
// dozens of small dicts then cost one allocation, not dozens.
func (u *unpickler) dictItems(n int) []Item {
	if len(u.islab) < n {
		u.islab = make([]Item, max(n, u.slabSize(12, 16, 1024)))
	}
	items := u.islab[:0:n]
	u.islab = u.islab[n:]
	return items
}

// slabSize guesses how many slab entries the rest of the input needs when each takes
// about per bytes of it, within [lo, hi]: slabs sized to the input waste little memory
// on small pickles and still make few allocations on large ones.
func (u *unpickler) slabSize(per, lo, hi int) int {
	return min(max((len(u.s)-u.pos)/per, lo), hi)
}

// memoIndex reads the memo index argument of PUT/GET (a decimal line), BINPUT/BINGET
// (one byte) or LONG_BINPUT/LONG_BINGET (four bytes).
func (u *unpickler) memoIndex(text, short bool) (uint64, error) {
	switch {
	case text:
		s, err := u.line()
		if err != nil {
			return 0, err
		}
		return u.index(s)
	case short:
		return u.uint(1)
	}
	return u.uint(4)
}

func (u *unpickler) memoPut(idx uint64, v Value) error {
	if idx >= uint64(u.o.MaxMemo) {
		return u.limit("memo index %d exceeds MaxMemo %d", idx, u.o.MaxMemo)
	}
	for uint64(len(u.memo)) <= idx {
		u.memo = append(u.memo, Value{kind: kindUnset})
	}
	if u.memo[idx].kind == kindUnset {
		u.memoLen++
	}
	u.memo[idx] = v
	return nil
}

func (u *unpickler) memoGet(idx uint64) error {
	if idx >= uint64(len(u.memo)) || u.memo[idx].kind == kindUnset {
		return u.fail("memo key %d not found", idx)
	}
	u.push(u.memo[idx])
	return nil
}

func (u *unpickler) run() (Value, error) {
	for {
		v, done, err := u.runBuffer()
		if done || err != nil {
			return v, err
		}
	}
}

// runBuffer reads opcodes from the bytes read in (in memory, the whole input), and
// returns with done false when, in stream mode, those change (so that the loop below
// keeps s, and the bounds its fast paths test, the same throughout).
func (u *unpickler) runBuffer() (_ Value, done bool, _ error) {
	s := u.s[:u.bufEnd]
	// The position lives in a local while the fast paths below work; it is stored back
	// to u before anything else reads it (setItemsFast, step, pop, fail), and read back
	// after step. u.op, the offset errors report, is set before step and pop.
	pos := u.pos
	for {
		if pos >= len(s) {
			u.pos, u.op = pos, pos
			if !u.fill(1) {
				return Value{}, true, u.fail("truncated: no STOP opcode")
			}
			return Value{}, false, nil
		}
		op := pos
		c := s[pos]
		pos++
		if !u.slow {
			// The opcodes a session dict is made of are handled here when their operands
			// are in the common, valid shape; anything else (and every error) goes to step.
			switch c {
			case 0x94: // MEMOIZE
				n := len(u.stack)
				if n > 0 && len(u.memo) == u.memoLen && u.memoLen < u.o.MaxMemo &&
					(len(u.marks) == 0 || u.marks[len(u.marks)-1] < n) {
					u.memo = append(u.memo, u.stack[n-1])
					u.memoLen++
					continue
				}
			case 'h': // BINGET
				if pos < len(s) {
					if i := int(s[pos]); i < len(u.memo) && u.memo[i].kind != kindUnset {
						pos++
						u.stack = append(u.stack, u.memo[i])
						continue
					}
				}
			case 0x8c: // SHORT_BINUNICODE
				if pos < len(s) {
					if n := int(s[pos]); pos+1+n <= len(s) {
						// A string of up to 8 bytes with 8 bytes of input from its start
						// (most keys, and many values) is tested for ASCII in one word.
						end, t := pos+1+n, s[pos+1:pos+1+n]
						if n <= 8 && pos+9 <= len(s) && load64(s, pos+1)&(msbs>>(64-8*uint(n))) == 0 || validWTF8(t) {
							v := mkStr(KindStr, t)
							u.stack = append(u.stack, v)
							pos = u.memoNext(s, end, v)
							continue
						}
					}
				}
			case 'K': // BININT1
				if pos < len(s) {
					u.stack = append(u.stack, Value{kind: KindInt, num: uint64(s[pos])})
					pos++
					continue
				}
			case 'G': // BINFLOAT
				if pos+8 <= len(s) {
					u.stack = append(u.stack, Value{kind: KindFloat, num: binary.BigEndian.Uint64([]byte(s[pos : pos+8]))})
					pos += 8
					continue
				}
			case '}': // EMPTY_DICT
				if u.objects < u.o.MaxContainers {
					u.pos = pos // (newBuilder sizes its slab from the rest of the input)
					v, _ := u.newBuilder(KindDict, nil)
					u.stack = append(u.stack, v)
					pos = u.memoNext(s, pos, v)
					continue
				}
			case '(': // MARK
				u.marks = append(u.marks, len(u.stack))
				continue
			case 'u': // SETITEMS
				u.pos = pos // (dictItems sizes its slab from the rest of the input)
				if u.setItemsFast() {
					continue
				}
			}
		}
		u.pos, u.op = pos, op
		if c == '.' { // STOP
			v, err := u.pop()
			if err != nil {
				return Value{}, true, err
			}
			v, err = u.finish(v, 0)
			return v, true, err
		}
		if err := u.step(c); err != nil {
			return Value{}, true, err
		}
		if u.bufEnd != len(s) {
			return Value{}, false, nil
		}
		pos = u.pos
	}
}

// memoNext does the MEMOIZE at s[pos] (s is u.s), if one is there and the memo takes
// it, for v, which run has just pushed (so it is above any mark), and returns the
// position after it. From protocol 4 on, the pickler writes one after each str, dict and
// list.
func (u *unpickler) memoNext(s string, pos int, v Value) int {
	if pos < len(s) && s[pos] == 0x94 && len(u.memo) == u.memoLen && u.memoLen < u.o.MaxMemo {
		u.memo = append(u.memo, v)
		u.memoLen++
		pos++
	}
	return pos
}

// setItemsFast does SETITEMS when the target is a dict under construction, above the mark
// before the last if any, that stays under indexThreshold items, and every key is a str
// (the shape the pickler writes for session dicts), and reports whether it did. Otherwise
// it changes nothing and step does the general work.
func (u *unpickler) setItemsFast() bool {
	if len(u.marks) == 0 {
		return false
	}
	m := u.marks[len(u.marks)-1]
	kv := u.stack[m:]
	// The target, below the mark, must be above the mark before it, if any (else the
	// stack underflows, which step reports).
	if m == 0 || len(kv)%2 != 0 || len(u.marks) > 1 && u.marks[len(u.marks)-2] >= m {
		return false
	}
	t := u.stack[m-1]
	if t.kind != kindBuilder {
		return false
	}
	b := (*builder)(t.ptr)
	if b.kind != KindDict || b.state != 0 || b.index != nil || len(b.d.items)+len(kv)/2 >= indexThreshold {
		return false
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i].kind != KindStr {
			return false
		}
	}
	d := &b.d
	if d.items == nil {
		// A new dict whose keys are distinct (as a pickler writes a dict) takes the
		// pairs as they lie on the stack, in one copy: key, value, key, value... is the
		// layout of []Item.
		n := len(kv) / 2
		if n > 0 && distinctStrKeys(kv) {
			d.items = u.dictItems(n)[:n]
			copy(d.items, unsafe.Slice((*Item)(unsafe.Pointer(&kv[0])), n))
			u.marks = u.marks[:len(u.marks)-1]
			u.stack = u.stack[:m]
			return true
		}
		d.items = u.dictItems(n)
	}
	for i := 0; i < len(kv); i += 2 {
		key := kv[i]
		ks := key.s()
		j := 0
		for ; j < len(d.items); j++ {
			// Keys differ mostly in length or first byte: test those before the bytes.
			if k := &d.items[j].Key; k.kind == KindStr && k.num == key.num &&
				(k.num == 0 || *(*byte)(k.ptr) == ks[0]) && k.s() == ks {
				break
			}
		}
		if j < len(d.items) {
			d.items[j].Value = kv[i+1]
			continue
		}
		d.items = append(d.items, Item{key, kv[i+1]})
	}
	u.marks = u.marks[:len(u.marks)-1]
	u.stack = u.stack[:m]
	return true
}

// Item is two Values, key then value, as a dict's pairs lie on the unpickler's stack.
var (
	_ = [1]struct{}{}[unsafe.Sizeof(Item{})-2*unsafe.Sizeof(Value{})]
	_ = [1]struct{}{}[unsafe.Offsetof(Item{}.Value)-unsafe.Sizeof(Value{})]
)

// distinctStrKeys reports whether no two of the str keys of kv (key, value, key,
// value...) are equal.
func distinctStrKeys(kv []Value) bool {
	for i := 2; i < len(kv); i += 2 {
		k := kv[i]
		for j := 0; j < i; j += 2 {
			// (Keys differ mostly in length or first byte: those first.)
			if kv[j].num == k.num && (k.num == 0 || *(*byte)(kv[j].ptr) == *(*byte)(k.ptr)) && kv[j].s() == k.s() {
				return false
			}
		}
	}
	return true
}

func (u *unpickler) step(c byte) error {
	switch c {
	case 0x80: // PROTO
		p, err := u.uint(1)
		if err != nil {
			return err
		}
		if p > 5 {
			return u.fail("unsupported pickle protocol: %d", p)
		}
		u.proto = int(p)
	case 0x95: // FRAME
		n, err := u.uint(8)
		if err != nil {
			return err
		}
		// In memory a frame changes nothing; in stream mode, a frame not yet read in
		// becomes the buffer (fill), one inside the buffer leaves it as it is.
		if n > uint64(u.bufEnd-u.pos) && !u.fill(n) {
			return u.fail("truncated: frame of %d bytes, %d left", n, len(u.s)-u.pos)
		}
	case '(': // MARK
		u.marks = append(u.marks, len(u.stack))
	case '0': // POP
		if len(u.marks) > 0 && u.marks[len(u.marks)-1] == len(u.stack) {
			u.marks = u.marks[:len(u.marks)-1] // as CPython: POP of an empty mark pops the mark
			return nil
		}
		_, err := u.pop()
		return err
	case '1': // POP_MARK
		_, err := u.popMark()
		return err
	case '2': // DUP
		t, err := u.top()
		if err != nil {
			return err
		}
		u.push(*t)
	case 'N':
		u.push(None())
	case 0x88:
		u.push(Bool(true))
	case 0x89:
		u.push(Bool(false))
	case 'K': // BININT1
		n, err := u.uint(1)
		if err != nil {
			return err
		}
		u.push(Int(int64(n)))
	case 'M': // BININT2
		n, err := u.uint(2)
		if err != nil {
			return err
		}
		u.push(Int(int64(n)))
	case 'J': // BININT
		n, err := u.uint(4)
		if err != nil {
			return err
		}
		u.push(Int(int64(int32(uint32(n)))))
	case 0x8a, 0x8b: // LONG1, LONG4
		var n uint64
		var err error
		if c == 0x8a {
			n, err = u.uint(1)
		} else {
			n, err = u.uint(4)
			if err == nil && int32(uint32(n)) < 0 {
				return u.fail("LONG pickle has negative byte count")
			}
		}
		if err != nil {
			return err
		}
		if n > uint64(u.o.MaxIntBytes) {
			return u.limit("int of %d bytes exceeds MaxIntBytes %d", n, u.o.MaxIntBytes)
		}
		b, err := u.take(n)
		if err != nil {
			return err
		}
		u.push(decodeLong(b))
	case 'I', 'L': // INT, LONG (text)
		s, err := u.line()
		if err != nil {
			return err
		}
		if len(s) == 0 {
			return u.fail("truncated: empty line")
		}
		if float64(len(s)) > float64(u.o.MaxIntBytes)*2.41+2 {
			return u.limit("int of %d digits exceeds MaxIntBytes %d", len(s), u.o.MaxIntBytes)
		}
		read := textINT
		if c == 'L' {
			read = textLONG
		}
		v, ok := read(s)
		if !ok {
			return u.fail("invalid literal for int(): %q", s)
		}
		u.push(v)
	case 'F': // FLOAT (text)
		s, err := u.line()
		if err != nil {
			return err
		}
		if len(s) == 0 {
			return u.fail("truncated: empty line")
		}
		f, ok := textFLOAT(s)
		if !ok {
			return u.fail("could not convert string to float: %q", s)
		}
		u.push(Float(f))
	case 'G': // BINFLOAT
		s, err := u.take(8)
		if err != nil {
			return err
		}
		var bits uint64
		for i := 0; i < 8; i++ {
			bits = bits<<8 | uint64(s[i])
		}
		u.push(Float(math.Float64frombits(bits)))
	case 'X', 0x8c, 0x8d: // BINUNICODE, SHORT_BINUNICODE, BINUNICODE8
		size := 4
		if c == 0x8c {
			size = 1
		} else if c == 0x8d {
			size = 8
		}
		s, err := u.counted(size)
		if err != nil {
			return err
		}
		if !validWTF8(s) {
			return u.fail("invalid UTF-8 in a str")
		}
		u.push(Str(s))
	case 'V': // UNICODE (raw-unicode-escape)
		s, err := u.line()
		if err != nil {
			return err
		}
		t, ok := rawUnicodeUnescape(s)
		if !ok {
			return u.fail("invalid raw-unicode-escape data")
		}
		u.push(Str(t))
	case 'T', 'U': // BINSTRING, SHORT_BINSTRING: Python 2 str, read as ASCII as Python 3 does by default
		size := 4
		if c == 'U' {
			size = 1
		}
		n, err := u.uint(size)
		if err != nil {
			return err
		}
		if c == 'T' && int32(uint32(n)) < 0 {
			return u.fail("BINSTRING pickle has negative byte count")
		}
		s, err := u.take(n)
		if err != nil {
			return err
		}
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				return u.fail("Python 2 str is not ASCII")
			}
		}
		u.push(Str(s))
	case 'S':
		return u.fail("STRING opcode (Python 2 str) is not supported")
	case 'B', 'C', 0x8e, 0x96: // BINBYTES, SHORT_BINBYTES, BINBYTES8, BYTEARRAY8
		size := 8
		if c == 'B' {
			size = 4
		} else if c == 'C' {
			size = 1
		}
		n, err := u.uint(size)
		if err != nil {
			return err
		}
		s, err := u.takeInto(n)
		if err != nil {
			return err
		}
		if c == 0x96 {
			u.push(mkStr(KindBytearray, s))
		} else {
			u.push(mkStr(KindBytes, s))
		}
	case ']', ')', '}', 0x8f: // EMPTY_LIST, EMPTY_TUPLE, EMPTY_DICT, EMPTY_SET
		if c == ')' {
			u.push(Tuple())
			return nil
		}
		k := KindSet
		if c == ']' {
			k = KindList
		} else if c == '}' {
			k = KindDict
		}
		v, err := u.newBuilder(k, nil)
		if err != nil {
			return err
		}
		u.push(v)
	case 'l', 'd', 't', 0x91: // LIST, DICT, TUPLE, FROZENSET (from the mark)
		items, err := u.popMark()
		if err != nil {
			return err
		}
		return u.collect(c, items)
	case 0x85, 0x86, 0x87: // TUPLE1-3
		n := int(c - 0x84)
		if len(u.stack) < n || (len(u.marks) > 0 && u.marks[len(u.marks)-1] > len(u.stack)-n) {
			return u.fail("stack underflow")
		}
		items := u.stack[len(u.stack)-n:]
		u.stack = u.stack[:len(u.stack)-n]
		return u.collect('t', items)
	case 'a': // APPEND
		v, err := u.pop()
		if err != nil {
			return err
		}
		return u.extend([]Value{v}, false)
	case 'e', 0x90: // APPENDS, ADDITEMS
		items, err := u.popMark()
		if err != nil {
			return err
		}
		return u.extend(items, c == 0x90)
	case 's': // SETITEM
		if len(u.stack) < 3 {
			return u.fail("stack underflow")
		}
		items := []Value{u.stack[len(u.stack)-2], u.stack[len(u.stack)-1]}
		if _, err := u.pop(); err != nil {
			return err
		}
		if _, err := u.pop(); err != nil {
			return err
		}
		return u.setItems(items)
	case 'u': // SETITEMS
		items, err := u.popMark()
		if err != nil {
			return err
		}
		if len(items)%2 != 0 {
			return u.fail("odd number of items for SETITEMS")
		}
		return u.setItems(items)
	case 'p', 'q', 'r', 0x94: // PUT, BINPUT, LONG_BINPUT, MEMOIZE
		idx := uint64(u.memoLen)
		var err error
		if c != 0x94 {
			if idx, err = u.memoIndex(c == 'p', c == 'q'); err != nil {
				return err
			}
		}
		t, err := u.top()
		if err != nil {
			return err
		}
		return u.memoPut(idx, *t)
	case 'g', 'h', 'j': // GET, BINGET, LONG_BINGET
		idx, err := u.memoIndex(c == 'g', c == 'h')
		if err != nil {
			return err
		}
		return u.memoGet(idx)
	case 'c': // GLOBAL
		mod, err := u.line()
		if err != nil {
			return err
		}
		name, err := u.line()
		if err != nil {
			return err
		}
		return u.global(mod, name)
	case 0x93: // STACK_GLOBAL
		name, err := u.pop()
		if err != nil {
			return err
		}
		mod, err := u.pop()
		if err != nil {
			return err
		}
		if mod.kind != KindStr || name.kind != KindStr {
			return u.fail("STACK_GLOBAL requires str")
		}
		return u.global(mod.s(), name.s())
	case 'R': // REDUCE
		args, err := u.pop()
		if err != nil {
			return err
		}
		fn, err := u.pop()
		if err != nil {
			return err
		}
		if args.kind != KindTuple && args.kind != kindBuilder {
			return u.fail("REDUCE arguments are not a tuple")
		}
		return u.call(fn, args)
	case 0x81, 0x92: // NEWOBJ, NEWOBJ_EX
		if c == 0x92 {
			kw, err := u.pop()
			if err != nil {
				return err
			}
			if d, ok := kw.ptr, kw.kind == kindBuilder; !ok || (*builder)(d).kind != KindDict || len((*builder)(d).d.items) != 0 {
				return u.fail("NEWOBJ_EX with keyword arguments")
			}
		}
		args, err := u.pop()
		if err != nil {
			return err
		}
		cls, err := u.pop()
		if err != nil {
			return err
		}
		if cls.kind != kindGlobal || args.kind != KindTuple && args.kind != kindBuilder {
			return u.fail("NEWOBJ needs a class and a tuple")
		}
		// cls.__new__(cls, *args): for the classes below as calling cls does (their
		// __new__ does the work); set's and bytearray's __new__ make them empty (their
		// __init__ fills them); uuid.UUID's is object's, which BUILD then fills.
		switch g := (*pyGlobal)(cls.ptr); g.String() {
		case "datetime.datetime", "datetime.date", "datetime.time", "datetime.timedelta", "datetime.timezone",
			"decimal.Decimal", "builtins.bytes", "builtins.frozenset", "zoneinfo.ZoneInfo":
			return u.call(cls, args)
		case "builtins.set", "builtins.bytearray":
			if _, err := u.finishArgs(args); err != nil { // (a tuple all the same)
				return err
			}
			return u.call(cls, Tuple())
		case "uuid.UUID": // (object.__new__, which ignores the arguments: UUID has an __init__)
			if _, err := u.finishArgs(args); err != nil {
				return err
			}
			v, err := u.newBuilder(KindUUID, nil)
			if err != nil {
				return err
			}
			u.push(v)
		default:
			return u.fail("NEWOBJ of %s, which is not a class", g)
		}
	case 'b': // BUILD
		state, err := u.pop()
		if err != nil {
			return err
		}
		t, err := u.top()
		if err != nil {
			return err
		}
		return u.build(*t, state)
	case 'o', 'i': // OBJ, INST
		if c == 'i' {
			mod, err := u.line()
			if err != nil {
				return err
			}
			name, err := u.line()
			if err != nil {
				return err
			}
			if err := u.global(mod, name); err != nil {
				return err
			}
			cls, _ := u.pop()
			items, err := u.popMark()
			if err != nil {
				return err
			}
			return u.call(cls, Tuple(append([]Value(nil), items...)...))
		}
		items, err := u.popMark()
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return u.fail("OBJ without a class")
		}
		return u.call(items[0], Tuple(append([]Value(nil), items[1:]...)...))
	case 'P', 'Q':
		return u.fail("persistent IDs are not supported")
	case 0x82, 0x83, 0x84:
		return u.fail("extension registry codes (EXT1/2/4) are not supported")
	case 0x97: // NEXT_BUFFER
		return u.fail("out-of-band buffers are not supported")
	case 0x98: // READONLY_BUFFER: bytes are read-only already; a bytearray would become a memoryview
		t, err := u.top()
		if err != nil {
			return err
		}
		if t.kind != KindBytes {
			return u.fail("READONLY_BUFFER of a %s is not supported", t.kind)
		}
	default:
		return u.fail("invalid opcode 0x%02x", c)
	}
	return nil
}

func (u *unpickler) index(s string) (uint64, error) {
	n, ok := textIndex(s)
	if !ok || n < 0 {
		return 0, u.fail("invalid memo index %q", s)
	}
	return uint64(n), nil
}

// collect builds a list, dict, tuple or frozenset from items popped off the stack.
func (u *unpickler) collect(c byte, items []Value) error {
	own := append([]Value(nil), items...)
	switch c {
	case 'l':
		v, err := u.newBuilder(KindList, own)
		if err != nil {
			return err
		}
		u.push(v)
	case 'd':
		if len(own)%2 != 0 {
			return u.fail("odd number of items for DICT")
		}
		v, err := u.newBuilder(KindDict, nil)
		if err != nil {
			return err
		}
		u.push(v)
		return u.setItemsOn((*builder)(v.ptr), own)
	case 't':
		if len(own) == 0 {
			u.push(Tuple())
			return nil
		}
		v, err := u.newBuilder(KindTuple, own)
		if err != nil {
			return err
		}
		u.push(v)
	case 0x91:
		v, err := u.newBuilder(KindFrozenSet, nil)
		if err != nil {
			return err
		}
		b := (*builder)(v.ptr)
		if err := u.addToSet(b, own); err != nil {
			return err
		}
		u.push(v)
	}
	return nil
}

func (u *unpickler) target() (*builder, error) {
	t, err := u.top()
	if err != nil {
		return nil, err
	}
	if t.kind != kindBuilder {
		return nil, u.fail("cannot add items to a %s", t.kind)
	}
	return (*builder)(t.ptr), nil
}

func (u *unpickler) extend(items []Value, set bool) error {
	b, err := u.target()
	if err != nil {
		return err
	}
	if set {
		if b.kind != KindSet || b.state != 0 {
			return u.fail("ADDITEMS on a non-set")
		}
		return u.addToSet(b, items)
	}
	if b.kind != KindList || b.state != 0 {
		return u.fail("APPEND on a non-list")
	}
	if b.items == nil {
		b.items = make([]Value, 0, len(items))
	}
	b.items = append(b.items, items...)
	return nil
}

func (u *unpickler) setItems(kv []Value) error {
	b, err := u.target()
	if err != nil {
		return err
	}
	return u.setItemsOn(b, kv)
}

// hashable finishes a value used as a dict key or set element (it must be complete and
// hashable) and returns it with its key for comparisons.
func (u *unpickler) hashable(v Value) (Value, string, error) {
	v, err := u.finish(v, 0)
	if err != nil {
		return Value{}, "", err
	}
	if v.kind == KindStr {
		return v, "", nil
	}
	k, err := hashKey(v, false)
	if err != nil {
		return Value{}, "", u.fail("%v", strings.TrimPrefix(err.Error(), ErrInvalidValue.Error()+": "))
	}
	return v, k, nil
}

func (u *unpickler) setItemsOn(b *builder, kv []Value) error {
	if b.kind != KindDict || b.state != 0 {
		return u.fail("SETITEM on a non-dict")
	}
	d := &b.d
	if d.items == nil {
		d.items = u.dictItems(len(kv) / 2)
	}
	for i := 0; i < len(kv); i += 2 {
		key, hk, err := u.hashable(kv[i])
		if err != nil {
			return err
		}
		if key.kind == KindStr && b.index != nil {
			hk = "s" + key.s()
		}
		pos := -1
		if b.index != nil {
			if p, ok := b.index[hk]; ok {
				pos = p
			}
		} else {
			for j := range d.items {
				k := &d.items[j].Key
				if k.kind == KindStr && key.kind == KindStr {
					if k.num == key.num && k.s() == key.s() {
						pos = j
						break
					}
				} else if k.kind != KindStr && key.kind != KindStr {
					if kk, _ := hashKey(*k, false); kk == hk {
						pos = j
						break
					}
				}
			}
		}
		if pos >= 0 {
			d.items[pos].Value = kv[i+1]
			continue
		}
		d.items = append(d.items, Item{key, kv[i+1]})
		if b.index != nil {
			if key.kind == KindStr {
				hk = "s" + key.s()
			}
			b.index[hk] = len(d.items) - 1
		} else if len(d.items) >= indexThreshold {
			b.index = make(map[string]int, len(d.items))
			for j, it := range d.items {
				var kk string
				if it.Key.kind == KindStr {
					kk = "s" + it.Key.s()
				} else {
					kk, _ = hashKey(it.Key, false)
				}
				b.index[kk] = j
			}
		}
	}
	return nil
}

func (u *unpickler) addToSet(b *builder, items []Value) error {
	if b.index == nil {
		b.index = make(map[string]int, len(items))
	}
	for _, it := range items {
		v, hk, err := u.hashable(it)
		if err != nil {
			return err
		}
		if v.kind == KindStr {
			hk = "s" + v.s()
		}
		if _, dup := b.index[hk]; dup {
			continue
		}
		b.index[hk] = len(b.items)
		b.items = append(b.items, v)
	}
	return nil
}

// finish turns a decoded value into its final form, finishing builders once.
func (u *unpickler) finish(v Value, depth int) (Value, error) {
	switch v.kind {
	case kindBuilder, kindPending:
	case kindGlobal:
		return Value{}, u.fail("a bare class or function (%s) is not a supported value", (*pyGlobal)(v.ptr))
	case kindTZ:
		return Value{}, u.fail("a bare tzinfo is not a supported value")
	default:
		return v, nil
	}
	b := (*builder)(v.ptr)
	switch b.state {
	case 2:
		return b.done(), nil
	case 1:
		return Value{}, u.fail("recursive structures are not supported")
	}
	if v.kind == kindPending {
		return Value{}, u.fail("uuid.UUID without state (no BUILD)")
	}
	if depth >= u.o.MaxDepth {
		return Value{}, u.limit("nesting deeper than MaxDepth %d", u.o.MaxDepth)
	}
	b.state = 1
	if b.kind == KindDict {
		d := &b.d
		for i := range d.items {
			if d.items[i].Value.kind >= kindBuilder {
				f, err := u.finish(d.items[i].Value, depth+1)
				if err != nil {
					return Value{}, err
				}
				d.items[i].Value = f
			}
		}
		if len(d.items) >= indexThreshold {
			d.buildIndex()
		}
	} else {
		for i := range b.items {
			if b.items[i].kind >= kindBuilder {
				f, err := u.finish(b.items[i], depth+1)
				if err != nil {
					return Value{}, err
				}
				b.items[i] = f
			}
		}
	}
	b.state, b.index = 2, nil
	return b.done(), nil
}

func (u *unpickler) global(module, name string) error {
	g := lookupGlobal(module, name, u.proto < 3)
	if g == nil {
		return u.refuse(module + "." + name)
	}
	u.push(Value{kind: kindGlobal, ptr: unsafe.Pointer(g)})
	return nil
}

// call applies a known global to its arguments, as REDUCE does.
func (u *unpickler) call(fn, argv Value) error {
	if fn.kind != kindGlobal {
		return u.fail("REDUCE of a %s, not a class or function", fn.kind)
	}
	g := (*pyGlobal)(fn.ptr)
	args, err := u.finishArgs(argv)
	if err != nil {
		return err
	}
	if err := u.newObject(); err != nil {
		return err
	}
	bad := func() error {
		return u.fail("unsupported arguments for %s: %s", g, Tuple(args...))
	}
	switch g.String() {
	case "_codecs.encode": // encode(obj, encoding="utf-8", errors="strict")
		if len(args) < 1 || len(args) > 3 || args[0].kind != KindStr {
			return bad()
		}
		encoding := Str("utf-8")
		if len(args) > 1 {
			encoding = args[1]
		}
		b, err := u.encodeArgs(args[0].s(), encoding, args[min(2, len(args)):])
		if err != nil {
			return err
		}
		u.push(mkStr(KindBytes, b))
	case "builtins.bytes", "builtins.bytearray":
		k := KindBytes
		if g.name == "bytearray" {
			k = KindBytearray
		}
		switch {
		case len(args) == 0:
			u.push(mkStr(k, ""))
		case len(args) == 1 && (args[0].kind == KindBytes || args[0].kind == KindBytearray):
			u.push(mkStr(k, args[0].s()))
		case len(args) == 1 && (args[0].kind == KindInt || args[0].kind == KindBool):
			// bytes(n): n zero bytes.
			n, ok := args[0].AsInt()
			if !ok || n < 0 {
				return bad()
			}
			if n > int64(u.o.MaxInputSize) {
				return u.limit("%s(%d) exceeds MaxInputSize %d", g, n, u.o.MaxInputSize)
			}
			u.push(mkStr(k, string(make([]byte, n))))
		case len(args) >= 2 && len(args) <= 3 && args[0].kind == KindStr:
			b, err := u.encodeArgs(args[0].s(), args[1], args[2:])
			if err != nil {
				return err
			}
			u.push(mkStr(k, b))
		default:
			return bad()
		}
	case "builtins.set", "builtins.frozenset":
		k := KindSet
		if g.name == "frozenset" {
			k = KindFrozenSet
		}
		var items []Value
		if len(args) == 1 && (args[0].kind == KindList || args[0].kind == KindTuple || args[0].kind == KindSet || args[0].kind == KindFrozenSet) {
			items = args[0].list()
		} else if len(args) != 0 {
			return bad()
		}
		v, err := u.newBuilder(k, nil)
		if err != nil {
			return err
		}
		if err := u.addToSet((*builder)(v.ptr), items); err != nil {
			return err
		}
		u.push(v)
	case "builtins.getattr":
		if len(args) == 2 && args[0].kind == kindGlobal && (*pyGlobal)(args[0].ptr).String() == "zoneinfo.ZoneInfo" &&
			args[1].kind == KindStr && args[1].s() == "_unpickle" {
			u.push(Value{kind: kindGlobal, ptr: unsafe.Pointer(knownGlobals["zoneinfo.ZoneInfo._unpickle"])})
			return nil
		}
		if len(args) == 2 && args[0].kind == kindGlobal && args[1].kind == KindStr {
			return u.refuse((*pyGlobal)(args[0].ptr).String() + "." + args[1].s())
		}
		return bad()
	case "zoneinfo.ZoneInfo._unpickle", "zoneinfo.ZoneInfo":
		if len(args) < 1 || len(args) > 2 || args[0].kind != KindStr {
			return bad()
		}
		tz := ZoneInfo(args[0].s())
		if len(args) == 2 {
			if args[1].kind != KindInt && args[1].kind != KindBool {
				return bad()
			}
			if !args[1].Truthy() {
				tz = &TZInfo{Kind: TZZoneInfo, Key: args[0].s(), NoCache: true}
			}
		}
		u.push(Value{kind: kindTZ, ptr: unsafe.Pointer(tz)})
	case "pytz._UTC":
		if len(args) != 0 {
			return bad()
		}
		u.push(Value{kind: kindTZ, ptr: unsafe.Pointer(PytzUTC)})
	case "pytz._p":
		// pytz.unpickler(zone, utcoffset=None, dstoffset=None, tzname=None): a zone alone
		// (StaticTzInfo, or a DstTzInfo not localized), or a localized DstTzInfo. Offsets
		// are int seconds.
		if len(args) == 0 || len(args) > 4 || args[0].kind != KindStr {
			return bad()
		}
		if len(args) == 1 {
			u.push(Value{kind: kindTZ, ptr: unsafe.Pointer(PytzStaticZone(args[0].s()))})
			return nil
		}
		if len(args) != 4 || args[3].kind != KindStr {
			return bad()
		}
		off, ok1 := args[1].AsInt()
		dst, ok2 := args[2].AsInt()
		if !ok1 || !ok2 || args[1].kind != KindInt || args[2].kind != KindInt || off <= -86400 || off >= 86400 || dst <= -86400 || dst >= 86400 {
			return bad()
		}
		tz, err := PytzZone(args[0].s(), time.Duration(off)*time.Second, time.Duration(dst)*time.Second, args[3].s())
		if err != nil {
			return u.fail("%v", err)
		}
		u.push(Value{kind: kindTZ, ptr: unsafe.Pointer(tz)})
	case "pytz.FixedOffset":
		n, ok := Value{}, false
		if len(args) == 1 && args[0].kind == KindInt {
			n, ok = args[0], true
		}
		m, ok2 := n.AsInt()
		if !ok || !ok2 || m <= -1440 || m >= 1440 {
			return bad()
		}
		tz, _ := PytzFixedOffset(int(m))
		u.push(Value{kind: kindTZ, ptr: unsafe.Pointer(tz)})
	case "copyreg._reconstructor":
		if len(args) == 3 && args[0].kind == kindGlobal && (*pyGlobal)(args[0].ptr).String() == "uuid.UUID" &&
			args[1].kind == kindGlobal && (*pyGlobal)(args[1].ptr).String() == "builtins.object" {
			// (With object as the base, _reconstructor ignores the state argument.)
			v, err := u.newBuilder(KindUUID, nil)
			if err != nil {
				return err
			}
			u.push(v)
			return nil
		}
		if len(args) >= 1 && args[0].kind == kindGlobal {
			return u.refuse((*pyGlobal)(args[0].ptr).String())
		}
		return bad()
	case "uuid.UUID":
		if len(args) != 1 || args[0].kind != KindStr {
			return bad()
		}
		v, err := ParseUUID(args[0].s())
		if err != nil {
			return bad()
		}
		u.push(v)
	case "decimal.Decimal": // Decimal(value, context=None)
		if len(args) < 1 || len(args) > 2 || (args[0].kind != KindStr && args[0].kind != KindInt) ||
			len(args) == 2 && args[1].kind != KindNone {
			return bad()
		}
		v, err := NewDecimal(args[0].String())
		if args[0].kind == KindStr {
			v, err = NewDecimal(args[0].s())
		}
		if err != nil {
			return u.fail("%v", err)
		}
		u.push(v)
	case "datetime.timedelta":
		// timedelta(days, seconds, microseconds, milliseconds, minutes, hours, weeks), of
		// ints (the pickler writes the first three; floats are not taken here).
		if len(args) > 7 {
			return bad()
		}
		us := new(big.Int)
		for i, a := range args {
			n, ok := asBigAny(a) // (an int or a bool)
			if !ok || n.BitLen() > 128 {
				return bad()
			}
			us.Add(us, new(big.Int).Mul(n, big.NewInt(timedeltaArgMicros[i])))
		}
		v, err := timedeltaFromMicros(us)
		if err != nil {
			return u.fail("%v", err)
		}
		u.push(v)
	case "datetime.timezone":
		if len(args) < 1 || len(args) > 2 || args[0].kind != KindTimedelta || (len(args) == 2 && args[1].kind != KindStr) {
			return bad()
		}
		td := *(*Timedelta)(args[0].ptr)
		d, ok := td.Duration()
		if !ok || d <= -24*time.Hour || d >= 24*time.Hour {
			return u.fail("offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24)")
		}
		var tz *TZInfo
		if len(args) == 2 {
			tz, _ = NamedTZ(d, args[1].s())
		} else {
			tz, _ = FixedTZ(d)
		}
		u.push(Value{kind: kindTZ, ptr: unsafe.Pointer(tz)})
	case "datetime.datetime", "datetime.date", "datetime.time":
		v, err := u.dateFromArgs(g.name, args)
		if err != nil {
			return err
		}
		u.push(v)
	default:
		return u.fail("%s cannot be called", g)
	}
	return nil
}

func (u *unpickler) finishArgs(argv Value) ([]Value, error) {
	var raw []Value
	if argv.kind == kindBuilder {
		b := (*builder)(argv.ptr)
		if b.kind != KindTuple {
			return nil, u.fail("REDUCE arguments are not a tuple")
		}
		raw = b.items
	} else {
		raw = argv.list()
	}
	out := make([]Value, len(raw))
	for i, a := range raw {
		if a.kind == kindGlobal || a.kind == kindTZ {
			out[i] = a
			continue
		}
		f, err := u.finish(a, 0)
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	return out, nil
}

// latin1Bytes encodes a str whose code points are all below 256 as latin-1.
func latin1Bytes(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff || r == utf8.RuneError {
			return "", false
		}
		b = append(b, byte(r))
	}
	return string(b), true
}

// dateFromArgs builds a date, datetime or time from pickle state bytes (and tzinfo), or
// from int fields.
func (u *unpickler) dateFromArgs(name string, args []Value) (Value, error) {
	bad := func() (Value, error) {
		return Value{}, u.fail("unsupported arguments for datetime.%s: %s", name, Tuple(args...))
	}
	var tz *TZInfo
	if len(args) == 0 {
		return bad()
	}
	state := args[0]
	if state.kind == KindStr { // Python 2 pickles: the state as a latin-1 str
		b, ok := latin1Bytes(state.s())
		if !ok {
			return bad()
		}
		state = mkStr(KindBytes, b)
	}
	if state.kind == KindBytes {
		want := map[string]int{"datetime": 10, "date": 4, "time": 6}[name]
		if state.Len() != want || len(args) > 2 {
			return bad()
		}
		if len(args) == 2 {
			if args[1].kind != kindTZ && args[1].kind != KindNone {
				return bad()
			}
			tz = (*TZInfo)(args[1].ptr)
		}
		s := state.s()
		var d DateTime
		switch name {
		case "time":
			d = DateTime{Hour: int(s[0] & 0x7f), Minute: int(s[1]), Second: int(s[2]),
				Microsecond: int(s[3])<<16 | int(s[4])<<8 | int(s[5]), Fold: s[0]&0x80 != 0, TZ: tz}
			v, err := NewTime(d)
			if err != nil {
				return Value{}, u.fail("%v", err)
			}
			return v, nil
		default:
			d = DateTime{Year: int(s[0])<<8 | int(s[1]), Month: int(s[2] & 0x7f), Day: int(s[3]), Fold: s[2]&0x80 != 0}
			if name == "date" {
				if d.Fold {
					return bad()
				}
				v, err := NewDate(d.Year, d.Month, d.Day)
				if err != nil {
					return Value{}, u.fail("%v", err)
				}
				return v, nil
			}
			d.Hour, d.Minute, d.Second = int(s[4]), int(s[5]), int(s[6])
			d.Microsecond = int(s[7])<<16 | int(s[8])<<8 | int(s[9])
			d.TZ = tz
			v, err := NewDatetime(d)
			if err != nil {
				return Value{}, u.fail("%v", err)
			}
			return v, nil
		}
	}
	// datetime(year, month, day, hour, minute, second, microsecond, tzinfo) and friends.
	var n []int
	for _, a := range args {
		if a.kind == kindTZ || a.kind == KindNone {
			tz = (*TZInfo)(a.ptr)
			break
		}
		i, ok := a.AsInt()
		if !ok || i < -1<<31 || i > 1<<31 {
			return bad()
		}
		n = append(n, int(i))
	}
	switch name {
	case "date":
		if len(n) != 3 || tz != nil {
			return bad()
		}
		v, err := NewDate(n[0], n[1], n[2])
		if err != nil {
			return Value{}, u.fail("%v", err)
		}
		return v, nil
	case "time":
		if len(n) > 4 {
			return bad()
		}
		n = append(n, 0, 0, 0, 0)
		v, err := NewTime(DateTime{Hour: n[0], Minute: n[1], Second: n[2], Microsecond: n[3], TZ: tz})
		if err != nil {
			return Value{}, u.fail("%v", err)
		}
		return v, nil
	}
	if len(n) < 3 || len(n) > 7 {
		return bad()
	}
	n = append(n, 0, 0, 0, 0)
	v, err := NewDatetime(DateTime{Year: n[0], Month: n[1], Day: n[2], Hour: n[3], Minute: n[4], Second: n[5], Microsecond: n[6], TZ: tz})
	if err != nil {
		return Value{}, u.fail("%v", err)
	}
	return v, nil
}

// timedeltaArgMicros are the microseconds in one unit of each of timedelta's arguments.
var timedeltaArgMicros = [7]int64{86400e6, 1e6, 1, 1e3, 60e6, 3600e6, 7 * 86400e6}

// encodeArgs is str.encode for the encoding and optional errors arguments of
// _codecs.encode, bytes() and bytearray(): both must be str, the encoding one Python
// finds as latin-1, UTF-8 or ASCII. (As in Python, the errors handler is looked up only
// for a character the codec cannot encode, which is refused here whatever it names.)
func (u *unpickler) encodeArgs(s string, encoding Value, errs []Value) (string, error) {
	if encoding.kind != KindStr || len(errs) > 0 && errs[0].kind != KindStr {
		return "", u.fail("encoding and errors arguments must be str")
	}
	b, err := pyEncode(s, encoding.s())
	if err != nil {
		return "", u.fail("%v", err)
	}
	return b, nil
}

// build applies BUILD's state: only a pending uuid.UUID takes one ({'int': n}, with an
// optional 'is_safe', which is not kept).
func (u *unpickler) build(obj, state Value) error {
	if obj.kind != kindPending {
		return u.fail("BUILD on a %s", obj.kind)
	}
	b := (*builder)(obj.ptr)
	st, err := u.finish(state, 0)
	if err != nil {
		return err
	}
	d := st.Dict()
	if b.state != 0 || d == nil {
		return u.fail("unsupported state for uuid.UUID")
	}
	n, ok := d.Get("int")
	big, isInt := n.AsBigInt()
	if !ok || !isInt {
		return u.fail("unsupported state for uuid.UUID")
	}
	if big.Sign() < 0 || big.BitLen() > 128 { // (CPython takes it, and makes a UUID no str() can print right)
		return u.fail("uuid.UUID int out of range: %s", big)
	}
	for k := range d.All() {
		if ks, _ := k.AsStr(); ks != "int" && ks != "is_safe" {
			return u.fail("unsupported state for uuid.UUID: %s", k)
		}
	}
	var raw [16]byte
	big.FillBytes(raw[:])
	b.items, b.state = []Value{NewUUID(raw)}, 2
	return nil
}

// decodeLong reads a little-endian two's complement int (LONG1/LONG4).
func decodeLong(b string) Value {
	if len(b) == 0 {
		return Int(0)
	}
	if len(b) <= 8 {
		var x uint64
		for i := len(b) - 1; i >= 0; i-- {
			x = x<<8 | uint64(b[i])
		}
		if shift := 64 - 8*len(b); shift > 0 {
			return Int(int64(x<<shift) >> shift)
		}
		if int64(x) >= 0 || len(b) < 8 {
			return Int(int64(x))
		}
		return Int(int64(x))
	}
	be := make([]byte, len(b))
	for i := 0; i < len(b); i++ {
		be[len(b)-1-i] = b[i]
	}
	n := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return BigInt(n)
}

// isASCII reports whether s is all ASCII, 8 bytes at a time (the compiler merges the byte
// loads of each word into one load).
func isASCII(s string) bool {
	var acc uint64
	for len(s) >= 8 {
		acc |= uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		s = s[8:]
	}
	if len(s) >= 4 { // 4 to 7 bytes left: two overlapping 4-byte words
		t := s[len(s)-4:]
		acc |= uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(t[0])<<32 | uint64(t[1])<<40 | uint64(t[2])<<48 | uint64(t[3])<<56
	} else {
		for i := 0; i < len(s); i++ {
			acc |= uint64(s[i])
		}
	}
	return acc&0x8080808080808080 == 0
}

// validWTF8 reports whether s is UTF-8 in which surrogate code points may appear (as
// Python's "surrogatepass" decoder accepts).
func validWTF8(s string) bool {
	if isASCII(s) || utf8.ValidString(s) { // most session strings are short and ASCII
		return true
	}
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		_, n := decodeWTF8(s[i:])
		if n == 0 {
			return false
		}
		i += n
	}
	return true
}

// rawUnicodeUnescape decodes protocol 0's raw-unicode-escape text: bytes are latin-1
// characters except the escapes \uXXXX and \UXXXXXXXX.
func rawUnicodeUnescape(s string) (string, bool) {
	if !strings.ContainsAny(s, "\\") {
		ascii := true
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				ascii = false
				break
			}
		}
		if ascii {
			return s, true
		}
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) && (s[i+1] == 'u' || s[i+1] == 'U') {
			n := 4
			if s[i+1] == 'U' {
				n = 8
			}
			if i+2+n > len(s) {
				return "", false
			}
			r, err := strconv.ParseUint(s[i+2:i+2+n], 16, 32)
			if err != nil || r > 0x10ffff {
				return "", false
			}
			out = appendWTF8(out, rune(r))
			i += 1 + n
			continue
		}
		out = utf8.AppendRune(out, rune(c))
	}
	return string(out), true
}
