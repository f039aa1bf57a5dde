package report

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/modelgate/modelgate/gate"
)

// lazyDoc is an explainability report whose lazy parts (pdp,
// global_top_shap_text, global_shap_values) hold every kind of value.
const lazyDoc = `{"version": "1.0", "explanations": {
  "kernel_shap": {"label0": {
    "global_shap_values": {"a": 0.5, "b c": -0.25, "\u0064": 1E-1, "nan": NaN, "inf": "Infinity", "obj": {"x": 1}, "arr": [1], "s": "0.125", "big": 1e999, "t": true, "n": null, "": 3},
    "expected_value": 0.1,
    "global_top_shap_text": {"review": {"good": 0.2, "bad": -0.1}}}},
  "pdp": [{"feature_name": "a", "data_distribution": [0.5, 0.5], "feature_values": [1, "x"], "model_predictions": [[0.1, NaN]], "label_headers": ["label0"]}]}}`

// TestLazyExplainability: the streamed global_shap_values give the same
// values and notes as built ones would, in document order.
func TestLazyExplainability(t *testing.T) {
	t.Parallel()
	p, err := Read(gate.Source{Slot: gate.SlotExplainability}, []byte(lazyDoc))
	if err != nil {
		t.Fatal(err)
	}
	const pre = "explainability: $.explanations.kernel_shap.label0.global_shap_values"
	l := []string{"label", "label0"}
	want := []gate.Instance{
		in("shap.a", 0.5, nanv, pre+".a", "", l...),
		in(`shap."b c"`, -0.25, nanv, pre+`["b c"]`, "", l...),
		in("shap.d", 0.1, nanv, pre+".d", "", l...),
		in("shap.nan", nanv, nanv, pre+".nan", "value is a bare NaN token (Python json.dumps of a NaN), not a number", l...),
		in("shap.inf", nanv, nanv, pre+".inf", `value is "Infinity": infinite, not a finite number`, l...),
		in("shap.obj", nanv, nanv, pre+".obj", "value is an object, not a number", l...),
		in("shap.arr", nanv, nanv, pre+".arr", "value is an array, not a number", l...),
		in("shap.s", 0.125, nanv, pre+".s", "", l...),
		in("shap.big", nanv, nanv, pre+".big", "value 1e999 is out of the float64 range (not finite)", l...),
		in("shap.t", nanv, nanv, pre+".t", "value is the boolean true, not a number", l...),
		in("shap.n", nanv, nanv, pre+".n", "value is null", l...),
	}
	if diff := cmp.Diff(want, p.Instances, cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("Read (-want +got):\n%s", diff)
	}
}

// TestLazyGeneric: read as generic JSON, the lazy parts are expanded and
// every numeric leaf is an instance, pdp included.
func TestLazyGeneric(t *testing.T) {
	t.Parallel()
	p, err := Read(gate.Source{Slot: "x", Format: FormatJSON}, []byte(lazyDoc))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, in := range p.Instances {
		got[in.Address] = in.Source + " " + fmtFloat(in.Value)
	}
	for addr, want := range map[string]string{
		"x.explanations.kernel_shap.label0.global_shap_values.a":            "x: $.explanations.kernel_shap.label0.global_shap_values.a 0.5",
		"x.explanations.kernel_shap.label0.global_top_shap_text.review.bad": "x: $.explanations.kernel_shap.label0.global_top_shap_text.review.bad -0.1",
		"x.explanations.pdp.0.model_predictions.0.0":                        "x: $.explanations.pdp[0].model_predictions[0][0] 0.1",
		"x.explanations.pdp.0.model_predictions.0.1":                        "x: $.explanations.pdp[0].model_predictions[0][1] NaN",
		"x.explanations.pdp.0.feature_values.0":                             "x: $.explanations.pdp[0].feature_values[0] 1",
		"x.explanations.kernel_shap.label0.expected_value":                  "x: $.explanations.kernel_shap.label0.expected_value 0.1",
	} {
		if got[addr] != want {
			t.Errorf("%s = %q; want %q", addr, got[addr], want)
		}
	}
	if len(p.Instances) != 18 {
		t.Errorf("Read = %d instances; want 18", len(p.Instances))
	}
}

