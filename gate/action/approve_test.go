package action

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/gatetest"
)

// world is a repository with the example registry, a fake GitHub, and the
// pull request #2 (head prHead) merged into master as `pushed`.
type world struct {
	t    *testing.T
	fake *gatetest.GitHub
	dir  string // GITHUB_WORKSPACE
	reg  string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	rulesPath, reg := copyRegistry(t)
	w := &world{t: t, fake: gatetest.NewGitHub(t), dir: filepath.Dir(filepath.Dir(rulesPath)), reg: reg}
	// The base branch has the same rules file: no rules change.
	b, _ := os.ReadFile(rulesPath)
	w.fake.AddFile(baseSHA, ".github/modelgate.yml", b)
	w.fake.AddPullRequest(gatetest.PullRequest{Number: 2, HeadSHA: prHead, HeadRef: "retrain", BaseRef: "master", MergeSHA: pushed, Merged: true})
	return w
}

// env is a workflow step in the world's workspace.
func (w *world) env(event, payload string, inputs map[string]string, edit func(map[string]any)) *actionEnv {
	e := newActionEnv(w.t, w.fake, event, payload, edit)
	e.vars["GITHUB_WORKSPACE"] = w.dir
	for k, v := range inputs {
		e.vars[k] = v
	}
	return e
}

// check runs the pull request's check.
func (w *world) check(candidate string) int {
	e := w.env("pull_request", "pull_request.synchronize", map[string]string{"INPUT_CANDIDATE": candidate}, nil)
	return e.run(w.t, runGate)
}

func (w *world) pkg(v string) (pkgState, []byte) { return readPkg(w.t, w.reg, v) }

