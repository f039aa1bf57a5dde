package memorize

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// MaxExcerpt is the most characters (runes) of a matched span an Offender
// shows.
const MaxExcerpt = 80

// Metric addresses produced by Report.Instances.
var (
	AddrVerbatimRate = rules.FormatAddress("llm", "memorization", "verbatim_rate")
	AddrMaxSpan      = rules.FormatAddress("llm", "memorization", "max_span")
	AddrOutputs      = rules.FormatAddress("llm", "memorization", "outputs")
)

// Report is the result of one Scan.
type Report struct {
	// Outputs is the number of records judged (blank lines and records
	// without the field are not judged).
	Outputs int `json:"outputs"`
	// Verbatim is the number of judged records holding a span of at least
	// MinTokens tokens found in one corpus document.
	Verbatim int `json:"verbatim"`
	// VerbatimRate is Verbatim/Outputs, 0 when Outputs is 0 (Instances then
	// reports the rate as missing).
	VerbatimRate float64 `json:"verbatim_rate"`
	// MaxSpan is the longest verbatim span, in tokens, over all records;
	// 0 when no record has one of at least MinTokens.
	MaxSpan int `json:"max_span"`
	// Offenders are the worst records: longest span first, then lowest
	// record index; at most Options.MaxOffenders.
	Offenders []Offender `json:"offenders"`
	// Skipped counts records whose field is absent or null (fmeval drops
	// model_output when the model call failed); FirstSkipped is the first
	// one's record index, -1 when none.
	Skipped      int `json:"skipped"`
	FirstSkipped int `json:"first_skipped"`
	// MinTokens is the span length N used.
	MinTokens int `json:"min_tokens"`
	// Normalisation is the Normalisation constant used.
	Normalisation string `json:"normalisation"`
}

// Offender is one record holding a verbatim span.
type Offender struct {
	// Record is the 0-based line index in the outputs (line Record+1).
	Record int `json:"record"`
	// Span is the length, in tokens, of the record's longest verbatim span.
	Span int `json:"span"`
	// Excerpt is the start of that span as the output wrote it, whitespace
	// collapsed, cut to MaxExcerpt characters. It never reaches outside
	// the matched span.
	Excerpt string `json:"excerpt"`
	// Document is the corpus document the span was found in (one of them
	// when several hold it).
	Document string `json:"document"`
}

// Scan reads outputs as JSON Lines, one record per line, and judges the
// string field o.Field (default model_output) of each. Blank lines are
// skipped. A line that is not a JSON object, whose field is neither a
// string nor null, or that has the field twice, is a *LineError. A record whose field is absent or null
// is counted in Report.Skipped, not judged; when no record at all has the
// field, that is an error too (most likely a wrong field name).
func (ix *Index) Scan(ctx context.Context, outputs io.Reader, o Options) (*Report, error) {
	if o.MinTokens != 0 && o.MinTokens != ix.n {
		return nil, fmt.Errorf("min_tokens %d differs from the index's %d", o.MinTokens, ix.n)
	}
	if o.MaxOffenders < 0 {
		return nil, fmt.Errorf("max offenders %d is negative", o.MaxOffenders)
	}
	maxOff := o.MaxOffenders
	if maxOff == 0 {
		maxOff = DefaultMaxOffenders
	}
	field := orDefault(o.Field, "model_output")
	rep := &Report{MinTokens: ix.n, Normalisation: Normalisation, FirstSkipped: -1, Offenders: []Offender{}}

	// This goroutine reads and decodes the lines, so errors come in line
	// order; workers match the outputs. The totals and the offender order
	// (span, then record) do not depend on which worker judged what.
	ctx, cancel := context.WithCancel(ctx)
	workers := max(1, min(8, runtime.GOMAXPROCS(0)))
	work := make(chan *outBatch, 2*workers)
	// The batches in flight: 2*workers queued, one per worker, one being
	// filled.
	free := make(chan *outBatch, 3*workers+1)
	parts := make([]Report, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(part *Report) {
			defer wg.Done()
			s := ix.newScanner()
			for outs := range work {
				for k := 0; k < outs.len(); k++ {
					record, text := outs.at(k)
					m := s.match(text)
					if m.span < ix.n {
						continue
					}
					part.Verbatim++
					part.MaxSpan = max(part.MaxSpan, m.span)
					part.Offenders = addOffender(part.Offenders, maxOff, Offender{
						Record: record, Span: m.span, Excerpt: excerpt(text[m.from:m.to]), Document: ix.docName(ix.docAt(m.pos)),
					})
				}
				if cap(outs.text) > 1<<20 {
					continue // one huge record: do not keep its buffer
				}
				select {
				case free <- outs:
				default:
				}
			}
		}(&parts[w])
	}
	err := rep.read(ctx, outputs, field, work, free)
	close(work)
	wg.Wait()
	cancel()
	if err != nil {
		return nil, err
	}
	for _, part := range parts {
		rep.Verbatim += part.Verbatim
		rep.MaxSpan = max(rep.MaxSpan, part.MaxSpan)
		for _, o := range part.Offenders {
			rep.Offenders = addOffender(rep.Offenders, maxOff, o)
		}
	}
	if rep.Outputs == 0 && rep.Skipped > 0 {
		return nil, fmt.Errorf("no record has a string field %q (%d records without it, the first at line %d)",
			field, rep.Skipped, rep.FirstSkipped+1)
	}
	if rep.Outputs > 0 {
		rep.VerbatimRate = float64(rep.Verbatim) / float64(rep.Outputs)
	}
	return rep, nil
}

