package report

import (
	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// explain reads explanations.kernel_shap of a Clarify analysis.json into
// shap.<feature> instances labelled by label (the label key as written:
// label0, a label header, or a number-like string). expected_value,
// global_top_shap_text and pdp are not feature importances and are skipped.
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
	for i, label := range ks.keys {
		l := ks.vals[i]
		lp := kp.key(label)
		if l.kind != kObject {
			return errAt(lp, "want an object with global_shap_values, found %s", l.kind)
		}
		g := l.get("global_shap_values")
		gp := lp.key("global_shap_values")
		if g == nil {
			return errAt(lp, "no global_shap_values (found keys %s)", keysOf(l))
		}
		if g.kind != kObject {
			return errAt(gp, "want an object keyed by feature, found %s", g.kind)
		}
		for j, feature := range g.keys {
			if feature == "" {
				continue // an empty feature name cannot be addressed
			}
			v, note, scalar := metricValue(g.vals[j])
			if !scalar {
				note = "value is " + g.vals[j].kind.String() + ", not a number"
			}
			r.add(gate.Instance{
				Address: rules.FormatAddress(rules.FamilyShap, feature),
				Labels:  []gate.Label{{Key: "label", Value: label}},
				Value:   v,
				StdDev:  nan(),
				Source:  r.source(gp.key(feature)),
				Note:    note,
			})
		}
	}
	return nil
}
