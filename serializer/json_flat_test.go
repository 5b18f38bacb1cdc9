//go:build amd64 && !purego

// The tests of flatAsm, which exists only in amd64 builds without purego.

package serializer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/djsession/djsession/internal/fixtureseed"
	"github.com/google/go-cmp/cmp"
)

// flatRef is flatAsm written plainly, byte by byte, for the tests: the same entries read,
// the same raws, the same stops (out is unbounded, so never flatFull).
func flatRef(s string, i int, keys uint64) (next int, out []raw, keysOut uint64, status int) {
	// plain returns the index of the quote that ends the plain string whose contents start
	// at j, or -1. Like flatAsm, it looks at the text 16 bytes at a time and needs all 16.
	plain := func(j int) int {
		for ; len(s)-j >= 16; j += 16 {
			for _, c := range []byte(s[j : j+16]) {
				if c == '"' {
					return j + strings.IndexByte(s[j:j+16], '"')
				}
				if c == '\\' || c < 0x20 || c >= 0x80 {
					return -1
				}
			}
		}
		return -1
	}
	digits := func(j int) int {
		for j < len(s) && '0' <= s[j] && s[j] <= '9' {
			j++
		}
		return j
	}
	if i >= len(s) || s[i] != '"' {
		return i, out, keys, flatStopped
	}
	for {
		start := i
		q := plain(i + 1)
		if q < 0 {
			return start, out, keys, flatStopped
		}
		key := s[i+1 : q]
		bit := keyBit(key)
		if keys&bit != 0 || q+2 >= len(s) || s[q+1] != ':' {
			return start, out, keys, flatStopped
		}
		i = q + 2
		var v raw
		switch c := s[i]; {
		case c == '"':
			e := plain(i + 1)
			if e < 0 {
				return start, out, keys, flatStopped
			}
			v, i = mkRaw(KindStr, uint64(i+1), uint64(e-i-1)), e+1
		case '0' <= c && c <= '9':
			j := i + 1
			if c != '0' {
				j = digits(j)
			}
			if j+1 < len(s) && s[j] == '.' && '0' <= s[j+1] && s[j+1] <= '9' {
				k := digits(j + 1)
				if k >= len(s) || s[k] == 'e' || s[k] == 'E' || k-i-1 > 15 {
					return start, out, keys, flatStopped
				}
				var mant int64
				for _, d := range []byte(s[i:j] + s[j+1:k]) {
					mant = mant*10 + int64(d-'0')
				}
				v, i = mkRaw(KindFloat, 0, math.Float64bits(float64(mant)/math.Pow10(k-j-1))), k
			} else {
				if j-i > 18 || j >= len(s) || s[j] == 'e' || s[j] == 'E' {
					return start, out, keys, flatStopped
				}
				var mant uint64
				for _, d := range []byte(s[i:j]) {
					mant = mant*10 + uint64(d-'0')
				}
				v, i = mkRaw(KindInt, 0, mant), j
			}
		case strings.HasPrefix(s[i:], "true"):
			v, i = mkRaw(KindBool, 0, 1), i+4
		case strings.HasPrefix(s[i:], "false"):
			v, i = mkRaw(KindBool, 0, 0), i+5
		case strings.HasPrefix(s[i:], "null"):
			v, i = raw{}, i+4
		default:
			return start, out, keys, flatStopped
		}
		out = append(out, mkRaw(KindStr, uint64(start+1), uint64(len(key))), v)
		keys |= bit
		if !strings.HasPrefix(s[i:], `,"`) {
			return i, out, keys, flatDelim
		}
		i++
	}
}

// flatAll runs flatAsm from s[i] as parse does, growing out by grow raws whenever it is
// full (from room raws at first).
func flatAll(s string, i int, keys uint64, room, grow int) (int, []raw, uint64, int) {
	out := make([]raw, 0, room)
	for {
		n := len(out)
		next, used, k, st := flatAsm(s, i, out[n:cap(out)], keys)
		out = out[:n+used]
		if st != flatFull {
			return next, out, k, st
		}
		out = slices.Grow(out, grow)
		i, keys = next, k
	}
}

