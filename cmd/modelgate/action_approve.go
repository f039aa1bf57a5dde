package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/modelgate/modelgate/gate"
	mgh "github.com/modelgate/modelgate/gate/github"
	"github.com/modelgate/modelgate/rules"
)

func init() { approveHook = approveMode }

// mergedPR is the pull request a merge came from, and its gate evidence.
type mergedPR struct {
	Number   int
	HeadSHA  string
	Commit   string // the commit on the default branch
	CheckURL string
	Evidence *gate.Evidence
}

// approveMode is approve mode (DESIGN §7): find the merged pull request and
// the evidence its modelgate check recorded, re-check the candidate with the
// default branch's rules, and write Approved only when every condition of
// gate.PlanApproval holds. Any error writes nothing and exits 3.
func approveMode(ctx context.Context, a *actionRun) int {
	say := func(format string, args ...any) { fmt.Fprintf(a.Stderr, "modelgate: "+format+"\n", args...) }
	if a.Event.Fork {
		say("approve mode never runs for a pull request from a fork; nothing written")
		a.setOutputs(map[string]string{"conclusion": "skipped"})
		return gate.ExitPass
	}
	if a.Client == nil || a.Checks == nil {
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

	res, _, err := a.evaluate(ctx) // the default branch's rules, fail_on applied
	if err != nil {
		say("nothing written")
		a.annotateDiagnostics(err)
		a.setOutputs(map[string]string{"conclusion": "error"})
		return exitCodeOf(err)
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
	plan := gate.PlanApproval(in)
	if refusal != "" {
		// No gated pull request: never write, whatever the plan says.
		plan = gate.ApprovalPlan{Action: gate.ActionLeave, Reasons: append([]string{refusal}, plan.Reasons...)}
	}
	if plan.Decision != nil {
		_, reg, err := openGate(ctx, a.GateOptions)
		if err == nil {
			plan, err = applyApproval(ctx, reg, in)
		}
		if err != nil {
			say("%v; nothing written", err)
			a.setOutputs(map[string]string{"conclusion": "error"})
			return gate.ExitRuntime
		}
	}
	line := planLine(res, plan)
	fmt.Fprintln(a.Stdout, "modelgate: "+line)

	// State the decision on the commit that was judged for approval.
	code := gate.ExitPass
	url := ""
	// Under its own name: the decision must never replace a pull
	// request's check run (whose evidence a re-run would then trust).
	out, perr := a.Checks.Publish(ctx, mgh.PublishInput{
		Name: a.In.CheckName + " / approval", HeadSHA: in.Commit, Result: res,
		AnnotationPath: a.annotationPath(res), DetailsURL: a.DetailsURL,
		Title: decisionTitle(res, plan), Preamble: decisionMarkdown(plan),
	})
	if perr != nil {
		say("post the decision check run: %v", perr)
		code = gate.ExitRuntime
	} else {
		url = out.HTMLURL
	}
	code = max(code, a.report(res, url), approvalExit(plan))
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
	run, err := a.Checks.FindCheck(ctx, a.In.CheckName, pr.HeadSHA)
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
	pr.Evidence = gateEvidence(ghev)
	return pr, "", nil
}

// pullForCommit finds the one merged pull request into the default branch
// whose merge commit (or head, for rebase and fast-forward merges) is sha.
//
// GitHub API docs: https://docs.github.com/rest/commits/commits#list-pull-requests-associated-with-a-commit
func (a *actionRun) pullForCommit(ctx context.Context, sha string) (*mgh.PullRequest, string, error) {
	merged, err := a.Client.MergedPulls(ctx, sha, a.Event.DefaultBranch)
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

// gateEvidence keeps the candidate's part of the check run's evidence.
func gateEvidence(e *mgh.Evidence) *gate.Evidence {
	out := &gate.Evidence{CandidateARN: e.CandidateARN, CandidateVersion: e.CandidateVersion,
		RulesSHA256: e.RulesSHA256, Conclusion: e.Conclusion}
	for _, r := range e.Reports {
		if r.Package == "candidate" {
			out.Reports = append(out.Reports, r)
		} else {
			out.BaselineReports = append(out.BaselineReports, r)
		}
	}
	return out
}

func decisionTitle(res *gate.Result, p gate.ApprovalPlan) string {
	what := res.Group
	if res.Candidate != nil {
		what = fmt.Sprintf("%s v%d", res.Candidate.Group, res.Candidate.Version)
	}
	switch p.Action {
	case gate.ActionApprove:
		return "Approved " + what
	case gate.ActionReject:
		return "Rejected " + what
	case gate.ActionNoop:
		return "Already approved " + what
	}
	return "Not approved " + what
}

func decisionMarkdown(p gate.ApprovalPlan) string {
	var b strings.Builder
	b.WriteString("### Approval decision: " + string(p.Action) + "\n\n")
	for _, r := range p.Reasons {
		b.WriteString("- " + mdLine(r) + "\n")
	}
	if p.Decision != nil {
		b.WriteString("\nWritten to the registry: `" + p.Decision.Status + "`\n")
	}
	return b.String()
}

// mdLine keeps report- and registry-controlled text from forming markdown
// or HTML.
func mdLine(s string) string {
	r := strings.NewReplacer("<", "&lt;", ">", "&gt;", "`", "'", "|", "\\|", "\n", " ", "\r", " ", "[", "\\[", "]", "\\]")
	return r.Replace(oneLine(s))
}

// mergeLoosens compares the rules file before the merge (the pushed
// branch's previous commit, or the pull request's base) with the merged
// one, for rules_change: fail. It returns a refusal when the merge loosens
// the rules or the comparison cannot be made, else "".
func (a *actionRun) mergeLoosens(ctx context.Context, res *gate.Result) string {
	ref := a.Event.Before
	if ref == "" {
		ref = a.Event.BaseSHA
	}
	if ref == "" {
		return "rules_change: fail, and the event names no commit before the merge to compare the rules file with"
	}
	base, _, err := a.readRulesAt(ctx, res, ref)
	if err != nil {
		return "rules_change: fail, and the rules file before the merge could not be compared: " + err.Error()
	}
	if base == nil {
		return ""
	}
	head, err := a.headRules()
	if err != nil {
		return "rules_change: fail, and the merged rules file could not be read: " + err.Error()
	}
	if changes := rules.Diff(base, head); rules.Loosens(changes) {
		return "the merge loosens the rules file and rules_change is fail:\n" + rules.FormatChanges(changes)
	}
	return ""
}
