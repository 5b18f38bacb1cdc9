package serializer

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The text opcodes of protocol 0 (INT, LONG, FLOAT, PUT, GET) are read here as CPython's
// C unpickler reads them, which Django's pickle.loads runs: each line is a C string (it
// ends at a NUL byte), INT goes through C's strtol with base 0 (so "010" is 8 and "+1" is
// True), LONG through Python's int(line, 0), FLOAT through PyOS_string_to_double (no
// white space, overflow an error), memo indexes through int(line, 10).

// cString returns s up to its first NUL byte.
func cString(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// cSpace is C's isspace (and CPython's Py_ISSPACE).
func cSpace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }

// textINT reads the line of an INT opcode (without its newline).
func textINT(line string) (Value, bool) {
	// strtol(line, &end, 0), then the check C's load_int makes of end.
	s := line + "\n"
	i := 0
	for i < len(s) && cSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	base := uint64(10)
	switch {
	case i+2 < len(s) && s[i] == '0' && s[i+1]|0x20 == 'x' && digitValue(s[i+2]) < 16:
		base, i = 16, i+2
	case i < len(s) && s[i] == '0':
		base = 8
	}
	var x uint64
	overflow := false
	start := i
	for ; i < len(s); i++ {
		d := digitValue(s[i])
		if d >= base {
			break
		}
		if x > (math.MaxUint64-d)/base {
			overflow = true
		} else {
			x = x*base + d
		}
	}
	end := byte(0)
	switch {
	case i == start: // no digits: end is the start of the line
		end = s[0]
	case i < len(s):
		end = s[i]
	}
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	if overflow || x > limit || end != '\n' && end != 0 {
		return pyLongFromString(line, 0)
	}
	if len(line) == 2 && (x == 0 || x == 1 && !neg) { // (three bytes with the newline: "00", "+1", " 0"...)
		return Bool(x == 1), true
	}
	if neg {
		return Int(int64(-x)), true // (x <= 1<<63: -x wraps to the right int64)
	}
	return Int(int64(x)), true
}

// textLONG reads the line of a LONG opcode: an 'L' just before the newline ends it.
func textLONG(line string) (Value, bool) {
	if strings.HasSuffix(line, "L") {
		line = line[:len(line)-1]
	}
	return pyLongFromString(line, 0)
}

// textIndex reads the line of a PUT or GET opcode; negative and huge indexes are ok here
// (the memo refuses them).
func textIndex(line string) (int64, bool) {
	v, ok := pyLongFromString(line, 10)
	if !ok || v.kind != KindInt || v.ptr != nil {
		return 0, false
	}
	return int64(v.num), true
}

// pyLongFromString is PyLong_FromString(s, NULL, base) for base 0 or 10: white space
// around, a sign, with base 0 a 0x/0o/0b prefix (or only zeros after a leading 0), digits
// with single underscores between them, at most MaxIntDigits decimal digits.
func pyLongFromString(s string, base int) (Value, bool) {
	s = cString(s)
	for s != "" && cSpace(s[0]) {
		s = s[1:]
	}
	for s != "" && cSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg, s = s[0] == '-', s[1:]
	}
	zerosOnly := false
	if base == 0 {
		base = 10
		if len(s) >= 2 && s[0] == '0' {
			switch s[1] | 0x20 {
			case 'x':
				base = 16
			case 'o':
				base = 8
			case 'b':
				base = 2
			default:
				zerosOnly = true
			}
			if base != 10 {
				s = strings.TrimPrefix(s[2:], "_") // (one underscore may follow the prefix)
			}
		}
	}
	digits := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' && i > 0 && i+1 < len(s) && s[i+1] != '_' {
			continue
		}
		if digitValue(c) >= uint64(base) || zerosOnly && c != '0' {
			return Value{}, false
		}
		digits = append(digits, c)
	}
	if len(digits) == 0 || base == 10 && len(digits) > MaxIntDigits {
		return Value{}, false
	}
	n, ok := new(big.Int).SetString(string(digits), base)
	if !ok {
		return Value{}, false
	}
	if neg {
		n.Neg(n)
	}
	if n.IsInt64() {
		return Int(n.Int64()), true
	}
	return BigInt(n), true
}

// digitValue is the value of c as a digit of bases up to 36 (36 or more if it is none).
func digitValue(c byte) uint64 {
	switch {
	case c >= '0' && c <= '9':
		return uint64(c - '0')
	case c|0x20 >= 'a' && c|0x20 <= 'z':
		return uint64(c|0x20-'a') + 10
	}
	return 36
}

