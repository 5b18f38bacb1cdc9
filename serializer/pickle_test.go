package serializer

import (
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestPickleHostile(t *testing.T) {
	small := PickleOptions{MaxInputSize: 64, MaxDepth: 10, MaxMemo: 16, MaxIntBytes: 8, MaxContainers: 50}
	tests := []struct {
		name   string
		data   string
		o      PickleOptions
		target error  // errors.Is target
		msg    string // substring of the message
	}{
		{"empty", "", PickleOptions{}, ErrInvalidPickle, "no STOP"},
		{"huge frame", "\x80\x05\x95\xff\xff\xff\xff\xff\xff\xff\x7fN.", PickleOptions{}, ErrInvalidPickle, "frame of"},
		{"frame one byte off", "\x80\x05\x95\x03\x00\x00\x00\x00\x00\x00\x00N.", PickleOptions{}, ErrInvalidPickle, "frame of"},
		{"BINUNICODE8 2^63", "\x8d\x00\x00\x00\x00\x00\x00\x00\x80.", PickleOptions{}, ErrInvalidPickle, "truncated"},
		{"BINBYTES 4GB", "B\xff\xff\xff\xff.", PickleOptions{}, ErrInvalidPickle, "truncated"},
		{"BYTEARRAY8 huge", "\x96\xff\xff\xff\xff\xff\xff\xff\xff.", PickleOptions{}, ErrInvalidPickle, "truncated"},
		{"LONG4 huge", "\x8b\xff\xff\xff\x7f.", PickleOptions{}, ErrPickleLimit, "MaxIntBytes"},
		{"LONG4 negative", "\x8b\xff\xff\xff\xff.", PickleOptions{}, ErrInvalidPickle, "negative"},
		{"LONG1 over limit", "\x8a\x09\x01\x02\x03\x04\x05\x06\x07\x08\x09.", small, ErrPickleLimit, "MaxIntBytes"},
		{"text int over limit", "L" + strings.Repeat("9", 40) + "L\n.", small, ErrPickleLimit, "MaxIntBytes"},
		{"memo index huge", "Nr\xff\xff\xff\xff.", PickleOptions{}, ErrPickleLimit, "MaxMemo"},
		{"memo text index huge", "Np99999999999\n.", PickleOptions{}, ErrPickleLimit, "MaxMemo"},
		{"memo get missing", "h\x05.", PickleOptions{}, ErrInvalidPickle, "memo key 5"},
		{"input too large", strings.Repeat("N0", 40) + "N.", small, ErrPickleLimit, "MaxInputSize"},
		{"too deep", strings.Repeat("]", 12) + strings.Repeat("a", 11) + ".", small, ErrPickleLimit, "MaxDepth"},
		{"too many containers", strings.Repeat("]0", 60) + "N.", PickleOptions{MaxContainers: 50}, ErrPickleLimit, "MaxContainers"},
		{"too many dicts", strings.Repeat("}\x940", 60) + "N.", PickleOptions{MaxContainers: 50}, ErrPickleLimit, "MaxContainers"},
		{"memo full of strs", strings.Repeat("\x8c\x01a\x940", 20) + "N.", PickleOptions{MaxMemo: 16}, ErrPickleLimit, "MaxMemo"},
		{"recursive list", "]\x94h\x00a.", PickleOptions{}, ErrInvalidPickle, "recursive"},
		{"unhashable key", "}]K\x01s.", PickleOptions{}, ErrInvalidPickle, "unhashable"},
		{"unhashable set item", "\x8f(]\x90.", PickleOptions{}, ErrInvalidPickle, "unhashable"},
		{"os.system", "cos\nsystem\n(S'true'\ntR.", PickleOptions{}, ErrRefusedGlobal, "refusing global os.system"},
		{"lazy string", "\x80\x04\x8c\x17django.utils.functional\x8c\t__proxy__\x93.", PickleOptions{}, ErrRefusedGlobal,
			"serializer: pickle: refusing global django.utils.functional.__proxy__"},
		{"INST", "(ios\nsystem\n.", PickleOptions{}, ErrRefusedGlobal, "os.system"},
		{"getattr of another attribute", "c__builtin__\ngetattr\n(cuuid\nUUID\nS'x'\ntR.", PickleOptions{}, ErrInvalidPickle, ""},
		{"reconstructor of a class", "ccopy_reg\n_reconstructor\n(ccollections\nOrderedDict\n", PickleOptions{}, ErrRefusedGlobal, "collections.OrderedDict"},
		{"protocol 6", "\x80\x06N.", PickleOptions{}, ErrInvalidPickle, "protocol"},
		{"out-of-band buffer", "\x80\x05\x97.", PickleOptions{}, ErrInvalidPickle, "out-of-band"},
		{"persistent id", "Pfoo\n.", PickleOptions{}, ErrInvalidPickle, "persistent"},
		{"bare class", "cdatetime\ndate\n.", PickleOptions{}, ErrInvalidPickle, "bare class"},
		{"stack underflow", "a.", PickleOptions{}, ErrInvalidPickle, "underflow"},
		{"SETITEMS on a dict below two marks", "}((u0.", PickleOptions{}, ErrInvalidPickle, "underflow"}, // (found by FuzzPickleLoads)
		{"SETITEMS with pairs on a dict below two marks", "}((K\x01K\x02u.", PickleOptions{}, ErrInvalidPickle, "underflow"},
		{"invalid utf-8", "X\x01\x00\x00\x00\xff.", PickleOptions{}, ErrInvalidPickle, "UTF-8"},
		{"bad date", "cdatetime\ndate\nC\x04\x07\xe8\x02\x1e\x85R.", PickleOptions{}, ErrInvalidPickle, "day is out of range"},
		{"uuid without state", "\x80\x02cuuid\nUUID\n)\x81.", PickleOptions{}, ErrInvalidPickle, "without state"},
		{"uuid too big", "\x80\x02cuuid\nUUID\n)\x81}X\x03\x00\x00\x00int\x8a\x11" + strings.Repeat("\xff", 16) + "\x01sb.", PickleOptions{}, ErrInvalidPickle, "int out of range"},
		{"timezone 24h", "cdatetime\ntimezone\ncdatetime\ntimedelta\nK\x01\x85R\x85R.", PickleOptions{}, ErrInvalidPickle, "strictly between"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := UnpickleWith([]byte(tt.data), tt.o)
			if err == nil {
				t.Fatalf("decoded %v, want an error", v)
			}
			if !errors.Is(err, tt.target) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v; want %v containing %q", err, tt.target, tt.msg)
			}
			if !errors.Is(err, ErrInvalidPickle) {
				t.Fatalf("err %v does not match ErrInvalidPickle", err)
			}
		})
	}
}

