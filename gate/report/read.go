package report

import (
	"errors"
	"fmt"
	"math"
	"mime"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/modelgate/modelgate/gate"
)

// Formats a report can be read as. Source.Format (the rules file's
// `format:`) forces one; otherwise Read detects it from the slot and the
// content.
const (
	FormatModelQuality   = "model-quality"
	FormatClarifyBias    = "clarify-bias"
	FormatClarifyExplain = "clarify-explainability"
	FormatViolations     = "monitor-violations"
	FormatFmeval         = "fmeval"
	FormatJSON           = "json"
)

// Formats lists every format name, in the order of the formats table.
func Formats() []string { return formatNames() }

// Parsed is what Read makes of one report: the gate's own type, so that
// Read is a gate.ReadFunc.
type Parsed = gate.Parsed

// Error is a report that cannot be read: too large, not JSON, or not the
// shape its slot or format requires. Path is the JSON path where the problem
// is ("$" for the whole document), or "" when it is not about a place in the
// document.
type Error struct {
	Report string // slot or report name
	URI    string
	Path   string
	Msg    string
	// Err is the sentinel the error wraps, if any (gate.ErrTooLarge).
	Err error
}

// Error renders `report <name> (<uri>): <json path>: <message>`.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("report ")
	b.WriteString(e.Report)
	if e.URI != "" {
		b.WriteString(" (")
		b.WriteString(e.URI)
		b.WriteByte(')')
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the wrapped sentinel.
func (e *Error) Unwrap() error { return e.Err }

// shapeError is an error at a place in the document, raised by a reader and
// turned into an *Error by Read.
type shapeError struct {
	path string
	msg  string
}

func (e *shapeError) Error() string { return e.path + ": " + e.msg }

func errAt(p *jpath, format string, args ...any) error {
	return &shapeError{path: p.String(), msg: fmt.Sprintf(format, args...)}
}

// reader reads one parsed document of a known format.
type reader struct {
	slot    string  // the report's slot or name; the Source prefix
	ps      *parser // the document's parser: its text, lazy values, limits
	dropped int     // instances past maxInstances
	strs    arena
	// detected is true when the format was detected from the content of a
	// named report, false when a slot or `format:` required it.
	detected bool
	out      []gate.Instance
}

// Read reads one report into metric instances. src.Slot names the report;
// src.Format, when set, forces the reader; src.ContentType, when it names a
// format that is not JSON (text/csv), is an error. Errors are *Error.
func Read(src gate.Source, data []byte) (*Parsed, error) { return read(src, data, true) }

// read is Read; lazy false builds every value (tests compare the two).
func read(src gate.Source, data []byte, lazy bool) (*Parsed, error) {
	name := src.Slot
	fail := func(path, format string, args ...any) (*Parsed, error) {
		// Keys and values of a hostile report can be megabytes long: an
		// error stays readable.
		return nil, &Error{Report: name, URI: src.URI, Path: truncate(path, maxErrorPath), Msg: truncate(fmt.Sprintf(format, args...), maxErrorMsg)}
	}
	if name == "" {
		return fail("", "no report name or slot given")
	}
	if len(data) > gate.MaxReportBytes {
		return nil, &Error{Report: name, URI: src.URI, Err: gate.ErrTooLarge,
			Msg: fmt.Sprintf("%d bytes is more than the %d MiB a report may have", len(data), gate.MaxReportBytes>>20)}
	}
	if msg := checkContentType(src.ContentType); msg != "" {
		return fail("", "%s", msg)
	}
	if src.Format != "" && !knownFormat(src.Format) {
		return fail("", "unknown format %q; want one of %s", src.Format, strings.Join(formatNames(), ", "))
	}
	if p, err, ok := ReadLMEvalSamples(src, data); ok {
		return p, err
	}
	ps, doc, err := parseDocument(data, lazy)
	if err != nil {
		var te *trailingError
		if errors.As(err, &te) {
			if looksLikeJSONLines(data) {
				return fail("", "JSON Lines (one JSON object per line) is not a report modelgate reads; "+
					"for fmeval, point the report at the EvalOutput JSON (the list returned by evaluate()), not the per-record output_path file")
			}
			err = te.syntaxError
		}
		var se *syntaxError
		if errors.As(err, &se) {
			return fail(se.path, "not valid JSON: %s", se.Error())
		}
		return fail("", "not valid JSON: %v", err)
	}

	want := src.Format
	if want == "" {
		want = slotFamily(src.Slot)
	}
	r := &reader{slot: name, ps: ps, out: make([]gate.Instance, 0, min(ps.leaves, maxInstances))}
	p := &Parsed{}
	var f *format
	if want != "" {
		f = lookupFormat(want)
		if !f.match(doc) {
			return fail("$", "%s", mismatch(doc, f))
		}
	} else {
		// A named report (or a slot with no fixed family): detect. A
		// document of two formats' shapes would be read as the first and
		// the other part dropped: refuse it (Clarify's bias-and-explanations
		// file is one format whose reader reads both).
		if a, b := ambiguousFormats(doc); a != nil {
			return fail("$", "this report has the shape of both %s and %s (%s; %s); which to read is ambiguous: say it with format:",
				a.title, b.title, a.want, b.want)
		}
		f, r.detected = detect(doc), true
	}
	err = f.read(r, doc)
	if err != nil {
		var se *shapeError
		if errors.As(err, &se) {
			return fail(se.path, "%s", se.msg)
		}
		var ye *syntaxError
		if errors.As(err, &ye) { // from expanding a lazy value
			return fail(ye.path, "not valid JSON: %s", ye.Error())
		}
		return fail("", "%v", err)
	}
	if r.dropped > 0 {
		return fail("$", "more than the %d metric instances a report may give; this is not a metrics report modelgate reads", maxInstances)
	}
	p.Format = f.name
	p.Instances = markAmbiguous(r.out, name)
	p.ItemCount = itemCount(doc)
	return p, nil
}

func knownFormat(f string) bool { return lookupFormat(f) != nil }

// slotFamily is the format a ModelMetrics slot requires, or "" for a named
// report or a slot that is read as generic JSON.
func slotFamily(slot string) string {
	switch slot {
	case gate.SlotQuality:
		return FormatModelQuality
	case gate.SlotBias, gate.SlotBiasPre, gate.SlotBiasPost:
		return FormatClarifyBias
	case gate.SlotExplainability:
		return FormatClarifyExplain
	case gate.SlotQualityConstraints, gate.SlotDataQuality, gate.SlotDataQualityConstraints,
		gate.SlotDriftBiasPre, gate.SlotDriftBiasPost, gate.SlotDriftExplain, gate.SlotDriftQuality,
		gate.SlotDriftQualityConstr, gate.SlotDriftDataQuality, gate.SlotDriftDataConstr:
		// Baselines and constraints: read as generic JSON under the slot
		// name, so that they never shadow the candidate's own quality.*,
		// bias.* or shap.* instances.
		return FormatJSON
	}
	return ""
}

// checkContentType returns why a content type cannot be read, or "".
func checkContentType(ct string) string {
	if ct == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(ct))
	}
	switch mt {
	case "text/csv", "application/csv", "text/tab-separated-values", "application/x-parquet",
		"application/vnd.apache.parquet", "application/x-recordio-protobuf":
		return fmt.Sprintf("content type %q is not JSON; modelgate reads JSON reports (attach the JSON statistics or analysis file)", ct)
	}
	return ""
}

