package gate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/modelgate/modelgate/rules"
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

	// Revision identifies the registry's state of the package when it was
	// read (local registry: the sha256 of package.json; SageMaker: the
	// LastModifiedTime and approval status). SetApproval refuses to write,
	// with ErrConflict, when the package no longer has it. Empty means
	// unknown: the adapter then compares identity, status and digests only.
	Revision string `json:"-"`
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

// MetricsSource is one report reference of a model package, as the
// SageMaker API spells it (types.MetricsSource).
type MetricsSource struct {
	ContentType   string `json:"ContentType,omitempty"`
	S3Uri         string `json:"S3Uri,omitempty"`
	ContentDigest string `json:"ContentDigest,omitempty"`
}

// StatisticsConstraints is a Statistics/Constraints pair (ModelQuality,
// ModelDataQuality).
type StatisticsConstraints struct {
	Statistics  *MetricsSource `json:"Statistics,omitempty"`
	Constraints *MetricsSource `json:"Constraints,omitempty"`
}

// ModelMetrics is a package's ModelMetrics in the API's shape
// (DescribeModelPackage; the local registry's package.json).
type ModelMetrics struct {
	ModelQuality     *StatisticsConstraints `json:"ModelQuality,omitempty"`
	ModelDataQuality *StatisticsConstraints `json:"ModelDataQuality,omitempty"`
	Bias             *BiasReports           `json:"Bias,omitempty"`
	Explainability   *ExplainabilityReport  `json:"Explainability,omitempty"`
}

// BiasReports is ModelMetrics.Bias.
type BiasReports struct {
	Report             *MetricsSource `json:"Report,omitempty"`
	PreTrainingReport  *MetricsSource `json:"PreTrainingReport,omitempty"`
	PostTrainingReport *MetricsSource `json:"PostTrainingReport,omitempty"`
}

// ExplainabilityReport is ModelMetrics.Explainability.
type ExplainabilityReport struct {
	Report *MetricsSource `json:"Report,omitempty"`
}

// DriftCheckBaselines is a package's DriftCheckBaselines in the API's shape
// (its ConfigFile entries are not reports and are left out).
type DriftCheckBaselines struct {
	Bias             *DriftBias             `json:"Bias,omitempty"`
	Explainability   *DriftExplainability   `json:"Explainability,omitempty"`
	ModelQuality     *StatisticsConstraints `json:"ModelQuality,omitempty"`
	ModelDataQuality *StatisticsConstraints `json:"ModelDataQuality,omitempty"`
}

// DriftBias is DriftCheckBaselines.Bias.
type DriftBias struct {
	PreTrainingConstraints  *MetricsSource `json:"PreTrainingConstraints,omitempty"`
	PostTrainingConstraints *MetricsSource `json:"PostTrainingConstraints,omitempty"`
}

// DriftExplainability is DriftCheckBaselines.Explainability.
type DriftExplainability struct {
	Constraints *MetricsSource `json:"Constraints,omitempty"`
}

