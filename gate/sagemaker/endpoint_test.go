package sagemaker

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/endpoint"
	"github.com/modelgate/modelgate/gate/gatetest"
	"github.com/modelgate/modelgate/rules"
)

const endpointRules = `version: 1
model: {group: churn-xgboost}
rules: [{id: auc, metric: quality.auc, min: 0.5}]
endpoint:
  name: churn-prod
  rules:
    - {id: serves, serves: approved}
    - {id: capture, data_capture: {min_sampling: 20, kms: true, buckets: [churn-capture]}}
    - {id: kms, kms: true}
    - {id: vpc, vpc: {network_isolation: true}}
    - {id: types, instance_types: [ml.m5.xlarge]}
    - {id: redundancy, min_instances: 2}
    - {id: scaling, autoscaling: {min: 2, max: 10}}
    - {id: monitored, monitoring: [DataQuality, ModelQuality]}
    - {id: guarded, deployment: {blue_green: true, auto_rollback: true}}
`

type endpointFakes struct {
	ep       *gatetest.EndpointFake
	pkgs     []gatetest.ModelPackage
	registry *Client
}

// newEndpointFakes seeds a production endpoint that passes endpointRules:
// two variants, each serving approved version 2 of the group.
func newEndpointFakes(t *testing.T) *endpointFakes {
	t.Helper()
	ef := gatetest.NewEndpointFake(t)
	s3 := gatetest.NewS3(t)
	setEnv(t, ef.URL, s3.URL)
	t.Setenv("AWS_ENDPOINT_URL_APPLICATION_AUTO_SCALING", ef.URL)
	ef.SageMaker.AddGroup(group)
	f := &endpointFakes{ep: ef, registry: newClient(t)}
	for _, a := range []string{gate.StatusApproved, gate.StatusApproved, gate.StatusPending} {
		f.pkgs = append(f.pkgs, ef.SageMaker.AddPackage(gatetest.ModelPackage{Group: group, Approval: a}))
	}
	approved := f.pkgs[1].ARN
	ef.AddEndpoint(map[string]any{
		"EndpointName": "churn-prod", "EndpointConfigName": "churn-prod-v2",
		"ProductionVariants": []any{
			map[string]any{"VariantName": "A", "CurrentInstanceCount": 2, "DesiredInstanceCount": 2},
			map[string]any{"VariantName": "B", "CurrentInstanceCount": 2, "DesiredInstanceCount": 2},
		},
		"DataCaptureConfig": map[string]any{"EnableCapture": true, "CaptureStatus": "Started", "CurrentSamplingPercentage": 25, "DestinationS3Uri": "s3://churn-capture/prod", "KmsKeyId": "alias/capture"},
		"LastDeploymentConfig": map[string]any{
			"BlueGreenUpdatePolicy":     map[string]any{"TrafficRoutingConfiguration": map[string]any{"Type": "CANARY", "WaitIntervalInSeconds": 300, "CanarySize": map[string]any{"Type": "CAPACITY_PERCENT", "Value": 10}}},
			"AutoRollbackConfiguration": map[string]any{"Alarms": []any{map[string]any{"AlarmName": "churn-prod-5xx"}}},
		},
	})
	variant := func(name, model string) map[string]any {
		return map[string]any{"VariantName": name, "ModelName": model, "InstanceType": "ml.m5.xlarge", "InitialInstanceCount": 2, "InitialVariantWeight": 1}
	}
	ef.AddEndpointConfig(map[string]any{
		"EndpointConfigName": "churn-prod-v2", "KmsKeyId": "arn:aws:kms:eu-west-1:123456789012:key/1",
		"ProductionVariants": []any{variant("A", "churn-v2-a"), variant("B", "churn-v2-b")},
		"DataCaptureConfig": map[string]any{"EnableCapture": true, "InitialSamplingPercentage": 25, "DestinationS3Uri": "s3://churn-capture/prod",
			"KmsKeyId": "alias/capture", "CaptureOptions": []any{map[string]any{"CaptureMode": "Input"}, map[string]any{"CaptureMode": "Output"}}},
	})
	for _, m := range []string{"churn-v2-a", "churn-v2-b"} {
		ef.AddModel(map[string]any{
			"ModelName": m, "PrimaryContainer": map[string]any{"ModelPackageName": approved},
			"ExecutionRoleArn": "arn:aws:iam::123456789012:role/churn", "EnableNetworkIsolation": true,
			"VpcConfig": map[string]any{"Subnets": []any{"subnet-1", "subnet-2"}, "SecurityGroupIds": []any{"sg-1"}},
		})
	}
	for _, v := range []string{"A", "B"} {
		ef.AddScalableTarget("churn-prod", v, 2, 6)
	}
	ef.AddScalableTarget("churn-staging", "A", 1, 2) // another endpoint's, not asked for
	ef.AddSchedule(map[string]any{"MonitoringScheduleName": "churn-dq", "EndpointName": "churn-prod", "MonitoringType": "DataQuality"})
	ef.AddSchedule(map[string]any{"MonitoringScheduleName": "churn-mq", "EndpointName": "churn-prod", "MonitoringType": "ModelQuality"})
	return f
}

