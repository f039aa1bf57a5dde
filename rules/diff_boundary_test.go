package rules

import (
	"strings"
	"testing"
)

// Diff at equality and in each direction, one change kind at a time
// (issue 18): an equal value is no change, and the two directions are
// opposite kinds as the README table says.
func TestDiffEachKindAtEquality(t *testing.T) {
	t.Parallel()
	parse := func(t *testing.T, rule, mem string) *File {
		t.Helper()
		src := "version: 1\nmodel: {group: g}\nreports:\n  - {name: mem, memorization: {outputs: o.jsonl, corpus: [c.txt]" + mem + "}}\nrules:\n  - {id: x, " + rule + "}\n"
		f, err := Parse("t.yml", []byte(src))
		if err != nil {
			t.Fatalf("Parse(%q): %v", src, err)
		}
		return f
	}
	kinds := func(cs []Change) string {
		var out []string
		for _, c := range cs {
			out = append(out, string(c.Kind))
		}
		return strings.Join(out, ",")
	}
	tests := []struct {
		name             string
		base, head       string // rule keys after the id
		baseMem, headMem string // memorization keys
		want             string // kinds of the changes, in order
	}{
		{"min equal", "metric: quality.auc, min: 0.8", "metric: quality.auc, min: 0.8", "", "", ""},
		{"min raised", "metric: quality.auc, min: 0.8", "metric: quality.auc, min: 0.81", "", "", "tighten"},
		{"min lowered", "metric: quality.auc, min: 0.8", "metric: quality.auc, min: 0.79", "", "", "loosen"},
		{"max equal", "metric: quality.mse, max: 2", "metric: quality.mse, max: 2.0", "", "", ""},
		{"max raised", "metric: quality.mse, max: 2", "metric: quality.mse, max: 3", "", "", "loosen"},
		{"max lowered", "metric: quality.mse, max: 2", "metric: quality.mse, max: 1", "", "", "tighten"},
		{"between equal to min and max", "metric: bias.post.DI, between: [0.8, 1.25]", "metric: bias.post.DI, min: 0.8, max: 1.25", "", "", ""},
		{"abs_max equal", "metric: bias.post.DPPL, abs_max: 0.1", "metric: bias.post.DPPL, abs_max: 0.1", "", "", ""},
		{"abs_max raised", "metric: bias.post.DPPL, abs_max: 0.1", "metric: bias.post.DPPL, abs_max: 0.2", "", "", "loosen"},
		{"abs_max lowered", "metric: bias.post.DPPL, abs_max: 0.1", "metric: bias.post.DPPL, abs_max: 0.05", "", "", "tighten"},
		{"max_deviation equal", "metric: bias.post.DI, max_deviation: 0.2", "metric: bias.post.DI, max_deviation: 0.2", "", "", ""},
		{"max_deviation raised", "metric: bias.post.DI, max_deviation: 0.2", "metric: bias.post.DI, max_deviation: 0.3", "", "", "loosen"},
		{"max_drop equal", "metric: quality.auc, vs_baseline: {max_drop: 0.01}", "metric: quality.auc, vs_baseline: {max_drop: 0.01}", "", "", ""},
		{"max_drop raised", "metric: quality.auc, vs_baseline: {max_drop: 0.01}", "metric: quality.auc, vs_baseline: {max_drop: 0.02}", "", "", "loosen"},
		{"max_drop_pct lowered", "metric: quality.auc, vs_baseline: {max_drop_pct: 2}", "metric: quality.auc, vs_baseline: {max_drop_pct: 1}", "", "", "tighten"},
		{"min_gain equal", "metric: quality.auc, vs_baseline: {min_gain: 0}", "metric: quality.auc, vs_baseline: {min_gain: 0}", "", "", ""},
		{"min_gain raised", "metric: quality.auc, vs_baseline: {min_gain: 0}", "metric: quality.auc, vs_baseline: {min_gain: 0.01}", "", "", "tighten"},
		{"min_gain_pct lowered", "metric: quality.auc, vs_baseline: {min_gain_pct: 2}", "metric: quality.auc, vs_baseline: {min_gain_pct: 1}", "", "", "loosen"},
		{"max_rise raised", "metric: quality.mse, vs_baseline: {max_rise: 1}", "metric: quality.mse, vs_baseline: {max_rise: 2}", "", "", "loosen"},
		{"max_rise_pct equal", "metric: quality.mse, vs_baseline: {max_rise_pct: 5}", "metric: quality.mse, vs_baseline: {max_rise_pct: 5}", "", "", ""},
		{"vs_baseline key swapped", "metric: quality.auc, vs_baseline: {max_drop: 0.01}", "metric: quality.auc, vs_baseline: {max_drop_pct: 1}", "", "", "loosen,tighten"},
		{"confidence equal", "metric: quality.auc, min: 0.8, confidence: 0.9", "metric: quality.auc, min: 0.8, confidence: 0.90", "", "", ""},
		{"on_inconclusive equal to its default", "metric: quality.auc, min: 0.8, confidence: 0.9", "metric: quality.auc, min: 0.8, confidence: 0.9, on_inconclusive: fail", "", "", ""},
		{"min_samples equal", "metric: quality.auc, min: 0.8, min_samples: 100", "metric: quality.auc, min: 0.8, min_samples: 100", "", "", ""},
		{"min_samples raised", "metric: quality.auc, min: 0.8, min_samples: 100", "metric: quality.auc, min: 0.8, min_samples: 101", "", "", "tighten"},
		{"min_samples lowered", "metric: quality.auc, min: 0.8, min_samples: 100", "metric: quality.auc, min: 0.8, min_samples: 99", "", "", "loosen"},
		{"ideal equal", "metric: quality.x, direction: ideal, ideal: 1, max_deviation: 0.1", "metric: quality.x, direction: ideal, ideal: 1.0, max_deviation: 0.1", "", "", ""},
		{"ideal changed", "metric: quality.x, direction: ideal, ideal: 1, max_deviation: 0.1", "metric: quality.x, direction: ideal, ideal: 0.9, max_deviation: 0.1", "", "", "loosen"},
		{"direction equal", "metric: quality.x, direction: lower, max: 1", "metric: quality.x, direction: lower, max: 1", "", "", ""},
		{"where equal", "metric: bias.post.DI, min: 0.8, where: {facet: gender}", "metric: bias.post.DI, min: 0.8, where: {facet: gender}", "", "", ""},
		{"severity equal to the default", "metric: quality.auc, min: 0.8", "metric: quality.auc, min: 0.8, severity: error", "", "", ""},
		{"on_missing equal to the default", "metric: quality.auc, min: 0.8", "metric: quality.auc, min: 0.8, on_missing: fail", "", "", ""},
		{"not_in_top unmoved", "shap: {not_in_top: 5, features: [age]}", "shap: {not_in_top: 5, features: [age]}", "", "", ""},
		{"not_in_top raised", "shap: {not_in_top: 5, features: [age]}", "shap: {not_in_top: 6, features: [age]}", "", "", "tighten"},
		{"not_in_top lowered", "shap: {not_in_top: 5, features: [age]}", "shap: {not_in_top: 4, features: [age]}", "", "", "loosen"},
		{"max_share equal", "shap: {max_share: 0.4}", "shap: {max_share: 0.4}", "", "", ""},
		{"max_share lowered", "shap: {max_share: 0.4}", "shap: {max_share: 0.3}", "", "", "tighten"},
		{"min_rank_correlation equal", "shap: {min_rank_correlation: 0.8}", "shap: {min_rank_correlation: 0.8}", "", "", ""},
		{"min_rank_correlation raised", "shap: {min_rank_correlation: 0.8}", "shap: {min_rank_correlation: 0.9}", "", "", "tighten"},
		{"shap label equal", "shap: {max_share: 0.4, label: l0}", "shap: {max_share: 0.4, label: l0}", "", "", ""},
		{"require equal in another order", "require: [quality, bias.post]", "require: [bias.post, quality]", "", "", ""},
		{"waiver equal", "metric: quality.auc, min: 0.8, waiver: {reason: r, owner: o, expires: 2027-01-31}", "metric: quality.auc, min: 0.8, waiver: {reason: r, owner: o, expires: 2027-01-31}", "", "", ""},
		{"waiver extended by a day", "metric: quality.auc, min: 0.8, waiver: {reason: r, owner: o, expires: 2027-01-31}", "metric: quality.auc, min: 0.8, waiver: {reason: r, owner: o, expires: 2027-02-01}", "", "", "loosen"},
		{"waiver shortened by a day", "metric: quality.auc, min: 0.8, waiver: {reason: r, owner: o, expires: 2027-01-31}", "metric: quality.auc, min: 0.8, waiver: {reason: r, owner: o, expires: 2027-01-30}", "", "", "tighten"},
		{"memorization rule and min_tokens equal", "metric: llm.memorization.verbatim_rate, max: 0", "metric: llm.memorization.verbatim_rate, max: 0", ", min_tokens: 12", ", min_tokens: 12", ""},
		{"memorization min_tokens raised", "metric: llm.memorization.verbatim_rate, max: 0", "metric: llm.memorization.verbatim_rate, max: 0", ", min_tokens: 12", ", min_tokens: 13", "loosen"},
		{"memorization min_tokens lowered", "metric: llm.memorization.max_span, max: 40", "metric: llm.memorization.max_span, max: 40", ", min_tokens: 12", ", min_tokens: 11", "tighten"},
		{"memorization max_span raised", "metric: llm.memorization.max_span, max: 40", "metric: llm.memorization.max_span, max: 41", "", "", "loosen"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, h := parse(t, tc.base, tc.baseMem), parse(t, tc.head, tc.headMem)
			cs := Diff(b, h)
			if got := kinds(cs); got != tc.want {
				t.Errorf("Diff(%s) = %q (%s); want %q", tc.name, got, strings.TrimSpace(FormatChanges(cs)), tc.want)
			}
			if Loosens(cs) != strings.Contains(tc.want, "loosen") {
				t.Errorf("Loosens(%s) = %v; want %v", tc.name, Loosens(cs), !Loosens(cs))
			}
		})
	}
}
