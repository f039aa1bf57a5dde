package gate

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/rules"
)

const pairedAddr = "llm.gsm8k.exact_match"

// run builds a model's metrics: the aggregate (mean of vals, with the
// binomial standard error when sd) and one item per value.
func run(vals []float64, sd bool, skip map[int]bool) *Metrics {
	m := NewMetrics()
	sum := 0.0
	for _, v := range vals {
		sum += v
	}
	n := float64(len(vals))
	p := sum / n
	agg := Instance{Address: pairedAddr, Value: p, StdDev: math.NaN(), N: len(vals), Direction: rules.HigherIsBetter,
		Labels: []Label{{"filter", "none"}, {"task", "gsm8k"}}, Source: "lmeval: $.results.gsm8k"}
	if sd {
		agg.StdDev = math.Sqrt(p * (1 - p) / n)
	}
	m.Add(agg)
	for i, v := range vals {
		if skip[i] {
			continue
		}
		m.Add(Instance{Address: ItemsPrefix + pairedAddr, Value: v, StdDev: math.NaN(),
			Labels: []Label{{"doc_id", strconv.Itoa(i)}, {"filter", "none"}, {"task", "gsm8k"}}, Source: "samples: line " + strconv.Itoa(i+1)})
	}
	return m
}

// outcomes gives n pass/fail items: the first pass items pass.
func outcomes(n, pass int) []float64 {
	v := make([]float64, n)
	for i := 0; i < pass; i++ {
		v[i] = 1
	}
	return v
}

func pairedRule(t *testing.T, paired string, vb rules.VsBaseline) *rules.File {
	vb.Paired = paired
	return file(rules.Rule{Metric: addr(t, pairedAddr), VsBaseline: &vb, Confidence: 0.95})
}

func only(t *testing.T, r *Result) Finding {
	t.Helper()
	if len(r.Findings) != 1 {
		t.Fatalf("%d findings: %v", len(r.Findings), verdicts(r))
	}
	return r.Findings[0]
}

// The candidate loses 30 of 700 passing items and gains none. Unpaired,
// 0.67 ± 0.034 vs 0.70 straddles the limit: inconclusive. Paired, 30
// discordant pairs all one way: McNemar p ≈ 1e-7, a real regression.
func TestPairedFailsWhereUnpairedIsInconclusive(t *testing.T) {
	t.Parallel()
	base := run(outcomes(1000, 700), true, nil)
	cand := run(outcomes(1000, 670), true, nil)
	now := time.Unix(0, 0)
	unpaired := only(t, Evaluate(pairedRule(t, "", rules.VsBaseline{MaxDrop: num(0)}), cand, base, now))
	if unpaired.Verdict != Inconclusive {
		t.Errorf("unpaired verdict %s (%s); want inconclusive", unpaired.Verdict, unpaired.Reason)
	}
	f := only(t, Evaluate(pairedRule(t, rules.PairedAuto, rules.VsBaseline{MaxDrop: num(0)}), cand, base, now))
	if f.Verdict != Fail || f.Paired == nil {
		t.Fatalf("paired verdict %s (%s); want fail", f.Verdict, f.Reason)
	}
	p := f.Paired
	if p.Test != "mcnemar-chi2" || p.Matched != 1000 || p.Lost != 30 || p.Gained != 0 || p.OnlyBaseline+p.OnlyCandidate != 0 {
		t.Errorf("paired = %+v", p)
	}
	wantP := math.Erfc(math.Sqrt(29.0 * 29 / 30 / 2))
	if math.Abs(p.P-wantP) > 1e-15 || math.Abs(p.Difference+0.03) > 1e-12 || f.Delta != p.Difference {
		t.Errorf("p = %g (want %g), difference %g, delta %g", p.P, wantP, p.Difference, f.Delta)
	}
	se := math.Sqrt(30-0.9) / 1000
	if math.Abs(p.Hi-(-0.03+1.6448536269514722*se)) > 1e-12 || p.Hi >= 0 {
		t.Errorf("interval [%g, %g]", p.Lo, p.Hi)
	}
	if !strings.Contains(f.Reason, "paired mcnemar-chi2 over 1000 matched items: difference -0.03") || !strings.Contains(f.Reason, "(30 lost, 0 gained)") {
		t.Errorf("reason %q", f.Reason)
	}
}