// TestPickleTruncations cuts a rich pickle at every length and flips every byte: each
// result is an error or a value, never a panic.
func TestPickleTruncations(t *testing.T) {
	v := richValue(t)
	for _, proto := range []int{PickleProtocol0, 1, 2, 3, 4, 5} {
		data, err := PickleWith(v, PickleOptions{Protocol: proto})
		if err != nil {
			t.Fatal(err)
		}
		for i := range data {
			if _, err := PickleLoads(data[:i]); err == nil {
				t.Errorf("proto %d: prefix of %d bytes decoded", proto, i)
			}
			mut := append([]byte(nil), data...)
			mut[i] ^= 0xff
			_, _ = PickleLoads(mut)
		}
	}
}

func richValue(t testing.TB) Value {
	t.Helper()
	v, err := DecodeTaggedJSON(`{"a":[1,2.5,null,true,"\u00e9\ud800",{"$bytes":"AAE="}],"b":{"$tuple":[1,{"$set":[1,2]}]},` +
		`"c":{"$datetime":{"iso":"2024-11-03T01:30:00","tz":{"zoneinfo":"America/New_York"},"fold":1}},` +
		`"d":{"$decimal":"1.50"},"e":{"$uuid":"12345678-1234-5678-1234-567812345678"},"f":{"$timedelta":[-1,5,6]},` +
		`"g":{"$dict":[[1,"x"],[{"$tuple":[1,2]},"y"]]},"h":{"$time":"01:02:03+05:30"},"i":{"$date":"2024-02-29"},` +
		`"j":{"$bytearray":"YWJj"},"k":{"$frozenset":["x"]},"l":123456789012345678901234567890}`)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestPickleRoundTripAllProtocols(t *testing.T) {
	v := richValue(t)
	for _, proto := range []int{PickleProtocol0, 1, 2, 3, 4, 5} {
		data, err := PickleWith(v, PickleOptions{Protocol: proto})
		if err != nil {
			t.Fatal(err)
		}
		back, err := PickleLoads(data)
		if err != nil {
			t.Fatalf("proto %d: %v", proto, err)
		}
		want := v
		if proto < 4 { // fold needs protocol 4
			c, _ := v.Dict().Get("c")
			d := v.Dict().Clone()
			d.Set("c", withoutFold(c))
			want = DictValue(d)
		}
		if !Equal(back, want) {
			t.Errorf("proto %d: %s", proto, cmp.Diff(want.String(), back.String()))
		}
	}
}

func TestPickleSerializerAndJSONRefusal(t *testing.T) {
	var s Serializer = Pickle{}
	out, err := s.Dumps(Bool(true))
	if err != nil || string(out) != "\x80\x05\x88." {
		t.Fatalf("Dumps(True) = %x, %v; want 80058 82e", out, err)
	}
	out, _ = Pickle{Options: PickleOptions{Protocol: 4}}.Dumps(Int(5))
	if string(out) != "\x80\x04K\x05." {
		t.Errorf("protocol 4: %x", out)
	}
	for _, v := range []Value{Bytearray(nil), mustV(NewSet()), mustV(NewDecimal("1")), NewUUID([16]byte{}),
		mustV(NewDate(2024, 1, 1)), TimedeltaOf(time.Second), DatetimeOf(time.Unix(0, 0).UTC())} {
		if _, err := EncodeJSON(v); !errors.Is(err, ErrNotJSONSerializable) {
			t.Errorf("EncodeJSON(%v) = %v, want ErrNotJSONSerializable", v, err)
		}
	}
}

func mustV(v Value, err error) Value {
	if err != nil {
		panic(err)
	}
	return v
}

func TestPyTypes(t *testing.T) {
	tests := []struct{ in, str string }{
		{"1.50", "1.50"}, {"-0", "-0"}, {"1e3", "1E+3"}, {"1E-7", "1E-7"}, {"0.000001", "0.000001"},
		{"nan", "NaN"}, {"-inf", "-Infinity"}, {"sNaN12", "sNaN12"}, {".5", "0.5"}, {"123.456e2", "12345.6"},
	}
	for _, tt := range tests {
		v, err := NewDecimal(tt.in)
		if s, _ := v.AsDecimal(); err != nil || s != tt.str {
			t.Errorf("NewDecimal(%q) = %q, %v; want %q", tt.in, s, err, tt.str)
		}
	}
	for _, bad := range []string{"", "1e", "abc", "1.2.3", "--1"} {
		if _, err := NewDecimal(bad); err == nil {
			t.Errorf("NewDecimal(%q) accepted", bad)
		}
	}
	// set semantics: 1, 1.0 and True are one element
	s, _ := NewSet(Int(1), Float(1), Bool(true), Str("1"))
	if s.Len() != 2 {
		t.Errorf("set = %v", s)
	}
	if _, err := NewSet(List()); err == nil {
		t.Error("a list was accepted in a set")
	}
	// time.Time conversions
	loc, err := time.LoadLocation("America/New_York")
	if err == nil {
		first := time.Date(2024, 11, 3, 5, 30, 0, 0, time.UTC).In(loc)
		second := first.Add(time.Hour)
		for i, tm := range []time.Time{first, second} {
			d, _ := DatetimeOf(tm).AsDatetime()
			if d.Fold != (i == 1) || d.Hour != 1 {
				t.Errorf("DatetimeOf(%v) = %+v", tm, d)
			}
			back, err := d.Time()
			if err != nil || !back.Equal(tm) {
				t.Errorf("Time() = %v, %v; want %v", back, err, tm)
			}
		}
	}
	td, _ := NewTimedelta(0, -1, 0)
	if got, _ := td.AsTimedelta(); got != (Timedelta{Days: -1, Seconds: 86399}) {
		t.Errorf("timedelta(seconds=-1) = %+v", got)
	}
	b, _ := new(big.Int).SetString("999999999999999999999", 10)
	if _, err := PickleWith(BigInt(b), PickleOptions{}); err != nil {
		t.Error(err)
	}
}

func TestUnpickleFirst(t *testing.T) {
	// FileBasedCache: pickle.dumps(expiry, 5) followed by other bytes.
	data := append([]byte("\x80\x05\x95\n\x00\x00\x00\x00\x00\x00\x00GA\xd9T\xff\xc4\x10\x00\x00."), "x\x9c..."...)
	v, n, err := UnpickleFirst(data, PickleOptions{})
	if f, _ := v.AsFloat(); err != nil || f != 1700003600.25 || n != 21 {
		t.Errorf("UnpickleFirst = %v, %d, %v", v, n, err)
	}
}

// TestPickleWithOwnsItsResult checks that a pickle returned by PickleWith is its own
// memory: PickleWith builds pickles in pooled buffers, and a later pickle must not
// write over an earlier one.
func TestPickleWithOwnsItsResult(t *testing.T) {
	first, err := PickleWith(Str(strings.Repeat("a", 300)), PickleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := string(first)
	for i := range 20 {
		if _, err := PickleWith(Str(strings.Repeat("b", 100*i)), PickleOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if string(first) != want {
		t.Fatal("a later PickleWith changed an earlier result")
	}
	if v, err := PickleLoads(first); err != nil || !Equal(v, Str(strings.Repeat("a", 300))) {
		t.Fatalf("PickleLoads = %v, %v", v, err)
	}
}

// TestPickleShortStrings checks the one-word ASCII test of short SHORT_BINUNICODE strings:
// a byte outside ASCII at any position of a string of up to 9 bytes is seen, whether the
// string is then valid UTF-8 or not.
func TestPickleShortStrings(t *testing.T) {
	for n := 1; n <= 9; n++ {
		for p := range n {
			for _, c := range []struct {
				b    string // n bytes, with these at p
				want string // "" for invalid UTF-8
			}{{"\xff", ""}, {"\x80", ""}, {"\xc3\xa9", "é"}} {
				if p+len(c.b) > n {
					continue
				}
				s := strings.Repeat("a", p) + c.b + strings.Repeat("a", n-p-len(c.b))
				data := "\x80\x05\x8c" + string(rune(n)) + s + "N0N0N0N0."
				v, err := PickleLoads([]byte(data))
				if c.want == "" {
					if !errors.Is(err, ErrInvalidPickle) || !strings.Contains(err.Error(), "UTF-8") {
						t.Errorf("%q: %v, %v; want invalid UTF-8", s, v, err)
					}
					continue
				}
				if got, ok := v.AsStr(); err != nil || !ok || got != s {
					t.Errorf("%q: %v, %v", s, v, err)
				}
			}
		}
	}
}

// TestCopyASCII checks copyASCII against copy and a byte loop, for every length up to 40
// and a byte from 0x80 at every position (or none).
func TestCopyASCII(t *testing.T) {
	for n := range 41 {
		for p := -1; p < n; p++ {
			b := []byte(strings.Repeat("abcdefghij", 5)[:n])
			if p >= 0 {
				b[p] = 0x80 + byte(p)
			}
			s := string(b)
			dst := make([]byte, n+2)
			dst[n], dst[n+1] = '!', '!'
			got := copyASCII(dst[:n], s)
			if want := p < 0; got != want || string(dst[:n]) != s || dst[n] != '!' {
				t.Errorf("len %d, non-ASCII at %d: %v, %q; want %v, %q", n, p, got, dst, want, s)
			}
		}
	}
}

// TestPickleStrValidity checks that pickling a str refuses invalid UTF-8 (as Python cannot
// hold it) and writes valid non-ASCII and WTF-8 strs as they are, whatever their length.
func TestPickleStrValidity(t *testing.T) {
	for _, s := range []string{"\xff", "abc\xff", "abcdefgh\xc3", "\xc3\xa9\xff", strings.Repeat("x", 300) + "\xff"} {
		if out, err := PickleDumps(Str(s)); !errors.Is(err, ErrInvalidUTF8) {
			t.Errorf("%q: %q, %v; want ErrInvalidUTF8", s, out, err)
		}
	}
	for _, s := range []string{"é", "café crème", "\xed\xa0\x80", "✓✓✓✓✓✓✓✓✓", strings.Repeat("é", 200)} {
		out, err := PickleDumps(Str(s))
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if v, err := PickleLoads(out); err != nil || !Equal(v, Str(s)) {
			t.Errorf("%q: pickled as %q, read back as %v, %v", s, out, v, err)
		}
	}
}

// TestUnpickleRepeatedKeys checks that a SETITEMS that repeats a key keeps the key's first
// place and its last value, as dict(pairs) does, in a new dict and in one that has items.
func TestUnpickleRepeatedKeys(t *testing.T) {
	for _, c := range []struct{ data, want string }{
		{"\x80\x05}(\x8c\x01aK\x01\x8c\x01bK\x02\x8c\x01aK\x03u.", `{"a": 3, "b": 2}`},
		{"\x80\x05}(\x8c\x01aK\x01\x8c\x01bK\x02u(\x8c\x01bK\x04\x8c\x01cK\x05u.", `{"a": 1, "b": 4, "c": 5}`},
		{"\x80\x05}(\x8c\x02abK\x01\x8c\x02acK\x02\x8c\x02adK\x03u.", `{"ab": 1, "ac": 2, "ad": 3}`},
		{"\x80\x05}(\x8c\x00K\x01\x8c\x01aK\x02\x8c\x00K\x03u.", `{"": 3, "a": 2}`},
		{"}(u.", `{}`}, // (no pairs at all: found by FuzzRedisDecode)
		{"}(u(\x8c\x01aK\x01u.", `{"a": 1}`},
	} {
		v, err := PickleLoads([]byte(c.data))
		if err != nil || v.String() != c.want {
			t.Errorf("%q: %v, %v; want %s", c.data, v, err, c.want)
		}
	}
}
