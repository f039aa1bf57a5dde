package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/modelgate/modelgate/gate"
)

func cmdApprove(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	var c commonFlags
	fs := newFlagSet("approve", stderr)
	c.register(fs)
	var in gate.ApprovalInput
	evidence := fs.String("evidence", "", "JSON result of the pull request's check (modelgate check --out); approval refuses a different package or changed reports")
	fs.StringVar(&in.Commit, "commit", "", "commit the approval is recorded against (required)")
	fs.IntVar(&in.PR, "pr", 0, "pull request number, for the audit record")
	fs.StringVar(&in.Actor, "actor", "", "who merged, for the audit record")
	fs.StringVar(&in.CheckURL, "check-url", "", "URL of the pull request's check run, for the audit record")
	fs.StringVar(&in.OnFail, "on-fail", "leave", "when the re-check fails: leave (the package stays pending) or reject")
	fs.BoolVar(&in.Override, "override", false, "overwrite a Rejected package or an approval not made by this commit (recorded in the audit)")
	noEvidence := fs.Bool("no-evidence", false, "approve without the evidence of a pull request's check (the registry credentials are then the only gate)")
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	err := c.check()
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err == nil && in.OnFail != "leave" && in.OnFail != "reject" {
		err = fmt.Errorf("--on-fail %q: want leave or reject", in.OnFail)
	}
	if err == nil && *evidence == "" && !*noEvidence {
		err = fmt.Errorf("--evidence FILE (the JSON result of the pull request's check) is required; --no-evidence approves without it")
	}
	if err == nil && in.Commit == "" {
		err = fmt.Errorf("--commit is required: the approval is recorded against a commit")
	}
	if err != nil {
		fmt.Fprintf(stderr, "modelgate approve: %v\n", err)
		return gate.ExitUsage
	}
	if *evidence != "" {
		ev, err := readEvidence(*evidence)
		if err != nil {
			fmt.Fprintf(stderr, "modelgate approve: %v\n", err)
			return gate.ExitUsage
		}
		in.Evidence = ev
	}
	res, _, reg, err := runGateReg(ctx, c.gateOptions)
	if err != nil {
		fmt.Fprintf(stderr, "modelgate approve: %v (nothing written)\n", err)
		return exitCodeOf(err)
	}
	if c.failOn == "warning" {
		res.FailOnWarnings()
	}
	if err := writeResult(res, c.format, c.out, stdout); err != nil {
		fmt.Fprintf(stderr, "modelgate approve: %v\n", err)
		return gate.ExitRuntime
	}
	in.Result = res
	plan, err := applyApproval(ctx, reg, in)
	fmt.Fprintf(stderr, "%s\n", planLine(res, plan))
	if err != nil {
		fmt.Fprintf(stderr, "modelgate approve: %v\n", err)
		return gate.ExitRuntime
	}
	return approvalExit(plan)
}

// applyApproval plans and, for approve and reject, writes the decision.
// Just before writing it reads the package again and plans on its current
// state, so that a status set by hand during the re-check (a manual
// Rejected) is not overwritten.
func applyApproval(ctx context.Context, reg gate.Registry, in gate.ApprovalInput) (gate.ApprovalPlan, error) {
	plan := gate.PlanApproval(in)
	if plan.Decision == nil {
		return plan, nil
	}
	cand := in.Result.Candidate
	fresh, err := reg.Resolve(ctx, cand.Group, cand.ARN)
	if err != nil {
		return plan, fmt.Errorf("read %s again before writing: %w", cand.ARN, err)
	}
	now := *in.Result
	now.Candidate = fresh
	in.Result = &now
	if plan = gate.PlanApproval(in); plan.Decision == nil {
		return plan, nil
	}
	// The judged package, not the fresh one: the adapter compares it with
	// what it reads under its lock (gate.ErrConflict on any change since
	// the re-check read it, reports included).
	if err := reg.SetApproval(ctx, cand, *plan.Decision); err != nil {
		return plan, fmt.Errorf("write %s for %s: %w", plan.Decision.Status, fresh.ARN, err)
	}
	return plan, nil
}

// approvalExit: 0 when the package is (now) approved, 1 otherwise.
func approvalExit(p gate.ApprovalPlan) int {
	if p.Action == gate.ActionApprove || p.Action == gate.ActionNoop {
		return gate.ExitPass
	}
	return gate.ExitFail
}

func planLine(res *gate.Result, p gate.ApprovalPlan) string {
	what := "the candidate"
	if res != nil && res.Candidate != nil {
		what = fmt.Sprintf("%s v%d", res.Candidate.Group, res.Candidate.Version)
	}
	var s string
	switch p.Action {
	case gate.ActionApprove:
		s = "Approved " + what
	case gate.ActionReject:
		s = "Rejected " + what
	case gate.ActionNoop:
		s = "Already approved " + what + " by this commit; nothing written"
	default:
		s = "Left " + what + " as it is; nothing written"
	}
	for _, r := range p.Reasons {
		s += "\n  - " + oneLine(r)
	}
	return s
}

// readEvidence reads a JSON result written by check --out.
func readEvidence(path string) (*gate.Evidence, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read evidence: %w", err)
	}
	var r gate.Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("read evidence %s: %w", path, err)
	}
	if r.Candidate == nil || r.Candidate.ARN == "" {
		return nil, fmt.Errorf("read evidence %s: no candidate package in it", path)
	}
	ev := gate.EvidenceOf(&r)
	return &ev, nil
}
