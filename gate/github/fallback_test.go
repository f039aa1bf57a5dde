package github_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sethvargo/go-githubactions"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/github"
)

// The read-only fallback writes at most MaxAnnotations workflow commands,
// failures first, each one line whatever the finding's text holds.
func TestAnnotateFallbackIsCappedAndOneLine(t *testing.T) {
	t.Parallel()
	var fs []gate.Finding
	for i := range 1000 {
		f := finding("r", 3, gate.Warn, false)
		if i >= 900 {
			f = finding("s", 7, gate.Fail, true)
			f.Reason = "below\n::error::FORGED\r\nx"
		}
		fs = append(fs, f)
	}
	var out bytes.Buffer
	act := githubactions.New(githubactions.WithWriter(&out), githubactions.WithGetenv(func(string) string { return "" }))
	omitted := github.Annotate(act, result(gate.Failure, fs...), ".github/modelgate.yml")
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if omitted != 1000-github.MaxAnnotations || len(lines) != github.MaxAnnotations {
		t.Fatalf("%d commands, %d omitted; want %d and %d", len(lines), omitted, github.MaxAnnotations, 1000-github.MaxAnnotations)
	}
	for i, l := range lines {
		want := "::warning "
		if i < 100 {
			want = "::error "
		}
		if !strings.HasPrefix(l, want) || strings.Contains(l, "\r") {
			t.Fatalf("command %d = %q; want %q first and one line", i, l, want)
		}
	}
}
