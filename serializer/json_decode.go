package serializer

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"
)

// ErrInvalidJSON is returned (wrapped in a [*JSONError]) for input Python's json.loads
// rejects.
var ErrInvalidJSON = errors.New("serializer: invalid JSON")

// JSONError tells where and why JSON input was rejected. It matches [ErrInvalidJSON] under
// errors.Is.
type JSONError struct {
	Offset int    // byte offset in the input
	Msg    string // what was expected or found

	cause error // ErrIntDigits, for an int too long
}

// ErrIntDigits matches the JSONError of an int of more than MaxIntDigits digits, which
// Python's json.loads refuses with a plain ValueError (not a JSONDecodeError).
var ErrIntDigits = errors.New("serializer: int beyond MaxIntDigits digits")

func (e *JSONError) Error() string {
	return fmt.Sprintf("serializer: invalid JSON at offset %d: %s", e.Offset, e.Msg)
}

// Unwrap returns [ErrInvalidJSON], and [ErrIntDigits] for an int too long.
func (e *JSONError) Unwrap() []error {
	if e.cause != nil {
		return []error{ErrInvalidJSON, e.cause}
	}
	return []error{ErrInvalidJSON}
}

// MaxIntDigits is the longest int Python (3.10.7 and later) converts from text by default
// (sys.int_info.str_digits_check_threshold's default limit): json.loads raises ValueError
// beyond it, and so does [DecodeJSON].
const MaxIntDigits = 4300

// MaxJSONDepth bounds the nesting of arrays and objects [DecodeJSON] accepts. CPython's
// scanner fails with RecursionError at a similar depth (about 1000, depending on version).
const MaxJSONDepth = 1000

// DecodeJSON reads data as Django's JSONSerializer.loads does: the bytes are decoded as
// latin-1 (every byte is one code point, so raw UTF-8 reads as mojibake, exactly as in
// Django), then parsed as Python's json.loads parses: NaN, Infinity and -Infinity accepted,
// ints kept exact (up to [MaxIntDigits] digits), "1.0" a float, duplicate keys keep the
// first key's position and the last value, control characters inside strings rejected.
func DecodeJSON(data []byte) (Value, error) {
	// The text is parsed where it is; finish copies it, with the decoded strings, into
	// one new string for the result to point into.
	return decodeJSON(unsafe.String(unsafe.SliceData(data), len(data)), false, true)
}

// DecodeJSONString is [DecodeJSON] on a string holding the raw bytes. The returned strings
// may share memory with s.
func DecodeJSONString(s string) (Value, error) {
	return decodeJSON(s, false, false)
}

// DecodeJSONText parses s as Python's json.loads parses a str: like [DecodeJSON], but
// non-ASCII characters are taken as UTF-8 text (not latin-1 bytes), and a lone surrogate
// in a string (in the WTF-8 form the value model holds it in) as that character. Use it
// for JSON typed by people or written by tools that emit UTF-8; Django's stored data is
// always read with [DecodeJSON].
func DecodeJSONText(s string) (Value, error) {
	return decodeJSON(s, true, false)
}

// wtf8Surrogate reports whether s starts with the three bytes of a surrogate code point
// (U+D800-U+DFFF), which UTF-8 forbids and WTF-8 allows.
func wtf8Surrogate(s string) bool {
	return len(s) >= 3 && s[0] == 0xED && s[1] >= 0xA0 && s[1] <= 0xBF && s[2] >= 0x80 && s[2] <= 0xBF
}

// idle keeps decoders (with their scratch space) for reuse. Unlike a sync.Pool it is not
// emptied by each garbage collection, which under allocation-heavy load made nearly every
// decode start from empty scratch slices. spare holds one more, taken and put back with
// one atomic operation: the common case, one decode at a time, skips the channel's lock.
var (
	idle  = make(chan *decoder, 64)
	spare atomic.Pointer[decoder]
)

// decodeJSON parses s. borrowed tells that s is the caller's []byte, which the result
// must not point into.
func decodeJSON(s string, utf8, borrowed bool) (Value, error) {
	d := spare.Swap(nil)
	if d == nil {
		select {
		case d = <-idle:
		default:
			d = new(decoder)
		}
	}
	d.s, d.utf8, d.borrowed = s, utf8, borrowed
	v, err := d.parse()
	d.s = ""
	if len(d.bigs) > 0 || len(d.maps) > 0 {
		clear(d.bigs)
		d.bigs = d.bigs[:0]
		clear(d.maps)
		d.maps = d.maps[:0]
	}
	// Scratch space grown by huge inputs is left to the GC.
	if cap(d.stack) <= 1<<14 && cap(d.fin) <= 1<<14 && cap(d.esc) <= 1<<16 && !spare.CompareAndSwap(nil, d) {
		select {
		case idle <- d:
		default:
		}
	}
	return v, err
}

