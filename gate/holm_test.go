package gate

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/rules"
)

// pairedRun adds task's aggregate and n items, of which the baseline
// passes the first pass, and the candidate loses lost of them and gains
// gained of the others.
func pairedRun(cand, base *Metrics, task string, n, pass, lost, gained int) {
	a := "llm." + task + ".exact_match"
	ls := func(i int) []Label { return []Label{{"doc_id", strconv.Itoa(i)}, {"task", task}} }
	cs, bs := 0.0, 0.0
	for i := 0; i < n; i++ {
		b := i < pass
		c := b
		if b && i < lost {
			c = false
		}
		if !b && i < pass+gained {
			c = true
		}
		bv, cv := 0.0, 0.0
		if b {
			bv = 1
		}
		if c {
			cv = 1
		}
		bs += bv
		cs += cv
		base.Add(Instance{Address: ItemsPrefix + a, Value: bv, Labels: ls(i)})
		cand.Add(Instance{Address: ItemsPrefix + a, Value: cv, Labels: ls(i)})
	}
	base.Add(Instance{Address: a, Value: bs / float64(n), StdDev: math.NaN(), Labels: []Label{{"task", task}}, Direction: rules.HigherIsBetter})
	cand.Add(Instance{Address: a, Value: cs / float64(n), StdDev: math.NaN(), Labels: []Label{{"task", task}}, Direction: rules.HigherIsBetter})
}

// 40 tasks each 1.5 points worse with one-sided McNemar p = 0.0295 (each fails at
// 95% alone) and one 10 points worse (p ≈ 1e-26). With Holm, only the real
// regression fails; without, all 41 do.
func TestHolmFortyNoisyMetrics(t *testing.T) {
	t.Parallel()
	cand, base := NewMetrics(), NewMetrics()
	var rs []rules.Rule
	for i := 0; i <= 40; i++ {
		task := "t" + strconv.Itoa(i)
		if i == 40 {
			task = "big"
			pairedRun(cand, base, task, 1000, 700, 100, 0)
		} else {
			pairedRun(cand, base, task, 1000, 700, 35, 20)
		}
		rs = append(rs, rules.Rule{ID: task, Metric: addr(t, "llm."+task+".exact_match"),
			VsBaseline: &rules.VsBaseline{MaxDrop: num(0), Paired: rules.PairedAuto}, Confidence: 0.95})
	}
	f := file(rs...)
	now := time.Unix(0, 0)
	plain := Evaluate(f, cand, base, now)
	if plain.Counts.Fail != 41 {
		t.Fatalf("without correction: %d fail; want 41 (%v)", plain.Counts.Fail, verdicts(plain))
	}
	f.Defaults.MultipleComparisons = rules.CorrectionHolm
	res := Evaluate(f, cand, base, now)
	if res.Counts.Fail != 1 || res.Counts.Inconclusive != 40 {
		t.Fatalf("with Holm: %d fail, %d inconclusive; want 1 and 40", res.Counts.Fail, res.Counts.Inconclusive)
	}
	for _, fd := range res.Findings {
		switch fd.Rule {
		case "big":
			if fd.Verdict != Fail || !fd.Blocking || fd.Paired.PLimit > 1e-20 {
				t.Errorf("big: %s %g", fd.Verdict, fd.Paired.PLimit)
			}
		case "t0":
			if fd.Verdict != Inconclusive || !fd.Blocking || !strings.HasPrefix(fd.Reason, "not significant after Holm correction over 41 paired comparisons (p=0.0295 against the tolerance, needs <= 0.0013 as number 2)") {
				t.Errorf("t0: %s blocking=%t %q", fd.Verdict, fd.Blocking, fd.Reason)
			}
		}
	}
	if !strings.Contains(strings.Join(res.Notes, "\n"), "Holm correction over 41 paired comparisons") {
		t.Errorf("notes %q", res.Notes)
	}
}
