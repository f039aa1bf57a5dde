package action

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/gatetest"
)

// threeModels is a repository with three models in one local registry:
// churn-xgb and fraud-xgb have a passing candidate (v12: warnings only, a
// neutral check), credit-xgb a failing one (v13); each has its own rules file under .github/modelgate/
// (the fraud example's rules). The fake GitHub holds the base branch's
// rules files and pull request #2 (head prHead) merged as `pushed`.
type threeModels struct {
	t    *testing.T
	dir  string
	reg  string
	fake *gatetest.GitHub
}

var threeGroups = []string{"churn-xgb", "credit-xgb", "fraud-xgb"}

func newThreeModels(t *testing.T) *threeModels {
	t.Helper()
	w := &threeModels{t: t, dir: t.TempDir(), fake: gatetest.NewGitHub(t)}
	w.reg = filepath.Join(w.dir, "registry")
	rules, err := os.ReadFile("../../examples/fraud/.github/modelgate.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range threeGroups {
		versions := []string{"11", "12"}
		if g == "credit-xgb" {
			versions = append(versions, "13")
		}
		for _, v := range versions {
			src := filepath.Join("../../examples/fraud/registry/fraud-xgboost", v)
			ents, err := os.ReadDir(src)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range ents {
				b, _ := os.ReadFile(filepath.Join(src, e.Name()))
				if e.Name() == "package.json" {
					b = []byte(strings.ReplaceAll(string(b), "fraud-xgboost", g))
				}
				writeTree(t, w.reg, map[string]string{g + "/" + v + "/" + e.Name(): string(b)})
			}
		}
		name := ".github/modelgate/" + strings.TrimSuffix(g, "-xgb") + ".yml"
		r := strings.Replace(string(rules), "group: fraud-xgboost", "group: "+g, 1)
		r = strings.Replace(r, "path: ../registry", "path: ../../registry", 1)
		writeTree(t, w.dir, map[string]string{name: r})
		w.fake.AddFile(baseSHA, name, []byte(r))
	}
	w.fake.AddPullRequest(gatetest.PullRequest{Number: 2, HeadSHA: prHead, HeadRef: "retrain", BaseRef: "master", MergeSHA: pushed, Merged: true})
	return w
}

func (w *threeModels) env(event, payload string, inputs map[string]string, edit func(map[string]any)) *actionEnv {
	e := newActionEnv(w.t, w.fake, event, payload, edit)
	e.vars["GITHUB_WORKSPACE"] = w.dir
	delete(e.vars, "INPUT_RULES")
	for k, v := range inputs {
		e.vars[k] = v
	}
	return e
}

// plan runs mode: matrix and returns its matrix output.
func (w *threeModels) plan(event, payload string, edit func(map[string]any)) (Matrix, map[string]string, int) {
	w.t.Helper()
	e := w.env(event, payload, map[string]string{"INPUT_MODE": "matrix"}, edit)
	code := e.run(w.t, nil)
	out := e.outputs(w.t)
	var m Matrix
	if code == 0 {
		if err := json.Unmarshal([]byte(out["matrix"]), &m); err != nil {
			w.t.Fatalf("matrix output %q: %v\n%s%s", out["matrix"], err, e.stdout.String(), e.stderr.String())
		}
	}
	return m, out, code
}

func (w *threeModels) state(group, v string) string {
	s, _ := gatetest.ReadLocalPackage(w.t, w.reg, group, v)
	return s.ModelApprovalStatus
}

var prFiles = []gatetest.ChangedFile{
	{Name: "registry/churn-xgb/12/statistics.json", Status: "added"},
	{Name: ".github/modelgate/fraud.yml"},
	{Name: "registry/credit-xgb/13/package.json", Previous: "staging/credit-xgb/13/package.json", Status: "renamed"},
	{Name: "README.md"},
}

