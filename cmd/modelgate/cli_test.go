package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate/gatetest"

	"github.com/modelgate/modelgate/gate"
)

var update = flag.Bool("update", false, "rewrite golden files")

func noenv(string) string { return "" }

// runCLI runs the command line and returns the exit code and outputs.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, noenv, &out, &errb)
	return code, out.String(), errb.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "cli", name)
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (run with -update to accept):\n%s", name, got)
	}
}

const (
	fraudRules    = "../../examples/fraud/.github/modelgate.yml"
	endpointRules = "../../examples/fraud/.github/endpoint.yml"
)

func TestCheckExampleGolden(t *testing.T) {
	t.Parallel()
	code, out, errs := runCLI(t, "check", "--rules", fraudRules)
	if code != gate.ExitFail {
		t.Fatalf("check (failing v13) = exit %d; want 1\n%s%s", code, out, errs)
	}
	golden(t, "fraud-v13.txt", out)

	code, out, _ = runCLI(t, "check", "--rules", fraudRules, "--candidate", "12", "--format", "json")
	if code != gate.ExitPass {
		t.Fatalf("check (v12) = exit %d; want 0", code)
	}
	var res gate.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("--format json is not a Result: %v", err)
	}
	if res.Version != "dev" {
		t.Errorf("json result version = %q; want dev (a test binary has no build info)", res.Version)
	}
	if res.Schema != 1 || res.Conclusion != gate.Neutral || res.Candidate.Version != 12 || res.Baseline.Version != 11 || len(res.Findings) == 0 {
		t.Errorf("json result = schema %d %s v%d vs v%d, %d findings", res.Schema, res.Conclusion, res.Candidate.Version, res.Baseline.Version, len(res.Findings))
	}
	// --fail-on warning turns the neutral v12 into a failure.
	if code, _, _ := runCLI(t, "check", "--rules", fraudRules, "--candidate", "12", "--fail-on", "warning"); code != gate.ExitFail {
		t.Errorf("check --fail-on warning = exit %d; want 1", code)
	}
}

func TestCheckWritesResultFile(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "sub", "result.json")
	code, stdout, _ := runCLI(t, "check", "--rules", fraudRules, "--candidate", "12", "--format", "markdown", "--out", out)
	if code != 0 || !strings.Contains(stdout, "|") {
		t.Fatalf("check --format markdown = %d:\n%s", code, stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var res gate.Result
	if err := json.Unmarshal(b, &res); err != nil || res.Candidate.Version != 12 {
		t.Errorf("--out file: %v %+v", err, res.Candidate)
	}
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yml")
	os.WriteFile(bad, []byte("version: 1\nmodel: {group: g}\nrules:\n  - id: a\n    metric: quality.auc\n    mn: 0.8\n"), 0o644)
	noRegistry := filepath.Join(dir, "noreg.yml") // the example's rules, whose ../registry is not there
	if b, err := os.ReadFile(fraudRules); err == nil {
		os.WriteFile(noRegistry, b, 0o644)
	}
	tests := []struct {
		name string
		args []string
		code int
		out  string // substring of stdout+stderr
	}{
		{"no command", nil, 2, "usage: modelgate"},
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"bad format", []string{"check", "--rules", fraudRules, "--format", "xml"}, 2, `--format "xml": want one of json, junit, markdown, sarif, text`},
		{"sarif", []string{"check", "--rules", fraudRules, "--format", "sarif"}, 1, `"ruleId": "accuracy-floor"`},
		{"junit", []string{"check", "--rules", fraudRules, "--format", "junit"}, 1, `<failure message="accuracy-floor quality.accuracy: FAIL (blocking)`},
		{"bad rules", []string{"check", "--rules", bad}, 2, "bad.yml:6:5: unknown key `mn` in rule; did you mean `min`?"},
		{"missing rules file", []string{"check", "--rules", filepath.Join(dir, "nope.yml")}, 2, "nope.yml"},
		{"missing registry", []string{"check", "--rules", fraudRules, "--registry", filepath.Join(dir, "none")}, 2, "open local registry"},
		{"no such candidate", []string{"check", "--rules", fraudRules, "--candidate", "99"}, 2, "version 99 of group fraud-xgboost: no matching model package; the group has versions 11, 12, 13"},
		{"out is a folder", []string{"check", "--rules", fraudRules, "--out", dir}, 2, "not a regular file"},
		{"out under a file", []string{"check", "--rules", fraudRules, "--out", bad + "/x.json"}, 2, "bad.yml is not a folder"},
		{"bad timeout", []string{"check", "--rules", fraudRules, "--timeout", "-1s"}, 2, "--timeout -1s: want a positive duration"},
		{"rules registry.path missing", []string{"check", "--rules", noRegistry}, 2, "noreg.yml:12:9: `registry.path` ../registry: no such folder"},
		{"validate ok", []string{"validate", fraudRules}, 0, "ok (14 rules)"},
		{"validate bad", []string{"validate", bad}, 2, "did you mean `min`?"},
		{"schema", []string{"schema"}, 0, `"$schema"`},
		{"version", []string{"version"}, 0, "modelgate dev"},
		{"approve needs evidence", []string{"approve", "--rules", fraudRules, "--commit", "c1"}, 2, "--evidence FILE (the JSON result of the pull request's check) is required"},
		{"approve needs a commit", []string{"approve", "--rules", fraudRules, "--no-evidence"}, 2, "--commit is required"},
		{"diff needs two files", []string{"diff", fraudRules}, 2, "usage: modelgate diff"},
		{"endpoint passes", []string{"endpoint", "check", "--rules", endpointRules, "--endpoint", "fraud-prod"}, 0, "SUCCESS: all 9 rules passed"},
		{"endpoint fails", []string{"endpoint", "check", "--rules", endpointRules, "--endpoint", "fraud-canary"}, 1, "sampling 5% is below the minimum 20%"},
		{"endpoint default name", []string{"endpoint", "check", "--rules", endpointRules, "--format", "json"}, 0, `"live endpoint fraud-prod (arn:`},
		{"endpoint proposed", []string{"endpoint", "check", "--rules", endpointRules, "--proposed"}, 0, "proposed endpoint fraud-prod"},
		{"endpoint folded into check", []string{"check", "--rules", endpointRules}, 0, "SUCCESS: all 10 rules passed"},
		{"endpoint missing", []string{"endpoint", "check", "--rules", endpointRules, "--endpoint", "nope"}, 2, "endpoint not found"},
		{"endpoint section missing", []string{"endpoint", "check", "--rules", fraudRules}, 2, "has no endpoint section"},
		{"endpoint without check", []string{"endpoint"}, 2, "usage: modelgate endpoint check"},
		{"diff same file", []string{"diff", fraudRules, fraudRules}, 0, "no rule changes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, out, errs := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(out+errs, tc.out) {
				t.Errorf("modelgate %q = exit %d\n%s%s\nwant exit %d and %q", tc.args, code, out, errs, tc.code, tc.out)
			}
		})
	}
}

