package pairbench

import (
	"testing"
)

// TestRunCallsBothEqually checks that each operation runs once per iteration after the
// warm rounds, and that the statistics come from its timings.
func TestRunCallsBothEqually(t *testing.T) {
	var calls [2]int
	var iters int
	var got Result
	testing.Benchmark(func(b *testing.B) {
		calls = [2]int{}
		got = Run(b, 3, [2]func() error{
			func() error { calls[0]++; return nil },
			func() error { calls[1]++; return nil },
		})
		iters = b.N
	})
	if calls[0] != calls[1] || calls[0] != iters+3 {
		t.Errorf("calls %v, want %d each (b.N %d + 3 warm)", calls, iters+3, iters)
	}
	for k := range 2 {
		if got.Mean[k] <= 0 || got.Median[k] < 0 || got.Median[k] > 100*got.Mean[k] {
			t.Errorf("op %d: median %v, mean %v: want a positive mean and a median near it", k, got.Median[k], got.Mean[k])
		}
	}
}
