package memorize

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"runtime"
	"strings"
	"sync"
)

// Reading the corpus in parallel. Workers take documents in order, tokenise
// and normalise them, and give each distinct token a local id in their own
// vocabulary (so no lock is shared). They send batches of local ids, with
// the tokens new to their vocabulary, to the builder, which consumes the
// documents in order and maps local ids to corpus ids with one slice
// look-up. Each worker handles its documents in increasing order and the
// builder consumes them in that order too, so a worker's new tokens always
// arrive before their ids are used. A worker whose vocabulary reaches
// maxLocalVocab tokens starts a new one, so that a corpus of millions of
// distinct tokens (numbers, names, code) is not held once per worker.

const (
	batchIDs      = 1 << 15
	maxLocalVocab = 1 << 18
	maxLocalBytes = 64 << 20 // and at most this many bytes of tokens
	// endMark in a batch closes a document; the next value is its line.
	endMark = math.MaxUint32
)

type batch struct {
	worker int
	// The tokens new to the worker's vocabulary, in local id order: token
	// k is wdata[wend[k-1]:wend[k]], the first starting at wstart.
	wdata  []byte
	wend   []uint32
	wstart uint32
	ids    []uint32 // local ids, and endMark, line pairs
	err    error
	last   bool // the document's last batch
	reset  bool // the worker's local ids restart at 0 with this batch
}

// idFree recycles the batches' id slices within one BuildIndex: a free
// list, not a sync.Pool, which the garbage collector empties at every
// cycle, so that reading makes no garbage in proportion to the corpus (it
// would let the heap grow to twice the ids before each collection).
type idFree chan []uint32

func (f idFree) get() []uint32 {
	select {
	case s := <-f:
		return s[:0]
	default:
		return make([]uint32, 0, batchIDs+2)
	}
}

func (f idFree) put(s []uint32) {
	select {
	case f <- s:
	default: // more batches than were ever in flight at once: drop it
	}
}

type job struct {
	src uint32
	doc Doc
	out chan *batch
}

func (b *builder) read(ctx context.Context, docs []Doc, field string, maxLocal int) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait() // no goroutine outlives BuildIndex
	}()
	workers := max(1, min(8, runtime.GOMAXPROCS(0), len(docs)))
	// At most 2*workers documents wait in order, each with up to 4+1
	// batches, and each worker fills one more.
	free := make(idFree, 11*workers+1)
	jobs := make(chan job)
	order := make(chan chan *batch, 2*workers) // the documents' batch streams, in order
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(order)
		defer close(jobs)
		for i, d := range docs {
			out := make(chan *batch, 4)
			select {
			case order <- out:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- job{src: uint32(i), doc: d, out: out}:
			case <-ctx.Done():
				return
			}
		}
	}()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := &tokeniser{ctx: ctx, worker: w, field: field, local: newVocab(), maxLocal: maxLocal, free: free}
			for j := range jobs {
				t.run(j)
			}
		}()
	}
	remap := make([][]uint32, workers)
	for out := range order {
		src := uint32(len(b.ix.srcNames))
		name := docs[src].Name
		start := b.len()
		for done := false; !done; {
			var bt *batch
			select {
			case bt = <-out:
			case <-ctx.Done():
				return ctx.Err()
			}
			if bt.err != nil {
				return fmt.Errorf("corpus %s: %w", name, bt.err)
			}
			if bt.reset {
				remap[bt.worker] = remap[bt.worker][:0]
			}
			from := bt.wstart
			for _, e := range bt.wend {
				id, err := b.global(bt.wdata[from:e])
				if err != nil {
					return err
				}
				from = e
				remap[bt.worker] = append(remap[bt.worker], id)
			}
			rm := remap[bt.worker]
			for k := 0; k < len(bt.ids); k++ {
				if id := bt.ids[k]; id != endMark {
					if err := b.push(rm[id]); err != nil {
						return err
					}
					continue
				}
				k++
				if err := b.end(start, src, bt.ids[k]); err != nil {
					return err
				}
				start = b.len()
			}
			done = bt.last
			free.put(bt.ids)
		}
		b.ix.srcNames = append(b.ix.srcNames, name)
	}
	return ctx.Err()
}

