package serializer

import (
	"math"
	"math/big"
	"testing"
)

// TestPickleCPythonQuirks pins what CPython's C unpickler (Django's pickle.loads) makes
// of hand-made or damaged pickles, as CPython 3.13 answered for each of these inputs when
// this was written; the live TestPickleLiveMutations keeps checking such inputs against
// CPython itself.
func TestPickleCPythonQuirks(t *testing.T) {
	big20, _ := new(big.Int).SetString("99999999999999999999", 10)
	hex1f, _ := new(big.Int).SetString("295147905179352825855", 10)
	dec, _ := NewDecimal("1.5")
	td, _ := NewTimedelta(8, 3600*2+60*3+4, 5006)
	refused := Value{kind: kindUnset}
	tests := []struct {
		name string
		in   string
		want Value // refused: CPython raises
	}{
		// INT: C's strtol with base 0, a NUL ends the number, a three-byte line of 0 or 1
		// is a bool; else Python's int(line, 0).
		{"INT 00", "I00\n.", Bool(false)},
		{"INT +1", "I+1\n.", Bool(true)},
		{"INT space 1", "I 1\n.", Bool(true)},
		{"INT -1", "I-1\n.", Int(-1)},
		{"INT -0", "I-0\n.", Bool(false)},
		{"INT 1 space", "I1 \n.", Int(1)},
		{"INT 0 NUL", "I0\x00\n.", Bool(false)},
		{"INT NUL", "I\x00\n.", Int(0)},
		{"INT NUL digits", "I\x002500\n.", Int(0)},
		{"INT 1 NUL 2", "I1\x002\n.", Int(1)},
		{"INT octal", "I010\n.", Int(8)},
		{"INT 07", "I07\n.", Int(7)},
		{"INT 08", "I08\n.", refused},
		{"INT hex", "I0x1f\n.", Int(31)},
		{"INT 0o", "I0o17\n.", Int(15)},
		{"INT 0b", "I0b11\n.", Int(3)},
		{"INT underscores", "I1_000\n.", Int(1000)},
		{"INT 0x_", "I0x_1f\n.", Int(31)},
		{"INT 1__0", "I1__0\n.", refused},
		{"INT big", "I99999999999999999999\n.", BigInt(big20)},
		{"INT big hex", "I0xfffffffffffffffff\n.", BigInt(hex1f)},
		{"INT big octal", "I0777777777777777777777777\n.", refused},
		{"INT vtab", "I\x0b1\n.", Bool(true)},
		{"INT 1e3", "I1e3\n.", refused},
		{"INT empty", "I\n.", refused},
		// LONG: int(line, 0), an 'L' before the newline dropped.
		{"LONG 12L", "L12L\n.", Int(12)},
		{"LONG 12LL", "L12LL\n.", refused},
		{"LONG 01", "L01\n.", refused},
		{"LONG 00", "L00\n.", Int(0)},
		{"LONG 0_0", "L0_0\n.", Int(0)},
		{"LONG hex", "L0x1fL\n.", Int(31)},
		{"LONG NUL", "L\x00\n.", refused},
		{"LONG 1 NUL 2", "L1\x002\n.", Int(1)},
		// FLOAT: no white space, a NUL ends it, overflow an error.
		{"FLOAT 1.5", "F1.5\n.", Float(1.5)},
		{"FLOAT space 1.5", "F 1.5\n.", refused},
		{"FLOAT 1.5 space", "F1.5 \n.", refused},
		{"FLOAT NUL", "F1.5\x00x\n.", Float(1.5)},
		{"FLOAT 1e500", "F1e500\n.", refused},
		{"FLOAT 1e-500", "F1e-500\n.", Float(0)},
		{"FLOAT -Infinity", "F-Infinity\n.", Float(math.Inf(-1))},
		{"FLOAT 1.", "F1.\n.", Float(1)},
		{"FLOAT .5", "F.5\n.", Float(0.5)},
		{"FLOAT 1_0.5", "F1_0.5\n.", refused},
		{"FLOAT hex", "F0x1p3\n.", refused},
		{"FLOAT 1e", "F1e\n.", refused},
		// PUT and GET: int(line, 10).
		{"PUT GET spaces", "Np 1 \n0g1\x00\n.", None()},
		{"PUT 01 GET 1_0", "Np1_0\n0g010\n.", None()},
		{"PUT negative", "Np-1\n.", refused},
		{"GET hex", "Np1\n0g0x1\n.", refused},
		// Python 2 names are mapped only below protocol 3.
		{"__builtin__ at protocol 2", "\x80\x02c__builtin__\nbytes\n)R.", Bytes(nil)},
		{"__builtin__ at protocol 3", "\x80\x03c__builtin__\nbytes\n)R.", refused},
		// Codec names as codecs.lookup normalizes them; UTF-8 and ASCII too.
		{"latin BEL", "\x80\x03c_codecs\nencode\nX\x02\x00\x00\x00\xc3\xa9X\x06\x00\x00\x00latin\x07\x86R.", Bytes([]byte{0xe9})},
		{"Latin 1", "\x80\x03c_codecs\nencode\nX\x02\x00\x00\x00\xc3\xa9X\x07\x00\x00\x00Latin 1\x86R.", Bytes([]byte{0xe9})},
		{"latin.1", "\x80\x03c_codecs\nencode\nX\x02\x00\x00\x00\xc3\xa9X\x07\x00\x00\x00latin.1\x86R.", refused},
		{"encode default utf-8", "\x80\x03c_codecs\nencode\nX\x02\x00\x00\x00\xc3\xa9\x85R.", Bytes([]byte{0xc3, 0xa9})},
		{"encode with errors", "\x80\x03c_codecs\nencode\nX\x01\x00\x00\x00aX\x05\x00\x00\x00asciiX\x05\x00\x00\x00bogus\x87R.", Bytes([]byte("a"))},
		{"bytes of an int", "\x80\x03cbuiltins\nbytes\nK\x03\x85R.", Bytes([]byte{0, 0, 0})},
		// Decimal(str) drops white space around and underscores anywhere; a None context.
		{"Decimal spaces", "\x80\x03cdecimal\nDecimal\nX\x07\x00\x00\x00 _1._5\x0b\x85R.", dec},
		{"Decimal context", "\x80\x03cdecimal\nDecimal\nX\x03\x00\x00\x001.5N\x86R.", dec},
		// timedelta's seven arguments, bools for ints.
		{"timedelta 7 args", "\x80\x03cdatetime\ntimedelta\n(K\x01K\x04K\x06K\x05K\x03K\x02K\x01\x88t0(\x88K\x04K\x06K\x05K\x03K\x02K\x01tR.", td},
		// NEWOBJ of the classes whose __new__ does the work, and of set (left empty).
		{"NEWOBJ date", "\x80\x04\x8c\x08datetime\x8c\x04date\x93C\x04\x07\xd7\x04\x18\x85\x81.", mustDate(t, 2007, 4, 24)},
		{"NEWOBJ set", "\x80\x04\x8c\x08builtins\x8c\x03set\x93](K\x01e\x85\x81.", mustSet(t)},
		// READONLY_BUFFER leaves bytes as they are.
		{"READONLY_BUFFER bytes", "\x80\x05C\x02ab\x98.", Bytes([]byte("ab"))},
		// (CPython makes a memoryview of a bytearray, which has no form here: refused.)
		{"READONLY_BUFFER bytearray", "\x80\x05\x96\x02\x00\x00\x00\x00\x00\x00\x00ab\x98.", refused},
	}
	for _, tt := range tests {
		got, err := PickleLoads([]byte(tt.in))
		switch {
		case tt.want.kind == kindUnset:
			if err == nil {
				t.Errorf("%s: %q read as %v; CPython refuses it", tt.name, tt.in, got)
			}
		case err != nil:
			t.Errorf("%s: %q: %v; CPython reads %v", tt.name, tt.in, err, tt.want)
		case got.Kind() != tt.want.Kind() || !Equal(got, tt.want):
			t.Errorf("%s: %q read as %v (%v); CPython reads %v (%v)", tt.name, tt.in, got, got.Kind(), tt.want, tt.want.Kind())
		}
	}
}

func mustDate(t *testing.T, y, m, d int) Value {
	v, err := NewDate(y, m, d)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustSet(t *testing.T) Value {
	v, err := NewSet()
	if err != nil {
		t.Fatal(err)
	}
	return v
}
