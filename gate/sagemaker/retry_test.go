package sagemaker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/smithy-go"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/gatetest"
	"github.com/modelgate/modelgate/rules"
)

// The retryer of every client New makes: the SDK's adaptive mode unless
// AWS_RETRY_MODE says standard; attempts from the options, else
// AWS_MAX_ATTEMPTS, else DefaultRetryMaxAttempts; a caller's own Config.Retryer kept.
func TestRetryMode(t *testing.T) {
	own := aws.NopRetryer{}
	for _, tc := range []struct {
		name         string
		mode, max    string // AWS_RETRY_MODE, AWS_MAX_ATTEMPTS
		o            Options
		want         string // "adaptive", "standard" or "caller's"
		wantAttempts int
	}{
		{name: "default", want: "adaptive", wantAttempts: DefaultRetryMaxAttempts},
		{name: "AWS_RETRY_MODE=adaptive", mode: "adaptive", want: "adaptive", wantAttempts: DefaultRetryMaxAttempts},
		{name: "AWS_RETRY_MODE=standard", mode: "standard", want: "standard", wantAttempts: DefaultRetryMaxAttempts},
		{name: "AWS_MAX_ATTEMPTS", max: "7", want: "adaptive", wantAttempts: 7},
		{name: "standard with AWS_MAX_ATTEMPTS", mode: "standard", max: "7", want: "standard", wantAttempts: 7},
		{name: "option over AWS_MAX_ATTEMPTS", max: "7", o: Options{RetryMaxAttempts: 4}, want: "adaptive", wantAttempts: 4},
		{name: "caller's config", o: Options{Config: &aws.Config{}}, want: "adaptive", wantAttempts: DefaultRetryMaxAttempts},
		{name: "caller's config in standard mode", o: Options{Config: &aws.Config{RetryMode: aws.RetryModeStandard}}, want: "standard", wantAttempts: DefaultRetryMaxAttempts},
		{name: "caller's retryer", o: Options{Config: &aws.Config{Retryer: func() aws.Retryer { return own }}}, want: "caller's", wantAttempts: 1},
		{name: "caller's retryer with options", o: Options{Config: &aws.Config{Retryer: func() aws.Retryer { return own }}, RetryMaxAttempts: 5}, want: "adaptive", wantAttempts: 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setEnv(t, "http://127.0.0.1:1", "http://127.0.0.1:1")
			t.Setenv("AWS_RETRY_MODE", tc.mode)
			t.Setenv("AWS_MAX_ATTEMPTS", tc.max)
			tc.o.Region = gatetest.SageMakerRegion
			if tc.o.Config != nil {
				cfg := tc.o.Config.Copy()
				cfg.Credentials = aws.AnonymousCredentials{}
				tc.o.Config = &cfg
			}
			c, err := New(context.Background(), tc.o)
			if err != nil {
				t.Fatal(err)
			}
			kind := func(r aws.Retryer) string {
				switch r.(type) {
				case *retry.AdaptiveMode:
					return "adaptive"
				case *retry.Standard:
					return "standard"
				case aws.NopRetryer:
					return "caller's"
				}
				return fmt.Sprintf("%T", r)
			}
			for name, r := range map[string]aws.Retryer{
				"SageMaker": c.sm.(*sm.Client).Options().Retryer,
				"S3":        c.s3For(c.region).(*s3.Client).Options().Retryer,
			} {
				if got := kind(r); got != tc.want || r.MaxAttempts() != tc.wantAttempts {
					t.Errorf("%s client: retryer %s, %d attempts; want %s, %d", name, got, r.MaxAttempts(), tc.want, tc.wantAttempts)
				}
			}
		})
	}
}

// After a throttling answer the adaptive rate limiter holds the next
// attempt back until a token refills (at 0.5 to a few per second at first);
// that wait ends with the call's context.
func TestAdaptiveWaitEndsWithContext(t *testing.T) {
	setEnv(t, "http://127.0.0.1:1", "http://127.0.0.1:1")
	cfg, err := Options{Region: gatetest.SageMakerRegion}.awsConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r, ok := cfg.Retryer().(*retry.AdaptiveMode)
	if !ok {
		t.Fatalf("retryer %T; want *retry.AdaptiveMode", cfg.Retryer())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	throttled := &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
	// The first attempt is not held back (the limiter starts off); each
	// throttled answer keeps it on. A token can refill between two
	// attempts only on a stalled machine: ten tries.
	for i := range 10 {
		release, err := r.GetAttemptToken(ctx)
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("attempt %d: %v; want the context's error", i+1, err)
			}
			if i == 0 {
				t.Fatal("the first attempt was held back; want the limiter off until a throttling answer")
			}
			return
		}
		_ = release(throttled)
	}
	t.Fatal("no attempt was held back after ten throttling answers")
}

// scaleRead reads a report {"auc": x} as <slot>.auc = x.
func scaleRead(src gate.Source, data []byte) (*gate.Parsed, error) {
	var r struct{ AUC *float64 }
	if err := json.Unmarshal(data, &r); err != nil || r.AUC == nil {
		return nil, fmt.Errorf("%w: %s", gate.ErrBadContent, data)
	}
	slot := map[string]string{gate.SlotQuality: "quality", gate.SlotQualityConstraints: "quality.constraints"}[src.Slot]
	return &gate.Parsed{Format: "test", Instances: []gate.Instance{{Address: rules.FormatAddress(slot, "auc"), Value: *r.AUC, StdDev: math.NaN()}}}, nil
}

