package sagemaker

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/smithy-go"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// Selectors of Resolve besides a version number and a package ARN (parsed
// by gate.ParseSelector).
const (
	LatestPending  = rules.LatestPending
	LatestApproved = rules.LatestApproved
)

// DefaultConcurrency bounds the S3 fetches in flight per Client: as many
// as the gate fetches in one wave (gate.MaxConcurrency), so that the reports
// of both packages never queue behind each other.
const DefaultConcurrency = gate.MaxConcurrency

// DefaultRetryMaxAttempts is the attempts of a registry call unless
// Options.RetryMaxAttempts or AWS_MAX_ATTEMPTS says otherwise: more than the
// SDK's 3, which a throttled account exhausts in about 3 s (bench/scale.sh:
// 17 of 50 checks run at once failed with 3 attempts, none with 10). The
// run's deadline bounds the waits whatever the attempts.
const DefaultRetryMaxAttempts = 10

// listPageSize is MaxResults of ListModelPackages: the API maximum, so that
// the newest package is on the first page whenever the service allows.
const listPageSize = 100

// Errors Resolve wraps, for callers that branch on them with errors.Is.
var (
	// ErrGroupNotFound: the model package group does not exist (or the
	// caller may not describe it).
	ErrGroupNotFound = errors.New("model package group not found")
	// ErrUnversioned: the package is not a version of a model package group.
	ErrUnversioned = errors.New("unversioned model package")
	// ErrNotCompleted: the package's ModelPackageStatus is not Completed.
	ErrNotCompleted = errors.New("model package not completed")
	// ErrSelector: the selector is none of latest-pending, latest-approved,
	// a version number or a package ARN (gate.ErrSelector).
	ErrSelector = gate.ErrSelector
	// ErrIdentity: the registry answered with another package than the one
	// asked for.
	ErrIdentity = errors.New("model package identity mismatch")
)

// Options configure New.
type Options struct {
	// Region of the registry; "" takes it from the AWS config chain
	// (AWS_REGION, the profile).
	Region string
	// PathStyle addresses S3 as https://host/bucket/key, for MinIO and other
	// S3-compatible stores.
	PathStyle bool
	// Concurrency bounds the S3 fetches in flight; 0 means
	// DefaultConcurrency.
	Concurrency int
	// RetryMaxAttempts and RetryMaxBackoff tune the SDK's retryer (see
	// setRetryer); 0 keeps AWS_MAX_ATTEMPTS (or the profile's max_attempts),
	// else DefaultRetryMaxAttempts, and the SDK's 20 s.
	RetryMaxAttempts int
	RetryMaxBackoff  time.Duration
	// Config, when set, is used instead of config.LoadDefaultConfig (Region
	// above still wins). Its Retryer, when set, is kept unless the two
	// options above are set.
	Config *aws.Config
}

// sageMakerAPI is the part of the SageMaker client the adapter calls.
type sageMakerAPI interface {
	ListModelPackages(context.Context, *sm.ListModelPackagesInput, ...func(*sm.Options)) (*sm.ListModelPackagesOutput, error)
	DescribeModelPackage(context.Context, *sm.DescribeModelPackageInput, ...func(*sm.Options)) (*sm.DescribeModelPackageOutput, error)
	DescribeModelPackageGroup(context.Context, *sm.DescribeModelPackageGroupInput, ...func(*sm.Options)) (*sm.DescribeModelPackageGroupOutput, error)
	UpdateModelPackage(context.Context, *sm.UpdateModelPackageInput, ...func(*sm.Options)) (*sm.UpdateModelPackageOutput, error)
}

