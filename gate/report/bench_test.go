package report

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate"
)

// BenchmarkReadLargestFixture reads the largest real sample (the Clarify
// bias analysis.json).
func BenchmarkReadLargestFixture(b *testing.B) {
	data, err := os.ReadFile("testdata/clarify-bias/fraud-gender-pre-post-run1.json")
	if err != nil {
		b.Fatal(err)
	}
	src := gate.Source{Slot: gate.SlotBias}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(src, data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadLargeFmeval reads a synthetic 9 MB fmeval file (1,000
// EvalOutputs with 7 scores and 20 categories each: 147,000 instances), far
// larger than any real evaluation output.
func BenchmarkReadLargeFmeval(b *testing.B) {
	data := largeFmeval(1000, 20)
	src := gate.Source{Slot: "toxicity", Format: FormatFmeval}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(src, data); err != nil {
			b.Fatal(err)
		}
	}
}

func largeFmeval(evals, cats int) []byte {
	var b strings.Builder
	scores := func(base float64) string {
		var s strings.Builder
		s.WriteByte('[')
		for i, n := range toxicityScores {
			if i > 0 {
				s.WriteString(", ")
			}
			fmt.Fprintf(&s, `{"name": %q, "value": %g, "error": null}`, n, base+float64(i)/1000)
		}
		s.WriteByte(']')
		return s.String()
	}
	b.WriteByte('[')
	for e := range evals {
		if e > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, `{"eval_name": "toxicity", "dataset_name": "ds%d", "dataset_scores": %s, "category_scores": [`, e, scores(0.01))
		for c := range cats {
			if c > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, `{"name": "cat%d", "scores": %s}`, c, scores(0.02))
		}
		b.WriteString(`], "output_path": "/tmp/x.jsonl", "error": null}`)
	}
	b.WriteByte(']')
	return []byte(b.String())
}

// TestLargeFmevalReads checks the benchmark input reads to the expected
// number of instances.
func TestLargeFmevalReads(t *testing.T) {
	t.Parallel()
	p, err := Read(gate.Source{Slot: "toxicity"}, largeFmeval(20, 3))
	if err != nil {
		t.Fatal(err)
	}
	if want := 20 * 7 * (1 + 3); len(p.Instances) != want {
		t.Errorf("Read(large fmeval) = %d instances; want %d", len(p.Instances), want)
	}
}

// TestHostileObjects: a large object whose keys repeat is refused at the
// first repeat: two values for one key are ambiguous, and a good value must
// not hide a bad one.
func TestHostileObjects(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(`{"m": {`)
	const n = 100000
	for i := range n {
		fmt.Fprintf(&b, `"k%d": %d, `, i, i)
	}
	for i := range n {
		fmt.Fprintf(&b, `"k7": %d, `, i)
	}
	b.WriteString(`"last": 1}}`)
	// The first repeat is refused at once, whatever the object's size.
	if _, err := Read(gate.Source{Slot: "r"}, []byte(b.String())); err == nil || !strings.Contains(err.Error(), `duplicate key "k7"`) {
		t.Fatalf("Read(hostile) = %v; want a duplicate key error", err)
	}
}

// TestTooManyValues: a report of more than maxNodes (1,000,000) values is
// an error, not gigabytes of instances.
func TestTooManyValues(t *testing.T) {
	t.Parallel()
	data := "[" + strings.Repeat("0,", maxNodes) + "0]"
	_, err := Read(gate.Source{Slot: "r"}, []byte(data))
	want := fmt.Sprintf("report r: $[%d]: not valid JSON: line 1 col %d: more than %d JSON values; this is not a metrics report modelgate reads",
		maxNodes-1, 2*maxNodes, maxNodes)
	if err == nil || err.Error() != want {
		t.Errorf("Read(maxNodes+1 numbers) = %v; want %s", err, want)
	}
}
