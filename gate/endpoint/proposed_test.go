package endpoint

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/internal/strictjson"
)

func describeFile(t *testing.T, pf File) *Description {
	t.Helper()
	d, err := pf.Describe(context.Background())
	if err != nil {
		t.Fatalf("Describe(%s): %v", pf.Path, err)
	}
	return d
}

func byRule(s *Section) map[string]gate.Finding {
	m := map[string]gate.Finding{}
	for _, f := range s.Findings {
		if _, seen := m[f.Rule]; !seen || f.Verdict != gate.Pass {
			m[f.Rule] = f
		}
	}
	return m
}

// The real SageMaker-project template: every parameter is set at deploy,
// so the checks that depend on one are missing (never pass), and say which
// parameter; what the template fixes (no KMS key, no VPC) fails.
func TestCloudFormationTemplateUnknownsAreMissing(t *testing.T) {
	t.Parallel()
	d := describeFile(t, File{Path: "testdata/cfn-template.yml"})
	if d.Moment != Proposed || !d.HasDeployment || d.HasScaling || d.HasSchedules {
		t.Errorf("description: moment %s deployment %v scaling %v schedules %v", d.Moment, d.HasDeployment, d.HasScaling, d.HasSchedules)
	}
	f := rulesWith(t, allRules...)
	got := byRule(Evaluate(f, d, testPackages, fixedNow))
	for rule, want := range map[string]struct {
		v      gate.Verdict
		reason string
	}{
		"serves":     {gate.Missing, "ModelPackageName of container 1 of model Model cannot be known before deploy: !Ref ModelPackageName (a template parameter"},
		"capture":    {gate.Fail, "captured data is not encrypted with a KMS key"},
		"kms":        {gate.Fail, "no KmsKeyId"},
		"vpc":        {gate.Fail, "model Model runs outside a VPC"},
		"types":      {gate.Missing, "InstanceType cannot be known before deploy: !Ref EndpointInstanceType"},
		"redundancy": {gate.Missing, "InitialInstanceCount cannot be known before deploy: !Ref EndpointInstanceCount"},
		"scaling":    {gate.Skipped, "judged on the live endpoint"},
		"monitored":  {gate.Skipped, "judged on the live endpoint"},
		"guarded":    {gate.Missing, "DeploymentConfig cannot be known before deploy: !If PerformLinearDeployment"},
	} {
		fd := got[rule]
		if fd.Verdict != want.v || !strings.Contains(fd.Reason, want.reason) {
			t.Errorf("%s = %s %q; want %s containing %q", rule, fd.Verdict, fd.Reason, want.v, want.reason)
		}
		if fd.Verdict == gate.Missing && !fd.Blocking {
			t.Errorf("%s: missing but not blocking", rule)
		}
	}
	// Data capture: what is unknown is said even when something fails.
	if c := got["capture"].Reason; !strings.Contains(c, "InitialSamplingPercentage cannot be known before deploy: !Ref SamplingPercentage") {
		t.Errorf("capture reason %q does not name the unknown sampling", c)
	}
}

