package caches

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"unicode/utf8"

	"github.com/djsession/djsession/serializer"
)

// MsgPack is the msgpack of django-redis's MSGPackSerializer, as msgpack-python 1.x
// writes with msgpack.dumps(value) (use_bin_type: str as the str family, bytes and
// bytearray as bin) and reads with msgpack.loads(value, raw=False) (arrays as lists, maps
// as dicts whose keys must be str or bytes, strict_map_key).
//
// Ints take the smallest format (positive ones the unsigned formats), floats are
// float64, tuples are arrays (they read back as lists, bytearrays as bytes). Ints beyond
// 64 bits, sets, datetimes, Decimals, UUIDs and timedeltas cannot be written
// (ErrUnsupported), as msgpack.dumps raises for them. Extension types (msgpack's
// Timestamp and ExtType) are refused on reading.
type MsgPack struct {
	Limits Limits
}

// Encode returns msgpack.dumps(v).
func (MsgPack) Encode(v serializer.Value) ([]byte, error) {
	return appendMsgPack(nil, v, 0)
}

// msgpackMaxDepth is msgpack-python's default nesting limit when packing.
const msgpackMaxDepth = 511

func appendMsgPack(b []byte, v serializer.Value, depth int) ([]byte, error) {
	if depth > msgpackMaxDepth {
		return b, unsupported("msgpack: recursion limit exceeded")
	}
	switch v.Kind() {
	case serializer.KindNone:
		return append(b, 0xc0), nil
	case serializer.KindBool:
		if ok, _ := v.AsBool(); ok {
			return append(b, 0xc3), nil
		}
		return append(b, 0xc2), nil
	case serializer.KindInt:
		if i, ok := v.AsInt(); ok {
			return appendMsgInt(b, i), nil
		}
		bi, _ := v.AsBigInt()
		if bi.Sign() > 0 && bi.IsUint64() {
			return binary.BigEndian.AppendUint64(append(b, 0xcf), bi.Uint64()), nil
		}
		return b, unsupported("msgpack: Integer value out of range")
	case serializer.KindFloat:
		f, _ := v.AsFloat()
		return binary.BigEndian.AppendUint64(append(b, 0xcb), math.Float64bits(f)), nil
	case serializer.KindStr:
		s, _ := v.AsStr()
		if !utf8.ValidString(s) {
			return b, unsupported("msgpack: str holds lone surrogates ('utf-8' codec can't encode)")
		}
		return append(appendMsgHeader(b, len(s), 0xa0, 32, 0xd9, 0xda, 0xdb), s...), nil
	case serializer.KindBytes, serializer.KindBytearray:
		var raw []byte
		if v.Kind() == serializer.KindBytes {
			raw, _ = v.AsBytes()
		} else {
			raw, _ = v.AsBytearray()
		}
		if len(raw) > math.MaxUint32 {
			return b, unsupported("msgpack: bytes object is too large")
		}
		return append(appendMsgHeader(b, len(raw), 0, 0, 0xc4, 0xc5, 0xc6), raw...), nil
	case serializer.KindList, serializer.KindTuple:
		items := v.Items()
		b = appendMsgHeader(b, len(items), 0x90, 16, 0, 0xdc, 0xdd)
		for _, it := range items {
			var err error
			if b, err = appendMsgPack(b, it, depth+1); err != nil {
				return b, err
			}
		}
		return b, nil
	case serializer.KindDict:
		d := v.Dict()
		b = appendMsgHeader(b, d.Len(), 0x80, 16, 0, 0xde, 0xdf)
		for k, val := range d.All() {
			var err error
			if b, err = appendMsgPack(b, k, depth+1); err != nil {
				return b, err
			}
			if b, err = appendMsgPack(b, val, depth+1); err != nil {
				return b, err
			}
		}
		return b, nil
	}
	return b, unsupported(fmt.Sprintf("msgpack: can not serialize '%s' object", v.Kind()))
}

