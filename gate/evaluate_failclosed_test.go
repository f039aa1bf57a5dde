package gate

import (
	"strings"
	"testing"

	"github.com/modelgate/modelgate/rules"
)

// shapInst builds shap.<feature> instances of one label.
func shapInst(label string, kv ...any) []Instance {
	var out []Instance
	for i := 0; i < len(kv); i += 2 {
		out = append(out, inst(rules.FormatAddress("shap", kv[i].(string)), kv[i+1].(float64), "label", label))
	}
	return out
}

func withCount(m *Metrics, slot string, n int) *Metrics {
	m.MarkSource(slot, "")
	m.ItemCount[slot] = n
	return m
}

// Issue 11: verdicts that once passed what they should not.
func TestEvaluateFailOpenVerdicts(t *testing.T) {
	t.Parallel()
	q := func(v float64) *Metrics {
		in := inst("quality.auc", v)
		in.Source = "quality: binary_classification_metrics.auc.value"
		return metrics(in)
	}
	unreadableExplain := metrics(shapInst("l", "income", 0.5, "gender", 0.1)...)
	unreadableExplain.MarkSource(SlotExplainability, "report explainability (s3://b/analysis.json): not valid JSON")
	brokenFmeval := metrics(shapInst("l", "income", 0.5, "gender", 0.1)...)
	brokenFmeval.MarkSource(SlotExplainability, "")
	brokenFmeval.MarkSource("tox", "report tox: not valid JSON")
	brokenBaseExplain := metrics()
	brokenBaseExplain.MarkSource(SlotExplainability, "report explainability: not valid JSON")
	brokenBaseQuality := metrics()
	brokenBaseQuality.MarkSource(SlotQuality, "report quality: not valid JSON")
	withTox := func(f *rules.File) *rules.File {
		f.Reports = []rules.Report{{Name: "tox", URI: "s3://b/tox.json", Format: "fmeval"}}
		return f
	}
	tests := []struct {
		name   string
		f      *rules.File
		cand   *Metrics
		base   *Metrics
		want   string // verdicts joined by |
		concl  Conclusion
		reason string // a part of the first finding's reason
	}{
		// min_samples makes the instance missing, so that on_missing applies.
		{"too few samples with on_missing skip is skipped",
			file(rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.8), MinSamples: 1000, OnMissing: rules.MissingSkip}),
			withCount(q(0.9), SlotQuality, 999), nil, "ra quality.auc skipped", Success, "999 records; min_samples is 1000"},
		{"too few samples with on_missing warn warns",
			file(rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.8), MinSamples: 50, OnMissing: rules.MissingWarn}),
			withCount(q(0.9), SlotQuality, 7), nil, "ra quality.auc warn", Neutral, "7 records"},
		{"too few samples fail closed by default",
			file(rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.8), MinSamples: 50}),
			withCount(q(0.9), SlotQuality, 7), nil, "ra quality.auc missing", Failure, "7 records"},
		{"exactly min_samples records is enough",
			file(rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.8), MinSamples: 50}),
			withCount(q(0.9), SlotQuality, 50), nil, "ra quality.auc pass", Success, ""},
		{"too few samples does not hide a failing value",
			file(rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.8), MinSamples: 50, OnMissing: rules.MissingSkip}),
			withCount(q(0.7), SlotQuality, 7), nil, "ra quality.auc fail", Failure, "below the minimum"},

		// An unreadable explainability report is an error naming it.
		{"shap rule over an unreadable explainability report is an error even with on_missing skip",
			file(rules.Rule{Shap: &rules.ShapRule{MaxShare: num(0.9)}, OnMissing: rules.MissingSkip}),
			unreadableExplain, nil, "ra shap error", Failure, "report explainability (s3://b/analysis.json): not valid JSON"},
		{"shap rule with no SHAP at all and an unreadable report is an error",
			file(rules.Rule{Shap: &rules.ShapRule{NotInTop: 3, Features: []string{"gender"}}, OnMissing: rules.MissingSkip}),
			func() *Metrics {
				m := metrics()
				m.MarkSource(SlotExplainability, "report explainability: too large")
				return m
			}(),
			nil, "ra shap error", Failure, "report explainability: too large"},
		{"a broken report of a format that holds no SHAP does not touch shap rules",
			withTox(file(rules.Rule{Shap: &rules.ShapRule{MaxShare: num(0.9)}})),
			brokenFmeval, nil, "ra shap (share) feature=income label=l pass", Success, ""},
		{"rank correlation with an unreadable baseline explainability report is an error",
			file(rules.Rule{Shap: &rules.ShapRule{MinRankCorrelation: num(0.5)}, OnMissing: rules.MissingSkip}),
			metrics(shapInst("l", "income", 0.5, "gender", 0.1)...), brokenBaseExplain, "ra shap (rank correlation) label=l error", Failure, "baseline report"},
		{"vs_baseline with an unreadable baseline report is an error, not a skippable missing",
			file(rules.Rule{Metric: addr(t, "quality.auc"), VsBaseline: &rules.VsBaseline{MaxDrop: num(0.01)}, OnMissing: rules.MissingSkip}),
			q(0.9), brokenBaseQuality, "ra quality.auc error", Failure, "report quality: not valid JSON"},

		// Non-finite intermediate results are errors.
		{"SHAP total overflowing to +Inf is an error, not a share of 0",
			file(rules.Rule{Shap: &rules.ShapRule{MaxShare: num(0.4)}}),
			metrics(shapInst("l", "a", 1e308, "b", 1e308, "c", 1e308)...), nil, "ra shap label=l error", Failure, "not a finite number"},
		{"SHAP total overflow also stops not_in_top",
			file(rules.Rule{Shap: &rules.ShapRule{NotInTop: 1, Features: []string{"gender"}}}),
			metrics(shapInst("l", "a", 1.5e308, "gender", 1e308)...), nil, "ra shap label=l error", Failure, "overflow"},
		{"a confidence band that overflows is an error",
			file(rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.85), Confidence: 0.99}),
			metrics(withSD(inst("quality.auc", 0.9), 1e308)), nil, "ra quality.auc error", Failure, "not a finite number"},
		{"a change from the baseline that overflows is an error",
			file(rules.Rule{Metric: addr(t, "quality.score"), Direction: rules.HigherIsBetter, VsBaseline: &rules.VsBaseline{MaxDrop: num(0.01)}}),
			metrics(inst("quality.score", 1e308)), metrics(inst("quality.score", -1e308)), "ra quality.score error", Failure, "not a finite number"},
		{"a relative change against a subnormal baseline that overflows is an error",
			file(rules.Rule{Metric: addr(t, "quality.auc"), VsBaseline: &rules.VsBaseline{MaxDropPct: num(5)}}),
			metrics(inst("quality.auc", 0.9)), metrics(inst("quality.auc", 1e-320)), "ra quality.auc error", Failure, "not a finite number"},
		{"min_gain_pct against a subnormal baseline that overflows is an error",
			file(rules.Rule{Metric: addr(t, "quality.auc"), VsBaseline: &rules.VsBaseline{MinGainPct: num(1)}}),
			metrics(inst("quality.auc", 0.9)), metrics(inst("quality.auc", 1e-320)), "ra quality.auc error", Failure, "not a finite number"},
		{"a noise band of the difference that overflows is an error",
			file(rules.Rule{Metric: addr(t, "quality.auc"), VsBaseline: &rules.VsBaseline{MaxDrop: num(0.01)}, Confidence: 0.95}),
			metrics(withSD(inst("quality.auc", 0.9), 1e200)), metrics(withSD(inst("quality.auc", 0.9), 1e200)), "ra quality.auc error", Failure, "not a finite number"},
		{"ideal ± max_deviation that overflows is an error",
			file(rules.Rule{Metric: addr(t, "quality.x"), Ideal: num(1e308), Direction: rules.TowardIdeal, MaxDeviation: num(1e308)}),
			metrics(inst("quality.x", 5)), nil, "ra quality.x error", Failure, "not a finite number"},
		{"a confidence below 0.5 built without the parser is an error",
			file(rules.Rule{Metric: addr(t, "quality.auc"), Min: num(0.85), Confidence: 0.05}),
			metrics(withSD(inst("quality.auc", 0.84), 0.01)), nil, "ra quality.auc error", Failure, "below 0.5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := Evaluate(tc.f, tc.cand, tc.base, now)
			if got := strings.Join(verdicts(r), "|"); got != tc.want || r.Conclusion != tc.concl {
				t.Errorf("Evaluate(%s) = %q %s; want %q %s", tc.name, got, r.Conclusion, tc.want, tc.concl)
			}
			if tc.reason != "" && (len(r.Findings) == 0 || !strings.Contains(r.Findings[0].Reason, tc.reason)) {
				t.Errorf("Evaluate(%s) reason = %q; want it to contain %q", tc.name, r.Findings[0].Reason, tc.reason)
			}
		})
	}
}

// Every rule kind has a judge and a slot handler.
func TestRuleKindsHandled(t *testing.T) {
	t.Parallel()
	for _, k := range rules.RuleKinds {
		if h, ok := ruleKinds[k]; !ok || h.judge == nil || h.slots == nil {
			t.Errorf("rule kind %s has no gate handler", k)
		}
	}
}

// Toward-ideal comparisons whose distances overflow are errors.
func TestEvaluateIdealDistanceOverflow(t *testing.T) {
	t.Parallel()
	f := file(rules.Rule{Metric: addr(t, "quality.x"), Direction: rules.TowardIdeal, Ideal: num(1e308), VsBaseline: &rules.VsBaseline{MaxDropPct: num(10)}})
	r := Evaluate(f, metrics(inst("quality.x", 1e308)), metrics(inst("quality.x", -1e308)), now)
	if got := strings.Join(verdicts(r), "|"); got != "ra quality.x error" || r.Conclusion != Failure {
		t.Errorf("Evaluate(distance from ideal overflows) = %q %s; want error failure", got, r.Conclusion)
	}
}
