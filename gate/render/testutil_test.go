package render

import (
	"fmt"
	"math"
	"strings"

	"github.com/modelgate/modelgate/gate/gatetest"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

var nan = math.NaN()

// sampleResult is gatetest.SampleResult.
func sampleResult() *gate.Result { return gatetest.SampleResult() }

// manyFailures is a failing run with n failing instances of one rule, each
// with long labels so that the summary must be cut.
func manyFailures(n int) *gate.Result {
	r := &gate.Result{
		Schema: gate.ResultSchemaVersion, Tool: "modelgate", RulesFile: ".github/modelgate.yml",
		Group:      "churn-xgboost",
		Candidate:  &gate.Package{Group: "churn-xgboost", Version: 13, ARN: "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn-xgboost/13"},
		Conclusion: gate.Failure,
		Counts:     gate.Counts{Rules: 2, Fail: n, Pass: 1, FailedRules: 1},
	}
	long := strings.Repeat("<&>", 100) // escaping makes these 4-5 times longer
	for i := range n {
		r.Findings = append(r.Findings, gate.Finding{
			Rule: "di-range", RulePos: rules.Pos{Line: 9, Col: 5}, Severity: rules.SeverityError, Metric: "bias.post.DI",
			Labels: []gate.Label{{Key: "facet", Value: fmt.Sprintf("f%03d-%s", i, long)}},
			Value:  0.5, StdDev: nan, Baseline: nan, Delta: nan, Threshold: "between [0.8, 1.25]", Verdict: gate.Fail, Blocking: true,
			Reason: "below 0.8 " + long,
		})
	}
	r.Findings = append(r.Findings, gate.Finding{Rule: "auc-floor", RulePos: rules.Pos{Line: 5, Col: 5}, Metric: "quality.auc",
		Value: 0.9, StdDev: nan, Baseline: nan, Delta: nan, Threshold: ">= 0.85", Verdict: gate.Pass})
	return r
}
