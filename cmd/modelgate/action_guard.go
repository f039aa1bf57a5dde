package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	mgh "github.com/modelgate/modelgate/gate/github"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// maxRulesBytes caps a rules file read from GitHub.
const maxRulesBytes = rules.MaxFileBytes

// rulesChange is the rules-change guard of a pull request: when the PR
// changes the rules file, it diffs the base branch's rules with the PR's,
// re-judges the same metrics under the base rules, and, by the
// rules_change input, adds a warning (warn) or a blocking finding (fail)
// when the change loosens the gate. It returns the markdown section for
// the check run and the job summary ("" when the rules did not change).
func (a *actionRun) rulesChange(ctx context.Context, res *gate.Result) (string, error) {
	if a.Event.Name != "pull_request" && a.Event.Name != "pull_request_target" || a.Event.BaseSHA == "" || a.Client == nil {
		return "", nil
	}
	path := a.annotationPath(res)
	base, sum, err := a.readRulesAt(ctx, res, a.Event.BaseSHA)
	var ds rules.Diagnostics
	switch {
	case sum != "" && sum == res.RulesSHA256:
		return "", nil // the same bytes
	case errors.As(err, &ds):
		// A broken base file cannot be compared; say so, and treat the
		// change as loosening (the old checks cannot be shown to hold).
		return a.applyGuard(res, true, "### Rules change\n\nThe base branch's rules file does not parse, so the change cannot be compared:\n\n```\n"+
			strings.ReplaceAll(err.Error(), "```", "'''")+"\n```\n"), nil
	case err != nil:
		return "", err
	case base == nil && sum == "":
		return "### Rules change\n\nThe rules file `" + mdLine(path) + "` is new in this pull request: every rule is new.\n", nil
	}
	head, err := a.headRules()
	if err != nil {
		return "", err
	}
	changes := rules.Diff(base, head)
	var b strings.Builder
	b.WriteString("### Rules change\n\nThis pull request changes `" + mdLine(path) + "` (base " + short(a.Event.BaseSHA) + "):\n\n")
	if len(changes) == 0 {
		b.WriteString("no change to any rule (formatting or comments only).\n")
	} else {
		b.WriteString("| change | rule | what | before | after |\n|---|---|---|---|---|\n")
		for _, c := range changes {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", c.Kind, mdLine(c.Rule), mdLine(c.What), mdLine(c.Before), mdLine(c.After))
		}
	}
	if was, ok := res.Rejudge(base, time.Now()); ok {
		fmt.Fprintf(&b, "\nUnder the base branch's rules, on the same metrics, this candidate would be **%s**: %s.\n", was.Conclusion, mdLine(was.Title()))
	}
	return a.applyGuard(res, rules.Loosens(changes), b.String()), nil
}

// applyGuard adds the rules_change verdict to res when the change loosens
// the gate, and returns the section with what it did.
func (a *actionRun) applyGuard(res *gate.Result, loosens bool, section string) string {
	if !loosens {
		return section
	}
	f := gate.Finding{Rule: "rules-change", Severity: rules.SeverityWarning, Metric: "rules file",
		Threshold: "rules_change: " + a.In.RulesChange, Reason: "this pull request loosens the rules file; a reviewer must accept it",
		Value: nanValue, StdDev: nanValue, Baseline: nanValue, Delta: nanValue}
	switch a.In.RulesChange {
	case "allow":
		return section + "\nThe change loosens the gate (`rules_change: allow`).\n"
	case "fail":
		f.Severity, f.Verdict, f.Blocking = rules.SeverityError, gate.Fail, true
		section += "\nThe change loosens the gate and `rules_change: fail` blocks it.\n"
	default:
		f.Verdict = gate.Warn
		section += "\nThe change loosens the gate (`rules_change: warn`).\n"
	}
	res.AddFinding(f)
	return section
}

var nanValue = math.NaN()

// guard runs the rules-change guard in check mode. A failure to compare
// (GitHub, a broken base file) is itself treated as a loosening change, so
// that rules_change: fail still blocks.
func (a *actionRun) guard(ctx context.Context, res *gate.Result) {
	section, err := a.rulesChange(ctx, res)
	if err != nil {
		fmt.Fprintf(a.Stderr, "modelgate: rules-change guard: %v\n", err)
		section = a.applyGuard(res, true, "### Rules change\n\nThe change of the rules file could not be compared: "+mdLine(err.Error())+"\n")
	}
	if section != "" {
		a.preamble = section
	}
}

// readRulesAt reads and parses the rules file at a commit through the
// GitHub API, with the hex sha256 of its bytes; all empty when the file
// does not exist there.
//
// GitHub API docs: https://docs.github.com/rest/repos/contents#get-repository-content
func (a *actionRun) readRulesAt(ctx context.Context, res *gate.Result, ref string) (*rules.File, string, error) {
	path := a.annotationPath(res)
	b, err := a.Client.FileAt(ctx, path, ref, maxRulesBytes)
	if errors.Is(err, mgh.ErrFileNotFound) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("read the rules file: %w", err)
	}
	content := string(b)
	sum := sha256.Sum256([]byte(content))
	f, err := rules.Parse(path+"@"+short(ref), []byte(content))
	return f, hex.EncodeToString(sum[:]), err
}

// headRules reads the rules file of the workspace (the pull request's
// head, or the merged default branch).
func (a *actionRun) headRules() (*rules.File, error) {
	head, err := rules.ReadFile(a.GateOptions.abs(a.GateOptions.Rules))
	if err != nil {
		return nil, err
	}
	head.Path = a.annotationPath(nil)
	return head, nil
}
