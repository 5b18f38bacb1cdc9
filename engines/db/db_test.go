package db

import (
	"testing"
	"time"
)

func TestFormatPyDatetime(t *testing.T) {
	for _, c := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2024, 3, 19, 12, 0, 0, 0, time.UTC), "2024-03-19 12:00:00"},
		{time.Date(2024, 3, 19, 12, 0, 0, 250000000, time.UTC), "2024-03-19 12:00:00.250000"},
		{time.Date(2024, 3, 19, 12, 0, 0, 1000, time.UTC), "2024-03-19 12:00:00.000001"},
		{time.Date(999, 1, 2, 3, 4, 5, 0, time.UTC), "0999-01-02 03:04:05"},
	} {
		if got := FormatPyDatetime(c.t); got != c.want {
			t.Errorf("FormatPyDatetime(%v) = %q, want %q", c.t, got, c.want)
		}
		back, err := ParseWall(c.want)
		if err != nil || !back.Equal(c.t) {
			t.Errorf("ParseWall(%q) = %v, %v", c.want, back, err)
		}
	}
}

func TestIndexName(t *testing.T) {
	for _, c := range []struct {
		table, col, suffix string
		max                int
		want               string
	}{
		{"django_session", "expire_date", "", 0, "django_session_expire_date_a5c62663"},
		{"django_session", "session_key", "_like", 63, "django_session_session_key_c0390e0f_like"},
	} {
		if got := IndexName(c.table, c.col, c.suffix, c.max); got != c.want {
			t.Errorf("IndexName = %q, want %q", got, c.want)
		}
	}
	long := IndexName("a_very_long_table_name_for_user_sessions_of_some_project", "expire_date", "", 63)
	if len(long) > 63 {
		t.Errorf("IndexName too long: %q", long)
	}
}
