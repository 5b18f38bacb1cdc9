package restframework

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/serializer"
)

// ErrNotJSONRenderable is returned by Response for data DRF's JSONRenderer refuses (a
// server error in DRF): a float or Decimal that is NaN or infinite (its STRICT_JSON), a
// str or bytes that is not UTF-8, an aware time, a dict key that is not a str, int,
// float, bool or None, a bytearray.
var ErrNotJSONRenderable = errors.New("restframework: not renderable as JSON")

// AcceptedMediaType returns the media type an APIView negotiated for the request whose
// context ctx is (DRF's request.accepted_media_type: "application/json", or the Accept
// header's entry, such as "application/json; indent=4"); "" outside an APIView.
func AcceptedMediaType(ctx context.Context) string {
	if rs, ok := ctx.Value(stateKey{}).(*state); ok {
		return rs.accepted.full
	}
	return ""
}

// Response answers the request with status and data, as a DRF view's
// Response(data, status) is rendered by JSONRenderer in the negotiated media type (see
// AcceptedMediaType): json.dumps with DRF's encoder (datetimes in ISO 8601 with "Z" for
// UTC, dates and times in ISO format, timedeltas as their seconds in a string, Decimals
// as floats, UUIDs as strings, bytes as text, tuples and sets as lists), non-ASCII as is,
// compact, or indented as the media type's "indent" asks. Nothing is written when data
// cannot be rendered (an error matching ErrNotJSONRenderable). The Content-Type is
// application/json (DRF's renderer's, whatever the Accept header's parameters); None is
// an empty answer without one, as DRF's. Outside an APIView nothing is indented.
func Response(w http.ResponseWriter, r *http.Request, status int, data serializer.Value) error {
	m := &mediaType{full: "application/json"}
	if rs, ok := r.Context().Value(stateKey{}).(*state); ok {
		m = rs.accepted
	}
	return render(w, m, status, data)
}

// render writes data as JSONRenderer does in m, with status: its own media type as the
// Content-Type, and for None no body and no Content-Type.
func render(w http.ResponseWriter, m *mediaType, status int, data serializer.Value) error {
	if data.IsNone() {
		w.WriteHeader(status)
		return nil
	}
	body, err := appendDRF(nil, data, m.indent, 0)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(body)
	return err
}

// object is a dict of str keys and values, in order.
func object(kv ...any) serializer.Value {
	d := serializer.NewDict()
	for i := 0; i < len(kv); i += 2 {
		var v serializer.Value
		switch x := kv[i+1].(type) {
		case string:
			v = serializer.Str(x)
		case []string:
			items := make([]serializer.Value, len(x))
			for j, s := range x {
				items[j] = serializer.Str(s)
			}
			v = serializer.List(items...)
		case serializer.Value:
			v = x
		}
		d.Set(kv[i].(string), v)
	}
	return serializer.DictValue(d)
}

func notRenderable(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrNotJSONRenderable}, args...)...)
}

// appendDRF appends v as json.dumps(v, cls=DRF's JSONEncoder, ensure_ascii=False,
// allow_nan=False, indent) writes it, with DRF's separators, U+2028 and U+2029 escaped.
func appendDRF(b []byte, v serializer.Value, indent, depth int) ([]byte, error) {
	if depth > 900 { // (Python's recursion limit stops json.dumps near here)
		return nil, notRenderable("nested too deep")
	}
	switch v.Kind() {
	case serializer.KindNone:
		return append(b, "null"...), nil
	case serializer.KindBool:
		t, _ := v.AsBool()
		return strconv.AppendBool(b, t), nil
	case serializer.KindInt:
		n, _ := v.AsBigInt()
		if n.BitLen() > 14000 { // (fewer bits make fewer than 4300 digits)
			if s := n.String(); len(strings.TrimPrefix(s, "-")) > serializer.MaxIntDigits {
				// (Python refuses to print an int of more digits: a ValueError)
				return nil, notRenderable("an int of more than %d digits", serializer.MaxIntDigits)
			}
		}
		return n.Append(b, 10), nil
	case serializer.KindFloat:
		f, _ := v.AsFloat()
		return appendFiniteFloat(b, f)
	case serializer.KindStr:
		s, _ := v.AsStr()
		return appendDRFString(b, s)
	case serializer.KindBytes:
		s, _ := v.AsBytes()
		return appendDRFString(b, string(s))
	case serializer.KindList, serializer.KindTuple, serializer.KindSet, serializer.KindFrozenSet:
		return appendDRFItems(b, '[', ']', v.Items(), indent, depth, func(b []byte, x serializer.Value) ([]byte, error) {
			return appendDRF(b, x, indent, depth+1)
		})
	case serializer.KindDict:
		items := v.Dict().Items()
		vs := make([]serializer.Value, len(items))
		for i := range items {
			vs[i] = serializer.Tuple(items[i].Key, items[i].Value)
		}
		return appendDRFItems(b, '{', '}', vs, indent, depth, func(b []byte, kv serializer.Value) ([]byte, error) {
			pair := kv.Items()
			b, err := appendDRFKey(b, pair[0])
			if err != nil {
				return nil, err
			}
			if b = append(b, ':'); indent > 0 {
				b = append(b, ' ')
			}
			return appendDRF(b, pair[1], indent, depth+1)
		})
	case serializer.KindDatetime:
		d, _ := v.AsDatetime()
		s, err := d.ISOFormat()
		if err != nil {
			return nil, err
		}
		if t, ok := strings.CutSuffix(s, "+00:00"); ok {
			s = t + "Z"
		}
		return appendDRFString(b, s)
	case serializer.KindDate:
		d, _ := v.AsDate()
		return appendDRFString(b, d.DateISOFormat())
	case serializer.KindTime:
		d, _ := v.AsTime()
		s := d.TimeISOFormat()
		if strings.ContainsAny(s, "+-") { // (an offset: the time is aware, utcoffset() not None)
			return nil, notRenderable("JSON can't represent timezone-aware times.")
		}
		return appendDRFString(b, s)
	case serializer.KindTimedelta:
		td, _ := v.AsTimedelta()
		f, _ := new(big.Rat).SetFrac(td.Micros(), big.NewInt(1e6)).Float64()
		return appendDRFString(b, serializer.FormatFloat(f))
	case serializer.KindDecimal:
		s, _ := v.AsDecimal()
		f, err := strconv.ParseFloat(s, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, notRenderable("Decimal %s", s)
		}
		return appendFiniteFloat(b, f)
	case serializer.KindBytearray:
		if v.Len() == 0 { // (DRF's encoder makes a dict of it: {} when empty, else a TypeError)
			return append(b, "{}"...), nil
		}
		return nil, notRenderable("Object of type bytearray is not JSON serializable")
	case serializer.KindUUID:
		u, _ := v.AsUUID()
		h := hex.EncodeToString(u[:])
		return appendDRFString(b, h[:8]+"-"+h[8:12]+"-"+h[12:16]+"-"+h[16:20]+"-"+h[20:])
	}
	return nil, notRenderable("Object of type %s is not JSON serializable", v.Kind())
}

func appendFiniteFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, notRenderable("Out of range float values are not JSON compliant")
	}
	return serializer.AppendFloat(b, f), nil
}

// appendDRFItems writes the items of an array or object, each by item, compact or
// indented as json.dumps does.
func appendDRFItems(b []byte, open, close byte, items []serializer.Value, indent, depth int,
	item func([]byte, serializer.Value) ([]byte, error)) ([]byte, error) {
	b = append(b, open)
	var err error
	for i, x := range items {
		if i > 0 {
			b = append(b, ',')
		}
		if indent > 0 {
			b = append(b, '\n')
			b = append(b, strings.Repeat(" ", (depth+1)*indent)...)
		}
		if b, err = item(b, x); err != nil {
			return nil, err
		}
	}
	if indent > 0 && len(items) > 0 {
		b = append(b, '\n')
		b = append(b, strings.Repeat(" ", depth*indent)...)
	}
	return append(b, close), nil
}

// appendDRFKey writes a dict key as json.dumps does: a str as is, None, bool, int and
// float as their JSON text in a string.
func appendDRFKey(b []byte, k serializer.Value) ([]byte, error) {
	switch k.Kind() {
	case serializer.KindStr:
		return appendDRF(b, k, 0, 0)
	case serializer.KindNone, serializer.KindBool, serializer.KindInt, serializer.KindFloat:
		text, err := appendDRF(nil, k, 0, 0)
		if err != nil {
			return nil, err
		}
		return appendDRFString(b, string(text))
	}
	return nil, notRenderable("keys must be str, int, float, bool or None, not %s", k.Kind())
}

// appendDRFString writes s as Python's json.dumps(s, ensure_ascii=False) does, with
// U+2028 and U+2029 escaped as DRF's JSONRenderer escapes them. A str that is not UTF-8
// (a lone surrogate) fails as DRF's encoding of the text does.
func appendDRFString(b []byte, s string) ([]byte, error) {
	const hex = "0123456789abcdef"
	if !utf8.ValidString(s) {
		return nil, notRenderable("text that is not UTF-8")
	}
	b = append(b, '"')
	for _, c := range s {
		switch c {
		case '"':
			b = append(b, `\"`...)
		case '\\':
			b = append(b, `\\`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		case '\b':
			b = append(b, `\b`...)
		case '\f':
			b = append(b, `\f`...)
		case '\u2028', '\u2029':
			b = append(b, `\u202`...)
			b = append(b, hex[c&0xf])
		default:
			if c < 0x20 {
				b = append(b, `\u00`...)
				b = append(b, hex[c>>4], hex[c&0xf])
			} else {
				b = utf8.AppendRune(b, c)
			}
		}
	}
	return append(b, '"'), nil
}

// DateTimeField is DRF's DateTimeField().to_representation of the instant t on a site of
// settings s (nil: Django's defaults), before rendering: with USE_TZ, t in TIME_ZONE, an
// aware datetime (which Response writes with its offset, "Z" for UTC); without, t's wall
// clock in TIME_ZONE, naive.
func DateTimeField(t time.Time, s *django.Settings) (serializer.Value, error) {
	return pyDatetime(t, s, false)
}

// TimezoneNow is Django's timezone.now() at the instant t on a site of settings s (nil:
// Django's defaults): an aware datetime in UTC with USE_TZ, else t's wall clock in
// TIME_ZONE, naive.
func TimezoneNow(t time.Time, s *django.Settings) (serializer.Value, error) {
	return pyDatetime(t, s, true)
}

func pyDatetime(t time.Time, s *django.Settings, utc bool) (serializer.Value, error) {
	if s == nil {
		d := django.NewSettings()
		s = &d
	}
	loc, err := s.Location()
	if err != nil {
		return serializer.Value{}, err
	}
	if s.UseTZ {
		if utc {
			loc = time.UTC
		}
		return serializer.DatetimeOf(t.In(loc)), nil
	}
	t = t.In(loc)
	return serializer.NewDatetime(serializer.DateTime{Year: t.Year(), Month: int(t.Month()), Day: t.Day(), Hour: t.Hour(),
		Minute: t.Minute(), Second: t.Second(), Microsecond: t.Nanosecond() / 1000})
}