// outBatch is a batch of records to judge: record k is line rec[k]+1, its
// text is text[end[k-1]:end[k]]. Batches are recycled (see idFree).
type outBatch struct {
	rec, end []int
	text     []byte
}

func (b *outBatch) len() int { return len(b.rec) }

func (b *outBatch) at(k int) (record int, text []byte) {
	from := 0
	if k > 0 {
		from = b.end[k-1]
	}
	return b.rec[k], b.text[from:b.end[k]]
}

// read decodes the outputs, counts them and sends them to work in batches
// of up to 64 records or 256 KB of text, taken from free.
func (rep *Report) read(ctx context.Context, r io.Reader, field string, work chan<- *outBatch, free chan *outBatch) error {
	const batchLen, batchBytes = 64, 256 << 10
	get := func() *outBatch {
		select {
		case b := <-free:
			b.rec, b.end, b.text = b.rec[:0], b.end[:0], b.text[:0]
			return b
		default:
			return &outBatch{}
		}
	}
	outs := get()
	send := func() error {
		select {
		case work <- outs:
		case <-ctx.Done():
			return ctx.Err()
		}
		outs = get()
		return nil
	}
	lr := newLineReader(r)
	fr := &fieldReader{field: field}
	for {
		line, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return &LineError{Line: lr.line, Err: err}
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		text, ok, err := fr.get(line)
		if err != nil {
			return &LineError{Line: lr.line, Err: err}
		}
		record := lr.line - 1
		if !ok {
			if rep.Skipped == 0 {
				rep.FirstSkipped = record
			}
			rep.Skipped++
			continue
		}
		rep.Outputs++
		outs.text = append(outs.text, text...)
		outs.rec, outs.end = append(outs.rec, record), append(outs.end, len(outs.text))
		if outs.len() == batchLen || len(outs.text) >= batchBytes {
			if err := send(); err != nil {
				return err
			}
		}
	}
	if outs.len() > 0 {
		return send()
	}
	return ctx.Err()
}

// addOffender inserts o into the sorted list, keeping at most k.
func addOffender(list []Offender, k int, o Offender) []Offender {
	i := sort.Search(len(list), func(i int) bool {
		return list[i].Span < o.Span || list[i].Span == o.Span && list[i].Record > o.Record
	})
	if i >= k {
		return list
	}
	if len(list) < k {
		list = append(list, Offender{})
	}
	copy(list[i+1:], list[i:])
	list[i] = o
	return list
}

