package compat_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/djsession/djsession/serializer"
)

// TestLiveJSONReaderMutations holds the JSON reader to Django's JSONSerializer.loads
// (Python's json module) on damaged text: session JSON with random edits drawn from the
// pieces where JSON readers differ (number forms, escapes, surrogates, control and
// non-ASCII bytes, whitespace JSON does not allow, NaN and Infinity, stray delimiters).
// Django must refuse exactly what Go refuses, and what both read must be the same value:
// Django's dumps of its reading, byte for byte, is Go's.
func TestLiveJSONReaderMutations(t *testing.T) {
	for _, p := range livePeers(t) {
		t.Run(p.Series, func(t *testing.T) {
			r := rand.New(rand.NewPCG(11, seriesSeed(p.Series)))
			accepted := 0
			const n = 1500
			for i := range n {
				v := serializer.DictValue(randomSession(r))
				js, err := serializer.EncodeJSON(v)
				if err != nil {
					t.Fatal(err)
				}
				text := mutateJSON(r, string(js))
				goV, goErr := serializer.DecodeJSON([]byte(text))
				resp := p.call(t, map[string]any{"op": "json_roundtrip", "json": latin1Text(text)})
				djOK, _ := resp["ok"].(bool)
				if djOK != (goErr == nil) {
					t.Fatalf("case %d: %q: Django ok=%v (%v: %v), Go error %v", i, text, djOK, resp["error"], resp["message"], goErr)
				}
				if goErr != nil {
					continue
				}
				accepted++
				out, err := serializer.EncodeJSON(goV)
				if err != nil {
					t.Fatalf("case %d: %q: Go read it but cannot write it back: %v", i, text, err)
				}
				if resp["json"] != string(out) {
					t.Fatalf("case %d: %q read differently:\n go     %s\n django %s", i, text, out, resp["json"])
				}
			}
			t.Logf("%d damaged texts: %d read by both as the same value, the rest refused by both", n, accepted)
		})
	}
}

// mutateJSON applies one to four random edits to s: an insertion, a replacement of one
// byte or a deletion of a few.
func mutateJSON(r *rand.Rand, s string) string {
	pieces := []string{
		" ", "\t", "\n", "\r", "\x0b", "\x0c", "\xa0", "\x00", "\x1f", "\x7f", "\xe9", "\xff",
		"0", "-0", "01", "1.", ".5", "1e5", "1E+400", "-1e-400", "1.0e-7", "2e", "+1", "-", "123456789012345678901234567890",
		"NaN", "-NaN", "Infinity", "-Infinity", "infinity", "nan", "null", "true", "false", "tru",
		`"`, `\`, `\"`, `\\`, `\/`, `\b`, `\u00e9`, `\u00E9`, `\ud83d`, `\ude00`, `\ud83d\ude00`, `\u12`, `\x41`, `\U0041`,
		",", ":", "[", "]", "{", "}", "[]", "{}", `"k":1`, `,"k"`, `""`,
	}
	values := []string{
		"-0", "-0.0", "0.0", "1e5", "1E+400", "-1e-400", "1e-400", "1.0e-7", "0.1", "0.30000000000000004",
		"5e-324", "4.9e-324", "2.4e-324", "2.5e-324", "1.7976931348623157e308", "1.7976931348623159e308",
		"9007199254740993", "9007199254740993.0", "123456789012345678901234567890", "-123456789012345678901234567890.5",
		"1.00000000000000011102230246251565404236316680908203125", "1.000000000000000111022302462515654042363166809082031250001",
		"NaN", "Infinity", "-Infinity", `"\ud83d"`, `"\ude00\ud83d"`, `"\ud83d\ude00"`, `"\u00e9\u0000"`, "\"\xe9\xff\x7f\"",
		`"\/\b\f"`, "[ 1 ,\t2 ]", `{"a":1,"a":2}`, `{"a":1,"b":2,"a":3}`, "{ }", " [ ] ", `"a\u0062c"`,
	}
	for n := 1 + r.IntN(4); n > 0; n-- {
		i := r.IntN(len(s) + 1)
		if c := strings.IndexByte(s[i:], ':'); c >= 0 && r.IntN(2) == 0 {
			// Replace the value after a ':' (up to the next delimiter) with an edge value.
			c += i + 1
			end := c + strings.IndexAny(s[c:], ",}]")
			if end >= c {
				s = s[:c] + values[r.IntN(len(values))] + s[end:]
				continue
			}
		}
		switch r.IntN(3) {
		case 0:
			s = s[:i] + pieces[r.IntN(len(pieces))] + s[i:]
		case 1:
			if i < len(s) {
				s = s[:i] + pieces[r.IntN(len(pieces))] + s[i+1:]
			}
		default:
			j := min(len(s), i+1+r.IntN(3))
			s = s[:i] + s[j:]
		}
	}
	return strings.Clone(s)
}

// seriesSeed is a seed of its own for each Django series.
func seriesSeed(series string) uint64 {
	var h uint64 = 14695981039346656037
	for i := range len(series) {
		h = (h ^ uint64(series[i])) * 1099511628211
	}
	return h
}
