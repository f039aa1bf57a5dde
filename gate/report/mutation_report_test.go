package report

import (
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate"
)

// Tests that pin the decisions of the readers at their edges (issue 18):
// each asserts a value, a note or an error that the README's "Metric
// addresses" section documents.

// A metric given at exactly as many places as an ambiguity note lists
// (four) is named at all four, with no "..." for places left out.
func TestAmbiguousNoteAtItsBound(t *testing.T) {
	t.Parallel()
	p, err := Read(gate.Source{Slot: gate.SlotQuality}, []byte(`{"a_metrics": {"r2": 0.1}, "b_metrics": {"r2": 0.2}, "c_metrics": {"r2": 0.3}, "r2": 0.4}`))
	if err != nil {
		t.Fatal(err)
	}
	want := amb("$.a_metrics.r2", "$.b_metrics.r2", "$.c_metrics.r2", "$.r2")
	if len(p.Instances) != 1 || !p.Instances[0].Missing() || p.Instances[0].Note != want {
		t.Fatalf("Read = %+v; want one missing quality.r2 noted %q", p.Instances, want)
	}
}

// A negative standard_deviation makes the metric missing, and the note
// gives it exactly as written.
func TestNegativeStdDevNoteGivesTheValue(t *testing.T) {
	t.Parallel()
	p, err := Read(gate.Source{Slot: gate.SlotQuality}, []byte(`{"regression_metrics": {"mae": {"value": 1.5, "standard_deviation": -0.0125}}}`))
	if err != nil {
		t.Fatal(err)
	}
	const want = "standard_deviation -0.0125 is negative: not a standard deviation"
	if len(p.Instances) != 1 || !p.Instances[0].Missing() || p.Instances[0].Note != want {
		t.Fatalf("Read = %+v; want quality.mae missing, noted %q", p.Instances, want)
	}
}