// The decoder makes one pass over the text, validating it as Python's json module does.
// Each array or object becomes one block of the finished area, fin: its elements (an
// object's as key, value, key, value..., behind two slots, the room its Dict header will
// take), in place for the slab; an entry that refers to the block stands for it in its
// parent. A container that holds no container (a leaf, as most are) writes its elements
// straight to the end of fin. The elements of the others wait on a stack, and move to the
// end of fin, as one block, when they close; blocks are thus finished children first. At
// the end the root is put after them, and one slab of Values, exactly that size, is
// allocated and filled in one walk over the area, each Dict header written in its place;
// the strings with escapes, decoded meanwhile into one buffer, share one string (which,
// for DecodeJSON, also holds the copy of the text the other strings point into). Besides
// an index map for each dict of indexThreshold keys or more and the ints too large for an
// int64, a decode costs those two allocations, whatever the number of containers and
// strings.
//
// The scratch space holds no pointers: strings are offsets into the input or the escape
// buffer, containers offsets into the finished area. So the garbage collector neither
// scans it nor makes its writes pay for write barriers, and each pointer of the result is
// written once, into the slab. Returned Values never point into the scratch space.

// raw is an entry of the decoder's scratch space: a Value with an offset instead of a
// pointer, in two words rather than three (so the scratch space moves less memory).
type raw struct {
	// pk holds the kind in its low byte and, above it, p: for a str, the offset of its
	// contents in the input; for kindEsc, in decoder.esc; for a list or dict, the offset
	// in bytes of its block in the slab (its index in decoder.fin times the size of a
	// Value); for kindBig, the index in decoder.bigs; 0 otherwise.
	pk  uint64
	num uint64 // as in Value; for kindDictHdr, the item count
}

func mkRaw(k Kind, p, num uint64) raw { return raw{pk: p<<8 | uint64(k), num: num} }

func (r raw) kind() Kind { return Kind(r.pk) }
func (r raw) p() uint64  { return r.pk >> 8 }

// Kinds that exist only in the decoder's scratch space, never in a returned Value.
const (
	kindEsc     = KindUUID + 1 + iota // a str in decoder.esc
	kindListRef                       // a non-empty list
	kindDictRef                       // a dict: its block starts with the two header slots
	kindBig                           // an int in decoder.bigs
	kindDictHdr                       // the first header slot of a dict's block: num is its item count
	kindLimit
)

// valueKind maps each kind of raw to the kind of its Value.
var valueKind = func() (t [32]Kind) {
	for k := range t {
		t[k] = Kind(k)
	}
	t[kindEsc], t[kindListRef], t[kindDictRef] = KindStr, KindList, KindDict
	return t
}()

// The two header slots of a dict's block become, in the slab, the two Values a Dict is
// written over. That takes Dict to be no larger than two Values, with its pointer words
// (the data of items, and index) where the slab has pointer words (the ptr of the first
// and of the second Value).
var (
	_ = [1]struct{}{}[unsafe.Sizeof(Dict{})-32]
	_ = [1]struct{}{}[unsafe.Offsetof(Dict{}.items)+unsafe.Offsetof(Value{}.ptr)]
	_ = [1]struct{}{}[unsafe.Offsetof(Dict{}.index)-unsafe.Sizeof(Value{})]
	_ = [32 - kindLimit]struct{}{}
)

const valueSize = uint64(unsafe.Sizeof(Value{}))

type decoder struct {
	s        string
	utf8     bool // non-ASCII bytes are UTF-8 text rather than latin-1 code points
	borrowed bool // s is the caller's []byte: the result's strings point into a copy

	stack  []raw            // elements of the open containers
	fin    []raw            // blocks of the finished containers, then the root
	frames []frame          // the open containers, innermost last
	esc    []byte           // the contents of the strings with escapes
	bigs   []*big.Int       // ints too large for an int64
	large  []int            // fin indexes of the headers of dicts that need an index
	maps   []map[string]int // key -> index among the object's elements, for objects with many keys, by depth
}

// frame is an open array or object.
type frame struct {
	start int    // index of its first element: in decoder.fin while it is a leaf, else on the stack
	keys  uint64 // for an object: a bit set of a hash of each key, to skip most duplicate scans (all set once it has a map)
	dup   int    // for an object whose last key repeats an earlier one: the index among its elements of that key's value, else 0
	dict  bool   // an object
	many  bool   // an object with a map in decoder.maps
	leaf  bool   // it holds no container (yet): its elements are written straight to decoder.fin
}

func errAt(i int, msg string) error { return &JSONError{Offset: i, Msg: msg} }

// skipWS returns the index of the first byte at or after i that is not JSON whitespace.
func skipWS(s string, i int) int {
	for ; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
		default:
			return i
		}
	}
	return i
}

