package gate

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/rules"
)

var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func num(v float64) *rules.Number { return &rules.Number{V: v} }

func addr(t *testing.T, s string) *rules.Address {
	t.Helper()
	a, err := rules.ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return &a
}

func inst(address string, v float64, labels ...string) Instance {
	in := Instance{Address: address, Value: v, StdDev: math.NaN()}
	for i := 0; i+1 < len(labels); i += 2 {
		in.Labels = append(in.Labels, Label{labels[i], labels[i+1]})
	}
	return in
}

func withSD(in Instance, sd float64) Instance { in.StdDev = sd; return in }

func metrics(ins ...Instance) *Metrics {
	m := NewMetrics()
	m.Add(ins...)
	return m
}

func file(rs ...rules.Rule) *rules.File {
	for i := range rs {
		if rs[i].ID == "" {
			rs[i].ID = "r" + string(rune('a'+i))
		}
		rs[i].Pos = rules.Pos{Line: 10 + i, Col: 5}
	}
	return &rules.File{Path: ".github/modelgate.yml", Version: 1, Model: rules.Model{Group: "g", Baseline: rules.LatestApproved, FirstModel: rules.FirstModelAbsoluteOnly}, Rules: rs}
}

// verdicts renders each finding as "rule metric labels verdict".
func verdicts(r *Result) []string {
	var out []string
	for _, f := range r.Findings {
		s := f.Rule + " " + f.Metric
		if len(f.Labels) > 0 {
			s += " " + LabelString(f.Labels)
		}
		out = append(out, s+" "+string(f.Verdict))
	}
	return out
}

func TestEvaluateThresholds(t *testing.T) {
	t.Parallel()
	cand := metrics(
		inst("quality.auc", 0.91),
		inst("quality.mae", 2.5),
		inst("bias.post.DI", 0.7, "facet", "gender", "value", "0"),
		inst("bias.post.DI", 1.3, "facet", "gender", "value", "1"),
		inst("bias.post.DPPL", -0.15, "facet", "gender", "value", "1"),
		inst("bias.post.DPPL", 0.05, "facet", "age", "value", "(30, 40]"),
	)
	tests := []struct {
		name  string
		rule  rules.Rule
		want  []string
		concl Conclusion
	}{
		{"min pass", rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.85)}, []string{"ra quality.auc pass"}, Success},
		{"min fail", rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.95)}, []string{"ra quality.auc fail"}, Failure},
		{"min equal passes", rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.91)}, []string{"ra quality.auc pass"}, Success},
		{"max fail", rules.Rule{Metric: addr(t, "quality.mae"), Max: num(2)}, []string{"ra quality.mae fail"}, Failure},
		{"between per facet value", rules.Rule{Metric: addr(t, "bias.post.DI"), Between: &rules.Range{Lo: 0.8, Hi: 1.25}},
			[]string{"ra bias.post.DI facet=gender value=0 fail", "ra bias.post.DI facet=gender value=1 fail"}, Failure},
		{"max_deviation around parity 1", rules.Rule{Metric: addr(t, "bias.post.DI"), MaxDeviation: num(0.35), Where: map[string]string{"value": "1"}},
			[]string{"ra bias.post.DI facet=gender value=1 pass"}, Success},
		{"abs_max where facet", rules.Rule{Metric: addr(t, "bias.post.DPPL"), AbsMax: num(0.1), Where: map[string]string{"facet": "gender"}},
			[]string{"ra bias.post.DPPL facet=gender value=1 fail"}, Failure},
		{"warning severity is neutral", rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.95), Severity: rules.SeverityWarning},
			[]string{"ra quality.auc warn"}, Neutral},
		{"absent metric fails closed", rules.Rule{Metric: addr(t, "quality.f1"), Min: num(0.5)}, []string{"ra quality.f1 missing"}, Failure},
		{"absent metric on_missing warn", rules.Rule{Metric: addr(t, "quality.f1"), Min: num(0.5), OnMissing: rules.MissingWarn}, []string{"ra quality.f1 warn"}, Neutral},
		{"absent metric on_missing skip", rules.Rule{Metric: addr(t, "quality.f1"), Min: num(0.5), OnMissing: rules.MissingSkip}, []string{"ra quality.f1 skipped"}, Success},
		{"where matches nothing", rules.Rule{Metric: addr(t, "bias.post.DI"), Min: num(0.5), Where: map[string]string{"facet": "race"}},
			[]string{"ra bias.post.DI missing"}, Failure},
		{"active waiver", rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.95),
			Waiver: &rules.Waiver{Reason: "retraining", Owner: "@ml", Expires: now.AddDate(0, 1, 0)}},
			[]string{"ra quality.auc waived"}, Neutral},
		{"waiver holds through its day", rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.95),
			Waiver: &rules.Waiver{Reason: "r", Owner: "@ml", Expires: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)}},
			[]string{"ra quality.auc waived"}, Neutral},
		{"expired waiver fails even when passing", rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.5),
			Waiver: &rules.Waiver{Reason: "r", Owner: "@ml", Expires: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}},
			[]string{"ra  fail", "ra quality.auc pass"}, Failure},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := Evaluate(file(tc.rule), cand, nil, now)
			if got := verdicts(r); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("Evaluate(%s) = %q; want %q", tc.name, got, tc.want)
			}
			if r.Conclusion != tc.concl {
				t.Errorf("Evaluate(%s).Conclusion = %s; want %s", tc.name, r.Conclusion, tc.concl)
			}
			for _, f := range r.Findings {
				if f.Verdict != Pass && f.Reason == "" {
					t.Errorf("finding %+v has no reason", f)
				}
			}
		})
	}
}

