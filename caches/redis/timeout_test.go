package redis

import (
	"testing"

	"github.com/djsession/djsession/caches"
)

func TestBackendTimeout(t *testing.T) {
	c := &Cache{opts: Options{Timeout: caches.DefaultTimeout}}
	for _, tc := range []struct {
		in    caches.Timeout
		secs  int64
		never bool
	}{
		{caches.Timeout{}, 300, false},
		{caches.Never, 0, true},
		{caches.Seconds(0), 0, false},
		{caches.Seconds(-5), 0, false},
		{caches.Seconds(0.9), 0, false}, // int(0.9) = 0: deleted, as Django
		{caches.Seconds(2.7), 2, false},
		{caches.Seconds(1209600), 1209600, false},
	} {
		s, n := c.backendTimeout(tc.in)
		if s != tc.secs || n != tc.never {
			t.Errorf("%+v: got %d %v, want %d %v", tc.in, s, n, tc.secs, tc.never)
		}
	}
}

func TestSplitLocation(t *testing.T) {
	got := SplitLocation("redis://a:1/0,redis://b:2/0;redis://c:3/0")
	if len(got) != 3 || got[2] != "redis://c:3/0" {
		t.Fatal(got)
	}
}