func hasPrefixAt(s string, i int, p string) bool {
	return len(s)-i >= len(p) && s[i:i+len(p)] == p
}

const (
	lsbs = 0x0101010101010101
	msbs = 0x8080808080808080
)

// specialBytes returns, for the eight bytes of x (little-endian), a mask with the top bit
// of each byte set that strSpecial marks, or that is above one that it marks (through a
// borrow): so its lowest set bit marks the first.
func specialBytes(x uint64) uint64 {
	lt := x - lsbs*0x20              // below 0x20
	qt := (x ^ lsbs*'"') - lsbs      // '"'
	bs := (x ^ lsbs*'\\') - lsbs     // '\\'
	return (lt | qt | bs | x) & msbs // or 0x80 and above
}

// parse scans the whole input and returns its value. The hot paths (plain strings, short
// numbers, keys, delimiters) are written out inline: the function is a state machine whose
// states are its labels.
//
// A container starts as a leaf: its elements are written straight to the end of fin
// (behind its header slots if it is an object), so that at its end its block is already
// in place. When a container starts inside it, its elements so far move to the stack,
// where the rest follow, to be copied to fin at its end. The innermost container's
// elements are appended to out: fin while it is a leaf, else the stack (whichever out is,
// d holds the other).
//
// Indexes, never negative, are tested against len(s) as uints: the same test, which also
// tells the compiler that the s[i] it guards needs no bounds check.
func (d *decoder) parse() (Value, error) {
	var (
		s   = d.s
		out []raw // d.fin while f is a leaf, else d.stack
		i   int
		j   int
		c   byte
		v   raw
		bit uint64
		f   *frame // the innermost open container; nil at the top level
		err error
	)
	d.stack, d.fin = d.stack[:0], d.fin[:0]
	d.esc, d.large, d.frames = d.esc[:0], d.large[:0], d.frames[:0]

value: // A value starts at i, or whitespace before it.
	if uint(i) >= uint(len(s)) {
		goto expectingValue
	}
	c = s[i]
	if c == '"' {
		j = i + 1
		for len(s)-j >= 8 {
			w := load64(s, j)
			if m := specialBytes(w); m != 0 {
				// Bit z is the top bit of the byte found, so that byte is w>>(z&^7):
				// tested there, the closing quote costs no load.
				z := bits.TrailingZeros64(m)
				j += z >> 3
				if byte(w>>(z&^7)) == '"' {
					v = mkRaw(KindStr, uint64(i+1), uint64(j-i-1))
					i = j + 1
					goto complete
				}
				goto strScanned
			}
			j += 8
		}
		for uint(j) < uint(len(s)) && !strSpecial[s[j]] {
			j++
		}
	strScanned:
		if uint(j) < uint(len(s)) && s[j] == '"' {
			v = mkRaw(KindStr, uint64(i+1), uint64(j-i-1))
			i = j + 1
		} else if v, i, err = d.strSlow(i, j); err != nil {
			goto fail
		}
		goto complete
	}
	if c-'0' <= 9 {
		// Fast path: an int of up to 18 digits, or a float of up to 15 digits without an
		// exponent (exact in its mantissa, so Clinger's fast path in number holds).
		var mant uint64
		j = i + 1
		if c != '0' {
			mant = uint64(c - '0')
			for ; uint(j) < uint(len(s)); j++ {
				x := s[j] - '0'
				if x > 9 {
					break
				}
				mant = mant*10 + uint64(x)
			}
		}
		nd := j - i
		if uint(j) < uint(len(s)) && s[j] == '.' && uint(j+1) < uint(len(s)) && s[j+1]-'0' <= 9 {
			k := j + 1
			for ; k < len(s); k++ {
				x := s[k] - '0'
				if x > 9 {
					break
				}
				mant = mant*10 + uint64(x)
			}
			if frac := uint(k - j - 1); uint(nd)+frac <= 15 && (uint(k) >= uint(len(s)) || s[k]|0x20 != 'e') {
				// (mant < 10^15, so the int64 conversion, one instruction, is exact.)
				v = mkRaw(KindFloat, 0, math.Float64bits(float64(int64(mant))/pow10tab[frac]))
				i = k
				goto complete
			}
		} else if nd <= 18 && (uint(j) >= uint(len(s)) || s[j]|0x20 != 'e') {
			v = mkRaw(KindInt, 0, mant)
			i = j
			goto complete
		}
		if v, i, err = d.number(i); err != nil {
			goto fail
		}
		goto complete
	}
	switch c {
	case ' ', '\t', '\n', '\r':
		i = skipWS(s, i)
		goto value
	case '{', '[':
		if len(d.frames) >= MaxJSONDepth {
			err = errAt(i, fmt.Sprintf("nesting deeper than %d", MaxJSONDepth))
			goto fail
		}
		i++
		if uint(i) < uint(len(s)) && s[i] <= ' ' {
			i = skipWS(s, i)
		}
		if c == '[' && uint(i) < uint(len(s)) && s[i] == ']' {
			i++
			v = raw{pk: uint64(KindList)}
			break
		}
		// A block is about to start in fin. If f is a leaf, its elements so far, behind
		// which the block would land, move to the stack (and its header slots are given
		// back); else out is the stack, which d keeps while out is fin.
		//
		// (Here and wherever out goes back to d.fin or d.stack: while it still uses the
		// array of the slice it was taken from, resliced from its start or appended to,
		// which the same capacity tells, only its length is stored. So entering and
		// leaving containers writes no pointer to the heap, nor pays its write barrier
		// while the GC marks, unless the scratch space grew.)
		if f != nil {
			if f.leaf {
				n := len(d.stack)
				d.stack = append(d.stack, out[f.start:]...)
				if f.dict {
					f.start -= 2
				}
				keep(&d.fin, out[:f.start])
				f.start, f.leaf = n, false
			} else {
				keep(&d.stack, out)
			}
		}
		out = d.fin
		if c == '[' {
			f = d.push()
			*f = frame{start: len(out), leaf: true}
			goto value
		}
		out = append(out, raw{pk: uint64(kindDictHdr)}, raw{}) // the header slots
		if uint(i) < uint(len(s)) && s[i] == '}' {
			i++
			v = mkRaw(kindDictRef, uint64(len(out)-2)*valueSize, 0)
			keep(&d.fin, out)
			out = d.stack
			break
		}
		if useFlat {
			// An object of flat entries alone (as most are) is read whole here, and
			// needs no frame. Else it gets one, with the entries read so far.
			n := len(out)
			next, used, keys, st := flatAsm(s, i, out[n:cap(out)], 0)
			out = out[:n+used]
			if st == flatDelim && uint(next) < uint(len(s)) && s[next] == '}' && used < 2*indexThreshold {
				i = next + 1
				out[n-2] = mkRaw(kindDictHdr, 0, uint64(used/2))
				v = mkRaw(kindDictRef, uint64(n-2)*valueSize, 0)
				keep(&d.fin, out)
				out = d.stack
				break
			}
			f = d.push()
			*f = frame{start: n, keys: keys, dict: true, leaf: true}
			i = next
			switch st {
			case flatDelim:
				goto dictDelim
			case flatFull:
				out = slices.Grow(out, 64)
				goto key
			}
			goto keyRest
		}
		f = d.push()
		*f = frame{start: len(out), dict: true, leaf: true}
		goto key
	case 'n':
		if !hasPrefixAt(s, i, "null") {
			goto expectingValue
		}
		i += 4
		v = raw{}
	case 't':
		if !hasPrefixAt(s, i, "true") {
			goto expectingValue
		}
		i += 4
		v = mkRaw(KindBool, 0, 1)
	case 'f':
		if !hasPrefixAt(s, i, "false") {
			goto expectingValue
		}
		i += 5
		v = raw{pk: uint64(KindBool)}
	case 'N':
		if !hasPrefixAt(s, i, "NaN") {
			goto expectingValue
		}
		i += 3
		v = mkRaw(KindFloat, 0, math.Float64bits(nan))
	case 'I':
		if !hasPrefixAt(s, i, "Infinity") {
			goto expectingValue
		}
		i += 8
		v = mkRaw(KindFloat, 0, math.Float64bits(posInf))
	case '-':
		if hasPrefixAt(s, i, "-Infinity") {
			i += 9
			v = mkRaw(KindFloat, 0, math.Float64bits(negInf))
		} else if v, i, err = d.number(i); err != nil {
			goto fail
		}
	default:
		goto expectingValue
	}

complete: // v is complete: add it to its container, and close the containers that end here.
	if f == nil {
		goto end
	}
	if f.dict {
		goto dictValue
	}
	out = append(out, v)
listDelim: // A ',' or ']' (or whitespace before it) is due at i.
	if uint(i) < uint(len(s)) {
		if s[i] == ',' { // (tested first: a switch would test for whitespace first)
			i++
			goto value
		}
		switch s[i] {
		case ']':
			i++
			if f.leaf {
				v = mkRaw(kindListRef, uint64(f.start)*valueSize, uint64(len(out)-f.start))
				keep(&d.fin, out)
			} else {
				v = mkRaw(kindListRef, uint64(len(d.fin))*valueSize, uint64(len(out)-f.start))
				d.fin = append(d.fin, out[f.start:]...)
				keep(&d.stack, out[:f.start])
			}
			goto closed
		case ' ', '\t', '\n', '\r':
			i = skipWS(s, i)
			goto listDelim
		}
	}
	goto expectingDelim

dictValue: // v is the value of the last key of the object f.
	if f.dup == 0 {
		out = append(out, v)
	} else {
		out[f.start+f.dup] = v
		f.dup = 0
	}
dictDelim: // A ',' or '}' (or whitespace before it) is due at i.
	if uint(i) < uint(len(s)) {
		if s[i] == ',' {
			i++
			goto key
		}
		switch s[i] {
		case '}':
			i++
			var h, n int // the index of its header in fin, its item count
			if f.leaf {
				h, n = f.start-2, (len(out)-f.start)/2
				out[h] = mkRaw(kindDictHdr, 0, uint64(n))
				keep(&d.fin, out)
			} else {
				h, n = len(d.fin), (len(out)-f.start)/2
				d.fin = append(d.fin, mkRaw(kindDictHdr, 0, uint64(n)), raw{})
				d.fin = append(d.fin, out[f.start:]...)
				keep(&d.stack, out[:f.start])
			}
			if n >= indexThreshold {
				d.large = append(d.large, h)
			}
			v = mkRaw(kindDictRef, uint64(h)*valueSize, 0)
			if f.many {
				d.maps[len(d.frames)-1] = nil
			}
			goto closed
		case ' ', '\t', '\n', '\r':
			i = skipWS(s, i)
			goto dictDelim
		}
	}
	goto expectingDelim

closed: // The container f has closed, and v refers to its block. d holds fin and stack.
	d.frames = d.frames[:len(d.frames)-1]
	if len(d.frames) == 0 {
		f = nil
		goto end
	}
	f = &d.frames[len(d.frames)-1]
	out = d.stack // f holds a block now: it is not a leaf
	goto complete

key: // An object's key starts at i (or whitespace before it); f is the object.
	if useFlat && f.keys != ^uint64(0) { // (all set: the object has a map, see find)
		n, used, st := len(out), 0, 0
		i, used, f.keys, st = flatAsm(s, i, out[n:cap(out)], f.keys)
		out = out[:n+used]
		if st == flatDelim {
			goto dictDelim
		}
		if st == flatFull {
			out = slices.Grow(out, 64)
			goto key
		}
	}
keyRest: // (where flatAsm has just stopped at the key at i)
	if uint(i) >= uint(len(s)) || s[i] != '"' {
		if uint(i) < uint(len(s)) && s[i] <= ' ' {
			if j = skipWS(s, i); j > i {
				i = j
				goto key
			}
		}
		err = errAt(i, "expecting property name enclosed in double quotes")
		goto fail
	}
	j = i + 1
	if len(s)-j >= 8 {
		// A key of up to 7 bytes (most are) is in the word loaded here, and is hashed
		// from it: its bits up to z, the key and its closing quote, are the word keyBit
		// builds.
		w := load64(s, j)
		if m := specialBytes(w); m != 0 {
			z := bits.TrailingZeros64(m)
			j += z >> 3
			if byte(w>>(z&^7)) == '"' { // (as for a str value)
				v = mkRaw(KindStr, uint64(i+1), uint64(j-i-1))
				bit = keyWordBit(w & (m ^ (m - 1)))
				i = j + 1
				goto keyRead
			}
			goto keyScanned
		}
		for j += 8; len(s)-j >= 8; j += 8 {
			if m := specialBytes(load64(s, j)); m != 0 {
				j += bits.TrailingZeros64(m) >> 3
				goto keyScanned
			}
		}
	}
	for uint(j) < uint(len(s)) && !strSpecial[s[j]] {
		j++
	}
keyScanned:
	if uint(j) < uint(len(s)) && s[j] == '"' {
		v = mkRaw(KindStr, uint64(i+1), uint64(j-i-1))
		bit = keyBit(s[i+1 : j])
		i = j + 1
	} else {
		if v, i, err = d.strSlow(i, j); err != nil {
			goto fail
		}
		bit = keyBit(d.str(v))
	}
keyRead:
	// A repeated key keeps its first place and takes the last value, as in dict(pairs):
	// it is not added again, and f.dup tells dictValue where its value goes.
	if f.keys&bit != 0 {
		if j = d.find(f, len(d.frames)-1, out[f.start:], v); j >= 0 {
			f.dup = j + 1
			goto colon
		}
	}
	f.keys |= bit
	out = append(out, v)
colon:
	if uint(i) < uint(len(s)) && s[i] == ':' {
		i++
		goto value
	}
	if uint(i) < uint(len(s)) && s[i] <= ' ' {
		i = skipWS(s, i)
	}
	if uint(i) >= uint(len(s)) || s[i] != ':' {
		err = errAt(i, "expecting ':' delimiter")
		goto fail
	}
	i++
	goto value

end: // v is the root; d holds fin.
	if uint(i) < uint(len(s)) {
		i = skipWS(s, i)
	}
	if i != len(s) {
		err = errAt(i, "extra data")
		goto fail
	}
	if len(d.fin) == 0 {
		return d.scalar(v), nil
	}
	d.fin = append(d.fin, v) // the root is the last Value of the slab
	return d.finish(), nil

expectingValue:
	err = errAt(i, "expecting value")
	goto fail
expectingDelim:
	err = errAt(i, "expecting ',' delimiter")
fail:
	if f != nil && f.leaf { // keep the scratch space that is only in out
		d.fin = out
	} else if f != nil {
		d.stack = out
	}
	return Value{}, err
}