// s3API is the part of the S3 client the adapter calls (HeadBucket through
// manager.GetBucketRegion).
type s3API interface {
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	HeadBucket(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
}

// Client is the SageMaker Model Registry. It is safe for concurrent use.
type Client struct {
	sm       sageMakerAPI
	region   string
	maxBytes int64
	sem      chan struct{}

	// newS3 makes the S3 client of a region.
	newS3 func(region string) s3API

	mu       sync.Mutex
	s3       map[string]s3API         // region -> client
	buckets  map[string]string        // bucket -> region, learnt
	inflight map[string]*regionLookup // bucket -> lookup in progress
}

var _ gate.RereadingRegistry = (*Client)(nil)

// awsConfig is the AWS configuration of o: o.Config, else the AWS config
// chain, in o.Region, with o's retry bounds. The registry and the endpoint
// clients are configured by it alike.
func (o Options) awsConfig(ctx context.Context) (aws.Config, error) {
	var cfg aws.Config
	if o.Config != nil {
		cfg = o.Config.Copy()
	} else {
		var opts []func(*config.LoadOptions) error
		if o.Region != "" {
			opts = append(opts, config.WithRegion(o.Region))
		}
		var err error
		if cfg, err = config.LoadDefaultConfig(ctx, opts...); err != nil {
			return aws.Config{}, fmt.Errorf("load aws config: %w", err)
		}
	}
	if o.Region != "" {
		cfg.Region = o.Region
	}
	if cfg.Region == "" {
		return aws.Config{}, errors.New("no AWS region: set registry.region in the rules file, the region flag or AWS_REGION")
	}
	o.setRetryer(&cfg)
	return cfg, nil
}

// setRetryer gives every client made from cfg the SDK's adaptive retry mode:
// the standard retryer (exponential backoff with jitter, a retry quota) plus
// a client-side rate limiter that slows the client's attempts down after a
// throttling answer (ThrottlingException, S3's SlowDown) instead of retrying
// at full speed. The limiter's wait ends with the call's context, so the
// run's deadline still bounds every wait; the run fails (exit 3) at its
// deadline, never with a verdict.
//
//   - AWS_RETRY_MODE=standard (or the profile's retry_mode = standard, or
//     RetryMode of a caller's Options.Config, for which the environment is
//     not read) is an explicit choice and is honoured: the standard
//     retryer, with the same bounds. Unset or adaptive gives adaptive mode.
//   - Max attempts: Options.RetryMaxAttempts, else AWS_MAX_ATTEMPTS (the
//     profile's max_attempts), else DefaultRetryMaxAttempts. Max backoff:
//     Options.RetryMaxBackoff, else the SDK's 20 s.
//   - A Retryer in the caller's Options.Config is the caller's choice and
//     is kept, unless RetryMaxAttempts or RetryMaxBackoff is set.
//
// cfg.Retryer is a factory: each client (SageMaker, the S3 client of each
// region, the endpoint clients) gets its own retryer, so a throttled service
// slows down only the calls to it.
func (o Options) setRetryer(cfg *aws.Config) {
	if cfg.Retryer != nil && o.RetryMaxAttempts <= 0 && o.RetryMaxBackoff <= 0 {
		return
	}
	attempts := o.RetryMaxAttempts
	if attempts <= 0 {
		attempts = cfg.RetryMaxAttempts
	}
	if attempts <= 0 {
		attempts = DefaultRetryMaxAttempts
	}
	mode := aws.RetryModeAdaptive
	if cfg.RetryMode == aws.RetryModeStandard {
		mode = aws.RetryModeStandard
	}
	standard := func(s *retry.StandardOptions) {
		s.MaxAttempts = attempts
		if o.RetryMaxBackoff > 0 {
			s.MaxBackoff = o.RetryMaxBackoff
		}
	}
	// The clients would otherwise wrap the retryer again with the config's
	// attempts (retry.AddWithMaxAttempts), over Options.RetryMaxAttempts.
	cfg.RetryMaxAttempts = 0
	cfg.RetryMode = mode // the User-Agent names the mode
	if mode == aws.RetryModeStandard {
		cfg.Retryer = func() aws.Retryer { return retry.NewStandard(standard) }
		return
	}
	cfg.Retryer = func() aws.Retryer {
		return retry.NewAdaptiveMode(func(a *retry.AdaptiveModeOptions) {
			a.StandardOptions = append(a.StandardOptions, standard)
		})
	}
}

// New loads the AWS configuration (unless o.Config is set) and returns a
// Client for the registry in o.Region.
func New(ctx context.Context, o Options) (*Client, error) {
	cfg, err := o.awsConfig(ctx)
	if err != nil {
		return nil, err
	}
	conc := o.Concurrency
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	c := &Client{
		sm:       sm.NewFromConfig(cfg),
		region:   cfg.Region,
		maxBytes: gate.MaxReportBytes,
		sem:      make(chan struct{}, conc),
		newS3: func(region string) s3API {
			return s3.NewFromConfig(cfg, func(so *s3.Options) {
				so.Region = region
				so.UsePathStyle = o.PathStyle
				// Objects stored without a checksum are normal for
				// reports; Fetch verifies the registry's sha256 itself.
				so.DisableLogOutputChecksumValidationSkipped = true
			})
		},
		s3:       map[string]s3API{},
		buckets:  map[string]string{},
		inflight: map[string]*regionLookup{},
	}
	// The S3 client of the registry's region is made now, not on the first
	// fetch: a run's first reports are fetched as soon as its packages are
	// described.
	c.s3For(c.region)
	return c, nil
}

// Region is the registry's region.
func (c *Client) Region() string { return c.region }

// Resolve finds the package that selector names in group and describes it:
//   - latest-pending: the newest package whose ModelApprovalStatus is
//     PendingManualApproval;
//   - latest-approved: the newest Approved package;
//   - a version number: that version of the group;
//   - a package ARN: that package, which must belong to group;
//   - the approved version before v (gate.SelectApprovedBefore): the newest
//     Approved package with a lower version, from the same one listing of
//     the approved packages as latest-approved.
//
// The package must be versioned and Completed. Resolve wraps gate.ErrNoPackage
// when nothing matches, ErrGroupNotFound, ErrUnversioned, ErrNotCompleted or
// ErrSelector for those cases, and the SDK's error when a call fails after
// the retryer gave up (see IsRegistryFailure).
func (c *Client) Resolve(ctx context.Context, group string, sel gate.Selector) (*gate.Package, error) {
	name, err := c.locate(ctx, group, sel)
	if err != nil {
		return nil, err
	}
	pkg, err := c.describe(ctx, name)
	if err != nil {
		return nil, err
	}
	if group != "" && pkg.Group != groupName(group) {
		return nil, fmt.Errorf("model package %s belongs to group %q, not %q: %w", pkg.ARN, pkg.Group, groupName(group), ErrSelector)
	}
	// The package must be the one the selector named, whatever a listing
	// said before: a package whose status changed between the list and the
	// describe is not the newest pending one any more.
	switch sel.Kind {
	case gate.SelectVersion:
		if pkg.Version != sel.Version {
			return nil, fmt.Errorf("model package %s is version %d, not %d: %w", pkg.ARN, pkg.Version, sel.Version, ErrIdentity)
		}
	case gate.SelectLatestPending, gate.SelectLatestApproved, gate.SelectApprovedBefore:
		want := gate.StatusPending
		if sel.Kind != gate.SelectLatestPending {
			want = gate.StatusApproved
		}
		if pkg.Approval != want {
			return nil, fmt.Errorf("model package %s is %q now, not %s (it changed while it was looked up): %w", pkg.ARN, pkg.Approval, want, ErrIdentity)
		}
		if sel.Kind == gate.SelectApprovedBefore && pkg.Version >= sel.Version {
			return nil, fmt.Errorf("model package %s is version %d, not one before %d: %w", pkg.ARN, pkg.Version, sel.Version, ErrIdentity)
		}
	}
	return pkg, nil
}

// describe describes the package with ARN name and refuses an answer about
// another package: identity is the ARN asked for, never what an answer
// claims.
func (c *Client) describe(ctx context.Context, name string) (*gate.Package, error) {
	out, err := c.sm.DescribeModelPackage(ctx, &sm.DescribeModelPackageInput{ModelPackageName: aws.String(name)})
	if err != nil {
		if isNotFound(err) {
			return nil, fmt.Errorf("describe model package %s: %w: %w", name, gate.ErrNoPackage, err)
		}
		return nil, fmt.Errorf("describe model package %s: %w", name, err)
	}
	pkg, err := toPackage(out)
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(pkg.ARN, name) {
		return nil, fmt.Errorf("describe model package %s answered %s: %w", name, pkg.ARN, ErrIdentity)
	}
	if g, v, ok := arnGroupVersion(pkg.ARN); ok && (!strings.EqualFold(g, pkg.Group) || v != pkg.Version) {
		return nil, fmt.Errorf("model package %s says it is %s version %d: %w", pkg.ARN, pkg.Group, pkg.Version, ErrIdentity)
	}
	return pkg, nil
}

// arnGroupVersion is the group and version a versioned model package ARN
// names.
func arnGroupVersion(arn string) (string, int, bool) {
	i := strings.LastIndex(arn, ":model-package/")
	if i < 0 {
		return "", 0, false
	}
	g, v, ok := strings.Cut(arn[i+len(":model-package/"):], "/")
	n, err := strconv.Atoi(v)
	if !ok || err != nil {
		return "", 0, false
	}
	return g, n, true
}

// locate turns a selector into the name DescribeModelPackage takes.
func (c *Client) locate(ctx context.Context, group string, sel gate.Selector) (string, error) {
	if sel.Kind == gate.SelectARN {
		if !strings.HasPrefix(sel.ARN, "arn:") || strings.ContainsAny(sel.ARN, " \t\r\n") {
			return "", fmt.Errorf("%w %q: want a SageMaker model package ARN", ErrSelector, sel.ARN)
		}
		// A package ARN is described directly (its group is checked after).
		return sel.ARN, nil
	}
	if group == "" {
		return "", fmt.Errorf("selector %q needs a model package group: %w", sel, ErrSelector)
	}
	switch sel.Kind {
	case gate.SelectLatestPending:
		return c.newest(ctx, group, types.ModelApprovalStatusPendingManualApproval, 0)
	case gate.SelectLatestApproved:
		return c.newest(ctx, group, types.ModelApprovalStatusApproved, 0)
	case gate.SelectApprovedBefore:
		if sel.Version < 1 {
			return "", fmt.Errorf("%w: %s", ErrSelector, sel)
		}
		return c.newest(ctx, group, types.ModelApprovalStatusApproved, sel.Version)
	case gate.SelectVersion:
	default:
		return "", fmt.Errorf("%w %q: want %s, %s, a version number or a model package ARN", ErrSelector, sel, LatestPending, LatestApproved)
	}
	v := sel.Version
	if g, ok := strings.CutPrefix(group, "arn:"); ok {
		// The group's ARN gives the package's: one call instead of a list.
		if i := strings.Index(g, ":model-package-group/"); i >= 0 {
			return "arn:" + g[:i] + ":model-package/" + g[i+len(":model-package-group/"):] + "/" + strconv.Itoa(v), nil
		}
		return "", fmt.Errorf("%q is not a model package group ARN: %w", group, ErrSelector)
	}
	return c.version(ctx, group, v)
}

// newest returns the ARN of the newest package of group with this approval
// status, and with a version below before when before > 0: one
// ListModelPackages of the packages with that status, newest first,
// following NextToken (the service may answer pages with fewer packages than
// asked, even none) until the first match. A page holds listPageSize
// packages, so the newer approved versions that before skips are on the
// first page unless there are more than that.
func (c *Client) newest(ctx context.Context, group string, status types.ModelApprovalStatus, before int) (string, error) {
	p := sm.NewListModelPackagesPaginator(c.sm, &sm.ListModelPackagesInput{
		ModelPackageGroupName: aws.String(group),
		ModelApprovalStatus:   status,
		ModelPackageType:      types.ModelPackageTypeVersioned,
		SortBy:                types.ModelPackageSortByCreationTime,
		SortOrder:             types.SortOrderDescending,
		MaxResults:            aws.Int32(listPageSize),
	})
	seen := false
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("list model packages of %q: %w", group, err)
		}
		for _, s := range page.ModelPackageSummaryList {
			seen = true
			if s.ModelApprovalStatus != status || s.ModelPackageArn == nil {
				continue
			}
			if before > 0 && (s.ModelPackageVersion == nil || int(*s.ModelPackageVersion) >= before) {
				continue // the candidate and newer: Resolve checks the described version again
			}
			return *s.ModelPackageArn, nil
		}
	}
	if !seen { // a listed package proves the group exists
		if err := c.checkGroup(ctx, group); err != nil {
			return "", err
		}
	}
	if before > 0 {
		return "", fmt.Errorf("no %s model package before version %d in group %q: %w", status, before, group, gate.ErrNoPackage)
	}
	return "", fmt.Errorf("no %s model package in group %q: %w", status, group, gate.ErrNoPackage)
}

