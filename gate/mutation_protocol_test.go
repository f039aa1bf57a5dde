package gate_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/gatetest"
	"github.com/modelgate/modelgate/gate/localreg"
	"github.com/modelgate/modelgate/gate/sagemaker"
	"github.com/modelgate/modelgate/rules"
)

// The approval protocol (gate.Approve, README "Approve mode" points 3, 4, 6
// and 7; DESIGN 7), judged by the registry state after it: it writes the
// decision only after the announcement, exactly to the package judged, and
// re-makes the decision on the package's current status just before
// writing. Both registry kinds take their own path: the local registry is
// read again with Resolve, SageMaker (a RereadingRegistry) once, by its
// write.

// localRecheck is the re-check of the example's v12 (neutral: it may be
// approved) on a scratch copy of the example registry.
func localRecheck(t *testing.T) (*localreg.Registry, string, *gate.Result) {
	t.Helper()
	rulesPath, dir := gatetest.CopyModelRepo(t, "../examples/fraud")
	f, err := rules.ReadFile(rulesPath)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := localreg.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	return reg, dir, recheckV12(t, reg, f)
}

func recheckV12(t *testing.T, reg gate.Registry, f *rules.File) *gate.Result {
	t.Helper()
	res, err := gate.Run(context.Background(), reg, f, gate.RunOptions{Candidate: "12", Read: read, Now: now})
	if err != nil || res.Conclusion == gate.Failure {
		t.Fatalf("re-check of v12: %v, %v; want it to pass", res, err)
	}
	return res
}

func TestApproveProtocolLocal(t *testing.T) {
	ctx := context.Background()
	in := func(res *gate.Result) gate.ApprovalInput {
		return gate.ApprovalInput{Result: res, Commit: "c0ffee1", PR: 7, Actor: "octocat"}
	}

	t.Run("writes Approved after the announcement", func(t *testing.T) {
		reg, dir, res := localRecheck(t)
		announced := ""
		out, err := gate.Approve(ctx, reg, in(res), func(_ context.Context, p gate.ApprovalPlan) error {
			st, _ := gatetest.ReadLocalPackage(t, dir, "fraud-xgboost", "12")
			announced = string(p.Action) + " while " + st.ModelApprovalStatus
			return nil
		})
		if err != nil || !out.Written || out.Plan.Action != gate.ActionApprove || out.Plan.Exit() != 0 {
			t.Fatalf("approve: %+v, %v; want Approved written, exit 0", out, err)
		}
		if announced != "approve while "+gate.StatusPending {
			t.Errorf("announced %q; want the approval announced before the package changes", announced)
		}
		st, _ := gatetest.ReadLocalPackage(t, dir, "fraud-xgboost", "12")
		if st.ModelApprovalStatus != gate.StatusApproved || st.CustomerMetadataProperties[gate.MetaCommit] != "c0ffee1" {
			t.Errorf("v12 is %s with commit %q; want Approved by c0ffee1", st.ModelApprovalStatus, st.CustomerMetadataProperties[gate.MetaCommit])
		}
	})
	t.Run("no announcement (the CLI)", func(t *testing.T) {
		reg, dir, res := localRecheck(t)
		out, err := gate.Approve(ctx, reg, in(res), nil)
		if err != nil || !out.Written {
			t.Fatalf("approve: %+v, %v; want Approved written", out, err)
		}
		if st, _ := gatetest.ReadLocalPackage(t, dir, "fraud-xgboost", "12"); st.ModelApprovalStatus != gate.StatusApproved {
			t.Errorf("v12 is %s; want Approved", st.ModelApprovalStatus)
		}
		// Run again with the same commit (a new re-check): already approved
		// by it, a no-op that exits 0 and announces nothing.
		f, err := rules.ReadFile(filepath.Join(dir, "..", ".github", "modelgate.yml"))
		if err != nil {
			t.Fatal(err)
		}
		again, err := gate.Approve(ctx, reg, in(recheckV12(t, reg, f)), func(context.Context, gate.ApprovalPlan) error {
			t.Error("a no-op was announced")
			return nil
		})
		if err != nil || again.Written || again.Plan.Action != gate.ActionNoop || again.Plan.Exit() != 0 {
			t.Errorf("second approve: %+v, %v; want a no-op, exit 0", again, err)
		}
	})
	t.Run("rejected by hand during the re-check", func(t *testing.T) {
		reg, dir, res := localRecheck(t)
		gatetest.SetLocalStatus(t, dir, "fraud-xgboost", "12", gate.StatusRejected, nil)
		out, err := gate.Approve(ctx, reg, in(res), func(context.Context, gate.ApprovalPlan) error {
			t.Error("a decision was announced though the fresh read writes nothing")
			return nil
		})
		if err != nil || out.Written || out.Plan.Decision != nil || out.Plan.Action != gate.ActionLeave || out.Plan.Exit() != 1 {
			t.Fatalf("approve: %+v, %v; want nothing written, exit 1", out, err)
		}
		if st, _ := gatetest.ReadLocalPackage(t, dir, "fraud-xgboost", "12"); st.ModelApprovalStatus != gate.StatusRejected {
			t.Errorf("v12 is %s; want the manual Rejected kept", st.ModelApprovalStatus)
		}
	})
	t.Run("announcement fails", func(t *testing.T) {
		reg, dir, res := localRecheck(t)
		boom := errors.New("check run not posted")
		out, err := gate.Approve(ctx, reg, in(res), func(context.Context, gate.ApprovalPlan) error { return boom })
		if !errors.Is(err, boom) || out.Written {
			t.Fatalf("approve: %+v, %v; want the announcement's error, nothing written", out, err)
		}
		if st, _ := gatetest.ReadLocalPackage(t, dir, "fraud-xgboost", "12"); st.ModelApprovalStatus != gate.StatusPending {
			t.Errorf("v12 is %s; want it still pending", st.ModelApprovalStatus)
		}
	})
	t.Run("package gone before the write", func(t *testing.T) {
		reg, dir, res := localRecheck(t)
		if err := os.RemoveAll(filepath.Join(dir, "fraud-xgboost", "12")); err != nil {
			t.Fatal(err)
		}
		out, err := gate.Approve(ctx, reg, in(res), func(context.Context, gate.ApprovalPlan) error {
			t.Error("announced though the package could not be read again")
			return nil
		})
		if !errors.Is(err, gate.ErrNoPackage) || out.Written {
			t.Fatalf("approve: %+v, %v; want ErrNoPackage, nothing written", out, err)
		}
	})
	t.Run("registry answers another version", func(t *testing.T) {
		// The judged package claims v13 under v12's ARN: the fresh read (by
		// ARN) answers v12, which is not the package judged.
		reg, dir, res := localRecheck(t)
		cand := *res.Candidate
		cand.Version = 13
		res.Candidate = &cand
		out, err := gate.Approve(ctx, reg, in(res), nil)
		if err == nil || out.Written {
			t.Fatalf("approve: %+v, %v; want a refusal", out, err)
		}
		for _, v := range []string{"12", "13"} {
			if st, _ := gatetest.ReadLocalPackage(t, dir, "fraud-xgboost", v); st.ModelApprovalStatus == gate.StatusApproved {
				t.Errorf("v%s was approved", v)
			}
		}
	})
}