// seedScale adds n groups, each with an approved baseline (auc 0.9) and a
// pending candidate with two reports: auc 0.91 (passes), or 0.7 for every
// third group (fails). It returns the conclusion each group's check must
// reach.
func seedScale(f *fakes, n int) map[string]gate.Conclusion {
	f.s3.CreateBucket("reports")
	want := map[string]gate.Conclusion{}
	for i := range n {
		g := fmt.Sprintf("scale-%02d", i)
		f.sm.AddGroup(g)
		want[g] = gate.Success
		cand := 0.91
		if i%3 == 2 {
			cand, want[g] = 0.7, gate.Failure
		}
		for v, auc := range []float64{0.9, cand} {
			srcs := map[string]gatetest.MetricsSource{}
			for _, path := range []string{"ModelMetrics.ModelQuality.Statistics", "ModelMetrics.ModelQuality.Constraints"} {
				body := fmt.Appendf(nil, `{"auc":%g}`, auc)
				uri := f.s3.PutObject("reports", fmt.Sprintf("%s/%d/%s.json", g, v, path), body)
				srcs[path] = gatetest.MetricsSource{ContentType: "application/json", S3Uri: uri, ContentDigest: gatetest.SHA256Digest(body)}
			}
			approval := gate.StatusApproved
			if v == 1 {
				approval = gate.StatusPending
			}
			f.sm.AddPackage(gatetest.ModelPackage{Group: g, Approval: approval, Sources: srcs})
		}
	}
	return want
}

func scaleRules(t *testing.T, group string) *rules.File {
	t.Helper()
	f, err := rules.Parse("modelgate.yml", fmt.Appendf(nil, `version: 1
model: {group: %s, candidate: latest-pending, baseline: latest-approved}
rules:
  - {id: auc-floor, metric: quality.auc, min: 0.8}
  - {id: auc-no-regression, metric: quality.auc, vs_baseline: {max_drop: 0.02}}
  - {id: constraints, metric: '"quality.constraints".auc', min: 0.8}
`, group))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Checks of many models at once against registries that throttle (each
// fake a shared token bucket, below what the checks ask at once) all
// reach their verdict through the real clients: the throttling answers are
// retried, never a verdict and never a fault. Every check has its own
// Client, as every process of a matrix job has, with the default attempts.
func TestChecksUnderThrottlingReachTheirVerdicts(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the fakes' rate limits")
	}
	f := newFakes(t)
	want := seedScale(f, 4)
	// Bursts below what the checks send at once (2 lists, then 2
	// describes, then 3 fetches each) whatever the machine's speed.
	f.sm.SetRateLimit(20, 2)
	f.s3.SetRateLimit(20, 1)
	got := map[string]gate.Conclusion{}
	findings := map[string]string{}
	errs := map[string]error{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range want {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := New(context.Background(), Options{Region: gatetest.SageMakerRegion, PathStyle: true, RetryMaxBackoff: 100 * time.Millisecond})
			if err != nil {
				t.Error(err)
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			res, err := gate.Run(ctx, c, scaleRules(t, g), gate.RunOptions{Read: scaleRead})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[g] = err
				return
			}
			got[g] = res.Conclusion
			findings[g] = fmt.Sprint(res.Findings)
		}()
	}
	wg.Wait()
	for g, w := range want {
		if err := errs[g]; err != nil {
			t.Errorf("%s: %v (exit %d); want %s", g, err, gate.ExitCodeOf(err), w)
		} else if got[g] != w {
			t.Errorf("%s: %s (%s); want %s", g, got[g], findings[g], w)
		}
	}
	sm, s3 := f.sm.RateCounts(), f.s3.RateCounts()
	if sm.Throttled == 0 || s3.Throttled == 0 {
		t.Errorf("throttled SageMaker %d, S3 %d; want both throttled (the test would prove nothing)", sm.Throttled, s3.Throttled)
	}
	// 4 checks: 2 lists + 2 describes; the candidate's 2 reports and the
	// baseline's quality report.
	if sm.Accepted != 4*4 || s3.Accepted != 4*3 {
		t.Errorf("accepted SageMaker %d, S3 %d; want %d, %d (each request answered once)", sm.Accepted, s3.Accepted, 4*4, 4*3)
	}
	t.Logf("throttled: SageMaker %d of %d, S3 %d of %d", sm.Throttled, sm.Accepted+sm.Throttled, s3.Throttled, s3.Accepted+s3.Throttled)
}

// A registry that throttles every request past the run's deadline: the run
// ends at the deadline with a registry failure (exit 3), not a verdict,
// whatever the attempts left, and the candidate is left as it was.
func TestThrottlingPastTheDeadlineIsARuntimeFailure(t *testing.T) {
	f := newFakes(t)
	want := seedScale(f, 1)
	f.sm.SetRateLimit(0.001, 1) // one request, then ~17 minutes to the next token
	f.s3.SetRateLimit(0.001, 1)
	c, err := New(context.Background(), Options{Region: gatetest.SageMakerRegion, PathStyle: true, RetryMaxAttempts: 1000})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	for g := range want {
		res, err := gate.Run(ctx, c, scaleRules(t, g), gate.RunOptions{Read: scaleRead})
		if err == nil {
			t.Fatalf("run = %s; want a registry failure", res.Conclusion)
		}
		if res != nil || !IsRegistryFailure(err) || gate.ExitCodeOf(err) != gate.ExitRuntime || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("run: %v, %v (registry failure %v, exit %d); want no result, a registry failure past the deadline, exit %d",
				res, err, IsRegistryFailure(err), gate.ExitCodeOf(err), gate.ExitRuntime)
		}
		if n := f.sm.RateCounts().Throttled; n == 0 {
			t.Errorf("no request was throttled; want the run to end while throttled")
		}
	}
	if n := len(f.sm.Calls("UpdateModelPackage")); n != 0 {
		t.Errorf("UpdateModelPackage requests = %d; want none", n)
	}
}
