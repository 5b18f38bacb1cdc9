// Package pystr is Python's str semantics where Go's standard library differs, for the
// Django behaviour that depends on them (password validation, URL checks): str.lower,
// str.isspace and str.strip, str.isdigit, re.split(r"\W+", s) and difflib's quick_ratio,
// on Go strings of UTF-8 text (lengths count code points, as Python's len); and
// bytes.decode("latin-1"); int(s).
package pystr

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Lower is Python's str.lower(): the full lower-case mapping (U+0130 becomes "i̇", two
// code points) and Greek capital sigma as final sigma (ς) at the end of a word.
func Lower(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range rs {
		switch r {
		case 'İ':
			b.WriteString("i\u0307")
		case 'Σ':
			if finalSigma(rs, i) {
				b.WriteRune('ς')
			} else {
				b.WriteRune('σ')
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// finalSigma is Unicode's Final_Sigma context for rs[i], as CPython tests it: a cased
// letter before it (case-ignorable characters between), and none after it.
func finalSigma(rs []rune, i int) bool {
	j := i - 1
	for j >= 0 && caseIgnorable(rs[j]) {
		j--
	}
	if j < 0 || !cased(rs[j]) {
		return false
	}
	j = i + 1
	for j < len(rs) && caseIgnorable(rs[j]) {
		j++
	}
	return j == len(rs) || !cased(rs[j])
}

// cased is Unicode's Cased property.
func cased(r rune) bool {
	return unicode.In(r, unicode.Lu, unicode.Ll, unicode.Lt, unicode.Other_Lowercase, unicode.Other_Uppercase)
}

// caseIgnorable is Unicode's Case_Ignorable property: marks, format characters, modifier
// letters and symbols, and the word-break MidLetter, MidNumLet and Single_Quote
// characters.
func caseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', '·', '\u0387', '\u055f', '\u05f4', '\u2018', '\u2019', '\u2024', '\u2027',
		'\ufe13', '\ufe52', '\ufe55', '\uff07', '\uff0e', '\uff1a':
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}

// LowerASCII is Python's bytes.lower(): A-Z alone change (as far as a comparison with an
// ASCII word goes, also str.lower() of latin-1 text).
func LowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// IsSpace is Python's str.isspace() for one character: Go's white space and the
// information separators U+001C-U+001F.
func IsSpace(r rune) bool {
	return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f
}

// Strip is Python's str.strip() (no argument).
func Strip(s string) string { return strings.TrimFunc(s, IsSpace) }

// IsDigit is Python's str.isdigit(): not empty, and every character a digit (decimal,
// or Numeric_Type=Digit such as "²").
func IsDigit(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.Is(unicode.Nd, r) && !unicode.Is(digitNotDecimal, r) {
			return false
		}
	}
	return true
}

// IsWord reports whether r is a word character of Python's regular expressions on str
// (\w): alphanumeric (str.isalnum: Unicode letters and numbers) or "_".
func IsWord(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) }

// SplitNonWord is Python's re.split(r"\W+", s) for a str: the pieces between runs of
// characters that are neither alphanumeric (str.isalnum: Unicode letters and numbers)
// nor "_", with "" first when s starts with such a run and last when it ends with one.
func SplitNonWord(s string) []string {
	word := IsWord
	var parts []string
	start, inSep := 0, false
	for i, r := range s {
		switch w := word(r); {
		case !w && !inSep:
			parts = append(parts, s[start:i])
			inSep = true
		case w && inSep:
			start, inSep = i, false
		}
	}
	if inSep {
		return append(parts, "")
	}
	return append(parts, s[start:])
}

// QuickRatio is difflib's SequenceMatcher(a=a, b=b).quick_ratio(): twice the number of
// characters the two have in common (as multisets) over their total length; 1 for two
// empty strings.
func QuickRatio(a, b string) float64 {
	counts := map[rune]int{}
	lb := 0
	for _, r := range b {
		counts[r]++
		lb++
	}
	la, matches := 0, 0
	for _, r := range a {
		la++
		if counts[r] > 0 {
			counts[r]--
			matches++
		}
	}
	if la+lb == 0 {
		return 1
	}
	return 2.0 * float64(matches) / float64(la+lb)
}

// SplitLines is str.splitlines(): s cut at \n, \r, \r\n, \v, \f, \x1c, \x1d, \x1e,
// U+0085, U+2028 and U+2029, without them (no empty last line after a final break).
func SplitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '\n', '\r', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			out = append(out, s[start:i])
			if r == '\r' && i+1 < len(s) && s[i+1] == '\n' {
				n++
			}
			start = i + n
		}
		i += n
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// Encoding is one of the Python codecs that request text is read in.
type Encoding uint8

