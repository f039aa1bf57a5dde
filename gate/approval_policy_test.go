package gate

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/modelgate/modelgate/rules"
)

func extendedResult(policy string) *Result {
	r := passingResult(StatusPending, nil)
	r.PolicySHA256 = policy
	if policy != "" {
		r.Policies = []rules.PolicySource{{Name: ".github/modelgate.yml", SHA256: "aaaa"}, {Name: "acme/p@main:risk.yml", SHA256: "bbbb", Depth: 1}}
	}
	return r
}

// Approval refuses when the re-check resolved another policy than the
// pull request's check (a base at a moving ref moved), and never rejects
// on it.
func TestPlanApprovalPolicyMoved(t *testing.T) {
	t.Parallel()
	p1, p2 := strings.Repeat("1", 64), strings.Repeat("2", 64)
	for _, tc := range []struct {
		name         string
		then, now    string
		want         ApprovalAction
		reasonSubstr string
	}{
		{"same policy", p1, p1, ActionApprove, "passed"},
		{"moved", p1, p2, ActionLeave, "the resolved policy changed since the pull request's check (policy sha256 111111111111, now 222222222222)"},
		{"extends added since the check", "", p2, ActionLeave, "policy sha256 none, now 222222222222"},
		{"extends dropped since the check", p1, "", ActionLeave, "now none"},
	} {
		ev := EvidenceOf(extendedResult(tc.then), "")
		p := PlanApproval(ApprovalInput{Result: extendedResult(tc.now), Evidence: &ev, Commit: "c1"})
		if p.Action != tc.want || !strings.Contains(strings.Join(p.Reasons, "; "), tc.reasonSubstr) {
			t.Errorf("%s: %s %q; want %s with %q", tc.name, p.Action, p.Reasons, tc.want, tc.reasonSubstr)
		}
	}
	// A failing re-check under a moved policy is left, never rejected.
	now := extendedResult(p2)
	now.Conclusion, now.Counts = Failure, Counts{Rules: 3, Pass: 2, Fail: 1, FailedRules: 1}
	ev := EvidenceOf(extendedResult(p1), "")
	if p := PlanApproval(ApprovalInput{Result: now, Evidence: &ev, Commit: "c1", OnFail: "reject"}); p.Action != ActionLeave {
		t.Errorf("failing re-check under a moved policy: %s; want leave", p.Action)
	}
}

// The audit record names the policy digest; the description stays within
// the API's 1024 characters however long the rest is.
func TestApprovalAuditPolicy(t *testing.T) {
	t.Parallel()
	pol := strings.Repeat("c", 64)
	d := PlanApproval(ApprovalInput{Result: extendedResult(pol), Commit: "c1"}).Decision
	if d == nil || d.Metadata[MetaPolicySHA] != pol || d.Metadata[MetaRulesSHA] != "aaaa" ||
		!strings.Contains(d.Description, "rules sha256 aaaa, policy sha256 "+pol+" (2 files); 3 rules") {
		t.Fatalf("decision = %+v", d)
	}
	d = PlanApproval(ApprovalInput{Result: extendedResult(pol), Commit: "c1", CheckURL: "https://e/" + strings.Repeat("é", 2000)}).Decision
	if n := utf8.RuneCountInString(d.Description); n > MaxApprovalDescription || !utf8.ValidString(d.Description) {
		t.Errorf("description of %d characters", n)
	}
	// A rules file that extends nothing: no policy key, the description as before.
	d = PlanApproval(ApprovalInput{Result: extendedResult(""), Commit: "c1"}).Decision
	if _, ok := d.Metadata[MetaPolicySHA]; ok || strings.Contains(d.Description, "policy") || !strings.Contains(d.Description, "rules sha256 aaaa; 3 rules") {
		t.Errorf("no extends: %+v", d)
	}
}

// The evidence copies the policy sources: a later change of the result
// does not change what the check judged.
func TestEvidenceOfPolicy(t *testing.T) {
	t.Parallel()
	r := extendedResult(strings.Repeat("d", 64))
	ev := EvidenceOf(r, "")
	r.Policies[1].SHA256 = "changed"
	if ev.PolicySHA256 != r.PolicySHA256 || len(ev.Policies) != 2 || ev.Policies[1].SHA256 != "bbbb" {
		t.Errorf("evidence = %s %+v", ev.PolicySHA256, ev.Policies)
	}
}
