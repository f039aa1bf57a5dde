package rules

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// ChangeKind says which way a change of the rules moves the gate.
type ChangeKind string

const (
	// Loosen: the head rules may pass a candidate the base rules fail.
	Loosen ChangeKind = "loosen"
	// Tighten: the head rules may fail a candidate the base rules pass.
	Tighten ChangeKind = "tighten"
	// Neutral: reported for the reviewer, but neither looser nor tighter by
	// itself (a pinned baseline moved to another pinned version, a report
	// URI changed, a waiver's reason reworded).
	Neutral ChangeKind = "neutral"
)

// Change is one semantic difference between two rules files.
type Change struct {
	// Rule is the rule id; empty for a change of the file's model,
	// registry, reports or defaults.
	Rule string     `json:"rule,omitempty"`
	Kind ChangeKind `json:"kind"`
	// What names the change: "min lowered", "waiver added",
	// "defaults.on_missing changed".
	What string `json:"what"`
	// Before and After are the values in the base and head files; empty
	// when absent.
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
	// Pos is where the change is in the head file, or in the base file when
	// InBase is set (a removed rule or report).
	Pos    Pos  `json:"pos"`
	InBase bool `json:"in_base,omitempty"`
}

// Loosens reports whether any change loosens the rules.
func Loosens(cs []Change) bool {
	return slices.ContainsFunc(cs, func(c Change) bool { return c.Kind == Loosen })
}

// Diff compares two parsed rules files rule by rule (matched by id) and
// returns every change that loosens or tightens the gate, plus the neutral
// ones a reviewer should see. Changes come in file order: model, defaults,
// registry and reports first, then the head's rules, then removed rules.
//
// When a change has no clear order (a metric address, a direction or an
// ideal changed, a `where` or shap label that selects other instances) it
// counts as loosening: the old check is gone, and the guard must not let
// that pass unseen.
func Diff(base, head *File) []Change {
	d := &differ{}
	d.model(base, head)
	d.defaults(base, head)
	d.llmDefaults(base, head) // rules/paired.go
	d.registry(base, head)
	d.reports(base, head)
	d.extendsDiff(base, head) // rules/extends_merge.go
	baseRules := map[string]*Rule{}
	for i := range base.Rules {
		baseRules[base.Rules[i].ID] = &base.Rules[i]
	}
	headIDs := map[string]bool{}
	for i := range head.Rules {
		h := &head.Rules[i]
		headIDs[h.ID] = true
		b, ok := baseRules[h.ID]
		if !ok {
			d.add(h.ID, Tighten, "rule added", "", summary(h), h.Pos)
			continue
		}
		d.rule(base, head, b, h)
	}
	for i := range base.Rules {
		b := &base.Rules[i]
		if !headIDs[b.ID] {
			d.out = append(d.out, Change{Rule: b.ID, Kind: Loosen, What: "rule removed", Before: summary(b), Pos: b.Pos, InBase: true})
		}
	}
	d.endpoint(base, head) // rules/endpoint_diff.go
	return d.out
}

