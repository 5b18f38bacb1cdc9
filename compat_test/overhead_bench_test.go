package compat_test

import (
	"os"
	"strings"
	"testing"

	"github.com/djsession/djsession/internal/pairbench"
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
	// 20 warm rounds of both paths (connections, pools) before measuring.
	r := pairbench.Run(b, 20, [2]func() error{engine, bare})
	me, mb := r.Median[0], r.Median[1]
	b.ReportMetric(me, "engine-ns")
	b.ReportMetric(mb, "bare-ns")
	b.ReportMetric(100*(me-mb)/mb, "overhead-%")
	b.ReportMetric(100*(r.Mean[0]-r.Mean[1])/r.Mean[1], "overhead-mean-%")
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
