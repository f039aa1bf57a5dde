package action

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// writeTree writes files (slash paths relative to dir).
func writeTree(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const matrixRule = "rules:\n  - id: auc\n    metric: quality.auc\n    min: 0.8\n"

// modelsRepo is a repository with four models: churn and fraud extend
// policies/base.yml (which extends policies/root.yml) and read the local
// registry at registry/; fraud also has a proposed endpoint configuration;
// assistant computes a memorization report from corpus/; credit is in
// SageMaker.
func modelsRepo(t *testing.T) string {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		".github/modelgate/churn.yml": "version: 1\nmodel: {group: churn}\nregistry: {kind: local, path: ../../registry}\nextends:\n  - path: policies/base.yml\n",
		".github/modelgate/fraud.yml": "version: 1\nmodel: {group: fraud}\nregistry: {kind: local, path: ../../registry}\nextends:\n  - path: policies/base.yml\n" +
			"endpoint:\n  config: ../../deploy/fraud-endpoint.yml\n  rules:\n    - id: kms\n      kms: true\n",
		".github/modelgate/assistant.yaml": "version: 1\nmodel: {group: assistant}\nregistry: {kind: local, path: ../../registry}\n" +
			"reports:\n  - name: memo\n    memorization:\n      outputs: package:eval/outputs.jsonl\n      corpus: [../../corpus]\n" + matrixRule,
		".github/modelgate/credit.yml":  "version: 1\nmodel: {group: credit}\nregistry: {kind: sagemaker, region: eu-west-1}\n" + matrixRule,
		"policies/base.yml":             "version: 1\npolicy: {name: base}\nextends:\n  - path: policies/root.yml\n" + matrixRule,
		"policies/root.yml":             "version: 1\npolicy: {name: root}\nrules:\n  - id: f1\n    metric: quality.f1\n    min: 0.5\n",
		"registry/churn/1/package.json": "{}", "registry/fraud/1/package.json": "{}", "registry/credit/1/package.json": "{}",
		"registry/assistant/1/package.json": "{}", "corpus/a.txt": "text", "deploy/fraud-endpoint.yml": "{}",
	})
	return dir
}

func groups(p *MatrixPlan) []string {
	var out []string
	for _, e := range p.Matrix.Include {
		out = append(out, e.Group)
	}
	return out
}