// lm-evaluation-harness: n is n-samples.effective, up to the largest count
// a rule's min_samples can ask for (2^31-1); a group's n is the sum of its
// tasks, unknown (0) when the groups name each other in a cycle, which
// cannot be summed (and must not hang the reader).
func TestLMEvalSampleCounts(t *testing.T) {
	t.Parallel()
	n := func(t *testing.T, doc string) map[string]int {
		t.Helper()
		p, err := Read(gate.Source{Slot: "r", Format: FormatLMEval}, []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, in := range p.Instances {
			out[in.Address] = in.N
		}
		return out
	}
	got := n(t, `{"results": {"big": {"acc,none": 0.5}}, "n-samples": {"big": {"original": 2147483647, "effective": 2147483647}}}`)
	if got["llm.big.acc"] != 2147483647 {
		t.Errorf("n = %d; want 2147483647", got["llm.big.acc"])
	}
	got = n(t, `{"results": {"a": {"acc,none": 0.5}, "b": {"acc,none": 0.6}, "c": {"acc,none": 0.7}},
 "group_subtasks": {"a": ["b"], "b": ["a"], "c": ["a"]}}`)
	for _, addr := range []string{"llm.a.acc", "llm.b.acc", "llm.c.acc"} {
		if got[addr] != 0 {
			t.Errorf("%s: n = %d; want 0 (unknown) for groups in a cycle", addr, got[addr])
		}
	}
}

// dataset.item_count feeds min_samples: read up to 2^31-1, the largest
// min_samples a rule can give.
func TestItemCountAtItsBound(t *testing.T) {
	t.Parallel()
	p, err := Read(gate.Source{Slot: gate.SlotQuality}, []byte(`{"dataset": {"item_count": 2147483647}, "regression_metrics": {"mae": {"value": 1.5}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.ItemCount != 2147483647 {
		t.Errorf("ItemCount = %d; want 2147483647", p.ItemCount)
	}
}

// A Clarify bias metric is labelled with the group variable the file
// names for it: its own, else its facet value's, else its section's.
func TestBiasGroupLabel(t *testing.T) {
	t.Parallel()
	p, err := Read(gate.Source{Slot: gate.SlotBiasPost}, []byte(`{"post_training_bias_metrics": {"group_variable": "region", "facets": {"gender": [
  {"value_or_threshold": "1", "metrics": [{"name": "CDDPL", "value": 0.1}]},
  {"value_or_threshold": "0", "group_variable": "age", "metrics": [{"name": "CDDPL", "value": 0.2}, {"name": "DI", "value": 0.9, "group": "zip"}]}]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, in := range p.Instances {
		l := map[string]string{}
		for _, kv := range in.Labels {
			l[kv.Key] = kv.Value
		}
		got[in.Address+" value="+l["value"]] = l["group"]
	}
	want := map[string]string{"bias.post.CDDPL value=1": "region", "bias.post.CDDPL value=0": "age", "bias.post.DI value=0": "zip"}
	if len(got) != len(want) {
		t.Fatalf("Read = %v; want %v", got, want)
	}
	for k, g := range want {
		if got[k] != g {
			t.Errorf("%s: group %q; want %q", k, got[k], g)
		}
	}
}

// A Clarify explanations file whose kernel_shap label is not the shape
// Clarify writes is an error naming the place, never a partial read (the
// well-formed label beside it does not make the file readable).
func TestShapShapeErrors(t *testing.T) {
	t.Parallel()
	const good = `"label0": {"global_shap_values": {"age": 0.3}}`
	tests := []struct{ label, want string }{
		{`"label1": []`, "report explainability: $.explanations.kernel_shap.label1: want an object with global_shap_values, found an array"},
		{`"label1": {"expected_value": 0.5}`, "report explainability: $.explanations.kernel_shap.label1: no global_shap_values (found keys [expected_value])"},
		{`"label1": {"global_shap_values": [0.3]}`, "report explainability: $.explanations.kernel_shap.label1.global_shap_values: want an object keyed by feature, found an array"},
	}
	for _, tc := range tests {
		for _, doc := range []string{
			`{"explanations": {"kernel_shap": {` + good + `, ` + tc.label + `}}}`,
			`{"explanations": {"kernel_shap": {` + tc.label + `, ` + good + `}}}`,
		} {
			p, err := Read(gate.Source{Slot: gate.SlotExplainability}, []byte(doc))
			if err == nil || err.Error() != tc.want {
				t.Errorf("Read(%s) = %v, %v; want the error %q", doc, p, err, tc.want)
			}
		}
	}
}

// deepeval: the direction of a metric comes from its test cases' success
// against the threshold. A score exactly at the threshold is no evidence
// (deepeval passes it in both directions); evidence wins over the list of
// metrics known to be lower-is-better, which only fills in a metric with
// no evidence.
func TestDeepevalDirectionEvidence(t *testing.T) {
	t.Parallel()
	p, err := Read(gate.Source{Slot: "de"}, []byte(`{"testRunData": {"testCases": [
  {"name": "a", "metricsData": [{"name": "AtPass", "threshold": 0.5, "success": true, "score": 0.5},
     {"name": "AtFail", "threshold": 0.5, "success": false, "score": 0.5},
     {"name": "Bias", "threshold": 0.5, "success": true, "score": 0.7}]}],
 "metricsScores": [{"metric": "AtPass", "scores": [0.5], "passes": 1, "fails": 0, "errors": 0},
   {"metric": "AtFail", "scores": [0.5], "passes": 0, "fails": 1, "errors": 0},
   {"metric": "Bias", "scores": [0.7], "passes": 1, "fails": 0, "errors": 0}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, in := range p.Instances {
		if strings.HasSuffix(in.Address, ".score") {
			got[in.Address] = string(in.Direction)
		}
	}
	want := map[string]string{"llm.AtPass.score": "", "llm.AtFail.score": "", "llm.Bias.score": "higher"}
	for k, d := range want {
		if got[k] != d {
			t.Errorf("%s: direction %q; want %q", k, got[k], d)
		}
	}
}

// deepeval: a test run written without its testRunData wrapper (testCases
// and metricsScores at the top) is read as deepeval; testPassed and
// testFailed are both counts or the file is refused.
func TestDeepevalBareRunAndCounts(t *testing.T) {
	t.Parallel()
	const scores = `"metricsScores": [{"metric": "Tone", "scores": [0.8], "passes": 1, "fails": 0, "errors": 0}]`
	p, err := Read(gate.Source{Slot: "de"}, []byte(`{"testCases": [], `+scores+`, "testPassed": 3, "testFailed": 1}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Format != FormatDeepeval {
		t.Fatalf("format %q; want %q", p.Format, FormatDeepeval)
	}
	rate := false
	for _, in := range p.Instances {
		if in.Address == "llm.deepeval.pass_rate" {
			rate = in.Value == 0.75 && in.N == 4
		}
	}
	if !rate {
		t.Errorf("Read = %+v; want llm.deepeval.pass_rate 0.75 of 4", p.Instances)
	}
	for _, counts := range []string{`"testPassed": 3`, `"testFailed": 1`, `"testPassed": true, "testFailed": 1`, `"testPassed": 3, "testFailed": -1`} {
		_, err := Read(gate.Source{Slot: "de"}, []byte(`{"testRunData": {`+scores+`, `+counts+`}}`))
		if err == nil || !strings.Contains(err.Error(), "$.testRunData: testPassed and testFailed must both be counts") {
			t.Errorf("%s: err = %v; want the counts refused", counts, err)
		}
	}
	// A file with metricsScores but no test cases is not a deepeval run.
	p, err = Read(gate.Source{Slot: "de"}, []byte(`{`+scores+`}`))
	if err == nil && p.Format == FormatDeepeval {
		t.Errorf("metricsScores alone read as deepeval")
	}
}
