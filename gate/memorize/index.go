package memorize

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
)

// DefaultMinTokens is the span length, in tokens, used when
// Options.MinTokens is 0: about 50 characters of English (see the package
// documentation for why 10).
const DefaultMinTokens = 10

// MaxMinTokens bounds Options.MinTokens.
const MaxMinTokens = 1 << 16

// DefaultMaxOffenders is the number of worst records a Report keeps when
// Options.MaxOffenders is 0.
const DefaultMaxOffenders = 10

// MaxLineBytes bounds one JSON Lines record (output or corpus). A longer
// line is an error naming it.
const MaxLineBytes = 64 << 20

// maxCandidates bounds the corpus occurrences of one n-gram that are
// extended for one output position (see the package documentation).
const maxCandidates = 256

// Token ids with a special meaning. Corpus ids are 0..len(vocab)-1.
const (
	sepID     = math.MaxUint32     // between corpus documents; never in an output
	unknownID = math.MaxUint32 - 1 // an output token that is not in the corpus
)

// Options configures BuildIndex and Scan. The zero value gives the defaults.
type Options struct {
	// MinTokens is the span length N, in tokens, that counts as verbatim
	// reproduction; 0 means DefaultMinTokens. Scan uses the index's value;
	// a different non-zero value there is an error.
	MinTokens int
	// Field is the top-level JSON Lines key holding an output's text;
	// "" means "model_output" (fmeval per-record output).
	Field string
	// CorpusField is the top-level key holding the text of a corpus JSON
	// Lines record; "" means "text".
	CorpusField string
	// MaxOffenders is how many worst records a Report keeps; 0 means
	// DefaultMaxOffenders.
	MaxOffenders int

	// hook, when set (tests only), replaces parts of the algorithm. A
	// pointer keeps Options comparable.
	hook *testHook
}

// testHook holds the replaceable parts.
type testHook struct {
	// hash replaces the finaliser applied to the rolling hash, e.g. to
	// force collisions.
	hash func(uint64) uint64
	// localVocab replaces maxLocalVocab.
	localVocab int
}

