package render

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/modelgate/modelgate/gate"
)

// Every line of the text output fits TextWidth, whatever the lengths of
// the rules, metrics, labels, thresholds and reasons, and no word is lost.
func TestTextFitsWidth(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("wordy-", 30)
	r := &gate.Result{
		RulesFile: ".github/" + strings.Repeat("nested/", 30) + "modelgate.yml", Group: "g", Conclusion: gate.Failure,
		Candidate: &gate.Package{Group: "g", Version: 3, ARN: "arn:aws:sagemaker:eu-west-1:111122223333:model-package/" + strings.Repeat("g", 63) + "/3", Approval: gate.StatusPending},
		Notes:     []string{strings.Repeat("a long note ", 30)},
		Findings: []gate.Finding{
			{Rule: "short", Metric: "quality.auc", Value: 0.9, Baseline: math.NaN(), Delta: math.NaN(), Threshold: ">= 0.8", Verdict: gate.Pass},
			{Rule: strings.Repeat("r", 40), Metric: "shap." + strings.Repeat("feature_", 10),
				Labels: []gate.Label{{Key: "facet", Value: strings.Repeat("x", 60)}, {Key: "label", Value: "label0"}},
				Value:  0.123456, Baseline: 0.1, Delta: 0.023456, Threshold: strings.Repeat("drop <= 0.05 vs baseline, ", 3),
				Verdict: gate.Inconclusive, Blocking: true, Reason: "the reason says " + long + " and ends here"},
		},
	}
	var b bytes.Buffer
	if err := Text(&b, r, "v1.2.3"); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for i, ln := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(ln); n > TextWidth {
			t.Errorf("line %d is %d columns wide:\n%s", i+1, n, ln)
		}
	}
	// The reason wraps under its row, indented, with every word kept.
	if !strings.Contains(out, "  -> the reason says\n     wordy-wordy-") || !strings.Contains(strings.Join(strings.Fields(out), ""), "wordy-wordy-") {
		t.Errorf("the long reason is not wrapped under its row:\n%s", out)
	}
	if !strings.Contains(strings.Join(strings.Fields(out), " "), "and ends here") {
		t.Errorf("the end of the reason is lost:\n%s", out)
	}
	if !strings.Contains(out, "INCONCLUSIVE") || !strings.Contains(out, "(blocking)") {
		t.Errorf("the verdict is lost:\n%s", out)
	}
}

// A table that fits keeps one line per row, its columns padded.
func TestTextNarrowTableIsOneLinePerRow(t *testing.T) {
	t.Parallel()
	r := &gate.Result{Group: "g", Conclusion: gate.Success, Findings: []gate.Finding{
		{Rule: "auc", Metric: "quality.auc", Value: 0.9, Baseline: math.NaN(), Delta: math.NaN(), Threshold: ">= 0.8", Verdict: gate.Pass},
		{Rule: "di", Metric: "bias.post.DI", Labels: []gate.Label{{Key: "facet", Value: "age"}}, Value: 1, Baseline: math.NaN(), Delta: math.NaN(), Threshold: "in [0.8, 1.25]", Verdict: gate.Pass},
	}}
	var b bytes.Buffer
	Text(&b, r, "dev")
	want := "RULE  METRIC                  VALUE  THRESHOLD       BASELINE  DELTA  VERDICT\n" +
		"auc   quality.auc             0.9    >= 0.8          -         -      PASS\n" +
		"di    bias.post.DI facet=age  1      in [0.8, 1.25]  -         -      PASS\n"
	if !strings.Contains(b.String(), want) {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestWrap(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		n    int
		want []string
	}{
		{"a b c", 10, []string{"a b c"}},
		{"attached and readable", 12, []string{"attached and", "readable"}},
		{"dataset=real_toxicity_prompts_challenging", 24, []string{"dataset=real_toxicity_", "prompts_challenging"}},
		{"xxxxxxxxxxxx", 5, []string{"xxxxx", "xxxxx", "xx"}},
		{"", 5, []string{""}},
	} {
		if got := wrap(tt.in, tt.n); strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("wrap(%q, %d) = %q; want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
