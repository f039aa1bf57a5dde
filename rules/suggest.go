package rules

import (
	"fmt"
	"strings"
)

// suggest returns the candidate closest to s by edit distance, or one that
// s is the start of ("warn" for "warning"), or "" when none is close enough
// to be a plausible typo.
func suggest(s string, candidates []string) string {
	best, bestD := "", -1
	for _, c := range candidates {
		d := editDistance(strings.ToLower(s), strings.ToLower(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	limit := 2
	if len(s) <= 3 {
		limit = 1
	}
	if bestD >= 0 && bestD <= limit && bestD < len(s) {
		return best
	}
	if len(s) >= 3 {
		for _, c := range candidates {
			if len(c) > len(s) && strings.HasPrefix(strings.ToLower(c), strings.ToLower(s)) {
				return c
			}
		}
	}
	return ""
}

// didYouMean is "; did you mean `x`?" or "".
func didYouMean(s string, candidates []string) string {
	if c := suggest(s, candidates); c != "" {
		return fmt.Sprintf("; did you mean `%s`?", c)
	}
	return ""
}

// editDistance is the Levenshtein distance of a and b in runes, with a
// transposition of two adjacent runes counting as one edit. Inputs are
// bounded by the caller (keys and names of a rules file).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 256 || len(rb) > 256 {
		return 1 << 30
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// quoteList formats names as `a`, `b` or `c`.
func quoteList(names []string, conj string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "`" + n + "`"
	}
	switch len(q) {
	case 0:
		return ""
	case 1:
		return q[0]
	case 2:
		return q[0] + " " + conj + " " + q[1]
	}
	return strings.Join(q[:len(q)-1], ", ") + " " + conj + " " + q[len(q)-1]
}

// clause ends a message part before the next one: "x? " after a question,
// "x; " otherwise.
func clause(s string) string {
	if strings.HasSuffix(s, "?") {
		return s + " "
	}
	return s + "; "
}
