package mlflow_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
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
	var seed struct {
		Model string
		Runs  []struct {
			ID      string
			Metrics map[string]float64
		}
		Versions []struct {
			Version int
			Run     string
			Status  string
			Tags    map[string]string
		}
		Aliases map[string]int
	}
	data, err := os.ReadFile(filepath.Join(exampleDir, "mlflow", "seed.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &seed); err != nil {
		t.Fatal(err)
	}
	f := gatetest.NewMLflow(t)
	for _, r := range seed.Runs {
		run := gatetest.MLflowRun{ID: r.ID, Artifacts: map[string][]byte{}}
		for k, v := range r.Metrics {
			run.Metrics = append(run.Metrics, gatetest.MLflowMetric{Key: k, Value: v, Step: 1, Timestamp: 1})
		}
		root := filepath.Join(exampleDir, "mlflow", r.ID, "artifacts")
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(root, p)
			run.Artifacts[filepath.ToSlash(rel)] = b
			return nil
		})
		f.AddRun(run)
	}
	for _, v := range seed.Versions {
		f.AddVersion(gatetest.MLflowVersion{Name: seed.Model, Version: v.Version, RunID: v.Run, Status: v.Status, Tags: v.Tags})
	}
	for a, v := range seed.Aliases {
		f.SetAlias(seed.Model, a, v)
	}
	return f
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
