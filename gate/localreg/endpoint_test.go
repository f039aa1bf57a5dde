package localreg

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/endpoint"
	"github.com/modelgate/modelgate/rules"
)

var endpointNow = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func exampleEndpoint(t *testing.T, src func(f *rules.File, reg *Registry) endpoint.Source) (*endpoint.Section, *rules.File) {
	t.Helper()
	f, err := rules.ReadFile("../../examples/fraud/.github/endpoint.yml")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := New("../../examples/fraud/registry")
	if err != nil {
		t.Fatal(err)
	}
	s, err := endpoint.Check(context.Background(), f, src(f, reg), endpoint.Options{Registry: reg, Now: endpointNow})
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return s, f
}

func failures(s *endpoint.Section) []string {
	var out []string
	for _, fd := range s.Findings {
		if fd.Verdict != gate.Pass {
			out = append(out, fd.Rule+": "+string(fd.Verdict)+": "+fd.Reason)
		}
	}
	return out
}

func TestExampleProdEndpointPasses(t *testing.T) {
	t.Parallel()
	s, f := exampleEndpoint(t, func(f *rules.File, reg *Registry) endpoint.Source { return reg.Endpoint("fraud-prod") })
	if got := failures(s); len(got) != 0 {
		t.Errorf("fraud-prod: %q; want every rule to pass", got)
	}
	if r := s.Result(f); r.Conclusion != gate.Success || r.ExitCode() != 0 || r.Counts.Rules != 9 {
		t.Errorf("result %s exit %d counts %+v", r.Conclusion, r.ExitCode(), r.Counts)
	}
}

// The canary serves v12, neither the approved v11 nor the candidate v13, on one instance with 5 %
// capture, no volume key, no autoscaling and one monitor of two.
func TestExampleCanaryEndpointFails(t *testing.T) {
	t.Parallel()
	s, f := exampleEndpoint(t, func(f *rules.File, reg *Registry) endpoint.Source { return reg.Endpoint("fraud-canary") })
	want := []string{
		"serves-approved: fail: model fraud-xgboost-v12 serves fraud-xgboost/12, which is not the approved fraud-xgboost/11 or candidate fraud-xgboost/13",
		"data-capture: fail: sampling 5% is below the minimum 20%",
		"kms-at-rest: fail: no KmsKeyId: the ML storage volumes are not encrypted with a customer-managed KMS key",
		"two-azs: fail: 1 instance(s), below the minimum 2 (a single instance is one Availability Zone); the live variant runs 1 instance(s) now, below the minimum 2",
		"autoscaling: fail: variant AllTraffic is not registered with Application Auto Scaling (no scalable target sagemaker:variant:DesiredInstanceCount)",
		"monitored: fail: no ModelQuality monitoring schedule is attached to the endpoint",
		"rollback-guard: fail: the endpoint has no DeploymentConfig: updates replace every instance at once with no rollback",
	}
	got := failures(s)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("fraud-canary failures:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if r := s.Result(f); r.Conclusion != gate.Failure || r.ExitCode() != gate.ExitFail || r.Counts.FailedRules != 7 {
		t.Errorf("result %s exit %d counts %+v", r.Conclusion, r.ExitCode(), r.Counts)
	}
}

// In the pull request: the deploy template with the production parameters
// proposes the candidate, v13, which `approved-or-candidate` accepts.
func TestExampleProposedTemplatePasses(t *testing.T) {
	t.Parallel()
	s, _ := exampleEndpoint(t, func(f *rules.File, reg *Registry) endpoint.Source {
		pf, ok, err := endpoint.ProposedFile(f, "../../examples/fraud")
		if !ok || err != nil {
			t.Fatalf("ProposedFile: %v %v", ok, err)
		}
		return pf
	})
	if got := failures(s); len(got) != 0 {
		t.Errorf("proposed: %q; want every rule to pass", got)
	}
	if s.Moment != endpoint.Proposed || s.Endpoint != "fraud-prod" {
		t.Errorf("moment %s endpoint %s", s.Moment, s.Endpoint)
	}
}

func TestLocalEndpointErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, EndpointsDir), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, EndpointsDir, name+".json"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	reg, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	write("dup", `{"Endpoint": {"EndpointName": "dup", "EndpointConfigName": "c"}, "EndpointConfig": {"EndpointConfigName": "c", "KmsKeyId": "k", "KmsKeyId": ""}}`)
	write("other", `{"Endpoint": {"EndpointName": "someone-else", "EndpointConfigName": "c"}, "EndpointConfig": {"EndpointConfigName": "c"}}`)
	write("mismatch", `{"Endpoint": {"EndpointName": "mismatch", "EndpointConfigName": "c"}, "EndpointConfig": {"EndpointConfigName": "d"}}`)
	for name, want := range map[string]string{
		"dup":      "duplicate key",
		"other":    `describes endpoint "someone-else", not "other"`,
		"mismatch": `the endpoint uses configuration "c" but EndpointConfig is "d"`,
		"../x":     "want 1-63 letters",
	} {
		_, err := reg.Endpoint(name).Describe(context.Background())
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Describe(%s) = %v; want an error containing %q", name, err, want)
		}
	}
	if _, err := reg.Endpoint("absent").Describe(context.Background()); !errors.Is(err, endpoint.ErrNoEndpoint) {
		t.Errorf("Describe(absent) = %v; want ErrNoEndpoint", err)
	}
}