// push adds a frame to d.frames and returns it, for parse to fill in (so that the frame is
// written once, in place).
func (d *decoder) push() *frame {
	n := len(d.frames)
	if n == cap(d.frames) {
		d.frames = append(d.frames, frame{})
	}
	d.frames = d.frames[:n+1]
	return &d.frames[n]
}

// scalar returns the Value of r, which is neither a list nor a dict.
func (d *decoder) scalar(r raw) Value {
	switch r.kind() {
	case KindStr:
		if d.borrowed {
			return mkStr(KindStr, strings.Clone(d.str(r)))
		}
		return mkStr(KindStr, d.str(r))
	case kindEsc: // (d.str points into d.esc, which the next decode reuses)
		return mkStr(KindStr, strings.Clone(d.str(r)))
	case kindBig:
		return Value{ptr: unsafe.Pointer(d.bigs[r.p()]), kind: KindInt}
	}
	return Value{num: r.num, kind: r.kind()}
}

// finish fills a slab with the Values of d.fin and returns the last, the root.
func (d *decoder) finish() Value {
	fin := d.fin
	slab := make([]Value, len(fin))
	slab = slab[:len(fin)]
	// Each kind of raw turns into a Value whose ptr is p past the base of its kind.
	var base [32]unsafe.Pointer
	if d.borrowed {
		// One new string holds a copy of the text and, behind it, the decoded strings.
		// (A Builder allocates it without zeroing it first.)
		var b strings.Builder
		b.Grow(len(d.s) + len(d.esc))
		b.WriteString(d.s)
		b.Write(d.esc)
		text := b.String()
		base[KindStr] = unsafe.Pointer(unsafe.StringData(text))
		if len(d.esc) > 0 { // (else the text may end there: no pointer past it)
			base[kindEsc] = unsafe.Add(base[KindStr], len(d.s))
		}
	} else {
		base[KindStr] = unsafe.Pointer(unsafe.StringData(d.s))
		if len(d.esc) > 0 {
			base[kindEsc] = unsafe.Pointer(unsafe.StringData(string(d.esc)))
		}
	}
	base[kindListRef] = unsafe.Pointer(&slab[0])
	base[kindDictRef] = base[kindListRef]
	for k, r := range fin {
		v := &slab[k]
		if t := r.kind(); t < KindStr {
			// None, bool, int, float: no pointer to write (the slab is zeroed), so no
			// write barrier to pay while the GC runs. (None, as the second slot of a
			// dict's header is, writes zeros over zeros.)
			v.num, v.kind = r.num, t
		} else if t < kindBig {
			*v = Value{ptr: unsafe.Add(base[t], r.p()), num: r.num, kind: valueKind[t]}
		} else if t == kindDictHdr {
			// The second header slot, left None, is the Dict's index (nil) and padding.
			if n := int(r.num); n > 0 {
				dict := (*Dict)(unsafe.Pointer(v))
				dict.items = unsafe.Slice((*Item)(unsafe.Add(unsafe.Pointer(v), 2*valueSize)), n)
			}
		} else {
			*v = Value{ptr: unsafe.Pointer(d.bigs[r.p()]), kind: KindInt}
		}
	}
	for _, k := range d.large {
		(*Dict)(unsafe.Pointer(&slab[k])).buildIndex()
	}
	return slab[len(slab)-1]
}

