package serializer

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrInvalidTagged is returned by [DecodeTaggedJSON] for a tag it does not know or a tag
// with a malformed value.
var ErrInvalidTagged = fmt.Errorf("%w: tagged JSON", ErrInvalidValue)

// Tagged JSON (docs/tagged-json.md) writes every Value as JSON: values with a JSON form
// as Django's JSONSerializer writes them, the others as an object with a single key that
// starts with "$":
//
//	{"$tuple": [...]}  {"$set": [...]}  {"$frozenset": [...]}
//	{"$bytes": "<base64>"}  {"$bytearray": "<base64>"}
//	{"$dict": [[key, value], ...]}      (non-str keys, or one key starting with "$")
//	{"$decimal": "1.50"}  {"$uuid": "12345678-1234-5678-1234-567812345678"}
//	{"$timedelta": [days, seconds, microseconds]}  {"$date": "2024-02-29"}
//	{"$datetime": "2024-01-02T03:04:05.000006"}  (naive; "+00:00" is timezone.utc,
//	                                             another offset a datetime.timezone)
//	{"$datetime": {"iso": "...", "tz": TZ, "fold": 1}}   TZ: "utc", {"offset": "+05:30",
//	                                             "name": "IST"}, {"zoneinfo": "Europe/Paris"}
//	{"$time": ...}  as $datetime, for datetime.time
//
// A real dict with exactly one key starting with "$" is always written with "$dict", so
// the form is unambiguous.

// EncodeTaggedJSON returns v in tagged JSON: compact and ASCII-only, as [EncodeJSON].
func EncodeTaggedJSON(v Value) ([]byte, error) {
	t, err := toTagged(v, 0)
	if err != nil {
		return nil, err
	}
	return EncodeJSON(t)
}

// DecodeTaggedJSON reads tagged JSON text (UTF-8, as [DecodeJSONText]) back into the
// Value it describes.
func DecodeTaggedJSON(text string) (Value, error) {
	v, err := DecodeJSONText(text)
	if err != nil {
		return Value{}, err
	}
	return fromTagged(v, 0)
}

func tag(name string, v Value) Value {
	d := newDictCap(1)
	d.appendItem(Str(name), v)
	return mkDict(d)
}

func tzTagged(tz *TZInfo) Value {
	d := NewDict()
	switch {
	case tz == UTC || (tz.Kind == TZFixed && tz.Offset == 0 && !tz.HasName):
		return Str("utc")
	case tz.Kind == TZFixed:
		d.Set("offset", Str(offsetText(tz.Offset)))
		if tz.HasName {
			d.Set("name", Str(tz.Name))
		}
	case tz.Kind == TZPytzUTC:
		d.Set("pytz", Str("UTC"))
	case tz.Kind == TZPytzFixed:
		d.Set("pytz_fixed_offset", Int(int64(tz.Offset/time.Minute)))
	case tz.Kind == TZPytz:
		d.Set("pytz", Str(tz.Key))
		if tz.HasName {
			d.Set("offset", Str(offsetText(tz.Offset)))
			d.Set("dst", Str(offsetText(tz.DST)))
			d.Set("name", Str(tz.Name))
		}
	default:
		d.Set("zoneinfo", Str(tz.Key))
		if tz.NoCache {
			d.Set("nocache", Bool(true))
		}
	}
	return mkDict(d)
}