// looksLikeJSONLines reports whether data is several JSON values, one per
// line.
func looksLikeJSONLines(data []byte) bool {
	lines := 0
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if _, err := parseJSON([]byte(l)); err != nil {
			return false
		}
		lines++
	}
	return lines > 1
}

// maxInstances caps the metric instances of one report. Real reports give
// from a few to a few thousand (69 features for 10 labels is 690); half a
// million is a file no gate judges usefully, and each instance costs some
// 200 bytes here and more in the gate.
const maxInstances = 500_000

// errTooMany stops a reader past maxInstances.
var errTooMany = errors.New("too many instances")

// add appends an instance; past maxInstances it only counts.
func (r *reader) add(in gate.Instance) {
	if len(r.out) >= maxInstances {
		r.dropped++
		return
	}
	r.out = append(r.out, in)
}

// source renders `<slot>: <json path>`.
func (r *reader) source(p *jpath) string { return p.withPrefix(r.slot + ": ") }

// labels builds a label list sorted by key, dropping empty keys.
func labels(kv ...string) []gate.Label {
	if len(kv) < 2 {
		return nil
	}
	ls := make([]gate.Label, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		l := gate.Label{Key: kv[i], Value: kv[i+1]}
		j := len(ls)
		ls = append(ls, l)
		for j > 0 && ls[j-1].Key > l.Key { // insertion sort: a handful of labels
			ls[j] = ls[j-1]
			j--
		}
		ls[j] = l
	}
	return ls
}