// str returns the contents of r, a str or kindEsc entry, without a copy (so, for a
// kindEsc entry, valid until the next decode reuses d.esc).
func (d *decoder) str(r raw) string {
	p := r.p()
	if r.kind() == KindStr {
		return d.s[p : p+r.num]
	}
	return unsafe.String(unsafe.SliceData(d.esc[p:]), r.num)
}

// keyBit hashes a key to one bit of a uint64: a key of up to 7 bytes by its bytes and a
// closing quote, as a little-endian word (which parse reads as it scans the key), a
// longer one by its length and first and last bytes.
func keyBit(k string) uint64 {
	var x uint64
	if len(k) < 8 {
		x = '"' << (8 * len(k))
		for n := range len(k) {
			x |= uint64(k[n]) << (8 * n)
		}
	} else {
		x = uint64(len(k))<<16 | uint64(k[0])<<8 | uint64(k[len(k)-1])
	}
	return keyWordBit(x)
}

// keyWordBit hashes x, a word keyBit builds, to one bit of a uint64.
func keyWordBit(x uint64) uint64 { return 1 << (x * 0x9e3779b97f4a7c15 >> 58) }

// find returns the index among elems, the elements so far of the object f (at the given
// depth), of a key equal to k, or -1. Small objects are scanned; from 64 keys on, a map
// from keys to positions keeps hostile input with many keys linear (k is entered in it,
// at the end of elems, where it goes next).
func (d *decoder) find(f *frame, depth int, elems []raw, k raw) int {
	ks := d.str(k)
	if !f.many {
		if len(elems) < 128 {
			for j := 0; j < len(elems); j += 2 {
				if elems[j].num == k.num && d.str(elems[j]) == ks {
					return j
				}
			}
			return -1
		}
		for len(d.maps) <= depth {
			d.maps = append(d.maps, nil)
		}
		m := make(map[string]int, len(elems))
		for j := 0; j < len(elems); j += 2 {
			m[d.str(elems[j])] = j
		}
		d.maps[depth], f.many, f.keys = m, true, ^uint64(0)
	}
	m := d.maps[depth]
	if j, ok := m[ks]; ok {
		return j
	}
	m[ks] = len(elems)
	return -1
}

