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

// TextWidth is the widest line of the text table: cells wrap within their
// column, and reasons under their row, to stay within it.
const TextWidth = 120

// Text writes the result as a table for a terminal: one row per finding
// (a rule on one metric instance), in rule order, with its reason under
// every non-pass. version is the program's, for the first line. The table
// fits TextWidth columns: cells wrap at spaces within their column.
func Text(w io.Writer, r *gate.Result, version string) error {
	return text(w, r, version, false)
}

func text(w io.Writer, r *gate.Result, version string, color bool) error {
	bw := &errWriter{w: w}
	fmt.Fprintf(bw, "modelgate %s\n", version)
	field(bw, "rules:     ", fmt.Sprintf("%s (sha256 %s)", clean(r.RulesFile, 200), short(r.RulesSHA256)))
	field(bw, "candidate: ", pkgLine(r.Candidate))
	field(bw, "baseline:  ", pkgLine(r.Baseline))
	for _, n := range r.Notes {
		field(bw, "note:      ", clean(n, 300))
	}
	fmt.Fprintln(bw)
	rows := [][]string{{"RULE", "METRIC", "VALUE", "THRESHOLD", "BASELINE", "DELTA", "VERDICT"}}
	reasons, colors := []string{""}, []string{""}
	for _, f := range r.Findings {
		c := ""
		if color {
			c = verdictColor(f)
		}
		colors = append(colors, c)
		metric := clean(f.Metric, 100)
		if inst := clean(gate.LabelString(f.Labels), 200); inst != "" {
			metric += " " + inst
		}
		rows = append(rows, []string{clean(f.Rule, 40), metric,
			numStr(f.Value), clean(f.Threshold, 200), numStr(f.Baseline), delta(f.Delta), verdictStr(f)})
		reason := ""
		if f.Verdict != gate.Pass && f.Reason != "" {
			reason = clean(f.Reason, 240)
		}
		reasons = append(reasons, reason)
	}
	writeTable(bw, rows, reasons, colors)
	writeDetails(bw, r)
	fmt.Fprintln(bw)
	c := r.Counts
	concl := strings.ToUpper(string(r.Conclusion))
	if color {
		concl = paint(conclusionColor(r.Conclusion), concl)
	}
	field(bw, "", concl+": "+clean(r.Title(), 200))
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

// field writes label and text, the text wrapped to TextWidth with its
// further lines indented under the first.
func field(w io.Writer, label, text string) {
	n := utf8.RuneCountInString(label)
	for i, ln := range wrap(text, TextWidth-n) {
		if i > 0 {
			label = strings.Repeat(" ", n)
		}
		fmt.Fprintln(w, label+ln)
	}
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

// writeTable pads the columns to their widest cell, narrowing the widest
// columns (wrapping their cells at spaces) until a line fits TextWidth, and
// puts each non-empty reason under its row, wrapped to TextWidth.
// colors[k] is the SGR colour of row k's last column ("" for none), put on
// after the padding so that it takes no width.
func writeTable(w io.Writer, rows [][]string, reasons, colors []string) {
	width := columnWidths(rows, TextWidth)
	var b strings.Builder
	for k, row := range rows {
		cells := make([][]string, len(row))
		height := 1
		for i, c := range row {
			cells[i] = wrap(c, width[i])
			height = max(height, len(cells[i]))
		}
		for ln := 0; ln < height; ln++ {
			b.Reset()
			for i := range row {
				c := ""
				if ln < len(cells[i]) {
					c = cells[i][ln]
				}
				if i == len(row)-1 {
					c = paint(colors[k], c)
				}
				b.WriteString(c)
				if i < len(row)-1 {
					b.WriteString(strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)+2))
				}
			}
			fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
		}
		if reasons[k] != "" {
			for i, ln := range wrap(reasons[k], TextWidth-5) {
				lead := "  -> "
				if i > 0 {
					lead = "     "
				}
				fmt.Fprintln(w, lead+ln)
			}
		}
	}
}

// columnWidths is each column's widest cell, narrowed until the columns and
// their two-space gaps fit limit: the widest column that can still wrap at
// a space first, then (when every word is at its longest) the widest
// column, whose words are then broken.
func columnWidths(rows [][]string, limit int) []int {
	// A longer word is broken before a shorter column is narrowed.
	const maxWord = 28
	n := len(rows[0])
	width, minw := make([]int, n), make([]int, n)
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], utf8.RuneCountInString(c))
			for _, word := range strings.Fields(c) {
				minw[i] = max(minw[i], min(utf8.RuneCountInString(word), maxWord))
			}
		}
	}
	total := 2 * (n - 1)
	for _, wd := range width {
		total += wd
	}
	for total > limit {
		pick := -1
		for i := range width {
			if width[i] > minw[i] && (pick < 0 || width[i] > width[pick]) {
				pick = i
			}
		}
		if pick < 0 {
			for i := range width {
				if width[i] > 8 && (pick < 0 || width[i] > width[pick]) {
					pick = i
				}
			}
		}
		if pick < 0 {
			break
		}
		width[pick]--
		total--
	}
	return width
}

// wrap breaks s into lines of at most n characters at spaces; a word
// longer than n is cut, after a separator (. _ / - = : ,) in its second
// half when it has one.
func wrap(s string, n int) []string {
	if n < 1 || utf8.RuneCountInString(s) <= n {
		return []string{s}
	}
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		for utf8.RuneCountInString(word) > n {
			if line != "" {
				lines, line = append(lines, line), ""
			}
			r := []rune(word)
			cut := n
			// Break after a separator of a name when there is one.
			for i := n; i > n/2; i-- {
				if strings.ContainsRune("._/-=:,", r[i-1]) {
					cut = i
					break
				}
			}
			lines, word = append(lines, string(r[:cut])), string(r[cut:])
		}
		switch {
		case line == "":
			line = word
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) <= n:
			line += " " + word
		default:
			lines, line = append(lines, line), word
		}
	}
	if line != "" || len(lines) == 0 {
		lines = append(lines, line)
	}
	return lines
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
			field(w, "  ", fmt.Sprintf("record %d: %d tokens from %s: %q", o.Record, o.Span, clean(o.Document, 120), clean(o.Excerpt, 80)))
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