func TestEvaluateNonFiniteIsMissing(t *testing.T) {
	t.Parallel()
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		in := inst("bias.post.CDDPL", v, "facet", "gender", "value", "1")
		in.Note = "Group variable is empty or not provided"
		// Every bound a NaN would slip through (NaN < x and NaN > x are both false).
		r := Evaluate(file(rules.Rule{Metric: addr(t, "bias.post.CDDPL"), AbsMax: num(0.1)},
			rules.Rule{Metric: addr(t, "bias.post.CDDPL"), Max: num(1)}), metrics(in), nil, now)
		if r.Conclusion != Failure || r.Counts.Missing != 2 {
			t.Fatalf("Evaluate(value %v) = %s with %d missing; want failure with 2 missing", v, r.Conclusion, r.Counts.Missing)
		}
		if !strings.Contains(r.Findings[0].Reason, "Group variable is empty") {
			t.Errorf("reason %q does not carry the report's error", r.Findings[0].Reason)
		}
	}
}

func TestEvaluateVsBaseline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		addr       string
		cand, base float64
		vb         rules.VsBaseline
		dir        rules.Direction
		want       Verdict
	}{
		{"higher better drop within", "quality.auc", 0.905, 0.91, rules.VsBaseline{MaxDrop: num(0.01)}, "", Pass},
		{"higher better drop too large", "quality.auc", 0.89, 0.91, rules.VsBaseline{MaxDrop: num(0.01)}, "", Fail},
		{"lower better: mae rise is a drop", "quality.mae", 2.6, 2.5, rules.VsBaseline{MaxDrop: num(0.05)}, "", Fail},
		{"lower better: mae fall is fine", "quality.mae", 2.0, 2.5, rules.VsBaseline{MaxDrop: num(0)}, "", Pass},
		{"DI 0.7 vs 0.9 around parity fails", "bias.post.DI", 0.7, 0.9, rules.VsBaseline{MaxDrop: num(0.1)}, "", Fail},
		{"DI 1.05 vs 0.9 is closer to parity", "bias.post.DI", 1.05, 0.9, rules.VsBaseline{MaxDrop: num(0)}, "", Pass},
		{"DPPL -0.3 vs 0.2 is farther from 0", "bias.post.DPPL", -0.3, 0.2, rules.VsBaseline{MaxDrop: num(0.05)}, "", Fail},
		{"DPPL 0.1 vs 0.2 is closer to 0", "bias.post.DPPL", 0.1, 0.2, rules.VsBaseline{MaxDrop: num(0)}, "", Pass},
		{"pct drop", "quality.auc", 0.88, 0.90, rules.VsBaseline{MaxDropPct: num(2)}, "", Fail},
		{"pct drop within", "quality.auc", 0.89, 0.90, rules.VsBaseline{MaxDropPct: num(2)}, "", Pass},
		{"min gain met", "quality.auc", 0.93, 0.90, rules.VsBaseline{MinGain: num(0.02)}, "", Pass},
		{"min gain short", "quality.auc", 0.91, 0.90, rules.VsBaseline{MinGain: num(0.02)}, "", Fail},
		{"min gain pct met", "quality.auc", 0.99, 0.90, rules.VsBaseline{MinGainPct: num(5)}, "", Pass},
		{"max rise raw", "quality.auc", 0.99, 0.90, rules.VsBaseline{MaxRise: num(0.05)}, "", Fail},
		{"max rise pct", "llm.toxicity.toxicity", 0.012, 0.01, rules.VsBaseline{MaxRisePct: num(10)}, "", Fail},
		{"baseline 0 pct, worse fails", "quality.auc", -0.1, 0, rules.VsBaseline{MaxDropPct: num(50)}, "", Fail},
		{"baseline 0 pct, better passes", "quality.auc", 0.1, 0, rules.VsBaseline{MaxDropPct: num(50)}, "", Pass},
		{"direction override", "custom.score", 5, 4, rules.VsBaseline{MaxDrop: num(0.5)}, rules.LowerIsBetter, Fail},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := file(rules.Rule{Metric: addr(t, tc.addr), VsBaseline: &tc.vb, Direction: tc.dir})
			f.Reports = []rules.Report{{Name: "custom"}}
			r := Evaluate(f, metrics(inst(tc.addr, tc.cand)), metrics(inst(tc.addr, tc.base)), now)
			if len(r.Findings) != 1 {
				t.Fatalf("Evaluate(%s): %d findings; want 1", tc.name, len(r.Findings))
			}
			fd := r.Findings[0]
			if fd.Verdict != tc.want {
				t.Errorf("Evaluate(%s) = %s (%s); want %s", tc.name, fd.Verdict, fd.Reason, tc.want)
			}
			if fd.Baseline != tc.base || math.Abs(fd.Delta-(tc.cand-tc.base)) > 1e-12 {
				t.Errorf("baseline/delta = %v/%v; want %v/%v", fd.Baseline, fd.Delta, tc.base, tc.cand-tc.base)
			}
		})
	}
}

