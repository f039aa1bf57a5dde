package action

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/sethvargo/go-githubactions"
	"gopkg.in/yaml.v3"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/gatetest"
	mgh "github.com/modelgate/modelgate/gate/github"
	"github.com/modelgate/modelgate/gate/render"
	"github.com/modelgate/modelgate/rules"
)

const (
	prHead    = "ec26c3e57ca3a959ca5aad62de7213c562f8c821" // pull_request.head.sha of the examples
	pushed    = "6113728f27ae82c7b1a177c8d03f9e96e0adf246" // after of the push examples
	mergeSHA  = "1111111111111111111111111111111111111111" // GITHUB_SHA: never the commit judged on a PR
	checkName = "modelgate"
	baseSHA   = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e" // pull_request.base.sha of the examples
)

// resultFrom returns a gate that answers with testdata/action/<name>.json
// and records the options it was given.
func resultFrom(t *testing.T, name string, calls *[]Options) Evaluator {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "action", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return func(_ context.Context, o Options) (*gate.Result, gate.Registry, error) {
		*calls = append(*calls, o)
		var r gate.Result
		if err := json.Unmarshal(b, &r); err != nil {
			t.Errorf("testdata/action/%s.json: %v", name, err)
		}
		return &r, nil, nil
	}
}

// actionEnv is the environment of a workflow step running the action.
type actionEnv struct {
	vars        map[string]string
	dir         string
	stdout      bytes.Buffer
	stderr      bytes.Buffer
	gateOptions []Options
}

func newActionEnv(t *testing.T, fake *gatetest.GitHub, event, payload string, edit func(map[string]any)) *actionEnv {
	t.Helper()
	dir := t.TempDir()
	e := &actionEnv{dir: dir, vars: map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_EVENT_NAME":   event,
		"GITHUB_SHA":          mergeSHA,
		"GITHUB_REPOSITORY":   "Codertocat/Hello-World",
		"GITHUB_WORKSPACE":    dir,
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
		"GITHUB_SERVER_URL":   "https://github.example.com",
		"GITHUB_RUN_ID":       "42",
		"INPUT_RULES":         ".github/modelgate.yml",
		"INPUT_MODE":          "auto",
		"INPUT_CHECK_NAME":    checkName,
		"INPUT_FAIL_ON":       "error",
		"INPUT_ON_FAIL":       "leave",
		"INPUT_TIMEOUT":       "5m",
	}}
	if payload != "" {
		e.vars["GITHUB_EVENT_PATH"] = gatetest.WriteGitHubEvent(t, payload, edit)
	}
	if fake != nil {
		e.vars["GITHUB_API_URL"] = fake.APIURL
		e.vars["INPUT_GITHUB_TOKEN"] = gatetest.GitHubToken
	}
	return e
}

func (e *actionEnv) getenv(k string) string { return e.vars[k] }

func (e *actionEnv) run(t *testing.T, gf Evaluator) int {
	t.Helper()
	return Run(context.Background(), Env{Getenv: e.getenv, Stdout: &e.stdout, Stderr: &e.stderr,
		Evaluate: gf, NewSurface: newTestSurface, Version: "dev"})
}

// newTestSurface is the production GitHub client with instant waits.
func newTestSurface(token, apiURL, owner, repo string, timeout time.Duration) (Surface, error) {
	return mgh.New(mgh.Options{Owner: owner, Repo: repo, Token: token, APIURL: apiURL, Timeout: timeout,
		Sleep: func(context.Context, time.Duration) error { return nil }})
}

// outputs parses GITHUB_OUTPUT (name<<delimiter, value, delimiter).
func (e *actionEnv) outputs(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(e.vars["GITHUB_OUTPUT"])
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	for i := 0; i+2 < len(lines); i += 3 {
		name, delim, ok := strings.Cut(lines[i], "<<")
		if !ok || lines[i+2] != delim {
			t.Fatalf("GITHUB_OUTPUT is malformed at line %d:\n%s", i+1, b)
		}
		out[name] = lines[i+1]
	}
	return out
}