// TestMatrixThreeModelsEndToEnd: the plan of a pull request lists the three
// models it touches; each matrix job posts its own check run (one fails);
// on the merge push the plan lists them again and approve mode, one job
// per model, approves exactly the two whose own check passed and leaves
// the failing one pending, even with on_fail: reject (a model whose pull
// request check failed is never written). on_fail applies per model: when
// churn's rules are tightened on main after its check passed, its re-check
// fails and reject rejects churn alone.
func TestMatrixThreeModelsEndToEnd(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, onFail string
		tighten      bool
		churn        string // churn-xgb v12 afterwards
		churnCode    int
		churnCheck   string
	}{
		{name: "on_fail leave", onFail: "leave", churn: gate.StatusApproved, churnCheck: "neutral"},
		{name: "on_fail reject", onFail: "reject", churn: gate.StatusApproved, churnCheck: "neutral"},
		{name: "on_fail reject, churn tightened on main", onFail: "reject", tighten: true, churn: gate.StatusRejected, churnCode: 1, churnCheck: "failure"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			onFail := c.onFail
			w := newThreeModels(t)
			w.fake.PageSize = 3 // the files come on two pages
			w.fake.SetPullFiles(2, prFiles)
			w.fake.SetCompare(baseSHA, pushed, prFiles)

			m, out, code := w.plan("pull_request", "pull_request.synchronize", nil)
			want := []MatrixEntry{
				{Group: "churn-xgb", Rules: ".github/modelgate/churn.yml", CheckName: "modelgate / churn-xgb"},
				{Group: "credit-xgb", Rules: ".github/modelgate/credit.yml", CheckName: "modelgate / credit-xgb"},
				{Group: "fraud-xgb", Rules: ".github/modelgate/fraud.yml", CheckName: "modelgate / fraud-xgb"},
			}
			if code != 0 || !slices.Equal(m.Include, want) || out["count"] != "3" {
				t.Fatalf("PR plan: exit %d, %+v, count %q; want %+v", code, m.Include, out["count"], want)
			}
			if n := len(w.fake.CheckRuns()); n != 0 {
				t.Fatalf("mode: matrix posted %d check runs; want none", n)
			}

			// One job per model: check mode with its rules and check name.
			codes := map[string]int{}
			for _, job := range m.Include {
				e := w.env("pull_request", "pull_request.synchronize", map[string]string{"INPUT_RULES": job.Rules, "INPUT_CHECK_NAME": job.CheckName}, nil)
				codes[job.Group] = e.run(t, runGate)
			}
			if want := map[string]int{"churn-xgb": 0, "credit-xgb": 1, "fraud-xgb": 0}; !mapsEqual(codes, want) {
				t.Errorf("check exit codes %v; want %v", codes, want)
			}
			got := map[string]string{}
			for _, r := range w.fake.CheckRuns() {
				if r.HeadSHA != prHead {
					t.Errorf("check run %q on %s; want the PR head", r.Name, r.HeadSHA)
				}
				got[r.Name] = r.Conclusion
			}
			if want := map[string]string{"modelgate / churn-xgb": "neutral", "modelgate / credit-xgb": "failure", "modelgate / fraud-xgb": "neutral"}; !mapsEqual(got, want) {
				t.Errorf("check runs %v; want %v", got, want)
			}

			// The merge push: the plan from the comparison, then approve
			// mode per model.
			if c.tighten {
				p := filepath.Join(w.dir, ".github/modelgate/churn.yml")
				b, _ := os.ReadFile(p)
				os.WriteFile(p, []byte(strings.Replace(string(b), "    min: 0.8\n", "    min: 0.9\n", 1)), 0o644)
			}
			push := func(m map[string]any) { m["before"] = baseSHA }
			m, _, code = w.plan("push", "push.default-branch", push)
			if code != 0 || !slices.Equal(m.Include, want) {
				t.Fatalf("push plan: exit %d, %+v; want %+v", code, m.Include, want)
			}
			for _, job := range m.Include {
				e := w.env("push", "push.default-branch", map[string]string{"INPUT_RULES": job.Rules, "INPUT_CHECK_NAME": job.CheckName, "INPUT_ON_FAIL": onFail}, push)
				codes[job.Group] = e.run(t, runGate)
			}
			if want := map[string]int{"churn-xgb": c.churnCode, "credit-xgb": 1, "fraud-xgb": 0}; !mapsEqual(codes, want) {
				t.Errorf("approve exit codes %v; want %v", codes, want)
			}
			for _, st := range []struct{ group, v, want string }{
				{"churn-xgb", "11", gate.StatusApproved}, {"churn-xgb", "12", c.churn},
				{"fraud-xgb", "11", gate.StatusApproved}, {"fraud-xgb", "12", gate.StatusApproved},
				{"credit-xgb", "11", gate.StatusApproved}, {"credit-xgb", "12", gate.StatusPending}, {"credit-xgb", "13", gate.StatusPending},
			} {
				if got := w.state(st.group, st.v); got != st.want {
					t.Errorf("%s v%s is %s; want %s", st.group, st.v, got, st.want)
				}
			}
			for _, g := range []string{"churn-xgb", "fraud-xgb"} {
				s, _ := gatetest.ReadLocalPackage(t, w.reg, g, "12")
				if s.CustomerMetadataProperties["modelgate:pr"] != "2" || !strings.Contains(s.ApprovalDescription, "PR #2") {
					t.Errorf("%s v12 audit = %+v; want PR #2", g, s)
				}
			}
			if s, _ := gatetest.ReadLocalPackage(t, w.reg, "credit-xgb", "13"); s.CustomerMetadataProperties["modelgate:commit"] != "" {
				t.Errorf("credit-xgb v13 (its check failed) was written: %+v", s)
			}
			decisions := map[string]string{}
			for _, r := range w.fake.CheckRuns() {
				if strings.HasSuffix(r.Name, " / approval") {
					decisions[r.Name] = r.Conclusion
				}
			}
			if want := map[string]string{"modelgate / churn-xgb / approval": c.churnCheck, "modelgate / credit-xgb / approval": "failure", "modelgate / fraud-xgb / approval": "neutral"}; !mapsEqual(decisions, want) {
				t.Errorf("decision check runs %v; want %v", decisions, want)
			}
		})
	}
}

