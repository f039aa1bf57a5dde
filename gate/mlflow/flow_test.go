package mlflow_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/gatetest"
	"github.com/modelgate/modelgate/gate/mlflow"
	"github.com/modelgate/modelgate/gate/report"
	"github.com/modelgate/modelgate/rules"
)

const flowRules = `version: 1
model: {group: churn}
registry: {kind: mlflow, model: churn}
reports:
  - {name: eval, uri: eval/results.json}
rules:
  - {id: auc-floor, metric: quality.auc, min: 0.85}
  - {id: auc-drop, metric: quality.auc, vs_baseline: {max_drop: 0.02}}
  - {id: eval-score, metric: eval.score, min: 2}
`

var now = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func run(t *testing.T, c *mlflow.Client, candidate ...string) *gate.Result {
	t.Helper()
	f, err := rules.Parse("modelgate.yml", []byte(flowRules))
	if err != nil {
		t.Fatal(err)
	}
	o := gate.RunOptions{Read: report.Read, Now: now}
	if len(candidate) > 0 {
		o.Candidate = candidate[0]
	}
	res, err := gate.Run(context.Background(), c, f, o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// approve is the approval protocol as the CLI runs it (cmd/modelgate
// applyApproval): plan, read the candidate again by its ARN, plan again,
// write the judged package.
func approve(ctx context.Context, reg gate.Registry, in gate.ApprovalInput) (gate.ApprovalPlan, error) {
	plan := gate.PlanApproval(in)
	if plan.Decision == nil {
		return plan, nil
	}
	cand := in.Result.Candidate
	fresh, err := reg.Resolve(ctx, cand.Group, gate.ARNSelector(cand.ARN))
	if err != nil {
		return plan, err
	}
	cur := *in.Result
	cur.Candidate = fresh
	in.Result = &cur
	if plan = gate.PlanApproval(in); plan.Decision == nil {
		return plan, nil
	}
	return plan, reg.SetApproval(ctx, cand, *plan.Decision)
}

// The check on the pull request, then the approval on merge by another
// process (a new client), from the evidence of the check.
func TestCheckThenApproveOnMerge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name        string
		beforeMerge func(f *gatetest.MLflowFake)
		action      gate.ApprovalAction
		champion    int
	}{
		{"unchanged", func(*gatetest.MLflowFake) {}, gate.ActionApprove, 2},
		{"artifact changed after the check", func(f *gatetest.MLflowFake) {
			f.SetArtifact("r2", "eval/results.json", []byte(`{"score": 4}`)) // still passes
		}, gate.ActionLeave, 1},
		{"metric logged again after the check", func(f *gatetest.MLflowFake) {
			f.SetMetric("r2", gatetest.MLflowMetric{Key: "auc", Value: 0.9, Step: 9, Timestamp: 30})
		}, gate.ActionLeave, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := seed(t)
			pr := run(t, client(t, f))
			if pr.Conclusion != gate.Success || pr.Candidate.ARN != "models:/churn/2" || pr.Baseline == nil || pr.Baseline.Version != 1 {
				t.Fatalf("check: %s, candidate %v, baseline %v", pr.Title(), pr.Candidate, pr.Baseline)
			}
			ev := gate.EvidenceOf(pr, "")
			if len(ev.Reports) != 2 || ev.Reports[0].SHA256 == "" {
				t.Fatalf("evidence reports = %+v", ev.Reports)
			}
			tc.beforeMerge(f)
			c := client(t, f)
			res := run(t, c)
			plan, err := approve(ctx, c, gate.ApprovalInput{Result: res, Evidence: &ev, RequireEvidence: true, Commit: "c0ffee", PR: 7, Actor: "alice"})
			if err != nil {
				t.Fatal(err)
			}
			if plan.Action != tc.action || f.Alias(model, "champion") != tc.champion {
				t.Errorf("plan %s (%v), @champion=%d; want %s and %d", plan.Action, plan.Reasons, f.Alias(model, "champion"), tc.action, tc.champion)
			}
			if tc.action == gate.ActionLeave && len(f.Writes()) != 0 {
				t.Errorf("%d writes for a refused approval", len(f.Writes()))
			}
			if tc.action == gate.ActionApprove {
				v, _ := f.Version(model, 2)
				if v.Tags["modelgate.commit"] != "c0ffee" || v.Tags["modelgate.pr"] != "7" || v.Tags["modelgate.approved_by"] != "alice" ||
					v.Tags["modelgate.rules_sha256"] != pr.RulesSHA256 || !strings.HasPrefix(v.Tags["modelgate.result"], "success") {
					t.Errorf("audit tags = %v", v.Tags)
				}
				// The approved version re-judged: a no-op for the same commit.
				again := run(t, client(t, f), "2")
				if again.Baseline == nil || again.Baseline.Version != 1 {
					t.Errorf("re-judged v2 against %v; want the approved version before it", again.Baseline)
				}
				if p := gate.PlanApproval(gate.ApprovalInput{Result: again, Evidence: &ev, Commit: "c0ffee"}); p.Action != gate.ActionNoop {
					t.Errorf("again: %s %v", p.Action, p.Reasons)
				}
			}
		})
	}
}

