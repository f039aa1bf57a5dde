package report

import (
	"math"
	"strings"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// explain reads explanations.kernel_shap of a Clarify analysis.json into
// shap.<feature> instances labelled by label (the label key as written:
// label0, a label header, or a number-like string). expected_value,
// global_top_shap_text and pdp are not feature importances and are skipped.
//
// A large report is streamed: global_shap_values are lazy values (see
// lazy.go) read member by member, instances of one label share their
// labels, one feature's instances share their address, and sources are cut
// from large chunks.
func (r *reader) explain(doc *node) error {
	ep := root().key(keyExplanation)
	ex := doc.get(keyExplanation)
	if ex == nil || ex.kind != kObject {
		return errAt(root(), "no explanations object (found %s)", summary(doc))
	}
	ks := ex.get("kernel_shap")
	kp := ep.key("kernel_shap")
	if ks == nil {
		return errAt(ep, "no kernel_shap: only Clarify's tabular kernel SHAP explanations are read (found keys %s)", keysOf(ex))
	}
	if ks.kind != kObject {
		return errAt(kp, "want an object keyed by label, found %s", ks.kind)
	}
	// Labels are streamed, and each is built alone: once to count the
	// instances (allocated at once), once to read them.
	label := func(key string, v *node) (*node, *jpath, error) {
		lp := kp.key(key)
		l, err := r.ps.expand(v, lp)
		if err != nil {
			return nil, nil, err
		}
		if l.kind != kObject {
			return nil, nil, errAt(lp, "want an object with global_shap_values, found %s", l.kind)
		}
		g := l.get("global_shap_values")
		gp := lp.key("global_shap_values")
		if g == nil {
			return nil, nil, errAt(lp, "no global_shap_values (found keys %s)", keysOf(l))
		}
		if g.kind != kObject {
			return nil, nil, errAt(gp, "want an object keyed by feature, found %s", g.kind)
		}
		return g, gp, nil
	}
	total := 0
	err := r.ps.members(ks, func(key string, v *node) error {
		g, _, err := label(key, v)
		if err == nil {
			total += int(g.count) + len(g.keys())
		}
		return err
	})
	if err != nil {
		return err
	}
	if free := cap(r.out) - len(r.out); total > free {
		r.out = append(make([]gate.Instance, 0, len(r.out)+min(total, maxInstances)), r.out...)
	}
	addresses := map[string]string{}
	return r.ps.members(ks, func(key string, v *node) error {
		if r.dropped > 0 {
			return nil // Read reports it
		}
		g, gp, err := label(key, v)
		if err != nil {
			return err
		}
		return r.labelShap(g, gp, strings.Clone(key), addresses)
	})
}

// labelShap reads one label's global_shap_values.
func (r *reader) labelShap(g *node, gp *jpath, label string, addresses map[string]string) error {
	ls := []gate.Label{{Key: "label", Value: label}}
	first := len(r.out)
	prefix := r.source(gp)
	var seg []byte
	sum := 0.0
	err := r.ps.members(g, func(feature string, v *node) error {
		if feature == "" {
			return nil // an empty feature name cannot be addressed
		}
		if len(r.out) >= maxInstances {
			r.dropped++
			return errTooMany
		}
		val, note, scalar := metricValue(v)
		if !scalar {
			note = "value is " + v.kind.String() + ", not a number"
		}
		if note == "" {
			sum += math.Abs(val)
		}
		addr, ok := addresses[feature]
		if !ok {
			feature = strings.Clone(feature) // a view of the document
			addr = rules.FormatAddress(rules.FamilyShap, feature)
			addresses[feature] = addr
		}
		seg = appendSeg(seg[:0], pathSeg{key: feature, isKey: true})
		r.add(gate.Instance{Address: addr, Labels: ls, Value: val, StdDev: math.NaN(),
			Source: r.strs.join(prefix, unsafeString(seg)), Note: note})
		return nil
	})
	if err == errTooMany {
		return nil // Read reports it
	}
	if err != nil {
		return err
	}
	added := r.out[first:]
	if math.IsInf(sum, 0) {
		// Every value is finite, their total is not: shares of it would all
		// be 0. The label cannot be judged.
		for i := range added {
			if added[i].Note == "" {
				added[i].Value = math.NaN()
				added[i].Note = "the |SHAP| values of label " + truncate(label, 60) + " add up to more than a float64 holds; its importances cannot be compared"
			}
		}
	}
	return nil
}
