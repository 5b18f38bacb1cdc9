// Package pystr is Python's str semantics where Go's standard library differs, for the
// Django behaviour that depends on them (password validation, URL checks): str.lower,
// str.isspace and str.strip, str.isdigit, re.split(r"\W+", s) and difflib's quick_ratio,
// on Go strings of UTF-8 text (lengths count code points, as Python's len); and
// bytes.decode("latin-1"); int(s).
package pystr

import (
	"fmt"
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
	switch normalizeCodec(name) {
	case "latin_1", "8859", "cp819", "csisolatin1", "ibm819", "iso8859", "iso8859_1", "iso_8859_1",
		"iso_8859_1_1987", "iso_ir_100", "l1", "latin", "latin1":
		return Latin1Codec
	case "ascii", "646", "ansi_x3.4_1968", "ansi_x3_4_1968", "ansi_x3.4_1986", "cp367", "csascii", "ibm367",
		"iso646_us", "iso_646.irv_1991", "iso_ir_6", "us", "us_ascii":
		return ASCII
	}
	return UTF8
}

// normalizeCodec is Python's encodings.normalize_encoding, lower-cased.
func normalizeCodec(name string) string {
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
	return b.String()
}

// KnownCodec reports whether Python's codecs.lookup finds a codec for name (CPython 3.13's
// encodings package and aliases, after the same normalization as Codec).
func KnownCodec(name string) bool {
	n := normalizeCodec(name)
	return knownCodecs[n] || knownCodecs[strings.ReplaceAll(n, ".", "_")]
}

