package memorize

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/modelgate/modelgate/gate"
)

// textDoc is an in-memory corpus document.
func textDoc(name, text string) Doc {
	return Doc{Name: name, Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(text)), nil }}
}

func fileDoc(path string) Doc {
	return Doc{Name: filepath.ToSlash(path), Open: func() (io.ReadCloser, error) { return os.Open(path) }}
}

// outputsJSONL writes one {"model_output": s} line per string.
func outputsJSONL(t testing.TB, field string, outs ...string) string {
	t.Helper()
	var b strings.Builder
	for _, s := range outs {
		line, err := json.Marshal(map[string]string{field: s})
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

func mustIndex(t testing.TB, o Options, docs ...Doc) *Index {
	t.Helper()
	ix, err := BuildIndex(context.Background(), docs, o)
	if err != nil {
		t.Fatalf("BuildIndex: %v", err)
	}
	return ix
}

func mustScan(t testing.TB, ix *Index, outputs string, o Options) *Report {
	t.Helper()
	rep, err := ix.Scan(context.Background(), strings.NewReader(outputs), o)
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return rep
}

// report fills in the fields every report of these tests shares.
func report(n, outputs int, offenders ...Offender) *Report {
	r := &Report{Outputs: outputs, MinTokens: n, Normalisation: Normalisation, FirstSkipped: -1, Offenders: offenders}
	if r.Offenders == nil {
		r.Offenders = []Offender{}
	}
	for _, o := range offenders {
		r.Verbatim++
		r.MaxSpan = max(r.MaxSpan, o.Span)
	}
	if outputs > 0 {
		r.VerbatimRate = float64(r.Verbatim) / float64(outputs)
	}
	return r
}

const lorem = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa"

func TestScan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		n       int
		docs    []Doc
		outputs []string
		want    *Report
	}{
		{
			name:    "span at start of output",
			n:       5,
			docs:    []Doc{textDoc("nato.txt", lorem)},
			outputs: []string{"Delta, echo; foxtrot GOLF hotel! and then something else entirely"},
			want:    report(5, 1, Offender{Record: 0, Span: 5, Excerpt: "Delta, echo; foxtrot GOLF hotel", Document: "nato.txt"}),
		},
		{
			name:    "span in the middle of output",
			n:       5,
			docs:    []Doc{textDoc("nato.txt", lorem)},
			outputs: []string{"we said kilo lima mike november oscar then left"},
			want:    report(5, 1, Offender{Record: 0, Span: 5, Excerpt: "kilo lima mike november oscar", Document: "nato.txt"}),
		},
		{
			name:    "four tokens at the end of output and document: below N",
			n:       5,
			docs:    []Doc{textDoc("nato.txt", lorem)},
			outputs: []string{"the end is\n\nmike   november\toscar papa. "},
			want:    report(5, 1),
		},
		{
			name:    "span at end of output, six tokens",
			n:       5,
			docs:    []Doc{textDoc("nato.txt", lorem)},
			outputs: []string{"the end is\n\nlima mike   november\toscar papa. "},
			want:    report(5, 1, Offender{Record: 0, Span: 5, Excerpt: "lima mike november oscar papa", Document: "nato.txt"}),
		},
		{
			name:    "near miss: one token changed",
			n:       5,
			docs:    []Doc{textDoc("nato.txt", lorem)},
			outputs: []string{"charlie delta echo foxtrat golf hotel india", "alpha bravo charlie delta ecco"},
			want:    report(5, 2),
		},
		{
			name:    "near miss: one token dropped or inserted",
			n:       5,
			docs:    []Doc{textDoc("nato.txt", lorem)},
			outputs: []string{"charlie delta foxtrot golf hotel", "charlie delta echo and foxtrot golf hotel"},
			want:    report(5, 2),
		},
		{
			name:    "longest span of a record wins and max_span is over records",
			n:       3,
			docs:    []Doc{textDoc("nato.txt", lorem)},
			outputs: []string{"alpha bravo charlie x india juliet kilo lima mike", "golf hotel india"},
			want: report(3, 2,
				Offender{Record: 0, Span: 5, Excerpt: "india juliet kilo lima mike", Document: "nato.txt"},
				Offender{Record: 1, Span: 3, Excerpt: "golf hotel india", Document: "nato.txt"}),
		},
		{
			name: "unicode: greek case folding, accents, CJK",
			n:    4,
			docs: []Doc{
				textDoc("el.txt", "Η γρήγορη καφέ αλεπού πηδάει"),
				textDoc("zh.txt", "我爱北京天安门"),
				textDoc("fr.txt", "À bientôt, chère Amélie; ça va?"),
			},
			outputs: []string{
				"Η ΓΡΉΓΟΡΗ ΚΑΦΈ ΑΛΕΠΟΎ",        // case folded, accents kept: match
				"η γρηγορη καφε αλεπου",        // accents dropped: no match
				"他说:我爱北京!",                     // 我爱北京: 4 tokens
				"a\u0300 bientot chere amelie", // accents dropped: no match
				"a\u0300 BIENTÔT chère Amélie", // decomposed à, upper case: match
			},
			want: report(4, 5,
				Offender{Record: 0, Span: 4, Excerpt: "Η ΓΡΉΓΟΡΗ ΚΑΦΈ ΑΛΕΠΟΎ", Document: "el.txt"},
				Offender{Record: 2, Span: 4, Excerpt: "我爱北京", Document: "zh.txt"},
				Offender{Record: 4, Span: 4, Excerpt: "a\u0300 BIENTÔT chère Amélie", Document: "fr.txt"}),
		},
		{
			name:    "empty outputs are judged and never match",
			n:       3,
			docs:    []Doc{textDoc("nato.txt", lorem)},
			outputs: []string{"", "   ", "...!"},
			want:    report(3, 3),
		},
		{
			name:    "corpus document smaller than N never matches, nor across documents",
			n:       5,
			docs:    []Doc{textDoc("a.txt", "one two three"), textDoc("b.txt", "four five six seven")},
			outputs: []string{"one two three", "one two three four five six seven"},
			want:    report(5, 2),
		},
		{
			name:    "output equal to a whole document",
			n:       5,
			docs:    []Doc{textDoc("short.txt", "x"), textDoc("nato.txt", lorem), textDoc("empty.txt", "")},
			outputs: []string{lorem},
			want: report(5, 1, Offender{Record: 0, Span: 16,
				Excerpt: lorem[:MaxExcerpt], Document: "nato.txt"}),
		},
		{
			name: "span found in the right document",
			n:    3,
			docs: []Doc{textDoc("a.txt", "red green blue"), textDoc("b.txt", "cyan magenta yellow key")},
			outputs: []string{
				"magenta yellow key",
				"red green blue",
			},
			want: report(3, 2,
				Offender{Record: 0, Span: 3, Excerpt: "magenta yellow key", Document: "b.txt"},
				Offender{Record: 1, Span: 3, Excerpt: "red green blue", Document: "a.txt"}),
		},
		{
			name:    "repeated corpus n-grams: the longest extension wins",
			n:       2,
			docs:    []Doc{textDoc("rep.txt", "a b x a b c d y a b c")},
			outputs: []string{"q a b c d e"},
			want:    report(2, 1, Offender{Record: 0, Span: 4, Excerpt: "a b c d", Document: "rep.txt"}),
		},
		{
			name:    "N of 1",
			n:       1,
			docs:    []Doc{textDoc("w.txt", "word")},
			outputs: []string{"a WORD", "none"},
			want:    report(1, 2, Offender{Record: 0, Span: 1, Excerpt: "WORD", Document: "w.txt"}),
		},
		{
			name:    "no outputs",
			n:       3,
			docs:    []Doc{textDoc("nato.txt", lorem)},
			outputs: nil,
			want:    report(3, 0),
		},
		{
			name:    "empty corpus",
			n:       3,
			docs:    nil,
			outputs: []string{lorem},
			want:    report(3, 1),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ix := mustIndex(t, Options{MinTokens: tt.n}, tt.docs...)
			got := mustScan(t, ix, outputsJSONL(t, "model_output", tt.outputs...), Options{})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Scan mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestScanSpanAtEndOfBoth pins that a span running to the very end of both
// the output and the document is found.
func TestScanSpanAtEndOfBoth(t *testing.T) {
	t.Parallel()
	ix := mustIndex(t, Options{MinTokens: 4}, textDoc("nato.txt", lorem))
	got := mustScan(t, ix, outputsJSONL(t, "model_output", "so: mike november oscar papa"), Options{})
	want := report(4, 1, Offender{Record: 0, Span: 4, Excerpt: "mike november oscar papa", Document: "nato.txt"})
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Scan mismatch (-want +got):\n%s", diff)
	}
}

func TestScanFmevalPerRecord(t *testing.T) {
	t.Parallel()
	ix := mustIndex(t, Options{}, fileDoc("testdata/corpus/ode.txt"), fileDoc("testdata/corpus/articles.jsonl"))
	f, err := os.Open("testdata/fmeval_qa.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ix.Scan(context.Background(), f, Options{})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	want := report(DefaultMinTokens, 4,
		Offender{Record: 4, Span: 20, Document: "testdata/corpus/articles.jsonl#1",
			Excerpt: "THE COMMITTEE MET ON TUESDAY TO REVIEW THE QUARTERLY BUDGET AND APPROVED THE NEW"},
		Offender{Record: 2, Span: 12, Document: "testdata/corpus/articles.jsonl#3",
			Excerpt: "Η ΓΡΉΓΟΡΗ καφέ αλεπού πηδάει πάνω από τον τεμπέλη σκύλο και τρέχει"},
		Offender{Record: 0, Span: 11, Document: "testdata/corpus/ode.txt",
			Excerpt: "bride of quietness, thou foster child of silence and slow time"},
	)
	want.Skipped, want.FirstSkipped = 1, 3
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Scan mismatch (-want +got):\n%s", diff)
	}
	st := ix.Stats()
	if st.Documents != 4 || st.MinTokens != 10 {
		t.Errorf("Stats() = %+v; want 4 documents (ode, articles #1 #3 #4), MinTokens 10", st)
	}
}

func TestScanCustomField(t *testing.T) {
	t.Parallel()
	ix := mustIndex(t, Options{MinTokens: 3, CorpusField: "body"},
		textDoc("c.jsonl", `{"body": "one two three four"}`+"\n"+`{"body": "five six seven"}`))
	outputs := `{"completion": "x five six seven", "model_output": "one two three"}` + "\n" +
		`{"completion": "two three four"}` + "\n"
	got := mustScan(t, ix, outputs, Options{Field: "completion", MaxOffenders: 1})
	want := report(3, 2, Offender{Record: 0, Span: 3, Excerpt: "five six seven", Document: "c.jsonl#2"})
	want.Verbatim, want.VerbatimRate = 2, 1
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Scan mismatch (-want +got):\n%s", diff)
	}
}

