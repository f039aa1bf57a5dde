package render

import (
	"fmt"
	"strings"

	"github.com/modelgate/modelgate/gate"
)

// RulesChange is the markdown section of the rules-change guard for the
// check run and the job summary; "" when the rules file did not change.
func RulesChange(rc gate.RulesChange) string {
	var b strings.Builder
	switch {
	case rc.Unchanged:
		return ""
	case rc.New:
		return "### Rules change\n\nThe rules file " + Code(rc.Path) + " is new in this pull request: every rule is new.\n"
	case rc.BaseBroken != nil:
		b.WriteString("### Rules change\n\nThe base branch's rules file does not parse, so the change cannot be compared:\n\n```\n" +
			CodeBlock(rc.BaseBroken.Error(), 16000) + "\n```\n")
	default:
		b.WriteString("### Rules change\n\nThis pull request changes " + Code(rc.Path) + " (base " + Code(short(rc.BaseRef)) + "):\n\n")
		if len(rc.Changes) == 0 {
			b.WriteString("no change to any rule (formatting or comments only).\n")
		} else {
			b.WriteString("| change | rule | what | before | after |\n|---|---|---|---|---|\n")
			for _, c := range rc.Changes {
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", c.Kind, Cell(c.Rule), Cell(c.What), Cell(c.Before), Cell(c.After))
			}
		}
		if rc.Was != nil {
			fmt.Fprintf(&b, "\nUnder the base branch's rules, on the same metrics, this candidate would be **%s**: %s.\n", rc.Was.Conclusion, Cell(rc.Was.Title()))
		}
	}
	if rc.Loosens {
		switch rc.Mode {
		case gate.RulesChangeAllow:
			b.WriteString("\nThe change loosens the gate (`rules_change: allow`).\n")
		case gate.RulesChangeFail:
			b.WriteString("\nThe change loosens the gate and `rules_change: fail` blocks it.\n")
		default:
			b.WriteString("\nThe change loosens the gate (`rules_change: warn`).\n")
		}
	}
	return b.String()
}

// Decision is the markdown of an approval decision for its check run.
func Decision(p gate.ApprovalPlan) string {
	var b strings.Builder
	b.WriteString("### Approval decision: " + string(p.Action) + "\n\n")
	for _, r := range p.Reasons {
		b.WriteString("- " + Cell(r) + "\n")
	}
	if p.Decision != nil {
		b.WriteString("\nWritten to the registry: `" + p.Decision.Status + "`\n")
	}
	return b.String()
}

// DecisionTitle is the title of an approval decision check run.
func DecisionTitle(res *gate.Result, p gate.ApprovalPlan) string {
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

// PlanLine is the one-paragraph decision printed by approve: the action,
// then one line per reason, every outside string made safe.
func PlanLine(res *gate.Result, p gate.ApprovalPlan) string {
	what := "the candidate"
	if res != nil && res.Candidate != nil {
		what = fmt.Sprintf("%s v%d", Line(res.Candidate.Group, 63), res.Candidate.Version)
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
		s += "\n  - " + strings.Join(strings.Fields(Line(r, 2000)), " ")
	}
	return s
}
