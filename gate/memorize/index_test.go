package memorize

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/gate/memorize/internal/gen"
)

// TestIndexInvariants builds an index large enough for the parallel fill,
// the flag sort and the radix sort, and checks every fingerprint: each
// window of w = N-stride+1 tokens inside one document that starts at a
// multiple of the stride is indexed exactly once, under the key of its
// hash, in its bucket.
func TestIndexInvariants(t *testing.T) {
	t.Parallel()
	docs := genDocs(14)
	docs = append(docs, textDoc("tiny.txt", "too short"), textDoc("c.jsonl", `{"text": "one two three four five six seven eight nine ten eleven"}`))
	ix := mustIndex(t, Options{}, docs...)
	if ix.bits <= 8 || len(ix.entries) < 1<<16 {
		t.Fatalf("index of %d entries, %d bucket bits: too small to test the sort", len(ix.entries), ix.bits)
	}
	if ix.stride != 4 || ix.w != 7 {
		t.Fatalf("stride %d, window %d for N = 10; want 4, 7", ix.stride, ix.w)
	}
	ids := ix.flatIDs()
	want := 0
	seen := make([]bool, len(ids))
	r := newRoller(ix.w)
	hashes := make([]uint64, len(ids))
	sampled := make([]bool, len(ids))
	for d := 0; d+1 < len(ix.docStart); d++ {
		r.eachWindow(ids, int(ix.docStart[d]), int(ix.docStart[d+1])-1, func(p int, h uint64) {
			if p%ix.stride == 0 {
				want++
				hashes[p] = h
				sampled[p] = true
			}
		})
	}
	if len(ix.entries) != want {
		t.Fatalf("%d entries; want %d windows", len(ix.entries), want)
	}
	shift := 32 - ix.bits
	for b := 0; b+1 < len(ix.dir); b++ {
		for _, e := range ix.entries[ix.dir[b]:ix.dir[b+1]] {
			p := int(uint32(e))
			if !sampled[p] {
				t.Fatalf("position %d is not the start of a sampled window", p)
			}
			if seen[p] {
				t.Fatalf("position %d indexed twice", p)
			}
			seen[p] = true
			key := ix.final(hashes[p]) >> 32
			if e>>32 != key || int(key>>shift) != b {
				t.Fatalf("entry %x for position %d in bucket %d; want key %x", e, p, b, key)
			}
		}
	}
	st := ix.Stats()
	if st.Documents != 14+2 || st.Fingerprints != want || st.Tokens != len(ids)-len(ix.docStart) {
		t.Errorf("Stats() = %+v; want 6 documents, %d fingerprints", st, want)
	}
	// The planted spans are all found, and the index is the same when
	// built by one worker.
	var out bytes.Buffer
	planted, err := gen.WriteOutputs(&out, 100, 4)
	if err != nil {
		t.Fatal(err)
	}
	rep := mustScan(t, ix, out.String(), Options{})
	if rep.Verbatim < planted || rep.Outputs != 100 {
		t.Errorf("Verbatim, Outputs = %d, %d; want >= %d planted, 100", rep.Verbatim, rep.Outputs, planted)
	}
}

func TestRadixSort(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for _, bits := range [][2]uint{{40, 56}, {43, 56}, {36, 56}, {50, 56}, {0, 64}} {
		a := make([]uint64, 5000)
		for i := range a {
			a[i] = rng.Uint64()
		}
		want := slices.Clone(a)
		mask := func(v uint64) uint64 { return (v >> bits[0]) & (1<<(bits[1]-bits[0]) - 1) }
		slices.SortStableFunc(want, func(x, y uint64) int { return cmp.Compare(mask(x), mask(y)) })
		radixSort(a, nil, bits[0], bits[1])
		if !slices.Equal(a, want) {
			t.Errorf("radixSort by bits [%d, %d) is not the stable sort", bits[0], bits[1])
		}
	}
}