// The codecs Codec tells apart.
const (
	UTF8        Encoding = iota // utf-8 (and anything Codec does not know)
	Latin1Codec                 // latin-1 (ISO-8859-1)
	ASCII                       // ascii
)

// Codec returns the codec Python's codecs.lookup finds for name, among UTF-8, latin-1
// and ASCII (by Python's aliases, after its normalization: case and punctuation do not
// matter); any other name is UTF8.
func Codec(name string) Encoding {
	var b strings.Builder
	pending := false
	for _, c := range strings.ToLower(name) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' {
			if pending && b.Len() > 0 {
				b.WriteByte('_')
			}
			pending = false
			b.WriteRune(c)
		} else {
			pending = true
		}
	}
	switch b.String() {
	case "latin_1", "8859", "cp819", "csisolatin1", "ibm819", "iso8859", "iso8859_1", "iso_8859_1",
		"iso_8859_1_1987", "iso_ir_100", "l1", "latin", "latin1":
		return Latin1Codec
	case "ascii", "646", "ansi_x3.4_1968", "ansi_x3_4_1968", "ansi_x3.4_1986", "cp367", "csascii", "ibm367",
		"iso646_us", "iso_646.irv_1991", "iso_ir_6", "us", "us_ascii":
		return ASCII
	}
	return UTF8
}

// MaximalSubpart is the length of the longest prefix of p (which starts an ill-formed
// sequence) that could begin a well-formed one: 1 to 3 bytes, what CPython's UTF-8
// decoder reports (and replaces) as one bad sequence.
func MaximalSubpart(p []byte) int {
	in := func(i int, lo, hi byte) bool { return i < len(p) && p[i] >= lo && p[i] <= hi }
	var lo, hi byte = 0x80, 0xBF
	need := 0
	switch c := p[0]; {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c >= 0xE1 && c <= 0xEC || c == 0xEE || c == 0xEF:
		need = 2
	case c == 0xED:
		need, hi = 2, 0x9F
	case c == 0xF0:
		need, lo = 3, 0x90
	case c >= 0xF1 && c <= 0xF3:
		need = 3
	case c == 0xF4:
		need, hi = 3, 0x8F
	}
	if need == 0 {
		return 1
	}
	n := 1
	if in(1, lo, hi) {
		n = 2
		for n <= need && in(n, 0x80, 0xBF) {
			n++
		}
	}
	return min(n, need)
}

// StripLatin1 is str.strip() of latin-1 text held as its bytes (a header's characters,
// one a byte, as WSGI and ASGI give headers to Django): it trims space, \t, \n, \v, \f,
// \r, the separators \x1c–\x1f, \x85 (NEL) and \xa0 (no-break space).
func StripLatin1(s string) string {
	for s != "" && IsLatin1Space(s[0]) {
		s = s[1:]
	}
	for s != "" && IsLatin1Space(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// IsLatin1Space is str.isspace() of the latin-1 character c.
func IsLatin1Space(c byte) bool {
	return c == ' ' || c >= '\t' && c <= '\r' || c >= 0x1c && c <= 0x1f || c == 0x85 || c == 0xa0
}

// Latin1 is bytes.decode("latin-1"): the text whose code points are the bytes of b (as
// WSGI servers read header bytes, and as pickle's latin-1 strings hold them).
func Latin1(b string) string {
	for i := 0; i < len(b); i++ {
		if b[i] >= utf8.RuneSelf {
			out := make([]byte, 0, len(b)+8)
			for j := range len(b) {
				out = utf8.AppendRune(out, rune(b[j]))
			}
			return string(out)
		}
	}
	return b
}
