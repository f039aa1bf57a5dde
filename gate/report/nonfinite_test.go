package report

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/modelgate/modelgate/gate"
)

// nonFinite are the ways a report writes a value that is not a finite
// number, with the note each gives.
var nonFinite = []struct{ lit, note string }{
	{`NaN`, "value is a bare NaN token (Python json.dumps of a NaN), not a number"},
	{`Infinity`, "value is a bare Infinity token (Python json.dumps): infinite, not a finite number"},
	{`-Infinity`, "value is a bare -Infinity token (Python json.dumps): infinite, not a finite number"},
	{`"NaN"`, `value is "NaN" (not a number)`},
	{`"nan"`, `value is "nan" (not a number)`},
	{`"Infinity"`, `value is "Infinity": infinite, not a finite number`},
	{`"-Infinity"`, `value is "-Infinity": infinite, not a finite number`},
	{`"inf"`, `value is "inf": infinite, not a finite number`},
	{`"1e999"`, `value is "1e999": infinite, not a finite number`},
	{`1e999`, "value 1e999 is out of the float64 range (not finite)"},
	{`-1E+400`, "value -1E+400 is out of the float64 range (not finite)"},
	{`null`, "value is null"},
}

// TestNonFiniteEverywhere: in every reader, a non-finite value is a
// missing instance whose note says why, never a value; and no instance
// has an infinite value or standard deviation.
func TestNonFiniteEverywhere(t *testing.T) {
	t.Parallel()
	readers := []struct {
		name    string
		src     gate.Source
		doc     string // %v is the value
		address string
		source  string
	}{
		{"quality section", gate.Source{Slot: gate.SlotQuality}, `{"binary_classification_metrics": {"auc": {"value": %v, "standard_deviation": 0.1}}}`,
			"quality.auc", "quality: $.binary_classification_metrics.auc.value"},
		{"quality bare", gate.Source{Slot: gate.SlotQuality}, `{"regression_metrics": {"mse": %v}}`,
			"quality.mse", "quality: $.regression_metrics.mse"},
		{"quality flat", gate.Source{Slot: gate.SlotQuality}, `{"accuracy": {"value": %v}}`,
			"quality.accuracy", "quality: $.accuracy.value"},
		{"bias", gate.Source{Slot: gate.SlotBiasPre}, `{"pre_training_bias_metrics": {"facets": {"G": [{"value_or_threshold": "1", "metrics": [{"name": "CI", "value": %v}]}]}}}`,
			"bias.pre.CI", "bias.pre: $.pre_training_bias_metrics.facets.G[0].metrics[0].value"},
		{"shap", gate.Source{Slot: gate.SlotExplainability}, `{"explanations": {"kernel_shap": {"label0": {"global_shap_values": {"age": %v}}}}}`,
			"shap.age", "explainability: $.explanations.kernel_shap.label0.global_shap_values.age"},
		{"fmeval", gate.Source{Slot: "tox", Format: FormatFmeval}, `[{"eval_name": "toxicity", "dataset_scores": [{"name": "toxicity", "value": %v}]}]`,
			"llm.toxicity.toxicity", "tox: $[0].dataset_scores[0].value"},
		{"json", gate.Source{Slot: "memo", Format: FormatJSON}, `{"rate": %v}`,
			"memo.rate", "memo: $.rate"},
	}
	for _, rd := range readers {
		for _, nf := range nonFinite {
			if rd.name == "json" && nf.lit == "null" {
				continue // generic JSON skips nulls: no instance at all
			}
			t.Run(rd.name+"/"+nf.lit, func(t *testing.T) {
				t.Parallel()
				p, err := Read(rd.src, []byte(strings.Replace(rd.doc, "%v", nf.lit, 1)))
				if err != nil {
					t.Fatal(err)
				}
				var want []gate.Instance
				switch rd.name {
				case "bias":
					want = []gate.Instance{in(rd.address, nanv, nanv, rd.source, nf.note, "facet", "G", "value", "1")}
				case "shap":
					want = []gate.Instance{in(rd.address, nanv, nanv, rd.source, nf.note, "label", "label0")}
				case "quality section":
					want = []gate.Instance{in(rd.address, nanv, 0.1, rd.source, nf.note)}
				default:
					want = []gate.Instance{in(rd.address, nanv, nanv, rd.source, nf.note)}
				}
				if diff := cmp.Diff(want, p.Instances, cmpopts.EquateNaNs()); diff != "" {
					t.Errorf("Read (-want +got):\n%s", diff)
				}
				for _, in := range p.Instances {
					if !in.Missing() || math.IsInf(in.Value, 0) || math.IsInf(in.StdDev, 0) {
						t.Errorf("%s: value %v stddev %v; want a missing value and a finite or NaN stddev", in.Address, in.Value, in.StdDev)
					}
				}
			})
		}
	}
}