// TestActionApproveMatrix: every case asserts the registry afterwards.
// Zero false approvals.
func TestActionApproveMatrix(t *testing.T) {
	t.Parallel()
	type tc struct {
		name      string
		prCand    string // "" skips the PR check
		before    func(w *world)
		event     string // push (default) | merged | fork-merged | other-branch
		inputs    map[string]string
		wantCode  int
		wantV     string
		wantState string
		wantSays  string
	}
	merge := map[string]string{"INPUT_CANDIDATE": "12"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{"INPUT_CANDIDATE": "12"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []tc{
		{name: "push of the merged PR approves", prCand: "12", inputs: merge, wantCode: 0, wantV: "12", wantState: gate.StatusApproved, wantSays: "Approved fraud-xgboost v12"},
		{name: "merged pull_request event approves", prCand: "12", event: "merged", inputs: merge, wantCode: 0, wantV: "12", wantState: gate.StatusApproved, wantSays: "Approved fraud-xgboost v12"},
		{name: "package swapped between PR and merge", prCand: "12", inputs: map[string]string{}, wantCode: 1, wantV: "12", wantState: gate.StatusPending,
			wantSays: "but the candidate now is arn:aws:sagemaker:eu-west-1:111122223333:model-package/fraud-xgboost/13"},
		{name: "report bytes changed after the check", prCand: "12", inputs: merge, wantCode: 1, wantV: "12", wantState: gate.StatusPending,
			before: func(w *world) {
				b, _ := os.ReadFile(filepath.Join(w.reg, "fraud-xgboost/12/analysis_bias.json"))
				setReport(w.t, w.reg, "12", "analysis_bias.json", strings.Replace(string(b), "0.981", "0.982", 1))
			}, wantSays: "report bias changed since the pull request's check"},
		{name: "rejected by hand meanwhile", prCand: "12", inputs: merge, wantCode: 1, wantV: "12", wantState: gate.StatusRejected,
			before: func(w *world) { setStatus(w.t, w.reg, "12", gate.StatusRejected, nil) }, wantSays: "never overwritten without override"},
		{name: "rejected by hand, override input", prCand: "12", inputs: with("INPUT_OVERRIDE", "true"), wantCode: 0, wantV: "12", wantState: gate.StatusApproved,
			before: func(w *world) { setStatus(w.t, w.reg, "12", gate.StatusRejected, nil) }, wantSays: "Approved fraud-xgboost v12"},
		{name: "approved by someone else meanwhile", prCand: "12", inputs: merge, wantCode: 1, wantV: "12", wantState: gate.StatusApproved,
			before: func(w *world) {
				setStatus(w.t, w.reg, "12", gate.StatusApproved, map[string]string{"modelgate:commit": "0000000"})
			}, wantSays: "already Approved (by commit 0000000)"},
		{name: "PR check missing", prCand: "", inputs: merge, wantCode: 1, wantV: "12", wantState: gate.StatusPending, wantSays: "has no \"modelgate\" check run"},
		{name: "PR check failed", prCand: "13", inputs: map[string]string{}, wantCode: 1, wantV: "13", wantState: gate.StatusPending, wantSays: "is completed/failure, not a pass"},
		{name: "PR check failed, on_fail reject still never rejects an ungated merge", prCand: "13", inputs: map[string]string{"INPUT_ON_FAIL": "reject"}, wantCode: 1, wantV: "13", wantState: gate.StatusPending, wantSays: "not a pass"},
		{name: "rules tightened on main after a passing check, on_fail reject", prCand: "12", inputs: with("INPUT_ON_FAIL", "reject"), wantCode: 1, wantV: "12", wantState: gate.StatusRejected,
			before: func(w *world) { tighten(w.t, w.dir, "    min: 0.8\n", "    min: 0.9\n") }, wantSays: "Rejected fraud-xgboost v12"},
		{name: "rules tightened on main after a passing check, leave", prCand: "12", inputs: merge, wantCode: 1, wantV: "12", wantState: gate.StatusPending,
			before: func(w *world) { tighten(w.t, w.dir, "    min: 0.8\n", "    min: 0.9\n") }, wantSays: "the re-check failed"},
		{name: "fork pull request merged", prCand: "12", event: "fork-merged", inputs: merge, wantCode: 0, wantV: "12", wantState: gate.StatusPending, wantSays: "never runs for a pull request from a fork"},
		{name: "push from a fork PR", prCand: "12", inputs: merge, wantCode: 1, wantV: "12", wantState: gate.StatusPending,
			before: func(w *world) {
				w.fake = gatetestWithForkPR(w)
			}, wantSays: "comes from the fork"},
		{name: "push to another branch never approves", prCand: "12", event: "other-branch", inputs: merge, wantCode: 0, wantV: "12", wantState: gate.StatusPending, wantSays: "check only"},
		{name: "direct push, no pull request", prCand: "12", event: "direct", inputs: merge, wantCode: 1, wantV: "12", wantState: gate.StatusPending, wantSays: "is not the merge of a pull request"},
		{name: "GitHub failing on merge", prCand: "12", inputs: merge, wantCode: 3, wantV: "12", wantState: gate.StatusPending,
			before: func(w *world) {
				w.fake.FailNext("repos/list-pull-requests-associated-with-commit", http.StatusInternalServerError, 10)
			}, wantSays: "nothing written"},
		{name: "GitHub rate limit on merge, then success", prCand: "12", inputs: merge, wantCode: 0, wantV: "12", wantState: gate.StatusApproved,
			before: func(w *world) { w.fake.SecondaryRateLimit("checks/list-for-ref", "1", 1) }, wantSays: "Approved"},
		{name: "report tampered on merge (digest mismatch: error verdicts)", prCand: "12", inputs: merge, wantCode: 1, wantV: "12", wantState: gate.StatusPending,
			before: func(w *world) {
				os.WriteFile(filepath.Join(w.reg, "fraud-xgboost/12/statistics.json"), []byte(`{}`), 0o644)
			}, wantSays: "content digest mismatch"},
		{name: "evidence edited in the check run", prCand: "12", inputs: merge, wantCode: 1, wantV: "12", wantState: gate.StatusPending,
			before: func(w *world) { tamperEvidence(w) }, wantSays: "carries no valid evidence"},
		{name: "a waiver added on main lets a failing candidate through only with a PR check", prCand: "13", inputs: map[string]string{}, wantCode: 1, wantV: "13", wantState: gate.StatusPending,
			before: func(w *world) {
				tighten(w.t, w.dir, "    min: 0.8\n", "    min: 0.8\n    waiver: {reason: x, owner: \"@a\", expires: 2099-01-01}\n")
			}, wantSays: "not a pass"},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			if c.prCand != "" {
				w.check(c.prCand)
			}
			if c.before != nil {
				c.before(w)
			}
			var e *actionEnv
			switch c.event {
			case "merged":
				e = w.env("pull_request", "pull_request.closed-merged", c.inputs, nil)
			case "fork-merged":
				e = w.env("pull_request", "pull_request.closed-merged", c.inputs, func(m map[string]any) {
					head := m["pull_request"].(map[string]any)["head"].(map[string]any)
					head["repo"].(map[string]any)["full_name"] = "mallory/Hello-World"
					head["repo"].(map[string]any)["fork"] = true
				})
			case "other-branch":
				e = w.env("push", "push.other-branch", c.inputs, nil)
			case "direct":
				e = w.env("push", "push.default-branch", c.inputs, func(m map[string]any) { m["after"] = strings.Repeat("ab", 20) })
			default:
				e = w.env("push", "push.default-branch", c.inputs, nil)
			}
			code := e.run(t, runGate)
			st, _ := w.pkg(c.wantV)
			says := e.stdout.String() + e.stderr.String()
			if code != c.wantCode || st.ModelApprovalStatus != c.wantState || !strings.Contains(says, c.wantSays) {
				t.Errorf("exit %d, v%s %s\n%s\nwant exit %d, %s, %q", code, c.wantV, st.ModelApprovalStatus, says, c.wantCode, c.wantState, c.wantSays)
			}
			// No other package is ever approved.
			for _, v := range []string{"11", "12", "13"} {
				if v == c.wantV {
					continue
				}
				if s, _ := w.pkg(v); v != "11" && s.ModelApprovalStatus == gate.StatusApproved {
					t.Errorf("v%s was approved", v)
				}
			}
			if st.ModelApprovalStatus == gate.StatusApproved && code == 0 {
				md := st.CustomerMetadataProperties
				if md["modelgate:pr"] != "2" || md["modelgate:approved-by"] != "Codertocat" || md["modelgate:commit"] == "" ||
					!strings.Contains(st.ApprovalDescription, "PR #2") || !strings.Contains(st.ApprovalDescription, w.fake.URL+"/Codertocat/Hello-World/runs/") {
					t.Errorf("audit = %+v", st)
				}
				// The decision is stated on the merge commit.
				found := false
				for _, r := range w.fake.CheckRuns() {
					if r.HeadSHA == md["modelgate:commit"] && strings.HasPrefix(r.Title, "Approved fraud-xgboost v12") {
						found = true
					}
				}
				if !found {
					t.Errorf("no decision check run on %s: %+v", md["modelgate:commit"], w.fake.CheckRuns())
				}
			}
		})
	}
}

