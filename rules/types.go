package rules

import (
	"fmt"
	"time"
)

// Pos is a 1-based line and column in the rules file. The zero Pos means
// "no position" (a value that came from a default).
type Pos struct {
	Line int `json:"line"`
	Col  int `json:"col"`
}

// IsValid reports whether p names a place in the file.
func (p Pos) IsValid() bool { return p.Line > 0 }

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// File is a parsed rules file (version 1). Every value that came from the
// file keeps the position it was written at, so that diagnostics,
// annotations and diffs can point at it.
type File struct {
	// Path is the file name used in diagnostics; set by ReadFile (or the
	// caller of Parse).
	Path string
	// SHA256 is the hex sha256 of the exact bytes that were parsed.
	SHA256 string

	Version  int
	Model    Model
	Registry Registry
	Reports  []Report
	Defaults Defaults
	Rules    []Rule
	// Endpoint is the endpoint section (rules/endpoint.go); nil when the
	// file has none.
	Endpoint *Endpoint

	// Organisation policies (rules/extends.go): Policy makes the file a
	// base policy; Extends lists its bases; Resolution is set on the File
	// that Inherit returns (nil on a parsed, unresolved file).
	Policy     *Policy
	Extends    []Extend
	Resolution *Resolution
}

// Model selects the candidate and the baseline in the registry.
type Model struct {
	Group    string
	GroupPos Pos
	// Candidate is latest-pending, a version number or a package ARN.
	Candidate    string
	CandidatePos Pos
	// Baseline is latest-approved, none, a version number or a package ARN.
	Baseline    string
	BaselinePos Pos
	// FirstModel says what to do when there is no baseline.
	FirstModel    FirstModel
	FirstModelPos Pos
}

// Selectors of Model.Candidate and Model.Baseline.
const (
	LatestPending  = "latest-pending"
	LatestApproved = "latest-approved"
	NoBaseline     = "none"
)

// FirstModel is the policy for a group with no approved package yet.
type FirstModel string

const (
	// FirstModelAbsoluteOnly judges the absolute rules and marks
	// vs_baseline rules as skipped, saying why.
	FirstModelAbsoluteOnly FirstModel = "absolute-only"
	// FirstModelFail fails every vs_baseline rule when there is no baseline.
	FirstModelFail FirstModel = "fail"
)

// Registry is the optional registry block; the CLI flag or action input wins.
type Registry struct {
	Kind   string // sagemaker | local | mlflow
	Region string // sagemaker; mlflow: the SigV4 region of SageMaker-managed MLflow
	Path   string // local only, relative to the rules file
	// PathStyle addresses S3 with path-style URLs (MinIO and other
	// S3-compatible stores).
	PathStyle bool
	// URI is the MLflow tracking server (mlflow only; MLFLOW_TRACKING_URI
	// wins when set, as MLflow clients do).
	URI string
	// Model is the MLflow registered model name (mlflow only; default the
	// model group).
	Model string
	Pos   Pos
}

// Report is a named report that is not a ModelMetrics section of the package.
type Report struct {
	Name string
	// URI is an s3:// or https:// URI, or a path relative to the package
	// folder in the local registry. Exactly one of URI and Metadata is set.
	URI string
	// Metadata names a CustomerMetadataProperties key holding the URI.
	Metadata string
	// Format is optional; detected from content when empty.
	Format string
	// Memorization, when set, makes this report one that modelgate computes
	// itself from the model's recorded outputs and a protected corpus
	// (URI and Metadata are then empty). Its metrics are
	// llm.memorization.verbatim_rate, .max_span and .outputs.
	Memorization *Memorization
	Pos          Pos
}

// Memorization configures the verbatim-reproduction check.
type Memorization struct {
	// Outputs is the model's recorded outputs as JSON Lines: a path relative
	// to the rules file, an s3:// or https:// URI, or "package:<path>" for a
	// path relative to the candidate package (local registry) .
	Outputs string
	// Field is the JSONL field holding the output text (default model_output).
	Field string
	// Corpus lists protected text: files (.txt, .jsonl) or folders / S3
	// prefixes of them, resolved like Outputs.
	Corpus []string
	// CorpusField is the JSONL field holding the text of a corpus record
	// (default text).
	CorpusField string
	// MinTokens is the span length, in tokens, that counts as verbatim
	// reproduction; 0 means the default.
	MinTokens int
	Pos       Pos
}

// Defaults apply to every rule that does not say otherwise.
type Defaults struct {
	Severity  Severity
	OnMissing OnMissing
	// MultipleComparisons is "holm" for a family-wise correction of the
	// paired comparisons, "" (or "none") for none (rules/paired.go).
	MultipleComparisons    string
	MultipleComparisonsPos Pos

	// Positions (zero when the file does not say).
	Pos          Pos // the defaults mapping
	SeverityPos  Pos
	OnMissingPos Pos
}

// Severity of a rule: what a failing rule does to the conclusion.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// OnMissing says what a missing metric (absent, null, NaN, infinite) does.
type OnMissing string

const (
	MissingFail OnMissing = "fail"
	MissingWarn OnMissing = "warn"
	MissingSkip OnMissing = "skip"
)

// Direction is the sense in which a metric is better.
type Direction string

const (
	HigherIsBetter Direction = "higher"
	LowerIsBetter  Direction = "lower"
	// TowardIdeal means closer to an ideal value is better (DI at 1,
	// prompt_stereotyping at 0.5).
	TowardIdeal Direction = "ideal"
)

