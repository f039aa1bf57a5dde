package gate

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// The audit record of a Rejected decision (README "How approval works",
// on_fail: reject): it says Rejected, names the counts, and the metadata
// result counts the rules that passed (issue 18).
func TestRejectedAuditRecord(t *testing.T) {
	t.Parallel()
	r := passingResult(StatusPending, nil)
	r.Conclusion, r.Counts = Failure, Counts{Rules: 4, Pass: 3, Fail: 1, FailedRules: 1}
	ev := EvidenceOf(r, "")
	p := PlanApproval(ApprovalInput{Result: r, Evidence: &ev, Commit: "c9", OnFail: "reject"})
	if p.Action != ActionReject || p.Decision == nil {
		t.Fatalf("PlanApproval = %s %q; want reject with a decision", p.Action, p.Reasons)
	}
	d := p.Decision
	if d.Status != StatusRejected {
		t.Errorf("decision status = %q; want %q", d.Status, StatusRejected)
	}
	wantDesc := "Rejected by modelgate: " + r.Title() + ". commit c9, rules sha256 aaaa; 4 rules: 3 pass, 1 fail, 0 missing, 0 warn, 0 waived, 0 error"
	if d.Description != wantDesc {
		t.Errorf("description = %q; want %q", d.Description, wantDesc)
	}
	// No PR, actor or check URL: those keys are left out, not written empty or as 0.
	want := map[string]string{MetaCommit: "c9", MetaRulesSHA: "aaaa", MetaResult: "failure 3/4 rules passed"}
	if len(d.Metadata) != len(want) {
		t.Errorf("metadata = %v; want %v", d.Metadata, want)
	}
	for k, v := range want {
		if d.Metadata[k] != v {
			t.Errorf("metadata[%s] = %q; want %q", k, d.Metadata[k], v)
		}
	}

	// The approval of the same package says Approved.
	ok := passingResult(StatusPending, nil)
	ev = EvidenceOf(ok, "")
	p = PlanApproval(ApprovalInput{Result: ok, Evidence: &ev, Commit: "c9", PR: 1})
	if p.Action != ActionApprove || !strings.HasPrefix(p.Decision.Description, "Approved by modelgate: ") || p.Decision.Status != StatusApproved {
		t.Errorf("approval decision = %s %+v; want Approved by modelgate", p.Action, p.Decision)
	}
	if !strings.Contains(p.Decision.Description, ", PR #1,") || p.Decision.Metadata[MetaPR] != "1" {
		t.Errorf("PR 1: description %q, metadata %v; want PR #1 recorded", p.Decision.Description, p.Decision.Metadata)
	}
}

// ApprovalDescription is cut to 1,024 characters at a character boundary:
// a description over the limit keeps its first 1,024 characters.
func TestApprovalDescriptionCut(t *testing.T) {
	t.Parallel()
	r := passingResult(StatusPending, nil)
	url := "https://github.com/o/r/runs/" + strings.Repeat("ü", 1500)
	p := PlanApproval(ApprovalInput{Result: r, Commit: "c1", CheckURL: url})
	if p.Action != ActionApprove {
		t.Fatalf("PlanApproval = %s %q; want approve", p.Action, p.Reasons)
	}
	d := p.Decision.Description
	full := "Approved by modelgate: " + r.Title() + ". commit c1, check " + url
	if utf8.RuneCountInString(d) != MaxApprovalDescription || !strings.HasPrefix(full, d) {
		t.Errorf("description has %d characters (prefix of the full text: %v); want the first %d",
			utf8.RuneCountInString(d), strings.HasPrefix(full, d), MaxApprovalDescription)
	}
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"abcdé", 4, "abcd"},
		{"abcdé", 5, "abcdé"},
		{"éé", 1, "é"},
		{"abc", 0, ""},
	} {
		if got := TruncateRunes(tc.in, tc.n); got != tc.want {
			t.Errorf("TruncateRunes(%q, %d) = %q; want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

// Evidence lists the reports of each package sorted by slot, whatever the
// order they were read in, so the same reads give the same evidence (and
// the same external_id hash) on every run.
func TestEvidenceSortedBySlot(t *testing.T) {
	t.Parallel()
	r := passingResult(StatusPending, nil)
	r.Reports = []ReportRecord{
		{Package: "baseline", Slot: "quality", SHA256: "q0"},
		{Package: "candidate", Slot: "quality", SHA256: "q1"},
		{Package: "baseline", Slot: "bias", SHA256: "b0"},
		{Package: "candidate", Slot: "bias", SHA256: "b1"},
		{Package: "baseline", Slot: "explainability", SHA256: "e0"},
	}
	e := EvidenceOf(r, "")
	slots := func(rs []ReportRecord) string {
		var out []string
		for _, x := range rs {
			out = append(out, x.Slot+"="+x.SHA256)
		}
		return strings.Join(out, " ")
	}
	if got := slots(e.Reports); got != "bias=b1 quality=q1" {
		t.Errorf("candidate reports = %s; want bias=b1 quality=q1", got)
	}
	if got := slots(e.BaselineReports); got != "bias=b0 explainability=e0 quality=q0" {
		t.Errorf("baseline reports = %s; want bias=b0 explainability=e0 quality=q0", got)
	}
}
