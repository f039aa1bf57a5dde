package mlflow_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/gatetest"
	"github.com/modelgate/modelgate/gate/mlflow"
	"github.com/modelgate/modelgate/gate/report"
	"github.com/modelgate/modelgate/rules"
)

const exampleDir = "../../examples/mlflow-churn"

// loadExample stores examples/mlflow-churn/mlflow in a fake server.
func loadExample(t *testing.T) *gatetest.MLflowFake {
	t.Helper()
	return gatetest.NewMLflowSeeded(t, filepath.Join(exampleDir, "mlflow"))
}

func TestExampleRepo(t *testing.T) {
	t.Parallel()
	f := loadExample(t)
	rf, err := rules.ReadFile(filepath.Join(exampleDir, ".github", "modelgate.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if rf.Registry.Kind != "mlflow" {
		t.Fatalf("registry %+v", rf.Registry)
	}
	cfg := mlflow.Config{URI: f.URL, Model: rf.Registry.Model}
	c, err := mlflow.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gate.Run(context.Background(), c, rf, gate.RunOptions{Read: report.Read, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if res.Conclusion != gate.Success || res.Candidate.Version != 2 || res.Baseline == nil || res.Baseline.Version != 1 {
		t.Fatalf("%s: candidate %v, baseline %v", res.Title(), res.Candidate, res.Baseline)
	}
	if k := res.Counts; k.Rules != len(rf.Rules) || k.Pass < k.Rules || k.Fail+k.Missing+k.Error+k.FailedRules != 0 {
		t.Errorf("counts %+v", res.Counts)
	}
	// Version 3 is PENDING_REGISTRATION: never judged.
	if _, err := gate.Run(context.Background(), c, rf, gate.RunOptions{Candidate: "3", Read: report.Read, Now: now}); err == nil {
		t.Errorf("version 3 (PENDING_REGISTRATION) was judged")
	}
}