// Already approved by the same commit: a re-run writes nothing.
func TestActionApproveRerunIsNoop(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.check("12")
	if code := w.env("push", "push.default-branch", map[string]string{"INPUT_CANDIDATE": "12"}, nil).run(t, runGate); code != 0 {
		t.Fatalf("first approval exit %d", code)
	}
	_, first := w.pkg("12")
	e := w.env("push", "push.default-branch", map[string]string{"INPUT_CANDIDATE": "12"}, nil)
	code := e.run(t, runGate)
	_, second := w.pkg("12")
	if code != 0 || !bytes.Equal(first, second) || !strings.Contains(e.stdout.String(), "Already approved") {
		t.Errorf("re-run: exit %d, rewritten %v\n%s%s", code, !bytes.Equal(first, second), &e.stdout, &e.stderr)
	}
}

// Two PRs for two versions merged one after the other: each approves the
// package its own check judged, and the second compares with the first.
func TestActionApproveTwoPRs(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.check("12")
	if code := w.env("push", "push.default-branch", map[string]string{"INPUT_CANDIDATE": "12"}, nil).run(t, runGate); code != 0 {
		t.Fatal("first merge did not approve")
	}
	// PR #3 judges v13 (which fails) and is merged anyway (no required check).
	second := strings.Repeat("cd", 20)
	w.fake.AddPullRequest(gatetest.PullRequest{Number: 3, HeadSHA: second, HeadRef: "v13", BaseRef: "master", MergeSHA: strings.Repeat("ef", 20), Merged: true})
	w.env("pull_request", "pull_request.synchronize", map[string]string{"INPUT_CANDIDATE": "13"}, func(m map[string]any) {
		m["pull_request"].(map[string]any)["head"].(map[string]any)["sha"] = second
	}).run(t, runGate)
	e := w.env("push", "push.default-branch", map[string]string{"INPUT_CANDIDATE": "13"}, func(m map[string]any) { m["after"] = strings.Repeat("ef", 20) })
	code := e.run(t, runGate)
	s12, _ := w.pkg("12")
	s13, _ := w.pkg("13")
	if code != 1 || s12.ModelApprovalStatus != gate.StatusApproved || s13.ModelApprovalStatus != gate.StatusPending {
		t.Errorf("second merge: exit %d, v12 %s, v13 %s\n%s%s", code, s12.ModelApprovalStatus, s13.ModelApprovalStatus, &e.stdout, &e.stderr)
	}
	if !strings.Contains(e.stdout.String()+e.stderr.String(), "pull request #3") {
		t.Errorf("does not name PR #3:\n%s%s", &e.stdout, &e.stderr)
	}
}

