package action

import (
	"net/http"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/gatetest"
)

// The decision check run cannot be posted before the registry write: the
// run writes nothing and exits 3 (README: "Exit codes" of approval).
func TestApproveDecisionCheckFailsBeforeTheWrite(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	if code := w.check("12"); code != 0 {
		t.Fatalf("PR check exit %d", code)
	}
	w.fake.FailNext("checks/create", http.StatusBadGateway, 100)
	e := w.env("push", "push.default-branch", map[string]string{"INPUT_CANDIDATE": "12"}, nil)
	code := e.run(t, runGate)
	st, _ := w.pkg("12")
	if code != gate.ExitRuntime || st.ModelApprovalStatus != gate.StatusPending {
		t.Errorf("exit %d, v12 %s; want 3 and PendingManualApproval\n%s%s", code, st.ModelApprovalStatus, &e.stdout, &e.stderr)
	}
	if strings.Contains(e.stdout.String(), "Approved fraud-xgboost") || !strings.Contains(e.stderr.String(), "nothing written") {
		t.Errorf("the decision was announced although not written:\n%s%s", &e.stdout, &e.stderr)
	}
}

// The decision check run cannot be completed after the registry write:
// the write stands, the exit code is the decision's (0), and an error
// annotation says the check run is incomplete.
func TestApproveDecisionCheckFailsAfterTheWrite(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	if code := w.check("12"); code != 0 {
		t.Fatalf("PR check exit %d", code)
	}
	w.fake.FailNext("checks/update", http.StatusBadGateway, 100)
	e := w.env("push", "push.default-branch", map[string]string{"INPUT_CANDIDATE": "12"}, nil)
	code := e.run(t, runGate)
	st, _ := w.pkg("12")
	if code != gate.ExitPass || st.ModelApprovalStatus != gate.StatusApproved {
		t.Errorf("exit %d, v12 %s; want 0 and Approved\n%s%s", code, st.ModelApprovalStatus, &e.stdout, &e.stderr)
	}
	if !strings.Contains(e.stdout.String(), "::error::modelgate wrote Approved into the registry, but could not complete the \"modelgate / approval\" check run") {
		t.Errorf("no error annotation:\n%s", &e.stdout)
	}
	// The decision was opened before the write.
	opened := false
	for _, r := range w.fake.CheckRuns() {
		if r.Name == "modelgate / approval" {
			opened = true
		}
	}
	if !opened {
		t.Errorf("no decision check run was opened: %+v", w.fake.CheckRuns())
	}
}

// A check run posted by another app, or by none, is never trusted.
func TestApproveTrustsOnlyGitHubActions(t *testing.T) {
	t.Parallel()
	for _, app := range []string{"", "evil-app"} {
		w := newWorld(t)
		if code := w.check("12"); code != 0 {
			t.Fatalf("PR check exit %d", code)
		}
		// A newer run of the same name with the same (valid) evidence, by
		// another app: Find takes the newest.
		runs := w.fake.CheckRuns()
		cr := runs[len(runs)-1]
		cr.ID, cr.App = 0, app
		w.fake.AddCheckRun(cr)
		e := w.env("push", "push.default-branch", map[string]string{"INPUT_CANDIDATE": "12"}, nil)
		code := e.run(t, runGate)
		st, _ := w.pkg("12")
		if code != gate.ExitFail || st.ModelApprovalStatus != gate.StatusPending || !strings.Contains(e.stdout.String(), "not by GitHub Actions") {
			t.Errorf("app %q: exit %d, v12 %s\n%s%s", app, code, st.ModelApprovalStatus, &e.stdout, &e.stderr)
		}
	}
}

// A 502 on the base rules file (after the retries) with rules_change:
// fail never fails an unchanged PR on "loosening": it is a runtime error
// of the check (exit 3, a check run saying the guard could not run). Two
// 502s are retried and the unchanged PR passes.
func TestGuardBaseRulesUnavailable(t *testing.T) {
	t.Parallel()
	inputs := map[string]string{"INPUT_CANDIDATE": "12", "INPUT_RULES_CHANGE": "fail"}

	w := newWorld(t)
	w.fake.FailNext("repos/get-content", http.StatusBadGateway, 2)
	e := w.env("pull_request", "pull_request.synchronize", inputs, nil)
	if code := e.run(t, runGate); code != gate.ExitPass {
		t.Errorf("two 502s on the base rules: exit %d; want 0 (retried, unchanged)\n%s%s", code, &e.stdout, &e.stderr)
	}

	w = newWorld(t)
	w.fake.FailNext("repos/get-content", http.StatusBadGateway, 100)
	e = w.env("pull_request", "pull_request.synchronize", inputs, nil)
	code := e.run(t, runGate)
	if code != gate.ExitRuntime {
		t.Errorf("base rules unreadable: exit %d; want 3\n%s%s", code, &e.stdout, &e.stderr)
	}
	var run *gatetest.CheckRun
	for _, r := range w.fake.CheckRuns() {
		if r.Name == checkName && r.HeadSHA == prHead {
			r := r
			run = &r
		}
	}
	if run == nil || run.Conclusion != "failure" || !strings.Contains(run.Title, "the rules-change guard could not run") ||
		strings.Contains(run.Summary, "loosen") {
		t.Errorf("check run = %+v; want a failure saying the guard could not run, no loosening", run)
	}
	// rules_change: allow does not depend on the guard.
	w = newWorld(t)
	w.fake.FailNext("repos/get-content", http.StatusBadGateway, 100)
	e = w.env("pull_request", "pull_request.synchronize", map[string]string{"INPUT_CANDIDATE": "12", "INPUT_RULES_CHANGE": "allow"}, nil)
	if code := e.run(t, runGate); code != gate.ExitPass {
		t.Errorf("rules_change allow: exit %d; want 0\n%s", code, &e.stderr)
	}
}

// A rules file missing on the base (404) is new in this pull request.
func TestGuardNewRulesFile(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	e := w.env("pull_request", "pull_request.synchronize", map[string]string{"INPUT_CANDIDATE": "12", "INPUT_RULES_CHANGE": "fail"},
		func(m map[string]any) {
			m["pull_request"].(map[string]any)["base"].(map[string]any)["sha"] = strings.Repeat("9", 40)
		})
	code := e.run(t, runGate)
	if sum := e.summary(t); code != gate.ExitPass || !strings.Contains(sum, "is new in this pull request") {
		t.Errorf("exit %d; summary:\n%s", code, sum)
	}
}
