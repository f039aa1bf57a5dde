package sagemaker

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/gatetest"
)

// Identity is the ARN that was asked: an answer of DescribeModelPackage
// about another package is refused, by Resolve and by SetApproval, and
// nothing is written to either package.
func TestDescribeAnswerMustBeThePackageAsked(t *testing.T) {
	f := newFakes(t)
	pkgs := f.seed(t, gate.StatusPending, gate.StatusPending, gate.StatusPending)
	v2, v3 := pkgs[1], pkgs[2]
	ctx := context.Background()
	good, err := resolveSel(ctx, f.client, group, "3")
	if err != nil || good.ARN != v3.ARN {
		t.Fatalf("Resolve(3) = %+v, %v", good, err)
	}
	f.sm.Misroute(v3.ARN, v2.ARN)
	for _, sel := range []string{"3", v3.ARN, LatestPending} {
		p, err := resolveSel(ctx, f.client, group, sel)
		if !errors.Is(err, ErrIdentity) || !strings.Contains(err.Error(), "describe model package "+v3.ARN+" answered "+v2.ARN) {
			t.Errorf("Resolve(%s) with a misrouted describe = %+v, %v; want ErrIdentity naming both ARNs", sel, p, err)
		}
		if IsRegistryFailure(err) {
			t.Errorf("Resolve(%s): an identity mismatch is not a registry failure", sel)
		}
	}
	// SetApproval reads the package again: the misrouted answer stops it
	// before UpdateModelPackage.
	err = f.client.SetApproval(ctx, good, gate.Decision{Status: gate.StatusApproved, Description: "approved"})
	if !errors.Is(err, ErrIdentity) {
		t.Errorf("SetApproval with a misrouted describe = %v; want ErrIdentity", err)
	}
	if n := len(f.sm.Calls("UpdateModelPackage")); n != 0 {
		t.Errorf("UpdateModelPackage requests = %d; want 0", n)
	}
	for _, p := range []gatetest.ModelPackage{v2, v3} {
		if got, _ := f.sm.Package(p.ARN); got.Approval != gate.StatusPending {
			t.Errorf("%s is %s; want it untouched", p.ARN, got.Approval)
		}
	}
}

// Just before UpdateModelPackage, SetApproval describes the package again
// and writes only when it is still the package that was judged.
func TestSetApprovalRefusesAChangedSageMakerPackage(t *testing.T) {
	d := gate.Decision{Status: gate.StatusApproved, Description: "approved by modelgate", Metadata: map[string]string{gate.MetaCommit: "abc"}}
	tests := []struct {
		name   string
		change func(p *gatetest.ModelPackage)
		want   string
		status string // the status afterwards
	}{
		{"rejected by hand meanwhile", func(p *gatetest.ModelPackage) { p.Approval = gate.StatusRejected },
			"its approval status is now Rejected (it was PendingManualApproval when judged)", gate.StatusRejected},
		{"approved by another run meanwhile", func(p *gatetest.ModelPackage) {
			p.Approval, p.ApprovalDescription = gate.StatusApproved, "approved by another run"
		}, "its approval status is now Approved", gate.StatusApproved},
		{"report swapped meanwhile", func(p *gatetest.ModelPackage) {
			p.Sources = map[string]gatetest.MetricsSource{"ModelMetrics.ModelQuality.Statistics": {ContentType: "application/json", S3Uri: "s3://reports/other.json"}}
		}, "its reports (ModelMetrics, DriftCheckBaselines) changed", gate.StatusPending},
		{"description edited meanwhile", func(p *gatetest.ModelPackage) { p.Description = "edited" },
			"the package changed since it was read", gate.StatusPending},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakes(t)
			pkgs := f.seed(t, gate.StatusPending)
			ctx := context.Background()
			f.sm.Update(pkgs[0].ARN, func(p *gatetest.ModelPackage) {}) // a LastModifiedTime to compare
			p, err := resolveSel(ctx, f.client, group, LatestPending)
			if err != nil {
				t.Fatal(err)
			}
			if p.Revision == "" {
				t.Fatal("Resolve gave no Revision for a package with LastModifiedTime")
			}
			f.sm.Update(p.ARN, tc.change)
			err = f.client.SetApproval(ctx, p, d)
			if !errors.Is(err, gate.ErrConflict) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("SetApproval = %v; want ErrConflict saying %q", err, tc.want)
			}
			if IsRegistryFailure(err) {
				t.Errorf("a lost race is reported as a registry failure")
			}
			if n := len(f.sm.Calls("UpdateModelPackage")); n != 0 {
				t.Errorf("UpdateModelPackage requests = %d; want 0", n)
			}
			if got, _ := f.sm.Package(p.ARN); got.Approval != tc.status || got.Metadata[gate.MetaCommit] != "" {
				t.Errorf("package after the refusal = %s %v; want %s and no audit record", got.Approval, got.Metadata, tc.status)
			}
		})
	}
}

// Two runs that read the same pending package: the first writes, the
// second loses with ErrConflict and sends nothing.
func TestSageMakerSecondApprovalLoses(t *testing.T) {
	f := newFakes(t)
	pkgs := f.seed(t, gate.StatusPending)
	ctx := context.Background()
	a, _ := resolveSel(ctx, f.client, group, LatestPending)
	b, _ := resolveSel(ctx, f.client, group, LatestPending)
	if err := f.client.SetApproval(ctx, a, gate.Decision{Status: gate.StatusApproved, Description: "run a", Metadata: map[string]string{gate.MetaCommit: "a"}}); err != nil {
		t.Fatal(err)
	}
	err := f.client.SetApproval(ctx, b, gate.Decision{Status: gate.StatusApproved, Description: "run b", Metadata: map[string]string{gate.MetaCommit: "b"}})
	if !errors.Is(err, gate.ErrConflict) {
		t.Fatalf("second approval = %v; want ErrConflict", err)
	}
	if n := len(f.sm.Calls("UpdateModelPackage")); n != 1 {
		t.Errorf("UpdateModelPackage requests = %d; want 1", n)
	}
	if got, _ := f.sm.Package(pkgs[0].ARN); got.ApprovalDescription != "run a" || got.Metadata[gate.MetaCommit] != "a" {
		t.Errorf("package = %q %v; want run a's record", got.ApprovalDescription, got.Metadata)
	}
}
