package django

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/djsession/djsession/internal/pystr"
)

// Cookie is one Set-Cookie header as Django's HttpResponse.set_cookie builds it, for
// SetCookieHeader. The zero values of the fields mean "attribute absent".
type Cookie struct {
	// Name and Value of the cookie; Value is quoted as Python's http.cookies quotes it.
	Name, Value string
	// Expires is the expires attribute text (an HTTP date), "" for none.
	Expires string
	// MaxAge is the Max-Age attribute, written when HasMaxAge.
	MaxAge    int64
	HasMaxAge bool
	// Domain, Path and SameSite are written as given when not empty.
	Domain, Path, SameSite string
	// Secure and HttpOnly are the flags.
	Secure, HttpOnly bool
}

// String returns the header value exactly as Python's Morsel.OutputString() prints it,
// which is what Django sends: the quoted name=value, then the attributes sorted by their
// lowercase names (domain, expires, httponly, max-age, path, samesite, secure), with
// lowercase "expires" and capitalised "Max-Age".
func (c Cookie) String() string {
	var b strings.Builder
	b.Grow(len(c.Name) + len(c.Value) + 96)
	b.WriteString(c.Name)
	b.WriteByte('=')
	b.WriteString(QuoteCookieValue(c.Value))
	if c.Domain != "" {
		b.WriteString("; Domain=")
		b.WriteString(c.Domain)
	}
	if c.Expires != "" {
		b.WriteString("; expires=")
		b.WriteString(c.Expires)
	}
	if c.HttpOnly {
		b.WriteString("; HttpOnly")
	}
	if c.HasMaxAge {
		b.WriteString("; Max-Age=")
		b.WriteString(strconv.FormatInt(c.MaxAge, 10))
	}
	if c.Path != "" {
		b.WriteString("; Path=")
		b.WriteString(c.Path)
	}
	if c.SameSite != "" {
		b.WriteString("; SameSite=")
		b.WriteString(c.SameSite)
	}
	if c.Secure {
		b.WriteString("; Secure")
	}
	return b.String()
}

// cookieLegal reports whether c may appear unquoted in a cookie value (Python's
// http.cookies _LegalChars).
func cookieLegal(c byte) bool { return legalCookieByte[c] }

var legalCookieByte = func() (t [256]bool) {
	for i := range len(cookieLegalChars) {
		t[cookieLegalChars[i]] = true
	}
	return t
}()

// cookieUnescaped reports whether c is copied as-is inside a quoted value (Python's
// _UnescapedChars: the legal characters plus ` ()/<=>?@[]{}`).
func cookieUnescaped(c byte) bool {
	return cookieLegal(c) || strings.IndexByte(" ()/<=>?@[]{}", c) >= 0
}

