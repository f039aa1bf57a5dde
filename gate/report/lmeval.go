package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// LLM evaluation formats, detected from content. Their readers are
// self-contained: llmFormats is the whole registration (detect, read).
const (
	FormatLMEval        = "lm-eval"
	FormatLMEvalSamples = "lm-eval-samples"
	FormatPromptfoo     = "promptfoo"
	FormatDeepeval      = "deepeval"
)

// llmFormats are the LLM evaluation formats' entries of the formats table
// (formats.go appends them before the generic fallback). lm-eval-samples is
// JSON Lines, recognised by ReadLMEvalSamples before any JSON is parsed;
// its entry makes the name known and never matches a JSON document.
var llmFormats = []format{
	{name: FormatLMEvalSamples, title: "an lm-evaluation-harness samples file", want: "JSON Lines of samples named samples_<task>_<timestamp>.jsonl", match: func(*node) bool { return false }, read: func(*reader, *node) error { return nil }},
	{name: FormatLMEval, title: "an lm-evaluation-harness results file", want: "results with task objects and versions, configs, n-shot, higher_is_better or n-samples", match: isLMEval, detect: true, read: (*reader).lmeval},
	{name: FormatPromptfoo, title: "a promptfoo results file", want: "results.results (v2/v3) or a top-level version 1 with results and stats", match: isPromptfoo, detect: true, read: (*reader).promptfoo},
	{name: FormatDeepeval, title: "a deepeval test run", want: "testRunData with testCases and metricsScores, or testRunLink", match: isDeepeval, detect: true, read: (*reader).deepeval},
}

// lmevalMarkers are the top-level keys that, next to a results object of
// task objects, mark an lm-evaluation-harness results file (the harness's
// own test fixtures have only results and versions).
// (A bare "config" is too common in other files to mark one.)
var lmevalMarkers = []string{"versions", "configs", "n-shot", "higher_is_better", "n-samples", "group_subtasks", "lm_eval_version"}

func isLMEval(doc *node) bool {
	res := doc.get("results")
	if res == nil || res.kind != kObject || len(res.keys()) == 0 {
		return false
	}
	for _, v := range res.vals() {
		if v.kind != kObject {
			return false
		}
	}
	for _, k := range lmevalMarkers {
		if doc.get(k) != nil {
			return true
		}
	}
	return false
}

// lmevalSkip are the keys of a results row that are not metrics.
var lmevalSkip = map[string]bool{"alias": true, "name": true, "sample_len": true, "sample_count": true, "samples": true}

