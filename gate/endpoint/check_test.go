package endpoint

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

const (
	arnV3 = "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn-xgboost/3"
	arnV4 = "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn-xgboost/4"
	arnV5 = "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn-xgboost/5"
)

var testPackages = Packages{
	Approved:  &gate.Package{Group: "churn-xgboost", ARN: arnV3, Version: 3, Approval: gate.StatusApproved},
	Candidate: &gate.Package{Group: "churn-xgboost", ARN: arnV4, Version: 4, Approval: gate.StatusPending},
}

func obj(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return m
}

// good is a live endpoint that passes every rule of endpointRules.
func good(t testing.TB) *Description {
	return &Description{
		Moment: Live, Source: "arn:aws:sagemaker:eu-west-1:123456789012:endpoint/churn-prod", Name: "churn-prod", Status: "InService",
		Config: obj(t, `{"EndpointConfigName":"churn-prod-v3","KmsKeyId":"arn:aws:kms:eu-west-1:123456789012:key/1",
			"ProductionVariants":[{"VariantName":"AllTraffic","ModelName":"churn-v3","InstanceType":"ml.m5.xlarge","InitialInstanceCount":2}],
			"DataCaptureConfig":{"EnableCapture":true,"InitialSamplingPercentage":50,"DestinationS3Uri":"s3://churn-capture/prod","KmsKeyId":"arn:aws:kms:eu-west-1:123456789012:key/2","CaptureOptions":[{"CaptureMode":"Input"},{"CaptureMode":"Output"}]}}`),
		Models: map[string]map[string]any{"churn-v3": obj(t, `{"ModelName":"churn-v3","PrimaryContainer":{"ModelPackageName":"`+arnV3+`"},
			"VpcConfig":{"Subnets":["subnet-1","subnet-2"],"SecurityGroupIds":["sg-1"]},"EnableNetworkIsolation":true}`)},
		HasDeployment: true,
		Deployment: obj(t, `{"BlueGreenUpdatePolicy":{"TrafficRoutingConfiguration":{"Type":"CANARY","WaitIntervalInSeconds":300,"CanarySize":{"Type":"CAPACITY_PERCENT","Value":10}}},
			"AutoRollbackConfiguration":{"Alarms":[{"AlarmName":"churn-prod-5xx"}]}}`),
		HasScaling: true,
		ScalableTargets: []map[string]any{obj(t, `{"ServiceNamespace":"sagemaker","ResourceId":"endpoint/churn-prod/variant/AllTraffic",
			"ScalableDimension":"sagemaker:variant:DesiredInstanceCount","MinCapacity":2,"MaxCapacity":6}`)},
		HasSchedules: true,
		Schedules: []map[string]any{obj(t, `{"MonitoringScheduleName":"churn-dq","MonitoringType":"DataQuality","MonitoringScheduleStatus":"Scheduled","EndpointName":"churn-prod"}`),
			obj(t, `{"MonitoringScheduleName":"churn-mq","MonitoringType":"ModelQuality","MonitoringScheduleStatus":"Scheduled","EndpointName":"churn-prod"}`)},
		CaptureStatus:  "Started",
		InstanceCounts: map[string]int{"AllTraffic": 2},
	}
}

// rulesWith is a rules file whose endpoint section holds the given rules
// (YAML flow mappings, one a line).
func rulesWith(t testing.TB, rs ...string) *rules.File {
	t.Helper()
	src := "version: 1\nmodel: {group: churn-xgboost}\nrules: [{id: auc, metric: quality.auc, min: 0.5}]\nendpoint:\n  rules:\n"
	for _, r := range rs {
		src += "    - " + r + "\n"
	}
	f, err := rules.Parse("modelgate.yml", []byte(src))
	if err != nil {
		t.Fatalf("rules: %v\n%s", err, src)
	}
	return f
}

var allRules = []string{
	"{id: serves, serves: approved}",
	"{id: capture, data_capture: {min_sampling: 20, kms: true, buckets: [churn-capture]}}",
	"{id: kms, kms: true}",
	"{id: vpc, vpc: {network_isolation: true}}",
	"{id: types, instance_types: [ml.m5.xlarge, ml.m5.2xlarge]}",
	"{id: redundancy, min_instances: 2}",
	"{id: scaling, autoscaling: {min: 2, max: 10}}",
	"{id: monitored, monitoring: [DataQuality, ModelQuality]}",
	"{id: guarded, deployment: {blue_green: true, auto_rollback: true}}",
}

