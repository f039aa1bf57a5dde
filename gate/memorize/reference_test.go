package memorize

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// longestCommon is the reference: the length of the longest common run of
// tokens of a and b, by dynamic programming.
func longestCommon(a, b []string) int {
	best := 0
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				cur[j] = prev[j-1] + 1
				best = max(best, cur[j])
			} else {
				cur[j] = 0
			}
		}
		prev, cur = cur, prev
	}
	return best
}

type refDoc struct {
	name string
	toks []string
}

// checkAgainstReference scans outputs and compares every record's verdict and
// span with the reference, and the offender's document and excerpt with the
// corpus.
func checkAgainstReference(t *testing.T, o Options, docs []Doc, texts map[string]string, outputs []string) {
	t.Helper()
	ix := mustIndex(t, o, docs...)
	n := ix.MinTokens()
	var ref []refDoc
	for _, d := range docs {
		ref = append(ref, refDoc{d.Name, Tokens(texts[d.Name])})
	}
	rep := mustScan(t, ix, outputsJSONL(t, "model_output", outputs...), Options{MaxOffenders: len(outputs) + 1})
	got := map[int]Offender{}
	for _, o := range rep.Offenders {
		got[o.Record] = o
	}
	verbatim, maxSpan := 0, 0
	for r, out := range outputs {
		otoks := Tokens(out)
		want := 0
		byDoc := map[string]int{}
		for _, d := range ref {
			l := longestCommon(otoks, d.toks)
			byDoc[d.name] = l
			want = max(want, l)
		}
		if want < n {
			want = 0
		} else {
			verbatim++
			maxSpan = max(maxSpan, want)
		}
		o := got[r]
		if o.Span != want {
			t.Errorf("record %d %q (N=%d): span %d; reference %d", r, out, n, o.Span, want)
			continue
		}
		if want == 0 {
			continue
		}
		if byDoc[o.Document] != want {
			t.Errorf("record %d %q: document %q has a longest common run of %d; want %d", r, out, o.Document, byDoc[o.Document], want)
		}
		if utf8.RuneCountInString(o.Excerpt) > MaxExcerpt {
			t.Errorf("record %d: excerpt %q longer than %d runes", r, o.Excerpt, MaxExcerpt)
		}
		// The excerpt's tokens are the span's first tokens: all but the
		// last (maybe cut) one must appear, in order, in the document.
		et := Tokens(o.Excerpt)
		if len(et) > want {
			t.Errorf("record %d: excerpt %q has %d tokens, more than the span's %d", r, o.Excerpt, len(et), want)
		}
		if k := len(et) - 1; k > 0 && longestCommon(et[:k], refTokens(ref, o.Document)) != k {
			t.Errorf("record %d: excerpt %q is not text of %s", r, o.Excerpt, o.Document)
		}
	}
	if rep.Verbatim != verbatim || rep.MaxSpan != maxSpan || rep.Outputs != len(outputs) {
		t.Errorf("Verbatim, MaxSpan, Outputs = %d, %d, %d; reference %d, %d, %d",
			rep.Verbatim, rep.MaxSpan, rep.Outputs, verbatim, maxSpan, len(outputs))
	}
}

func refTokens(ref []refDoc, name string) []string {
	for _, d := range ref {
		if d.name == name {
			return d.toks
		}
	}
	return nil
}

// TestAgainstReference compares Scan with the dynamic-programming reference
// on random texts over a tiny vocabulary, where n-grams repeat a lot.
func TestAgainstReference(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"a", "B", "c", "dé", "Ε", "中"}
	text := func(k int) string {
		var b strings.Builder
		for i := 0; i < k; i++ {
			b.WriteString(words[rng.IntN(len(words))])
			b.WriteString([]string{" ", ", ", "\n", ". "}[rng.IntN(4)])
		}
		return b.String()
	}
	for round := 0; round < 200; round++ {
		n := 1 + rng.IntN(6)
		texts := map[string]string{}
		var docs []Doc
		for d := 0; d < 1+rng.IntN(4); d++ {
			name := fmt.Sprintf("d%d.txt", d)
			texts[name] = text(rng.IntN(40))
			docs = append(docs, textDoc(name, texts[name]))
		}
		var outputs []string
		for o := 0; o < 5; o++ {
			outputs = append(outputs, text(rng.IntN(30)))
		}
		o := Options{MinTokens: n}
		if round%2 == 1 { // workers' local vocabularies restart often
			o.hook = &testHook{localVocab: 1 + round%3}
		}
		checkAgainstReference(t, o, docs, texts, outputs)
	}
}

var fuzzCorpus = map[string]string{
	"nato.txt":  lorem,
	"el.txt":    "Η γρήγορη καφέ αλεπού πηδάει πάνω από τον τεμπέλη σκύλο",
	"small.txt": "a b a b a c a b a b a b c",
	"zh.txt":    "我爱北京天安门",
}