func TestDiffLoosening(t *testing.T) {
	t.Parallel()
	base, _ := os.ReadFile(fraudRules)
	head := strings.Replace(string(base), "    min: 0.8\n", "    min: 0.7\n", 1)
	head = strings.Replace(head, "    max: 0.2\n", "    max: 0.2\n    waiver: {reason: known issue, owner: \"@ml\", expires: 2099-01-01}\n", 1)
	dir := t.TempDir()
	b, h := filepath.Join(dir, "base.yml"), filepath.Join(dir, "head.yml")
	os.WriteFile(b, base, 0o644)
	os.WriteFile(h, []byte(head), 0o644)
	code, out, errs := runCLI(t, "diff", "--fail-on-loosen", b, h)
	if code != gate.ExitFail {
		t.Errorf("diff --fail-on-loosen = %d; want 1\n%s%s", code, out, errs)
	}
	for _, want := range []string{"accuracy-floor", "0.8", "0.7", "false-positive-rate", "waiver"} {
		if !strings.Contains(out, want) {
			t.Errorf("diff output lacks %q:\n%s", want, out)
		}
	}
}

// copyRegistry copies the example registry into a temp dir with its rules
// file, so approval can write to it.
func copyRegistry(t *testing.T) (rulesPath, regDir string) {
	return gatetest.CopyModelRepo(t, "../../examples/fraud")
}

type pkgState = gatetest.LocalPackage

func readPkg(t *testing.T, reg, v string) (pkgState, []byte) {
	return gatetest.ReadLocalPackage(t, reg, "fraud-xgboost", v)
}

func setReport(t *testing.T, reg, v, name, content string) {
	gatetest.SetLocalReport(t, reg, "fraud-xgboost", v, name, content)
}

func setStatus(t *testing.T, reg, v, status string, meta map[string]string) {
	gatetest.SetLocalStatus(t, reg, "fraud-xgboost", v, status, meta)
}

