package gate

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func passingResult(approval string, meta map[string]string) *Result {
	return &Result{
		Group:       "fraud-xgboost",
		RulesSHA256: "aaaa",
		Conclusion:  Success,
		Counts:      Counts{Rules: 3, Pass: 3},
		Candidate:   &Package{Group: "fraud-xgboost", ARN: "arn:pkg/12", Version: 12, Approval: approval, Metadata: meta},
		Reports: []ReportRecord{
			{Package: "candidate", Slot: "quality", SHA256: "q1"},
			{Package: "candidate", Slot: "bias", SHA256: "b1"},
			{Package: "baseline", Slot: "quality", SHA256: "q0"},
		},
	}
}

func TestPlanApproval(t *testing.T) {
	t.Parallel()
	ev := func(mut func(*Evidence)) *Evidence {
		e := EvidenceOf(passingResult(StatusPending, nil), "")
		if mut != nil {
			mut(&e)
		}
		return &e
	}
	failing := func() *Result {
		r := passingResult(StatusPending, nil)
		r.Conclusion, r.Counts = Failure, Counts{Rules: 3, Pass: 2, Fail: 1, FailedRules: 1}
		return r
	}
	tests := []struct {
		name   string
		in     ApprovalInput
		want   ApprovalAction
		reason string
	}{
		{"passes with matching evidence", ApprovalInput{Result: passingResult(StatusPending, nil), Evidence: ev(nil), Commit: "c1", PR: 7}, ActionApprove, "passed"},
		{"package swapped", ApprovalInput{Result: passingResult(StatusPending, nil), Evidence: ev(func(e *Evidence) { e.CandidateARN = "arn:pkg/11" }), Commit: "c1"}, ActionLeave, "judged arn:pkg/11"},
		{"report bytes changed", ApprovalInput{Result: passingResult(StatusPending, nil), Evidence: ev(func(e *Evidence) { e.Reports[1].SHA256 = "zz" }), Commit: "c1"}, ActionLeave, "report quality changed"},
		{"report added since", ApprovalInput{Result: passingResult(StatusPending, nil), Evidence: ev(func(e *Evidence) { e.Reports = e.Reports[:1] }), Commit: "c1"}, ActionLeave, "was not judged"},
		{"report gone since", ApprovalInput{Result: func() *Result { r := passingResult(StatusPending, nil); r.Reports = r.Reports[1:]; return r }(), Evidence: ev(nil), Commit: "c1"}, ActionLeave, "is not read now"},
		{"PR check failed", ApprovalInput{Result: passingResult(StatusPending, nil), Evidence: ev(func(e *Evidence) { e.Conclusion = Failure }), Commit: "c1"}, ActionLeave, "check failed"},
		{"no evidence when required", ApprovalInput{Result: passingResult(StatusPending, nil), RequireEvidence: true, Commit: "c1"}, ActionLeave, "merge was not gated"},
		{"no evidence, CLI", ApprovalInput{Result: passingResult(StatusPending, nil), Commit: "c1"}, ActionApprove, "passed"},
		{"re-check fails, leave", ApprovalInput{Result: failing(), Evidence: ev(nil), Commit: "c1"}, ActionLeave, "re-check failed"},
		{"re-check fails, reject", ApprovalInput{Result: failing(), Evidence: ev(nil), Commit: "c1", OnFail: "reject"}, ActionReject, "re-check failed"},
		{"re-check errored, never reject", ApprovalInput{Result: func() *Result { r := failing(); r.Counts.Error = 1; return r }(), Evidence: ev(nil), Commit: "c1", OnFail: "reject"}, ActionLeave, "re-check failed"},
		{"rejected by hand", ApprovalInput{Result: passingResult(StatusRejected, nil), Evidence: ev(nil), Commit: "c1"}, ActionLeave, "was Rejected"},
		{"rejected by hand, override", ApprovalInput{Result: passingResult(StatusRejected, nil), Evidence: ev(nil), Commit: "c1", Override: true}, ActionApprove, "passed"},
		{"approved by this commit", ApprovalInput{Result: passingResult(StatusApproved, map[string]string{MetaCommit: "c1"}), Evidence: ev(nil), Commit: "c1"}, ActionNoop, "already approved"},
		{"approved by someone else", ApprovalInput{Result: passingResult(StatusApproved, nil), Evidence: ev(nil), Commit: "c1"}, ActionLeave, "already Approved (not by modelgate)"},
		{"approved by another commit", ApprovalInput{Result: passingResult(StatusApproved, map[string]string{MetaCommit: "c0"}), Evidence: ev(nil), Commit: "c1"}, ActionLeave, "by commit c0"},
		{"no result", ApprovalInput{Commit: "c1"}, ActionLeave, "did not complete"},
		{"no commit", ApprovalInput{Result: passingResult(StatusPending, nil)}, ActionLeave, "no commit"},
		{"unknown status", ApprovalInput{Result: passingResult("", nil), Commit: "c1"}, ActionLeave, "not PendingManualApproval"},
		{"baseline changed since the check: no reject", ApprovalInput{Result: failing(), Evidence: ev(func(e *Evidence) { e.BaselineReports[0].SHA256 = "old" }), Commit: "c1", OnFail: "reject"}, ActionLeave, "re-check failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := PlanApproval(tc.in)
			if p.Action != tc.want || !strings.Contains(strings.Join(p.Reasons, "; "), tc.reason) {
				t.Errorf("PlanApproval(%s) = %s %q; want %s with %q", tc.name, p.Action, p.Reasons, tc.want, tc.reason)
			}
			if (p.Action == ActionApprove || p.Action == ActionReject) != (p.Decision != nil) {
				t.Errorf("PlanApproval(%s): decision %v for action %s", tc.name, p.Decision, p.Action)
			}
		})
	}
}

