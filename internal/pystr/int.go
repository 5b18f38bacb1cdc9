package pystr

import (
	"math/big"
	"strings"
	"unicode"
)

// Int is Python's int(s) for a str s: surrounding white space (ASCII's " \t\n\v\f\r" and
// the white space of str.isspace beyond ASCII, but not "\x1c" to "\x1f", which str.strip
// takes), a sign, then decimal digits (any of Unicode's, as "٤٢" is 42) with single "_"
// between them; false for anything else.
func Int(s string) (*big.Int, bool) {
	s = strings.TrimFunc(s, intSpace)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var b strings.Builder
	prevDigit := false
	for _, r := range s {
		if r == '_' {
			if !prevDigit || b.Len() == 0 {
				return nil, false
			}
			prevDigit = false
			continue
		}
		d, ok := decimalValue(r)
		if !ok {
			return nil, false
		}
		b.WriteByte('0' + d)
		prevDigit = true
	}
	if !prevDigit {
		return nil, false
	}
	n, ok := new(big.Int).SetString(b.String(), 10)
	if !ok {
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