// textFLOAT reads the line of a FLOAT opcode as PyOS_string_to_double with
// OverflowError: a float, "inf", "infinity" or "nan" (any case, signed or not) from the
// first byte to the newline or a NUL byte; a finite number too large is an error.
func textFLOAT(line string) (float64, bool) {
	s := cString(line)
	t := strings.TrimLeft(s, "+-")
	if len(s)-len(t) > 1 {
		return 0, false
	}
	switch strings.ToLower(t) {
	case "inf", "infinity":
		return math.Copysign(math.Inf(1), float64(1-2*boolInt(strings.HasPrefix(s, "-")))), true
	case "nan":
		return math.NaN(), true
	}
	// digits [. digits] | . digits, then [e [sign] digits]: the only text left for
	// ParseFloat (which also takes hex, underscores and "inf", none of them valid here).
	i, mant := 0, 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i, mant = i+1, mant+1
	}
	if i < len(t) && t[i] == '.' {
		i++
		for i < len(t) && t[i] >= '0' && t[i] <= '9' {
			i, mant = i+1, mant+1
		}
	}
	if mant == 0 {
		return 0, false
	}
	if i < len(t) && t[i]|0x20 == 'e' {
		i++
		if i < len(t) && (t[i] == '+' || t[i] == '-') {
			i++
		}
		exp := i
		for i < len(t) && t[i] >= '0' && t[i] <= '9' {
			i++
		}
		if i == exp {
			return 0, false
		}
	}
	if i != len(t) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// codecAliases maps the aliases Python's encodings package has for the codecs a pickle
// may name in _codecs.encode, bytes() or bytearray() (pickles of bytes name latin1) to
// their module.
var codecAliases = map[string]string{
	"8859": "latin_1", "cp819": "latin_1", "csisolatin1": "latin_1", "ibm819": "latin_1", "iso8859": "latin_1",
	"iso8859_1": "latin_1", "iso_8859_1": "latin_1", "iso_8859_1_1987": "latin_1", "iso_ir_100": "latin_1",
	"l1": "latin_1", "latin": "latin_1", "latin1": "latin_1",
	"cp65001": "utf_8", "u8": "utf_8", "utf": "utf_8", "utf8": "utf_8", "utf8_ucs2": "utf_8", "utf8_ucs4": "utf_8",
	"646": "ascii", "ansi_x3.4_1968": "ascii", "ansi_x3.4_1986": "ascii", "ansi_x3_4_1968": "ascii", "cp367": "ascii",
	"csascii": "ascii", "ibm367": "ascii", "iso646_us": "ascii", "iso_646.irv_1991": "ascii", "iso_ir_6": "ascii",
	"us": "ascii", "us_ascii": "ascii",
}

// codecOf returns the codec module Python's codecs.lookup(name) finds among latin_1,
// utf_8 and ascii, or "": the name's ASCII letters lower cased, each run of characters
// other than letters, digits and '.' made one underscore (none at either end), non-ASCII
// letters and digits dropped; then an alias (also with '.' read as '_'), or a module name
// without '.'.
func codecOf(name string) string {
	if strings.IndexByte(name, 0) >= 0 { // ("embedded null character")
		return ""
	}
	var b strings.Builder
	punct := false
	for _, r := range name {
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsNumber(r) || r == '.' {
			if punct && b.Len() > 0 {
				b.WriteByte('_')
			}
			if r < 0x80 {
				b.WriteRune(r)
			}
			punct = false
		} else {
			punct = true
		}
	}
	n := b.String()
	if c, ok := codecAliases[n]; ok {
		return c
	}
	if c, ok := codecAliases[strings.ReplaceAll(n, ".", "_")]; ok {
		return c
	}
	switch n {
	case "latin_1", "utf_8", "ascii":
		return n
	}
	return ""
}

// pyEncode is Python's str.encode(encoding) for the codecs codecOf knows, with an error
// for a character the codec cannot encode (a lone surrogate, for UTF-8).
func pyEncode(s, encoding string) (string, error) {
	switch codecOf(encoding) {
	case "latin_1":
		if b, ok := latin1Bytes(s); ok {
			return b, nil
		}
		return "", errors.New("'latin-1' codec can't encode a character")
	case "utf_8":
		if utf8.ValidString(s) {
			return s, nil
		}
		return "", errors.New("'utf-8' codec can't encode a surrogate")
	case "ascii":
		if isASCII(s) {
			return s, nil
		}
		return "", errors.New("'ascii' codec can't encode a character")
	}
	return "", fmt.Errorf("unknown encoding %q", encoding)
}
