package report

import (
	"bytes"
	"fmt"
	"os"
	"testing"
	"unsafe"

	"github.com/modelgate/modelgate/gate"
)

// hostileSizes are inputs at the size cap (gate.MaxReportBytes) built to
// cost the most time or memory for each reader: the most values, the
// longest string, the deepest nesting, the most keys, the most instances.
// TestHostileSizes reads each one and checks the outcome; with
// MODELGATE_BIG_SHAP_DIR set, TestWriteBigShap also writes them there for a
// peak-RSS measurement of each with TestReadBigFile.
var hostileSizes = []struct {
	name string
	src  gate.Source
	gen  func() []byte
	// err is the error Read must give, or "" for a report that reads.
	err string
}{
	{"numbers", gate.Source{Slot: "r", Format: FormatJSON}, func() []byte { return fill("[", "0,", "0]") },
		"report r: $[1999999]: not valid JSON: line 1 col 4000000: more than 2000000 JSON values; this is not a metrics report modelgate reads"},
	{"keys", gate.Source{Slot: "r"}, func() []byte {
		return fillN("{", func(i int) string { return fmt.Sprintf(`"k%d":%d,`, i, i%10) }, `"end":0}`)
	},
		"report r: $.k999999: not valid JSON: line 1 col 14888896: more than 2000000 JSON values; this is not a metrics report modelgate reads"},
	{"string", gate.Source{Slot: "r"}, func() []byte { return fill(`{"a": "`, "x", `"}`) }, ""},
	{"deep", gate.Source{Slot: "r"}, func() []byte { return fill("", "[", "") },
		"report r: $[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]: not valid JSON: line 1 col 129: nested deeper than 128 levels"},
	{"shap-features", gate.Source{Slot: gate.SlotExplainability}, func() []byte {
		return fillN(`{"explanations": {"kernel_shap": {"label0": {"global_shap_values": {`, func(i int) string { return fmt.Sprintf(`"f%d":0.001,`, i) }, `"end":0}}}}}`)
	}, "report explainability: $.explanations.kernel_shap.label0.global_shap_values: an object of more than 500000 keys; this is not a metrics report modelgate reads"},
	{"shap-labels", gate.Source{Slot: gate.SlotExplainability}, func() []byte {
		return fillN(`{"explanations": {"kernel_shap": {`, func(i int) string { return fmt.Sprintf(`"l%d":{"global_shap_values":{"a":0.1,"b":0.2}},`, i) }, `"end":{"global_shap_values":{}}}}}`)
	}, "report explainability: $: 1000000 metric instances is more than the 500000 a report may give; this is not a metrics report modelgate reads"},
	{"bias-metrics", gate.Source{Slot: gate.SlotBiasPost}, func() []byte {
		return fillN(`{"post_training_bias_metrics": {"facets": {"G": [`, func(i int) string {
			return fmt.Sprintf(`{"value_or_threshold":"%d","metrics":[{"name":"DI","value":0.9}]},`, i)
		}, `{"value_or_threshold":"x","metrics":[]}]}}}`)
	}, ""},
	{"fmeval-scores", gate.Source{Slot: "f", Format: FormatFmeval}, func() []byte {
		return fillN(`[{"eval_name":"toxicity","dataset_scores":[`, func(i int) string { return fmt.Sprintf(`{"name":"s%d","value":0.1},`, i) }, `{"name":"z","value":0}]}]`)
	}, ""},
	{"violations", gate.Source{Slot: "v", Format: FormatViolations}, func() []byte {
		return fillN(`{"violations": [`, func(i int) string {
			return fmt.Sprintf(`{"feature_name":"f%d","constraint_check_type":"data_type_check","description":"x"},`, i)
		}, `{"constraint_check_type":"x"}]}`)
	}, ""},
	{"quality-metrics", gate.Source{Slot: gate.SlotQuality}, func() []byte {
		return fillN(`{"regression_metrics": {`, func(i int) string { return fmt.Sprintf(`"m%d":{"value":0.5,"standard_deviation":0.1},`, i) }, `"z":0}}`)
	}, ""},
}

// fill repeats unit between head and tail up to the size cap.
func fill(head, unit, tail string) []byte {
	n := (gate.MaxReportBytes - len(head) - len(tail)) / len(unit)
	var b bytes.Buffer
	b.Grow(gate.MaxReportBytes)
	b.WriteString(head)
	for range n {
		b.WriteString(unit)
	}
	b.WriteString(tail)
	return b.Bytes()
}

// fillN writes unit(i) for i = 0, 1, ... between head and tail up to the
// size cap.
func fillN(head string, unit func(int) string, tail string) []byte {
	var b bytes.Buffer
	b.Grow(gate.MaxReportBytes)
	b.WriteString(head)
	for i := 0; ; i++ {
		u := unit(i)
		if b.Len()+len(u)+len(tail) > gate.MaxReportBytes {
			break
		}
		b.WriteString(u)
	}
	b.WriteString(tail)
	return b.Bytes()
}

// TestHostileSizes: each input at the size cap reads, or fails with the
// expected error, instead of costing unbounded time or memory.
func TestHostileSizes(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MiB inputs")
	}
	for _, h := range hostileSizes {
		t.Run(h.name, func(t *testing.T) {
			data := h.gen()
			if len(data) > gate.MaxReportBytes {
				t.Fatalf("generated %d bytes", len(data))
			}
			p, err := Read(h.src, data)
			if h.err != "" {
				if err == nil || err.Error() != h.err {
					t.Fatalf("Read = %v; want %s", err, h.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Read = %v", err)
			}
			if len(p.Instances) == 0 {
				t.Fatalf("Read = no instances")
			}
		})
	}
}

func writeHostile(t *testing.T, dir string) {
	for _, h := range hostileSizes {
		if err := os.WriteFile(dir+"/hostile-"+h.name+".json", h.gen(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestNodeSize: a parsed value costs 48 bytes (a report at the size cap
// may hold two million of them).
func TestNodeSize(t *testing.T) {
	t.Parallel()
	if got := unsafe.Sizeof(node{}); got > 48 {
		t.Errorf("node is %d bytes; want at most 48", got)
	}
}
