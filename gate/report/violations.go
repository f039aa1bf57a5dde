package report

import (
	"math"
	"strings"
	"unicode"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// builtinChecks are the constraint_check_type values of the four built-in
// Model Monitor violation shapes. A file that does not list one of them
// gives violations.<check> = 0, so that a rule `violations.data_type_check
// max: 0` passes on a clean run instead of seeing a missing metric.
var builtinChecks = []string{
	// data quality
	"data_type_check", "completeness_check", "baseline_drift_check",
	"missing_column_check", "extra_column_check", "categorical_values_check",
	// model quality: the comparison operator is the check type
	"LessThanThreshold", "GreaterThanThreshold",
	// bias drift and feature attribution drift
	"bias_drift_check", "feature_attribution_drift_check",
}

// unknownCheck is the check type of a violation that names none.
const unknownCheck = "unknown"

// violationLabels maps violation fields to instance labels.
var violationLabels = []struct{ field, label string }{
	{"feature_name", "feature"},
	{"metric_name", "metric"},
	{"facet", "facet"},
	{"facet_value", "value"},
	{"label", "label"},
}

// violations reads a Model Monitor constraint_violations.json (data quality,
// model quality, bias drift, feature attribution drift or a BYOC monitor)
// into counts: violations.total over the whole file; violations.<check_type>
// with no labels, the total of that check type (what a rule without `where`
// judges); violations.<check_type> per distinct (feature, metric, facet,
// value, label) that a violation names (what `where: {feature: F}`
// selects); and 0 for each built-in check type the file does not mention.
func (r *reader) violations(doc *node) error {
	vp := root().key("violations")
	list := doc.get("violations")
	if list == nil || list.kind != kArray {
		return errAt(root(), "no violations list (found %s)", summary(doc))
	}
	type count struct {
		check  string
		labels []gate.Label
		first  int
		n      int
	}
	var counts, totals []*count
	index := map[string]*count{}
	byCheck := map[string]*count{}
	seen := map[string]bool{}
	for i, v := range list.vals() {
		ip := vp.index(i)
		if v.kind != kObject {
			return errAt(ip, "want a violation object, found %s", v.kind)
		}
		check := unknownCheck
		if c := v.get("constraint_check_type"); c != nil {
			s, ok := literal(c)
			if !ok || c.kind != kString {
				return errAt(ip.key("constraint_check_type"), "want a string, found %s", c.kind)
			}
			if s != "" {
				check = s
			}
		}
		var kv []string
		for _, f := range violationLabels {
			s, ok := literal(v.get(f.field))
			if !ok {
				continue
			}
			if f.field == "metric_name" {
				s = snakeCase(s)
			}
			kv = append(kv, f.label, s)
		}
		tot := byCheck[check]
		if tot == nil {
			tot = &count{check: check, first: i}
			byCheck[check] = tot
			totals = append(totals, tot)
		}
		tot.n++
		seen[check] = true
		ls := labels(kv...)
		if len(ls) == 0 {
			continue // counted in its check type's total only
		}
		key := check + "\x00" + gate.LabelString(ls)
		c := index[key]
		if c == nil {
			c = &count{check: check, labels: ls, first: i}
			index[key] = c
			counts = append(counts, c)
		}
		c.n++
	}
	r.add(gate.Instance{
		Address: rules.FormatAddress(rules.FamilyViolations, "total"),
		Value:   float64(len(list.vals())),
		StdDev:  math.NaN(),
		Source:  r.source(vp),
	})
	for _, c := range append(totals, counts...) {
		r.add(gate.Instance{
			Address: rules.FormatAddress(rules.FamilyViolations, c.check),
			Labels:  c.labels,
			Value:   float64(c.n),
			StdDev:  math.NaN(),
			Source:  r.source(vp.index(c.first)),
		})
	}
	for _, check := range builtinChecks {
		if !seen[check] {
			r.add(gate.Instance{
				Address: rules.FormatAddress(rules.FamilyViolations, check),
				Value:   0,
				StdDev:  math.NaN(),
				Source:  r.source(vp),
			})
		}
	}
	return nil
}

// snakeCase turns the camelCase rate names of model-quality violations
// (truePositiveRate) into the snake_case of statistics files
// (true_positive_rate). Names that do not start with a lower-case letter
// (DPPL, LessThanThreshold) and names with no upper-case letter are kept.
func snakeCase(s string) string {
	if s == "" || !unicode.IsLower(rune(s[0])) || strings.IndexFunc(s, unicode.IsUpper) < 0 || strings.ContainsAny(s, "_ ") {
		return s
	}
	var b strings.Builder
	prevUpper := false
	for i, c := range s {
		if unicode.IsUpper(c) {
			if i > 0 && !prevUpper {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(c))
			prevUpper = true
			continue
		}
		prevUpper = false
		b.WriteRune(c)
	}
	return b.String()
}
