package gate

import (
	"slices"
	"strings"
	"testing"
	"time"

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

// A rule built without the parser (Evaluate is a library call) with a
// confidence outside [0.5, 1) is an error verdict, never judged with a
// band that is infinite (1) or loosening (below 0.5).
func TestEvaluateConfidenceOutOfRange(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		conf float64
		want Verdict
	}{{1, Error}, {1.5, Error}, {0.4, Error}, {0.5, Pass}, {0.999, Pass}} {
		f := file(rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.8), Confidence: c.conf})
		r := Evaluate(f, metrics(withSD(inst("quality.auc", 0.9), 0.001)), nil, now)
		if len(r.Findings) != 1 || r.Findings[0].Verdict != c.want {
			t.Errorf("confidence %v: %q; want one %s", c.conf, verdicts(r), c.want)
		}
		if c.want == Error && !strings.Contains(r.Findings[0].Reason, "not a level in [0.5, 1)") {
			t.Errorf("confidence %v: reason %q; want it to name the range", c.conf, r.Findings[0].Reason)
		}
	}
}

// ideal ± max_deviation must be finite on both sides: an ideal of -1e308
// with max_deviation 1e308 has no finite lower end, so the rule is an
// error, not a band [-Inf, 0] that passes every small value.
func TestEvaluateMaxDeviationOverflowBelow(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		ideal float64
		want  Verdict
	}{{-1e308, Error}, {1e308, Error}, {0, Pass}} {
		f := file(rules.Rule{Metric: addr(t, "quality.x"), Direction: rules.TowardIdeal, Ideal: num(c.ideal), MaxDeviation: num(1e308)})
		r := Evaluate(f, metrics(inst("quality.x", 0)), nil, now)
		if len(r.Findings) != 1 || r.Findings[0].Verdict != c.want {
			t.Errorf("ideal %g ± 1e308: %q; want one %s", c.ideal, verdicts(r), c.want)
		}
	}
}

// A vs_baseline rule toward an ideal modelgate does not know is an error
// until the rule sets `ideal` (README "direction and ideal"); a plain
// threshold on the same metric needs no ideal.
func TestEvaluateUnknownIdeal(t *testing.T) {
	t.Parallel()
	vs := rules.Rule{Metric: addr(t, "quality.x"), Direction: rules.TowardIdeal, VsBaseline: &rules.VsBaseline{MaxDrop: num(0.1)}}
	r := Evaluate(file(vs), metrics(inst("quality.x", 0.5)), metrics(inst("quality.x", 0.5)), now)
	if len(r.Findings) != 1 || r.Findings[0].Verdict != Error || !strings.Contains(r.Findings[0].Reason, "does not know the ideal value of quality.x") {
		t.Errorf("vs_baseline toward an unknown ideal: %q %q; want error naming the ideal", verdicts(r), r.Findings[0].Reason)
	}
	vs.Ideal = num(1)
	if r := Evaluate(file(vs), metrics(inst("quality.x", 0.5)), metrics(inst("quality.x", 0.5)), now); verdicts(r)[0] != "ra quality.x pass" {
		t.Errorf("vs_baseline toward ideal 1, no change: %q; want pass", verdicts(r))
	}
	abs := rules.Rule{Metric: addr(t, "quality.x"), Direction: rules.TowardIdeal, Min: num(0.1)}
	if r := Evaluate(file(abs), metrics(inst("quality.x", 0.5)), nil, now); verdicts(r)[0] != "ra quality.x pass" {
		t.Errorf("min on a toward-ideal metric without ideal: %q; want pass", verdicts(r))
	}
}

