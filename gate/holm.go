package gate

import (
	"fmt"
	"sort"

	"github.com/modelgate/modelgate/rules"
)

// holm applies defaults.multiple_comparisons: holm. The paired comparisons
// of the run (findings with a p-value against their tolerance) are one
// family; in Holm's step-down order the i-th smallest p-value (of m) must
// be at most α/(m-i+1), α = 1 - the rule's confidence, and every fail from
// the first that is not is inconclusive instead: many noisy metrics do
// not fail a good model by chance. Off by default; unpaired comparisons
// are not in the family.
func (e *evaluator) holm() {
	if e.f.Defaults.MultipleComparisons != rules.CorrectionHolm {
		return
	}
	var fam []int
	for i := range e.out {
		if p := e.out[i].Paired; p != nil && p.judged && p.Confidence > 0 {
			fam = append(fam, i)
		}
	}
	m := len(fam)
	if m == 0 {
		return
	}
	sort.SliceStable(fam, func(a, b int) bool { return e.out[fam[a]].Paired.PLimit < e.out[fam[b]].Paired.PLimit })
	rejecting := true
	for k, i := range fam {
		fd := &e.out[i]
		alpha := (1 - fd.Paired.Confidence) / float64(m-k)
		if rejecting && fd.Paired.PLimit <= alpha {
			continue
		}
		rejecting = false
		if fd.Verdict != Fail {
			continue
		}
		fd.Verdict = Inconclusive
		fd.Reason = fmt.Sprintf("not significant after Holm correction over %d paired comparisons (p=%s against the tolerance, needs <= %s as number %d): %s",
			m, fmtP(fd.Paired.PLimit), fmtP(alpha), k+1, fd.Reason)
		fd.Blocking = fd.Severity == rules.SeverityError && e.onInconclusive(fd.Rule) != rules.MissingWarn
	}
	e.note(fmt.Sprintf("Holm correction over %d paired comparisons (defaults.multiple_comparisons: holm)", m))
}

func (e *evaluator) onInconclusive(id string) rules.OnMissing {
	for i := range e.f.Rules {
		if e.f.Rules[i].ID == id {
			return e.f.Rules[i].OnInconclusive
		}
	}
	return ""
}
