package serializer

import (
	"iter"
	"math"
	"math/big"
)

// Item is one key/value pair of a [Dict].
type Item struct {
	Key   Value
	Value Value
}

// indexThreshold is the size from which a Dict keeps a map from str keys to positions;
// smaller dicts (every session dict in practice) are scanned, which is faster.
const indexThreshold = 16

// Dict is a Python dict: keys in insertion order, setting an existing key keeps its place,
// keys compare as Python compares them (1, 1.0 and True are the same key). Most session
// keys are str, so the string methods (Get, Set, Delete, Pop) take a Go string; the *Key
// variants take any hashable Value. The zero Dict is an empty dict ready to use.
// A Dict is not safe for concurrent mutation.
type Dict struct {
	items []Item
	index map[string]int // str key -> position, when len(items) >= indexThreshold
}

// NewDict returns an empty dict.
func NewDict() *Dict { return &Dict{} }

// newDictCap returns an empty dict with room for n items, allocated together with the
// Dict for small n (one allocation instead of two: session dicts are mostly small).
func newDictCap(n int) *Dict {
	switch {
	case n <= 2:
		x := new(struct {
			d Dict
			a [2]Item
		})
		x.d.items = x.a[:0]
		return &x.d
	case n <= 4:
		x := new(struct {
			d Dict
			a [4]Item
		})
		x.d.items = x.a[:0]
		return &x.d
	case n <= 8:
		x := new(struct {
			d Dict
			a [8]Item
		})
		x.d.items = x.a[:0]
		return &x.d
	}
	return &Dict{items: make([]Item, 0, n)}
}

// Len returns the number of items.
func (d *Dict) Len() int {
	if d == nil {
		return 0
	}
	return len(d.items)
}

func (d *Dict) findStr(key string) int {
	if d == nil {
		return -1
	}
	if d.index != nil {
		if i, ok := d.index[key]; ok {
			return i
		}
		return -1
	}
	for i := range d.items {
		k := &d.items[i].Key
		if k.kind == KindStr && k.s() == key {
			return i
		}
	}
	return -1
}

func (d *Dict) find(key Value) int {
	if key.kind == KindStr {
		return d.findStr(key.s())
	}
	if d == nil {
		return -1
	}
	for i := range d.items {
		if keyEqual(d.items[i].Key, key) {
			return i
		}
	}
	return -1
}

// Get returns the value stored under the str key.
func (d *Dict) Get(key string) (Value, bool) {
	if i := d.findStr(key); i >= 0 {
		return d.items[i].Value, true
	}
	return Value{}, false
}

// GetKey returns the value stored under key.
func (d *Dict) GetKey(key Value) (Value, bool) {
	if i := d.find(key); i >= 0 {
		return d.items[i].Value, true
	}
	return Value{}, false
}

// Has reports whether the str key is present.
func (d *Dict) Has(key string) bool { return d.findStr(key) >= 0 }

// Set stores v under the str key, keeping the key's place if it is already present.
func (d *Dict) Set(key string, v Value) { d.SetKey(Str(key), v) }

// SetKey stores v under key, keeping the key's place if an equal key is present (and, as
// Python does, keeping the original key object).
func (d *Dict) SetKey(key, v Value) {
	if i := d.find(key); i >= 0 {
		d.items[i].Value = v
		return
	}
	d.appendItem(key, v)
}

func (d *Dict) appendItem(key, v Value) {
	d.items = append(d.items, Item{key, v})
	if d.index != nil {
		if key.kind == KindStr {
			d.index[key.s()] = len(d.items) - 1
		}
	} else if len(d.items) >= indexThreshold {
		d.buildIndex()
	}
}

func (d *Dict) buildIndex() {
	d.index = make(map[string]int, len(d.items))
	for i, it := range d.items {
		if it.Key.kind == KindStr {
			d.index[it.Key.s()] = i
		}
	}
}

// Delete removes the str key and reports whether it was present.
func (d *Dict) Delete(key string) bool {
	_, ok := d.PopKey(Str(key))
	return ok
}

// Pop removes the str key and returns its value.
func (d *Dict) Pop(key string) (Value, bool) { return d.PopKey(Str(key)) }

// PopKey removes key and returns its value.
func (d *Dict) PopKey(key Value) (Value, bool) {
	i := d.find(key)
	if i < 0 {
		return Value{}, false
	}
	v := d.items[i].Value
	d.items = append(d.items[:i], d.items[i+1:]...)
	if d.index != nil {
		if len(d.items) >= indexThreshold {
			d.buildIndex()
		} else {
			d.index = nil
		}
	}
	return v, true
}

// Clear removes every item.
func (d *Dict) Clear() {
	d.items = nil
	d.index = nil
}

// Items returns a copy of the items in order.
func (d *Dict) Items() []Item {
	if d == nil {
		return nil
	}
	return append([]Item(nil), d.items...)
}

// Keys returns the keys in order.
func (d *Dict) Keys() []Value {
	if d == nil {
		return nil
	}
	ks := make([]Value, len(d.items))
	for i, it := range d.items {
		ks[i] = it.Key
	}
	return ks
}

// All iterates over the items in order.
func (d *Dict) All() iter.Seq2[Value, Value] {
	return func(yield func(Value, Value) bool) {
		if d == nil {
			return
		}
		for _, it := range d.items {
			if !yield(it.Key, it.Value) {
				return
			}
		}
	}
}

// Clone returns a shallow copy of d (values are shared, the item order is copied).
func (d *Dict) Clone() *Dict {
	c := &Dict{items: d.Items()}
	if len(c.items) >= indexThreshold {
		c.buildIndex()
	}
	return c
}

// keyEqual compares two dict keys as Python does: numbers by value across bool, int,
// float and Decimal, aware datetimes by instant, tuples element-wise, and so on, as
// hashKey says; unhashable values (which Python refuses as keys) only with themselves.
func keyEqual(a, b Value) bool {
	if isNumber(a.kind) && isNumber(b.kind) {
		return numEqual(a, b)
	}
	if a.kind == KindStr && b.kind == KindStr {
		return a.s() == b.s()
	}
	ka, errA := hashKey(a, false)
	kb, errB := hashKey(b, false)
	if errA != nil || errB != nil {
		return errA != nil && errB != nil && a.kind == b.kind && a.ptr == b.ptr && a.num == b.num
	}
	return ka == kb
}

func isNumber(k Kind) bool { return k == KindBool || k == KindInt || k == KindFloat }

func numEqual(a, b Value) bool {
	if a.kind != KindFloat && b.kind != KindFloat {
		if a.ptr == nil && b.ptr == nil {
			return a.num == b.num
		}
		ai, _ := asBigAny(a)
		bi, _ := asBigAny(b)
		return ai.Cmp(bi) == 0
	}
	if a.kind == KindFloat && b.kind == KindFloat {
		return math.Float64frombits(a.num) == math.Float64frombits(b.num)
	}
	if b.kind == KindFloat {
		a, b = b, a
	}
	f := math.Float64frombits(a.num)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return false
	}
	bi, _ := asBigAny(b)
	return new(big.Float).SetFloat64(f).Cmp(new(big.Float).SetInt(bi)) == 0
}

// asBigAny returns a bool or int as a big.Int.
func asBigAny(v Value) (*big.Int, bool) {
	if v.kind == KindBool {
		return big.NewInt(int64(v.num)), true
	}
	return v.AsBigInt()
}
