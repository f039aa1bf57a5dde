package gate_test

import (
	"context"
	"math"
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
