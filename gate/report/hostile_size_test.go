package report

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
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
	// first is the first instance of a report that reads, and count the
	// number of instances.
	first string
	count int
}{
	{name: "numbers", src: gate.Source{Slot: "r", Format: FormatJSON}, gen: func() []byte { return fill("[", "0,", "0]") },
		err: "report r: $[999999]: not valid JSON: line 1 col 2000000: more than 1000000 JSON values; this is not a metrics report modelgate reads"},
	{name: "keys", src: gate.Source{Slot: "r"}, gen: func() []byte { return fillN("{", `"k%d":1,`, `"end":0}`) },
		err: "report r: $: not valid JSON: line 1 col 5888903: an object of more than 500000 keys; this is not a metrics report modelgate reads"},
	{name: "string", src: gate.Source{Slot: "r"}, gen: func() []byte { return fill(`{"a": "`, "1", `"}`) },
		first: `r.a = NaN (r: $.a) "value is \"` + strings.Repeat("1", 60) + `...\": infinite, not a finite number"`, count: 1},
	{name: "number", src: gate.Source{Slot: "r"}, gen: func() []byte { return fill(`{"a": `, "1", `}`) },
		first: `r.a = NaN (r: $.a) "value ` + strings.Repeat("1", 60) + `... is out of the float64 range (not finite)"`, count: 1},
	{name: "deep", src: gate.Source{Slot: "r"}, gen: func() []byte { return fill("", "[", "") },
		err: "report r: $" + strings.Repeat("[0]", 128) + ": not valid JSON: line 1 col 129: nested deeper than 128 levels"},
	{name: "shap-features", src: gate.Source{Slot: gate.SlotExplainability}, gen: func() []byte {
		return fillN(`{"explanations": {"kernel_shap": {"label0": {"global_shap_values": {`, `"f%d":0.001,`, `"end":0}}}}}`)
	}, err: "report explainability: $.explanations.kernel_shap.label0.global_shap_values: not valid JSON: line 1 col 7888974: an object of more than 500000 keys; this is not a metrics report modelgate reads"},
	{name: "shap-labels", src: gate.Source{Slot: gate.SlotExplainability}, gen: func() []byte {
		return fillN(`{"explanations": {"kernel_shap": {`, `"l%d":{"global_shap_values":{"a":0.1,"b":0.2}},`, `"end":{"global_shap_values":{}}}}}`)
	}, err: "report explainability: $.explanations.kernel_shap: not valid JSON: line 1 col 25388975: an object of more than 500000 keys; this is not a metrics report modelgate reads"},
	{name: "shap-instances", src: gate.Source{Slot: gate.SlotExplainability}, gen: func() []byte {
		b := []byte(`{"explanations": {"kernel_shap": {`)
		for l := range 51 {
			b = strconv.AppendInt(append(b, `"l`...), int64(l), 10)
			b = append(b, `": {"global_shap_values": {`...)
			for f := range 10000 {
				b = strconv.AppendInt(append(b, `"f`...), int64(f), 10)
				b = append(b, `": 0.1,`...)
			}
			b = append(b, `"z": 0}},`...)
		}
		return append(b, `"end": {"global_shap_values": {}}}}}`...)
	}, err: "report explainability: $: more than the 500000 metric instances a report may give; this is not a metrics report modelgate reads"},
	{name: "shap-at-cap", src: gate.Source{Slot: gate.SlotExplainability}, gen: bigAtCap.bytes,
		first: "shap.State_0 = 0.06774556596678251 label=label0 (explainability: $.explanations.kernel_shap.label0.global_shap_values.State_0)", count: 480000},
	{name: "bias-metrics", src: gate.Source{Slot: gate.SlotBiasPost}, gen: func() []byte {
		return fillN(`{"post_training_bias_metrics": {"facets": {"G": [`, `{"value_or_threshold":"%d","metrics":[{"name":"DI","value":0.9}]},`, `{"value_or_threshold":"x","metrics":[]}]}}}`)
	}, err: "report bias.post: $.post_training_bias_metrics.facets.G[166666]: not valid JSON: line 1 col 11555560: more than 1000000 JSON values; this is not a metrics report modelgate reads"},
	{name: "fmeval-scores", src: gate.Source{Slot: "f", Format: FormatFmeval}, gen: func() []byte {
		return fillN(`[{"eval_name":"toxicity","dataset_scores":[`, `{"name":"s%d","value":0.1},`, `{"name":"z","value":0}]}]`)
	}, err: "report f: $[0].dataset_scores[333332]: not valid JSON: line 1 col 10222226: more than 1000000 JSON values; this is not a metrics report modelgate reads"},
	{name: "violations", src: gate.Source{Slot: "v", Format: FormatViolations}, gen: func() []byte {
		return fillN(`{"violations": [`, `{"feature_name":"f%d","constraint_check_type":"data_type_check","description":"x"},`, `{"constraint_check_type":"x"}]}`)
	}, err: "report v: $.violations[249999].constraint_check_type: not valid JSON: line 1 col 21638870: more than 1000000 JSON values; this is not a metrics report modelgate reads"},
	{name: "quality-metrics", src: gate.Source{Slot: gate.SlotQuality}, gen: func() []byte {
		return fillN(`{"regression_metrics": {`, `"m%d":{"value":0.5,"standard_deviation":0.1},`, `"z":0}}`)
	}, err: "report quality: $.regression_metrics.m333332.standard_deviation: not valid JSON: line 1 col 16222227: more than 1000000 JSON values; this is not a metrics report modelgate reads"},
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

// fillN writes unit with each "%d" replaced by i, for i = 0, 1, ...,
// between head and tail up to the size cap.
func fillN(head, unit, tail string) []byte {
	parts := strings.Split(unit, "%d")
	b := make([]byte, 0, gate.MaxReportBytes)
	b = append(b, head...)
	for i := 0; ; i++ {
		n := len(b)
		for j, part := range parts {
			if j > 0 {
				b = strconv.AppendInt(b, int64(i), 10)
			}
			b = append(b, part...)
		}
		if len(b)+len(tail) > gate.MaxReportBytes {
			b = b[:n]
			break
		}
	}
	return append(b, tail...)
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
			if len(p.Instances) != h.count {
				t.Fatalf("Read = %d instances; want %d", len(p.Instances), h.count)
			}
			if got := describeInstance(p.Instances[0]); got != h.first {
				t.Errorf("Read: first instance %s; want %s", got, h.first)
			}
		})
	}
}

