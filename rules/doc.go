// Package rules is the modelgate rules-file language (version 1): typed
// values that keep their line and column, Parse and validation that report
// every problem at once as file:line:col diagnostics, metric addresses, the
// JSON Schema, and the semantic diff of two rules files.
//
// # Parsing
//
// Parse decodes the bytes into a yaml.v3 node tree, never into structs, so
// that every value keeps the line and column it was written at: a failing
// rule is annotated on its own line of the pull request, and a diagnostic
// points at the exact character. Validation walks the tree once and collects
// every problem instead of stopping at the first; the error is Diagnostics,
// one Diagnostic per problem, each printed as
//
//	.github/modelgate.yml:12:5: unknown key `mn` in rule; did you mean `min`? allowed keys: id, metric, ... [unknown-key]
//
// The bracketed kind (the Kind* constants: unknown-key, type, range, value,
// required, conflict, name, address, duplicate-id, waiver, ...) is stable
// for tools. Messages name what was found and what is allowed, and suggest
// the nearest allowed word (edit distance) for a typo: a key, an enum value,
// a metric family or a source. A key written at the wrong level says where
// it belongs ("`max_drop` belongs under `vs_baseline`").
//
// A rules file comes from a pull request, so it is hostile input. Parse
// refuses more than MaxFileBytes, NUL bytes, more than one YAML document,
// anchors, aliases and merge keys (no expansion bombs, and no value that
// silently means another), and tags other than YAML's core ones; yaml.v3
// caps nesting depth. Numbers must be YAML ints or floats: a quoted "0.8",
// .nan and .inf are errors, never a threshold. At most 200 diagnostics are
// reported. Parse never panics: FuzzParse checks it.
//
// Parse fills the model selectors it defaults (candidate latest-pending,
// baseline latest-approved, first_model fail) with a zero Pos; severities
// and on_missing are left empty when unwritten, and File.EffectiveSeverity
// and File.EffectiveOnMissing resolve them against the file's defaults.
// The first_model default is fail, not absolute-only: a group with no
// approved model fails its vs_baseline rules unless the file opts out.
//
// # Time
//
// Parse does not depend on the clock. A waiver whose date has passed parses
// (so that `modelgate check` can load the file and fail that rule with a
// clear reason on the pull request); Lint(f, now) reports it, for
// `modelgate validate`. A malformed date is a Parse error.
//
// # Metric addresses
//
// A metric address is segments separated by dots. The first segment is the
// family: quality, bias, shap, llm, violations, a slot read as generic JSON
// (data_quality, "quality.constraints", "drift.quality", ...: SlotFamilies),
// or the name of a report of the file's reports list. A segment that holds a dot, a colon, a space, a
// quote, a backslash or a control character is written in double quotes,
// with \" and \\ as the only escapes:
//
//	quality.auc
//	bias.post.DI
//	shap."Marital Status"
//	training."validation:auc".value
//	eval."acc.top-1".mean
//
// In YAML, an address that starts with a quote must itself be quoted:
// metric: 'training."validation:auc".value'. ParseAddress parses one;
// FormatAddress builds the canonical form that report readers index their
// instances by, and Address.String gives it back.
//
// # Schema
//
// Schema returns a JSON Schema (draft 2020-12) for editors and
// `modelgate schema`. It knows every key, type, enum and range, the "exactly
// one of metric, require, shap" and "metric keys only on metric rules"
// shapes; what needs two values at once (min <= max, unique ids, report
// names as metric families, real calendar dates) is Parse's alone. A test
// validates every valid file against it and pins which invalid cases it
// rejects.
//
// # Diff
//
// Diff compares a base and a head rules file, rule by rule (matched by id),
// and classifies each change as Loosen, Tighten or Neutral. Loosening is
// anything that can let a candidate through that the base rules stop: a
// lower min, a higher max, a wider between (each side separately), a larger
// abs_max, max_deviation or vs_baseline tolerance (a smaller min_gain), a
// removed threshold or rule, error -> warning, on_missing fail -> warn ->
// skip (for a rule, or the file's defaults), a confidence band added or
// widened, on_inconclusive fail -> warn, a new or extended waiver, fewer
// required sources, a smaller shap not_in_top, fewer protected features, a
// higher max_share, a lower min_rank_correlation, a `where` or shap label
// added, a lower min_samples, a baseline that is no longer the latest
// approved (pinned, or none), first_model fail -> absolute-only, and a
// memorization check with less corpus or longer spans. The reverse of each
// tightens; a new rule tightens. Bounds are compared by effect:
// between [0.8, 1.25] and min 0.8 + max 1.25 are the same rule.
//
// A change with no clear order (a metric address, a direction or an ideal
// changed, a `where` value or shap label replaced, a rule turned from one
// kind into another) counts as loosening: the old check is gone, and the
// guard must not let that pass unseen. A pinned baseline moved to another
// pinned version, a report source or format, the group, the candidate and
// the registry are Neutral: reported, never blocking. FormatChanges prints
// one line per change, loosening first; Loosens says whether a pull request
// loosens the gate (the rules_change input decides what that does).
//
// # Inheritance (extends)
//
// A file with a `policy:` section is a base policy: no model, registry or
// endpoint, optional `waiver_owners`, and rules that may carry
// `overridable` bounds. Any rules file may `extends` bases: a path in its
// repository, another GitHub repository at a 40-hex commit (a tag or
// branch only with allow_moving_ref), or an https URL with its sha256.
// Parse only checks the entries; the gate fetches the bases
// (gate.ResolvePolicy) and Inherit merges a file with its resolved bases:
// a redefinition of an inherited rule (same id) is compared with Diff and
// every Loosen change is a Diagnostic at the child's line, unless it moves
// an overridable threshold within its bounds; a waiver on an inherited rule
// needs an owner the defining base (or one above it) lists. Inherited rules
// keep their base's defaults, made explicit, and point at the child's
// `extends` entry; the Resolution lists every policy file's sha256 for the
// evidence and the audit record.
package rules
