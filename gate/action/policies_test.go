package action

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/gatetest"
	mgh "github.com/modelgate/modelgate/gate/github"
	"github.com/modelgate/modelgate/rules"
)

// Commits of the organisation's policy repository.
const (
	policyA = "0123456789abcdef0123456789abcdef01234567" // org-accuracy min 0.75
	policyB = "fedcba9876543210fedcba9876543210fedcba98" // org-accuracy min 0.5: looser
)

// orgPolicy is the base policy with org-accuracy's min.
func orgPolicy(min string) []byte {
	return []byte("version: 1\npolicy:\n  name: acme-ml-risk\n  waiver_owners: [\"@ml-risk\"]\nrules:\n" +
		"  - id: org-accuracy\n    metric: quality.accuracy\n    min: " + min + "\n")
}

// extending is the fraud rules file extending acme/ml-policies at ref.
func extending(t *testing.T, ref string, moving bool) []byte {
	t.Helper()
	b, err := os.ReadFile("../../examples/fraud/.github/modelgate.yml")
	if err != nil {
		t.Fatal(err)
	}
	entry := "extends:\n  repo: acme/ml-policies\n  ref: " + ref + "\n  path: risk.yml\n"
	if moving {
		entry += "  allow_moving_ref: true\n"
	}
	s := strings.Replace(string(b), "version: 1\n", "version: 1\n"+entry, 1)
	if s == string(b) {
		t.Fatal("the example has no version line")
	}
	return []byte(s)
}

// policyWorld is newWorld whose rules file extends acme/ml-policies at ref,
// on the pull request's head and on its base branch.
func policyWorld(t *testing.T, ref string, moving bool) *world {
	t.Helper()
	w := newWorld(t)
	w.fake.AddFile(policyA, "risk.yml", orgPolicy("0.75"))
	w.fake.AddFile(policyB, "risk.yml", orgPolicy("0.5"))
	b := extending(t, ref, moving)
	w.setRules(b)
	w.fake.AddFile(baseSHA, ".github/modelgate.yml", b)
	return w
}

func (w *world) setRules(b []byte) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, ".github", "modelgate.yml"), b, 0o644); err != nil {
		w.t.Fatal(err)
	}
}

// lastRun is the newest check run called name.
func lastRun(fake *gatetest.GitHub, name string) *gatetest.CheckRun {
	var run *gatetest.CheckRun
	for _, r := range fake.CheckRuns() {
		if r.Name == name {
			r := r
			run = &r
		}
	}
	return run
}

// A rules file that extends a base of another repository is judged with
// the base's rules (read with the action's token at the pinned commit);
// the check run's evidence carries the resolved policy's digest, and the
// approval on merge writes it into the audit record.
func TestActionExtendsGitHubBase(t *testing.T) {
	t.Parallel()
	w := policyWorld(t, policyA, false)
	if code := w.check("12"); code != gate.ExitPass {
		t.Fatalf("PR check: exit %d; want 0", code)
	}
	run := lastRun(w.fake, checkName)
	if run == nil {
		t.Fatal("no check run")
	}
	if !strings.Contains(run.Summary+run.Text, "org-accuracy") {
		t.Errorf("the inherited rule is not judged in the check run:\n%s\n%s", run.Summary, run.Text)
	}
	ev, err := mgh.ParseEvidence(run.Text)
	if err != nil {
		t.Fatal(err)
	}
	f := resolvedFraud(t, w, policyA)
	if ev.PolicySHA256 != f.PolicyDigest() || ev.PolicySHA256 == ev.RulesSHA256 || len(ev.Policies) != 2 ||
		ev.Policies[1].Name != "acme/ml-policies@"+policyA+":risk.yml" || ev.Policies[1].SHA256 != sha(orgPolicy("0.75")) {
		t.Errorf("evidence policy = %s %+v; want %s with the rules file and the base", ev.PolicySHA256, ev.Policies, f.PolicyDigest())
	}
	// The base was read from the other repository with the token.
	read := false
	for _, r := range w.fake.Requests() {
		if strings.Contains(r.Path, "/repos/acme/ml-policies/contents/risk.yml") {
			read = true
		}
	}
	if !read {
		t.Errorf("acme/ml-policies was not read through the contents API: %v", w.fake.Operations())
	}

	e := w.env("push", "push.default-branch", map[string]string{"INPUT_CANDIDATE": "12"}, nil)
	if code := e.run(t, runGate); code != gate.ExitPass {
		t.Fatalf("approve: exit %d\n%s%s", code, &e.stdout, &e.stderr)
	}
	st, _ := w.pkg("12")
	if st.ModelApprovalStatus != gate.StatusApproved || st.CustomerMetadataProperties[gate.MetaPolicySHA] != f.PolicyDigest() ||
		!strings.Contains(st.ApprovalDescription, "policy sha256 "+f.PolicyDigest()) {
		t.Errorf("v12 = %s, %q, metadata %v; want Approved with the policy digest", st.ModelApprovalStatus, st.ApprovalDescription, st.CustomerMetadataProperties)
	}
}

