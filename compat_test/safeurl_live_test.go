package compat_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/djsession/djsession/django"
)

// TestLiveURLHasAllowedHostAndScheme holds Settings.URLHasAllowedHostAndScheme to
// Django's url_has_allowed_host_and_scheme of every version in the matrix, on random
// URLs built to probe open redirects: schemes (upper case, bogus, with a leading digit,
// split by a tab), slashes and backslashes, user info, allowed and foreign hosts, IPv6 and
// IPvFuture brackets, leading and trailing controls, spaces and Unicode oddities, and URLs
// past 2048 characters; with and without require_https.
func TestLiveURLHasAllowedHostAndScheme(t *testing.T) {
	for _, p := range livePeers(t) {
		t.Run("django-"+p.Series, func(t *testing.T) {
			s := django.NewSettings()
			if err := s.ForDjango(p.Django); err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(91, seedOf(p.Django)))
			allowed := []string{"example.com", "example.com:8000", "[::1]"}
			trues := 0
			for i := range 3000 {
				url := randomRedirectURL(r)
				https := r.IntN(4) == 0
				got := s.URLHasAllowedHostAndScheme(url, allowed, https)
				want := p.call(t, map[string]any{"op": "url_has_allowed_host_and_scheme", "url": url,
					"allowed_hosts": allowed, "require_https": https})
				if want["value"] != got {
					t.Fatalf("case %d: %q (require_https %v): Go %v, Django %v", i, url, https, got, want["value"])
				}
				if got {
					trues++
				}
			}
			if trues < 300 || trues > 2700 {
				t.Errorf("%d of 3000 URLs allowed: the generator is lopsided", trues)
			}
		})
	}
}

func randomRedirectURL(r *rand.Rand) string {
	var b strings.Builder
	if r.IntN(5) == 0 {
		b.WriteString(pick(r, " ", "\x01", "\x1c", "\t", "\u2000", "\u200b", "\ue000", "\u0378", "é", "\u3000", "\x7f", "\n"))
	}
	if r.IntN(3) > 0 {
		b.WriteString(pick(r, "http", "https", "HTTPS", "ftp", "javascript", "1http", "h\tttps", "ht\ntp", "http+x", "Http"))
		b.WriteString(pick(r, "://", ":", ":/", ":///", "://", "://", ":\\\\", ":/\\"))
	} else {
		b.WriteString(pick(r, "", "//", "/", "\\\\", "/\\", "\\/", "///", "////", "", "/"))
	}
	if r.IntN(4) == 0 {
		b.WriteString(pick(r, "user@", "a:b@", "evil.com@", "example.com@", "@"))
	}
	b.WriteString(pick(r, "example.com", "example.com:8000", "[::1]", "evil.com", "EXAMPLE.com", "[v1.x]", "[1.2.3.4]",
		"a[::1]", "exa\tmple.com", "example.com:80", "[::1", "::1]", "[zz]", "example.com.", "xn--e1a", "éxample.com", ""))
	b.WriteString(pick(r, "", "/", "/p?q=1#f", "\\evil.com", "?next=//x", "#frag", "/a b", "/%2F%2Fevil", "/\u2028"))
	if r.IntN(8) == 0 {
		b.WriteString(pick(r, " ", "\x00", "\r\n", "\u00a0", "\x1f"))
	}
	if r.IntN(40) == 0 {
		b.WriteString("/" + strings.Repeat("a", 2040+r.IntN(20)))
	}
	return b.String()
}
