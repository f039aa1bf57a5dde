package render

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/gate"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

func TestRenderMarkdownGolden(t *testing.T) {
	t.Parallel()
	success := &gate.Result{
		RulesFile: ".github/modelgate.yml", Group: "churn-xgboost", Conclusion: gate.Success,
		Candidate: &gate.Package{Group: "churn-xgboost", Version: 3},
		Counts:    gate.Counts{Rules: 1, Pass: 1},
		Findings: []gate.Finding{{Rule: "auc-floor", Metric: "quality.auc", Value: 0.9, StdDev: nan, Baseline: nan, Delta: nan,
			Threshold: ">= 0.85", Verdict: gate.Pass}},
	}
	for name, r := range map[string]*gate.Result{"failure": sampleResult(), "success": success} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			golden(t, "summary-"+name+".md", Markdown(r))
		})
	}
}

func TestRenderMarkdownFailuresFirst(t *testing.T) {
	t.Parallel()
	md := Markdown(sampleResult())
	var order []string
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| `") {
			order = append(order, strings.Trim(strings.Split(line, "|")[1], " `"))
		}
	}
	want := []string{"auc-no-regression", "disparate-impact", "dppl", "toxicity", "reports-attached", "auc-floor", "f1-floor"}
	if diff := cmp.Diff(want, order); diff != "" {
		t.Errorf("row order (-want +got):\n%s", diff)
	}
	open, close := strings.Index(md, "<details><summary>2 passed</summary>"), strings.Index(md, "</details>")
	if open < 0 || close < open || !strings.Contains(md[open:close], "`auc-floor`") {
		t.Errorf("the passes are not collapsed in <details>:\n%s", md)
	}
}

func TestCellEscapesHostileText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"pipe", "a|b", `a\|b`},
		{"newlines", "a\nb\r\nc", "a b  c"},
		{"html", "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"entity", "&amp;", "&amp;amp;"},
		{"mention", "@ml-risk", "&#64;ml-risk"},
		{"emphasis and links", "*x* _y_ [z](http://e)", `\*x\* \_y\_ \[z\](http://e)`},
		{"backtick", "`code`", "\\`code\\`"},
		{"control and bidi", "a\x00b\u202ec", "abc"},
		{"long", strings.Repeat("x", 300), strings.Repeat("x", maxCell) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Cell(tt.in); got != tt.want {
				t.Errorf("Cell(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRenderMarkdownCut(t *testing.T) {
	t.Parallel()
	r := manyFailures(120)
	md := Markdown(r)
	if len(md) > MaxSummaryChars {
		t.Fatalf("len(RenderMarkdown) = %d; want <= %d", len(md), MaxSummaryChars)
	}
	shown := strings.Count(md, "| `di-range` |")
	m := regexp.MustCompile(`_(\d+) more omitted: the summary is limited to 65,535 characters`).FindAllStringSubmatch(md, -1)
	if len(m) != 2 {
		t.Fatalf("want an omitted line for the failures and one for the passes, got %q", m)
	}
	omitted, _ := strconv.Atoi(m[0][1])
	if shown == 0 || shown+omitted != 120 {
		t.Errorf("shown %d + omitted %d failing rows; want 120 in all, some shown", shown, omitted)
	}
	if m[1][1] != "1" {
		t.Errorf("omitted passes = %s; want 1", m[1][1])
	}
	// The cut is tight: one more row would not fit.
	d, problems, passes := summaryOf(r)
	if next := renderRows(d, problems, passes, shown+1); len(next) <= MaxSummaryChars {
		t.Errorf("%d rows fit in %d bytes, but only %d were shown", shown+1, len(next), shown)
	}
}
