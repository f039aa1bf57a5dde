package report

import (
	"math"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate"
)

// summarize renders instances as `key = value n=N` (or `missing: note`).
func summarize(p *Parsed) string {
	var b strings.Builder
	for _, i := range p.Instances {
		if strings.HasPrefix(i.Address, gate.ItemsPrefix+"llm.promptfoo.") {
			continue // promptfoo rows: TestReadPromptfooItems
		}
		b.WriteString(strings.ReplaceAll(i.Key(), "\x00", " "))
		if i.Missing() {
			b.WriteString(" missing: " + i.Note)
		} else {
			b.WriteString(" = " + fmtv(i.Value))
		}
		if !math.IsNaN(i.StdDev) {
			b.WriteString(" sd=" + fmtv(i.StdDev)) // no promptfoo or deepeval value has one
		}
		if i.N > 0 {
			b.WriteString(" n=" + fmtv(float64(i.N)))
		}
		if i.Direction != "" {
			b.WriteString(" dir=" + string(i.Direction))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func checkSummary(t *testing.T, name string, p *Parsed, want string) {
	t.Helper()
	if got := summarize(p); got != want {
		t.Errorf("%s:\ngot\n%s\nwant\n%s", name, got, want)
	}
}

// The real v3 file: 2 prompts x 4 tests, all passing with "No assertions".
func TestReadPromptfooFixture(t *testing.T) {
	t.Parallel()
	p := readFile(t, gate.Source{Slot: "pf"}, "llm/promptfoo/simple-cli-v3-2024-10.json")
	if p.Format != FormatPromptfoo {
		t.Fatalf("format %q", p.Format)
	}
	p1 := " prompt=Rephrase this in {{language}}: {{body}} provider=openai:gpt-4o-mini"
	p2 := " prompt=Translate this to conversational {{language}}: {{body}} provider=openai:gpt-4o-mini"
	var want strings.Builder
	for _, g := range []struct {
		l string
		n string
	}{{"", "8"}, {p1, "4"}, {p2, "4"}} {
		want.WriteString("llm.promptfoo.pass_rate" + g.l + " = 1 n=" + g.n + "\n")
		want.WriteString("llm.promptfoo.passes" + g.l + " = " + g.n + " n=" + g.n + "\n")
		want.WriteString("llm.promptfoo.failures" + g.l + " = 0 n=" + g.n + "\n")
		want.WriteString("llm.promptfoo.errors" + g.l + " = 0 n=" + g.n + "\n")
		want.WriteString("llm.promptfoo.unasserted" + g.l + " = " + g.n + " n=" + g.n + "\n")
		want.WriteString("llm.promptfoo.assert_passes" + g.l + " = 0 n=" + g.n + "\n")
		want.WriteString("llm.promptfoo.assert_failures" + g.l + " = 0 n=" + g.n + "\n")
		want.WriteString("llm.promptfoo.score" + g.l + " = 1 n=" + g.n + "\n")
	}
	checkSummary(t, "fixture", p, want.String())
}

// v1 (2023: top-level version 1, no score), v2 (results.version 2 with a
// table), and a newer v3 with errors, failureReason, namedScores and a
// nested assert-set.
func TestReadPromptfooGenerations(t *testing.T) {
	t.Parallel()
	v1 := `{"version": 1, "results": [
  {"prompt": {"raw": "Say {{x}}", "display": "Say {{x}}"}, "vars": {"x": "hi"}, "response": {"output": "hi"}, "success": true},
  {"prompt": {"raw": "Say {{x}}", "display": "Say {{x}}"}, "vars": {"x": "yo"}, "response": {"output": "no"}, "success": false}],
 "stats": {"successes": 1, "failures": 1, "tokenUsage": {"total": 3}}, "table": {"head": {}, "body": []}}`
	p, err := Read(gate.Source{Slot: "pf"}, []byte(v1))
	if err != nil {
		t.Fatal(err)
	}
	l := " prompt=Say {{x}} provider="
	checkSummary(t, "v1", p, `llm.promptfoo.pass_rate = 0.5 n=2
llm.promptfoo.passes = 1 n=2
llm.promptfoo.failures = 1 n=2
llm.promptfoo.errors = 0 n=2
llm.promptfoo.unasserted = 1 n=2
llm.promptfoo.assert_passes = 0 n=2
llm.promptfoo.assert_failures = 0 n=2
llm.promptfoo.pass_rate`+l+` = 0.5 n=2
llm.promptfoo.passes`+l+` = 1 n=2
llm.promptfoo.failures`+l+` = 1 n=2
llm.promptfoo.errors`+l+` = 0 n=2
llm.promptfoo.unasserted`+l+` = 1 n=2
llm.promptfoo.assert_passes`+l+` = 0 n=2
llm.promptfoo.assert_failures`+l+` = 0 n=2
`)

	v3 := `{"evalId": "eval-1", "metadata": {"promptfooVersion": "0.100.0"}, "results": {"version": 3, "timestamp": "2025-01-01T00:00:00Z",
 "prompts": [{"raw": "Q: {{q}}", "label": "qa", "provider": "openai:gpt-4o"}],
 "results": [
  {"success": true, "score": 1, "failureReason": 0, "namedScores": {"accuracy": 1, "tone": 0.5}, "promptIdx": 0, "testIdx": 0, "provider": {"id": "openai:gpt-4o", "label": ""}, "prompt": {"raw": "Q: {{q}}", "label": "qa"},
   "gradingResult": {"pass": true, "score": 1, "componentResults": [{"pass": true, "score": 1, "assertion": {"type": "equals"}},
     {"pass": true, "score": 1, "assertion": {"type": "assert-set"}, "componentResults": [{"pass": true, "score": 1}, {"pass": true, "score": 0.8}]}]}},
  {"success": false, "score": 0.25, "failureReason": 1, "namedScores": {"accuracy": 0}, "promptIdx": 0, "testIdx": 1, "provider": {"id": "openai:gpt-4o"}, "prompt": {"raw": "Q: {{q}}", "label": "qa"},
   "gradingResult": {"pass": false, "score": 0.25, "componentResults": [{"pass": false, "score": 0}, {"pass": true, "score": 0.5}]}},
  {"success": false, "score": 0, "failureReason": 2, "error": "rate limited", "promptIdx": 0, "testIdx": 2, "provider": {"id": "openai:gpt-4o"}, "prompt": {"raw": "Q: {{q}}", "label": "qa"}, "testCase": {"assert": [{"type": "equals"}]}}],
 "stats": {"successes": 1, "failures": 1, "errors": 1, "durationMs": 10}}}`
	p, err = Read(gate.Source{Slot: "pf"}, []byte(v3))
	if err != nil {
		t.Fatal(err)
	}
	l = " prompt=qa provider=openai:gpt-4o"
	block := func(l string) string {
		return `llm.promptfoo.pass_rate` + l + ` = 0.3333333333333333 n=3
llm.promptfoo.passes` + l + ` = 1 n=3
llm.promptfoo.failures` + l + ` = 1 n=3
llm.promptfoo.errors` + l + ` = 1 n=3
llm.promptfoo.unasserted` + l + ` = 0 n=3
llm.promptfoo.assert_passes` + l + ` = 4 n=3
llm.promptfoo.assert_failures` + l + ` = 1 n=3
llm.promptfoo.score` + l + ` = 0.4166666666666667 n=3
llm.promptfoo.accuracy` + l + ` = 0.5 n=2
llm.promptfoo.tone` + l + ` = 0.5 n=1
`
	}
	checkSummary(t, "v3", p, block("")+block(l))
}

func TestReadPromptfooErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, data, want string }{
		{"stats disagree", `{"results": {"version": 3, "results": [{"success": false, "score": 0, "prompt": {"raw": "p"}}], "stats": {"successes": 1, "failures": 0}}}`,
			"$.results.stats.successes: stats say 1, but 0 of the 1 result rows count as successes"},
		{"success not bool", `{"results": {"version": 3, "results": [{"success": "yes", "prompt": {"raw": "p"}}], "stats": {"successes": 1, "failures": 0}}}`,
			"$.results.results[0].success: want success true or false, found a string"},
		{"no prompt", `{"results": {"version": 2, "results": [{"success": true}], "stats": {"successes": 1, "failures": 0}}}`,
			"result row names no prompt"},
	} {
		_, err := Read(gate.Source{Slot: "pf"}, []byte(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v; want %q", tc.name, err, tc.want)
		}
	}
	// A bare NaN score is missing, never a pass.
	p, err := Read(gate.Source{Slot: "pf"}, []byte(`{"results": {"version": 3, "results": [{"success": true, "score": NaN, "prompt": {"raw": "p"}}], "stats": {"successes": 1, "failures": 0}}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range p.Instances {
		if i.Address == "llm.promptfoo.score" && !i.Missing() {
			t.Errorf("NaN score read as %v", i.Value)
		}
	}
}

// A raw prompt with line breaks is a label on one line: no "::" workflow
// command can start a line of output.
func TestReadPromptfooLabelIsOneLine(t *testing.T) {
	t.Parallel()
	data := `{"results": {"version": 3, "results": [{"success": true, "score": 1, "prompt": {"raw": "Hi\n::error::pwned\r\nbye"}, "provider": {"id": "x\u2028y"}}], "stats": {"successes": 1, "failures": 0}}}`
	p, err := Read(gate.Source{Slot: "pf"}, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	var last gate.Instance
	for _, i := range p.Instances {
		if i.Address == "llm.promptfoo.pass_rate" && len(i.Labels) > 0 {
			last = i
		}
	}
	if got := gate.LabelString(last.Labels); got != "prompt=Hi ::error::pwned  bye provider=x y" {
		t.Errorf("labels %q", got)
	}
}

// Each row is an item of the totals, for paired comparisons: pass 1/0 and
// the row score, identified by prompt and test index, with the prompt hash.
func TestReadPromptfooItems(t *testing.T) {
	t.Parallel()
	p := readFile(t, gate.Source{Slot: "pf"}, "llm/promptfoo/simple-cli-v3-2024-10.json")
	var got []string
	for _, i := range p.Instances {
		if strings.HasPrefix(i.Address, gate.ItemsPrefix) {
			got = append(got, i.Address+" "+i.Label("doc_id")+" "+i.Label("prompt_hash")[:8]+" "+fmtv(i.Value))
		}
	}
	if len(got) != 16 || got[0] != "items:llm.promptfoo.pass_rate p0.t1 dd341503 1" || got[1] != "items:llm.promptfoo.score p0.t1 dd341503 1" ||
		got[15] != "items:llm.promptfoo.score p1.t3 68f67e94 1" {
		t.Errorf("items:\n%s", strings.Join(got, "\n"))
	}
	// Repeated rows (promptfoo --repeat) are the test's k-th repetition.
	p, err := Read(gate.Source{Slot: "pf"}, []byte(`{"results": {"version": 3, "results": [{"success": true, "promptIdx": 0, "testIdx": 0, "prompt": {"raw": "p"}}, {"success": false, "promptIdx": 0, "testIdx": 0, "prompt": {"raw": "p"}}], "stats": {"successes": 1, "failures": 1}}}`))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, i := range p.Instances {
		if i.Address == gate.ItemsPrefix+"llm.promptfoo.pass_rate" {
			ids = append(ids, i.Label("doc_id")+"="+fmtv(i.Value))
		}
	}
	if strings.Join(ids, " ") != "p0.t0=1 p0.t0#2=0" {
		t.Errorf("repeated rows: %v", ids)
	}
}