func TestForcedHashCollision(t *testing.T) {
	t.Parallel()
	// Every n-gram gets the same hash: every lookup meets every corpus
	// fingerprint, and only the token comparison tells them apart.
	o := Options{MinTokens: 3, hook: &testHook{hash: func(uint64) uint64 { return 42 }}}
	ix := mustIndex(t, o, textDoc("nato.txt", lorem))
	if b := ix.final(0) >> (64 - ix.bits); len(ix.entries) != 14 || ix.dir[b+1]-ix.dir[b] != 14 {
		t.Fatalf("want all 14 fingerprints in one bucket; got %d entries", len(ix.entries))
	}
	got := mustScan(t, ix, outputsJSONL(t, "model_output",
		"papa oscar november mike", // known tokens, reversed: collides, no match
		"alpha charlie bravo",
		"hotel india juliet",
	), Options{})
	want := report(3, 3, Offender{Record: 2, Span: 3, Excerpt: "hotel india juliet", Document: "nato.txt"})
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Scan mismatch (-want +got):\n%s", diff)
	}
}

func TestExcerpt(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("λέξη ", 40) // 200 runes, 40 tokens
	ix := mustIndex(t, Options{MinTokens: 3}, textDoc("long.txt", "start "+long+"end"), textDoc("nato.txt", lorem))
	rep := mustScan(t, ix, outputsJSONL(t, "model_output",
		"prefix words "+long+" suffix words",
		"SECRET before: echo foxtrot golf :after SECRET",
	), Options{})
	want := []Offender{
		{Record: 0, Span: 40, Excerpt: strings.TrimSpace(string([]rune(long)[:MaxExcerpt])), Document: "long.txt"},
		{Record: 1, Span: 3, Excerpt: "echo foxtrot golf", Document: "nato.txt"},
	}
	if diff := cmp.Diff(want, rep.Offenders); diff != "" {
		t.Errorf("Offenders mismatch (-want +got):\n%s", diff)
	}
	for _, o := range rep.Offenders {
		if n := utf8.RuneCountInString(o.Excerpt); n > MaxExcerpt {
			t.Errorf("excerpt of record %d has %d runes; want <= %d", o.Record, n, MaxExcerpt)
		}
	}
}