// checkFlat compares flatAsm with flatRef on s from i, with several sizes of out.
func checkFlat(t *testing.T, s string, i int, keys uint64) {
	t.Helper()
	wantNext, wantOut, wantKeys, wantSt := flatRef(s, i, keys)
	for _, room := range []int{0, 1, 2, 3, 5, 64} {
		next, out, k, st := flatAll(s, i, keys, room, 2)
		if next != wantNext || k != wantKeys || st != wantSt || !slices.Equal(out, wantOut) {
			t.Fatalf("%q from %d (room %d): flatAsm = %d, %v, %#x, %d; flatRef = %d, %v, %#x, %d",
				s, i, room, next, out, k, st, wantNext, wantOut, wantKeys, wantSt)
		}
	}
	// Stopped for room, it has written exactly the entries that fit, and stops before
	// the next.
	if len(wantOut) >= 2 {
		out := make([]raw, len(wantOut)-1)
		next, used, _, st := flatAsm(s, i, out, keys)
		if st != flatFull || used != len(wantOut)-2 || !slices.Equal(out[:used], wantOut[:used]) || s[next] != '"' {
			t.Fatalf("%q from %d with room for all but the last entry: next %d, used %d, status %d", s, i, next, used, st)
		}
	}
}

func TestFlatAsm(t *testing.T) {
	pad := strings.Repeat(" ", 20) // room after the entries, for the 16-byte reads
	for _, c := range []struct {
		name   string
		s      string
		st     int
		values []Value // of the entries read, as parse would make them
	}{
		{"strings", `"a":"x","bb":"","ccc":"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"}`, flatDelim, []Value{Str("x"), Str(""), Str(strings.Repeat("y", 33))}},
		{"ints", `"a":0,"b":7,"c":42,"d":123456789012345678}`, flatDelim, []Value{Int(0), Int(7), Int(42), Int(123456789012345678)}},
		{"floats", `"a":3.5,"b":0.25,"c":12345678901234.5,"d":6.0}`, flatDelim, []Value{Float(3.5), Float(0.25), Float(12345678901234.5), Float(6)}},
		{"consts", `"t":true,"f":false,"n":null}`, flatDelim, []Value{Bool(true), Bool(false), None()}},
		{"key lengths", `"1234567":1,"12345678":2,"123456789012345":3,"1234567890123456":4}`, flatDelim, []Value{Int(1), Int(2), Int(3), Int(4)}},
		{"container value", `"a":1,"b":[1]}`, flatStopped, []Value{Int(1)}},
		{"escaped key", `"a":1,"\u00e9":2}`, flatStopped, []Value{Int(1)}},
		{"escaped value", `"a":1,"b":"\n"}`, flatStopped, []Value{Int(1)}},
		{"latin-1 byte", "\"a\":1,\"b\":\"\xe9\"}", flatStopped, []Value{Int(1)}},
		{"control char", "\"a\":1,\"b\":\"\t\"}", flatStopped, []Value{Int(1)}},
		{"repeated key", `"a":1,"a":2}`, flatStopped, []Value{Int(1)}},
		{"space before colon", `"a":1,"b" :2}`, flatStopped, []Value{Int(1)}},
		{"space after colon", `"a":1,"b": 2}`, flatStopped, []Value{Int(1)}},
		{"space after comma", `"a":1, "b":2}`, flatDelim, []Value{Int(1)}},
		{"negative", `"a":1,"b":-2}`, flatStopped, []Value{Int(1)}},
		{"exponent", `"a":1,"b":2e5}`, flatStopped, []Value{Int(1)}},
		{"float exponent", `"a":1,"b":2.5E5}`, flatStopped, []Value{Int(1)}},
		{"19-digit int", `"a":1,"b":1234567890123456789}`, flatStopped, []Value{Int(1)}},
		{"16-digit float", `"a":1,"b":123456789012345.6}`, flatStopped, []Value{Int(1)}},
		{"leading zero", `"a":01}`, flatDelim, []Value{Int(0)}},
		{"dot without digit", `"a":1.}`, flatDelim, []Value{Int(1)}},
		{"tru", `"a":1,"b":tru}`, flatStopped, []Value{Int(1)}},
		{"nul", `"a":1,"b":nul,"c":1}`, flatStopped, []Value{Int(1)}},
		{"NaN", `"a":1,"b":NaN}`, flatStopped, []Value{Int(1)}},
		{"trailing comma", `"a":1,}`, flatDelim, []Value{Int(1)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := c.s + pad
			checkFlat(t, s, 0, 0)
			_, out, _, st := flatRef(s, 0, 0)
			if st != c.st || len(out) != 2*len(c.values) {
				t.Fatalf("flatRef: status %d, %d raws; want %d, %d", st, len(out), c.st, 2*len(c.values))
			}
			d := &decoder{s: s}
			for k, want := range c.values {
				if got := d.scalar(out[2*k+1]); !Equal(got, want) {
					t.Errorf("entry %d: %v, want %v", k, got, want)
				}
			}
		})
	}
	// Near the end of the text, where fewer than 16 bytes follow a string's start, it
	// stops and leaves the rest to parse; it never reads past the end.
	for _, s := range []string{`"a":1}`, `"abc":"def"}`, `"abcdefghijklmn":1`, `"a":1,"bcdefghijklmnopq":"`, `"a":123`, `"a":1.5`, `"a":tru`} {
		for n := range len(s) + 1 {
			checkFlat(t, s[:n], 0, 0)
		}
	}
}