// metricValue reads a metric value that may be a number, a numeric string,
// "NaN"/"Infinity" strings, null, or a bare NaN token. A value that is not a
// finite number gives NaN and a note saying why. ok is false when n is not
// a scalar at all (an object or an array).
func metricValue(n *node) (v float64, note string, ok bool) {
	nan := math.NaN()
	if n == nil {
		return nan, "no value", true
	}
	switch n.kind {
	case kNumber:
		if math.IsInf(n.num, 0) || math.IsNaN(n.num) {
			return nan, fmt.Sprintf("value %s is out of the float64 range (not finite)", truncate(n.str, 60)), true
		}
		return n.num, "", true
	case kBare:
		if math.IsNaN(n.num) {
			return nan, "value is a bare NaN token (Python json.dumps of a NaN), not a number", true
		}
		return nan, fmt.Sprintf("value is a bare %s token (Python json.dumps): infinite, not a finite number", n.str), true
	case kNull:
		return nan, "value is null", true
	case kBool:
		return nan, fmt.Sprintf("value is the boolean %t, not a number", n.b), true
	case kString:
		f, kind := parseNumString(n.str)
		switch kind {
		case numFinite:
			return f, "", true
		case numNaN:
			return nan, fmt.Sprintf("value is %q (not a number)", truncate(n.str, 60)), true
		case numInf:
			return nan, fmt.Sprintf("value is %q: infinite, not a finite number", truncate(n.str, 60)), true
		}
		return nan, fmt.Sprintf("value is the string %q, not a number", truncate(n.str, 60)), true
	}
	return nan, "", false
}

type numKind int

const (
	numNone numKind = iota
	numFinite
	numNaN
	numInf
)

// parseNumString reads a number written as a string: "0.93", "1.0E-4",
// "NaN", "Infinity", "-Infinity", "inf".
func parseNumString(s string) (float64, numKind) {
	t := strings.TrimSpace(s)
	switch strings.ToLower(t) {
	case "nan", "-nan", "+nan":
		return math.NaN(), numNaN
	case "infinity", "+infinity", "-infinity", "inf", "+inf", "-inf":
		return math.NaN(), numInf
	}
	if t == "" || strings.ContainsAny(t, "xXpP_") { // no hex floats or digit separators
		return 0, numNone
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) && math.IsInf(f, 0) {
			return math.NaN(), numInf
		}
		return 0, numNone
	}
	return f, numFinite
}

// Lengths past which an error's path and message are cut.
const (
	maxErrorPath = 1000
	maxErrorMsg  = 2000
)

// truncate cuts s after n bytes, at a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// keysOf lists an object's keys for messages.
func keysOf(n *node) string {
	if n == nil || n.kind != kObject {
		return ""
	}
	ks := n.keys()
	more := ""
	if len(ks) > 8 {
		ks = ks[:8]
		more = fmt.Sprintf(" and %d more", len(n.keys())-8)
	}
	return "[" + strings.Join(ks, ", ") + "]" + more
}
