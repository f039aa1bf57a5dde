package gate

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/rules"
)

// shap rules at their limits (README "shap"): not_in_top n fails a
// feature ranked exactly n (or tied with the n-th) and passes rank n+1;
// max_share x passes a share of exactly x; min_rank_correlation r passes a
// correlation of exactly r.
func TestShapLimits(t *testing.T) {
	t.Parallel()
	cand := metrics(shapInst("l", "a", 0.4, "b", 0.3, "c", 0.2, "d", 0.1)...) // total 1
	tied := metrics(shapInst("l", "a", 0.5, "b", 0.25, "c", 0.25)...)
	tests := []struct {
		name string
		s    rules.ShapRule
		cand *Metrics
		want string
	}{
		{"rank exactly n fails", rules.ShapRule{NotInTop: 2, Features: []string{"b"}}, cand, "ra shap.b label=l fail"},
		{"rank n+1 passes", rules.ShapRule{NotInTop: 2, Features: []string{"c"}}, cand, "ra shap.c label=l pass"},
		{"rank 1 fails top 1", rules.ShapRule{NotInTop: 1, Features: []string{"a"}}, cand, "ra shap.a label=l fail"},
		{"tied with the n-th fails", rules.ShapRule{NotInTop: 2, Features: []string{"c"}}, tied, "ra shap.c label=l fail"},
		{"max share exactly x passes", rules.ShapRule{MaxShare: num(0.5)}, tied, "ra shap (share) feature=a label=l pass"},
		{"max share just under the share fails", rules.ShapRule{MaxShare: num(0.4999)}, tied, "ra shap (share) feature=a label=l fail"},
	}
	for _, tc := range tests {
		s := tc.s
		r := Evaluate(file(rules.Rule{Shap: &s}), tc.cand, nil, now)
		if got := strings.Join(verdicts(r), "|"); got != tc.want {
			t.Errorf("%s: %q; want %q", tc.name, got, tc.want)
		}
	}
	r := Evaluate(file(rules.Rule{Shap: &rules.ShapRule{NotInTop: 2, Features: []string{"b"}}}), cand, nil, now)
	if want := "b ranks 2 of 4 by |SHAP| (share 30.0%); must not be in the top 2"; r.Findings[0].Reason != want {
		t.Errorf("not_in_top reason = %q; want %q", r.Findings[0].Reason, want)
	}
	r = Evaluate(file(rules.Rule{Shap: &rules.ShapRule{MaxShare: num(0.25)}}), tied, nil, now)
	if want := "a holds 50.0% of total |SHAP|; at most 25.0% allowed"; r.Findings[0].Reason != want {
		t.Errorf("max_share reason = %q; want %q", r.Findings[0].Reason, want)
	}

	// Spearman of a:1 b:2 c:3 d:4 against a:1 b:3 c:2 d:4 is
	// 1 - 6·2/(4·15) = 0.8 (and exactly 0.8 after the Pearson on ranks:
	// sxy 4, sxx = syy = 5).
	base := metrics(shapInst("l", "a", 0.4, "b", 0.2, "c", 0.3, "d", 0.1)...)
	for _, c := range []struct {
		min  float64
		want string
	}{{0.8, "pass"}, {0.8000001, "fail"}} {
		r := Evaluate(file(rules.Rule{Shap: &rules.ShapRule{MinRankCorrelation: num(c.min)}}), cand, base, now)
		if got := strings.Join(verdicts(r), "|"); got != "ra shap (rank correlation) label=l "+c.want {
			t.Errorf("min_rank_correlation %v against rho 0.8: %q; want %s", c.min, got, c.want)
		}
	}
}

// Ranks average ties; Pearson on ranks with one side all tied is 0 (no
// agreement), both sides all tied is 1 (the same ranking).
func TestShapRanksAndTies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want []float64
	}{
		{[]float64{3, 3, 1}, []float64{1.5, 1.5, 3}},
		{[]float64{1, 2, 2, 2}, []float64{4, 2, 2, 2}},
		{[]float64{5, 4, 3}, []float64{1, 2, 3}},
		{[]float64{1, 1, 2, 2}, []float64{3.5, 3.5, 1.5, 1.5}},
	} {
		if got := ranks(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("ranks(%v) = %v; want %v", tc.in, got, tc.want)
		}
	}
	if got := pearson([]float64{1, 2, 3}, []float64{2, 2, 2}); got != 0 {
		t.Errorf("pearson(1 2 3, all tied) = %v; want 0", got)
	}
	if got := pearson([]float64{2, 2, 2}, []float64{1, 2, 3}); got != 0 {
		t.Errorf("pearson(all tied, 1 2 3) = %v; want 0", got)
	}
	if got := pearson([]float64{1, 2, 3}, []float64{3, 2, 1}); math.Abs(got+1) > 1e-15 {
		t.Errorf("pearson(reversed) = %v; want -1", got)
	}
	if got := pearson([]float64{1, 2, 3, 4}, []float64{1, 3, 2, 4}); math.Abs(got-0.8) > 1e-15 {
		t.Errorf("pearson(one swap of 4) = %v; want 0.8", got)
	}
}