func (e *actionEnv) summary(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(e.vars["GITHUB_STEP_SUMMARY"])
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return string(b)
}

func loadResult(t *testing.T, name string) *gate.Result {
	t.Helper()
	var calls []Options
	r, _, _ := resultFrom(t, name, &calls)(context.Background(), Options{})
	return r
}

func TestActionEvents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, event, payload string
		// wantRunOn is the commit the check run is posted on; "" for none.
		wantRunOn  string
		wantCode   int
		wantGate   bool
		wantStdout string
		wantStderr string
	}{
		{name: "pull request opened", event: "pull_request", payload: "pull_request.opened",
			wantRunOn: prHead, wantCode: 1, wantGate: true, wantStdout: "pull request #2 opened: check its head commit"},
		{name: "pull request synchronize", event: "pull_request", payload: "pull_request.synchronize",
			wantRunOn: prHead, wantCode: 1, wantGate: true, wantStdout: "pull request #2 synchronize"},
		{name: "pull request closed and merged", event: "pull_request", payload: "pull_request.closed-merged",
			wantRunOn: "34c5c7793cb3b279e22454cb6750c80560547b3a", wantCode: 1, wantGate: true, wantStdout: "pull request #2 was merged into master: approve",
			wantStderr: ""},
		{name: "push to the default branch", event: "push", payload: "push.default-branch",
			wantRunOn: pushed, wantCode: 1, wantGate: true, wantStdout: "push to the default branch master: approve",
			wantStderr: ""},
		{name: "push to another branch", event: "push", payload: "push.other-branch",
			wantRunOn: pushed, wantCode: 1, wantGate: true, wantStdout: "not the default branch master: check only"},
		{name: "workflow_dispatch", event: "workflow_dispatch", payload: "workflow_dispatch",
			wantRunOn: mergeSHA, wantCode: 1, wantGate: true, wantStdout: "workflow_dispatch event: check"},
		{name: "pull request closed without merging", event: "pull_request", payload: "pull_request.closed",
			wantCode: 0, wantStdout: "closed without merging: nothing to do"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := gatetest.NewGitHub(t)
			e := newActionEnv(t, fake, tt.event, tt.payload, nil)
			code := e.run(t, resultFrom(t, "failing", &e.gateOptions))
			if code != tt.wantCode {
				t.Errorf("exit code %d; want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, &e.stdout, &e.stderr)
			}
			if !strings.Contains(e.stdout.String(), tt.wantStdout) {
				t.Errorf("stdout does not say %q:\n%s", tt.wantStdout, &e.stdout)
			}
			if tt.wantStderr != "" && !strings.Contains(e.stderr.String(), tt.wantStderr) {
				t.Errorf("stderr does not say %q:\n%s", tt.wantStderr, &e.stderr)
			}
			if got := len(e.gateOptions) > 0; got != tt.wantGate {
				t.Errorf("gate ran: %v; want %v", got, tt.wantGate)
			}
			runs := fake.CheckRuns()
			if tt.wantRunOn == "" {
				if len(runs) != 0 {
					t.Errorf("%d check runs posted; want none", len(runs))
				}
			} else {
				name := checkName
				if strings.HasSuffix(tt.wantStdout, ": approve") {
					name += " / approval" // the decision, never the PR's check
				}
				if len(runs) != 1 || runs[0].HeadSHA != tt.wantRunOn || runs[0].Name != name {
					t.Errorf("check runs = %+v; want one %q on %s", runs, name, tt.wantRunOn)
				}
			}
			out := e.outputs(t)
			switch {
			case !tt.wantGate:
				if diff := cmp.Diff(map[string]string{"conclusion": "skipped"}, out); diff != "" {
					t.Errorf("outputs (-want +got):\n%s", diff)
				}
			case out["conclusion"] != "failure" || out["failed"] != "1" || out["passed"] != "1" || out["warnings"] != "1":
				t.Errorf("outputs = %v; want conclusion failure, 1 failed, 1 passed, 1 warning", out)
			}
		})
	}
}

