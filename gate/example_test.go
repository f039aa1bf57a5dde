package gate_test

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// Disparate Impact is judged by its distance from parity (1): 0.7 is 0.3
// away where the baseline's 0.9 was 0.1 away, a drop of 0.2.
func ExampleEvaluate() {
	f, err := rules.Parse("modelgate.yml", []byte(`
version: 1
model: {group: fraud-xgboost, first_model: absolute-only}
rules:
  - id: di-no-worse
    metric: bias.post.DI
    vs_baseline: {max_drop: 0.1}
  - id: di-parity
    metric: bias.post.DI
    max_deviation: 0.35
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	di := func(v float64) *gate.Metrics {
		m := gate.NewMetrics()
		m.Add(gate.Instance{Address: "bias.post.DI", Value: v, StdDev: math.NaN(),
			Labels: []gate.Label{{Key: "facet", Value: "gender"}, {Key: "value", Value: "F"}}})
		return m
	}
	res := gate.Evaluate(f, di(0.7), di(0.9), time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC))
	for _, fd := range res.Findings {
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%s %s: %s %s", fd.Rule, gate.LabelString(fd.Labels), fd.Verdict, fd.Reason)))
	}
	fmt.Println(res.Conclusion, res.ExitCode())
	// Output:
	// di-no-worse facet=gender value=F: fail drop 0.2 vs baseline 0.9; limit 0.1
	// di-parity facet=gender value=F: pass
	// failure 1
}
