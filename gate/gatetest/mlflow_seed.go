package gatetest

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/internal/strictjson"
)

// NewMLflowSeeded starts a fake MLflow server holding the model repository
// described in dir: seed.json (model, runs with metrics, versions with
// status and tags, aliases) and <run>/artifacts/** as each run's artifacts.
// The examples' MLflow folders are in this form.
func NewMLflowSeeded(t testing.TB, dir string) *MLflowFake {
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
	data, err := os.ReadFile(filepath.Join(dir, "seed.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := strictjson.Unmarshal(data, &seed); err != nil {
		t.Fatal(err)
	}
	f := NewMLflow(t)
	for _, r := range seed.Runs {
		run := MLflowRun{ID: r.ID, Artifacts: map[string][]byte{}}
		for k, v := range r.Metrics {
			run.Metrics = append(run.Metrics, MLflowMetric{Key: k, Value: v, Step: 1, Timestamp: 1})
		}
		root := filepath.Join(dir, r.ID, "artifacts")
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
		f.AddVersion(MLflowVersion{Name: seed.Model, Version: v.Version, RunID: v.Run, Status: v.Status, Tags: v.Tags})
	}
	for a, v := range seed.Aliases {
		f.SetAlias(seed.Model, a, v)
	}
	return f
}
