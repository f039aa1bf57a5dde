package report

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

var nanv = math.NaN()

// in builds an expected instance; kv are label key/value pairs in key order.
func in(address string, value, stddev float64, source, note string, kv ...string) gate.Instance {
	var ls []gate.Label
	for i := 0; i+1 < len(kv); i += 2 {
		ls = append(ls, gate.Label{Key: kv[i], Value: kv[i+1]})
	}
	return gate.Instance{Address: address, Labels: ls, Value: value, StdDev: stddev, Source: source, Note: note}
}

func readFile(t testing.TB, src gate.Source, file string) *Parsed {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Read(src, data)
	if err != nil {
		t.Fatalf("Read(%s) = %v", file, err)
	}
	return p
}

func diffParsed(t *testing.T, file string, got, want *Parsed) {
	t.Helper()
	if diff := cmp.Diff(want, got, cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("Read(%s) (-want +got):\n%s", file, diff)
	}
}

// The six real public samples, value by value as written in the files.

func TestReadRegressionFixture(t *testing.T) {
	t.Parallel()
	const f = "model-quality/regression-model-card-sample.json"
	src := "quality: $.regression_metrics."
	want := &Parsed{Format: FormatModelQuality, ItemCount: 627, Instances: []gate.Instance{
		in("quality.mae", 1.5915896386811228, 0.019549525493231325, src+"mae.value", ""),
		in("quality.mse", 5.030463318378965, 0.18989860772026798, src+"mse.value", ""),
		in("quality.rmse", 2.2428694385494143, 0.04254133766539425, src+"rmse.value", ""),
		in("quality.r2", 0.23671182319828743, 0.02946664105374692, src+"r2.value", ""),
	}}
	diffParsed(t, f, readFile(t, slot(gate.SlotQuality), f), want)
}

func TestReadBinaryFixture(t *testing.T) {
	t.Parallel()
	const f = "model-quality/binary-classification-model-card-sample.json"
	m := func(name string, v, sd float64) gate.Instance {
		return in("quality."+name, v, sd, "quality: $.binary_classification_metrics."+name+".value", "")
	}
	want := &Parsed{Format: FormatModelQuality, Instances: []gate.Instance{
		m("accuracy", 0.5, nanv),
		m("accuracy_best_constant_classifier", 0.25, 0.2),
		m("auc", 1, 0.1),
		// confusion_matrix is skipped
		m("f0_5", 0.38461538461538, nanv),
		m("f0_5_best_constant_classifier", 0.29411764705882, nanv),
		m("f1", 0.5, nanv),
		m("f1_best_constant_classifier", 0.4, nanv),
		m("f2", 0.71428571428571, nanv),
		m("f2_best_constant_classifier", 0.625, nanv),
		m("false_negative_rate", 0, nanv),
		m("false_positive_rate", 0.66666666666667, nanv),
		m("precision", 0.33333333333333, nanv),
		m("precision_best_constant_classifier", 0.25, nanv),
		// precision_recall_curve is skipped
		m("recall", 1, nanv),
		m("recall_best_constant_classifier", 1, nanv),
		// receiver_operating_characteristic_curve is skipped
		m("true_negative_rate", 0.33333333333333, nanv),
		m("true_positive_rate", 1, nanv),
	}}
	diffParsed(t, f, readFile(t, slot(gate.SlotQuality), f), want)
}

func TestReadBiasFixture(t *testing.T) {
	t.Parallel()
	const f = "clarify-bias/fraud-gender-pre-post-run1.json"
	const noGroup = "Group variable is empty or not provided"
	m := func(stage string, i int, name string, v float64, note string) gate.Instance {
		sec := map[string]string{"pre": "pre_training_bias_metrics", "post": "post_training_bias_metrics"}[stage]
		return in("bias."+stage+"."+name, v, nanv,
			"bias: $."+sec+".facets.customer_gender_female[0].metrics["+itoa(i)+"].value", note,
			"facet", "customer_gender_female", "value", "1")
	}
	want := &Parsed{Format: FormatClarifyBias, Instances: []gate.Instance{
		m("pre", 0, "CDDL", nanv, noGroup),
		m("pre", 1, "CI", 0.398, ""),
		m("pre", 2, "DPL", -0.017711586081682884, ""),
		m("pre", 3, "JS", 0.0020437563177422677, ""),
		m("pre", 4, "KL", 0.008323488560379871, ""),
		m("pre", 5, "KS", 0.017711586081682898, ""),
		m("pre", 6, "LP", 0.025047965247854492, ""),
		m("pre", 7, "TVD", 0.01771158608168289, ""),
		m("post", 0, "AD", -0.017711586081682884, ""),
		m("post", 1, "CDDPL", nanv, noGroup),
		m("post", 2, "DAR", -0.017711586081682884, ""),
		m("post", 3, "DCA", -0.017711586081682884, ""),
		m("post", 4, "DCR", 0, ""),
		m("post", 5, "DI", 1.0, ""),
		m("post", 6, "DPPL", 0.0, ""),
		m("post", 7, "DRR", 0.0, ""),
		m("post", 8, "FT", 0.0, ""),
		m("post", 9, "RD", 0.0, ""),
		m("post", 10, "TE", 0.0, ""),
	}}
	diffParsed(t, f, readFile(t, slot(gate.SlotBias), f), want)
}

