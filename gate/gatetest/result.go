package gatetest

import (
	"math"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// SampleResult is a failing run with one of every kind of finding and a
// few hostile strings (markdown, HTML, @mentions, newlines), for renderer
// and check-run tests.
func SampleResult() *gate.Result {
	nan := math.NaN()
	return &gate.Result{
		Schema:      gate.ResultSchemaVersion,
		Tool:        "modelgate",
		RulesFile:   ".github/modelgate.yml",
		RulesSHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Group:       "churn-xgboost",
		Candidate: &gate.Package{Group: "churn-xgboost", Version: 13, Approval: gate.StatusPending,
			ARN: "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn-xgboost/13"},
		Baseline: &gate.Package{Group: "churn-xgboost", Version: 12, Approval: gate.StatusApproved,
			ARN: "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn-xgboost/12"},
		Conclusion: gate.Failure,
		Counts:     gate.Counts{Rules: 6, Pass: 2, Fail: 2, Missing: 1, Warn: 1, Waived: 1, FailedRules: 2},
		Notes:      []string{"baseline v12 approved 2026-11-01"},
		Reports: []gate.ReportRecord{
			{Package: "candidate", Slot: "quality", URI: "s3://models/churn/13/quality.json", SHA256: "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", Format: "model-quality"},
			{Package: "baseline", Slot: "quality", URI: "s3://models/churn/12/quality.json", SHA256: "fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9", Format: "model-quality"},
			{Package: "candidate", Slot: "bias.post", URI: "s3://models/churn/13/bias|post.json", Error: "open: 403 <AccessDenied>"},
		},
		Findings: []gate.Finding{
			{Rule: "auc-floor", RulePos: rules.Pos{Line: 14, Col: 5}, Severity: rules.SeverityError, Metric: "quality.auc",
				Value: 0.91, StdDev: 0.004, Baseline: nan, Delta: nan, Threshold: ">= 0.85", Verdict: gate.Pass},
			{Rule: "auc-no-regression", RulePos: rules.Pos{Line: 18, Col: 5}, Severity: rules.SeverityError, Metric: "quality.auc",
				Value: 0.81, StdDev: nan, Baseline: 0.86, Delta: -0.05, Threshold: "drop <= 0.01 vs baseline", Verdict: gate.Fail,
				Blocking: true, Reason: "dropped 0.05 from the baseline"},
			{Rule: "disparate-impact", RulePos: rules.Pos{Line: 21, Col: 5}, Severity: rules.SeverityError, Metric: "bias.post.DI",
				Labels: []gate.Label{{Key: "facet", Value: "gender"}, {Key: "value", Value: "F|<b>x</b>\n@ml-risk *bold*"}},
				Value:  0.71, StdDev: nan, Baseline: nan, Delta: nan, Threshold: "between [0.8, 1.25]", Verdict: gate.Fail, Blocking: true,
				Reason: "below 0.8"},
			{Rule: "dppl", RulePos: rules.Pos{Line: 25, Col: 5}, Severity: rules.SeverityError, Metric: "bias.post.DPPL",
				Value: nan, StdDev: nan, Baseline: nan, Delta: nan, Threshold: "|x| <= 0.1", Verdict: gate.Missing, Blocking: true,
				Reason: "report bias.post could not be read"},
			{Rule: "toxicity", RulePos: rules.Pos{Line: 31, Col: 5}, Severity: rules.SeverityWarning, Metric: "llm.toxicity.toxicity",
				Labels: []gate.Label{{Key: "dataset", Value: "real_toxicity_prompts"}},
				Value:  0.012, StdDev: nan, Baseline: 0.009, Delta: 0.003, Threshold: "<= 0.01", Verdict: gate.Warn, Reason: "above 0.01 (severity warning)"},
			{Rule: "reports-attached", RulePos: rules.Pos{Line: 35, Col: 5}, Severity: rules.SeverityWarning,
				Value: nan, StdDev: nan, Baseline: nan, Delta: nan, Threshold: "require quality, explainability", Verdict: gate.Waived,
				Reason: "waived until 2027-01-31 by @ml-risk: Clarify job re-run pending"},
			{Rule: "f1-floor", RulePos: rules.Pos{Line: 40, Col: 5}, Severity: rules.SeverityError, Metric: "quality.f1",
				Value: 0.74, StdDev: nan, Baseline: 0.73, Delta: 0.01, Threshold: ">= 0.7", Verdict: gate.Pass},
		},
	}
}
