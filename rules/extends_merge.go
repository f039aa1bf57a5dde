package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Base is a base policy as Inherit takes it: parsed, already merged with
// its own bases (Inherit was called on it), and the entry of the
// extending file that pulled it in.
type Base struct {
	File  *File
	Entry *Extend
}

// Resolution is what a resolved rules file was built from: every policy
// file with its digest, where each inherited rule is defined, and who may
// waive it. It goes into the evidence and the audit record.
type Resolution struct {
	// Sources lists the file itself (Depth 0) and then every base, depth
	// first in `extends` order; a base reached twice (a diamond) is listed
	// once.
	Sources []PolicySource `json:"sources"`
	// Origins maps the id of every inherited rule the file does not
	// redefine to where it is written (its positions in the resolved File
	// point at the file's `extends` entry instead).
	Origins map[string]RuleOrigin `json:"origins,omitempty"`
	// WaiverOwners maps the id of every rule that comes from a base to the
	// owners who may waive it in a file that extends this one.
	WaiverOwners map[string][]string `json:"waiver_owners,omitempty"`
	// ChainOwners is the union of waiver_owners of the file and all its
	// bases: who may waive the file's own rules further down.
	ChainOwners []string `json:"-"`
}

// PolicySource is one policy file of a resolution.
type PolicySource struct {
	// Name is where it was read: the rules file's path, or the base as its
	// `extends` entry names it.
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Depth  int    `json:"depth"`
}

// RuleOrigin is where an inherited rule is written.
type RuleOrigin struct {
	Source string `json:"source"`
	Pos    Pos    `json:"pos"`
}

