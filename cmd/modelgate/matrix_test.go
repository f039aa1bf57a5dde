package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate"
)

func TestMatrixCommandWiring(t *testing.T) {
	t.Parallel()
	if code, out, errs := runCLI(t, "matrix", "-h"); code != 0 || !strings.HasPrefix(out, "usage: modelgate matrix [--models GLOB]... [--changed FILE|-] [--check-name NAME]") || errs != "" {
		t.Errorf("matrix -h = exit %d\n%s%s", code, out, errs)
	}
	if code, out, _ := runCLI(t, "help"); code != 0 || !strings.Contains(out, "\n  matrix     print the strategy.matrix") {
		t.Errorf("help does not list matrix:\n%s", out)
	}
	if code, _, errs := runCLI(t, "matirx"); code != gate.ExitUsage || !strings.Contains(errs, `did you mean "matrix"?`) {
		t.Errorf("matirx = exit %d %q; want 2 and did you mean matrix", code, errs)
	}
	if code, _, errs := runCLI(t, "matrix", "extra"); code != gate.ExitUsage || !strings.Contains(errs, "want no arguments") {
		t.Errorf("matrix extra = exit %d %q; want 2", code, errs)
	}
}

// modelgate matrix in a repository with two models: --changed restricts
// the matrix, repeated --models add globs, no --changed lists every model,
// a duplicate group is exit 2.
func TestMatrixCommand(t *testing.T) {
	dir := t.TempDir()
	rule := "rules:\n  - id: auc\n    metric: quality.auc\n    min: 0.8\n"
	for name, content := range map[string]string{
		".github/modelgate/churn.yml": "version: 1\nmodel: {group: churn}\n" + rule,
		"models/fraud.yaml":           "version: 1\nmodel: {group: fraud}\n" + rule,
		"changed.txt":                 "models/registry/fraud/3/package.json\nREADME.md\n", // registry.path defaults to registry, beside the rules file
	} {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	code, out, errs := runCLI(t, "matrix", "--models", ".github/modelgate/*.yml", "--models", "models/*.yaml", "--changed", "changed.txt", "--check-name", "gate")
	if want := `{"include":[{"group":"fraud","rules":"models/fraud.yaml","check_name":"gate / fraud"}]}` + "\n"; code != 0 || out != want ||
		!strings.Contains(errs, "churn (.github/modelgate/churn.yml): skipped") {
		t.Errorf("matrix --changed = exit %d\n%s%s\nwant %s", code, out, errs, want)
	}
	code, out, _ = runCLI(t, "matrix")
	if want := `{"include":[{"group":"churn","rules":".github/modelgate/churn.yml","check_name":"modelgate / churn"}]}` + "\n"; code != 0 || out != want {
		t.Errorf("matrix (default globs, no --changed) = exit %d %s; want %s", code, out, want)
	}
	os.WriteFile(filepath.Join(dir, ".github/modelgate/churn2.yml"), []byte("version: 1\nmodel: {group: churn}\n"+rule), 0o644)
	code, out, errs = runCLI(t, "matrix")
	if code != gate.ExitUsage || out != "" || !strings.Contains(errs, ".github/modelgate/churn2.yml:2:16: model group churn is also the group of .github/modelgate/churn.yml") {
		t.Errorf("matrix with a duplicate group = exit %d %q %q; want 2 naming both files", code, out, errs)
	}
}