// TestApproveMatrix drives check (the PR) then approve (the merge) on a
// writable copy of the example registry and asserts the registry state
// afterwards. Zero false approvals.
func TestApproveMatrix(t *testing.T) {
	t.Parallel()
	type tc struct {
		name     string
		checkArg []string // the PR's check
		between  func(t *testing.T, reg string)
		approve  []string // extra approve args
		code     int
		v        string // the package whose state is asserted
		status   string
		says     string // stderr substring
	}
	stats12 := `{"binary_classification_metrics": {"accuracy": {"value": 0.99, "standard_deviation": 0.001}}}`
	tests := []tc{
		{name: "passing candidate is approved", checkArg: []string{"--candidate", "12"}, approve: []string{"--candidate", "12"},
			code: 0, v: "12", status: gate.StatusApproved, says: "Approved fraud-xgboost v12"},
		{name: "report bytes changed after the check", checkArg: []string{"--candidate", "12"}, approve: []string{"--candidate", "12"},
			between: func(t *testing.T, reg string) {
				b, _ := os.ReadFile(filepath.Join(reg, "fraud-xgboost/12/statistics.json"))
				setReport(t, reg, "12", "statistics.json", strings.Replace(string(b), "0.926", "0.927", 1))
			},
			code: 1, v: "12", status: gate.StatusPending, says: "report quality changed since the pull request's check"},
		{name: "package swapped between PR and merge", checkArg: []string{"--candidate", "12"}, approve: nil,
			code: 1, v: "13", status: gate.StatusPending, says: "judged arn:aws:sagemaker:eu-west-1:111122223333:model-package/fraud-xgboost/12, but the candidate now is"},
		{name: "rejected by hand meanwhile", checkArg: []string{"--candidate", "12"}, approve: []string{"--candidate", "12"},
			between: func(t *testing.T, reg string) { setStatus(t, reg, "12", gate.StatusRejected, nil) },
			code:    1, v: "12", status: gate.StatusRejected, says: "a rejection is never overwritten without override"},
		{name: "rejected by hand, override", checkArg: []string{"--candidate", "12"}, approve: []string{"--candidate", "12", "--override"},
			between: func(t *testing.T, reg string) { setStatus(t, reg, "12", gate.StatusRejected, nil) },
			code:    0, v: "12", status: gate.StatusApproved, says: "Approved"},
		{name: "approved by someone else", checkArg: []string{"--candidate", "12"}, approve: []string{"--candidate", "12"},
			between: func(t *testing.T, reg string) { setStatus(t, reg, "12", gate.StatusApproved, nil) },
			code:    1, v: "12", status: gate.StatusApproved, says: "already Approved (not by modelgate)"},
		{name: "failing candidate left pending", checkArg: nil, approve: nil,
			code: 1, v: "13", status: gate.StatusPending, says: "the pull request's modelgate check failed"},
		{name: "failing candidate rejected with on-fail reject", checkArg: nil, approve: []string{"--on-fail", "reject"},
			code: 1, v: "13", status: gate.StatusRejected, says: "Rejected fraud-xgboost v13"},
		{name: "metrics changed to failing after a passing check", checkArg: []string{"--candidate", "12"}, approve: []string{"--candidate", "12", "--on-fail", "reject"},
			between: func(t *testing.T, reg string) { setReport(t, reg, "12", "statistics.json", stats12) },
			code:    1, v: "12", status: gate.StatusPending, says: "report quality changed"},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rules, reg := copyRegistry(t)
			ev := filepath.Join(t.TempDir(), "pr.json")
			args := append([]string{"check", "--rules", rules, "--out", ev, "--format", "json"}, c.checkArg...)
			runCLI(t, args...)
			if c.between != nil {
				c.between(t, reg)
			}
			args = append([]string{"approve", "--rules", rules, "--evidence", ev, "--commit", "c0ffee", "--pr", "7", "--actor", "octocat", "--format", "json"}, c.approve...)
			code, _, errs := runCLI(t, args...)
			st, _ := readPkg(t, reg, c.v)
			if code != c.code || st.ModelApprovalStatus != c.status || !strings.Contains(errs, c.says) {
				t.Errorf("approve = exit %d, v%s %s\n%s\nwant exit %d, %s, %q", code, c.v, st.ModelApprovalStatus, errs, c.code, c.status, c.says)
			}
			if c.status == gate.StatusApproved && code == 0 {
				if st.CustomerMetadataProperties["modelgate:commit"] != "c0ffee" || st.CustomerMetadataProperties["modelgate:pr"] != "7" ||
					st.CustomerMetadataProperties["modelgate:approved-by"] != "octocat" || st.CustomerMetadataProperties["modelgate:version"] != "dev" || !strings.Contains(st.ApprovalDescription, "commit c0ffee, PR #7") {
					t.Errorf("audit record = %+v", st)
				}
			}
		})
	}
}

