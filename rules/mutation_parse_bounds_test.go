package rules

import (
	"strings"
	"testing"
)

// The rules file refuses a rule no value could meet or a threshold that
// means nothing, and accepts each bound exactly at its documented edge
// (README "Rules file reference"): `min` equal to `max`, `between` with
// equal ends, `abs_max`, `max_deviation` and `vs_baseline` amounts of 0,
// `min_samples` 1, `not_in_top` 1, `max_share` 1, `min_rank_correlation`
// -1 and 1, `min_tokens` 4; integers up to 2^31-1.
func TestParseBoundsAtTheEdge(t *testing.T) {
	t.Parallel()
	const head = "version: 1\nmodel: {group: g}\n"
	rule := func(body string) string { return head + "rules:\n  - {id: r, " + body + "}\n" }
	memo := func(tokens string) string {
		return head + "reports:\n  - name: verbatim\n    memorization: {outputs: package:out.jsonl, corpus: [corpus/], min_tokens: " + tokens + "}\n" +
			"rules:\n  - {id: r, metric: llm.memorization.verbatim_rate, max: 0}\n"
	}
	tests := []struct {
		name, src string
		want      string // "" = accepted; else a substring of the error
		check     func(f *File) bool
	}{
		{"min equal to max", rule("metric: quality.auc, min: 0.8, max: 0.8"), "", func(f *File) bool { return f.Rules[0].Min.V == 0.8 && f.Rules[0].Max.V == 0.8 }},
		{"min above max", rule("metric: quality.auc, min: 0.9, max: 0.8"), "`min` 0.9 is greater than `max` 0.8; no value can pass", nil},
		{"between equal ends", rule("metric: quality.auc, between: [0.5, 0.5]"), "", func(f *File) bool { return f.Rules[0].Between.Lo == 0.5 && f.Rules[0].Between.Hi == 0.5 }},
		{"between reversed", rule("metric: quality.auc, between: [0.6, 0.5]"), "`between` lower bound 0.6 is greater than upper bound 0.5", nil},
		{"abs_max 0", rule("metric: quality.auc, abs_max: 0"), "", func(f *File) bool { return f.Rules[0].AbsMax != nil && f.Rules[0].AbsMax.V == 0 }},
		{"abs_max negative", rule("metric: quality.auc, abs_max: -0.1"), "`abs_max` must be at least 0, found -0.1", nil},
		{"max_deviation 0", rule("metric: quality.auc, max_deviation: 0"), "", func(f *File) bool { return f.Rules[0].MaxDeviation != nil && f.Rules[0].MaxDeviation.V == 0 }},
		{"max_deviation negative", rule("metric: quality.auc, max_deviation: -1"), "`max_deviation` must be at least 0, found -1", nil},
		{"max_drop 0", rule("metric: quality.auc, direction: higher, vs_baseline: {max_drop: 0}"), "", func(f *File) bool { return f.Rules[0].VsBaseline.MaxDrop.V == 0 }},
		{"max_drop negative", rule("metric: quality.auc, direction: higher, vs_baseline: {max_drop: -0.01}"), "`max_drop` must be at least 0, found -0.01", nil},
		{"min_samples 1", rule("metric: quality.auc, min: 0.8, min_samples: 1"), "", func(f *File) bool { return f.Rules[0].MinSamples == 1 }},
		{"min_samples 0", rule("metric: quality.auc, min: 0.8, min_samples: 0"), "`min_samples` must be at least 1, found 0", nil},
		{"min_samples 2^31-1", rule("metric: quality.auc, min: 0.8, min_samples: 2147483647"), "", func(f *File) bool { return f.Rules[0].MinSamples == 2147483647 }},
		{"min_samples 2^31", rule("metric: quality.auc, min: 0.8, min_samples: 2147483648"), "`min_samples` is out of range, found 2147483648", nil},
		{"not_in_top below -2^31", rule("shap: {not_in_top: -2147483649, features: [age]}"), "`not_in_top` is out of range, found -2147483649", nil},
		{"not_in_top -2^31", rule("shap: {not_in_top: -2147483648, features: [age]}"), "`not_in_top` must be at least 1, found -2147483648", nil},
		{"not_in_top 1", rule("shap: {not_in_top: 1, features: [age]}"), "", func(f *File) bool { return f.Rules[0].Shap.NotInTop == 1 }},
		{"not_in_top 0", rule("shap: {not_in_top: 0, features: [age]}"), "`not_in_top` must be at least 1, found 0", nil},
		{"max_share 1", rule("shap: {max_share: 1}"), "", func(f *File) bool { return f.Rules[0].Shap.MaxShare.V == 1 }},
		{"max_share 0", rule("shap: {max_share: 0}"), "`max_share` must be in (0, 1], found 0", nil},
		{"max_share above 1", rule("shap: {max_share: 1.01}"), "`max_share` must be in (0, 1], found 1.01", nil},
		{"min_rank_correlation -1", rule("shap: {min_rank_correlation: -1}"), "", func(f *File) bool { return f.Rules[0].Shap.MinRankCorrelation.V == -1 }},
		{"min_rank_correlation 1", rule("shap: {min_rank_correlation: 1}"), "", func(f *File) bool { return f.Rules[0].Shap.MinRankCorrelation.V == 1 }},
		{"min_rank_correlation below -1", rule("shap: {min_rank_correlation: -1.01}"), "`min_rank_correlation` must be in [-1, 1], found -1.01", nil},
		{"min_rank_correlation above 1", rule("shap: {min_rank_correlation: 1.01}"), "`min_rank_correlation` must be in [-1, 1], found 1.01", nil},
		{"min_tokens 4", memo("4"), "", func(f *File) bool { return f.Reports[0].Memorization.MinTokens == 4 }},
		{"min_tokens 3", memo("3"), "`min_tokens` must be at least 4, found 3", nil},
	}
	for _, tc := range tests {
		f, err := Parse("t.yml", []byte(tc.src))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v; want accepted", tc.name, err)
		case tc.want == "" && !tc.check(f):
			t.Errorf("%s: accepted with another value: %+v", tc.name, f.Rules[0])
		case tc.want != "" && err == nil:
			t.Errorf("%s: accepted; want an error with %q", tc.name, tc.want)
		case tc.want != "" && !strings.Contains(err.Error(), tc.want):
			t.Errorf("%s: %v; want %q", tc.name, err, tc.want)
		}
	}
}
