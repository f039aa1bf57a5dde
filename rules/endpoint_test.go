package rules

import (
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestEndpointSectionParses(t *testing.T) {
	t.Parallel()
	f, err := ReadFile("testdata/valid/endpoint.yml")
	if err != nil {
		t.Fatal(err)
	}
	e := f.Endpoint
	if e == nil {
		t.Fatal("no endpoint section")
	}
	if e.Name != "churn-prod" || e.Config != "deploy/endpoint-config.yml" || e.Resource != "EndpointConfig" || e.Parameters != "deploy/prod-config.json" {
		t.Errorf("endpoint = %+v", e)
	}
	if len(e.Rules) != 12 {
		t.Fatalf("%d endpoint rules; want 12", len(e.Rules))
	}
	dc := e.Rules[1].DataCapture
	if e.Rules[1].Check != CheckDataCapture || dc == nil || dc.MinSampling == nil || dc.MinSampling.V != 20 || !dc.KMS || len(dc.Buckets) != 1 {
		t.Errorf("capture rule = %+v %+v", e.Rules[1], dc)
	}
	if dc.MinSampling.Pos != (Pos{Line: 18, Col: 36}) {
		t.Errorf("min_sampling at %s; want 18:36", dc.MinSampling.Pos)
	}
	g := e.Rules[11]
	if g.Deployment == nil || !g.Deployment.BlueGreen || !g.Deployment.AutoRollback || g.Deployment.MinAlarms != 1 || g.Waiver == nil || f.EndpointSeverity(&g) != SeverityWarning {
		t.Errorf("guarded rule = %+v", g)
	}
	if f.EndpointSeverity(&e.Rules[0]) != SeverityError {
		t.Errorf("default severity = %s", f.EndpointSeverity(&e.Rules[0]))
	}
	if got := e.Rules[10].Monitoring; len(got) != 1 || got[0] != "ModelBias" {
		t.Errorf("monitoring = %v", got)
	}
}

func TestEndpointSectionProblems(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ body, want string }{
		{"endpoint: {rules: []}", "`endpoint.rules` is empty"},
		{"endpoint: {name: x}", "missing required key `rules` in endpoint"},
		{"endpoint: {resource: Cfg, rules: [{id: k, kms: true}]}", "`endpoint.resource` names a resource of the template in `endpoint.config`, which is not given"},
		{"endpoint: {config: /etc/passwd, rules: [{id: k, kms: true}]}", "must be a path relative to the rules file"},
		{"endpoint: {rules: [{id: k, kms: true, on_missing: skip}]}", "unknown key `on_missing` in endpoint rule"},
		{"endpoint: {rules: [{id: k, min_instances: 2.5}]}", "`min_instances` must be an integer, found number 2.5"},
		{"endpoint: {rules: [{id: k, data_capture: {min_sampling: .nan}}]}", "`data_capture.min_sampling` must be a finite number"},
		{"endpoint: {rules: [{id: k, deployment: {min_alarms: 0}}]}", "`deployment.min_alarms` must be at least 1"},
		{"endpoint: {rules: [{id: k, monitoring: []}]}", "`monitoring` is empty"},
		{"endpoint: {rules: [{id: k, vpc: {network_isolation: false}}]}", "`vpc.network_isolation: false` checks nothing"},
	} {
		src := "version: 1\nmodel: {group: g}\nrules: [{id: a, metric: quality.auc, min: 0.5}]\n" + tc.body + "\n"
		_, err := Parse("r.yml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v; want it to contain %q", tc.body, err, tc.want)
		}
	}
}

func TestEndpointAbsentIsNil(t *testing.T) {
	t.Parallel()
	f, err := Parse("r.yml", []byte("version: 1\nmodel: {group: g}\nrules: [{id: a, metric: quality.auc, min: 0.5}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Endpoint != nil {
		t.Errorf("Endpoint = %+v; want nil", f.Endpoint)
	}
}

// TestEndpointValidCoversEveryKey: testdata/valid/endpoint.yml uses every
// key of the endpoint section, so the schema test sees them all.
func TestEndpointValidCoversEveryKey(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/valid/endpoint.yml")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				seen[n.Content[i].Value] = true
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	walk(&doc)
	for _, l := range [][]string{endpointKeys, endpointRuleKeys, dataCaptureKeys, vpcKeys, autoscalingKeys, deploymentKeys} {
		for _, k := range l {
			if !seen[k] {
				t.Errorf("testdata/valid/endpoint.yml does not use `%s`", k)
			}
		}
	}
}
