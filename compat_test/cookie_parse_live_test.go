package compat_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/djsession/djsession/django"
)

// TestLiveParseCookies holds django.ParseCookies against each Django version's
// django.http.cookie.parse_cookie, on random Cookie headers made of the pieces where a
// reading can go wrong: separators, Python's whitespace (including the latin-1
// characters \x85 and \xa0, which str.strip() removes), quotes, backslashes and octal
// escapes. Django gets the header's bytes as latin-1 characters, as WSGI and ASGI give it.
func TestLiveParseCookies(t *testing.T) {
	for _, p := range livePeers(t) {
		t.Run(p.Series, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, uint64(len(p.Series))))
			for i := range 1500 {
				lines := []string{randomCookieHeader(r)}
				if i%4 == 3 {
					// Two header lines, which Django sees joined with "; " (ASGI joins
					// repeated Cookie headers so, as HTTP/2 asks).
					lines = append(lines, randomCookieHeader(r))
				}
				resp := p.mustOK(t, map[string]any{"op": "parse_cookie", "header": latin1Text(strings.Join(lines, "; "))})
				want := map[string]string{}
				for _, kv := range resp["cookies"].([]any) {
					pair := kv.([]any)
					want[pair[0].(string)] = pair[1].(string)
				}
				got := map[string]string{}
				for k, v := range django.ParseCookies(lines) {
					got[pythonText(k)] = pythonText(v)
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Fatalf("header lines %q: ParseCookies differs from Django's parse_cookie (-django +go):\n%s", lines, d)
				}
			}
		})
	}
}

// randomCookieHeader makes a Cookie header of a few parts, most of them name=value.
func randomCookieHeader(r *rand.Rand) string {
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	space := []string{"", "", " ", "  ", "\t", "\x0b", "\x1c", "\x85", "\xa0", " \xa0", "\x85 "}
	names := []string{"sessionid", "csrftoken", "a", "x y", "", "sessionid", "na\xa0me"}
	plain := []string{"", "abc123", "0x9f", "a=b", "v\xa0w", "\x85"}
	escapes := []string{"a", "z9", " ", ";", "=", `\"`, `\\`, `\073`, `\351`, `\377`, `\400`, `\08`, `\12`, `\x`, "\\\n", "\\\r", "\\\xa0", "\xa0", "\x85"}
	var b strings.Builder
	for n := r.IntN(5); n >= 0; n-- {
		b.WriteString(pick(space))
		switch r.IntN(6) {
		case 0: // a part with no '='
			b.WriteString(pick(plain))
		case 1: // an empty part
		default:
			b.WriteString(pick(names))
			b.WriteString(pick(space))
			b.WriteByte('=')
			b.WriteString(pick(space))
			if r.IntN(2) == 0 {
				b.WriteString(pick(plain))
			} else {
				b.WriteByte('"')
				for k := r.IntN(5); k > 0; k-- {
					b.WriteString(pick(escapes))
				}
				if r.IntN(8) > 0 { // (else the quote is left open)
					b.WriteByte('"')
				}
			}
		}
		b.WriteString(pick(space))
		if n > 0 {
			b.WriteByte(';')
		}
	}
	return b.String()
}

// latin1Text returns the str Django sees for the bytes of s: each byte one character.
func latin1Text(s string) string {
	rs := make([]rune, len(s))
	for i := range len(s) {
		rs[i] = rune(s[i])
	}
	return string(rs)
}

// pythonText returns the str a result of django.ParseCookies stands for: a header's
// bytes pass through as latin-1 characters, while an octal escape gives its character
// in UTF-8. (The headers randomCookieHeader makes hold no raw UTF-8 lead bytes, so the
// two cannot be confused.)
func pythonText(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		c, size := utf8.DecodeRuneInString(s)
		if c == utf8.RuneError && size == 1 {
			c = rune(s[0])
		}
		b.WriteRune(c)
		s = s[size:]
	}
	return b.String()
}
