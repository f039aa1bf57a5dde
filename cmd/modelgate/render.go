package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/modelgate/modelgate/gate"
)

// renderText writes the result as a table for a terminal: one row per
// finding, in rule order, with a one-line reason under every non-pass.
func renderText(w io.Writer, r *gate.Result) error {
	bw := &errWriter{w: w}
	fmt.Fprintf(bw, "modelgate %s\n", version)
	fmt.Fprintf(bw, "rules:     %s (sha256 %s)\n", clean(r.RulesFile, 200), short(r.RulesSHA256))
	fmt.Fprintf(bw, "candidate: %s\n", pkgLine(r.Candidate))
	if r.Baseline != nil {
		fmt.Fprintf(bw, "baseline:  %s\n", pkgLine(r.Baseline))
	} else {
		fmt.Fprintf(bw, "baseline:  none\n")
	}
	for _, n := range r.Notes {
		fmt.Fprintf(bw, "note:      %s\n", clean(n, 300))
	}
	fmt.Fprintln(bw)
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tMETRIC\tINSTANCE\tVALUE\tTHRESHOLD\tBASELINE\tDELTA\tVERDICT")
	for _, f := range r.Findings {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			clean(f.Rule, 40), clean(f.Metric, 48), clean(gate.LabelString(f.Labels), 48),
			numStr(f.Value), clean(f.Threshold, 60), numStr(f.Baseline), delta(f.Delta), verdictStr(f))
		if f.Verdict != gate.Pass && f.Reason != "" {
			fmt.Fprintf(tw, "  -> %s\n", clean(f.Reason, 240)) // no tab: does not widen the columns
		}
	}
	tw.Flush()
	fmt.Fprintln(bw)
	c := r.Counts
	fmt.Fprintf(bw, "%s: %s\n", strings.ToUpper(string(r.Conclusion)), clean(r.Title(), 200))
	fmt.Fprintf(bw, "findings: %d pass, %d fail, %d missing, %d error, %d inconclusive, %d warn, %d waived, %d skipped\n",
		c.Pass, c.Fail, c.Missing, c.Error, c.Inconclusive, c.Warn, c.Waived, c.Skipped)
	return bw.err
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func pkgLine(p *gate.Package) string {
	if p == nil {
		return "none"
	}
	return fmt.Sprintf("%s v%d (%s, %s)", clean(p.Group, 63), p.Version, clean(p.ARN, 200), clean(p.Approval, 40))
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

func verdictStr(f gate.Finding) string {
	v := strings.ToUpper(string(f.Verdict))
	if f.Blocking {
		return v + " (blocking)"
	}
	return v
}

func numStr(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "-"
	}
	return strconv.FormatFloat(v, 'g', 5, 64)
}

func delta(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "-"
	}
	s := strconv.FormatFloat(v, 'g', 4, 64)
	if v > 0 {
		s = "+" + s
	}
	return s
}

// clean makes report-controlled text safe for a terminal: control and
// format characters (ANSI escapes, bidi overrides) become spaces, and the
// text is cut at max runes.
func clean(s string, max int) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == max {
			b.WriteString("…")
			break
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			r = ' '
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