// version returns the ARN of version v of group. Versions grow with creation
// time, so the newest-first listing stops at the first older version.
func (c *Client) version(ctx context.Context, group string, v int) (string, error) {
	p := sm.NewListModelPackagesPaginator(c.sm, &sm.ListModelPackagesInput{
		ModelPackageGroupName: aws.String(group),
		ModelPackageType:      types.ModelPackageTypeVersioned,
		SortBy:                types.ModelPackageSortByCreationTime,
		SortOrder:             types.SortOrderDescending,
		MaxResults:            aws.Int32(listPageSize),
	})
	seen := false
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("list model packages of %q: %w", group, err)
		}
		for _, s := range page.ModelPackageSummaryList {
			seen = true
			if s.ModelPackageVersion == nil || s.ModelPackageArn == nil {
				continue
			}
			if int(*s.ModelPackageVersion) == v {
				return *s.ModelPackageArn, nil
			}
			if int(*s.ModelPackageVersion) < v {
				return "", fmt.Errorf("no version %d in model package group %q: %w", v, group, gate.ErrNoPackage)
			}
		}
	}
	if !seen {
		if err := c.checkGroup(ctx, group); err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("no version %d in model package group %q: %w", v, group, gate.ErrNoPackage)
}

// checkGroup tells a missing group from an empty one; it is called only when
// a listing found nothing. The API answers a missing group with a
// ValidationException (ResourceNotFound is accepted too).
func (c *Client) checkGroup(ctx context.Context, group string) error {
	_, err := c.sm.DescribeModelPackageGroup(ctx, &sm.DescribeModelPackageGroupInput{ModelPackageGroupName: aws.String(group)})
	switch {
	case err == nil:
		return nil
	case isNotFound(err):
		return fmt.Errorf("%w: %q: %w", ErrGroupNotFound, group, err)
	default:
		return fmt.Errorf("describe model package group %q: %w", group, err)
	}
}

