package report

// format is one report format: its name, how a document of that shape is
// recognised, and how it is read into instances.
type format struct {
	// name is the format's name in the rules file (`format: clarify-bias`)
	// and in Parsed.Format.
	name string
	// title names the format in messages: "a Clarify bias analysis.json".
	title string
	// want says what a document of the format has, for messages: "pre_training_bias_metrics or ...".
	want string
	// match reports whether a parsed document has the format's shape. It
	// is asked when a slot or `format:` requires the format (a document
	// that does not match is an error) and, when detect is set, to detect
	// a named report's format from its content.
	match func(doc *node) bool
	// detect is whether content detection of a named report tries this
	// format. A format that is not detected (model-quality: a user's
	// evaluation.json looks like anything) is read only when a slot or
	// `format:` asks for it.
	detect bool
	// read reads a document that matched. r.slot is the report's slot or
	// name; r.detected is true when the format was detected from content.
	read func(r *reader, doc *node) error
}

// formats is the table of report readers. Content detection tries them in
// this order and reads a named report with the first whose detect and match
// hold; a document that none matches is read as generic JSON (FormatJSON,
// the fallback, is in the table only so that `format: json` can force it).
//
// Adding a format is one file holding its match and read functions and one
// entry appended here (before a format whose match would also accept its
// documents, if any).
var formats []format

func init() {
	// Set in init: match functions consult the table (model-quality
	// excludes every detected format), which a package-level initializer
	// could not refer to.
	formats = []format{
		{
			name: FormatModelQuality, title: "a model-quality statistics file",
			want:  "binary_classification_metrics, multiclass_classification_metrics, regression_metrics or another top-level *_metrics object",
			match: isModelQuality,
			read:  (*reader).quality,
		},
		{
			name: FormatClarifyBias, title: "a Clarify bias analysis.json",
			want:  "pre_training_bias_metrics or post_training_bias_metrics",
			match: isClarifyBias, detect: true,
			read: (*reader).biasAndExplanations,
		},
		{
			name: FormatClarifyExplain, title: "a Clarify explainability analysis.json",
			want:  "explanations.kernel_shap",
			match: isClarifyExplain, detect: true,
			read: (*reader).explain,
		},
		{
			name: FormatViolations, title: "a Model Monitor constraint_violations.json",
			want:  "a violations list",
			match: isViolations, detect: true,
			read: (*reader).violations,
		},
		{
			name: FormatFmeval, title: "an fmeval EvalOutput file",
			want:  "a list of EvalOutput objects (eval_name, dataset_scores), an object of such lists keyed by category, or {\"evaluations\": [...]}",
			match: isFmeval, detect: true,
			read: (*reader).fmeval,
		},
		{
			name: FormatJSON, title: "a JSON document",
			want:  "a JSON object or array",
			match: func(*node) bool { return true },
			read:  (*reader).generic,
		},
	}
	// The LLM evaluation formats (lmeval.go, promptfoo.go, deepeval.go).
	// Detection does not depend on the order: a document that two detected
	// formats match is refused as ambiguous.
	formats = append(formats, llmFormats...)
}

// lookupFormat returns the table entry of a format name, or nil.
func lookupFormat(name string) *format {
	for i := range formats {
		if formats[i].name == name {
			return &formats[i]
		}
	}
	return nil
}

// formatNames lists the table's format names in order.
func formatNames() []string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = f.name
	}
	return names
}
