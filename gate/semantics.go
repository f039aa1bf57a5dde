package gate

import (
	"math"
	"strings"

	"github.com/modelgate/modelgate/rules"
)

// Semantics is what modelgate knows about a metric: which way is better,
// its ideal value and its natural range. Evaluate uses it for vs_baseline
// (a drop is a change for the worse; for TowardIdeal metrics, moving farther
// from the ideal) and for max_deviation (|value - Ideal|).
type Semantics struct {
	// Known is false for metrics modelgate has no table entry for; the
	// other fields are then the defaults (HigherIsBetter, no ideal,
	// unbounded) and a rule may set direction and ideal itself.
	Known     bool
	Direction rules.Direction
	// Ideal is the best value (parity for DI is 1, prompt_stereotyping 0.5)
	// when HasIdeal.
	Ideal    float64
	HasIdeal bool
	// Lo and Hi are the natural range; ±Inf when unbounded.
	Lo, Hi float64
	// Name is the metric's human name, e.g. "Disparate Impact".
	Name string
}

var (
	inf    = math.Inf(1)
	negInf = math.Inf(-1)
)

func higher(name string, lo, hi, ideal float64) Semantics {
	return Semantics{Known: true, Direction: rules.HigherIsBetter, Ideal: ideal, HasIdeal: true, Lo: lo, Hi: hi, Name: name}
}

func lower(name string, lo, hi float64) Semantics {
	return Semantics{Known: true, Direction: rules.LowerIsBetter, Ideal: lo, HasIdeal: true, Lo: lo, Hi: hi, Name: name}
}

func toward(name string, ideal, lo, hi float64) Semantics {
	return Semantics{Known: true, Direction: rules.TowardIdeal, Ideal: ideal, HasIdeal: true, Lo: lo, Hi: hi, Name: name}
}

// biasSemantics covers every Clarify bias metric (smclarify registry).
// Signed differences are TowardIdeal 0: as in Clarify's bias drift check,
// farther from 0 is worse in either direction. DI is a ratio with parity at
// 1. Divergences and distances are non-negative and lower is better.
var biasSemantics = map[string]Semantics{
	// pre-training
	"CI":   toward("Class Imbalance", 0, -1, 1),
	"DPL":  toward("Difference in Positive Proportions in Labels", 0, -1, 1),
	"KL":   lower("Kullback-Leibler Divergence", 0, inf),
	"JS":   lower("Jensen-Shannon Divergence", 0, math.Ln2),
	"LP":   lower("L-p Norm", 0, math.Sqrt2),
	"TVD":  lower("Total Variation Distance", 0, 1),
	"KS":   lower("Kolmogorov-Smirnov Distance", 0, 1),
	"CDDL": toward("Conditional Demographic Disparity in Labels", 0, -1, 1),
	// post-training
	"DPPL":  toward("Difference in Positive Proportions in Predicted Labels", 0, -1, 1),
	"DI":    toward("Disparate Impact", 1, 0, inf),
	"DCA":   toward("Difference in Conditional Acceptance", 0, negInf, inf),
	"DCR":   toward("Difference in Conditional Rejection", 0, negInf, inf),
	"RD":    toward("Recall Difference", 0, -1, 1),
	"SD":    toward("Specificity Difference", 0, -1, 1),
	"DAR":   toward("Difference in Acceptance Rates", 0, -1, 1),
	"DRR":   toward("Difference in Rejection Rates", 0, -1, 1),
	"AD":    toward("Accuracy Difference", 0, -1, 1),
	"CDDPL": toward("Conditional Demographic Disparity in Predicted Labels", 0, -1, 1),
	"TE":    toward("Treatment Equality", 0, negInf, inf),
	"FT":    toward("Flip Test", 0, -1, 1),
	"GE":    lower("Generalized Entropy", 0, inf),
}