// Someone promotes another version by hand between the pull request's check
// and the merge (another process): the merge never overwrites it, unless
// the decision is an override.
func TestAliasSetByHandBeforeMerge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, override := range []bool{false, true} {
		f := seed(t)
		f.AddRun(gatetest.MLflowRun{ID: "r3", Metrics: []gatetest.MLflowMetric{{Key: "auc", Value: 0.905}},
			Artifacts: map[string][]byte{"eval/results.json": []byte(`{"score": 2}`)}})
		f.AddVersion(gatetest.MLflowVersion{Name: model, RunID: "r3"})
		pr := run(t, client(t, f))
		ev := gate.EvidenceOf(pr, "")
		f.SetAlias(model, "champion", 3) // by hand, in the MLflow UI
		c := client(t, f)
		res := run(t, c)
		if res.Baseline == nil || res.Baseline.Version != 3 || res.Conclusion != gate.Success {
			t.Fatalf("re-check: %s against %v", res.Title(), res.Baseline)
		}
		_, err := approve(ctx, c, gate.ApprovalInput{Result: res, Evidence: &ev, RequireEvidence: true, Commit: "c0ffee", Override: override})
		if override {
			v, _ := f.Version(model, 2)
			if err != nil || f.Alias(model, "champion") != 2 || v.Tags["modelgate.override"] == "" {
				t.Errorf("override: %v, @champion %d, tags %v", err, f.Alias(model, "champion"), v.Tags)
			}
			continue
		}
		if !errors.Is(err, gate.ErrConflict) || !strings.Contains(err.Error(), "which modelgate did not approve") {
			t.Fatalf("approval over a hand-set alias: %v", err)
		}
		if len(f.Writes()) != 0 || f.Alias(model, "champion") != 3 {
			t.Errorf("written: %d writes, @champion %d", len(f.Writes()), f.Alias(model, "champion"))
		}
	}
}

// The bytes change between the re-check on merge and the write: the
// adapter's own digest check refuses.
func TestReportChangedDuringApproval(t *testing.T) {
	t.Parallel()
	f := seed(t)
	c := client(t, f)
	res := run(t, c)
	ev := gate.EvidenceOf(res, "")
	plan := gate.PlanApproval(gate.ApprovalInput{Result: res, Evidence: &ev, RequireEvidence: true, Commit: "c0ffee"})
	if plan.Decision == nil {
		t.Fatalf("plan %s %v", plan.Action, plan.Reasons)
	}
	f.SetArtifact("r2", "eval/results.json", []byte(`{"score": 1}`))
	err := c.SetApproval(context.Background(), res.Candidate, *plan.Decision)
	if !errors.Is(err, gate.ErrConflict) || !strings.Contains(err.Error(), "eval/results.json changed since it was judged") {
		t.Fatalf("SetApproval = %v", err)
	}
	if len(f.Writes()) != 0 || f.Alias(model, "champion") != 1 {
		t.Errorf("written: %d writes, @champion=%d", len(f.Writes()), f.Alias(model, "champion"))
	}
}

