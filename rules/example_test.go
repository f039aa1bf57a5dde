package rules_test

import (
	"errors"
	"fmt"

	"github.com/modelgate/modelgate/rules"
)

func ExampleParse() {
	src := []byte(`version: 1
model:
  group: churn-xgboost
rules:
  - id: auc-floor
    metric: quality.auc
    mn: 0.85
  - id: marital-status
    metric: shap.Marital Status
    max: 0.2
  - id: di
    metric: bias.post.DI
    between: [1.25, 0.8]
`)
	_, err := rules.Parse(".github/modelgate.yml", src)
	var ds rules.Diagnostics
	if errors.As(err, &ds) {
		for _, d := range ds {
			fmt.Println(d)
		}
	}

	f, err := rules.Parse(".github/modelgate.yml", []byte(`version: 1
model: {group: churn-xgboost}
rules:
  - {id: marital-status, metric: 'shap."Marital Status"', max: 0.2}
`))
	if err != nil {
		panic(err)
	}
	r := f.Rules[0]
	fmt.Printf("%s: %s max %v at %s\n", r.ID, r.Metric, r.Max.V, r.Max.Pos)
	// Output:
	// .github/modelgate.yml:5:5: metric rule `auc-floor` has no threshold; give at least one of `min`, `max`, `between`, `abs_max`, `max_deviation` or `vs_baseline` [required]
	// .github/modelgate.yml:7:5: unknown key `mn` in rule; did you mean `min`? allowed keys: id, metric, require, shap, min, max, between, abs_max, max_deviation, vs_baseline, where, direction, ideal, confidence, on_inconclusive, min_samples, severity, on_missing, waiver, overridable, min_runs_passing, runs [unknown-key]
	// .github/modelgate.yml:9:13: metric address "shap.Marital Status": " " at offset 12 must be inside a quoted segment; write shap."Marital Status" [address]
	// .github/modelgate.yml:13:14: `between` lower bound 1.25 is greater than upper bound 0.8 [range]
	// marital-status: shap."Marital Status" max 0.2 at 4:64
}
