package django

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/djsession/djsession/internal/idna2003"
)

// IsValidEmail reports whether value passes Django's validate_email (EmailValidator()) of
// the site's version: at most 320 characters (unless EmailNoLengthLimit) with an "@";
// before the last "@", a
// dot-atom or quoted string of ASCII (letters compared ignoring case, as Python's regular
// expressions compare them, so that "ſ", "K", "ı" and "İ" count as letters); after it,
// "localhost", an IPv4 or IPv6 literal in brackets, or a domain name. The domain name
// rule is Django 5.2's (labels of letters, digits and "-", letters from U+00A1 to U+FFFF
// included, a top-level label of letters or an xn-- label); with EmailValidatorLegacy
// (before 5.2), the older ASCII rule, retried on the IDNA 2003 encoding of the domain as
// Python's "idna" codec makes it.
func (s *Settings) IsValidEmail(value string) bool {
	if value == "" || !strings.Contains(value, "@") || (!s.EmailNoLengthLimit && utf8.RuneCountInString(value) > 320) {
		return false
	}
	at := strings.LastIndexByte(value, '@')
	user, domain := value[:at], value[at+1:]
	if !emailUser(user) {
		return false
	}
	if domain == "localhost" || s.emailDomain(domain) {
		return true
	}
	if !s.EmailValidatorLegacy {
		return false
	}
	ascii, err := idna2003.ToASCII(domain)
	return err == nil && s.emailDomain(ascii)
}

// foldsToASCIILetter reports whether r, outside ASCII, matches an ASCII letter in a
// Python regular expression with re.IGNORECASE.
func foldsToASCIILetter(r rune) bool {
	return r == '\u0130' || r == '\u0131' || r == '\u017f' || r == '\u212a'
}

// emailUser is EmailValidator.user_regex: a dot-atom or a quoted string.
func emailUser(u string) bool {
	if strings.HasPrefix(u, "\"") {
		if len(u) < 2 || !strings.HasSuffix(u, "\"") {
			return emailDotAtom(u)
		}
		in := u[1 : len(u)-1]
		for i := 0; i < len(in); {
			r, n := utf8.DecodeRuneInString(in[i:])
			switch {
			case r == '\\':
				if i+1 >= len(in) {
					return false
				}
				c, m := utf8.DecodeRuneInString(in[i+1:])
				if !(c >= 1 && c <= 0x7f && c != '\n' && c != '\r' || foldsToASCIILetter(c)) {
					return false
				}
				i += 1 + m
				continue
			case r >= 1 && r <= 0x7f && r != '\t' && r != '\n' && r != '\r' && r != ' ' && r != '"':
			case foldsToASCIILetter(r):
			default:
				return false
			}
			i += n
		}
		return true
	}
	return emailDotAtom(u)
}

// emailDotAtom is the dot-atom of user_regex: atoms of letters, digits and
// !#$%&'*+/=?^_`{}|~- joined by single dots.
func emailDotAtom(u string) bool {
	for _, atom := range strings.Split(u, ".") {
		if atom == "" {
			return false
		}
		for _, r := range atom {
			if !(isASCIIAlnum(r) || strings.ContainsRune("-!#$%&'*+/=?^_`{}|~", r) || foldsToASCIILetter(r)) {
				return false
			}
		}
	}
	return true
}

func isASCIIAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// emailDomain is EmailValidator.validate_domain_part: a domain name, or an IP literal.
func (s *Settings) emailDomain(d string) bool {
	if s.emailDomainName(d) {
		return true
	}
	if len(d) < 3 || d[0] != '[' || d[len(d)-1] != ']' {
		return false
	}
	ip := d[1 : len(d)-1]
	for i := 0; i < len(ip); i++ {
		c := ip[i] | 0x20
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || ip[i] == ':' || ip[i] == '.') {
			return false
		}
	}
	return validIPv4(ip) || ((s.IPv6NoLengthLimit || len(ip) <= 39) && validIPv6(ip))
}

