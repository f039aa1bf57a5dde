package gate_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// violations.<check_type> judges the total of the check type; per-feature
// counts are reachable with where: {feature: F} (issue 11).
func TestEvaluateViolationsTotalPerCheckType(t *testing.T) {
	t.Parallel()
	// Five data_type_check violations on five features, one on a feature
	// twice, one with no feature, and a completeness_check.
	doc := `{"violations": [
	  {"feature_name": "a", "constraint_check_type": "data_type_check", "description": "x"},
	  {"feature_name": "b", "constraint_check_type": "data_type_check", "description": "x"},
	  {"feature_name": "c", "constraint_check_type": "data_type_check", "description": "x"},
	  {"feature_name": "c", "constraint_check_type": "data_type_check", "description": "y"},
	  {"constraint_check_type": "data_type_check", "description": "no feature"},
	  {"feature_name": "d", "constraint_check_type": "completeness_check", "description": "x"}]}`
	p, err := read(gate.Source{Slot: "monitor", URI: "s3://b/constraint_violations.json"}, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	cand := gate.NewMetrics()
	cand.Add(p.Instances...)
	cand.MarkSource("monitor", "")
	f, err := rules.Parse("modelgate.yml", []byte(`version: 1
model: {group: g}
reports:
  - {name: monitor, uri: s3://b/constraint_violations.json}
rules:
  - {id: types-max-4, metric: violations.data_type_check, max: 4}
  - {id: types-max-5, metric: violations.data_type_check, max: 5}
  - {id: feature-c, metric: violations.data_type_check, max: 1, where: {feature: c}}
  - {id: feature-a, metric: violations.data_type_check, max: 1, where: {feature: a}}
  - {id: completeness, metric: violations.completeness_check, max: 0}
  - {id: drift-clean, metric: violations.baseline_drift_check, max: 0}
  - {id: total, metric: violations.total, max: 5}
`))
	if err != nil {
		t.Fatal(err)
	}
	res := gate.Evaluate(f, cand, nil, now)
	var got []string
	for _, fd := range res.Findings {
		s := fd.Rule + " " + string(fd.Verdict) + " " + strconv.FormatFloat(fd.Value, 'g', -1, 64)
		if len(fd.Labels) > 0 {
			s += " " + gate.LabelString(fd.Labels)
		}
		got = append(got, s)
	}
	want := []string{
		"types-max-4 fail 5",
		"types-max-5 pass 5",
		"feature-c fail 2 feature=c",
		"feature-a pass 1 feature=a",
		"completeness fail 1",
		"drift-clean pass 0",
		"total fail 6",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Evaluate(violations) =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