// lmeval reads lm-evaluation-harness results into llm.<task>.<metric>
// instances labelled task, filter (when the key has one: "metric,filter"),
// dataset (configs[task].dataset_path[:dataset_name]) and group (the
// group a subtask belongs to). The standard error ("<metric>_stderr,<filter>")
// is σ; "N/A", a missing or non-finite stderr, and the degenerate 0 are no
// σ. n is n-samples[task].effective (for a group, the sum over its tasks
// when all are known). higher_is_better[task][metric] gives the direction.
func (r *reader) lmeval(doc *node) error {
	top := root()
	parent := map[string]string{}
	gs := doc.get("group_subtasks")
	if gs != nil && gs.kind == kObject {
		for i, g := range gs.keys() {
			for _, c := range elems(gs.vals()[i]) {
				if c.kind == kString {
					if _, seen := parent[c.str]; !seen && c.str != g {
						parent[c.str] = g
					}
				}
			}
		}
	}
	res := doc.get("results")
	seen := map[string]bool{}
	for i, task := range res.keys() {
		seen[task] = true
		if err := r.lmevalRow(doc, task, res.vals()[i], top.key("results").key(task), parent); err != nil {
			return err
		}
	}
	// Group rows appear in results and in groups; a group only in groups
	// is read from there.
	if g := doc.get("groups"); g != nil {
		if g.kind != kObject {
			return errAt(top.key("groups"), "want an object of group rows, found %s", g.kind)
		}
		for i, task := range g.keys() {
			if seen[task] {
				continue
			}
			if g.vals()[i].kind != kObject {
				return errAt(top.key("groups").key(task), "want a group row object, found %s", g.vals()[i].kind)
			}
			if err := r.lmevalRow(doc, task, g.vals()[i], top.key("groups").key(task), parent); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *reader) lmevalRow(doc *node, task string, row *node, p *jpath, parent map[string]string) error {
	if task == "" {
		return errAt(p, "a task with an empty name")
	}
	var kv []string
	kv = append(kv, "task", task)
	if ds := lmevalDataset(doc, task); ds != "" {
		kv = append(kv, "dataset", ds)
	}
	if g := parent[task]; g != "" {
		kv = append(kv, "group", g)
	}
	n := lmevalN(doc, task, 0)
	hib := doc.get("higher_is_better").get(task)
	for i, k := range row.keys() {
		if lmevalSkip[k] {
			continue
		}
		metric, filter, hasFilter := strings.Cut(k, ",")
		if strings.HasSuffix(metric, "_stderr") {
			continue // read with its metric
		}
		if metric == "" {
			return errAt(p.key(k), "metric key %q has no metric name", k)
		}
		stderrKey := metric + "_stderr"
		if hasFilter {
			stderrKey += "," + filter
		}
		v, note, scalar := metricValue(row.vals()[i])
		if !scalar {
			note = fmt.Sprintf("value is %s, not a number", row.vals()[i].kind)
		}
		ikv := kv
		if hasFilter {
			ikv = append(append([]string(nil), kv...), "filter", filter)
		}
		in := gate.Instance{
			Address: rules.FormatAddress(rules.FamilyLLM, task, metric),
			Labels:  labels(ikv...),
			Value:   v,
			StdDev:  lmevalStderr(row.get(stderrKey)),
			Source:  r.source(p.key(k)),
			Note:    note,
			N:       n,
		}
		if h := hib.get(metric); h != nil && h.kind == kBool {
			in.Direction = rules.LowerIsBetter
			if h.b {
				in.Direction = rules.HigherIsBetter
			}
		}
		r.add(in)
	}
	return nil
}

// lmevalStderr is a stderr value as σ: NaN for "N/A", missing, non-finite,
// negative or 0 (a 0 comes with a score of 0 and says nothing about noise).
func lmevalStderr(n *node) float64 {
	v, note, ok := metricValue(n)
	if !ok || note != "" || v <= 0 {
		return math.NaN()
	}
	return v
}

// lmevalDataset is configs[task].dataset_path, with ":<dataset_name>" when
// the config names a subset.
func lmevalDataset(doc *node, task string) string {
	c := doc.get("configs").get(task)
	path, _ := c.getString("dataset_path")
	if path == "" {
		return ""
	}
	if name, ok := c.getString("dataset_name"); ok && name != "" {
		return path + ":" + name
	}
	return path
}

// lmevalN is n-samples[task].effective; for a group (no n-samples entry),
// the sum over its subtasks when every one is known; 0 when unknown.
func lmevalN(doc *node, task string, depth int) int {
	if depth > 32 {
		return 0
	}
	if e := doc.get("n-samples").get(task).get("effective"); e != nil {
		v, note, ok := metricValue(e)
		if !ok || note != "" || v < 0 || v != math.Trunc(v) || v > math.MaxInt32 {
			return 0
		}
		return int(v)
	}
	kids := doc.get("group_subtasks").get(task)
	if kids == nil || kids.kind != kArray || len(kids.vals()) == 0 {
		return 0
	}
	sum := 0
	for _, c := range kids.vals() {
		if c.kind != kString || c.str == task {
			return 0
		}
		k := lmevalN(doc, c.str, depth+1)
		if k == 0 {
			return 0
		}
		sum += k
	}
	return sum
}
