package gate_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/localreg"
	"github.com/modelgate/modelgate/gate/report"
	"github.com/modelgate/modelgate/rules"
)

var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

var read gate.ReadFunc = report.Read

func fraudExample(t *testing.T) (*rules.File, *localreg.Registry) {
	t.Helper()
	f, err := rules.ReadFile("../examples/fraud/.github/modelgate.yml")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := localreg.New("../examples/fraud/registry")
	if err != nil {
		t.Fatal(err)
	}
	return f, reg
}

// failingRules lists the rules with a blocking finding.
func failingRules(r *gate.Result) []string {
	set := map[string]bool{}
	for _, f := range r.Findings {
		if f.Blocking {
			set[f.Rule] = true
		}
	}
	var out []string
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func finding(t *testing.T, r *gate.Result, rule string) gate.Finding {
	t.Helper()
	for _, f := range r.Findings {
		if f.Rule == rule {
			return f
		}
	}
	t.Fatalf("no finding for rule %s", rule)
	return gate.Finding{}
}

func TestRunExamplePassingCandidate(t *testing.T) {
	t.Parallel()
	f, reg := fraudExample(t)
	res, err := gate.Run(context.Background(), reg, f, gate.RunOptions{Candidate: "12", Read: read, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if res.Conclusion != gate.Neutral || res.ExitCode() != 0 {
		t.Errorf("v12: %s (exit %d), failing %v; want neutral (the class-imbalance warning and the CDDPL warning)", res.Conclusion, res.ExitCode(), failingRules(res))
	}
	if res.Candidate.Version != 12 || res.Baseline == nil || res.Baseline.Version != 11 {
		t.Fatalf("candidate/baseline = %+v / %+v", res.Candidate, res.Baseline)
	}
	auc := finding(t, res, "auc-no-regression")
	if auc.Value != 0.926 || auc.Baseline != 0.921 || math.Abs(auc.Delta-0.005) > 1e-12 {
		t.Errorf("auc-no-regression = %v vs %v (delta %v); want 0.926 vs 0.921", auc.Value, auc.Baseline, auc.Delta)
	}
	cddpl := finding(t, res, "conditional-disparity")
	if cddpl.Verdict != gate.Warn || !strings.Contains(cddpl.Reason, "Group variable is empty or not provided") {
		t.Errorf("conditional-disparity = %s %q; want warn with Clarify's error text", cddpl.Verdict, cddpl.Reason)
	}
	// Every report read is recorded with the sha256 of its bytes.
	for _, rec := range res.Reports {
		data, err := os.ReadFile(filepath.Join("../examples/fraud/registry/fraud-xgboost", map[string]string{"candidate": "12", "baseline": "11"}[rec.Package], rec.URI))
		if err != nil {
			t.Fatal(err)
		}
		if rec.SHA256 == "" || rec.SHA256 != sha(data) {
			t.Errorf("report %s %s sha256 = %q; want %s", rec.Package, rec.Slot, rec.SHA256, sha(data))
		}
	}
	if len(res.Reports) != 6 {
		t.Errorf("%d reports recorded; want 3 for the candidate and 3 for the baseline", len(res.Reports))
	}
}

func TestRunExampleFailingCandidate(t *testing.T) {
	t.Parallel()
	f, reg := fraudExample(t)
	res, err := gate.Run(context.Background(), reg, f, gate.RunOptions{Read: read, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if res.Candidate.Version != 13 {
		t.Fatalf("latest-pending = v%d; want v13", res.Candidate.Version)
	}
	want := []string{"accuracy-floor", "auc-floor", "f1-no-regression", "false-positive-rate", "gender-not-driving"}
	if got := failingRules(res); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("failing rules = %v; want %v", got, want)
	}
	if res.Conclusion != gate.Failure || res.ExitCode() != 1 {
		t.Errorf("conclusion %s exit %d", res.Conclusion, res.ExitCode())
	}
	// auc 1 with σ 0.1: 1 - 1.645·0.1 = 0.836 < 0.85 < 1: within noise.
	if fd := finding(t, res, "auc-floor"); fd.Verdict != gate.Inconclusive || fd.Value != 1 || fd.StdDev != 0.1 {
		t.Errorf("auc-floor = %s %v±%v; want inconclusive 1±0.1", fd.Verdict, fd.Value, fd.StdDev)
	}
	if fd := finding(t, res, "accuracy-floor"); fd.Value != 0.5 || fd.Verdict != gate.Fail {
		t.Errorf("accuracy-floor = %s %v; want fail 0.5", fd.Verdict, fd.Value)
	}
	if fd := finding(t, res, "gender-not-driving"); !strings.HasPrefix(fd.Reason, "customer_gender_male ranks 1 of 45") {
		t.Errorf("gender-not-driving reason = %q", fd.Reason)
	}
	if res.Title() != "5 of 14 rules failed - fraud-xgboost v13" {
		t.Errorf("Title = %q", res.Title())
	}
}

func TestRunFailsClosedOnRegistryErrors(t *testing.T) {
	t.Parallel()
	f, _ := fraudExample(t)
	// A tampered report: the registry's ContentDigest no longer matches.
	dir := t.TempDir()
	copyTree(t, "../examples/fraud/registry", dir)
	os.WriteFile(filepath.Join(dir, "fraud-xgboost/13/statistics.json"), []byte(`{"binary_classification_metrics":{"accuracy":{"value":0.99}}}`), 0o644)
	reg, _ := localreg.New(dir)
	// Bad input, not a registry failure: error verdicts on the rules that
	// need the report (exit 1), naming it and why.
	res, err := gate.Run(context.Background(), reg, f, gate.RunOptions{Read: read, Now: now})
	if err != nil {
		t.Fatalf("Run over a tampered report: %v; want a result with error verdicts", err)
	}
	if fd := finding(t, res, "auc-floor"); fd.Verdict != gate.Error || !strings.Contains(fd.Reason, "report quality (statistics.json): content digest mismatch") {
		t.Errorf("auc-floor over a tampered report = %s %q; want error naming the report and the digest", fd.Verdict, fd.Reason)
	}
	if res.Conclusion != gate.Failure || res.ExitCode() != 1 {
		t.Errorf("tampered report: conclusion %s exit %d; want failure, 1", res.Conclusion, res.ExitCode())
	}
	if plan := gate.PlanApproval(gate.ApprovalInput{Result: res, Commit: "c"}); plan.Action != gate.ActionLeave {
		t.Errorf("PlanApproval over a tampered report = %s; want leave", plan.Action)
	}
	// A candidate that does not exist.
	if _, err := gate.Run(context.Background(), reg, f, gate.RunOptions{Candidate: "99", Read: read, Now: now}); !errors.Is(err, gate.ErrNoPackage) {
		t.Errorf("Run(candidate 99) = %v; want ErrNoPackage", err)
	}
	// A report that arrives but is not a report: error verdicts, not a pass.
	copyTree(t, "../examples/fraud/registry", dir)
	p := filepath.Join(dir, "fraud-xgboost/12/package.json")
	b, _ := os.ReadFile(p)
	os.WriteFile(p, []byte(strings.ReplaceAll(string(b), `"ContentDigest"`, `"X"`)), 0o644)
	os.WriteFile(filepath.Join(dir, "fraud-xgboost/12/analysis_bias.json"), []byte(`[1,2,3]`), 0o644)
	res, err = gate.Run(context.Background(), reg, f, gate.RunOptions{Candidate: "12", Read: read, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Findings {
		if f.Rule == "reports-attached" || f.Rule == "disparate-impact" {
			got = append(got, f.Rule+" "+f.Metric+" "+string(f.Verdict))
		}
	}
	want := "reports-attached quality pass|reports-attached bias.pre error|reports-attached bias.post error|reports-attached explainability pass|disparate-impact bias.post.DI error"
	if res.Conclusion != gate.Failure || strings.Join(got, "|") != want {
		t.Errorf("unreadable bias report: %s %q; want failure %q", res.Conclusion, got, want)
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// A candidate that is already the newest approved package is compared with
// the approved version before it, never with itself or with nothing.
func TestRunCandidateIsLatestApproved(t *testing.T) {
	t.Parallel()
	f, _ := fraudExample(t)
	dir := t.TempDir()
	copyTree(t, "../examples/fraud/registry", dir)
	p := filepath.Join(dir, "fraud-xgboost/12/package.json")
	b, _ := os.ReadFile(p)
	os.WriteFile(p, []byte(strings.Replace(string(b), `"PendingManualApproval"`, `"Approved"`, 1)), 0o644)
	reg, _ := localreg.New(dir)
	res, err := gate.Run(context.Background(), reg, f, gate.RunOptions{Candidate: "12", Read: read, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if res.Baseline == nil || res.Baseline.Version != 11 {
		t.Fatalf("baseline = %+v; want v11", res.Baseline)
	}
	if fd := finding(t, res, "auc-no-regression"); fd.Baseline != 0.921 {
		t.Errorf("auc-no-regression baseline = %v; want 0.921 (v11)", fd.Baseline)
	}
}