// 40 items: the baseline passes 24, the candidate 20, a drop of 0.1 that
// fails max_drop 0.02 on point values; but 10 lost against 6 gained is
// exact McNemar p = 0.45: within noise.
func TestPairedLargeUnpairedDropWithinNoise(t *testing.T) {
	t.Parallel()
	b := outcomes(40, 24)
	c := make([]float64, 40)
	copy(c, b)
	for i := 0; i < 10; i++ { // lost
		c[i] = 0
	}
	for i := 24; i < 30; i++ { // gained
		c[i] = 1
	}
	base, cand := run(b, false, nil), run(c, false, nil)
	now := time.Unix(0, 0)
	unpaired := only(t, Evaluate(pairedRule(t, "", rules.VsBaseline{MaxDrop: num(0.02)}), cand, base, now))
	if unpaired.Verdict != Fail {
		t.Errorf("unpaired verdict %s (%s); want fail", unpaired.Verdict, unpaired.Reason)
	}
	f := only(t, Evaluate(pairedRule(t, rules.PairedMcNemar, rules.VsBaseline{MaxDrop: num(0.02)}), cand, base, now))
	if f.Verdict != Inconclusive || f.Paired.Test != "mcnemar-exact" || f.Paired.Lost != 10 || f.Paired.Gained != 6 {
		t.Fatalf("paired: %s %+v (%s)", f.Verdict, f.Paired, f.Reason)
	}
	if math.Abs(f.Paired.P-0.454498291015625) > 1e-12 || !strings.Contains(f.Reason, "within noise") {
		t.Errorf("p = %.15g; reason %q", f.Paired.P, f.Reason)
	}
	// Identical results pass.
	f = only(t, Evaluate(pairedRule(t, rules.PairedAuto, rules.VsBaseline{MaxDrop: num(0)}), base, base, now))
	if f.Verdict != Pass || f.Paired.Lost+f.Paired.Gained != 0 {
		t.Errorf("identical: %s (%s)", f.Verdict, f.Reason)
	}
}

