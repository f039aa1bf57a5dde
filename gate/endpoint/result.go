package endpoint

import (
	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// AddTo puts the section's findings beside the model section's in r, so
// that one check run, one JSON result and one exit code cover both
// artifacts. Endpoint findings are told apart by their metric
// ("endpoint.<check>"); the section's notes are prefixed "endpoint: ".
func (s *Section) AddTo(r *gate.Result) {
	n := r.Counts.Rules
	for _, f := range s.Findings {
		// AddFinding recomputes the counts and the conclusion with the
		// model evaluator's own rules; it counts one rule per call, so
		// the rule count is set once below.
		r.AddFinding(f)
	}
	r.Counts.Rules = n + s.Rules
	for _, note := range s.Notes {
		r.Notes = append(r.Notes, "endpoint: "+note)
	}
}

// Result is the section alone as a gate.Result (`modelgate endpoint
// check`): its conclusion, counts, title and exit code are computed as for
// model rules.
func (s *Section) Result(f *rules.File) *gate.Result {
	r := &gate.Result{
		Schema: gate.ResultSchemaVersion, Tool: "modelgate", RulesFile: f.Path, RulesSHA256: f.SHA256,
		Group: f.Model.Group, Conclusion: gate.Success, Findings: []gate.Finding{},
	}
	what := s.Moment + " endpoint"
	if s.Endpoint != "" {
		what += " " + s.Endpoint
	}
	r.Notes = append(r.Notes, what+" ("+s.Source+")")
	s.AddTo(r)
	return r
}