// A missing metric says where and what: no instance with the `where`
// labels, or not found in the reports read (naming them, and the ones that
// could not be read).
func TestEvaluateAbsentReasons(t *testing.T) {
	t.Parallel()
	di := func(facet string) Instance {
		in := inst("bias.post.DI", 1, "facet", facet)
		in.Source = "bias"
		return in
	}
	withSources := func(m *Metrics, src ...string) *Metrics {
		for i := 0; i+1 < len(src); i += 2 {
			m.MarkSource(src[i], src[i+1])
		}
		return m
	}
	tests := []struct {
		name string
		rule rules.Rule
		cand *Metrics
		want string
	}{
		{"where selects nothing", rules.Rule{Metric: addr(t, "bias.post.DI"), Min: num(0.8), Where: map[string]string{"facet": "age", "value": "1"}},
			withSources(metrics(di("sex")), "bias", ""), "bias.post.DI has no instance with facet=age value=1"},
		{"no instance at all, with where", rules.Rule{Metric: addr(t, "bias.post.DI"), Min: num(0.8), Where: map[string]string{"facet": "age"}},
			withSources(metrics(), "quality", ""), "bias.post.DI not found in the candidate's reports (read: quality)"},
		{"not found, reports read", rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.8)},
			withSources(metrics(di("sex")), "bias", "", "quality", ""), "quality.auc not found in the candidate's reports (read: bias, quality)"},
		{"nothing could be read", rules.Rule{Metric: addr(t, "llm.tox.score"), Max: num(0.1)},
			withSources(metrics(), "bias", "bias: truncated JSON"), "llm.tox.score not found: no report of the candidate could be read; unreadable: bias: truncated JSON"},
		{"nothing attached", rules.Rule{Metric: addr(t, "llm.tox.score"), Max: num(0.1)},
			metrics(), "llm.tox.score not found: no report of the candidate could be read"},
	}
	for _, tc := range tests {
		r := Evaluate(file(tc.rule), tc.cand, nil, now)
		if len(r.Findings) != 1 || r.Findings[0].Verdict != Missing || r.Findings[0].Reason != tc.want {
			t.Errorf("%s: %q %q; want missing %q", tc.name, verdicts(r), r.Findings[0].Reason, tc.want)
		}
	}
}

// min_samples: a report whose item count is 0 gives no usable count
// (README "min_samples": a report that gives no item count is missing).
func TestEvaluateMinSamplesZeroCount(t *testing.T) {
	t.Parallel()
	in := inst("quality.auc", 0.9)
	in.Source = "quality"
	f := file(rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.8), MinSamples: 1})
	r := Evaluate(f, withCount(metrics(in), "quality", 0), nil, now)
	if len(r.Findings) != 1 || r.Findings[0].Verdict != Missing || !strings.Contains(r.Findings[0].Reason, "gives no dataset.item_count") {
		t.Errorf("item_count 0: %q %q; want missing: no dataset.item_count", verdicts(r), r.Findings[0].Reason)
	}
	if r := Evaluate(f, withCount(metrics(in), "quality", 1), nil, now); verdicts(r)[0] != "ra quality.auc pass" {
		t.Errorf("item_count 1, min_samples 1: %q; want pass", verdicts(r))
	}
}

// Without `confidence` no band is applied even when the report gives a
// standard deviation: the reason is about the point value and names no
// confidence (README "confidence": the band needs `confidence`).
func TestEvaluateNoBandWithoutConfidence(t *testing.T) {
	t.Parallel()
	f := file(rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.8)})
	r := Evaluate(f, metrics(withSD(inst("quality.auc", 0.75), 0.01)), nil, now)
	if len(r.Findings) != 1 || r.Findings[0].Verdict != Fail || r.Findings[0].Reason != "0.75 is below the minimum 0.8" {
		t.Errorf("no confidence, σ present: %q %q; want fail %q", verdicts(r), r.Findings[0].Reason, "0.75 is below the minimum 0.8")
	}
}

// A band whose lower end overflows is an error, not inconclusive.
func TestEvaluateBandOverflowBelow(t *testing.T) {
	t.Parallel()
	f := file(rules.Rule{Metric: addr(t, "quality.x"), Direction: rules.HigherIsBetter, Max: num(1), Confidence: 0.95})
	r := Evaluate(f, metrics(withSD(inst("quality.x", -1e308), 1e308)), nil, now)
	if len(r.Findings) != 1 || r.Findings[0].Verdict != Error || !strings.Contains(r.Findings[0].Reason, "confidence band") {
		t.Errorf("band below -MaxFloat64: %q %q; want error naming the band", verdicts(r), r.Findings[0].Reason)
	}
}