func TestActionCheckPullRequest(t *testing.T) {
	t.Parallel()
	fake := gatetest.NewGitHub(t)
	// The base branch has the same rules file ("test", whose sha256 the
	// results carry): no rules-change section.
	fake.AddFile(baseSHA, ".github/modelgate.yml", []byte("test"))
	e := newActionEnv(t, fake, "pull_request", "pull_request.opened", nil)
	e.vars["INPUT_CANDIDATE"] = "13"
	e.vars["INPUT_REGISTRY"] = "examples/churn/registry"
	e.vars["INPUT_PATH_STYLE"] = "true"
	if code := e.run(t, resultFrom(t, "failing", &e.gateOptions)); code != gate.ExitFail {
		t.Fatalf("exit code %d; want 1\n%s%s", code, &e.stdout, &e.stderr)
	}
	if diff := cmp.Diff([]Options{{Rules: ".github/modelgate.yml", Registry: "examples/churn/registry", Candidate: "13",
		PathStyle: true, Timeout: 5 * 60e9, Workdir: e.dir}}, e.gateOptions, cmpopts.IgnoreFields(Options{}, "Policies")); diff != "" {
		t.Errorf("gate options (-want +got):\n%s", diff)
	}
	// Base policies: the workspace (Repo unset: Evaluate reads Workdir),
	// https, and other repositories with the action's token.
	if p := e.gateOptions[0].Policies; p.Repo != nil || p.GitHub == nil || p.HTTPS != (gate.HTTPSFiles{}) {
		t.Errorf("gate options' policy fetchers = %+v; want GitHub and HTTPS, the workspace by default", p)
	}
	r := loadResult(t, "failing")
	runs := fake.CheckRuns()
	if len(runs) != 1 {
		t.Fatalf("%d check runs; want 1", len(runs))
	}
	cr := runs[0]
	if cr.Conclusion != "failure" || cr.Title != "1 of 3 rules failed - churn-xgboost v13" ||
		cr.ExternalID != mgh.ExternalID(gate.EvidenceOf(r, prHead)) || cr.DetailsURL != "https://github.example.com/Codertocat/Hello-World/actions/runs/42" {
		t.Errorf("check run = %+v", cr)
	}
	if diff := cmp.Diff([]int{3}, cr.Batches); diff != "" {
		t.Errorf("annotation batches (-want +got):\n%s", diff)
	}
	wantOut := map[string]string{
		"conclusion": "failure", "passed": "1", "failed": "1", "warnings": "1",
		"candidate_arn": "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn-xgboost/13",
		"report_path":   "modelgate-result.json", "check_run_url": fake.URL + "/Codertocat/Hello-World/runs/1",
	}
	if diff := cmp.Diff(wantOut, e.outputs(t)); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
	r.Version = "dev" // the action stamps its version on the result
	if got, want := e.summary(t), render.Markdown(r)+"\n"; got != want || !strings.Contains(got, "<sub>modelgate dev</sub>") {
		t.Errorf("job summary:\n%s\nwant:\n%s", got, want)
	}
	b, err := os.ReadFile(filepath.Join(e.dir, "modelgate-result.json"))
	if err != nil {
		t.Fatal(err)
	}
	var written gate.Result
	if err := json.Unmarshal(b, &written); err != nil || written.Conclusion != gate.Failure || len(written.Findings) != 4 {
		t.Errorf("modelgate-result.json = %s (%v)", b, err)
	}
	if strings.Contains(e.stdout.String()+e.stderr.String(), gatetest.GitHubToken) {
		t.Errorf("the token was printed")
	}
	// A re-run of the same job updates the check run.
	e2 := newActionEnv(t, fake, "pull_request", "pull_request.synchronize", nil)
	if code := e2.run(t, resultFrom(t, "neutral", &e2.gateOptions)); code != gate.ExitPass {
		t.Fatalf("re-run exit code %d; want 0\n%s", code, &e2.stderr)
	}
	runs = fake.CheckRuns()
	if len(runs) != 1 || runs[0].Conclusion != "neutral" || !strings.Contains(e2.stdout.String(), "updated check run") {
		t.Errorf("after the re-run: %d check runs, conclusion %q; want 1, neutral\n%s", len(runs), runs[0].Conclusion, &e2.stdout)
	}
}

