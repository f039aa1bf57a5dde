package gate

import (
	"strings"
	"testing"

	"github.com/modelgate/modelgate/rules"
)

// Boundaries from the documented behaviour (README "confidence",
// "vs_baseline"; DESIGN §3: judge the lower bound value - z·σ, inconclusive
// within noise), issue 18.
func TestEvaluateBoundaries(t *testing.T) {
	t.Parallel()
	const v, sd = 0.875, 0.015625
	m := zFor(0.95) * sd // the evaluator's band half-width, bit for bit
	auc := func(in Instance) *Metrics { return metrics(in) }
	vs := func(vb rules.VsBaseline) *rules.VsBaseline { return &vb }
	tests := []struct {
		name string
		rule rules.Rule
		cand *Metrics
		base *Metrics
		want Verdict
	}{
		// A floor: the lower end of the band on the bound passes; the upper
		// end on the bound is not clearly below it, so inconclusive.
		{"band's lower end exactly on min passes", rules.Rule{Min: num(v - m), Confidence: 0.95}, auc(withSD(inst("quality.auc", v), sd)), nil, Pass},
		{"band's upper end exactly on min is inconclusive", rules.Rule{Min: num(v + m), Confidence: 0.95}, auc(withSD(inst("quality.auc", v), sd)), nil, Inconclusive},
		{"band wholly below min fails", rules.Rule{Min: num(v + m + 1e-9), Confidence: 0.95}, auc(withSD(inst("quality.auc", v), sd)), nil, Fail},
		// A ceiling, mirrored.
		{"band's upper end exactly on max passes", rules.Rule{Max: num(v + m), Confidence: 0.95}, auc(withSD(inst("quality.auc", v), sd)), nil, Pass},
		{"band's lower end exactly on max is inconclusive", rules.Rule{Max: num(v - m), Confidence: 0.95}, auc(withSD(inst("quality.auc", v), sd)), nil, Inconclusive},
		// No confidence: a standard deviation in the report changes nothing.
		{"no confidence judges the point value even with a standard deviation", rules.Rule{Min: num(v - sd/2)}, auc(withSD(inst("quality.auc", v), sd)), nil, Pass},
		{"no confidence fails below min even within one σ", rules.Rule{Min: num(v + sd/2)}, auc(withSD(inst("quality.auc", v), sd)), nil, Fail},
		{"point value exactly on min passes", rules.Rule{Min: num(v)}, auc(inst("quality.auc", v)), nil, Pass},
		{"point value exactly on max passes", rules.Rule{Max: num(v)}, auc(inst("quality.auc", v)), nil, Pass},
		{"confidence 0.5 is the point value", rules.Rule{Min: num(v), Confidence: 0.5}, auc(withSD(inst("quality.auc", v), sd)), nil, Pass},

		// vs_baseline without confidence: the drop itself, limit inclusive.
		{"drop exactly max_drop passes", rules.Rule{VsBaseline: vs(rules.VsBaseline{MaxDrop: num(0.25)})},
			auc(withSD(inst("quality.auc", 0.25), sd)), auc(withSD(inst("quality.auc", 0.5), sd)), Pass},
		{"drop just past max_drop fails, σ or not", rules.Rule{VsBaseline: vs(rules.VsBaseline{MaxDrop: num(0.25)})},
			auc(withSD(inst("quality.auc", 0.2499), sd)), auc(withSD(inst("quality.auc", 0.5), sd)), Fail},
		// vs_baseline with confidence: σ of the difference sqrt(σ1²+σ2²) = 5/64 exactly (3-4-5), and every limit >= 0.
		{"drop + band exactly on max_drop passes", rules.Rule{VsBaseline: vs(rules.VsBaseline{MaxDrop: num(0.25 + zFor(0.95)*0.078125)}), Confidence: 0.95},
			auc(withSD(inst("quality.auc", 0.25), 0.046875)), auc(withSD(inst("quality.auc", 0.5), 0.0625)), Pass},
		{"drop - band exactly on max_drop is inconclusive", rules.Rule{VsBaseline: vs(rules.VsBaseline{MaxDrop: num(0.25 - zFor(0.95)*0.078125)}), Confidence: 0.95},
			auc(withSD(inst("quality.auc", 0.25), 0.046875)), auc(withSD(inst("quality.auc", 0.5), 0.0625)), Inconclusive},
		{"drop - band past max_drop fails", rules.Rule{VsBaseline: vs(rules.VsBaseline{MaxDrop: num(0.25 - zFor(0.95)*0.078125 - 1e-9)}), Confidence: 0.95},
			auc(withSD(inst("quality.auc", 0.25), 0.046875)), auc(withSD(inst("quality.auc", 0.5), 0.0625)), Fail},
		{"confidence with σ on one side only judges the point drop", rules.Rule{VsBaseline: vs(rules.VsBaseline{MaxDrop: num(0.2)}), Confidence: 0.95},
			auc(withSD(inst("quality.auc", 0.25), 0.046875)), auc(inst("quality.auc", 0.5)), Fail},

		// Relative rules: exact at the limit, and against a zero reference.
		{"relative drop exactly max_drop_pct passes", rules.Rule{VsBaseline: vs(rules.VsBaseline{MaxDropPct: num(6.25)})},
			auc(inst("quality.auc", 0.46875)), auc(inst("quality.auc", 0.5)), Pass},
		{"relative drop past max_drop_pct fails", rules.Rule{VsBaseline: vs(rules.VsBaseline{MaxDropPct: num(6.24)})},
			auc(inst("quality.auc", 0.46875)), auc(inst("quality.auc", 0.5)), Fail},
		{"zero baseline: any relative drop fails", rules.Rule{VsBaseline: vs(rules.VsBaseline{MaxDropPct: num(50)})},
			auc(inst("quality.auc", -0.001)), auc(inst("quality.auc", 0)), Fail},
		{"zero baseline: no change passes max_drop_pct", rules.Rule{VsBaseline: vs(rules.VsBaseline{MaxDropPct: num(5)})},
			auc(inst("quality.auc", 0)), auc(inst("quality.auc", 0)), Pass},
		{"zero baseline: an improvement passes max_drop_pct", rules.Rule{VsBaseline: vs(rules.VsBaseline{MaxDropPct: num(5)})},
			auc(inst("quality.auc", 0.1)), auc(inst("quality.auc", 0)), Pass},
		{"zero baseline: no change has no relative gain", rules.Rule{VsBaseline: vs(rules.VsBaseline{MinGainPct: num(1)})},
			auc(inst("quality.auc", 0)), auc(inst("quality.auc", 0)), Fail},
		{"zero baseline: an improvement meets min_gain_pct", rules.Rule{VsBaseline: vs(rules.VsBaseline{MinGainPct: num(1)})},
			auc(inst("quality.auc", 0.1)), auc(inst("quality.auc", 0)), Pass},
		{"zero baseline: any rise fails max_rise_pct", rules.Rule{VsBaseline: vs(rules.VsBaseline{MaxRisePct: num(100)})},
			auc(inst("quality.auc", 0.001)), auc(inst("quality.auc", 0)), Fail},
		{"zero baseline: no rise passes max_rise_pct", rules.Rule{VsBaseline: vs(rules.VsBaseline{MaxRisePct: num(1)})},
			auc(inst("quality.auc", 0)), auc(inst("quality.auc", 0)), Pass},
		{"gain exactly min_gain passes", rules.Rule{VsBaseline: vs(rules.VsBaseline{MinGain: num(0.125)})},
			auc(inst("quality.auc", 0.625)), auc(inst("quality.auc", 0.5)), Pass},
		{"gain just short of min_gain fails", rules.Rule{VsBaseline: vs(rules.VsBaseline{MinGain: num(0.125)})},
			auc(inst("quality.auc", 0.6249)), auc(inst("quality.auc", 0.5)), Fail},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := tc.rule
			r.Metric = addr(t, "quality.auc")
			res := Evaluate(file(r), tc.cand, tc.base, now)
			if len(res.Findings) != 1 {
				t.Fatalf("Evaluate(%s) = %q; want one finding", tc.name, verdicts(res))
			}
			if fd := res.Findings[0]; fd.Verdict != tc.want {
				t.Errorf("Evaluate(%s) = %s (%s); want %s", tc.name, fd.Verdict, fd.Reason, tc.want)
			}
		})
	}
}

