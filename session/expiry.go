package session

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/djsession/djsession/serializer"
)

// ExpiryKey is the session key that holds a custom expiry (set_expiry).
const ExpiryKey = "_session_expiry"

// DefaultCookieAge is SESSION_COOKIE_AGE's default: two weeks, in seconds.
const DefaultCookieAge = 1209600

// ErrBadExpiry is returned for a _session_expiry value Django could not use.
var ErrBadExpiry = errors.New("session: unusable _session_expiry")

// Expiry is the expiry arithmetic of Django's SessionBase (get_expiry_age,
// get_expiry_date, get_expire_at_browser_close, set_expiry), in one place for every
// engine. Field names follow Django's settings; the zero value means Django's defaults with
// USE_TZ = True.
type Expiry struct {
	// CookieAge is SESSION_COOKIE_AGE in seconds; 0 means DefaultCookieAge.
	CookieAge int
	// ExpireAtBrowserClose is SESSION_EXPIRE_AT_BROWSER_CLOSE.
	ExpireAtBrowserClose bool
	// NaiveTimes mirrors USE_TZ = False: times are naive local times in Location, so
	// arithmetic runs on wall clocks as Python's naive datetimes do (a day across a DST
	// change is still 86400 seconds of wall clock), and SetExpiry writes ISO strings
	// without an offset.
	NaiveTimes bool
	// Location is TIME_ZONE, the zone of naive times (those Django wrote with
	// USE_TZ = False, or ISO strings without an offset); nil means UTC.
	Location *time.Location
	// StoreDatetime makes SetExpiry store absolute times as datetime objects, as Django
	// ≤ 4.0 does (only a pickle serializer can hold them; Django's JSON serializer fails
	// on them). Stored datetimes are always read, whatever this says.
	StoreDatetime bool
}

func (e Expiry) cookieAge() int64 {
	if e.CookieAge == 0 {
		return DefaultCookieAge
	}
	return int64(e.CookieAge)
}

func (e Expiry) loc() *time.Location {
	if e.Location == nil {
		return time.UTC
	}
	return e.Location
}

// stored returns the _session_expiry value of data, if any.
func stored(data *serializer.Dict) (serializer.Value, bool) {
	if data == nil {
		return serializer.Value{}, false
	}
	return data.Get(ExpiryKey)
}

// Age returns get_expiry_age(modification=modification): the seconds from modification
// until the session expires. A stored int is returned unchanged (even when negative, as
// Django does); an absolute expiry gives whole seconds rounded down; no expiry, 0 or
// None give CookieAge.
func (e Expiry) Age(data *serializer.Dict, modification time.Time) (int64, error) {
	v, ok := stored(data)
	if !ok || !v.Truthy() {
		return e.cookieAge(), nil
	}
	switch v.Kind() {
	case serializer.KindInt, serializer.KindBool:
		n, ok := v.AsInt()
		if !ok {
			if b, isBool := v.AsBool(); isBool && b {
				return 1, nil
			}
			return 0, fmt.Errorf("%w: %v does not fit in 64 bits", ErrBadExpiry, v)
		}
		return n, nil
	case serializer.KindFloat:
		f, _ := v.AsFloat()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, fmt.Errorf("%w: %v", ErrBadExpiry, v)
		}
		return int64(math.Floor(f)), nil
	}
	t, err := e.absolute(v)
	if err != nil {
		return 0, err
	}
	if e.NaiveTimes {
		// Django subtracts naive local datetimes: wall clocks, blind to DST changes.
		t, modification = e.wall(t), e.wall(modification)
	}
	return floorSeconds(t.Sub(modification)), nil
}

// wall returns the wall clock of t in Location as a UTC time, for naive arithmetic.
func (e Expiry) wall(t time.Time) time.Time {
	t = t.In(e.loc())
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// unwall is the inverse of wall: the time in Location with w's wall clock.
func (e Expiry) unwall(w time.Time) time.Time {
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), e.loc())
}

// floorSeconds is timedelta.days*86400 + timedelta.seconds: whole seconds rounded toward
// minus infinity.
func floorSeconds(d time.Duration) int64 {
	s := int64(d / time.Second)
	if d%time.Second < 0 {
		s--
	}
	return s
}

