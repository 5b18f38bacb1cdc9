package serializer

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unsafe"
)

// This file holds the Python types beyond JSON's that sessions carry in pickles: set,
// frozenset, bytearray, datetime.datetime/date/time/timedelta, decimal.Decimal and
// uuid.UUID. None of them has a JSON form: EncodeJSON refuses them with
// ErrNotJSONSerializable, as Python's json raises TypeError.
//
// Layout in Value: set and frozenset hold their elements as a list does; bytearray, Decimal
// (its str() text) and UUID (its 16 bytes) as a str does; date, datetime and time pack
// their fields into num (datetime and time keep a *TZInfo in ptr, nil when naive); a
// timedelta points to a Timedelta.

// ErrInvalidValue is returned by the constructors of this file for arguments Python would
// reject (a month of 13, a malformed Decimal, an unhashable set element...).
var ErrInvalidValue = errors.New("serializer: invalid value")

// Bytearray returns a Python bytearray holding a copy of b.
func Bytearray(b []byte) Value { return mkStr(KindBytearray, string(b)) }

// AsBytearray returns a copy of the contents and true if v is a bytearray.
func (v Value) AsBytearray() ([]byte, bool) {
	if v.kind != KindBytearray {
		return nil, false
	}
	return []byte(v.s()), true
}

// NewSet returns a Python set of the items, in the given order, dropping items equal (as
// Python compares them) to an earlier one. Unhashable items (list, dict, set, bytearray)
// give an error, as in Python.
func NewSet(items ...Value) (Value, error) { return newSet(KindSet, items) }

// NewFrozenSet is [NewSet] for a frozenset.
func NewFrozenSet(items ...Value) (Value, error) { return newSet(KindFrozenSet, items) }

func newSet(k Kind, items []Value) (Value, error) {
	seen := make(map[string]struct{}, len(items))
	out := make([]Value, 0, len(items))
	for _, it := range items {
		key, err := hashKey(it, false)
		if err != nil {
			return Value{}, err
		}
		if _, dup := seen[key]; dup {
			continue
		}
		seen[key] = struct{}{}
		out = append(out, it)
	}
	return mkList(k, out), nil
}

var nanCounter atomic.Uint64

// hashKey returns a string that is equal for two hashable values exactly when Python
// finds them equal as dict keys or set elements (1, 1.0 and True are one key; each NaN
// object is its own key). With strict, values of different kinds never share a key (used
// by Equal on sets). Unhashable values give an error.
func hashKey(v Value, strict bool) (string, error) {
	var b []byte
	b, err := appendHashKey(b, v, strict, 0)
	return string(b), err
}

func appendHashKey(b []byte, v Value, strict bool, depth int) ([]byte, error) {
	if depth > maxEncodeDepth {
		return b, fmt.Errorf("%w: nesting too deep", ErrInvalidValue)
	}
	if strict {
		b = append(b, byte(v.kind)+'A')
	}
	switch v.kind {
	case KindNone:
		return append(b, 'N'), nil
	case KindBool:
		return append(b, 'i', byte('0'+v.num)), nil
	case KindInt:
		b = append(b, 'i')
		if r, ok := v.bigp(); ok {
			return r.Append(b, 10), nil
		}
		return strconv.AppendInt(b, int64(v.num), 10), nil
	case KindFloat:
		f := math.Float64frombits(v.num)
		if math.IsNaN(f) {
			if strict {
				return append(b, "nan"...), nil
			}
			return strconv.AppendUint(append(b, "nan#"...), nanCounter.Add(1), 10), nil
		}
		if f == math.Trunc(f) && !math.IsInf(f, 0) {
			bf, _ := new(big.Float).SetFloat64(f).Int(nil)
			return bf.Append(append(b, 'i'), 10), nil
		}
		return strconv.AppendUint(append(b, 'f'), v.num, 16), nil
	case KindStr, KindBytes, KindUUID:
		switch v.kind {
		case KindStr:
			b = append(b, 's')
		case KindBytes:
			b = append(b, 'b')
		default:
			b = append(b, 'u')
		}
		return append(b, v.s()...), nil
	case KindDecimal:
		return appendDecimalKey(b, v.s(), strict)
	case KindTuple, KindFrozenSet:
		var parts []string
		for _, e := range v.list() {
			k, err := appendHashKey(nil, e, strict, depth+1)
			if err != nil {
				return b, err
			}
			parts = append(parts, string(k))
		}
		if v.kind == KindFrozenSet {
			sort.Strings(parts)
			b = append(b, 'F')
		} else {
			b = append(b, 'T')
		}
		for _, p := range parts {
			b = strconv.AppendInt(b, int64(len(p)), 10)
			b = append(b, ':')
			b = append(b, p...)
		}
		return b, nil
	case KindDate:
		return strconv.AppendUint(append(b, 'D'), v.num, 16), nil
	case KindDatetime, KindTime:
		dt := unpackDT(v.num)
		tz := (*TZInfo)(v.ptr)
		dt.TZ = tz
		if tz == nil {
			return strconv.AppendUint(append(b, 'n', byte(v.kind)), v.num&^(1<<60), 16), nil
		}
		if v.kind == KindDatetime {
			if t, err := dt.instant(); err == nil {
				return strconv.AppendInt(append(b, 'a'), t.UnixMicro(), 10), nil
			}
		}
		b = strconv.AppendUint(append(b, 'z', byte(v.kind)), v.num&^(1<<60), 16)
		return append(b, tz.String()...), nil
	case KindTimedelta:
		td := (*Timedelta)(v.ptr)
		return fmt.Appendf(append(b, 'd'), "%d,%d,%d", td.Days, td.Seconds, td.Microseconds), nil
	}
	return b, fmt.Errorf("%w: unhashable type: '%s'", ErrInvalidValue, v.kind)
}