func TestGoodEndpointPassesEveryCheck(t *testing.T) {
	t.Parallel()
	f := rulesWith(t, allRules...)
	s := Evaluate(f, good(t), testPackages, fixedNow)
	if len(s.Findings) != len(allRules) {
		t.Fatalf("%d findings; want %d: %+v", len(s.Findings), len(allRules), s.Findings)
	}
	for _, fd := range s.Findings {
		if fd.Verdict != gate.Pass || fd.Blocking {
			t.Errorf("%s: %s (%s); want pass", fd.Rule, fd.Verdict, fd.Reason)
		}
	}
	r := s.Result(f)
	if r.Conclusion != gate.Success || r.ExitCode() != gate.ExitPass || r.Counts.Rules != len(allRules) || r.Counts.Pass != len(allRules) {
		t.Errorf("result = %s exit %d counts %+v", r.Conclusion, r.ExitCode(), r.Counts)
	}
	if sv := s.Findings[0]; sv.Reason != "serves churn-xgboost/3" || sv.Labels[0] != (gate.Label{Key: "variant", Value: "AllTraffic"}) {
		t.Errorf("serves finding = %+v", sv)
	}
	if v := s.Findings[1].Value; v != 50 {
		t.Errorf("capture value = %v; want the sampling 50", v)
	}
}

