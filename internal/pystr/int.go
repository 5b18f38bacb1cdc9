package pystr

import (
	"errors"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Int is Python's int(s) for a str s: surrounding white space (ASCII's " \t\n\v\f\r" and
// the white space of str.isspace beyond ASCII, but not "\x1c" to "\x1f", which str.strip
// takes), a sign, then decimal digits (any of Unicode's, as "٤٢" is 42) with single "_"
// between them; false for anything else.
func Int(s string) (*big.Int, bool) { return IntBase(s, 10) }

// IntBase is Python's int(s, base) for a base from 2 to 36 other than 2, 8 and 16 (whose
// "0b", "0o" and "0x" prefixes it does not read): Int's rules, with the ASCII letters
// of either case as the digits from 10.
func IntBase(s string, base int) (*big.Int, bool) {
	s = strings.TrimFunc(s, intSpace)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	n, b := new(big.Int), big.NewInt(int64(base))
	digits, prevDigit := 0, false
	for _, r := range s {
		if r == '_' {
			if !prevDigit {
				return nil, false
			}
			prevDigit = false
			continue
		}
		var d int
		switch {
		case r >= 'a' && r <= 'z':
			d = int(r-'a') + 10
		case r >= 'A' && r <= 'Z':
			d = int(r-'A') + 10
		default:
			v, ok := decimalValue(r)
			if !ok {
				return nil, false
			}
			d = int(v)
		}
		if d >= base {
			return nil, false
		}
		n.Mul(n, b).Add(n, big.NewInt(int64(d)))
		digits++
		prevDigit = true
	}
	if !prevDigit || digits == 0 {
		return nil, false
	}
	if neg {
		n.Neg(n)
	}
	return n, true
}

// decimalValue is the value of a decimal digit (Unicode's Nd: each of its ranges holds
// runs of ten digits from zero to nine).
func decimalValue(r rune) (byte, bool) {
	if r >= '0' && r <= '9' {
		return byte(r - '0'), true
	}
	for _, rg := range unicode.Nd.R16 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) && rg.Stride == 1 {
			return byte((r - rune(rg.Lo)) % 10), true
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) && rg.Stride == 1 {
			return byte((r - rune(rg.Lo)) % 10), true
		}
	}
	return 0, false
}

// intSpace reports whether int() skips r around a number: CPython turns the white space
// beyond ASCII into " " and then skips ASCII's (Py_ISSPACE), which leaves out the
// separators "\x1c" to "\x1f" that str.isspace counts.
func intSpace(r rune) bool {
	if r < 0x80 {
		return r == ' ' || r >= '\t' && r <= '\r'
	}
	return IsSpace(r)
}

// Float is Python's float(s) for a str s: surrounding white space as Int skips it, then a
// decimal number (digits of any script, single "_" between digits, an optional
// fraction and exponent) or "inf", "infinity" or "nan" in any case, with a sign; a
// number too large is infinite, as in Python. False for anything else.
func Float(s string) (float64, bool) {
	s = strings.TrimFunc(s, intSpace)
	var b strings.Builder
	prevDigit := false
	rs := []rune(s)
	for i, r := range rs {
		if r == '_' {
			if !prevDigit || i+1 == len(rs) {
				return 0, false
			}
			if _, ok := decimalValue(rs[i+1]); !ok {
				return 0, false
			}
			prevDigit = false
			continue
		}
		if d, ok := decimalValue(r); ok {
			b.WriteByte('0' + d)
			prevDigit = true
			continue
		}
		if r >= 0x80 {
			return 0, false
		}
		b.WriteRune(r)
		prevDigit = false
	}
	t := b.String()
	if !floatSyntax.MatchString(t) {
		return 0, false
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true
}

// floatSyntax is the text float() reads once its digits are ASCII and its "_" gone.
var floatSyntax = regexp.MustCompile(`^[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|(?i:inf|infinity|nan))$`)