// The boundaries of "touched": each changed-file list and the models it
// must put in the matrix, in group order.
func TestPlanMatrixTouched(t *testing.T) {
	t.Parallel()
	dir := modelsRepo(t)
	all := []string{"assistant", "churn", "credit", "fraud"}
	tests := []struct {
		name string
		ch   Changes
		want []string
	}{
		{"nothing relevant changed", Changes{Known: true, Paths: []string{"README.md", "src/train.py"}}, nil},
		{"an empty change", Changes{Known: true}, nil},
		{"one rules file", Changes{Known: true, Paths: []string{".github/modelgate/churn.yml"}}, []string{"churn"}},
		{"the .yaml rules file", Changes{Known: true, Paths: []string{".github/modelgate/assistant.yaml"}}, []string{"assistant"}},
		{"the base policy: every model extending it", Changes{Known: true, Paths: []string{"policies/base.yml"}}, []string{"churn", "fraud"}},
		{"the base's base", Changes{Known: true, Paths: []string{"policies/root.yml"}}, []string{"churn", "fraud"}},
		{"one group's registry folder", Changes{Known: true, Paths: []string{"registry/fraud/2/package.json"}}, []string{"fraud"}},
		{"a folder that only starts like a group's", Changes{Known: true, Paths: []string{"registry/fraud-v2/1/package.json", "registry/churnx"}}, nil},
		{"a SageMaker model's name in a local folder", Changes{Known: true, Paths: []string{"registry/credit/1/package.json"}}, nil},
		{"a rename out of a group's folder (old name listed)", Changes{Known: true, Paths: []string{"archive/churn/1/package.json", "registry/churn/1/package.json"}}, []string{"churn"}},
		{"a rename of a rules file (new name listed)", Changes{Known: true, Paths: []string{".github/modelgate/fraud.yml", ".github/modelgate/fraud-old.yml"}}, []string{"fraud"}},
		{"the proposed endpoint configuration", Changes{Known: true, Paths: []string{"deploy/fraud-endpoint.yml"}}, []string{"fraud"}},
		{"a file in the memorization corpus folder", Changes{Known: true, Paths: []string{"corpus/b.txt"}}, []string{"assistant"}},
		{"several", Changes{Known: true, Paths: []string{"corpus/a.txt", ".github/modelgate/credit.yml", "registry/churn/1/eval.json"}}, []string{"assistant", "churn", "credit"}},
		{"unknown (workflow_dispatch)", Changes{Why: "a workflow_dispatch event names no change"}, all},
		{"a list cut at GitHub's cap", Changes{Why: "pull request #2 lists 3000 files, GitHub's cap"}, all},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p, err := PlanMatrix(MatrixOptions{Root: dir}, c.ch)
			if err != nil {
				t.Fatal(err)
			}
			if got := groups(p); !slices.Equal(got, c.want) {
				t.Errorf("PlanMatrix(%v) = %v; want %v", c.ch.Paths, got, c.want)
				for _, m := range p.Models {
					t.Logf("%s: %v %s", m.Group, m.Touched, m.Why)
				}
			}
			if len(p.Models) != 4 || !slices.Equal(p.Bases, nil) {
				t.Errorf("models %v, bases %v; want 4 models, no bases", p.Models, p.Bases)
			}
		})
	}
}

