package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/modelgate/modelgate/gate"
)

func amb(paths ...string) string {
	times := fmt.Sprintf("%d times", len(paths))
	if len(paths) == 2 {
		times = "twice"
	}
	return "ambiguous: the report gives this metric " + times + ", at " + strings.Join(paths, ", ") + "; which value to judge is not clear"
}

// TestAmbiguousMetrics: a metric the report gives at two JSON paths is one
// missing instance naming both paths, in every reader; never one of the two
// values. Files are invented: no producer writes them, a hand-edited or
// hostile file does.
func TestAmbiguousMetrics(t *testing.T) {
	t.Parallel()
	const q = "quality: "
	tests := []struct {
		name string
		src  gate.Source
		data string
		want []gate.Instance
	}{
		{"quality: top level and section", gate.Source{Slot: gate.SlotQuality},
			`{"version": 0.0, "auc": 0.99, "binary_classification_metrics": {"auc": {"value": 0.5, "standard_deviation": 0.01}, "f1": {"value": 0.8}}}`,
			[]gate.Instance{
				in("quality.auc", nanv, nanv, q+"$.binary_classification_metrics.auc.value",
					amb("$.binary_classification_metrics.auc.value", "$.auc")),
				in("quality.f1", 0.8, nanv, q+"$.binary_classification_metrics.f1.value", ""),
			}},
		{"quality: equal values are still ambiguous", gate.Source{Slot: gate.SlotQuality},
			`{"regression_metrics": {"mse": {"value": 4.9}}, "mse": {"value": 4.9}}`,
			[]gate.Instance{
				in("quality.mse", nanv, nanv, q+"$.regression_metrics.mse.value",
					amb("$.regression_metrics.mse.value", "$.mse.value")),
			}},
		{"quality: two sections", gate.Source{Slot: gate.SlotQuality},
			`{"binary_classification_metrics": {"accuracy": {"value": 0.9}}, "classification_metrics": {"accuracy": 0.4, "validation:auc": 0.7}}`,
			[]gate.Instance{
				in("quality.accuracy", nanv, nanv, q+"$.binary_classification_metrics.accuracy.value",
					amb("$.binary_classification_metrics.accuracy.value", "$.classification_metrics.accuracy")),
				in(`quality."validation:auc"`, 0.7, nanv, q+`$.classification_metrics["validation:auc"]`, ""),
			}},
		{"quality: three places", gate.Source{Slot: gate.SlotQuality},
			`{"a_metrics": {"r2": 0.1}, "b_metrics": {"r2": 0.2}, "r2": 0.3}`,
			[]gate.Instance{
				in("quality.r2", nanv, nanv, q+"$.a_metrics.r2", amb("$.a_metrics.r2", "$.b_metrics.r2", "$.r2")),
			}},
		{"quality: a top-level metric beside a section is read", gate.Source{Slot: gate.SlotQuality},
			`{"accuracy": 0.93, "regression_metrics": {"mse": {"value": 1}}, "model": "xgb"}`,
			[]gate.Instance{
				in("quality.mse", 1, nanv, q+"$.regression_metrics.mse.value", ""),
				in("quality.accuracy", 0.93, nanv, q+"$.accuracy", ""),
			}},
		{"bias: one facet value twice", gate.Source{Slot: gate.SlotBiasPost},
			`{"post_training_bias_metrics": {"facets": {"Gender": [
				{"value_or_threshold": "0", "metrics": [{"name": "DI", "value": 0.5}]},
				{"value_or_threshold": "0", "metrics": [{"name": "DI", "value": 1.0}]},
				{"value_or_threshold": "1", "metrics": [{"name": "DI", "value": 0.9}]}]}}}`,
			[]gate.Instance{
				in("bias.post.DI", nanv, nanv, "bias.post: $.post_training_bias_metrics.facets.Gender[0].metrics[0].value",
					amb("$.post_training_bias_metrics.facets.Gender[0].metrics[0].value", "$.post_training_bias_metrics.facets.Gender[1].metrics[0].value"),
					"facet", "Gender", "value", "0"),
				in("bias.post.DI", 0.9, nanv, "bias.post: $.post_training_bias_metrics.facets.Gender[2].metrics[0].value", "", "facet", "Gender", "value", "1"),
			}},
		{"bias: one metric twice in a group", gate.Source{Slot: gate.SlotBiasPre},
			`{"pre_training_bias_metrics": {"facets": {"Age": [{"value_or_threshold": "(40, 90]", "metrics": [{"name": "CI", "value": 0.1}, {"name": "CI", "value": 0.7}]}]}}}`,
			[]gate.Instance{
				in("bias.pre.CI", nanv, nanv, "bias.pre: $.pre_training_bias_metrics.facets.Age[0].metrics[0].value",
					amb("$.pre_training_bias_metrics.facets.Age[0].metrics[0].value", "$.pre_training_bias_metrics.facets.Age[0].metrics[1].value"),
					"facet", "Age", "value", "(40, 90]"),
			}},
		{"bias: groups without value_or_threshold", gate.Source{Slot: gate.SlotBiasPre},
			`{"pre_training_bias_metrics": {"facets": {"Age": [{"metrics": [{"name": "CI", "value": 0.1}]}, {"metrics": [{"name": "CI", "value": 0.2}]}]}}}`,
			[]gate.Instance{
				in("bias.pre.CI", nanv, nanv, "bias.pre: $.pre_training_bias_metrics.facets.Age[0].metrics[0].value",
					amb("$.pre_training_bias_metrics.facets.Age[0].metrics[0].value", "$.pre_training_bias_metrics.facets.Age[1].metrics[0].value"),
					"facet", "Age"),
			}},
		{"fmeval list: one evaluation of one dataset twice", gate.Source{Slot: "tox", Format: FormatFmeval},
			`[{"eval_name": "toxicity", "dataset_name": "rtp", "dataset_scores": [{"name": "toxicity", "value": 0.01}]},
			  {"eval_name": "toxicity", "dataset_name": "rtp", "dataset_scores": [{"name": "toxicity", "value": 0.9}]},
			  {"eval_name": "toxicity", "dataset_name": "bold", "dataset_scores": [{"name": "toxicity", "value": 0.02}]}]`,
			[]gate.Instance{
				in("llm.toxicity.toxicity", nanv, nanv, "tox: $[0].dataset_scores[0].value",
					amb("$[0].dataset_scores[0].value", "$[1].dataset_scores[0].value"), "dataset", "rtp"),
				in("llm.toxicity.toxicity", 0.02, nanv, "tox: $[2].dataset_scores[0].value", "", "dataset", "bold"),
			}},
		{"fmeval grouped: one evaluation in two groups", gate.Source{Slot: "evals"},
			`{"toxicity": [{"eval_name": "toxicity", "dataset_scores": [{"name": "toxicity", "value": 0.01}]}],
			  "other": [{"eval_name": "toxicity", "dataset_scores": [{"name": "toxicity", "value": 0.5}]}]}`,
			[]gate.Instance{
				in("llm.toxicity.toxicity", nanv, nanv, "evals: $.toxicity[0].dataset_scores[0].value",
					amb("$.toxicity[0].dataset_scores[0].value", "$.other[0].dataset_scores[0].value")),
			}},
		{"fmeval: one score twice, one category twice", gate.Source{Slot: "qa", Format: FormatFmeval},
			`{"eval_name": "qa_accuracy", "dataset_name": "boolq",
			  "dataset_scores": [{"name": "f1_score", "value": 0.1}, {"name": "f1_score", "value": 0.8}],
			  "category_scores": [{"name": "a", "scores": [{"name": "f1_score", "value": 0.2}]}, {"name": "a", "scores": [{"name": "f1_score", "value": 0.3}]}]}`,
			[]gate.Instance{
				in("llm.qa_accuracy.f1_score", nanv, nanv, "qa: $.dataset_scores[0].value",
					amb("$.dataset_scores[0].value", "$.dataset_scores[1].value"), "dataset", "boolq"),
				in("llm.qa_accuracy.f1_score", nanv, nanv, "qa: $.category_scores[0].scores[0].value",
					amb("$.category_scores[0].scores[0].value", "$.category_scores[1].scores[0].value"), "category", "a", "dataset", "boolq"),
			}},
		{"fmeval: EvalOutput beside an evaluations list", gate.Source{Slot: "fk"},
			`{"evaluations": [{"evaluation_name": "factual_knowledge", "dataset_name": "trex", "dataset_scores": [{"name": "factual_knowledge", "value": 0.2}]}],
			  "eval_name": "factual_knowledge", "dataset_name": "trex", "dataset_scores": [{"name": "factual_knowledge", "value": 0.95}]}`,
			[]gate.Instance{
				in("llm.factual_knowledge.factual_knowledge", nanv, nanv, "fk: $.evaluations[0].dataset_scores[0].value",
					amb("$.evaluations[0].dataset_scores[0].value", "$.dataset_scores[0].value"), "dataset", "trex"),
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := Read(tt.src, []byte(tt.data))
			if err != nil {
				t.Fatalf("Read = %v", err)
			}
			if diff := cmp.Diff(tt.want, p.Instances, cmpopts.EquateNaNs()); diff != "" {
				t.Errorf("Read (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAmbiguousNoteIsBounded: a metric given a thousand times lists four
// paths and the count, not a thousand paths.
func TestAmbiguousNoteIsBounded(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(`{"post_training_bias_metrics": {"facets": {"G": [`)
	for i := range 1000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"metrics": [{"name": "DI", "value": %d}]}`, i)
	}
	b.WriteString(`]}}}`)
	p, err := Read(gate.Source{Slot: "b", Format: FormatClarifyBias}, []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Instances) != 1 {
		t.Fatalf("Read = %d instances; want 1", len(p.Instances))
	}
	const pre = "$.post_training_bias_metrics.facets.G"
	want := "ambiguous: the report gives this metric 1000 times, at " + pre + "[0].metrics[0].value, " + pre + "[1].metrics[0].value, " +
		pre + "[2].metrics[0].value, " + pre + "[3].metrics[0].value, ...; which value to judge is not clear"
	if got := p.Instances[0]; !got.Missing() || got.Note != want {
		t.Errorf("Read = %v %q; want missing with note %q", got.Value, got.Note, want)
	}
}

// TestMarkAmbiguousDistinctLabels: labels tell instances of one address
// apart; only an equal address and equal labels are a duplicate.
func TestMarkAmbiguousDistinctLabels(t *testing.T) {
	t.Parallel()
	out := []gate.Instance{
		in("shap.a", 0.1, nanv, "e: $.x", "", "label", "label0"),
		in("shap.a", 0.2, nanv, "e: $.y", "", "label", "label1"),
		in("shap.a", 0.3, nanv, "e: $.z", "", "label", "label0"),
	}
	got := markAmbiguous(out, "e")
	want := []gate.Instance{
		in("shap.a", nanv, nanv, "e: $.x", amb("$.x", "$.z"), "label", "label0"),
		in("shap.a", 0.2, nanv, "e: $.y", "", "label", "label1"),
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("markAmbiguous (-want +got):\n%s", diff)
	}
}

// TestAmbiguousIdentity: an object that names its group or its evaluation
// twice, differently, is an error naming both paths; a value beside an
// error is missing.
func TestAmbiguousIdentity(t *testing.T) {
	t.Parallel()
	errs := []struct {
		name string
		src  gate.Source
		data string
		want string
	}{
		{"bias group twice", gate.Source{Slot: gate.SlotBiasPost},
			`{"post_training_bias_metrics": {"facets": {"G": [{"value_or_threshold": "1", "group_variable": "age", "group": "zip", "metrics": []}]}}}`,
			`report bias.post: $.post_training_bias_metrics.facets.G[0]: group_variable "age" and group "zip" name different group variables ($.post_training_bias_metrics.facets.G[0].group_variable, $.post_training_bias_metrics.facets.G[0].group); which one is meant is ambiguous`},
		{"bias section group twice", gate.Source{Slot: gate.SlotBiasPre},
			`{"pre_training_bias_metrics": {"group_variable": "a", "group": "b", "facets": {}}}`,
			`report bias.pre: $.pre_training_bias_metrics: group_variable "a" and group "b" name different group variables ($.pre_training_bias_metrics.group_variable, $.pre_training_bias_metrics.group); which one is meant is ambiguous`},
		{"fmeval name twice", gate.Source{Slot: "e", Format: FormatFmeval},
			`[{"eval_name": "toxicity", "evaluation_name": "qa_accuracy", "dataset_scores": [{"name": "toxicity", "value": 0.1}]}]`,
			`report e: $[0]: eval_name "toxicity" and evaluation_name "qa_accuracy" name different evaluations ($[0].eval_name, $[0].evaluation_name); which one is meant is ambiguous`},
	}
	for _, tt := range errs {
		if _, err := Read(tt.src, []byte(tt.data)); err == nil || err.Error() != tt.want {
			t.Errorf("%s: Read = %v\nwant %s", tt.name, err, tt.want)
		}
	}
	// The same name twice is not ambiguous.
	p, err := Read(gate.Source{Slot: "e", Format: FormatFmeval}, []byte(`[{"eval_name": "toxicity", "evaluation_name": "toxicity", "dataset_scores": [{"name": "toxicity", "value": 0.1}]}]`))
	if err != nil || len(p.Instances) != 1 || p.Instances[0].Address != "llm.toxicity.toxicity" || p.Instances[0].Value != 0.1 {
		t.Errorf("Read(eval_name = evaluation_name) = %v, %v", p, err)
	}

	missing := []struct {
		name string
		src  gate.Source
		data string
		want gate.Instance
	}{
		{"bias value and error", gate.Source{Slot: gate.SlotBiasPost},
			`{"post_training_bias_metrics": {"facets": {"G": [{"value_or_threshold": "1", "metrics": [{"name": "DI", "value": 1.0, "error": "Group is empty"}]}]}}}`,
			in("bias.post.DI", nanv, nanv, "bias.post: $.post_training_bias_metrics.facets.G[0].metrics[0].value", `the report gives a value and the error "Group is empty"`, "facet", "G", "value", "1")},
		{"fmeval value and error", gate.Source{Slot: "e", Format: FormatFmeval},
			`[{"eval_name": "toxicity", "dataset_scores": [{"name": "toxicity", "value": 0.01, "error": "model failed on 40% of records"}]}]`,
			in("llm.toxicity.toxicity", nanv, nanv, "e: $[0].dataset_scores[0].value", `the report gives a value and the error "model failed on 40% of records"`)},
	}
	for _, tt := range missing {
		p, err := Read(tt.src, []byte(tt.data))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if diff := cmp.Diff([]gate.Instance{tt.want}, p.Instances, cmpopts.EquateNaNs()); diff != "" {
			t.Errorf("%s: Read (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestAmbiguousFormat: a named report with the shape of two formats is an
// error (read as one, the other part would be dropped); Clarify's bias and
// explanations in one file is not.
func TestAmbiguousFormat(t *testing.T) {
	t.Parallel()
	data := `{"post_training_bias_metrics": {"facets": {"G": [{"value_or_threshold": "1", "metrics": [{"name": "DI", "value": 0.9}]}]}},
	  "violations": [{"feature_name": "age", "constraint_check_type": "data_type_check"}]}`
	_, err := Read(gate.Source{Slot: "mixed"}, []byte(data))
	want := "report mixed: $: this report has the shape of both a Clarify bias analysis.json and a Model Monitor constraint_violations.json " +
		"(pre_training_bias_metrics or post_training_bias_metrics; a violations list); which to read is ambiguous: say it with format:"
	if err == nil || err.Error() != want {
		t.Errorf("Read(bias + violations) = %v\nwant %s", err, want)
	}
	// format: says which.
	p, err := Read(gate.Source{Slot: "mixed", Format: FormatViolations}, []byte(data))
	if err != nil || p.Format != FormatViolations {
		t.Errorf("Read(format: monitor-violations) = %v, %v", p, err)
	}
	// Bias with explanations reads both.
	p, err = Read(gate.Source{Slot: "clarify"}, []byte(`{"pre_training_bias_metrics": {"facets": {}}, "explanations": {"kernel_shap": {"l": {"global_shap_values": {"a": 1}}}}}`))
	if err != nil || p.Format != FormatClarifyBias || len(p.Instances) != 1 || p.Instances[0].Address != "shap.a" {
		t.Errorf("Read(bias + explanations) = %+v, %v; want clarify-bias with shap.a", p, err)
	}
}