func TestFlagSort(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	a := make([]uint64, 10000)
	var end [256]int
	for i := range a {
		a[i] = rng.Uint64() >> (rng.IntN(3) * 3) // uneven parts, some empty
		end[a[i]>>56]++
	}
	for d := 1; d < 256; d++ {
		end[d] += end[d-1]
	}
	want := slices.Clone(a)
	slices.Sort(want)
	flagSort(a, end)
	for i := 1; i < len(a); i++ {
		if a[i-1]>>56 > a[i]>>56 {
			t.Fatalf("a[%d] top byte %d after a[%d] top byte %d", i, a[i]>>56, i-1, a[i-1]>>56)
		}
	}
	slices.Sort(a)
	if !slices.Equal(a, want) {
		t.Errorf("flagSort lost or duplicated values")
	}
}

func TestScanCanceled(t *testing.T) {
	t.Parallel()
	ix := mustIndex(t, Options{MinTokens: 3}, textDoc("nato.txt", lorem))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	outs := strings.Repeat(`{"model_output": "alpha bravo charlie"}`+"\n", 1000)
	if _, err := ix.Scan(ctx, strings.NewReader(outs), Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Scan(canceled) error = %v; want context.Canceled", err)
	}
}

// TestLocalVocabularyReset builds the same corpus with workers whose local
// vocabularies restart every few tokens: the corpus ids must not change.
func TestLocalVocabularyReset(t *testing.T) {
	t.Parallel()
	docs := append(genDocs(2), textDoc("a.txt", lorem), textDoc("b.jsonl", `{"text": "alpha alpha bravo"}`+"\n"+`{"text": "zulu"}`), textDoc("c.txt", "Ωμέγα "+lorem))
	want := mustIndex(t, Options{}, docs...)
	for _, size := range []int{1, 2, 3, 1000} {
		got := mustIndex(t, Options{hook: &testHook{localVocab: size}}, docs...)
		if !slices.Equal(got.flatIDs(), want.flatIDs()) || !bytes.Equal(got.vocab.data, want.vocab.data) || !slices.Equal(got.vocab.end, want.vocab.end) || !slices.Equal(got.docStart, want.docStart) {
			t.Errorf("local vocabulary of %d: corpus ids differ from the default build", size)
		}
		if !slices.Equal(got.entries, want.entries) {
			t.Errorf("local vocabulary of %d: fingerprints differ from the default build", size)
		}
	}
}

// flatIDs is the corpus ids in one slice.
func (ix *Index) flatIDs() []uint32 {
	var ids []uint32
	for _, c := range ix.chunks {
		ids = append(ids, c...)
	}
	if len(ids) != ix.total {
		panic("chunks do not hold total ids")
	}
	return ids
}

// TestSpansAcrossChunks indexes a corpus of more than one chunk of ids
// (chunkTokens) and finds spans that cross the boundary, starting at every
// offset before it, so that windows straddle two chunks.
func TestSpansAcrossChunks(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	toks := make([]string, chunkTokens+1000)
	for i := range toks {
		toks[i] = "t" + strconv.Itoa(rng.IntN(1000))
	}
	ix := mustIndex(t, Options{}, textDoc("big.txt", strings.Join(toks, " ")))
	if len(ix.chunks) != 2 || len(ix.chunks[0]) != chunkTokens {
		t.Fatalf("%d chunks, the first of %d ids; want 2, %d", len(ix.chunks), len(ix.chunks[0]), chunkTokens)
	}
	var outs []string
	var want []Offender
	for k := 1; k <= 2*ix.stride+1; k++ {
		// Corpus position chunkTokens-k holds token chunkTokens-k-1 (0
		// is the separator before the document).
		from := chunkTokens - k - 1
		span := toks[from : from+12]
		outs = append(outs, "x "+strings.Join(span, " ")+" y")
		want = append(want, Offender{Record: k - 1, Span: 12, Excerpt: strings.Join(span, " "), Document: "big.txt"})
	}
	got := mustScan(t, ix, outputsJSONL(t, "model_output", outs...), Options{MaxOffenders: len(outs)})
	if diff := gocmp.Diff(report(DefaultMinTokens, len(outs), want...), got); diff != "" {
		t.Errorf("Scan mismatch (-want +got):\n%s", diff)
	}
}
