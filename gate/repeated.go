package gate

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/modelgate/modelgate/rules"
)

// repeatedRuns merges the findings of min_runs_passing rules: the
// instances of one metric and label set, one per attached run (repeated
// result files of a non-deterministic model), become one finding that
// passes when at least k of the N runs pass. A run that is missing or
// inconclusive does not pass. With runs: R, fewer than R runs is missing
// and more is an error.
func (e *evaluator) repeatedRuns() {
	// Only rules with min_runs_passing merge findings: without one, the
	// findings stay as they are (a copy of a million findings costs a
	// gigabyte of churn).
	if !slices.ContainsFunc(e.f.Rules, func(r rules.Rule) bool { return r.MinRunsPassing > 0 }) {
		return
	}
	out := make([]Finding, 0, len(e.out))
	for i := 0; i < len(e.out); {
		r := e.ruleByID(e.out[i].Rule)
		j := i + 1
		for j < len(e.out) && e.out[j].Rule == e.out[i].Rule {
			j++
		}
		if r == nil || r.MinRunsPassing <= 0 || r.Metric == nil {
			out = append(out, e.out[i:j]...)
			i = j
			continue
		}
		var order []string
		groups := map[string][]Finding{}
		for _, fd := range e.out[i:j] {
			k := fd.Metric + "\x00" + LabelString(fd.Labels)
			if _, ok := groups[k]; !ok {
				order = append(order, k)
			}
			groups[k] = append(groups[k], fd)
		}
		for _, k := range order {
			out = append(out, mergeRuns(r, groups[k]))
		}
		i = j
	}
	e.out = out
}

func (e *evaluator) ruleByID(id string) *rules.Rule {
	for i := range e.f.Rules {
		if e.f.Rules[i].ID == id {
			return &e.f.Rules[i]
		}
	}
	return nil
}

func mergeRuns(r *rules.Rule, runs []Finding) Finding {
	fd := runs[0]
	n, passed, waived := len(runs), 0, false
	sum, finite := 0.0, 0
	var each []string
	for _, f := range runs {
		slot, _, _ := strings.Cut(f.Source, ":")
		v := "no value"
		if !math.IsNaN(f.Value) {
			v = fmtNum(f.Value)
			sum += f.Value
			finite++
		}
		each = append(each, fmt.Sprintf("%s %s %s", slot, v, f.Verdict))
		switch f.Verdict {
		case Pass:
			passed++
		case Waived:
			waived = true
		}
	}
	fd.Value, fd.StdDev, fd.Baseline, fd.Delta, fd.Paired = math.NaN(), math.NaN(), math.NaN(), math.NaN(), nil
	if finite > 0 {
		fd.Value = sum / float64(finite)
	}
	fd.Threshold = strings.TrimPrefix(fd.Threshold+fmt.Sprintf(", %d of %d runs", r.MinRunsPassing, n), ", ")
	if r.Runs > 0 {
		fd.Threshold = strings.TrimPrefix(runs[0].Threshold+fmt.Sprintf(", %d of %d runs", r.MinRunsPassing, r.Runs), ", ")
	}
	fd.Source = strings.Join(sources(runs), "; ")
	list := strings.Join(each, ", ")
	blocking := fd.Severity == rules.SeverityError
	switch {
	case r.Runs > 0 && n < r.Runs:
		fd.Verdict, fd.Blocking = Missing, blocking
		fd.Reason = fmt.Sprintf("only %d of the %d runs are attached (%s)", n, r.Runs, list)
	case r.Runs > 0 && n > r.Runs:
		fd.Verdict, fd.Blocking = Error, blocking
		fd.Reason = fmt.Sprintf("%d runs found, the rule says runs: %d; which to judge is ambiguous (%s)", n, r.Runs, list)
	case passed >= r.MinRunsPassing:
		fd.Verdict, fd.Blocking = Pass, false
		fd.Reason = fmt.Sprintf("%d of %d runs pass (need %d): %s", passed, n, r.MinRunsPassing, list)
	default:
		fd.Verdict, fd.Blocking = Fail, blocking
		if !blocking {
			fd.Verdict = Warn
		}
		fd.Reason = fmt.Sprintf("only %d of %d runs pass (need %d): %s", passed, n, r.MinRunsPassing, list)
	}
	if waived && fd.Verdict != Pass {
		fd.Verdict, fd.Blocking = Waived, false
		fd.Reason = "waived: " + fd.Reason
	}
	return fd
}

func sources(fs []Finding) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		if f.Source != "" {
			out = append(out, f.Source)
		}
	}
	return out
}
