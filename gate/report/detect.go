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

// detect returns the format a named report's content belongs to: the first
// entry of the formats table that is detected from content and matches, or
// generic JSON. A file with both bias sections and explanations (Clarify's
// run_bias_and_explainability) is clarify-bias; its reader then also reads
// the explanations.
func detect(doc *node) *format {
	if f := detectedFormat(doc); f != nil {
		return f
	}
	return lookupFormat(FormatJSON)
}

// detectedFormat is detect without the generic fallback: nil when no
// detected format matches.
func detectedFormat(doc *node) *format {
	for i := range formats {
		if f := &formats[i]; f.detect && f.match(doc) {
			return f
		}
	}
	return nil
}

// ambiguousFormats returns two detected formats that both match doc, or
// nils. Clarify bias with explanations is one file (biasAndExplanations
// reads both), not an ambiguity.
func ambiguousFormats(doc *node) (*format, *format) {
	var first *format
	for i := range formats {
		f := &formats[i]
		if !f.detect || !f.match(doc) {
			continue
		}
		if first == nil {
			first = f
			continue
		}
		if first.name == FormatClarifyBias && f.name == FormatClarifyExplain {
			continue
		}
		return first, f
	}
	return nil, nil
}

// isModelQuality: a model-quality file has a `*_metrics` section or
// top-level metrics, and is not of a format detected from content (a
// Clarify bias file's sections also end in _metrics).
func isModelQuality(doc *node) bool {
	return detectedFormat(doc) == nil && (len(qualitySections(doc)) > 0 || flatQuality(doc))
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
	if n == nil || n.kind != kArray || len(n.vals()) == 0 {
		return false
	}
	for _, e := range n.vals() {
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
		if len(doc.keys()) == 0 {
			return false
		}
		for _, v := range doc.vals() {
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
	for i, k := range doc.keys() {
		if strings.HasSuffix(k, "_metrics") && k != keyPreBias && k != keyPostBias && doc.vals()[i].kind == kObject {
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
	for i, k := range doc.keys() {
		if k == "version" || k == "dataset" {
			continue
		}
		if _, _, ok := qualityEntry(doc.vals()[i]); ok {
			return true
		}
	}
	return false
}

// mismatch says what was looked for and what was found, for a document
// that does not match format f.
func mismatch(doc *node, f *format) string {
	found := summary(doc)
	if d := detectedFormat(doc); d != nil && d != f {
		return fmt.Sprintf("this is %s, not %s (looked for %s; found %s)", d.title, f.title, f.want, found)
	}
	return fmt.Sprintf("not a known report format (looked for %s; found %s)", f.want, found)
}

// summary describes a document's top level for error messages.
func summary(doc *node) string {
	switch doc.kind {
	case kObject:
		if len(doc.keys()) == 0 {
			return "an empty object"
		}
		return "top-level keys " + keysOf(doc)
	case kArray:
		if len(doc.vals()) == 0 {
			return "an empty array"
		}
		return fmt.Sprintf("an array of %d elements, the first %s", len(doc.vals()), describeNode(doc.vals()[0]))
	}
	return doc.kind.String()
}

func describeNode(n *node) string {
	if n.kind == kObject {
		return "an object with keys " + keysOf(n)
	}
	return n.kind.String()
}
