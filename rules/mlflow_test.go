package rules

import (
	"strings"
	"testing"
)

func TestMLflowRegistry(t *testing.T) {
	t.Parallel()
	f, err := Parse("m.yml", []byte(`version: 1
model: {group: churn, candidate: "@challenger", baseline: "@champion"}
registry: {kind: mlflow, uri: "https://mlflow.example.com/prefix", model: "Churn Model.v2"}
rules:
  - {id: m, metric: quality.auc, min: 0.8}
`))
	if err != nil {
		t.Fatal(err)
	}
	if f.Registry.Kind != "mlflow" || f.Registry.URI != "https://mlflow.example.com/prefix" || f.Registry.Model != "Churn Model.v2" {
		t.Errorf("registry = %+v", f.Registry)
	}
	if f.Model.Candidate != "@challenger" || f.Model.Baseline != "@champion" {
		t.Errorf("model = %+v", f.Model)
	}
	if _, err := Parse("m.yml", []byte("version: 1\nmodel: {group: churn}\nregistry: {kind: mlflow, uri: \"arn:aws:sagemaker:eu-west-1:123456789012:mlflow-tracking-server/team\"}\nrules:\n  - {id: m, metric: quality.auc, min: 0.8}\n")); err != nil {
		t.Errorf("a SageMaker MLflow ARN: %v", err)
	}
	// A tag selector with no registry block: the command line may name mlflow.
	if _, err := Parse("m.yml", []byte("version: 1\nmodel: {group: churn, candidate: \"tag:modelgate.status=pending\"}\nrules:\n  - {id: m, metric: quality.auc, min: 0.8}\n")); err != nil {
		t.Errorf("tag selector without registry: %v", err)
	}
}

func TestMLflowRegistryErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, yml, want string }{
		{"alias on sagemaker", "model: {group: churn, candidate: \"@challenger\"}\nregistry: {kind: sagemaker}\n",
			"m.yml:2:34: `candidate: @challenger` (an MLflow alias or tag) applies only to `registry: {kind: mlflow}`, not `kind: sagemaker`"},
		{"tag baseline on local", "model: {group: churn, baseline: \"tag:a=b\"}\nregistry: {kind: local, path: r}\n",
			"m.yml:2:33: `baseline: tag:a=b` (an MLflow alias or tag) applies only to `registry: {kind: mlflow}`, not `kind: local`"},
		{"uri on sagemaker", "model: {group: churn}\nregistry: {kind: sagemaker, uri: \"https://x\"}\n",
			"m.yml:3:29: `uri` applies only to `kind: mlflow`"},
		{"credentials in uri", "model: {group: churn}\nregistry: {kind: mlflow, uri: \"https://bob:s3cret@x\"}\n",
			"m.yml:3:31: `uri` must not carry credentials"},
		{"file uri", "model: {group: churn}\nregistry: {kind: mlflow, uri: \"file:///tmp/mlruns\"}\n",
			"m.yml:3:31: `uri` must be an http:// or https:// tracking server"},
		{"other arn", "model: {group: churn}\nregistry: {kind: mlflow, uri: \"arn:aws:s3:::bucket\"}\n",
			"m.yml:3:31: `uri` is not a SageMaker MLflow ARN"},
		{"model with slash", "model: {group: churn}\nregistry: {kind: mlflow, model: \"a/b\"}\n",
			"m.yml:3:33: `model` `a/b` is not an MLflow registered model name"},
		{"path on mlflow", "model: {group: churn}\nregistry: {kind: mlflow, path: r}\n",
			"m.yml:3:26: `path` applies only to `kind: local`"},
		{"bad alias", "model: {group: churn, candidate: \"@no spaces\"}\n",
			"m.yml:2:34: `candidate` must be `latest-pending`"},
		{"tag with newline", "model: {group: churn, candidate: \"tag:a=b\\n::error::x\"}\n",
			"m.yml:2:34: `candidate` must be `latest-pending`"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("m.yml", []byte("version: 1\n"+tc.yml+"rules:\n  - {id: m, metric: quality.auc, min: 0.8}\n"))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse error = %v\nwant it to contain %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error repeats the password: %v", err)
			}
		})
	}
}
