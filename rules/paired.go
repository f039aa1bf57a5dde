package rules

// Paired tests a vs_baseline rule can ask for (`paired:`): the candidate's
// and the baseline's per-item results (lm-evaluation-harness samples files)
// are matched by document id and the drop is judged on the paired
// differences.
const (
	PairedAuto      = "auto" // McNemar when every item is pass/fail (0 or 1), else bootstrap
	PairedMcNemar   = "mcnemar"
	PairedBootstrap = "bootstrap"
	PairedT         = "t"
)

// vsPairedKeys are the vs_baseline keys of paired comparisons.
var vsPairedKeys = []string{"paired"}

// vsPaired reads `paired:` of a vs_baseline mapping. A paired test judges
// max_drop, max_drop_pct and min_gain (not raw rises), and needs the rule's
// confidence (checked by checkPaired).
func (p *parser) vsPaired(vb *VsBaseline, fs fields) {
	n, ok := fs.vals["paired"]
	if !ok {
		return
	}
	s, ok := p.enum(n, "paired", PairedAuto, PairedMcNemar, PairedBootstrap, PairedT)
	if !ok {
		return
	}
	vb.Paired, vb.PairedPos = s, pos(n)
	if vb.MaxRise != nil || vb.MaxRisePct != nil {
		p.errorf(pos(n), KindConflict, "`paired` judges max_drop, max_drop_pct and min_gain; max_rise and max_rise_pct compare raw values, not paired items")
	}
	if vb.MaxDrop == nil && vb.MaxDropPct == nil && vb.MinGain == nil && vb.MinGainPct == nil {
		p.errorf(pos(n), KindRequired, "`paired` needs a tolerance: max_drop, max_drop_pct or min_gain (max_drop: 0 for any drop)")
	}
}

// llmRuleKeys reads min_runs_passing and runs, and checks paired rules.
func (p *parser) llmRuleKeys(r *Rule, fs fields) {
	p.checkPaired(r)
	if v, ok := fs.vals["min_runs_passing"]; ok {
		if k, ok := p.integer(v, "min_runs_passing"); ok {
			if k < 1 {
				p.errorf(pos(v), KindRange, "`min_runs_passing` must be at least 1, found %d", k)
			}
			r.MinRunsPassing, r.MinRunsPassingPos = k, pos(v)
		}
	}
	if v, ok := fs.vals["runs"]; ok {
		if n, ok := p.integer(v, "runs"); ok {
			switch {
			case n < 1:
				p.errorf(pos(v), KindRange, "`runs` must be at least 1, found %d", n)
			case !fs.has("min_runs_passing"):
				p.errorf(pos(v), KindRequired, "`runs` needs `min_runs_passing`: how many of the %d runs must pass", n)
			case r.MinRunsPassing > n:
				p.errorf(pos(v), KindRange, "`min_runs_passing` %d is more than the %d runs", r.MinRunsPassing, n)
			}
			r.Runs, r.RunsPos = n, pos(v)
		}
	}
}

// checkPaired reports a paired vs_baseline rule without confidence.
func (p *parser) checkPaired(r *Rule) {
	if r.VsBaseline != nil && r.VsBaseline.Paired != "" && r.Confidence == 0 {
		p.errorf(r.VsBaseline.PairedPos, KindRequired, "`paired` needs `confidence` (e.g. 0.95): the paired test fails only a drop beyond the tolerance at that confidence")
	}
}

// LLM evaluation reports: their formats (gate/report lmeval*.go,
// promptfoo.go, deepeval.go) and the labels their instances carry.
func init() {
	reportFormats = append(reportFormats, "lm-eval", "lm-eval-samples", "promptfoo", "deepeval")
	whereLabels = append(whereLabels, "task", "filter", "prompt", "provider")
	defaultsKeys = append(defaultsKeys, "multiple_comparisons")
	ruleKeys = append(ruleKeys, "min_runs_passing", "runs")
	metricOnlyKeys = append(metricOnlyKeys, "min_runs_passing", "runs")
}

// Family-wise corrections of defaults.multiple_comparisons.
const (
	CorrectionNone = "none"
	CorrectionHolm = "holm"
)

// multipleComparisons reads defaults.multiple_comparisons: holm corrects
// the paired comparisons of the file as one family (off by default).
func (p *parser) multipleComparisons(d *Defaults, fs fields) {
	if v, ok := fs.vals["multiple_comparisons"]; ok {
		if s, ok := p.enum(v, "multiple_comparisons", CorrectionNone, CorrectionHolm); ok {
			d.MultipleComparisons, d.MultipleComparisonsPos = s, pos(v)
		}
	}
}

// llmDefaults reports a change of defaults.multiple_comparisons: turning
// Holm on can pass a candidate that failed (a fail becomes inconclusive).
func (d *differ) llmDefaults(base, head *File) {
	b, h := orDefault(base.Defaults.MultipleComparisons, CorrectionNone), orDefault(head.Defaults.MultipleComparisons, CorrectionNone)
	if b == h {
		return
	}
	kind := Tighten
	if h == CorrectionHolm {
		kind = Loosen
	}
	d.add("", kind, "defaults.multiple_comparisons changed", b, h, firstValid(head.Defaults.MultipleComparisonsPos, head.Defaults.Pos, Pos{Line: 1, Col: 1}))
}

// llmRule reports changes of paired, min_runs_passing and runs. A paired
// test judges other evidence than the aggregate comparison, so adding,
// removing or changing it may pass what failed: loosen, for the reviewer.
func (d *differ) llmRule(b, h *Rule) {
	id := h.ID
	bp, hp := "", ""
	if b.VsBaseline != nil {
		bp = b.VsBaseline.Paired
	}
	if h.VsBaseline != nil {
		hp = h.VsBaseline.Paired
	}
	if bp != hp {
		pos := h.Pos
		if h.VsBaseline != nil && h.VsBaseline.PairedPos.IsValid() {
			pos = h.VsBaseline.PairedPos
		}
		d.add(id, Loosen, "vs_baseline paired test changed", orDefault(bp, "unpaired"), orDefault(hp, "unpaired"), pos)
	}
	switch {
	case b.MinRunsPassing == h.MinRunsPassing:
	case b.MinRunsPassing == 0 || (h.MinRunsPassing != 0 && h.MinRunsPassing < b.MinRunsPassing):
		d.add(id, Loosen, "min_runs_passing changed", intText(b.MinRunsPassing), intText(h.MinRunsPassing), firstValid(h.MinRunsPassingPos, h.Pos))
	default:
		d.add(id, Tighten, "min_runs_passing changed", intText(b.MinRunsPassing), intText(h.MinRunsPassing), firstValid(h.MinRunsPassingPos, h.Pos))
	}
	if b.Runs != h.Runs {
		d.add(id, Neutral, "runs changed", intText(b.Runs), intText(h.Runs), firstValid(h.RunsPos, h.Pos))
	}
}