func TestActionForkFallsBackOn403(t *testing.T) {
	t.Parallel()
	fake := gatetest.NewGitHub(t)
	fake.Forbid()
	e := newActionEnv(t, fake, "pull_request", "pull_request.opened", func(m map[string]any) {
		m["pull_request"].(map[string]any)["head"].(map[string]any)["repo"].(map[string]any)["full_name"] = "mallory/Hello-World"
	})
	code := e.run(t, resultFrom(t, "failing", &e.gateOptions))
	if code != gate.ExitFail {
		t.Errorf("exit code %d; want the gate's 1\n%s", code, &e.stderr)
	}
	wantCmds := []string{
		"::error col=5,file=.github/modelgate.yml,line=16,title=modelgate%3A disparate-impact::disparate-impact: fail on bias.post.DI [facet=gender value=F] = 0.71, want between [0.8, 1.25]: below 0.8",
		"::error col=5,file=.github/modelgate.yml,line=16,title=modelgate%3A disparate-impact::disparate-impact: fail on bias.post.DI [facet=age value=65+] = 0.62, want between [0.8, 1.25]: below 0.8",
		"::warning col=5,file=.github/modelgate.yml,line=22,title=modelgate%3A toxicity::toxicity: warn on llm.toxicity.toxicity = 0.012, want <= 0.01: above 0.01",
	}
	var got []string
	for _, line := range strings.Split(e.stdout.String(), "\n") {
		if strings.HasPrefix(line, "::") {
			got = append(got, line)
		}
	}
	if diff := cmp.Diff(wantCmds, got); diff != "" {
		t.Errorf("workflow commands (-want +got):\n%s", diff)
	}
	if want := "modelgate: check run not posted (403: a pull request from a fork gets a read-only token); the result is in the annotations and the job summary\n"; e.stderr.String() != want {
		t.Errorf("stderr = %q; want %q", e.stderr.String(), want)
	}
	if !strings.Contains(e.summary(t), "1 of 3 rules failed") {
		t.Errorf("job summary missing:\n%s", e.summary(t))
	}
	if out := e.outputs(t); out["conclusion"] != "failure" || out["check_run_url"] != "" {
		t.Errorf("outputs = %v", out)
	}
}