// The plan of other events: every model when the changes are unknown (a
// dispatch, a push with no commit before it, a list at GitHub's cap); none
// for a pull request closed without merging; exit 3 when GitHub fails.
func TestMatrixModeEvents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, event, payload string
		edit                 func(map[string]any)
		setup                func(w *threeModels)
		wantCode             int
		wantCount            string
		wantSays             string
	}{
		{name: "workflow_dispatch", event: "workflow_dispatch", payload: "workflow_dispatch", wantCount: "3", wantSays: "the changed files are unknown (a workflow_dispatch event names no change)"},
		{name: "push of a new branch (before is zeros)", event: "push", payload: "push.default-branch", wantCount: "3", wantSays: "names no commit before it"},
		{name: "push, GitHub cannot compare", event: "push", payload: "push.default-branch", edit: func(m map[string]any) { m["before"] = baseSHA },
			wantCount: "3", wantSays: "(404)"},
		{name: "pull request at GitHub's cap", event: "pull_request", payload: "pull_request.synchronize",
			setup: func(w *threeModels) {
				files := make([]gatetest.ChangedFile, gatetest.MaxPullFiles+10)
				for i := range files {
					files[i] = gatetest.ChangedFile{Name: "data/" + strings.Repeat("x", i%7) + string(rune('a'+i%26))}
				}
				w.fake.SetPullFiles(2, files)
			}, wantCount: "3", wantSays: "lists 3000 files, GitHub's cap"},
		{name: "pull request touching one model", event: "pull_request", payload: "pull_request.synchronize",
			setup: func(w *threeModels) {
				w.fake.SetPullFiles(2, []gatetest.ChangedFile{{Name: "registry/fraud-xgb/12/statistics.json"}})
			}, wantCount: "1", wantSays: `"group":"fraud-xgb"`},
		{name: "pull request touching none", event: "pull_request", payload: "pull_request.synchronize",
			setup: func(w *threeModels) { w.fake.SetPullFiles(2, []gatetest.ChangedFile{{Name: "README.md"}}) }, wantCount: "0", wantSays: `{"include":[]}`},
		{name: "pull request closed without merging", event: "pull_request", payload: "pull_request.closed", wantCount: "0", wantSays: "closed without merging"},
		{name: "GitHub failing", event: "pull_request", payload: "pull_request.synchronize",
			setup: func(w *threeModels) { w.fake.FailNext("pulls/list-files", http.StatusInternalServerError, 10) }, wantCode: 3, wantSays: "list the changed files"},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := newThreeModels(t)
			if c.setup != nil {
				c.setup(w)
			}
			e := w.env(c.event, c.payload, map[string]string{"INPUT_MODE": "matrix"}, c.edit)
			code := e.run(t, nil)
			out := e.outputs(t)
			says := e.stdout.String() + e.stderr.String()
			if code != c.wantCode || out["count"] != c.wantCount || !strings.Contains(says, c.wantSays) {
				t.Errorf("exit %d, count %q\n%s\nwant exit %d, count %q, saying %q", code, out["count"], says, c.wantCode, c.wantCount, c.wantSays)
			}
			if n := len(w.fake.CheckRuns()); n != 0 {
				t.Errorf("mode: matrix posted %d check runs", n)
			}
			wantRows := 3 // one per model, each naming the group and the rules file
			if code != 0 {
				wantRows = 0
			}
			if sum := e.summary(t); strings.Count(sum, "| `") != 2*wantRows || wantRows > 0 && !strings.Contains(sum, "models to check") {
				t.Errorf("job summary:\n%s\nwant a row per model", sum)
			}
		})
	}
}

func mapsEqual[V comparable](a, b map[string]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