// Digest is the sha256 of the resolution's sources (depth, digest and,
// for bases, name; one per line): one value that changes when any policy
// file changes or a base is read from elsewhere.
func (r *Resolution) Digest() string {
	h := sha256.New()
	for _, s := range r.Sources {
		if s.Depth == 0 {
			// The file itself by its bytes alone: the same file read at
			// another commit (the guard's base side) has another name.
			fmt.Fprintf(h, "0 %s\n", s.SHA256)
			continue
		}
		fmt.Fprintf(h, "%d %s %s\n", s.Depth, s.SHA256, s.Name)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// PolicyDigest is the digest that identifies the rules a File judges
// with: the resolution's Digest when the file was resolved, else the
// file's own sha256.
func (f *File) PolicyDigest() string {
	if f.Resolution != nil && len(f.Resolution.Sources) > 1 {
		return f.Resolution.Digest()
	}
	return f.SHA256
}

// Inherit merges a rules file with its resolved bases and returns the
// resolved File: the bases' rules first (each base's defaults made
// explicit in its rules), the child's redefinitions in their place, then
// the child's new rules; the bases' reports, then the child's. The child
// itself is not changed.
//
// Every problem is a Diagnostic in the child's file: a child rule that
// loosens the inherited rule of its id (as Diff classifies the change; a
// threshold the base marks `overridable` may move within its bounds), a
// waiver on an inherited rule whose owner the base does not list, two
// bases that define one rule or report differently, a report of the child
// that redefines an inherited one, and `defaults.multiple_comparisons:
// holm` over bases that do not correct.
func Inherit(child *File, bases []Base) (*File, error) {
	m := &merger{child: child, path: child.Path, res: &Resolution{
		Origins: map[string]RuleOrigin{}, WaiverOwners: map[string][]string{},
	}}
	m.res.Sources = []PolicySource{{Name: child.Path, SHA256: child.SHA256}}
	if child.Policy != nil {
		m.res.ChainOwners = slices.Clone(child.Policy.WaiverOwners)
	}
	for _, b := range bases {
		m.base(b)
	}
	out := *child
	out.Rules = m.rules()
	out.Reports = m.reports()
	out.Defaults.MultipleComparisons = m.multipleComparisons()
	out.Resolution = m.res
	if len(m.diags) > 0 {
		m.diags.sort()
		return nil, m.diags
	}
	return &out, nil
}

type merger struct {
	child *File
	path  string
	res   *Resolution
	diags Diagnostics

	inherited []inheritedRule
	byID      map[string]int
	reps      []inheritedReport
	corrects  []string // multiple_comparisons of each base
}

type inheritedRule struct {
	rule   Rule // defaults explicit, positions at the entry
	orig   Rule // defaults explicit, positions in the base
	origin RuleOrigin
	from   string // the base's name
	entry  Pos
}

type inheritedReport struct {
	rep  Report
	from string
}

func (m *merger) errorf(p Pos, format string, args ...any) {
	m.diags = append(m.diags, Diagnostic{File: m.path, Pos: p, Message: fmt.Sprintf(format, args...), Kind: KindExtends})
}

func (m *merger) base(b Base) {
	bf := b.File
	name := bf.Path
	br := bf.Resolution
	if br == nil {
		br = &Resolution{Sources: []PolicySource{{Name: bf.Path, SHA256: bf.SHA256}}}
		if bf.Policy != nil {
			br.ChainOwners = bf.Policy.WaiverOwners
		}
	}
	for _, s := range br.Sources {
		s.Depth++
		if !slices.ContainsFunc(m.res.Sources, func(x PolicySource) bool { return x.Name == s.Name && x.SHA256 == s.SHA256 }) {
			m.res.Sources = append(m.res.Sources, s)
		}
	}
	for _, o := range br.ChainOwners {
		if !slices.Contains(m.res.ChainOwners, o) {
			m.res.ChainOwners = append(m.res.ChainOwners, o)
		}
	}
	m.corrects = append(m.corrects, orDefault(bf.Defaults.MultipleComparisons, CorrectionNone))
	if m.byID == nil {
		m.byID = map[string]int{}
	}
	for i := range bf.Rules {
		r := explicitDefaults(bf, &bf.Rules[i])
		origin, ok := br.Origins[r.ID]
		if !ok {
			origin = RuleOrigin{Source: name, Pos: r.Pos}
		}
		owners, ok := br.WaiverOwners[r.ID]
		if !ok {
			owners = br.ChainOwners
		}
		if j, dup := m.byID[r.ID]; dup {
			if prev := m.inherited[j]; prev.origin != origin {
				m.errorf(b.Entry.Pos, "rule `%s` comes from two base policies, %s and %s; a rule id may be inherited once", r.ID, srcName(prev.from), srcName(name))
			}
			continue
		}
		m.byID[r.ID] = len(m.inherited)
		m.res.WaiverOwners[r.ID] = slices.Clone(owners)
		m.inherited = append(m.inherited, inheritedRule{rule: relocate(r, b.Entry.Pos), orig: r, origin: origin, from: name, entry: b.Entry.Pos})
	}
	for _, rep := range bf.Reports {
		i := slices.IndexFunc(m.reps, func(x inheritedReport) bool { return x.rep.Name == rep.Name })
		if i < 0 {
			rep.Pos = b.Entry.Pos
			m.reps = append(m.reps, inheritedReport{rep, name})
			continue
		}
		if !sameReport(&m.reps[i].rep, &rep) {
			m.errorf(b.Entry.Pos, "report `%s` comes from two base policies with different sources, %s and %s", rep.Name, srcName(m.reps[i].from), srcName(name))
		}
	}
}

// rules is the merged rule list, checking each redefinition.
func (m *merger) rules() []Rule {
	out := make([]Rule, len(m.inherited))
	for i, ir := range m.inherited {
		out[i] = ir.rule
		m.res.Origins[ir.rule.ID] = ir.origin
	}
	for i := range m.child.Rules {
		h := m.child.Rules[i]
		j, ok := m.byID[h.ID]
		if !ok {
			out = append(out, h)
			continue
		}
		delete(m.res.Origins, h.ID)
		m.redefine(&m.inherited[j], explicitDefaults(m.child, &h))
		out[j] = h
	}
	if len(m.res.Origins) == 0 {
		m.res.Origins = nil
	}
	if e := m.child.Endpoint; e != nil {
		for _, r := range e.Rules {
			if j, ok := m.byID[r.ID]; ok {
				m.errorf(r.Pos, "endpoint rule id `%s` is already used by the rule inherited from %s; ids are unique across the resolved policy", r.ID, srcName(m.inherited[j].from))
			}
		}
	}
	return out
}

// redefine checks a child's redefinition h of an inherited rule.
func (m *merger) redefine(ir *inheritedRule, h Rule) {
	b := ir.orig
	from := ir.origin.Source
	// The comparison copy: waivers are judged by owner below, thresholds
	// within their overridable bounds count as the base's.
	cmpH := h
	if h.VsBaseline != nil {
		vb := *h.VsBaseline
		cmpH.VsBaseline = &vb
	}
	cmpH.Waiver = b.Waiver
	var bounds map[string]Range
	if b.Overridable != nil {
		bounds = b.Overridable.Bounds
	}
	for k, rg := range bounds {
		if v := thresholdOf(&h, k); v != nil && v.V >= rg.Lo && v.V <= rg.Hi {
			setThreshold(&cmpH, k, thresholdOf(&b, k))
		}
	}
	for _, c := range Diff(&File{Rules: []Rule{b}}, &File{Rules: []Rule{cmpH}}) {
		if c.Kind != Loosen {
			continue
		}
		hint := ""
		for k, rg := range bounds {
			if strings.HasPrefix(c.What, k+" ") || strings.HasPrefix(c.What, "vs_baseline."+k+" ") {
				hint = fmt.Sprintf(" (the base lets `%s` move within %s only)", k, rangeText(&rg))
			}
		}
		m.errorf(firstValid(c.Pos, h.Pos), "rule `%s` loosens the rule it inherits from %s: %s: %s -> %s; a rules file may only tighten an inherited rule%s",
			h.ID, srcName(from), oneLine(c.What), orNone(c.Before), orNone(c.After), hint)
	}
	if h.Overridable != nil {
		for k, rg := range h.Overridable.Bounds {
			brg, ok := bounds[k]
			switch {
			case !ok:
				m.errorf(h.Overridable.Pos, "rule `%s`: `overridable.%s` lets a child move a threshold the base policy %s does not let move", h.ID, k, srcName(from))
			case rg.Lo < brg.Lo || rg.Hi > brg.Hi:
				m.errorf(rg.Pos, "rule `%s`: `overridable.%s` bounds %s reach outside the bounds %s of the base policy %s", h.ID, k, rangeText(&rg), rangeText(&brg), srcName(from))
			}
		}
	}
	if w := h.Waiver; w != nil && !sameWaiver(w, b.Waiver) {
		owners := m.res.WaiverOwners[h.ID]
		switch {
		case len(owners) == 0:
			m.errorf(w.Pos, "waiver on inherited rule `%s` by `%s`: the base policy %s lists no `waiver_owners`, so only the base can waive its rules", h.ID, trunc(w.Owner), srcName(from))
		case !slices.Contains(owners, w.Owner):
			m.errorf(w.Pos, "waiver on inherited rule `%s`: owner `%s` is not a waiver owner of the base policy %s; allowed owners: %s", h.ID, trunc(w.Owner), srcName(from), strings.Join(owners, ", "))
		}
	}
}

func sameWaiver(a, b *Waiver) bool {
	return a != nil && b != nil && a.Owner == b.Owner && a.Reason == b.Reason && a.Expires.Equal(b.Expires)
}

func sameReport(a, b *Report) bool {
	if reportSource(a) != reportSource(b) || a.Format != b.Format {
		return false
	}
	am, bm := a.Memorization, b.Memorization
	if am == nil || bm == nil {
		return am == nil && bm == nil
	}
	return am.Outputs == bm.Outputs && am.Field == bm.Field && am.CorpusField == bm.CorpusField &&
		am.MinTokens == bm.MinTokens && slices.Equal(am.Corpus, bm.Corpus)
}

// reports is the merged report list: a child's report may repeat an
// inherited one (so that its own rules can address it), never change it.
func (m *merger) reports() []Report {
	out := make([]Report, 0, len(m.reps)+len(m.child.Reports))
	for _, r := range m.reps {
		out = append(out, r.rep)
	}
	for i := range m.child.Reports {
		h := m.child.Reports[i]
		j := slices.IndexFunc(m.reps, func(x inheritedReport) bool { return x.rep.Name == h.Name })
		if j < 0 {
			out = append(out, h)
			continue
		}
		if !sameReport(&m.reps[j].rep, &h) {
			m.errorf(h.Pos, "report `%s` redefines the report of the base policy %s (%s -> %s); a rules file may repeat an inherited report, not change it",
				h.Name, srcName(m.reps[j].from), orNone(reportSource(&m.reps[j].rep)), orNone(reportSource(&h)))
		}
	}
	return out
}

// multipleComparisons is the resolved defaults.multiple_comparisons: Holm
// (which can turn a fail into inconclusive) only when every base and the
// child agree on it, or the child says nothing and every base says holm.
func (m *merger) multipleComparisons() string {
	own := m.child.Defaults.MultipleComparisons
	if len(m.corrects) == 0 {
		return own
	}
	allHolm := !slices.ContainsFunc(m.corrects, func(c string) bool { return c != CorrectionHolm })
	switch {
	case own == CorrectionHolm && !allHolm:
		m.errorf(firstValid(m.child.Defaults.MultipleComparisonsPos, m.child.Defaults.Pos), "`defaults.multiple_comparisons: holm` loosens the paired comparisons of a base policy that does not correct; a rules file may only tighten its bases")
		return own
	case own == "" && allHolm:
		return CorrectionHolm
	case own == "" || own == CorrectionHolm:
		return own
	}
	return own // none: at least as strict as any base
}

// explicitDefaults copies r with the file's default severity and
// on_missing written into it, so that the rule means the same in a file
// with other defaults.
func explicitDefaults(f *File, r *Rule) Rule {
	c := *r
	c.Severity, c.OnMissing = f.EffectiveSeverity(r), f.EffectiveOnMissing(r)
	return c
}

var posType = reflect.TypeFor[Pos]()

// relocate returns a deep copy of r in which every position is at: an
// inherited rule points at the `extends` entry of the file that inherits
// it, the line a check run can annotate and a diff can name.
func relocate(r Rule, at Pos) Rule {
	v := reflect.ValueOf(&r).Elem()
	relocateValue(v, at)
	return r
}

func relocateValue(v reflect.Value, at Pos) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == posType {
			v.Set(reflect.ValueOf(at))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				relocateValue(v.Field(i), at)
			}
		}
	case reflect.Pointer:
		if v.IsNil() || v.Elem().Kind() != reflect.Struct {
			return
		}
		c := reflect.New(v.Elem().Type())
		c.Elem().Set(v.Elem())
		relocateValue(c.Elem(), at)
		v.Set(c)
	case reflect.Map:
		if v.IsNil() || v.Type().Elem().Kind() != reflect.Struct {
			return
		}
		c := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			e := reflect.New(it.Value().Type()).Elem()
			e.Set(it.Value())
			relocateValue(e, at)
			c.SetMapIndex(it.Key(), e)
		}
		v.Set(c)
	}
}

