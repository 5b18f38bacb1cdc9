package django

import (
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// TestParseCookiesPythonEdges covers the places where Python's reading of a Cookie header
// differs from a plain one (each checked live against Django by compat_test's
// TestLiveParseCookies): str.strip() also removes the latin-1 characters \x85 and \xa0,
// and _unquote keeps a backslash before a newline.
func TestParseCookiesPythonEdges(t *testing.T) {
	tests := []struct {
		header string
		want   map[string]string
	}{
		{"\xa0sessionid\x85=\x85abc\xa0", map[string]string{"sessionid": "abc"}},
		{"\x1csessionid=\"abc\"\xa0", map[string]string{"sessionid": "abc"}},
		{"a=\"x\\\ny\"", map[string]string{"a": "x\\\ny"}},
		{"a=\"x\\\ry\"", map[string]string{"a": "x\ry"}},
		{"a=\"\\351\\377\\400\"", map[string]string{"a": "éÿ400"}},
		{"a=\"x\\\"", map[string]string{"a": "x\\"}},
		{"\xa0;\x85", map[string]string{}},
	}
	for _, tt := range tests {
		got := ParseCookies([]string{tt.header})
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("ParseCookies(%q) (-want +got):\n%s", tt.header, d)
		}
		for name, want := range tt.want {
			if v, ok := lookupCookie([]string{tt.header}, name); !ok || v != want {
				t.Errorf("lookupCookie(%q, %q) = %q, %v; want %q", tt.header, name, v, ok, want)
			}
		}
	}
}

// FuzzParseCookies checks, on any header, that lookupCookie (which the middleware uses)
// finds exactly what ParseCookies finds, and that UnquoteCookieValue undoes
// QuoteCookieValue.
func FuzzParseCookies(f *testing.F) {
	for _, s := range []string{
		"sessionid=abc", ` a=1; b = "x\073y" ; novalue; c=; a=2`, "\xa0sessionid\x85=\"\\351\"",
		"a=\"x\\\ny\"; a=\"", "=;=;;", "sessionid", `"\\\"`,
	} {
		f.Add(s, "sessionid")
	}
	f.Fuzz(func(t *testing.T, header, name string) {
		all := ParseCookies([]string{header, header})
		for _, n := range []string{name, "sessionid"} {
			if n == "" {
				continue // (a part without '=' is the "" name, which lookupCookie never asks for)
			}
			want, wantOK := all[n]
			if got, ok := lookupCookie([]string{header, header}, n); got != want || ok != wantOK {
				t.Errorf("lookupCookie(%q, %q) = %q, %v; ParseCookies has %q, %v", header, n, got, ok, want, wantOK)
			}
		}
		for n, v := range all {
			if n == "" {
				continue
			}
			if got, ok := lookupCookie([]string{header}, n); !ok || got != v {
				t.Errorf("lookupCookie(%q, %q) = %q, %v; want %q", header, n, got, ok, v)
			}
		}
		if utf8.ValidString(header) {
			if back := UnquoteCookieValue(QuoteCookieValue(header)); back != header {
				t.Errorf("UnquoteCookieValue(QuoteCookieValue(%q)) = %q", header, back)
			}
		}
	})
}