// appendDecimalKey appends the key of the Decimal with text s: the key of the equal int
// for an integral Decimal (1.50 and 1.5 share a key, 1.0 shares 1's), the key of the
// equal float for one a float holds exactly (1.5, Infinity), else the normalized digits.
// A NaN is its own key, as each NaN object is in Python, unless strict; a signaling NaN is
// unhashable, as in Python.
func appendDecimalKey(b []byte, s string, strict bool) ([]byte, error) {
	d, ok := parseDecimal(s)
	if !ok {
		return append(append(b, 'd'), s...), nil
	}
	switch {
	case d.special == "Infinity":
		return appendHashKey(b, Float(math.Inf(1-2*boolInt(d.neg))), strict, 0)
	case d.special != "" && strict:
		return append(append(b, 'd'), d.special...), nil
	case d.special == "NaN":
		return strconv.AppendUint(append(b, "nan#"...), nanCounter.Add(1), 10), nil
	case d.special != "":
		return b, fmt.Errorf("%w: cannot hash a signaling NaN value", ErrInvalidValue)
	}
	c, e := strings.TrimLeft(d.coef, "0"), d.exp
	if c == "" {
		return append(b, "i0"...), nil
	}
	for len(c) > 1 && c[len(c)-1] == '0' {
		c, e = c[:len(c)-1], e+1
	}
	sign := ""
	if d.neg {
		sign = "-"
	}
	if e >= 0 && e <= MaxIntDigits {
		b = append(append(append(b, 'i'), sign...), c...)
		for range e {
			b = append(b, '0')
		}
		return b, nil
	}
	// A float's exact value has at most 767 significant digits and 1074 after the point.
	if e < 0 && -e <= 1074 && len(c) <= 767 {
		r, _ := new(big.Rat).SetString(sign + c + "e" + strconv.Itoa(e))
		if f, exact := r.Float64(); exact {
			return appendHashKey(b, Float(f), strict, 0)
		}
	}
	return append(append(append(append(b, 'd'), sign...), c...), "e"+strconv.Itoa(e)...), nil
}

// --- Decimal ---

type decimalParts struct {
	neg     bool
	special string // "", "Infinity", "NaN", "sNaN"
	coef    string // digits (NaN payload for NaNs)
	exp     int
}

// parseDecimal reads the syntax Python's Decimal(str) accepts (without underscores and
// surrounding white space).
func parseDecimal(s string) (decimalParts, bool) {
	var d decimalParts
	if s != "" && (s[0] == '+' || s[0] == '-') {
		d.neg = s[0] == '-'
		s = s[1:]
	}
	low := strings.ToLower(s)
	switch {
	case low == "inf" || low == "infinity":
		d.special = "Infinity"
		return d, true
	case strings.HasPrefix(low, "nan") || strings.HasPrefix(low, "snan"):
		d.special, s = "NaN", s[3:]
		if low[0] == 's' {
			d.special, s = "sNaN", s[1:]
		}
		if !allDigits(s) {
			return d, false
		}
		d.coef = strings.TrimLeft(s, "0")
		return d, len(s) <= 1000
	}
	mant, exp, hasExp := strings.Cut(low, "e")
	ip, fp, _ := strings.Cut(mant, ".")
	if ip == "" && fp == "" || !allDigits(ip) || !allDigits(fp) {
		return d, false
	}
	if hasExp {
		es := exp
		if es != "" && (es[0] == '+' || es[0] == '-') {
			es = es[1:]
		}
		if es == "" || !allDigits(es) || len(es) > 17 {
			return d, false
		}
		n, err := strconv.ParseInt(exp, 10, 64)
		if err != nil || n > 1e17 || n < -1e17 {
			return d, false
		}
		d.exp = int(n)
	}
	d.coef = strings.TrimLeft(ip+fp, "0")
	if d.coef == "" {
		d.coef = "0"
	}
	d.exp -= len(fp)
	return d, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String returns Python's str() of the Decimal (to-scientific-string).
func (d decimalParts) String() string {
	var b strings.Builder
	if d.neg {
		b.WriteByte('-')
	}
	if d.special != "" {
		b.WriteString(d.special)
		b.WriteString(d.coef)
		return b.String()
	}
	c, e := d.coef, d.exp
	adj := e + len(c) - 1
	switch {
	case e <= 0 && adj >= -6:
		if e == 0 {
			b.WriteString(c)
		} else if len(c) > -e {
			b.WriteString(c[:len(c)+e])
			b.WriteByte('.')
			b.WriteString(c[len(c)+e:])
		} else {
			b.WriteString("0.")
			b.WriteString(strings.Repeat("0", -e-len(c)))
			b.WriteString(c)
		}
	default:
		b.WriteString(c[:1])
		if len(c) > 1 {
			b.WriteByte('.')
			b.WriteString(c[1:])
		}
		b.WriteByte('E')
		if adj >= 0 {
			b.WriteByte('+')
		}
		b.WriteString(strconv.Itoa(adj))
	}
	return b.String()
}

// NewDecimal returns a decimal.Decimal of the text s, as Decimal(s) reads it ("1.50",
// "-1e3", "NaN", "inf"; white space around it and underscores anywhere are dropped, as
// CPython's C decimal does), holding Python's str() of it ("1.50", "-1E+3", "NaN",
// "Infinity").
func NewDecimal(s string) (Value, error) {
	t := strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f })
	d, ok := parseDecimal(strings.ReplaceAll(t, "_", ""))
	if !ok {
		return Value{}, fmt.Errorf("%w: invalid Decimal literal %q", ErrInvalidValue, s)
	}
	return mkStr(KindDecimal, d.String()), nil
}

