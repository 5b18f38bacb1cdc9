package serializer

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"unicode/utf8"
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
	d.vals, d.itemSlab, d.dicts = nil, nil, nil
	if cap(d.counts) <= 1<<12 && cap(d.open) <= 1<<12 && cap(d.buf) <= 1<<16 {
		select { // scratch space grown by huge inputs is left to the GC
		case idle <- d:
		default:
		}
	}
	return v, err
}

func (d *decoder) document() (Value, error) {
	d.count()
	d.skipWS()
	v, err := d.value(0)
	if err != nil {
		return Value{}, err
	}
	d.skipWS()
	if d.i != len(d.s) {
		return Value{}, d.errf("extra data")
	}
	return v, nil
}

type decoder struct {
	s    string
	i    int
	buf  []byte // scratch for strings with escapes
	utf8 bool   // non-ASCII bytes are UTF-8 text rather than latin-1 code points

	counts []int32 // elements per container, in opening order (see count)
	open   []int32 // scratch for count
	ci     int     // next entry of counts

	// Slabs the parse carves containers from.
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

func (d *decoder) value(depth int) (Value, error) {
	if d.i >= len(d.s) {
		return Value{}, d.errf("expecting value")
	}
	switch c := d.s[d.i]; c {
	case '"':
		s, err := d.str()
		return mkStr(KindStr, s), err
	case '{':
		return d.object(depth + 1)
	case '[':
		return d.array(depth + 1)
	case 'n':
		if d.hasPrefix("null") {
			d.i += 4
			return Value{}, nil
		}
	case 't':
		if d.hasPrefix("true") {
			d.i += 4
			return Bool(true), nil
		}
	case 'f':
		if d.hasPrefix("false") {
			d.i += 5
			return Bool(false), nil
		}
	case 'N':
		if d.hasPrefix("NaN") {
			d.i += 3
			return Float(nan), nil
		}
	case 'I':
		if d.hasPrefix("Infinity") {
			d.i += 8
			return Float(posInf), nil
		}
	case '-':
		if d.hasPrefix("-Infinity") {
			d.i += 9
			return Float(negInf), nil
		}
		return d.number()
	default:
		if c >= '0' && c <= '9' {
			return d.number()
		}
	}
	return Value{}, d.errf("expecting value")
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

// The decoder makes two passes. count records how many elements each array and object
// has (in the order they open); the parse then carves every list, dict item array and
// Dict header out of three slabs sized from those counts, writing values in place. A
// session then costs a handful of allocations instead of two per container. count does
// not validate: on malformed input its figures may be wrong, and the parse, which does
// validate, falls back to ordinary allocation whenever a reservation does not fit.

// Byte classes for count.
const (
	ccSpace = iota // JSON whitespace
	ccPlain        // part of a number or literal, or ':' (never starts a container)
	ccQuote
	ccOpen
	ccClose
	ccComma
)

var countClass = func() (t [256]uint8) {
	for i := range t {
		t[i] = ccPlain
	}
	t[' '], t['\t'], t['\n'], t['\r'] = ccSpace, ccSpace, ccSpace, ccSpace
	t['"'] = ccQuote
	t['['], t['{'] = ccOpen, ccOpen
	t[']'], t['}'] = ccClose, ccClose
	t[','] = ccComma
	return t
}()

// listBit marks a list's entry in counts; the low bits hold the element count.
const listBit = 1 << 30

// count fills d.counts and the slab totals for d.s. A container holds commas+1
// elements unless nothing but whitespace stands between its brackets.
func (d *decoder) count() {
	s := d.s
	counts := d.counts[:0]
	open := d.open[:0] // indexes into counts of the containers enclosing the position
	var nVals, nItems, nDicts int
	var prev byte // last significant byte seen, to recognise empty containers
	for i := 0; i < len(s); {
		c := s[i]
		switch countClass[c] {
		case ccSpace:
			i++
			continue
		case ccPlain:
			for i++; i < len(s) && countClass[s[i]] == ccPlain; i++ {
			}
		case ccQuote:
			for i++; i < len(s); i++ {
				if s[i] == '"' {
					break
				}
				if s[i] == '\\' {
					i++
				}
			}
			i++
		case ccOpen:
			open = append(open, int32(len(counts)))
			if c == '{' {
				counts = append(counts, 1)
				nDicts++
			} else {
				counts = append(counts, listBit|1)
			}
			i++
		case ccClose:
			if len(open) > 0 {
				k := open[len(open)-1]
				open = open[:len(open)-1]
				if prev == '[' || prev == '{' {
					counts[k] &= listBit // empty
				}
				if n := int(counts[k] &^ listBit); counts[k]&listBit != 0 {
					nVals += n
				} else {
					nItems += n
				}
			}
			i++
		case ccComma:
			if len(open) > 0 {
				counts[open[len(open)-1]]++
			}
			i++
		}
		prev = c
	}
	for i := range counts {
		counts[i] &^= listBit
	}
	d.counts, d.open = counts, open
	d.ci = 0
	d.vals = make([]Value, nVals)
	d.itemSlab = make([]Item, nItems)
	d.dicts = make([]Dict, nDicts)
}

// reserve returns the element count recorded for the next container, or -1.
func (d *decoder) reserve() int {
	if d.ci >= len(d.counts) {
		return -1
	}
	n := int(d.counts[d.ci])
	d.ci++
	return n
}

func (d *decoder) array(depth int) (Value, error) {
	if depth > MaxJSONDepth {
		return Value{}, d.errf("nesting deeper than %d", MaxJSONDepth)
	}
	d.i++ // '['
	n := d.reserve()
	var elems []Value
	if n >= 0 && n <= len(d.vals) {
		elems = d.vals[:0:n]
		d.vals = d.vals[n:]
	}
	d.skipWS()
	if d.i < len(d.s) && d.s[d.i] == ']' {
		d.i++
		return mkList(KindList, elems), nil
	}
	for {
		v, err := d.value(depth)
		if err != nil {
			return Value{}, err
		}
		elems = append(elems, v) // in place while within the reservation
		d.skipWS()
		if d.i < len(d.s) {
			switch d.s[d.i] {
			case ',':
				d.i++
				d.skipWS()
				continue
			case ']':
				d.i++
				return mkList(KindList, elems), nil
			}
		}
		return Value{}, d.errf("expecting ',' delimiter")
	}
}

func (d *decoder) object(depth int) (Value, error) {
	if depth > MaxJSONDepth {
		return Value{}, d.errf("nesting deeper than %d", MaxJSONDepth)
	}
	d.i++ // '{'
	n := d.reserve()
	var dict *Dict
	if len(d.dicts) > 0 {
		dict = &d.dicts[0]
		d.dicts = d.dicts[1:]
	} else {
		dict = new(Dict)
	}
	if n >= 0 && n <= len(d.itemSlab) {
		dict.items = d.itemSlab[:0:n]
		d.itemSlab = d.itemSlab[n:]
	}
	d.skipWS()
	if d.i < len(d.s) && d.s[d.i] == '}' {
		d.i++
		return mkDict(dict), nil
	}
	var seen map[string]int
	for {
		if d.i >= len(d.s) || d.s[d.i] != '"' {
			return Value{}, d.errf("expecting property name enclosed in double quotes")
		}
		k, err := d.str()
		if err != nil {
			return Value{}, err
		}
		d.skipWS()
		if d.i >= len(d.s) || d.s[d.i] != ':' {
			return Value{}, d.errf("expecting ':' delimiter")
		}
		d.i++
		d.skipWS()
		v, err := d.value(depth)
		if err != nil {
			return Value{}, err
		}
		addItem(dict, k, v, &seen)
		d.skipWS()
		if d.i < len(d.s) {
			switch d.s[d.i] {
			case ',':
				d.i++
				d.skipWS()
				continue
			case '}':
				d.i++
				if len(dict.items) >= indexThreshold {
					dict.buildIndex()
				}
				return mkDict(dict), nil
			}
		}
		return Value{}, d.errf("expecting ',' delimiter")
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
	dict.items = append(dict.items, Item{Key: mkStr(KindStr, k), Value: v})
}