func TestExcerptFunc(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"a  b\n\tc", "a b c"},
		{"a\x00b", "a b"},
		{strings.Repeat("x", 100), strings.Repeat("x", 80)},
		{strings.Repeat("x", 79) + "   y", strings.Repeat("x", 79)},
		{strings.Repeat("x", 78) + "   y", strings.Repeat("x", 78) + " y"},
		{strings.Repeat("é", 81), strings.Repeat("é", 80)},
	}
	for _, tt := range tests {
		if got := excerpt([]byte(tt.in)); got != tt.want {
			t.Errorf("excerpt(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestOffendersKeptWorstFirst(t *testing.T) {
	t.Parallel()
	ix := mustIndex(t, Options{MinTokens: 2}, textDoc("nato.txt", lorem))
	outs := []string{"alpha bravo", "alpha bravo charlie delta", "echo foxtrot golf", "x", "hotel india juliet kilo", "lima mike"}
	rep := mustScan(t, ix, outputsJSONL(t, "model_output", outs...), Options{MaxOffenders: 3})
	var got [][2]int
	for _, o := range rep.Offenders {
		got = append(got, [2]int{o.Record, o.Span})
	}
	want := [][2]int{{1, 4}, {4, 4}, {2, 3}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("offenders (record, span) mismatch (-want +got):\n%s", diff)
	}
	if rep.Verbatim != 5 || rep.Outputs != 6 || rep.MaxSpan != 4 {
		t.Errorf("Verbatim, Outputs, MaxSpan = %d, %d, %d; want 5, 6, 4", rep.Verbatim, rep.Outputs, rep.MaxSpan)
	}
}

func TestScanErrors(t *testing.T) {
	t.Parallel()
	ix := mustIndex(t, Options{MinTokens: 3}, textDoc("nato.txt", lorem))
	tests := []struct {
		name     string
		outputs  string
		o        Options
		wantLine int // 0: not a LineError
		wantErr  string
	}{
		{"bad json", `{"model_output": "a"}` + "\n\n" + `{"model_output": "b"` + "\n", Options{}, 3, `line 3: invalid JSON at byte 20: unexpected end of JSON input`},
		{"not an object", `["model_output"]`, Options{}, 1, `line 1: want a JSON object, got array`},
		{"null line", "null\n", Options{}, 1, `line 1: want a JSON object, got null`},
		{"field not a string", `{"model_output": "a"}` + "\n" + `{"model_output": 3}`, Options{}, 2, `line 2: field "model_output" is a number, want a string`},
		{"field an object", `{"model_output": {"text": "a"}}`, Options{}, 1, `line 1: field "model_output" is an object, want a string`},
		{"field twice", `{"model_output": "a", "model_output": "b"}`, Options{}, 1, `line 1: field "model_output" appears more than once`},
		{"no record has the field", `{"output": "a"}` + "\n" + `{"output": "b"}`, Options{}, 0, `no record has a string field "model_output" (2 records without it, the first at line 1)`},
		{"min tokens differs", "", Options{MinTokens: 4}, 0, `min_tokens 4 differs from the index's 3`},
		{"negative offenders", "", Options{MaxOffenders: -1}, 0, `max offenders -1 is negative`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ix.Scan(context.Background(), strings.NewReader(tt.outputs), tt.o)
			if err == nil {
				t.Fatalf("Scan() = nil error; want %q", tt.wantErr)
			}
			if err.Error() != tt.wantErr {
				t.Errorf("Scan() error = %q; want %q", err, tt.wantErr)
			}
			var le *LineError
			if got := errors.As(err, &le); got != (tt.wantLine > 0) || got && le.Line != tt.wantLine {
				t.Errorf("Scan() error %v: LineError %v (line %v); want line %d", err, got, le, tt.wantLine)
			}
		})
	}
}

func TestSkippedRecords(t *testing.T) {
	t.Parallel()
	ix := mustIndex(t, Options{MinTokens: 3}, textDoc("nato.txt", lorem))
	outputs := `{"model_output": "echo foxtrot golf"}` + "\n" + `{"error": "timeout"}` + "\n" +
		`{"model_output": null}` + "\n" + "\n" + `{"model_output": "none", "scores": [{"value": -Infinity}]}`
	got := mustScan(t, ix, outputs, Options{})
	want := report(3, 2, Offender{Record: 0, Span: 3, Excerpt: "echo foxtrot golf", Document: "nato.txt"})
	want.Skipped, want.FirstSkipped = 2, 1
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Scan mismatch (-want +got):\n%s", diff)
	}
}

func TestBuildIndexErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		docs    []Doc
		o       Options
		wantErr string
	}{
		{"corpus jsonl missing field", []Doc{textDoc("c.jsonl", `{"text": "a"}`+"\n"+`{"body": "b"}`)}, Options{}, `corpus c.jsonl: c.jsonl:2: field "text" missing or null`},
		{"corpus jsonl field twice", []Doc{textDoc("c.jsonl", `{"text": "a", "te\u0078t": "b"}`)}, Options{}, `corpus c.jsonl: c.jsonl:1: field "text" appears more than once`},
		{"corpus jsonl bad json", []Doc{textDoc("c.ndjson", `{"text": "a"`)}, Options{}, `corpus c.ndjson: c.ndjson:1: invalid JSON at byte 12: unexpected end of JSON input`},
		{"open fails", []Doc{{Name: "gone.txt", Open: func() (io.ReadCloser, error) { return nil, os.ErrNotExist }}}, Options{}, `corpus gone.txt: file does not exist`},
		{"no opener", []Doc{{Name: "x.txt"}}, Options{}, `corpus x.txt: no reader`},
		{"negative min tokens", nil, Options{MinTokens: -1}, `min_tokens -1 out of range; want 1..65536`},
		{"huge min tokens", nil, Options{MinTokens: 1 << 20}, `min_tokens 1048576 out of range; want 1..65536`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := BuildIndex(context.Background(), tt.docs, tt.o)
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("BuildIndex() error = %v; want %q", err, tt.wantErr)
			}
		})
	}
}

func TestCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := BuildIndex(ctx, []Doc{textDoc("a.txt", "a")}, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("BuildIndex(canceled) error = %v; want context.Canceled", err)
	}
}

func TestLineReaderLimit(t *testing.T) {
	t.Parallel()
	lr := newLineReader(strings.NewReader("short\n" + strings.Repeat("x", 100) + "\nnext"))
	lr.max = 50
	if l, err := lr.next(); err != nil || string(l) != "short" {
		t.Fatalf("next() = %q, %v; want short", l, err)
	}
	if _, err := lr.next(); err == nil || err.Error() != "line longer than 50 bytes" || lr.line != 2 {
		t.Errorf("next() error = %v at line %d; want line longer than 50 bytes at line 2", err, lr.line)
	}
}

func TestNaNToNull(t *testing.T) {
	t.Parallel()
	in := `{"a": NaN, "b": "NaN \"Infinity", "c": [-Infinity, Infinity]}`
	got, changed := nanToNull(nil, []byte(in))
	want := `{"a": null, "b": "NaN \"Infinity", "c": [null, null]}`
	if string(got) != want || !changed {
		t.Errorf("nanToNull(%s) = %s, %v; want %s, true", in, got, changed, want)
	}
}

func TestInstances(t *testing.T) {
	t.Parallel()
	nan := cmpopts.EquateNaNs()
	got := (&Report{Outputs: 4, Verbatim: 1, VerbatimRate: 0.25, MaxSpan: 17}).Instances("memorization")
	want := []gate.Instance{
		{Address: "llm.memorization.verbatim_rate", Value: 0.25, StdDev: math.NaN(), Source: "memorization"},
		{Address: "llm.memorization.max_span", Value: 17, StdDev: math.NaN(), Source: "memorization"},
		{Address: "llm.memorization.outputs", Value: 4, StdDev: math.NaN(), Source: "memorization"},
	}
	if diff := cmp.Diff(want, got, nan); diff != "" {
		t.Errorf("Instances mismatch (-want +got):\n%s", diff)
	}
	got = (&Report{}).Instances("mem")
	want = []gate.Instance{
		{Address: "llm.memorization.verbatim_rate", Value: math.NaN(), StdDev: math.NaN(), Source: "mem", Note: "no outputs judged"},
		{Address: "llm.memorization.max_span", Value: math.NaN(), StdDev: math.NaN(), Source: "mem", Note: "no outputs judged"},
		{Address: "llm.memorization.outputs", Value: 0, StdDev: math.NaN(), Source: "mem"},
	}
	if diff := cmp.Diff(want, got, nan); diff != "" {
		t.Errorf("Instances(empty) mismatch (-want +got):\n%s", diff)
	}
	if !got[0].Missing() || got[2].Missing() {
		t.Errorf("empty report: verbatim_rate missing = %v, outputs missing = %v; want true, false", got[0].Missing(), got[2].Missing())
	}
}