// A failing candidate is left alone, or rejected with on_fail: reject.
func TestFailingCandidate(t *testing.T) {
	t.Parallel()
	for _, onFail := range []string{"leave", "reject"} {
		f := seed(t)
		f.SetMetric("r2", gatetest.MLflowMetric{Key: "auc", Value: 0.7, Step: 8})
		c := client(t, f)
		res := run(t, c)
		if res.Conclusion != gate.Failure {
			t.Fatalf("conclusion %s", res.Title())
		}
		ev := gate.EvidenceOf(res, "")
		plan, err := approve(context.Background(), c, gate.ApprovalInput{Result: res, Evidence: &ev, Commit: "c0ffee", OnFail: onFail})
		if err != nil {
			t.Fatal(err)
		}
		v, _ := f.Version(model, 2)
		want := map[string]string{"leave": "pending", "reject": "rejected"}[onFail]
		if v.Tags["modelgate.status"] != want || f.Alias(model, "champion") != 1 {
			t.Errorf("on_fail %s: plan %s, status tag %q, @champion %d", onFail, plan.Action, v.Tags["modelgate.status"], f.Alias(model, "champion"))
		}
	}
}

// Model names with spaces and quotes: MLflow allows them.
func TestConfigModel(t *testing.T) {
	t.Parallel()
	f := gatetest.NewMLflow(t)
	const name = "Churn classifier"
	f.AddRun(gatetest.MLflowRun{ID: "r"})
	f.AddVersion(gatetest.MLflowVersion{Name: name, RunID: "r", Tags: map[string]string{"modelgate.status": "pending"}})
	c := client(t, f, func(c *mlflow.Config) { c.Model = name })
	p, err := c.Resolve(context.Background(), "churn", mustSel("latest-pending"))
	if err != nil || p.Group != name || p.ARN != "models:/Churn classifier/1" {
		t.Fatalf("Resolve = %+v, %v", p, err)
	}
	if err := c.SetApproval(context.Background(), p, decision(gate.StatusApproved)); err != nil || f.Alias(name, "champion") != 1 {
		t.Errorf("SetApproval = %v, @champion %d", err, f.Alias(name, "champion"))
	}
}

func TestOddModelName(t *testing.T) {
	t.Parallel()
	f := gatetest.NewMLflow(t)
	const name = "Churn model's v2"
	f.AddRun(gatetest.MLflowRun{ID: "r"})
	f.AddVersion(gatetest.MLflowVersion{Name: name, RunID: "r", Tags: map[string]string{"modelgate.status": "pending"}})
	f.AddVersion(gatetest.MLflowVersion{Name: "other", RunID: "r", Tags: map[string]string{"modelgate.status": "pending"}})
	c := client(t, f)
	ctx := context.Background()
	p, err := c.Resolve(ctx, name, mustSel("latest-pending"))
	if err != nil || p.ARN != "models:/"+name+"/1" {
		t.Fatalf("Resolve = %v, %v", p, err)
	}
	again, err := c.Resolve(ctx, name, gate.ARNSelector(p.ARN))
	if err != nil || again.ARN != p.ARN {
		t.Fatalf("Resolve(%s) = %v, %v", p.ARN, again, err)
	}
	if _, err := c.Resolve(ctx, "other", gate.ARNSelector(p.ARN)); !errors.Is(err, gate.ErrNoPackage) {
		t.Errorf("the ARN of another model: %v", err)
	}
	if _, err := c.Resolve(ctx, `say "it's"`, mustSel("latest-pending")); !errors.Is(err, gate.ErrSelector) {
		t.Errorf("a name a filter cannot quote: %v", err)
	}
	if _, err := resolveSel(ctx, c, name, "models:/"+name+"/1\n::error::x"); !errors.Is(err, gate.ErrSelector) {
		t.Errorf("a newline in a models:/ selector: %v", err)
	}
}

// mustSel parses a selector as the rules file would spell it.
func mustSel(s string) gate.Selector {
	sel, err := gate.ParseSelector(s)
	if err != nil {
		panic(err)
	}
	return sel
}

// resolveSel resolves a selector as the rules file spells it: a selector
// that does not parse is refused before any request.
func resolveSel(ctx context.Context, r gate.Registry, group, s string) (*gate.Package, error) {
	sel, err := gate.ParseSelector(s)
	if err != nil {
		return nil, err
	}
	return r.Resolve(ctx, group, sel)
}