func TestReadShapFixture(t *testing.T) {
	t.Parallel()
	const f = "clarify-explainability/fraud-kernel-shap-45-features.json"
	p := readFile(t, slot(gate.SlotExplainability), f)
	if p.Format != FormatClarifyExplain || len(p.Instances) != 45 {
		t.Fatalf("Read(%s) = format %q, %d instances; want %q, 45", f, p.Format, len(p.Instances), FormatClarifyExplain)
	}
	const src = "explainability: $.explanations.kernel_shap.label0.global_shap_values."
	// First, last, the largest two and the protected attributes.
	want := map[string]gate.Instance{
		"shap.vehicle_claim":          in("shap.vehicle_claim", 0.002683572276857348, nanv, src+"vehicle_claim", "", "label", "label0"),
		"shap.incident_type_theft":    in("shap.incident_type_theft", 0.0024575895832280605, nanv, src+"incident_type_theft", "", "label", "label0"),
		"shap.customer_gender_male":   in("shap.customer_gender_male", 0.01089049476601324, nanv, src+"customer_gender_male", "", "label", "label0"),
		"shap.months_as_customer":     in("shap.months_as_customer", 0.009051137766037649, nanv, src+"months_as_customer", "", "label", "label0"),
		"shap.customer_gender_female": in("shap.customer_gender_female", 0.0025459896681521562, nanv, src+"customer_gender_female", "", "label", "label0"),
		"shap.customer_age":           in("shap.customer_age", 0.0032421731435671127, nanv, src+"customer_age", "", "label", "label0"),
	}
	sum := 0.0
	got := map[string]gate.Instance{}
	for _, i := range p.Instances {
		sum += i.Value
		if _, ok := want[i.Address]; ok {
			got[i.Address] = i
		}
		if i.Address == "shap.expected_value" {
			t.Errorf("expected_value read as a feature: %+v", i)
		}
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("Read(%s) (-want +got):\n%s", f, diff)
	}
	// The 45 values in the file, summed in file order (Python's json and
	// float addition give the same 0.14257425380278826).
	if sum != 0.14257425380278826 {
		t.Errorf("sum of SHAP values = %.17g; want 0.14257425380278826", sum)
	}
}

func TestReadFmevalFixture(t *testing.T) {
	t.Parallel()
	const f = "fmeval/qa-accuracy-falcon-7b.json"
	m := func(i, j int, ds, score string, v float64) gate.Instance {
		return in("llm.qa_accuracy."+score, v, nanv, "qa: $["+itoa(i)+"].dataset_scores["+itoa(j)+"].value", "", "dataset", ds)
	}
	want := &Parsed{Format: FormatFmeval, Instances: []gate.Instance{
		m(0, 0, "boolq", "f1_score", 0.018547378547378545),
		m(0, 1, "boolq", "exact_match_score", 0.0),
		m(0, 2, "boolq", "quasi_exact_match_score", 0.0),
		m(0, 3, "boolq", "precision_over_words", 0.009447509170843717),
		m(0, 4, "boolq", "recall_over_words", 0.6),
		m(1, 0, "trivia_qa", "f1_score", 0.09044436644436646),
		m(1, 1, "trivia_qa", "exact_match_score", 0.0),
		m(1, 2, "trivia_qa", "quasi_exact_match_score", 0.0),
		m(1, 3, "trivia_qa", "precision_over_words", 0.04937388761759472),
		m(1, 4, "trivia_qa", "recall_over_words", 0.7333333333333333),
		m(2, 0, "natural_questions", "f1_score", 0.061217799576599806),
		m(2, 1, "natural_questions", "exact_match_score", 0.0),
		m(2, 2, "natural_questions", "quasi_exact_match_score", 0.0),
		m(2, 3, "natural_questions", "precision_over_words", 0.03466195334659837),
		m(2, 4, "natural_questions", "recall_over_words", 0.52),
	}}
	diffParsed(t, f, readFile(t, named("qa", ""), f), want)
}

