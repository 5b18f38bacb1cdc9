package serializer

import (
	"fmt"
	"math/big"
	"strconv"
	"testing"

	gopickle "github.com/nlpodyssey/gopickle/pickle"
	gptypes "github.com/nlpodyssey/gopickle/types"
)

// fromGopickle converts what github.com/nlpodyssey/gopickle decodes into a Value, for the
// plain types; it fails for anything else (gopickle turns classes into generic objects).
func fromGopickle(x any) (Value, error) {
	conv := func(items []any) ([]Value, error) {
		out := make([]Value, len(items))
		for i, e := range items {
			v, err := fromGopickle(e)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	switch t := x.(type) {
	case nil:
		return None(), nil
	case bool:
		return Bool(t), nil
	case int:
		return Int(int64(t)), nil
	case *big.Int:
		return BigInt(t), nil
	case float64:
		return Float(t), nil
	case string:
		return Str(t), nil
	case []byte:
		return Bytes(t), nil
	case *gptypes.ByteArray:
		return Bytearray(*t), nil
	case *gptypes.List:
		items, err := conv(*t)
		return List(items...), err
	case *gptypes.Tuple:
		items, err := conv(*t)
		return Tuple(items...), err
	case *gptypes.Set:
		var keys []any
		for k := range *t {
			keys = append(keys, k)
		}
		items, err := conv(keys)
		if err != nil {
			return Value{}, err
		}
		return NewSet(items...)
	case *gptypes.FrozenSet:
		var keys []any
		for k := range *t {
			keys = append(keys, k)
		}
		items, err := conv(keys)
		if err != nil {
			return Value{}, err
		}
		return NewFrozenSet(items...)
	case *gptypes.Dict:
		d := NewDict()
		for _, e := range *t {
			k, err := fromGopickle(e.Key)
			if err != nil {
				return Value{}, err
			}
			v, err := fromGopickle(e.Value)
			if err != nil {
				return Value{}, err
			}
			d.SetKey(k, v)
		}
		return DictValue(d), nil
	}
	return Value{}, fmt.Errorf("no Value for %T", x)
}

// TestPickleDifferentialGopickle decodes every fixture pickle with gopickle too, and
// checks both decoders agree wherever gopickle gives plain Go data.
func TestPickleDifferentialGopickle(t *testing.T) {
	agree, skipped, gpBug := 0, 0, 0
	for _, fx := range loadPickleFixtures(t) {
		for _, c := range fx.Cases {
			for proto := 0; proto <= 5; proto++ {
				data := mustHex(t, c.Pickles[strconv.Itoa(proto)])
				theirs, err := gopickle.Loads(string(data))
				if err != nil {
					skipped++
					continue
				}
				tv, err := fromGopickle(theirs)
				if err != nil {
					skipped++
					continue
				}
				ours, err := PickleLoads(data)
				if err != nil {
					t.Errorf("%s/%s/%d: ours fails: %v", fx.Python, c.Name, proto, err)
					continue
				}
				if !Equal(ours, tv) && proto == 0 && hasNonASCIIStr(ours) {
					// gopickle bug: protocol 0's UNICODE text is taken as it is, without
					// raw-unicode-escape decoding ("\u20ac" stays six characters, latin-1
					// bytes are not converted). CPython agrees with us (TestPickleFixtures).
					gpBug++
					continue
				}
				if !Equal(ours, tv) {
					t.Errorf("%s/%s/%d: ours %.200s, gopickle %.200s", fx.Python, c.Name, proto, ours, tv)
					continue
				}
				agree++
			}
		}
	}
	t.Logf("gopickle agrees on %d fixture pickles; %d not comparable (gopickle error or non-plain result); %d protocol-0 strs gopickle misreads", agree, skipped, gpBug)
}

// hasNonASCIIStr reports whether v holds a str with a character gopickle's protocol-0
// reader gets wrong (non-ASCII, or one that protocol 0 escapes).
func hasNonASCIIStr(v Value) bool {
	switch v.kind {
	case KindStr:
		for i := 0; i < len(v.s()); i++ {
			if c := v.s()[i]; c >= 0x80 || c == '\\' || c == '\n' || c == '\r' || c == 0 || c == 0x1a {
				return true
			}
		}
	case KindList, KindTuple, KindSet, KindFrozenSet:
		for _, e := range v.list() {
			if hasNonASCIIStr(e) {
				return true
			}
		}
	case KindDict:
		for _, it := range v.dictp().items {
			if hasNonASCIIStr(it.Key) || hasNonASCIIStr(it.Value) {
				return true
			}
		}
	}
	return false
}
