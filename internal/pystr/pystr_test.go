package pystr

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPyStr holds the Python string helpers of the password validators to what Python
// gives (testdata/pystr.json, from scripts/gen_pystr_fixtures.py).
func TestPyStr(t *testing.T) {
	data, err := os.ReadFile("testdata/pystr.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Strings []struct {
			S, Lower, Strip string
			Split           []string
			IsDigit         bool `json:"isdigit"`
		}
		QuickRatio []struct {
			A, B  string
			Ratio float64
		} `json:"quick_ratio"`
		Repr []struct{ Hex, Repr string }
		Set  []struct {
			Ints, Order []string
		}
		Int []struct {
			S     string
			Base  int
			Value *string // (str(int(s, base)); null for a ValueError)
		}
		Float []struct {
			S     string
			Value *string // (repr(float(s)); null for a ValueError)
		}
	}
	if err := json.Unmarshal(data, &fx); err != nil {
		t.Fatal(err)
	}
	if len(fx.Strings) < 10 || len(fx.QuickRatio) < 5 {
		t.Fatalf("too few cases: %d, %d", len(fx.Strings), len(fx.QuickRatio))
	}
	for _, c := range fx.Strings {
		got := []any{Lower(c.S), SplitNonWord(c.S), IsDigit(c.S), Strip(c.S)}
		want := []any{c.Lower, c.Split, c.IsDigit, c.Strip}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%q: lower, split, isdigit, strip (-python +go)\n%s", c.S, d)
		}
	}
	if len(fx.Repr) < 20 {
		t.Fatalf("%d repr cases", len(fx.Repr))
	}
	for _, c := range fx.Repr {
		s, err := hex.DecodeString(c.Hex)
		if err != nil {
			t.Fatal(err)
		}
		if got := Repr(string(s)); got != c.Repr {
			t.Errorf("repr(%q) = %s, Python %s", s, got, c.Repr)
		}
	}
	if len(fx.Set) < 8 {
		t.Fatalf("%d set cases", len(fx.Set))
	}
	for _, c := range fx.Set {
		hashes := make([]int64, len(c.Ints))
		for i, s := range c.Ints {
			n, _ := new(big.Int).SetString(s, 10)
			hashes[i] = HashInt(n)
		}
		var got []string
		for _, i := range SetOrder(hashes) {
			got = append(got, c.Ints[i])
		}
		if d := cmp.Diff(c.Order, got); d != "" {
			t.Errorf("list(set(%v)) (-python +go)\n%s", c.Ints, d)
		}
	}
	if len(fx.Int) < 40 {
		t.Fatalf("%d int cases", len(fx.Int))
	}
	for _, c := range fx.Int {
		n, ok := IntBase(c.S, c.Base)
		got, want := "ValueError", "ValueError"
		if ok {
			got = n.String()
		}
		if c.Value != nil {
			want = *c.Value
		}
		if got != want {
			t.Errorf("int(%q, %d) = %s, Python %s", c.S, c.Base, got, want)
		}
	}
	if len(fx.Float) < 20 {
		t.Fatalf("%d float cases", len(fx.Float))
	}
	for _, c := range fx.Float {
		f, ok := Float(c.S)
		got := fmt.Sprint(f)
		switch {
		case math.IsInf(f, 1):
			got = "inf"
		case math.IsInf(f, -1):
			got = "-inf"
		case math.IsNaN(f):
			got = "nan"
		}
		want := "ValueError"
		if c.Value != nil {
			want = *c.Value
			if v, err := strconv.ParseFloat(want, 64); err == nil && !math.IsInf(v, 0) && !math.IsNaN(v) {
				want = fmt.Sprint(v)
			}
		}
		if !ok {
			got = "ValueError"
		}
		if got != want {
			t.Errorf("float(%q) = %s, Python %s", c.S, got, want)
		}
	}
	for _, c := range fx.QuickRatio {
		if got := QuickRatio(c.A, c.B); got != c.Ratio {
			t.Errorf("quick_ratio(%q, %q) = %v, Python %v", c.A, c.B, got, c.Ratio)
		}
	}
}

