package report

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// promptfooEval is the eval segment of every promptfoo address.
const promptfooEval = "promptfoo"

// promptfooBuiltin are the addresses llm.promptfoo.<name> the reader
// writes; a named score may not take one of these names.
var promptfooBuiltin = map[string]bool{"pass_rate": true, "passes": true, "failures": true, "errors": true,
	"score": true, "unasserted": true, "assert_passes": true, "assert_failures": true}

// isPromptfoo recognises promptfoo eval -o output: v2/v3 {"results":
// {"version", "results": [...], "stats"}}, v1 {"version": 1, "results":
// [...], "stats"}.
func isPromptfoo(doc *node) bool {
	sum := doc
	if res := doc.get("results"); res != nil && res.kind == kObject {
		sum = res
	}
	rows := sum.get("results")
	if rows == nil || rows.kind != kArray {
		return false
	}
	st := sum.get("stats")
	return st != nil && st.kind == kObject && (st.get("successes") != nil || st.get("failures") != nil)
}

// pfAgg accumulates one group of promptfoo rows (all, or one prompt).
type pfAgg struct {
	kv                              []string
	passes, failures, errors, n     int
	scoreSum                        float64
	scored                          int
	scoreNote                       string
	unasserted, assertPass, assertF int
	named                           map[string]*pfNamed
	namedOrder                      []string
}

type pfNamed struct {
	sum  float64
	n    int
	note string
}

func (a *pfAgg) addNamed(name string, v float64, note string) {
	if a.named == nil {
		a.named = map[string]*pfNamed{}
	}
	s := a.named[name]
	if s == nil {
		s = &pfNamed{}
		a.named[name] = s
		a.namedOrder = append(a.namedOrder, name)
	}
	if note != "" {
		s.note = note
		return
	}
	s.sum += v
	s.n++
}

// promptfoo reads promptfoo output into llm.promptfoo.<metric> instances,
// over all rows and per prompt (labels prompt and provider): pass_rate
// (passes over all rows, errors counted as not passing), passes, failures,
// errors, score (the mean row score; v1 files have none), unasserted (rows
// that passed with "No assertions"), assert_passes / assert_failures (leaf
// assertions, nested assert-sets included) and each named score (mean
// over the rows that have it). n is the number of rows. The file's own
// stats must agree with its rows.
func (r *reader) promptfoo(doc *node) error {
	top := root()
	sum, sp := doc, top
	if res := doc.get("results"); res != nil && res.kind == kObject {
		sum, sp = res, top.key("results")
	}
	rows := sum.get("results")
	rp := sp.key("results")
	prompts := sum.get("prompts")
	all := &pfAgg{}
	var items []pfItem
	var per []*pfAgg
	perKey := map[string]*pfAgg{}
	for i, row := range rows.vals() {
		ip := rp.index(i)
		if row.kind != kObject {
			return errAt(ip, "want a result row object, found %s", row.kind)
		}
		kv, err := promptfooLabels(row, prompts, ip)
		if err != nil {
			return err
		}
		key := kv[1] + "\x00" + kv[3]
		a := perKey[key]
		if a == nil {
			a = &pfAgg{kv: kv}
			perKey[key] = a
			per = append(per, a)
		}
		before := all.passes
		for _, g := range []*pfAgg{all, a} {
			if err := g.row(row, ip); err != nil {
				return err
			}
		}
		items = append(items, promptfooItem(row, i, all.passes > before, ip))
	}
	if err := promptfooCheckStats(sum.get("stats"), sp.key("stats"), all); err != nil {
		return err
	}
	r.promptfooEmit(all, sp.key("stats"))
	for _, a := range per {
		r.promptfooEmit(a, rp)
	}
	return r.promptfooItems(items)
}

// pfItem is one result row as a per-item result of the totals.
type pfItem struct {
	id, hash string
	pass     bool
	score    *node
	p        *jpath
}

// promptfooItem identifies a row by prompt and test index (p<promptIdx>.t<testIdx>),
// or by its position when the file has no indexes; the prompt hash is
// promptId.
func promptfooItem(row *node, i int, pass bool, p *jpath) pfItem {
	id := "row" + strconv.Itoa(i)
	pi, ti := row.get("promptIdx"), row.get("testIdx")
	if pi != nil && ti != nil && pi.kind == kNumber && ti.kind == kNumber {
		id = "p" + pi.str + ".t" + ti.str
	}
	hash, _ := row.getString("promptId")
	return pfItem{id: id, hash: hash, pass: pass, score: row.get("score"), p: p}
}