// With the stage's parameter values the template is judged: production
// serves the candidate with 3 instances and a canary with rollback alarms.
func TestCloudFormationTemplateWithParameters(t *testing.T) {
	t.Parallel()
	d := describeFile(t, File{Path: "testdata/cfn-template.yml", Parameters: "testdata/prod-config.json"})
	if d.Name != "churn-prod" {
		t.Errorf("endpoint name %q; want churn-prod", d.Name)
	}
	f := rulesWith(t,
		"{id: serves, serves: approved-or-candidate}",
		"{id: capture, data_capture: {min_sampling: 20, buckets: [churn-capture]}}",
		"{id: types, instance_types: [ml.m5.xlarge]}",
		"{id: redundancy, min_instances: 2}",
		"{id: guarded, deployment: {blue_green: true, auto_rollback: true}}",
	)
	s := Evaluate(f, d, testPackages, fixedNow)
	for _, fd := range s.Findings {
		if fd.Verdict != gate.Pass {
			t.Errorf("%s = %s %q; want pass", fd.Rule, fd.Verdict, fd.Reason)
		}
	}
	// Staging: another package, one instance, capture off, no guardrail
	// (the template's conditions make DeploymentConfig AWS::NoValue).
	d = describeFile(t, File{Path: "testdata/cfn-template.yml", Parameters: "testdata/staging-config.json"})
	got := byRule(Evaluate(f, d, testPackages, fixedNow))
	for rule, reason := range map[string]string{
		"serves":     "model Model serves churn-xgboost/5, which is not the approved churn-xgboost/3 or candidate churn-xgboost/4",
		"capture":    "data capture is off: EnableCapture is false",
		"types":      "instance type ml.m5.large is not allowed",
		"redundancy": "1 instance(s), below the minimum 2",
		"guarded":    "the endpoint has no DeploymentConfig",
	} {
		if fd := got[rule]; fd.Verdict != gate.Fail || !strings.Contains(fd.Reason, reason) {
			t.Errorf("staging %s = %s %q; want fail containing %q", rule, fd.Verdict, fd.Reason, reason)
		}
	}
}

func TestCreateEndpointConfigFiles(t *testing.T) {
	t.Parallel()
	f := rulesWith(t, allRules...)
	for _, tc := range []struct {
		path string
		want map[string]gate.Verdict
	}{
		{"testdata/create-endpoint-config.json", map[string]gate.Verdict{
			"serves": gate.Missing, "capture": gate.Pass, "kms": gate.Pass, "vpc": gate.Missing, "types": gate.Pass,
			"redundancy": gate.Pass, "scaling": gate.Skipped, "monitored": gate.Skipped, "guarded": gate.Skipped,
		}},
		{"testdata/create-endpoint-config.yml", map[string]gate.Verdict{
			"capture": gate.Fail, "kms": gate.Pass, "redundancy": gate.Fail,
		}},
	} {
		d := describeFile(t, File{Path: tc.path})
		got := byRule(Evaluate(f, d, testPackages, fixedNow))
		for rule, want := range tc.want {
			if got[rule].Verdict != want {
				t.Errorf("%s: %s = %s %q; want %s", tc.path, rule, got[rule].Verdict, got[rule].Reason, want)
			}
		}
	}
}

func TestTemplateKnownParts(t *testing.T) {
	t.Parallel()
	// Resource B: a KMS key ARN built with ${AWS::Region} and a key's Arn
	// attribute are set though not known; the capture bucket is known from
	// the literal part of a !Sub.
	d := describeFile(t, File{Path: "testdata/two-configs.yml", Resource: "B"})
	f := rulesWith(t, "{id: kms, kms: true}", "{id: capture, data_capture: {kms: true, buckets: [churn-capture]}}")
	for _, fd := range Evaluate(f, d, testPackages, fixedNow).Findings {
		if fd.Verdict != gate.Pass {
			t.Errorf("%s = %s %q; want pass", fd.Rule, fd.Verdict, fd.Reason)
		}
	}
}

func TestProposedInputErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pf   File
		want string
	}{
		{File{Path: "testdata/dup-key.json"}, `duplicate key`},
		{File{Path: "testdata/dup-key.yml"}, `dup-key.yml:4:5: duplicate key "InstanceType" (first at line 3)`},
		{File{Path: "testdata/bad-tag.yml"}, "bad-tag.yml:5:17: tag !Evil is not a CloudFormation intrinsic function"},
		{File{Path: "testdata/alias.yml"}, "anchors and aliases are not allowed"},
		{File{Path: "testdata/two-configs.yml"}, "has 2 AWS::SageMaker::EndpointConfig resources (A, B); name one with endpoint.resource"},
		{File{Path: "testdata/two-configs.yml", Resource: "C"}, "has no AWS::SageMaker::EndpointConfig resource C; it has: A, B"},
		{File{Path: "testdata/create-endpoint-config.json", Resource: "A"}, "is not a CloudFormation template"},
		{File{Path: "testdata/cfn-template.yml", Parameters: "testdata/create-endpoint-config.json"}, `no "Parameters" object`},
		{File{Path: "testdata/prod-config.json"}, "neither a CreateEndpointConfig input"},
		{File{Path: "testdata/nope.yml"}, "no such file"},
		{File{Path: "testdata"}, "is not a regular file"},
	} {
		_, err := tc.pf.Describe(context.Background())
		if err == nil || !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Describe(%+v) = %v; want an ErrInput containing %q", tc.pf, err, tc.want)
		}
	}
	_, err := File{Path: "testdata/dup-key.json"}.Describe(context.Background())
	if !errors.Is(err, strictjson.ErrDuplicateKey) && !strings.Contains(err.Error(), "InstanceType") {
		t.Errorf("duplicate key error %v does not name the key", err)
	}
}