// TestLargeStreamedDocument reads a 700 KB document through a reader that
// returns few bytes at a time, so tokens straddle the scanner's buffer
// refills, and finds a span across its 256 KB mark.
func TestLargeStreamedDocument(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := 0; i < 100000; i++ {
		fmt.Fprintf(&b, "w%05d ", i)
	}
	text := b.String()
	doc := Doc{Name: "big.txt", Open: func() (io.ReadCloser, error) {
		return io.NopCloser(iotest.HalfReader(strings.NewReader(text))), nil
	}}
	ix := mustIndex(t, Options{}, doc)
	// Positions 1..100000; windows of 7 tokens (stride 4) start at the
	// multiples of 4 in 1..99994.
	if st := ix.Stats(); st.Tokens != 100000 || st.Fingerprints != 99994/4 {
		t.Fatalf("Stats() = %+v; want 100000 tokens, 24998 fingerprints", st)
	}
	var out strings.Builder
	for i := 37430; i < 37470; i++ { // bytes 262010 to 262290
		fmt.Fprintf(&out, "W%05d, ", i)
	}
	got := mustScan(t, ix, outputsJSONL(t, "model_output", "x "+out.String()+"y"), Options{})
	want := report(DefaultMinTokens, 1, Offender{Record: 0, Span: 40, Document: "big.txt",
		Excerpt: "W37430, W37431, W37432, W37433, W37434, W37435, W37436, W37437, W37438, W37439,"})
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Scan mismatch (-want +got):\n%s", diff)
	}
}