// QuoteCookieValue quotes v as Python's http.cookies._quote does: unchanged when every
// character is legal; otherwise wrapped in double quotes, with '"' and '\' escaped by a
// backslash, characters U+0000–U+00FF outside the legal and unescaped sets written as
// \ooo (octal of the code point), and characters above U+00FF left raw. The empty value
// becomes "". (Bytes of v that are not valid UTF-8 are written as \ooo of the byte.)
func QuoteCookieValue(v string) string {
	legal := v != ""
	for i := 0; i < len(v); i++ {
		if !cookieLegal(v[i]) {
			legal = false
			break
		}
	}
	if legal {
		return v
	}
	var b strings.Builder
	b.Grow(len(v) + 2)
	b.WriteByte('"')
	octal := func(n int) {
		b.WriteByte('\\')
		b.WriteByte(byte('0' + n>>6&7))
		b.WriteByte(byte('0' + n>>3&7))
		b.WriteByte(byte('0' + n&7))
	}
	for i := 0; i < len(v); {
		c := v[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case cookieUnescaped(c):
				b.WriteByte(c)
			default:
				octal(int(c))
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(v[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			octal(int(c))
		case r <= 0xff:
			octal(int(r))
		default:
			b.WriteString(v[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
	return b.String()
}

// UnquoteCookieValue undoes QuoteCookieValue as Python's http.cookies._unquote does, which
// is how Django reads request cookies: a value not wrapped in double quotes is returned as
// is; otherwise the quotes are removed, \ooo octal escapes become the character with that
// code point and a backslash before any other character but a newline is dropped.
func UnquoteCookieValue(v string) string {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}
	v = v[1 : len(v)-1]
	if strings.IndexByte(v, '\\') < 0 {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c != '\\' || i+1 >= len(v) || v[i+1] == '\n' { // (Python's pattern has '.', which skips a newline)
			b.WriteByte(c)
			continue
		}
		if i+3 < len(v) && isOctal(v[i+1]) && v[i+1] <= '3' && isOctal(v[i+2]) && isOctal(v[i+3]) {
			n := rune(v[i+1]-'0')<<6 | rune(v[i+2]-'0')<<3 | rune(v[i+3]-'0')
			b.WriteRune(n)
			i += 3
			continue
		}
		b.WriteByte(v[i+1])
		i++
	}
	return b.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// ParseCookies reads Cookie header values as Django's django.http.cookie.parse_cookie:
// split on ';', each part into name and value at the first '=' (a part without '=' is a
// value with an empty name), both trimmed of whitespace, values unquoted; parts with
// neither name nor value are skipped; a later duplicate name wins. Several header lines
// are read as if joined with "; ". Each byte of the header is one character, as Django
// reads headers (latin-1), so the whitespace trimmed includes \x85 and \xa0; bytes are
// returned as they are, and only an octal escape's character is written in UTF-8.
func ParseCookies(headers []string) map[string]string {
	out := make(map[string]string)
	for _, h := range headers {
		for part := range strings.SplitSeq(h, ";") {
			name, value, found := strings.Cut(part, "=")
			if !found {
				name, value = "", part
			}
			name, value = pystr.StripLatin1(name), pystr.StripLatin1(value)
			if name != "" || value != "" {
				out[name] = UnquoteCookieValue(value)
			}
		}
	}
	return out
}

// lookupCookie returns the value Django's request.COOKIES.get(name) would give, and
// whether name is in request.COOKIES, without building the whole map.
func lookupCookie(headers []string, name string) (string, bool) {
	value, found := "", false
	for _, h := range headers {
		for h != "" {
			part := h
			if i := strings.IndexByte(h, ';'); i >= 0 {
				part, h = h[:i], h[i+1:]
			} else {
				h = ""
			}
			n, v, ok := strings.Cut(part, "=")
			if !ok {
				continue // a name-less part: only the "" name
			}
			if pystr.StripLatin1(n) == name {
				value, found = UnquoteCookieValue(pystr.StripLatin1(v)), true
			}
		}
	}
	return value, found
}

// ErrDateRange is returned by HTTPDate for a time outside the years 1–9999, where
// Python's http_date fails.
var ErrDateRange = errors.New("django: cookie expiry date out of range")

// HTTPDate returns Django's http_date(sec): "Wdy, DD Mon YYYY HH:MM:SS GMT" for the Unix
// time sec.
func HTTPDate(sec int64) (string, error) {
	const minSec, maxSec = -62135596800, 253402300799 // 0001-01-01, 9999-12-31T23:59:59
	if sec < minSec || sec > maxSec {
		return "", ErrDateRange
	}
	return time.Unix(sec, 0).UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT"), nil
}

// deletedExpires is the expires text of Django's delete_cookie.
const deletedExpires = "Thu, 01 Jan 1970 00:00:00 GMT"

// CookieValue returns the value of r's cookie name as Django's request.COOKIES.get(name)
// gives it (parse_cookie: the last of duplicate names wins, quoted values unquoted), and
// whether r has one.
func CookieValue(r *http.Request, name string) (string, bool) {
	return lookupCookie(r.Header["Cookie"], name)
}

// SetCookie adds the Set-Cookie header c.String(), replacing one already set for the same
// name, as Django's response.set_cookie does (response.cookies holds one cookie per name).
func SetCookie(w http.ResponseWriter, c Cookie) {
	setCookieHeader(w.Header(), c.Name, c.String())
}

// DeleteCookie is Django's response.delete_cookie(name, path, domain, samesite): an empty
// value, the 1970 date and Max-Age=0, Secure when the name has a __Secure-/__Host- prefix
// or sameSite is "None"; it replaces a Set-Cookie already set for name.
func DeleteCookie(w http.ResponseWriter, name, path, domain, sameSite string) {
	setCookieHeader(w.Header(), name, deletionCookie(name, path, domain, sameSite))
}

func deletionCookie(name, path, domain, sameSite string) string {
	return Cookie{
		Name:      name,
		Expires:   deletedExpires,
		HasMaxAge: true,
		Domain:    domain,
		Path:      path,
		SameSite:  sameSite,
		Secure: strings.HasPrefix(name, "__Secure-") || strings.HasPrefix(name, "__Host-") ||
			strings.EqualFold(sameSite, "none"),
	}.String()
}

// sessionCookie returns the Set-Cookie value for the session cookie holding value, with
// maxAge seconds (nil: a browser-session cookie), as SessionMiddleware's set_cookie call.
func (s *Settings) sessionCookie(value string, maxAge *int64, now time.Time) (string, error) {
	c := Cookie{
		Name:     s.SessionCookieName,
		Value:    value,
		Domain:   s.SessionCookieDomain,
		Path:     s.SessionCookiePath,
		SameSite: s.SessionCookieSameSite,
		Secure:   s.SessionCookieSecure,
		HttpOnly: s.SessionCookieHttpOnly,
	}
	if maxAge != nil {
		// http_date(time.time() + max_age): the float sum truncated to the second.
		exp, err := HTTPDate(now.Unix() + *maxAge)
		if err != nil {
			return "", err
		}
		c.Expires, c.MaxAge, c.HasMaxAge = exp, *maxAge, true
	}
	return c.String(), nil
}

// deleteCookie returns the Set-Cookie value of Django's delete_cookie for the session
// cookie: an empty value, the 1970 date, Max-Age=0, and Secure when the name has a
// __Secure-/__Host- prefix or SameSite is None.
func (s *Settings) deleteCookie() string {
	return deletionCookie(s.SessionCookieName, s.SessionCookiePath, s.SessionCookieDomain, s.SessionCookieSameSite)
}

// patchVary returns the Vary header value after Django's patch_vary_headers(response,
// ("Cookie",)) on a response whose Vary header is existing (present tells whether it has
// one): the existing names kept in order, "Cookie" appended unless present in any case,
// and "*" alone if any name is "*".
func patchVary(existing string, present, legacy bool) string {
	return patchVaryName(existing, present, legacy, "Cookie")
}

// PatchVaryHeaders is Django's patch_vary_headers(response, names) on the headers h of a
// response (before they are written): each of names added to its Vary header unless
// there in any case, or "*" alone if any name is "*"; the header split as
// LegacyVaryMerge says.
func (s *Settings) PatchVaryHeaders(h http.Header, names ...string) {
	for _, name := range names {
		existing, present := h["Vary"]
		h["Vary"] = []string{patchVaryName(strings.Join(existing, ", "), present, s.LegacyVaryMerge, name)}
	}
}

// patchVaryName is patchVary for the header name.
func patchVaryName(existing string, present, legacy bool, name string) string {
	var parts []string
	if present {
		if legacy {
			parts = splitVaryLegacy(existing)
		} else {
			for p := range strings.SplitSeq(existing, ",") {
				if p = pystr.StripLatin1(p); p != "" {
					parts = append(parts, p)
				}
			}
		}
	}
	has := false
	for _, p := range parts {
		if pystr.Lower(p) == pystr.Lower(name) {
			has = true
		}
	}
	if !has {
		parts = append(parts, name)
	}
	for _, p := range parts {
		if p == "*" {
			return "*"
		}
	}
	return strings.Join(parts, ", ")
}

// splitVaryLegacy is re.split(r"\s*,\s*", v): split on commas, taking the whitespace
// around each comma with it; the ends are not trimmed and empty parts stay.
func splitVaryLegacy(v string) []string {
	isSpace := func(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' || c >= 0x1c && c <= 0x1f }
	var parts []string
	start := 0
	for i := 0; i < len(v); i++ {
		if v[i] != ',' {
			continue
		}
		end := i
		for end > start && isSpace(v[end-1]) {
			end--
		}
		parts = append(parts, v[start:end])
		j := i + 1
		for j < len(v) && isSpace(v[j]) {
			j++
		}
		start = j
		i = j - 1
	}
	return append(parts, v[start:])
}
