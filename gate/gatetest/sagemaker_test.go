package gatetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

// recorder is a testing.TB that keeps the fake's Errorf calls, so a test can
// assert that the fake flags a bad request or response.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, strings.TrimPrefix(sprintf(format, args...), "gatetest: sagemaker: "))
}

func (r *recorder) Helper() {}

func (r *recorder) flagged() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs...)
}

func newSDKClient(url string) *sm.Client {
	return sm.New(sm.Options{
		Region:           SageMakerRegion,
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		RetryMaxAttempts: 1,
	})
}

func TestSageMakerModel(t *testing.T) {
	t.Parallel()
	m, err := loadAPIModel(sageMakerModelJSON)
	if err != nil {
		t.Fatal(err)
	}
	// Patterns with a lookbehind, which Go's regexp lacks; the
	// CustomerMetadata patterns (ending in "${1,256}") are repaired instead.
	want := []string{"ArnOrName", "VersionedArnOrName"}
	if d := cmp.Diff(want, m.skipped); d != "" {
		t.Errorf("skipped patterns (-want +got):\n%s", d)
	}
	for _, s := range []string{"CustomerMetadataKey", "CustomerMetadataValue", "ClientToken", "ContentDigest", "S3Uri", "ModelPackageArn"} {
		if m.Shapes[s].re == nil {
			t.Errorf("pattern of %s not compiled", s)
		}
	}
	for _, op := range []string{"ListModelPackages", "DescribeModelPackage", "DescribeModelPackageGroup", "UpdateModelPackage"} {
		if _, ok := m.Operations[op]; !ok {
			t.Errorf("operation %s missing from the trimmed model", op)
		}
	}
}

func TestSageMakerFakeFlagsInvalidRequests(t *testing.T) {
	t.Parallel()
	arn := "arn:aws:sagemaker:eu-west-1:123456789012:model-package/g/1"
	tests := []struct {
		name string
		call func(context.Context, *sm.Client) error
		want []string
	}{
		{
			name: "valid update",
			call: func(ctx context.Context, c *sm.Client) error {
				_, err := c.UpdateModelPackage(ctx, &sm.UpdateModelPackageInput{
					ModelPackageArn: aws.String(arn), ModelApprovalStatus: types.ModelApprovalStatusApproved,
					ClientToken: aws.String("0123abcd-0000-0000-0000-000000000000"), ApprovalDescription: aws.String(strings.Repeat("é", 1024)),
					CustomerMetadataProperties: map[string]string{"modelgate:rules": "a=2Cb"},
				})
				return err
			},
		},
		{
			name: "enum the SDK does not check",
			call: func(ctx context.Context, c *sm.Client) error {
				_, err := c.UpdateModelPackage(ctx, &sm.UpdateModelPackageInput{ModelPackageArn: aws.String(arn), ModelApprovalStatus: "Approve"})
				return err
			},
			want: []string{`UpdateModelPackage request.ModelApprovalStatus: "Approve" is not one of [Approved Rejected PendingManualApproval] (ModelApprovalStatus)`},
		},
		{
			name: "comma in a metadata value, description too long, bad token",
			call: func(ctx context.Context, c *sm.Client) error {
				_, err := c.UpdateModelPackage(ctx, &sm.UpdateModelPackageInput{
					ModelPackageArn: aws.String(arn), ApprovalDescription: aws.String(strings.Repeat("x", 1025)),
					ClientToken: aws.String("not_valid"), CustomerMetadataProperties: map[string]string{"k": "a,b"},
				})
				return err
			},
			want: []string{
				`UpdateModelPackage request.ApprovalDescription: 1025 characters, more than the maximum 1024`,
				`UpdateModelPackage request.ClientToken: "not_valid" does not match the pattern ^[a-zA-Z0-9-]+$ of ClientToken`,
				`UpdateModelPackage request.CustomerMetadataProperties["k"]: "a,b" does not match the pattern ^([\p{L}\p{Z}\p{N}_.:\/=+\-@]*)${1,256} of CustomerMetadataValue`,
			},
		},
		{
			name: "MaxResults over the limit",
			call: func(ctx context.Context, c *sm.Client) error {
				_, err := c.ListModelPackages(ctx, &sm.ListModelPackagesInput{MaxResults: aws.Int32(101)})
				return err
			},
			want: []string{`ListModelPackages request.MaxResults: 101 is above the maximum 100 of MaxResults`},
		},
		{
			name: "required member missing",
			call: func(ctx context.Context, c *sm.Client) error {
				_, err := c.DescribeModelPackage(ctx, &sm.DescribeModelPackageInput{ModelPackageName: aws.String("")})
				return err
			},
			want: []string{`DescribeModelPackage request.ModelPackageName: 0 characters, fewer than the minimum 1`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &recorder{TB: t}
			f := NewSageMaker(r)
			f.AddGroup("g")
			f.AddPackage(ModelPackage{Group: "g"})
			err := tt.call(context.Background(), newSDKClient(f.URL))
			if d := cmp.Diff(tt.want, r.flagged()); d != "" {
				t.Errorf("flagged (-want +got):\n%s", d)
			}
			var api smithy.APIError
			switch {
			case len(tt.want) == 0 && err != nil:
				t.Errorf("valid request: %v", err)
			case len(tt.want) > 0 && (!errors.As(err, &api) || api.ErrorCode() != "ValidationException"):
				t.Errorf("invalid request answered %v; want a ValidationException", err)
			}
		})
	}
}