func (f *endpointFakes) check(t *testing.T) (*endpoint.Section, *endpoint.Description) {
	t.Helper()
	rf, err := rules.Parse("modelgate.yml", []byte(endpointRules))
	if err != nil {
		t.Fatal(err)
	}
	src, err := NewEndpoint(context.Background(), Options{Region: gatetest.SageMakerRegion, RetryMaxBackoff: time.Millisecond}, rf.Endpoint.Name)
	if err != nil {
		t.Fatal(err)
	}
	d, err := src.Describe(context.Background())
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	s, err := endpoint.Check(context.Background(), rf, staticSource{d}, endpoint.Options{Registry: f.registry, Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return s, d
}

type staticSource struct{ d *endpoint.Description }

func (s staticSource) Describe(context.Context) (*endpoint.Description, error) { return s.d, nil }

func TestLiveEndpointPasses(t *testing.T) {
	f := newEndpointFakes(t)
	s, d := f.check(t)
	for _, fd := range s.Findings {
		if fd.Verdict != gate.Pass {
			t.Errorf("%s %v = %s %q; want pass", fd.Rule, fd.Labels, fd.Verdict, fd.Reason)
		}
	}
	if d.Source != "arn:aws:sagemaker:eu-west-1:123456789012:endpoint/churn-prod" || d.Status != "InService" || d.CaptureStatus != "Started" {
		t.Errorf("description: %s %s %s", d.Source, d.Status, d.CaptureStatus)
	}
	if len(d.ScalableTargets) != 2 {
		t.Errorf("%d scalable targets; want the endpoint's 2", len(d.ScalableTargets))
	}
	// 1 DescribeEndpoint + 1 ListMonitoringSchedules + 1 DescribeEndpointConfig
	// + 1 DescribeScalableTargets + 2 DescribeModel, in 3 dependent round trips.
	if d.Requests != 6 || d.RoundTrips != 3 || len(f.ep.Calls()) != 6 {
		t.Errorf("requests %d (fake saw %d), round trips %d; want 6, 3", d.Requests, len(f.ep.Calls()), d.RoundTrips)
	}
	// The approved package: ListModelPackages + DescribeModelPackage.
	if n := len(f.ep.SageMaker.Calls("")); n != 2 {
		t.Errorf("%d registry requests; want 2 (ListModelPackages, DescribeModelPackage)", n)
	}
}

// With 100 ms per answer, six requests take about three answer times: the
// independent calls are concurrent.
func TestLiveEndpointRoundTrips(t *testing.T) {
	f := newEndpointFakes(t)
	const lat = 100 * time.Millisecond
	f.ep.SetLatency(lat)
	start := time.Now()
	src, err := NewEndpoint(context.Background(), Options{Region: gatetest.SageMakerRegion}, "churn-prod")
	if err != nil {
		t.Fatal(err)
	}
	d, err := src.Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	// The dependent round trips as the fake saw them: the longest chain of
	// requests each sent after the previous one was answered.
	calls := f.ep.Calls()
	chain := make([]int, len(calls))
	longest := 0
	for i := range calls {
		chain[i] = 1
		for j := range calls {
			if !calls[j].End.After(calls[i].Start) && chain[j]+1 > chain[i] {
				chain[i] = chain[j] + 1
			}
		}
		longest = max(longest, chain[i])
	}
	if longest != 3 || len(calls) != 6 || d.RoundTrips != 3 {
		t.Errorf("fake saw %d requests in %d dependent round trips (reported %d); want 6 in 3", len(calls), longest, d.RoundTrips)
	}
	if took < 3*lat || took >= 5*lat+lat/2 {
		t.Errorf("Describe took %v; want about 3 answers of %v (6 sequential would take %v)", took, lat, 6*lat)
	}
	if n := f.ep.MaxInFlight(); n < 2 {
		t.Errorf("at most %d request in flight; want the independent calls concurrent", n)
	}
	t.Logf("requests %d, dependent round trips %d, %v at %v per answer, max in flight %d", d.Requests, longest, took.Round(time.Millisecond), lat, f.ep.MaxInFlight())
}

func TestLiveEndpointFailures(t *testing.T) {
	t.Run("serves a different unapproved version", func(t *testing.T) {
		f := newEndpointFakes(t)
		f.ep.AddModel(map[string]any{"ModelName": "churn-v2-b", "PrimaryContainer": map[string]any{"ModelPackageName": f.pkgs[2].ARN},
			"EnableNetworkIsolation": true, "VpcConfig": map[string]any{"Subnets": []any{"subnet-1"}, "SecurityGroupIds": []any{"sg-1"}}})
		s, _ := f.check(t)
		var got []string
		for _, fd := range s.Findings {
			if fd.Verdict != gate.Pass {
				got = append(got, fd.Rule+" "+gate.LabelString(fd.Labels)+": "+fd.Reason)
			}
		}
		want := "serves variant=B: model churn-v2-b serves churn-xgboost/3, which is not the approved churn-xgboost/2"
		if len(got) != 1 || got[0] != want {
			t.Errorf("failures %q; want [%q]", got, want)
		}
		if r := s.Result(&rules.File{}); r.ExitCode() != gate.ExitFail {
			t.Errorf("exit %d; want 1", r.ExitCode())
		}
	})
	t.Run("no endpoint", func(t *testing.T) {
		newEndpointFakes(t)
		src, err := NewEndpoint(context.Background(), Options{Region: gatetest.SageMakerRegion}, "churn-nope")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := src.Describe(context.Background()); !errors.Is(err, endpoint.ErrNoEndpoint) {
			t.Errorf("Describe = %v; want ErrNoEndpoint", err)
		}
	})
	t.Run("paged schedules and a deleted model", func(t *testing.T) {
		f := newEndpointFakes(t)
		f.ep.SetPageSize(1)
		f.ep.AddSchedule(map[string]any{"MonitoringScheduleName": "other-dq", "EndpointName": "other", "MonitoringType": "ModelBias"})
		f.ep.AddEndpointConfig(map[string]any{"EndpointConfigName": "churn-prod-v2", "ProductionVariants": []any{
			map[string]any{"VariantName": "A", "ModelName": "churn-gone", "InstanceType": "ml.m5.xlarge", "InitialInstanceCount": 2}}})
		s, d := f.check(t)
		if len(d.Schedules) != 2 {
			t.Errorf("%d schedules; want the endpoint's 2 over 2 pages", len(d.Schedules))
		}
		fd := s.Findings[0]
		if fd.Rule != "serves" || fd.Verdict != gate.Missing || !strings.Contains(fd.Reason, "serves model `churn-gone`, which is not described") {
			t.Errorf("serves = %s %q; want missing", fd.Verdict, fd.Reason)
		}
	})
}

// BenchmarkEndpointDescribe reports the requests of one live description
// (two variants, two models) against the fake.
func BenchmarkEndpointDescribe(b *testing.B) {
	ef := gatetest.NewEndpointFake(b)
	s3 := gatetest.NewS3(b)
	setEnv(b, ef.URL, s3.URL)
	b.Setenv("AWS_ENDPOINT_URL_APPLICATION_AUTO_SCALING", ef.URL)
	ef.AddEndpoint(map[string]any{"EndpointName": "e", "EndpointConfigName": "c", "ProductionVariants": []any{map[string]any{"VariantName": "A"}, map[string]any{"VariantName": "B"}}})
	ef.AddEndpointConfig(map[string]any{"EndpointConfigName": "c", "ProductionVariants": []any{map[string]any{"VariantName": "A", "ModelName": "m1"}, map[string]any{"VariantName": "B", "ModelName": "m2"}}})
	ef.AddModel(map[string]any{"ModelName": "m1"})
	ef.AddModel(map[string]any{"ModelName": "m2"})
	src, err := NewEndpoint(context.Background(), Options{Region: gatetest.SageMakerRegion}, "e")
	if err != nil {
		b.Fatal(err)
	}
	var reqs, trips int
	for b.Loop() {
		d, err := src.Describe(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		reqs, trips = d.Requests, d.RoundTrips
	}
	b.ReportMetric(float64(reqs), "requests/op")
	b.ReportMetric(float64(trips), "round-trips/op")
}