// AsDecimal returns Python's str() of the Decimal and true if v is a Decimal.
func (v Value) AsDecimal() (string, bool) {
	if v.kind != KindDecimal {
		return "", false
	}
	return v.s(), true
}

// --- UUID ---

// NewUUID returns a uuid.UUID of the 16 bytes (big-endian, as UUID.bytes).
func NewUUID(b [16]byte) Value { return mkStr(KindUUID, string(b[:])) }

// ParseUUID reads a UUID as uuid.UUID(hex) does: 32 hex digits, hyphens, braces and a
// "urn:uuid:" prefix allowed.
func ParseUUID(s string) (Value, error) {
	h := strings.TrimPrefix(strings.TrimPrefix(s, "urn:"), "uuid:")
	h = strings.Trim(h, "{}")
	h = strings.ReplaceAll(h, "-", "")
	var out [16]byte
	if len(h) != 32 {
		return Value{}, fmt.Errorf("%w: badly formed hexadecimal UUID string %q", ErrInvalidValue, s)
	}
	for i := range out {
		hi, ok1 := unhex(h[2*i])
		lo, ok2 := unhex(h[2*i+1])
		if !ok1 || !ok2 {
			return Value{}, fmt.Errorf("%w: badly formed hexadecimal UUID string %q", ErrInvalidValue, s)
		}
		out[i] = hi<<4 | lo
	}
	return NewUUID(out), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// AsUUID returns the 16 bytes and true if v is a UUID.
func (v Value) AsUUID() ([16]byte, bool) {
	var out [16]byte
	if v.kind != KindUUID {
		return out, false
	}
	copy(out[:], v.s())
	return out, true
}

func uuidString(b string) string {
	const hx = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i := 0; i < 16; i++ {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hx[b[i]>>4], hx[b[i]&15])
	}
	return string(out)
}

// --- timedelta ---

// Timedelta is a datetime.timedelta in Python's normalized form: 0 <= Seconds < 86400,
// 0 <= Microseconds < 1000000, |Days| <= 999999999.
type Timedelta struct {
	Days, Seconds, Microseconds int64
}

// NewTimedelta returns timedelta(days=days, seconds=seconds, microseconds=microseconds),
// normalized as Python does; results beyond ±999999999 days are an error.
func NewTimedelta(days, seconds, microseconds int64) (Value, error) {
	us := new(big.Int).Mul(big.NewInt(days), big.NewInt(86400))
	us.Add(us, big.NewInt(seconds))
	us.Mul(us, big.NewInt(1e6))
	us.Add(us, big.NewInt(microseconds))
	return timedeltaFromMicros(us)
}

func timedeltaFromMicros(us *big.Int) (Value, error) {
	day := big.NewInt(86400e6)
	d, r := new(big.Int).DivMod(us, day, new(big.Int))
	if !d.IsInt64() || d.Int64() > 999999999 || d.Int64() < -999999999 {
		return Value{}, fmt.Errorf("%w: timedelta days out of range", ErrInvalidValue)
	}
	rem := r.Int64()
	td := &Timedelta{Days: d.Int64(), Seconds: rem / 1e6, Microseconds: rem % 1e6}
	return Value{kind: KindTimedelta, ptr: unsafe.Pointer(td)}, nil
}

// TimedeltaOf returns the timedelta of d (nanoseconds truncated toward zero, as
// timedelta(microseconds=...) of an int would get them).
func TimedeltaOf(d time.Duration) Value {
	v, _ := timedeltaFromMicros(big.NewInt(d.Microseconds()))
	return v
}

