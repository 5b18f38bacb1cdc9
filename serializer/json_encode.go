package serializer

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"unicode/utf8"
)

// ErrNotJSONSerializable is returned when a value has no JSON form in Python's json module
// (bytes, or a dict key that is not str, int, float, bool or None); Python raises TypeError.
var ErrNotJSONSerializable = errors.New("serializer: value is not JSON serializable")

// ErrInvalidUTF8 is returned when a str holds bytes that are neither UTF-8 nor a WTF-8
// surrogate, so no Python string corresponds to it.
var ErrInvalidUTF8 = errors.New("serializer: str is not valid UTF-8")

// EncodeJSON returns v as Django's JSONSerializer writes it: Python's
// json.dumps(v, separators=(",", ":")) with ensure_ascii, so the output is pure ASCII.
func EncodeJSON(v Value) ([]byte, error) {
	return AppendJSON(make([]byte, 0, 256), v)
}

// AppendJSON appends the JSON form of v (as [EncodeJSON]) to dst.
func AppendJSON(dst []byte, v Value) ([]byte, error) {
	return appendJSON(dst, v, 0)
}

const maxEncodeDepth = 10000

func appendJSON(dst []byte, v Value, depth int) ([]byte, error) {
	switch v.kind {
	case KindNone:
		return append(dst, "null"...), nil
	case KindBool:
		if v.num != 0 {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	case KindInt:
		if b, ok := v.bigp(); ok {
			return b.Append(dst, 10), nil
		}
		if v.num < 10 { // (a single digit, as counts in sessions mostly are)
			return append(dst, '0'+byte(v.num)), nil
		}
		return strconv.AppendInt(dst, int64(v.num), 10), nil
	case KindFloat:
		return AppendFloat(dst, math.Float64frombits(v.num)), nil
	case KindStr:
		return appendJSONString(dst, v.s())
	case KindList, KindTuple:
		if depth > maxEncodeDepth {
			return dst, fmt.Errorf("%w: nesting deeper than %d", ErrNotJSONSerializable, maxEncodeDepth)
		}
		dst = append(dst, '[')
		var err error
		for i, e := range v.list() {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendJSON(dst, e, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case KindDict:
		if depth > maxEncodeDepth {
			return dst, fmt.Errorf("%w: nesting deeper than %d", ErrNotJSONSerializable, maxEncodeDepth)
		}
		dst = append(dst, '{')
		var err error
		items := v.dictp().items
		for i := range items {
			it := &items[i] // (not a copy of the two Values)
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendJSONKey(dst, it.Key); err != nil {
				return dst, err
			}
			dst = append(dst, ':')
			if dst, err = appendJSON(dst, it.Value, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	}
	return dst, fmt.Errorf("%w: Object of type %s", ErrNotJSONSerializable, v.kind)
}

// appendJSONKey writes a dict key as Python's json module does: str as is, and int, float,
// bool and None converted to strings; anything else is a TypeError.
func appendJSONKey(dst []byte, k Value) ([]byte, error) {
	switch k.kind {
	case KindStr:
		return appendJSONString(dst, k.s())
	case KindNone, KindBool, KindInt:
		dst = append(dst, '"')
		dst, _ = appendJSON(dst, k, 0)
		return append(dst, '"'), nil
	case KindFloat:
		f := math.Float64frombits(k.num)
		dst = append(dst, '"')
		dst = AppendFloat(dst, f)
		return append(dst, '"'), nil
	}
	return dst, fmt.Errorf("%w: keys must be str, int, float, bool or None, not %s", ErrNotJSONSerializable, k.kind)
}

const hexDigits = "0123456789abcdef"

// needsEscape marks the ASCII bytes Python's ensure_ascii encoder escapes: control
// characters, '"', '\\' and DEL. Bytes >= 0x80 are handled as UTF-8 sequences.
var needsEscape = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'], t[0x7f] = true, true, true
	for c := 0x80; c < 0x100; c++ {
		t[c] = true
	}
	return t
}()

// escapeBytes returns, for the eight bytes of x (little-endian), a mask with the top bit
// of each byte set that needsEscape marks, or that is above one that it marks (through a
// borrow or carry): so its lowest set bit marks the first.
func escapeBytes(x uint64) uint64 {
	return (specialBytes(x) | (x + lsbs)) & msbs // (x+1 reaches 0x80 from DEL, 0x7f, on)
}

func appendU(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

func appendJSONString(dst []byte, s string) ([]byte, error) {
	dst = append(dst, '"')
	// Most strings need no escape: find the first byte that does, eight at a time, and
	// copy a string without one in one go.
	i := 0
	for ; len(s)-i >= 8; i += 8 {
		if m := escapeBytes(load64(s, i)); m != 0 {
			i += bits.TrailingZeros64(m) >> 3
			break
		}
	}
	for i < len(s) && !needsEscape[s[i]] {
		i++
	}
	if i == len(s) {
		dst = append(dst, s...)
		return append(dst, '"'), nil
	}
	start := 0
	for i < len(s) {
		c := s[i]
		if !needsEscape[c] {
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		if c < utf8.RuneSelf {
			switch c {
			case '"':
				dst = append(dst, '\\', '"')
			case '\\':
				dst = append(dst, '\\', '\\')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = appendU(dst, rune(c))
			}
			i++
			start = i
			continue
		}
		r, size := decodeWTF8(s[i:])
		if size == 0 {
			return dst, fmt.Errorf("%w: invalid byte 0x%02x at offset %d", ErrInvalidUTF8, c, i)
		}
		if r >= 0x10000 {
			r -= 0x10000
			dst = appendU(dst, 0xd800+(r>>10))
			dst = appendU(dst, 0xdc00+(r&0x3ff))
		} else {
			dst = appendU(dst, r)
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"'), nil
}

// decodeWTF8 decodes one non-ASCII code point from s: a UTF-8 sequence or the three-byte
// form of a surrogate (ED A0..BF 80..BF). It returns size 0 for anything else.
func decodeWTF8(s string) (rune, int) {
	r, size := utf8.DecodeRuneInString(s)
	if r != utf8.RuneError || size > 1 {
		return r, size
	}
	if len(s) >= 3 && s[0] == 0xed && s[1]&0xe0 == 0xa0 && s[2]&0xc0 == 0x80 {
		return 0xd000 | rune(s[1]&0x3f)<<6 | rune(s[2]&0x3f), 3
	}
	return 0, 0
}

// appendWTF8 appends the code point r, writing surrogates in their three-byte WTF-8 form.
func appendWTF8(dst []byte, r rune) []byte {
	if r >= 0xd800 && r <= 0xdfff {
		return append(dst, 0xed, byte(0x80|(r>>6)&0x3f), byte(0x80|r&0x3f))
	}
	return utf8.AppendRune(dst, r)
}

// FormatFloat returns Python's repr of f: the shortest string that reads back as f, in
// fixed notation with at least one fractional digit ("1.0", "0.0001") when the decimal
// exponent is in [-4, 16), else in exponent notation with a sign and at least two exponent
// digits ("1e+16", "1e-05"); "nan", "inf" and "-inf" as Python's float repr spells them.
// Use [AppendFloat] for the JSON spelling (NaN, Infinity, -Infinity).
func FormatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return string(AppendFloat(nil, f))
}

// AppendFloat appends f as Python's json module writes a float: repr for finite values,
// and the bare tokens NaN, Infinity and -Infinity otherwise.
func AppendFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	// The shortest round-trip digits of f have a decimal exponent in [-4, 16) exactly when
	// 1e-4 <= |f| < 1e16: both bounds are themselves doubles whose shortest form is the
	// bound, so no double on the other side can print with an exponent inside the range.
	if a := math.Abs(f); a == 0 || (a >= 1e-4 && a < 1e16) {
		if a < 1e12 {
			if out, ok := appendShortDecimal(dst, f); ok {
				return out
			}
		}
		n := len(dst)
		dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
		for _, c := range dst[n:] {
			if c == '.' {
				return dst
			}
		}
		return append(dst, '.', '0')
	}
	return strconv.AppendFloat(dst, f, 'e', -1, 64) // Go's 'e' spells exponents as Python does
}

// appendShortDecimal is a fast path for the floats sessions are full of (prices, ratios):
// |f| < 1e12 with at most three decimals. If f*10^k is an integer n and n/10^k (correctly
// rounded) is f again, the decimal n·10^-k reads back as f; below 1e12 doubles are far
// denser than 10^-3, so no shorter decimal can also read back as f, which makes it the
// shortest form, i.e. Python's repr.
func appendShortDecimal(dst []byte, f float64) ([]byte, bool) {
	for k, p := 0, 1.0; k <= 3; k, p = k+1, p*10 {
		m := f * p
		n := int64(m)
		if float64(n) != m || float64(n)/p != f {
			continue
		}
		if n == 0 && math.Signbit(f) {
			return append(dst, "-0.0"...), true
		}
		if n < 0 {
			dst = append(dst, '-')
			n = -n
		}
		var tmp [24]byte
		digits := strconv.AppendInt(tmp[:0], n, 10)
		for k > 0 && digits[len(digits)-1] == '0' { // f*10^k may be integral only at a larger k
			digits, k = digits[:len(digits)-1], k-1
		}
		if k == 0 {
			dst = append(dst, digits...)
			return append(dst, '.', '0'), true
		}
		for len(digits) <= k {
			digits = append([]byte{'0'}, digits...)
		}
		dst = append(dst, digits[:len(digits)-k]...)
		dst = append(dst, '.')
		return append(dst, digits[len(digits)-k:]...), true
	}
	return dst, false
}
