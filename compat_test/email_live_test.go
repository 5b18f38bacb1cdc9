package compat_test

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/djsession/djsession/django"
)

// emailCases returns n addresses built to probe validate_email's every rule: dot-atoms
// and quoted strings (escapes, control characters, the non-ASCII characters Python's
// case-insensitive matching takes for ASCII letters), domains of ASCII and non-ASCII
// labels (IDNA 2003 mappings, prohibited and bidi characters, fullwidth dots, lengths
// around 63), top-level labels with digits or xn--, IPv4 and IPv6 literals (leading
// zeros, "::", embedded IPv4, over 39 characters), "localhost", and lengths around 320.
func emailCases(rnd *rand.Rand, n int) []string {
	pick := func(xs ...string) string { return xs[rnd.IntN(len(xs))] }
	repeat := func(alphabet []string, lo, hi int) string {
		var b strings.Builder
		for range lo + rnd.IntN(hi-lo+1) {
			b.WriteString(alphabet[rnd.IntN(len(alphabet))])
		}
		return b.String()
	}
	// Each alphabet is mostly characters that pass, with a few that do not (or only in
	// some versions), so that both answers are common.
	mix := func(good, odd string) []string {
		g, o := strings.Split(good, "|"), strings.Split(odd, "|")
		for range 30 {
			o = append(o, g...)
		}
		return o
	}
	userChars := mix("a|Z|0|j|_|+", ".|-|!|#|$|%|&|'|*|/|=|?|^|`|{|}|~|\u0130|\u0131|\u017f|\u212a|\u00e9| |\"|\\|@|(|,|\x00|\x7f|..")
	quotedChars := mix("a|Z| |@|\\\"", "\\\\|\\a|\"|\x01|\x7f|\t|\n|\\\n|\\\t|\u017f|\u212a|\u00e9")
	labelChars := mix("a|b|z|Z|0|9|\u00e9|\u4e2d", "-|_|\u00c9|\u00df|\u00fc|\u0130|\u0131|\u017f|\u212a|\u00ad|\u200b|\u0627|\u05d0|\uff21|\U0001f600|\u00a0|\u00a1|\u0080| |!")
	tldChars := mix("a|b|z|C|\u00e9", "0|-|\u4e2d|\u0130|\u00ad|\U0001f600")
	dots := []string{".", ".", ".", ".", ".", ".", ".", ".", "\u3002", "\uff0e", ".."}
	hex := func() string { return repeat(strings.Split("0|1|a|F|f|00", "|"), 1, 3) }
	ipv4 := func() string {
		return pick("1", "01", "255", "256", "0", "10") + "." + pick("2", "02", "0", "300") + "." + pick("3", "", "033") + "." + pick("4", "255", "4.5", "")
	}
	ipv6 := func() string {
		parts := make([]string, 1+rnd.IntN(9))
		for i := range parts {
			parts[i] = pick(hex(), hex(), "", "0000", "12345")
		}
		s := strings.Join(parts, ":")
		if rnd.IntN(3) == 0 {
			s += ":" + ipv4()
		}
		return pick(s, "::", "::1", "::ffff:"+ipv4(), "0000:0000:0000:0000:0000:ffff:"+ipv4(), "1::2::3", ":1::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9")
	}
	domain := func() string {
		switch rnd.IntN(12) {
		case 0:
			return "[" + ipv4() + "]"
		case 1:
			return "[" + ipv6() + "]"
		case 2:
			return pick("localhost", "LOCALHOST", "localhost.", "[localhost]", "", "[]", "[::1", "example.com.")
		}
		labels := make([]string, 1+rnd.IntN(4))
		for i := range labels {
			switch rnd.IntN(10) {
			case 0:
				labels[i] = repeat([]string{"a", "a", "\u00e9"}, 60, 66)
			case 1:
				labels[i] = pick("xn--", "XN--", "xn--") + repeat(strings.Split("a|0|a|0|\u017f|-", "|"), 0, 8)
			default:
				labels[i] = repeat(labelChars, 1, 8)
			}
		}
		if len(labels) > 1 && rnd.IntN(3) > 0 {
			labels[len(labels)-1] = repeat(tldChars, 1, 6)
		} else if len(labels) == 1 && rnd.IntN(2) == 0 {
			labels = append(labels, repeat(tldChars, 2, 5))
		}
		var b strings.Builder
		for i, l := range labels {
			if i > 0 {
				b.WriteString(dots[rnd.IntN(len(dots))])
			}
			b.WriteString(l)
		}
		return b.String()
	}
	user := func() string {
		if rnd.IntN(5) == 0 {
			return "\"" + repeat(quotedChars, 0, 6) + pick("\"", "\"", "\"", "")
		}
		return repeat(userChars, 1, 10)
	}
	out := []string{"", "@", "a@b", "a@b.co", "a@localhost", "a@[1.2.3.4]", "\"\"@example.com", "a@b@example.com",
		strings.Repeat("a", 64) + "@" + strings.Repeat("b", 250) + ".com", strings.Repeat("a", 300) + "@example.com"}
	for len(out) < n {
		v := user() + pick("@", "@", "@", "@", "@", "@@", "") + domain()
		if rnd.IntN(20) == 0 {
			v = strings.Repeat("x", 300+rnd.IntN(30)) + v
		}
		out = append(out, v)
	}
	return out
}

// TestLiveIsValidEmail holds Settings.IsValidEmail to Django's validate_email, for every
// version, on 5000 generated addresses (emailCases): it must accept exactly what Django
// accepts.
func TestLiveIsValidEmail(t *testing.T) {
	for _, p := range livePeers(t) {
		t.Run(p.Series, func(t *testing.T) {
			cases := emailCases(rand.New(rand.NewPCG(5, seedOf(p.Django))), 5000)
			in, _ := json.Marshal(cases)
			var want struct{ Valid []bool }
			runScriptJSON(t, p.Series, "", string(in), &want, "email_oracle.py")
			if len(want.Valid) != len(cases) {
				t.Fatalf("Django answered %d of %d", len(want.Valid), len(cases))
			}
			s := django.NewSettings()
			if err := s.ForDjango(p.Django); err != nil {
				t.Fatal(err)
			}
			valid, bad := 0, 0
			for i, v := range cases {
				if want.Valid[i] {
					valid++
				}
				if got := s.IsValidEmail(v); got != want.Valid[i] {
					if bad++; bad <= 20 {
						t.Errorf("%+q: Go %v, Django %v", v, got, want.Valid[i])
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d differ", bad, len(cases))
			}
			if valid < 300 || valid > len(cases)-300 {
				t.Errorf("Django accepts %d of %d: the cases test too little", valid, len(cases))
			}
		})
	}
}
