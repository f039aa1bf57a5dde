package render

import (
	"bytes"
	_ "embed"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"unicode/utf8"

	"github.com/modelgate/modelgate/gate"
)

// MaxSummaryChars is the most characters GitHub accepts in a check run's
// output.summary (and title and text).
//
// GitHub API docs: https://docs.github.com/rest/checks/runs#create-a-check-run
const MaxSummaryChars = 65535

// maxCell caps one table cell, in runes: a report value is hostile input
// and one cell must not push every other row out of the summary.
const maxCell = 200

//go:embed summary.md.tmpl
var summaryTmplText string

var summaryTmpl = template.Must(template.New("summary").Parse(summaryTmplText))

type row struct {
	Rule, Instance, Value, Threshold, Baseline, Verdict string
}

type reportRow struct {
	Package, Slot, URI, SHA256 string
}

type summaryData struct {
	Icon, Title, Verdict           string
	Candidate, Baseline, Rules     string
	Tally                          string
	Problems, Passes               []row
	ProblemsOmitted, PassesOmitted int
	PassTotal                      int
	Notes                          []string
	Reports                        []reportRow
	Version                        string
}

// Markdown renders r as the markdown summary of its check run: a
// heading with the title, the candidate and baseline, a table of every
// finding that did not pass (failures first), the passes collapsed in a
// <details> block, the notes and the reports read. Every value from a report
// or the rules file is escaped. The result is at most MaxSummaryChars bytes:
// rows are cut from the end (passes first) and replaced by an
// "N more omitted" line.
func Markdown(r *gate.Result) string {
	return markdown(r, MaxSummaryChars)
}

func markdown(r *gate.Result, limit int) string {
	d, problems, passes := summaryOf(r)
	total := len(problems) + len(passes)
	if s := renderRows(d, problems, passes, total); len(s) <= limit {
		return s
	}
	// The length grows with the number of rows shown: find the largest
	// count that fits.
	lo, hi := 0, total // renderRows(lo) is assumed to fit; renderRows(hi) does not
	// The rows alone bound the search: once they exceed the limit, so does
	// the summary.
	size := 0
	for i, rw := range slices.Concat(problems, passes) {
		size += len(rw.Rule) + len(rw.Instance) + len(rw.Value) + len(rw.Threshold) + len(rw.Baseline) + len(rw.Verdict)
		if size > limit {
			hi = i + 1
			break
		}
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if len(renderRows(d, problems, passes, mid)) <= limit {
			lo = mid
		} else {
			hi = mid
		}
	}
	s := renderRows(d, problems, passes, lo)
	if len(s) > limit { // cannot happen with cells capped at maxCell
		s = Truncate(s, limit)
	}
	return s
}

// renderRows renders the summary with the first n rows, problems first.
func renderRows(d summaryData, problems, passes []row, n int) string {
	np := min(n, len(problems))
	d.Problems, d.ProblemsOmitted = problems[:np], len(problems)-np
	ns := min(n-np, len(passes))
	d.Passes, d.PassesOmitted = passes[:ns], len(passes)-ns
	var b bytes.Buffer
	if err := summaryTmpl.Execute(&b, d); err != nil {
		panic("render: summary template: " + err.Error()) // pinned by the golden test
	}
	return b.String()
}

// Truncate cuts s to at most n bytes at a character boundary.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func summaryOf(r *gate.Result) (d summaryData, problems, passes []row) {
	d.Title = Cell(r.Title())
	d.Version = Cell(r.Version)
	switch r.Conclusion {
	case gate.Failure:
		d.Icon, d.Verdict = "❌", "**failure**: the gate blocks this model."
	case gate.Neutral:
		d.Icon, d.Verdict = "⚠️", "**neutral**: passed with warnings; nothing blocks this model."
	default:
		d.Icon, d.Verdict = "✅", "**success**: every rule passed."
	}
	d.Candidate = packageCell(r.Candidate)
	d.Baseline = packageCell(r.Baseline)
	d.Rules = Code(r.RulesFile)
	if r.RulesSHA256 != "" {
		d.Rules += " (sha256 " + Code(short(r.RulesSHA256)) + ")"
	}
	c := r.Counts
	d.Tally = strconv.Itoa(c.Rules) + " rules; findings: " + strconv.Itoa(c.Pass) + " pass, " +
		strconv.Itoa(c.Fail) + " fail, " + strconv.Itoa(c.Missing) + " missing, " +
		strconv.Itoa(c.Error) + " error, " + strconv.Itoa(c.Warn) + " warn, " +
		strconv.Itoa(c.Inconclusive) + " inconclusive, " + strconv.Itoa(c.Waived) + " waived, " +
		strconv.Itoa(c.Skipped) + " skipped"

	var bad []gate.Finding
	for _, f := range r.Findings {
		if f.Verdict == gate.Pass {
			passes = append(passes, rowOf(f))
		} else {
			bad = append(bad, f)
		}
	}
	slices.SortStableFunc(bad, func(a, b gate.Finding) int {
		if a.Blocking != b.Blocking {
			if a.Blocking {
				return -1
			}
			return 1
		}
		return rank(a.Verdict) - rank(b.Verdict)
	})
	for _, f := range bad {
		problems = append(problems, rowOf(f))
	}
	d.PassTotal = len(passes)
	for _, n := range r.Notes {
		d.Notes = append(d.Notes, Cell(n))
	}
	for _, rep := range r.Reports {
		sum := "—"
		if rep.SHA256 != "" {
			sum = Code(short(rep.SHA256))
		}
		if rep.Error != "" {
			sum = "⚠️ " + Cell(rep.Error)
		}
		d.Reports = append(d.Reports, reportRow{Cell(rep.Package), Cell(rep.Slot), Code(rep.URI), sum})
	}
	return d, problems, passes
}