// number scans Python's JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?
// from s[start] and returns it and the index after it. An incomplete fraction or exponent
// ends the number before it, as in Python's scanner. (parse reads the common short
// numbers itself, and calls number for the others.)
func (d *decoder) number(start int) (raw, int, error) {
	s := d.s
	i := start
	neg := s[i] == '-'
	if neg {
		i++
	}
	if i >= len(s) || s[i] < '0' || s[i] > '9' {
		return raw{}, start, errAt(start, "expecting value")
	}
	// Accumulate up to 19 significant digits on the way, for the fast paths below.
	var mant uint64
	nd := 0 // digits accumulated in mant
	if s[i] == '0' {
		i++
	} else {
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if nd < 19 {
				mant = mant*10 + uint64(s[i]-'0')
				nd++
			}
			i++
		}
	}
	intEnd := i
	isFloat, exact := false, true
	frac := 0
	if i+1 < len(s) && s[i] == '.' && s[i+1] >= '0' && s[i+1] <= '9' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if nd < 19 {
				mant = mant*10 + uint64(s[i]-'0')
				nd++
				frac++
			} else {
				exact = false
			}
			i++
		}
		isFloat = true
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && s[j] >= '0' && s[j] <= '9' {
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			i = j
			isFloat, exact = true, false
		}
	}
	digits := intEnd - start - boolInt(neg)
	if isFloat {
		// Clinger's fast path: an integer mantissa below 2^53 divided by an exact power
		// of ten is correctly rounded by one IEEE division, as float() would round.
		if exact && mant < 1<<53 && frac <= 22 && digits <= 19 {
			f := float64(mant) / pow10tab[frac]
			if neg {
				f = -f
			}
			return mkRaw(KindFloat, 0, math.Float64bits(f)), i, nil
		}
		f, err := strconv.ParseFloat(s[start:i], 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) { // out of range: ±inf or 0, as float()
			return raw{}, start, errAt(start, err.Error())
		}
		return mkRaw(KindFloat, 0, math.Float64bits(f)), i, nil
	}
	if digits <= 18 {
		n := int64(mant)
		if neg {
			n = -n
		}
		return mkRaw(KindInt, 0, uint64(n)), i, nil
	}
	if digits > MaxIntDigits {
		return raw{}, start, &JSONError{Offset: start, Msg: fmt.Sprintf("int of %d digits exceeds the limit of %d", digits, MaxIntDigits),
			cause: ErrIntDigits}
	}
	b, _ := new(big.Int).SetString(s[start:i], 10)
	if b.IsInt64() {
		return mkRaw(KindInt, 0, uint64(b.Int64())), i, nil
	}
	d.bigs = append(d.bigs, b)
	return mkRaw(kindBig, uint64(len(d.bigs)-1), 0), i, nil
}