// excerpt collapses whitespace and control characters in the span text and
// keeps its first MaxExcerpt runes (without a trailing space).
func excerpt(span []byte) string {
	var b strings.Builder
	n := 0
	space := false
	for _, r := range string(span) {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError {
			space = true
			continue
		}
		if space && n > 0 {
			if n == MaxExcerpt {
				break
			}
			b.WriteByte(' ')
			n++
		}
		space = false
		if n == MaxExcerpt {
			break
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimSuffix(b.String(), " ")
}

// Instances turns the report into the three metric instances, read from
// source (the report name). With no output judged, verbatim_rate and
// max_span are missing; outputs is 0.
func (r *Report) Instances(source string) []gate.Instance {
	rate, span := r.VerbatimRate, float64(r.MaxSpan)
	note := ""
	if r.Outputs == 0 {
		rate, span = math.NaN(), math.NaN()
		note = "no outputs judged"
	}
	return []gate.Instance{
		{Address: AddrVerbatimRate, Value: rate, StdDev: math.NaN(), Source: source, Note: note},
		{Address: AddrMaxSpan, Value: span, StdDev: math.NaN(), Source: source, Note: note},
		{Address: AddrOutputs, Value: float64(r.Outputs), StdDev: math.NaN(), Source: source},
	}
}

// scanner holds the per-scan buffers.
type scanner struct {
	ix   *Index
	r    roller
	ids  []uint32
	norm []byte
}

func (ix *Index) newScanner() *scanner { return &scanner{ix: ix, r: newRoller(ix.w)} }

// match is the longest verbatim span of one output.
type match struct {
	span     int // tokens; 0 when none of at least N
	from, to int // byte range of the span in the output text
	pos      int // corpus position of its first token
}

// The output's tokens are kept as ids only (4 bytes each); the byte range of
// the best span is found again by tokenising once more.

func (s *scanner) match(data []byte) match {
	ix := s.ix
	s.ids = s.ids[:0]
	off := 0
	for off < len(data) {
		st, en, adv := nextToken(data[off:], true)
		if st >= 0 {
			s.norm = normalise(s.norm[:0], data[off+st:off+en])
			id, ok := ix.vocab.lookup(s.norm)
			if !ok {
				id = unknownID
			}
			s.ids = append(s.ids, id)
		}
		off += adv
	}
	var best match
	if len(s.ids) < ix.n || len(ix.entries) == 0 {
		return best
	}
	// Every span of N tokens holds a sampled window of w tokens at a
	// corpus position p = 0 mod stride, less than stride tokens from its
	// start (see the package documentation): look the output's windows of
	// w tokens up, confirm each candidate token by token, and extend it to
	// the left (by less than stride tokens, or the anchor stride tokens to
	// the left finds it) and to the right.
	o, n, w, st := s.ids, ix.n, ix.w, ix.stride
	shift := 32 - ix.bits
	s.r.eachWindow(o, 0, len(o), func(j int, h uint64) {
		key := ix.final(h) >> 32
		b := key >> shift
		found := 0
		for _, e := range ix.entries[ix.dir[b]:ix.dir[b+1]] {
			if e>>32 != key {
				continue
			}
			q := int(uint32(e))
			if !ix.equalAt(q, o[j:j+w]) {
				continue // a hash collision: not a match
			}
			left := 0
			for left < st && j > left && ix.id(q-left-1) == o[j-left-1] {
				left++
			}
			if left < st {
				// The match starts at output token i, corpus position p.
				i, p, l := j-left, q-left, left+w
				for i+l < len(o) && ix.id(p+l) == o[i+l] {
					l++
				}
				if l < n {
					continue // a window, but no span of N tokens
				}
				// The longest span; of equal ones the first in the
				// output, then the first in the corpus.
				if l > best.span || l == best.span && (i < best.from || i == best.from && p < best.pos) {
					best = match{span: l, from: i, pos: p}
				}
			}
			// else the match covers stride+w = N+1 tokens to the left of
			// here, and the anchor stride tokens to the left found it.
			found++
			if found == maxCandidates {
				break
			}
		}
	})
	if best.span > 0 {
		best.from, best.to = tokenBytes(data, best.from, best.from+best.span-1)
	}
	return best
}

// tokenBytes returns the byte offsets in text of the start of token first
// and the end of token last (0-based token indexes, first <= last).
func tokenBytes(data []byte, first, last int) (from, to int) {
	off := 0
	for k := 0; off < len(data); {
		st, en, adv := nextToken(data[off:], true)
		if st >= 0 {
			if k == first {
				from = off + st
			}
			if k == last {
				return from, off + en
			}
			k++
		}
		off += adv
	}
	return from, len(data)
}

func equal(a, b []uint32) bool {
	for k := range a {
		if a[k] != b[k] {
			return false
		}
	}
	return true
}