// The reasons of banded verdicts name the confidence level in percent and
// the band; a confidence with no σ in the report says the point value was
// judged, on a pass as on a fail.
func TestEvaluateBandReasons(t *testing.T) {
	t.Parallel()
	const sd = 0.01
	m := fmtNum(zFor(0.95) * sd)
	tests := []struct {
		name string
		rule rules.Rule
		in   Instance
		want Verdict
		text string // the exact reason
	}{
		{"fail", rules.Rule{Min: num(0.9), Confidence: 0.95}, withSD(inst("quality.auc", 0.8), sd), Fail, "0.8 outside >= 0.9 even at 95% confidence (±" + m + ")"},
		{"inconclusive", rules.Rule{Min: num(0.8), Confidence: 0.95}, withSD(inst("quality.auc", 0.8), sd), Inconclusive, "0.8 ± " + m + " (95% confidence) straddles >= 0.8: within noise"},
		{"overflow", rules.Rule{Min: num(0.8), Confidence: 0.95}, withSD(inst("quality.auc", 1e308), 1e308), Error, "the 95% confidence band of 1e+308 (σ 1e+308) is not a finite number"},
		{"no σ, pass", rules.Rule{Min: num(0.8), Confidence: 0.95}, inst("quality.auc", 0.85), Pass, "(no standard deviation in the report; judged the point value)"},
		{"no σ, fail", rules.Rule{Min: num(0.8), Confidence: 0.95}, inst("quality.auc", 0.75), Fail, "0.75 is below the minimum 0.8 (no standard deviation in the report; judged the point value)"},
		{"no confidence, pass", rules.Rule{Min: num(0.8)}, withSD(inst("quality.auc", 0.85), sd), Pass, ""},
	}
	for _, tc := range tests {
		r := tc.rule
		r.Metric = addr(t, "quality.auc")
		res := Evaluate(file(r), metrics(tc.in), nil, now)
		if len(res.Findings) != 1 || res.Findings[0].Verdict != tc.want || res.Findings[0].Reason != tc.text {
			t.Errorf("%s: %q %q; want %s %q", tc.name, verdicts(res), res.Findings[0].Reason, tc.want, tc.text)
		}
	}
}

// vs_baseline reasons: with confidence and σ on both sides the band of the
// difference is named with the level in percent; without confidence the
// point drop is judged even when both sides give σ.
func TestEvaluateVsBaselineBandReasons(t *testing.T) {
	t.Parallel()
	// σ of the difference: sqrt(0.03² + 0.04²) = 0.05.
	m := fmtNum(zFor(0.95) * 0.05)
	cand, base := metrics(withSD(inst("quality.auc", 0.5), 0.03)), metrics(withSD(inst("quality.auc", 0.75), 0.04))
	tests := []struct {
		name string
		vb   rules.VsBaseline
		conf float64
		want Verdict
		text string
	}{
		{"fail", rules.VsBaseline{MaxDrop: num(0.1)}, 0.95, Fail, "drop 0.25; limit 0.1 even at 95% confidence (±" + m + ")"},
		{"inconclusive", rules.VsBaseline{MaxDrop: num(0.2)}, 0.95, Inconclusive, "drop 0.25 ± " + m + " (95% confidence) straddles the limit 0.2: within noise"},
		{"no confidence", rules.VsBaseline{MaxDrop: num(0.2)}, 0, Fail, "drop 0.25 vs baseline 0.75; limit 0.2"},
	}
	for _, tc := range tests {
		vb := tc.vb
		f := file(rules.Rule{Metric: addr(t, "quality.auc"), VsBaseline: &vb, Confidence: tc.conf})
		r := Evaluate(f, cand, base, now)
		if len(r.Findings) != 1 || r.Findings[0].Verdict != tc.want || r.Findings[0].Reason != tc.text {
			t.Errorf("%s: %q %q; want %s %q", tc.name, verdicts(r), r.Findings[0].Reason, tc.want, tc.text)
		}
	}
}

