package endpoint

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// conditionsTemplate is an endpoint configuration whose data capture is
// switched by condition C0; conds are the Conditions section's entries.
func conditionsTemplate(conds []string) []byte {
	return []byte(`Resources:
  Config:
    Type: AWS::SageMaker::EndpointConfig
    Properties:
      ProductionVariants:
        - {ModelName: m, VariantName: v, InstanceType: ml.m5.large, InitialInstanceCount: 2}
      DataCaptureConfig:
        EnableCapture: !If [C0, true, false]
        InitialSamplingPercentage: 100
        DestinationS3Uri: s3://churn-capture/x
        KmsKeyId: arn:aws:kms:eu-west-1:123456789012:key/1
        CaptureOptions: [{CaptureMode: Input}]
Conditions:
` + strings.Join(conds, "\n") + "\n")
}

// describeWithin runs describe, failing the test if it does not return
// (a hang guard, not a speed target).
func describeWithin(t *testing.T, data []byte) string {
	t.Helper()
	done := make(chan string, 1)
	go func() {
		d, err := File{Path: "c.yml"}.describe(data)
		if err != nil {
			done <- "error: " + err.Error()
			return
		}
		s := Evaluate(rulesWith(t, allRules...), d, testPackages, fixedNow)
		var b strings.Builder
		for _, f := range s.Findings {
			if strings.HasPrefix(f.Metric, "endpoint.data_capture") {
				fmt.Fprintf(&b, "%s %s; ", f.Verdict, f.Reason)
			}
		}
		done <- b.String()
	}()
	select {
	case out := <-done:
		return out
	case <-time.After(30 * time.Second):
		t.Fatal("describe did not return: condition evaluation is unbounded")
		return ""
	}
}

// Conditions that name each other many times are evaluated once each: 22
// levels that each name the next ten times would be 10^21 evaluations.
func TestConditionsEvaluatedOnce(t *testing.T) {
	t.Parallel()
	var conds []string
	for i := 0; i < 22; i++ {
		refs := make([]string, 10)
		for k := range refs {
			refs[k] = fmt.Sprintf("!Condition C%d", i+1)
		}
		conds = append(conds, fmt.Sprintf("  C%d: !And [%s]", i, strings.Join(refs, ", ")))
	}
	conds = append(conds, "  C22: !Equals [a, a]")
	out := describeWithin(t, conditionsTemplate(conds))
	// 23 levels are deeper than the evaluator follows: unknown, so the
	// capture check is missing, never a pass.
	if !strings.Contains(out, "missing") || strings.Contains(out, "pass") {
		t.Fatalf("data capture under a 23-level condition chain: %s; want missing", out)
	}

	shallow := []string{"  C0: !And [!Condition C1, !Condition C1, !Condition C1]", "  C1: !Not [!Equals [a, b]]"}
	if out := describeWithin(t, conditionsTemplate(shallow)); !strings.Contains(out, "pass") {
		t.Fatalf("data capture under a true condition: %s; want pass", out)
	}
}

// A condition that reaches itself is unknown, and says so.
func TestConditionCycle(t *testing.T) {
	t.Parallel()
	out := describeWithin(t, conditionsTemplate([]string{"  C0: !And [!Condition C1, !Equals [a, a]]", "  C1: !Or [!Condition C0, !Equals [a, b]]"}))
	if !strings.Contains(out, "missing") || !strings.Contains(out, "refers to itself") {
		t.Fatalf("data capture under a cyclic condition: %s; want missing naming the cycle", out)
	}
}
