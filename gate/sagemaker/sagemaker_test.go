package sagemaker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/gatetest"
)

// fakes are the SageMaker and S3 fakes of one test and a Client configured
// for them through the environment, as the CLI configures it.
type fakes struct {
	sm     *gatetest.SageMakerFake
	s3     *gatetest.S3Fake
	client *Client
}

// setEnv points the AWS config chain at the fakes and nothing else: static
// credentials, empty shared files, no CA bundle, the fakes' endpoints.
func setEnv(t testing.TB, smURL, s3URL string) {
	t.Helper()
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "config")
	credFile := filepath.Join(dir, "credentials")
	for _, f := range []string{cfgFile, credFile} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":                   "AKIDMODELGATETEST",
		"AWS_SECRET_ACCESS_KEY":               "modelgate-test-secret",
		"AWS_SESSION_TOKEN":                   "",
		"AWS_PROFILE":                         "",
		"AWS_DEFAULT_PROFILE":                 "",
		"AWS_CONFIG_FILE":                     cfgFile,
		"AWS_SHARED_CREDENTIALS_FILE":         credFile,
		"AWS_CA_BUNDLE":                       "",
		"AWS_REGION":                          "",
		"AWS_DEFAULT_REGION":                  "",
		"AWS_ROLE_ARN":                        "",
		"AWS_WEB_IDENTITY_TOKEN_FILE":         "",
		"AWS_EC2_METADATA_DISABLED":           "true",
		"AWS_ENDPOINT_URL":                    "",
		"AWS_ENDPOINT_URL_SAGEMAKER":          smURL,
		"AWS_ENDPOINT_URL_S3":                 s3URL,
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "",
		"AWS_RETRY_MODE":                      "",
		"AWS_MAX_ATTEMPTS":                    "",
		"AWS_USE_FIPS_ENDPOINT":               "",
		"AWS_USE_DUALSTACK_ENDPOINT":          "",
	} {
		t.Setenv(k, v)
	}
}

func newFakes(t testing.TB) *fakes {
	t.Helper()
	f := &fakes{sm: gatetest.NewSageMaker(t), s3: gatetest.NewS3(t)}
	setEnv(t, f.sm.URL, f.s3.URL)
	f.client = newClient(t)
	return f
}