// A PR that loosens the rules file is flagged, and rules_change: fail blocks it.
func TestActionRulesChangeGuard(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"warn", "fail"} {
		w := newWorld(t)
		tighten(t, w.dir, "    min: 0.8\n", "    min: 0.4\n") // the PR loosens accuracy-floor
		e := w.env("pull_request", "pull_request.synchronize", map[string]string{"INPUT_CANDIDATE": "13", "INPUT_RULES_CHANGE": mode}, nil)
		code := e.run(t, runGate)
		sum := e.summary(t)
		for _, want := range []string{"### Rules change", "| loosen | accuracy-floor |", "Under the base branch's rules, on the same metrics, this candidate would be **failure**: 5 of 14 rules failed"} {
			if !strings.Contains(sum, want) {
				t.Errorf("rules_change %s: summary lacks %q:\n%s", mode, want, sum)
			}
		}
		if code != 1 {
			t.Errorf("rules_change %s: exit %d; want 1 (the candidate fails anyway)", mode, code)
		}
		// v12 passes its own rules; with loosened rules it still passes,
		// and only rules_change: fail blocks.
		e = w.env("pull_request", "pull_request.synchronize", map[string]string{"INPUT_CANDIDATE": "12", "INPUT_RULES_CHANGE": mode}, nil)
		code = e.run(t, runGate)
		want := map[string]int{"warn": 0, "fail": 1}[mode]
		if code != want {
			t.Errorf("rules_change %s on v12: exit %d; want %d\n%s", mode, code, want, &e.stderr)
		}
	}
}

func tighten(t *testing.T, dir, from, to string) {
	t.Helper()
	p := filepath.Join(dir, ".github", "modelgate.yml")
	b, _ := os.ReadFile(p)
	if !bytes.Contains(b, []byte(from)) {
		t.Fatalf("rules file has no %q", from)
	}
	os.WriteFile(p, bytes.Replace(b, []byte(from), []byte(to), 1), 0o644)
}

// gatetestWithForkPR replaces the world's GitHub with one where PR #2 came
// from a fork, keeping the PR's check run.
func gatetestWithForkPR(w *world) *gatetest.GitHub {
	f := gatetest.NewGitHub(w.t)
	for _, r := range w.fake.CheckRuns() {
		f.AddCheckRun(r)
	}
	f.AddPullRequest(gatetest.PullRequest{Number: 2, HeadSHA: prHead, HeadRef: "retrain", BaseRef: "master", MergeSHA: pushed, Merged: true, Fork: true})
	return f
}

// tamperEvidence rewrites the stored check run's text, as a person with
// checks: write could, to claim other report digests.
func tamperEvidence(w *world) {
	f := gatetest.NewGitHub(w.t)
	for _, r := range w.fake.CheckRuns() {
		r.Text = strings.Replace(r.Text, `"sha256":"`, `"sha256":"00`, 1)
		f.AddCheckRun(r)
	}
	f.AddPullRequest(gatetest.PullRequest{Number: 2, HeadSHA: prHead, HeadRef: "retrain", BaseRef: "master", MergeSHA: pushed, Merged: true})
	w.fake = f
}