// AsTimedelta returns the timedelta and true if v is one.
func (v Value) AsTimedelta() (Timedelta, bool) {
	if v.kind != KindTimedelta {
		return Timedelta{}, false
	}
	return *(*Timedelta)(v.ptr), true
}

// Micros returns the total length in microseconds (at most about 8.6e19 in magnitude, so
// it is returned as a big.Int).
func (t Timedelta) Micros() *big.Int {
	us := new(big.Int).Mul(big.NewInt(t.Days), big.NewInt(86400e6))
	return us.Add(us, big.NewInt(t.Seconds*1e6+t.Microseconds))
}

// Duration returns t as a time.Duration, and false if it does not fit (about ±292 years).
func (t Timedelta) Duration() (time.Duration, bool) {
	us := t.Micros()
	us.Mul(us, big.NewInt(1000))
	if !us.IsInt64() {
		return 0, false
	}
	return time.Duration(us.Int64()), true
}

// --- tzinfo ---

// TZKind is the Python class of a [TZInfo].
type TZKind uint8

// The tzinfo classes a session's datetimes may carry.
const (
	TZFixed    TZKind = iota + 1 // datetime.timezone (timezone.utc is the one with offset 0 and no name)
	TZZoneInfo                   // zoneinfo.ZoneInfo
	// pytz.utc, Django 3.2's timezone.utc, pickled as pytz._UTC(). Use [PytzUTC].
	TZPytzUTC
	// A pytz.timezone(Key) tzinfo, pickled as pytz._p(...): with HasName, the localized
	// tzinfo of an aware datetime (its utcoffset Offset, dst DST and tzname Name, all fixed
	// by the pickle); without, a pytz StaticTzInfo zone. Use [PytzZone] or [PytzStaticZone].
	TZPytz
	// pytz.FixedOffset(minutes), an Offset of whole minutes. Use [PytzFixedOffset].
	TZPytzFixed
)

// TZInfo is the tzinfo of an aware datetime or time. Treat it as immutable: it is shared
// between values, as Python shares tzinfo objects.
type TZInfo struct {
	Kind TZKind
	// TZFixed: the UTC offset (|Offset| < 24h, whole microseconds), and the name given to
	// datetime.timezone(offset, name), if HasName.
	Offset  time.Duration
	Name    string
	HasName bool
	// TZZoneInfo: the IANA key, and whether it was made by ZoneInfo.no_cache(key).
	Key     string
	NoCache bool
	// TZPytz (localized): the dst() of the tzinfo, whole seconds. Key, Offset and Name
	// hold the zone, utcoffset() and tzname().
	DST time.Duration
}

// UTC is datetime.timezone.utc.
var UTC = &TZInfo{Kind: TZFixed}

// FixedTZ returns datetime.timezone(offset) (UTC itself for a zero offset, as in Python).
// The offset must be less than 24 hours in magnitude and is truncated to microseconds.
func FixedTZ(offset time.Duration) (*TZInfo, error) {
	offset = offset.Truncate(time.Microsecond)
	if offset <= -24*time.Hour || offset >= 24*time.Hour {
		return nil, fmt.Errorf("%w: offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24)", ErrInvalidValue)
	}
	if offset == 0 {
		return UTC, nil
	}
	return &TZInfo{Kind: TZFixed, Offset: offset}, nil
}

// NamedTZ returns datetime.timezone(offset, name).
func NamedTZ(offset time.Duration, name string) (*TZInfo, error) {
	tz, err := FixedTZ(offset)
	if err != nil {
		return nil, err
	}
	return &TZInfo{Kind: TZFixed, Offset: tz.Offset, Name: name, HasName: true}, nil
}

var zoneCache sync.Map // key -> *TZInfo

// ZoneInfo returns zoneinfo.ZoneInfo(key). As in Python, the same key gives the same
// object. The key is not checked against the time zone database.
func ZoneInfo(key string) *TZInfo {
	if tz, ok := zoneCache.Load(key); ok {
		return tz.(*TZInfo)
	}
	tz, _ := zoneCache.LoadOrStore(key, &TZInfo{Kind: TZZoneInfo, Key: key})
	return tz.(*TZInfo)
}

// PytzUTC is pytz.utc (pytz.UTC), which Django 3.2 uses as timezone.utc: the datetimes of
// timezone.now() in Django 3.2 sessions carry it.
var PytzUTC = &TZInfo{Kind: TZPytzUTC, Key: "UTC"}

var (
	pytzCache sync.Map // TZInfo -> *TZInfo
	pytzKeys  sync.Map // zone key -> the one string of that key
)

func internPytz(tz TZInfo) *TZInfo {
	if tz.Key != "" {
		// One key string per zone, as pytz shares its zone name between the tzinfos of a
		// zone (the pickler memoizes it once).
		k, _ := pytzKeys.LoadOrStore(tz.Key, tz.Key)
		tz.Key = k.(string)
	}
	got, _ := pytzCache.LoadOrStore(tz, &tz)
	return got.(*TZInfo)
}

