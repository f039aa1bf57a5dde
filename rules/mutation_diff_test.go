package rules

import (
	"strings"
	"testing"
)

// Every change kind of `modelgate diff`, one at a time, with its direction
// and the before/after the reviewer reads (README "Rules-change guard":
// the loosens/tightens table and the neutral list). Issue 18: each case
// pins a branch of the diff that a mutation run showed unpinned.
func TestDiffEveryChangeKind(t *testing.T) {
	t.Parallel()
	const (
		m0  = "version: 1\nmodel: {group: g}\n"
		auc = "  - {id: r, metric: quality.auc, min: 0.8}\n"
	)
	rulesOf := func(rs ...string) string { return "rules:\n" + strings.Join(rs, "") }
	tests := []struct {
		name       string
		base, head string
		want       []string // "kind rule: what: before -> after", in Diff's order
	}{
		// model.baseline: latest-approved > a pinned version > none.
		{"baseline latest-approved -> pinned", "version: 1\nmodel: {group: g, baseline: latest-approved}\n" + rulesOf(auc), "version: 1\nmodel: {group: g, baseline: 12}\n" + rulesOf(auc),
			[]string{"loosen file: model.baseline changed: latest-approved -> 12"}},
		{"baseline pinned -> latest-approved", "version: 1\nmodel: {group: g, baseline: 12}\n" + rulesOf(auc), m0 + rulesOf(auc),
			[]string{"tighten file: model.baseline changed: 12 -> latest-approved"}},
		{"baseline pinned -> another pinned", "version: 1\nmodel: {group: g, baseline: 12}\n" + rulesOf(auc), "version: 1\nmodel: {group: g, baseline: 13}\n" + rulesOf(auc),
			[]string{"neutral file: model.baseline changed: 12 -> 13"}},
		{"baseline pinned -> none", "version: 1\nmodel: {group: g, baseline: 12}\n" + rulesOf(auc), "version: 1\nmodel: {group: g, baseline: none}\n" + rulesOf(auc),
			[]string{"loosen file: model.baseline changed: 12 -> none"}},
		{"baseline none -> pinned", "version: 1\nmodel: {group: g, baseline: none}\n" + rulesOf(auc), "version: 1\nmodel: {group: g, baseline: 12}\n" + rulesOf(auc),
			[]string{"tighten file: model.baseline changed: none -> 12"}},
		{"baseline default = latest-approved", m0 + rulesOf(auc), "version: 1\nmodel: {group: g, baseline: latest-approved}\n" + rulesOf(auc), nil},
		{"first_model fail -> absolute-only", m0 + rulesOf(auc), "version: 1\nmodel: {group: g, first_model: absolute-only}\n" + rulesOf(auc),
			[]string{"loosen file: model.first_model changed: fail -> absolute-only"}},
		{"first_model absolute-only -> fail", "version: 1\nmodel: {group: g, first_model: absolute-only}\n" + rulesOf(auc), "version: 1\nmodel: {group: g, first_model: fail}\n" + rulesOf(auc),
			[]string{"tighten file: model.first_model changed: absolute-only -> fail"}},
		{"first_model default = fail", m0 + rulesOf(auc), "version: 1\nmodel: {group: g, first_model: fail}\n" + rulesOf(auc), nil},
		{"group and candidate are neutral", m0 + rulesOf(auc), "version: 1\nmodel: {group: h, candidate: 14}\n" + rulesOf(auc),
			[]string{"neutral file: model.group changed: g -> h", "neutral file: model.candidate changed: latest-pending -> 14"}},

		// defaults: severity error -> warning, on_missing fail -> warn -> skip loosen.
		{"defaults.severity error -> warning", m0 + rulesOf(auc), m0 + "defaults: {severity: warning}\n" + rulesOf(auc),
			[]string{"loosen file: defaults.severity changed: error -> warning"}},
		{"defaults.severity warning -> error", m0 + "defaults: {severity: warning}\n" + rulesOf(auc), m0 + "defaults: {severity: error}\n" + rulesOf(auc),
			[]string{"tighten file: defaults.severity changed: warning -> error"}},
		{"defaults.on_missing warn -> skip", m0 + "defaults: {on_missing: warn}\n" + rulesOf(auc), m0 + "defaults: {on_missing: skip}\n" + rulesOf(auc),
			[]string{"loosen file: defaults.on_missing changed: warn -> skip"}},
		{"defaults.on_missing skip -> warn", m0 + "defaults: {on_missing: skip}\n" + rulesOf(auc), m0 + "defaults: {on_missing: warn}\n" + rulesOf(auc),
			[]string{"tighten file: defaults.on_missing changed: skip -> warn"}},
		{"defaults.on_missing warn -> default fail", m0 + "defaults: {on_missing: warn}\n" + rulesOf(auc), m0 + rulesOf(auc),
			[]string{"tighten file: defaults.on_missing changed: warn -> fail"}},
		{"defaults at their defaults", m0 + rulesOf(auc), m0 + "defaults: {severity: error, on_missing: fail}\n" + rulesOf(auc), nil},

		// registry and reports: neutral.
		{"registry region and path_style", m0 + "registry: {kind: sagemaker, region: eu-west-1}\n" + rulesOf(auc), m0 + "registry: {kind: sagemaker, region: us-east-1, path_style: true}\n" + rulesOf(auc),
			[]string{"neutral file: registry.region changed: eu-west-1 -> us-east-1", "neutral file: registry.path_style changed: false -> true"}},
		{"registry kind and path", m0 + "registry: {kind: local, path: reg}\n" + rulesOf(auc), m0 + "registry: {kind: sagemaker}\n" + rulesOf(auc),
			[]string{"neutral file: registry.kind changed: local -> sagemaker", "neutral file: registry.path changed: reg -> "}},
		{"report added", m0 + rulesOf(auc), m0 + "reports:\n  - {name: t, uri: s3://b/k}\n" + rulesOf(auc),
			[]string{"neutral file: report `t` added:  -> s3://b/k"}},
		{"report removed", m0 + "reports:\n  - {name: t, metadata: key}\n" + rulesOf(auc), m0 + rulesOf(auc),
			[]string{"neutral file: report `t` removed: metadata:key -> "}},
		{"report uri -> metadata", m0 + "reports:\n  - {name: t, uri: s3://b/k}\n" + rulesOf(auc), m0 + "reports:\n  - {name: t, metadata: key}\n" + rulesOf(auc),
			[]string{"neutral file: report `t` source changed: s3://b/k -> metadata:key"}},
		{"report metadata key changed", m0 + "reports:\n  - {name: t, metadata: a}\n" + rulesOf(auc), m0 + "reports:\n  - {name: t, metadata: b}\n" + rulesOf(auc),
			[]string{"neutral file: report `t` source changed: metadata:a -> metadata:b"}},
		{"report format changed", m0 + "reports:\n  - {name: t, uri: s3://b/k, format: fmeval}\n" + rulesOf(auc), m0 + "reports:\n  - {name: t, uri: s3://b/k, format: json}\n" + rulesOf(auc),
			[]string{"neutral file: report `t` format changed: fmeval -> json"}},
		{"memorization report added", m0 + rulesOf(auc), m0 + "reports:\n  - {name: mem, memorization: {outputs: o.jsonl, corpus: [c.txt]}}\n" + rulesOf(auc),
			[]string{"neutral file: report `mem` added:  -> memorization"}},
		{"memorization report -> uri", m0 + "reports:\n  - {name: mem, memorization: {outputs: o.jsonl, corpus: [c.txt]}}\n" + rulesOf(auc), m0 + "reports:\n  - {name: mem, uri: s3://b/k}\n" + rulesOf(auc),
			[]string{"neutral file: report `mem` source changed: memorization -> s3://b/k"}},
		{"memorization fields and corpus", m0 + "reports:\n  - {name: mem, memorization: {outputs: o.jsonl, field: a, corpus_field: x, corpus: [c.txt, d.txt]}}\n" + rulesOf(auc),
			m0 + "reports:\n  - {name: mem, memorization: {outputs: p.jsonl, field: b, corpus_field: y, corpus: [d.txt, e.txt], min_tokens: 12}}\n" + rulesOf(auc),
			[]string{
				"neutral file: report `mem` memorization.outputs changed: o.jsonl -> p.jsonl",
				"neutral file: report `mem` memorization.field changed: a -> b",
				"neutral file: report `mem` memorization.corpus_field changed: x -> y",
				"loosen file: report `mem` memorization.corpus entry removed: c.txt -> ",
				"tighten file: report `mem` memorization.corpus entry added:  -> e.txt",
				"neutral file: report `mem` memorization.min_tokens changed:  -> 12",
			}},

		// Rules added and removed, with their one-line summary.
		{"metric rule added", m0 + rulesOf(auc), m0 + rulesOf(auc, "  - {id: s, metric: quality.mse, max: 2, abs_max: 3, max_deviation: 4, ideal: 1, direction: ideal}\n"),
			[]string{"tighten s: rule added:  -> quality.mse max 2 abs_max 3 max_deviation 4"}},
		{"between and vs_baseline rule added", m0 + rulesOf(auc), m0 + rulesOf(auc, "  - {id: s, metric: bias.post.DI, between: [0.8, 1.25], vs_baseline: {max_drop: 0.01, min_gain_pct: 2}}\n"),
			[]string{"tighten s: rule added:  -> bias.post.DI between [0.8, 1.25] vs_baseline {max_drop 0.01, min_gain_pct 2}"}},
		{"shap rule removed", m0 + rulesOf(auc, "  - {id: s, shap: {not_in_top: 3, features: [age, sex], max_share: 0.4, min_rank_correlation: 0.5}}\n"), m0 + rulesOf(auc),
			[]string{"loosen s: rule removed: shap not_in_top 3 [age, sex] max_share 0.4 min_rank_correlation 0.5 -> "}},
		{"require rule removed", m0 + rulesOf(auc, "  - {id: s, require: [quality, bias.post]}\n"), m0 + rulesOf(auc),
			[]string{"loosen s: rule removed: require [quality, bias.post] -> "}},
		{"rule turned into another kind", m0 + rulesOf(auc), m0 + rulesOf("  - {id: r, require: [quality]}\n"),
			[]string{"loosen r: rule changed from metric to require: quality.auc min 0.8 -> require [quality]"}},

		// Per-rule severity and on_missing, against the file's defaults.
		{"rule severity -> warning", m0 + rulesOf(auc), m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, severity: warning}\n"),
			[]string{"loosen r: severity changed: error -> warning"}},
		{"rule severity error over a warning default", m0 + "defaults: {severity: warning}\n" + rulesOf(auc), m0 + "defaults: {severity: warning}\n" + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, severity: error}\n"),
			[]string{"tighten r: severity changed: warning -> error"}},
		{"rule on_missing fail -> skip", m0 + rulesOf(auc), m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, on_missing: skip}\n"),
			[]string{"loosen r: on_missing changed: fail -> skip"}},
		{"rule on_missing skip -> warn", m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, on_missing: skip}\n"), m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, on_missing: warn}\n"),
			[]string{"tighten r: on_missing changed: skip -> warn"}},
		{"rule on_missing equal to the file default", m0 + "defaults: {on_missing: warn}\n" + rulesOf(auc), m0 + "defaults: {on_missing: warn}\n" + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, on_missing: warn}\n"), nil},

		// require.
		{"require source removed and added", m0 + rulesOf("  - {id: r, require: [quality, bias.post]}\n"), m0 + rulesOf("  - {id: r, require: [quality, explainability]}\n"),
			[]string{"loosen r: require: source removed: bias.post -> ", "tighten r: require: source added:  -> explainability"}},

		// Bounds: removed, added, and moved across keys (compared by effect).
		{"min removed", m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, max: 0.99}\n"), m0 + rulesOf("  - {id: r, metric: quality.auc, max: 0.99}\n"),
			[]string{"loosen r: min removed: 0.8 -> "}},
		{"max added", m0 + rulesOf(auc), m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, max: 0.99}\n"),
			[]string{"tighten r: max added:  -> 0.99"}},
		{"max removed", m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, max: 0.99}\n"), m0 + rulesOf(auc),
			[]string{"loosen r: max removed: 0.99 -> "}},
		{"between -> min only", m0 + rulesOf("  - {id: r, metric: bias.post.DI, between: [0.8, 1.25]}\n"), m0 + rulesOf("  - {id: r, metric: bias.post.DI, min: 0.8}\n"),
			[]string{"loosen r: between upper bound removed: [0.8, 1.25] -> "}},
		{"min -> wider between", m0 + rulesOf(auc), m0 + rulesOf("  - {id: r, metric: quality.auc, between: [0.7, 1]}\n"),
			[]string{"loosen r: lower bound lowered: min 0.8 -> between [0.7, 1]", "tighten r: between upper bound added:  -> [0.7, 1]"}},
		{"max -> between, upper raised", m0 + rulesOf("  - {id: r, metric: quality.mse, max: 1}\n"), m0 + rulesOf("  - {id: r, metric: quality.mse, between: [0, 2]}\n"),
			[]string{"tighten r: between lower bound added:  -> [0, 2]", "loosen r: upper bound raised: max 1 -> between [0, 2]"}},
		{"between upper side lowered", m0 + rulesOf("  - {id: r, metric: bias.post.DI, between: [0.8, 1.25]}\n"), m0 + rulesOf("  - {id: r, metric: bias.post.DI, between: [0.8, 1.2]}\n"),
			[]string{"tighten r: between upper bound lowered: [0.8, 1.25] -> [0.8, 1.2]"}},
		{"abs_max removed", m0 + rulesOf("  - {id: r, metric: bias.post.DPPL, abs_max: 0.1, max: 1}\n"), m0 + rulesOf("  - {id: r, metric: bias.post.DPPL, max: 1}\n"),
			[]string{"loosen r: abs_max removed: 0.1 -> "}},
		{"abs_max added", m0 + rulesOf("  - {id: r, metric: bias.post.DPPL, max: 1}\n"), m0 + rulesOf("  - {id: r, metric: bias.post.DPPL, abs_max: 0.1, max: 1}\n"),
			[]string{"tighten r: abs_max added:  -> 0.1"}},
		{"max_deviation lowered", m0 + rulesOf("  - {id: r, metric: bias.post.DI, max_deviation: 0.2}\n"), m0 + rulesOf("  - {id: r, metric: bias.post.DI, max_deviation: 0.1}\n"),
			[]string{"tighten r: max_deviation lowered: 0.2 -> 0.1"}},

		// vs_baseline on one side only.
		{"vs_baseline added", m0 + rulesOf(auc), m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, vs_baseline: {max_drop: 0.01}}\n"),
			[]string{"tighten r: vs_baseline.max_drop added:  -> 0.01"}},
		{"vs_baseline removed", m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, vs_baseline: {min_gain: 0.01}}\n"), m0 + rulesOf(auc),
			[]string{"loosen r: vs_baseline.min_gain removed: 0.01 -> "}},
		{"min_gain_pct raised", m0 + rulesOf("  - {id: r, metric: quality.auc, vs_baseline: {min_gain_pct: 1}}\n"), m0 + rulesOf("  - {id: r, metric: quality.auc, vs_baseline: {min_gain_pct: 2}}\n"),
			[]string{"tighten r: vs_baseline.min_gain_pct raised: 1 -> 2"}},
		{"max_rise_pct lowered", m0 + rulesOf("  - {id: r, metric: quality.mse, vs_baseline: {max_rise_pct: 2}}\n"), m0 + rulesOf("  - {id: r, metric: quality.mse, vs_baseline: {max_rise_pct: 1}}\n"),
			[]string{"tighten r: vs_baseline.max_rise_pct lowered: 2 -> 1"}},

		// Changes with no clear order loosen.
		{"metric changed", m0 + rulesOf(auc), m0 + rulesOf("  - {id: r, metric: quality.f1, min: 0.8}\n"),
			[]string{"loosen r: metric changed: quality.auc -> quality.f1"}},
		{"where added", m0 + rulesOf("  - {id: r, metric: bias.post.DI, min: 0.8}\n"), m0 + rulesOf("  - {id: r, metric: bias.post.DI, min: 0.8, where: {facet: sex}}\n"),
			[]string{"loosen r: where.facet added (the rule covers fewer instances):  -> sex"}},
		{"where removed", m0 + rulesOf("  - {id: r, metric: bias.post.DI, min: 0.8, where: {facet: sex}}\n"), m0 + rulesOf("  - {id: r, metric: bias.post.DI, min: 0.8}\n"),
			[]string{"tighten r: where.facet removed (the rule covers more instances): sex -> "}},
		{"where changed", m0 + rulesOf("  - {id: r, metric: bias.post.DI, min: 0.8, where: {facet: sex}}\n"), m0 + rulesOf("  - {id: r, metric: bias.post.DI, min: 0.8, where: {facet: age}}\n"),
			[]string{"loosen r: where.facet changed (the rule covers other instances): sex -> age"}},
		{"direction set", m0 + rulesOf("  - {id: r, metric: quality.x, max: 1}\n"), m0 + rulesOf("  - {id: r, metric: quality.x, max: 1, direction: lower}\n"),
			[]string{"loosen r: direction changed:  -> lower"}},
		{"ideal added", m0 + rulesOf("  - {id: r, metric: bias.post.DI, max_deviation: 0.1}\n"), m0 + rulesOf("  - {id: r, metric: bias.post.DI, max_deviation: 0.1, ideal: 1}\n"),
			[]string{"loosen r: ideal changed:  -> 1"}},
		{"ideal removed", m0 + rulesOf("  - {id: r, metric: bias.post.DI, max_deviation: 0.1, ideal: 1}\n"), m0 + rulesOf("  - {id: r, metric: bias.post.DI, max_deviation: 0.1}\n"),
			[]string{"loosen r: ideal changed: 1 -> "}},

		// confidence: with on_inconclusive fail a higher confidence
		// tightens, with warn it loosens; z is 0 at 0.5; percentages only
		// are judged without a band.
		{"confidence added", m0 + rulesOf(auc), m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, confidence: 0.95}\n"),
			[]string{"tighten r: confidence added (with on_inconclusive: fail a wider band blocks more):  -> 0.95"}},
		{"confidence removed", m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, confidence: 0.95}\n"), m0 + rulesOf(auc),
			[]string{"loosen r: confidence removed (with on_inconclusive: fail a wider band blocks more): 0.95 -> "}},
		{"confidence lowered", m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, confidence: 0.95}\n"), m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, confidence: 0.9}\n"),
			[]string{"loosen r: confidence lowered (with on_inconclusive: fail a wider band blocks more): 0.95 -> 0.9"}},
		{"confidence raised from 0.5", m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, confidence: 0.5}\n"), m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, confidence: 0.9}\n"),
			[]string{"tighten r: confidence raised (with on_inconclusive: fail a wider band blocks more): 0.5 -> 0.9"}},
		{"confidence raised with warn", m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, confidence: 0.9, on_inconclusive: warn}\n"), m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, confidence: 0.99, on_inconclusive: warn}\n"),
			[]string{"loosen r: confidence raised (with on_inconclusive: warn a wider band blocks less): 0.9 -> 0.99"}},
		{"confidence lowered with warn", m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, confidence: 0.99, on_inconclusive: warn}\n"), m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, confidence: 0.9, on_inconclusive: warn}\n"),
			[]string{"tighten r: confidence lowered (with on_inconclusive: warn a wider band blocks less): 0.99 -> 0.9"}},
		{"confidence 0.5 added is neutral", m0 + rulesOf(auc), m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, confidence: 0.5}\n"),
			[]string{"neutral r: confidence added (z is 0 at 0.5: the point value is judged either way):  -> 0.5"}},
		{"confidence on percentages only is neutral", m0 + rulesOf("  - {id: r, metric: quality.auc, vs_baseline: {max_drop_pct: 1}}\n"), m0 + rulesOf("  - {id: r, metric: quality.auc, vs_baseline: {max_drop_pct: 1}, confidence: 0.95}\n"),
			[]string{"neutral r: confidence added (no check of the rule is judged with a band):  -> 0.95"}},
		{"confidence on an absolute vs_baseline key", m0 + rulesOf("  - {id: r, metric: quality.mse, vs_baseline: {max_rise: 1}}\n"), m0 + rulesOf("  - {id: r, metric: quality.mse, vs_baseline: {max_rise: 1}, confidence: 0.95}\n"),
			[]string{"tighten r: confidence added (with on_inconclusive: fail a wider band blocks more):  -> 0.95"}},
		{"confidence on min_gain", m0 + rulesOf("  - {id: r, metric: quality.auc, vs_baseline: {min_gain: 0}}\n"), m0 + rulesOf("  - {id: r, metric: quality.auc, vs_baseline: {min_gain: 0}, confidence: 0.95}\n"),
			[]string{"tighten r: confidence added (with on_inconclusive: fail a wider band blocks more):  -> 0.95"}},
		{"confidence on abs_max", m0 + rulesOf("  - {id: r, metric: bias.post.DPPL, abs_max: 0.1}\n"), m0 + rulesOf("  - {id: r, metric: bias.post.DPPL, abs_max: 0.1, confidence: 0.95}\n"),
			[]string{"tighten r: confidence added (with on_inconclusive: fail a wider band blocks more):  -> 0.95"}},
		{"confidence on max_deviation", m0 + rulesOf("  - {id: r, metric: bias.post.DI, max_deviation: 0.1}\n"), m0 + rulesOf("  - {id: r, metric: bias.post.DI, max_deviation: 0.1, confidence: 0.95}\n"),
			[]string{"tighten r: confidence added (with on_inconclusive: fail a wider band blocks more):  -> 0.95"}},
		{"confidence on max", m0 + rulesOf("  - {id: r, metric: quality.mse, max: 1}\n"), m0 + rulesOf("  - {id: r, metric: quality.mse, max: 1, confidence: 0.95}\n"),
			[]string{"tighten r: confidence added (with on_inconclusive: fail a wider band blocks more):  -> 0.95"}},
		{"confidence on between", m0 + rulesOf("  - {id: r, metric: bias.post.DI, between: [0.8, 1.25]}\n"), m0 + rulesOf("  - {id: r, metric: bias.post.DI, between: [0.8, 1.25], confidence: 0.95}\n"),
			[]string{"tighten r: confidence added (with on_inconclusive: fail a wider band blocks more):  -> 0.95"}},
		{"confidence and warn removed together", m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, confidence: 0.95, on_inconclusive: warn}\n"), m0 + rulesOf(auc),
			[]string{"tighten r: confidence removed (with on_inconclusive: warn a wider band blocks less): 0.95 -> ", "tighten r: on_inconclusive changed: warn -> fail"}},
		{"on_inconclusive fail -> warn", m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, confidence: 0.95}\n"), m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, confidence: 0.95, on_inconclusive: warn}\n"),
			[]string{"loosen r: on_inconclusive changed: fail -> warn"}},

		// min_samples on one side only.
		{"min_samples removed", m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, min_samples: 100}\n"), m0 + rulesOf(auc),
			[]string{"loosen r: min_samples removed: 100 -> "}},
		{"min_samples added", m0 + rulesOf(auc), m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, min_samples: 100}\n"),
			[]string{"tighten r: min_samples added:  -> 100"}},

		// shap.
		{"not_in_top removed", m0 + rulesOf("  - {id: r, shap: {not_in_top: 5, features: [age], max_share: 0.4}}\n"), m0 + rulesOf("  - {id: r, shap: {max_share: 0.4}}\n"),
			[]string{"loosen r: shap.not_in_top removed: 5 -> ", "loosen r: shap.features: feature removed: age -> "}},
		{"not_in_top added", m0 + rulesOf("  - {id: r, shap: {max_share: 0.4}}\n"), m0 + rulesOf("  - {id: r, shap: {not_in_top: 5, features: [age], max_share: 0.4}}\n"),
			[]string{"tighten r: shap.not_in_top added:  -> 5", "tighten r: shap.features: feature added:  -> age"}},
		{"max_share raised, correlation lowered", m0 + rulesOf("  - {id: r, shap: {max_share: 0.4, min_rank_correlation: 0.8}}\n"), m0 + rulesOf("  - {id: r, shap: {max_share: 0.5, min_rank_correlation: 0.7}}\n"),
			[]string{"loosen r: shap.max_share raised: 0.4 -> 0.5", "loosen r: shap.min_rank_correlation lowered: 0.8 -> 0.7"}},
		{"max_share removed", m0 + rulesOf("  - {id: r, shap: {max_share: 0.4, min_rank_correlation: 0.8}}\n"), m0 + rulesOf("  - {id: r, shap: {min_rank_correlation: 0.8}}\n"),
			[]string{"loosen r: shap.max_share removed: 0.4 -> "}},
		{"shap label added", m0 + rulesOf("  - {id: r, shap: {max_share: 0.4}}\n"), m0 + rulesOf("  - {id: r, shap: {max_share: 0.4, label: churn}}\n"),
			[]string{"loosen r: shap.label added (the rule covers fewer labels):  -> churn"}},
		{"shap label removed", m0 + rulesOf("  - {id: r, shap: {max_share: 0.4, label: churn}}\n"), m0 + rulesOf("  - {id: r, shap: {max_share: 0.4}}\n"),
			[]string{"tighten r: shap.label removed (the rule covers every label): churn -> "}},
		{"shap label changed", m0 + rulesOf("  - {id: r, shap: {max_share: 0.4, label: churn}}\n"), m0 + rulesOf("  - {id: r, shap: {max_share: 0.4, label: stay}}\n"),
			[]string{"loosen r: shap.label changed (the rule covers another label): churn -> stay"}},

		// waiver.
		{"waiver removed", m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, waiver: {reason: re, owner: o, expires: 2027-01-31}}\n"), m0 + rulesOf(auc),
			[]string{"tighten r: waiver removed: until 2027-01-31, owner o -> "}},
		{"waiver owner and reason changed", m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, waiver: {reason: re, owner: o, expires: 2027-01-31}}\n"), m0 + rulesOf("  - {id: r, metric: quality.auc, min: 0.8, waiver: {reason: re2, owner: p, expires: 2027-01-31}}\n"),
			[]string{"neutral r: waiver owner changed: o -> p", "neutral r: waiver reason changed: re -> re2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := Parse("base.yml", []byte(tc.base))
			if err != nil {
				t.Fatalf("Parse(base): %v\n%s", err, tc.base)
			}
			h, err := Parse("head.yml", []byte(tc.head))
			if err != nil {
				t.Fatalf("Parse(head): %v\n%s", err, tc.head)
			}
			var got []string
			for _, c := range Diff(b, h) {
				subject := c.Rule
				if subject == "" {
					subject = "file"
				}
				got = append(got, string(c.Kind)+" "+subject+": "+c.What+": "+c.Before+" -> "+c.After)
			}
			if g, w := strings.Join(got, "\n"), strings.Join(tc.want, "\n"); g != w {
				t.Errorf("Diff(%s):\n got %s\nwant %s", tc.name, strings.ReplaceAll(g, "\n", "\n     "), strings.ReplaceAll(w, "\n", "\n     "))
			}
			wantLoosen := false
			for _, w := range tc.want {
				wantLoosen = wantLoosen || strings.HasPrefix(w, "loosen ")
			}
			if l := Loosens(Diff(b, h)); l != wantLoosen {
				t.Errorf("Loosens(%s) = %v; want %v", tc.name, l, wantLoosen)
			}
		})
	}
}