var pow10tab = [23]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// strSpecial marks the bytes that end the fast path of a string: the closing quote,
// escapes, control characters and non-ASCII bytes.
var strSpecial = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	for c := 0x80; c < 0x100; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// scanStr returns the index of the first byte at or after i that strSpecial marks, or
// len(s).
func scanStr(s string, i int) int {
	for ; len(s)-i >= 8; i += 8 {
		if m := specialBytes(load64(s, i)); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(s) && !strSpecial[s[i]]; i++ {
	}
	return i
}

// load64 returns the eight bytes of s from i as a little-endian uint64 (one load where
// the target allows).
func load64(s string, i int) uint64 {
	b := s[i : i+8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// strSlow finishes a string that starts (with its quote) at s[start] and whose first
// byte marked by strSpecial is at s[i], and returns it and the index after it. Raw bytes
// are latin-1 code points, or UTF-8 text when d.utf8 is set; a string that needs decoding
// (escapes, latin-1 bytes) is written to d.esc as UTF-8 (WTF-8 for lone surrogates).
func (d *decoder) strSlow(start, i int) (raw, int, error) {
	s := d.s
	esc := d.esc
	off := -1 // where the string starts in esc, once it has been copied there
	for {
		if i >= len(s) {
			return raw{}, start, errAt(start, "unterminated string")
		}
		c := s[i]
		switch {
		case c == '"':
			if off < 0 {
				return mkRaw(KindStr, uint64(start+1), uint64(i-start-1)), i + 1, nil
			}
			if cap(esc) == cap(d.esc) { // (no pointer to store unless esc grew: see parse)
				d.esc = d.esc[:len(esc)]
			} else {
				d.esc = esc
			}
			return mkRaw(kindEsc, uint64(off), uint64(len(esc)-off)), i + 1, nil
		case c < 0x20:
			return raw{}, i, errAt(i, "invalid control character in string")
		case c >= 0x80 && d.utf8:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				if !wtf8Surrogate(s[i:]) {
					return raw{}, i, errAt(i, "invalid UTF-8 in string")
				}
				size = 3 // (a lone surrogate of a Python str, held as the value model holds it)
			}
			if off >= 0 {
				esc = append(esc, s[i:i+size]...)
			}
			i += size
		case c >= 0x80:
			if off < 0 {
				off = len(esc)
				esc = append(esc, s[start+1:i]...)
			}
			esc = append(esc, 0xc0|c>>6, 0x80|c&0x3f) // latin-1 byte as its code point
			i++
		case c != '\\':
			if off >= 0 {
				esc = append(esc, c)
			}
			i++
		default:
			if i+1 >= len(s) {
				return raw{}, start, errAt(start, "unterminated string")
			}
			if off < 0 {
				off = len(esc)
				esc = append(esc, s[start+1:i]...)
			}
			e := s[i+1]
			i += 2
			switch e {
			case '"', '\\', '/':
				esc = append(esc, e)
			case 'b':
				esc = append(esc, '\b')
			case 'f':
				esc = append(esc, '\f')
			case 'n':
				esc = append(esc, '\n')
			case 'r':
				esc = append(esc, '\r')
			case 't':
				esc = append(esc, '\t')
			case 'u':
				r, ok := hex4(s, i)
				if !ok {
					return raw{}, i - 1, errAt(i-1, "invalid \\uXXXX escape")
				}
				i += 4
				if r >= 0xd800 && r <= 0xdbff && i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if r2, ok := hex4(s, i+2); ok && r2 >= 0xdc00 && r2 <= 0xdfff {
						r = 0x10000 + (r-0xd800)<<10 + (r2 - 0xdc00)
						i += 6
					}
				}
				// appendWTF8, written out for the code points of one escape (a lone
				// surrogate is encoded as any other of its range is).
				switch {
				case r < 0x80:
					esc = append(esc, byte(r))
				case r < 0x800:
					esc = append(esc, 0xc0|byte(r>>6), 0x80|byte(r)&0x3f)
				case r < 0x10000:
					esc = append(esc, 0xe0|byte(r>>12), 0x80|byte(r>>6)&0x3f, 0x80|byte(r)&0x3f)
				default:
					esc = appendWTF8(esc, r)
				}
			default:
				return raw{}, i - 2, errAt(i-2, "invalid \\escape")
			}
		}
		// The run of plain bytes that follows.
		j := scanStr(s, i)
		if off >= 0 {
			esc = append(esc, s[i:j]...)
		}
		i = j
	}
}

func hex4(s string, i int) (rune, bool) {
	if len(s)-i < 4 {
		return 0, false
	}
	b := s[i : i+4]
	// A byte that is no hex digit, -1, makes the result negative.
	r := rune(hexDigit[b[0]])<<12 | rune(hexDigit[b[1]])<<8 | rune(hexDigit[b[2]])<<4 | rune(hexDigit[b[3]])
	return r, r >= 0
}

// keep stores out, which was taken from *dst, in *dst: only its length while it uses
// the same array, which the same capacity tells (see parse).
func keep(dst *[]raw, out []raw) {
	if cap(out) == cap(*dst) {
		*dst = (*dst)[:len(out)]
	} else {
		*dst = out
	}
}

// hexDigit holds the value of each hex digit, and -1 for the other bytes.
var hexDigit = func() (t [256]int8) {
	for c := range t {
		switch {
		case c >= '0' && c <= '9':
			t[c] = int8(c - '0')
		case c >= 'a' && c <= 'f':
			t[c] = int8(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			t[c] = int8(c - 'A' + 10)
		default:
			t[c] = -1
		}
	}
	return t
}()