// Items on one side only are counted and named, and make a warning; no
// items at all is missing; a doc_id with different prompts is not judged.
func TestPairedUnmatchedAreReported(t *testing.T) {
	t.Parallel()
	now := time.Unix(0, 0)
	base := run(outcomes(100, 80), false, nil)
	cand := run(outcomes(100, 80), false, map[int]bool{3: true, 4: true})
	f := only(t, Evaluate(pairedRule(t, rules.PairedAuto, rules.VsBaseline{MaxDrop: num(0)}), cand, base, now))
	if f.Verdict != Warn || f.Paired.Matched != 98 || f.Paired.OnlyBaseline != 2 ||
		!strings.Contains(f.Reason, "2 items not judged (0 only in candidate, 2 only in baseline, 0 with different prompts, 0 not finite: doc_id 3 only in baseline, doc_id 4 only in baseline)") {
		t.Errorf("%s %+v %q", f.Verdict, f.Paired, f.Reason)
	}
	noItems := NewMetrics()
	noItems.Add(base.Lookup(pairedAddr)[0].clone())
	f = only(t, Evaluate(pairedRule(t, rules.PairedAuto, rules.VsBaseline{MaxDrop: num(0)}), cand, noItems, now))
	if f.Verdict != Missing || !strings.Contains(f.Reason, "the candidate has 98, the baseline 0") {
		t.Errorf("no baseline items: %s %q", f.Verdict, f.Reason)
	}
	// Same doc_id, different prompt: a different dataset, not a pair.
	c2, b2 := NewMetrics(), NewMetrics()
	for i := 0; i < 10; i++ {
		h := "h" + strconv.Itoa(i)
		hb := h
		if i == 7 {
			hb = "other"
		}
		ls := func(h string) []Label {
			return []Label{{"doc_id", strconv.Itoa(i)}, {"filter", "none"}, {"prompt_hash", h}, {"task", "gsm8k"}}
		}
		c2.Add(Instance{Address: ItemsPrefix + pairedAddr, Value: 1, Labels: ls(h)})
		b2.Add(Instance{Address: ItemsPrefix + pairedAddr, Value: 1, Labels: ls(hb)})
	}
	agg := base.Lookup(pairedAddr)[0].clone()
	c2.Add(agg)
	b2.Add(agg)
	f = only(t, Evaluate(pairedRule(t, rules.PairedAuto, rules.VsBaseline{MaxDrop: num(0)}), c2, b2, now))
	if f.Paired.PromptMismatch != 1 || f.Paired.Matched != 9 || !strings.Contains(f.Reason, "doc_id 7 has different prompts") {
		t.Errorf("prompt mismatch: %+v %q", f.Paired, f.Reason)
	}
	// A doc_id twice on one side is an error.
	c2.Add(Instance{Address: ItemsPrefix + pairedAddr, Value: 0, Labels: []Label{{"doc_id", "1"}, {"filter", "none"}, {"task", "gsm8k"}}})
	f = only(t, Evaluate(pairedRule(t, rules.PairedAuto, rules.VsBaseline{MaxDrop: num(0)}), c2, b2, now))
	if f.Verdict != Error || !strings.Contains(f.Reason, "doc_id 1 of llm.gsm8k.exact_match") {
		t.Errorf("duplicate doc: %s %q", f.Verdict, f.Reason)
	}
}

func (in *Instance) clone() Instance { c := *in; return c }

// Scores: bootstrap and t on the per-item worsening. A uniform drop of
// 0.05 with small noise fails max_drop 0.01; the same with noise far
// larger than the drop is inconclusive.
func TestPairedScores(t *testing.T) {
	t.Parallel()
	now := time.Unix(0, 0)
	n := 500
	b, c, noisy := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range b {
		b[i] = 0.5 + 0.3*math.Sin(float64(i))
		c[i] = b[i] - 0.05 + 0.01*math.Cos(float64(i)*7)
		noisy[i] = b[i] - 0.05 + 2*math.Cos(float64(i)*7)
	}
	for _, test := range []string{rules.PairedBootstrap, rules.PairedT, rules.PairedAuto} {
		f := only(t, Evaluate(pairedRule(t, test, rules.VsBaseline{MaxDrop: num(0.01)}), run(c, false, nil), run(b, false, nil), now))
		if f.Verdict != Fail || math.Abs(f.Paired.Difference+0.05) > 0.001 || f.Paired.Hi > -0.04 {
			t.Errorf("%s: %s %+v (%s)", test, f.Verdict, f.Paired, f.Reason)
		}
		f = only(t, Evaluate(pairedRule(t, test, rules.VsBaseline{MaxDrop: num(0.01)}), run(noisy, false, nil), run(b, false, nil), now))
		if f.Verdict != Inconclusive {
			t.Errorf("%s noisy: %s (%s)", test, f.Verdict, f.Reason)
		}
	}
	f := only(t, Evaluate(pairedRule(t, rules.PairedMcNemar, rules.VsBaseline{MaxDrop: num(0.01)}), run(c, false, nil), run(b, false, nil), now))
	if f.Verdict != Error || !strings.Contains(f.Reason, "mcnemar needs pass/fail items") {
		t.Errorf("mcnemar on scores: %s %q", f.Verdict, f.Reason)
	}
}