// promptfooItems writes the rows as items of llm.promptfoo.pass_rate (1 or
// 0) and llm.promptfoo.score, for paired comparisons of the totals.
func (r *reader) promptfooItems(items []pfItem) error {
	seen := map[string]int{}
	for _, it := range items {
		// promptfoo --repeat writes a test's rows again with the same
		// indexes: the k-th repetition is <id>#k, matched with the
		// baseline's k-th.
		seen[it.id]++
		id := it.id
		if k := seen[it.id]; k > 1 {
			id += "#" + strconv.Itoa(k)
		}
		kv := []string{"doc_id", id}
		if it.hash != "" {
			kv = append(kv, "prompt_hash", it.hash)
		}
		ls := labels(kv...)
		v := 0.0
		if it.pass {
			v = 1
		}
		r.add(gate.Instance{Address: gate.ItemsPrefix + rules.FormatAddress(rules.FamilyLLM, promptfooEval, "pass_rate"),
			Labels: ls, Value: v, StdDev: nan(), Source: r.source(it.p.key("success"))})
		if it.score != nil {
			sv, note, ok := metricValue(it.score)
			if !ok {
				note = "score is " + it.score.kind.String()
			}
			r.add(gate.Instance{Address: gate.ItemsPrefix + rules.FormatAddress(rules.FamilyLLM, promptfooEval, "score"),
				Labels: ls, Value: sv, StdDev: nan(), Source: r.source(it.p.key("score")), Note: note})
		}
	}
	return nil
}

// promptfooLabels gives a row's prompt and provider labels.
func promptfooLabels(row, prompts *node, p *jpath) ([]string, error) {
	prompt := ""
	if pr := row.get("prompt"); pr != nil {
		if l, ok := pr.getString("label"); ok && l != "" {
			prompt = l
		} else if raw, ok := pr.getString("raw"); ok {
			prompt = raw
		} else if pr.kind == kString {
			prompt = pr.str
		}
	}
	if prompt == "" {
		if idx := row.get("promptIdx"); idx != nil && idx.kind == kNumber && prompts != nil && prompts.kind == kArray {
			if k := int(idx.num); float64(k) == idx.num && k >= 0 && k < len(prompts.vals()) {
				prompt, _ = prompts.vals()[k].getString("label")
			}
		}
	}
	provider := ""
	if pv := row.get("provider"); pv != nil {
		if pv.kind == kString {
			provider = pv.str
		} else if id, ok := pv.getString("id"); ok {
			provider = id
			if l, ok := pv.getString("label"); ok && l != "" {
				provider = l
			}
		}
	}
	if prompt == "" {
		return nil, errAt(p, "result row names no prompt (found keys %s)", keysOf(row))
	}
	return []string{"prompt", oneLine(prompt, 200), "provider", oneLine(provider, 200)}, nil
}

// row adds one result row.
func (a *pfAgg) row(row *node, p *jpath) error {
	a.n++
	s := row.get("success")
	if s == nil || s.kind != kBool {
		return errAt(p.key("success"), "want success true or false, found %s", kindOf(s))
	}
	errText, _ := row.getString("error")
	reason := -1
	if fr := row.get("failureReason"); fr != nil && fr.kind == kNumber {
		reason = int(fr.num)
	}
	switch {
	case s.b && reason <= 0:
		a.passes++
	case reason == 2 || (reason < 0 && errText != "" && !s.b):
		a.errors++
	default:
		// success true with a failure reason is contradictory: not a pass.
		a.failures++
	}
	if sc := row.get("score"); sc != nil {
		v, note, ok := metricValue(sc)
		if !ok || note != "" {
			a.scoreNote = fmt.Sprintf("row %s score: %s", p, note)
		} else {
			a.scoreSum += v
			a.scored++
		}
	} else if row.get("gradingResult").get("score") != nil {
		v, note, ok := metricValue(row.get("gradingResult").get("score"))
		if ok && note == "" {
			a.scoreSum += v
			a.scored++
		} else {
			a.scoreNote = fmt.Sprintf("row %s gradingResult.score: %s", p, note)
		}
	}
	gr := row.get("gradingResult")
	comps := gr.get("componentResults")
	asserts := row.get("testCase").get("assert")
	if (comps == nil || len(comps.vals()) == 0) && (asserts == nil || len(asserts.vals()) == 0) {
		if s.b {
			a.unasserted++
		}
	}
	if comps != nil && comps.kind == kArray {
		if err := a.components(comps, p.key("gradingResult").key("componentResults"), 0); err != nil {
			return err
		}
	}
	if ns := row.get("namedScores"); ns != nil && ns.kind == kObject {
		for i, k := range ns.keys() {
			if k == "" {
				return errAt(p.key("namedScores"), "a named score with an empty name")
			}
			v, note, ok := metricValue(ns.vals()[i])
			if !ok {
				note = "named score is " + ns.vals()[i].kind.String()
			}
			if note != "" {
				note = fmt.Sprintf("%s: %s", p.key("namedScores").key(k), note)
			}
			a.addNamed(k, v, note)
		}
	}
	return nil
}