// A changed feature set warns with the features added and removed (at
// most five named, then a count); fewer than two common features cannot
// be compared: missing.
func TestShapFeatureSetChange(t *testing.T) {
	t.Parallel()
	cand := metrics(shapInst("l", "a", 0.9, "b", 0.8, "n1", 0.7, "n2", 0.6, "n3", 0.5, "n4", 0.4, "n5", 0.3, "n6", 0.2)...)
	base := metrics(shapInst("l", "a", 0.9, "b", 0.8, "old", 0.1)...)
	r := Evaluate(file(rules.Rule{Shap: &rules.ShapRule{MinRankCorrelation: num(0.5)}}), cand, base, now)
	if len(r.Findings) != 2 || r.Findings[0].Verdict != Warn || r.Findings[1].Verdict != Pass {
		t.Fatalf("feature set changed: %q; want warn then pass", verdicts(r))
	}
	if want := "feature set changed: +n1 +n2 +n3 +n4 +n5 (+1 more) -old"; r.Findings[0].Reason != want {
		t.Errorf("reason = %q; want %q", r.Findings[0].Reason, want)
	}
	one := metrics(shapInst("l", "a", 0.9, "x", 0.8)...)
	r = Evaluate(file(rules.Rule{Shap: &rules.ShapRule{MinRankCorrelation: num(0.5)}}), one, base, now)
	last := r.Findings[len(r.Findings)-1]
	if last.Verdict != Missing || last.Reason != "only 1 features in common with the baseline; ranking cannot be compared" {
		t.Errorf("one common feature: %q %q; want missing", verdicts(r), last.Reason)
	}
	two := metrics(shapInst("l", "a", 0.9, "b", 0.8)...)
	r = Evaluate(file(rules.Rule{Shap: &rules.ShapRule{MinRankCorrelation: num(1)}}), two, base, now)
	if got := strings.Join(verdicts(r), "|"); got != "ra shap (feature set) label=l warn|ra shap (rank correlation) label=l pass" {
		t.Errorf("two common features in the same order: %q; want warn (old removed) and pass", got)
	}
}

// Features tied on |SHAP| are ordered by name, so the max_share finding of
// a tie at the top names the same feature on every run.
func TestShapTopTieIsDeterministic(t *testing.T) {
	t.Parallel()
	cand := metrics(shapInst("l", "zeta", 0.4, "alpha", 0.4, "mid", 0.2)...)
	r := Evaluate(file(rules.Rule{Shap: &rules.ShapRule{MaxShare: num(0.3)}}), cand, nil, now)
	if got := strings.Join(verdicts(r), "|"); got != "ra shap (share) feature=alpha label=l fail" {
		t.Errorf("tie at the top: %q; want the share of alpha (first by name)", got)
	}
}

// What a shap rule says when the values are not there: for the label it
// names, for any label, all zero, or a baseline without the label or with
// a total that overflows.
func TestShapMissingAndErrorReasons(t *testing.T) {
	t.Parallel()
	cand := metrics(shapInst("l", "a", 0.5, "b", 0.25)...)
	zero := metrics(shapInst("l", "a", 0.0, "b", 0.0)...)
	tests := []struct {
		name       string
		s          rules.ShapRule
		cand, base *Metrics
		want       string // verdicts
		reason     string // of the last finding
	}{
		{"label absent", rules.ShapRule{MaxShare: num(0.5), Label: "other"}, cand, nil, "ra shap missing", `no SHAP values for label "other" in the candidate's reports`},
		{"no SHAP at all", rules.ShapRule{MaxShare: num(0.5)}, metrics(inst("quality.auc", 1)), nil, "ra shap missing", "no SHAP values in the candidate's reports"},
		{"all zero, max_share only", rules.ShapRule{MaxShare: num(0.5)}, zero, nil, "ra shap (share) label=l missing", "no non-zero SHAP values for label l"},
		{"all zero, not_in_top", rules.ShapRule{NotInTop: 1, Features: []string{"a"}}, zero, nil, "ra shap label=l missing", "every SHAP value of label l is 0: no ranking"},
		{"baseline lacks the label", rules.ShapRule{MinRankCorrelation: num(0.5)}, cand, metrics(shapInst("m", "a", 0.5, "b", 0.25)...),
			"ra shap (rank correlation) label=l missing", "the baseline has no SHAP values for label l"},
		{"baseline total overflows", rules.ShapRule{MinRankCorrelation: num(0.5)}, cand, metrics(shapInst("l", "a", 1e308, "b", 1e308)...),
			"ra shap (rank correlation) label=l error", "the baseline's total |SHAP| of label l is not a finite number (the values overflow)"},
	}
	for _, tc := range tests {
		s := tc.s
		r := Evaluate(file(rules.Rule{Shap: &s}), tc.cand, tc.base, now)
		if got := strings.Join(verdicts(r), "|"); got != tc.want || r.Findings[len(r.Findings)-1].Reason != tc.reason {
			t.Errorf("%s: %q %q; want %q %q", tc.name, got, r.Findings[len(r.Findings)-1].Reason, tc.want, tc.reason)
		}
	}
}

// Exactly five added features are all named, with no "(+0 more)".
func TestShapFeatureSetFiveNamed(t *testing.T) {
	t.Parallel()
	cand := metrics(shapInst("l", "a", 0.9, "b", 0.8, "n1", 0.7, "n2", 0.6, "n3", 0.5, "n4", 0.4, "n5", 0.3)...)
	base := metrics(shapInst("l", "a", 0.9, "b", 0.8)...)
	r := Evaluate(file(rules.Rule{Shap: &rules.ShapRule{MinRankCorrelation: num(0.5)}}), cand, base, now)
	if want := "feature set changed: +n1 +n2 +n3 +n4 +n5"; len(r.Findings) == 0 || r.Findings[0].Reason != want {
		t.Errorf("five added: %q; want %q", verdicts(r), want)
	}
}