// Date returns get_expiry_date(modification=modification): the stored absolute expiry,
// or modification plus the stored seconds (or CookieAge).
func (e Expiry) Date(data *serializer.Dict, modification time.Time) (time.Time, error) {
	v, ok := stored(data)
	if ok && v.Truthy() && (v.Kind() == serializer.KindStr || v.Kind() == serializer.KindDatetime) {
		return e.absolute(v)
	}
	age, err := e.Age(data, modification)
	if err != nil {
		return time.Time{}, err
	}
	nsec := int64(0) // sub-second part of a float expiry
	if ok && v.Kind() == serializer.KindFloat {
		f, _ := v.AsFloat()
		nsec = int64((f - math.Floor(f)) * 1e9)
	}
	// Add whole seconds through Unix time: a time.Duration overflows past 292 years.
	add := func(t time.Time) time.Time {
		return time.Unix(t.Unix()+age, int64(t.Nanosecond())+nsec).In(t.Location())
	}
	if e.NaiveTimes {
		// Naive local datetime + timedelta moves the wall clock, blind to DST changes.
		return e.unwall(add(e.wall(modification))), nil
	}
	return add(modification), nil
}

// AtBrowserClose returns get_expire_at_browser_close(): the setting when no expiry is
// stored (or None is), else whether the stored expiry is 0.
func (e Expiry) AtBrowserClose(data *serializer.Dict) bool {
	v, ok := stored(data)
	if !ok || v.IsNone() {
		return e.ExpireAtBrowserClose
	}
	if n, isInt := v.AsInt(); isInt {
		return n == 0
	}
	if f, isFloat := v.AsFloat(); isFloat {
		return f == 0
	}
	if b, isBool := v.AsBool(); isBool {
		return !b
	}
	return false
}

// absolute reads an absolute expiry: an ISO 8601 string (Django 4.1+) or a datetime
// (Django ≤ 4.0 with pickle; naive ones are in Location).
func (e Expiry) absolute(v serializer.Value) (time.Time, error) {
	if d, ok := v.AsDatetime(); ok {
		if d.TZ == nil {
			return d.In(e.loc()), nil
		}
		t, err := d.Time()
		if err != nil {
			return time.Time{}, fmt.Errorf("%w: %w", ErrBadExpiry, err)
		}
		return t, nil
	}
	s, ok := v.AsStr()
	if !ok {
		return time.Time{}, fmt.Errorf("%w: %s value %v", ErrBadExpiry, v.Kind(), v)
	}
	t, err := ParseISO(s, e.loc())
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %w", ErrBadExpiry, err)
	}
	return t, nil
}

// SetExpiry is set_expiry: value may be nil (delete the custom expiry, use the default),
// an int number of seconds of inactivity (0: expire at browser close), a time.Duration
// (now + duration, stored as an absolute time) or a time.Time (stored as an absolute
// time). Absolute times are stored as Django 4.1+ does, as datetime.isoformat() text: with
// its UTC offset, or, with NaiveTimes, as naive local time in Location.
func (e Expiry) SetExpiry(data *serializer.Dict, value any, now time.Time) error {
	switch v := value.(type) {
	case nil:
		data.Delete(ExpiryKey)
	case int:
		data.Set(ExpiryKey, serializer.Int(int64(v)))
	case int64:
		data.Set(ExpiryKey, serializer.Int(v))
	case time.Duration:
		data.Set(ExpiryKey, e.absoluteValue(now.Add(v)))
	case time.Time:
		data.Set(ExpiryKey, e.absoluteValue(v))
	default:
		return fmt.Errorf("%w: cannot set expiry from %T", ErrBadExpiry, value)
	}
	return nil
}

