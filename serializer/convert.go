package serializer

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ErrUnsupportedType is returned by [ValueOf] for Go values with no Python counterpart.
var ErrUnsupportedType = errors.New("serializer: unsupported Go type")

// ValueOf converts an ordinary Go value to a [Value]:
//
//   - nil and nil pointers → None; bool → bool; every integer type and *big.Int → int;
//     float32/float64 → float; string → str; []byte → bytes;
//   - json.Number → int or float, by its text (as Python reads it);
//   - slices and arrays → list;
//   - maps with string, integer or bool keys → dict, keys sorted (Go maps have no order;
//     build a *Dict to choose it);
//   - structs → dict of the exported fields in declaration order, honouring `json` tags
//     (name, "-", omitempty; embedded structs are flattened as encoding/json does);
//   - Value and *Dict are taken as they are.
func ValueOf(x any) (Value, error) {
	switch t := x.(type) {
	case nil:
		return None(), nil
	case Value:
		return t, nil
	case *Dict:
		return DictValue(t), nil
	case string:
		return Str(t), nil
	case bool:
		return Bool(t), nil
	case int:
		return Int(int64(t)), nil
	case int64:
		return Int(t), nil
	case float64:
		return Float(t), nil
	case *big.Int:
		if t == nil {
			return None(), nil
		}
		return BigInt(t), nil
	case json.Number:
		return DecodeJSONText(string(t))
	case []byte:
		if t == nil {
			return None(), nil
		}
		return Bytes(t), nil
	case map[string]any:
		return mapOf(reflect.ValueOf(t), 0)
	case []any:
		return listOf(reflect.ValueOf(t), 0)
	}
	return valueOf(reflect.ValueOf(x), 0)
}

const maxConvertDepth = 1000

func valueOf(rv reflect.Value, depth int) (Value, error) {
	if depth > maxConvertDepth {
		return Value{}, fmt.Errorf("%w: nesting deeper than %d (a cycle?)", ErrUnsupportedType, maxConvertDepth)
	}
	if !rv.IsValid() {
		return None(), nil
	}
	if rv.CanInterface() {
		switch t := rv.Interface().(type) {
		case Value:
			return t, nil
		case *Dict:
			return DictValue(t), nil
		case *big.Int:
			if t == nil {
				return None(), nil
			}
			return BigInt(t), nil
		case json.Number:
			return DecodeJSONText(string(t))
		}
	}
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return None(), nil
		}
		return valueOf(rv.Elem(), depth+1)
	case reflect.Bool:
		return Bool(rv.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return Int(rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return BigInt(new(big.Int).SetUint64(rv.Uint())), nil
	case reflect.Float32, reflect.Float64:
		return Float(rv.Float()), nil
	case reflect.String:
		return Str(rv.String()), nil
	case reflect.Slice:
		if rv.IsNil() {
			return None(), nil
		}
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return Bytes(rv.Bytes()), nil
		}
		return listOf(rv, depth)
	case reflect.Array:
		return listOf(rv, depth)
	case reflect.Map:
		if rv.IsNil() {
			return None(), nil
		}
		return mapOf(rv, depth)
	case reflect.Struct:
		d := NewDict()
		if err := addStructFields(d, rv, depth); err != nil {
			return Value{}, err
		}
		return DictValue(d), nil
	}
	return Value{}, fmt.Errorf("%w: %s", ErrUnsupportedType, rv.Type())
}

func listOf(rv reflect.Value, depth int) (Value, error) {
	vs := make([]Value, rv.Len())
	for i := range vs {
		v, err := valueOf(rv.Index(i), depth+1)
		if err != nil {
			return Value{}, err
		}
		vs[i] = v
	}
	return List(vs...), nil
}

