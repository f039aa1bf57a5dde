package rules

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// confidence is a level in [0.5, 1) (README "confidence and
// on_inconclusive"): both ends exactly, and the alpha hint only for a
// value in (0, 0.5).
func TestConfidenceRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		conf string
		want string // "" = accepted; else a substring of the error
		not  string // must not be in the error
	}{
		{"0.5", "", ""},
		{"0.999", "", ""},
		{"1", "`confidence` must be in [0.5, 1), e.g. 0.95; found 1", ""},
		{"1.5", "`confidence` must be in [0.5, 1), e.g. 0.95; found 1.5", ""},
		{"0.05", "not a significance level; found 0.05: did you mean 0.95?", ""},
		{"0.4999", "did you mean 0.5001?", ""},
		{"0", "`confidence` must be in [0.5, 1), e.g. 0.95; found 0", "did you mean"},
		{"-0.05", "`confidence` must be in [0.5, 1), e.g. 0.95; found -0.05", "did you mean"},
		{".nan", "`confidence` must be a finite number", ""},
	}
	for _, tc := range tests {
		src := "version: 1\nmodel: {group: g}\nrules:\n  - {id: r, metric: quality.auc, min: 0.8, confidence: " + tc.conf + "}\n"
		f, err := Parse("t.yml", []byte(src))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("confidence %s: %v; want accepted", tc.conf, err)
		case tc.want == "" && f.Rules[0].Confidence == 0:
			t.Errorf("confidence %s: accepted as 0", tc.conf)
		case tc.want != "" && err == nil:
			t.Errorf("confidence %s: accepted; want an error with %q", tc.conf, tc.want)
		case tc.want != "" && !strings.Contains(err.Error(), tc.want):
			t.Errorf("confidence %s: %v; want %q", tc.conf, err, tc.want)
		case tc.not != "" && strings.Contains(err.Error(), tc.not):
			t.Errorf("confidence %s: %v; must not say %q", tc.conf, err, tc.not)
		}
	}
}

// A long value in a diff line is clipped at 200 bytes on a rune
// boundary, marked with "...", and stays valid UTF-8.
func TestDiffClipsLongValuesOnRuneBoundary(t *testing.T) {
	t.Parallel()
	long := "a" + strings.Repeat("é", 150) // 301 bytes; byte 200 is inside an é
	src := func(reason string) []byte {
		return []byte("version: 1\nmodel: {group: g}\nrules:\n  - {id: r, metric: quality.auc, min: 0.8, waiver: {reason: \"" + reason + "\", owner: o, expires: 2027-01-31}}\n")
	}
	b, err := Parse("b.yml", src("short"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := Parse("h.yml", src(long))
	if err != nil {
		t.Fatal(err)
	}
	out := FormatChanges(Diff(b, h))
	_, after, ok := strings.Cut(strings.TrimSpace(out), "short -> ")
	if !ok {
		t.Fatalf("FormatChanges = %q; want the reason change", out)
	}
	after, _, _ = strings.Cut(after, " at ")
	clipped, ok := strings.CutSuffix(after, "...")
	if !ok || !utf8.ValidString(clipped) || len(clipped) != 199 || !strings.HasPrefix(long, clipped) {
		t.Errorf("clipped reason = %q (%d bytes); want the first 199 bytes of the reason (the rune boundary at or before 200) and ...", after, len(clipped))
	}
}