// PackageSources maps ModelMetrics and DriftCheckBaselines to the sources of
// a package, by slot: the one mapping every adapter uses. A MetricsSource
// without an S3Uri is left out.
func PackageSources(mm *ModelMetrics, dc *DriftCheckBaselines) []Source {
	var srcs []Source
	add := func(slot string, m *MetricsSource) {
		if m != nil && m.S3Uri != "" {
			srcs = append(srcs, Source{Slot: slot, URI: m.S3Uri, ContentType: m.ContentType, Digest: m.ContentDigest})
		}
	}
	pair := func(stats, constr string, p *StatisticsConstraints) {
		if p != nil {
			add(stats, p.Statistics)
			add(constr, p.Constraints)
		}
	}
	if mm != nil {
		pair(SlotQuality, SlotQualityConstraints, mm.ModelQuality)
		pair(SlotDataQuality, SlotDataQualityConstraints, mm.ModelDataQuality)
		if b := mm.Bias; b != nil {
			add(SlotBias, b.Report)
			add(SlotBiasPre, b.PreTrainingReport)
			add(SlotBiasPost, b.PostTrainingReport)
		}
		if e := mm.Explainability; e != nil {
			add(SlotExplainability, e.Report)
		}
	}
	if dc != nil {
		if b := dc.Bias; b != nil {
			add(SlotDriftBiasPre, b.PreTrainingConstraints)
			add(SlotDriftBiasPost, b.PostTrainingConstraints)
		}
		if e := dc.Explainability; e != nil {
			add(SlotDriftExplain, e.Constraints)
		}
		pair(SlotDriftQuality, SlotDriftQualityConstr, dc.ModelQuality)
		pair(SlotDriftDataQuality, SlotDriftDataConstr, dc.ModelDataQuality)
	}
	return srcs
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
	// Resolve finds the package that sel names in group: latest-pending,
	// latest-approved, a version number, a package ARN, or the newest
	// approved package older than a version (SelectApprovedBefore, in one
	// listing where the registry lists). The package returned
	// is the one asked for: its identity comes from where it lives (local:
	// its folder; SageMaker: the ARN DescribeModelPackage was asked), never
	// from what its description claims. It returns an error wrapping
	// ErrNoPackage when nothing matches and ErrBadPackage when the
	// registry's description of the package cannot be accepted.
	Resolve(ctx context.Context, group string, sel Selector) (*Package, error)
	// Fetch downloads one report of pkg with a bounded read (ReadCapped at
	// MaxReportBytes: never more than MaxReportBytes+1 bytes in memory) and
	// names the report and URI in its errors. Problems with the report
	// itself wrap ErrBadContent or ErrTooLarge. The loader, not the
	// adapter, verifies the size cap and src.Digest (VerifyReport), once for
	// every adapter.
	Fetch(ctx context.Context, pkg *Package, src Source) ([]byte, error)
	// SetApproval writes a decision into exactly pkg: the package with
	// pkg.ARN, pkg.Group and pkg.Version. Just before writing it reads the
	// package again and refuses, with an error wrapping ErrConflict, when
	// the package is no longer the one that was judged (another identity,
	// another approval status, other report digests, another Revision). A
	// package that already holds the same decision is left as it is
	// (idempotent).
	SetApproval(ctx context.Context, pkg *Package, d Decision) error
}

// RereadingRegistry is a Registry whose read just before writing can also
// be the approval protocol's re-read (Approve): one read instead of two, so
// that approving costs the re-check, one read and one write.
type RereadingRegistry interface {
	Registry
	// SetApprovalOnRead reads pkg again as SetApproval does and calls
	// decide with the package it read; it writes the decision decide
	// returns (nil: nothing is written) with every check and refusal of
	// SetApproval: a package that is no longer the one judged is
	// ErrConflict, one that already holds the decision is left as it is.
	// written is true when the registry holds the decision.
	SetApprovalOnRead(ctx context.Context, pkg *Package, decide func(cur *Package) (*Decision, error)) (written bool, err error)
}

// ErrNoPackage is wrapped by Resolve when no package matches the selector.
var ErrNoPackage = errors.New("no matching model package")

// ErrDigestMismatch is wrapped by Fetch when the bytes do not match the
// registry's ContentDigest.
var ErrDigestMismatch = errors.New("content digest mismatch")

// ErrTooLarge is wrapped by Fetch when a report exceeds MaxReportBytes.
var ErrTooLarge = errors.New("report too large")

// ErrBadContent is wrapped by Fetch when the registry answered but what it
// holds for the report cannot be accepted: a URI the adapter does not read
// (s3:// in the local registry, a non-S3 host), a file that is not a regular
// file (a FIFO, a device, a directory), a path that leaves the registry, a
// report that does not exist. Like ErrTooLarge and ErrDigestMismatch it is
// bad input, not a registry failure: the loader turns it into an error
// verdict on the rules that need the report (exit 1), never exit 3.
var ErrBadContent = errors.New("report refused")

// ErrConflict is wrapped by SetApproval when the package changed between
// the read the decision was made on and the write (a concurrent approval,
// a status set by hand, new reports): the caller lost the race and wrote
// nothing.
var ErrConflict = errors.New("approval conflict (nothing written)")

// ErrBadPackage is wrapped by Resolve when the registry's description of a
// package cannot be accepted: a local package.json with a duplicate key,
// one that names another package than the folder it is in, one that is not
// a regular file. It is bad input (exit 2), not a registry failure.
var ErrBadPackage = errors.New("invalid model package")

// IsInputError reports whether err (of Load, Resolve or Fetch) is bad input
// rather than a failure of the registry: a selector that is not one
// (ErrSelector), a package description that cannot be accepted
// (ErrBadPackage), or a content problem (IsContentError). The CLI maps it to
// exit 2; the loader has already turned report content problems into error
// verdicts, so what reaches the CLI is about packages and selectors.
func IsInputError(err error) bool {
	return errors.Is(err, ErrSelector) || errors.Is(err, ErrBadPackage) || IsContentError(err)
}