// Spearman over rankings with the same spread: identical rankings are 1,
// reversed ones -1, and all ties on both sides count as the same ranking.
func TestSpearmanEdges(t *testing.T) {
	t.Parallel()
	im := func(kv ...any) *importance {
		return shapByLabel(metrics(shapInst("l", kv...)...))["l"]
	}
	tests := []struct {
		name string
		c, b *importance
		want float64
	}{
		{"same order, other values", im("a", 0.5, "b", 0.3, "c", 0.1), im("a", 0.9, "b", 0.2, "c", 0.05), 1},
		{"reversed", im("a", 0.5, "b", 0.3, "c", 0.1), im("a", 0.1, "b", 0.3, "c", 0.5), -1},
		{"all tied on both sides", im("a", 0.2, "b", 0.2, "c", 0.2), im("a", 0.4, "b", 0.4, "c", 0.4), 1},
	}
	for _, tc := range tests {
		rho, n, _, _ := spearman(tc.c, tc.b)
		if n != 3 || rho != tc.want {
			t.Errorf("spearman(%s) = %v over %d; want %v over 3", tc.name, rho, n, tc.want)
		}
	}
	// A reversed ranking fails min_rank_correlation 0 and passes -1.
	for _, c := range []struct {
		min  float64
		want string
	}{{0, "fail"}, {-1, "pass"}} {
		f := file(rules.Rule{Shap: &rules.ShapRule{MinRankCorrelation: num(c.min)}})
		res := Evaluate(f, metrics(shapInst("l", "a", 0.5, "b", 0.3, "c", 0.1)...), metrics(shapInst("l", "a", 0.1, "b", 0.3, "c", 0.5)...), now)
		if got := strings.Join(verdicts(res), "|"); got != "ra shap (rank correlation) label=l "+c.want {
			t.Errorf("min_rank_correlation %v on a reversed ranking = %q; want %s", c.min, got, c.want)
		}
	}
}
