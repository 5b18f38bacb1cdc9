// Package pairbench times two operations alternately inside one benchmark loop, for
// benchmarks that report a ratio (Loads against its floor, an engine against the bare
// driver round trip): both see the same machine state, so their ratio holds steady on a
// noisy machine where separate benchmarks drift apart.
//
// The timings go into fixed rings allocated before the loop, so the harness itself
// neither allocates while it measures nor keeps a heap that grows with the number of
// iterations (which would make the garbage collector run, and its write barriers cost,
// more than the measured code alone makes them).
package pairbench

import (
	"slices"
	"testing"
	"time"
)

// ringSize is the number of most recent timings kept per operation for the median.
const ringSize = 1 << 16

// Result holds per-operation statistics in nanoseconds, indexed as the operations.
type Result struct {
	Median [2]float64 // over the last ringSize timings
	Mean   [2]float64 // over all timed runs
}

// Ratio returns Median[0] / Median[1].
func (r Result) Ratio() float64 { return r.Median[0] / r.Median[1] }

// Run runs ops[0] and ops[1] once each per iteration of b.Loop, alternating which goes
// first, after warm untimed rounds of both, and returns their timings. An error from
// either operation fails the benchmark.
func Run(b *testing.B, warm int, ops [2]func() error) Result {
	b.Helper()
	var (
		rings [2][]time.Duration
		sums  [2]time.Duration
		runs  int
	)
	for k := range rings {
		rings[k] = make([]time.Duration, ringSize)
	}
	call := func(k int) time.Duration {
		t0 := time.Now()
		if err := ops[k](); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	for range warm {
		call(0)
		call(1)
	}
	for b.Loop() {
		first := runs & 1
		for _, k := range [2]int{first, 1 - first} {
			d := call(k)
			rings[k][runs%ringSize] = d
			sums[k] += d
		}
		runs++
	}
	var r Result
	if runs == 0 {
		return r
	}
	for k := range rings {
		s := rings[k][:min(runs, ringSize)]
		slices.Sort(s)
		r.Median[k] = float64(s[len(s)/2])
		r.Mean[k] = float64(sums[k]) / float64(runs)
	}
	return r
}