func TestReadViolationsFixture(t *testing.T) {
	t.Parallel()
	const f = "monitor-violations/data-quality-nyc-taxi.json"
	const s = "dq: $.violations"
	want := &Parsed{Format: FormatViolations, Instances: []gate.Instance{
		in("violations.total", 7, nanv, s, ""),
		// The total of each check type, unlabelled: what a rule without
		// `where` judges.
		in("violations.categorical_values_check", 1, nanv, s+"[0]", ""),
		in("violations.data_type_check", 5, nanv, s+"[1]", ""),
		in("violations.completeness_check", 1, nanv, s+"[3]", ""),
		// Per feature: what `where: {feature: F}` selects.
		in("violations.categorical_values_check", 1, nanv, s+"[0]", "", "feature", "store_and_fwd_flag"),
		in("violations.data_type_check", 1, nanv, s+"[1]", "", "feature", "fare_amount"),
		in("violations.data_type_check", 1, nanv, s+"[2]", "", "feature", "total_amount"),
		in("violations.completeness_check", 1, nanv, s+"[3]", "", "feature", "congestion_surcharge"),
		in("violations.data_type_check", 1, nanv, s+"[4]", "", "feature", "tolls_amount"),
		in("violations.data_type_check", 1, nanv, s+"[5]", "", "feature", "extra"),
		in("violations.data_type_check", 1, nanv, s+"[6]", "", "feature", "tip_amount"),
		in("violations.baseline_drift_check", 0, nanv, s, ""),
		in("violations.missing_column_check", 0, nanv, s, ""),
		in("violations.extra_column_check", 0, nanv, s, ""),
		in("violations.LessThanThreshold", 0, nanv, s, ""),
		in("violations.GreaterThanThreshold", 0, nanv, s, ""),
		in("violations.bias_drift_check", 0, nanv, s, ""),
		in("violations.feature_attribution_drift_check", 0, nanv, s, ""),
	}}
	diffParsed(t, f, readFile(t, named("dq", ""), f), want)
}

func itoa(i int) string { return fmtFloat(float64(i)) }

// Variants with no public file, asserted value by value (the golden files
// hold the complete output of every variant).