// srcName is a policy source for a message: long enough for a repository,
// a 40-hex commit and a path.
func srcName(s string) string { return clip(oneLine(s), 200) }

// extendsKey identifies an `extends` entry across two versions of a file:
// the same base at another pin is a changed entry, not another one.
func extendsKey(e *Extend) string {
	switch {
	case e.URL != "":
		return "url:" + e.URL
	case e.Repo != "":
		return "repo:" + strings.ToLower(e.Repo) + ":" + e.Path
	}
	return "path:" + e.Path
}

// extendsLabel names an entry without its pin.
func extendsLabel(e *Extend) string {
	if e.Repo != "" {
		return e.Repo + ":" + e.Path
	}
	return orDefault(e.URL, e.Path)
}

func pinText(e *Extend) string {
	var parts []string
	if e.Ref != "" {
		parts = append(parts, "ref "+e.Ref)
	}
	if e.AllowMovingRef {
		parts = append(parts, "allow_moving_ref")
	}
	if e.SHA256 != "" {
		parts = append(parts, "sha256 "+e.SHA256)
	}
	return strings.Join(parts, ", ")
}

// extendsDiff reports changes of `extends` entries (Diff). Without the
// bases' rules it cannot say what a moved pin changes: that is neutral
// here, and the diff of the resolved policies (gate.PolicyChange) shows
// the rules. A removed base drops its rules (loosen); letting a ref move
// loosens; a digest added or a base added tightens.
func (d *differ) extendsDiff(base, head *File) {
	baseBy := map[string]*Extend{}
	for i := range base.Extends {
		baseBy[extendsKey(&base.Extends[i])] = &base.Extends[i]
	}
	seen := map[string]bool{}
	for i := range head.Extends {
		h := &head.Extends[i]
		k := extendsKey(h)
		seen[k] = true
		b, ok := baseBy[k]
		switch {
		case !ok:
			d.add("", Tighten, "extends: base added", "", h.String(), h.Pos)
		case !b.AllowMovingRef && h.AllowMovingRef:
			d.add("", Loosen, "extends: "+extendsLabel(h)+": allow_moving_ref set (the base may change without a change here)", pinText(b), pinText(h), h.Pos)
		case b.SHA256 != "" && h.SHA256 == "":
			d.add("", Loosen, "extends: "+extendsLabel(h)+": sha256 removed", pinText(b), pinText(h), h.Pos)
		case pinText(b) != pinText(h):
			d.add("", Neutral, "extends: "+extendsLabel(h)+": pin changed (the resolved policies show what it changes)", pinText(b), pinText(h), h.Pos)
		}
	}
	for i := range base.Extends {
		b := &base.Extends[i]
		if !seen[extendsKey(b)] {
			d.out = append(d.out, Change{Kind: Loosen, What: "extends: base removed (its rules no longer apply)", Before: b.String(), Pos: b.Pos, InBase: true})
		}
	}
}
