// Package report reads the reports attached to a model package, or named in
// the rules file, into metric instances (gate.Instance): an address, labels
// that tell instances of one address apart, a value, an optional standard
// deviation, the place it was read (`<report>: <json path>`) and, for a value
// that is not a finite number, a note saying why it is missing.
//
// Read is the only entry point:
//
//	p, err := report.Read(gate.Source{Slot: gate.SlotBiasPost, URI: uri}, data)
//
// # Formats and the addresses they produce
//
// model-quality (FormatModelQuality): Model Monitor model-quality
// statistics.json, a pipelines evaluation.json or any user file of the same
// convention. Every top-level `*_metrics` object is read:
// binary_classification_metrics, multiclass_classification_metrics,
// regression_metrics, and user keys such as classification_metrics. In it,
// `{"value": v, "standard_deviation": s}` and bare scalars (`"accuracy":
// 0.93`, `"f1": "NA"`) are metrics; confusion_matrix, the ROC and PR curves
// and per-class maps are not scalars and are skipped. The top level is
// read the same way (all of a flat user file's metrics), beside the
// sections too. Addresses: `quality.<metric>` (`quality."validation:auc"`
// for XGBoost names), with StdDev from standard_deviation (NaN when it is
// "NaN", "NA", absent or not a number; an infinite or negative one makes
// the metric missing). Parsed.ItemCount is dataset.item_count.
//
// clarify-bias (FormatClarifyBias): Clarify analysis.json,
// pre_training_bias_metrics and post_training_bias_metrics. Addresses
// `bias.pre.<M>` and `bias.post.<M>` (M as written: CI, DPL, KL, JS, LP,
// TVD, KS, CDDL, DPPL, DI, DCA, DCR, RD, SD, DAR, DRR, AD, CDDPL, TE, FT, GE),
// one instance per facet and facet value, labelled facet (the facet name),
// value (value_or_threshold exactly as written: "1", "(0.5, 0.99]",
// "a,b") and group (a group_variable the file names, when it names one).
// A metric with `"value": null` and an error is missing with the error text
// as its note; "Infinity"/"-Infinity" strings are missing (not finite).
//
// clarify-explainability (FormatClarifyExplain): Clarify analysis.json,
// explanations.kernel_shap. Addresses `shap.<feature>` labelled label (the
// label key as written: label0, a label header, "0.7956783771514893").
// Labels may cover different features. expected_value,
// global_top_shap_text and pdp are not feature importances and are skipped.
//
// monitor-violations (FormatViolations): Model Monitor
// constraint_violations.json of the data-quality, model-quality, bias-drift
// and feature-attribution-drift monitors and of bring-your-own containers.
// Addresses `violations.<constraint_check_type>` whose value is a count of
// violations: one unlabelled instance with the total of the check type
// (what a rule without `where` judges), and one instance per distinct
// combination a violation names of the labels feature
// (feature_name), metric (metric_name; camelCase rates such as
// truePositiveRate become true_positive_rate as in statistics files),
// facet, value (facet_value) and label. A violation without a check type
// counts under `violations.unknown`. Every file also gives
// `violations.total` (all violations, no labels) and a 0 for each built-in
// check type it does not mention (data_type_check, completeness_check,
// baseline_drift_check, missing_column_check, extra_column_check,
// categorical_values_check, LessThanThreshold, GreaterThanThreshold,
// bias_drift_check, feature_attribution_drift_check), so that an empty
// `{"violations": []}` passes `violations.total max: 0` instead of being
// missing. The numbers inside descriptions are not parsed.
//
// fmeval (FormatFmeval): fmeval EvalOutput as a JSON array (fmeval today),
// as an object keyed by eval category holding such arrays (fmeval before
// August 2024), as a Studio / managed-job output.json `{"evaluations":
// [...]}` whose entries say evaluation_name, or as one EvalOutput object.
// Addresses `llm.<eval_name>.<score>` labelled dataset (dataset_name) and,
// for category_scores, category. A score whose value is null or absent is
// missing, with its error as the note. An EvalOutput that failed as a whole
// (dataset_scores null, error set) gives one missing instance for each score
// its eval_name is known to produce (the seven detoxify scores for
// toxicity; an unknown eval gives llm.<eval>.<eval>), each noting the error,
// so that every rule on that evaluation sees it as missing and says why.
//
// json (FormatJSON): any JSON document. Every numeric leaf (a number, or a
// string holding one) becomes `<report name>.<path>` with object keys and
// array indexes as segments, quoted by rules.FormatAddress when needed:
// `training.classification_metrics."validation:auc".value`,
// `memo.memorization.per_corpus."books.v2".verbatim_rate`,
// `card.metric_groups.0.metric_data.0.value`. "NaN"/"Infinity" strings and
// bare NaN tokens are missing instances with a note; null, booleans and
// other strings are skipped.
//
// # One metric, two places
//
// A metric a report gives more than once, the same address with the same
// labels read at two JSON paths, is one missing instance whose note names
// every path (at most four): `quality.auc` at the top level and in
// binary_classification_metrics, or in two sections; a facet value or a
// metric listed twice in a Clarify bias section; an fmeval evaluation of
// one dataset listed twice, in one list, in two category groups, or in an
// `evaluations` list and beside it; a score or category listed twice.
// Equal values are no exception. This runs after every reader
// (markAmbiguous), so a new format gets it without asking. An object that
// names its group variable or its evaluation twice, differently, is an
// error naming both paths; a Clarify metric or fmeval score with both a
// value and an error is missing; a named report with the shape of two
// formats (other than Clarify bias with explanations) is an error asking
// for `format:`.
//
// # The formats table
//
// Readers are the table `formats` in formats.go: for each format its name,
// a title and what it looks for (for messages), match (does a parsed
// document have its shape), detect (is it tried when detecting a named
// report's format) and read (make instances from a matched document). Read
// looks the format up by `format:` or slot, or walks the table in order to
// detect it, and falls back to generic JSON. A new format is one file with
// its match and read functions plus one entry appended to the table (before
// a format whose match would also take its documents), and its name in
// rules' list of `format:` values (TestFormatsAcceptedByRules checks that).
//
// # Detection
//
// Source.Format, when set, forces a reader; a file of another shape is an
// error. Otherwise the slot decides:
//
//   - quality reads model-quality; bias reads both Clarify bias sections,
//     bias.pre and bias.post only their own (which must be present);
//     explainability reads kernel SHAP. A file of another shape is an error
//     naming the report, what was looked for and what was found ("this is a
//     Clarify bias analysis.json, not a model-quality statistics file ...").
//   - The other ModelMetrics and DriftCheckBaselines slots (constraints,
//     data quality, drift baselines) are read as generic JSON under the slot
//     name (`"quality.constraints".regression_constraints.mae.threshold`),
//     so that a baseline never shadows the candidate's own quality.*, bias.*
//     or shap.* instances.
//   - A report of the rules file's reports list is detected from content:
//     pre/post_training_bias_metrics is clarify-bias (and a file with
//     explanations.kernel_shap as well gives shap.* too), explanations is
//     clarify-explainability, a violations list is monitor-violations, the
//     four fmeval containers are fmeval, and anything else, including a
//     user's evaluation.json, is generic JSON.
//
// # Hostile input
//
// Reports are treated as hostile. Read refuses more than gate.MaxReportBytes
// (wrapping gate.ErrTooLarge), a Content-Type that is not JSON (text/csv),
// nesting deeper than 128 levels, more than 1,000,000 JSON values, objects
// of more than 500,000 keys and more than 500,000 instances, and never
// panics (fuzz targets check that, that every address it makes parses back
// with rules.ParseAddress, and that no value or standard deviation is
// infinite). A large Clarify explainability report is streamed: pdp and
// kernel_shap are checked as strictly as the rest (grammar, depth,
// duplicate keys, with the same errors) but not built; the labels are
// built one at a time, and their global_shap_values read member by member;
// generic JSON builds them when it reads them (fuzz targets check that both
// ways read the same). A 64 MiB report with 480,000 SHAP values
// reads in under a second and 200 MB peak, the document included
// (BenchmarkReadShapAtCap, TestHostileSizes). Non-finite values (bare or
// quoted NaN and Infinity, numbers past the float64 range) are missing with
// a note; so is every value of a SHAP label whose finite values add up past
// the float64 range. Its JSON parser is strict except for
// what real producers write: bare NaN, Infinity and -Infinity tokens from
// Python's json.dumps (read as missing, with a note), duplicate keys (an
// error: two values for one key are ambiguous), a UTF-8 byte order mark, numbers
// in exponent form and integers where floats are expected. JSON Lines (the
// fmeval per-record output) is refused with a message pointing at the
// EvalOutput file. Every error is a *Error whose message reads
// `report <name> (<uri>): <json path>: <message>`.
package report