func TestLatin1(t *testing.T) {
	for in, want := range map[string]string{
		"":             "",
		"alice":        "alice",
		"Jos\xc3\xa9":  "Jos\u00c3\u00a9", // (UTF-8 bytes read as latin-1, as WSGI reads them)
		"\xe9\x00\xff": "\u00e9\x00\u00ff",
	} {
		if got := Latin1(in); got != want {
			t.Errorf("Latin1(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSplitLines: str.splitlines() as CPython 3.12 answers.
func TestSplitLines(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"a\nb", []string{"a", "b"}},
		{"a\r\nb\r", []string{"a", "b"}},
		{"\n", []string{""}},
		{"", nil},
		{"a\vb\x1cc\u0085d\u2028e\n\n", []string{"a", "b", "c", "d", "e", ""}},
		{"x\r\r\n", []string{"x", ""}},
	} {
		if got := SplitLines(c.in); !slices.Equal(got, c.want) {
			t.Errorf("SplitLines(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestCodec: the names codecs.lookup takes for latin-1 and ASCII, as CPython normalizes
// them.
func TestCodec(t *testing.T) {
	for name, want := range map[string]Encoding{
		"utf-8": UTF8, "UTF8": UTF8, "": UTF8, "cp1252": UTF8, "bogus": UTF8,
		"ISO-8859-1": Latin1Codec, "iso_8859_1": Latin1Codec, "Latin-1": Latin1Codec, "latin": Latin1Codec,
		"L1": Latin1Codec, "ISO 8859-1": Latin1Codec, "cp819": Latin1Codec,
		"us-ascii": ASCII, "ASCII": ASCII, "ANSI_X3.4-1968": ASCII, "646": ASCII,
	} {
		if got := Codec(name); got != want {
			t.Errorf("Codec(%q) = %d, want %d", name, got, want)
		}
	}
}

func TestInt(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string // "" for an error
	}{
		{"42", "42"}, {" -042\t", "-42"}, {"+1_000", "1000"}, {"\u0664\u0662", "42"}, {"\uff11\uff10", "10"},
		{"\U0001D7CE\U0001D7D9", "1"}, {"\x1c7\x1f", ""}, {"\x1f7", ""}, {"\u00857\u3000", "7"},
		{" \t\n\x0b\x0c\r7", "7"}, {"\u20287\u00a0", "7"}, {"99999999999999999999", "99999999999999999999"},
		{"", ""}, {"-", ""}, {"_1", ""}, {"1_", ""}, {"1__0", ""}, {"1.5", ""}, {"0x10", ""}, {"\u00b2", ""}, {"+-1", ""},
	} {
		n, ok := Int(c.in)
		got := ""
		if ok {
			got = n.String()
		}
		if got != c.want {
			t.Errorf("Int(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
}

// TestLowerASCII: A-Z alone change, other bytes (and broken UTF-8) stay.
func TestLowerASCII(t *testing.T) {
	for in, want := range map[string]string{"": "", "bearer": "bearer", "BeArEr": "bearer", "\xc0ÀZ\xff": "\xc0Àz\xff", "İ": "İ"} {
		if got := LowerASCII(in); got != want {
			t.Errorf("LowerASCII(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestKnownCodec: the names codecs.lookup takes, after Python's normalization.
func TestKnownCodec(t *testing.T) {
	for name, want := range map[string]bool{"UTF-8": true, "utf8": true, "latin-1": true, "Latin 1": true, "cp500": true,
		"utf_16": true, "UTF-16LE": true, "koi8-r": true, "iso-8859-15": true, "ansi_x3.4_1968": true, "base64": true,
		"bogus": false, "": false, "utf-9": false} {
		if got := KnownCodec(name); got != want {
			t.Errorf("KnownCodec(%q) = %v", name, got)
		}
	}
}