// IsContentError reports whether err from Fetch is about the report's
// content or location (ErrBadContent, ErrTooLarge, ErrDigestMismatch) rather
// than a failure of the registry.
func IsContentError(err error) bool {
	return errors.Is(err, ErrBadContent) || errors.Is(err, ErrTooLarge) || errors.Is(err, ErrDigestMismatch)
}

// ParseDigest returns the lower-case hex of a ContentDigest
// "sha256:<64 hex digits>" ("" for an empty digest). Any other form is an
// error wrapping ErrDigestMismatch: a digest that cannot be checked is
// never ignored.
func ParseDigest(d string) (string, error) {
	if d == "" {
		return "", nil
	}
	alg, hexs, ok := strings.Cut(d, ":")
	if !ok || !strings.EqualFold(alg, "sha256") || len(hexs) != 64 {
		return "", fmt.Errorf("%w: ContentDigest %q is not sha256:<64 hex digits>", ErrDigestMismatch, d)
	}
	if _, err := hex.DecodeString(hexs); err != nil {
		return "", fmt.Errorf("%w: ContentDigest %q is not sha256:<64 hex digits>", ErrDigestMismatch, d)
	}
	return strings.ToLower(hexs), nil
}

// VerifyReport checks fetched bytes against the registry contract: at most
// MaxReportBytes, and the sha256 the registry gives for the report
// (src.Digest), when it gives one. The loader calls it for every adapter.
func VerifyReport(src Source, data []byte) error {
	if len(data) > MaxReportBytes {
		return fmt.Errorf("%w: %d bytes; the limit is %d", ErrTooLarge, len(data), MaxReportBytes)
	}
	want, err := ParseDigest(src.Digest)
	if err != nil || want == "" {
		return err
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != want {
		return fmt.Errorf("%w: registry says sha256:%s, the bytes have sha256:%s", ErrDigestMismatch, want, got)
	}
	return nil
}

// readChunk is how much ReadCapped reads between two looks at the context.
const readChunk = 1 << 20

// ReadCapped reads r to the end, or fails with ErrTooLarge once more than
// max bytes arrive (it never holds more than max+1). It looks at ctx between
// chunks, so a slow source cannot outlive the deadline by more than one
// read.
func ReadCapped(ctx context.Context, r io.Reader, max int64) ([]byte, error) {
	var buf bytes.Buffer
	lr := io.LimitReader(r, max+1)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, err := io.CopyN(&buf, lr, readChunk)
		if int64(buf.Len()) > max {
			return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)
		}
		if err == io.EOF || (err == nil && n < readChunk) {
			return buf.Bytes(), nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// SelectorKind is what a selector names.
type SelectorKind int

// Selector kinds.
const (
	SelectLatestPending  SelectorKind = iota + 1 // the newest PendingManualApproval package
	SelectLatestApproved                         // the newest Approved package
	SelectNone                                   // no package (baseline: none)
	SelectVersion                                // a version number of the group
	SelectARN                                    // a package ARN (local registry: also local:<group>/<version>; MLflow: models:/<name>/<version>)
	SelectAlias                                  // an MLflow alias: @champion
	SelectTag                                    // the newest MLflow version with a tag: tag:key=value
	// SelectApprovedBefore is the newest Approved package with a version
	// lower than Version: the baseline of a candidate that is itself the
	// newest approved package. No rules file spells it (ParseSelector
	// refuses it); the loader asks it.
	SelectApprovedBefore
)

// Selector is a parsed candidate or baseline selector: latest-pending,
// latest-approved, none, a version number or a package ARN. It is parsed
// once (ParseSelector) and is what Registry.Resolve takes; its String form
// is how the rules file spells it.
type Selector struct {
	Kind    SelectorKind
	Version int    // SelectVersion, SelectApprovedBefore
	ARN     string // SelectARN
	Alias   string // SelectAlias, without the @
	Tag     string // SelectTag: key=value
}

// ARNSelector selects the package with this ARN.
func ARNSelector(arn string) Selector { return Selector{Kind: SelectARN, ARN: arn} }

// ErrSelector is wrapped by ParseSelector (and Resolve) for a selector
// that is none of the allowed forms.
var ErrSelector = errors.New("invalid model package selector")

// ParseSelector parses a selector.
func ParseSelector(s string) (Selector, error) {
	switch s {
	case rules.LatestPending:
		return Selector{Kind: SelectLatestPending}, nil
	case rules.LatestApproved:
		return Selector{Kind: SelectLatestApproved}, nil
	case rules.NoBaseline:
		return Selector{Kind: SelectNone}, nil
	}
	if strings.HasPrefix(s, "models:/") {
		// An MLflow model version (gate/mlflow): the model name may hold spaces.
		if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return Selector{}, fmt.Errorf("%w %q: a models:/ URI has no control characters", ErrSelector, s)
		}
		return Selector{Kind: SelectARN, ARN: s}, nil
	}
	if strings.HasPrefix(s, "arn:") || strings.HasPrefix(s, "local:") {
		if strings.ContainsAny(s, " \t\r\n") {
			return Selector{}, fmt.Errorf("%w %q: an ARN has no spaces", ErrSelector, s)
		}
		return Selector{Kind: SelectARN, ARN: s}, nil
	}
	if v, err := strconv.Atoi(s); err == nil && v >= 1 && strconv.Itoa(v) == s {
		return Selector{Kind: SelectVersion, Version: v}, nil
	}
	// MLflow forms (gate/mlflow; other adapters refuse them).
	if a, ok := rules.AliasSelector(s); ok {
		return Selector{Kind: SelectAlias, Alias: a}, nil
	}
	if k, v, ok := rules.TagSelector(s); ok {
		return Selector{Kind: SelectTag, Tag: k + "=" + v}, nil
	}
	return Selector{}, fmt.Errorf("%w %q: want %s, %s, %s, a version number or a model package ARN", ErrSelector, s, rules.LatestPending, rules.LatestApproved, rules.NoBaseline)
}

// String is the selector as the rules file and Registry.Resolve spell it.
func (s Selector) String() string {
	switch s.Kind {
	case SelectLatestPending:
		return rules.LatestPending
	case SelectLatestApproved:
		return rules.LatestApproved
	case SelectNone:
		return rules.NoBaseline
	case SelectVersion:
		return strconv.Itoa(s.Version)
	case SelectARN:
		return s.ARN
	case SelectAlias:
		return "@" + s.Alias
	case SelectTag:
		return "tag:" + s.Tag
	case SelectApprovedBefore:
		return "the newest approved version before " + strconv.Itoa(s.Version)
	}
	return ""
}

// Changed says how cur, a package read again just before writing, differs
// from was, the package a decision was made on, or "" when it is the same
// package in the same state: the same ARN (SageMaker spells ARNs without
// regard to case), group and version, the same package and approval
// status, the same report URIs and digests, and the same Revision when both
// have one. Adapters call it from SetApproval and refuse with ErrConflict.
func Changed(was, cur *Package) string {
	switch {
	case !strings.EqualFold(cur.ARN, was.ARN):
		return fmt.Sprintf("%s/%d is %s, not %s", cur.Group, cur.Version, cur.ARN, was.ARN)
	case cur.Group != was.Group || cur.Version != was.Version:
		return fmt.Sprintf("%s is %s/%d, not %s/%d", cur.ARN, cur.Group, cur.Version, was.Group, was.Version)
	case cur.Approval != was.Approval:
		return fmt.Sprintf("its approval status is now %s (it was %s when judged)", quoteOdd(cur.Approval), quoteOdd(was.Approval))
	case cur.Status != was.Status:
		return fmt.Sprintf("its package status is now %s (it was %s when judged)", quoteOdd(cur.Status), quoteOdd(was.Status))
	}
	type ref struct{ uri, digest string }
	refs := func(p *Package) map[string]ref {
		m := map[string]ref{}
		for _, s := range p.Sources {
			m[s.Slot] = ref{s.URI, strings.ToLower(s.Digest)}
		}
		return m
	}
	a, b := refs(was), refs(cur)
	same := len(a) == len(b)
	for k, v := range a {
		if b[k] != v {
			same = false
		}
	}
	if !same {
		return "its reports (ModelMetrics, DriftCheckBaselines) changed since it was judged"
	}
	if was.Revision != "" && cur.Revision != "" && cur.Revision != was.Revision {
		return "the package changed since it was read (another approval won, or it was edited)"
	}
	return ""
}

// quoteOdd quotes a status that is not a plain word (empty, or with
// spaces, newlines or other characters an API status never has), so that
// registry text can never start a line of its own in a message.
func quoteOdd(s string) string {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return strconv.Quote(s)
		}
	}
	if s == "" {
		return `""`
	}
	return s
}

// HoldsDecision reports whether p already holds d: the same status and
// description, and every metadata entry of d.
func HoldsDecision(p *Package, d Decision) bool {
	if p.Approval != d.Status || p.ApprovalDescription != d.Description {
		return false
	}
	for k, v := range d.Metadata {
		if got, ok := p.Metadata[k]; !ok || got != v {
			return false
		}
	}
	return true
}