func TestEachCheckFails(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, rule string
		mutate     func(d *Description)
		pk         *Packages
		want       gate.Verdict
		reason     string
	}{
		{"serves a different unapproved version", allRules[0], func(d *Description) {
			d.Models["churn-v3"]["PrimaryContainer"] = map[string]any{"ModelPackageName": arnV5}
		}, nil, gate.Fail, "model churn-v3 serves churn-xgboost/5, which is not the approved churn-xgboost/3"},
		{"serves the candidate where approved is required", allRules[0], func(d *Description) {
			d.Models["churn-v3"]["PrimaryContainer"] = map[string]any{"ModelPackageName": arnV4}
		}, nil, gate.Fail, "serves churn-xgboost/4, which is not the approved"},
		{"serves a package of another group", allRules[0], func(d *Description) {
			d.Models["churn-v3"]["PrimaryContainer"] = map[string]any{"ModelPackageName": "arn:aws:sagemaker:eu-west-1:123456789012:model-package/other/3"}
		}, nil, gate.Fail, "serves other/3"},
		{"serves an image not from the registry", allRules[0], func(d *Description) {
			d.Models["churn-v3"]["PrimaryContainer"] = map[string]any{"Image": "123.dkr.ecr/x:1", "ModelDataUrl": "s3://b/model.tar.gz"}
		}, nil, gate.Fail, "is not from the model registry (no ModelPackageName; image 123.dkr.ecr/x:1)"},
		{"approved container plus an extra one", allRules[0], func(d *Description) {
			d.Models["churn-v3"]["Containers"] = []any{map[string]any{"ModelPackageName": arnV5}}
		}, nil, gate.Fail, "serves churn-xgboost/5"},
		{"no approved package in the group", allRules[0], nil, &Packages{Candidate: testPackages.Candidate}, gate.Fail, "approved (none: the group has no approved package)"},
		{"model not described", allRules[0], func(d *Description) { delete(d.Models, "churn-v3") }, nil, gate.Missing, "serves model `churn-v3`, which is not described"},
		{"a shadow variant serves another package", allRules[0], func(d *Description) {
			d.Config["ShadowProductionVariants"] = []any{map[string]any{"VariantName": "Shadow", "ModelName": "churn-v5"}}
			d.Models["churn-v5"] = map[string]any{"PrimaryContainer": map[string]any{"ModelPackageName": arnV5}}
		}, nil, gate.Fail, "churn-v5 serves churn-xgboost/5"},

		{"data capture off", allRules[1], func(d *Description) { delete(d.Config, "DataCaptureConfig") }, nil, gate.Fail, "data capture is off: the configuration has no DataCaptureConfig"},
		{"data capture disabled", allRules[1], func(d *Description) {
			d.Config["DataCaptureConfig"].(map[string]any)["EnableCapture"] = false
		}, nil, gate.Fail, "data capture is off: EnableCapture is false"},
		{"data capture stopped live", allRules[1], func(d *Description) { d.CaptureStatus = "Stopped" }, nil, gate.Fail, "data capture is Stopped on the live endpoint"},
		{"live sampling below the minimum", allRules[1], func(d *Description) {
			cur := 10.0
			d.CaptureSampling = &cur
		}, nil, gate.Fail, "the live endpoint samples 10% now, below the minimum 20%"},
		{"sampling below the minimum", allRules[1], func(d *Description) {
			d.Config["DataCaptureConfig"].(map[string]any)["InitialSamplingPercentage"] = json.Number("5")
		}, nil, gate.Fail, "sampling 5% is below the minimum 20%"},
		{"capture without a KMS key", allRules[1], func(d *Description) {
			delete(d.Config["DataCaptureConfig"].(map[string]any), "KmsKeyId")
		}, nil, gate.Fail, "captured data is not encrypted with a KMS key"},
		{"capture to another bucket", allRules[1], func(d *Description) {
			d.Config["DataCaptureConfig"].(map[string]any)["DestinationS3Uri"] = "s3://churn-capture-evil/prod"
		}, nil, gate.Fail, "s3://churn-capture-evil/prod is not in an allowed bucket"},

		{"no KMS key at rest", allRules[2], func(d *Description) { delete(d.Config, "KmsKeyId") }, nil, gate.Fail, "no KmsKeyId"},
		{"outside a VPC", allRules[3], func(d *Description) { delete(d.Models["churn-v3"], "VpcConfig") }, nil, gate.Fail, "model churn-v3 runs outside a VPC"},
		{"VPC without subnets", allRules[3], func(d *Description) {
			d.Models["churn-v3"]["VpcConfig"] = map[string]any{"Subnets": []any{}, "SecurityGroupIds": []any{"sg-1"}}
		}, nil, gate.Fail, "VpcConfig of model churn-v3 has no Subnets"},
		{"no network isolation", allRules[3], func(d *Description) { d.Models["churn-v3"]["EnableNetworkIsolation"] = false }, nil, gate.Fail, "does not enable network isolation"},
		{"instance type not allowed", allRules[4], func(d *Description) {
			d.Config["ProductionVariants"].([]any)[0].(map[string]any)["InstanceType"] = "ml.p4d.24xlarge"
		}, nil, gate.Fail, "instance type ml.p4d.24xlarge is not allowed; allowed: ml.m5.xlarge, ml.m5.2xlarge"},
		{"serverless has no instance type", allRules[4], func(d *Description) {
			v := d.Config["ProductionVariants"].([]any)[0].(map[string]any)
			delete(v, "InstanceType")
			v["ServerlessConfig"] = map[string]any{"MemorySizeInMB": 2048, "MaxConcurrency": 5}
		}, nil, gate.Fail, "has no instance type (serverless)"},
		{"single instance", allRules[5], func(d *Description) {
			d.Config["ProductionVariants"].([]any)[0].(map[string]any)["InitialInstanceCount"] = json.Number("1")
		}, nil, gate.Fail, "1 instance(s), below the minimum 2"},
		{"live variant runs one instance", allRules[5], func(d *Description) { d.InstanceCounts["AllTraffic"] = 1 }, nil, gate.Fail, "runs 1 instance(s) now"},
		{"autoscaling may scale in to one", allRules[5], func(d *Description) { d.ScalableTargets[0]["MinCapacity"] = json.Number("1") }, nil, gate.Fail, "autoscaling may scale in to 1 instance(s)"},
		{"no scalable target", allRules[6], func(d *Description) { d.ScalableTargets = nil }, nil, gate.Fail, "is not registered with Application Auto Scaling"},
		{"scalable target of another endpoint", allRules[6], func(d *Description) {
			d.ScalableTargets[0]["ResourceId"] = "endpoint/churn-staging/variant/AllTraffic"
		}, nil, gate.Fail, "is not registered with Application Auto Scaling"},
		{"max capacity too high", allRules[6], func(d *Description) { d.ScalableTargets[0]["MaxCapacity"] = json.Number("40") }, nil, gate.Fail, "MaxCapacity 40 is above 10"},
		{"min capacity too low", allRules[6], func(d *Description) { d.ScalableTargets[0]["MinCapacity"] = json.Number("1") }, nil, gate.Fail, "MinCapacity 1 is below 2"},
		{"scaling suspended", allRules[6], func(d *Description) {
			d.ScalableTargets[0]["SuspendedState"] = map[string]any{"DynamicScalingOutSuspended": true}
		}, nil, gate.Fail, "autoscaling is suspended (DynamicScalingOutSuspended)"},
		{"no model quality monitor", allRules[7], func(d *Description) { d.Schedules = d.Schedules[:1] }, nil, gate.Fail, "no ModelQuality monitoring schedule is attached"},
		{"a stopped monitor", allRules[7], func(d *Description) { d.Schedules[1]["MonitoringScheduleStatus"] = "Stopped" }, nil, gate.Fail, "the ModelQuality schedule churn-mq (Stopped) is not Scheduled"},
		{"no deployment config", allRules[8], func(d *Description) { d.Deployment = nil }, nil, gate.Fail, "the endpoint has no DeploymentConfig"},
		{"rolling, not blue/green", allRules[8], func(d *Description) {
			d.Deployment = map[string]any{"RollingUpdatePolicy": map[string]any{}, "AutoRollbackConfiguration": map[string]any{"Alarms": []any{map[string]any{"AlarmName": "a"}}}}
		}, nil, gate.Fail, "no BlueGreenUpdatePolicy"},
		{"blue/green without alarms", allRules[8], func(d *Description) {
			delete(d.Deployment.(map[string]any), "AutoRollbackConfiguration")
		}, nil, gate.Fail, "0 auto-rollback alarm(s), fewer than 1"},
		{"value unknown is missing", allRules[2], func(d *Description) { d.Config["KmsKeyId"] = Unknown{Why: "!Ref KmsKey"} }, nil, gate.Missing, "KmsKeyId cannot be known before deploy: !Ref KmsKey"},
		{"no variants", allRules[5], func(d *Description) { d.Config["ProductionVariants"] = []any{} }, nil, gate.Missing, "no production variants"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := good(t)
			if tc.mutate != nil {
				tc.mutate(d)
			}
			pk := testPackages
			if tc.pk != nil {
				pk = *tc.pk
			}
			f := rulesWith(t, tc.rule)
			s := Evaluate(f, d, pk, fixedNow)
			var bad *gate.Finding
			for i := range s.Findings {
				if s.Findings[i].Verdict != gate.Pass {
					bad = &s.Findings[i]
					break
				}
			}
			if bad == nil {
				t.Fatalf("every finding passed: %+v; want %s", s.Findings, tc.want)
			}
			if bad.Verdict != tc.want || !bad.Blocking || !strings.Contains(bad.Reason, tc.reason) {
				t.Errorf("finding = %s blocking=%v %q; want %s blocking, reason containing %q", bad.Verdict, bad.Blocking, bad.Reason, tc.want, tc.reason)
			}
			if r := s.Result(f); r.Conclusion != gate.Failure || r.ExitCode() != gate.ExitFail {
				t.Errorf("conclusion %s exit %d; want failure, 1", r.Conclusion, r.ExitCode())
			}
		})
	}
}

