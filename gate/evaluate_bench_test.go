package gate

import (
	"math"
	"runtime"
	"strconv"
	"testing"

	"github.com/modelgate/modelgate/rules"
)

// benchSet builds n instances spread over nAddr addresses, each instance
// labelled by facet and value like a Clarify report with many facets.
func benchSet(n, nAddr int, shift float64) *Metrics {
	m := NewMetrics()
	m.Grow(n)
	per := n / nAddr
	facets := make([]string, 100)
	for i := range facets {
		facets[i] = "facet" + strconv.Itoa(i)
	}
	values := make([]string, per/100+1)
	for i := range values {
		values[i] = strconv.Itoa(i)
	}
	for a := 0; a < nAddr; a++ {
		address := rules.FormatAddress("bias", "post", "M"+strconv.Itoa(a))
		for i := 0; i < per; i++ {
			v := math.Mod(float64(i)*0.618034, 1) + shift
			m.Add(Instance{Address: address, Value: v, StdDev: 0.01,
				Labels: []Label{{"facet", facets[i%100]}, {"value", values[i/100]}}})
		}
	}
	return m
}

// BenchmarkEvaluate judges 100 rules over 1,000,000 candidate instances (and
// as many baseline instances): every rule touches 10,000 instances, half of
// the rules compare with the baseline, so 1,000,000 findings are made.
func BenchmarkEvaluate(b *testing.B) {
	const n, nAddr = 1_000_000, 100
	cand, base := benchSet(n, nAddr, 0), benchSet(n, nAddr, 0.01)
	var rs []rules.Rule
	for a := 0; a < nAddr; a++ {
		ad, _ := rules.ParseAddress("bias.post.M" + strconv.Itoa(a))
		r := rules.Rule{ID: "r" + strconv.Itoa(a), Metric: &ad, AbsMax: num(0.9)}
		if a%2 == 0 {
			r.VsBaseline = &rules.VsBaseline{MaxDrop: num(0.05)}
			r.Direction = rules.HigherIsBetter // M<n> is not in the semantics table
			r.Confidence = 0.95
		}
		rs = append(rs, r)
	}
	f := &rules.File{Model: rules.Model{Group: "g"}, Rules: rs}
	// The garbage of building the input is not Evaluate's: collect it, so
	// that the peak RSS of a -benchtime=1x run is Evaluate's (as in
	// bench/evaluate, which measures it under /usr/bin/time -v).
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	var res *Result
	for i := 0; i < b.N; i++ {
		res = nil // the previous result is not live while the next is made
		res = Evaluate(f, cand, base, now)
	}
	b.StopTimer()
	if len(res.Findings) != n {
		b.Fatalf("%d findings; want %d", len(res.Findings), n)
	}
	b.ReportMetric(float64(len(res.Findings)), "findings/op")
}
