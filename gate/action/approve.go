package action

import (
	"context"
	"fmt"
	"strings"

	"github.com/modelgate/modelgate/gate"
	mgh "github.com/modelgate/modelgate/gate/github"
	"github.com/modelgate/modelgate/gate/render"
)

// mergedPR is the pull request a merge came from, and its gate evidence.
type mergedPR struct {
	Number   int
	HeadSHA  string
	Commit   string // the commit on the default branch
	CheckURL string
	Evidence *gate.Evidence
}

// approve is approve mode (DESIGN §7): find the merged pull request and
// the evidence its modelgate check recorded, re-check the candidate with the
// default branch's rules, and write Approved only when every condition of
// gate.PlanApproval holds, through gate.Approve. The writes are ordered so
// that no run exiting 3 has written the registry: the decision check run is
// opened first (failing: exit 3, nothing written), then the registry is
// written, then the decision printed, then the check run completed (failing:
// an error annotation, and the decision's exit code).
func (a *actionRun) approve(ctx context.Context) int {
	say := a.say
	if a.Event.Fork {
		say("approve mode never runs for a pull request from a fork; nothing written")
		a.setOutputs(map[string]string{"conclusion": "skipped"})
		return gate.ExitPass
	}
	if a.Surface == nil {
		say("approve mode needs github_token and GITHUB_REPOSITORY to read the pull request's check; nothing written")
		a.setOutputs(map[string]string{"conclusion": "error"})
		return gate.ExitUsage
	}
	pr, refusal, err := a.findMergedPR(ctx)
	if err != nil {
		say("%v; nothing written", err)
		a.setOutputs(map[string]string{"conclusion": "error"})
		return gate.ExitRuntime
	}

	res, reg, code, err := a.evaluateReg(ctx) // the default branch's rules, fail_on applied
	if err != nil {
		say("nothing written")
		a.annotateDiagnostics(err)
		a.setOutputs(map[string]string{"conclusion": "error"})
		return code
	}
	in := gate.ApprovalInput{
		Result: res, RequireEvidence: true,
		Commit: a.HeadSHA, Actor: a.Event.Actor,
		OnFail: a.In.OnFail, Override: a.In.Override,
	}
	if pr != nil {
		in.Evidence, in.PR, in.CheckURL, in.Commit = pr.Evidence, pr.Number, pr.CheckURL, pr.Commit
	}
	if refusal == "" && a.In.RulesChange == "fail" {
		// The PR's check blocks loosened rules, but a check run can be
		// posted by anyone with checks: write: compare the rules again.
		refusal = a.mergeLoosens(ctx, res)
	}

	// The decision is stated on the commit judged for approval, under its
	// own name: it must never replace a pull request's check run (whose
	// evidence a re-run would then trust). It is opened before the
	// registry is written, so that a run that cannot post it writes
	// nothing (exit 3); once the write holds, a failure to complete it is
	// an error annotation and the exit code stays the decision's.
	name := a.In.CheckName + " / approval"
	var started *mgh.Started
	announce := func(ctx context.Context, _ gate.ApprovalPlan) error {
		var err error
		started, err = a.Surface.Start(ctx, name, in.Commit, a.DetailsURL)
		if err != nil {
			return fmt.Errorf("post the decision check run: %w", err)
		}
		return nil
	}
	var out gate.ApprovalOutcome
	if refusal != "" {
		// No gated pull request: never write, whatever the plan says.
		plan := gate.PlanApproval(in)
		out.Plan = gate.ApprovalPlan{Action: gate.ActionLeave, Reasons: append([]string{refusal}, plan.Reasons...)}
	} else if out, err = gate.Approve(ctx, reg, in, announce); err != nil {
		say("%v; nothing written", err)
		if started != nil {
			// Do not leave the decision in progress.
			a.Surface.Publish(ctx, mgh.PublishInput{Name: name, HeadSHA: in.Commit, Started: started, Err: err,
				AnnotationPath: a.annotationPath(res), DetailsURL: a.DetailsURL})
		}
		a.setOutputs(map[string]string{"conclusion": "error"})
		return gate.ExitRuntime
	}
	plan := out.Plan
	if out.Written || plan.Decision == nil {
		// The decision holds (or there is none to write): say it.
		fmt.Fprintln(a.Stdout, "modelgate: "+render.PlanLine(res, plan))
	}
	if decisionHolds(out) {
		// The registry holds modelgate's decision: attest it (the
		// workflow signs it with actions/attest).
		if a.attestOutputs, err = a.attestApproval(res); err != nil {
			a.Action.Errorf("modelgate: the decision is in the registry, but its attestation was not written: %s", render.Line(err.Error(), 2000))
		}
	}

	url := ""
	posted, perr := a.Surface.Publish(ctx, mgh.PublishInput{
		Name: name, HeadSHA: in.Commit, Result: res, Started: started,
		AnnotationPath: a.annotationPath(res), DetailsURL: a.DetailsURL,
		Title: render.DecisionTitle(res, plan), Preamble: render.Decision(plan),
	})
	code = plan.Exit()
	switch {
	case perr != nil && out.Written:
		// The registry holds the decision: exit with it, and say loudly
		// that its check run is incomplete.
		a.Action.Errorf("modelgate wrote %s into the registry, but could not complete the %q check run: %s",
			plan.Decision.Status, name, render.Line(perr.Error(), 2000))
	case perr != nil:
		say("post the decision check run: %v", perr)
		code = gate.ExitRuntime
	default:
		url = posted.HTMLURL
	}
	if rc := a.report(res, url); rc != gate.ExitPass && !out.Written {
		code = max(code, rc)
	}
	return code
}