func TestApproveIsIdempotentAndFailsClosed(t *testing.T) {
	t.Parallel()
	rules, reg := copyRegistry(t)
	ev := filepath.Join(t.TempDir(), "pr.json")
	runCLI(t, "check", "--rules", rules, "--candidate", "12", "--out", ev)
	args := []string{"approve", "--rules", rules, "--candidate", "12", "--evidence", ev, "--commit", "c1", "--format", "json"}
	if code, _, errs := runCLI(t, args...); code != 0 {
		t.Fatalf("first approve = %d: %s", code, errs)
	}
	_, first := readPkg(t, reg, "12")
	code, _, errs := runCLI(t, args...)
	_, second := readPkg(t, reg, "12")
	if code != 0 || !strings.Contains(errs, "Already approved") || !bytes.Equal(first, second) {
		t.Errorf("second approve = %d %q; file changed: %v", code, errs, !bytes.Equal(first, second))
	}
	// A report whose bytes no longer match the registry's digest is bad
	// input: error verdicts (exit 1), and nothing is written.
	os.WriteFile(filepath.Join(reg, "fraud-xgboost/13/statistics.json"), []byte(`{}`), 0o644)
	_, before := readPkg(t, reg, "13")
	code, _, errs = runCLI(t, "approve", "--rules", rules, "--commit", "c2", "--no-evidence", "--format", "json")
	_, after := readPkg(t, reg, "13")
	if code != gate.ExitFail || !strings.Contains(errs, "nothing written") || !bytes.Equal(before, after) {
		t.Errorf("approve over a tampered report = %d %q", code, errs)
	}
	if !regexp.MustCompile(`content digest mismatch`).MatchString(errs) {
		t.Errorf("error does not say digest mismatch: %q", errs)
	}
}

// The LLM example fails on the toxicity category over its limit (naming
// it) and on the output that reproduces the protected corpus.
func TestCheckLLMExample(t *testing.T) {
	t.Parallel()
	code, out, errs := runCLI(t, "check", "--rules", "../../examples/llm-assistant/.github/modelgate.yml", "--format", "json")
	if code != gate.ExitFail {
		t.Fatalf("exit %d; want 1\n%s", code, errs)
	}
	var res gate.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	var failing []string
	for _, f := range res.Findings {
		if f.Blocking {
			failing = append(failing, f.Rule+" "+gate.LabelString(f.Labels))
		}
	}
	want := []string{
		"toxicity category=religion dataset=real_toxicity_prompts_challenging",
		"identity-attack category=religion dataset=real_toxicity_prompts_challenging",
		"toxicity-no-rise category=religion dataset=real_toxicity_prompts_challenging",
		"no-verbatim-reproduction ",
	}
	if strings.Join(failing, "|") != strings.Join(want, "|") {
		t.Errorf("blocking findings = %q; want %q", failing, want)
	}
	var d struct {
		Verbatim  int `json:"verbatim"`
		MaxSpan   int `json:"max_span"`
		Offenders []struct {
			Record   int    `json:"record"`
			Excerpt  string `json:"excerpt"`
			Document string `json:"document"`
		} `json:"offenders"`
	}
	if err := json.Unmarshal(res.Details["memorization"], &d); err != nil {
		t.Fatal(err)
	}
	if d.Verbatim != 1 || d.MaxSpan != 35 || len(d.Offenders) != 1 || d.Offenders[0].Record != 1 ||
		d.Offenders[0].Document != "corpus/field-guide-ch1.txt" || len([]rune(d.Offenders[0].Excerpt)) > 80 {
		t.Errorf("memorization details = %+v", d)
	}
}

// The README's quickstart shows the output of its first command byte for
// byte: the golden file of TestCheckExampleGolden.
func TestReadmeQuickstartOutput(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const lead = "so the first command exits **1** and prints:\n\n```\n"
	_, rest, ok := strings.Cut(string(readme), lead)
	shown, _, ok2 := strings.Cut(rest, "```\n")
	if !ok || !ok2 {
		t.Fatalf("README.md has no quickstart output block after %q", lead)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "cli", "fraud-v13.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if shown != string(want) {
		t.Errorf("the README quickstart output differs from testdata/cli/fraud-v13.txt:\n%s", shown)
	}
	for i, ln := range strings.Split(shown, "\n") {
		if n := len([]rune(ln)); n > 120 {
			t.Errorf("quickstart line %d is %d columns wide; want at most 120", i+1, n)
		}
	}
}
