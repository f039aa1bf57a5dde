package gate

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/gate/stats"
	"github.com/modelgate/modelgate/rules"
)

// ItemsPrefix starts the address of a per-item result (one sample of an
// lm-evaluation-harness samples file): ItemsPrefix + "llm.<task>.<metric>".
// No rule addresses items directly (the prefix is not a metric address);
// paired vs_baseline comparisons match them between candidate and baseline.
const ItemsPrefix = "items:"

// bootstrapIters and bootstrapSeed fix the paired bootstrap: the same
// items give the same interval on every run.
const (
	bootstrapIters = 2000
	bootstrapSeed  = 20260101
)

// Paired is the outcome of a paired comparison, in the finding's JSON.
type Paired struct {
	Test string `json:"test"`
	// Matched items were judged; OnlyCandidate / OnlyBaseline items are
	// on one side only, PromptMismatch items share a doc_id but not the
	// prompt hash, NotFinite items have no finite value on a side. None is
	// judged; all are counted and the first few named.
	Matched        int      `json:"matched"`
	OnlyCandidate  int      `json:"only_candidate"`
	OnlyBaseline   int      `json:"only_baseline"`
	PromptMismatch int      `json:"prompt_mismatch,omitempty"`
	NotFinite      int      `json:"not_finite,omitempty"`
	Unmatched      []string `json:"unmatched,omitempty"`
	// Difference is the mean of candidate - baseline over matched items;
	// Lo and Hi bound it at Confidence (one side each).
	Difference float64 `json:"difference"`
	Lo         float64 `json:"lo"`
	Hi         float64 `json:"hi"`
	P          float64 `json:"p_value"`
	// PLimit is the one-sided p-value of "the worsening is within the
	// tolerance" (the smallest over the rule's limits): a fail means PLimit
	// < 1 - Confidence. Holm corrects these.
	PLimit     float64 `json:"p_limit"`
	Confidence float64 `json:"confidence"`
	// Lost and Gained are McNemar's discordant pairs (pass/fail items).
	Lost   int `json:"lost,omitempty"`
	Gained int `json:"gained,omitempty"`
	// judged is true when the test ran (PLimit is set).
	judged bool
}

type item struct {
	v    float64
	hash string
}

// itemsOf gathers the per-item results that belong to in: items of its
// address with its task, prompt and provider, and its filter (an instance
// without a filter takes items whose filter is none). A doc_id given twice
// is an error.
func itemsOf(m *Metrics, in *Instance) (map[string]item, error) {
	out := make(map[string]item, len(m.addrIdx(ItemsPrefix+in.Address)))
	task, filter := in.Label("task"), in.Label("filter")
	var err error
	m.Each(ItemsPrefix+in.Address, func(it *Instance) {
		if err != nil || it.Label("task") != task {
			return
		}
		f := it.Label("filter")
		if f != filter && !(filter == "" && f == "none") {
			return
		}
		// Per-prompt promptfoo totals have no items of their own.
		if it.Label("prompt") != in.Label("prompt") || it.Label("provider") != in.Label("provider") {
			return
		}
		id := it.Label("doc_id")
		if _, dup := out[id]; dup {
			err = fmt.Errorf("doc_id %s of %s%s is given twice (%s)", id, in.Address, instLabels(in), it.Source)
			return
		}
		v := it.Value
		if it.Missing() {
			v = math.NaN()
		}
		out[id] = item{v: v, hash: it.Label("prompt_hash")}
	})
	return out, err
}