// tokeniser is one worker's state.
type tokeniser struct {
	ctx      context.Context
	worker   int
	field    string
	local    *vocab
	sent     int // local tokens already sent
	maxLocal int
	norm     []byte
	buf      []byte // the token scanner's buffer
	fields   fieldReader
	cur      *batch
	out      chan *batch
	free     idFree
}

func (t *tokeniser) newBatch() *batch { return &batch{worker: t.worker, ids: t.free.get()} }

func (t *tokeniser) run(j job) {
	t.out = j.out
	if t.cur == nil {
		t.cur = t.newBatch()
	} // else the empty batch the last document's final flush made
	err := t.readDoc(j.doc)
	if err == nil {
		err = t.ctx.Err()
	}
	t.cur.err, t.cur.last = err, true
	t.flush()
}

// flush sends the current batch with the tokens not sent yet.
func (t *tokeniser) flush() bool {
	// Slices, not the vocabulary: the worker appends to it (past their
	// ends) while the builder reads them.
	v := t.local
	t.cur.wdata, t.cur.wend = v.data, v.end[t.sent:]
	if t.sent > 0 {
		t.cur.wstart = v.end[t.sent-1]
	}
	t.sent = v.len()
	select {
	case t.out <- t.cur:
	case <-t.ctx.Done():
		return false
	}
	t.cur = t.newBatch()
	return true
}

func (t *tokeniser) add(raw []byte) error {
	t.norm = normalise(t.norm[:0], raw)
	id, ok := t.local.lookup(t.norm)
	if !ok {
		if t.local.len() >= t.maxLocal || len(t.local.data) >= maxLocalBytes {
			// Send the ids of the old vocabulary, then start anew (a new
			// one: the builder may still be reading the old one's slices).
			if !t.flush() {
				return t.ctx.Err()
			}
			t.local, t.sent = newVocab(), 0
			t.cur.reset = true
		}
		id, _ = t.local.add(t.norm)
	}
	t.cur.ids = append(t.cur.ids, id)
	if len(t.cur.ids) >= batchIDs && !t.flush() {
		return t.ctx.Err()
	}
	return nil
}

func (t *tokeniser) end(line int) {
	t.cur.ids = append(t.cur.ids, endMark, uint32(line))
}

func (t *tokeniser) readDoc(d Doc) error {
	if d.Open == nil {
		return errors.New("no reader")
	}
	rc, err := d.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	switch strings.ToLower(path.Ext(d.Name)) {
	case ".jsonl", ".ndjson":
		err = t.readJSONL(d.Name, rc)
	default:
		err = t.readText(rc)
	}
	if err != nil {
		return err
	}
	return rc.Close()
}

func (t *tokeniser) readText(r io.Reader) error {
	if t.buf == nil {
		t.buf = make([]byte, 256<<10)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(t.buf, len(t.buf))
	sc.Split(splitTokens)
	for sc.Scan() {
		if err := t.add(sc.Bytes()); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	t.end(0)
	return nil
}

func (t *tokeniser) readJSONL(name string, r io.Reader) error {
	lr := newLineReader(r)
	fr := &t.fields
	fr.field = t.field
	for {
		line, err := lr.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &LineError{Source: name, Line: lr.line, Err: err}
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		data, ok, err := fr.get(line)
		if err == nil && !ok {
			err = fmt.Errorf("field %q missing or null", t.field)
		}
		if err != nil {
			return &LineError{Source: name, Line: lr.line, Err: err}
		}
		for len(data) > 0 {
			s, e, adv := nextToken(data, true)
			if s >= 0 {
				if err := t.add(data[s:e]); err != nil {
					return err
				}
			}
			data = data[adv:]
		}
		t.end(lr.line)
	}
}