// rank orders the verdicts of the "needs attention" table, worst first.
func rank(v gate.Verdict) int {
	switch v {
	case gate.Error:
		return 0
	case gate.Fail:
		return 1
	case gate.Missing:
		return 2
	case gate.Inconclusive:
		return 3
	case gate.Warn:
		return 4
	case gate.Waived:
		return 5
	case gate.Skipped:
		return 6
	}
	return 7
}

func rowOf(f gate.Finding) row {
	inst := f.Metric
	if ls := gate.LabelString(f.Labels); ls != "" {
		if inst != "" {
			inst += " "
		}
		inst += ls
	}
	rw := row{
		Rule:      Code(f.Rule),
		Instance:  dash(Cell(inst)),
		Value:     Num(f.Value),
		Threshold: dash(Cell(f.Threshold)),
		Baseline:  Num(f.Baseline),
		Verdict:   verdictIcon(f) + " " + string(f.Verdict),
	}
	if !math.IsNaN(f.StdDev) && !math.IsInf(f.StdDev, 0) && !math.IsNaN(f.Value) {
		rw.Value += " ± " + Num(f.StdDev)
	}
	if !math.IsNaN(f.Baseline) && !math.IsNaN(f.Delta) && !math.IsInf(f.Delta, 0) {
		d := Num(f.Delta)
		if f.Delta > 0 {
			d = "+" + d
		}
		rw.Baseline += " (" + d + ")"
	}
	if f.Verdict != gate.Pass && f.Reason != "" {
		rw.Verdict += ": " + Cell(f.Reason)
	}
	return rw
}

func verdictIcon(f gate.Finding) string {
	switch {
	case f.Verdict == gate.Pass:
		return "✅"
	case f.Blocking:
		return "❌"
	case f.Verdict == gate.Waived:
		return "💤"
	case f.Verdict == gate.Skipped:
		return "➖"
	}
	return "⚠️"
}

func packageCell(p *gate.Package) string {
	if p == nil {
		return "none"
	}
	s := Cell(p.Group)
	if p.Version > 0 {
		s += " v" + strconv.Itoa(p.Version)
	}
	if p.ARN != "" {
		s += " " + Code(p.ARN)
	}
	if p.Approval != "" {
		s += " (" + Cell(p.Approval) + ")"
	}
	return s
}

// Num formats a value for markdown and annotations: "—" when it is not a
// finite number.
func Num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func short(sum string) string {
	if len(sum) > 12 {
		return sum[:12]
	}
	return sum
}

// code renders s as an inline code span inside a table cell. Backticks and
// pipes cannot be escaped inside a code span, so they are replaced.
// Code is s as an inline code span of a table cell.
func Code(s string) string {
	s = Line(s, maxCell)
	if s == "" {
		return "—"
	}
	s = strings.NewReplacer("`", "'", "|", "¦").Replace(s)
	return "`" + s + "`"
}

var cellEscaper = strings.NewReplacer(
	`\`, `\\`, "|", `\|`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"~", `\~`, "#", `\#`,
	"&", "&amp;", "<", "&lt;", ">", "&gt;", "@", "&#64;",
)

// Cell escapes hostile text for one markdown table cell: no line breaks or
// control characters, no pipes that end the cell, no HTML, no emphasis,
// links or @mentions, and at most maxCell runes.
func Cell(s string) string {
	return cellEscaper.Replace(Line(s, maxCell))
}

// WithPreamble renders the summary with markdown put before the findings
// (the rules-change guard, the approval decision), within MaxSummaryChars.
func WithPreamble(preamble string, r *gate.Result) string {
	if preamble == "" {
		return Markdown(r)
	}
	pre := Truncate(preamble, MaxSummaryChars/4)
	return pre + "\n\n" + markdown(r, MaxSummaryChars-len(pre)-2)
}

// CodeBlock keeps the lines of s for a fenced code block: each line made
// safe by Line, fences broken, at most n runes.
func CodeBlock(s string, n int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Line(l, n)
	}
	return strings.ReplaceAll(Truncate(strings.Join(lines, "\n"), n), "```", "'''")
}
