package serializer

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
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
}

func (e *JSONError) Error() string {
	return fmt.Sprintf("serializer: invalid JSON at offset %d: %s", e.Offset, e.Msg)
}

// Unwrap returns [ErrInvalidJSON].
func (e *JSONError) Unwrap() error { return ErrInvalidJSON }

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
	return DecodeJSONString(string(data))
}

// DecodeJSONString is [DecodeJSON] on a string holding the raw bytes. The returned strings
// may share memory with s.
func DecodeJSONString(s string) (Value, error) {
	return decodeJSON(s, false)
}

// DecodeJSONText parses s as Python's json.loads parses a str: like [DecodeJSON], but
// non-ASCII characters are taken as UTF-8 text (not latin-1 bytes). Use it for JSON typed
// by people or written by tools that emit UTF-8; Django's stored data is always read with
// [DecodeJSON].
func DecodeJSONText(s string) (Value, error) {
	return decodeJSON(s, true)
}

// idle keeps decoders (with their scratch space) for reuse. Unlike a sync.Pool it is not
// emptied by each garbage collection, which under allocation-heavy load made nearly every
// decode start from empty scratch slices.
var idle = make(chan *decoder, 64)

func decodeJSON(s string, utf8 bool) (Value, error) {
	var d *decoder
	select {
	case d = <-idle:
	default:
		d = new(decoder)
	}
	d.s, d.i, d.utf8 = s, 0, utf8
	v, err := d.document()
	d.s = ""
	if len(s) > 1<<16 {
		clear(d.tape) // do not let an idle decoder pin a large input
	}
	d.tape = d.tape[:0]
	d.vals, d.itemSlab, d.dicts = nil, nil, nil
	if cap(d.tape) <= 1<<14 && cap(d.buf) <= 1<<16 {
		select { // scratch space grown by huge inputs is left to the GC
		case idle <- d:
		default:
		}
	}
	return v, err
}

// The decoder makes one pass over the text, validating it as Python's json module does
// and writing a flat tape of values: scalars as they are, each array or object as an
// entry holding its element count (patched when it closes) followed by its elements (an
// object's as key, value, key, value...). The tree is then built from the tape: every
// list, dict item array and Dict header is carved, at its exact size, out of three slabs
// allocated once. A session costs a handful of allocations, whatever its shape.

func (d *decoder) document() (Value, error) {
	d.nVals, d.nItems, d.nDicts = 0, 0, 0
	d.skipWS()
	if err := d.value(0); err != nil {
		return Value{}, err
	}
	d.skipWS()
	if d.i != len(d.s) {
		return Value{}, d.errf("extra data")
	}
	d.vals = make([]Value, d.nVals)
	d.itemSlab = make([]Item, d.nItems)
	d.dicts = make([]Dict, d.nDicts)
	v, _ := d.build(0)
	return v, nil
}

// build makes the value that starts at tape[i] and returns the index after it.
func (d *decoder) build(i int) (Value, int) {
	e := d.tape[i]
	i++
	switch e.kind {
	case KindList:
		n := int(e.num)
		elems := d.vals[:n:n]
		d.vals = d.vals[n:]
		for k := range elems {
			elems[k], i = d.build(i)
		}
		return mkList(KindList, elems), i
	case KindDict:
		n := int(e.num)
		dict := &d.dicts[0]
		d.dicts = d.dicts[1:]
		dict.items = d.itemSlab[:0:n]
		d.itemSlab = d.itemSlab[n:]
		var seen map[string]int
		for k := 0; k < n; k++ {
			key := d.tape[i].s()
			var v Value
			v, i = d.build(i + 1)
			addItem(dict, key, v, &seen)
		}
		if len(dict.items) >= indexThreshold {
			dict.buildIndex()
		}
		return mkDict(dict), i
	}
	return e, i
}

type decoder struct {
	s    string
	i    int
	buf  []byte // scratch for strings with escapes
	utf8 bool   // non-ASCII bytes are UTF-8 text rather than latin-1 code points

	tape                  []Value // see document
	nVals, nItems, nDicts int     // slab sizes the tape needs

	// Slabs build carves containers from.
	vals     []Value
	itemSlab []Item
	dicts    []Dict
}

func (d *decoder) errf(format string, args ...any) error {
	return &JSONError{Offset: d.i, Msg: fmt.Sprintf(format, args...)}
}

