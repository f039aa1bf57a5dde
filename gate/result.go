package gate

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/modelgate/modelgate/rules"
)

// Verdict is the judgement of one rule on one metric instance.
type Verdict string

// Verdicts, from DESIGN §5.
const (
	Pass         Verdict = "pass"
	Fail         Verdict = "fail"
	Warn         Verdict = "warn"
	Missing      Verdict = "missing"
	Inconclusive Verdict = "inconclusive"
	Waived       Verdict = "waived"
	Skipped      Verdict = "skipped"
	Error        Verdict = "error"
)

// Conclusion of a run; the names are the check-run conclusions they map to.
type Conclusion string

const (
	Success Conclusion = "success"
	Neutral Conclusion = "neutral"
	Failure Conclusion = "failure"
)

// Exit codes of the CLI and the action.
const (
	ExitPass    = 0 // passed, or warnings only
	ExitFail    = 1 // the gate failed
	ExitUsage   = 2 // bad rules file, inputs or usage
	ExitRuntime = 3 // a registry or GitHub failure after retries
)

// Finding is the verdict of one rule on one metric instance (or on the rule
// as a whole, for require rules and rules that matched nothing).
type Finding struct {
	Rule     string         `json:"rule"`
	RulePos  rules.Pos      `json:"rule_pos"`
	Severity rules.Severity `json:"severity"`
	Metric   string         `json:"metric,omitempty"`
	Labels   []Label        `json:"labels,omitempty"`

	// Value, StdDev, Baseline and Delta are NaN when absent; they are
	// written to JSON as null.
	Value    float64 `json:"-"`
	StdDev   float64 `json:"-"`
	Baseline float64 `json:"-"`
	Delta    float64 `json:"-"`

	// Threshold is the condition in words, e.g. ">= 0.85" or
	// "drop <= 0.01 vs baseline".
	Threshold string  `json:"threshold"`
	Verdict   Verdict `json:"verdict"`
	// Blocking is true when this finding makes the conclusion a failure.
	Blocking bool `json:"blocking"`
	// Reason is one line for every verdict but pass.
	Reason string `json:"reason,omitempty"`
	Source string `json:"source,omitempty"`
	// Paired is the paired comparison of a vs_baseline rule with paired:.
	Paired *Paired `json:"paired,omitempty"`
}

func finite(f float64) *float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}