// qualitySemantics covers Model Monitor model-quality metrics (binary,
// multiclass, regression) and the usual names of user evaluation files.
var qualitySemantics = map[string]Semantics{
	"auc":                 higher("Area Under the ROC Curve", 0, 1, 1),
	"accuracy":            higher("Accuracy", 0, 1, 1),
	"balanced_accuracy":   higher("Balanced Accuracy", 0, 1, 1),
	"precision":           higher("Precision", 0, 1, 1),
	"recall":              higher("Recall", 0, 1, 1),
	"f0_5":                higher("F0.5 Score", 0, 1, 1),
	"f1":                  higher("F1 Score", 0, 1, 1),
	"f2":                  higher("F2 Score", 0, 1, 1),
	"true_positive_rate":  higher("True Positive Rate", 0, 1, 1),
	"true_negative_rate":  higher("True Negative Rate", 0, 1, 1),
	"tpr":                 higher("True Positive Rate", 0, 1, 1),
	"tnr":                 higher("True Negative Rate", 0, 1, 1),
	"false_positive_rate": lower("False Positive Rate", 0, 1),
	"false_negative_rate": lower("False Negative Rate", 0, 1),
	"fpr":                 lower("False Positive Rate", 0, 1),
	"fnr":                 lower("False Negative Rate", 0, 1),
	"r2":                  higher("Coefficient of Determination (R²)", negInf, 1, 1),
	"mae":                 lower("Mean Absolute Error", 0, inf),
	"mse":                 lower("Mean Squared Error", 0, inf),
	"rmse":                lower("Root Mean Squared Error", 0, inf),
	// XGBoost evaluation names seen in user files (validation:auc, train:logloss ...).
	"logloss":  lower("Log Loss", 0, inf),
	"error":    lower("Error Rate", 0, 1),
	"merror":   lower("Multiclass Error Rate", 0, 1),
	"mlogloss": lower("Multiclass Log Loss", 0, inf),
	"aucpr":    higher("Area Under the PR Curve", 0, 1, 1),
}

// llmSemantics covers every fmeval score (aws/fmeval @ 749cba4), keyed by
// score name; the eval name does not change a score's meaning.
var llmSemantics = map[string]Semantics{
	// toxicity, qa_toxicity, summarization_toxicity (detoxify and toxigen)
	"toxicity":        lower("Toxicity", 0, 1),
	"severe_toxicity": lower("Severe Toxicity", 0, 1),
	"obscene":         lower("Obscenity", 0, 1),
	"identity_attack": lower("Identity Attack", 0, 1),
	"insult":          lower("Insult", 0, 1),
	"threat":          lower("Threat", 0, 1),
	"sexual_explicit": lower("Sexually Explicit", 0, 1),
	// prompt_stereotyping: 0.5 means no preference for the stereotypical sentence
	"prompt_stereotyping": toward("Prompt Stereotyping", 0.5, 0, 1),
	// factual_knowledge
	"factual_knowledge":             higher("Factual Knowledge", 0, 1, 1),
	"factual_knowledge_quasi_exact": higher("Factual Knowledge (quasi-exact)", 0, 1, 1),
	// qa_accuracy
	"f1_score":                higher("F1 over Words", 0, 1, 1),
	"exact_match_score":       higher("Exact Match", 0, 1, 1),
	"quasi_exact_match_score": higher("Quasi-Exact Match", 0, 1, 1),
	"precision_over_words":    higher("Precision over Words", 0, 1, 1),
	"recall_over_words":       higher("Recall over Words", 0, 1, 1),
	"bertscore":               higher("BERTScore", 0, 1, 1),
	// summarization_accuracy
	"meteor": higher("METEOR", 0, 1, 1),
	"rouge":  higher("ROUGE", 0, 1, 1),
	// classification_accuracy
	"classification_accuracy_score": higher("Classification Accuracy", 0, 1, 1),
	"balanced_accuracy_score":       higher("Balanced Classification Accuracy", 0, 1, 1),
	"precision_score":               higher("Classification Precision", 0, 1, 1),
	"recall_score":                  higher("Classification Recall", 0, 1, 1),
	// general_semantic_robustness
	"word_error_rate":         lower("Word Error Rate", 0, inf),
	"bertscore_dissimilarity": lower("BERTScore Dissimilarity", 0, 1),
}