func describeInstance(in gate.Instance) string {
	s := fmt.Sprintf("%s = %v", in.Address, in.Value)
	for _, l := range in.Labels {
		s += " " + l.Key + "=" + l.Value
	}
	s += " (" + in.Source + ")"
	if in.Note != "" {
		s += " " + strconv.Quote(in.Note)
	}
	return s
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

// TestLongKeysInErrors: an error about a megabyte-long key stays short
// and valid UTF-8.
func TestLongKeysInErrors(t *testing.T) {
	t.Parallel()
	key := strings.Repeat("é", 500000)
	for _, data := range []string{
		`{"` + key + `": 1, "` + key + `": 2}`,
		`{"explanations": {"kernel_shap": {"l": {"global_shap_values": {"` + key + `": 1, "` + key + `": 2}}}}}`,
		`{"` + key + `" 1}`,
	} {
		_, err := Read(gate.Source{Slot: gate.SlotExplainability}, []byte(data))
		if err == nil {
			t.Fatal("Read = nil; want an error")
		}
		var re *Error
		if !errors.As(err, &re) || len(re.Path) > maxErrorPath+3 || len(re.Msg) > maxErrorMsg+3 || !utf8.ValidString(err.Error()) {
			t.Errorf("Read = %d-byte error (path %d, message %d), valid UTF-8 %v; want short and valid", len(err.Error()), len(re.Path), len(re.Msg), utf8.ValidString(err.Error()))
		}
		if !strings.HasSuffix(re.Msg, "...") {
			t.Errorf("message %q... not marked as cut", re.Msg[:80])
		}
	}
}