func (o Options) minTokens() (int, error) {
	switch {
	case o.MinTokens == 0:
		return DefaultMinTokens, nil
	case o.MinTokens < 0 || o.MinTokens > MaxMinTokens:
		return 0, fmt.Errorf("min_tokens %d out of range; want 1..%d", o.MinTokens, MaxMinTokens)
	}
	return o.MinTokens, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Doc is one source of protected text. A name ending in .jsonl or .ndjson
// is JSON Lines: each non-blank line is an object whose CorpusField string is
// one document, named "<Name>#<line>" (1-based); a line without that string,
// or with the field twice, is an error. Any other name is one
// document of UTF-8 text, read as a stream.
type Doc struct {
	Name string
	Open func() (io.ReadCloser, error)
}

// LineError is an input problem at one line of a JSON Lines source. Source
// is the corpus document name, or "" for the outputs given to Scan (the
// caller knows their name).
type LineError struct {
	Source string
	Line   int // 1-based
	Err    error
}

func (e *LineError) Error() string {
	if e.Source == "" {
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("%s:%d: %v", e.Source, e.Line, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// Index is the fingerprint index of a protected corpus. It is immutable
// after BuildIndex and safe for concurrent Scans.
type Index struct {
	n     int // MinTokens
	vocab *vocab
	// chunks hold the corpus as token ids: sepID, doc 0, sepID, doc 1,
	// ..., sepID; position p is chunks[p>>chunkBits][p&chunkMask] (id), and
	// every chunk but the last holds chunkTokens ids. Chunked, so that the
	// ids are never copied into one slice (which would need twice their
	// memory for a moment).
	chunks [][]uint32
	total  int // ids in all chunks
	// docStart[d] is the position of document d's first token;
	// docStart[len-1] = total closes the last one.
	docStart []uint32
	docSrc   []uint32 // index into srcNames
	docLine  []uint32 // 1-based JSON Lines line, 0 for a text document
	srcNames []string

	// The fingerprints: one per sampled corpus position p (p % stride ==
	// 0) whose window of w = N-stride+1 tokens lies in one document. An
	// entry is the top 32 bits of the window's hash (the key) << 32 | p.
	// Entries are sorted by bucket, the top `bits` bits of the key: bucket
	// b is entries[dir[b]:dir[b+1]]. Every span of N tokens holds one
	// sampled window (see the package documentation).
	stride, w int
	bits      uint
	dir       []uint32
	entries   []uint64
	hash      func(uint64) uint64 // nil: fmix64 (see testHook)
}

// final is the finaliser applied to a window's rolling hash.
func (ix *Index) final(h uint64) uint64 {
	if ix.hash != nil {
		return ix.hash(h)
	}
	return fmix64(h)
}

// Stats describes an index.
type Stats struct {
	Documents    int // non-empty documents
	Tokens       int // corpus tokens
	Vocabulary   int // distinct tokens
	Fingerprints int // indexed n-grams
	MinTokens    int
	Bytes        int64 // approximate memory held
}

// Stats reports the size of the index.
func (ix *Index) Stats() Stats {
	return Stats{
		Documents:    len(ix.docStart) - 1,
		Tokens:       ix.total - len(ix.docStart),
		Vocabulary:   ix.vocab.len(),
		Fingerprints: len(ix.entries),
		MinTokens:    ix.n,
		Bytes: int64(ix.chunkCap())*4 + int64(cap(ix.entries))*8 + int64(cap(ix.dir))*4 +
			int64(cap(ix.docStart)+cap(ix.docSrc)+cap(ix.docLine))*4 +
			int64(cap(ix.vocab.data)) + int64(cap(ix.vocab.end))*4 + int64(cap(ix.vocab.slots))*16,
	}
}

// chunkCap is the capacity of the chunks, in ids.
func (ix *Index) chunkCap() int {
	c := 0
	for _, ch := range ix.chunks {
		c += cap(ch)
	}
	return c
}

// id is the corpus id at position p.
func (ix *Index) id(p int) uint32 { return ix.chunks[p>>chunkBits][p&chunkMask] }

// equalAt reports whether the corpus ids from position p are o.
func (ix *Index) equalAt(p int, o []uint32) bool {
	if c := ix.chunks[p>>chunkBits][p&chunkMask:]; len(c) >= len(o) {
		return equal(c[:len(o)], o)
	}
	for k := range o {
		if ix.id(p+k) != o[k] {
			return false
		}
	}
	return true
}

// strideFor is the sampling step of the fingerprints for span length n:
// every stride-th position is indexed, with windows of n-stride+1 tokens.
// A quarter of the positions for the default N = 10 (windows of 7 tokens,
// rare enough in prose that a window's occurrences are mostly true
// matches); no sampling below N = 5, where the windows would get too
// short to be selective; at most 8.
func strideFor(n int) int { return max(1, min(8, n*2/5)) }

// MinTokens is the span length N the index was built for.
func (ix *Index) MinTokens() int { return ix.n }

// BuildIndex reads every document once, in order, and builds the index.
// Documents are read and tokenised by several goroutines (one per CPU, at
// most 8); token ids and document order do not depend on their number.
// A document that cannot be opened or read, or a bad JSON Lines record, is
// an error naming it.
func BuildIndex(ctx context.Context, docs []Doc, o Options) (*Index, error) {
	n, err := o.minTokens()
	if err != nil {
		return nil, err
	}
	stride := strideFor(n)
	b := &builder{
		ix: &Index{
			n:      n,
			stride: stride,
			w:      n - stride + 1,
			vocab:  newVocab(),
		},
		cur: make([]uint32, 1, 1024), // grows to chunkTokens
	}
	b.cur[0] = sepID
	if o.hook != nil && o.hook.hash != nil {
		b.ix.hash = o.hook.hash
	}
	maxLocal := maxLocalVocab
	if o.hook != nil && o.hook.localVocab > 0 {
		maxLocal = o.hook.localVocab
	}
	if err := b.read(ctx, docs, orDefault(o.CorpusField, "text"), maxLocal); err != nil {
		return nil, err
	}
	// The last chunk and the document table at their length: the slack
	// of their growth (up to half) becomes garbage.
	b.ix.chunks, b.ix.total = append(b.full, slices.Clone(b.cur)), b.len()
	b.full, b.cur = nil, nil
	ix := b.ix
	ix.docStart = slices.Clone(append(ix.docStart, uint32(ix.total)))
	ix.docSrc, ix.docLine, ix.srcNames = slices.Clone(ix.docSrc), slices.Clone(ix.docLine), slices.Clone(ix.srcNames)
	// The readers' vocabularies and batches are garbage now: collect them,
	// and give the memory back to the system (the fingerprints need one
	// contiguous block, which the freed pieces may not make). The heap has
	// almost no pointers, so this costs milliseconds.
	debug.FreeOSMemory()
	b.ix.fingerprint()
	return b.ix, nil
}

// chunkTokens is the size of the chunks the corpus ids are kept in.
const (
	chunkBits   = 20
	chunkTokens = 1 << chunkBits
	chunkMask   = chunkTokens - 1
)

// builder gathers the corpus ids and the document table, in document order.
type builder struct {
	ix *Index

	full  [][]uint32 // full chunks of corpus ids
	cur   []uint32   // the chunk being filled
	total int        // ids in full chunks
}

// len is the number of corpus ids so far.
func (b *builder) len() int { return b.total + len(b.cur) }

func (b *builder) push(id uint32) error {
	if len(b.cur) == cap(b.cur) && cap(b.cur) < chunkTokens {
		// The first chunk grows by doubling to exactly chunkTokens, so
		// that a small corpus takes little memory.
		cur := make([]uint32, len(b.cur), min(2*cap(b.cur), chunkTokens))
		copy(cur, b.cur)
		b.cur = cur
	}
	if len(b.cur) == chunkTokens {
		// Positions are uint32; the chunk about to start must fit.
		if uint64(b.len())+2*chunkTokens > math.MaxUint32 {
			return errors.New("corpus has too many tokens (about 2^32)")
		}
		b.full = append(b.full, b.cur)
		b.total += len(b.cur)
		b.cur = make([]uint32, 0, chunkTokens)
	}
	b.cur = append(b.cur, id)
	return nil
}

// end closes a document that began at start, dropping it when empty.
func (b *builder) end(start int, src, line uint32) error {
	ix := b.ix
	if b.len() == start {
		return nil
	}
	ix.docStart = append(ix.docStart, uint32(start))
	ix.docSrc = append(ix.docSrc, src)
	ix.docLine = append(ix.docLine, line)
	return b.push(sepID)
}

// global returns the corpus id of a normalised token, adding it.
func (b *builder) global(tok []byte) (uint32, error) {
	v := b.ix.vocab
	id, ok := v.lookup(tok)
	if !ok {
		if uint64(v.len()) >= unknownID || uint64(len(v.data))+uint64(len(tok)) > math.MaxUint32 {
			return 0, errors.New("corpus has too many distinct tokens")
		}
		id, _ = v.add(tok)
	}
	return id, nil
}

// Rolling hash: h = sum over the window of mix(id_k) * base^(N-1-k) mod 2^64.
const hashBase = 0x100000001b3 // odd (FNV-64 prime)

func mixID(id uint32) uint64 { return fmix64(uint64(id) + 0x9e3779b97f4a7c15) }

// fmix64 is MurmurHash3's 64-bit finaliser.
func fmix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// roller computes the rolling hash of the N-token windows of a sequence.
type roller struct {
	n   int
	top uint64 // base^(N-1)
}

func newRoller(n int) roller {
	top := uint64(1)
	for i := 1; i < n; i++ {
		top *= hashBase
	}
	return roller{n: n, top: top}
}

// eachSampled calls f(p, hash) for every window of r.n tokens of the
// corpus inside [lo, hi) (one document: no special id) that starts at a
// multiple of ix.stride. The hash is the one eachWindow computes.
func (ix *Index) eachSampled(r *roller, lo, hi int, f func(p int, h uint64)) {
	n, s := r.n, ix.stride
	next := (lo + s - 1) / s * s // the next sampled start
	var h uint64
	for i := lo; i < hi; i++ {
		if i-n >= lo {
			h -= mixID(ix.id(i-n)) * r.top
		}
		h = h*hashBase + mixID(ix.id(i))
		if p := i - n + 1; p == next {
			f(p, h)
			next += s
		}
	}
}

// eachWindow calls f(p, hash) for every window ids[p:p+N] inside [lo, hi)
// that holds no special id.
func (r *roller) eachWindow(ids []uint32, lo, hi int, f func(p int, h uint64)) {
	n := r.n
	last := lo - 1 // last position holding a special id
	var h uint64
	for i := lo; i < hi; i++ {
		id := ids[i]
		if i-n >= lo {
			h -= mixID(ids[i-n]) * r.top
		}
		h = h*hashBase + mixID(id)
		if id >= unknownID {
			last = i
		}
		if p := i - n + 1; p >= lo && p > last {
			f(p, h)
		}
	}
}

// fingerprint fills the entries in corpus order (a sequential pass, split
// between workers), sorts them by bucket (an in-place American flag sort on
// the top byte, then an in-cache radix sort of each of the 256 parts, in
// parallel) and builds the directory. Memory stays at the entries plus one
// part-sized buffer per worker; every pass but the flag sort's cycles reads
// and writes sequentially, which matters more than the work: a scatter
// straight into hash buckets costs a cache and TLB miss per fingerprint.
func (ix *Index) fingerprint() {
	// Sampled windows per document, and where each document's entries
	// begin.
	first := make([]int, len(ix.docStart))
	count := 0
	for d := 0; d+1 < len(ix.docStart); d++ {
		first[d] = count
		count += ix.sampledIn(int(ix.docStart[d]), int(ix.docStart[d+1])-1)
	}
	first[len(first)-1] = count
	// Four to eight entries per bucket: one cache line of entries, and a
	// directory of at most one byte per entry.
	ix.bits = uint(max(1, min(28, bits.Len(uint(count/8)))))
	ix.entries = make([]uint64, count)

	workers := max(1, min(8, runtime.GOMAXPROCS(0)))
	if count < 1<<16 {
		workers = 1
	}
	// Fill: each worker takes a contiguous run of documents.
	var wg sync.WaitGroup
	parts := make([][256]int, workers)
	ndocs := len(ix.docStart) - 1
	for w := 0; w < workers; w++ {
		lo := sort.SearchInts(first[:ndocs], count*w/workers)
		hi := sort.SearchInts(first[:ndocs], count*(w+1)/workers)
		if w == workers-1 {
			hi = ndocs
		}
		wg.Add(1)
		go func(w, lo, hi int) {
			defer wg.Done()
			r := newRoller(ix.w)
			k := first[lo]
			cnt := &parts[w]
			for d := lo; d < hi; d++ {
				ix.eachSampled(&r, int(ix.docStart[d]), int(ix.docStart[d+1])-1, func(p int, h uint64) {
					key := ix.final(h) >> 32
					ix.entries[k] = key<<32 | uint64(p)
					cnt[key>>24]++
					k++
				})
			}
		}(w, lo, hi)
	}
	wg.Wait()

	var end [256]int
	for d := 0; d < 256; d++ {
		for w := range parts {
			end[d] += parts[w][d]
		}
		if d > 0 {
			end[d] += end[d-1]
		}
	}
	flagSort(ix.entries, end)

	// Sort each top-byte part by the remaining bucket bits.
	if ix.bits > 8 {
		var nextPart atomic.Int32
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var tmp []uint64
				for {
					d := int(nextPart.Add(1)) - 1
					if d >= 256 {
						return
					}
					lo := 0
					if d > 0 {
						lo = end[d-1]
					}
					tmp = radixSort(ix.entries[lo:end[d]], tmp, 64-ix.bits, 56)
				}
			}()
		}
		wg.Wait()
	}

	ix.dir = make([]uint32, (1<<ix.bits)+1)
	shift := 64 - ix.bits
	for _, e := range ix.entries {
		ix.dir[e>>shift+1]++
	}
	for b := 1; b < len(ix.dir); b++ {
		ix.dir[b] += ix.dir[b-1]
	}
}

// sampledIn is the number of sampled windows in [lo, hi): starts q with
// lo <= q <= hi-w and q % stride == 0.
func (ix *Index) sampledIn(lo, hi int) int {
	last := hi - ix.w
	if last < lo {
		return 0
	}
	s := ix.stride
	return last/s - (lo+s-1)/s + 1
}

// flagSort permutes a in place so that the values with top byte d fill
// a[end[d-1]:end[d]] (American flag sort; end[d] is the cumulative count).
func flagSort(a []uint64, end [256]int) {
	var next [256]int
	for d := 1; d < 256; d++ {
		next[d] = end[d-1]
	}
	for d := 0; d < 256; d++ {
		for next[d] < end[d] {
			v := a[next[d]]
			t := int(v >> 56)
			for t != d {
				a[next[t]], v = v, a[next[t]]
				next[t]++
				t = int(v >> 56)
			}
			a[next[d]] = v
			next[d]++
		}
	}
}

// radixSort sorts a stably by bits [lo, hi) of its values (LSD, 8 bits a
// pass), using tmp (grown as needed, and returned) as the other buffer.
func radixSort(a, tmp []uint64, lo, hi uint) []uint64 {
	if len(a) < 2 || lo >= hi {
		return tmp
	}
	if cap(tmp) < len(a) {
		tmp = make([]uint64, len(a))
	}
	src, dst := a, tmp[:len(a)]
	for shift := lo; shift < hi; shift += 8 {
		width := min(8, hi-shift)
		mask := uint64(1)<<width - 1
		var cnt [257]int
		for _, v := range src {
			cnt[(v>>shift)&mask+1]++
		}
		for i := 1; i < len(cnt); i++ {
			cnt[i] += cnt[i-1]
		}
		for _, v := range src {
			k := (v >> shift) & mask
			dst[cnt[k]] = v
			cnt[k]++
		}
		src, dst = dst, src
	}
	if &src[0] != &a[0] {
		copy(a, src)
	}
	return tmp
}

// docAt returns the index of the document holding corpus position p.
func (ix *Index) docAt(p int) int {
	lo, hi := 0, len(ix.docStart)-1
	for lo+1 < hi {
		m := (lo + hi) / 2
		if int(ix.docStart[m]) <= p {
			lo = m
		} else {
			hi = m
		}
	}
	return lo
}

// docName is the name of document d.
func (ix *Index) docName(d int) string {
	name := ix.srcNames[ix.docSrc[d]]
	if l := ix.docLine[d]; l > 0 {
		return name + "#" + strconv.Itoa(int(l))
	}
	return name
}