// appendMsgHeader writes a length header: the fix form (fix | n) when n < fixMax, else
// the 8-bit (when f8 != 0), 16-bit or 32-bit form.
func appendMsgHeader(b []byte, n int, fix byte, fixMax int, f8, f16, f32 byte) []byte {
	switch {
	case n < fixMax:
		return append(b, fix|byte(n))
	case f8 != 0 && n <= math.MaxUint8:
		return append(b, f8, byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, f16), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(b, f32), uint32(n))
}

func appendMsgInt(b []byte, i int64) []byte {
	switch {
	case i >= 0 && i < 128:
		return append(b, byte(i))
	case i >= 0 && i <= math.MaxUint8:
		return append(b, 0xcc, byte(i))
	case i >= 0 && i <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(i))
	case i >= 0 && i <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(i))
	case i >= 0:
		return binary.BigEndian.AppendUint64(append(b, 0xcf), uint64(i))
	case i >= -32:
		return append(b, byte(i))
	case i >= math.MinInt8:
		return append(b, 0xd0, byte(i))
	case i >= math.MinInt16:
		return binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(i))
	case i >= math.MinInt32:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(i))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(i))
}

// Decode returns msgpack.loads(data, raw=False): exactly one object, no trailing bytes.
func (m MsgPack) Decode(data []byte) (serializer.Value, error) {
	d := msgDecoder{data: data, budget: m.Limits.Pickle.MaxContainers}
	if d.budget <= 0 {
		d.budget = serializer.DefaultPickleMaxContainers
	}
	v, err := d.value(0)
	if err != nil {
		return serializer.Value{}, err
	}
	if d.pos != len(data) {
		return serializer.Value{}, corrupt(fmt.Sprintf("msgpack: extra data at offset %d", d.pos), nil)
	}
	return v, nil
}

type msgDecoder struct {
	data   []byte
	pos    int
	budget int // containers and elements still allowed
}

// msgpackMaxUnpackDepth bounds nesting when reading (msgpack-python's C unpacker stack is
// 1024 deep).
const msgpackMaxUnpackDepth = 1024

func (d *msgDecoder) fail(format string, args ...any) error {
	return corrupt(fmt.Sprintf("msgpack: "+format+" (offset %d)", append(args, d.pos)...), nil)
}

func (d *msgDecoder) take(n uint64) ([]byte, error) {
	if n > uint64(len(d.data)-d.pos) {
		return nil, d.fail("truncated input")
	}
	b := d.data[d.pos : d.pos+int(n)]
	d.pos += int(n)
	return b, nil
}

func (d *msgDecoder) uint(n int) (uint64, error) {
	b, err := d.take(uint64(n))
	if err != nil {
		return 0, err
	}
	var x uint64
	for _, c := range b {
		x = x<<8 | uint64(c)
	}
	return x, nil
}