// The inherited rule is judged: a base that demands more than v12 has
// fails the check.
func TestActionExtendsBaseRuleFails(t *testing.T) {
	t.Parallel()
	w := policyWorld(t, policyA, false)
	w.fake.AddFile(policyA, "risk.yml", orgPolicy("0.999"))
	if code := w.check("12"); code != gate.ExitFail {
		t.Fatalf("PR check: exit %d; want 1 (org-accuracy min 0.999)", code)
	}
	if run := lastRun(w.fake, checkName); run == nil || run.Conclusion != "failure" || !strings.Contains(run.Title, "1 of") {
		t.Errorf("check run = %+v; want a failure of one rule", run)
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// resolvedFraud is the world's rules file resolved against the fake's
// copy of acme/ml-policies.
func resolvedFraud(t *testing.T, w *world, ref string) *rules.File {
	t.Helper()
	f, err := rules.Parse(".github/modelgate.yml", extending(t, ref, false))
	if err != nil {
		t.Fatal(err)
	}
	gh := GitHubPolicies(newTestSurface, gatetest.GitHubToken, w.fake.APIURL, 0, "")
	r, err := gate.ResolvePolicy(context.Background(), f, gate.PolicyFetchers{GitHub: gh})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A base that does not exist is the rules file's problem (exit 2, at its
// `extends` entry); a base GitHub cannot serve after the retries is a
// runtime failure (exit 3), never a pass.
func TestActionExtendsBaseErrors(t *testing.T) {
	t.Parallel()
	w := policyWorld(t, policyA, false)
	w.setRules(extending(t, strings.Repeat("a", 40), false))
	e := w.env("pull_request", "pull_request.synchronize", map[string]string{"INPUT_CANDIDATE": "12"}, nil)
	if code := e.run(t, runGate); code != gate.ExitUsage {
		t.Errorf("missing base: exit %d; want 2\n%s", code, &e.stderr)
	}
	if run := lastRun(w.fake, checkName); run == nil || run.Conclusion != "failure" ||
		!strings.Contains(run.Summary+run.Text, "does not exist") {
		t.Errorf("missing base: check run = %+v; want a failure saying the base does not exist", run)
	}

	w = policyWorld(t, policyA, false)
	w.fake.FailNext("repos/get-content", http.StatusBadGateway, 100)
	e = w.env("pull_request", "pull_request.synchronize", map[string]string{"INPUT_CANDIDATE": "12"}, nil)
	if code := e.run(t, runGate); code != gate.ExitRuntime {
		t.Errorf("base unreadable: exit %d; want 3\n%s", code, &e.stderr)
	}
	if !strings.Contains(e.stderr.String(), "a base policy could not be read") {
		t.Errorf("base unreadable: stderr does not say so:\n%s", &e.stderr)
	}
}

// Without a token a base of another repository is refused with the input
// to set (exit 2), before any registry is opened.
func TestEvaluateGitHubBaseWithoutToken(t *testing.T) {
	t.Parallel()
	w := policyWorld(t, policyA, false)
	opened := false
	ev := Evaluate(func(ctx context.Context, o Options, f *rules.File) (gate.Registry, error) {
		opened = true
		return openLocal(ctx, o, f)
	})
	_, _, err := ev(context.Background(), Options{Rules: ".github/modelgate.yml", Workdir: w.dir, Candidate: "12",
		Policies: gate.PolicyFetchers{GitHub: GitHubPolicies(newTestSurface, "", w.fake.APIURL, 0, "set GITHUB_TOKEN")}})
	var ds rules.Diagnostics
	if !errors.As(err, &ds) || gate.ExitCodeOf(err) != gate.ExitUsage || !strings.Contains(err.Error(), "needs a GitHub token") ||
		!strings.Contains(err.Error(), "set GITHUB_TOKEN") || !strings.Contains(err.Error(), ".github/modelgate.yml:") {
		t.Errorf("err = %v; want a rules-file diagnostic saying to set GITHUB_TOKEN", err)
	}
	if opened {
		t.Error("the registry was opened although the policy does not resolve")
	}
}

// A base policy given as the rules file judges no model: an input error.
func TestEvaluateRefusesABasePolicy(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.setRules(orgPolicy("0.75"))
	_, _, err := runGate(context.Background(), Options{Rules: ".github/modelgate.yml", Workdir: w.dir, Candidate: "12"})
	var ie *gate.InputError
	if !errors.As(err, &ie) || gate.ExitCodeOf(err) != gate.ExitUsage || !strings.Contains(err.Error(), "a base policy judges no model: run it through a file that extends it") {
		t.Errorf("err = %v; want an input error", err)
	}
	e := w.env("pull_request", "pull_request.synchronize", map[string]string{"INPUT_CANDIDATE": "12"}, nil)
	if code := e.run(t, runGate); code != gate.ExitUsage {
		t.Errorf("action: exit %d; want 2\n%s", code, &e.stderr)
	}
}

// A base of this repository (`extends: {path: ...}`) is read from the
// workspace.
func TestEvaluateRepoBase(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	os.MkdirAll(filepath.Join(w.dir, "policies"), 0o755)
	os.WriteFile(filepath.Join(w.dir, "policies", "risk.yml"), orgPolicy("0.999"), 0o644)
	b, _ := os.ReadFile(filepath.Join(w.dir, ".github", "modelgate.yml"))
	w.setRules([]byte(strings.Replace(string(b), "version: 1\n", "version: 1\nextends:\n  path: policies/risk.yml\n", 1)))
	res, _, err := runGate(context.Background(), Options{Rules: ".github/modelgate.yml", Workdir: w.dir, Candidate: "12"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Conclusion != gate.Failure || res.PolicySHA256 == "" || len(res.Policies) != 2 || res.Policies[1].Name != "policies/risk.yml" {
		t.Errorf("result: %s, policy %s %+v; want a failure judged with policies/risk.yml", res.Conclusion, res.PolicySHA256, res.Policies)
	}
	failed := false
	for _, f := range res.Findings {
		if f.Rule == "org-accuracy" && f.Verdict == gate.Fail {
			failed = true
		}
	}
	if !failed {
		t.Errorf("org-accuracy did not fail: %+v", res.Findings)
	}
}

// A pull request that changes only the base's pin, to a commit whose
// policy lowers a min, is shown as loosening; rules_change: fail fails it.
func TestActionGuardBasePinLoosens(t *testing.T) {
	t.Parallel()
	w := policyWorld(t, policyA, false)
	w.setRules(extending(t, policyB, false)) // the PR's only change
	e := w.env("pull_request", "pull_request.synchronize", map[string]string{"INPUT_CANDIDATE": "12", "INPUT_RULES_CHANGE": "fail"}, nil)
	code := e.run(t, runGate)
	run := lastRun(w.fake, checkName)
	if code != gate.ExitFail || run == nil || run.Conclusion != "failure" {
		t.Fatalf("exit %d, check run %+v; want 1 and a failure\n%s", code, run, &e.stderr)
	}
	for _, want := range []string{"### Rules change", "| loosen | org-accuracy |"} {
		if !strings.Contains(run.Summary, want) {
			t.Errorf("check run summary lacks %q:\n%s", want, run.Summary)
		}
	}
	// The same pin on both sides is no change.
	w = policyWorld(t, policyA, false)
	e = w.env("pull_request", "pull_request.synchronize", map[string]string{"INPUT_CANDIDATE": "12", "INPUT_RULES_CHANGE": "fail"}, nil)
	if code := e.run(t, runGate); code != gate.ExitPass || strings.Contains(e.summary(t), "loosen") {
		t.Errorf("unchanged pin: exit %d; want 0, no loosening\n%s", code, e.summary(t))
	}
	// Tightening through the pin is not loosening.
	w = policyWorld(t, policyB, false)
	w.setRules(extending(t, policyA, false))
	e = w.env("pull_request", "pull_request.synchronize", map[string]string{"INPUT_CANDIDATE": "12", "INPUT_RULES_CHANGE": "fail"}, nil)
	if code := e.run(t, runGate); code != gate.ExitPass || strings.Contains(e.summary(t), "| loosen |") {
		t.Errorf("tightening pin: exit %d; want 0\n%s", code, e.summary(t))
	}
}

// A base at a moving ref that moves between the check and the merge: the
// re-check judges another policy, and approval refuses, saying so.
func TestApproveRefusesAMovedPolicy(t *testing.T) {
	t.Parallel()
	w := policyWorld(t, "main", true)
	w.fake.AddFile("main", "risk.yml", orgPolicy("0.75"))
	if code := w.check("12"); code != gate.ExitPass {
		t.Fatalf("PR check: exit %d", code)
	}
	w.fake.AddFile("main", "risk.yml", orgPolicy("0.5")) // main moves
	e := w.env("push", "push.default-branch", map[string]string{"INPUT_CANDIDATE": "12"}, nil)
	code := e.run(t, runGate)
	st, _ := w.pkg("12")
	if code != gate.ExitFail || st.ModelApprovalStatus != gate.StatusPending {
		t.Errorf("exit %d, v12 %s; want 1 and PendingManualApproval\n%s%s", code, st.ModelApprovalStatus, &e.stdout, &e.stderr)
	}
	if !strings.Contains(e.stdout.String()+e.stderr.String(), "the resolved policy changed since the pull request's check") {
		t.Errorf("the refusal does not say the policy moved:\n%s%s", &e.stdout, &e.stderr)
	}
}

// A pull request that changes only a base file of this repository (the
// rules file's bytes are the same on both sides) is compared as resolved
// policies: the base side's base is read at the base commit.
func TestActionGuardRepoBaseLoosens(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	b, _ := os.ReadFile(filepath.Join(w.dir, ".github", "modelgate.yml"))
	b = []byte(strings.Replace(string(b), "version: 1\n", "version: 1\nextends:\n  path: policies/risk.yml\n", 1))
	w.setRules(b)
	w.fake.AddFile(baseSHA, ".github/modelgate.yml", b)
	w.fake.AddFile(baseSHA, "policies/risk.yml", orgPolicy("0.75"))
	os.MkdirAll(filepath.Join(w.dir, "policies"), 0o755)
	os.WriteFile(filepath.Join(w.dir, "policies", "risk.yml"), orgPolicy("0.5"), 0o644) // the PR's only change
	e := w.env("pull_request", "pull_request.synchronize", map[string]string{"INPUT_CANDIDATE": "12", "INPUT_RULES_CHANGE": "fail"}, nil)
	code := e.run(t, runGate)
	run := lastRun(w.fake, checkName)
	if code != gate.ExitFail || run == nil || run.Conclusion != "failure" || !strings.Contains(run.Summary, "| loosen | org-accuracy |") {
		t.Errorf("exit %d, check run %+v; want 1 and a loosening of org-accuracy\n%s", code, run, &e.stderr)
	}
	// The base file unchanged: no rules change, the check passes.
	os.WriteFile(filepath.Join(w.dir, "policies", "risk.yml"), orgPolicy("0.75"), 0o644)
	e = w.env("pull_request", "pull_request.synchronize", map[string]string{"INPUT_CANDIDATE": "12", "INPUT_RULES_CHANGE": "fail"}, nil)
	if code := e.run(t, runGate); code != gate.ExitPass || strings.Contains(e.summary(t), "| loosen |") {
		t.Errorf("unchanged base file: exit %d; want 0\n%s%s", code, e.summary(t), &e.stderr)
	}
}

// With rules_change: fail, approval compares the resolved policies before
// and after the merge: a merge that only moves the base's pin to a looser
// commit does not approve.
func TestActionApproveRefusesLoosenedBasePinAtMerge(t *testing.T) {
	t.Parallel()
	w := policyWorld(t, policyA, false)
	w.setRules(extending(t, policyB, false))
	e := w.env("pull_request", "pull_request.synchronize", map[string]string{"INPUT_CANDIDATE": "12", "INPUT_RULES_CHANGE": "allow"}, nil)
	if code := e.run(t, runGate); code != 0 {
		t.Fatalf("PR check exit %d\n%s", code, &e.stderr)
	}
	before := func(m map[string]any) { m["before"] = baseSHA }
	e = w.env("push", "push.default-branch", map[string]string{"INPUT_CANDIDATE": "12", "INPUT_RULES_CHANGE": "fail"}, before)
	code := e.run(t, runGate)
	if s, _ := w.pkg("12"); code != 1 || s.ModelApprovalStatus != gate.StatusPending || !strings.Contains(e.stdout.String(), "the merge loosens the rules file") ||
		!strings.Contains(e.stdout.String(), "org-accuracy") {
		t.Errorf("exit %d, v12 %s\n%s%s", code, s.ModelApprovalStatus, &e.stdout, &e.stderr)
	}
}