func TestProposedFileConfinedToRepository(t *testing.T) {
	t.Parallel()
	f := rulesWith(t, allRules[2])
	f.Path = "testdata/sub/modelgate.yml"
	f.Endpoint.Config = "../cfn-template.yml"
	pf, ok, err := ProposedFile(f, "testdata")
	if err != nil || !ok || pf.Path != "testdata/cfn-template.yml" {
		t.Errorf("inside: %+v %v %v", pf, ok, err)
	}
	f.Endpoint.Config = "../../check.go"
	if _, _, err := ProposedFile(f, "testdata"); err == nil || !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "outside the repository") {
		t.Errorf("outside: %v; want an ErrInput saying outside the repository", err)
	}
	f.Endpoint = nil
	if _, ok, err := ProposedFile(f, ""); ok || err != nil {
		t.Errorf("no endpoint section: %v %v", ok, err)
	}
}

// A CloudFormation template in JSON, with the long-form intrinsics, and a
// parameter known only from its Default once a parameters file is given.
func TestCloudFormationJSONTemplate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tmpl := `{"Parameters": {"Count": {"Type": "Number", "Default": "1"}, "Pkg": {"Type": "String"}},
 "Resources": {
  "M": {"Type": "AWS::SageMaker::Model", "Properties": {"PrimaryContainer": {"ModelPackageName": {"Ref": "Pkg"}}}},
  "C": {"Type": "AWS::SageMaker::EndpointConfig", "Properties": {
    "KmsKeyId": {"Fn::Join": [":", ["arn:aws:kms", {"Ref": "AWS::Region"}, "123456789012", "key/1"]]},
    "ProductionVariants": [{"VariantName": "AllTraffic", "ModelName": {"Fn::GetAtt": ["M", "ModelName"]},
      "InstanceType": "ml.m5.xlarge", "InitialInstanceCount": {"Ref": "Count"}}]}}}}`
	params := `{"Parameters": {"Pkg": "` + arnV4 + `"}}`
	for name, body := range map[string]string{"t.json": tmpl, "p.json": params, "bad.json": `{"Parameters": {"Pkg": "a", "Nope": "b"}}`} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	f := rulesWith(t, "{id: serves, serves: candidate}", "{id: redundancy, min_instances: 2}", "{id: kms, kms: true}")
	// Without parameters: the package and the count are unknown.
	got := byRule(Evaluate(f, describeFile(t, File{Path: filepath.Join(dir, "t.json")}), testPackages, fixedNow))
	if got["serves"].Verdict != gate.Missing || got["redundancy"].Verdict != gate.Missing || got["kms"].Verdict != gate.Pass {
		t.Errorf("without parameters: %v %v %v", got["serves"], got["redundancy"], got["kms"])
	}
	// With them: the candidate is served, and the Default count of 1 fails.
	got = byRule(Evaluate(f, describeFile(t, File{Path: filepath.Join(dir, "t.json"), Parameters: filepath.Join(dir, "p.json")}), testPackages, fixedNow))
	if got["serves"].Verdict != gate.Pass || got["redundancy"].Verdict != gate.Fail {
		t.Errorf("with parameters: serves %s %q, redundancy %s %q", got["serves"].Verdict, got["serves"].Reason, got["redundancy"].Verdict, got["redundancy"].Reason)
	}
	if _, err := (File{Path: filepath.Join(dir, "t.json"), Parameters: filepath.Join(dir, "bad.json")}).Describe(context.Background()); err == nil || !strings.Contains(err.Error(), "gives parameter Nope, which the template") {
		t.Errorf("undeclared parameter: %v", err)
	}
}

