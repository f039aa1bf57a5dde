package memorize

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalisation names the tokenisation and normalisation this package
// applies to corpus and outputs alike (see the package documentation). It is
// recorded in every Report so that results computed with a different
// normalisation are never compared by accident.
const Normalisation = "words-v1: NFKC, simple case folding; tokens are runs of letters, numbers and marks, " +
	"each Han/Hiragana/Katakana character alone; punctuation, symbols and whitespace dropped"

// maxTokenBytes caps the length of one token. A longer run of word
// characters (a base64 blob, a long number) is cut into pieces of at most
// maxTokenBytes+utf8.UTFMax-1 bytes, at the same places in corpus and output,
// so the bufio buffers stay bounded.
const maxTokenBytes = 256

// rune classes
const (
	clsSep    = iota // separator: whitespace, punctuation, symbols, controls, invalid UTF-8
	clsWord          // letter or number: joins its neighbours into a word
	clsSingle        // Han, Hiragana, Katakana: a token on its own
	clsMark          // combining mark: belongs to the token before it
)

// asciiWord reports which ASCII bytes are word characters.
var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for c := 0; c < utf8.RuneSelf; c++ {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	return t
}()

func runeClass(r rune) int {
	switch {
	case r < utf8.RuneSelf:
		if asciiWord[r] {
			return clsWord
		}
		return clsSep
	case r == utf8.RuneError:
		return clsSep
	case unicode.IsMark(r):
		return clsMark
	case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana):
		return clsSingle
	case unicode.IsLetter(r) || unicode.IsNumber(r):
		return clsWord
	}
	return clsSep
}

// nextToken finds the first token in data. It returns the token's bounds
// (start < 0 when data holds none) and how many bytes were consumed. When
// atEOF is false and the token (or a rune) may continue past the end of
// data, it consumes only the separators before it and returns start < 0, so
// that the caller reads more and calls again: the result never depends on
// where the input was split.
func nextToken(data []byte, atEOF bool) (start, end, advance int) {
	i := 0
	for i < len(data) {
		c := data[i]
		if c < utf8.RuneSelf {
			if asciiWord[c] {
				break
			}
			i++
			continue
		}
		if !atEOF && !utf8.FullRune(data[i:]) {
			return -1, -1, i
		}
		r, size := utf8.DecodeRune(data[i:])
		if runeClass(r) != clsSep {
			break
		}
		i += size
	}
	if i == len(data) {
		return -1, -1, i
	}
	start = i
	single := false
	if c := data[i]; c < utf8.RuneSelf {
		i++
	} else {
		r, size := utf8.DecodeRune(data[i:])
		single = runeClass(r) == clsSingle
		i += size
	}
	for i < len(data) {
		if i-start >= maxTokenBytes {
			return start, i, i
		}
		c := data[i]
		if c < utf8.RuneSelf {
			if single || !asciiWord[c] {
				return start, i, i
			}
			i++
			continue
		}
		if !atEOF && !utf8.FullRune(data[i:]) {
			return -1, -1, start
		}
		r, size := utf8.DecodeRune(data[i:])
		switch cls := runeClass(r); {
		case cls == clsMark:
		case single || cls != clsWord:
			return start, i, i
		}
		i += size
	}
	if !atEOF {
		return -1, -1, start
	}
	return start, i, i
}

// splitTokens is a bufio.SplitFunc yielding raw (not yet normalised) tokens.
func splitTokens(data []byte, atEOF bool) (int, []byte, error) {
	start, end, adv := nextToken(data, atEOF)
	if start < 0 {
		return adv, nil, nil
	}
	return adv, data[start:end], nil
}

// normalise appends the normal form of the raw token tok to dst: ASCII is
// lower-cased; other text is put in NFKC (so composed and decomposed
// accents, full-width and compatibility forms compare equal) and every rune
// is case-folded with foldRune.
func normalise(dst, tok []byte) []byte {
	ascii := true
	for _, c := range tok {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		for _, c := range tok {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
		}
		return dst
	}
	// NFKC after dst's end, then the folded runes after that, moved back:
	// no scratch buffer (a local array escapes to the heap here, one
	// allocation per non-ASCII token).
	start := len(dst)
	dst = norm.NFKC.Append(dst, tok...)
	mid := len(dst)
	for i := start; i < mid; {
		r, size := utf8.DecodeRune(dst[i:mid])
		i += size
		dst = utf8.AppendRune(dst, foldRune(r))
	}
	n := copy(dst[start:], dst[mid:])
	return dst[:start+n]
}

// foldRune maps every rune of a simple case-folding orbit (unicode.SimpleFold:
// K, k and the Kelvin sign; Σ, σ and ς) to one representative: the lower
// case of the orbit's smallest member.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < m {
			m = f
		}
	}
	return unicode.ToLower(m)
}

// Tokens returns the normalised tokens of s, as the index and the scan see
// them. It is meant for documentation, tests and debugging.
func Tokens(s string) []string {
	var out []string
	data := []byte(s)
	var buf []byte
	for len(data) > 0 {
		start, end, adv := nextToken(data, true)
		if start >= 0 {
			buf = normalise(buf[:0], data[start:end])
			out = append(out, string(buf))
		}
		if adv == 0 {
			break
		}
		data = data[adv:]
	}
	return out
}
