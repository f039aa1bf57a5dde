package gate

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/rules"
)

// Five promptfoo runs of a non-deterministic model (one report each):
// pass rates 0.9, 0.85, 0.7, 0.95, 0.6 against min 0.8.
func TestRepeatedRuns(t *testing.T) {
	t.Parallel()
	m := NewMetrics()
	for i, v := range []float64{0.9, 0.85, 0.7, 0.95, 0.6} {
		m.Add(Instance{Address: "llm.promptfoo.pass_rate", Value: v, StdDev: math.NaN(), Source: "run" + string(rune('1'+i)) + ": $.results.stats"})
	}
	m.Add(Instance{Address: "llm.promptfoo.pass_rate", Value: math.NaN(), StdDev: math.NaN(), Labels: []Label{{"prompt", "qa"}}, Source: "run1: $.results.results", Note: "no rows"})
	now := time.Unix(0, 0)
	judge := func(k, runs int) Finding {
		t.Helper()
		f := file(rules.Rule{Metric: addr(t, "llm.promptfoo.pass_rate"), Min: num(0.8), MinRunsPassing: k, Runs: runs, Where: map[string]string{"prompt": ""}})
		res := Evaluate(f, m, nil, now)
		if len(res.Findings) != 1 {
			t.Fatalf("k=%d: %d findings %v", k, len(res.Findings), verdicts(res))
		}
		return res.Findings[0]
	}
	if f := judge(3, 5); f.Verdict != Pass || f.Blocking || f.Reason != "3 of 5 runs pass (need 3): run1 0.9 pass, run2 0.85 pass, run3 0.7 fail, run4 0.95 pass, run5 0.6 fail" ||
		math.Abs(f.Value-0.8) > 1e-12 || f.Threshold != ">= 0.8, 3 of 5 runs" {
		t.Errorf("3 of 5: %s %v %q %q", f.Verdict, f.Value, f.Threshold, f.Reason)
	}
	if f := judge(4, 0); f.Verdict != Fail || !f.Blocking || !strings.HasPrefix(f.Reason, "only 3 of 5 runs pass (need 4)") {
		t.Errorf("4 of 5: %s %q", f.Verdict, f.Reason)
	}
	if f := judge(3, 6); f.Verdict != Missing || !f.Blocking || !strings.HasPrefix(f.Reason, "only 5 of the 6 runs are attached") {
		t.Errorf("6 runs wanted: %s %q", f.Verdict, f.Reason)
	}
	if f := judge(3, 4); f.Verdict != Error || !strings.HasPrefix(f.Reason, "5 runs found, the rule says runs: 4") {
		t.Errorf("4 runs wanted: %s %q", f.Verdict, f.Reason)
	}
}
