package djangoredis

import (
	"testing"

	"github.com/djsession/djsession/caches"
)

func TestPXTimeout(t *testing.T) {
	c := &Cache{opts: Options{Timeout: caches.DefaultTimeout}}
	for _, tc := range []struct {
		in    caches.Timeout
		ms    int64
		never bool
	}{
		{caches.Timeout{}, 300000, false},
		{caches.Never, 0, true},
		{caches.Seconds(0), 0, false},
		{caches.Seconds(-1), 0, false},
		{caches.Seconds(0.0015), 1, false}, // int(0.0015*1000) = 1 ms
		{caches.Seconds(2.5), 2500, false},
	} {
		ms, n := c.pxTimeout(tc.in)
		if ms != tc.ms || n != tc.never {
			t.Errorf("%+v: got %d %v, want %d %v", tc.in, ms, n, tc.ms, tc.never)
		}
	}
}