// TestFlatAsmRandom compares flatAsm with flatRef on random objects of the shapes
// sessions hold, with random damage, from every quote.
func TestFlatAsmRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	atoms := []string{`"`, `\`, `:`, `,`, `}`, ` `, "\x01", "\xe9", `e`, `E`, `.`, `-`, `0`, `1`, `9`, `a`, `true`, `false`, `null`, `[`, `{`}
	word := func() string {
		var b strings.Builder
		for range r.IntN(20) {
			b.WriteByte(byte('a' + r.IntN(26)))
		}
		return b.String()
	}
	value := func() string {
		switch r.IntN(7) {
		case 0:
			return `"` + word() + `"`
		case 1:
			return fmt.Sprint(r.Uint64N(1 << uint(r.IntN(64))))
		case 2:
			return fmt.Sprintf("%d.%0*d", r.IntN(100000), 1+r.IntN(12), r.IntN(1000))
		case 3:
			return []string{"true", "false", "null"}[r.IntN(3)]
		case 4:
			return fmt.Sprintf("%g", r.NormFloat64()*1e10)
		case 5:
			return `[1,2]`
		}
		return fmt.Sprint(-r.IntN(100))
	}
	for range 20000 {
		var b strings.Builder
		b.WriteByte('{')
		for k := range r.IntN(8) {
			if k > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"%s":%s`, word(), value())
		}
		b.WriteByte('}')
		s := []byte(b.String())
		for range r.IntN(3) { // damage
			p := r.IntN(len(s))
			s = slices.Insert(s[:p:p], 0, append([]byte(atoms[r.IntN(len(atoms))]), s[p:]...)...)
		}
		text := string(s)
		keys := uint64(0)
		if r.IntN(4) == 0 {
			keys = r.Uint64()
		}
		for i := range len(text) {
			if text[i] == '"' {
				checkFlat(t, text, i, keys)
			}
		}
	}
}

// FuzzFlatAsm compares flatAsm with flatRef on any text, from any offset.
func FuzzFlatAsm(f *testing.F) {
	f.Add(`{"sku":"W1000","qty":1,"price":3.5}                `, 1, uint64(0))
	f.Add(`"a":true,"b":false,"c":null,"d":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}`, 0, uint64(1))
	f.Fuzz(func(t *testing.T, s string, i int, keys uint64) {
		if i < 0 || i > len(s) {
			return
		}
		checkFlat(t, s, i, keys)
	})
}

// TestFlatKeyBits checks that parse finds a repeat of a key that flatAsm read.
func TestFlatKeyBits(t *testing.T) {
	// The bits flatAsm adds are keyBit's, so that parse, which finds repeats by them,
	// sees the keys flatAsm read: a repeat of each is caught, whatever its length.
	for _, k := range []string{"", "a", "abcdefg", "abcdefgh", strings.Repeat("k", 40)} {
		s := fmt.Sprintf(`{"%s":1,"x":2,"%s":3}`, k, k) + strings.Repeat(" ", 32)
		v, err := DecodeJSONString(s)
		if err != nil {
			t.Fatal(err)
		}
		want := NewDict()
		want.Set(k, Int(3))
		want.Set("x", Int(2))
		if diff := cmp.Diff(DictValue(want).String(), v.String()); diff != "" {
			t.Errorf("key %q: (-want +got)\n%s", k, diff)
		}
		_, _, bits, _ := flatRef(s, 1, 0)
		if want := keyBit(k) | keyBit("x"); bits != want {
			t.Errorf("key %q: bits %#x, want %#x", k, bits, want)
		}
	}
}