// The exit code of an approval: 0 when the package is (now) approved,
// 1 otherwise (README "Approve mode" point 7).
func TestApprovalPlanExit(t *testing.T) {
	for a, want := range map[gate.ApprovalAction]int{gate.ActionApprove: 0, gate.ActionNoop: 0, gate.ActionLeave: 1, gate.ActionReject: 1} {
		if got := (gate.ApprovalPlan{Action: a}).Exit(); got != want {
			t.Errorf("%s: exit %d; want %d", a, got, want)
		}
	}
}

// sageMakerRecheck seeds one pending package with one quality report in
// the SageMaker and S3 fakes and re-checks it through the real client.
// It returns v1's ARN too.
func sageMakerRecheck(t *testing.T) (*gatetest.SageMakerFake, *sagemaker.Client, *gate.Result, string) {
	t.Helper()
	sm, s3 := gatetest.NewSageMaker(t), gatetest.NewS3(t)
	dir := t.TempDir()
	for _, f := range []string{"config", "credentials"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDMODELGATETEST", "AWS_SECRET_ACCESS_KEY": "modelgate-test-secret",
		"AWS_SESSION_TOKEN": "", "AWS_PROFILE": "", "AWS_DEFAULT_PROFILE": "",
		"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_CA_BUNDLE": "", "AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_ROLE_ARN": "",
		"AWS_WEB_IDENTITY_TOKEN_FILE": "", "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": "",
		"AWS_ENDPOINT_URL_SAGEMAKER": sm.URL, "AWS_ENDPOINT_URL_S3": s3.URL, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "",
		"AWS_RETRY_MODE": "", "AWS_MAX_ATTEMPTS": "", "AWS_USE_FIPS_ENDPOINT": "", "AWS_USE_DUALSTACK_ENDPOINT": "",
	} {
		t.Setenv(k, v)
	}
	c, err := sagemaker.New(context.Background(), sagemaker.Options{Region: gatetest.SageMakerRegion, PathStyle: true, RetryMaxBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	sm.AddGroup("churn")
	s3.CreateBucket("reports")
	var arns []string
	for v := 1; v <= 2; v++ {
		body := []byte(`{"auc": 0.9}`)
		uri := s3.PutObject("reports", fmt.Sprintf("v%d/statistics.json", v), body)
		p := sm.AddPackage(gatetest.ModelPackage{Group: "churn", Sources: map[string]gatetest.MetricsSource{
			"ModelMetrics.ModelQuality.Statistics": {ContentType: "application/json", S3Uri: uri, ContentDigest: gatetest.SHA256Digest(body)},
		}})
		arns = append(arns, p.ARN)
	}
	f, err := rules.Parse("modelgate.yml", []byte("version: 1\nmodel: {group: churn, candidate: latest-pending}\nrules:\n  - {id: auc, metric: quality.auc, min: 0.5}\n"))
	if err != nil {
		t.Fatal(err)
	}
	readAUC := func(gate.Source, []byte) (*gate.Parsed, error) {
		return &gate.Parsed{Format: "test", Instances: []gate.Instance{{Address: rules.FormatAddress("quality", "auc"), Value: 0.9, StdDev: math.NaN()}}}, nil
	}
	res, err := gate.Run(context.Background(), c, f, gate.RunOptions{Read: readAUC})
	if err != nil || res.Conclusion != gate.Success || res.Candidate.Version != 2 {
		t.Fatalf("re-check: %v, %v; want v2 to pass", res, err)
	}
	return sm, c, res, arns[0]
}

func TestApproveProtocolSageMaker(t *testing.T) {
	ctx := context.Background()
	in := func(res *gate.Result) gate.ApprovalInput {
		return gate.ApprovalInput{Result: res, Commit: "c0ffee1", Actor: "octocat"}
	}

	t.Run("writes Approved after the announcement", func(t *testing.T) {
		sm, c, res, _ := sageMakerRecheck(t)
		updatesAtAnnounce := -1
		out, err := gate.Approve(ctx, c, in(res), func(context.Context, gate.ApprovalPlan) error {
			updatesAtAnnounce = len(sm.Calls("UpdateModelPackage"))
			return nil
		})
		if err != nil || !out.Written || out.Plan.Action != gate.ActionApprove {
			t.Fatalf("approve: %+v, %v; want Approved written", out, err)
		}
		if got, _ := sm.Package(res.Candidate.ARN); got.Approval != gate.StatusApproved || got.Metadata[gate.MetaCommit] != "c0ffee1" || updatesAtAnnounce != 0 {
			t.Errorf("v2 is %s with commit %q (%d updates before the announcement); want Approved by c0ffee1, announced first", got.Approval, got.Metadata[gate.MetaCommit], updatesAtAnnounce)
		}
	})
	t.Run("no announcement (the CLI)", func(t *testing.T) {
		sm, c, res, _ := sageMakerRecheck(t)
		out, err := gate.Approve(ctx, c, in(res), nil)
		if err != nil || !out.Written {
			t.Fatalf("approve: %+v, %v; want Approved written", out, err)
		}
		if got, _ := sm.Package(res.Candidate.ARN); got.Approval != gate.StatusApproved {
			t.Errorf("v2 is %s; want Approved", got.Approval)
		}
	})
	t.Run("rejected by hand during the re-check", func(t *testing.T) {
		sm, c, res, _ := sageMakerRecheck(t)
		sm.Update(res.Candidate.ARN, func(p *gatetest.ModelPackage) { p.Approval = gate.StatusRejected })
		out, err := gate.Approve(ctx, c, in(res), nil)
		if err != nil || out.Written || out.Plan.Decision != nil || out.Plan.Exit() != 1 {
			t.Fatalf("approve: %+v, %v; want nothing written, exit 1", out, err)
		}
		if got, _ := sm.Package(res.Candidate.ARN); got.Approval != gate.StatusRejected || len(sm.Calls("UpdateModelPackage")) != 0 {
			t.Errorf("v2 is %s after %d updates; want the manual Rejected, untouched", got.Approval, len(sm.Calls("UpdateModelPackage")))
		}
	})
	t.Run("announcement fails", func(t *testing.T) {
		sm, c, res, _ := sageMakerRecheck(t)
		boom := errors.New("check run not posted")
		out, err := gate.Approve(ctx, c, in(res), func(context.Context, gate.ApprovalPlan) error { return boom })
		if !errors.Is(err, boom) || out.Written || len(sm.Calls("UpdateModelPackage")) != 0 {
			t.Fatalf("approve: %+v, %v (%d updates); want the announcement's error, nothing written", out, err, len(sm.Calls("UpdateModelPackage")))
		}
	})
	t.Run("registry answers another package", func(t *testing.T) {
		sm, c, res, v1 := sageMakerRecheck(t)
		sm.Misroute(res.Candidate.ARN, v1)
		out, err := gate.Approve(ctx, c, in(res), nil)
		if err == nil || out.Written || len(sm.Calls("UpdateModelPackage")) != 0 {
			t.Fatalf("approve: %+v, %v; want a refusal and no update", out, err)
		}
	})
}