// newClient is the Client of the CLI, configured by the environment.
func newClient(t testing.TB) *Client {
	t.Helper()
	c, err := New(context.Background(), Options{
		Region:          gatetest.SageMakerRegion,
		PathStyle:       true,
		RetryMaxBackoff: time.Millisecond, // the SDK's retryer, without its 20 s waits (the adaptive limiter still waits)
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

const group = "churn-xgboost"

// seed creates the group and its packages in order (oldest first), each with
// a quality report, and returns the stored packages.
func (f *fakes) seed(t *testing.T, approvals ...string) []gatetest.ModelPackage {
	t.Helper()
	f.sm.AddGroup(group)
	f.s3.CreateBucket("reports")
	var out []gatetest.ModelPackage
	for i, a := range approvals {
		body := []byte(`{"binary_classification_metrics":{"auc":{"value":0.9` + string(rune('0'+i%10)) + `}}}`)
		uri := f.s3.PutObject("reports", group+"/"+a+"/"+string(rune('a'+i))+"/quality.json", body)
		out = append(out, f.sm.AddPackage(gatetest.ModelPackage{
			Group:    group,
			Approval: a,
			Sources: map[string]gatetest.MetricsSource{
				"ModelMetrics.ModelQuality.Statistics": {ContentType: "application/json", S3Uri: uri, ContentDigest: gatetest.SHA256Digest(body)},
			},
		}))
	}
	return out
}

func TestResolveLatestPendingOnThirdPage(t *testing.T) {
	f := newFakes(t)
	f.sm.AddGroup(group)
	// Oldest first: the pending candidate, then four newer decided packages.
	cand := f.sm.AddPackage(gatetest.ModelPackage{
		Group:    group,
		Approval: gate.StatusPending,
		Metadata: map[string]string{"toxicity": "s3://reports/evals/toxicity.json"},
		Sources: map[string]gatetest.MetricsSource{
			"ModelMetrics.ModelQuality.Statistics":             {ContentType: "application/json", S3Uri: "s3://reports/q.json", ContentDigest: "sha256:" + strings.Repeat("ab", 32)},
			"ModelMetrics.Bias.PreTrainingReport":              {ContentType: "application/json", S3Uri: "s3://reports/pre.json"},
			"ModelMetrics.Bias.PostTrainingReport":             {ContentType: "application/json", S3Uri: "s3://reports/post.json"},
			"ModelMetrics.Explainability.Report":               {ContentType: "application/json", S3Uri: "s3://reports/shap.json"},
			"DriftCheckBaselines.Bias.ConfigFile":              {ContentType: "application/json", S3Uri: "s3://reports/config.json"},
			"DriftCheckBaselines.Bias.PreTrainingConstraints":  {ContentType: "application/json", S3Uri: "s3://reports/drift-pre.json"},
			"DriftCheckBaselines.ModelQuality.Constraints":     {ContentType: "application/json", S3Uri: "s3://reports/drift-qc.json"},
			"DriftCheckBaselines.ModelDataQuality.Statistics":  {ContentType: "application/json", S3Uri: "s3://reports/drift-dq.json"},
			"DriftCheckBaselines.Explainability.Constraints":   {ContentType: "application/json", S3Uri: "s3://reports/drift-ex.json"},
			"DriftCheckBaselines.Explainability.ConfigFile":    {ContentType: "application/json", S3Uri: "s3://reports/drift-ex-config.json"},
			"ModelMetrics.ModelDataQuality.Constraints":        {ContentType: "application/json", S3Uri: "s3://reports/dqc.json"},
			"DriftCheckBaselines.ModelQuality.Statistics":      {ContentType: "application/json", S3Uri: "s3://reports/drift-q.json"},
			"DriftCheckBaselines.Bias.PostTrainingConstraints": {ContentType: "application/json", S3Uri: "s3://reports/drift-post.json"},
			"DriftCheckBaselines.ModelDataQuality.Constraints": {ContentType: "application/json", S3Uri: "s3://reports/drift-dqc.json"},
			"ModelMetrics.ModelQuality.Constraints":            {ContentType: "application/json", S3Uri: "s3://reports/qc.json"},
			"ModelMetrics.ModelDataQuality.Statistics":         {ContentType: "application/json", S3Uri: "s3://reports/dq.json"},
			"ModelMetrics.Bias.Report":                         {ContentType: "application/json", S3Uri: "s3://reports/bias.json"},
		},
	})
	for _, a := range []string{gate.StatusApproved, gate.StatusRejected, gate.StatusApproved, gate.StatusRejected} {
		f.sm.AddPackage(gatetest.ModelPackage{Group: group, Approval: a})
	}
	f.sm.SetPageCap(2) // pages of 2 scanned packages: the candidate is on page 3

	got, err := resolveSel(context.Background(), f.client, group, LatestPending)
	if err != nil {
		t.Fatalf("Resolve(%q, %q): %v", group, LatestPending, err)
	}
	src := func(slot, uri string) gate.Source {
		return gate.Source{Slot: slot, URI: "s3://reports/" + uri, ContentType: "application/json"}
	}
	quality := src(gate.SlotQuality, "q.json")
	quality.Digest = "sha256:" + strings.Repeat("ab", 32)
	want := &gate.Package{
		Group:    group,
		ARN:      "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn-xgboost/1",
		Version:  1,
		Status:   "Completed",
		Approval: gate.StatusPending,
		Created:  cand.Created,
		Metadata: map[string]string{"toxicity": "s3://reports/evals/toxicity.json"},
		Sources: []gate.Source{
			quality,
			src(gate.SlotQualityConstraints, "qc.json"),
			src(gate.SlotDataQuality, "dq.json"),
			src(gate.SlotDataQualityConstraints, "dqc.json"),
			src(gate.SlotBias, "bias.json"),
			src(gate.SlotBiasPre, "pre.json"),
			src(gate.SlotBiasPost, "post.json"),
			src(gate.SlotExplainability, "shap.json"),
			src(gate.SlotDriftBiasPre, "drift-pre.json"),
			src(gate.SlotDriftBiasPost, "drift-post.json"),
			src(gate.SlotDriftExplain, "drift-ex.json"),
			src(gate.SlotDriftQuality, "drift-q.json"),
			src(gate.SlotDriftQualityConstr, "drift-qc.json"),
			src(gate.SlotDriftDataQuality, "drift-dq.json"),
			src(gate.SlotDriftDataConstr, "drift-dqc.json"),
		},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Resolve(%q, %q) mismatch (-want +got):\n%s", group, LatestPending, d)
	}

	lists := f.sm.Calls("ListModelPackages")
	var tokens []any
	for _, c := range lists {
		tokens = append(tokens, c.Body["NextToken"])
		for k, v := range map[string]string{
			"ModelPackageGroupName": group,
			"ModelApprovalStatus":   "PendingManualApproval",
			"ModelPackageType":      "Versioned",
			"SortBy":                "CreationTime",
			"SortOrder":             "Descending",
		} {
			if c.Body[k] != v {
				t.Errorf("ListModelPackages %s = %v; want %q", k, c.Body[k], v)
			}
		}
	}
	if d := cmp.Diff([]any{nil, "page:2", "page:4"}, tokens); d != "" {
		t.Errorf("ListModelPackages NextTokens (-want +got):\n%s", d)
	}
	if n := len(f.sm.Calls("DescribeModelPackage")); n != 1 {
		t.Errorf("DescribeModelPackage calls = %d; want 1", n)
	}
}

func TestResolveSelectors(t *testing.T) {
	f := newFakes(t)
	pkgs := f.seed(t, gate.StatusApproved, gate.StatusApproved, gate.StatusRejected, gate.StatusPending, gate.StatusPending)
	other := "other-group"
	f.sm.AddGroup(other)
	foreign := f.sm.AddPackage(gatetest.ModelPackage{Group: other})
	f.sm.AddGroup("empty-group")
	unversioned := f.sm.AddPackage(gatetest.ModelPackage{Name: "loose-model"})
	inProgress := f.sm.AddPackage(gatetest.ModelPackage{Group: other, Status: "InProgress"})
	groupARN := "arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/" + group

	tests := []struct {
		name, group, selector string
		wantARN               string
		wantErr               error
		wantLists             int // ListModelPackages calls
	}{
		{name: "latest pending is the newest pending", group: group, selector: LatestPending, wantARN: pkgs[4].ARN, wantLists: 1},
		{name: "latest approved", group: group, selector: LatestApproved, wantARN: pkgs[1].ARN, wantLists: 1},
		{name: "version number", group: group, selector: "3", wantARN: pkgs[2].ARN, wantLists: 1},
		{name: "version from the group ARN needs no list", group: groupARN, selector: "2", wantARN: pkgs[1].ARN, wantLists: 0},
		{name: "package ARN", group: group, selector: pkgs[0].ARN, wantARN: pkgs[0].ARN, wantLists: 0},
		{name: "version not in the group", group: group, selector: "9", wantErr: gate.ErrNoPackage, wantLists: 1},
		{name: "no pending package", group: "empty-group", selector: LatestPending, wantErr: gate.ErrNoPackage, wantLists: 1},
		{name: "group not found", group: "no-such-group", selector: LatestPending, wantErr: ErrGroupNotFound, wantLists: 1},
		{name: "package ARN of another group", group: group, selector: foreign.ARN, wantErr: ErrSelector},
		{name: "unknown package ARN", group: group, selector: pkgs[0].ARN + "0", wantErr: gate.ErrNoPackage},
		{name: "unversioned package", group: group, selector: unversioned.ARN, wantErr: ErrUnversioned},
		{name: "package not completed", group: other, selector: inProgress.ARN, wantErr: ErrNotCompleted},
		{name: "bad selector", group: group, selector: "newest", wantErr: ErrSelector},
		{name: "version zero", group: group, selector: "0", wantErr: ErrSelector},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.sm.Calls("ListModelPackages"))
			got, err := resolveSel(context.Background(), f.client, tt.group, tt.selector)
			if n := len(f.sm.Calls("ListModelPackages")) - before; n != tt.wantLists {
				t.Errorf("ListModelPackages calls = %d; want %d", n, tt.wantLists)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Resolve(%q, %q) error = %v; want %v", tt.group, tt.selector, err, tt.wantErr)
				}
				if IsRegistryFailure(err) {
					t.Errorf("IsRegistryFailure(%v) = true; want false", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve(%q, %q): %v", tt.group, tt.selector, err)
			}
			if got.ARN != tt.wantARN {
				t.Errorf("Resolve(%q, %q).ARN = %s; want %s", tt.group, tt.selector, got.ARN, tt.wantARN)
			}
		})
	}
}

func TestResolveErrorMessages(t *testing.T) {
	f := newFakes(t)
	f.sm.AddGroup("empty-group")
	tests := []struct{ name, group, selector, want string }{
		{"no pending", "empty-group", LatestPending, `no PendingManualApproval model package in group "empty-group": no matching model package`},
		{"bad selector", "empty-group", "v3", `invalid model package selector "v3": want latest-pending, latest-approved, none, a version number or a model package ARN`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := resolveSel(context.Background(), f.client, tt.group, tt.selector)
			if err == nil || err.Error() != tt.want {
				t.Errorf("Resolve(%q, %q) error = %v; want %s", tt.group, tt.selector, err, tt.want)
			}
		})
	}
	_, err := resolveSel(context.Background(), f.client, "no-such-group", LatestPending)
	const prefix = `model package group not found: "no-such-group": operation error SageMaker: DescribeModelPackageGroup`
	if err == nil || !strings.HasPrefix(err.Error(), prefix) {
		t.Errorf("Resolve of a missing group: error = %v; want prefix %s", err, prefix)
	}
}