func TestSageMakerFakeFlagsInvalidResponses(t *testing.T) {
	t.Parallel()
	r := &recorder{TB: t}
	f := NewSageMaker(r)
	f.AddGroup("g")
	p := f.AddPackage(ModelPackage{Group: "g", Sources: map[string]MetricsSource{
		"ModelMetrics.ModelQuality.Statistics": {ContentType: "application/json", S3Uri: "ftp://x/y", ContentDigest: "md5:00"},
		"ModelMetrics.Bias.Report":             {S3Uri: "s3://b/k"},
	}})
	if _, err := newSDKClient(f.URL).DescribeModelPackage(context.Background(), &sm.DescribeModelPackageInput{ModelPackageName: aws.String(p.ARN)}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`DescribeModelPackage response.ModelMetrics.Bias.Report: required member ContentType missing`,
		`DescribeModelPackage response.ModelMetrics.ModelQuality.Statistics.ContentDigest: "md5:00" does not match the pattern ^[Ss][Hh][Aa]256:[0-9a-fA-F]{64}$ of ContentDigest`,
		`DescribeModelPackage response.ModelMetrics.ModelQuality.Statistics.S3Uri: "ftp://x/y" does not match the pattern ^(https|s3)://([^/]+)/?(.*)$ of S3Uri`,
	}
	if d := cmp.Diff(want, r.flagged()); d != "" {
		t.Errorf("flagged (-want +got):\n%s", d)
	}
}

func TestSageMakerFakeListing(t *testing.T) {
	t.Parallel()
	f := NewSageMaker(t)
	f.AddGroup("g")
	var arns []string
	for _, a := range []string{"Approved", "PendingManualApproval", "Rejected", "PendingManualApproval", "Approved"} {
		arns = append(arns, f.AddPackage(ModelPackage{Group: "g", Approval: a}).ARN)
	}
	f.AddPackage(ModelPackage{Name: "loose"})
	c := newSDKClient(f.URL)
	list := func(in *sm.ListModelPackagesInput) (got []string, tokens []string) {
		p := sm.NewListModelPackagesPaginator(c, in)
		for p.HasMorePages() {
			page, err := p.NextPage(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			tokens = append(tokens, aws.ToString(page.NextToken))
			for _, s := range page.ModelPackageSummaryList {
				got = append(got, aws.ToString(s.ModelPackageArn))
			}
		}
		return got, tokens
	}
	got, tokens := list(&sm.ListModelPackagesInput{ModelPackageGroupName: aws.String("g"), SortOrder: types.SortOrderDescending, MaxResults: aws.Int32(2)})
	if d := cmp.Diff([]string{arns[4], arns[3], arns[2], arns[1], arns[0]}, got); d != "" {
		t.Errorf("descending listing (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"page:2", "page:4", ""}, tokens); d != "" {
		t.Errorf("tokens (-want +got):\n%s", d)
	}
	// Filters apply after paging: the first page of two holds no pending package.
	got, tokens = list(&sm.ListModelPackagesInput{ModelPackageGroupName: aws.String("g"), ModelApprovalStatus: types.ModelApprovalStatusPendingManualApproval, MaxResults: aws.Int32(2), SortOrder: types.SortOrderDescending})
	if d := cmp.Diff([]string{arns[3], arns[1]}, got); d != "" {
		t.Errorf("pending listing (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"page:2", "page:4", ""}, tokens); d != "" {
		t.Errorf("tokens (-want +got):\n%s", d)
	}
	got, _ = list(&sm.ListModelPackagesInput{})
	if d := cmp.Diff([]string{"arn:aws:sagemaker:eu-west-1:123456789012:model-package/loose"}, got); d != "" {
		t.Errorf("default listing is unversioned packages (-want +got):\n%s", d)
	}
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