func TestEvaluateBaselineZeroIsSaid(t *testing.T) {
	t.Parallel()
	f := file(rules.Rule{Metric: addr(t, "quality.auc"), VsBaseline: &rules.VsBaseline{MaxDropPct: num(1)}})
	r := Evaluate(f, metrics(inst("quality.auc", -0.2)), metrics(inst("quality.auc", 0)), now)
	if r.Conclusion != Failure || len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "baseline of 0") {
		t.Errorf("Evaluate = %s, notes %q; want failure and a note about the zero baseline", r.Conclusion, r.Notes)
	}
	if !strings.Contains(r.Findings[0].Reason, "unbounded relative change") {
		t.Errorf("reason = %q", r.Findings[0].Reason)
	}
}

func TestEvaluateFirstModel(t *testing.T) {
	t.Parallel()
	rule := rules.Rule{Metric: addr(t, "quality.auc"), VsBaseline: &rules.VsBaseline{MaxDrop: num(0.01)}}
	f := file(rule)
	r := Evaluate(f, metrics(inst("quality.auc", 0.9)), nil, now)
	if r.Conclusion != Success || !strings.Contains(r.Findings[0].Reason, "first model") {
		t.Errorf("absolute-only: %s %q; want success saying first model", r.Conclusion, r.Findings[0].Reason)
	}
	f.Model.FirstModel = rules.FirstModelFail
	r = Evaluate(f, metrics(inst("quality.auc", 0.9)), nil, now)
	if r.Conclusion != Failure {
		t.Errorf("first_model fail: %s; want failure", r.Conclusion)
	}
	// A baseline that lacks the instance is missing, never a pass.
	f.Model.FirstModel = rules.FirstModelAbsoluteOnly
	r = Evaluate(f, metrics(inst("quality.auc", 0.9)), metrics(inst("quality.f1", 0.9)), now)
	if r.Findings[0].Verdict != Missing || r.Conclusion != Failure {
		t.Errorf("baseline without the metric: %s; want missing", r.Findings[0].Verdict)
	}
}

