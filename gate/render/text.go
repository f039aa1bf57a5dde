package render

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/modelgate/modelgate/gate"
)

// Text writes the result as a table for a terminal: one row per finding,
// in rule order, with a one-line reason under every non-pass. version is
// the program's, for the first line.
func Text(w io.Writer, r *gate.Result, version string) error {
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
	rows := [][]string{{"RULE", "METRIC", "INSTANCE", "VALUE", "THRESHOLD", "BASELINE", "DELTA", "VERDICT"}}
	reasons := []string{""}
	for _, f := range r.Findings {
		rows = append(rows, []string{clean(f.Rule, 40), clean(f.Metric, 48), clean(gate.LabelString(f.Labels), 48),
			numStr(f.Value), clean(f.Threshold, 60), numStr(f.Baseline), delta(f.Delta), verdictStr(f)})
		reason := ""
		if f.Verdict != gate.Pass && f.Reason != "" {
			reason = clean(f.Reason, 240)
		}
		reasons = append(reasons, reason)
	}
	writeTable(bw, rows, reasons)
	writeDetails(bw, r)
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

// clean is Line for the text table.
func clean(s string, max int) string { return Line(s, max) }

// writeTable pads the columns to their widest cell and puts each non-empty
// reason on its own line under its row.
func writeTable(w io.Writer, rows [][]string, reasons []string) {
	width := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, c := range row {
			if n := utf8.RuneCountInString(c); n > width[i] {
				width[i] = n
			}
		}
	}
	var b strings.Builder
	for k, row := range rows {
		b.Reset()
		for i, c := range row {
			b.WriteString(c)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)+2))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
		if reasons[k] != "" {
			fmt.Fprintf(w, "  -> %s\n", reasons[k])
		}
	}
}

// writeDetails prints the per-report details of computed reports: the
// worst memorization offenders (record, span, document, the first 80
// characters of the span; never more of the protected text).
func writeDetails(w io.Writer, r *gate.Result) {
	for _, name := range sortedKeys(r.Details) {
		var d struct {
			Outputs   int `json:"outputs"`
			Verbatim  int `json:"verbatim"`
			MinTokens int `json:"min_tokens"`
			Offenders []struct {
				Record   int    `json:"record"`
				Span     int    `json:"span"`
				Excerpt  string `json:"excerpt"`
				Document string `json:"document"`
			} `json:"offenders"`
		}
		if json.Unmarshal(r.Details[name], &d) != nil || len(d.Offenders) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s: %d of %d outputs reproduce a span of %d+ tokens from the corpus; worst:\n", clean(name, 40), d.Verbatim, d.Outputs, d.MinTokens)
		for _, o := range d.Offenders {
			fmt.Fprintf(w, "  record %d: %d tokens from %s: %q\n", o.Record, o.Span, clean(o.Document, 120), clean(o.Excerpt, 80))
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