func (d *decoder) skipWS() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *decoder) hasPrefix(p string) bool {
	return len(d.s)-d.i >= len(p) && d.s[d.i:d.i+len(p)] == p
}

// value scans one value and appends it to the tape.
func (d *decoder) value(depth int) error {
	if d.i >= len(d.s) {
		return d.errf("expecting value")
	}
	var v Value
	switch c := d.s[d.i]; c {
	case '"':
		s, err := d.str()
		if err != nil {
			return err
		}
		v = mkStr(KindStr, s)
	case '{':
		return d.object(depth + 1)
	case '[':
		return d.array(depth + 1)
	case 'n':
		if !d.hasPrefix("null") {
			return d.errf("expecting value")
		}
		d.i += 4
	case 't':
		if !d.hasPrefix("true") {
			return d.errf("expecting value")
		}
		d.i += 4
		v = Bool(true)
	case 'f':
		if !d.hasPrefix("false") {
			return d.errf("expecting value")
		}
		d.i += 5
		v = Bool(false)
	case 'N':
		if !d.hasPrefix("NaN") {
			return d.errf("expecting value")
		}
		d.i += 3
		v = Float(nan)
	case 'I':
		if !d.hasPrefix("Infinity") {
			return d.errf("expecting value")
		}
		d.i += 8
		v = Float(posInf)
	case '-':
		if d.hasPrefix("-Infinity") {
			d.i += 9
			v = Float(negInf)
			break
		}
		fallthrough
	default:
		if c != '-' && (c < '0' || c > '9') {
			return d.errf("expecting value")
		}
		var err error
		if v, err = d.number(); err != nil {
			return err
		}
	}
	d.tape = append(d.tape, v)
	return nil
}

// number scans Python's JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?
// An incomplete fraction or exponent ends the number before it, as in Python's scanner.
func (d *decoder) number() (Value, error) {
	s, start := d.s, d.i
	i := start
	if s[i] == '-' {
		i++
	}
	if i >= len(s) || s[i] < '0' || s[i] > '9' {
		return Value{}, d.errf("expecting value")
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
	d.i = i
	text := s[start:i]
	if isFloat {
		// Clinger's fast path: an integer mantissa below 2^53 divided by an exact power
		// of ten is correctly rounded by one IEEE division, as float() would round.
		if exact && mant < 1<<53 && frac <= 22 && intEnd-start-boolInt(text[0] == '-') <= 19 {
			f := float64(mant) / pow10tab[frac]
			if text[0] == '-' {
				f = -f
			}
			return Float(f), nil
		}
		f, err := strconv.ParseFloat(text, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) { // out of range: ±inf or 0, as float()
			return Value{}, &JSONError{Offset: start, Msg: err.Error()}
		}
		return Float(f), nil
	}
	digits := intEnd - start
	if text[0] == '-' {
		digits--
	}
	if digits <= 18 {
		n := int64(mant)
		if text[0] == '-' {
			n = -n
		}
		return Int(n), nil
	}
	if digits > MaxIntDigits {
		return Value{}, &JSONError{Offset: start, Msg: fmt.Sprintf("int of %d digits exceeds the limit of %d", digits, MaxIntDigits)}
	}
	b, _ := new(big.Int).SetString(text, 10)
	return BigInt(b), nil
}

var pow10tab = [23]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// strSpecial marks the bytes that end the fast path of str: the closing quote, escapes,
// control characters and non-ASCII bytes.
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

// str scans a string starting at the opening quote and returns its contents as UTF-8
// (WTF-8 for lone surrogates), reading every raw byte as a latin-1 code point.
func (d *decoder) str() (string, error) {
	s := d.s
	start := d.i + 1
	i := start
	// Fast path: printable ASCII without escapes is returned as a substring.
	for i < len(s) && !strSpecial[s[i]] {
		i++
	}
	if i < len(s) && s[i] == '"' {
		d.i = i + 1
		return s[start:i], nil
	}
	buf := append(d.buf[:0], s[start:i]...)
	for {
		if i >= len(s) {
			d.i = start - 1
			return "", d.errf("unterminated string")
		}
		c := s[i]
		switch {
		case c == '"':
			d.i = i + 1
			d.buf = buf
			return string(buf), nil
		case c < 0x20:
			d.i = i
			return "", d.errf("invalid control character in string")
		case c >= 0x80 && d.utf8:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				d.i = i
				return "", d.errf("invalid UTF-8 in string")
			}
			buf = append(buf, s[i:i+size]...)
			i += size
		case c >= 0x80:
			buf = append(buf, 0xc0|c>>6, 0x80|c&0x3f) // latin-1 byte as its code point
			i++
		case c != '\\':
			buf = append(buf, c)
			i++
		default:
			if i+1 >= len(s) {
				d.i = start - 1
				return "", d.errf("unterminated string")
			}
			e := s[i+1]
			i += 2
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := hex4(s, i)
				if !ok {
					d.i = i - 1
					return "", d.errf("invalid \\uXXXX escape")
				}
				i += 4
				if r >= 0xd800 && r <= 0xdbff && i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if r2, ok := hex4(s, i+2); ok && r2 >= 0xdc00 && r2 <= 0xdfff {
						r = 0x10000 + (r-0xd800)<<10 + (r2 - 0xdc00)
						i += 6
					}
				}
				buf = appendWTF8(buf, r)
			default:
				d.i = i - 2
				return "", d.errf("invalid \\escape")
			}
		}
	}
}

