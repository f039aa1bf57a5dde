package report

import (
	"encoding/json"
	"fmt"
	"strconv"
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

// promptfoo: a row's prompt label is its own prompt's label, raw text or
// string; a row that names none takes the label of prompts[promptIdx]
// (a whole, in-range index); a row with neither is refused.
func TestPromptfooPromptLabels(t *testing.T) {
	t.Parallel()
	doc := func(rows string, n int) string {
		return `{"results": {"version": 3, "prompts": [{"raw": "A {{q}}", "label": "a"}, {"raw": "B {{q}}", "label": "b"}],
 "results": [` + rows + `], "stats": {"successes": ` + strconv.Itoa(n) + `, "failures": 0, "errors": 0}}}`
	}
	p, err := Read(gate.Source{Slot: "pf"}, []byte(doc(`{"success": true, "promptIdx": 0, "testIdx": 0, "provider": "echo"},
  {"success": true, "promptIdx": 1, "testIdx": 0, "provider": "echo"},
  {"success": true, "prompt": "plain {{q}}", "provider": "echo"},
  {"success": true, "prompt": {"raw": "A {{q}}", "label": "own"}, "promptIdx": 0, "testIdx": 1, "provider": "echo"}`, 4)))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, in := range p.Instances {
		for _, l := range in.Labels {
			if l.Key == "prompt" {
				got[l.Value] = true
			}
		}
	}
	if len(got) != 4 || !got["a"] || !got["b"] || !got["plain {{q}}"] || !got["own"] {
		t.Errorf("prompt labels %v; want a, b, plain {{q}} and own", got)
	}
	for _, idx := range []string{"2", "-1", "0.5"} {
		_, err := Read(gate.Source{Slot: "pf"}, []byte(doc(`{"success": true, "promptIdx": `+idx+`, "testIdx": 0, "provider": "echo"}`, 1)))
		if err == nil || !strings.Contains(err.Error(), "$.results.results[0]: result row names no prompt") {
			t.Errorf("promptIdx %s: err = %v; want the row refused", idx, err)
		}
	}
}

// promptfoo output is recognised by its results list and a stats object
// with successes or failures (either one is enough).
func TestPromptfooDetectedByEitherStat(t *testing.T) {
	t.Parallel()
	for _, stats := range []string{`{"successes": 1}`, `{"failures": 0}`} {
		p, err := Read(gate.Source{Slot: "pf"}, []byte(`{"version": 1, "results": [{"prompt": {"raw": "Say hi"}, "success": true}], "stats": `+stats+`}`))
		if err != nil || p.Format != FormatPromptfoo {
			t.Errorf("stats %s: %v, %v; want read as promptfoo", stats, p, err)
		}
	}
}

// promptfooPromptLabel reads a one-row v3 file with the prompt raw text
// given and returns the row's prompt label.
func promptfooPromptLabel(t *testing.T, raw string) string {
	t.Helper()
	b, _ := json.Marshal(raw)
	p, err := Read(gate.Source{Slot: "pf"}, []byte(`{"results": {"version": 3, "results": [{"success": true, "prompt": {"raw": `+string(b)+`}, "provider": "echo"}], "stats": {"successes": 1, "failures": 0}}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range p.Instances {
		for _, l := range in.Labels {
			if l.Key == "prompt" {
				return l.Value
			}
		}
	}
	t.Fatalf("no prompt label in %+v", p.Instances)
	return ""
}

// A prompt label is one line: C0 and C1 control characters become spaces,
// other characters (a no-break space) stay; a prompt longer than 200 bytes
// is cut on a rune boundary and marked "...", one of exactly 200 is kept.
func TestPromptfooPromptLabelText(t *testing.T) {
	t.Parallel()
	if got := promptfooPromptLabel(t, "a\u0080b\u009fc\u00a0d e"); got != "a b c\u00a0d e" {
		t.Errorf("label %q; want C1 controls as spaces, the no-break space kept", got)
	}
	exact := strings.Repeat("x", 200)
	if got := promptfooPromptLabel(t, exact); got != exact {
		t.Errorf("a 200-byte prompt is labelled %q; want it whole", got)
	}
	long := strings.Repeat("x", 199) + "é" + "tail"
	if got := promptfooPromptLabel(t, long); got != strings.Repeat("x", 199)+"..." {
		t.Errorf("label %q; want 199 x and ... (é cut whole)", got)
	}
}

// promptfoo rows: failureReason 2 is an error (with or without an error
// text); a failing row whose failureReason is 0 or 1 is a failure even
// when it carries an error text (promptfoo writes the assertion's message
// there); with no failureReason (older files), a failing row with an
// error text is an error. A row with no score of its own is scored by its
// gradingResult. An assert-set with no components is one assertion.
func TestPromptfooRowClassification(t *testing.T) {
	t.Parallel()
	p, err := Read(gate.Source{Slot: "pf"}, []byte(`{"results": {"version": 3, "results": [
  {"success": false, "failureReason": 2, "prompt": "q", "provider": "echo"},
  {"success": false, "failureReason": 1, "error": "Expected output to equal 4", "prompt": "q", "provider": "echo"},
  {"success": false, "failureReason": 0, "error": "odd", "prompt": "q", "provider": "echo"},
  {"success": false, "error": "timeout", "prompt": "q", "provider": "echo"},
  {"success": true, "prompt": "q", "provider": "echo", "gradingResult": {"pass": true, "score": 0.5,
    "componentResults": [{"pass": true, "score": 1, "assertion": {"type": "assert-set"}, "componentResults": []}]}}],
 "stats": {"successes": 1, "failures": 2, "errors": 2}}}`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, in := range p.Instances {
		if len(in.Labels) == 0 {
			got[in.Address] = strconv.FormatFloat(in.Value, 'g', -1, 64) + " n=" + strconv.Itoa(in.N)
		}
	}
	want := map[string]string{
		"llm.promptfoo.passes": "1 n=5", "llm.promptfoo.failures": "2 n=5", "llm.promptfoo.errors": "2 n=5",
		"llm.promptfoo.assert_passes": "1 n=5",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %s; want %s", k, got[k], v)
		}
	}
	p, err = Read(gate.Source{Slot: "pf"}, []byte(`{"results": {"version": 3, "results": [
  {"success": true, "prompt": "q", "provider": "echo", "gradingResult": {"pass": true, "score": 0.5}}], "stats": {"successes": 1, "failures": 0}}}`))
	if err != nil {
		t.Fatal(err)
	}
	score := "none"
	for _, in := range p.Instances {
		if in.Address == "llm.promptfoo.score" && len(in.Labels) == 0 {
			score = strconv.FormatFloat(in.Value, 'g', -1, 64) + " " + in.Note
		}
	}
	if score != "0.5 " {
		t.Errorf("llm.promptfoo.score = %s; want 0.5, the gradingResult's score", score)
	}
}

// promptfoo files without stats.errors count errors as failures in
// stats.failures: such stats agree with the rows; stats that disagree are
// refused.
func TestPromptfooStatsWithoutErrors(t *testing.T) {
	t.Parallel()
	doc := func(failures string) string {
		return `{"results": {"version": 2, "results": [
  {"success": false, "failureReason": 1, "prompt": "q", "provider": "echo"},
  {"success": false, "failureReason": 2, "error": "rate limited", "prompt": "q", "provider": "echo"},
  {"success": true, "prompt": "q", "provider": "echo"}], "stats": {"successes": 1, "failures": ` + failures + `}}}`
	}
	p, err := Read(gate.Source{Slot: "pf"}, []byte(doc("2")))
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range p.Instances {
		if len(in.Labels) == 0 && (in.Address == "llm.promptfoo.failures" || in.Address == "llm.promptfoo.errors") && in.Value != 1 {
			t.Errorf("%s = %v; want 1", in.Address, in.Value)
		}
	}
	for _, bad := range []string{"0", "3"} {
		if _, err := Read(gate.Source{Slot: "pf"}, []byte(doc(bad))); err == nil || !strings.Contains(err.Error(), "$.results.stats.failures: stats say "+bad) {
			t.Errorf("stats.failures %s: err = %v; want it refused", bad, err)
		}
	}
}

// promptfoo stats.errors that disagree with the rows are refused, as
// stats.successes and stats.failures are.
func TestPromptfooStatsErrorsChecked(t *testing.T) {
	t.Parallel()
	_, err := Read(gate.Source{Slot: "pf"}, []byte(`{"results": {"version": 3, "results": [
  {"success": false, "failureReason": 2, "error": "rate limited", "prompt": "q", "provider": "echo"}], "stats": {"successes": 0, "failures": 0, "errors": 5}}}`))
	if err == nil || !strings.Contains(err.Error(), "$.results.stats.errors: stats say 5, but 1 of the 1 result rows count as errors") {
		t.Errorf("err = %v; want stats.errors refused", err)
	}
}

// lm-evaluation-harness: every group row found only in "groups" is read
// (not just the first), and a bad one is refused like a results row.
func TestLMEvalGroupsOnlyRows(t *testing.T) {
	t.Parallel()
	const head = `{"results": {"t": {"acc,none": 0.1}}, "versions": {"t": 1}, "groups": {"g1": {"acc,none": 0.5}, `
	p, err := Read(gate.Source{Slot: "r", Format: FormatLMEval}, []byte(head+`"g2": {"acc,none": 0.6}}}`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, in := range p.Instances {
		got[in.Address] = in.Value
	}
	if got["llm.t.acc"] != 0.1 || got["llm.g1.acc"] != 0.5 || got["llm.g2.acc"] != 0.6 {
		t.Errorf("Read = %v; want t, g1 and g2", got)
	}
	_, err = Read(gate.Source{Slot: "r", Format: FormatLMEval}, []byte(head+`"g2": {",none": 0.6}}}`))
	if err == nil || !strings.Contains(err.Error(), `metric key ",none" has no metric name`) {
		t.Errorf("err = %v; want the nameless metric of g2 refused", err)
	}
}

// lm-evaluation-harness: the dataset label is dataset_path, with
// ":<dataset_name>" when the task's config names a subset.
func TestLMEvalDatasetLabel(t *testing.T) {
	t.Parallel()
	p, err := Read(gate.Source{Slot: "r", Format: FormatLMEval}, []byte(`{"results": {"a": {"acc,none": 0.1}, "b": {"acc,none": 0.2}, "c": {"acc,none": 0.3}}, "versions": {"a": 1},
 "configs": {"a": {"dataset_path": "cais/mmlu", "dataset_name": "astronomy"}, "b": {"dataset_path": "gsm8k", "dataset_name": ""}, "c": {"dataset_path": "wikitext", "dataset_name": null}}}`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, in := range p.Instances {
		for _, l := range in.Labels {
			if l.Key == "dataset" {
				got[in.Address] = l.Value
			}
		}
	}
	want := map[string]string{"llm.a.acc": "cais/mmlu:astronomy", "llm.b.acc": "gsm8k", "llm.c.acc": "wikitext"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: dataset %q; want %q", k, got[k], v)
		}
	}
}

// lm-evaluation-harness samples: a byte order mark before the first line
// and blank lines are skipped, and every sample keeps the number of its own
// line in its source.
func TestLMEvalSamplesBlankLines(t *testing.T) {
	t.Parallel()
	data := "\xEF\xBB\xBF" + `{"doc_id": 0, "metrics": ["acc"], "acc": 1.0}` + "\n\n" + `{"doc_id": 1, "metrics": ["acc"], "acc": 0.0}` + "\n"
	p, err := Read(gate.Source{Slot: "s", URI: "samples_t_2026-01-01T00-00-00.1.jsonl"}, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range p.Instances {
		got = append(got, in.Source+" = "+strconv.FormatFloat(in.Value, 'g', -1, 64))
	}
	if want := []string{"s: line 1 acc = 1", "s: line 3 acc = 0"}; strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("Read = %q; want %q", got, want)
	}
}

// lm-evaluation-harness samples: a doc_id is a number or a string; any
// other doc_id is refused.
func TestLMEvalSamplesDocID(t *testing.T) {
	t.Parallel()
	src := gate.Source{Slot: "s", URI: "samples_t_2026-01-01T00-00-00.1.jsonl"}
	p, err := Read(src, []byte(`{"doc_id": "q-7", "metrics": ["acc"], "acc": 1.0}`+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Instances) != 1 || gate.LabelString(p.Instances[0].Labels) != "doc_id=q-7 task=t" {
		t.Errorf("Read = %+v; want one item of doc q-7", p.Instances)
	}
	for _, id := range []string{"true", "null", "[1]"} {
		_, err := Read(src, []byte(`{"doc_id": `+id+`, "metrics": ["acc"], "acc": 1.0}`+"\n"))
		if err == nil || !strings.Contains(err.Error(), "line 1: sample has no doc_id") {
			t.Errorf("doc_id %s: err = %v; want it refused", id, err)
		}
	}
}

// A samples file whose first line holds only a byte order mark reads as
// a blank first line.
func TestLMEvalSamplesBOMLine(t *testing.T) {
	t.Parallel()
	data := "\xEF\xBB\xBF\n" + `{"doc_id": 0, "metrics": ["acc"], "acc": 1.0}` + "\n"
	p, err := Read(gate.Source{Slot: "s", URI: "samples_t_2026-01-01T00-00-00.1.jsonl"}, []byte(data))
	if err != nil || len(p.Instances) != 1 || p.Instances[0].Source != "s: line 2 acc" {
		t.Fatalf("Read = %v, %v; want the sample of line 2", p, err)
	}
}

// promptfooNested is a promptfoo v3 file with one row whose gradingResult
// nests assert-sets levels deep, with one failing assertion at the bottom.
func promptfooNested(levels int) []byte {
	leaf := `[{"pass": false, "score": 0, "assertion": {"type": "equals"}}]`
	for i := 1; i < levels; i++ {
		leaf = `[{"pass": false, "score": 0, "assertion": {"type": "assert-set"}, "componentResults": ` + leaf + `}]`
	}
	return []byte(`{"results": {"version": 3, "results": [
  {"success": false, "failureReason": 1, "prompt": "q", "provider": "echo", "gradingResult": {"pass": false, "score": 0, "componentResults": ` + leaf + `}}],
 "stats": {"successes": 0, "failures": 1}}}`)
}

// Assert-sets nest up to 32 deep and every leaf is counted; deeper is an
// error naming where, never a count that leaves out the failing
// assertions below the cap (which would read as fewer failures).
func TestPromptfooNestedAssertSetsCap(t *testing.T) {
	t.Parallel()
	p, err := Read(gate.Source{Slot: "pf"}, promptfooNested(32))
	if err != nil {
		t.Fatalf("32 levels: %v", err)
	}
	got := "none"
	for _, in := range p.Instances {
		if in.Address == "llm.promptfoo.assert_failures" && len(in.Labels) == 0 {
			got = strconv.FormatFloat(in.Value, 'g', -1, 64)
		}
	}
	if got != "1" {
		t.Errorf("32 levels: assert_failures = %s; want 1, the failing leaf", got)
	}
	_, err = Read(gate.Source{Slot: "pf"}, promptfooNested(33))
	want := "$.results.results[0].gradingResult.componentResults" + strings.Repeat("[0].componentResults", 32) + ": assert-sets nested more than 32 deep"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("33 levels: err = %v; want %q", err, want)
	}
}

// A group's n is the sum over its subtasks, followed down to 32 levels of
// groups; a chain deeper than that has an unknown n (0), so a min_samples
// rule on it is missing (fail closed), never a count of part of the chain.
func TestLMEvalGroupDepthCap(t *testing.T) {
	t.Parallel()
	chain := func(depth int) string {
		var subs []string
		for i := 0; i < depth; i++ {
			subs = append(subs, fmt.Sprintf(`"g%d": ["g%d"]`, i, i+1))
		}
		return fmt.Sprintf(`{"results": {"g0": {"acc,none": 0.5}}, "group_subtasks": {%s}, "n-samples": {"g%d": {"original": 7, "effective": 7}}}`,
			strings.Join(subs, ", "), depth)
	}
	for depth, want := range map[int]int{1: 7, 32: 7, 33: 0} {
		p, err := Read(gate.Source{Slot: "r", Format: FormatLMEval}, []byte(chain(depth)))
		if err != nil {
			t.Fatalf("depth %d: %v", depth, err)
		}
		got := -1
		for _, in := range p.Instances {
			if in.Address == "llm.g0.acc" {
				got = in.N
			}
		}
		if got != want {
			t.Errorf("a group chain %d deep: n = %d; want %d", depth, got, want)
		}
	}
}
