package gate

import (
	"context"
	"errors"
	"time"
)

// Approval statuses, as the SageMaker API spells them (ModelApprovalStatus).
const (
	StatusApproved = "Approved"
	StatusRejected = "Rejected"
	StatusPending  = "PendingManualApproval"
)

// Report source slots. The ModelMetrics sections of a package are named by
// slot; a report of the rules file's reports list is named by its own name.
const (
	SlotQuality                = "quality"                  // ModelMetrics.ModelQuality.Statistics
	SlotQualityConstraints     = "quality.constraints"      // ModelMetrics.ModelQuality.Constraints
	SlotDataQuality            = "data_quality"             // ModelMetrics.ModelDataQuality.Statistics
	SlotDataQualityConstraints = "data_quality.constraints" // ModelMetrics.ModelDataQuality.Constraints
	SlotBias                   = "bias"                     // ModelMetrics.Bias.Report (pre and post in one file)
	SlotBiasPre                = "bias.pre"                 // ModelMetrics.Bias.PreTrainingReport
	SlotBiasPost               = "bias.post"                // ModelMetrics.Bias.PostTrainingReport
	SlotExplainability         = "explainability"           // ModelMetrics.Explainability.Report

	// DriftCheckBaselines, read only when a rule requires them by name.
	SlotDriftBiasPre       = "drift.bias.pre"       // DriftCheckBaselines.Bias.PreTrainingConstraints
	SlotDriftBiasPost      = "drift.bias.post"      // DriftCheckBaselines.Bias.PostTrainingConstraints
	SlotDriftExplain       = "drift.explainability" // DriftCheckBaselines.Explainability.Constraints
	SlotDriftQuality       = "drift.quality"        // DriftCheckBaselines.ModelQuality.Statistics
	SlotDriftQualityConstr = "drift.quality.constraints"
	SlotDriftDataQuality   = "drift.data_quality" // DriftCheckBaselines.ModelDataQuality.Statistics
	SlotDriftDataConstr    = "drift.data_quality.constraints"
)

// MaxReportBytes caps the size of one report. A larger report is an error
// that names it, never a partial read.
const MaxReportBytes = 64 << 20

// Package is a model package as the registry describes it.
type Package struct {
	Group    string    `json:"group"`
	ARN      string    `json:"arn"`
	Version  int       `json:"version"`
	Status   string    `json:"status"`   // ModelPackageStatus: Completed, InProgress, ...
	Approval string    `json:"approval"` // ModelApprovalStatus
	Created  time.Time `json:"created,omitempty"`

	ApprovalDescription string            `json:"approval_description,omitempty"`
	Metadata            map[string]string `json:"metadata,omitempty"` // CustomerMetadataProperties

	// Sources are the reports attached to the package (ModelMetrics and
	// DriftCheckBaselines), by slot.
	Sources []Source `json:"sources,omitempty"`
}

// Source returns the attached source of a slot.
func (p *Package) Source(slot string) (Source, bool) {
	for _, s := range p.Sources {
		if s.Slot == slot {
			return s, true
		}
	}
	return Source{}, false
}

// Source is one report attached to a package, or named in the rules file.
type Source struct {
	// Slot is a Slot* constant, or the report's name for reports of the
	// rules file.
	Slot string `json:"slot"`
	// URI is s3://, https://, or (local registry) a path relative to the
	// package folder.
	URI         string `json:"uri"`
	ContentType string `json:"content_type,omitempty"`
	// Digest is the registry's ContentDigest ("sha256:<hex>") when given;
	// Fetch refuses bytes that do not match it.
	Digest string `json:"digest,omitempty"`
	// Format forces a reader (from the rules file); empty means detect.
	Format string `json:"format,omitempty"`
}

// Decision is an approval decision to write into the registry.
type Decision struct {
	Status      string            // StatusApproved or StatusRejected
	Description string            // ApprovalDescription, at most 1024 characters
	Metadata    map[string]string // CustomerMetadataProperties to set (modelgate:* keys)
}

// Registry is a model registry: SageMaker Model Registry or the local folder
// registry. Adapters live in gate/sagemaker and gate/localreg.
type Registry interface {
	// Resolve finds the package that selector names in group: latest-pending,
	// latest-approved, a version number, or a package ARN. It returns an
	// error wrapping ErrNoPackage when nothing matches.
	Resolve(ctx context.Context, group, selector string) (*Package, error)
	// Fetch downloads one report of pkg. It verifies src.Digest when set,
	// refuses more than MaxReportBytes, and names the report and URI in its
	// errors.
	Fetch(ctx context.Context, pkg *Package, src Source) ([]byte, error)
	// SetApproval writes a decision. It is idempotent.
	SetApproval(ctx context.Context, pkg *Package, d Decision) error
}

// ErrNoPackage is wrapped by Resolve when no package matches the selector.
var ErrNoPackage = errors.New("no matching model package")

// ErrDigestMismatch is wrapped by Fetch when the bytes do not match the
// registry's ContentDigest.
var ErrDigestMismatch = errors.New("content digest mismatch")

// ErrTooLarge is wrapped by Fetch when a report exceeds MaxReportBytes.
var ErrTooLarge = errors.New("report too large")