func TestEvaluateConfidence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   Instance
		rule rules.Rule
		base *Instance
		want Verdict
	}{
		// z(0.95) = 1.645: 0.86 - 1.645*0.02 = 0.827 < 0.85 < 0.86.
		{"floor within noise", withSD(inst("quality.auc", 0.86), 0.02), rules.Rule{Min: num(0.85), Confidence: 0.95}, nil, Inconclusive},
		{"floor clear", withSD(inst("quality.auc", 0.90), 0.02), rules.Rule{Min: num(0.85), Confidence: 0.95}, nil, Pass},
		{"floor clearly missed", withSD(inst("quality.auc", 0.80), 0.02), rules.Rule{Min: num(0.85), Confidence: 0.95}, nil, Fail},
		{"no sigma judges the point", inst("quality.auc", 0.86), rules.Rule{Min: num(0.85), Confidence: 0.95}, nil, Pass},
		{"inconclusive as warning", withSD(inst("quality.auc", 0.86), 0.02), rules.Rule{Min: num(0.85), Confidence: 0.95, OnInconclusive: rules.MissingWarn}, nil, Inconclusive},
		// drop 0.02, sigma sqrt(2)*0.01 = 0.01414, m = 0.02326: 0.02 - m < 0.01 < 0.02 + m.
		{"vs baseline within noise", withSD(inst("quality.auc", 0.88), 0.01), rules.Rule{VsBaseline: &rules.VsBaseline{MaxDrop: num(0.01)}, Confidence: 0.95},
			ptr(withSD(inst("quality.auc", 0.90), 0.01)), Inconclusive},
		{"vs baseline clear drop", withSD(inst("quality.auc", 0.80), 0.01), rules.Rule{VsBaseline: &rules.VsBaseline{MaxDrop: num(0.01)}, Confidence: 0.95},
			ptr(withSD(inst("quality.auc", 0.90), 0.01)), Fail},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.rule.Metric = addr(t, "quality.auc")
			var base *Metrics
			if tc.base != nil {
				base = metrics(*tc.base)
			}
			r := Evaluate(file(tc.rule), metrics(tc.in), base, now)
			fd := r.Findings[0]
			if fd.Verdict != tc.want {
				t.Errorf("Evaluate(%s) = %s (%s); want %s", tc.name, fd.Verdict, fd.Reason, tc.want)
			}
			wantBlock := tc.want == Fail || (tc.want == Inconclusive && tc.rule.OnInconclusive != rules.MissingWarn)
			if fd.Blocking != wantBlock {
				t.Errorf("Evaluate(%s).Blocking = %v; want %v", tc.name, fd.Blocking, wantBlock)
			}
		})
	}
	if z := zFor(0.95); math.Abs(z-1.6448536) > 1e-6 {
		t.Errorf("zFor(0.95) = %v; want 1.6448536", z)
	}
}

func ptr[T any](v T) *T { return &v }

func TestEvaluateRequire(t *testing.T) {
	t.Parallel()
	cand := metrics(inst("bias.post.DI", 1, "facet", "g", "value", "1"), inst("quality.auc", 0.9))
	cand.MarkSource(SlotBias, "")
	cand.MarkSource(SlotQuality, "")
	cand.MarkSource("toxicity", "report toxicity: not a known report format")
	r := Evaluate(file(rules.Rule{Require: []string{"quality", "bias.post", "bias.pre", "explainability", "toxicity"}}), cand, nil, now)
	want := []string{"ra quality pass", "ra bias.post pass", "ra bias.pre fail", "ra explainability fail", "ra toxicity error"}
	if got := verdicts(r); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("require = %q; want %q", got, want)
	}
	if r.Counts.FailedRules != 1 || r.Counts.Rules != 1 {
		t.Errorf("counts = %+v", r.Counts)
	}
}

