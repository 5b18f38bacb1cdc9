package compat_test

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/serializer"
)

// pairBench measures an engine operation against the bare driver operation it is built
// on. Both run in the same loop, alternating which goes first, so that both see the same
// machine state: on a small shared machine, runs of separate benchmarks a few seconds
// apart differ by more than the overhead being measured. It reports the median of each
// (engine-ns, bare-ns) and the engine's overhead over the bare operation in percent of
// the medians (overhead-%) and of the means (overhead-mean-%). ns/op is the sum of both.
func pairBench(b *testing.B, engine, bare func() error) {
	b.Helper()
	var te, tb []time.Duration
	run := func(fn func() error, into *[]time.Duration) {
		t0 := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		*into = append(*into, time.Since(t0))
	}
	// Warm both paths (connections, pools) before measuring.
	for range 20 {
		run(engine, &te)
		run(bare, &tb)
	}
	te, tb = te[:0], tb[:0]
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			run(engine, &te)
			run(bare, &tb)
		} else {
			run(bare, &tb)
			run(engine, &te)
		}
		i++
	}
	median := func(d []time.Duration) float64 {
		s := slices.Clone(d)
		slices.Sort(s)
		return float64(s[len(s)/2])
	}
	mean := func(d []time.Duration) float64 {
		var t time.Duration
		for _, x := range d {
			t += x
		}
		return float64(t) / float64(len(d))
	}
	me, mb := median(te), median(tb)
	b.ReportMetric(me, "engine-ns")
	b.ReportMetric(mb, "bare-ns")
	b.ReportMetric(100*(me-mb)/mb, "overhead-%")
	b.ReportMetric(100*(mean(te)-mean(tb))/mean(tb), "overhead-mean-%")
}

// typicalSession is the typical logged-in session every benchmark uses
// (fixtures/bench/typical-session.json).
func typicalSession(b *testing.B) *serializer.Dict {
	b.Helper()
	data, err := os.ReadFile("../fixtures/bench/typical-session.json")
	if err != nil {
		b.Fatal(err)
	}
	v, err := serializer.DecodeJSON([]byte(strings.TrimSpace(string(data))))
	if err != nil {
		b.Fatal(err)
	}
	return v.Dict()
}
