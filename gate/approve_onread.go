package gate

import (
	"context"
	"fmt"
)

// approveOnRead is Approve on a RereadingRegistry (SageMaker): announce on
// the re-check's plan, then one read of the package that is both the re-read
// the plan is made again on (a status set by hand during the re-check
// wins, as in Approve) and the adapter's read just before the write (a
// package changed since it was judged is ErrConflict). The window between
// that read and the write stays one round trip, and approving costs the
// re-check, one read and one write. When the plan made on the read writes
// nothing, the announced decision is completed with it by the caller, as
// for any outcome.
func approveOnRead(ctx context.Context, reg RereadingRegistry, in ApprovalInput, plan ApprovalPlan, announce func(context.Context, ApprovalPlan) error) (ApprovalOutcome, error) {
	cand := in.Result.Candidate
	if announce != nil {
		if err := announce(ctx, plan); err != nil {
			return ApprovalOutcome{Plan: plan}, err
		}
	}
	status := plan.Decision.Status
	written, err := reg.SetApprovalOnRead(ctx, cand, func(fresh *Package) (*Decision, error) {
		if fresh.ARN != cand.ARN || fresh.Version != cand.Version {
			return nil, fmt.Errorf("read %s again before writing: the registry answered with %s v%d", cand.ARN, fresh.ARN, fresh.Version)
		}
		now := *in.Result
		now.Candidate = fresh
		again := in
		again.Result = &now
		plan = PlanApproval(again)
		return plan.Decision, nil
	})
	if err != nil {
		return ApprovalOutcome{Plan: plan}, fmt.Errorf("write %s for %s: %w", status, cand.ARN, err)
	}
	return ApprovalOutcome{Plan: plan, Written: written}, nil
}