func hex4(s string, i int) (rune, bool) {
	if len(s)-i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

func (d *decoder) array(depth int) error {
	if depth > MaxJSONDepth {
		return d.errf("nesting deeper than %d", MaxJSONDepth)
	}
	d.i++ // '['
	at := len(d.tape)
	d.tape = append(d.tape, Value{kind: KindList})
	d.skipWS()
	if d.i < len(d.s) && d.s[d.i] == ']' {
		d.i++
		return nil
	}
	n := 0
	for {
		if err := d.value(depth); err != nil {
			return err
		}
		n++
		d.skipWS()
		if d.i < len(d.s) {
			switch d.s[d.i] {
			case ',':
				d.i++
				d.skipWS()
				continue
			case ']':
				d.i++
				d.tape[at].num = uint64(n)
				d.nVals += n
				return nil
			}
		}
		return d.errf("expecting ',' delimiter")
	}
}

func (d *decoder) object(depth int) error {
	if depth > MaxJSONDepth {
		return d.errf("nesting deeper than %d", MaxJSONDepth)
	}
	d.i++ // '{'
	at := len(d.tape)
	d.tape = append(d.tape, Value{kind: KindDict})
	d.nDicts++
	d.skipWS()
	if d.i < len(d.s) && d.s[d.i] == '}' {
		d.i++
		return nil
	}
	n := 0
	for {
		if d.i >= len(d.s) || d.s[d.i] != '"' {
			return d.errf("expecting property name enclosed in double quotes")
		}
		k, err := d.str()
		if err != nil {
			return err
		}
		d.tape = append(d.tape, mkStr(KindStr, k))
		d.skipWS()
		if d.i >= len(d.s) || d.s[d.i] != ':' {
			return d.errf("expecting ':' delimiter")
		}
		d.i++
		d.skipWS()
		if err := d.value(depth); err != nil {
			return err
		}
		n++
		d.skipWS()
		if d.i < len(d.s) {
			switch d.s[d.i] {
			case ',':
				d.i++
				d.skipWS()
				continue
			case '}':
				d.i++
				d.tape[at].num = uint64(n)
				d.nItems += n
				return nil
			}
		}
		return d.errf("expecting ',' delimiter")
	}
}

// addItem appends k: v to dict, or, for a repeated key, replaces the value in the first
// occurrence's place, as dict(pairs) does. Small objects are scanned; from 32 keys on,
// *seen maps keys to positions so hostile input with many keys stays linear.
func addItem(dict *Dict, k string, v Value, seen *map[string]int) {
	items := dict.items
	if *seen == nil && len(items) < 32 {
		for i := range items {
			if items[i].Key.s() == k {
				items[i].Value = v
				return
			}
		}
	} else {
		if *seen == nil {
			*seen = make(map[string]int, 2*len(items))
			for i := range items {
				(*seen)[items[i].Key.s()] = i
			}
		}
		if i, ok := (*seen)[k]; ok {
			items[i].Value = v
			return
		}
		(*seen)[k] = len(items)
	}
	if n := len(dict.items); n < cap(dict.items) {
		// In place, field by field: cheaper than append's typed copy under GC.
		dict.items = dict.items[:n+1]
		it := &dict.items[n]
		it.Key.kind, it.Key.ptr, it.Key.num = KindStr, unsafe.Pointer(unsafe.StringData(k)), uint64(len(k))
		it.Value = v
		return
	}
	dict.items = append(dict.items, Item{Key: mkStr(KindStr, k), Value: v})
}
