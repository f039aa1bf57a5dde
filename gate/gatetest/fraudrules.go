package gatetest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FraudRulesSageMaker is the example's rules file (examples/fraud) for
// group on the SageMaker and S3 fakes: four of its rules compare with the
// baseline, so the reports of both packages are read. The benchmarks that
// drive the real CLI against the fakes (bench/roundtrips, bench/scale)
// share it.
func FraudRulesSageMaker(group string) string {
	return fmt.Sprintf(fraudRulesSageMaker, group)
}

const fraudRulesSageMaker = `version: 1
model:
  group: %s
  candidate: latest-pending
  baseline: latest-approved
  first_model: absolute-only
registry:
  kind: sagemaker
  region: ` + SageMakerRegion + `
  path_style: true
defaults:
  severity: error
  on_missing: fail
rules:
  - id: reports-attached
    require: [quality, bias.pre, bias.post, explainability]
  - id: accuracy-floor
    metric: quality.accuracy
    min: 0.8
  - id: auc-floor
    metric: quality.auc
    min: 0.85
    confidence: 0.95
  - id: auc-no-regression
    metric: quality.auc
    vs_baseline: {max_drop: 0.02}
  - id: f1-no-regression
    metric: quality.f1
    vs_baseline: {max_drop_pct: 5}
  - id: false-positive-rate
    metric: quality.false_positive_rate
    max: 0.2
  - id: disparate-impact
    metric: bias.post.DI
    between: [0.8, 1.25]
  - id: disparate-impact-no-worse
    metric: bias.post.DI
    vs_baseline: {max_drop: 0.05}
  - id: dppl-gender
    metric: bias.post.DPPL
    abs_max: 0.1
    where: {facet: customer_gender_female}
  - id: class-imbalance
    metric: bias.pre.CI
    abs_max: 0.5
    severity: warning
  - id: gender-not-driving
    shap: {not_in_top: 5, features: [customer_gender_male, customer_gender_female]}
  - id: no-dominant-feature
    shap: {max_share: 0.25}
  - id: importance-stable
    shap: {min_rank_correlation: 0.6}
    severity: warning
`

// FraudReportPaths are the 6 reports attached to every package of the
// example on the fakes, by ModelMetrics path: the bias analysis under
// Report, PreTrainingReport and PostTrainingReport, and the quality
// statistics as constraints too (which no rule reads). The files are the
// example's, in examples/fraud/registry/fraud-xgboost/<version>/.
var FraudReportPaths = map[string]string{
	"ModelMetrics.ModelQuality.Statistics":  "statistics.json",
	"ModelMetrics.ModelQuality.Constraints": "statistics.json",
	"ModelMetrics.Bias.Report":              "analysis_bias.json",
	"ModelMetrics.Bias.PreTrainingReport":   "analysis_bias.json",
	"ModelMetrics.Bias.PostTrainingReport":  "analysis_bias.json",
	"ModelMetrics.Explainability.Report":    "analysis_explainability.json",
}

// ProcessEnv is the environment of a modelgate process run against sm and
// s3 (the benchmarks run the real binary): this process's environment
// without its AWS_ settings, static test credentials, an empty AWS config
// file in dir, no instance metadata, and the fakes' endpoints.
func ProcessEnv(t testing.TB, dir string, sm *SageMakerFake, s3 *S3Fake) []string {
	cfg := filepath.Join(dir, "aws-config")
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"AWS_ACCESS_KEY_ID=AKIDMODELGATEBENCH", "AWS_SECRET_ACCESS_KEY=bench-secret",
		"AWS_CONFIG_FILE="+cfg, "AWS_SHARED_CREDENTIALS_FILE="+cfg, "AWS_EC2_METADATA_DISABLED=true",
		"AWS_ENDPOINT_URL_SAGEMAKER="+sm.URL, "AWS_ENDPOINT_URL_S3="+s3.URL)
}