// judgePaired judges a vs_baseline rule with `paired:` on the items of in
// matched with the baseline's by doc_id: fail when the worsening exceeds a
// limit at the rule's confidence, inconclusive when its interval straddles
// the limit, pass otherwise; items on one side only make at least a warning.
func (e *evaluator) judgePaired(c *vsCheck, in *Instance, conf float64, fd *Finding) (Verdict, string) {
	ci, err := itemsOf(e.cand, in)
	if err != nil {
		return Error, "paired: the candidate's " + err.Error()
	}
	bi, err := itemsOf(e.base, in)
	if err != nil {
		return Error, "paired: the baseline's " + err.Error()
	}
	if len(ci) == 0 || len(bi) == 0 {
		return Missing, fmt.Sprintf("paired: needs per-item results of %s%s for both models (lm-evaluation-harness samples_<task>_*.jsonl); the candidate has %d, the baseline %d",
			in.Address, instLabels(in), len(ci), len(bi))
	}
	ps := &Paired{Test: c.vb.Paired, Confidence: conf}
	ids := make([]string, 0, len(ci))
	for id := range ci {
		ids = append(ids, id)
	}
	sortIDs(ids)
	var cv, bv []float64
	var unmatched []string
	for _, id := range ids {
		a := ci[id]
		b, ok := bi[id]
		switch {
		case !ok:
			ps.OnlyCandidate++
			unmatched = append(unmatched, "doc_id "+id+" only in candidate")
		case a.hash != "" && b.hash != "" && a.hash != b.hash:
			ps.PromptMismatch++
			unmatched = append(unmatched, "doc_id "+id+" has different prompts")
		case math.IsNaN(a.v) || math.IsNaN(b.v):
			ps.NotFinite++
			unmatched = append(unmatched, "doc_id "+id+" has no finite value")
		default:
			cv, bv = append(cv, a.v), append(bv, b.v)
		}
	}
	var onlyBase []string
	if len(bi) > len(ci)-ps.OnlyCandidate { // some baseline items have no candidate item
		for id := range bi {
			if _, ok := ci[id]; !ok {
				onlyBase = append(onlyBase, id)
			}
		}
	}
	sortIDs(onlyBase)
	ps.OnlyBaseline = len(onlyBase)
	for _, id := range onlyBase {
		unmatched = append(unmatched, "doc_id "+id+" only in baseline")
	}
	if len(unmatched) > 5 {
		ps.Unmatched = append(unmatched[:5:5], fmt.Sprintf("and %d more", len(unmatched)-5))
	} else {
		ps.Unmatched = unmatched
	}
	ps.Matched = len(cv)
	fd.Paired = ps
	if ps.Matched < 2 {
		return Missing, fmt.Sprintf("paired: only %d matched items of %s%s (%s)", ps.Matched, in.Address, instLabels(in), strings.Join(ps.Unmatched, "; "))
	}

	binary := c.dir != rules.TowardIdeal
	for i := range cv {
		binary = binary && (cv[i] == 0 || cv[i] == 1) && (bv[i] == 0 || bv[i] == 1)
	}
	test := c.vb.Paired
	if test == rules.PairedAuto {
		test = rules.PairedBootstrap
		if binary {
			test = rules.PairedMcNemar
		}
	}
	if test == rules.PairedMcNemar && !binary {
		return Error, "paired: mcnemar needs pass/fail items (every value 0 or 1, and a direction higher or lower); use paired: bootstrap or t for scores"
	}
	// w is the worsening per item, in the metric's direction.
	var r stats.Result
	var wLo, wHi, w, pWorse float64
	baseMean, candMean := mean(bv), mean(cv)
	switch test {
	case rules.PairedMcNemar:
		lost, gained := 0, 0
		for i := range cv {
			worse := cv[i] < bv[i]
			if c.dir == rules.LowerIsBetter {
				worse = cv[i] > bv[i]
			}
			if cv[i] != bv[i] {
				if worse {
					lost++
				} else {
					gained++
				}
			}
		}
		r, err = stats.PairedCounts(len(cv), lost, gained, conf)
		w, wLo, wHi = -r.Diff, -r.Hi, -r.Lo
		pWorse = r.PWorse
		ps.Lost, ps.Gained = lost, gained
	default:
		d := make([]float64, len(cv))
		for i := range cv {
			d[i], _ = c.worsening(cv[i], bv[i])
		}
		if test == rules.PairedT {
			r, err = stats.PairedT(d, conf)
		} else {
			r, err = stats.Bootstrap(d, conf, bootstrapIters, bootstrapSeed)
		}
		w, wLo, wHi = r.Diff, r.Lo, r.Hi
		pWorse = math.NaN()
	}
	if err != nil {
		return Error, "paired: " + err.Error()
	}
	ps.Test = r.Method
	fd.Threshold = strings.Replace(fd.Threshold, "vs baseline", "vs baseline (paired "+r.Method+")", 1)
	ps.Difference = candMean - baseMean
	// Lo/Hi of candidate - baseline: the worsening's bounds, turned round
	// for higher-is-better metrics.
	ps.Lo, ps.Hi = ps.Difference-(wHi-w), ps.Difference+(w-wLo)
	if c.dir == rules.LowerIsBetter {
		ps.Lo, ps.Hi = ps.Difference-(w-wLo), ps.Difference+(wHi-w)
	}
	ps.P = r.P
	fd.Delta = ps.Difference

	_, ref := c.worsening(candMean, baseMean)
	if c.dir == rules.TowardIdeal {
		ref = 0
		for _, b := range bv {
			ref += math.Abs(b - c.ideal)
		}
		ref /= float64(len(bv))
	}
	type limit struct {
		v    float64
		what string
	}
	var limits []limit
	vb := c.vb
	if vb.MaxDrop != nil {
		limits = append(limits, limit{vb.MaxDrop.V, "max_drop " + fmtNum(vb.MaxDrop.V)})
	}
	if vb.MaxDropPct != nil {
		limits = append(limits, limit{vb.MaxDropPct.V / 100 * ref, fmt.Sprintf("max_drop_pct %s%% of %s", fmtNum(vb.MaxDropPct.V), fmtNum(ref))})
	}
	if vb.MinGain != nil {
		limits = append(limits, limit{-vb.MinGain.V, "min_gain " + fmtNum(vb.MinGain.V)})
	}
	if vb.MinGainPct != nil {
		limits = append(limits, limit{-vb.MinGainPct.V / 100 * ref, fmt.Sprintf("min_gain_pct %s%% of %s", fmtNum(vb.MinGainPct.V), fmtNum(ref))})
	}
	summary := fmt.Sprintf("paired %s over %d matched items: difference %s [%s, %s] at %.0f%% confidence, p=%s",
		r.Method, ps.Matched, fmtNum(ps.Difference), fmtNum(ps.Lo), fmtNum(ps.Hi), conf*100, fmtP(r.P))
	if test == rules.PairedMcNemar {
		summary += fmt.Sprintf(" (%d lost, %d gained)", ps.Lost, ps.Gained)
	}
	verdict, why := Pass, ""
	ps.PLimit, ps.judged = 1, true
	for _, l := range limits {
		ps.PLimit = math.Min(ps.PLimit, pLimit(w, wHi, l.v, conf, r, pWorse))
	}
	for _, l := range limits {
		v, reason := Pass, ""
		switch {
		case wLo > l.v && (l.v < 0 || math.IsNaN(pWorse) || pWorse < 1-conf):
			v, reason = Fail, fmt.Sprintf("worse by %s, beyond %s even at %.0f%% confidence", fmtNum(w), l.what, conf*100)
		case wHi > l.v:
			v, reason = Inconclusive, fmt.Sprintf("worse by %s, interval [%s, %s] straddles %s: within noise", fmtNum(w), fmtNum(wLo), fmtNum(wHi), l.what)
		}
		verdict, why = worse(verdict, why, v, reason)
	}
	for _, x := range []float64{ps.Difference, ps.Lo, ps.Hi, ps.P, ps.PLimit} {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			// JSON has no NaN; a statistic that is not finite judges nothing.
			fd.Paired = nil
			return Error, "paired: the test gave a value that is not finite (" + summary + ")"
		}
	}
	un := ps.OnlyCandidate + ps.OnlyBaseline + ps.PromptMismatch + ps.NotFinite
	if un > 0 {
		summary += fmt.Sprintf("; %d items not judged (%d only in candidate, %d only in baseline, %d with different prompts, %d not finite: %s)",
			un, ps.OnlyCandidate, ps.OnlyBaseline, ps.PromptMismatch, ps.NotFinite, strings.Join(ps.Unmatched, ", "))
		verdict, why = worse(verdict, why, Warn, "items on one side only")
	}
	if why == "" || verdict == Warn {
		return verdict, summary
	}
	return verdict, why + "; " + summary
}

