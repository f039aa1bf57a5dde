package report

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/gate"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenCase reads one testdata file as one source. The golden file
// testdata/golden/<name>.golden holds every instance Read gives, or its
// error.
type goldenCase struct {
	name string
	file string // relative to testdata
	src  gate.Source
}

func slot(s string) gate.Source { return gate.Source{Slot: s, URI: "s3://bucket/" + s + ".json"} }

func named(name, format string) gate.Source {
	return gate.Source{Slot: name, URI: "s3://bucket/" + name + ".json", Format: format}
}

var goldenCases = []goldenCase{
	// The six real public samples.
	{"fixture-regression", "model-quality/regression-model-card-sample.json", slot(gate.SlotQuality)},
	{"fixture-binary", "model-quality/binary-classification-model-card-sample.json", slot(gate.SlotQuality)},
	{"fixture-bias", "clarify-bias/fraud-gender-pre-post-run1.json", slot(gate.SlotBias)},
	{"fixture-bias-as-post", "clarify-bias/fraud-gender-pre-post-run1.json", slot(gate.SlotBiasPost)},
	{"fixture-shap", "clarify-explainability/fraud-kernel-shap-45-features.json", slot(gate.SlotExplainability)},
	{"fixture-fmeval", "fmeval/qa-accuracy-falcon-7b.json", named("qa", "")},
	{"fixture-violations", "monitor-violations/data-quality-nyc-taxi.json", named("data_monitor", "")},
	{"fixture-fmeval-forced-json", "fmeval/qa-accuracy-falcon-7b.json", named("qa", FormatJSON)},
	{"fixture-regression-named", "model-quality/regression-model-card-sample.json", named("evaluation", "")},

	// §0 quirks.
	{"s0.1-string-numbers-user-evaluation", "variants/s0.1-string-numbers-user-evaluation.json", slot(gate.SlotQuality)},
	{"s0.1-clarify-infinity-strings", "variants/s0.1-clarify-infinity-strings.json", slot(gate.SlotBiasPost)},
	{"s0.2-fmeval-null-and-absent-values", "variants/s0.2-fmeval-null-and-absent-values.json", named("toxicity", FormatFmeval)},
	{"s0.3-version-types-and-order", "variants/s0.3-version-types-and-order.json", slot(gate.SlotQuality)},
	{"s0.5-memorization-named-report", "variants/s0.5-memorization-named-report.json", named("memo", "")},
	{"s0.6-integers-and-exponents", "variants/s0.6-integers-and-exponents.json", slot(gate.SlotQuality)},
	{"s0.9-bare-nan-tokens", "variants/s0.9-bare-nan-tokens.json", named("facts", "")},
	{"s0.9-bare-nan-quality", "variants/s0.9-bare-nan-quality.json", slot(gate.SlotQuality)},
	{"s0.10-duplicate-keys", "variants/s0.10-duplicate-keys.json", slot(gate.SlotQuality)},
	{"s0-truncated", "variants/s0-truncated.json", named("broken", "")},

	// §1 sources.
	{"s1-csv-content-type", "variants/s1-metrics.csv", gate.Source{Slot: gate.SlotQuality, URI: "s3://bucket/metrics.csv", ContentType: "text/csv"}},

	// §2 model quality.
	{"s2.1-multiclass-statistics", "variants/s2.1-multiclass-statistics.json", slot(gate.SlotQuality)},
	{"s2.1-binary-churn-degenerate", "variants/s2.1-binary-churn-degenerate.json", slot(gate.SlotQuality)},
	{"s2.2-regression-constraints", "variants/s2.2-regression-constraints.json", slot(gate.SlotQualityConstraints)},
	{"s2.2-constraints-in-quality-slot", "variants/s2.2-regression-constraints.json", slot(gate.SlotQuality)},
	{"s2.3-abalone-evaluation", "variants/s2.3-abalone-evaluation.json", slot(gate.SlotQuality)},
	{"s2.3-binary-evaluation-nan-stddev", "variants/s2.3-binary-evaluation-nan-stddev.json", slot(gate.SlotQuality)},
	{"s2.3-fraud-xgboost-custom", "variants/s2.3-fraud-xgboost-custom.json", slot(gate.SlotQuality)},
	{"s2.3-fraud-xgboost-custom-named", "variants/s2.3-fraud-xgboost-custom.json", named("training", "")},
	{"s2.3-user-script-unwrapped", "variants/s2.3-user-script-unwrapped.json", slot(gate.SlotQuality)},
	{"s2.3-flat-user-metrics", "variants/s2.3-flat-user-metrics.json", slot(gate.SlotQuality)},
	{"s2.3-model-quality-forced", "variants/s2.3-abalone-evaluation.json", named("evaluation", FormatModelQuality)},

	// §3 Clarify bias.
	{"s3-several-facets-intervals", "variants/s3-several-facets-intervals.json", slot(gate.SlotBiasPre)},
	{"s3-post-training-2023-all-metrics", "variants/s3-post-training-2023-all-metrics.json", slot(gate.SlotBiasPost)},
	{"s3-pre-report-in-post-slot", "variants/s3-pre-training-report-only.json", slot(gate.SlotBiasPost)},
	{"s3-bias-in-quality-slot", "clarify-bias/fraud-gender-pre-post-run1.json", slot(gate.SlotQuality)},
	{"s3-named-bias", "variants/s3-pre-training-report-only.json", named("fairness", "")},

	// §4 Clarify explainability.
	{"s4-two-labels-different-features", "variants/s4-two-labels-different-features.json", slot(gate.SlotExplainability)},
	{"s4-nlp-top-shap-text", "variants/s4-nlp-top-shap-text.json", slot(gate.SlotExplainability)},
	{"s4-combined-in-bias-slot", "variants/s4-combined-bias-and-explanations.json", slot(gate.SlotBias)},
	{"s4-combined-in-explainability-slot", "variants/s4-combined-bias-and-explanations.json", slot(gate.SlotExplainability)},
	{"s4-combined-named", "variants/s4-combined-bias-and-explanations.json", named("clarify", "")},
	{"s4-bias-in-explainability-slot", "clarify-bias/fraud-gender-pre-post-run1.json", slot(gate.SlotExplainability)},

	// §5 constraint violations.
	{"s5-model-quality-violations", "variants/s5-model-quality-violations.json", named("quality_monitor", "")},
	{"s5-bias-drift-violations", "variants/s5-bias-drift-violations.json", named("bias_monitor", "")},
	{"s5-feature-attribution-drift-violations", "variants/s5-feature-attribution-drift-violations.json", named("shap_monitor", "")},
	{"s5-byoc-nlp-violations", "variants/s5-byoc-nlp-violations.json", named("nlp_monitor", FormatViolations)},
	{"s5-empty-violations", "variants/s5-empty-violations.json", named("data_monitor", "")},
	{"s5-data-quality-newer-wording", "variants/s5-data-quality-newer-wording.json", named("data_monitor", "")},

	// §6 data-quality statistics and constraints.
	{"s6-data-quality-statistics", "variants/s6-data-quality-statistics.json", slot(gate.SlotDataQuality)},
	{"s6-data-quality-constraints", "variants/s6-data-quality-constraints.json", slot(gate.SlotDataQualityConstraints)},

	// §7 fmeval.
	{"s7.1b-grouped-by-category", "variants/s7.1b-grouped-by-category.json", named("llm_evals", "")},
	{"s7.1c-studio-evaluations", "variants/s7.1c-studio-evaluations.json", named("studio", "")},
	{"s7.1-prompt-stereotyping-categories", "variants/s7.1-prompt-stereotyping-categories.json", named("stereotyping", "")},
	{"s7.1-toxicity-detoxify-categories", "variants/s7.1-toxicity-detoxify-categories.json", named("toxicity", "")},
	{"s7.1-eval-output-error-only", "variants/s7.1-eval-output-error-only.json", named("toxicity", "")},
	{"s7.1-older-output-no-error-keys", "variants/s7.1-older-output-no-error-keys.json", named("robustness", "")},
	{"s7.1-single-eval-output-object", "variants/s7.1-single-eval-output-object.json", named("robustness", "")},
	{"s7.1-fmeval-in-quality-slot", "fmeval/qa-accuracy-falcon-7b.json", slot(gate.SlotQuality)},
	{"s7.2-per-record-jsonl", "variants/s7.2-per-record-jsonl.json", named("records", "")},

	// §9 model-card metric groups (not a required input: generic JSON).
	{"s9-model-card-metric-groups", "variants/s9-model-card-metric-groups.json", named("card", "")},
}

