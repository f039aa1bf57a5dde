package gate

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/rules"
)

func TestSemanticsOf(t *testing.T) {
	t.Parallel()
	inf, ninf := math.Inf(1), math.Inf(-1)
	const (
		hi = rules.HigherIsBetter
		lo = rules.LowerIsBetter
		id = rules.TowardIdeal
	)
	type want struct {
		dir      rules.Direction
		ideal    float64
		hasIdeal bool
		lo, hi   float64
		name     string
	}
	tests := []struct {
		addr string
		want want
	}{
		// Clarify pre-training
		{"bias.pre.CI", want{id, 0, true, -1, 1, "Class Imbalance"}},
		{"bias.pre.DPL", want{id, 0, true, -1, 1, "Difference in Positive Proportions in Labels"}},
		{"bias.pre.KL", want{lo, 0, true, 0, inf, "Kullback-Leibler Divergence"}},
		{"bias.pre.JS", want{lo, 0, true, 0, math.Ln2, "Jensen-Shannon Divergence"}},
		{"bias.pre.LP", want{lo, 0, true, 0, math.Sqrt2, "L-p Norm"}},
		{"bias.pre.TVD", want{lo, 0, true, 0, 1, "Total Variation Distance"}},
		{"bias.pre.KS", want{lo, 0, true, 0, 1, "Kolmogorov-Smirnov Distance"}},
		{"bias.pre.CDDL", want{id, 0, true, -1, 1, "Conditional Demographic Disparity in Labels"}},
		// Clarify post-training
		{"bias.post.DPPL", want{id, 0, true, -1, 1, "Difference in Positive Proportions in Predicted Labels"}},
		{"bias.post.DI", want{id, 1, true, 0, inf, "Disparate Impact"}},
		{"bias.post.DCA", want{id, 0, true, ninf, inf, "Difference in Conditional Acceptance"}},
		{"bias.post.DCR", want{id, 0, true, ninf, inf, "Difference in Conditional Rejection"}},
		{"bias.post.RD", want{id, 0, true, -1, 1, "Recall Difference"}},
		{"bias.post.SD", want{id, 0, true, -1, 1, "Specificity Difference"}},
		{"bias.post.DAR", want{id, 0, true, -1, 1, "Difference in Acceptance Rates"}},
		{"bias.post.DRR", want{id, 0, true, -1, 1, "Difference in Rejection Rates"}},
		{"bias.post.AD", want{id, 0, true, -1, 1, "Accuracy Difference"}},
		{"bias.post.CDDPL", want{id, 0, true, -1, 1, "Conditional Demographic Disparity in Predicted Labels"}},
		{"bias.post.TE", want{id, 0, true, ninf, inf, "Treatment Equality"}},
		{"bias.post.FT", want{id, 0, true, -1, 1, "Flip Test"}},
		{"bias.post.GE", want{lo, 0, true, 0, inf, "Generalized Entropy"}},
		{"bias.post.di", want{id, 1, true, 0, inf, "Disparate Impact"}},
		// model quality
		{"quality.auc", want{hi, 1, true, 0, 1, "Area Under the ROC Curve"}},
		{"quality.accuracy", want{hi, 1, true, 0, 1, "Accuracy"}},
		{"quality.precision", want{hi, 1, true, 0, 1, "Precision"}},
		{"quality.recall", want{hi, 1, true, 0, 1, "Recall"}},
		{"quality.f0_5", want{hi, 1, true, 0, 1, "F0.5 Score"}},
		{"quality.f1", want{hi, 1, true, 0, 1, "F1 Score"}},
		{"quality.f2", want{hi, 1, true, 0, 1, "F2 Score"}},
		{"quality.true_positive_rate", want{hi, 1, true, 0, 1, "True Positive Rate"}},
		{"quality.true_negative_rate", want{hi, 1, true, 0, 1, "True Negative Rate"}},
		{"quality.false_positive_rate", want{lo, 0, true, 0, 1, "False Positive Rate"}},
		{"quality.false_negative_rate", want{lo, 0, true, 0, 1, "False Negative Rate"}},
		{"quality.r2", want{hi, 1, true, ninf, 1, "Coefficient of Determination (R²)"}},
		{"quality.mae", want{lo, 0, true, 0, inf, "Mean Absolute Error"}},
		{"quality.mse", want{lo, 0, true, 0, inf, "Mean Squared Error"}},
		{"quality.rmse", want{lo, 0, true, 0, inf, "Root Mean Squared Error"}},
		{"quality.f3", want{hi, 1, true, 0, 1, "F3 Score"}},
		{"quality.weighted_f0_25", want{hi, 1, true, 0, 1, "Weighted F0.25 Score"}},
		{"quality.weighted_f1", want{hi, 1, true, 0, 1, "Weighted F1 Score"}},
		{"quality.weighted_recall", want{hi, 1, true, 0, 1, "Weighted Recall"}},
		{"quality.accuracy_best_constant_classifier", want{hi, 1, true, 0, 1, "Accuracy of the Best Constant Classifier"}},
		{"quality.weighted_f0_5_best_constant_classifier", want{hi, 1, true, 0, 1, "Weighted F0.5 Score of the Best Constant Classifier"}},
		{`quality."validation:auc"`, want{hi, 1, true, 0, 1, "Area Under the ROC Curve"}},
		{`quality."train:logloss"`, want{lo, 0, true, 0, inf, "Log Loss"}},
		// fmeval
		{"llm.toxicity.toxicity", want{lo, 0, true, 0, 1, "Toxicity"}},
		{"llm.qa_toxicity.severe_toxicity", want{lo, 0, true, 0, 1, "Severe Toxicity"}},
		{"llm.summarization_toxicity.obscene", want{lo, 0, true, 0, 1, "Obscenity"}},
		{"llm.toxicity.identity_attack", want{lo, 0, true, 0, 1, "Identity Attack"}},
		{"llm.toxicity.insult", want{lo, 0, true, 0, 1, "Insult"}},
		{"llm.toxicity.threat", want{lo, 0, true, 0, 1, "Threat"}},
		{"llm.toxicity.sexual_explicit", want{lo, 0, true, 0, 1, "Sexually Explicit"}},
		{"llm.prompt_stereotyping.prompt_stereotyping", want{id, 0.5, true, 0, 1, "Prompt Stereotyping"}},
		{"llm.factual_knowledge.factual_knowledge", want{hi, 1, true, 0, 1, "Factual Knowledge"}},
		{"llm.factual_knowledge.factual_knowledge_quasi_exact", want{hi, 1, true, 0, 1, "Factual Knowledge (quasi-exact)"}},
		{"llm.qa_accuracy.f1_score", want{hi, 1, true, 0, 1, "F1 over Words"}},
		{"llm.qa_accuracy.exact_match_score", want{hi, 1, true, 0, 1, "Exact Match"}},
		{"llm.qa_accuracy.quasi_exact_match_score", want{hi, 1, true, 0, 1, "Quasi-Exact Match"}},
		{"llm.qa_accuracy.precision_over_words", want{hi, 1, true, 0, 1, "Precision over Words"}},
		{"llm.qa_accuracy.recall_over_words", want{hi, 1, true, 0, 1, "Recall over Words"}},
		{"llm.qa_accuracy.bertscore", want{hi, 1, true, 0, 1, "BERTScore"}},
		{"llm.qa_accuracy_semantic_robustness.delta_f1_score", want{lo, 0, true, 0, 1, "Delta F1 over Words under perturbation"}},
		{"llm.qa_accuracy_semantic_robustness.delta_bertscore", want{lo, 0, true, 0, 1, "Delta BERTScore under perturbation"}},
		{"llm.summarization_accuracy.meteor", want{hi, 1, true, 0, 1, "METEOR"}},
		{"llm.summarization_accuracy.rouge", want{hi, 1, true, 0, 1, "ROUGE"}},
		{"llm.summarization_accuracy.rougeL", want{hi, 1, true, 0, 1, "ROUGEL"}},
		{"llm.summarization_accuracy_semantic_robustness.delta_rouge", want{lo, 0, true, 0, 1, "Delta ROUGE under perturbation"}},
		{"llm.classification_accuracy.classification_accuracy_score", want{hi, 1, true, 0, 1, "Classification Accuracy"}},
		{"llm.classification_accuracy.balanced_accuracy_score", want{hi, 1, true, 0, 1, "Balanced Classification Accuracy"}},
		{"llm.classification_accuracy.precision_score", want{hi, 1, true, 0, 1, "Classification Precision"}},
		{"llm.classification_accuracy.recall_score", want{hi, 1, true, 0, 1, "Classification Recall"}},
		{"llm.classification_accuracy_semantic_robustness.delta_classification_accuracy_score", want{lo, 0, true, 0, 1, "Delta Classification Accuracy under perturbation"}},
		{"llm.general_semantic_robustness.word_error_rate", want{lo, 0, true, 0, inf, "Word Error Rate"}},
		{"llm.general_semantic_robustness.bertscore_dissimilarity", want{lo, 0, true, 0, 1, "BERTScore Dissimilarity"}},
		{"llm.custom.delta_helpfulness", want{lo, 0, true, 0, 1, "Delta helpfulness under perturbation"}},
		// memorization and violations
		{"llm.memorization.verbatim_rate", want{lo, 0, true, 0, 1, "Verbatim Reproduction Rate"}},
		{"llm.memorization.max_span", want{lo, 0, true, 0, inf, "Longest Verbatim Span (tokens)"}},
		{"violations.data_type_check", want{lo, 0, true, 0, inf, "Constraint Violations (data_type_check)"}},
		{"violations.total", want{lo, 0, true, 0, inf, "Constraint Violations (total)"}},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			t.Parallel()
			a, err := rules.ParseAddress(tc.addr)
			if err != nil {
				t.Fatal(err)
			}
			w := tc.want
			want := Semantics{Known: true, Direction: w.dir, Ideal: w.ideal, HasIdeal: w.hasIdeal, Lo: w.lo, Hi: w.hi, Name: w.name}
			if diff := cmp.Diff(want, SemanticsOf(a)); diff != "" {
				t.Errorf("SemanticsOf(%q) (-want +got):\n%s", tc.addr, diff)
			}
		})
	}
}