// findMergedPR finds the pull request whose merge produced the commit, and
// the evidence its modelgate check run recorded. refusal is set (and err
// nil) when there is no gated pull request; err is a GitHub failure.
func (a *actionRun) findMergedPR(ctx context.Context) (pr *mergedPR, refusal string, err error) {
	ev := a.Event
	pr = &mergedPR{Commit: a.HeadSHA}
	if ev.Name == "pull_request" || ev.Name == "pull_request_target" {
		pr.Number, pr.HeadSHA = ev.PRNumber, ev.HeadSHA
		if ev.MergeSHA != "" {
			pr.Commit = ev.MergeSHA
		}
		a.HeadSHA = pr.Commit
	} else {
		found, refusal, err := a.pullForCommit(ctx, a.HeadSHA)
		if err != nil || refusal != "" {
			return nil, refusal, err
		}
		pr.Number, pr.HeadSHA = found.Number, found.HeadSHA
	}
	run, err := a.Surface.FindCheck(ctx, a.In.CheckName, pr.HeadSHA)
	if err != nil {
		return nil, "", fmt.Errorf("find the %q check run of pull request #%d: %w", a.In.CheckName, pr.Number, err)
	}
	if run == nil {
		return nil, fmt.Sprintf("pull request #%d has no %q check run on its head %s: the merge was not gated", pr.Number, a.In.CheckName, short(pr.HeadSHA)), nil
	}
	pr.CheckURL = run.HTMLURL
	if run.App != mgh.ExpectedApp {
		return nil, fmt.Sprintf("the %q check of pull request #%d was posted by %s, not by GitHub Actions", a.In.CheckName, pr.Number, appName(run.App)), nil
	}
	if run.Status != "completed" || (run.Conclusion != "success" && run.Conclusion != "neutral") {
		return nil, fmt.Sprintf("the %q check of pull request #%d is %s/%s, not a pass", a.In.CheckName, pr.Number, run.Status, run.Conclusion), nil
	}
	ghev, err := run.Evidence, run.EvidenceErr
	if err != nil {
		return nil, fmt.Sprintf("the %q check of pull request #%d carries no valid evidence: %v", a.In.CheckName, pr.Number, err), nil
	}
	if ghev.HeadSHA != pr.HeadSHA {
		return nil, fmt.Sprintf("the evidence of pull request #%d is for commit %s, not its head %s", pr.Number, short(ghev.HeadSHA), short(pr.HeadSHA)), nil
	}
	pr.Evidence = ghev
	return pr, "", nil
}

// pullForCommit finds the one merged pull request into the default branch
// whose merge commit (or head, for rebase and fast-forward merges) is sha.
//
// GitHub API docs: https://docs.github.com/rest/commits/commits#list-pull-requests-associated-with-a-commit
func (a *actionRun) pullForCommit(ctx context.Context, sha string) (*mgh.PullRequest, string, error) {
	merged, err := a.Surface.MergedPulls(ctx, sha, a.Event.DefaultBranch)
	if err != nil {
		return nil, "", err
	}
	switch len(merged) {
	case 0:
		return nil, fmt.Sprintf("commit %s is not the merge of a pull request into %s: the push was not gated", short(sha), a.Event.DefaultBranch), nil
	case 1:
	default:
		return nil, fmt.Sprintf("commit %s is the merge of %d pull requests; cannot tell which check to trust", short(sha), len(merged)), nil
	}
	p := merged[0]
	// A deleted head repository (head.repo null) was a fork.
	if !strings.EqualFold(p.HeadRepo, a.Owner+"/"+a.Repo) {
		return nil, fmt.Sprintf("pull request #%d comes from the fork %s: a fork never approves", p.Number, p.HeadRepo), nil
	}
	return &p, "", nil
}

func appName(slug string) string {
	if slug == "" {
		return "no app"
	}
	return fmt.Sprintf("the app %q", slug)
}
