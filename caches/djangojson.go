package caches

import (
	"fmt"
	"math/big"
	"time"
	"unicode/utf8"

	"github.com/djsession/djsession/serializer"
)

// DjangoJSON is the JSON of django-redis's JSONSerializer: Python's json.dumps(value,
// cls=django.core.serializers.json.DjangoJSONEncoder) encoded as UTF-8 (ASCII in fact:
// ensure_ascii escapes the rest), with json's default separators ", " and ": ". Decoding
// is json.loads(data.decode()).
//
// DjangoJSONEncoder writes datetimes, dates and times as ISO 8601 strings (cut to
// milliseconds, "+00:00" spelled "Z"; an aware time is refused), timedeltas as ISO 8601
// durations and Decimals and UUIDs as their str(); tuples become lists. Those values read
// back as strings and lists, as they do in Python. Sets, bytes and bytearrays cannot be
// written (ErrUnsupported).
type DjangoJSON struct{}

// Encode returns json.dumps(v, cls=DjangoJSONEncoder).encode().
func (DjangoJSON) Encode(v serializer.Value) ([]byte, error) {
	conv, err := djangoJSONValue(v, 0)
	if err != nil {
		return nil, err
	}
	compact, err := serializer.EncodeJSON(conv)
	if err != nil {
		return nil, unsupported(err.Error())
	}
	return spaceJSON(compact), nil
}

// Decode returns json.loads(data.decode()).
func (DjangoJSON) Decode(data []byte) (serializer.Value, error) {
	if !utf8.Valid(data) {
		return serializer.Value{}, corrupt("json: invalid UTF-8", nil)
	}
	v, err := serializer.DecodeJSONText(string(data))
	if err != nil {
		return serializer.Value{}, corrupt("json", err)
	}
	return v, nil
}

// spaceJSON turns compact JSON into json.dumps's default spelling: a space after every
// "," and ":" outside strings (the compact form has no other white space).
func spaceJSON(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/8)
	inStr, esc := false, false
	for _, c := range b {
		out = append(out, c)
		switch {
		case inStr:
			if esc {
				esc = false
			} else if c == '\\' {
				esc = true
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == ',' || c == ':':
			out = append(out, ' ')
		}
	}
	return out
}

const maxJSONDepth = 10000

// djangoJSONValue replaces the values DjangoJSONEncoder.default converts by their JSON
// form.
func djangoJSONValue(v serializer.Value, depth int) (serializer.Value, error) {
	if depth > maxJSONDepth {
		return v, unsupported("json: nesting too deep")
	}
	switch v.Kind() {
	case serializer.KindNone, serializer.KindBool, serializer.KindInt, serializer.KindFloat, serializer.KindStr:
		return v, nil
	case serializer.KindList, serializer.KindTuple:
		items := v.Items()
		out := make([]serializer.Value, len(items))
		for i, it := range items {
			c, err := djangoJSONValue(it, depth+1)
			if err != nil {
				return v, err
			}
			out[i] = c
		}
		return serializer.List(out...), nil
	case serializer.KindDict:
		d := serializer.NewDict()
		for k, val := range v.Dict().All() {
			c, err := djangoJSONValue(val, depth+1)
			if err != nil {
				return v, err
			}
			d.SetKey(k, c)
		}
		return serializer.DictValue(d), nil
	case serializer.KindDatetime:
		dt, _ := v.AsDatetime()
		s, err := isoDatetime(dt)
		if err != nil {
			return v, err
		}
		if dt.Microsecond != 0 {
			s = s[:23] + s[26:]
		}
		if len(s) >= 6 && s[len(s)-6:] == "+00:00" {
			s = s[:len(s)-6] + "Z"
		}
		return serializer.Str(s), nil
	case serializer.KindDate:
		d, _ := v.AsDate()
		return serializer.Str(fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)), nil
	case serializer.KindTime:
		t, _ := v.AsTime()
		if t.TZ != nil {
			return v, unsupported("json: JSON can't represent timezone-aware times")
		}
		s := isoClock(t)
		if t.Microsecond != 0 {
			s = s[:12]
		}
		return serializer.Str(s), nil
	case serializer.KindTimedelta:
		td, _ := v.AsTimedelta()
		return serializer.Str(durationISO(td)), nil
	case serializer.KindDecimal:
		s, _ := v.AsDecimal()
		return serializer.Str(s), nil
	case serializer.KindUUID:
		u, _ := v.AsUUID()
		return serializer.Str(fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])), nil
	}
	return v, unsupported(fmt.Sprintf("json: Object of type %s is not JSON serializable", v.Kind()))
}

func isoClock(d serializer.DateTime) string {
	s := fmt.Sprintf("%02d:%02d:%02d", d.Hour, d.Minute, d.Second)
	if d.Microsecond != 0 {
		s += fmt.Sprintf(".%06d", d.Microsecond)
	}
	return s
}

// isoDatetime is datetime.isoformat(): the wall clock, then the UTC offset of an aware
// datetime.
func isoDatetime(d serializer.DateTime) (string, error) {
	s := fmt.Sprintf("%04d-%02d-%02dT", d.Year, d.Month, d.Day) + isoClock(d)
	if d.TZ == nil {
		return s, nil
	}
	var off time.Duration
	switch d.TZ.Kind {
	case serializer.TZFixed, serializer.TZPytzFixed, serializer.TZPytzUTC:
		off = d.TZ.Offset
	case serializer.TZPytz:
		if d.TZ.HasName {
			off = d.TZ.Offset
			break
		}
		fallthrough
	default:
		t, err := d.Time()
		if err != nil {
			return "", unsupported("json: " + err.Error())
		}
		_, o := t.Zone()
		off = time.Duration(o) * time.Second
	}
	return s + pyOffset(off), nil
}

// pyOffset formats a UTC offset as isoformat does: ±HH:MM[:SS[.ffffff]].
func pyOffset(d time.Duration) string {
	sign := byte('+')
	if d < 0 {
		sign, d = '-', -d
	}
	us := d.Microseconds()
	s := fmt.Sprintf("%c%02d:%02d", sign, us/3600e6, us/60e6%60)
	if us%60e6 != 0 {
		s += fmt.Sprintf(":%02d", us/1e6%60)
		if us%1e6 != 0 {
			s += fmt.Sprintf(".%06d", us%1e6)
		}
	}
	return s
}

// durationISO is django.utils.duration.duration_iso_string.
func durationISO(td serializer.Timedelta) string {
	sign := ""
	us := td.Micros()
	if us.Sign() < 0 {
		sign = "-"
		us.Neg(us)
	}
	const day = 86400 * 1000000
	days := new(big.Int)
	rest := new(big.Int)
	days.DivMod(us, big.NewInt(day), rest)
	r := rest.Int64()
	secs, micro := r/1e6, r%1e6
	s := fmt.Sprintf("%sP%sDT%02dH%02dM%02d", sign, days.String(), secs/3600, secs%3600/60, secs%60)
	if micro != 0 {
		s += fmt.Sprintf(".%06d", micro)
	}
	return s + "S"
}