// maxAssertDepth is how deep promptfoo assert-sets may nest
// (componentResults inside componentResults).
const maxAssertDepth = 32

// components counts leaf assertions of (nested) componentResults. Deeper
// than maxAssertDepth is an error, never a count without the assertions
// below: a failure nested there would otherwise go uncounted.
func (a *pfAgg) components(list *node, at *jpath, depth int) error {
	if depth >= maxAssertDepth {
		return errAt(at, "assert-sets nested more than %d deep: their assertions cannot be counted", maxAssertDepth)
	}
	for i, c := range list.vals() {
		if sub := c.get("componentResults"); sub != nil && sub.kind == kArray && len(sub.vals()) > 0 {
			if err := a.components(sub, at.index(i).key("componentResults"), depth+1); err != nil {
				return err
			}
			continue
		}
		if p := c.get("pass"); p != nil && p.kind == kBool && p.b {
			a.assertPass++
		} else {
			a.assertF++
		}
	}
	return nil
}

// oneLine makes a label of free text (a raw prompt): control characters
// and line breaks become spaces, so that no label starts a line of output
// (a "::" workflow command), and long text is cut at n bytes on a rune
// boundary.
func oneLine(s string, n int) string {
	b := []rune(s)
	out := make([]rune, 0, len(b))
	for _, r := range b {
		if r < 0x20 || r == 0x7f || r == 0x2028 || r == 0x2029 || (r >= 0x80 && r < 0xa0) {
			r = ' '
		}
		out = append(out, r)
	}
	t := string(out)
	if len(t) <= n {
		return t
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(t[cut]) {
		cut--
	}
	return t[:cut] + "..."
}

func kindOf(n *node) string {
	if n == nil {
		return "nothing"
	}
	return n.kind.String()
}

// promptfooCheckStats refuses stats that disagree with the rows.
func promptfooCheckStats(st *node, p *jpath, all *pfAgg) error {
	check := func(key string, want int, also int) error {
		n := st.get(key)
		if n == nil {
			return nil
		}
		v, note, ok := metricValue(n)
		if !ok || note != "" {
			return errAt(p.key(key), "want a count, found %s", kindOf(n))
		}
		if int(v) != want && int(v) != want+also {
			return errAt(p.key(key), "stats say %s, but %d of the %d result rows count as %s", n.str, want, all.n, key)
		}
		return nil
	}
	if err := check("successes", all.passes, 0); err != nil {
		return err
	}
	// Versions without stats.errors count errors as failures.
	also := 0
	if st.get("errors") == nil {
		also = all.errors
	}
	if err := check("failures", all.failures, also); err != nil {
		return err
	}
	return check("errors", all.errors, 0)
}

func (r *reader) promptfooEmit(a *pfAgg, p *jpath) {
	emit := func(name string, v float64, note string) {
		r.add(gate.Instance{
			Address: rules.FormatAddress(rules.FamilyLLM, promptfooEval, name),
			Labels:  labels(a.kv...),
			Value:   v,
			StdDev:  nan(),
			Source:  r.source(p),
			Note:    note,
			N:       a.n,
		})
	}
	if a.n == 0 {
		emit("pass_rate", nan(), "promptfoo output has no result rows")
		return
	}
	emit("pass_rate", float64(a.passes)/float64(a.n), "")
	emit("passes", float64(a.passes), "")
	emit("failures", float64(a.failures), "")
	emit("errors", float64(a.errors), "")
	emit("unasserted", float64(a.unasserted), "")
	emit("assert_passes", float64(a.assertPass), "")
	emit("assert_failures", float64(a.assertF), "")
	switch {
	case a.scoreNote != "":
		emit("score", nan(), a.scoreNote)
	case a.scored == a.n:
		emit("score", a.scoreSum/float64(a.n), "")
	case a.scored > 0:
		emit("score", nan(), fmt.Sprintf("only %d of %d rows have a score", a.scored, a.n))
	}
	for _, name := range a.namedOrder {
		s := a.named[name]
		if promptfooBuiltin[name] {
			emit(name, nan(), fmt.Sprintf("named score %q has the name of a promptfoo total; rename the metric", name))
			continue
		}
		if s.note != "" {
			emit(name, nan(), s.note)
			continue
		}
		r.add(gate.Instance{
			Address: rules.FormatAddress(rules.FamilyLLM, promptfooEval, name),
			Labels:  labels(a.kv...),
			Value:   s.sum / float64(s.n),
			StdDev:  nan(),
			Source:  r.source(p),
			N:       s.n,
		})
	}
}
