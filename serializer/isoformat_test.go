package serializer

import (
	"testing"
	"time"
)

// TestISOFormat: DateTime.ISOFormat against CPython's datetime.isoformat() (the wanted
// texts are what CPython 3.13 prints for the same datetimes), in and around DST changes
// with both folds.
func TestISOFormat(t *testing.T) {
	berlin := ZoneInfo("Europe/Berlin")
	odd, _ := FixedTZ(5*time.Hour + 30*time.Minute + 15*time.Second)
	minus3, _ := FixedTZ(-3 * time.Hour)
	cases := []struct {
		d    DateTime
		want string
	}{
		{DateTime{Year: 2024, Month: 3, Day: 31, Hour: 2, Minute: 30, TZ: berlin}, "2024-03-31T02:30:00+01:00"}, // in the gap
		{DateTime{Year: 2024, Month: 3, Day: 31, Hour: 2, Minute: 30, TZ: berlin, Fold: true}, "2024-03-31T02:30:00+02:00"},
		{DateTime{Year: 2024, Month: 10, Day: 27, Hour: 2, Minute: 30, Microsecond: 123456, TZ: berlin}, "2024-10-27T02:30:00.123456+02:00"},
		{DateTime{Year: 2024, Month: 10, Day: 27, Hour: 2, Minute: 30, Microsecond: 123456, TZ: berlin, Fold: true}, "2024-10-27T02:30:00.123456+01:00"},
		{DateTime{Year: 2024, Month: 7, Day: 1, Hour: 12, TZ: berlin, Fold: true}, "2024-07-01T12:00:00+02:00"},
		{DateTime{Year: 1930, Month: 1, Day: 1, TZ: ZoneInfo("America/Sao_Paulo")}, "1930-01-01T00:00:00-03:00"},
		{DateTime{Year: 2024, Month: 1, Day: 1, TZ: odd}, "2024-01-01T00:00:00+05:30:15"},
		{DateTime{Year: 2024, Month: 1, Day: 1, Hour: 1, Minute: 2, Second: 3, Microsecond: 4, TZ: minus3}, "2024-01-01T01:02:03.000004-03:00"},
		{DateTime{Year: 2024, Month: 1, Day: 1, Hour: 1, Minute: 2, Second: 3}, "2024-01-01T01:02:03"},
		{DateTime{Year: 2024, Month: 1, Day: 1, TZ: UTC}, "2024-01-01T00:00:00+00:00"},
		{DateTime{Year: 2024, Month: 1, Day: 1, TZ: PytzUTC}, "2024-01-01T00:00:00+00:00"},
	}
	for _, c := range cases {
		got, err := c.d.ISOFormat()
		if err != nil || got != c.want {
			t.Errorf("%+v: %q, %v; want %q", c.d, got, err, c.want)
		}
	}
}
