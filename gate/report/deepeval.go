package report

import (
	"fmt"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// deepevalEval is the eval segment of deepeval's run totals.
const deepevalEval = "deepeval"

func isDeepeval(doc *node) bool {
	if doc.kind != kObject {
		return false
	}
	if td := doc.get("testRunData"); td != nil && td.kind == kObject {
		return true
	}
	_, link := doc.getString("testRunLink")
	return link || doc.get("testCases") != nil && doc.get("metricsScores") != nil
}

// deepevalLower are deepeval metrics whose code sets success = score <=
// threshold (deepeval/metrics: bias, toxicity, hallucination, ...).
var deepevalLower = map[string]bool{"Bias": true, "Toxicity": true, "Hallucination": true}

// deepeval reads a deepeval test run (.deepeval/.latest_test_run.json):
// per metric of metricsScores, llm.<metric>.score (the mean of its scores,
// n their count), pass_rate (passes over passes, fails and errors), passes,
// fails and errors; and the run's llm.deepeval.pass_rate, passed and
// failed (test cases). A file that holds only a testRunLink (the run was
// sent to Confident AI) has no results: an error that says so.
func (r *reader) deepeval(doc *node) error {
	top := root()
	td, tp := doc.get("testRunData"), top.key("testRunData")
	if td == nil {
		if link, ok := doc.getString("testRunLink"); ok {
			return errAt(top.key("testRunLink"), "deepeval wrote only a link to a test run hosted on Confident AI (%s), no results: "+
				"the results are missing; attach a test run saved locally (deepeval test run without login, or the run's JSON export)", truncate(link, 200))
		}
		td, tp = doc, top
	}
	if td.kind != kObject {
		return errAt(tp, "want the test run object, found %s", td.kind)
	}
	dirs := deepevalDirections(td)
	ms := td.get("metricsScores")
	mp := tp.key("metricsScores")
	if ms == nil || ms.kind != kArray {
		return errAt(mp, "want the list of metric scores, found %s", kindOf(ms))
	}
	for i, m := range ms.vals() {
		ip := mp.index(i)
		name, ok := m.getString("metric")
		if !ok || name == "" {
			return errAt(ip, "metric score has no metric name (found keys %s)", keysOf(m))
		}
		if err := r.deepevalMetric(name, m, ip, dirs[name]); err != nil {
			return err
		}
	}
	passed, pn, pok := deepevalCount(td, "testPassed")
	failed, fn, fok := deepevalCount(td, "testFailed")
	if pok && fok {
		n := passed + failed
		add := func(metric string, v float64, key string, note string) {
			r.add(gate.Instance{Address: rules.FormatAddress(rules.FamilyLLM, deepevalEval, metric), Value: v, StdDev: nan(),
				Source: r.source(tp.key(key)), Note: note, N: n})
		}
		if n == 0 {
			add("pass_rate", nan(), "testPassed", "the test run has no test cases")
		} else {
			add("pass_rate", float64(passed)/float64(n), "testPassed", "")
		}
		add("passed", float64(passed), "testPassed", "")
		add("failed", float64(failed), "testFailed", "")
	} else if pn != nil || fn != nil {
		return errAt(tp, "testPassed and testFailed must both be counts")
	}
	return nil
}

func deepevalCount(n *node, key string) (int, *node, bool) {
	v := n.get(key)
	f, note, ok := metricValue(v)
	if v == nil || !ok || note != "" || f < 0 || f != float64(int(f)) {
		return 0, v, false
	}
	return int(f), v, true
}

func (r *reader) deepevalMetric(name string, m *node, p *jpath, dir rules.Direction) error {
	var counts [3]int
	for i, k := range []string{"passes", "fails", "errors"} {
		c, n, ok := deepevalCount(m, k)
		if n != nil && !ok {
			return errAt(p.key(k), "want a count, found %s", n.kind)
		}
		counts[i] = c
	}
	scores := m.get("scores")
	if scores == nil || scores.kind != kArray {
		return errAt(p.key("scores"), "want the list of scores, found %s", kindOf(scores))
	}
	sum, note := 0.0, ""
	for i, s := range scores.vals() {
		v, why, ok := metricValue(s)
		if !ok {
			why = "a " + s.kind.String()
		}
		if why != "" {
			note = fmt.Sprintf("score %d: %s", i, why)
			break
		}
		sum += v
	}
	ns := len(scores.vals())
	mean := nan()
	switch {
	case note != "":
	case ns == 0:
		note = "no scores"
	default:
		mean = sum / float64(ns)
	}
	add := func(stat string, v float64, key, note string, n int, d rules.Direction) {
		r.add(gate.Instance{Address: rules.FormatAddress(rules.FamilyLLM, name, stat), Value: v, StdDev: nan(),
			Source: r.source(p.key(key)), Note: note, N: n, Direction: d})
	}
	add("score", mean, "scores", note, ns, dir)
	total := counts[0] + counts[1] + counts[2]
	if total == 0 {
		add("pass_rate", nan(), "passes", "no passes, fails or errors", 0, rules.HigherIsBetter)
	} else {
		add("pass_rate", float64(counts[0])/float64(total), "passes", "", total, rules.HigherIsBetter)
	}
	add("passes", float64(counts[0]), "passes", "", total, "")
	add("fails", float64(counts[1]), "fails", "", total, rules.LowerIsBetter)
	add("errors", float64(counts[2]), "errors", "", total, rules.LowerIsBetter)
	return nil
}

// deepevalDirections infers each metric's direction from its test cases:
// a failing score above the threshold (or a passing one below it) means
// lower is better; known lower-is-better metrics need no evidence. A
// metric whose cases disagree, or give no evidence, has no direction.
func deepevalDirections(td *node) map[string]rules.Direction {
	out := map[string]rules.Direction{}
	conflict := map[string]bool{}
	note := func(name string, d rules.Direction) {
		if prev, ok := out[name]; ok && prev != d {
			conflict[name] = true
		}
		out[name] = d
	}
	for _, key := range []string{"testCases", "conversationalTestCases"} {
		for _, tc := range elems(td.get(key)) {
			for _, md := range elems(tc.get("metricsData")) {
				name, _ := md.getString("name")
				s, t, ok := md.get("score"), md.get("threshold"), md.get("success")
				if name == "" || s == nil || t == nil || ok == nil || s.kind != kNumber || t.kind != kNumber || ok.kind != kBool {
					continue
				}
				switch {
				case s.num > t.num && !ok.b, s.num < t.num && ok.b:
					note(name, rules.LowerIsBetter)
				case s.num > t.num && ok.b, s.num < t.num && !ok.b:
					note(name, rules.HigherIsBetter)
				}
			}
		}
	}
	for n := range conflict {
		delete(out, n)
	}
	for n, lower := range deepevalLower {
		if lower {
			if d, ok := out[n]; !ok || d == rules.LowerIsBetter {
				out[n] = rules.LowerIsBetter
			}
		}
	}
	return out
}

// elems is the elements of an array node, nil for anything else.
func elems(n *node) []*node {
	if n == nil || n.kind != kArray {
		return nil
	}
	return n.vals()
}
