// Package gen generates the deterministic synthetic corpus and model outputs
// of the memorize benchmarks: English-like text (a 50,000-word vocabulary
// drawn with Zipf's law, sentences, commas, paragraphs, a few accented and
// Greek words) in documents of about DocBytes bytes, and outputs of about
// OutputBytes bytes of which every PlantEvery-th copies a span of a corpus
// document.
package gen

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Sizes of one scale unit: Docs documents of DocBytes (100 MB) and Outputs
// outputs of OutputBytes (10 MB).
const (
	Docs        = 1000
	DocBytes    = 100_000
	Outputs     = 10_000
	OutputBytes = 1000
	PlantEvery  = 10
	PlantBytes  = 300
)

const vocabSize = 50_000

var (
	once  sync.Once
	words []string
	zipf  []uint16 // 1<<20 quantiles of Zipf(s=1) over the ranks
)

func setup() {
	syl := []string{"ka", "to", "ren", "mi", "sa", "lo", "ver", "an", "de", "tri", "po", "ul", "shen", "ga", "ri", "no",
		"bel", "co", "fa", "he", "ist", "jo", "mar", "ne", "or", "pu", "qui", "st", "th", "wy"}
	accented := []string{"é", "ï", "ô", "ü", "ñ"}
	greek := []string{"λό", "γος", "θά", "λα", "σα", "κό", "σμο"}
	r := rng(12345)
	words = make([]string, vocabSize)
	for i := range words {
		n := 1 + int(r.next()%3)
		if i < 100 {
			n = 1 // the most frequent words are short, as in English
		}
		w := ""
		for k := 0; k < n; k++ {
			w += syl[r.next()%uint64(len(syl))]
		}
		switch {
		case i%200 == 199:
			w += accented[r.next()%uint64(len(accented))]
		case i%500 == 499:
			w = greek[r.next()%uint64(len(greek))] + greek[r.next()%uint64(len(greek))]
		}
		words[i] = w
	}
	var h float64
	for k := 1; k <= vocabSize; k++ {
		h += 1 / float64(k)
	}
	zipf = make([]uint16, 1<<20)
	cum, rank := 0.0, 0
	for i := range zipf {
		q := (float64(i) + 0.5) / float64(len(zipf))
		for rank < vocabSize-1 && cum+1/(float64(rank+1)*h) < q {
			cum += 1 / (float64(rank+1) * h)
			rank++
		}
		zipf[i] = uint16(rank)
	}
}

type rng uint64

// next is splitmix64.
func (r *rng) next() uint64 {
	*r += 0x9e3779b97f4a7c15
	z := uint64(*r)
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// text appends about size bytes of prose to dst.
func text(dst []byte, r *rng, size int) []byte {
	once.Do(setup)
	start := len(dst)
	sentence, para := 0, 0
	for len(dst)-start < size {
		w := words[zipf[r.next()&(1<<20-1)]]
		if sentence == 0 {
			c, n := utf8.DecodeRuneInString(w)
			dst = utf8.AppendRune(dst, unicode.ToUpper(c))
			dst = append(dst, w[n:]...)
		} else {
			dst = append(dst, w...)
		}
		sentence++
		switch x := r.next() % 100; {
		case sentence > 8 && x < 12:
			dst = append(dst, '.')
			sentence = 0
			para++
			if para > 5 && x < 3 {
				dst = append(dst, '\n', '\n')
				para = 0
				continue
			}
		case x < 6:
			dst = append(dst, ',')
		}
		dst = append(dst, ' ')
	}
	return dst
}

// Doc returns the text of corpus document i, appended to dst.
func Doc(dst []byte, i int) []byte {
	r := rng(uint64(i)*2654435761 + 1)
	return text(dst, &r, DocBytes)
}

// DocName is the name of corpus document i.
func DocName(i int) string { return fmt.Sprintf("gen/%05d.txt", i) }

// WriteOutputs writes n outputs as fmeval-style JSON Lines (model_input,
// model_output) over a corpus of docs documents, and returns how many
// outputs had a corpus span planted in them.
func WriteOutputs(w io.Writer, n, docs int) (planted int, err error) {
	r := rng(987654321)
	var out, doc []byte
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := 0; i < n; i++ {
		out = text(out[:0], &r, OutputBytes/2)
		if i%PlantEvery == 0 {
			d := int(r.next() % uint64(docs))
			doc = Doc(doc[:0], d)
			off := int(r.next() % uint64(len(doc)-2*PlantBytes))
			for off < len(doc) && doc[off] != ' ' {
				off++
			}
			end := off + PlantBytes
			for end < len(doc) && doc[end] != ' ' {
				end++
			}
			out = append(out, doc[off:end]...)
			out = append(out, ' ')
			planted++
		}
		out = text(out, &r, OutputBytes-len(out))
		rec := struct {
			Input  string `json:"model_input"`
			Output string `json:"model_output"`
		}{fmt.Sprintf("prompt %d", i), string(out)}
		if err := enc.Encode(rec); err != nil {
			return planted, err
		}
	}
	return planted, nil
}