func fuzzDocs() []Doc {
	var docs []Doc
	for _, name := range []string{"nato.txt", "el.txt", "small.txt", "zh.txt"} {
		docs = append(docs, textDoc(name, fuzzCorpus[name]))
	}
	return docs
}

// FuzzMatch checks Scan against the reference for any output text.
func FuzzMatch(f *testing.F) {
	f.Add("alpha bravo charlie delta", uint8(3))
	f.Add("Η ΓΡΉΓΟΡΗ καφέ", uint8(2))
	f.Add("a b a b a b c a", uint8(2))
	f.Add("我爱北京!", uint8(4))
	f.Fuzz(func(t *testing.T, out string, n uint8) {
		checkAgainstReference(t, Options{MinTokens: 1 + int(n%8)}, fuzzDocs(), fuzzCorpus, []string{out})
	})
}

// FuzzScan feeds Scan arbitrary JSON Lines: it must return a report or an
// error, never panic, and a report must be consistent.
func FuzzScan(f *testing.F) {
	f.Add([]byte(`{"model_output": "alpha bravo charlie delta"}` + "\n" + `{"model_output": null}`))
	f.Add([]byte(`{"model_output": "x", "scores": [NaN]}` + "\r\n\n" + `[1]`))
	f.Add([]byte(`{"model_output": "a b a b a b c"}`))
	ix := mustIndex(f, Options{MinTokens: 2}, fuzzDocs()...)
	f.Fuzz(func(t *testing.T, in []byte) {
		rep, err := ix.Scan(context.Background(), strings.NewReader(string(in)), Options{})
		if err != nil {
			return
		}
		if rep.Verbatim > rep.Outputs || len(rep.Offenders) > DefaultMaxOffenders || len(rep.Offenders) > rep.Verbatim {
			t.Fatalf("inconsistent report %+v", rep)
		}
		if rep.Verbatim > 0 && rep.MaxSpan < 2 || rep.Verbatim == 0 && rep.MaxSpan != 0 {
			t.Fatalf("MaxSpan %d with %d verbatim", rep.MaxSpan, rep.Verbatim)
		}
		for _, o := range rep.Offenders {
			if utf8.RuneCountInString(o.Excerpt) > MaxExcerpt || o.Span > rep.MaxSpan || o.Span < 2 {
				t.Fatalf("bad offender %+v", o)
			}
		}
	})
}

// TestSampledAgainstReference compares Scan with the reference where the
// index samples its fingerprints (N >= 5: every stride-th position, windows
// of N-stride+1 tokens): corpora over vocabularies of 2 to 50 words, and
// outputs mixing random words with copies of corpus spans of about N
// tokens (N-3 to N+12, some with one word changed), so that spans start at
// every offset from a sampled position, end at the output's ends and just
// miss N.
func TestSampledAgainstReference(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for round := 0; round < 150; round++ {
		n := 5 + rng.IntN(20)
		if s := strideFor(n); s < 2 || n-s+1 < 3 {
			t.Fatalf("N = %d: stride %d", n, s)
		}
		words := make([]string, 2+rng.IntN(49))
		for i := range words {
			words[i] = fmt.Sprintf("w%d", i)
		}
		texts := map[string]string{}
		var docs []Doc
		var corpus [][]string
		for d := 0; d < 1+rng.IntN(4); d++ {
			toks := make([]string, rng.IntN(300))
			for i := range toks {
				toks[i] = words[rng.IntN(len(words))]
			}
			name := fmt.Sprintf("d%d.txt", d)
			texts[name] = strings.Join(toks, " ")
			docs = append(docs, textDoc(name, texts[name]))
			corpus = append(corpus, toks)
		}
		var outputs []string
		for o := 0; o < 6; o++ {
			var out []string
			for len(out) < 150 && rng.IntN(5) > 0 {
				if rng.IntN(2) == 0 {
					for k := rng.IntN(5); k >= 0; k-- {
						out = append(out, words[rng.IntN(len(words))])
					}
					continue
				}
				doc := corpus[rng.IntN(len(corpus))]
				l := max(1, n-3+rng.IntN(16))
				if len(doc) < l {
					continue
				}
				p := rng.IntN(len(doc) - l + 1)
				span := append([]string(nil), doc[p:p+l]...)
				if rng.IntN(4) == 0 {
					span[rng.IntN(l)] = "changed"
				}
				out = append(out, span...)
			}
			outputs = append(outputs, strings.Join(out, " "))
		}
		o := Options{MinTokens: n}
		if round%3 == 1 {
			o.hook = &testHook{localVocab: 1 + round%4}
		}
		checkAgainstReference(t, o, docs, texts, outputs)
	}
}