// TestLazyStrictness: lazy parts are checked as strictly as built ones,
// with the JSON path of the problem: duplicate keys, bad syntax, depth.
func TestLazyStrictness(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat("[", 130) + strings.Repeat("]", 130)
	tests := []struct{ name, data, want string }{
		{"duplicate in pdp", `{"explanations": {"kernel_shap": {"l": {"global_shap_values": {"a": 1}}}, "pdp": [{"feature_name": "a", "feature_name": "b"}]}}`,
			`report explainability: $.explanations.pdp[0].feature_name: not valid JSON: line 1 col 124: duplicate key "feature_name": the report gives it twice, so which value to judge is ambiguous`},
		{"duplicate feature", `{"explanations": {"kernel_shap": {"l": {"global_shap_values": {"a": 1, "b": 2, "a": 0}}}}}`,
			`report explainability: $.explanations.kernel_shap.l.global_shap_values.a: not valid JSON: line 1 col 86: duplicate key "a": the report gives it twice, so which value to judge is ambiguous`},
		{"escaped duplicate feature", `{"explanations": {"kernel_shap": {"l": {"global_shap_values": {"a": 1, "\u0061": 0}}}}}`,
			`report explainability: $.explanations.kernel_shap.l.global_shap_values.a: not valid JSON: line 1 col 83: duplicate key "a": the report gives it twice, so which value to judge is ambiguous`},
		{"duplicate in a large lazy object", `{"explanations": {"kernel_shap": {"l": {"global_shap_values": {` + manyKeys(40) + `, "k7": 0}}}}}`,
			`report explainability: $.explanations.kernel_shap.l.global_shap_values.k7: not valid JSON: line 1 col 491: duplicate key "k7": the report gives it twice, so which value to judge is ambiguous`},
		{"bad number in pdp", `{"explanations": {"kernel_shap": {}, "pdp": [[1, 2, 01]]}}`,
			`report explainability: $.explanations.pdp[0]: not valid JSON: line 1 col 54: unexpected character '1' in an array; want ',' or ']'`},
		{"bad escape in text", `{"explanations": {"kernel_shap": {"l": {"global_shap_values": {}, "global_top_shap_text": {"t": {"\x": 1}}}}}}`,
			`report explainability: $.explanations.kernel_shap.l.global_top_shap_text.t: not valid JSON: line 1 col 98: bad string literal: invalid character 'x' in string escape code`},
		{"deep pdp", `{"explanations": {"kernel_shap": {}, "pdp": ` + deep + `}}`,
			"report explainability: $.explanations.pdp" + strings.Repeat("[0]", 126) + ": not valid JSON: line 1 col 171: nested deeper than 128 levels"},
		{"unclosed", `{"explanations": {"kernel_shap": {"l": {"global_shap_values": {"a": 1`,
			`report explainability: $.explanations.kernel_shap.l.global_shap_values: not valid JSON: line 1 col 70: unexpected end of file in an object; want ',' or '}'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Read(gate.Source{Slot: gate.SlotExplainability}, []byte(tt.data))
			if err == nil || err.Error() != tt.want {
				t.Errorf("Read = %v\nwant %s", err, tt.want)
			}
			// The same error as when every value is built.
			_, full := parseJSON([]byte(tt.data))
			se, ok := full.(*syntaxError)
			if !ok {
				t.Fatalf("parseJSON = %v; want a syntax error", full)
			}
			if built := "report explainability: " + se.path + ": not valid JSON: " + se.Error(); built != tt.want {
				t.Errorf("built: %s\nwant   %s", built, tt.want)
			}
		})
	}
}

func manyKeys(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`"k` + itoa(i) + `": ` + itoa(i))
	}
	return b.String()
}

// TestLazyNamedCombined: a named Clarify file with bias and explanations
// reads both, its lazy SHAP values included.
func TestLazyNamedCombined(t *testing.T) {
	t.Parallel()
	data := `{"post_training_bias_metrics": {"facets": {"G": [{"value_or_threshold": "1", "metrics": [{"name": "DI", "value": 0.9}]}]}},
	  "explanations": {"kernel_shap": {"label0": {"global_shap_values": {"age": 0.3}}}, "pdp": [[1]]}}`
	p, err := Read(gate.Source{Slot: "clarify"}, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := []gate.Instance{
		in("bias.post.DI", 0.9, nanv, "clarify: $.post_training_bias_metrics.facets.G[0].metrics[0].value", "", "facet", "G", "value", "1"),
		in("shap.age", 0.3, nanv, "clarify: $.explanations.kernel_shap.label0.global_shap_values.age", "", "label", "label0"),
	}
	if diff := cmp.Diff(want, p.Instances, cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("Read (-want +got):\n%s", diff)
	}
}

// TestAppendSegQuotesLikeJSON: the fast path of appendSeg quotes keys as
// json.Marshal does.
func TestAppendSegQuotesLikeJSON(t *testing.T) {
	t.Parallel()
	for _, k := range []string{"a b", "Marital Status", "é", "a<b", "a&b", "x\u2028y", "tab\t", `q"`, `b\`, "\xff", "0.79", "日本"} {
		q, _ := json.Marshal(k)
		want := "[" + string(q) + "]"
		if got := string(appendSeg(nil, pathSeg{key: k, isKey: true})); got != want {
			t.Errorf("appendSeg(%q) = %s; want %s", k, got, want)
		}
	}
	if got := string(appendSeg(nil, pathSeg{key: "ok_1", isKey: true})); got != ".ok_1" {
		t.Errorf("appendSeg(ok_1) = %s", got)
	}
	if got := string(appendSeg(nil, pathSeg{index: 12})); got != "[12]" {
		t.Errorf("appendSeg(12) = %s", got)
	}
}

// TestLazyEqualsBuilt: a generated explainability report, pdp and text
// tokens included, reads the same lazily as with every value built, as the
// explainability slot, as a named report and as generic JSON.
func TestLazyEqualsBuilt(t *testing.T) {
	t.Parallel()
	data := shapGen{labels: 3, features: 200, pdpFeatures: 10, grid: 5, textTokens: 7}.bytes()
	for _, src := range []gate.Source{{Slot: gate.SlotExplainability}, {Slot: "clarify"}, {Slot: "raw", Format: FormatJSON}} {
		lazy, err := read(src, data, true)
		if err != nil {
			t.Fatal(err)
		}
		built, err := read(src, data, false)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(built, lazy, cmpopts.EquateNaNs()); diff != "" {
			t.Errorf("%s: lazy differs from built (-built +lazy):\n%s", src.Slot, diff)
		}
		if want := map[string]int{gate.SlotExplainability: 600, "clarify": 600, "raw": 600 + 3 + 3*7 + 10*(5+5+3*5) + 1}[src.Slot]; len(lazy.Instances) != want {
			t.Errorf("%s: %d instances; want %d", src.Slot, len(lazy.Instances), want)
		}
	}
}