// emailDomainName is EmailValidator.domain_regex.
func (s *Settings) emailDomainName(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	last := labels[len(labels)-1]
	if s.EmailValidatorLegacy {
		// ((?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+)(?:[A-Z0-9-]{2,63}(?<!-))\Z
		legacyChar := func(r rune) bool { return isASCIIAlnum(r) || foldsToASCIILetter(r) }
		for _, l := range labels[:len(labels)-1] {
			if !label(l, 1, 63, func(r rune) bool { return legacyChar(r) || r == '-' }) || !legacyChar(first(l)) || !legacyChar(lastRune(l)) {
				return false
			}
		}
		return label(last, 2, 63, func(r rune) bool { return legacyChar(r) || r == '-' }) && lastRune(last) != '-'
	}
	// ^hostname_re domain_re tld_no_fqdn_re\Z of DomainNameValidator
	letter := func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0xa1 && r <= 0xffff
	}
	char := func(r rune) bool { return letter(r) || r >= '0' && r <= '9' || r == '-' }
	for _, l := range labels[:len(labels)-1] {
		if !label(l, 1, 63, char) || first(l) == '-' || lastRune(l) == '-' {
			return false
		}
	}
	if first(last) == '-' || lastRune(last) == '-' {
		return false
	}
	if label(last, 2, 63, func(r rune) bool { return letter(r) || r == '-' }) {
		return true
	}
	if len(last) < 4 || !strings.EqualFold(last[:4], "xn--") {
		return false
	}
	return label(last[4:], 1, 59, func(r rune) bool { return isASCIIAlnum(r) || foldsToASCIILetter(r) })
}

// label reports whether l has min to max characters, each passing ok.
func label(l string, min, max int, ok func(rune) bool) bool {
	n := 0
	for _, r := range l {
		if !ok(r) {
			return false
		}
		n++
	}
	return n >= min && n <= max
}

func first(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// validIPv4 is Python's ipaddress.IPv4Address(s) succeeding: four decimal octets of one
// to three ASCII digits, no leading zero, each at most 255.
func validIPv4(s string) bool {
	octets := strings.Split(s, ".")
	if len(octets) != 4 {
		return false
	}
	for _, o := range octets {
		if o == "" || len(o) > 3 || (o != "0" && o[0] == '0') {
			return false
		}
		for i := 0; i < len(o); i++ {
			if o[i] < '0' || o[i] > '9' {
				return false
			}
		}
		if n, _ := strconv.Atoi(o); n > 255 {
			return false
		}
	}
	return true
}

// validIPv6 is Python's ipaddress.IPv6Address(s) succeeding (s holds only hex digits,
// ':' and '.'): at least three ':'-separated parts, the last of which may be an IPv4
// address (two hextets); at most one "::", which stands for at least one hextet; eight
// hextets in all, each one to four hex digits.
func validIPv6(s string) bool {
	parts := strings.Split(s, ":")
	if len(parts) < 3 {
		return false
	}
	if strings.Contains(parts[len(parts)-1], ".") {
		if !validIPv4(parts[len(parts)-1]) {
			return false
		}
		parts = append(parts[:len(parts)-1], "0", "0")
	}
	if len(parts) > 9 {
		return false
	}
	skip := -1
	for i := 1; i < len(parts)-1; i++ {
		if parts[i] == "" {
			if skip >= 0 {
				return false
			}
			skip = i
		}
	}
	if skip >= 0 {
		hi, lo := skip, len(parts)-skip-1
		if parts[0] == "" {
			if hi--; hi != 0 {
				return false
			}
		}
		if parts[len(parts)-1] == "" {
			if lo--; lo != 0 {
				return false
			}
		}
		if 8-(hi+lo) < 1 {
			return false
		}
		parts = append(parts[:skip], parts[skip+1:]...)
		if parts[0] == "" {
			parts = parts[1:]
		}
		if len(parts) > 0 && parts[len(parts)-1] == "" {
			parts = parts[:len(parts)-1]
		}
	} else if len(parts) != 8 || parts[0] == "" || parts[len(parts)-1] == "" {
		return false
	}
	for _, h := range parts {
		if h == "" || len(h) > 4 || strings.Contains(h, ".") {
			return false
		}
	}
	return true
}
