package report

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/gate"
)

// shapGen describes a synthetic Clarify explainability analysis.json in the
// shape Clarify writes (explanations.kernel_shap.<label>.global_shap_values
// and expected_value, an optional global_top_shap_text for text features,
// and explanations.pdp with per-feature grids and per-label predictions).
// Clarify keeps local (per-record) SHAP values in out.csv, not in
// analysis.json; the pdp arrays and the text-token maps are the large
// arrays and objects an analysis.json holds.
type shapGen struct {
	labels, features int
	pdpFeatures      int // features with a partial dependence plot
	grid             int // pdp grid resolution
	textTokens       int // global_top_shap_text tokens per label (0: none)
}

// write generates the report. Feature names look like real one-hot
// columns ("State_AK", "Marital Status_12"); values are small as in real
// files.
func (g shapGen) write(b *strings.Builder) {
	rng := rand.New(rand.NewPCG(1, 2))
	feature := func(i int) string {
		switch i % 3 {
		case 0:
			return "State_" + strconv.Itoa(i)
		case 1:
			return "Marital Status_" + strconv.Itoa(i)
		}
		return "customer_gender_male_" + strconv.Itoa(i)
	}
	b.WriteString("{\n    \"version\": \"1.0\",\n    \"explanations\": {\n        \"kernel_shap\": {\n")
	for l := range g.labels {
		if l > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(b, "            \"label%d\": {\n                \"global_shap_values\": {\n", l)
		for f := range g.features {
			if f > 0 {
				b.WriteString(",\n")
			}
			b.WriteString("                    \"")
			b.WriteString(feature(f))
			b.WriteString("\": ")
			b.WriteString(strconv.FormatFloat(0.0001+rng.Float64()/10, 'g', -1, 64))
		}
		fmt.Fprintf(b, "\n                },\n                \"expected_value\": %v", rng.Float64())
		if g.textTokens > 0 {
			b.WriteString(",\n                \"global_top_shap_text\": {\"review\": {")
			for t := range g.textTokens {
				if t > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(b, "\"token%d\": %v", t, rng.Float64()/100)
			}
			b.WriteString("}}")
		}
		b.WriteString("\n            }")
	}
	b.WriteString("\n        }")
	if g.pdpFeatures > 0 {
		b.WriteString(",\n        \"pdp\": [\n")
		for f := range g.pdpFeatures {
			if f > 0 {
				b.WriteString(",\n")
			}
			fmt.Fprintf(b, "            {\"feature_name\": %q, \"data_type\": \"numerical\", \"data_distribution\": [", feature(f))
			for i := range g.grid {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(strconv.FormatFloat(rng.Float64()/float64(g.grid), 'g', -1, 64))
			}
			b.WriteString("], \"feature_values\": [")
			for i := range g.grid {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(strconv.FormatFloat(float64(i)*1.5, 'g', -1, 64))
			}
			b.WriteString("], \"model_predictions\": [")
			for l := range g.labels {
				if l > 0 {
					b.WriteString(", ")
				}
				b.WriteByte('[')
				for i := range g.grid {
					if i > 0 {
						b.WriteString(", ")
					}
					b.WriteString(strconv.FormatFloat(rng.Float64(), 'g', -1, 64))
				}
				b.WriteByte(']')
			}
			b.WriteString("], \"label_headers\": [")
			for l := range g.labels {
				if l > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(b, "\"label%d\"", l)
			}
			b.WriteString("]}")
		}
		b.WriteString("\n        ]")
	}
	b.WriteString("\n    }\n}\n")
}

func (g shapGen) bytes() []byte {
	var b strings.Builder
	g.write(&b)
	return []byte(b.String())
}

// big31MB is about the size of the report of issue 11 (31 MB): 20 labels
// of 12,000 features with partial dependence plots for 1,000 features.
var big31MB = shapGen{labels: 20, features: 16000, pdpFeatures: 1300, grid: 20, textTokens: 0}

// bigAtCap is a report just under gate.MaxReportBytes (64 MiB).
var bigAtCap = shapGen{labels: 40, features: 12000, pdpFeatures: 2000, grid: 20, textTokens: 0}

// TestWriteBigShap writes the large explainability reports to
// $MODELGATE_BIG_SHAP_DIR for an RSS measurement with /usr/bin/time -v; it
// is skipped otherwise.
func TestWriteBigShap(t *testing.T) {
	dir := os.Getenv("MODELGATE_BIG_SHAP_DIR")
	if dir == "" {
		t.Skip("MODELGATE_BIG_SHAP_DIR not set")
	}
	for name, g := range map[string]shapGen{"shap-31mb.json": big31MB, "shap-64mib.json": bigAtCap} {
		data := g.bytes()
		if err := os.WriteFile(dir+"/"+name, data, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes", name, len(data))
	}
	writeHostile(t, dir)
}

// TestReadBigFile reads $MODELGATE_BIG_REPORT as the explainability slot
// and logs the time taken: the driver for a peak-RSS measurement.
func TestReadBigFile(t *testing.T) {
	file := os.Getenv("MODELGATE_BIG_REPORT")
	if file == "" {
		t.Skip("MODELGATE_BIG_REPORT not set")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	src := gate.Source{Slot: gate.SlotExplainability}
	if s := os.Getenv("MODELGATE_BIG_SLOT"); s != "" {
		src = gate.Source{Slot: s, Format: os.Getenv("MODELGATE_BIG_FORMAT")}
	}
	p, err := Read(src, data)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d bytes, %d instances in %v", len(data), len(p.Instances), time.Since(start))
}

func BenchmarkReadShap31MB(b *testing.B)  { benchShap(b, big31MB) }
func BenchmarkReadShapAtCap(b *testing.B) { benchShap(b, bigAtCap) }

func benchShap(b *testing.B, g shapGen) {
	data := g.bytes()
	if len(data) > gate.MaxReportBytes {
		b.Fatalf("generated %d bytes, more than the cap", len(data))
	}
	src := gate.Source{Slot: gate.SlotExplainability}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(src, data); err != nil {
			b.Fatal(err)
		}
	}
}