func TestApprovalAudit(t *testing.T) {
	t.Parallel()
	r := passingResult(StatusRejected, nil)
	p := PlanApproval(ApprovalInput{Result: r, Commit: "0123abc", PR: 42, Actor: "octocat", CheckURL: "https://github.com/o/r/runs/9", Override: true})
	d := p.Decision
	for _, want := range []string{"commit 0123abc", "PR #42", "merged by octocat", "check https://github.com/o/r/runs/9", "rules sha256 aaaa", "3 rules: 3 pass", "OVERRIDE of status Rejected"} {
		if !strings.Contains(d.Description, want) {
			t.Errorf("description %q lacks %q", d.Description, want)
		}
	}
	want := map[string]string{MetaCommit: "0123abc", MetaPR: "42", MetaApprovedBy: "octocat", MetaRulesSHA: "aaaa",
		MetaResult: "success 3/3 rules passed", MetaCheckRunURL: "https://github.com/o/r/runs/9", MetaOverride: "overrode Rejected"}
	for k, v := range want {
		if d.Metadata[k] != v {
			t.Errorf("metadata[%s] = %q; want %q", k, d.Metadata[k], v)
		}
	}
	if len(d.Metadata) != len(want) {
		t.Errorf("metadata = %v", d.Metadata)
	}
	long := strings.Repeat("é", 3000)
	if got := TruncateRunes(long, MaxApprovalDescription); utf8.RuneCountInString(got) != 1024 || !utf8.ValidString(got) {
		t.Errorf("TruncateRunes: %d runes, valid %v", utf8.RuneCountInString(got), utf8.ValidString(got))
	}
}

func TestSafeMetadataValue(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain value 1.2", "plain value 1.2"},
		{"a,b", "a=2Cb"},
		{"x=y", "x=3Dy"},
		{`say "hi"`, "say =22hi=22"},
		{"dependabot[bot]", "dependabot=5Bbot=5D"},
		{"tab\there", "tab=09here"},
		{"naïve", "naïve"},
		{"ok 😀", "ok =F0=9F=98=80"},
		{"bad\xffbyte", "bad=FFbyte"},
		{"", ""},
		{strings.Repeat("a", 300), strings.Repeat("a", 256)},
		// 254 letters then a comma: the 3-character escape does not fit
		// and is left out whole.
		{strings.Repeat("a", 254) + ",b", strings.Repeat("a", 254)},
		{strings.Repeat("é", 300), strings.Repeat("é", 256)},
	}
	for _, tt := range tests {
		got := SafeMetadataValue(tt.in)
		if got != tt.want {
			t.Errorf("SafeMetadataValue(%q) = %q; want %q", tt.in, got, tt.want)
		}
		for _, r := range got {
			if !MetadataRune(r) {
				t.Errorf("SafeMetadataValue(%q) = %q holds %q, which the API refuses", tt.in, got, r)
			}
		}
	}
	p := PlanApproval(ApprovalInput{Result: passingResult(StatusPending, nil), Commit: "c1", Actor: "github-merge-queue[bot]"})
	if got := p.Decision.Metadata[MetaApprovedBy]; got != "github-merge-queue=5Bbot=5D" {
		t.Errorf("approved-by = %q", got)
	}
}

func TestTruncateRunes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"abc", 5, "abc"},
		{"abc", 3, "abc"},
		{"abcd", 3, "abc"},
		{"ééé", 2, "éé"},
		{"✓✓", 1, "✓"},
		{"", 1, ""},
	}
	for _, tt := range tests {
		if got := TruncateRunes(tt.in, tt.max); got != tt.want {
			t.Errorf("TruncateRunes(%q, %d) = %q; want %q", tt.in, tt.max, got, tt.want)
		}
	}
}