func toTagged(v Value, depth int) (Value, error) {
	if depth > maxEncodeDepth {
		return Value{}, fmt.Errorf("%w: nesting deeper than %d", ErrNotJSONSerializable, maxEncodeDepth)
	}
	conv := func(items []Value) ([]Value, error) {
		out := make([]Value, len(items))
		for i, e := range items {
			t, err := toTagged(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = t
		}
		return out, nil
	}
	switch v.kind {
	case KindList, KindTuple, KindSet, KindFrozenSet:
		items, err := conv(v.list())
		if err != nil {
			return Value{}, err
		}
		switch v.kind {
		case KindTuple:
			return tag("$tuple", List(items...)), nil
		case KindSet:
			return tag("$set", List(items...)), nil
		case KindFrozenSet:
			return tag("$frozenset", List(items...)), nil
		}
		return List(items...), nil
	case KindDict:
		d := v.dictp()
		plain := !(d.Len() == 1 && d.items[0].Key.kind == KindStr && strings.HasPrefix(d.items[0].Key.s(), "$"))
		for _, it := range d.items {
			if it.Key.kind != KindStr {
				plain = false
			}
		}
		if plain {
			out := newDictCap(d.Len())
			for _, it := range d.items {
				t, err := toTagged(it.Value, depth+1)
				if err != nil {
					return Value{}, err
				}
				out.items = append(out.items, Item{it.Key, t})
			}
			if out.Len() >= indexThreshold {
				out.buildIndex()
			}
			return mkDict(out), nil
		}
		pairs := make([]Value, 0, d.Len())
		for _, it := range d.items {
			kv, err := conv([]Value{it.Key, it.Value})
			if err != nil {
				return Value{}, err
			}
			pairs = append(pairs, List(kv...))
		}
		return tag("$dict", List(pairs...)), nil
	case KindBytes:
		return tag("$bytes", Str(base64.StdEncoding.EncodeToString([]byte(v.s())))), nil
	case KindBytearray:
		return tag("$bytearray", Str(base64.StdEncoding.EncodeToString([]byte(v.s())))), nil
	case KindDecimal:
		return tag("$decimal", Str(v.s())), nil
	case KindUUID:
		return tag("$uuid", Str(uuidString(v.s()))), nil
	case KindTimedelta:
		td := *(*Timedelta)(v.ptr)
		return tag("$timedelta", List(Int(td.Days), Int(td.Seconds), Int(td.Microseconds))), nil
	case KindDate:
		return tag("$date", Str(unpackDT(v.num).isoDate())), nil
	case KindDatetime, KindTime:
		d := unpackDT(v.num)
		name, iso := "$datetime", d.isoDate()+"T"+d.isoClock()
		if v.kind == KindTime {
			name, iso = "$time", d.isoClock()
		}
		tz := (*TZInfo)(v.ptr)
		if !d.Fold && (tz == nil || (tz.Kind == TZFixed && !tz.HasName)) {
			if tz != nil {
				iso += offsetText(tz.Offset)
			}
			return tag(name, Str(iso)), nil
		}
		o := NewDict()
		o.Set("iso", Str(iso))
		if tz != nil {
			o.Set("tz", tzTagged(tz))
		}
		if d.Fold {
			o.Set("fold", Int(1))
		}
		return tag(name, mkDict(o)), nil
	}
	return v, nil
}

func taggedErr(tag string, v Value) error {
	return fmt.Errorf("%w: bad %s value %s", ErrInvalidTagged, tag, v)
}

func fromTagged(v Value, depth int) (Value, error) {
	if depth > maxEncodeDepth {
		return Value{}, fmt.Errorf("%w: nesting too deep", ErrInvalidTagged)
	}
	conv := func(items []Value) ([]Value, error) {
		out := make([]Value, len(items))
		for i, e := range items {
			t, err := fromTagged(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = t
		}
		return out, nil
	}
	switch v.kind {
	case KindList:
		items, err := conv(v.list())
		if err != nil {
			return Value{}, err
		}
		return List(items...), nil
	case KindDict:
	default:
		return v, nil
	}
	d := v.dictp()
	if d.Len() != 1 || !strings.HasPrefix(d.items[0].Key.s(), "$") {
		out := newDictCap(d.Len())
		for _, it := range d.items {
			t, err := fromTagged(it.Value, depth+1)
			if err != nil {
				return Value{}, err
			}
			out.items = append(out.items, Item{it.Key, t})
		}
		if out.Len() >= indexThreshold {
			out.buildIndex()
		}
		return mkDict(out), nil
	}
	name, arg := d.items[0].Key.s(), d.items[0].Value
	str, isStr := arg.AsStr()
	switch name {
	case "$tuple", "$set", "$frozenset", "$dict":
		if arg.kind != KindList {
			return Value{}, taggedErr(name, arg)
		}
		items, err := conv(arg.list())
		if err != nil {
			return Value{}, err
		}
		switch name {
		case "$tuple":
			return Tuple(items...), nil
		case "$set":
			return NewSet(items...)
		case "$frozenset":
			return NewFrozenSet(items...)
		}
		out := NewDict()
		for _, kv := range items {
			if kv.kind != KindList || kv.num != 2 {
				return Value{}, taggedErr(name, arg)
			}
			k := kv.list()[0]
			if _, err := hashKey(k, false); err != nil {
				return Value{}, err
			}
			out.SetKey(k, kv.list()[1])
		}
		return mkDict(out), nil
	case "$bytes", "$bytearray":
		b, err := base64.StdEncoding.DecodeString(str)
		if !isStr || err != nil {
			return Value{}, taggedErr(name, arg)
		}
		if name == "$bytes" {
			return Bytes(b), nil
		}
		return Bytearray(b), nil
	case "$decimal":
		if !isStr {
			return Value{}, taggedErr(name, arg)
		}
		return NewDecimal(str)
	case "$uuid":
		if !isStr {
			return Value{}, taggedErr(name, arg)
		}
		return ParseUUID(str)
	case "$timedelta":
		items := arg.Items()
		if arg.kind != KindList || len(items) != 3 {
			return Value{}, taggedErr(name, arg)
		}
		var f [3]int64
		for i, it := range items {
			n, ok := it.AsInt()
			if !ok {
				return Value{}, taggedErr(name, arg)
			}
			f[i] = n
		}
		return NewTimedelta(f[0], f[1], f[2])
	case "$date":
		d, ok := parseISODate(str)
		if !isStr || !ok {
			return Value{}, taggedErr(name, arg)
		}
		return NewDate(d.Year, d.Month, d.Day)
	case "$datetime", "$time":
		return dateFromTagged(name, arg)
	}
	return Value{}, fmt.Errorf("%w: unknown tag %q", ErrInvalidTagged, name)
}

func parseISODate(s string) (DateTime, bool) {
	var d DateTime
	if len(s) != 10 || s[4] != '-' || s[7] != '-' || !allDigits(s[:4]+s[5:7]+s[8:]) {
		return d, false
	}
	d.Year, _ = strconv.Atoi(s[:4])
	d.Month, _ = strconv.Atoi(s[5:7])
	d.Day, _ = strconv.Atoi(s[8:])
	return d, true
}

// parseISOClock reads HH:MM[:SS[.ffffff]].
func parseISOClock(s string, d *DateTime) bool {
	main, frac, hasFrac := strings.Cut(s, ".")
	parts := strings.Split(main, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return false
	}
	var n [3]int
	for i, p := range parts {
		if len(p) != 2 || !allDigits(p) {
			return false
		}
		n[i], _ = strconv.Atoi(p)
	}
	d.Hour, d.Minute, d.Second = n[0], n[1], n[2]
	if hasFrac {
		if len(frac) == 0 || len(frac) > 6 || !allDigits(frac) {
			return false
		}
		us, _ := strconv.Atoi(frac + strings.Repeat("0", 6-len(frac)))
		d.Microsecond = us
	}
	return true
}

// parseOffset reads ±HH:MM[:SS[.ffffff]].
func parseOffset(s string) (time.Duration, bool) {
	if len(s) < 6 || (s[0] != '+' && s[0] != '-') {
		return 0, false
	}
	var d DateTime
	if !parseISOClock(s[1:], &d) {
		return 0, false
	}
	off := time.Duration(d.Hour)*time.Hour + time.Duration(d.Minute)*time.Minute +
		time.Duration(d.Second)*time.Second + time.Duration(d.Microsecond)*time.Microsecond
	if s[0] == '-' {
		off = -off
	}
	return off, true
}

func dateFromTagged(name string, arg Value) (Value, error) {
	var iso string
	var tz *TZInfo
	fold := false
	if s, ok := arg.AsStr(); ok {
		iso = s
		start := 0
		if name == "$datetime" {
			start = min(10, len(s))
		}
		if i := strings.LastIndexAny(s[start:], "+-"); i >= 0 {
			off, ok := parseOffset(s[start+i:])
			if !ok {
				return Value{}, taggedErr(name, arg)
			}
			var err error
			if tz, err = FixedTZ(off); err != nil {
				return Value{}, err
			}
			iso = s[:start+i]
		}
	} else if d := arg.Dict(); d != nil {
		isoV, _ := d.Get("iso")
		var ok bool
		if iso, ok = isoV.AsStr(); !ok {
			return Value{}, taggedErr(name, arg)
		}
		if f, ok := d.Get("fold"); ok {
			n, _ := f.AsInt()
			fold = n == 1
		}
		if t, ok := d.Get("tz"); ok && !t.IsNone() {
			var err error
			if tz, err = tzFromTagged(t); err != nil {
				return Value{}, err
			}
		}
	} else {
		return Value{}, taggedErr(name, arg)
	}
	var dt DateTime
	clock := iso
	if name == "$datetime" {
		date, c, ok := strings.Cut(iso, "T")
		if !ok {
			return Value{}, taggedErr(name, arg)
		}
		if dt, ok = parseISODate(date); !ok {
			return Value{}, taggedErr(name, arg)
		}
		clock = c
	}
	if !parseISOClock(clock, &dt) {
		return Value{}, taggedErr(name, arg)
	}
	dt.Fold, dt.TZ = fold, tz
	if name == "$time" {
		return NewTime(dt)
	}
	return NewDatetime(dt)
}

func tzFromTagged(t Value) (*TZInfo, error) {
	if s, ok := t.AsStr(); ok && s == "utc" {
		return UTC, nil
	}
	d := t.Dict()
	if d == nil {
		return nil, fmt.Errorf("%w: bad tz %s", ErrInvalidTagged, t)
	}
	if m, ok := d.Get("pytz_fixed_offset"); ok {
		n, ok := m.AsInt()
		if !ok || m.Kind() != KindInt {
			return nil, fmt.Errorf("%w: bad tz %s", ErrInvalidTagged, t)
		}
		return PytzFixedOffset(int(n))
	}
	if k, ok := d.Get("pytz"); ok {
		key, ok := k.AsStr()
		if !ok {
			return nil, fmt.Errorf("%w: bad tz %s", ErrInvalidTagged, t)
		}
		if _, localized := d.Get("name"); !localized {
			if key == "UTC" {
				return PytzUTC, nil
			}
			return PytzStaticZone(key), nil
		}
		o, _ := d.Get("offset")
		ds, _ := d.Get("dst")
		n, _ := d.Get("name")
		os, ok1 := o.AsStr()
		dss, ok2 := ds.AsStr()
		name, ok3 := n.AsStr()
		off, ok4 := parseOffset(os)
		dst, ok5 := parseOffset(dss)
		if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
			return nil, fmt.Errorf("%w: bad tz %s", ErrInvalidTagged, t)
		}
		return PytzZone(key, off, dst, name)
	}
	if k, ok := d.Get("zoneinfo"); ok {
		key, ok := k.AsStr()
		if !ok {
			return nil, fmt.Errorf("%w: bad tz %s", ErrInvalidTagged, t)
		}
		if nc, ok := d.Get("nocache"); ok && nc.Truthy() {
			return &TZInfo{Kind: TZZoneInfo, Key: key, NoCache: true}, nil
		}
		return ZoneInfo(key), nil
	}
	o, _ := d.Get("offset")
	os, ok := o.AsStr()
	off, ok2 := parseOffset(os)
	if !ok || !ok2 {
		return nil, fmt.Errorf("%w: bad tz %s", ErrInvalidTagged, t)
	}
	if n, ok := d.Get("name"); ok {
		name, ok := n.AsStr()
		if !ok {
			return nil, fmt.Errorf("%w: bad tz %s", ErrInvalidTagged, t)
		}
		return NamedTZ(off, name)
	}
	return FixedTZ(off)
}