// isNotFound reports whether err is the API saying a resource does not
// exist: ResourceNotFound, or the ValidationException SageMaker's Describe
// calls answer for a name that does not exist.
func isNotFound(err error) bool {
	var rnf *types.ResourceNotFound
	if errors.As(err, &rnf) {
		return true
	}
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "ValidationException"
}

func groupName(group string) string {
	if i := strings.Index(group, ":model-package-group/"); i >= 0 {
		return group[i+len(":model-package-group/"):]
	}
	return group
}

// toPackage converts a DescribeModelPackage answer.
func toPackage(out *sm.DescribeModelPackageOutput) (*gate.Package, error) {
	arn := aws.ToString(out.ModelPackageArn)
	if out.ModelPackageGroupName == nil || out.ModelPackageVersion == nil {
		return nil, fmt.Errorf("model package %s: %w: modelgate judges versions of a model package group", arn, ErrUnversioned)
	}
	pkg := &gate.Package{
		Group:               aws.ToString(out.ModelPackageGroupName),
		ARN:                 arn,
		Version:             int(*out.ModelPackageVersion),
		Status:              string(out.ModelPackageStatus),
		Approval:            string(out.ModelApprovalStatus),
		Created:             aws.ToTime(out.CreationTime).UTC(),
		ApprovalDescription: aws.ToString(out.ApprovalDescription),
		Metadata:            out.CustomerMetadataProperties,
		Sources:             sources(out),
	}
	if out.LastModifiedTime != nil {
		pkg.Revision = "modified:" + out.LastModifiedTime.UTC().Format(time.RFC3339Nano)
	}
	if out.ModelPackageStatus != types.ModelPackageStatusCompleted {
		return nil, fmt.Errorf("model package %s is %q: %w", arn, out.ModelPackageStatus, ErrNotCompleted)
	}
	return pkg, nil
}

