package report

import (
	"fmt"
	"strconv"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// fmeval reads fmeval evaluation output into llm.<eval_name>.<score>
// instances labelled dataset (dataset_name) and, for category scores,
// category. Containers: a JSON array of EvalOutput (fmeval today), an
// object keyed by eval category holding such arrays (fmeval examples before
// August 2024), a Studio / managed job output.json {"evaluations": [...]}
// whose entries say evaluation_name, and a single EvalOutput object.
func (r *reader) fmeval(doc *node) error {
	top := root()
	switch {
	case doc.kind == kArray:
		return r.evalList(doc, top, "")
	case doc.get("evaluations") != nil && doc.get("evaluations").kind == kArray:
		if err := r.evalList(doc.get("evaluations"), top.key("evaluations"), ""); err != nil {
			return err
		}
		if isEvalOutput(doc) {
			// An EvalOutput beside the evaluations list is read too: a
			// score given in both is ambiguous, not silently one of them.
			return r.evalOutput(doc, top, "")
		}
		return nil
	case isEvalOutput(doc):
		return r.evalOutput(doc, top, "")
	case doc.kind == kObject:
		for i, k := range doc.keys() {
			if doc.vals()[i].kind != kArray {
				return errAt(top.key(k), "want a list of EvalOutput objects, found %s", doc.vals()[i].kind)
			}
			if err := r.evalList(doc.vals()[i], top.key(k), k); err != nil {
				return err
			}
		}
		return nil
	}
	return errAt(top, "want fmeval output (looked for %s; found %s)", lookupFormat(FormatFmeval).want, summary(doc))
}

func (r *reader) evalList(list *node, p *jpath, fallback string) error {
	for i, e := range list.vals() {
		if err := r.evalOutput(e, p.index(i), fallback); err != nil {
			return err
		}
	}
	return nil
}

// evalOutput reads one EvalOutput. fallback is the eval name to use when
// the object names none (the category key of the grouped container).
func (r *reader) evalOutput(e *node, p *jpath, fallback string) error {
	if e.kind != kObject {
		return errAt(p, "want an EvalOutput object, found %s", e.kind)
	}
	name, ok := e.getString("eval_name")
	if alt, altOK := e.getString("evaluation_name"); altOK && (!ok || name == "") {
		name, ok = alt, true
	} else if altOK && alt != "" && alt != name {
		return errAt(p, "eval_name %q and evaluation_name %q name different evaluations (%s, %s); which one is meant is ambiguous",
			truncate(name, 60), truncate(alt, 60), p.key("eval_name"), p.key("evaluation_name"))
	}
	if !ok || name == "" {
		name = fallback
	}
	if name == "" {
		return errAt(p, "EvalOutput has no eval_name or evaluation_name (found keys %s)", keysOf(e))
	}
	var kv []string
	if ds, ok := literal(e.get("dataset_name")); ok && e.get("dataset_name").kind == kString {
		kv = append(kv, "dataset", ds)
	}
	scores := e.get("dataset_scores")
	failed, _ := e.getString("error")
	if scores == nil || scores.kind == kNull || failed != "" {
		// fmeval's invariant: no dataset_scores means the evaluation failed
		// and error says why. Emit the eval's known scores as missing with
		// that error, so every rule on them sees it.
		msg, _ := e.getString("error")
		if msg == "" {
			msg = "EvalOutput has no dataset_scores and no error"
		}
		names := evalScoreNames[name]
		if len(names) == 0 {
			names = []string{name}
		}
		for _, s := range names {
			r.add(gate.Instance{
				Address: rules.FormatAddress(rules.FamilyLLM, name, s),
				Labels:  labels(kv...),
				Value:   nan(),
				StdDev:  nan(),
				Source:  r.source(p.key("error")),
				Note:    "evaluation failed: " + msg,
			})
		}
		return nil
	}
	if err := r.evalScores(scores, p.key("dataset_scores"), name, kv); err != nil {
		return err
	}
	cats := e.get("category_scores")
	cp := p.key("category_scores")
	if cats == nil || cats.kind == kNull {
		return nil
	}
	if cats.kind != kArray {
		return errAt(cp, "want a list of category scores or null, found %s", cats.kind)
	}
	for i, c := range cats.vals() {
		ip := cp.index(i)
		if c.kind != kObject {
			return errAt(ip, "want a category object with name and scores, found %s", c.kind)
		}
		cname, ok := literal(c.get("name"))
		if !ok {
			return errAt(ip, "category has no name (found keys %s)", keysOf(c))
		}
		ckv := append(append([]string(nil), kv...), "category", cname)
		cs := c.get("scores")
		if cs == nil {
			return errAt(ip, "category %q has no scores", cname)
		}
		if err := r.evalScores(cs, ip.key("scores"), name, ckv); err != nil {
			return err
		}
	}
	return nil
}

// evalScores reads a list of EvalScore {name, value, error}.
func (r *reader) evalScores(list *node, p *jpath, eval string, kv []string) error {
	if list.kind != kArray {
		return errAt(p, "want a list of scores, found %s", list.kind)
	}
	for i, s := range list.vals() {
		ip := p.index(i)
		if s.kind != kObject {
			return errAt(ip, "want a score object with name and value, found %s", s.kind)
		}
		name, ok := s.getString("name")
		if !ok || name == "" {
			return errAt(ip, "score has no name (found keys %s)", keysOf(s))
		}
		vn := s.get("value")
		v, note, scalar := metricValue(vn)
		if !scalar {
			note = fmt.Sprintf("value is %s, not a number", vn.kind)
		}
		if msg, ok := s.getString("error"); ok && msg != "" {
			if note == "" {
				// fmeval writes an error only in place of a value.
				note = "the report gives a value and the error " + strconv.Quote(truncate(msg, 200))
				v = nan()
			} else {
				note = msg
			}
		}
		r.add(gate.Instance{
			Address: rules.FormatAddress(rules.FamilyLLM, eval, name),
			Labels:  labels(kv...),
			Value:   v,
			StdDev:  nan(),
			Source:  r.source(ip.key("value")),
			Note:    note,
		})
	}
	return nil
}

// evalScoreNames are the dataset-level score names of each fmeval
// EvalAlgorithm (aws/fmeval @ 749cba4), used when an evaluation failed and
// wrote an error in place of its scores.
var evalScoreNames = map[string][]string{
	"toxicity":               toxicityScores,
	"qa_toxicity":            toxicityScores,
	"summarization_toxicity": toxicityScores,
	"prompt_stereotyping":    {"prompt_stereotyping"},
	"factual_knowledge":      {"factual_knowledge", "factual_knowledge_quasi_exact"},
	"qa_accuracy":            qaScores,
	"qa_accuracy_semantic_robustness": append(append([]string(nil), qaScores...),
		"delta_f1_score", "delta_exact_match_score", "delta_quasi_exact_match_score",
		"delta_precision_over_words", "delta_recall_over_words", "delta_bertscore"),
	"summarization_accuracy":                      {"meteor", "rouge", "bertscore"},
	"summarization_accuracy_semantic_robustness":  {"meteor", "rouge", "bertscore", "delta_meteor", "delta_rouge", "delta_bertscore"},
	"classification_accuracy":                     {"classification_accuracy_score", "balanced_accuracy_score", "precision_score", "recall_score"},
	"classification_accuracy_semantic_robustness": {"classification_accuracy_score", "delta_classification_accuracy_score"},
	"general_semantic_robustness":                 {"word_error_rate", "bertscore_dissimilarity"},
}

var (
	toxicityScores = []string{"toxicity", "severe_toxicity", "obscene", "identity_attack", "insult", "threat", "sexual_explicit"}
	qaScores       = []string{"f1_score", "exact_match_score", "quasi_exact_match_score", "precision_over_words", "recall_over_words", "bertscore"}
)
