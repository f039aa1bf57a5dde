package render

import (
	"strings"
	"testing"
)

// FuzzCell checks that no input breaks out of a markdown table cell.
func FuzzCell(f *testing.F) {
	for _, s := range []string{"a|b", "<script>", "x\ny", "@team", "\\|", "`a|b`", "\u202e|"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Cell(s)
		if strings.ContainsAny(c, "\n\r<>") {
			t.Fatalf("Cell(%q) = %q: a line break or HTML survived", s, c)
		}
		for i := 0; i < len(c); i++ {
			if c[i] != '|' {
				continue
			}
			// Every pipe must be escaped by an odd run of backslashes.
			n := 0
			for j := i - 1; j >= 0 && c[j] == '\\'; j-- {
				n++
			}
			if n%2 == 0 {
				t.Fatalf("Cell(%q) = %q: unescaped pipe at %d", s, c, i)
			}
		}
	})
}