// FormatChanges renders changes one per line, loosening first, then
// tightening, then neutral:
//
//	loosen  auc-floor: min lowered: 0.85 -> 0.8 at 21:10
//	loosen  old-rule: rule removed: quality.f1 min 0.5 -> (none) at base 30:5
//	tighten file: model.first_model changed: absolute-only -> fail at 7:16
func FormatChanges(cs []Change) string {
	sorted := slices.Clone(cs)
	rank := map[ChangeKind]int{Loosen: 0, Tighten: 1, Neutral: 2}
	slices.SortStableFunc(sorted, func(a, b Change) int { return rank[a.Kind] - rank[b.Kind] })
	var b strings.Builder
	for _, c := range sorted {
		subject := c.Rule
		if subject == "" {
			subject = "file"
		}
		fmt.Fprintf(&b, "%-7s %s: %s: %s -> %s", c.Kind, oneLine(subject), oneLine(c.What), orNone(c.Before), orNone(c.After))
		if c.Pos.IsValid() {
			where := ""
			if c.InBase {
				where = "base "
			}
			fmt.Fprintf(&b, " at %s%s", where, c.Pos)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// orNone is a value for a one-line change: "(none)" when absent, control
// characters escaped, long values clipped.
func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return clip(oneLine(s), 200)
}

type differ struct{ out []Change }

func (d *differ) add(rule string, kind ChangeKind, what, before, after string, pos Pos) {
	d.out = append(d.out, Change{Rule: rule, Kind: kind, What: what, Before: before, After: after, Pos: pos})
}

// firstValid returns the first valid position.
func firstValid(ps ...Pos) Pos {
	for _, p := range ps {
		if p.IsValid() {
			return p
		}
	}
	return Pos{}
}

// baselineClass orders baseline selectors: latest-approved compares with
// the newest approved model; a pinned version or ARN may compare with an
// older, weaker one; none compares with nothing.
func baselineClass(s string) int {
	switch s {
	case LatestApproved, "":
		return 2
	case NoBaseline:
		return 0
	}
	return 1
}

func (d *differ) model(base, head *File) {
	bm, hm := base.Model, head.Model
	pos := firstValid(hm.GroupPos, Pos{Line: 1, Col: 1})
	if bm.Group != hm.Group {
		d.add("", Neutral, "model.group changed", bm.Group, hm.Group, hm.GroupPos)
	}
	if orDefault(bm.Candidate, LatestPending) != orDefault(hm.Candidate, LatestPending) {
		d.add("", Neutral, "model.candidate changed", orDefault(bm.Candidate, LatestPending), orDefault(hm.Candidate, LatestPending), firstValid(hm.CandidatePos, pos))
	}
	bb, hb := orDefault(bm.Baseline, LatestApproved), orDefault(hm.Baseline, LatestApproved)
	if bb != hb {
		kind := Neutral
		switch bc, hc := baselineClass(bb), baselineClass(hb); {
		case hc < bc:
			kind = Loosen
		case hc > bc:
			kind = Tighten
		}
		d.add("", kind, "model.baseline changed", bb, hb, firstValid(hm.BaselinePos, pos))
	}
	bf, hf := orDefault(string(bm.FirstModel), string(FirstModelFail)), orDefault(string(hm.FirstModel), string(FirstModelFail))
	if bf != hf {
		kind := Tighten
		if hf == string(FirstModelAbsoluteOnly) {
			kind = Loosen
		}
		d.add("", kind, "model.first_model changed", bf, hf, firstValid(hm.FirstModelPos, pos))
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// missingRank orders on_missing from strict to loose.
var missingRank = map[OnMissing]int{MissingFail: 0, MissingWarn: 1, MissingSkip: 2}

func (d *differ) defaults(base, head *File) {
	bs, hs := orDefault(string(base.Defaults.Severity), string(SeverityError)), orDefault(string(head.Defaults.Severity), string(SeverityError))
	pos := firstValid(head.Defaults.Pos, Pos{Line: 1, Col: 1})
	if bs != hs {
		d.add("", severityKind(Severity(bs), Severity(hs)), "defaults.severity changed", bs, hs, firstValid(head.Defaults.SeverityPos, pos))
	}
	bo, ho := OnMissing(orDefault(string(base.Defaults.OnMissing), string(MissingFail))), OnMissing(orDefault(string(head.Defaults.OnMissing), string(MissingFail)))
	if bo != ho {
		d.add("", rankKind(missingRank[bo], missingRank[ho]), "defaults.on_missing changed", string(bo), string(ho), firstValid(head.Defaults.OnMissingPos, pos))
	}
}

func severityKind(b, h Severity) ChangeKind {
	if h == SeverityWarning && b != SeverityWarning {
		return Loosen
	}
	return Tighten
}

// rankKind: a higher rank is looser.
func rankKind(b, h int) ChangeKind {
	if h > b {
		return Loosen
	}
	return Tighten
}

func (d *differ) registry(base, head *File) {
	br, hr := base.Registry, head.Registry
	pos := firstValid(hr.Pos, Pos{Line: 1, Col: 1})
	for _, f := range []struct{ name, b, h string }{
		{"kind", br.Kind, hr.Kind},
		{"region", br.Region, hr.Region},
		{"path", br.Path, hr.Path},
		{"path_style", fmt.Sprint(br.PathStyle), fmt.Sprint(hr.PathStyle)},
	} {
		if f.b != f.h {
			d.add("", Neutral, "registry."+f.name+" changed", f.b, f.h, pos)
		}
	}
}

func (d *differ) reports(base, head *File) {
	baseReports := map[string]*Report{}
	for i := range base.Reports {
		baseReports[base.Reports[i].Name] = &base.Reports[i]
	}
	headNames := map[string]bool{}
	for i := range head.Reports {
		h := &head.Reports[i]
		headNames[h.Name] = true
		b, ok := baseReports[h.Name]
		what := "report `" + h.Name + "` "
		if !ok {
			d.add("", Neutral, what+"added", "", reportSource(h), h.Pos)
			continue
		}
		if reportSource(b) != reportSource(h) {
			d.add("", Neutral, what+"source changed", reportSource(b), reportSource(h), h.Pos)
		}
		if b.Format != h.Format {
			d.add("", Neutral, what+"format changed", b.Format, h.Format, h.Pos)
		}
		bm, hm := b.Memorization, h.Memorization
		if bm == nil || hm == nil {
			continue
		}
		for _, f := range []struct{ name, b, h string }{
			{"outputs", bm.Outputs, hm.Outputs},
			{"field", bm.Field, hm.Field},
			{"corpus_field", bm.CorpusField, hm.CorpusField},
		} {
			if f.b != f.h {
				d.add("", Neutral, what+"memorization."+f.name+" changed", f.b, f.h, hm.Pos)
			}
		}
		for _, c := range bm.Corpus {
			if !slices.Contains(hm.Corpus, c) {
				d.add("", Loosen, what+"memorization.corpus entry removed", c, "", hm.Pos)
			}
		}
		for _, c := range hm.Corpus {
			if !slices.Contains(bm.Corpus, c) {
				d.add("", Tighten, what+"memorization.corpus entry added", "", c, hm.Pos)
			}
		}
		if bm.MinTokens != hm.MinTokens {
			kind := Neutral // a default on one side: its value is the reader's
			if bm.MinTokens != 0 && hm.MinTokens != 0 {
				// Only longer spans count as reproduction: looser.
				kind = rankKind(bm.MinTokens, hm.MinTokens)
			}
			d.add("", kind, what+"memorization.min_tokens changed", intText(bm.MinTokens), intText(hm.MinTokens), hm.Pos)
		}
	}
	for i := range base.Reports {
		b := &base.Reports[i]
		if !headNames[b.Name] {
			d.out = append(d.out, Change{Kind: Neutral, What: "report `" + b.Name + "` removed", Before: reportSource(b), Pos: b.Pos, InBase: true})
		}
	}
}

func reportSource(r *Report) string {
	switch {
	case r.URI != "":
		return r.URI
	case r.Metadata != "":
		return "metadata:" + r.Metadata
	case r.Memorization != nil:
		return "memorization"
	}
	return ""
}

func intText(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprint(n)
}

// kindDiff is what Diff does with one kind of rule: describe it in one
// line (for added and removed rules) and compare two rules of the kind.
type kindDiff struct {
	summary func(r *Rule) []string
	compare func(d *differ, b, h *Rule)
}

var kindDiffs = map[RuleKind]kindDiff{
	RuleMetric:  {metricSummary, func(d *differ, b, h *Rule) { d.metricRule(b, h); d.llmRule(b, h) }},
	RuleRequire: {requireSummary, (*differ).requireRule},
	RuleShap:    {shapSummary, func(d *differ, b, h *Rule) { d.shapRule(h.ID, b.Shap, h.Shap, h.Pos) }},
}

// summary is a one-line description of a rule, for added and removed rules.
func summary(r *Rule) string {
	kd, ok := kindDiffs[r.Kind()]
	if !ok {
		return ""
	}
	return strings.Join(kd.summary(r), " ")
}

func metricSummary(r *Rule) []string {
	parts := []string{r.Metric.String()}
	if r.Min != nil {
		parts = append(parts, "min "+fmtNum(r.Min.V))
	}
	if r.Max != nil {
		parts = append(parts, "max "+fmtNum(r.Max.V))
	}
	if r.Between != nil {
		parts = append(parts, "between "+rangeText(r.Between))
	}
	if r.AbsMax != nil {
		parts = append(parts, "abs_max "+fmtNum(r.AbsMax.V))
	}
	if r.MaxDeviation != nil {
		parts = append(parts, "max_deviation "+fmtNum(r.MaxDeviation.V))
	}
	if r.VsBaseline != nil {
		var vs []string
		for _, k := range vsBaselineKeys {
			if n := *r.VsBaseline.field(k); n != nil {
				vs = append(vs, k+" "+fmtNum(n.V))
			}
		}
		parts = append(parts, "vs_baseline {"+strings.Join(vs, ", ")+"}")
	}
	return parts
}

func requireSummary(r *Rule) []string {
	return []string{"require [" + strings.Join(r.Require, ", ") + "]"}
}

func shapSummary(r *Rule) []string {
	s := r.Shap
	parts := []string{"shap"}
	if s.NotInTop > 0 {
		parts = append(parts, fmt.Sprintf("not_in_top %d [%s]", s.NotInTop, strings.Join(s.Features, ", ")))
	}
	if s.MaxShare != nil {
		parts = append(parts, "max_share "+fmtNum(s.MaxShare.V))
	}
	if s.MinRankCorrelation != nil {
		parts = append(parts, "min_rank_correlation "+fmtNum(s.MinRankCorrelation.V))
	}
	return parts
}

func rangeText(r *Range) string { return "[" + fmtNum(r.Lo) + ", " + fmtNum(r.Hi) + "]" }

func (d *differ) rule(bf, hf *File, b, h *Rule) {
	id := h.ID
	if bk, hk := b.Kind(), h.Kind(); bk != hk {
		d.add(id, Loosen, fmt.Sprintf("rule changed from %s to %s", bk, hk), summary(b), summary(h), h.Pos)
	} else if kd, ok := kindDiffs[hk]; ok {
		kd.compare(d, b, h)
	}

	// Severity and on_missing: the effective values, reported here when the
	// rule itself says so on either side (a change of the file default
	// alone is the defaults line).
	if b.Severity != "" || h.Severity != "" {
		bs, hs := bf.EffectiveSeverity(b), hf.EffectiveSeverity(h)
		if bs != hs {
			d.add(id, severityKind(bs, hs), "severity changed", string(bs), string(hs), firstValid(h.SeverityPos, h.Pos))
		}
	}
	if b.OnMissing != "" || h.OnMissing != "" {
		bo, ho := bf.EffectiveOnMissing(b), hf.EffectiveOnMissing(h)
		if bo != ho {
			d.add(id, rankKind(missingRank[bo], missingRank[ho]), "on_missing changed", string(bo), string(ho), firstValid(h.OnMissingPos, h.Pos))
		}
	}
	d.waiver(id, b.Waiver, h.Waiver, h.Pos)
}

func (d *differ) requireRule(b, h *Rule) {
	for _, s := range b.Require {
		if !slices.Contains(h.Require, s) {
			d.add(h.ID, Loosen, "require: source removed", s, "", firstValid(h.RequirePos, h.Pos))
		}
	}
	for _, s := range h.Require {
		if !slices.Contains(b.Require, s) {
			d.add(h.ID, Tighten, "require: source added", "", s, firstValid(h.RequirePos, h.Pos))
		}
	}
}

// bound is an effective lower or upper bound of a metric rule.
type bound struct {
	v   float64
	key string // min, max or between
	txt string
	pos Pos
}

func lowerBound(r *Rule) *bound {
	switch {
	case r.Min != nil:
		return &bound{r.Min.V, "min", fmtNum(r.Min.V), r.Min.Pos}
	case r.Between != nil:
		return &bound{r.Between.Lo, "between", rangeText(r.Between), r.Between.Pos}
	}
	return nil
}

func upperBound(r *Rule) *bound {
	switch {
	case r.Max != nil:
		return &bound{r.Max.V, "max", fmtNum(r.Max.V), r.Max.Pos}
	case r.Between != nil:
		return &bound{r.Between.Hi, "between", rangeText(r.Between), r.Between.Pos}
	}
	return nil
}

// compareBound reports a change of a lower (upper=false) or upper bound.
func (d *differ) compareBound(id string, b, h *bound, upper bool, rulePos Pos) {
	side := "lower bound"
	if upper {
		side = "upper bound"
	}
	name := func(bd *bound) string {
		if bd.key == "between" {
			return "between " + side
		}
		return bd.key
	}
	// The key is in What when both sides use the same key; otherwise
	// it goes with each value.
	text := func(bd *bound, same bool) string {
		if same {
			return bd.txt
		}
		return bd.key + " " + bd.txt
	}
	switch {
	case b == nil && h == nil:
	case h == nil:
		d.add(id, Loosen, name(b)+" removed", text(b, true), "", rulePos)
	case b == nil:
		d.add(id, Tighten, name(h)+" added", "", text(h, true), h.pos)
	case b.v != h.v:
		looser := h.v < b.v
		if upper {
			looser = !looser
		}
		verb, kind := "raised", Tighten
		if h.v < b.v {
			verb = "lowered"
		}
		if looser {
			kind = Loosen
		}
		what := side + " " + verb
		same := b.key == h.key
		if same {
			what = name(h) + " " + verb
		}
		d.add(id, kind, what, text(b, same), text(h, same), h.pos)
	}
}

// tolerance compares an optional number where larger is looser (or
// tighter, when largerLooser is false).
func (d *differ) tolerance(id, what string, b, h *Number, largerLooser bool, pos Pos) {
	switch {
	case b == nil && h == nil:
	case h == nil:
		d.add(id, Loosen, what+" removed", fmtNum(b.V), "", pos)
	case b == nil:
		d.add(id, Tighten, what+" added", "", fmtNum(h.V), h.Pos)
	case b.V != h.V:
		verb := "raised"
		if h.V < b.V {
			verb = "lowered"
		}
		kind := Tighten
		if (h.V > b.V) == largerLooser {
			kind = Loosen
		}
		d.add(id, kind, what+" "+verb, fmtNum(b.V), fmtNum(h.V), h.Pos)
	}
}

func (d *differ) metricRule(b, h *Rule) {
	id := h.ID
	if b.Metric.String() != h.Metric.String() {
		d.add(id, Loosen, "metric changed", b.Metric.String(), h.Metric.String(), firstValid(h.MetricPos, h.Pos))
	}
	d.compareBound(id, lowerBound(b), lowerBound(h), false, h.Pos)
	d.compareBound(id, upperBound(b), upperBound(h), true, h.Pos)
	d.tolerance(id, "abs_max", b.AbsMax, h.AbsMax, true, h.Pos)
	d.tolerance(id, "max_deviation", b.MaxDeviation, h.MaxDeviation, true, h.Pos)

	bv, hv := b.VsBaseline, h.VsBaseline
	if bv == nil {
		bv = &VsBaseline{}
	}
	if hv == nil {
		hv = &VsBaseline{}
	}
	for _, k := range vsBaselineKeys {
		largerLooser := !strings.HasPrefix(k, "min_gain")
		d.tolerance(id, "vs_baseline."+k, *bv.field(k), *hv.field(k), largerLooser, firstValid(hv.Pos, h.Pos))
	}

	wherePos := firstValid(h.WherePos, h.Pos)
	for _, k := range whereLabels {
		bw, inB := b.Where[k]
		hw, inH := h.Where[k]
		switch {
		case inB && !inH:
			d.add(id, Tighten, "where."+k+" removed (the rule covers more instances)", bw, "", wherePos)
		case !inB && inH:
			d.add(id, Loosen, "where."+k+" added (the rule covers fewer instances)", "", hw, wherePos)
		case inB && bw != hw:
			d.add(id, Loosen, "where."+k+" changed (the rule covers other instances)", bw, hw, wherePos)
		}
	}

	if b.Direction != h.Direction {
		d.add(id, Loosen, "direction changed", string(b.Direction), string(h.Direction), firstValid(h.DirectionPos, h.Pos))
	}
	switch {
	case b.Ideal == nil && h.Ideal == nil:
	case b.Ideal == nil || h.Ideal == nil || b.Ideal.V != h.Ideal.V:
		var bt, ht string
		pos := h.Pos
		if b.Ideal != nil {
			bt = fmtNum(b.Ideal.V)
		}
		if h.Ideal != nil {
			ht, pos = fmtNum(h.Ideal.V), h.Ideal.Pos
		}
		d.add(id, Loosen, "ideal changed", bt, ht, pos)
	}

	d.confidence(b, h)
	bi, hi := OnMissing(orDefault(string(b.OnInconclusive), string(MissingFail))), OnMissing(orDefault(string(h.OnInconclusive), string(MissingFail)))
	if bi != hi {
		d.add(id, rankKind(missingRank[bi], missingRank[hi]), "on_inconclusive changed", string(bi), string(hi), firstValid(h.OnInconclusivePos, h.Pos))
	}

	// A higher min_samples fails (as missing) more small reports.
	switch {
	case b.MinSamples == h.MinSamples:
	case h.MinSamples == 0:
		d.add(id, Loosen, "min_samples removed", intText(b.MinSamples), "", h.Pos)
	case b.MinSamples == 0:
		d.add(id, Tighten, "min_samples added", "", intText(h.MinSamples), h.MinSamplesPos)
	case h.MinSamples < b.MinSamples:
		d.add(id, Loosen, "min_samples lowered", intText(b.MinSamples), intText(h.MinSamples), h.MinSamplesPos)
	default:
		d.add(id, Tighten, "min_samples raised", intText(b.MinSamples), intText(h.MinSamples), h.MinSamplesPos)
	}
}

func (d *differ) shapRule(id string, b, h *ShapRule, rulePos Pos) {
	pos := firstValid(h.Pos, rulePos)
	switch {
	case b.NotInTop == h.NotInTop:
	case h.NotInTop == 0:
		d.add(id, Loosen, "shap.not_in_top removed", intText(b.NotInTop), "", pos)
	case b.NotInTop == 0:
		d.add(id, Tighten, "shap.not_in_top added", "", intText(h.NotInTop), pos)
	case h.NotInTop < b.NotInTop:
		d.add(id, Loosen, "shap.not_in_top lowered", intText(b.NotInTop), intText(h.NotInTop), pos)
	default:
		d.add(id, Tighten, "shap.not_in_top raised", intText(b.NotInTop), intText(h.NotInTop), pos)
	}
	for _, f := range b.Features {
		if !slices.Contains(h.Features, f) {
			d.add(id, Loosen, "shap.features: feature removed", f, "", pos)
		}
	}
	for _, f := range h.Features {
		if !slices.Contains(b.Features, f) {
			d.add(id, Tighten, "shap.features: feature added", "", f, pos)
		}
	}
	d.tolerance(id, "shap.max_share", b.MaxShare, h.MaxShare, true, pos)
	d.tolerance(id, "shap.min_rank_correlation", b.MinRankCorrelation, h.MinRankCorrelation, false, pos)
	switch {
	case b.Label == h.Label:
	case b.Label == "":
		d.add(id, Loosen, "shap.label added (the rule covers fewer labels)", "", h.Label, pos)
	case h.Label == "":
		d.add(id, Tighten, "shap.label removed (the rule covers every label)", b.Label, "", pos)
	default:
		d.add(id, Loosen, "shap.label changed (the rule covers another label)", b.Label, h.Label, pos)
	}
}

func (d *differ) waiver(id string, b, h *Waiver, rulePos Pos) {
	date := func(w *Waiver) string { return w.Expires.Format(time.DateOnly) }
	switch {
	case b == nil && h == nil:
	case b == nil:
		d.add(id, Loosen, "waiver added", "", fmt.Sprintf("until %s, owner %s: %s", date(h), h.Owner, h.Reason), h.Pos)
	case h == nil:
		d.add(id, Tighten, "waiver removed", fmt.Sprintf("until %s, owner %s", date(b), b.Owner), "", rulePos)
	default:
		pos := firstValid(h.ExpiresPos, h.Pos)
		switch {
		case h.Expires.After(b.Expires):
			d.add(id, Loosen, "waiver extended", date(b), date(h), pos)
		case h.Expires.Before(b.Expires):
			d.add(id, Tighten, "waiver shortened", date(b), date(h), pos)
		}
		if b.Owner != h.Owner {
			d.add(id, Neutral, "waiver owner changed", b.Owner, h.Owner, h.Pos)
		}
		if b.Reason != h.Reason {
			d.add(id, Neutral, "waiver reason changed", b.Reason, h.Reason, h.Pos)
		}
	}
}

// bandShift is where a confidence band moves the bound a rule blocks at,
// in standard deviations toward the passing side: a floor `min: m` blocks
// below m + bandShift·σ (a ceiling above m - bandShift·σ; a vs_baseline
// limit likewise). With on_inconclusive: fail (the default) a value passes
// only when its whole band clears the bound, so the shift is +z; with
// on_inconclusive: warn only a band wholly past the bound fails, so the
// shift is -z. No confidence (or 0.5, where z is 0) is no shift.
func bandShift(r *Rule) float64 {
	c := r.Confidence
	if c < MinConfidence || c >= 1 {
		return 0
	}
	z := math.Sqrt2 * math.Erfinv(2*c-1)
	if r.OnInconclusive == MissingWarn {
		return -z
	}
	return z
}

// banded reports whether any check of r is judged with a confidence band:
// the bounds and the absolute vs_baseline keys (percentages are judged on
// the point values).
func banded(r *Rule) bool {
	if r.Min != nil || r.Max != nil || r.Between != nil || r.AbsMax != nil || r.MaxDeviation != nil {
		return true
	}
	vb := r.VsBaseline
	return vb != nil && (vb.MaxDrop != nil || vb.MinGain != nil || vb.MaxRise != nil)
}

// confidence classifies a change of `confidence` by its effect on what
// blocks (bandShift): a larger shift blocks more values (tighten), a
// smaller one fewer (loosen), an equal one nothing (neutral). Raising
// 0.9 -> 0.99 with the default on_inconclusive: fail tightens (a wider
// band must clear the bound); with on_inconclusive: warn it loosens (a
// failure within the wider band only warns). When on_inconclusive changes
// too, the line judges the two together; on_inconclusive has its own line.
func (d *differ) confidence(b, h *Rule) {
	if b.Confidence == h.Confidence {
		return
	}
	bs, hs := bandShift(b), bandShift(h)
	kind := Neutral
	switch {
	case !banded(b) && !banded(h):
		// Only percentages: no band is applied on either side.
	case hs > bs:
		kind = Tighten
	case hs < bs:
		kind = Loosen
	}
	pos := firstValid(h.ConfidencePos, h.Pos)
	var what string
	switch {
	case b.Confidence == 0:
		what = "confidence added"
	case h.Confidence == 0:
		what, pos = "confidence removed", h.Pos
	case h.Confidence > b.Confidence:
		what = "confidence raised"
	default:
		what = "confidence lowered"
	}
	side := h
	if h.Confidence == 0 {
		side = b
	}
	effect := " (with on_inconclusive: fail a wider band blocks more)"
	switch {
	case kind == Neutral && !banded(h) && !banded(b):
		effect = " (no check of the rule is judged with a band)"
	case kind == Neutral:
		effect = " (z is 0 at 0.5: the point value is judged either way)"
	case side.OnInconclusive == MissingWarn:
		effect = " (with on_inconclusive: warn a wider band blocks less)"
	}
	d.add(h.ID, kind, what+effect, confText(b.Confidence), confText(h.Confidence), pos)
}

func confText(c float64) string {
	if c == 0 {
		return ""
	}
	return fmtNum(c)
}