func TestResolveThrottledThenSucceeds(t *testing.T) {
	f := newFakes(t)
	pkgs := f.seed(t, gate.StatusPending)
	f.sm.Throttle("ListModelPackages", 2) // the retryer makes DefaultRetryMaxAttempts

	got, err := resolveSel(context.Background(), f.client, group, LatestPending)
	if err != nil {
		t.Fatalf("Resolve after throttling: %v", err)
	}
	if got.ARN != pkgs[0].ARN {
		t.Errorf("Resolve after throttling = %s; want %s", got.ARN, pkgs[0].ARN)
	}
	if n := len(f.sm.Calls("ListModelPackages")); n != 3 {
		t.Errorf("ListModelPackages requests = %d; want 3 (2 throttled + 1)", n)
	}
}

func TestResolvePersistent5xxIsRuntimeFailure(t *testing.T) {
	f := newFakes(t)
	pkgs := f.seed(t, gate.StatusPending)
	f.sm.FailAlways(500)

	// What the gate does: resolve, and approve only after a clean run.
	pkg, err := resolveSel(context.Background(), f.client, group, LatestPending)
	if err == nil {
		t.Fatalf("Resolve with a failing service = %v; want an error", pkg)
	}
	if errors.Is(err, gate.ErrNoPackage) {
		t.Errorf("error %v wraps ErrNoPackage; a service failure is not an empty registry", err)
	}
	if !IsRegistryFailure(err) {
		t.Errorf("IsRegistryFailure(%v) = false; want true (exit %d)", err, gate.ExitRuntime)
	}
	const prefix = `list model packages of "churn-xgboost": operation error SageMaker: ListModelPackages, exceeded maximum number of attempts, 10`
	if !strings.HasPrefix(err.Error(), prefix) {
		t.Errorf("error = %v; want prefix %s", err, prefix)
	}
	if n := len(f.sm.Calls("ListModelPackages")); n != DefaultRetryMaxAttempts {
		t.Errorf("ListModelPackages requests = %d; want %d attempts", n, DefaultRetryMaxAttempts)
	}
	if n := len(f.sm.Calls("UpdateModelPackage")); n != 0 {
		t.Errorf("UpdateModelPackage requests = %d; want none", n)
	}
	if p, _ := f.sm.Package(pkgs[0].ARN); p.Approval != gate.StatusPending {
		t.Errorf("package approval = %s; want it left %s", p.Approval, gate.StatusPending)
	}
}

