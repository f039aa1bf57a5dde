package gate

import "testing"

// The version goes into the audit metadata, escaped like every value: a
// build's "(abc, modified)" has characters the API refuses.
func TestApprovalAuditVersion(t *testing.T) {
	t.Parallel()
	r := passingResult(StatusPending, nil)
	r.Version = "v1.2.3 (0123456789ab, modified)"
	p := PlanApproval(ApprovalInput{Result: r, Commit: "c1"})
	if p.Decision == nil {
		t.Fatalf("no decision: %+v", p)
	}
	if got, want := p.Decision.Metadata[MetaVersion], "v1.2.3 =280123456789ab=2C modified=29"; got != want {
		t.Errorf("%s = %q; want %q", MetaVersion, got, want)
	}
	r.Version = ""
	if p := PlanApproval(ApprovalInput{Result: r, Commit: "c1"}); p.Decision.Metadata[MetaVersion] != "" {
		t.Errorf("no version, but %s = %q", MetaVersion, p.Decision.Metadata[MetaVersion])
	}
	if _, ok := p.Decision.Metadata[MetaVersion]; !ok {
		t.Error("first decision lost its version key")
	}
}
