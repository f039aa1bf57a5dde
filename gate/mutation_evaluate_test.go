package gate

import (
	"strings"
	"testing"

	"github.com/modelgate/modelgate/rules"
)

// With no baseline, the result says so and says what first_model does
// with the rules that compare with one (README "vs_baseline": absolute-only
// skips them saying why, fail fails them); with baseline: none there is
// nothing to say.
func TestEvaluateNoBaselineNote(t *testing.T) {
	t.Parallel()
	vs := rules.Rule{Metric: addr(t, "quality.auc"), VsBaseline: &rules.VsBaseline{MaxDrop: num(0.01)}}
	corr := rules.Rule{Shap: &rules.ShapRule{MinRankCorrelation: num(0.5)}}
	abs := rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.5)}
	const none = "no approved baseline in group g"
	tests := []struct {
		name     string
		rule     rules.Rule
		baseline string
		first    rules.FirstModel
		want     string // the note; "" = no note
	}{
		{"vs_baseline, absolute-only", vs, rules.LatestApproved, rules.FirstModelAbsoluteOnly, none + ": first model, only absolute thresholds are judged (first_model: absolute-only)"},
		{"vs_baseline, fail", vs, rules.LatestApproved, rules.FirstModelFail, none + ": first_model is fail, so every vs_baseline rule fails"},
		{"rank correlation, fail", corr, rules.LatestApproved, rules.FirstModelFail, none + ": first_model is fail, so every vs_baseline rule fails"},
		{"absolute rules only", abs, rules.LatestApproved, rules.FirstModelFail, none},
		{"baseline none", abs, rules.NoBaseline, rules.FirstModelFail, ""},
	}
	for _, tc := range tests {
		f := file(tc.rule)
		f.Model.Baseline, f.Model.FirstModel = tc.baseline, tc.first
		r := Evaluate(f, metrics(inst("quality.auc", 0.9)), nil, now)
		got := strings.Join(r.Notes, "|")
		if got != tc.want {
			t.Errorf("%s: notes %q; want %q", tc.name, got, tc.want)
		}
	}
}
