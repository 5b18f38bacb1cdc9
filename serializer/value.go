// Package serializer holds the Python value model that Django sessions are made of, and
// Python-exact serializers for it: Django's JSONSerializer (compact, ensure_ascii JSON,
// read as latin-1).
//
// A session in Django is a Python dict. Go maps lose insertion order and cannot tell the int
// 1 from the float 1.0, so values are held in [Value], a small tagged union that keeps what
// Python keeps: ordered dicts ([Dict]), int vs float, ints of any size, None, lists and
// tuples, and room for the types pickle carries (set, bytes, datetime, Decimal, UUID).
//
//	v, err := serializer.DecodeJSON([]byte(`{"_auth_user_id":"42","n":1.0}`))
//	d := v.Dict()
//	id, _ := d.Get("_auth_user_id")   // Str "42"
//	n, _ := d.Get("n")                // Float 1.0, not Int 1
//	out, _ := serializer.EncodeJSON(v) // the same bytes Django writes
package serializer

import (
	"fmt"
	"math"
	"math/big"
	"strings"
	"unsafe"
)

// Kind is the Python type of a [Value].
type Kind uint8

// The kinds of Python value the model holds. The zero Value is None.
const (
	KindNone      Kind = iota // None
	KindBool                  // bool
	KindInt                   // int (any size)
	KindFloat                 // float
	KindStr                   // str
	KindList                  // list
	KindTuple                 // tuple
	KindDict                  // dict
	KindBytes                 // bytes
	KindSet                   // set
	KindFrozenSet             // frozenset
	KindBytearray             // bytearray
	KindDatetime              // datetime.datetime
	KindDate                  // datetime.date
	KindTime                  // datetime.time
	KindTimedelta             // datetime.timedelta
	KindDecimal               // decimal.Decimal
	KindUUID                  // uuid.UUID
)

var kindNames = [...]string{"NoneType", "bool", "int", "float", "str", "list", "tuple", "dict", "bytes",
	"set", "frozenset", "bytearray", "datetime", "date", "time", "timedelta", "Decimal", "UUID"}

// String returns the Python type name of k ("int", "dict", "NoneType", ...).
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Value is one Python value. The zero Value is None. Values are small and are passed by
// value; lists, tuples and dicts share their contents when copied, as Python objects do.
//
// Strings are Go strings holding UTF-8. Python strings may contain lone surrogates
// (U+D800–U+DFFF), which UTF-8 cannot; they are held in the WTF-8 form (the three-byte
// encoding of the surrogate code point) so that they survive a round trip.
type Value struct {
	// The layout keeps Value at three words, which matters for decoding speed:
	// ptr is the data of a str or bytes, the first element of a list or tuple, the *Dict of
	// a dict, or the *big.Int of an int that does not fit in an int64 (nil otherwise);
	// num is a bool (0/1), an int64, float bits, or the length of str/bytes/list/tuple.
	ptr  unsafe.Pointer
	num  uint64
	kind Kind
}

func mkStr(k Kind, s string) Value {
	return Value{kind: k, ptr: unsafe.Pointer(unsafe.StringData(s)), num: uint64(len(s))}
}

func mkList(k Kind, vs []Value) Value {
	return Value{kind: k, ptr: unsafe.Pointer(unsafe.SliceData(vs)), num: uint64(len(vs))}
}

func mkDict(d *Dict) Value { return Value{kind: KindDict, ptr: unsafe.Pointer(d)} }

// s returns the contents of a str or bytes.
func (v Value) s() string { return unsafe.String((*byte)(v.ptr), int(v.num)) }

// list returns the elements of a list or tuple.
func (v Value) list() []Value { return unsafe.Slice((*Value)(v.ptr), int(v.num)) }

// dictp returns the *Dict of a dict.
func (v Value) dictp() *Dict { return (*Dict)(v.ptr) }

// bigp returns the *big.Int of a large int.
func (v Value) bigp() (*big.Int, bool) {
	if v.kind == KindInt && v.ptr != nil {
		return (*big.Int)(v.ptr), true
	}
	return nil, false
}

// None is Python's None.
func None() Value { return Value{} }

// Bool returns a Python bool.
func Bool(b bool) Value {
	if b {
		return Value{kind: KindBool, num: 1}
	}
	return Value{kind: KindBool}
}

// Int returns a Python int.
func Int(i int64) Value { return Value{kind: KindInt, num: uint64(i)} }

// BigInt returns a Python int of any size. The value is copied; ints that fit in an int64
// are stored as such.
func BigInt(b *big.Int) Value {
	if b.IsInt64() {
		return Int(b.Int64())
	}
	return Value{kind: KindInt, ptr: unsafe.Pointer(new(big.Int).Set(b))}
}

// Float returns a Python float.
func Float(f float64) Value { return Value{kind: KindFloat, num: math.Float64bits(f)} }

// Str returns a Python str.
func Str(s string) Value { return mkStr(KindStr, s) }

// Bytes returns a Python bytes object.
func Bytes(b []byte) Value { return mkStr(KindBytes, string(b)) }

// List returns a Python list holding vs (not copied).
func List(vs ...Value) Value {
	return mkList(KindList, vs)
}

// Tuple returns a Python tuple holding vs (not copied).
func Tuple(vs ...Value) Value {
	return mkList(KindTuple, vs)
}

// DictValue wraps d as a Value. A nil d gives an empty dict.
func DictValue(d *Dict) Value {
	if d == nil {
		d = NewDict()
	}
	return mkDict(d)
}

// Kind returns the Python type of v.
func (v Value) Kind() Kind { return v.kind }

// IsNone reports whether v is None.
func (v Value) IsNone() bool { return v.kind == KindNone }