func TestSemanticsOfUnknown(t *testing.T) {
	t.Parallel()
	want := Semantics{Direction: rules.HigherIsBetter, Lo: math.Inf(-1), Hi: math.Inf(1)}
	for _, addr := range []string{
		"bias.post.XYZ",
		"quality.confusion_matrix",
		"quality.weighted_nothing",
		"quality.f",
		"quality.f1x",
		"quality.nothing_best_constant_classifier",
		"shap.age",
		"llm.memorization.outputs",
		"llm.custom.helpfulness",
		"evaluation.binary_classification_metrics.auc.value",
		"memo.memorization.verbatim_rate",
	} {
		t.Run(addr, func(t *testing.T) {
			t.Parallel()
			a, err := rules.ParseAddress(addr)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, SemanticsOf(a)); diff != "" {
				t.Errorf("SemanticsOf(%q) (-want +got):\n%s", addr, diff)
			}
		})
	}
	// A hand-built address that ParseAddress would refuse still answers.
	if got := SemanticsOf(rules.Address{}); got.Known {
		t.Errorf("SemanticsOf(empty) = %+v; want unknown", got)
	}
	if got := SemanticsOf(rules.Address{Parts: []string{"bias", "mid", "DI"}}); got.Known {
		t.Errorf("SemanticsOf(bias.mid.DI) = %+v; want unknown", got)
	}
}

// TestSemanticsDirectionsAreConsistent checks every table entry: complete,
// ideal inside the range, and at the good end for one-sided metrics.
func TestSemanticsDirectionsAreConsistent(t *testing.T) {
	t.Parallel()
	for _, table := range []map[string]Semantics{biasSemantics, qualitySemantics, llmSemantics, memorizationSemantics} {
		for name, s := range table {
			if !s.Known || !s.HasIdeal || s.Name == "" {
				t.Errorf("%s: %+v is incomplete", name, s)
			}
			if s.Lo > s.Ideal || s.Ideal > s.Hi {
				t.Errorf("%s: ideal %v outside its range [%v, %v]", name, s.Ideal, s.Lo, s.Hi)
			}
			if s.Direction == rules.LowerIsBetter && s.Ideal != s.Lo {
				t.Errorf("%s: lower is better but ideal %v is not the range's low end %v", name, s.Ideal, s.Lo)
			}
			if s.Direction == rules.HigherIsBetter && s.Ideal != s.Hi {
				t.Errorf("%s: higher is better but ideal %v is not the range's high end %v", name, s.Ideal, s.Hi)
			}
		}
	}
}
