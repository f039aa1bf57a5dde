// Package memorize computes modelgate's memorization metrics: how often a
// model's recorded outputs reproduce a protected corpus verbatim.
//
//	llm.memorization.verbatim_rate  share of judged outputs holding a span of
//	                                at least N consecutive tokens found in one
//	                                corpus document
//	llm.memorization.max_span       the longest such span, in tokens (0: none)
//	llm.memorization.outputs        the number of outputs judged
//
// No evaluation library writes these (fmeval has no memorization
// algorithm), so the gate computes them itself from two inputs read as
// streams: the outputs, as JSON Lines (fmeval's per-record output, whose
// model_output field is the default, or any JSON Lines with a named
// top-level string field), and the corpus, as Docs: plain text files (one
// document each) and JSON Lines files (one document per record, named
// "file#line"). BuildIndex reads the corpus once into an Index; Index.Scan
// reads the outputs once into a Report; Report.Instances gives the metric
// instances. The Report also lists the worst records (record index, span
// length, the first 80 characters of the span as the output wrote it, the
// corpus document), and never more of the protected text than the matched
// span.
//
// # Tokens and normalisation
//
// Corpus and outputs go through the same steps (the Normalisation constant
// names them, and every Report records it):
//
//   - A token is a maximal run of letters (Unicode L*), numbers (N*) and
//     combining marks (M*), except that every Han, Hiragana and Katakana
//     character is a token on its own: Chinese and Japanese are written
//     without spaces, and a whole sentence would otherwise be one token.
//     Marks stay with the character before them.
//   - Everything else separates tokens and is dropped: whitespace of any
//     kind and amount (so line breaks and indentation do not matter),
//     punctuation, symbols, emoji, control characters and invalid UTF-8.
//     "It's" is the two tokens "it" and "s", in the corpus as in the output.
//   - Each token is put in Unicode NFKC (composed and decomposed accents,
//     full-width letters and ligatures compare equal) and case-folded with
//     Unicode simple case folding (K, k and the Kelvin sign are one letter;
//     so are Σ, σ and final ς). Accents are kept: "café" and "cafe" differ,
//     as they are different words in many languages. Full folding is not
//     applied: "ß" and "ss" differ.
//   - A run longer than 256 bytes (a base64 blob) is cut into pieces at the
//     same places in corpus and output.
//
// Known limits: scripts written without spaces other than Chinese and
// Japanese (Thai, Lao, Khmer, Myanmar) give long tokens, so spans there are
// counted in phrases rather than words; and a span counts only inside one
// corpus document, never across two.
//
// # The default span length
//
// The issue asks for "50 characters' worth of words". English prose has
// about 6 characters per token once whitespace is collapsed (a word of 4.9
// letters on average plus its space or punctuation: 6.0 measured on the
// GPL-3 text, 6.4 on the Apache-2.0 text), so 50 characters is 8 to 9
// tokens on average. DefaultMinTokens is 10: a 10-token span is at least 50
// characters even in text of short words (5 characters per token, as in
// dialogue), and about 60 in typical prose. Rounding up rather than down
// matters because the spans that reach 50 characters in only 8 tokens are
// mostly stock phrases ("as a matter of fact it is not the case") that any
// fluent model reproduces without having memorised anything. For a corpus
// of Chinese or Japanese, where a token is one character, set min_tokens
// higher (20 to 30).
//
// # Algorithm
//
// Reading the corpus: workers (one per CPU, at most 8) open the documents in
// order, tokenise and normalise them and give each distinct token a local
// id; the builder maps local ids to corpus ids through one vocabulary (a Go
// map from token to uint32) and appends them to the corpus ids, every
// document in order with a separator id between documents, kept in chunks
// of 4 MiB (never copied into one slice, which would need twice their
// memory for a moment).
//
// Fingerprints are sampled: with a stride s (4 for N = 10; 1, no
// sampling, below N = 5; see strideFor) and windows of w = N-s+1 tokens,
// only the positions p that are multiples of s and whose w tokens lie inside
// one document are indexed. A span of at least N tokens starting at corpus
// position p0 holds the window at the first multiple of s from p0 (less
// than s tokens in, and it ends at most N tokens in), so looking up every
// window of w tokens of the output finds every span. For each indexed
// position, a polynomial rolling hash over the token ids (each id mixed
// first, then MurmurHash3's finaliser on the window's hash) gives a 64-bit
// value; the fingerprint is one uint64: its top 32 bits << 32 | p. The
// fingerprints are
// written in corpus order, then sorted by their top bits: an in-place
// American flag sort on the top byte, then a radix sort of each of the 256
// parts, which fit in cache, in parallel. A directory of uint32 offsets,
// one per bucket of four to eight fingerprints (one cache line), gives each
// bucket's range. So
// the index is a sorted array plus a directory: no map, no pointers for the
// garbage collector to scan, and every pass but the flag sort's cycles
// sequential (a direct scatter into hash buckets costs a cache and TLB miss
// per fingerprint and was four times slower).
//
// Scanning: the outputs are read line by line (bufio, lines up to
// MaxLineBytes) and decoded in order, so the first bad line is the one
// reported; workers match them. An output is tokenised and looked up in the
// vocabulary (a token not in the corpus cannot be part of a span); its
// windows of w tokens are hashed the same way, and each window's bucket is
// scanned for fingerprints with the same 32-bit key. A candidate counts only
// after its w token ids are compared with the corpus ids at p: a hash
// collision never makes a match (a test forces every n-gram to collide).
// A confirmed window is extended to the left, by less than s tokens (if s
// tokens to the left agree too, the window s tokens to the left found the
// same span already, and it is skipped), and to the right token by token,
// to its maximal length; it is a span when that is at least N, which gives
// max_span. The output's longest span gives its verdict (of equal ones, the
// first in the output, then the first in the corpus), and its byte range in
// the output gives the excerpt.
//
// Exactness: verbatim_rate is exact, with no false matches (every span is
// compared token by token) and no missed ones (every span of N tokens holds
// an indexed window, and every window of each output is looked up; tests
// compare with a dynamic-programming reference on random texts, sampled and
// not). max_span is exact unless one w-token sequence occurs as part of a
// span more than 256 times in the corpus: for each output window only its
// first 256 such occurrences are extended, bounding the work on repetitive
// corpora (boilerplate), and max_span is then a lower bound.
//
// # Complexity and memory
//
// With T corpus tokens (about bytes/6 for English) and D documents:
// building is linear, O(T): one tokenising pass, one hashing pass, the flag
// sort and two or three radix passes over cache-sized parts. Scanning is
// linear in the output tokens: per window one hash, one bucket of four to
// eight fingerprints and, for a true match, N comparisons plus the
// extension.
//
// The index holds 4 bytes per corpus token (ids), 8 per fingerprint (one
// per s tokens: 2 bytes per token for N = 10), at most one byte per
// fingerprint for the directory, 12 per document and the vocabulary (an
// open-addressing table over one byte arena of the distinct tokens, in the
// builder and, while reading, in each worker): about 6.3 bytes per token for
// N = 10, 1.35 bytes per byte of the generated benchmark text (4.6 bytes
// per token). Reading makes no garbage in proportion to the corpus or the
// outputs: the batches of ids and of outputs are recycled, and a JSON Lines
// field is found by walking the line (after encoding/json validated it) and
// unescaped into a reused buffer. That matters more than the bytes: with the
// index live, any garbage lets the heap grow by up to the index's size
// again before the collector runs (GOGC=100). So the peak is the index,
// plus the runtime and the buffers of the line being read. The outputs are
// never held whole, even read from the workspace.
//
// Measured on the 2-core build machine, shared with other jobs, through
// Compute (bench/memorize.sh: a corpus of JSON Lines shards of 100 KB
// records and 10,000 outputs of 1 KB; medians of three runs; load average
// 4 to 5.5; peak RSS of the whole process): 100 MB corpus 2.1 s wall,
// 2.0 CPU s, 148 MB peak (1.48x); 200 MB 4.4 s, 4.3 s, 284 MB (1.41x);
// 400 MB 6.7 s, 6.5 s, 556 MB (1.39x); 1 GB (215 M tokens) 15.7 s, 16.9 s,
// 1361 MB (1.36x); the same 1 GB as .txt files 25.7 s, 19.8 s, 1356 MB
// (1.36x; load 5, an earlier run: CPU times vary by a quarter with the
// load). Before the garbage-free JSON Lines reading, the one-pass
// validation, the table vocabularies and the streamed outputs: 100 MB
// 4.9 s, 4.4 s, 200 MB (2.0x); 1 GB 50.8 s, 36.9 s, 1856 MB (1.85x). Wall
// time is about the CPU time at that load (the other jobs take about one
// of the two cores); the reading, the fingerprinting and the scan use both
// when they are free. The work (tokens, fingerprints, look-ups) grows
// linearly; what grows a little faster on that virtual machine is the cost
// of first touching fresh memory (bench -touch) and the cache and TLB
// misses of random look-ups in a larger index (transparent huge pages for
// the index arrays did not measurably help).
package memorize
