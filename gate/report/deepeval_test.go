package report

import (
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate"
)

// The real deepeval cached run: one test case, one Exact Match metric.
func TestReadDeepevalFixture(t *testing.T) {
	t.Parallel()
	p := readFile(t, gate.Source{Slot: "de"}, "llm/deepeval/exact-match-latest_test_run.json")
	if p.Format != FormatDeepeval {
		t.Fatalf("format %q", p.Format)
	}
	checkSummary(t, "fixture", p, `llm."Exact Match".score = 1 n=1
llm."Exact Match".pass_rate = 1 n=1 dir=higher
llm."Exact Match".passes = 1 n=1
llm."Exact Match".fails = 0 n=1 dir=lower
llm."Exact Match".errors = 0 n=1 dir=lower
llm.deepeval.pass_rate = 1 n=1
llm.deepeval.passed = 1 n=1
llm.deepeval.failed = 0 n=1
`)
	if got := p.Instances[0].Source; got != "de: $.testRunData.metricsScores[0].scores" {
		t.Errorf("source %q", got)
	}
}

// Bias is lower-is-better (success = score <= threshold); a GEval metric's
// direction is read from its cases; a bare NaN score is missing.
func TestReadDeepevalVariants(t *testing.T) {
	t.Parallel()
	data := `{"testRunData": {"testCases": [
  {"name": "a", "success": false, "metricsData": [{"name": "Bias", "threshold": 0.5, "success": false, "score": 0.7, "evaluationModel": "gpt-4o"},
     {"name": "Tone [GEval]", "threshold": 0.5, "success": true, "score": 0.9}]},
  {"name": "b", "success": true, "metricsData": [{"name": "Bias", "threshold": 0.5, "success": true, "score": 0.1}, {"name": "Tone [GEval]", "threshold": 0.5, "success": true, "score": 0.6}]}],
 "conversationalTestCases": [],
 "metricsScores": [{"metric": "Bias", "scores": [0.7, 0.1], "passes": 1, "fails": 1, "errors": 0},
   {"metric": "Tone [GEval]", "scores": [0.9, 0.6], "passes": 2, "fails": 0, "errors": 0},
   {"metric": "Faithfulness", "scores": [NaN], "passes": 0, "fails": 0, "errors": 1}],
 "testPassed": 1, "testFailed": 1, "evaluationCost": 0.01}}`
	p, err := Read(gate.Source{Slot: "de"}, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	checkSummary(t, "variants", p, `llm.Bias.score = 0.39999999999999997 n=2 dir=lower
llm.Bias.pass_rate = 0.5 n=2 dir=higher
llm.Bias.passes = 1 n=2
llm.Bias.fails = 1 n=2 dir=lower
llm.Bias.errors = 0 n=2 dir=lower
llm."Tone [GEval]".score = 0.75 n=2 dir=higher
llm."Tone [GEval]".pass_rate = 1 n=2 dir=higher
llm."Tone [GEval]".passes = 2 n=2
llm."Tone [GEval]".fails = 0 n=2 dir=lower
llm."Tone [GEval]".errors = 0 n=2 dir=lower
llm.Faithfulness.score missing: score 0: value is a bare NaN token (Python json.dumps of a NaN), not a number n=1
llm.Faithfulness.pass_rate = 0 n=1 dir=higher
llm.Faithfulness.passes = 0 n=1
llm.Faithfulness.fails = 0 n=1 dir=lower
llm.Faithfulness.errors = 1 n=1 dir=lower
llm.deepeval.pass_rate = 0.5 n=2
llm.deepeval.passed = 1 n=2
llm.deepeval.failed = 1 n=2
`)
}

// A file with only a link to a hosted run has no results: an error that
// says so, never a pass.
func TestReadDeepevalLinkOnly(t *testing.T) {
	t.Parallel()
	_, err := Read(gate.Source{Slot: "de", URI: "s3://b/.latest_test_run.json"}, []byte(`{"testRunLink": "https://app.confident-ai.com/project/x/evaluation/test-runs/y"}`))
	want := "report de (s3://b/.latest_test_run.json): $.testRunLink: deepeval wrote only a link to a test run hosted on Confident AI (https://app.confident-ai.com/project/x/evaluation/test-runs/y), no results: the results are missing"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %v\nwant prefix %s", err, want)
	}
}

// Shapes that are not results fail closed with a message; a forced format
// that the content does not have says what it is.
func TestReadDeepevalErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, format, data, want string }{
		{"empty run", "", `{"testRunData": {}}`, "$.testRunData.metricsScores: want the list of metric scores, found nothing"},
		{"scores not a list", "", `{"testRunData": {"metricsScores": [{"metric": "Bias", "scores": 0.5, "passes": 1, "fails": 0, "errors": 0}]}}`, "$.testRunData.metricsScores[0].scores: want the list of scores, found a number"},
		{"bad count", "", `{"testRunData": {"metricsScores": [{"metric": "Bias", "scores": [], "passes": -1, "fails": 0, "errors": 0}]}}`, "$.testRunData.metricsScores[0].passes: want a count"},
		{"forced on lm-eval", FormatDeepeval, `{"results": {"t": {"acc": 1}}, "versions": {"t": 0}}`, "this is an lm-evaluation-harness results file, not a deepeval test run"},
		{"forced promptfoo on deepeval", FormatPromptfoo, `{"testRunLink": "https://x"}`, "this is a deepeval test run, not a promptfoo results file"},
	} {
		_, err := Read(gate.Source{Slot: "de", Format: tc.format}, []byte(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v; want %q", tc.name, err, tc.want)
		}
	}
}