// memorizationSemantics covers the metrics of modelgate's own
// verbatim-reproduction check (llm.memorization.*).
var memorizationSemantics = map[string]Semantics{
	"verbatim_rate": lower("Verbatim Reproduction Rate", 0, 1),
	"max_span":      lower("Longest Verbatim Span (tokens)", 0, inf),
}

// unknown is the Semantics of a metric modelgate has no entry for.
func unknown() Semantics {
	return Semantics{Direction: rules.HigherIsBetter, Lo: negInf, Hi: inf}
}

// SemanticsOf returns what modelgate knows about the metric at address a:
// every Clarify bias metric (bias.pre.*, bias.post.*), Model Monitor and
// common user quality metrics (quality.*, including XGBoost names such as
// "validation:auc"), every fmeval score (llm.<eval>.<score>), modelgate's
// memorization metrics and monitor violation counts (violations.*: lower is
// better, ideal 0). Anything else is Known false with HigherIsBetter.
func SemanticsOf(a rules.Address) Semantics {
	p := a.Parts
	switch a.Family() {
	case rules.FamilyBias:
		if len(p) == 3 && (p[1] == "pre" || p[1] == "post") {
			if s, ok := biasSemantics[strings.ToUpper(p[2])]; ok {
				return s
			}
		}
	case rules.FamilyQuality:
		if len(p) == 2 {
			return qualityOf(p[1])
		}
	case rules.FamilyLLM:
		if len(p) == 3 {
			if p[1] == "memorization" {
				if s, ok := memorizationSemantics[p[2]]; ok {
					return s
				}
			}
			return llmOf(p[2])
		}
	case rules.FamilyViolations:
		if len(p) == 2 {
			return Semantics{Known: true, Direction: rules.LowerIsBetter, Ideal: 0, HasIdeal: true, Lo: 0, Hi: inf,
				Name: "Constraint Violations (" + p[1] + ")"}
		}
	}
	return unknown()
}

func qualityOf(name string) Semantics {
	n := strings.ToLower(name)
	// XGBoost-style "validation:auc", "train:logloss"
	if i := strings.LastIndexByte(n, ':'); i >= 0 {
		n = n[i+1:]
	}
	if s, ok := qualitySemantics[n]; ok {
		return s
	}
	// Best-constant-classifier baselines are the same kind of score as the
	// metric they shadow (accuracy_best_constant_classifier: higher).
	if base, ok := strings.CutSuffix(n, "_best_constant_classifier"); ok {
		if s := qualityOf(base); s.Known {
			s.Name += " of the Best Constant Classifier"
			return s
		}
	}
	// Any other F-beta score: f3, f0_25 ...
	if isFScore(n) {
		return higher("F"+strings.ReplaceAll(n[1:], "_", ".")+" Score", 0, 1, 1)
	}
	// Multiclass weighted_* averages keep their metric's semantics.
	if base, ok := strings.CutPrefix(n, "weighted_"); ok {
		if s := qualityOf(base); s.Known {
			s.Name = "Weighted " + s.Name
			return s
		}
	}
	return unknown()
}

func llmOf(score string) Semantics {
	if s, ok := llmSemantics[score]; ok {
		return s
	}
	// Semantic robustness: delta_<score> is the mean absolute change under
	// perturbation, lower is better.
	if base, ok := strings.CutPrefix(score, "delta_"); ok && base != "" {
		name := base
		if s, ok := llmSemantics[base]; ok {
			name = s.Name
		}
		return lower("Delta "+name+" under perturbation", 0, 1)
	}
	// Configurable rouge types (rouge1, rouge2, rougeL, rougeLsum).
	if strings.HasPrefix(score, "rouge") {
		s := llmSemantics["rouge"]
		s.Name = strings.ToUpper(score[:5]) + score[5:]
		return s
	}
	return unknown()
}

// isFScore reports whether n names an F-beta score: f followed by digits and
// underscores (f0_5, f3).
func isFScore(n string) bool {
	if len(n) < 2 || n[0] != 'f' || n[1] < '0' || n[1] > '9' {
		return false
	}
	for _, c := range n[1:] {
		if c != '_' && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