// sources lists every MetricsSource of ModelMetrics and DriftCheckBaselines
// by slot, through the one mapping of gate.PackageSources (the ConfigFile
// of a drift baseline is not a report).
func sources(out *sm.DescribeModelPackageOutput) []gate.Source {
	ms := func(m *types.MetricsSource) *gate.MetricsSource {
		if m == nil {
			return nil
		}
		return &gate.MetricsSource{ContentType: aws.ToString(m.ContentType), S3Uri: aws.ToString(m.S3Uri), ContentDigest: aws.ToString(m.ContentDigest)}
	}
	pair := func(st, co *types.MetricsSource) *gate.StatisticsConstraints {
		return &gate.StatisticsConstraints{Statistics: ms(st), Constraints: ms(co)}
	}
	var mm *gate.ModelMetrics
	if m := out.ModelMetrics; m != nil {
		mm = &gate.ModelMetrics{}
		if q := m.ModelQuality; q != nil {
			mm.ModelQuality = pair(q.Statistics, q.Constraints)
		}
		if q := m.ModelDataQuality; q != nil {
			mm.ModelDataQuality = pair(q.Statistics, q.Constraints)
		}
		if b := m.Bias; b != nil {
			mm.Bias = &gate.BiasReports{Report: ms(b.Report), PreTrainingReport: ms(b.PreTrainingReport), PostTrainingReport: ms(b.PostTrainingReport)}
		}
		if e := m.Explainability; e != nil {
			mm.Explainability = &gate.ExplainabilityReport{Report: ms(e.Report)}
		}
	}
	var dc *gate.DriftCheckBaselines
	if d := out.DriftCheckBaselines; d != nil {
		dc = &gate.DriftCheckBaselines{}
		if b := d.Bias; b != nil {
			dc.Bias = &gate.DriftBias{PreTrainingConstraints: ms(b.PreTrainingConstraints), PostTrainingConstraints: ms(b.PostTrainingConstraints)}
		}
		if e := d.Explainability; e != nil {
			dc.Explainability = &gate.DriftExplainability{Constraints: ms(e.Constraints)}
		}
		if q := d.ModelQuality; q != nil {
			dc.ModelQuality = pair(q.Statistics, q.Constraints)
		}
		if q := d.ModelDataQuality; q != nil {
			dc.ModelDataQuality = pair(q.Statistics, q.Constraints)
		}
	}
	return gate.PackageSources(mm, dc)
}

// IsRegistryFailure reports whether err is a failure of the registry itself:
// an AWS call that failed after the SDK's retries (throttling, 5xx, access
// denied, network) or a deadline. The CLI maps it to exit 3 (gate.ExitRuntime).
// It is false for the answers about the registry's content, which the
// errors.Is sentinels name: gate.ErrNoPackage, ErrGroupNotFound,
// ErrUnversioned, ErrNotCompleted, ErrSelector, ErrIdentity,
// ErrInvalidMetadata, ErrUnsupportedURI, gate.ErrDigestMismatch,
// gate.ErrTooLarge, gate.ErrBadContent and gate.ErrConflict.
func IsRegistryFailure(err error) bool {
	if err == nil {
		return false
	}
	for _, s := range []error{gate.ErrNoPackage, ErrGroupNotFound, ErrUnversioned, ErrNotCompleted, ErrSelector, ErrIdentity,
		ErrInvalidMetadata, ErrUnsupportedURI, gate.ErrDigestMismatch, gate.ErrTooLarge, gate.ErrBadContent, gate.ErrConflict} {
		if errors.Is(err, s) {
			return false
		}
	}
	var op *smithy.OperationError
	return errors.As(err, &op) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}