func TestNewNeedsARegion(t *testing.T) {
	setEnv(t, "http://127.0.0.1:1", "http://127.0.0.1:1")
	_, err := New(context.Background(), Options{})
	const want = "no AWS region: set registry.region in the rules file, the region flag or AWS_REGION"
	if err == nil || err.Error() != want {
		t.Errorf("New without a region: error = %v; want %s", err, want)
	}
	t.Setenv("AWS_REGION", "ap-south-1")
	c, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatalf("New with AWS_REGION: %v", err)
	}
	if c.Region() != "ap-south-1" {
		t.Errorf("Region() = %q; want ap-south-1 from AWS_REGION", c.Region())
	}
	c, err = New(context.Background(), Options{Region: "eu-central-1"})
	if err != nil {
		t.Fatalf("New with Options.Region: %v", err)
	}
	if c.Region() != "eu-central-1" {
		t.Errorf("Region() = %q; want eu-central-1 from Options", c.Region())
	}
	c, err = New(context.Background(), Options{Config: &aws.Config{Region: "sa-east-1"}})
	if err != nil {
		t.Fatalf("New with Options.Config: %v", err)
	}
	if c.Region() != "sa-east-1" {
		t.Errorf("Region() = %q; want sa-east-1 from Options.Config", c.Region())
	}
}