// PytzZone returns the pytz tzinfo of zone key localized to utcoffset, dst and tzname
// name, as pytz.timezone(key).localize(dt).tzinfo is and as pytz._p(key, utcoffset, dst,
// name) unpickles it. The offsets are truncated to whole seconds and must be less than 24
// hours in magnitude. The same arguments give the same object, as in pytz.
func PytzZone(key string, utcoffset, dst time.Duration, name string) (*TZInfo, error) {
	utcoffset, dst = utcoffset.Truncate(time.Second), dst.Truncate(time.Second)
	if utcoffset <= -24*time.Hour || utcoffset >= 24*time.Hour || dst <= -24*time.Hour || dst >= 24*time.Hour {
		return nil, fmt.Errorf("%w: pytz offsets must be strictly between -24 and 24 hours", ErrInvalidValue)
	}
	return internPytz(TZInfo{Kind: TZPytz, Key: key, Offset: utcoffset, DST: dst, Name: name, HasName: true}), nil
}

// PytzStaticZone returns the pytz StaticTzInfo zone key (pytz.timezone("EST") and the
// like), which pickles as pytz._p(key). Its offset comes from the time zone database.
func PytzStaticZone(key string) *TZInfo {
	return internPytz(TZInfo{Kind: TZPytz, Key: key})
}

// PytzFixedOffset returns pytz.FixedOffset(minutes); as in pytz, 0 gives [PytzUTC].
func PytzFixedOffset(minutes int) (*TZInfo, error) {
	if minutes <= -24*60 || minutes >= 24*60 {
		return nil, fmt.Errorf("%w: absolute offset is too large", ErrInvalidValue)
	}
	if minutes == 0 {
		return PytzUTC, nil
	}
	return internPytz(TZInfo{Kind: TZPytzFixed, Offset: time.Duration(minutes) * time.Minute}), nil
}

// fixedOffset tells whether the UTC offset of the tzinfo is the same at every instant
// (Offset), as for datetime.timezone, pytz.utc, pytz.FixedOffset and a localized pytz
// tzinfo.
func (tz *TZInfo) fixedOffset() bool {
	switch tz.Kind {
	case TZFixed, TZPytzUTC, TZPytzFixed:
		return true
	case TZPytz:
		return tz.HasName
	}
	return false
}

// String describes the tzinfo as Python's repr does.
func (tz *TZInfo) String() string {
	switch {
	case tz == nil:
		return "None"
	case tz == UTC || (tz.Kind == TZFixed && tz.Offset == 0 && !tz.HasName):
		return "datetime.timezone.utc"
	case tz.Kind == TZFixed:
		s := "datetime.timezone(" + timedeltaRepr(tdOfDuration(tz.Offset))
		if tz.HasName {
			s += ", " + strconv.Quote(tz.Name)
		}
		return s + ")"
	case tz.Kind == TZPytzUTC:
		return "<UTC>"
	case tz.Kind == TZPytzFixed:
		return "pytz.FixedOffset(" + strconv.Itoa(int(tz.Offset/time.Minute)) + ")"
	case tz.Kind == TZPytz && !tz.HasName:
		return "<StaticTzInfo " + strconv.Quote(tz.Key) + ">"
	case tz.Kind == TZPytz:
		dst := "STD"
		if tz.DST != 0 {
			dst = "DST"
		}
		return "<DstTzInfo " + strconv.Quote(tz.Key) + " " + tz.Name + offsetText(tz.Offset) + " " + dst + ">"
	case tz.NoCache:
		return "zoneinfo.ZoneInfo.no_cache(key=" + strconv.Quote(tz.Key) + ")"
	}
	return "zoneinfo.ZoneInfo(key=" + strconv.Quote(tz.Key) + ")"
}

func tzEqual(a, b *TZInfo) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b || (a.Kind == TZFixed && b.Kind == TZFixed && a.Offset == b.Offset && !a.HasName && !b.HasName)
}

// Location returns the Go location of the tzinfo: a fixed zone (offsets truncated to whole
// seconds) or time.LoadLocation of the ZoneInfo key.
func (tz *TZInfo) Location() (*time.Location, error) {
	switch {
	case tz.Kind == TZZoneInfo || (tz.Kind == TZPytz && !tz.HasName):
		return time.LoadLocation(tz.Key)
	case tz.Kind == TZPytzUTC:
		return time.UTC, nil
	case tz.Kind == TZPytz:
		return time.FixedZone(tz.Name, int(tz.Offset/time.Second)), nil
	}
	if tz.Offset == 0 && !tz.HasName {
		return time.UTC, nil
	}
	name := tz.Name
	if !tz.HasName {
		name = "UTC" + offsetText(tz.Offset)
	}
	return time.FixedZone(name, int(tz.Offset/time.Second)), nil
}

