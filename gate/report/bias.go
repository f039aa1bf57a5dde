package report

import (
	"strconv"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// biasAndExplanations reads the bias sections of a Clarify analysis.json
// and, for a named report detected from content, its kernel SHAP
// explanations too (run_bias_and_explainability writes one file).
func (r *reader) biasAndExplanations(doc *node) error {
	slot := r.slot
	if r.detected {
		slot = ""
	}
	if err := r.bias(doc, slot); err != nil {
		return err
	}
	if r.detected && doc.get(keyExplanation).get("kernel_shap") != nil {
		return r.explain(doc)
	}
	return nil
}

// bias reads the bias sections of a Clarify analysis.json into
// bias.pre.<M> and bias.post.<M> instances labelled facet, value and, when
// the file names one, group. The bias.pre and bias.post slots read only
// their own section (and require it); every other slot or name reads both.
func (r *reader) bias(doc *node, slot string) error {
	type section struct{ key, stage string }
	var want []section
	switch slot {
	case gate.SlotBiasPre:
		want = []section{{keyPreBias, "pre"}}
	case gate.SlotBiasPost:
		want = []section{{keyPostBias, "post"}}
	default:
		want = []section{{keyPreBias, "pre"}, {keyPostBias, "post"}}
	}
	top := root()
	found := 0
	for _, s := range want {
		sec := doc.get(s.key)
		if sec == nil {
			continue
		}
		found++
		if err := r.biasSection(sec, top.key(s.key), s.stage); err != nil {
			return err
		}
	}
	if found == 0 {
		return errAt(top, "the %s slot needs %s (found %s)", slot, want[0].key, summary(doc))
	}
	return nil
}

func (r *reader) biasSection(sec *node, p *jpath, stage string) error {
	if sec.kind == kNull {
		return nil // a section that was not computed
	}
	if sec.kind != kObject {
		return errAt(p, "want an object with facets, found %s", sec.kind)
	}
	sectionGroup, err := groupOf(sec, p)
	if err != nil {
		return err
	}
	facets := sec.get("facets")
	fp := p.key("facets")
	if facets == nil {
		return errAt(p, "no facets (found keys %s)", keysOf(sec))
	}
	if facets.kind != kObject {
		return errAt(fp, "want an object keyed by facet name, found %s", facets.kind)
	}
	for i, facet := range facets.keys() {
		groups := facets.vals()[i]
		gp := fp.key(facet)
		switch groups.kind {
		case kArray:
		case kObject: // tolerate a single group written without its list
			groups = &node{kind: kArray, kids: &kids{vals: []*node{groups}}}
		default:
			return errAt(gp, "want a list of facet value groups, found %s", groups.kind)
		}
		for j, g := range groups.vals() {
			jp := gp.index(j)
			if groups.kind == kObject {
				jp = gp
			}
			if g.kind != kObject {
				return errAt(jp, "want an object with value_or_threshold and metrics, found %s", g.kind)
			}
			value, hasValue := literal(g.get("value_or_threshold"))
			group, err := groupOf(g, jp)
			if err != nil {
				return err
			}
			if group == "" {
				group = sectionGroup
			}
			ms := g.get("metrics")
			mp := jp.key("metrics")
			if ms == nil {
				return errAt(jp, "no metrics (found keys %s)", keysOf(g))
			}
			if ms.kind != kArray {
				return errAt(mp, "want a list of metrics, found %s", ms.kind)
			}
			for k, m := range ms.vals() {
				kp := mp.index(k)
				if m.kind != kObject {
					return errAt(kp, "want a metric object with name and value, found %s", m.kind)
				}
				name, ok := m.getString("name")
				if !ok || name == "" {
					return errAt(kp, "metric has no name (found keys %s)", keysOf(m))
				}
				v, note, scalar := metricValue(m.get("value"))
				if !scalar {
					note = "value is " + m.get("value").kind.String() + ", not a number"
				}
				if e, ok := m.getString("error"); ok && e != "" {
					if note == "" {
						// A value and an error: Clarify writes an error only
						// in place of a value, so neither can be trusted.
						note = "the report gives a value and the error " + strconv.Quote(truncate(e, 200))
						v = nan()
					} else {
						note = e
					}
				}
				mg, err := groupOf(m, kp)
				if err != nil {
					return err
				}
				if mg == "" {
					mg = group
				}
				kv := []string{"facet", facet}
				if hasValue {
					kv = append(kv, "value", value)
				}
				if mg != "" {
					kv = append(kv, "group", mg)
				}
				r.add(gate.Instance{
					Address: rules.FormatAddress(rules.FamilyBias, stage, name),
					Labels:  labels(kv...),
					Value:   v,
					StdDev:  nan(),
					Source:  r.source(kp.key("value")),
					Note:    note,
				})
			}
		}
	}
	return nil
}

// groupOf returns the group variable an object at p names, or "". An
// object that names two different ones (group_variable and group) is an
// error: which one labels its metrics is ambiguous.
func groupOf(n *node, p *jpath) (string, error) {
	gv, okv := n.getString("group_variable")
	g, ok := n.getString("group")
	if okv && ok && gv != g {
		return "", errAt(p, "group_variable %q and group %q name different group variables (%s, %s); which one is meant is ambiguous",
			truncate(gv, 60), truncate(g, 60), p.key("group_variable"), p.key("group"))
	}
	if okv {
		return gv, nil
	}
	return g, nil
}

// literal renders a label value: a string as-is, a number as written.
func literal(n *node) (string, bool) {
	if n == nil {
		return "", false
	}
	switch n.kind {
	case kString, kBare, kNumber:
		return n.str, true
	case kBool:
		if n.b {
			return "true", true
		}
		return "false", true
	}
	return "", false
}