// TestStandardDeviations: "NaN", "NA", null and an absent
// standard_deviation mean none (Model Monitor writes "NaN" for one
// sample); an infinite or negative one makes the metric missing, since
// judging the bare value would ignore a spread the report gives.
func TestStandardDeviations(t *testing.T) {
	t.Parallel()
	const src = "quality: $.binary_classification_metrics.auc.value"
	tests := []struct {
		sd   string
		want gate.Instance
	}{
		{`0.02`, in("quality.auc", 0.9, 0.02, src, "")},
		{`"0.02"`, in("quality.auc", 0.9, 0.02, src, "")},
		{`"NaN"`, in("quality.auc", 0.9, nanv, src, "")},
		{`"NA"`, in("quality.auc", 0.9, nanv, src, "")},
		{`NaN`, in("quality.auc", 0.9, nanv, src, "")},
		{`null`, in("quality.auc", 0.9, nanv, src, "")},
		{`"Infinity"`, in("quality.auc", nanv, nanv, src, "standard_deviation Infinity is infinite: the value cannot be judged")},
		{`Infinity`, in("quality.auc", nanv, nanv, src, "standard_deviation Infinity is infinite: the value cannot be judged")},
		{`1e999`, in("quality.auc", nanv, nanv, src, "standard_deviation 1e999 is infinite: the value cannot be judged")},
		{`-0.5`, in("quality.auc", nanv, nanv, src, "standard_deviation -0.5 is negative: not a standard deviation")},
		{`"-1e-3"`, in("quality.auc", nanv, nanv, src, "standard_deviation -0.001 is negative: not a standard deviation")},
	}
	for _, tt := range tests {
		t.Run(tt.sd, func(t *testing.T) {
			t.Parallel()
			doc := `{"binary_classification_metrics": {"auc": {"value": 0.9, "standard_deviation": ` + tt.sd + `}}}`
			p, err := Read(gate.Source{Slot: gate.SlotQuality}, []byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]gate.Instance{tt.want}, p.Instances, cmpopts.EquateNaNs()); diff != "" {
				t.Errorf("Read (-want +got):\n%s", diff)
			}
		})
	}
	// A string is named as written.
	if got := badStdDev(&node{kind: kString, str: "inf"}); got != `standard_deviation inf is infinite: the value cannot be judged` {
		t.Errorf("badStdDev(inf) = %q", got)
	}
}

// TestShapSumOverflow: finite |SHAP| values whose total overflows float64
// make every value of that label missing (shares of an infinite total
// would all be 0 and pass max_share); other labels are unaffected.
func TestShapSumOverflow(t *testing.T) {
	t.Parallel()
	doc := `{"explanations": {"kernel_shap": {
	  "label0": {"global_shap_values": {"a": 1.7e308, "b": -1.7e308, "c": NaN}},
	  "label1": {"global_shap_values": {"a": 0.5}}}}}`
	p, err := Read(gate.Source{Slot: gate.SlotExplainability}, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	const pre = "explainability: $.explanations.kernel_shap."
	const over = "the |SHAP| values of label label0 add up to more than a float64 holds; its importances cannot be compared"
	want := []gate.Instance{
		in("shap.a", nanv, nanv, pre+"label0.global_shap_values.a", over, "label", "label0"),
		in("shap.b", nanv, nanv, pre+"label0.global_shap_values.b", over, "label", "label0"),
		in("shap.c", nanv, nanv, pre+"label0.global_shap_values.c", "value is a bare NaN token (Python json.dumps of a NaN), not a number", "label", "label0"),
		in("shap.a", 0.5, nanv, pre+"label1.global_shap_values.a", "", "label", "label1"),
	}
	if diff := cmp.Diff(want, p.Instances, cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("Read (-want +got):\n%s", diff)
	}
}
