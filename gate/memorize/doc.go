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
// map from token to uint32) and appends them to one []uint32 holding every
// document, with a separator id between documents. The ids are gathered in
// 4 MiB chunks and copied once into a slice of the exact size.
//
// Fingerprints: for every position p whose N tokens lie inside one document,
// a polynomial rolling hash over the token ids (each id mixed first, then
// MurmurHash3's finaliser on the window's hash) gives a 64-bit value; the
// fingerprint is one uint64: its top 32 bits << 32 | p. The fingerprints are
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
// windows of N tokens are hashed the same way, and each window's bucket is
// scanned for fingerprints with the same 32-bit key. A candidate counts only
// after its N token ids are compared with the corpus ids at p: a hash
// collision never makes a match (a test forces every n-gram to collide). A
// confirmed match is extended to the right token by token to its maximal
// length, which gives max_span; a match whose tokens to the left also agree
// is skipped, since the window one to the left found it already. The
// output's longest span gives its verdict, and its byte range in the output
// gives the excerpt.
//
// Exactness: verbatim_rate is exact, with no false matches (every span is
// compared token by token) and no missed ones (every window of the corpus is
// indexed and every window of each output is looked up). max_span is exact
// unless one N-token sequence occurs more than 256 times in the corpus: for
// each output window only its first 256 occurrences are extended, bounding
// the work on repetitive corpora (boilerplate), and max_span is then a lower
// bound.
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
// The index holds 4 bytes per corpus token (ids), 8 per fingerprint (about
// one per token), at most half a byte per fingerprint for the directory,
// 12 per document and the vocabulary (one string per distinct token, in
// the builder's map and in each reading worker's): about 12.5 bytes per
// token, or 2 bytes per byte of English text. The outputs are never
// held whole: only the line being read and a few batches of 64 records per
// worker.
//
// Measured with bench/run.sh on the 2-core build machine, shared with
// other jobs (load average 5; medians of three runs): a 100 MB corpus and
// 10,000 outputs of 1 KB take 6.7 s wall, 5.4 CPU s and 340 MB peak
// resident memory (4 s when the machine was quieter); 2x and 4x take 1.8
// and 3.9 times the CPU time and 1.9 and 3.9 times the memory. The work
// (tokens, fingerprints, lookups) grows exactly linearly; what grows a
// little faster on that virtual machine is the cost of first touching
// fresh memory (1.5 s for 340 MB, 5.4 s for 1.3 GB, measured alone by
// bench -touch) and the cache and TLB misses of random lookups in a
// larger index.
package memorize
