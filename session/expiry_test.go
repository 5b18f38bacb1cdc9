package session

import (
	"errors"
	"testing"
	"time"
	_ "time/tzdata" // the zone database, wherever the tests run

	"github.com/djsession/djsession/serializer"
)

// The expected strings and numbers below are what Python 3.13 prints for the same
// datetimes (datetime.isoformat(), timedelta days*86400+seconds); the engine live tests
// check the arithmetic against real Django sessions.

func TestFormatISO(t *testing.T) {
	tests := []struct {
		t    time.Time
		e    Expiry
		want string
	}{
		{time.Date(2023, 11, 14, 22, 14, 50, 250000000, time.UTC), Expiry{}, "2023-11-14T22:14:50.250000+00:00"},
		{time.Date(2023, 11, 14, 22, 14, 50, 0, time.FixedZone("", -(5*3600+1800))), Expiry{}, "2023-11-14T22:14:50-05:30"},
		{time.Date(2023, 11, 14, 22, 14, 50, 0, time.FixedZone("", 3661)), Expiry{}, "2023-11-14T22:14:50+01:01:01"},
		{time.Date(2023, 11, 14, 22, 14, 50, 1000, time.UTC), Expiry{NaiveTimes: true}, "2023-11-14T22:14:50.000001"},
	}
	for _, tt := range tests {
		if got := tt.e.FormatISO(tt.t); got != tt.want {
			t.Errorf("FormatISO(%v) = %q, want %q", tt.t, got, tt.want)
		}
		back, err := ParseISO(tt.want, time.UTC)
		if err != nil || !back.Equal(tt.t) {
			t.Errorf("ParseISO(%q) = %v, %v", tt.want, back, err)
		}
	}
	for _, bad := range []string{"", "2023-11-14", "2023-13-01T00:00", "2023-02-30T00:00", "2023-11-14T22:14:50+5", "x023-11-14T22:14"} {
		if _, err := ParseISO(bad, time.UTC); err == nil {
			t.Errorf("ParseISO(%q) accepted", bad)
		}
	}
}

func TestExpiryArithmetic(t *testing.T) {
	mod := time.Date(2023, 11, 14, 22, 14, 51, 500000000, time.UTC)
	e := Expiry{CookieAge: 100}
	d := serializer.NewDict()
	if age, _ := e.Age(d, mod); age != 100 {
		t.Errorf("default age = %d", age)
	}
	d.Set(ExpiryKey, serializer.Int(-5))
	if age, _ := e.Age(d, mod); age != -5 { // ints are returned unchanged
		t.Errorf("int age = %d", age)
	}
	d.Set(ExpiryKey, serializer.Str("2023-11-14T22:14:50+00:00"))
	if age, _ := e.Age(d, mod); age != -2 { // -1.5 s floors to -2, as timedelta does
		t.Errorf("iso age = %d", age)
	}
	if date, _ := e.Date(d, mod); !date.Equal(time.Date(2023, 11, 14, 22, 14, 50, 0, time.UTC)) {
		t.Errorf("iso date = %v", date)
	}
	d.Set(ExpiryKey, serializer.Int(0))
	if !e.AtBrowserClose(d) {
		t.Error("0 must expire at browser close")
	}
	if age, _ := e.Age(d, mod); age != 100 {
		t.Errorf("0 age = %d, want cookie age", age)
	}
	if err := e.SetExpiry(d, 30*time.Minute, mod); err != nil {
		t.Fatal(err)
	}
	if v, _ := d.Get(ExpiryKey); v.String() != `"2023-11-14T22:44:51.500000+00:00"` {
		t.Errorf("SetExpiry(duration) stored %v", v)
	}
	d.Set(ExpiryKey, serializer.Str("soon"))
	if _, err := e.Age(d, mod); !errors.Is(err, ErrBadExpiry) {
		t.Errorf("bad string: %v", err)
	}
}

// With USE_TZ = False Django does naive (wall clock) arithmetic; across the autumn DST
// change in New York, 14 days of wall clock are 14 days and one hour of real time.
func TestNaiveWallClockArithmetic(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	e := Expiry{NaiveTimes: true, Location: ny, CookieAge: 14 * 86400}
	mod := time.Date(2023, 10, 30, 12, 0, 0, 0, ny)
	date, err := e.Date(nil, mod)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2023, 11, 13, 12, 0, 0, 0, ny); !date.Equal(want) {
		t.Errorf("Date = %v, want %v (same wall clock 14 days on)", date, want)
	}
	d := serializer.NewDict()
	d.Set(ExpiryKey, serializer.Str("2023-11-13T12:00:00"))
	if age, _ := e.Age(d, mod); age != 14*86400 {
		t.Errorf("Age = %d, want %d", age, 14*86400)
	}
}

func TestExpiryDateFarFuture(t *testing.T) {
	mod := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	d := serializer.NewDict()
	d.Set(ExpiryKey, serializer.Int(400*365*86400)) // beyond time.Duration's 292 years
	got, err := Expiry{}.Date(d, mod)
	if err != nil || got.Year() != 2423 {
		t.Errorf("Date = %v, %v; want a date in 2423", got, err)
	}
	d.Set(ExpiryKey, serializer.Float(1.5))
	if got, _ := (Expiry{}).Date(d, mod); !got.Equal(mod.Add(1500 * time.Millisecond)) {
		t.Errorf("float expiry date = %v", got)
	}
}