func mapOf(rv reflect.Value, depth int) (Value, error) {
	type kv struct {
		key  Value
		sort string
		val  reflect.Value
	}
	kvs := make([]kv, 0, rv.Len())
	it := rv.MapRange()
	for it.Next() {
		k := it.Key()
		for k.Kind() == reflect.Interface && !k.IsNil() {
			k = k.Elem()
		}
		var key Value
		switch k.Kind() {
		case reflect.String:
			key = Str(k.String())
		case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			var err error
			if key, err = valueOf(k, depth+1); err != nil {
				return Value{}, err
			}
		default:
			return Value{}, fmt.Errorf("%w: map key type %s", ErrUnsupportedType, k.Type())
		}
		kvs = append(kvs, kv{key: key, sort: key.String(), val: it.Value()})
	}
	sort.Slice(kvs, func(i, j int) bool { return kvs[i].sort < kvs[j].sort })
	d := NewDict()
	for _, e := range kvs {
		v, err := valueOf(e.val, depth+1)
		if err != nil {
			return Value{}, err
		}
		d.SetKey(e.key, v)
	}
	return DictValue(d), nil
}

func addStructFields(d *Dict, rv reflect.Value, depth int) error {
	t := rv.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		fv := rv.Field(i)
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				if fv.IsNil() {
					continue
				}
				fv, ft = fv.Elem(), ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if err := addStructFields(d, fv, depth+1); err != nil {
					return err
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if strings.Contains(","+opts+",", ",omitempty,") && fv.IsZero() {
			continue
		}
		v, err := valueOf(fv, depth+1)
		if err != nil {
			return fmt.Errorf("field %s: %w", f.Name, err)
		}
		d.Set(name, v)
	}
	return nil
}

// MustValueOf is [ValueOf] for values known to convert (literals in code and tests); it
// panics on error.
func MustValueOf(x any) Value {
	v, err := ValueOf(x)
	if err != nil {
		panic(err)
	}
	return v
}

// Interface returns v as plain Go data: nil, bool, int64 (or *big.Int when it does not
// fit), float64, string, []byte, []any for lists and tuples, and map[string]any for dicts
// whose keys are all str (other keys are written as Python's json writes them). Key order
// is lost; use [Value.Dict] to keep it. The pickle types give: []any for sets, []byte for
// bytearray, time.Time for date and datetime (naive ones as wall times in time.UTC),
// time.Duration for timedelta (saturated), and strings for time (isoformat), Decimal
// (its str()) and UUID (canonical hex).
func (v Value) Interface() any {
	switch v.kind {
	case KindSet, KindFrozenSet:
		return List(v.list()...).Interface()
	case KindBytearray:
		return []byte(v.s())
	case KindDecimal:
		return v.s()
	case KindUUID:
		return uuidString(v.s())
	case KindDate:
		d, _ := v.AsDate()
		return d.In(time.UTC)
	case KindDatetime:
		d, _ := v.AsDatetime()
		if d.TZ != nil {
			if t, err := d.Time(); err == nil {
				return t
			}
		}
		return d.In(time.UTC)
	case KindTime:
		d, _ := v.AsTime()
		s := d.isoClock()
		if d.TZ != nil && d.TZ.Kind == TZFixed {
			s += offsetText(d.TZ.Offset)
		}
		return s
	case KindTimedelta:
		td, _ := v.AsTimedelta()
		if dur, ok := td.Duration(); ok {
			return dur
		}
		if td.Days < 0 {
			return time.Duration(math.MinInt64)
		}
		return time.Duration(math.MaxInt64)
	case KindBool:
		return v.num != 0
	case KindInt:
		if b, ok := v.bigp(); ok {
			return new(big.Int).Set(b)
		}
		return int64(v.num)
	case KindFloat:
		f, _ := v.AsFloat()
		return f
	case KindStr:
		return v.s()
	case KindBytes:
		return []byte(v.s())
	case KindList, KindTuple:
		items := v.Items()
		out := make([]any, len(items))
		for i, e := range items {
			out[i] = e.Interface()
		}
		return out
	case KindDict:
		d := v.Dict()
		out := make(map[string]any, d.Len())
		for k, e := range d.All() {
			ks, ok := k.AsStr()
			if !ok {
				b, _ := appendJSONKey(nil, k)
				ks, _ = strconv.Unquote(string(b))
			}
			out[ks] = e.Interface()
		}
		return out
	}
	return nil
}

// Unmarshal stores v into the Go value target points to, following encoding/json's rules
// (struct tags, field matching), by way of v's JSON form. Values without a JSON form (NaN,
// bytes) give an error.
func Unmarshal(v Value, target any) error {
	b, err := EncodeJSON(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, target)
}