func TestActionRetries502(t *testing.T) {
	t.Parallel()
	fake := gatetest.NewGitHub(t)
	fake.FailNext("checks/create", http.StatusBadGateway, 1)
	e := newActionEnv(t, fake, "pull_request", "pull_request.opened", nil)
	if code := e.run(t, resultFrom(t, "neutral", &e.gateOptions)); code != gate.ExitPass {
		t.Errorf("exit code %d; want 0\n%s", code, &e.stderr)
	}
	if diff := cmp.Diff([]string{"repos/get-content 404", "checks/list-for-ref 200", "checks/create 502", "checks/create 201", "checks/update 200"}, fake.Operations()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestActionGitHubFailureIsExit3(t *testing.T) {
	t.Parallel()
	fake := gatetest.NewGitHub(t)
	fake.FailNext("checks/create", http.StatusUnprocessableEntity, 1)
	e := newActionEnv(t, fake, "pull_request", "pull_request.opened", nil)
	if code := e.run(t, resultFrom(t, "neutral", &e.gateOptions)); code != gate.ExitRuntime {
		t.Errorf("exit code %d; want 3\n%s", code, &e.stderr)
	}
	if !strings.Contains(e.stderr.String(), "modelgate: create check run: ") {
		t.Errorf("stderr = %q", &e.stderr)
	}
}

func TestActionUnderActWithoutToken(t *testing.T) {
	t.Parallel()
	e := newActionEnv(t, nil, "pull_request", "pull_request.opened", nil)
	e.vars["ACT"] = "true"
	if code := e.run(t, resultFrom(t, "failing", &e.gateOptions)); code != gate.ExitFail {
		t.Errorf("exit code %d; want 1", code)
	}
	want := "modelgate: no github_token under act: printing the summary instead of posting a check run\n\n" + render.Markdown(loadResult(t, "failing"))
	if !strings.Contains(e.stdout.String(), want) {
		t.Errorf("stdout:\n%s\nwant it to contain:\n%s", &e.stdout, want)
	}
}

func TestActionFailOnWarning(t *testing.T) {
	t.Parallel()
	fake := gatetest.NewGitHub(t)
	e := newActionEnv(t, fake, "pull_request", "pull_request.opened", nil)
	e.vars["INPUT_FAIL_ON"] = "warning"
	if code := e.run(t, resultFrom(t, "neutral", &e.gateOptions)); code != gate.ExitFail {
		t.Errorf("exit code %d; want 1", code)
	}
	if runs := fake.CheckRuns(); len(runs) != 1 || runs[0].Conclusion != "failure" || runs[0].Title != "1 of 2 rules failed - churn-xgboost v13" {
		t.Errorf("check runs = %+v", runs)
	}
	if out := e.outputs(t); out["failed"] != "1" || out["warnings"] != "0" {
		t.Errorf("outputs = %v", out)
	}
}

func TestActionGateErrors(t *testing.T) {
	t.Parallel()
	diags := rules.Diagnostics{
		{File: ".github/modelgate.yml", Pos: rules.Pos{Line: 3, Col: 5}, Message: "unknown key `mn`; did you mean `min`?", Kind: "unknown-key"},
		{File: ".github/modelgate.yml", Pos: rules.Pos{Line: 9, Col: 7}, Message: "min: want a number, got \"high\"", Kind: "type"},
	}
	tests := []struct {
		name     string
		err      error
		forbid   bool
		wantCode int
		// wantAnns are the check run's annotations as line:col level.
		wantAnns []string
		// wantCmds are the workflow commands written.
		wantCmds []string
	}{
		{name: "usage", err: &gate.InputError{Err: errors.New("registry \"ftp\": want local, sagemaker or a folder path")}, wantCode: gate.ExitUsage},
		{name: "runtime", err: errors.New("describe model package \"churn\": connection refused"), wantCode: gate.ExitRuntime},
		{name: "rules file", err: diags, wantCode: gate.ExitUsage, wantAnns: []string{"3:5 failure", "9:7 failure"}},
		{name: "rules file on a fork", err: diags, forbid: true, wantCode: gate.ExitUsage, wantCmds: []string{
			"::error col=5,file=.github/modelgate.yml,line=3,title=modelgate%3A rules file::unknown key `mn`; did you mean `min`?",
			"::error col=7,file=.github/modelgate.yml,line=9,title=modelgate%3A rules file::min: want a number, got \"high\"",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := gatetest.NewGitHub(t)
			if tt.forbid {
				fake.Forbid()
			}
			e := newActionEnv(t, fake, "pull_request", "pull_request.opened", nil)
			code := e.run(t, func(context.Context, Options) (*gate.Result, gate.Registry, error) {
				return nil, nil, tt.err
			})
			if code != tt.wantCode {
				t.Errorf("exit code %d; want %d", code, tt.wantCode)
			}
			runs := fake.CheckRuns()
			if tt.forbid {
				if len(runs) != 0 {
					t.Errorf("check runs = %+v; want none", runs)
				}
			} else if len(runs) != 1 || runs[0].Conclusion != "failure" || !strings.Contains(runs[0].Summary, strings.Split(tt.err.Error(), "\n")[0]) ||
				!strings.HasPrefix(runs[0].Title, "modelgate could not evaluate: ") {
				t.Errorf("check runs = %+v; want one failed run saying %q", runs, tt.err)
			} else {
				var anns []string
				for _, a := range runs[0].Annotations {
					anns = append(anns, fmt.Sprintf("%d:%d %s", a.StartLine, *a.StartColumn, a.AnnotationLevel))
				}
				if diff := cmp.Diff(tt.wantAnns, anns); diff != "" {
					t.Errorf("annotations (-want +got):\n%s", diff)
				}
			}
			var cmds []string
			for _, line := range strings.Split(e.stdout.String(), "\n") {
				if strings.HasPrefix(line, "::") {
					cmds = append(cmds, line)
				}
			}
			if diff := cmp.Diff(tt.wantCmds, cmds); diff != "" {
				t.Errorf("workflow commands (-want +got):\n%s", diff)
			}
			if out := e.outputs(t); out["conclusion"] != "error" {
				t.Errorf("outputs = %v", out)
			}
		})
	}
}

func TestActionBadInputs(t *testing.T) {
	t.Parallel()
	e := newActionEnv(t, nil, "pull_request", "pull_request.opened", nil)
	e.vars["INPUT_MODE"] = "yolo"
	e.vars["INPUT_FAIL_ON"] = "never"
	e.vars["INPUT_TIMEOUT"] = "soon"
	e.vars["INPUT_PATH_STYLE"] = "yes"
	if code := e.run(t, resultFrom(t, "failing", &e.gateOptions)); code != gate.ExitUsage {
		t.Errorf("exit code %d; want 2", code)
	}
	want := `modelgate: input mode: "yolo" is not one of auto, check, approve, matrix
input fail_on: "never" is not one of error, warning
input path_style: "yes" is not true or false
input timeout: "soon" is not a positive duration such as 10m or 90s
`
	if diff := cmp.Diff(want, e.stderr.String()); diff != "" {
		t.Errorf("stderr (-want +got):\n%s", diff)
	}
	if len(e.gateOptions) != 0 {
		t.Errorf("the gate ran on bad inputs")
	}
}

func TestActionModeApproveOnPullRequestIsRefused(t *testing.T) {
	t.Parallel()
	e := newActionEnv(t, nil, "pull_request", "pull_request.opened", nil)
	e.vars["INPUT_MODE"] = "approve"
	if code := e.run(t, resultFrom(t, "failing", &e.gateOptions)); code != gate.ExitUsage {
		t.Errorf("exit code %d; want 2", code)
	}
	if !strings.Contains(e.stderr.String(), "input mode: approve needs a push to the default branch or a merged pull request; pull request #2 opened") {
		t.Errorf("stderr = %q", &e.stderr)
	}
}

// TestActionApproveModeInputs: approve mode receives the event's commit,
// the repository and the inputs.
func TestActionApproveModeInputs(t *testing.T) {
	t.Parallel()
	e := newActionEnv(t, gatetest.NewGitHub(t), "push", "push.default-branch", nil)
	e.vars["INPUT_ON_FAIL"] = "reject"
	e.vars["INPUT_OVERRIDE"] = "true"
	a, err := newActionRun(Env{Getenv: e.getenv, Stdout: &e.stdout, Stderr: &e.stderr, NewSurface: newTestSurface}, &e.stdout, &e.stderr)
	if err != nil {
		t.Fatal(err)
	}
	if a.Mode != mgh.ModeApprove || a.HeadSHA != pushed || a.Surface == nil || a.Owner != "Codertocat" ||
		a.Repo != "Hello-World" || !a.In.Override || a.In.OnFail != "reject" || a.Event.Actor != "Codertocat" {
		t.Errorf("approve mode got %+v", a)
	}
}

// actionYAML is the part of an action.yml the tests read.
type actionYAML struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Branding    struct {
		Icon  string `yaml:"icon"`
		Color string `yaml:"color"`
	} `yaml:"branding"`
	Inputs map[string]struct {
		Description string  `yaml:"description"`
		Required    bool    `yaml:"required"`
		Default     *string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Image string `yaml:"image"`
		Main  string `yaml:"main"`
	} `yaml:"runs"`
}

func readActionYAML(t *testing.T, path string) actionYAML {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var a actionYAML
	if err := yaml.Unmarshal(b, &a); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return a
}

// TestActionYAML checks action.yml against what runAction reads and writes,
// and the act shim's inputs and outputs against action.yml.
func TestActionYAML(t *testing.T) {
	t.Parallel()
	a := readActionYAML(t, filepath.Join("..", "..", "action.yml"))
	if a.Runs.Using != "docker" || a.Runs.Image != "Dockerfile" || a.Branding.Icon == "" || a.Branding.Color == "" || a.Description == "" {
		t.Errorf("action.yml: runs %+v, branding %+v; want docker, Dockerfile, a branding and a description", a.Runs, a.Branding)
	}
	var inputs []string
	for name, in := range a.Inputs {
		inputs = append(inputs, name)
		if !regexp.MustCompile(`^[a-z]+(_[a-z]+)*$`).MatchString(name) {
			t.Errorf("input %s is not snake_case", name)
		}
		if in.Default == nil || in.Required || len(in.Description) < 30 {
			t.Errorf("input %s: want a default, required: false and a description, got %+v", name, in)
		}
		if in.Default != nil && *in.Default != "" && !strings.Contains(in.Description, "Default") && !strings.Contains(in.Description, "default") {
			t.Errorf("input %s: the description does not state the default %q", name, *in.Default)
		}
	}
	slices.Sort(inputs)
	wantInputs := []string{"candidate", "check_name", "endpoint", "fail_on", "github_token", "mode", "models", "on_fail", "override",
		"path_style", "region", "registry", "rules", "rules_change", "timeout"}
	if diff := cmp.Diff(wantInputs, inputs); diff != "" {
		t.Errorf("action.yml inputs (-want +got):\n%s", diff)
	}
	// Every default must be accepted by readInputs.
	env := map[string]string{}
	for name, in := range a.Inputs {
		if name != "github_token" {
			env["INPUT_"+strings.ToUpper(name)] = *in.Default
		}
	}
	act := githubactions.New(githubactions.WithGetenv(func(k string) string { return env[k] }))
	if _, err := readInputs(act); err != nil {
		t.Errorf("readInputs(action.yml defaults): %v", err)
	}
	var outputs []string
	for name, o := range a.Outputs {
		outputs = append(outputs, name)
		if o.Description == "" {
			t.Errorf("output %s has no description", name)
		}
	}
	slices.Sort(outputs)
	if diff := cmp.Diff([]string{"attestation_path", "attestation_predicate_path", "attestation_subject_digest", "attestation_subject_name",
		"candidate_arn", "check_run_url", "conclusion", "count", "failed", "matrix", "passed", "report_path", "warnings"}, outputs); diff != "" {
		t.Errorf("action.yml outputs (-want +got):\n%s", diff)
	}

	shim := readActionYAML(t, filepath.Join("..", "..", ".ci", "act", "shim", "action.yml"))
	if shim.Runs.Using != "node20" || shim.Runs.Main != "index.js" {
		t.Errorf("shim runs %+v; want node20 index.js", shim.Runs)
	}
	if diff := cmp.Diff(a.Inputs, shim.Inputs); diff != "" {
		t.Errorf("shim inputs differ from action.yml (-action +shim):\n%s", diff)
	}
	if diff := cmp.Diff(a.Outputs, shim.Outputs); diff != "" {
		t.Errorf("shim outputs differ from action.yml (-action +shim):\n%s", diff)
	}
}