func TestPlanMatrixJSON(t *testing.T) {
	t.Parallel()
	dir := modelsRepo(t)
	p, err := PlanMatrix(MatrixOptions{Root: dir, CheckName: "gate"}, Changes{Known: true, Paths: []string{"policies/base.yml", "corpus/a.txt"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"include":[{"group":"assistant","rules":".github/modelgate/assistant.yaml","check_name":"gate / assistant"},` +
		`{"group":"churn","rules":".github/modelgate/churn.yml","check_name":"gate / churn"},` +
		`{"group":"fraud","rules":".github/modelgate/fraud.yml","check_name":"gate / fraud"}]}`
	if got := p.Matrix.JSON(); got != want {
		t.Errorf("matrix = %s\nwant %s", got, want)
	}
	p, _ = PlanMatrix(MatrixOptions{Root: dir}, Changes{Known: true})
	if got := p.Matrix.JSON(); got != `{"include":[]}` {
		t.Errorf("empty matrix = %s; want {\"include\":[]}", got)
	}
}

// The registry input, when a folder, is where every model's group folder
// is; when sagemaker, no folder touches a model.
func TestPlanMatrixRegistryInput(t *testing.T) {
	t.Parallel()
	dir := modelsRepo(t)
	ch := Changes{Known: true, Paths: []string{"models/credit/3/package.json", "registry/churn/1/package.json"}}
	p, err := PlanMatrix(MatrixOptions{Root: dir, Registry: "models"}, ch)
	if err != nil || !slices.Equal(groups(p), []string{"credit"}) {
		t.Errorf("registry input models: %v, %v; want [credit]", groups(p), err)
	}
	p, err = PlanMatrix(MatrixOptions{Root: dir, Registry: "sagemaker"}, ch)
	if err != nil || groups(p) != nil {
		t.Errorf("registry input sagemaker: %v, %v; want none", groups(p), err)
	}
}

// A base policy the globs match is no model; changing it touches the
// models that extend it.
func TestPlanMatrixBaseAmongModels(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		".github/modelgate/base.yml": "version: 1\npolicy: {name: base}\n" + matrixRule,
		".github/modelgate/a.yml":    "version: 1\nmodel: {group: a}\nextends:\n  - path: .github/modelgate/base.yml\n",
		".github/modelgate/b.yml":    "version: 1\nmodel: {group: b}\n" + matrixRule,
	})
	p, err := PlanMatrix(MatrixOptions{Root: dir}, Changes{Known: true, Paths: []string{".github/modelgate/base.yml"}})
	if err != nil || !slices.Equal(groups(p), []string{"a"}) || !slices.Equal(p.Bases, []string{".github/modelgate/base.yml"}) || len(p.Models) != 2 {
		t.Errorf("plan = %v, bases %v, %d models, %v; want [a], the base, 2 models", groups(p), p.Bases, len(p.Models), err)
	}
}

// A base that cannot be read: the model is always checked (its check says
// why), never silently left out.
func TestPlanMatrixUnreadableBaseIsTouched(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		".github/modelgate/a.yml": "version: 1\nmodel: {group: a}\nextends:\n  - path: policies/missing.yml\n",
	})
	p, err := PlanMatrix(MatrixOptions{Root: dir}, Changes{Known: true, Paths: []string{"README.md"}})
	if err != nil || !slices.Equal(groups(p), []string{"a"}) || !strings.Contains(p.Models[0].Why, "cannot be read") {
		t.Errorf("plan = %v, %v, %v; want [a]: its base cannot be read", groups(p), p.Models, err)
	}
}

func TestPlanMatrixInputErrors(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	writeTree(t, outside, map[string]string{"evil.yml": "version: 1\nmodel: {group: evil}\n" + matrixRule})
	tests := []struct {
		name  string
		files map[string]string
		globs []string
		check string
		link  bool
		want  []string
	}{
		{name: "duplicate group", files: map[string]string{
			".github/modelgate/a.yml": "version: 1\nmodel: {group: churn}\n" + matrixRule,
			".github/modelgate/b.yml": "version: 1\nmodel:\n  group: churn\n" + matrixRule,
		}, want: []string{".github/modelgate/b.yml:3:10: model group churn is also the group of .github/modelgate/a.yml"}},
		{name: "a rules file that does not parse", files: map[string]string{
			".github/modelgate/a.yml": "version: 1\nmodel: {group: a}\nrules:\n  - id: x\n    metric: quality.auc\n    mn: 1\n",
		}, want: []string{".github/modelgate/a.yml:6:5: unknown key `mn`"}},
		{name: "no match", want: []string{"no rules file matches"}},
		{name: "a glob with ..", globs: []string{"../*.yml"}, want: []string{`models "../*.yml": want a clean slash-separated glob`}},
		{name: "an absolute glob", globs: []string{outside + "/*.yml"}, want: []string{"want a clean slash-separated glob"}},
		{name: "a glob that is not clean", globs: []string{"./.github/*.yml"}, want: []string{"want a clean"}},
		{name: "a bad pattern", globs: []string{"[.yml"}, want: []string{"syntax error in pattern"}},
		{name: "a symbolic link out of the repository", link: true, want: []string{"rules file .github/modelgate/evil.yml: .github/modelgate/evil.yml: refused"}},
		{name: "only base policies", files: map[string]string{".github/modelgate/base.yml": "version: 1\npolicy: {name: b}\n" + matrixRule},
			want: []string{"the matching files are base policies only"}},
		{name: "a check name too long", check: strings.Repeat("c", 95), files: map[string]string{".github/modelgate/a.yml": "version: 1\nmodel: {group: churn}\n" + matrixRule},
			want: []string{"longer than 100 characters"}},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeTree(t, dir, c.files)
			if c.link {
				os.MkdirAll(filepath.Join(dir, ".github/modelgate"), 0o755)
				if err := os.Symlink(filepath.Join(outside, "evil.yml"), filepath.Join(dir, ".github/modelgate/evil.yml")); err != nil {
					t.Skip(err)
				}
			}
			p, err := PlanMatrix(MatrixOptions{Root: dir, Globs: c.globs, CheckName: c.check}, Changes{})
			if gate.ExitCodeOf(err) != gate.ExitUsage {
				t.Fatalf("PlanMatrix = %v, %v; want exit 2", p, err)
			}
			msg := err.Error()
			var ds rules.Diagnostics
			if errors.As(err, &ds) {
				msg = ds.Error()
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q; want it to say %q", msg, w)
				}
			}
		})
	}
}

// More models to check than one matrix may run is refused; the same models,
// fewer of them touched, are not.
func TestPlanMatrixMaxJobs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{}
	for i := range MaxMatrixJobs + 1 {
		files[fmt.Sprintf(".github/modelgate/m%03d.yml", i)] = fmt.Sprintf("version: 1\nmodel: {group: m%03d}\n", i) + matrixRule
	}
	writeTree(t, dir, files)
	_, err := PlanMatrix(MatrixOptions{Root: dir}, Changes{Why: "dispatch"})
	if gate.ExitCodeOf(err) != gate.ExitUsage || !strings.Contains(fmt.Sprint(err), "257 models to check; GitHub Actions runs at most 256 jobs") {
		t.Errorf("257 models, all touched: %v; want exit 2", err)
	}
	p, err := PlanMatrix(MatrixOptions{Root: dir}, Changes{Known: true, Paths: []string{".github/modelgate/m007.yml"}})
	if err != nil || !slices.Equal(groups(p), []string{"m007"}) {
		t.Errorf("257 models, one touched: %v, %v; want [m007]", groups(p), err)
	}
}

func TestParseChangedList(t *testing.T) {
	t.Parallel()
	got := ParseChangedList([]byte("a.yml\n\n  ./b/c.json \r\n\"d\\303\\244.yml\"\nx//y\n"))
	want := []string{"a.yml", "b/c.json", "dä.yml", "x/y"}
	if !slices.Equal(got, want) {
		t.Errorf("ParseChangedList = %q; want %q", got, want)
	}
}

// The CLI: --changed FILE and - (stdin); the JSON on stdout, one line per
// model on stderr.
func TestRunMatrixCLI(t *testing.T) {
	t.Parallel()
	dir := modelsRepo(t)
	list := filepath.Join(t.TempDir(), "changed")
	os.WriteFile(list, []byte("registry/churn/1/package.json\n"), 0o644)
	for _, changed := range []string{list, "-"} {
		var out, errb bytes.Buffer
		code := RunMatrix(MatrixCLI{MatrixOptions: MatrixOptions{Root: dir}, Changed: changed,
			Stdin: strings.NewReader("registry/churn/1/package.json\n"), Stdout: &out, Stderr: &errb})
		want := `{"include":[{"group":"churn","rules":".github/modelgate/churn.yml","check_name":"modelgate / churn"}]}` + "\n"
		if code != 0 || out.String() != want || !strings.Contains(errb.String(), "modelgate matrix: churn (.github/modelgate/churn.yml): checked: registry/churn/1/package.json changed: its registry folder") ||
			!strings.Contains(errb.String(), "modelgate matrix: credit (.github/modelgate/credit.yml): skipped: no file it reads changed") {
			t.Errorf("--changed %s: exit %d\n%s%s\nwant exit 0 and %s", changed, code, out.String(), errb.String(), want)
		}
	}
	var out, errb bytes.Buffer
	if code := RunMatrix(MatrixCLI{MatrixOptions: MatrixOptions{Root: dir}, Changed: filepath.Join(dir, "nope"), Stdout: &out, Stderr: &errb}); code != 2 || out.Len() != 0 {
		t.Errorf("--changed of a missing file: exit %d, %q; want 2 and nothing on stdout", code, out.String())
	}
	out.Reset()
	if code := RunMatrix(MatrixCLI{MatrixOptions: MatrixOptions{Root: dir}, Stdout: &out, Stderr: &errb}); code != 0 || strings.Count(out.String(), `"group"`) != 4 {
		t.Errorf("no --changed: exit %d, %s; want every model", code, out.String())
	}
}

func TestModelGlobsInput(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]string{
		"":                         nil,
		"a/*.yml":                  {"a/*.yml"},
		"a/*.yml, b/*.yaml":        {"a/*.yml", "b/*.yaml"},
		"a/*.yml\r\n  b/*.yml\n\n": {"a/*.yml", "b/*.yml"},
		" , \n":                    nil,
	} {
		if got := modelGlobs(in); !slices.Equal(got, want) {
			t.Errorf("modelGlobs(%q) = %q; want %q", in, got, want)
		}
	}
}

// mode: matrix with the models, check_name and registry inputs, and the
// inputs it refuses.
func TestMatrixModeInputs(t *testing.T) {
	t.Parallel()
	dir := modelsRepo(t)
	e := newActionEnv(t, nil, "workflow_dispatch", "workflow_dispatch", nil)
	e.vars["GITHUB_WORKSPACE"] = dir
	e.vars["INPUT_MODE"] = "matrix"
	e.vars["INPUT_MODELS"] = ".github/modelgate/churn.yml,\n.github/modelgate/credit.yml"
	e.vars["INPUT_CHECK_NAME"] = "gate"
	if code := e.run(t, nil); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, e.stdout.String(), e.stderr.String())
	}
	want := `{"include":[{"group":"churn","rules":".github/modelgate/churn.yml","check_name":"gate / churn"},{"group":"credit","rules":".github/modelgate/credit.yml","check_name":"gate / credit"}]}`
	if out := e.outputs(t); out["matrix"] != want || out["count"] != "2" {
		t.Errorf("outputs %v; want matrix %s, count 2", out, want)
	}

	e = newActionEnv(t, nil, "workflow_dispatch", "workflow_dispatch", nil)
	e.vars["GITHUB_WORKSPACE"] = dir
	e.vars["INPUT_MODE"] = "matrix"
	e.vars["INPUT_ENDPOINT"] = "fraud-prod"
	if code := e.run(t, nil); code != gate.ExitUsage || !strings.Contains(e.stderr.String(), "mode: matrix plans the model checks") {
		t.Errorf("matrix with an endpoint: exit %d %s; want 2", code, e.stderr.String())
	}

	e = newActionEnv(t, nil, "workflow_dispatch", "workflow_dispatch", nil)
	e.vars["GITHUB_WORKSPACE"] = dir
	e.vars["INPUT_MODE"] = "matrix"
	e.vars["INPUT_MODELS"] = "../outside/*.yml"
	if code := e.run(t, nil); code != gate.ExitUsage || !strings.Contains(e.stderr.String(), "want a clean slash-separated glob") || e.outputs(t)["matrix"] != "" {
		t.Errorf("matrix with a glob out of the workspace: exit %d %s; want 2 and no matrix", code, e.stderr.String())
	}
}

// A problem of a rules file is annotated at that file, whichever it is.
func TestMatrixModeAnnotatesEachFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		".github/modelgate/a.yml": "version: 1\nmodel: {group: churn}\n" + matrixRule,
		".github/modelgate/b.yml": "version: 1\nmodel:\n  group: churn\n" + matrixRule,
		".github/modelgate/c.yml": "version: 1\nmodel: {group: c}\nrules:\n  - id: x\n    metric: quality.auc\n    mn: 1\n",
	})
	e := newActionEnv(t, nil, "workflow_dispatch", "workflow_dispatch", nil)
	e.vars["GITHUB_WORKSPACE"] = dir
	e.vars["INPUT_MODE"] = "matrix"
	code := e.run(t, nil)
	out := e.stdout.String()
	for _, want := range []string{"file=.github/modelgate/b.yml,line=3", "file=.github/modelgate/c.yml,line=6"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks an annotation %q:\n%s", want, out)
		}
	}
	if code != gate.ExitUsage || e.outputs(t)["count"] != "" {
		t.Errorf("exit %d, outputs %v; want 2 and no outputs", code, e.outputs(t))
	}
}