// render writes a Parsed (or an error) in the golden format: one line per
// instance with every field, values in the shortest exact form.
func render(p *Parsed, err error) string {
	var b strings.Builder
	if err != nil {
		fmt.Fprintf(&b, "error: %v\n", err)
		var re *Error
		if errors.As(err, &re) {
			fmt.Fprintf(&b, "path: %s\n", re.Path)
		}
		return b.String()
	}
	fmt.Fprintf(&b, "format: %s\nitem_count: %d\ninstances: %d\n", p.Format, p.ItemCount, len(p.Instances))
	for _, in := range p.Instances {
		b.WriteString(in.Address)
		if len(in.Labels) > 0 {
			fmt.Fprintf(&b, " {%s}", gate.LabelString(in.Labels))
		}
		fmt.Fprintf(&b, " = %s", fmtFloat(in.Value))
		if !isNaN(in.StdDev) {
			fmt.Fprintf(&b, " ± %s", fmtFloat(in.StdDev))
		}
		fmt.Fprintf(&b, "\n    source: %s\n", in.Source)
		if in.Note != "" {
			fmt.Fprintf(&b, "    note: %s\n", in.Note)
		}
	}
	return b.String()
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func isNaN(f float64) bool { return f != f }

func TestGolden(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, tc := range goldenCases {
		if seen[tc.name] {
			t.Fatalf("duplicate golden case %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			got := render(Read(tc.src, data))
			golden := filepath.Join("testdata", "golden", tc.name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("Read(%s as %q) differs from %s (-want +got):\n%s", tc.file, tc.src.Slot, golden, diff)
			}
		})
	}
}

// TestEveryTestdataFileHasAGoldenCase keeps the table honest: a variant
// added to testdata without a case is a failure.
func TestEveryTestdataFileHasAGoldenCase(t *testing.T) {
	t.Parallel()
	used := map[string]bool{}
	for _, tc := range goldenCases {
		used[tc.file] = true
	}
	err := filepath.WalkDir("testdata", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel("testdata", path)
		if strings.HasPrefix(rel, "golden") || strings.HasPrefix(rel, "fuzz") || strings.HasSuffix(rel, ".md") {
			return nil
		}
		if !used[filepath.ToSlash(rel)] {
			t.Errorf("testdata/%s has no golden case", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
