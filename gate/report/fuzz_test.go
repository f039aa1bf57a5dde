package report

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// seeds adds every testdata report (fixtures and variants) to a fuzz corpus.
func seeds(f *testing.F) {
	f.Helper()
	err := filepath.WalkDir("testdata", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(path, "golden") || strings.HasSuffix(path, ".md") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f.Add(data)
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(`[NaN, -Infinity, Infinity, "NaN", 1e999, -0, 1E-4]`))
	f.Add([]byte(`{"a": {"a": {"a": [[[[{"b": "\ud83d\ude00"}]]]]}}}`))
	f.Add([]byte(lazyDoc))
	f.Add([]byte(`{"auc": 0.9, "binary_classification_metrics": {"auc": {"value": 0.5, "standard_deviation": "Infinity"}}, "a_metrics": {"auc": -1}}`))
	f.Add([]byte(`{"explanations": {"kernel_shap": {"l": {"global_shap_values": {"a": 1.7e308, "b": 1.7e308, "\u0063": [1]}, "global_top_shap_text": {"t": {}}}}, "pdp": [{}, [], "x"]}}`))
}

// checkRead reads data as src and checks what must hold for any input: no
// panic, errors are *Error naming the report, every address parses back to
// itself, labels are sorted, a missing value has a note and a present one
// has none.
func checkRead(t *testing.T, src gate.Source, data []byte) {
	p, err := Read(src, data)
	// Lazy values (streamed or skipped) read exactly as built ones.
	bp, berr := read(src, data, false)
	if (err == nil) != (berr == nil) || (err != nil && err.Error() != berr.Error()) {
		t.Fatalf("Read = %v; with every value built = %v", err, berr)
	}
	if err == nil {
		if diff := cmp.Diff(bp, p, cmpopts.EquateNaNs()); diff != "" {
			t.Fatalf("Read differs from reading with every value built (-built +lazy):\n%s", diff)
		}
	}
	if err != nil {
		var re *Error
		if !errors.As(err, &re) {
			t.Fatalf("Read error %T %v; want *report.Error", err, err)
		}
		if re.Report != src.Slot || !strings.HasPrefix(err.Error(), "report "+src.Slot) {
			t.Fatalf("Read error %q does not name report %q", err, src.Slot)
		}
		return
	}
	if src.Format != "" && p.Format != src.Format {
		t.Fatalf("Read with format %q gave format %q", src.Format, p.Format)
	}
	if p.ItemCount < 0 {
		t.Fatalf("ItemCount %d < 0", p.ItemCount)
	}
	for _, in := range p.Instances {
		addr := strings.TrimPrefix(in.Address, gate.ItemsPrefix) // per-item results: items:<address>
		a, err := rules.ParseAddress(addr)
		if err != nil {
			t.Fatalf("instance address %q does not parse: %v", in.Address, err)
		}
		if a.String() != addr {
			t.Fatalf("address %q is not canonical (%q)", in.Address, a.String())
		}
		if !sort.SliceIsSorted(in.Labels, func(i, j int) bool { return in.Labels[i].Key < in.Labels[j].Key }) {
			t.Fatalf("%s: labels not sorted: %v", in.Address, in.Labels)
		}
		if math.IsInf(in.Value, 0) || math.IsInf(in.StdDev, 0) || in.StdDev < 0 {
			t.Fatalf("%s: value %v, stddev %v: want a finite value or NaN, a finite non-negative stddev or NaN", in.Address, in.Value, in.StdDev)
		}
		if in.Missing() != (in.Note != "") {
			t.Fatalf("%s: missing=%v but note %q", in.Address, in.Missing(), in.Note)
		}
		if !strings.HasPrefix(in.Source, src.Slot+": $") {
			t.Fatalf("%s: source %q does not start with %q", in.Address, in.Source, src.Slot+": $")
		}
	}
}

func fuzzFormat(f *testing.F, src gate.Source) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) { checkRead(t, src, data) })
}

func FuzzReadModelQuality(f *testing.F) { fuzzFormat(f, gate.Source{Slot: gate.SlotQuality}) }
func FuzzReadClarifyBias(f *testing.F)  { fuzzFormat(f, gate.Source{Slot: gate.SlotBias}) }
func FuzzReadClarifyBiasPost(f *testing.F) {
	fuzzFormat(f, gate.Source{Slot: gate.SlotBiasPost})
}
func FuzzReadClarifyExplain(f *testing.F) { fuzzFormat(f, gate.Source{Slot: gate.SlotExplainability}) }
func FuzzReadViolations(f *testing.F) {
	fuzzFormat(f, gate.Source{Slot: "monitor", Format: FormatViolations})
}
func FuzzReadFmeval(f *testing.F) { fuzzFormat(f, gate.Source{Slot: "evals", Format: FormatFmeval}) }
func FuzzReadJSON(f *testing.F)   { fuzzFormat(f, gate.Source{Slot: "custom", Format: FormatJSON}) }

// FuzzReadDetect reads as a named report with no format: detection picks
// the reader.
func FuzzReadDetect(f *testing.F) { fuzzFormat(f, gate.Source{Slot: "named report"}) }

// FuzzParseJSON checks the tolerant parser against encoding/json: every
// document encoding/json accepts (within the depth cap) parses, and a
// document that parses with no bare NaN/Infinity token is one encoding/json
// accepts.
func FuzzParseJSON(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := parseJSON(data)
		valid := json.Valid(data)
		if valid && err != nil && !strings.Contains(err.Error(), "nested deeper") && !strings.Contains(err.Error(), "duplicate key") && !hasBOM(data) {
			t.Fatalf("encoding/json accepts %q but parseJSON says %v", data, err)
		}
		if err == nil && !hasBare(n) && !hasBOM(data) && !valid {
			t.Fatalf("parseJSON accepts %q (no bare tokens) but encoding/json does not", data)
		}
	})
}

func hasBOM(data []byte) bool { return len(data) >= 3 && string(data[:3]) == "\xEF\xBB\xBF" }

func hasBare(n *node) bool {
	if n.kind == kBare {
		return true
	}
	for _, v := range n.vals() {
		if hasBare(v) {
			return true
		}
	}
	return false
}
