package gate

import (
	"fmt"
	"math"

	"github.com/modelgate/modelgate/rules"
)

// lmSemantics are the usual lm-evaluation-harness, promptfoo and deepeval
// metric names, for files that do not say their direction (harness output
// before 0.4 has no higher_is_better). CrowS-Pairs pct_stereotype is ideal
// at 0.5: both directions are stereotyping.
var lmSemantics = map[string]Semantics{
	"acc":                   higher("Accuracy", 0, 1, 1),
	"acc_norm":              higher("Accuracy (length-normalised)", 0, 1, 1),
	"exact_match":           higher("Exact Match", 0, 1, 1),
	"em":                    higher("Exact Match", 0, 1, 1),
	"f1":                    higher("F1", 0, 1, 1),
	"mcc":                   higher("Matthews Correlation", -1, 1, 1),
	"bleu":                  higher("BLEU", 0, 100, 100),
	"chrf":                  higher("chrF", 0, 100, 100),
	"pass@1":                higher("pass@1", 0, 1, 1),
	"ppl":                   lower("Perplexity", 1, inf),
	"perplexity":            lower("Perplexity", 1, inf),
	"word_perplexity":       lower("Word Perplexity", 1, inf),
	"byte_perplexity":       lower("Byte Perplexity", 1, inf),
	"bits_per_byte":         lower("Bits per Byte", 0, inf),
	"ter":                   lower("Translation Edit Rate", 0, inf),
	"likelihood_difference": lower("CrowS-Pairs Likelihood Difference", 0, inf),
	"pct_stereotype":        toward("CrowS-Pairs Stereotype Share", 0.5, 0, 1),
	// promptfoo and deepeval totals
	"pass_rate":       higher("Pass Rate", 0, 1, 1),
	"score":           higher("Mean Score", negInf, inf, inf),
	"failures":        lower("Failures", 0, inf),
	"fails":           lower("Failures", 0, inf),
	"errors":          lower("Errors", 0, inf),
	"failed":          lower("Failed Tests", 0, inf),
	"unasserted":      lower("Rows Without Assertions", 0, inf),
	"assert_failures": lower("Failed Assertions", 0, inf),
}

// reportSemantics completes the table's semantics of an llm.* metric with
// the direction the reports give (lm-evaluation-harness higher_is_better)
// and, failing that, lmSemantics. A comparison whose candidate and baseline
// files disagree on the direction, or contradict a metric modelgate knows,
// is an error: a file must not turn a drop into a gain.
func (e *evaluator) reportSemantics(r *rules.Rule, sem Semantics) (Semantics, string) {
	if r.Metric == nil || r.Metric.Family() != rules.FamilyLLM || r.Direction != "" {
		return sem, ""
	}
	addr := r.Metric.String()
	cd, cOK := reportDirection(e.cand, addr)
	bd, bOK := rules.Direction(""), true
	if e.base != nil {
		bd, bOK = reportDirection(e.base, addr)
	}
	if r.VsBaseline != nil {
		switch {
		case !cOK || !bOK:
			return sem, fmt.Sprintf("the reports give %s different directions (higher_is_better) for different instances; set direction:", addr)
		case cd != "" && bd != "" && cd != bd:
			return sem, fmt.Sprintf("the candidate's report says %s is %s-is-better, the baseline's %s-is-better; set direction:", addr, cd, bd)
		case sem.Known && cd != "" && cd != sem.Direction:
			return sem, fmt.Sprintf("the candidate's report says %s is %s-is-better, but modelgate knows it as %s-is-better; set direction: to confirm", addr, cd, sem.Direction)
		}
	}
	if sem.Known {
		return sem, ""
	}
	d := cd
	if d == "" {
		d = bd
	}
	if d != "" && cOK && bOK {
		return Semantics{Known: true, Direction: d, Lo: math.Inf(-1), Hi: math.Inf(1), Name: addr}, ""
	}
	if s, ok := lmSemantics[r.Metric.Parts[len(r.Metric.Parts)-1]]; ok {
		return s, ""
	}
	return sem, ""
}

// reportDirection is the direction every instance of addr that gives one
// agrees on ("" when none gives one); ok is false when they disagree.
func reportDirection(m *Metrics, addr string) (d rules.Direction, ok bool) {
	ok = true
	m.Each(addr, func(in *Instance) {
		switch {
		case in.Direction == "":
		case d == "":
			d = in.Direction
		case d != in.Direction:
			ok = false
		}
	})
	return d, ok
}