func tdOfDuration(d time.Duration) Timedelta {
	v := TimedeltaOf(d)
	return *(*Timedelta)(v.ptr)
}

// offsetText formats a UTC offset as isoformat does: ±HH:MM[:SS[.ffffff]].
func offsetText(d time.Duration) string {
	sign := byte('+')
	if d < 0 {
		sign, d = '-', -d
	}
	us := d.Microseconds()
	h, m, s, f := us/3600e6, us/60e6%60, us/1e6%60, us%1e6
	out := fmt.Sprintf("%c%02d:%02d", sign, h, m)
	if s != 0 || f != 0 {
		out += fmt.Sprintf(":%02d", s)
	}
	if f != 0 {
		out += fmt.Sprintf(".%06d", f)
	}
	return out
}

// --- date, datetime, time ---

// DateTime holds the fields of a datetime.datetime, a datetime.date (Year, Month, Day
// only) or a datetime.time (Hour to TZ only). TZ is nil for a naive value. Fold is PEP
// 495's fold: true selects the second of two ambiguous wall times.
type DateTime struct {
	Year, Month, Day                  int
	Hour, Minute, Second, Microsecond int
	Fold                              bool
	TZ                                *TZInfo
}

// Bit layout of date/datetime/time in Value.num.
const (
	dtUsShift, dtSecShift, dtMinShift, dtHourShift = 0, 20, 26, 32
	dtDayShift, dtMonShift, dtYearShift, dtFold    = 37, 42, 46, 60
)

func packDT(d DateTime) uint64 {
	n := uint64(d.Microsecond)<<dtUsShift | uint64(d.Second)<<dtSecShift | uint64(d.Minute)<<dtMinShift |
		uint64(d.Hour)<<dtHourShift | uint64(d.Day)<<dtDayShift | uint64(d.Month)<<dtMonShift |
		uint64(d.Year)<<dtYearShift
	if d.Fold {
		n |= 1 << dtFold
	}
	return n
}

