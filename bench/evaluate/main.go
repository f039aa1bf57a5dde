// Command evaluate is a driver for measuring the peak memory of
// gate.Evaluate outside the testing harness: it builds the same input as
// BenchmarkEvaluate in gate/evaluate_bench_test.go (1,000,000 candidate and
// as many baseline instances over 100 addresses, 100 rules, half of them
// comparing with the baseline), evaluates it -runs times and prints the
// time and allocations per instance. Run it under `/usr/bin/time -v` for
// the peak RSS.
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/metrics"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

func benchSet(n, nAddr int, shift float64) *gate.Metrics {
	m := gate.NewMetrics()
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
			m.Add(gate.Instance{Address: address, Value: v, StdDev: 0.01,
				Labels: []gate.Label{{Key: "facet", Value: facets[i%100]}, {Key: "value", Value: values[i/100]}}})
		}
	}
	return m
}

func num(v float64) *rules.Number { return &rules.Number{V: v} }

func heap() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func main() {
	n := flag.Int("n", 1_000_000, "candidate instances (as many baseline)")
	runs := flag.Int("runs", 1, "evaluations")
	flag.Parse()
	const nAddr = 100
	cand, base := benchSet(*n, nAddr, 0), benchSet(*n, nAddr, 0.01)
	var rs []rules.Rule
	for a := 0; a < nAddr; a++ {
		ad, _ := rules.ParseAddress("bias.post.M" + strconv.Itoa(a))
		r := rules.Rule{ID: "r" + strconv.Itoa(a), Metric: &ad, AbsMax: num(0.9)}
		if a%2 == 0 {
			r.VsBaseline = &rules.VsBaseline{MaxDrop: num(0.05)}
			r.Direction = rules.HigherIsBetter
			r.Confidence = 0.95
		}
		rs = append(rs, r)
	}
	f := &rules.File{Model: rules.Model{Group: "g"}, Rules: rs}
	runtime.GC()
	input := heap()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var durs, cpus []time.Duration
	var ms0, ms1 runtime.MemStats
	var res *gate.Result
	for i := 0; i < *runs; i++ {
		res = nil
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		c := cpu()
		t := time.Now()
		res = gate.Evaluate(f, cand, base, now)
		durs = append(durs, time.Since(t))
		cpus = append(cpus, cpu()-c)
		runtime.ReadMemStats(&ms1)
	}
	runtime.GC()
	retained := heap() - input
	med, medCPU := median(durs), median(cpus)
	inst := float64(*n)
	fmt.Printf("findings %d  input heap %.1f MB  result retained %.1f MB\n", len(res.Findings), float64(input)/1e6, float64(retained)/1e6)
	fmt.Printf("median wall %v (%.0f ns/instance), CPU %v (%.0f ns/instance)  last run: %.1f MB, %.2f allocs/instance, %.0f B/instance\n",
		med, float64(med.Nanoseconds())/inst, medCPU, float64(medCPU.Nanoseconds())/inst, float64(ms1.TotalAlloc-ms0.TotalAlloc)/1e6,
		float64(ms1.Mallocs-ms0.Mallocs)/inst, float64(ms1.TotalAlloc-ms0.TotalAlloc)/inst)
	runtime.KeepAlive(cand)
	runtime.KeepAlive(base)
	if len(res.Findings) != *n {
		fmt.Fprintf(os.Stderr, "%d findings; want %d\n", len(res.Findings), *n)
		os.Exit(1)
	}
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// cpu is the process's user+system CPU time (the machine is shared, so
// wall time alone says little).
func cpu() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