func TestSeverityAndWaiver(t *testing.T) {
	t.Parallel()
	d := good(t)
	delete(d.Config, "KmsKeyId")
	for _, tc := range []struct {
		rule     string
		want     gate.Verdict
		blocking bool
		concl    gate.Conclusion
	}{
		{"{id: kms, kms: true, severity: warning}", gate.Warn, false, gate.Neutral},
		{`{id: kms, kms: true, waiver: {reason: "key rotation INFRA-9", owner: "@ml-platform", expires: 2026-12-31}}`, gate.Waived, false, gate.Neutral},
		{`{id: kms, kms: true, waiver: {reason: "key rotation INFRA-9", owner: "@ml-platform", expires: 2026-11-30}}`, gate.Fail, true, gate.Failure},
	} {
		f := rulesWith(t, tc.rule)
		s := Evaluate(f, d, testPackages, fixedNow)
		last := s.Findings[len(s.Findings)-1]
		if tc.want == gate.Fail {
			last = s.Findings[0] // the expired waiver's own finding
			if !strings.Contains(last.Reason, "expired on 2026-11-30") {
				t.Errorf("%s: reason %q", tc.rule, last.Reason)
			}
		}
		if last.Verdict != tc.want || last.Blocking != tc.blocking {
			t.Errorf("%s: %s blocking=%v; want %s blocking=%v", tc.rule, last.Verdict, last.Blocking, tc.want, tc.blocking)
		}
		if r := s.Result(f); r.Conclusion != tc.concl {
			t.Errorf("%s: conclusion %s; want %s", tc.rule, r.Conclusion, tc.concl)
		}
	}
}