func (d *msgDecoder) value(depth int) (serializer.Value, error) {
	if depth > msgpackMaxUnpackDepth {
		return serializer.Value{}, d.fail("nesting too deep")
	}
	if d.pos >= len(d.data) {
		return serializer.Value{}, d.fail("truncated input")
	}
	c := d.data[d.pos]
	d.pos++
	switch {
	case c <= 0x7f:
		return serializer.Int(int64(c)), nil
	case c >= 0xe0:
		return serializer.Int(int64(int8(c))), nil
	case c >= 0x80 && c <= 0x8f:
		return d.mapOf(uint64(c&0x0f), depth)
	case c >= 0x90 && c <= 0x9f:
		return d.arrayOf(uint64(c&0x0f), depth)
	case c >= 0xa0 && c <= 0xbf:
		return d.str(uint64(c & 0x1f))
	}
	switch c {
	case 0xc0:
		return serializer.None(), nil
	case 0xc2, 0xc3:
		return serializer.Bool(c == 0xc3), nil
	case 0xc4, 0xc5, 0xc6:
		n, err := d.uint(1 << (c - 0xc4))
		if err != nil {
			return serializer.Value{}, err
		}
		b, err := d.take(n)
		if err != nil {
			return serializer.Value{}, err
		}
		return serializer.Bytes(b), nil
	case 0xca:
		x, err := d.uint(4)
		return serializer.Float(float64(math.Float32frombits(uint32(x)))), err
	case 0xcb:
		x, err := d.uint(8)
		return serializer.Float(math.Float64frombits(x)), err
	case 0xcc, 0xcd, 0xce, 0xcf:
		x, err := d.uint(1 << (c - 0xcc))
		if err != nil {
			return serializer.Value{}, err
		}
		if x > math.MaxInt64 {
			return serializer.BigInt(new(big.Int).SetUint64(x)), nil
		}
		return serializer.Int(int64(x)), nil
	case 0xd0, 0xd1, 0xd2, 0xd3:
		n := 1 << (c - 0xd0)
		x, err := d.uint(n)
		if err != nil {
			return serializer.Value{}, err
		}
		shift := uint(64 - 8*n)
		return serializer.Int(int64(x<<shift) >> shift), nil
	case 0xd9, 0xda, 0xdb:
		n, err := d.uint(1 << (c - 0xd9))
		if err != nil {
			return serializer.Value{}, err
		}
		return d.str(n)
	case 0xdc, 0xdd:
		n, err := d.uint(2 << (c - 0xdc))
		if err != nil {
			return serializer.Value{}, err
		}
		return d.arrayOf(n, depth)
	case 0xde, 0xdf:
		n, err := d.uint(2 << (c - 0xde))
		if err != nil {
			return serializer.Value{}, err
		}
		return d.mapOf(n, depth)
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xc7, 0xc8, 0xc9:
		return serializer.Value{}, d.fail("extension type 0x%02x not supported", c)
	}
	return serializer.Value{}, d.fail("unknown format byte 0x%02x", c)
}

func (d *msgDecoder) str(n uint64) (serializer.Value, error) {
	b, err := d.take(n)
	if err != nil {
		return serializer.Value{}, err
	}
	if !utf8.Valid(b) {
		return serializer.Value{}, d.fail("invalid UTF-8 in str")
	}
	return serializer.Str(string(b)), nil
}

// reserve checks that n more elements fit the input (each takes at least one byte) and
// the budget, before anything is allocated.
func (d *msgDecoder) reserve(n uint64) error {
	if n > uint64(len(d.data)-d.pos) {
		return d.fail("truncated input")
	}
	if n+1 > uint64(d.budget) {
		return tooLarge("msgpack: too many elements")
	}
	d.budget -= int(n) + 1
	return nil
}

func (d *msgDecoder) arrayOf(n uint64, depth int) (serializer.Value, error) {
	if err := d.reserve(n); err != nil {
		return serializer.Value{}, err
	}
	items := make([]serializer.Value, n)
	for i := range items {
		v, err := d.value(depth + 1)
		if err != nil {
			return serializer.Value{}, err
		}
		items[i] = v
	}
	return serializer.List(items...), nil
}

func (d *msgDecoder) mapOf(n uint64, depth int) (serializer.Value, error) {
	if err := d.reserve(2 * n); err != nil {
		return serializer.Value{}, err
	}
	m := serializer.NewDict()
	for range n {
		k, err := d.value(depth + 1)
		if err != nil {
			return serializer.Value{}, err
		}
		if k.Kind() != serializer.KindStr && k.Kind() != serializer.KindBytes {
			return serializer.Value{}, d.fail("%s is not allowed for map key when strict_map_key=True", k.Kind())
		}
		v, err := d.value(depth + 1)
		if err != nil {
			return serializer.Value{}, err
		}
		m.SetKey(k, v)
	}
	return serializer.DictValue(m), nil
}