// max_rise and max_rise_pct judge value − baseline (README "vs_baseline":
// rises are raw increases), limit inclusive.
func TestEvaluateMaxRise(t *testing.T) {
	t.Parallel()
	tests := []struct {
		vb         rules.VsBaseline
		cand, base float64
		want       string
	}{
		{rules.VsBaseline{MaxRise: num(0.5)}, 2, 1.5, "pass"},
		{rules.VsBaseline{MaxRise: num(0.5)}, 2.25, 1.5, "fail"},
		{rules.VsBaseline{MaxRise: num(0)}, 1, 1.5, "pass"}, // a fall is no rise
		{rules.VsBaseline{MaxRisePct: num(25)}, 1.25, 1, "pass"},
		{rules.VsBaseline{MaxRisePct: num(24)}, 1.25, 1, "fail"},
		{rules.VsBaseline{MaxRisePct: num(25)}, -0.75, -1, "pass"}, // relative to |baseline|
		{rules.VsBaseline{MaxRisePct: num(24)}, -0.75, -1, "fail"},
	}
	for _, tc := range tests {
		vb := tc.vb
		f := file(rules.Rule{Metric: addr(t, "quality.mse"), VsBaseline: &vb})
		r := Evaluate(f, metrics(inst("quality.mse", tc.cand)), metrics(inst("quality.mse", tc.base)), now)
		if got := strings.Join(verdicts(r), "|"); got != "ra quality.mse "+tc.want {
			t.Errorf("%+v cand %v base %v: %q; want %s", tc.vb, tc.cand, tc.base, got, tc.want)
		}
	}
}

// A candidate instance the baseline lacks is missing, and the reason names
// the instance by its labels.
func TestEvaluateBaselineLacksInstance(t *testing.T) {
	t.Parallel()
	f := file(rules.Rule{Metric: addr(t, "bias.post.DI"), VsBaseline: &rules.VsBaseline{MaxDrop: num(0.1)}})
	r := Evaluate(f, metrics(inst("bias.post.DI", 1, "facet", "sex")), metrics(inst("bias.post.DI", 1, "facet", "age")), now)
	want := "the baseline has no bias.post.DI (facet=sex)"
	if len(r.Findings) != 1 || r.Findings[0].Verdict != Missing || r.Findings[0].Reason != want {
		t.Errorf("baseline without the facet: %q %q; want missing %q", verdicts(r), r.Findings[0].Reason, want)
	}
	f = file(rules.Rule{Metric: addr(t, "quality.auc"), VsBaseline: &rules.VsBaseline{MaxDrop: num(0.1)}})
	r = Evaluate(f, metrics(inst("quality.auc", 1)), metrics(inst("quality.f1", 1)), now)
	if want := "the baseline has no quality.auc"; r.Findings[0].Reason != want {
		t.Errorf("baseline without the metric: %q; want %q", r.Findings[0].Reason, want)
	}
}

// The counts a result (and the audit record) carries: one per finding by
// verdict, and the rules with a blocking finding.
func TestEvaluateCounts(t *testing.T) {
	t.Parallel()
	waiver := &rules.Waiver{Reason: "r", Owner: "o", Expires: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)}
	f := file(
		rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.5)},                                                 // pass
		rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.95)},                                                // fail
		rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.95), Severity: rules.SeverityWarning},               // warn
		rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.95), Waiver: waiver},                                // waived
		rules.Rule{Metric: addr(t, "quality.f1"), Min: num(0.5)},                                                  // missing
		rules.Rule{Metric: addr(t, "quality.f1"), Min: num(0.5), OnMissing: rules.MissingSkip},                    // skipped
		rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.9), Confidence: 0.95},                               // inconclusive
		rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.5), Confidence: 0.3},                                // error
		rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.5), Max: num(0.6), Severity: rules.SeverityWarning}, // warn
	)
	r := Evaluate(f, metrics(withSD(inst("quality.auc", 0.9), 0.01)), nil, now)
	want := Counts{Rules: 9, Pass: 1, Fail: 1, Warn: 2, Missing: 1, Inconclusive: 1, Waived: 1, Skipped: 1, Error: 1, FailedRules: 4}
	if r.Counts != want {
		t.Errorf("counts = %+v (%q); want %+v", r.Counts, verdicts(r), want)
	}
}