// The decision check run never replaces the PR's check: a failing check
// stays failing, so a re-run of the merge job cannot approve.
func TestActionApproveDecisionDoesNotLaunderTheCheck(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.check("13")
	for i := 0; i < 2; i++ {
		e := w.env("push", "push.default-branch", map[string]string{}, nil)
		if code := e.run(t, runGate); code != 1 {
			t.Fatalf("merge run %d: exit %d; want 1\n%s%s", i, code, &e.stdout, &e.stderr)
		}
	}
	for _, r := range w.fake.CheckRuns() {
		if r.HeadSHA == prHead && (r.Name != checkName || r.Conclusion != "failure") {
			t.Errorf("the PR head's check run is now %q %s", r.Name, r.Conclusion)
		}
	}
	if s, _ := w.pkg("13"); s.ModelApprovalStatus != gate.StatusPending {
		t.Errorf("v13 = %s", s.ModelApprovalStatus)
	}
}

// With rules_change: fail, approval compares the rules before and after the
// merge itself: a passing check run (here made with rules_change: allow, as
// a forged or differently configured run could be) does not let loosened
// rules approve.
func TestActionApproveRefusesLoosenedRulesAtMerge(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tighten(t, w.dir, "    min: 0.8\n", "    min: 0.4\n")
	e := w.env("pull_request", "pull_request.synchronize", map[string]string{"INPUT_CANDIDATE": "12", "INPUT_RULES_CHANGE": "allow"}, nil)
	if code := e.run(t, runGate); code != 0 {
		t.Fatalf("PR check exit %d\n%s", code, &e.stderr)
	}
	before := func(m map[string]any) { m["before"] = baseSHA }
	e = w.env("push", "push.default-branch", map[string]string{"INPUT_CANDIDATE": "12", "INPUT_RULES_CHANGE": "fail"}, before)
	code := e.run(t, runGate)
	if s, _ := w.pkg("12"); code != 1 || s.ModelApprovalStatus != gate.StatusPending || !strings.Contains(e.stdout.String(), "the merge loosens the rules file") {
		t.Errorf("exit %d, v12 %s\n%s%s", code, s.ModelApprovalStatus, &e.stdout, &e.stderr)
	}
	// rules_change: warn accepts what the reviewers saw.
	e = w.env("push", "push.default-branch", map[string]string{"INPUT_CANDIDATE": "12", "INPUT_RULES_CHANGE": "warn"}, before)
	if code := e.run(t, runGate); code != 0 {
		t.Errorf("rules_change warn: exit %d\n%s%s", code, &e.stdout, &e.stderr)
	}
}

// racyRegistry answers Resolve with a package someone rejected by hand
// while the re-check ran.
type racyRegistry struct {
	gate.Registry
	writes int
}

func (r *racyRegistry) Resolve(ctx context.Context, group string, sel gate.Selector) (*gate.Package, error) {
	p, err := r.Registry.Resolve(ctx, group, sel)
	if err == nil {
		p.Approval = gate.StatusRejected
	}
	return p, err
}

func (r *racyRegistry) SetApproval(ctx context.Context, p *gate.Package, d gate.Decision) error {
	r.writes++
	return r.Registry.SetApproval(ctx, p, d)
}

func TestApproveReadsTheStatusAgain(t *testing.T) {
	t.Parallel()
	rulesPath, _ := copyRegistry(t)
	res, reg, err := runGate(context.Background(), Options{Rules: rulesPath, Candidate: "12"})
	if err != nil {
		t.Fatal(err)
	}
	racy := &racyRegistry{Registry: reg}
	out, err := gate.Approve(context.Background(), racy, gate.ApprovalInput{Result: res, Commit: "c1"}, nil)
	if err != nil || out.Plan.Action != gate.ActionLeave || out.Written || racy.writes != 0 || !strings.Contains(strings.Join(out.Plan.Reasons, " "), "was Rejected") {
		t.Errorf("Approve = %s %q, %d writes, %v; want leave, no write", out.Plan.Action, out.Plan.Reasons, racy.writes, err)
	}
}
