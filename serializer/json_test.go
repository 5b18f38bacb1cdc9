package serializer

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// These unit tests pin behaviour in isolation; compat_test holds the same behaviour
// against output of real Django.

func TestAppendFloat(t *testing.T) {
	tests := []struct {
		f    float64
		want string
	}{
		{1.0, "1.0"}, {math.Copysign(0, -1), "-0.0"}, {0, "0.0"}, {1e16, "1e+16"}, {1e15, "1000000000000000.0"},
		{1e21, "1e+21"}, {1e-7, "1e-07"}, {0.1, "0.1"}, {5e-324, "5e-324"}, {123456789.123, "123456789.123"},
		{1e-4, "0.0001"}, {1e-5, "1e-05"}, {9999999999999998, "9999999999999998.0"}, {1.5e300, "1.5e+300"},
		{math.Inf(1), "Infinity"}, {math.Inf(-1), "-Infinity"}, {math.NaN(), "NaN"}, {-2.5, "-2.5"},
	}
	for _, tt := range tests {
		if got := string(AppendFloat(nil, tt.f)); got != tt.want {
			t.Errorf("AppendFloat(%v) = %q, want %q", tt.f, got, tt.want)
		}
	}
}

func TestEncodeStrings(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", `"plain"`},
		{"<>&/'", `"<>&/'"`},
		{"q\"b\\n\nr\rt\tb\bf\f", `"q\"b\\n\nr\rt\tb\bf\f"`},
		{"\x00\x1f\x7f", `"\u0000\u001f\u007f"`},
		{"é✓", `"\u00e9\u2713"`},
		{"😀", `"\ud83d\ude00"`},
		{"\u2028", `"\u2028"`},
		{"\xed\xa0\x80", `"\ud800"`}, // lone surrogate in WTF-8
		{"\ufffd", `"\ufffd"`},
	}
	for _, tt := range tests {
		got, err := EncodeJSON(Str(tt.in))
		if err != nil || string(got) != tt.want {
			t.Errorf("EncodeJSON(%q) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
		back, err := DecodeJSON(got)
		if err != nil || !Equal(back, Str(tt.in)) {
			t.Errorf("DecodeJSON(%s) = %v, %v; want %q", got, back, err, tt.in)
		}
	}
	if _, err := EncodeJSON(Str("\xff")); !errors.Is(err, ErrInvalidUTF8) {
		t.Errorf("invalid UTF-8: err = %v, want ErrInvalidUTF8", err)
	}
}

func TestEncodeKeysAndTypes(t *testing.T) {
	d := NewDict()
	d.Set("z", Int(1))
	d.Set("a", Float(1))
	d.SetKey(Int(7), None())
	d.SetKey(Float(1.5), Bool(true))
	d.SetKey(Bool(false), Tuple(Int(1), Str("x")))
	d.SetKey(None(), List())
	big, _ := new(big.Int).SetString("-1180591620717411303424", 10)
	d.Set("big", BigInt(big))
	got, err := EncodeJSON(DictValue(d))
	want := `{"z":1,"a":1.0,"7":null,"1.5":true,"false":[1,"x"],"null":[],"big":-1180591620717411303424}`
	if err != nil || string(got) != want {
		t.Errorf("got %s, %v\nwant %s", got, err, want)
	}
	bad := NewDict()
	bad.SetKey(Tuple(Int(1)), Int(1))
	if _, err := EncodeJSON(DictValue(bad)); !errors.Is(err, ErrNotJSONSerializable) {
		t.Errorf("tuple key: err = %v", err)
	}
	if _, err := EncodeJSON(Bytes([]byte("x"))); !errors.Is(err, ErrNotJSONSerializable) {
		t.Errorf("bytes: err = %v", err)
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		in   string
		want string // re-encoded
	}{
		{`{"a":1,"b":1.0,"c":-0,"d":-0.0,"e":1E5,"f":1e400,"g":-1e400,"h":1e-400}`,
			`{"a":1,"b":1.0,"c":0,"d":-0.0,"e":100000.0,"f":Infinity,"g":-Infinity,"h":0.0}`},
		{` { "k" : [ 1 , 2 ] , "n" : null } `, `{"k":[1,2],"n":null}`},
		{`[NaN,Infinity,-Infinity,true,false]`, `[NaN,Infinity,-Infinity,true,false]`},
		{`{"a":1,"b":2,"a":3}`, `{"a":3,"b":2}`},
		// Repeated keys however they are read: at the end of the input (fewer than 8
		// bytes left), of 7 and 8 bytes, empty, and spelled with escapes or latin-1 bytes.
		{`{"a":1,"a":2}`, `{"a":2}`},
		{`{"abcdefg":1,"x":0,"abcdefg":2}`, `{"abcdefg":2,"x":0}`},
		{`{"abcdefgh":1,"abcdefgh":2}`, `{"abcdefgh":2}`},
		{`{"":1,"x":5,"":2}`, `{"":2,"x":5}`},
		{`{"ab":1,"a\u0062":2}`, `{"ab":2}`},
		{`{"a\u0062":1,"ab":2,"zz":3}`, `{"ab":2,"zz":3}`},
		{"{\"caf\\u00e9\":1,\"caf\xe9\":2}", `{"caf\u00e9":2}`},
		{`"\u00E9\ud83d\ude00\ud800x\/"`, `"\u00e9\ud83d\ude00\ud800x/"`},
		{"\"caf\xc3\xa9\"", `"caf\u00c3\u00a9"`}, // raw UTF-8 read as latin-1, as Django
		{`123456789012345678901234567890`, `123456789012345678901234567890`},
		{`-123456789012345678`, `-123456789012345678`},
	}
	for _, tt := range tests {
		v, err := DecodeJSON([]byte(tt.in))
		if err != nil {
			t.Errorf("DecodeJSON(%s): %v", tt.in, err)
			continue
		}
		got, _ := EncodeJSON(v)
		if diff := cmp.Diff(tt.want, string(got)); diff != "" {
			t.Errorf("DecodeJSON(%s) re-encoded (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, in := range []string{
		``, ` `, `{`, `[1,]`, `{"a":1,}`, `{'a':1}`, "\"a\x01\"", `01`, `.5`, `+1`, `1 2`, `"abc`,
		`"\x"`, `"\u12"`, `nul`, `[1 2]`, `{"a" 1}`, `{1:2}`, `-`, `-a`, `1.`, `[`, `"\`,
		`1` + strings.Repeat("0", MaxIntDigits),
		strings.Repeat("[", MaxJSONDepth+1) + strings.Repeat("]", MaxJSONDepth+1),
	} {
		if v, err := DecodeJSON([]byte(in)); !errors.Is(err, ErrInvalidJSON) {
			t.Errorf("DecodeJSON(%.40q) = %v, %v; want ErrInvalidJSON", in, v, err)
		}
	}
	if _, err := DecodeJSON([]byte(strings.Repeat("9", MaxIntDigits))); err != nil {
		t.Errorf("%d digits: %v", MaxIntDigits, err)
	}
}

func TestDecodeJSONText(t *testing.T) {
	v, err := DecodeJSONText(`{"name":"Zoë ✓","n":1}`)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := EncodeJSON(v)
	if want := `{"name":"Zo\u00eb \u2713","n":1}`; string(got) != want {
		t.Errorf("got %s want %s", got, want)
	}
	if _, err := DecodeJSONText("\"\xff\""); !errors.Is(err, ErrInvalidJSON) {
		t.Errorf("invalid UTF-8 text: err = %v", err)
	}
}

func TestDictSemantics(t *testing.T) {
	d := NewDict()
	d.SetKey(Int(1), Str("int"))
	d.SetKey(Bool(true), Str("bool")) // same key as 1 in Python: keeps key 1, new value
	d.SetKey(Float(1.0), Str("float"))
	if d.Len() != 1 {
		t.Fatalf("len = %d, want 1", d.Len())
	}
	k := d.Keys()[0]
	if !Equal(k, Int(1)) {
		t.Errorf("key = %v, want the original int 1", k)
	}
	if v, _ := d.GetKey(Int(1)); !Equal(v, Str("float")) {
		t.Errorf("value = %v", v)
	}
	big := NewDict()
	for i := 0; i < 100; i++ {
		big.Set(strings.Repeat("k", i+1), Int(int64(i)))
	}
	big.Delete("kk")
	if v, ok := big.Get("kkk"); !ok || !Equal(v, Int(2)) || big.Has("kk") || big.Len() != 99 {
		t.Errorf("indexed dict: got %v %v len %d", v, ok, big.Len())
	}
	if v, ok := big.Pop("k"); !ok || !Equal(v, Int(0)) {
		t.Errorf("pop: %v %v", v, ok)
	}
}

func TestValueOf(t *testing.T) {
	type Prefs struct {
		Theme string `json:"theme"`
		Size  int    `json:"page_size,omitempty"`
		Skip  string `json:"-"`
	}
	type Sess struct {
		UserID string  `json:"_auth_user_id"`
		Price  float64 `json:"price"`
		Prefs  Prefs   `json:"prefs"`
		Tags   []string
		Nil    *int `json:"nil"`
	}
	v, err := ValueOf(Sess{UserID: "42", Price: 3, Prefs: Prefs{Theme: "dark"}, Tags: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := EncodeJSON(v)
	want := `{"_auth_user_id":"42","price":3.0,"prefs":{"theme":"dark"},"Tags":["a"],"nil":null}`
	if string(got) != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	m, _ := ValueOf(map[string]any{"b": 1, "a": []any{true, nil, uint64(math.MaxUint64)}})
	got, _ = EncodeJSON(m)
	if want := `{"a":[true,null,18446744073709551615],"b":1}`; string(got) != want {
		t.Errorf("got %s want %s", got, want)
	}
	var back Sess
	if err := Unmarshal(v, &back); err != nil || back.UserID != "42" || back.Prefs.Theme != "dark" {
		t.Errorf("Unmarshal: %+v %v", back, err)
	}
	if _, err := ValueOf(make(chan int)); !errors.Is(err, ErrUnsupportedType) {
		t.Errorf("chan: %v", err)
	}
}

// TestShortDecimalMatchesShortest compares the fast path with strconv's shortest
// formatting over many floats with few decimals, near-misses and random doubles.
func TestShortDecimalMatchesShortest(t *testing.T) {
	slow := func(f float64) string {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	r := rand.New(rand.NewPCG(7, 7))
	for i := 0; i < 300000; i++ {
		var f float64
		switch i % 4 {
		case 0:
			f = float64(r.Int64N(2e12)-1e12) / []float64{1, 10, 100, 1000}[r.IntN(4)]
		case 1:
			f = math.Nextafter(float64(r.Int64N(1e6))/100, math.Inf(1))
		case 2:
			f = r.Float64() * math.Pow(10, float64(r.IntN(16)-4))
		default:
			f = -r.Float64() * 1e11
		}
		if math.Abs(f) >= 1e12 || (f != 0 && math.Abs(f) < 1e-4) {
			continue
		}
		if got, ok := appendShortDecimal(nil, f); ok && string(got) != slow(f) {
			t.Fatalf("appendShortDecimal(%v) = %s, want %s", f, got, slow(f))
		}
	}
}

// TestDecodeFloatFastPath compares the decoder's float reading with strconv.ParseFloat
// on decimal texts of every shape the fast path may take.
func TestDecodeFloatFastPath(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for i := 0; i < 200000; i++ {
		var text string
		switch i % 3 {
		case 0:
			text = strconv.FormatFloat(r.Float64()*math.Pow(10, float64(r.IntN(30)-10)), 'f', r.IntN(25), 64)
		case 1:
			text = strconv.FormatInt(r.Int64N(1<<62), 10) + "." + strconv.FormatInt(r.Int64N(1e12), 10)
		default:
			text = "0.0" + strconv.FormatUint(r.Uint64(), 10)
		}
		if r.IntN(2) == 0 {
			text = "-" + text
		}
		if !strings.Contains(text, ".") {
			text += ".0"
		}
		want, _ := strconv.ParseFloat(text, 64)
		v, err := DecodeJSON([]byte(text))
		got, ok := v.AsFloat()
		if err != nil || !ok || math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("DecodeJSON(%s) = %v, %v; want %v", text, v, err, want)
		}
	}
}

// TestDecodedDictsMutate edits the dicts of a decoded document, which live inside the
// decoder's result slab, in every way a session handler does (set, grow past the decoded
// size, replace, delete, pop), with garbage collections in between, and checks the
// result against the same edits described as JSON.
func TestDecodedDictsMutate(t *testing.T) {
	in := `{"a":1,"cart":[{"sku":"W1","qty":1},{"sku":"G2","qty":2}],"prefs":{"theme":"dark","n":{"x":[]}},"z":"last"}`
	want := `{"a":2,"cart":[{"sku":"W1","qty":5,"new":"v"},{"qty":2}],"prefs":{"n":{"x":[],"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k18":18,"k19":19}},"added":{"q":true}}`
	v, err := DecodeJSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	d := v.Dict()
	runtime.GC()
	d.Set("a", Int(2))
	cart, _ := d.Get("cart")
	item0 := cart.Items()[0].Dict()
	item0.Set("qty", Int(5))
	item0.Set("new", Str("v"))
	if !cart.Items()[1].Dict().Delete("sku") {
		t.Fatal("Delete of a decoded key reported false")
	}
	prefs, _ := d.Get("prefs")
	if _, ok := prefs.Dict().Pop("theme"); !ok {
		t.Fatal("Pop of a decoded key reported false")
	}
	n, _ := prefs.Dict().Get("n")
	for i := range 20 { // past indexThreshold: the dict grows out of the slab and gets an index
		n.Dict().Set("k"+strconv.Itoa(i), Int(int64(i)))
		runtime.GC()
	}
	d.Delete("z")
	added, _ := DecodeJSON([]byte(`{"q":true}`))
	d.Set("added", added)
	runtime.GC()
	got, err := EncodeJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("after edits (-want +got):\n%s", diff)
	}
	if k10, ok := n.Dict().Get("k10"); !ok || !Equal(k10, Int(10)) {
		t.Errorf("indexed lookup of k10 = %v, %v", k10, ok)
	}
}

// TestDecodedStringsOwnMemory checks that decoded strings, at the root or inside
// containers, with escapes or without, share no memory with the decoder's scratch space
// (reused by the next decode) nor with the []byte given to DecodeJSON (which the caller
// may reuse).
func TestDecodedStringsOwnMemory(t *testing.T) {
	decoders := map[string]func([]byte) (Value, error){
		"DecodeJSON":       DecodeJSON,
		"DecodeJSONString": func(b []byte) (Value, error) { return DecodeJSONString(string(b)) },
		"DecodeJSONText":   func(b []byte) (Value, error) { return DecodeJSONText(string(b)) },
	}
	for _, in := range []string{
		`"caf\u00e9"`, `"plain"`, "\"raw caf\xc3\xa9\"",
		`["caf\u00e9","plain"]`, `{"k\u00e9y":"v\u00e4l","plain":"text"}`,
	} {
		for name, decode := range decoders {
			buf := []byte(in)
			v, err := decode(buf)
			if err != nil {
				t.Fatalf("%s(%q): %v", name, in, err)
			}
			want := v.String()
			for i := range buf {
				buf[i] = 'x'
			}
			// Decodes that fill the scratch space with other strings.
			for _, other := range []string{`"\u00fc\u00fc\u00fc\u00fc\u00fc\u00fc"`, `["\u00fc\u00fc\u00fc","zzzzzzzzzzzz"]`} {
				if _, err := decode([]byte(other)); err != nil {
					t.Fatal(err)
				}
			}
			if got := v.String(); got != want {
				t.Errorf("%s(%q) changed under later decodes: %s, was %s", name, in, got, want)
			}
		}
	}
}

// TestDecodeTextOfEveryLength decodes a container whose text is exactly as long as a size
// class, so that the copy of the text DecodeJSON makes ends where its allocation does:
// under -race (checkptr) this caught a pointer made past that end when no string needed
// decoding.
func TestDecodeTextOfEveryLength(t *testing.T) {
	for n := 4; n <= 1100; n++ {
		in := `["` + strings.Repeat("x", n-4) + `"]`
		v, err := DecodeJSON([]byte(in))
		if err != nil || len(v.Items()) != 1 || v.Items()[0].Len() != n-4 {
			t.Fatalf("%d bytes: %v, %v", n, v, err)
		}
	}
}

// TestByteMasks checks the eight-at-a-time scans against their tables: for a word whose
// bytes before position p are plain and whose byte at p is b, the lowest byte the mask
// marks is p when the table marks b, and no byte at or before p is marked otherwise.
// The bytes after p are random, as they are in real text.
func TestByteMasks(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	masks := []struct {
		name  string
		mask  func(uint64) uint64
		table *[256]bool
	}{
		{"specialBytes", specialBytes, &strSpecial},
		{"escapeBytes", escapeBytes, &needsEscape},
	}
	for _, m := range masks {
		var plain []byte
		for c := range 256 {
			if !m.table[c] {
				plain = append(plain, byte(c))
			}
		}
		for b := range 256 {
			for p := range 8 {
				for range 50 {
					var w [8]byte
					for k := range w {
						w[k] = byte(r.Uint32())
					}
					for k := range p {
						w[k] = plain[r.IntN(len(plain))]
					}
					w[p] = byte(b)
					got := m.mask(load64(string(w[:]), 0))
					first := bits.TrailingZeros64(got) >> 3
					if m.table[b] && first != p {
						t.Fatalf("%s(% x): first marked byte %d, want %d", m.name, w, first, p)
					}
					if !m.table[b] && first <= p {
						t.Fatalf("%s(% x): byte %d marked, want none up to %d", m.name, w, first, p)
					}
				}
			}
		}
	}
}

// TestEncodeInts covers the single-digit shortcut and its edges.
func TestEncodeInts(t *testing.T) {
	for _, n := range []int64{0, 1, 9, 10, 11, 99, -1, -9, -10, math.MaxInt64, math.MinInt64} {
		got, err := EncodeJSON(Int(n))
		if want := strconv.FormatInt(n, 10); err != nil || string(got) != want {
			t.Errorf("EncodeJSON(Int(%d)) = %q, %v; want %q", n, got, err, want)
		}
	}
}

// TestFlatLargeDictIndex checks that a dict of indexThreshold flat entries or more, which
// flatAsm can read whole (when no two keys share a bit), still gets its index.
func TestFlatLargeDictIndex(t *testing.T) {
	var keys []string
	var bits uint64
	for k := 0; len(keys) < 40; k++ {
		key := fmt.Sprint("k", k)
		if bits&keyBit(key) == 0 {
			keys, bits = append(keys, key), bits|keyBit(key)
		}
	}
	for _, n := range []int{indexThreshold - 1, indexThreshold, 40} {
		var b strings.Builder
		b.WriteString(`{"a":{`)
		for k, key := range keys[:n] {
			if k > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"%s":%d`, key, k)
		}
		b.WriteString(`}}                                `)
		v, err := DecodeJSONString(b.String())
		if err != nil {
			t.Fatal(err)
		}
		a, _ := v.Dict().Get("a")
		d := a.Dict()
		if got, want := d.index != nil, n >= indexThreshold; got != want || d.Len() != n {
			t.Errorf("%d entries: index %v, want %v (len %d)", n, got, want, d.Len())
		}
	}
}