func TestAddToModelResult(t *testing.T) {
	t.Parallel()
	f := rulesWith(t, allRules[2], allRules[5])
	d := good(t)
	delete(d.Config, "KmsKeyId")
	s := Evaluate(f, d, testPackages, fixedNow)
	model := &gate.Result{Conclusion: gate.Success, Counts: gate.Counts{Rules: 1, Pass: 1},
		Findings: []gate.Finding{{Rule: "auc", Verdict: gate.Pass, Value: 0.9, StdDev: math.NaN(), Baseline: math.NaN(), Delta: math.NaN()}}}
	s.AddTo(model)
	if model.Counts.Rules != 3 || model.Counts.Pass != 2 || model.Counts.Fail != 1 || model.Counts.FailedRules != 1 || model.Conclusion != gate.Failure {
		t.Errorf("merged result: %s %+v", model.Conclusion, model.Counts)
	}
	if model.Title() != "1 of 3 rules failed - " {
		t.Errorf("title %q", model.Title())
	}
}

func TestServesApprovedOrCandidate(t *testing.T) {
	t.Parallel()
	f := rulesWith(t, "{id: serves, serves: approved-or-candidate}")
	for _, arn := range []string{arnV3, arnV4, "churn-xgboost/4"} {
		d := good(t)
		d.Models["churn-v3"]["PrimaryContainer"] = map[string]any{"ModelPackageName": arn}
		if s := Evaluate(f, d, testPackages, fixedNow); s.Findings[0].Verdict != gate.Pass {
			t.Errorf("%s: %s %s; want pass", arn, s.Findings[0].Verdict, s.Findings[0].Reason)
		}
	}
	c := rulesWith(t, "{id: serves, serves: candidate}")
	if s := Evaluate(c, good(t), testPackages, fixedNow); s.Findings[0].Verdict != gate.Fail {
		t.Errorf("serves: candidate on the approved package = %s; want fail", s.Findings[0].Verdict)
	}
}

// A value of the configuration that holds a newline cannot split a reason
// and start a `::` workflow command on a line of its own.
func TestHostileValuesStayOnOneLine(t *testing.T) {
	t.Parallel()
	d := good(t)
	v := d.Config["ProductionVariants"].([]any)[0].(map[string]any)
	v["InstanceType"] = "ml.m5.xlarge\n::error file=x::approved\u2028" + strings.Repeat("x", 5000)
	v["VariantName"] = "A\n::warning::"
	s := Evaluate(rulesWith(t, allRules[4]), d, testPackages, fixedNow)
	fd := s.Findings[0]
	if fd.Verdict != gate.Fail || strings.ContainsAny(fd.Reason, "\n\r\u2028") || len(fd.Reason) > 2003 || strings.Contains(fd.Labels[0].Value, "\n") {
		t.Errorf("finding %s %q labels %v", fd.Verdict, fd.Reason, fd.Labels)
	}
	if !strings.Contains(fd.Reason, `ml.m5.xlarge\n::error`) {
		t.Errorf("reason %q does not show the escaped newline", fd.Reason)
	}
}

func TestNonNumbersFailClosed(t *testing.T) {
	t.Parallel()
	for _, x := range []any{"NaN", "Infinity", ".nan", "1e999", map[string]any{}} {
		d := good(t)
		d.Config["DataCaptureConfig"].(map[string]any)["InitialSamplingPercentage"] = x
		d.Config["ProductionVariants"].([]any)[0].(map[string]any)["InitialInstanceCount"] = x
		s := Evaluate(rulesWith(t, allRules[1], allRules[5]), d, testPackages, fixedNow)
		for _, fd := range s.Findings {
			if fd.Verdict != gate.Fail || !strings.Contains(fd.Reason, "is not a finite number") {
				t.Errorf("%v: %s = %s %q; want fail", x, fd.Rule, fd.Verdict, fd.Reason)
			}
		}
	}
}
