package action

import (
	"context"
	"errors"
	"fmt"

	"github.com/modelgate/modelgate/gate"
	mgh "github.com/modelgate/modelgate/gate/github"
	"github.com/modelgate/modelgate/gate/render"
	"github.com/modelgate/modelgate/rules"
)

// guard is the rules-change guard of a pull request's check: when the PR
// changes the rules file, it diffs the base branch's rules with the PR's
// (gate.JudgeRulesChange), re-judges the same metrics under the base
// rules, and by the rules_change input adds a warning or a blocking
// finding when the change loosens the gate. The markdown goes before the
// findings of the check run and the job summary.
//
// A base file that cannot be read after the retries is an error wrapping
// gate.ErrGuardUnavailable: the check cannot be judged (exit 3), never a
// "loosening". A 404 means the rules file is new in this pull request.
func (a *actionRun) guard(ctx context.Context, res *gate.Result) error {
	if a.Event.Name != "pull_request" && a.Event.Name != "pull_request_target" || a.Event.BaseSHA == "" || a.Surface == nil {
		return nil
	}
	path := a.annotationPath(res)
	rc, err := a.judgeChange(ctx, res, path, a.Event.BaseSHA)
	if err != nil {
		return err
	}
	rc.Apply(res, gate.RulesChangeMode(a.In.RulesChange))
	a.preamble = render.RulesChange(rc)
	return nil
}

// judgeChange compares the rules file at ref with the one res was judged
// with. A rules file that extends base policies (on either side) is
// compared as its resolved policy (gate.JudgePolicyChange): a pull request
// that changes only a base's pin, or a base file of this repository, is
// judged rule by rule; the base side's `path:` bases are read at ref.
func (a *actionRun) judgeChange(ctx context.Context, res *gate.Result, path, ref string) (gate.RulesChange, error) {
	base, err := a.rulesAt(ctx, path, ref)
	if err != nil {
		return gate.RulesChange{}, err
	}
	if base == nil || gate.SameRules(res, base) && res.PolicySHA256 == "" {
		return gate.JudgeRulesChange(res, nil, path, ref, base, a.now()), nil
	}
	head, err := a.headRules(ctx, res)
	if err != nil {
		return gate.RulesChange{}, err
	}
	fx := a.GateOptions.policies()
	fx.Repo = surfaceRepo{s: a.Surface, ref: ref}
	return gate.JudgePolicyChange(ctx, res, head, path, ref, base, fx, a.now())
}

// rulesAt reads the rules file at a commit: nil (no error) when it does
// not exist there; an error wrapping gate.ErrGuardUnavailable when it
// cannot be read.
func (a *actionRun) rulesAt(ctx context.Context, path, ref string) ([]byte, error) {
	b, err := a.Surface.FileAt(ctx, path, ref, rules.MaxFileBytes)
	switch {
	case errors.Is(err, mgh.ErrFileNotFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("%w: the rules file at %s: %w", gate.ErrGuardUnavailable, short(ref), err)
	}
	return b, nil
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
	rc, err := a.judgeChange(ctx, res, a.annotationPath(res), ref)
	if err != nil {
		return "rules_change: fail, and the rules file before the merge could not be compared: " + err.Error()
	}
	switch {
	case rc.BaseBroken != nil:
		return "rules_change: fail, and the rules file before the merge does not parse: " + rc.BaseBroken.Error()
	case rc.Loosens:
		return "the merge loosens the rules file and rules_change is fail:\n" + rules.FormatChanges(rc.Changes)
	}
	return ""
}

// headRules reads the rules file of the workspace (the pull request's
// head, or the merged default branch) and resolves its policy: the
// policy res was judged with, or an error wrapping
// gate.ErrGuardUnavailable.
func (a *actionRun) headRules(ctx context.Context, res *gate.Result) (*rules.File, error) {
	head, err := rules.ReadFile(a.GateOptions.abs(a.GateOptions.Rules))
	if err != nil {
		return nil, fmt.Errorf("%w: the rules file: %w", gate.ErrGuardUnavailable, err)
	}
	head.Path = a.annotationPath(nil)
	if head, err = a.GateOptions.resolvePolicy(ctx, head); err != nil {
		return nil, fmt.Errorf("%w: the rules file's base policies: %w", gate.ErrGuardUnavailable, err)
	}
	want := res.PolicySHA256
	if want == "" {
		want = res.RulesSHA256
	}
	if got := head.PolicyDigest(); got != want {
		return nil, fmt.Errorf("%w: the policy changed while the check ran (sha256 %s, judged %s)", gate.ErrGuardUnavailable, short(got), short(want))
	}
	return head, nil
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
