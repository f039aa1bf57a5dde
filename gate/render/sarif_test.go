package render

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/localreg"
	"github.com/modelgate/modelgate/gate/report"
	"github.com/modelgate/modelgate/rules"
)

const sarifFraudRules = "examples/fraud/.github/modelgate.yml"

// sarifFraudResult runs the gate on the README's example: candidate v13 fails.
func sarifFraudResult(t *testing.T, candidate string) *gate.Result {
	t.Helper()
	f, err := rules.ReadFile("../../" + sarifFraudRules)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := localreg.New("../../examples/fraud/registry")
	if err != nil {
		t.Fatal(err)
	}
	r, err := gate.Run(context.Background(), reg, f, gate.RunOptions{
		Candidate: candidate,
		Read:      report.Read,
		Now:       time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func sarifCompile(t *testing.T) *jsonschema.Schema {
	t.Helper()
	b, err := os.ReadFile("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(SARIFSchemaURI, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(SARIFSchemaURI)
	if err != nil {
		t.Fatalf("compile the SARIF 2.1.0 schema: %v", err)
	}
	return s
}

func sarifValidate(t *testing.T, s *jsonschema.Schema, out []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("SARIF output is not JSON: %v\n%s", err, out)
	}
	return s.Validate(inst)
}

type sarifDoc struct {
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name  string `json:"name"`
				Rules []struct {
					ID string `json:"id"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex int    `json:"ruleIndex"`
			Level     string `json:"level"`
			Message   struct {
				Text string `json:"text"`
			} `json:"message"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI string `json:"uri"`
					} `json:"artifactLocation"`
					Region struct {
						StartLine   int `json:"startLine"`
						StartColumn int `json:"startColumn"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
			Fingerprints map[string]string `json:"partialFingerprints"`
		} `json:"results"`
	} `json:"runs"`
}

func TestSARIFFraudExample(t *testing.T) {
	schema := sarifCompile(t)
	r := sarifFraudResult(t, "")
	var buf bytes.Buffer
	if err := SARIF(&buf, r, "./"+sarifFraudRules); err != nil {
		t.Fatal(err)
	}
	if err := sarifValidate(t, schema, buf.Bytes()); err != nil {
		t.Fatalf("SARIF of the fraud example does not validate against SARIF 2.1.0: %v", err)
	}
	var doc sarifDoc
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2.1.0" || len(doc.Runs) != 1 || doc.Runs[0].Tool.Driver.Name != "modelgate" {
		t.Fatalf("version %q, %d runs", doc.Version, len(doc.Runs))
	}
	run := doc.Runs[0]
	var want []gate.Finding
	for _, f := range r.Findings {
		if f.Verdict != gate.Pass {
			want = append(want, f)
		}
	}
	if len(run.Results) != len(want) || len(want) < 5 {
		t.Fatalf("%d results; want one per finding that did not pass (%d)", len(run.Results), len(want))
	}
	seen := map[string]bool{}
	for _, rule := range run.Tool.Driver.Rules {
		if seen[rule.ID] {
			t.Errorf("rule %s listed twice", rule.ID)
		}
		seen[rule.ID] = true
	}
	levels := map[string]int{}
	for i, res := range run.Results {
		f := want[i]
		if res.RuleID != f.Rule || run.Tool.Driver.Rules[res.RuleIndex].ID != f.Rule {
			t.Errorf("result %d: rule %s (index %d); want %s", i, res.RuleID, res.RuleIndex, f.Rule)
		}
		loc := res.Locations[0].PhysicalLocation
		if loc.ArtifactLocation.URI != sarifFraudRules || loc.Region.StartLine != f.RulePos.Line || loc.Region.StartColumn != f.RulePos.Col || f.RulePos.Line < 1 {
			t.Errorf("result %s at %s:%d:%d; want %s:%s", f.Rule, loc.ArtifactLocation.URI, loc.Region.StartLine, loc.Region.StartColumn, sarifFraudRules, f.RulePos)
		}
		wantLevel := "warning"
		if f.Blocking {
			wantLevel = "error"
		}
		if res.Level != wantLevel {
			t.Errorf("result %s (%s, blocking %v): level %s; want %s", f.Rule, f.Verdict, f.Blocking, res.Level, wantLevel)
		}
		levels[res.Level]++
		if !strings.Contains(res.Message.Text, f.Reason) || len(res.Fingerprints["modelgateFinding/v1"]) != 32 {
			t.Errorf("result %s: message %q, fingerprints %v", f.Rule, res.Message.Text, res.Fingerprints)
		}
	}
	// The README's numbers: 4 fail + 1 inconclusive blocking, 1 warn.
	if levels["error"] != 5 || levels["warning"] != 1 {
		t.Errorf("levels %v; want 5 errors and 1 warning", levels)
	}
}

func TestSARIFHostileFindings(t *testing.T) {
	schema := sarifCompile(t)
	r := &gate.Result{Schema: 1, Tool: "modelgate", Group: "g", Conclusion: gate.Failure, Findings: []gate.Finding{
		{Rule: "no-pos", Verdict: gate.Fail, Blocking: true, Reason: "line one\n::error file=x::injected\r\x1b[31m", Value: math.NaN(), StdDev: math.NaN(), Baseline: math.Inf(1), Delta: math.NaN()},
		{Rule: "waived", RulePos: rules.Pos{Line: 3, Col: 5}, Verdict: gate.Waived, Value: math.NaN(), StdDev: math.NaN(), Baseline: math.NaN(), Delta: math.NaN()},
		{Rule: "neg-col", RulePos: rules.Pos{Line: 4, Col: -2}, Verdict: gate.Warn, Value: 1, StdDev: math.NaN(), Baseline: math.NaN(), Delta: math.NaN()},
	}}
	for _, path := range []string{"dir with space/rules#1.yml", ""} {
		var buf bytes.Buffer
		if err := SARIF(&buf, r, path); err != nil {
			t.Fatal(err)
		}
		if err := sarifValidate(t, schema, buf.Bytes()); err != nil {
			t.Fatalf("rules path %q: SARIF does not validate: %v\n%s", path, err, buf.Bytes())
		}
		var doc sarifDoc
		if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		res := doc.Runs[0].Results
		if len(res) != 3 {
			t.Fatalf("%d results; want 3", len(res))
		}
		if m := res[0].Message.Text; strings.ContainsAny(m, "\n\r\x1b") || !strings.Contains(m, "::error") {
			t.Errorf("message %q keeps control characters (or lost its text)", m)
		}
		if res[1].Level != "note" || res[2].Level != "warning" || res[0].Level != "error" {
			t.Errorf("levels %s %s %s; want error note warning", res[0].Level, res[1].Level, res[2].Level)
		}
		if path == "" {
			if len(res[0].Locations) != 0 {
				t.Errorf("no rules path, yet locations %v", res[0].Locations)
			}
			continue
		}
		if got := res[0].Locations[0].PhysicalLocation; got.Region.StartLine != 1 || got.ArtifactLocation.URI != "dir%20with%20space/rules%231.yml" {
			t.Errorf("location %+v; want line 1 of the escaped path", got)
		}
		if got := res[2].Locations[0].PhysicalLocation.Region; got.StartLine != 4 || got.StartColumn != 0 {
			t.Errorf("negative column kept: %+v", got)
		}
	}
}

// TestSARIFSchemaRejects proves the schema validation bites.
func TestSARIFSchemaRejects(t *testing.T) {
	schema := sarifCompile(t)
	for _, bad := range []string{
		`{"version":"2.0.0","runs":[]}`,
		`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"level":"fatal"}]}]}`,
		`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a"},"region":{"startLine":0}}}]}]}]}`,
	} {
		if err := sarifValidate(t, schema, []byte(bad)); err == nil {
			t.Errorf("the SARIF schema accepted %s", bad)
		}
	}
}