// knownCodecs are the normalized names codecs.lookup takes.
var knownCodecs = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(`
	037 1026 1125 1140 1250 1251 1252 1253 1254 1255 1256 1257 1258 273 424 437 500 646 775 850 852
	855 857 858 860 861 862 863 864 865 866 869 8859 932 936 949 950 ansi_x3.4_1968 ansi_x3.4_1986
	ansi_x3_4_1968 arabic ascii asmo_708 base64 base64_codec base_64 big5 big5_hkscs big5_tw big5hkscs
	bz2 bz2_codec charmap chinese cp037 cp1006 cp1026 cp1051 cp1125 cp1140 cp1250 cp1251 cp1252 cp1253
	cp1254 cp1255 cp1256 cp1257 cp1258 cp1361 cp154 cp273 cp367 cp424 cp437 cp500 cp65001 cp720 cp737
	cp775 cp819 cp850 cp852 cp855 cp856 cp857 cp858 cp860 cp861 cp862 cp863 cp864 cp865 cp866 cp866u
	cp869 cp874 cp875 cp932 cp936 cp949 cp950 cp_gr cp_is csascii csbig5 csibm037 csibm1026 csibm273
	csibm424 csibm500 csibm855 csibm857 csibm858 csibm860 csibm861 csibm863 csibm864 csibm865 csibm866
	csibm869 csiso2022jp csiso2022kr csiso58gb231280 csisolatin1 csisolatin2 csisolatin3 csisolatin4
	csisolatin5 csisolatin6 csisolatinarabic csisolatincyrillic csisolatingreek csisolatinhebrew
	cskoi8r cspc775baltic cspc850multilingual cspc862latinhebrew cspc8codepage437 cspcp852 csptcp154
	csshiftjis cyrillic cyrillic_asian ebcdic_cp_be ebcdic_cp_ca ebcdic_cp_ch ebcdic_cp_he
	ebcdic_cp_nl ebcdic_cp_us ebcdic_cp_wt ecma_114 ecma_118 elot_928 euc_cn euc_jis2004 euc_jis_2004
	euc_jisx0213 euc_jp euc_kr euccn eucgb2312_cn eucjis2004 eucjisx0213 eucjp euckr gb18030
	gb18030_2000 gb2312 gb2312_1980 gb2312_80 gbk greek greek8 hebrew hex hex_codec hkscs hp_roman8 hz
	hz_gb hz_gb_2312 hzgb ibm037 ibm039 ibm1026 ibm1051 ibm1125 ibm1140 ibm273 ibm367 ibm424 ibm437
	ibm500 ibm775 ibm819 ibm850 ibm852 ibm855 ibm857 ibm858 ibm860 ibm861 ibm862 ibm863 ibm864 ibm865
	ibm866 ibm869 idna iso2022_jp iso2022_jp_1 iso2022_jp_2 iso2022_jp_2004 iso2022_jp_3
	iso2022_jp_ext iso2022_kr iso2022jp iso2022jp_1 iso2022jp_2 iso2022jp_2004 iso2022jp_3
	iso2022jp_ext iso2022kr iso646_us iso8859 iso8859_1 iso8859_10 iso8859_11 iso8859_13 iso8859_14
	iso8859_15 iso8859_16 iso8859_2 iso8859_3 iso8859_4 iso8859_5 iso8859_6 iso8859_7 iso8859_8
	iso8859_9 iso_2022_jp iso_2022_jp_1 iso_2022_jp_2 iso_2022_jp_2004 iso_2022_jp_3 iso_2022_jp_ext
	iso_2022_kr iso_646.irv_1991 iso_8859_1 iso_8859_10 iso_8859_10_1992 iso_8859_11 iso_8859_11_2001
	iso_8859_13 iso_8859_14 iso_8859_14_1998 iso_8859_15 iso_8859_16 iso_8859_16_2001 iso_8859_1_1987
	iso_8859_2 iso_8859_2_1987 iso_8859_3 iso_8859_3_1988 iso_8859_4 iso_8859_4_1988 iso_8859_5
	iso_8859_5_1988 iso_8859_6 iso_8859_6_1987 iso_8859_7 iso_8859_7_1987 iso_8859_8 iso_8859_8_1988
	iso_8859_9 iso_8859_9_1989 iso_celtic iso_ir_100 iso_ir_101 iso_ir_109 iso_ir_110 iso_ir_126
	iso_ir_127 iso_ir_138 iso_ir_144 iso_ir_148 iso_ir_157 iso_ir_166 iso_ir_199 iso_ir_226 iso_ir_58
	iso_ir_6 jisx0213 johab koi8_r koi8_t koi8_u korean ks_c_5601 ks_c_5601_1987 ks_x_1001 ksc5601
	ksx1001 kz1048 kz_1048 l1 l10 l2 l3 l4 l5 l6 l7 l8 l9 latin latin1 latin10 latin2 latin3 latin4
	latin5 latin6 latin7 latin8 latin9 latin_1 mac_arabic mac_centeuro mac_croatian mac_cyrillic
	mac_farsi mac_greek mac_iceland mac_latin2 mac_roman mac_romanian mac_turkish maccentraleurope
	maccyrillic macgreek maciceland macintosh maclatin2 macroman macturkish ms1361 ms932 ms936 ms949
	ms950 ms_kanji mskanji palmos pt154 ptcp154 punycode quopri quopri_codec quoted_printable
	quotedprintable r8 raw_unicode_escape rk1048 roman8 rot13 rot_13 ruscii s_jis s_jis_2004
	s_jisx0213 shift_jis shift_jis_2004 shift_jisx0213 shiftjis shiftjis2004 shiftjisx0213 sjis
	sjis_2004 sjisx0213 strk1048_2002 thai tis620 tis_620 tis_620_0 tis_620_2529_0 tis_620_2529_1 u16
	u32 u7 u8 u_jis uhc ujis undefined unicode_1_1_utf_7 unicode_escape unicodebigunmarked
	unicodelittleunmarked us us_ascii utf utf16 utf32 utf7 utf8 utf8_ucs2 utf8_ucs4 utf_16 utf_16_be
	utf_16_le utf_16be utf_16le utf_32 utf_32_be utf_32_le utf_32be utf_32le utf_7 utf_8 utf_8_sig uu
	uu_codec windows_1250 windows_1251 windows_1252 windows_1253 windows_1254 windows_1255
	windows_1256 windows_1257 windows_1258 windows_31j x_mac_japanese x_mac_korean x_mac_simp_chinese
	x_mac_trad_chinese zip zlib zlib_codec`) {
		m[n] = true
	}
	return m
}()

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

// Head is s[:n] of a Python str: its first n characters (code points).
func Head(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
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

// Repr is Python's repr() of the str s (UTF-8, or WTF-8 with lone surrogates): single
// quotes unless s holds a single quote and no double quote, backslash escapes for the
// quote, the backslash, \t, \n, \r and every character Python does not print
// (\xNN, \uNNNN, \UNNNNNNNN).
func Repr(s string) string {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	b := make([]byte, 0, len(s)+2)
	b = append(b, quote)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 && i+2 < len(s) && s[i] == 0xed && s[i+1] >= 0xa0 && s[i+1] <= 0xbf {
			// a lone surrogate in WTF-8
			r, n = rune(s[i]&0x0f)<<12|rune(s[i+1]&0x3f)<<6|rune(s[i+2]&0x3f), 3
			b = fmt.Appendf(b, `\u%04x`, r)
			i += n
			continue
		}
		i += n
		switch {
		case r == rune(quote) || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\t':
			b = append(b, `\t`...)
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r < 0x20 || r == 0x7f:
			b = fmt.Appendf(b, `\x%02x`, r)
		case r < 0x7f || unicode.IsPrint(r):
			b = utf8.AppendRune(b, r)
		case r < 0x100:
			b = fmt.Appendf(b, `\x%02x`, r)
		case r < 0x10000:
			b = fmt.Appendf(b, `\u%04x`, r)
		default:
			b = fmt.Appendf(b, `\U%08x`, r)
		}
	}
	return string(append(b, quote))
}
