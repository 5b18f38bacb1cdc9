// Package idna2003 encodes domain names as Python's "idna" codec does (IDNA 2003:
// RFC 3490 ToASCII with the Nameprep profile of RFC 3491, and Punycode, RFC 3492), which
// Django before 5.2 uses to retry an email address's non-ASCII domain.
//
// The stringprep tables are Python's (Unicode 3.2; table B.2, which Python builds on its
// own str.lower, as Python 3.11 to 3.13 have it: 3.10's lacks 40 characters), generated
// by scripts/gen_idna2003.py; NFKC is Unicode 3.2's, from Go's tables, the code points
// unassigned in 3.2, and the few whose normalisation has changed since.
package idna2003

import (
	"errors"
	"sort"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// ErrEncode is returned for a name Python's codec refuses (UnicodeError).
var ErrEncode = errors.New("idna2003: cannot encode")

type runeRange struct{ lo, hi rune }

func in(rs []runeRange, r rune) bool {
	i := sort.Search(len(rs), func(i int) bool { return rs[i].hi >= r })
	return i < len(rs) && rs[i].lo <= r
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// ToASCII is Python's name.encode("idna").decode("ascii"): an ASCII name is only checked
// (no label empty or over 63 bytes but the last, which may be empty: a trailing dot);
// any other is split at the four IDNA dots and each label encoded by labelToASCII.
func ToASCII(name string) (string, error) {
	if name == "" {
		return "", nil
	}
	if isASCII(name) {
		labels := strings.Split(name, ".")
		for _, l := range labels[:len(labels)-1] {
			if len(l) == 0 || len(l) >= 64 {
				return "", ErrEncode
			}
		}
		if len(labels[len(labels)-1]) >= 64 {
			return "", ErrEncode
		}
		return name, nil
	}
	var labels []string
	start := 0
	for i, r := range name {
		if r == '.' || r == '\u3002' || r == '\uff0e' || r == '\uff61' {
			labels = append(labels, name[start:i])
			start = i + utf8.RuneLen(r)
		}
	}
	labels = append(labels, name[start:])
	trailingDot := ""
	if labels[len(labels)-1] == "" {
		trailingDot = "."
		labels = labels[:len(labels)-1]
	}
	var b strings.Builder
	for i, l := range labels {
		a, err := labelToASCII(l)
		if err != nil {
			return "", err
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(a)
	}
	return b.String() + trailingDot, nil
}

// labelToASCII is RFC 3490's ToASCII with AllowUnassigned and without UseSTD3ASCIIRules,
// as Python's encodings.idna.ToASCII.
func labelToASCII(label string) (string, error) {
	if !isASCII(label) {
		var err error
		if label, err = nameprep(label); err != nil {
			return "", err
		}
		if !isASCII(label) {
			if strings.HasPrefix(label, "xn--") {
				return "", ErrEncode
			}
			label = "xn--" + punycode(label)
		}
	}
	if len(label) == 0 || len(label) >= 64 {
		return "", ErrEncode
	}
	return label, nil
}

// nameprep is RFC 3491's profile of stringprep, as Python's encodings.idna.nameprep.
func nameprep(label string) (string, error) {
	var b strings.Builder
	for _, r := range label {
		if in(mapToNothing, r) {
			continue
		}
		if m, ok := caseFold[r]; ok {
			b.WriteString(m)
		} else {
			b.WriteRune(r)
		}
	}
	label = nfkc32String(b.String())
	first, last, anyRandAL, anyL := false, false, false, false
	n := 0
	for _, r := range label {
		if in(prohibitedRanges, r) {
			return "", ErrEncode
		}
		ral := in(randAL, r)
		if n == 0 {
			first = ral
		}
		last = ral
		anyRandAL = anyRandAL || ral
		anyL = anyL || in(lCat, r)
		n++
	}
	if anyRandAL && (anyL || !first || !last) {
		return "", ErrEncode
	}
	return label, nil
}

// nfkc32String is NFKC as Unicode 3.2 has it (Python's unicodedata.ucd_3_2_0): the code
// points unassigned then are left as they are (they are starters without a decomposition
// there, so NFKC of the runs between them is NFKC of the whole), the others normalised
// by Go's tables but for the few whose normalisation has changed since.
func nfkc32String(s string) string {
	var b strings.Builder
	start := 0
	flush := func(end int) {
		seg := s[start:end]
		for _, r := range seg {
			if _, ok := nfkc32[r]; ok {
				var m strings.Builder
				for _, r := range seg {
					if old, ok := nfkc32[r]; ok {
						m.WriteString(old)
					} else {
						m.WriteRune(r)
					}
				}
				seg = m.String()
				break
			}
		}
		b.WriteString(norm.NFKC.String(seg))
	}
	for i, r := range s {
		if in(unassigned32, r) {
			flush(i)
			b.WriteRune(r)
			start = i + utf8.RuneLen(r)
		}
	}
	flush(len(s))
	return b.String()
}

// punycode is RFC 3492's encoding of s (as Python's "punycode" codec: the basic code
// points in order, a '-' after them when there are any, then the deltas).
func punycode(s string) string {
	const (
		base, tmin, tmax, skew, damp = 36, 1, 26, 38, 700
		initialBias, initialN        = 72, 128
	)
	runes := []rune(s)
	var out []byte
	for _, r := range runes {
		if r < 0x80 {
			out = append(out, byte(r))
		}
	}
	b := len(out)
	h := b
	if b > 0 {
		out = append(out, '-')
	}
	adapt := func(delta, numPoints int, first bool) int {
		if first {
			delta /= damp
		} else {
			delta /= 2
		}
		delta += delta / numPoints
		k := 0
		for delta > ((base-tmin)*tmax)/2 {
			delta /= base - tmin
			k += base
		}
		return k + (base-tmin+1)*delta/(delta+skew)
	}
	digit := func(d int) byte {
		if d < 26 {
			return byte('a' + d)
		}
		return byte('0' + d - 26)
	}
	n, delta, bias := initialN, 0, initialBias
	for h < len(runes) {
		m := rune(0x7fffffff)
		for _, r := range runes {
			if int(r) >= n && r < m {
				m = r
			}
		}
		delta += (int(m) - n) * (h + 1)
		n = int(m)
		for _, r := range runes {
			if int(r) < n {
				delta++
			}
			if int(r) == n {
				q := delta
				for k := base; ; k += base {
					t := k - bias
					if t < tmin {
						t = tmin
					} else if t > tmax {
						t = tmax
					}
					if q < t {
						break
					}
					out = append(out, digit(t+(q-t)%(base-t)))
					q = (q - t) / (base - t)
				}
				out = append(out, digit(q))
				bias = adapt(delta, h+1, h == b)
				delta = 0
				h++
			}
		}
		delta++
		n++
	}
	return string(out)
}