// absoluteValue is what set_expiry stores for an absolute time: isoformat() text, or
// with StoreDatetime the datetime itself (naive in Location with NaiveTimes).
func (e Expiry) absoluteValue(t time.Time) serializer.Value {
	if !e.StoreDatetime {
		return serializer.Str(e.FormatISO(t))
	}
	if e.NaiveTimes {
		w := e.wall(t)
		v, err := serializer.NewDatetime(serializer.DateTime{Year: w.Year(), Month: int(w.Month()), Day: w.Day(),
			Hour: w.Hour(), Minute: w.Minute(), Second: w.Second(), Microsecond: w.Nanosecond() / 1000})
		if err == nil {
			return v
		}
	}
	return serializer.DatetimeOf(t)
}

// FormatISO writes t as Python's datetime.isoformat() writes the datetime Django would
// hold: aware (in t's zone, with its offset) unless NaiveTimes, in which case t is
// converted to Location and written without an offset. Microseconds appear only when
// not zero.
func (e Expiry) FormatISO(t time.Time) string {
	if e.NaiveTimes {
		t = t.In(e.loc())
	}
	var b strings.Builder
	b.WriteString(t.Format("2006-01-02T15:04:05"))
	if us := t.Nanosecond() / 1000; us != 0 {
		fmt.Fprintf(&b, ".%06d", us)
	}
	if !e.NaiveTimes {
		_, off := t.Zone()
		sign := byte('+')
		if off < 0 {
			sign, off = '-', -off
		}
		fmt.Fprintf(&b, "%c%02d:%02d", sign, off/3600, off/60%60)
		if off%60 != 0 {
			fmt.Fprintf(&b, ":%02d", off%60)
		}
	}
	return b.String()
}

// ParseISO reads the text of datetime.isoformat() (and what datetime.fromisoformat
// accepts of the same shape): YYYY-MM-DD[T or space]HH:MM[:SS[.fraction]] with an optional
// offset ±HH:MM[:SS[.ffffff]] or Z. A time without an offset is taken in loc.
func ParseISO(s string, loc *time.Location) (time.Time, error) {
	bad := func() (time.Time, error) {
		return time.Time{}, fmt.Errorf("invalid isoformat string: %q", s)
	}
	if len(s) < 16 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' {
		return bad()
	}
	num := func(t string) (int, bool) {
		n, err := strconv.Atoi(t)
		return n, err == nil && len(t) > 0 && t[0] != '+' && t[0] != '-'
	}
	year, ok1 := num(s[0:4])
	month, ok2 := num(s[5:7])
	day, ok3 := num(s[8:10])
	hour, ok4 := num(s[11:13])
	minute, ok5 := num(s[14:16])
	if !(ok1 && ok2 && ok3 && ok4 && ok5) {
		return bad()
	}
	rest := s[16:]
	sec, nsec := 0, 0
	if strings.HasPrefix(rest, ":") {
		if len(rest) < 3 {
			return bad()
		}
		var ok bool
		if sec, ok = num(rest[1:3]); !ok {
			return bad()
		}
		rest = rest[3:]
		if strings.HasPrefix(rest, ".") || strings.HasPrefix(rest, ",") {
			j := 1
			for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
				j++
			}
			frac := rest[1:j]
			if len(frac) == 0 || len(frac) > 9 {
				return bad()
			}
			f, _ := strconv.Atoi((frac + "000000000")[:9])
			nsec = f / 1000 * 1000 // Python keeps microseconds
			rest = rest[j:]
		}
	}
	zone := loc
	switch {
	case rest == "":
	case rest == "Z":
		zone = time.UTC
	case rest[0] == '+' || rest[0] == '-':
		if len(rest) < 6 || rest[3] != ':' {
			return bad()
		}
		oh, okh := num(rest[1:3])
		om, okm := num(rest[4:6])
		if !okh || !okm || oh > 23 || om > 59 {
			return bad()
		}
		off := oh*3600 + om*60
		if len(rest) > 6 {
			if len(rest) < 9 || rest[6] != ':' {
				return bad()
			}
			os, ok := num(rest[7:9])
			if !ok {
				return bad()
			}
			off += os
		}
		if rest[0] == '-' {
			off = -off
		}
		zone = time.FixedZone("", off)
	default:
		return bad()
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59 {
		return bad()
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, zone)
	if t.Day() != day {
		return bad() // e.g. February 30
	}
	return t, nil
}