func TestEvaluateShap(t *testing.T) {
	t.Parallel()
	shap := func(label string, kv ...any) []Instance {
		var out []Instance
		for i := 0; i < len(kv); i += 2 {
			out = append(out, inst(rules.FormatAddress("shap", kv[i].(string)), kv[i+1].(float64), "label", label))
		}
		return out
	}
	cand := metrics(shap("label0", "income", 0.30, "age", 0.20, "gender", 0.10, "zip", 0.05, "tenure", 0.04, "Marital Status", 0.01)...)
	base := metrics(shap("label0", "income", 0.30, "age", 0.20, "gender", 0.01, "zip", 0.05, "tenure", 0.04, "Marital Status", 0.02)...)
	tests := []struct {
		name string
		s    rules.ShapRule
		base *Metrics
		want []string
	}{
		{"protected at rank 3 fails not_in_top 5", rules.ShapRule{NotInTop: 5, Features: []string{"gender", "Marital Status"}}, nil,
			[]string{"ra shap.gender label=label0 fail", `ra shap."Marital Status" label=label0 pass`}},
		{"absent protected feature is missing", rules.ShapRule{NotInTop: 2, Features: []string{"race"}}, nil,
			[]string{"ra shap.race label=label0 missing"}},
		{"max share", rules.ShapRule{MaxShare: num(0.45)}, nil, []string{"ra shap (share) feature=income label=label0 pass"}},
		{"max share tight", rules.ShapRule{MaxShare: num(0.42)}, nil, []string{"ra shap (share) feature=income label=label0 fail"}},
		{"rank correlation", rules.ShapRule{MinRankCorrelation: num(0.9)}, base, []string{"ra shap (rank correlation) label=label0 fail"}},
		{"rank correlation loose", rules.ShapRule{MinRankCorrelation: num(0.3)}, base, []string{"ra shap (rank correlation) label=label0 pass"}},
		{"feature set changed warns", rules.ShapRule{MinRankCorrelation: num(0.3)}, metrics(shap("label0", "income", 0.3, "age", 0.2, "region", 0.1)...),
			[]string{"ra shap (feature set) label=label0 warn", "ra shap (rank correlation) label=label0 pass"}},
		{"other label missing", rules.ShapRule{MaxShare: num(0.5), Label: "label1"}, nil, []string{"ra shap missing"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := tc.s
			r := Evaluate(file(rules.Rule{Shap: &s}), cand, tc.base, now)
			if got := verdicts(r); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("Evaluate(%s) = %q; want %q", tc.name, got, tc.want)
			}
		})
	}
	r := Evaluate(file(rules.Rule{Shap: &rules.ShapRule{NotInTop: 5, Features: []string{"gender"}}}), cand, nil, now)
	if want := "gender ranks 3 of 6 by |SHAP|"; !strings.HasPrefix(r.Findings[0].Reason, want) {
		t.Errorf("reason = %q; want prefix %q", r.Findings[0].Reason, want)
	}
	// Ranks, candidate: income 1, age 2, gender 3, zip 4, tenure 5, Marital Status 6;
	// baseline: income 1, age 2, zip 3, tenure 4, Marital Status 5, gender 6.
	// Sum of d^2 = 0+0+9+1+1+1 = 12, so rho = 1 - 6*12/(6*35).
	rho, n, _, _ := spearman(shapByLabel(cand)["label0"], shapByLabel(base)["label0"])
	if want := 1 - 6*12/(6*35.0); n != 6 || math.Abs(rho-want) > 1e-12 {
		t.Errorf("spearman = %v over %d; want %v over 6", rho, n, want)
	}
}

func TestFailOnWarnings(t *testing.T) {
	t.Parallel()
	r := Evaluate(file(rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.95), Severity: rules.SeverityWarning}), metrics(inst("quality.auc", 0.9)), nil, now)
	if r.Conclusion != Neutral || r.ExitCode() != 0 {
		t.Fatalf("conclusion %s exit %d; want neutral 0", r.Conclusion, r.ExitCode())
	}
	r.FailOnWarnings()
	if r.Conclusion != Failure || r.ExitCode() != 1 || r.Counts.FailedRules != 1 {
		t.Errorf("after FailOnWarnings: %s exit %d failed %d; want failure 1 1", r.Conclusion, r.ExitCode(), r.Counts.FailedRules)
	}
}