func unpackDT(n uint64) DateTime {
	return DateTime{
		Microsecond: int(n >> dtUsShift & (1<<20 - 1)), Second: int(n >> dtSecShift & 63),
		Minute: int(n >> dtMinShift & 63), Hour: int(n >> dtHourShift & 31), Day: int(n >> dtDayShift & 31),
		Month: int(n >> dtMonShift & 15), Year: int(n >> dtYearShift & (1<<14 - 1)), Fold: n>>dtFold&1 == 1,
	}
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func checkDate(y, m, d int) error {
	if y < 1 || y > 9999 {
		return fmt.Errorf("%w: year %d is out of range", ErrInvalidValue, y)
	}
	if m < 1 || m > 12 {
		return fmt.Errorf("%w: month must be in 1..12", ErrInvalidValue)
	}
	if d < 1 || d > daysIn(y, m) {
		return fmt.Errorf("%w: day is out of range for month", ErrInvalidValue)
	}
	return nil
}

func checkTime(h, mi, s, us int) error {
	if h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59 || us < 0 || us > 999999 {
		return fmt.Errorf("%w: time field out of range (%02d:%02d:%02d.%06d)", ErrInvalidValue, h, mi, s, us)
	}
	return nil
}

// NewDatetime returns a datetime.datetime of the fields, checked as Python checks them.
func NewDatetime(d DateTime) (Value, error) {
	if err := checkDate(d.Year, d.Month, d.Day); err != nil {
		return Value{}, err
	}
	if err := checkTime(d.Hour, d.Minute, d.Second, d.Microsecond); err != nil {
		return Value{}, err
	}
	return Value{kind: KindDatetime, num: packDT(d), ptr: unsafe.Pointer(d.TZ)}, nil
}

// NewDate returns a datetime.date.
func NewDate(year, month, day int) (Value, error) {
	if err := checkDate(year, month, day); err != nil {
		return Value{}, err
	}
	return Value{kind: KindDate, num: packDT(DateTime{Year: year, Month: month, Day: day})}, nil
}

// NewTime returns a datetime.time of the Hour, Minute, Second, Microsecond, Fold and TZ of
// d (its date fields are ignored).
func NewTime(d DateTime) (Value, error) {
	if err := checkTime(d.Hour, d.Minute, d.Second, d.Microsecond); err != nil {
		return Value{}, err
	}
	t := DateTime{Hour: d.Hour, Minute: d.Minute, Second: d.Second, Microsecond: d.Microsecond, Fold: d.Fold}
	return Value{kind: KindTime, num: packDT(t), ptr: unsafe.Pointer(d.TZ)}, nil
}

// DatetimeOf returns the aware datetime of t, to the microsecond (truncated). Its tzinfo is
// timezone.utc for time.UTC, zoneinfo.ZoneInfo(name) for a location loaded by name, and a
// fixed-offset datetime.timezone otherwise (time.Local included).
func DatetimeOf(t time.Time) Value {
	var tz *TZInfo
	name := t.Location().String()
	_, off := t.Zone()
	switch {
	case t.Location() == time.UTC:
		tz = UTC
	case name != "" && name != "Local" && strings.Contains(name, "/"):
		tz = ZoneInfo(name)
	default:
		tz, _ = FixedTZ(time.Duration(off) * time.Second)
	}
	d := DateTime{Year: t.Year(), Month: int(t.Month()), Day: t.Day(), Hour: t.Hour(), Minute: t.Minute(),
		Second: t.Second(), Microsecond: t.Nanosecond() / 1000, TZ: tz}
	if tz.Kind == TZZoneInfo {
		// fold=1 marks the second of two instants that show the same wall time.
		for _, probe := range []time.Duration{-36 * time.Hour, 36 * time.Hour} {
			_, o := t.Add(probe).Zone()
			if o > off {
				if e := t.Add(-time.Duration(o-off) * time.Second); e.Format(time.DateTime) == t.Format(time.DateTime) {
					d.Fold = true
				}
			}
		}
	}
	v, err := NewDatetime(d)
	if err != nil { // year outside 1..9999
		return Value{}
	}
	return v
}

// AsDatetime returns the fields and true if v is a datetime.datetime.
func (v Value) AsDatetime() (DateTime, bool) {
	if v.kind != KindDatetime {
		return DateTime{}, false
	}
	d := unpackDT(v.num)
	d.TZ = (*TZInfo)(v.ptr)
	return d, true
}

// AsDate returns the fields (Year, Month, Day) and true if v is a datetime.date.
func (v Value) AsDate() (DateTime, bool) {
	if v.kind != KindDate {
		return DateTime{}, false
	}
	return unpackDT(v.num), true
}

// AsTime returns the fields (Hour to TZ) and true if v is a datetime.time.
func (v Value) AsTime() (DateTime, bool) {
	if v.kind != KindTime {
		return DateTime{}, false
	}
	d := unpackDT(v.num)
	d.TZ = (*TZInfo)(v.ptr)
	return d, true
}

// In returns the wall time of d in loc: the date and time fields, ignoring TZ.
func (d DateTime) In(loc *time.Location) time.Time {
	return time.Date(d.Year, time.Month(d.Month), d.Day, d.Hour, d.Minute, d.Second, d.Microsecond*1000, loc)
}

// Time returns the instant of an aware datetime in its own location, resolving ambiguous
// and missing wall times by Fold as Python does (fold=0: the earlier offset). A naive
// datetime is returned as a wall time in time.UTC, with an error wrapping ErrInvalidValue
// that says so.
func (d DateTime) Time() (time.Time, error) {
	if d.TZ == nil {
		return d.In(time.UTC), fmt.Errorf("%w: naive datetime has no instant", ErrInvalidValue)
	}
	return d.instant()
}

func (d DateTime) instant() (time.Time, error) {
	loc, err := d.TZ.Location()
	if err != nil {
		return time.Time{}, err
	}
	if d.TZ.fixedOffset() {
		wall := d.In(time.UTC)
		return wall.Add(-d.TZ.Offset).In(loc), nil
	}
	wall := d.In(time.UTC)
	var offs []int
	for _, probe := range []time.Duration{-36 * time.Hour, 0, 36 * time.Hour} {
		_, off := wall.Add(probe).In(loc).Zone()
		offs = append(offs, off)
	}
	var valid []time.Time
	for _, off := range offs {
		t := wall.Add(-time.Duration(off) * time.Second)
		if _, o := t.In(loc).Zone(); o == off {
			if len(valid) == 0 || !valid[len(valid)-1].Equal(t) {
				valid = append(valid, t)
			}
		}
	}
	sort.Slice(valid, func(i, j int) bool { return valid[i].Before(valid[j]) })
	switch {
	case len(valid) == 0: // a gap: fold=0 uses the offset from before it
		off := offs[0]
		if d.Fold {
			off = offs[2]
		}
		return wall.Add(-time.Duration(off) * time.Second).In(loc), nil
	case d.Fold:
		return valid[len(valid)-1].In(loc), nil
	}
	return valid[0].In(loc), nil
}

// ISOFormat returns datetime.isoformat() of a datetime: "YYYY-MM-DDTHH:MM:SS", then
// ".ffffff" when there are microseconds, then the UTC offset of an aware datetime
// ("+00:00"). The offset of a zone whose offset changes is the one at the datetime's
// instant; an error comes only from a zone that cannot be loaded.
func (d DateTime) ISOFormat() (string, error) {
	s := d.isoDate() + "T" + d.isoClock()
	switch {
	case d.TZ == nil:
		return s, nil
	case d.TZ.fixedOffset():
		return s + offsetText(d.TZ.Offset), nil
	}
	t, err := d.instant()
	if err != nil {
		return "", err
	}
	// utcoffset() is the wall time less the instant: in a gap, the offset fold chose,
	// which the instant's own zone does not show.
	return s + offsetText(d.In(time.UTC).Sub(t)), nil
}

// DateISOFormat returns date.isoformat() of the date fields of d: "YYYY-MM-DD".
func (d DateTime) DateISOFormat() string { return d.isoDate() }

// TimeISOFormat returns time.isoformat() of the time fields of d: "HH:MM:SS", then
// ".ffffff" when there are microseconds, then the offset of a fixed-offset TZ (a time in
// a zone whose offset changes has none: its utcoffset() is None).
func (d DateTime) TimeISOFormat() string {
	s := d.isoClock()
	if d.TZ != nil && d.TZ.fixedOffset() {
		s += offsetText(d.TZ.Offset)
	}
	return s
}

// isoformat of a date/datetime/time in Python's spelling (without the UTC offset).
func (d DateTime) isoDate() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

func (d DateTime) isoClock() string {
	s := fmt.Sprintf("%02d:%02d:%02d", d.Hour, d.Minute, d.Second)
	if d.Microsecond != 0 {
		s += fmt.Sprintf(".%06d", d.Microsecond)
	}
	return s
}

// --- repr, Equal and truthiness of the new kinds ---

func timedeltaRepr(t Timedelta) string {
	var parts []string
	if t.Days != 0 {
		parts = append(parts, fmt.Sprintf("days=%d", t.Days))
	}
	if t.Seconds != 0 {
		parts = append(parts, fmt.Sprintf("seconds=%d", t.Seconds))
	}
	if t.Microseconds != 0 {
		parts = append(parts, fmt.Sprintf("microseconds=%d", t.Microseconds))
	}
	if len(parts) == 0 {
		parts = []string{"0"}
	}
	return "datetime.timedelta(" + strings.Join(parts, ", ") + ")"
}

func reprExtra(v Value, b *strings.Builder) {
	switch v.kind {
	case KindSet, KindFrozenSet:
		items := v.list()
		if v.kind == KindFrozenSet {
			b.WriteString("frozenset(")
		} else if len(items) == 0 {
			b.WriteString("set()")
			return
		}
		if len(items) > 0 || v.kind == KindSet {
			b.WriteString("{")
			for i, e := range items {
				if i > 0 {
					b.WriteString(", ")
				}
				e.repr(b)
			}
			b.WriteString("}")
		}
		if v.kind == KindFrozenSet {
			b.WriteString(")")
		}
	case KindBytearray:
		fmt.Fprintf(b, "bytearray(b%q)", v.s())
	case KindDecimal:
		fmt.Fprintf(b, "Decimal('%s')", v.s())
	case KindUUID:
		fmt.Fprintf(b, "UUID('%s')", uuidString(v.s()))
	case KindTimedelta:
		b.WriteString(timedeltaRepr(*(*Timedelta)(v.ptr)))
	case KindDate:
		d := unpackDT(v.num)
		fmt.Fprintf(b, "datetime.date(%d, %d, %d)", d.Year, d.Month, d.Day)
	case KindDatetime, KindTime:
		d := unpackDT(v.num)
		nums := []int{d.Year, d.Month, d.Day, d.Hour, d.Minute, d.Second, d.Microsecond}
		name := "datetime.datetime("
		if v.kind == KindTime {
			nums, name = nums[3:], "datetime.time("
		}
		for len(nums) > 3 && nums[len(nums)-1] == 0 && v.kind == KindDatetime {
			nums = nums[:len(nums)-1]
		}
		for len(nums) > 2 && nums[len(nums)-1] == 0 && v.kind == KindTime {
			nums = nums[:len(nums)-1]
		}
		b.WriteString(name)
		for i, n := range nums {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Itoa(n))
		}
		if d.Fold {
			b.WriteString(", fold=1")
		}
		if v.ptr != nil {
			b.WriteString(", tzinfo=" + (*TZInfo)(v.ptr).String())
		}
		b.WriteString(")")
	default:
		fmt.Fprintf(b, "<%s>", v.kind)
	}
}

func equalExtra(a, b Value) bool {
	switch a.kind {
	case KindBytearray, KindDecimal, KindUUID:
		return a.s() == b.s()
	case KindDate:
		return a.num == b.num
	case KindDatetime, KindTime:
		return a.num == b.num && tzEqual((*TZInfo)(a.ptr), (*TZInfo)(b.ptr))
	case KindTimedelta:
		return *(*Timedelta)(a.ptr) == *(*Timedelta)(b.ptr)
	case KindSet, KindFrozenSet:
		as, bs := a.list(), b.list()
		if len(as) != len(bs) {
			return false
		}
		count := make(map[string]int, len(as))
		for _, e := range as {
			k, _ := hashKey(e, true)
			count[k]++
		}
		for _, e := range bs {
			k, _ := hashKey(e, true)
			if count[k] == 0 {
				return false
			}
			count[k]--
		}
		return true
	}
	return false
}

func truthyExtra(v Value) bool {
	if v.kind == KindTimedelta {
		return *(*Timedelta)(v.ptr) != Timedelta{}
	}
	d, ok := parseDecimal(v.s())
	return !ok || d.special != "" || strings.Trim(d.coef, "0") != ""
}