// The reports read for each rule: the candidate's for every rule, the
// baseline's only for comparisons (vs_baseline, min_rank_correlation).
func TestNeededSlotsPerRuleKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		rule       rules.Rule
		cand, base string
	}{
		{"shap share", rules.Rule{Shap: &rules.ShapRule{MaxShare: num(0.4)}}, "explainability", ""},
		{"shap rank correlation", rules.Rule{Shap: &rules.ShapRule{MinRankCorrelation: num(0.4)}}, "explainability", "explainability"},
		{"quality floor", rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.5)}, "quality", ""},
		{"quality vs baseline", rules.Rule{Metric: addr(t, "quality.auc"), VsBaseline: &rules.VsBaseline{MaxDrop: num(0.1)}}, "quality", "quality"},
		{"require bias.post", rules.Rule{Require: []string{"bias.post"}}, "bias,bias.post", ""},
	}
	keys := func(m map[string]bool) string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return strings.Join(out, ",")
	}
	for _, tc := range tests {
		c, b := neededSlots(file(tc.rule))
		if keys(c) != tc.cand || keys(b) != tc.base {
			t.Errorf("%s: candidate %q, baseline %q; want %q, %q", tc.name, keys(c), keys(b), tc.cand, tc.base)
		}
	}
}

// With no baseline, min_rank_correlation follows first_model like a
// vs_baseline rule: fail fails it, absolute-only passes it saying why.
func TestEvaluateRankCorrelationFirstModel(t *testing.T) {
	t.Parallel()
	cand := metrics(shapInst("l", "a", 0.5, "b", 0.3)...)
	for _, c := range []struct {
		first  rules.FirstModel
		want   Verdict
		reason string
	}{
		{rules.FirstModelFail, Fail, "no approved baseline to compare the feature ranking with (first_model: fail)"},
		{rules.FirstModelAbsoluteOnly, Pass, "no approved baseline: ranking not compared (first model)"},
	} {
		f := file(rules.Rule{Shap: &rules.ShapRule{MinRankCorrelation: num(0.5)}})
		f.Model.FirstModel = c.first
		r := Evaluate(f, cand, nil, now)
		if len(r.Findings) != 1 || r.Findings[0].Verdict != c.want || r.Findings[0].Reason != c.reason {
			t.Errorf("first_model %s: %q %q; want %s %q", c.first, verdicts(r), r.Findings[0].Reason, c.want, c.reason)
		}
	}
}

// A max_deviation failure says how far the value is from which ideal, and
// the allowed distance (README "Thresholds": |value − ideal| <= x).
func TestEvaluateMaxDeviationReason(t *testing.T) {
	t.Parallel()
	f := file(rules.Rule{Metric: addr(t, "bias.post.DI"), MaxDeviation: num(0.25)})
	r := Evaluate(f, metrics(inst("bias.post.DI", 0.5, "facet", "sex")), nil, now)
	want := "0.5 is 0.5 from the ideal 1; at most 0.25 allowed"
	if len(r.Findings) != 1 || r.Findings[0].Verdict != Fail || r.Findings[0].Reason != want {
		t.Errorf("DI 0.5, max_deviation 0.25: %q %q; want fail %q", verdicts(r), r.Findings[0].Reason, want)
	}
	f = file(rules.Rule{Metric: addr(t, "quality.x"), Direction: rules.TowardIdeal, Ideal: num(-2), MaxDeviation: num(0.5)})
	r = Evaluate(f, metrics(inst("quality.x", -3)), nil, now)
	if want := "-3 is 1 from the ideal -2; at most 0.5 allowed"; r.Findings[0].Reason != want {
		t.Errorf("x -3, ideal -2: %q; want %q", r.Findings[0].Reason, want)
	}
}

// A violations rule without `where` judges the total of its check type;
// with only per-feature counts in the report, the total is missing and
// the reason says it was not found (not "no instance with" nothing).
func TestEvaluateViolationsTotalMissing(t *testing.T) {
	t.Parallel()
	in := inst("violations.data_type_check", 2, "feature", "age")
	in.Source = "violations"
	m := metrics(in)
	m.MarkSource("violations", "")
	r := Evaluate(file(rules.Rule{Metric: addr(t, "violations.data_type_check"), Max: num(0)}), m, nil, now)
	want := "violations.data_type_check not found in the candidate's reports (read: violations)"
	if len(r.Findings) != 1 || r.Findings[0].Verdict != Missing || r.Findings[0].Reason != want {
		t.Errorf("per-feature counts only: %q %q; want missing %q", verdicts(r), r.Findings[0].Reason, want)
	}
}