// A CreateEndpointConfig file with the CreateModel file of its model: the
// package and the VPC are known.
func TestCreateEndpointConfigWithModel(t *testing.T) {
	t.Parallel()
	f := rulesWith(t, "{id: serves, serves: candidate}", "{id: vpc, vpc: {network_isolation: true}}", "{id: approved, serves: approved}")
	d := describeFile(t, File{Path: "testdata/create-endpoint-config.json", Models: []string{"testdata/model-v4.json"}})
	got := byRule(Evaluate(f, d, testPackages, fixedNow))
	if got["serves"].Verdict != gate.Pass || got["vpc"].Verdict != gate.Pass {
		t.Errorf("serves %s %q, vpc %s %q; want pass", got["serves"].Verdict, got["serves"].Reason, got["vpc"].Verdict, got["vpc"].Reason)
	}
	if a := got["approved"]; a.Verdict != gate.Fail || !strings.Contains(a.Reason, "serves churn-xgboost/4, which is not the approved churn-xgboost/3") {
		t.Errorf("approved = %s %q", a.Verdict, a.Reason)
	}
	for _, pf := range []File{
		{Path: "testdata/create-endpoint-config.json", Models: []string{"testdata/prod-config.json"}},
		{Path: "testdata/cfn-template.yml", Models: []string{"testdata/model-v4.json"}},
	} {
		if _, err := pf.Describe(context.Background()); !errors.Is(err, ErrInput) {
			t.Errorf("Describe(%+v) = %v; want ErrInput", pf, err)
		}
	}
}

// A megabyte of `[` is refused at once (a decoder that builds the path of
// each level would take minutes).
func TestDeepJSONRefusedFast(t *testing.T) {
	t.Parallel()
	start := time.Now()
	_, err := File{Path: "deep.json"}.describe([]byte(strings.Repeat("[", MaxConfigBytes-1)))
	if err == nil || !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "nested deeper than 100 levels") {
		t.Errorf("deep JSON: %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("deep JSON took %v", took)
	}
	if err := CheckJSONDepth([]byte(`{"a": "[[[[\"[[[", "b": [[1]]}`), 3); err != nil {
		t.Errorf("brackets inside strings counted: %v", err)
	}
	if err := CheckJSONDepth([]byte(`[[[[1]]]]`), 3); err == nil {
		t.Error("depth 4 passed a limit of 3")
	}
}

// Two endpoints on one configuration: the guard of one cannot vouch for the
// other.
func TestTemplateTwoEndpointsOneConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tmpl := `Resources:
  C:
    Type: AWS::SageMaker::EndpointConfig
    Properties: {ProductionVariants: [{VariantName: AllTraffic, InstanceType: ml.m5.xlarge, InitialInstanceCount: 2}]}
  Guarded:
    Type: AWS::SageMaker::Endpoint
    Properties:
      EndpointConfigName: !GetAtt C.EndpointConfigName
      DeploymentConfig:
        BlueGreenUpdatePolicy: {TrafficRoutingConfiguration: {Type: ALL_AT_ONCE, WaitIntervalInSeconds: 60}}
        AutoRollbackConfiguration: {Alarms: [{AlarmName: a}]}
  Unguarded:
    Type: AWS::SageMaker::Endpoint
    Properties: {EndpointConfigName: !GetAtt C.EndpointConfigName}
`
	path := filepath.Join(dir, "t.yml")
	if err := os.WriteFile(path, []byte(tmpl), 0o600); err != nil {
		t.Fatal(err)
	}
	s := Evaluate(rulesWith(t, allRules[8]), describeFile(t, File{Path: path}), testPackages, fixedNow)
	if fd := s.Findings[0]; fd.Verdict != gate.Missing || !strings.Contains(fd.Reason, "2 endpoints use configuration C (Guarded, Unguarded)") {
		t.Errorf("guarded = %s %q; want missing naming both endpoints", fd.Verdict, fd.Reason)
	}
}

