package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/gatetest"
)

const cliPolicyRef = "0123456789abcdef0123456789abcdef01234567"

// extendingFraud copies the fraud example into a temp folder, its rules
// file extending entry (an `extends:` block), and returns the rules path.
func extendingFraud(t *testing.T, entry string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../examples/fraud")); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, ".github", "modelgate.yml")
	b, _ := os.ReadFile(p)
	s := strings.Replace(string(b), "version: 1\n", "version: 1\n"+entry, 1)
	if s == string(b) {
		t.Fatal("no version line")
	}
	os.WriteFile(p, []byte(s), 0o644)
	return p
}

func cliPolicy(min string) []byte {
	return []byte("version: 1\npolicy:\n  name: acme-ml-risk\nrules:\n  - id: org-accuracy\n    metric: quality.accuracy\n    min: " + min + "\n")
}

// The CLI reads a base of another repository with GITHUB_TOKEN (and
// GITHUB_API_URL); without a token the base is refused, exit 2, saying
// what to set.
func TestCLICheckGitHubBase(t *testing.T) {
	t.Parallel()
	fake := gatetest.NewGitHub(t)
	fake.AddFile(cliPolicyRef, "risk.yml", cliPolicy("0.999"))
	rulesPath := extendingFraud(t, "extends:\n  repo: acme/ml-policies\n  ref: "+cliPolicyRef+"\n  path: risk.yml\n")

	code, out, errs := runCLI(t, "check", "--rules", rulesPath, "--candidate", "12")
	if code != gate.ExitUsage || !strings.Contains(errs, "needs a GitHub token") || !strings.Contains(errs, "set GITHUB_TOKEN") {
		t.Errorf("no token: exit %d; want 2 saying to set GITHUB_TOKEN\n%s%s", code, out, errs)
	}

	env := map[string]string{"GITHUB_TOKEN": gatetest.GitHubToken, "GITHUB_API_URL": fake.APIURL}
	var o, e bytes.Buffer
	code = run(context.Background(), []string{"check", "--rules", rulesPath, "--candidate", "12", "--format", "json"},
		func(k string) string { return env[k] }, &o, &e)
	if code != gate.ExitFail {
		t.Fatalf("with a token: exit %d; want 1 (org-accuracy min 0.999)\n%s%s", code, &o, &e)
	}
	var res gate.Result
	if err := json.Unmarshal(o.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.PolicySHA256 == "" || res.PolicySHA256 == res.RulesSHA256 || len(res.Policies) != 2 || res.Policies[1].Name != "acme/ml-policies@"+cliPolicyRef+":risk.yml" {
		t.Errorf("result policy %q %+v; want the rules file and the base", res.PolicySHA256, res.Policies)
	}
	failed := false
	for _, f := range res.Findings {
		failed = failed || f.Rule == "org-accuracy" && f.Verdict == gate.Fail
	}
	if !failed {
		t.Errorf("org-accuracy was not judged a failure: %s", &o)
	}
}

// A base of the rules file's own repository is read from its folder (the
// parent of .github): one that does not exist is exit 2 at the entry.
func TestCLICheckRepoBase(t *testing.T) {
	t.Parallel()
	rulesPath := extendingFraud(t, "extends:\n  path: policies/risk.yml\n")
	code, out, errs := runCLI(t, "check", "--rules", rulesPath, "--candidate", "12")
	if code != gate.ExitUsage || !strings.Contains(errs, "policies/risk.yml does not exist") || !strings.Contains(errs, "modelgate.yml:6:3: base policy") {
		t.Errorf("missing base: exit %d; want 2 at the extends entry\n%s%s", code, out, errs)
	}
	root := filepath.Dir(filepath.Dir(rulesPath))
	os.MkdirAll(filepath.Join(root, "policies"), 0o755)
	os.WriteFile(filepath.Join(root, "policies", "risk.yml"), cliPolicy("0.5"), 0o644)
	if code, out, errs := runCLI(t, "check", "--rules", rulesPath, "--candidate", "12"); code != gate.ExitPass || !strings.Contains(out, "org-accuracy") {
		t.Errorf("base present: exit %d; want 0 with org-accuracy judged\n%s%s", code, out, errs)
	}
	// A base policy as the rules file is an input error.
	code, out, errs = runCLI(t, "check", "--rules", filepath.Join(root, "policies", "risk.yml"))
	if code != gate.ExitUsage || !strings.Contains(errs, "a base policy judges no model") {
		t.Errorf("base policy as the rules file: exit %d\n%s%s", code, out, errs)
	}
}