// Cases found in review: each once let a model that should fail pass.
func TestEvaluateFailsClosed(t *testing.T) {
	t.Parallel()
	shap := func(label string, kv ...any) []Instance {
		var out []Instance
		for i := 0; i < len(kv); i += 2 {
			out = append(out, inst(rules.FormatAddress("shap", kv[i].(string)), kv[i+1].(float64), "label", label))
		}
		return out
	}
	unreadable := metrics()
	unreadable.MarkSource(SlotQuality, "report quality: not valid JSON")
	emptyNamed := metrics(inst("quality.auc", 0.9))
	emptyNamed.MarkSource("tox", "")
	noCount := metrics(inst("quality.auc", 0.5))
	tests := []struct {
		name  string
		f     *rules.File
		cand  *Metrics
		base  *Metrics
		want  string
		concl Conclusion
	}{
		{"unreadable report is an error even with on_missing skip",
			file(rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.9), OnMissing: rules.MissingSkip}), unreadable, nil, "ra quality.auc error", Failure},
		{"vs_baseline on a metric of unknown direction is an error",
			func() *rules.File {
				f := file(rules.Rule{Metric: addr(t, "quality.mape"), VsBaseline: &rules.VsBaseline{MaxDrop: num(0.01)}})
				return f
			}(), metrics(inst("quality.mape", 0.4)), metrics(inst("quality.mape", 0.1)), "ra quality.mape error", Failure},
		{"max_deviation on a metric of unknown ideal is an error",
			file(rules.Rule{Metric: addr(t, "quality.calibration"), MaxDeviation: num(0.1)}), metrics(inst("quality.calibration", 0.05)), nil, "ra quality.calibration error", Failure},
		{"vs_baseline with baseline none is an error",
			func() *rules.File {
				f := file(rules.Rule{Metric: addr(t, "quality.auc"), VsBaseline: &rules.VsBaseline{MaxDrop: num(0.01)}})
				f.Model.Baseline = rules.NoBaseline
				return f
			}(), metrics(inst("quality.auc", 0.5)), nil, "ra quality.auc error", Failure},
		{"min_samples without a count does not hide a failing value",
			file(rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.9), MinSamples: 100, OnMissing: rules.MissingWarn}), noCount, nil, "ra quality.auc fail", Failure},
		{"a feature tied with a top feature is in the top",
			file(rules.Rule{Shap: &rules.ShapRule{NotInTop: 1, Features: []string{"zip"}}}), metrics(shap("l", "age", 0.4, "zip", 0.4, "x", 0.2)...), nil, "ra shap.zip label=l fail", Failure},
		{"all-zero SHAP values rank nothing",
			file(rules.Rule{Shap: &rules.ShapRule{NotInTop: 1, Features: []string{"zip"}}}), metrics(shap("l", "age", 0.0, "zip", 0.0)...), nil, "ra shap label=l missing", Failure},
		{"the same SHAP report twice counts once",
			file(rules.Rule{Shap: &rules.ShapRule{NotInTop: 2, Features: []string{"gender"}}}),
			metrics(append(shap("l", "income", 0.6, "gender", 0.3, "age", 0.1), shap("l", "income", 0.6, "gender", 0.3, "age", 0.1)...)...), nil, "ra shap.gender label=l fail", Failure},
		{"a SHAP feature given twice with different values is missing",
			file(rules.Rule{Shap: &rules.ShapRule{MaxShare: num(0.9)}}),
			metrics(append(shap("l", "income", 0.6, "age", 0.1), shap("l", "income", 0.1)...)...), nil, "ra shap label=l missing|ra shap (share) feature=income label=l pass", Failure},
		{"require on a named report that holds no metric",
			func() *rules.File {
				f := file(rules.Rule{Require: []string{"tox"}})
				f.Reports = []rules.Report{{Name: "tox"}}
				return f
			}(), emptyNamed, nil, "ra tox fail", Failure},
		{"an ambiguous baseline is missing",
			file(rules.Rule{Metric: addr(t, "quality.auc"), VsBaseline: &rules.VsBaseline{MaxDrop: num(0.05)}}),
			metrics(inst("quality.auc", 0.62)), metrics(inst("quality.auc", 0.6), inst("quality.auc", 1.0)), "ra quality.auc missing", Failure},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := Evaluate(tc.f, tc.cand, tc.base, now)
			if got := strings.Join(verdicts(r), "|"); got != tc.want || r.Conclusion != tc.concl {
				t.Errorf("Evaluate(%s) = %q %s; want %q %s", tc.name, got, r.Conclusion, tc.want, tc.concl)
			}
		})
	}
}