// A template's monitoring schedule counts only for its own endpoint.
func TestTemplateScheduleOfAnotherEndpoint(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tmpl := `Resources:
  C:
    Type: AWS::SageMaker::EndpointConfig
    Properties: {ProductionVariants: [{VariantName: AllTraffic, InstanceType: ml.m5.xlarge, InitialInstanceCount: 2}]}
  E:
    Type: AWS::SageMaker::Endpoint
    Properties: {EndpointName: churn-prod, EndpointConfigName: !GetAtt C.EndpointConfigName}
  Other:
    Type: AWS::SageMaker::Endpoint
    Properties: {EndpointName: churn-other, EndpointConfigName: churn-other-config}
  DQ:
    Type: AWS::SageMaker::MonitoringSchedule
    Properties: {EndpointName: !GetAtt E.EndpointName, MonitoringScheduleConfig: {MonitoringType: DataQuality}}
  MQ:
    Type: AWS::SageMaker::MonitoringSchedule
    Properties: {EndpointName: !GetAtt Other.EndpointName, MonitoringScheduleConfig: {MonitoringType: ModelQuality}}
  MQ2:
    Type: AWS::SageMaker::MonitoringSchedule
    Properties: {EndpointName: churn-other, MonitoringScheduleConfig: {MonitoringType: ModelQuality}}
`
	path := filepath.Join(dir, "t.yml")
	if err := os.WriteFile(path, []byte(tmpl), 0o600); err != nil {
		t.Fatal(err)
	}
	s := Evaluate(rulesWith(t, allRules[7]), describeFile(t, File{Path: path}), testPackages, fixedNow)
	if fd := s.Findings[0]; fd.Verdict != gate.Fail || fd.Reason != "no ModelQuality monitoring schedule is attached to the endpoint" {
		t.Errorf("monitored = %s %q; want the other endpoint's schedules not to count", fd.Verdict, fd.Reason)
	}
}

// A scalable target of another endpoint of the template does not count.
func TestTemplateTargetOfAnotherEndpoint(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tmpl := `Resources:
  C:
    Type: AWS::SageMaker::EndpointConfig
    Properties: {ProductionVariants: [{VariantName: AllTraffic, InstanceType: ml.m5.xlarge, InitialInstanceCount: 2}]}
  E:
    Type: AWS::SageMaker::Endpoint
    Properties: {EndpointConfigName: !GetAtt C.EndpointConfigName}
  Other:
    Type: AWS::SageMaker::Endpoint
    Properties: {EndpointConfigName: other}
  T:
    Type: AWS::ApplicationAutoScaling::ScalableTarget
    Properties: {ServiceNamespace: sagemaker, ScalableDimension: "sagemaker:variant:DesiredInstanceCount",
      ResourceId: !Sub "endpoint/${Other.EndpointName}/variant/AllTraffic", MinCapacity: 2, MaxCapacity: 4}
`
	path := filepath.Join(dir, "t.yml")
	if err := os.WriteFile(path, []byte(tmpl), 0o600); err != nil {
		t.Fatal(err)
	}
	f := rulesWith(t, allRules[6])
	if fd := Evaluate(f, describeFile(t, File{Path: path}), testPackages, fixedNow).Findings[0]; fd.Verdict != gate.Fail || !strings.Contains(fd.Reason, "is not registered with Application Auto Scaling") {
		t.Errorf("scaling = %s %q; want fail", fd.Verdict, fd.Reason)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(tmpl, "${Other.EndpointName}", "${E.EndpointName}", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if fd := Evaluate(f, describeFile(t, File{Path: path}), testPackages, fixedNow).Findings[0]; fd.Verdict != gate.Pass {
		t.Errorf("own target: %s %q; want pass", fd.Verdict, fd.Reason)
	}
}
