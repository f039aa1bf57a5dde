package gate

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/rules"
)

// Two attached reports that give one metric instance (same address, same
// labels) different values: the gate cannot tell which to judge, so every
// copy is an error naming both sources — never a pass next to a skipped
// or failing copy. Equal copies are judged as usual.
func TestEvaluateConflictingReports(t *testing.T) {
	t.Parallel()
	from := func(src string, in Instance) Instance { in.Source = src; return in }
	di := func(v float64, src string) Instance {
		return from(src, inst("bias.post.DI", v, "facet", "gender", "value", "1"))
	}
	other := func(v float64) Instance {
		return from("bias.post: PostTrainingReport", inst("bias.post.DI", v, "facet", "age", "value", "1"))
	}
	rule := func(om rules.OnMissing) *rules.File {
		return file(rules.Rule{Metric: addr(t, "bias.post.DI"), Between: &rules.Range{Lo: 0.8, Hi: 1.25}, OnMissing: om})
	}
	tests := []struct {
		name   string
		f      *rules.File
		cand   *Metrics
		want   string
		concl  Conclusion
		reason string
	}{
		{"a missing copy beside a passing one, on_missing skip",
			rule(rules.MissingSkip),
			metrics(di(0.95, "bias: Report"), di(math.NaN(), "bias.post: PostTrainingReport")),
			"ra bias.post.DI facet=gender value=1 error|ra bias.post.DI facet=gender value=1 error", Failure,
			"bias.post.DI (facet=gender value=1) is given with different values by bias: Report and bias.post: PostTrainingReport"},
		{"a failing copy beside a passing one",
			rule(rules.MissingFail),
			metrics(di(0.7, "bias: Report"), di(0.95, "bias.post: PostTrainingReport")),
			"ra bias.post.DI facet=gender value=1 error|ra bias.post.DI facet=gender value=1 error", Failure, "ambiguous"},
		{"equal copies are no conflict",
			rule(rules.MissingFail),
			metrics(di(0.95, "bias: Report"), di(0.95, "bias.post: PostTrainingReport")),
			"ra bias.post.DI facet=gender value=1 pass|ra bias.post.DI facet=gender value=1 pass", Success, ""},
		{"only the conflicting instance is an error; the others are judged",
			rule(rules.MissingFail),
			metrics(di(0.95, "bias: Report"), other(0.7), di(0.9, "bias.post: PostTrainingReport")),
			"ra bias.post.DI facet=gender value=1 error|ra bias.post.DI facet=age value=1 fail|ra bias.post.DI facet=gender value=1 error", Failure, "ambiguous"},
		{"other labels are other instances",
			rule(rules.MissingFail),
			metrics(di(0.95, "bias: Report"), other(0.9)),
			"ra bias.post.DI facet=gender value=1 pass|ra bias.post.DI facet=age value=1 pass", Success, ""},
	}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := Evaluate(tc.f, tc.cand, nil, now)
			if got := strings.Join(verdicts(r), "|"); got != tc.want || r.Conclusion != tc.concl {
				t.Errorf("Evaluate = %q %s; want %q %s", got, r.Conclusion, tc.want, tc.concl)
			}
			if tc.reason != "" && (len(r.Findings) == 0 || !strings.Contains(r.Findings[0].Reason, tc.reason)) {
				t.Errorf("reason = %q; want it to contain %q", r.Findings[0].Reason, tc.reason)
			}
		})
	}
}