// resolveSel resolves the selector as the rules file spells it.
func resolveSel(ctx context.Context, r gate.Registry, group, s string) (*gate.Package, error) {
	sel, err := gate.ParseSelector(s)
	if err != nil {
		return nil, err
	}
	return r.Resolve(ctx, group, sel)
}

// The approved version before the candidate is one listing of the approved
// packages, newest first, paged with NextToken, then one describe: never a
// walk back one version at a time.
func TestResolveApprovedBefore(t *testing.T) {
	for _, pageCap := range []int{0, 1} {
		t.Run(fmt.Sprintf("page cap %d", pageCap), func(t *testing.T) {
			f := newFakes(t)
			pkgs := f.seed(t, gate.StatusApproved, gate.StatusRejected, gate.StatusApproved, gate.StatusRejected, gate.StatusRejected, gate.StatusApproved, gate.StatusPending)
			f.sm.SetPageCap(pageCap)
			ctx := context.Background()
			p, err := f.client.Resolve(ctx, group, gate.Selector{Kind: gate.SelectApprovedBefore, Version: 6})
			if err != nil || p.ARN != pkgs[2].ARN || p.Version != 3 || p.Approval != gate.StatusApproved {
				t.Fatalf("approved before 6 = %+v, %v; want v3 (%s)", p, err, pkgs[2].ARN)
			}
			lists, describes := f.sm.Calls("ListModelPackages"), f.sm.Calls("DescribeModelPackage")
			wantPages := 1
			if pageCap == 1 {
				// The service filters after paging: v7 (pending), v6, v5, v4 and
				// v3 each on a page of their own, the pending and rejected
				// ones as empty pages.
				wantPages = 5
			}
			if len(lists) != wantPages || len(describes) != 1 {
				t.Fatalf("%d list pages and %d describes; want %d and 1", len(lists), len(describes), wantPages)
			}
			in := lists[0].Body
			if in["ModelApprovalStatus"] != "Approved" || in["SortBy"] != "CreationTime" || in["SortOrder"] != "Descending" || in["ModelPackageType"] != "Versioned" {
				t.Errorf("ListModelPackages input %v; want the Approved versions, newest first", in)
			}

			_, err = f.client.Resolve(ctx, group, gate.Selector{Kind: gate.SelectApprovedBefore, Version: 1})
			if !errors.Is(err, gate.ErrNoPackage) || !strings.Contains(err.Error(), "no Approved model package before version 1") {
				t.Errorf("approved before 1: %v; want ErrNoPackage", err)
			}
			if n := len(f.sm.Calls("DescribeModelPackageGroup")); n != 0 {
				t.Errorf("%d DescribeModelPackageGroup calls; a listed package proves the group exists", n)
			}
		})
	}
	t.Run("misrouted describe", func(t *testing.T) {
		f := newFakes(t)
		pkgs := f.seed(t, gate.StatusApproved, gate.StatusApproved)
		f.sm.Misroute(pkgs[0].ARN, pkgs[1].ARN)
		_, err := f.client.Resolve(context.Background(), group, gate.Selector{Kind: gate.SelectApprovedBefore, Version: 2})
		if !errors.Is(err, ErrIdentity) {
			t.Errorf("misrouted: %v; want ErrIdentity", err)
		}
	})
	t.Run("no version", func(t *testing.T) {
		f := newFakes(t)
		f.seed(t, gate.StatusApproved)
		_, err := f.client.Resolve(context.Background(), group, gate.Selector{Kind: gate.SelectApprovedBefore})
		if !errors.Is(err, ErrSelector) || len(f.sm.Calls("ListModelPackages")) != 0 {
			t.Errorf("approved before 0: %v; want ErrSelector and no call", err)
		}
	})
}
