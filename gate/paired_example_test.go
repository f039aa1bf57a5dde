package gate_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/localreg"
	"github.com/modelgate/modelgate/rules"
)

// examples/llm-harness: lm-evaluation-harness results and per-sample files
// of a candidate and its baseline. The unpaired comparison is inconclusive;
// only the paired test finds the regression (27 lost, 9 gained).
func TestRunLLMHarnessExample(t *testing.T) {
	t.Parallel()
	f, err := rules.ReadFile("../examples/llm-harness/.github/modelgate.yml")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := localreg.New("../examples/llm-harness/registry")
	if err != nil {
		t.Fatal(err)
	}
	res, err := gate.Run(context.Background(), reg, f, gate.RunOptions{Read: read, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if res.Conclusion != gate.Failure || res.ExitCode() != 1 {
		t.Errorf("conclusion %s (exit %d)", res.Conclusion, res.ExitCode())
	}
	if got := failingRules(res); len(got) != 1 || got[0] != "gsm8k-no-regression-paired" {
		t.Errorf("failing rules %v; want only the paired one", got)
	}
	if u := finding(t, res, "gsm8k-no-regression-unpaired"); u.Verdict != gate.Inconclusive {
		t.Errorf("unpaired: %s (%s)", u.Verdict, u.Reason)
	}
	if fl := finding(t, res, "gsm8k-floor"); fl.Verdict != gate.Pass || fl.Value != 0.67 {
		t.Errorf("floor (n from n-samples): %s %v (%s)", fl.Verdict, fl.Value, fl.Reason)
	}
	p := finding(t, res, "gsm8k-no-regression-paired")
	if p.Threshold != "drop <= 0.01 vs baseline (paired mcnemar-chi2)" {
		t.Errorf("threshold %q", p.Threshold)
	}
	if p.Verdict != gate.Fail || p.Paired == nil {
		t.Fatalf("paired: %s (%s)", p.Verdict, p.Reason)
	}
	// McNemar chi-square with continuity: (|27-9|-1)^2/36.
	wantP := math.Erfc(math.Sqrt(17.0 * 17 / 36 / 2))
	if p.Paired.Matched != 600 || p.Paired.Lost != 27 || p.Paired.Gained != 9 || math.Abs(p.Paired.P-wantP) > 1e-15 ||
		p.Paired.OnlyBaseline+p.Paired.OnlyCandidate+p.Paired.PromptMismatch != 0 || math.Abs(p.Paired.Difference+0.03) > 1e-12 {
		t.Errorf("paired = %+v (want p %g)", p.Paired, wantP)
	}
}

// promptfoo rows are items of the totals: 60 tests, the candidate fails 12
// the baseline passed and passes 2 it failed. The pass rates (0.80 vs 0.63)
// are judged paired with McNemar (12 lost, 2 gained: exact p = 0.0129).
func TestPairedPromptfoo(t *testing.T) {
	t.Parallel()
	mk := func(provider string, pass func(i int) bool) []byte {
		var rows []string
		ok := 0
		for i := 0; i < 60; i++ {
			p := pass(i)
			if p {
				ok++
			}
			rows = append(rows, fmt.Sprintf(`{"success": %t, "score": %d, "promptIdx": 0, "testIdx": %d, "promptId": "abc", "prompt": {"raw": "Q {{q}}", "label": "qa"}, "provider": {"id": %q}, "testCase": {"assert": [{"type": "equals"}]}}`, p, map[bool]int{true: 1}[p], i, provider))
		}
		return []byte(fmt.Sprintf(`{"evalId": "e", "results": {"version": 3, "timestamp": "t", "prompts": [], "results": [%s], "stats": {"successes": %d, "failures": %d}}}`, strings.Join(rows, ","), ok, 60-ok))
	}
	base := mk("model-v1", func(i int) bool { return i < 48 })
	cand := mk("model-v2", func(i int) bool { return (i >= 12 && i < 48) || i == 50 || i == 51 })
	metrics := func(data []byte) *gate.Metrics {
		p, err := read(gate.Source{Slot: "pf"}, data)
		if err != nil {
			t.Fatal(err)
		}
		m := gate.NewMetrics()
		m.Add(p.Instances...)
		return m
	}
	a, _ := rules.ParseAddress("llm.promptfoo.pass_rate")
	f := &rules.File{Path: "x.yml", Version: 1, Model: rules.Model{Group: "g", Baseline: rules.LatestApproved},
		Rules: []rules.Rule{{ID: "pf", Metric: &a, Where: map[string]string{"prompt": ""}, Confidence: 0.95,
			VsBaseline: &rules.VsBaseline{MaxDrop: num(0), Paired: rules.PairedAuto}}}}
	res := gate.Evaluate(f, metrics(cand), metrics(base), now)
	if len(res.Findings) != 1 {
		t.Fatalf("%d findings", len(res.Findings))
	}
	fd := res.Findings[0]
	if fd.Verdict != gate.Fail || fd.Paired == nil || fd.Paired.Test != "mcnemar-exact" || fd.Paired.Lost != 12 || fd.Paired.Gained != 2 ||
		math.Abs(fd.Paired.P-0.012939453125) > 1e-12 || fd.Paired.Matched != 60 {
		t.Errorf("%s %+v (%s)", fd.Verdict, fd.Paired, fd.Reason)
	}
	// The per-prompt totals (labelled by provider, which differs) have no
	// items and no baseline instance: missing, never a pass.
	f.Rules[0].Where = map[string]string{"prompt": "qa"}
	res = gate.Evaluate(f, metrics(cand), metrics(base), now)
	if fd := res.Findings[0]; fd.Verdict != gate.Missing {
		t.Errorf("per prompt: %s (%s)", fd.Verdict, fd.Reason)
	}
}

func num(v float64) *rules.Number { return &rules.Number{V: v} }