// RuleKind is what a rule checks. Parse, Diff and the gate's evaluator and
// loader each dispatch on it once, through a table of handlers per kind.
type RuleKind string

// Rule kinds, in the order the language names them.
const (
	RuleMetric  RuleKind = "metric"  // Rule.Metric with thresholds
	RuleRequire RuleKind = "require" // Rule.Require
	RuleShap    RuleKind = "shap"    // Rule.Shap
)

// RuleKinds lists every kind; each is also the rule key that gives it.
var RuleKinds = []RuleKind{RuleMetric, RuleRequire, RuleShap}

// Kind is the rule's kind, or "" for a rule with none (only a Rule built
// without Parse can have none, or several; then require wins over shap, and
// shap over metric).
func (r *Rule) Kind() RuleKind {
	switch {
	case len(r.Require) > 0:
		return RuleRequire
	case r.Shap != nil:
		return RuleShap
	case r.Metric != nil:
		return RuleMetric
	}
	return ""
}

// Rule is one entry of the rules list. A rule has exactly one of Metric,
// Require and Shap: its Kind.
type Rule struct {
	ID  string
	Pos Pos // the position of the rule's mapping (its first key)

	Metric    *Address
	MetricPos Pos

	// Absolute thresholds; nil when not given.
	Min          *Number
	Max          *Number
	Between      *Range
	AbsMax       *Number
	MaxDeviation *Number // |value - ideal| <= x

	VsBaseline *VsBaseline

	// Where narrows the instances by label (facet, value, group, label,
	// dataset, category, feature). Values are exact matches.
	Where    map[string]string
	WherePos Pos

	// Require lists report sources that must be attached and readable.
	Require    []string
	RequirePos Pos

	Shap *ShapRule

	// Direction and Ideal override the metric semantics table.
	Direction    Direction
	DirectionPos Pos
	Ideal        *Number

	Severity     Severity
	SeverityPos  Pos
	OnMissing    OnMissing
	OnMissingPos Pos
	// Confidence (0.5 <= c < 1) judges bounds on value ± z·σ; 0 when unset.
	Confidence    float64
	ConfidencePos Pos
	// MinRunsPassing (k) judges repeated runs: the instances of one label
	// set, one per attached run, pass when at least k of them pass; Runs
	// (N), when set, is how many runs must be there (rules/paired.go).
	MinRunsPassing, Runs       int
	MinRunsPassingPos, RunsPos Pos
	// OnInconclusive is what a verdict within noise does: fail (default) or warn.
	OnInconclusive    OnMissing
	OnInconclusivePos Pos
	// MinSamples fails (as missing) a report whose dataset.item_count is lower.
	MinSamples    int
	MinSamplesPos Pos

	Waiver *Waiver
	// Overridable (base policies only) bounds what a child may loosen.
	Overridable *Overridable
}

// Number is a threshold value with the position it was written at.
type Number struct {
	V   float64
	Pos Pos
}

// Range is a closed interval [Lo, Hi].
type Range struct {
	Lo, Hi float64
	Pos    Pos
}

// VsBaseline compares the candidate with the baseline. Drops and gains are
// direction-aware (a drop is a change for the worse); rises are raw increases
// of the value. Percentages are relative to the baseline's value.
type VsBaseline struct {
	MaxDrop    *Number
	MaxDropPct *Number
	MinGain    *Number
	MinGainPct *Number
	MaxRise    *Number
	MaxRisePct *Number
	Pos        Pos
	// Paired is the paired test on per-item results (PairedAuto ...), ""
	// for the comparison of aggregate values (rules/paired.go).
	Paired    string
	PairedPos Pos
}

// ShapRule is a feature-importance rule over Clarify kernel SHAP values,
// judged per label.
type ShapRule struct {
	// NotInTop: none of Features may rank in the top NotInTop by |SHAP|.
	NotInTop int
	Features []string
	// MaxShare: no feature may hold more than this share of total |SHAP|.
	MaxShare *Number
	// MinRankCorrelation: Spearman correlation of the candidate's feature
	// ranking with the baseline's must be at least this.
	MinRankCorrelation *Number
	// Label narrows the rule to one label key; empty means every label.
	Label string
	Pos   Pos
}

// Waiver turns a failing rule into "waived" until it expires.
type Waiver struct {
	Reason  string
	Owner   string
	Expires time.Time // a date, UTC midnight; the waiver holds through that day
	Pos     Pos

	ExpiresPos Pos
}

// Active reports whether the waiver still holds at now.
func (w *Waiver) Active(now time.Time) bool {
	return w != nil && now.Before(w.Expires.AddDate(0, 0, 1))
}

// EffectiveSeverity is the rule's severity or the file default.
func (f *File) EffectiveSeverity(r *Rule) Severity {
	if r.Severity != "" {
		return r.Severity
	}
	if f.Defaults.Severity != "" {
		return f.Defaults.Severity
	}
	return SeverityError
}

// EffectiveOnMissing is the rule's on_missing or the file default (fail).
func (f *File) EffectiveOnMissing(r *Rule) OnMissing {
	if r.OnMissing != "" {
		return r.OnMissing
	}
	if f.Defaults.OnMissing != "" {
		return f.Defaults.OnMissing
	}
	return MissingFail
}
