package rules

import "testing"

// Every rule of a parsed file has exactly one kind, the key that gave it,
// and every kind has a parser and a diff handler.
func TestRuleKind(t *testing.T) {
	t.Parallel()
	f, err := Parse("k.yml", []byte(`version: 1
model: {group: g}
rules:
  - {id: m, metric: quality.auc, min: 0.8}
  - {id: r, require: [quality]}
  - {id: s, shap: {max_share: 0.5}}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []RuleKind{RuleMetric, RuleRequire, RuleShap}
	for i, r := range f.Rules {
		if got := r.Kind(); got != want[i] {
			t.Errorf("rule %s Kind() = %q; want %q", r.ID, got, want[i])
		}
	}
	if k := (&Rule{}).Kind(); k != "" {
		t.Errorf("empty Rule Kind() = %q; want none", k)
	}
	for _, k := range RuleKinds {
		if ruleKindParsers[k] == nil {
			t.Errorf("no parser for rule kind %s", k)
		}
		if kd, ok := kindDiffs[k]; !ok || kd.summary == nil || kd.compare == nil {
			t.Errorf("no diff handler for rule kind %s", k)
		}
	}
}
