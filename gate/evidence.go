package gate

import (
	"slices"
	"strings"

	"github.com/modelgate/modelgate/rules"
)

// Evidence is what a check judged: the commit, the rules file, and exactly
// which package and which report bytes. The pull request's check run
// carries it (gate/github encodes it in the check run; modelgate check
// --out writes the result it is taken from); approval on merge compares it
// with what it reads again (PlanApproval) and refuses anything else. It is
// the one evidence type: adapters only encode and decode it.
type Evidence struct {
	// HeadSHA is the commit judged (the pull request's head); empty for
	// the CLI's evidence.
	HeadSHA          string `json:"head_sha"`
	RulesFile        string `json:"rules_file"`
	RulesSHA256      string `json:"rules_sha256"`
	Group            string `json:"group"`
	CandidateARN     string `json:"candidate_arn"`
	CandidateVersion int    `json:"candidate_version"`
	// Reports are the candidate's reports, BaselineReports the baseline's
	// the check compared with; each sorted by slot, then URI.
	Reports         []ReportRecord `json:"reports"`
	BaselineReports []ReportRecord `json:"baseline_reports,omitempty"`
	Conclusion      Conclusion     `json:"conclusion"`
	// PolicySHA256 and Policies are the resolved policy's digest and
	// sources when the rules file extends base policies (Result.SetPolicy).
	PolicySHA256 string               `json:"policy_sha256,omitempty"`
	Policies     []rules.PolicySource `json:"policies,omitempty"`
}

// EvidenceOf is the evidence of a result judged on the commit headSHA
// ("" when there is none). Reports are copied and sorted, so that the
// evidence of two equal runs is equal.
func EvidenceOf(r *Result, headSHA string) Evidence {
	e := Evidence{HeadSHA: headSHA, RulesFile: r.RulesFile, RulesSHA256: r.RulesSHA256, Group: r.Group, Conclusion: r.Conclusion,
		PolicySHA256: r.PolicySHA256, Policies: slices.Clone(r.Policies)}
	if r.Candidate != nil {
		e.CandidateARN, e.CandidateVersion = r.Candidate.ARN, r.Candidate.Version
		if e.Group == "" {
			e.Group = r.Candidate.Group
		}
	}
	for _, rec := range r.Reports {
		if rec.Package == "candidate" {
			e.Reports = append(e.Reports, rec)
		} else {
			e.BaselineReports = append(e.BaselineReports, rec)
		}
	}
	SortReports(e.Reports)
	SortReports(e.BaselineReports)
	return e
}

// AllReports is every report of the evidence, candidate and baseline,
// sorted by package, slot and URI.
func (e Evidence) AllReports() []ReportRecord {
	all := slices.Concat(e.Reports, e.BaselineReports)
	if all == nil {
		all = []ReportRecord{}
	}
	SortReports(all)
	return all
}

// SortReports sorts report records by package, slot and URI.
func SortReports(rs []ReportRecord) {
	slices.SortStableFunc(rs, func(a, b ReportRecord) int {
		if c := strings.Compare(a.Package, b.Package); c != 0 {
			return c
		}
		if c := strings.Compare(a.Slot, b.Slot); c != 0 {
			return c
		}
		return strings.Compare(a.URI, b.URI)
	})
}