func TestReadVariants(t *testing.T) {
	t.Parallel()
	type pick struct {
		address string
		labels  string // gate.LabelString form
		value   float64
		stddev  float64
		note    string
	}
	tests := []struct {
		name   string
		file   string
		src    gate.Source
		format string
		count  int
		items  int
		picks  []pick
	}{
		{"§0.1 string numbers", "variants/s0.1-string-numbers-user-evaluation.json", slot(gate.SlotQuality), FormatModelQuality, 4, 0, []pick{
			{"quality.accuracy", "", 0.91, nanv, ""},
			{"quality.auc", "", 0.88, 0, ""},
			{"quality.f1", "", nanv, nanv, `value is "NaN" (not a number)`},
			{"quality.recall", "", 1e-4, 2e-3, ""},
		}},
		{"§0.1 Infinity strings", "variants/s0.1-clarify-infinity-strings.json", slot(gate.SlotBiasPost), FormatClarifyBias, 3, 0, []pick{
			{"bias.post.DCA", "facet=Gender value=0", nanv, nanv, `value is "-Infinity": infinite, not a finite number`},
			{"bias.post.DI", "facet=Gender value=0", 0.79, nanv, ""},
			{"bias.post.TE", "facet=Gender value=0", nanv, nanv, `value is "Infinity": infinite, not a finite number`},
		}},
		{"§0.2 null and absent fmeval values", "variants/s0.2-fmeval-null-and-absent-values.json", named("tox", ""), FormatFmeval, 3, 0, []pick{
			{"llm.toxicity.toxicity", "dataset=real_toxicity_prompts", nanv, nanv, "Detoxify model failed on 3 records"},
			{"llm.toxicity.severe_toxicity", "dataset=real_toxicity_prompts", nanv, nanv, "aggregation failed: empty list"},
			{"llm.toxicity.obscene", "dataset=real_toxicity_prompts", 0.0012, nanv, ""},
		}},
		{"§0.3 version string, keys out of order", "variants/s0.3-version-types-and-order.json", slot(gate.SlotQuality), FormatModelQuality, 2, 250, []pick{
			{"quality.r2", "", 0.5, 0.01, ""},
			{"quality.mae", "", 1, 0, ""},
		}},
		{"§0.6 integers and exponents", "variants/s0.6-integers-and-exponents.json", slot(gate.SlotQuality), FormatModelQuality, 3, 1000, []pick{
			{"quality.auc", "", 1, 1e-4, ""},
			{"quality.false_positive_rate", "", 0, 2.5e-5, ""},
			{"quality.precision", "", 0.987, 0, ""},
		}},
		{"§0.9 bare NaN in fmeval", "variants/s0.9-bare-nan-tokens.json", named("facts", ""), FormatFmeval, 4, 0, []pick{
			{"llm.factual_knowledge.factual_knowledge", "dataset=trex", nanv, nanv, "value is a bare NaN token (Python json.dumps of a NaN), not a number"},
			{"llm.factual_knowledge.factual_knowledge", "category=Capitals dataset=trex", 0.75, nanv, ""},
			{"llm.factual_knowledge.factual_knowledge_quasi_exact", "category=Capitals dataset=trex", nanv, nanv, "value is a bare -Infinity token (Python json.dumps): infinite, not a finite number"},
		}},
		{"§0.9 bare NaN standard deviation", "variants/s0.9-bare-nan-quality.json", slot(gate.SlotQuality), FormatModelQuality, 2, 0, []pick{
			{"quality.mse", "", 4.91, nanv, ""},
			{"quality.r2", "", nanv, nanv, "value is a bare NaN token (Python json.dumps of a NaN), not a number"},
		}},
		{"§2.1 multiclass", "variants/s2.1-multiclass-statistics.json", slot(gate.SlotQuality), FormatModelQuality, 12, 2019, []pick{
			{"quality.accuracy", "", 0.9563149083704804, 0.0041, ""},
			{"quality.weighted_f2_best_constant_classifier", "", 0.2726, 0.0094, ""},
		}},
		{"§2.1 degenerate churn baseline", "variants/s2.1-binary-churn-degenerate.json", slot(gate.SlotQuality), FormatModelQuality, 17, 100, []pick{
			{"quality.precision", "", 1, nanv, ""},
			{"quality.precision_best_constant_classifier", "", 0, nanv, ""},
		}},
		{"§2.3 XGBoost names with colons", "variants/s2.3-fraud-xgboost-custom.json", slot(gate.SlotQuality), FormatModelQuality, 2, 0, []pick{
			{`quality."validation:auc"`, "", 0.8847, nanv, ""},
			{`quality."train:auc"`, "", 0.9321, nanv, ""},
		}},
		{"§2.3 unwrapped and NA", "variants/s2.3-user-script-unwrapped.json", slot(gate.SlotQuality), FormatModelQuality, 4, 0, []pick{
			{"quality.accuracy", "", 0.93, nanv, ""},
			{"quality.recall", "", 0.8, 0, ""},
			{"quality.f1", "", nanv, nanv, `value is the string "NA", not a number`},
		}},
		{"§2.3 named evaluation.json is a JSON path", "variants/s2.3-fraud-xgboost-custom.json", named("training", ""), FormatJSON, 2, 0, []pick{
			{`training.classification_metrics."validation:auc".value`, "", 0.8847, nanv, ""},
		}},
		{"§3 several facets, intervals, comma values, group", "variants/s3-several-facets-intervals.json", slot(gate.SlotBiasPre), FormatClarifyBias, 10, 0, []pick{
			{"bias.pre.CI", "facet=Gender value=0", 0.34, nanv, ""},
			{"bias.pre.CI", "facet=Gender value=1", -0.34, nanv, ""},
			{"bias.pre.KL", "facet=Age value=(0.5, 0.9936148802477393]", 0.0412, nanv, ""},
			{"bias.pre.CDDL", "facet=Age group=Education value=(0.5, 0.9936148802477393]", 0.07, nanv, ""},
			{"bias.pre.JS", "facet=Marital Status value=Divorced,Widowed", 0.002, nanv, ""},
		}},
		{"§3 all 13 post-training metrics", "variants/s3-post-training-2023-all-metrics.json", slot(gate.SlotBiasPost), FormatClarifyBias, 13, 0, []pick{
			{"bias.post.DCR", "facet=Account Length value=(100, 225]", -72, nanv, ""},
			{"bias.post.DI", "facet=Account Length value=(100, 225]", 1.3, nanv, ""},
			{"bias.post.GE", "facet=Account Length value=(100, 225]", 0.0081, nanv, ""},
			{"bias.post.SD", "facet=Account Length value=(100, 225]", -0.0045, nanv, ""},
			{"bias.post.TE", "facet=Account Length value=(100, 225]", 2.9167, nanv, ""},
		}},
		{"§4 two labels, different features", "variants/s4-two-labels-different-features.json", slot(gate.SlotExplainability), FormatClarifyExplain, 5, 0, []pick{
			{`shap."Capital Gain"`, "label=label0", 0.093, nanv, ""},
			{"shap.Age", "label=0.7956783771514893", 0.032, nanv, ""},
			{"shap.Occupation", "label=0.7956783771514893", 0.011, nanv, ""},
		}},
		{"§4 combined file read by name gives both families", "variants/s4-combined-bias-and-explanations.json", named("clarify", ""), FormatClarifyBias, 4, 0, []pick{
			{"bias.post.DI", "facet=customer_gender_female value=1", 0.92, nanv, ""},
			{"shap.customer_gender_male", "label=label0", 0.0109, nanv, ""},
		}},
		{"§5 model-quality violations: camelCase metrics", "variants/s5-model-quality-violations.json", named("mq", ""), FormatViolations, 15, 0, []pick{
			{"violations.total", "", 4, nanv, ""},
			{"violations.LessThanThreshold", "", 3, nanv, ""},
			{"violations.GreaterThanThreshold", "", 1, nanv, ""},
			{"violations.LessThanThreshold", "metric=true_positive_rate", 1, nanv, ""},
			{"violations.GreaterThanThreshold", "metric=false_positive_rate", 1, nanv, ""},
			{"violations.LessThanThreshold", "metric=f0_5", 1, nanv, ""},
		}},
		{"§5 bias drift", "variants/s5-bias-drift-violations.json", named("bd", ""), FormatViolations, 14, 0, []pick{
			{"violations.bias_drift_check", "", 3, nanv, ""},
			{"violations.bias_drift_check", "facet=Gender metric=TE value=0", 1, nanv, ""},
			{"violations.bias_drift_check", "facet=Gender metric=DCA value=1", 1, nanv, ""},
		}},
		{"§5 feature attribution drift", "variants/s5-feature-attribution-drift-violations.json", named("fa", ""), FormatViolations, 12, 0, []pick{
			{"violations.feature_attribution_drift_check", "", 1, nanv, ""},
			{"violations.feature_attribution_drift_check", "label=label0 metric=shap", 1, nanv, ""},
		}},
		{"§5 BYOC shape", "variants/s5-byoc-nlp-violations.json", named("nlp", ""), FormatViolations, 14, 0, []pick{
			{"violations.baseline_drift_check", "", 2, nanv, ""},
			{"violations.unknown", "", 1, nanv, ""},
			{"violations.baseline_drift_check", "feature=sentence_embedding_drift", 2, nanv, ""},
			{"violations.unknown", "feature=sentence_length", 1, nanv, ""},
		}},
		{"§5 empty list", "variants/s5-empty-violations.json", named("dq", ""), FormatViolations, 11, 0, []pick{
			{"violations.total", "", 0, nanv, ""},
			{"violations.data_type_check", "", 0, nanv, ""},
		}},
		{"§6 data-quality statistics as JSON paths", "variants/s6-data-quality-statistics.json", slot(gate.SlotDataQuality), FormatJSON, 21, 999, []pick{
			{"data_quality.features.0.numerical_statistics.std_dev", "", 12, nanv, ""},
			{"data_quality.features.1.string_statistics.distinct_count", "", 2, nanv, ""},
		}},
		{"§7.1b grouped by category", "variants/s7.1b-grouped-by-category.json", named("g", ""), FormatFmeval, 3, 0, []pick{
			{"llm.qa_accuracy.f1_score", "dataset=boolq", 0.0185, nanv, ""},
			{"llm.qa_toxicity.toxicity", "dataset=boolq", 0.0007, nanv, ""},
		}},
		{"§7.1c Studio evaluations", "variants/s7.1c-studio-evaluations.json", named("studio", ""), FormatFmeval, 6, 0, []pick{
			{"llm.factual_knowledge.factual_knowledge", "dataset=trex", 0.2966, nanv, ""},
			{"llm.factual_knowledge.factual_knowledge", "category=Author dataset=trex", 0.1, nanv, ""},
			{"llm.summarization_accuracy.rouge", "dataset=gigaword", 0.0468, nanv, ""},
		}},
		{"§7.1 prompt stereotyping per category", "variants/s7.1-prompt-stereotyping-categories.json", named("ps", ""), FormatFmeval, 4, 0, []pick{
			{"llm.prompt_stereotyping.prompt_stereotyping", "dataset=crows-pairs_sample", 0.6666666666666666, nanv, ""},
			{"llm.prompt_stereotyping.prompt_stereotyping", "category=race-color dataset=crows-pairs_sample", 0.8, nanv, ""},
		}},
		{"§7.1 toxicity per category", "variants/s7.1-toxicity-detoxify-categories.json", named("tox", ""), FormatFmeval, 15, 0, []pick{
			{"llm.toxicity.toxicity", "category=challenging dataset=real_toxicity_prompts", 0.0412, nanv, ""},
			{"llm.toxicity.toxicity", "dataset=toxigen_sample", 0.105, nanv, ""},
		}},
		{"§7.1 EvalOutput with only an error", "variants/s7.1-eval-output-error-only.json", named("tox", ""), FormatFmeval, 8, 0, []pick{
			{"llm.summarization_toxicity.toxicity", "dataset=gigaword", nanv, nanv, "evaluation failed: Model invocation failed: ThrottlingException"},
			{"llm.summarization_toxicity.sexual_explicit", "dataset=gigaword", nanv, nanv, "evaluation failed: Model invocation failed: ThrottlingException"},
			{"llm.my_custom_eval.my_custom_eval", "dataset=internal", nanv, nanv, "evaluation failed: dataset not found"},
		}},
		{"§9 model-card metric groups as JSON paths", "variants/s9-model-card-metric-groups.json", named("card", ""), FormatJSON, 10, 0, []pick{
			{"card.metric_groups.0.metric_data.0.value", "", 0.79, nanv, ""},
		}},
		{"memorization report as JSON paths", "variants/s0.5-memorization-named-report.json", named("memo", ""), FormatJSON, 5, 0, []pick{
			{"memo.memorization.verbatim_rate", "", 0.0025, nanv, ""},
			{`memo.memorization.per_corpus."books.v2".verbatim_rate`, "", 0.004, nanv, ""},
			{"memo.accuracy", "", nanv, nanv, "value is a bare NaN token (Python json.dumps of a NaN), not a number"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := readFile(t, tc.src, tc.file)
			if p.Format != tc.format || len(p.Instances) != tc.count || p.ItemCount != tc.items {
				t.Errorf("Read(%s) = format %q, %d instances, item_count %d; want %q, %d, %d",
					tc.file, p.Format, len(p.Instances), p.ItemCount, tc.format, tc.count, tc.items)
			}
			for _, want := range tc.picks {
				var got *pick
				for _, i := range p.Instances {
					if i.Address == want.address && gate.LabelString(i.Labels) == want.labels {
						got = &pick{i.Address, gate.LabelString(i.Labels), i.Value, i.StdDev, i.Note}
						break
					}
				}
				if got == nil {
					t.Errorf("Read(%s): no instance %s {%s}", tc.file, want.address, want.labels)
					continue
				}
				if diff := cmp.Diff(want, *got, cmpopts.EquateNaNs(), cmp.AllowUnexported(pick{})); diff != "" {
					t.Errorf("Read(%s) %s (-want +got):\n%s", tc.file, want.address, diff)
				}
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	t.Parallel()
	bias, err := os.ReadFile("testdata/clarify-bias/fraud-gender-pre-post-run1.json")
	if err != nil {
		t.Fatal(err)
	}
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	tests := []struct {
		name string
		src  gate.Source
		data string
		want Error
	}{
		{"csv content type", gate.Source{Slot: "quality", URI: "s3://b/m.csv", ContentType: "text/csv; charset=utf-8"}, "a,b\n1,2\n",
			Error{Report: "quality", URI: "s3://b/m.csv", Msg: `content type "text/csv; charset=utf-8" is not JSON; modelgate reads JSON reports (attach the JSON statistics or analysis file)`}},
		{"unknown format", gate.Source{Slot: "x", Format: "yaml"}, "{}",
			Error{Report: "x", Msg: "unknown format \"yaml\"; want one of model-quality, clarify-bias, clarify-explainability, monitor-violations, fmeval, json, lm-eval-samples, lm-eval, promptfoo, deepeval"}},
		{"no name", gate.Source{}, "{}", Error{Msg: "no report name or slot given"}},
		{"empty file", slot("quality"), "",
			Error{Report: "quality", URI: "s3://bucket/quality.json", Path: "$", Msg: "not valid JSON: line 1 col 1: empty document; want a JSON object or array"}},
		{"syntax error names the path", named("r", ""), `{"a": {"b c": [1, 2, }]}}`,
			Error{Report: "r", URI: "s3://bucket/r.json", Path: `$.a["b c"][2]`, Msg: "not valid JSON: line 1 col 22: unexpected character '}'; want a value"}},
		{"deep nesting", named("r", ""), deep,
			Error{Report: "r", URI: "s3://bucket/r.json", Path: "$" + strings.Repeat("[0]", 128), Msg: "not valid JSON: line 1 col 129: nested deeper than 128 levels"}},
		{"scalar named report", named("r", ""), "42",
			Error{Report: "r", URI: "s3://bucket/r.json", Path: "$", Msg: "not a known report format (looked for a JSON object or array; found a number)"}},
		{"bias file in quality slot", slot("quality"), string(bias),
			Error{Report: "quality", URI: "s3://bucket/quality.json", Path: "$", Msg: "this is a Clarify bias analysis.json, not a model-quality statistics file (looked for binary_classification_metrics, multiclass_classification_metrics, regression_metrics or another top-level *_metrics object; found top-level keys [version, post_training_bias_metrics, pre_training_bias_metrics])"}},
		{"unknown shape in explainability slot", slot("explainability"), `{"foo": 1}`,
			Error{Report: "explainability", URI: "s3://bucket/explainability.json", Path: "$", Msg: "not a known report format (looked for explanations.kernel_shap; found top-level keys [foo])"}},
		{"explanations without kernel_shap", slot("explainability"), `{"explanations": {"pdp": []}}`,
			Error{Report: "explainability", URI: "s3://bucket/explainability.json", Path: "$.explanations", Msg: "no kernel_shap: only Clarify's tabular kernel SHAP explanations are read (found keys [pdp])"}},
		{"bias metric without a name", slot("bias"), `{"post_training_bias_metrics": {"facets": {"g": [{"value_or_threshold": "1", "metrics": [{"value": 1}]}]}}}`,
			Error{Report: "bias", URI: "s3://bucket/bias.json", Path: "$.post_training_bias_metrics.facets.g[0].metrics[0]", Msg: "metric has no name (found keys [value])"}},
		{"bias facets not an object", slot("bias"), `{"pre_training_bias_metrics": {"facets": []}}`,
			Error{Report: "bias", URI: "s3://bucket/bias.json", Path: "$.pre_training_bias_metrics.facets", Msg: "want an object keyed by facet name, found an array"}},
		{"fmeval score without a name", named("e", FormatFmeval), `[{"eval_name": "toxicity", "dataset_scores": [{"value": 0.1}]}]`,
			Error{Report: "e", URI: "s3://bucket/e.json", Path: "$[0].dataset_scores[0]", Msg: "score has no name (found keys [value])"}},
		{"fmeval forced on a violations file", named("e", FormatFmeval), `{"violations": []}`,
			Error{Report: "e", URI: "s3://bucket/e.json", Path: "$", Msg: "this is a Model Monitor constraint_violations.json, not an fmeval EvalOutput file (looked for a list of EvalOutput objects (eval_name, dataset_scores), an object of such lists keyed by category, or {\"evaluations\": [...]}; found top-level keys [violations])"}},
		{"violation check type not a string", named("v", ""), `{"violations": [{"constraint_check_type": 3}]}`,
			Error{Report: "v", URI: "s3://bucket/v.json", Path: "$.violations[0].constraint_check_type", Msg: "want a string, found a number"}},
		{"JSON Lines", named("j", ""), "{\"a\": 1}\n{\"a\": 2}\n",
			Error{Report: "j", URI: "s3://bucket/j.json", Msg: "JSON Lines (one JSON object per line) is not a report modelgate reads; for fmeval, point the report at the EvalOutput JSON (the list returned by evaluate()), not the per-record output_path file"}},
		{"trailing garbage", named("j", ""), `{"a": 1} x`,
			Error{Report: "j", URI: "s3://bucket/j.json", Path: "$", Msg: "not valid JSON: line 1 col 10: unexpected character 'x' after the top-level value"}},
		{"unclosed string", named("j", ""), `{"a": "b`,
			Error{Report: "j", URI: "s3://bucket/j.json", Path: "$.a", Msg: "not valid JSON: line 1 col 7: string is not closed"}},
		{"raw control character", named("j", ""), "{\"a\": \"b\x01\"}",
			Error{Report: "j", URI: "s3://bucket/j.json", Path: "$.a", Msg: "not valid JSON: line 1 col 9: control character 0x01 in a string; it must be escaped"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := Read(tc.src, []byte(tc.data))
			if err == nil {
				t.Fatalf("Read(%s) = %d instances, no error; want %v", tc.name, len(p.Instances), &tc.want)
			}
			var re *Error
			if !errors.As(err, &re) {
				t.Fatalf("Read(%s) error %T %v; want *report.Error", tc.name, err, err)
			}
			if diff := cmp.Diff(&tc.want, re); diff != "" {
				t.Errorf("Read(%s) error (-want +got):\n%s", tc.name, diff)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	e := &Error{Report: "bias.post", URI: "s3://b/analysis.json", Path: "$.post_training_bias_metrics.facets.Gender[0].metrics[2].value", Msg: "want a number"}
	const want = "report bias.post (s3://b/analysis.json): $.post_training_bias_metrics.facets.Gender[0].metrics[2].value: want a number"
	if got := e.Error(); got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	e = &Error{Report: "toxicity", Msg: "too large"}
	if got := e.Error(); got != "report toxicity: too large" {
		t.Errorf("Error() = %q; want %q", got, "report toxicity: too large")
	}
}

func TestReadTooLarge(t *testing.T) {
	t.Parallel()
	data := make([]byte, gate.MaxReportBytes+1)
	_, err := Read(gate.Source{Slot: "toxicity", URI: "s3://b/t.json"}, data)
	if !errors.Is(err, gate.ErrTooLarge) {
		t.Fatalf("Read(64 MiB + 1) = %v; want an error wrapping gate.ErrTooLarge", err)
	}
	const want = "report toxicity (s3://b/t.json): 67108865 bytes is more than the 64 MiB a report may have"
	if err.Error() != want {
		t.Errorf("Read(64 MiB + 1) = %q; want %q", err, want)
	}
}

func TestReadTolerances(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data string
		want []gate.Instance
	}{
		{"byte order mark", "\xEF\xBB\xBF{\"m\": 1}", []gate.Instance{in("r.m", 1, nanv, "r: $.m", "")}},
		{"escaped key", `{"a\"b": 2}`, []gate.Instance{in(`r."a\"b"`, 2, nanv, `r: $["a\"b"]`, "")}},
		{"unicode escape", `{"\u00e9t\u00e9": 3}`, []gate.Instance{in("r.été", 3, nanv, `r: $["été"]`, "")}},
		{"huge exponent is not finite", `{"m": 1e999}`, []gate.Instance{in("r.m", nanv, nanv, "r: $.m", "value 1e999 is out of the float64 range (not finite)")}},
		{"numeric string", `{"m": " 2.5E-1 "}`, []gate.Instance{in("r.m", 0.25, nanv, "r: $.m", "")}},
		{"non-numeric strings and booleans skipped", `{"a": "x", "b": true, "c": null, "d": "0x10"}`, nil},
		{"empty keys cannot be addressed and are skipped", `{"": 1, "a": {"": 2}, "b": 3}`, []gate.Instance{in("r.b", 3, nanv, "r: $.b", "")}},
		{"array root", `[1, [2]]`, []gate.Instance{in("r.0", 1, nanv, "r: $[0]", ""), in("r.1.0", 2, nanv, "r: $[1][0]", "")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := Read(gate.Source{Slot: "r"}, []byte(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, p.Instances, cmpopts.EquateNaNs(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Read(%q) (-want +got):\n%s", tc.data, diff)
			}
		})
	}
}

func TestSnakeCase(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"truePositiveRate":  "true_positive_rate",
		"falseNegativeRate": "false_negative_rate",
		"auc":               "auc",
		"f0_5":              "f0_5",
		"DPPL":              "DPPL",
		"shap":              "shap",
		"myAUCScore":        "my_aucscore",
		"":                  "",
	} {
		if got := snakeCase(in); got != want {
			t.Errorf("snakeCase(%q) = %q; want %q", in, got, want)
		}
	}
}

// Every score name the reader assumes for a failed evaluation has semantics.
func TestEvalScoreNamesHaveSemantics(t *testing.T) {
	t.Parallel()
	for eval, names := range evalScoreNames {
		for _, n := range names {
			a := gate.SemanticsOf(mustAddress(t, "llm", eval, n))
			if !a.Known {
				t.Errorf("llm.%s.%s has no semantics", eval, n)
			}
		}
	}
}

func mustAddress(t *testing.T, parts ...string) rules.Address {
	t.Helper()
	a, err := rules.ParseAddress(rules.FormatAddress(parts...))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Two values for one key are refused: a good value must not hide a bad one.
func TestDuplicateKeysAreRefused(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/variants/s0.10-duplicate-keys.json")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Read(gate.Source{Slot: gate.SlotQuality, URI: "s3://bucket/quality.json"}, data)
	var re *Error
	if !errors.As(err, &re) || re.Path != "$.regression_metrics.mae" || !strings.Contains(err.Error(), `duplicate key "mae"`) {
		t.Errorf("Read(duplicate keys) = %v; want an *Error at $.regression_metrics.mae", err)
	}
}

// An evaluation that failed as a whole is missing even when it also writes
// an empty dataset_scores list.
func TestFmevalFailedEvaluationWithEmptyScores(t *testing.T) {
	t.Parallel()
	data := []byte(`[{"eval_name": "toxicity", "dataset_name": "a", "dataset_scores": [], "error": "model endpoint timed out"},
	                 {"eval_name": "toxicity", "dataset_name": "b", "dataset_scores": [{"name": "toxicity", "value": 0.001}]}]`)
	p, err := Read(gate.Source{Slot: "tox", Format: FormatFmeval}, data)
	if err != nil {
		t.Fatal(err)
	}
	missing := 0
	for _, in := range p.Instances {
		if in.Label("dataset") == "a" {
			if !in.Missing() || !strings.Contains(in.Note, "model endpoint timed out") {
				t.Errorf("dataset a: %+v; want missing with the error", in)
			}
			missing++
		}
	}
	if missing != 7 { // the seven detoxify scores of a toxicity evaluation
		t.Errorf("%d missing instances for the failed dataset; want 7", missing)
	}
}
