package report

import (
	"fmt"
	"strings"
)

// Keys that mark a Clarify analysis.json. Their bias sections end in
// _metrics, so model-quality detection must exclude them.
const (
	keyPreBias     = "pre_training_bias_metrics"
	keyPostBias    = "post_training_bias_metrics"
	keyExplanation = "explanations"
)

// detect names the family a named report's content belongs to, or "" when
// it is none of the families with their own addresses (it is then read as
// generic JSON). A file with both bias sections and explanations (Clarify's
// run_bias_and_explainability) is clarify-bias; Read then also reads its
// explanations.
func detect(doc *node) string {
	switch {
	case isClarifyBias(doc):
		return FormatClarifyBias
	case isClarifyExplain(doc):
		return FormatClarifyExplain
	case isViolations(doc):
		return FormatViolations
	case isFmeval(doc):
		return FormatFmeval
	}
	return detectLLM(doc)
}

func isClarifyBias(doc *node) bool {
	return doc.get(keyPreBias) != nil || doc.get(keyPostBias) != nil
}

func isClarifyExplain(doc *node) bool {
	e := doc.get(keyExplanation)
	return e != nil && e.kind == kObject
}

func isViolations(doc *node) bool {
	v := doc.get("violations")
	return v != nil && v.kind == kArray
}

// isEvalOutput reports whether n looks like one fmeval EvalOutput.
func isEvalOutput(n *node) bool {
	if n == nil || n.kind != kObject {
		return false
	}
	_, named := n.getString("eval_name")
	if !named {
		_, named = n.getString("evaluation_name")
	}
	return named || n.get("dataset_scores") != nil
}

func allEvalOutputs(n *node) bool {
	if n == nil || n.kind != kArray || len(n.vals) == 0 {
		return false
	}
	for _, e := range n.vals {
		if !isEvalOutput(e) {
			return false
		}
	}
	return true
}

// isFmeval recognises the four fmeval containers: a JSON array of
// EvalOutput, an object keyed by category holding such arrays, a Studio
// job output.json with `evaluations`, and a single EvalOutput object.
func isFmeval(doc *node) bool {
	switch doc.kind {
	case kArray:
		return allEvalOutputs(doc)
	case kObject:
		if allEvalOutputs(doc.get("evaluations")) {
			return true
		}
		if isEvalOutput(doc) {
			return true
		}
		if len(doc.keys) == 0 {
			return false
		}
		for _, v := range doc.vals {
			if !allEvalOutputs(v) {
				return false
			}
		}
		return true
	}
	return false
}

// qualitySections lists the keys of a model-quality file's metric sections:
// every top-level `*_metrics` object that is not a Clarify bias section.
func qualitySections(doc *node) []int {
	if doc.kind != kObject {
		return nil
	}
	var idx []int
	for i, k := range doc.keys {
		if strings.HasSuffix(k, "_metrics") && k != keyPreBias && k != keyPostBias && doc.vals[i].kind == kObject {
			idx = append(idx, i)
		}
	}
	return idx
}

// flatQuality reports whether doc is a flat user file of metrics at the top
// level (`{"accuracy": 0.93, "auc": {"value": 0.9}}`).
func flatQuality(doc *node) bool {
	if doc.kind != kObject {
		return false
	}
	for i, k := range doc.keys {
		if k == "version" || k == "dataset" {
			continue
		}
		if _, _, ok := qualityEntry(doc.vals[i]); ok {
			return true
		}
	}
	return false
}

var familyWant = map[string]string{
	FormatModelQuality:   "binary_classification_metrics, multiclass_classification_metrics, regression_metrics or another top-level *_metrics object",
	FormatClarifyBias:    "pre_training_bias_metrics or post_training_bias_metrics",
	FormatClarifyExplain: "explanations.kernel_shap",
	FormatViolations:     "a violations list",
	FormatFmeval:         "a list of EvalOutput objects (eval_name, dataset_scores), an object of such lists keyed by category, or {\"evaluations\": [...]}",
}

var familyTitle = map[string]string{
	FormatModelQuality:   "a model-quality statistics file",
	FormatClarifyBias:    "a Clarify bias analysis.json",
	FormatClarifyExplain: "a Clarify explainability analysis.json",
	FormatViolations:     "a Model Monitor constraint_violations.json",
	FormatFmeval:         "an fmeval EvalOutput file",
}

// mismatch returns "" when doc has the shape of format, or a message saying
// what was looked for and what was found.
func mismatch(doc *node, format string) string {
	var ok bool
	switch format {
	case FormatModelQuality:
		d := detect(doc)
		ok = d == "" && (len(qualitySections(doc)) > 0 || flatQuality(doc))
	case FormatClarifyBias:
		ok = isClarifyBias(doc)
	case FormatClarifyExplain:
		ok = isClarifyExplain(doc)
	case FormatViolations:
		ok = isViolations(doc)
	case FormatFmeval:
		ok = isFmeval(doc)
	default:
		return ""
	}
	if ok {
		return ""
	}
	found := summary(doc)
	if d := detect(doc); d != "" && d != format {
		return fmt.Sprintf("this is %s, not %s (looked for %s; found %s)", familyTitle[d], familyTitle[format], familyWant[format], found)
	}
	return fmt.Sprintf("not a known report format (looked for %s; found %s)", familyWant[format], found)
}

// summary describes a document's top level for error messages.
func summary(doc *node) string {
	switch doc.kind {
	case kObject:
		if len(doc.keys) == 0 {
			return "an empty object"
		}
		return "top-level keys " + keysOf(doc)
	case kArray:
		if len(doc.vals) == 0 {
			return "an empty array"
		}
		return fmt.Sprintf("an array of %d elements, the first %s", len(doc.vals), describeNode(doc.vals[0]))
	}
	return doc.kind.String()
}

func describeNode(n *node) string {
	if n.kind == kObject {
		return "an object with keys " + keysOf(n)
	}
	return n.kind.String()
}
