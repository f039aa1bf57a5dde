package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate/gatetest"
)

// The CLI opens the MLflow registry from the environment, as MLflow's
// clients do, and judges the example repository end to end; the token never
// reaches the output.
func TestCheckMLflowRegistry(t *testing.T) {
	t.Parallel()
	f := gatetest.NewMLflowSeeded(t, "../../examples/mlflow-churn/mlflow")
	env := map[string]string{"MLFLOW_TRACKING_URI": f.URL, "MLFLOW_TRACKING_TOKEN": "s3cr3t-t0ken"}
	getenv := func(k string) string { return env[k] }
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"check", "--rules", "../../examples/mlflow-churn/.github/modelgate.yml", "--registry", "mlflow"}, getenv, &out, &errb)
	all := out.String() + errb.String()
	if code != 0 || !strings.Contains(all, "churn-classifier v2") || !strings.Contains(all, "SUCCESS") {
		t.Fatalf("check on MLflow = %d\n%s", code, all)
	}
	if strings.Contains(all, "s3cr3t-t0ken") {
		t.Fatalf("the output holds the token:\n%s", all)
	}

	// Without a tracking URI in the environment or the rules file it is a
	// usage problem, not a registry failure.
	rules := filepath.Join(t.TempDir(), "modelgate.yml")
	os.WriteFile(rules, []byte("version: 1\nmodel: {group: churn-classifier}\nregistry: {kind: mlflow}\nrules:\n  - {id: auc, metric: quality.auc, min: 0.8}\n"), 0o644)
	out.Reset()
	errb.Reset()
	code = run(context.Background(), []string{"check", "--rules", rules}, noenv, &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), "MLFLOW_TRACKING_URI") {
		t.Fatalf("check on MLflow without a tracking URI = %d %q; want 2 naming MLFLOW_TRACKING_URI", code, errb.String())
	}
}