// AsBool returns the bool and true if v is a bool.
func (v Value) AsBool() (bool, bool) { return v.num != 0, v.kind == KindBool }

// AsInt returns the int and true if v is an int that fits in an int64.
func (v Value) AsInt() (int64, bool) {
	if v.kind != KindInt || v.ptr != nil {
		return 0, false
	}
	return int64(v.num), true
}

// AsBigInt returns a copy of the int and true if v is an int of any size.
func (v Value) AsBigInt() (*big.Int, bool) {
	if v.kind != KindInt {
		return nil, false
	}
	if b, ok := v.bigp(); ok {
		return new(big.Int).Set(b), true
	}
	return big.NewInt(int64(v.num)), true
}

// AsFloat returns the float and true if v is a float.
func (v Value) AsFloat() (float64, bool) {
	if v.kind != KindFloat {
		return 0, false
	}
	return math.Float64frombits(v.num), true
}

// AsStr returns the string and true if v is a str.
func (v Value) AsStr() (string, bool) {
	if v.kind != KindStr {
		return "", false
	}
	return v.s(), true
}

// AsBytes returns the contents and true if v is a bytes object.
func (v Value) AsBytes() ([]byte, bool) {
	if v.kind != KindBytes {
		return nil, false
	}
	return []byte(v.s()), true
}

// Items returns the elements of a list, tuple, set or frozenset (shared, not copied), or
// nil. A set's elements are in the order they were added or unpickled.
func (v Value) Items() []Value {
	if v.kind != KindList && v.kind != KindTuple && v.kind != KindSet && v.kind != KindFrozenSet {
		return nil
	}
	return v.list()
}

// Dict returns the dict v holds, or nil when v is not a dict.
func (v Value) Dict() *Dict {
	if v.kind != KindDict {
		return nil
	}
	return v.dictp()
}

// Len returns the length of a str (in bytes), bytes, bytearray, list, tuple, set,
// frozenset or dict, and 0 otherwise.
func (v Value) Len() int {
	switch v.kind {
	case KindStr, KindBytes, KindBytearray:
		return len(v.s())
	case KindList, KindTuple, KindSet, KindFrozenSet:
		return len(v.list())
	case KindDict:
		return v.dictp().Len()
	}
	return 0
}

// Truthy reports Python's truth value of v (bool(v)).
func (v Value) Truthy() bool {
	switch v.kind {
	case KindNone:
		return false
	case KindBool:
		return v.num != 0
	case KindInt:
		return v.ptr != nil || v.num != 0
	case KindFloat:
		return math.Float64frombits(v.num) != 0
	case KindDatetime, KindDate, KindTime, KindUUID:
		return true
	case KindTimedelta, KindDecimal:
		return truthyExtra(v)
	}
	return v.Len() != 0
}

// String returns a Python-repr-like rendering of v, for debugging and error messages.
func (v Value) String() string {
	var b strings.Builder
	v.repr(&b)
	return b.String()
}

func (v Value) repr(b *strings.Builder) {
	switch v.kind {
	case KindNone:
		b.WriteString("None")
	case KindBool:
		if v.num != 0 {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case KindInt:
		if r, ok := v.bigp(); ok {
			b.WriteString(r.String())
		} else {
			fmt.Fprint(b, int64(v.num))
		}
	case KindFloat:
		b.WriteString(FormatFloat(math.Float64frombits(v.num)))
	case KindStr:
		fmt.Fprintf(b, "%q", v.s())
	case KindBytes:
		fmt.Fprintf(b, "b%q", v.s())
	case KindList, KindTuple:
		open, end := "[", "]"
		if v.kind == KindTuple {
			open, end = "(", ")"
		}
		b.WriteString(open)
		for i, e := range v.list() {
			if i > 0 {
				b.WriteString(", ")
			}
			e.repr(b)
		}
		if v.kind == KindTuple && len(v.list()) == 1 {
			b.WriteString(",")
		}
		b.WriteString(end)
	case KindDict:
		b.WriteString("{")
		for i, it := range v.dictp().items {
			if i > 0 {
				b.WriteString(", ")
			}
			it.Key.repr(b)
			b.WriteString(": ")
			it.Value.repr(b)
		}
		b.WriteString("}")
	default:
		reprExtra(v, b)
	}
}

// Equal reports whether a and b are the same Python value of the same type, recursively:
// an int never equals a float, a list never equals a tuple, dicts are equal when they hold
// the same keys in the same order with equal values, and NaN equals NaN (unlike Python's
// ==, this compares what would be serialized).
func Equal(a, b Value) bool {
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case KindNone:
		return true
	case KindBool:
		return a.num == b.num
	case KindInt:
		ab, aBig := a.bigp()
		bb, bBig := b.bigp()
		if aBig || bBig {
			return aBig && bBig && ab.Cmp(bb) == 0
		}
		return a.num == b.num
	case KindFloat:
		fa, fb := math.Float64frombits(a.num), math.Float64frombits(b.num)
		return a.num == b.num || (math.IsNaN(fa) && math.IsNaN(fb))
	case KindStr, KindBytes:
		return a.s() == b.s()
	case KindList, KindTuple:
		as, bs := a.list(), b.list()
		if len(as) != len(bs) {
			return false
		}
		for i := range as {
			if !Equal(as[i], bs[i]) {
				return false
			}
		}
		return true
	case KindDict:
		ad, bd := a.dictp(), b.dictp()
		if ad.Len() != bd.Len() {
			return false
		}
		for i := range ad.items {
			if !Equal(ad.items[i].Key, bd.items[i].Key) || !Equal(ad.items[i].Value, bd.items[i].Value) {
				return false
			}
		}
		return true
	}
	return equalExtra(a, b)
}

var (
	nan    = math.NaN()
	posInf = math.Inf(1)
	negInf = math.Inf(-1)
)