// The file's direction is used, and must agree between candidate and
// baseline; the pre-0.4 names have a table.
func TestReportDirection(t *testing.T) {
	t.Parallel()
	now := time.Unix(0, 0)
	ppl := func(v float64, d rules.Direction) *Metrics {
		return metrics(Instance{Address: "llm.wikitext.word_perplexity", Value: v, StdDev: math.NaN(), Direction: d})
	}
	rule := file(rules.Rule{Metric: addr(t, "llm.wikitext.word_perplexity"), VsBaseline: &rules.VsBaseline{MaxDrop: num(0.5)}})
	if f := only(t, Evaluate(rule, ppl(13, rules.LowerIsBetter), ppl(12, rules.LowerIsBetter), now)); f.Verdict != Fail {
		t.Errorf("perplexity rise of 1: %s (%s)", f.Verdict, f.Reason)
	}
	if f := only(t, Evaluate(rule, ppl(13, rules.HigherIsBetter), ppl(12, rules.LowerIsBetter), now)); f.Verdict != Error || !strings.Contains(f.Reason, "the baseline's lower-is-better") {
		t.Errorf("flipped direction: %s (%s)", f.Verdict, f.Reason)
	}
	acc := file(rules.Rule{Metric: addr(t, "llm.lambada_openai.ppl"), VsBaseline: &rules.VsBaseline{MaxDrop: num(0.5)}})
	old := func(v float64) *Metrics {
		return metrics(Instance{Address: "llm.lambada_openai.ppl", Value: v, StdDev: math.NaN()})
	}
	if f := only(t, Evaluate(acc, old(7), old(6.1), now)); f.Verdict != Fail {
		t.Errorf("old ppl rise: %s (%s)", f.Verdict, f.Reason)
	}
	unknown := file(rules.Rule{Metric: addr(t, "llm.x.mystery"), VsBaseline: &rules.VsBaseline{MaxDrop: num(0.5)}})
	m := metrics(Instance{Address: "llm.x.mystery", Value: 1, StdDev: math.NaN()})
	if f := only(t, Evaluate(unknown, m, m, now)); f.Verdict != Error || !strings.Contains(f.Reason, "does not know which way") {
		t.Errorf("unknown direction: %s (%s)", f.Verdict, f.Reason)
	}
}

// 100,000 matched pass/fail items, judged end to end (matching by doc_id
// and McNemar).
func BenchmarkPaired100k(b *testing.B) {
	n := 100_000
	bv, cv := make([]float64, n), make([]float64, n)
	for i := range bv {
		bv[i] = float64(i % 3 & 1)
		cv[i] = float64((i/7)%3&1 | i%11&1)
	}
	base, cand := run(bv, false, nil), run(cv, false, nil)
	vb := rules.VsBaseline{MaxDrop: num(0), Paired: rules.PairedAuto}
	f := file(rules.Rule{Metric: &rules.Address{}, VsBaseline: &vb, Confidence: 0.95})
	a, _ := rules.ParseAddress(pairedAddr)
	f.Rules[0].Metric = &a
	for b.Loop() {
		Evaluate(f, cand, base, time.Unix(0, 0))
	}
}

// Values so large that their differences overflow judge nothing: an error,
// and the finding's JSON stays valid.
func TestPairedOverflowIsError(t *testing.T) {
	t.Parallel()
	c, b := []float64{-1.7e308, 0, 1}, []float64{1.7e308, 0, 0} // the first difference overflows
	f := only(t, Evaluate(pairedRule(t, rules.PairedBootstrap, rules.VsBaseline{MaxDrop: num(0)}), run(c, false, nil), run(b, false, nil), time.Unix(0, 0)))
	if f.Verdict != Error || f.Paired != nil || !strings.Contains(f.Reason, "not finite") {
		t.Errorf("%s %+v %q", f.Verdict, f.Paired, f.Reason)
	}
	if _, err := json.Marshal(f); err != nil {
		t.Errorf("finding JSON: %v", err)
	}
}