func orNaN(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// MarshalJSON writes NaN values as null (or leaves them out).
func (f Finding) MarshalJSON() ([]byte, error) {
	type plain Finding
	return json.Marshal(struct {
		plain
		Value    *float64 `json:"value"`
		StdDev   *float64 `json:"stddev,omitempty"`
		Baseline *float64 `json:"baseline,omitempty"`
		Delta    *float64 `json:"delta,omitempty"`
	}{plain(f), finite(f.Value), finite(f.StdDev), finite(f.Baseline), finite(f.Delta)})
}

// UnmarshalJSON is the inverse of MarshalJSON.
func (f *Finding) UnmarshalJSON(b []byte) error {
	type plain Finding
	var v struct {
		plain
		Value    *float64 `json:"value"`
		StdDev   *float64 `json:"stddev,omitempty"`
		Baseline *float64 `json:"baseline,omitempty"`
		Delta    *float64 `json:"delta,omitempty"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = Finding(v.plain)
	f.Value, f.StdDev, f.Baseline, f.Delta = orNaN(v.Value), orNaN(v.StdDev), orNaN(v.Baseline), orNaN(v.Delta)
	return nil
}

// Counts counts findings by verdict.
type Counts struct {
	Rules        int `json:"rules"`
	Pass         int `json:"pass"`
	Fail         int `json:"fail"`
	Warn         int `json:"warn"`
	Missing      int `json:"missing"`
	Inconclusive int `json:"inconclusive"`
	Waived       int `json:"waived"`
	Skipped      int `json:"skipped"`
	Error        int `json:"error"`
	// FailedRules is the number of rules with at least one blocking finding.
	FailedRules int `json:"failed_rules"`
}

// ReportRecord says what was read: the evidence an approval checks.
type ReportRecord struct {
	Package string `json:"package"` // candidate | baseline
	Slot    string `json:"slot"`
	URI     string `json:"uri"`
	SHA256  string `json:"sha256,omitempty"`
	Format  string `json:"format,omitempty"`
	Error   string `json:"error,omitempty"`
}

// ResultSchemaVersion is bumped on any incompatible change of the JSON result.
const ResultSchemaVersion = 1

// Result is the outcome of one gate run. Its JSON form is a stable,
// documented schema (README "JSON result").
type Result struct {
	Schema int    `json:"schema"`
	Tool   string `json:"tool"`
	// Version is modelgate's version (internal/version), for the audit trail.
	Version     string     `json:"version,omitempty"`
	RulesFile   string     `json:"rules_file"`
	RulesSHA256 string     `json:"rules_sha256"`
	Group       string     `json:"group"`
	Candidate   *Package   `json:"candidate,omitempty"`
	Baseline    *Package   `json:"baseline,omitempty"`
	Conclusion  Conclusion `json:"conclusion"`
	Counts      Counts     `json:"counts"`
	// Notes are run-level remarks (no baseline, a baseline of 0 in a
	// relative rule, ...).
	Notes    []string       `json:"notes,omitempty"`
	Reports  []ReportRecord `json:"reports,omitempty"`
	Findings []Finding      `json:"findings"`
	// Details carries per-report extras (e.g. memorization offenders), by report name.
	Details map[string]json.RawMessage `json:"details,omitempty"`
	// PolicySHA256 and Policies are set when the rules file extends base
	// policies (README "Organisation policies"): the digest of the
	// resolved policy (rules.File.PolicyDigest) and every policy file it
	// was built from (the rules file first). SetPolicy sets them.
	PolicySHA256 string               `json:"policy_sha256,omitempty"`
	Policies     []rules.PolicySource `json:"policies,omitempty"`

	// loaded is what Run read, so that other rules can judge the same
	// metrics (Rejudge); nil for a result decoded from JSON.
	loaded *Loaded
}

// SetPolicy records the resolved policy f was judged with: nothing for a
// rules file that extends no base (its digest is RulesSHA256).
func (r *Result) SetPolicy(f *rules.File) {
	if f == nil || f.Resolution == nil || len(f.Resolution.Sources) < 2 {
		return
	}
	r.PolicySHA256 = f.PolicyDigest()
	r.Policies = slices.Clone(f.Resolution.Sources)
}

// Rejudge evaluates other rules (the base branch's, in a pull request that
// changes the rules file) on the metrics this result was computed from,
// without reading anything again. ok is false when the metrics are not
// available (a result decoded from JSON). Reports that only the other rules
// name were not read, so their metrics are missing there.
func (r *Result) Rejudge(f *rules.File, now time.Time) (res *Result, ok bool) {
	if r.loaded == nil {
		return nil, false
	}
	return r.loaded.Evaluate(f, now), true
}

// ExitCode maps the conclusion to the CLI exit code.
func (r *Result) ExitCode() int {
	if r.Conclusion == Failure {
		return ExitFail
	}
	return ExitPass
}

// Title is a one-line summary, e.g. "2 of 14 rules failed - churn-xgboost v13".
func (r *Result) Title() string {
	what := r.Group
	if r.Candidate != nil && r.Candidate.Version > 0 {
		what = r.Candidate.Group + " v" + strconv.Itoa(r.Candidate.Version)
	}
	switch r.Conclusion {
	case Failure:
		return strconv.Itoa(r.Counts.FailedRules) + " of " + strconv.Itoa(r.Counts.Rules) + " rules failed - " + what
	case Neutral:
		n := r.Counts.Warn + r.Counts.Inconclusive + r.Counts.Missing + r.Counts.Waived + r.Counts.Error
		noun := " warnings - "
		if n == 1 {
			noun = " warning - "
		}
		return "passed with " + strconv.Itoa(n) + noun + what
	default:
		return "all " + strconv.Itoa(r.Counts.Rules) + " rules passed - " + what
	}
}

// AddFinding appends a finding made outside Evaluate (the rules-change
// guard counts as one more rule) and recomputes the counts and the
// conclusion.
func (r *Result) AddFinding(f Finding) {
	r.Findings = append(r.Findings, f)
	r.Counts = count(r.Findings, r.Counts.Rules+1)
	r.Conclusion = conclude(r.Findings)
}