// pLimit is the one-sided p-value of "worsening <= limit": McNemar's own
// (exact, or chi-square with continuity) for a limit of 0, otherwise the
// normal approximation with the standard error the interval was built on.
func pLimit(w, wHi, limit, conf float64, r stats.Result, pWorse float64) float64 {
	if limit == 0 && strings.HasPrefix(r.Method, "mcnemar") {
		return pWorse
	}
	z := math.Sqrt2 * math.Erfinv(2*conf-1)
	se := (wHi - w) / z
	if se <= 0 || math.IsNaN(se) {
		if w > limit {
			return 0
		}
		return 1
	}
	return 0.5 * math.Erfc((w-limit)/se/math.Sqrt2)
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func fmtP(p float64) string {
	if p < 1e-4 {
		return strconv.FormatFloat(p, 'e', 2, 64)
	}
	return strconv.FormatFloat(p, 'f', 4, 64)
}

// sortIDs sorts doc ids numerically when they are numbers (each parsed
// once), then as strings: a fixed order, so that the bootstrap resamples the
// same items on every run.
func sortIDs(ids []string) {
	type key struct {
		num float64
		ok  bool
		s   string
	}
	ks := make([]key, len(ids))
	for i, id := range ids {
		f, err := strconv.ParseFloat(id, 64)
		ks[i] = key{f, err == nil && !math.IsNaN(f), id}
	}
	sort.Slice(ks, func(i, j int) bool {
		a, b := ks[i], ks[j]
		if a.ok != b.ok {
			return a.ok
		}
		if a.ok && a.num != b.num {
			return a.num < b.num
		}
		return a.s < b.s
	})
	for i := range ks {
		ids[i] = ks[i].s
	}
}