// decodeBoth decodes data with flatAsm and without it, and fails t unless both give the
// same value, or the same error.
func decodeBoth(t *testing.T, data []byte) {
	t.Helper()
	defer func() { useFlat = haveFlat }()
	useFlat = true
	v1, err1 := DecodeJSON(data)
	useFlat = false
	v2, err2 := DecodeJSON(data)
	if fmt.Sprint(err1) != fmt.Sprint(err2) {
		t.Fatalf("%q: error %v with flatAsm, %v without", data, err1, err2)
	}
	if err1 != nil {
		return
	}
	e1, _ := EncodeJSON(v1)
	e2, _ := EncodeJSON(v2)
	if !Equal(v1, v2) || string(e1) != string(e2) || v1.String() != v2.String() {
		t.Fatalf("%q: %s with flatAsm, %s without", data, e1, e2)
	}
}

// TestFlatDecodeRandom decodes random session-like JSON, with random damage, with flatAsm
// and without it: the values (or the errors, with their offsets) must be the same.
func TestFlatDecodeRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	damage := []string{`"`, `\`, `:`, `,`, `}`, `{`, `]`, ` `, "\x01", "\xe9", `e`, `.`, `-`, `0`, `\u00e9`, `null`}
	var gen func(b *strings.Builder, depth int)
	gen = func(b *strings.Builder, depth int) {
		switch n := r.IntN(10); {
		case n < 3 && depth < 3:
			b.WriteByte('{')
			seen := r.IntN(3) == 0 // repeat a key now and then
			for k := range r.IntN(12) {
				if k > 0 {
					b.WriteByte(',')
				}
				key := fmt.Sprintf("k%d", r.IntN(40))
				if seen && r.IntN(4) == 0 {
					key = "k0"
				}
				fmt.Fprintf(b, "%q:", key)
				gen(b, depth+1)
			}
			b.WriteByte('}')
		case n < 4 && depth < 3:
			b.WriteByte('[')
			for k := range r.IntN(6) {
				if k > 0 {
					b.WriteByte(',')
				}
				gen(b, depth+1)
			}
			b.WriteByte(']')
		case n < 6:
			fmt.Fprintf(b, "%q", strings.Repeat("x", r.IntN(30)))
		case n < 7:
			fmt.Fprintf(b, "%d", r.Int64N(1<<62)>>uint(r.IntN(62)))
		case n < 8:
			fmt.Fprintf(b, "%d.%d", r.IntN(1000), r.IntN(1000))
		case n < 9:
			b.WriteString([]string{"true", "false", "null"}[r.IntN(3)])
		default:
			fmt.Fprintf(b, "%v", r.NormFloat64())
		}
	}
	for range 5000 {
		var b strings.Builder
		b.WriteByte('{')
		for k := range 1 + r.IntN(30) {
			if k > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"key%d":`, k)
			gen(&b, 1)
		}
		b.WriteByte('}')
		data := []byte(b.String())
		decodeBoth(t, data)
		for range 1 + r.IntN(2) {
			p := r.IntN(len(data))
			data = slices.Insert(slices.Clone(data), p, []byte(damage[r.IntN(len(damage))])...)
			decodeBoth(t, data)
		}
	}
}

// FuzzDecodeJSONFlat decodes any input with flatAsm and without it: the values, or the
// errors, must be the same.
func FuzzDecodeJSONFlat(f *testing.F) {
	for _, s := range fixtureseed.Strings(".", "json") {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"sku":"W1000","qty":1,"price":3.5,"a":{"b":true,"c":null},"d":[{"e":1.25}]}`))
	f.Fuzz(func(t *testing.T, data []byte) { decodeBoth(t, data) })
}
