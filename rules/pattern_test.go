package rules

import (
	"regexp"
	"testing"
)

// Every pattern compiles, and matches as regexp.MustCompile of its source
// does (the lazy compilation changes when, never what).
func TestPatternsCompile(t *testing.T) {
	if len(patterns) < 20 {
		t.Fatalf("%d patterns registered; the package declares more than 20", len(patterns))
	}
	for _, p := range patterns {
		re, err := regexp.Compile(p.src)
		if err != nil {
			t.Errorf("pattern %q: %v", p.src, err)
			continue
		}
		for _, s := range []string{"", "a", "fraud-xgboost", "0123456789abcdef0123456789abcdef01234567", "arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud-xgboost/12", "yaml: line 3: found a tab", "2026-12-02"} {
			if got, want := p.MatchString(s), re.MatchString(s); got != want {
				t.Errorf("pattern %q on %q: %v, want %v", p.src, s, got, want)
			}
			if got, want := p.FindStringSubmatch(s), re.FindStringSubmatch(s); len(got) != len(want) {
				t.Errorf("pattern %q submatches of %q: %q, want %q", p.src, s, got, want)
			}
		}
	}
}
