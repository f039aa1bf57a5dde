package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelgate/modelgate/gate/gatetest"
)

// forged is registry, report and input text that tries to start workflow
// commands on its own lines.
const forged = "Failed\n::error title=FORGED::approved\r::set-output name=conclusion::success\n  ::warning::FORGED%0A::error::x"

// productCommand is the shape of every workflow command the product itself
// writes through go-githubactions: annotations on the rules file, and the
// error of an incomplete decision check run.
var productCommand = regexp.MustCompile(`^::(error|warning|notice) (col=\d+,)?file=\.github/modelgate\.yml,line=\d+,title=modelgate%3A |^::error::modelgate wrote `)

// hostileTimeout bounds every run of the matrix (the --timeout / timeout
// input given to it is 3s).
const hostileTimeout = 20 * time.Second

// TestHostileMatrix runs check and approve (CLI and action) over hostile
// registries and inputs, and asserts of every run: no panic, done within
// the timeout, an exit code of 0-3, and no output line that starts a
// workflow command the product did not write itself.
func TestHostileMatrix(t *testing.T) {
	t.Parallel()
	edits := map[string]func(t *testing.T, dir, reg string){
		"newlines and :: in every registry text": func(t *testing.T, dir, reg string) {
			editPkg(t, reg, "12", func(m map[string]any) {
				m["ModelPackageStatus"] = forged
				m["ModelPackageDescription"] = forged
				m["ApprovalDescription"] = forged
				m["CustomerMetadataProperties"] = map[string]any{"team": forged, forged: "x"}
			})
		},
		"newlines in the approval status": func(t *testing.T, dir, reg string) {
			editPkg(t, reg, "12", func(m map[string]any) { m["ModelApprovalStatus"] = "PendingManualApproval\n::error::FORGED" })
		},
		"duplicate keys in package.json": func(t *testing.T, dir, reg string) {
			p := filepath.Join(reg, "fraud-xgboost", "12", "package.json")
			b, _ := os.ReadFile(p)
			b = bytes.Replace(b, []byte(`"ModelApprovalStatus": "PendingManualApproval",`), []byte(`"ModelApprovalStatus": "Rejected", "ModelApprovalStatus": "PendingManualApproval",`), 1)
			os.WriteFile(p, b, 0o644)
			// The local registry refuses them (a bad package: exit 2).
			if code, out, errs := runCLI(t, "check", "--rules", filepath.Join(dir, ".github", "modelgate.yml"), "--candidate", "12"); code != 2 || !strings.Contains(out+errs, "duplicate key ") {
				t.Fatalf("check over a package.json with a duplicate key = %d %q; want exit 2 naming the duplicate key", code, out+errs)
			}
		},
		"a FIFO as a report": func(t *testing.T, dir, reg string) {
			p := filepath.Join(reg, "fraud-xgboost", "12", "statistics.json")
			os.Remove(p)
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Skip("no FIFOs here:", err)
			}
		},
		"a FIFO as package.json": func(t *testing.T, dir, reg string) {
			p := filepath.Join(reg, "fraud-xgboost", "12", "package.json")
			os.Remove(p)
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Skip("no FIFOs here:", err)
			}
		},
		"a huge report": func(t *testing.T, dir, reg string) {
			p := filepath.Join(reg, "fraud-xgboost", "12", "analysis_explainability.json")
			if err := os.Truncate(p, 200<<20); err != nil { // sparse: no disk used
				t.Fatal(err)
			}
		},
		"a report with :: lines": func(t *testing.T, dir, reg string) {
			setReport(t, reg, "12", "statistics.json", `{"binary_classification_metrics": {"accuracy": {"value": "`+strings.ReplaceAll(forged, "\n", `\n`)+`"}}}`)
		},
		"bad rules with :: in them": func(t *testing.T, dir, reg string) {
			os.WriteFile(filepath.Join(dir, ".github", "modelgate.yml"), []byte("version: 1\nmodel: {group: fraud-xgboost}\nrules:\n  - id: \"x\\n::error::FORGED\"\n    metric: \"quality.\\n::error::y\"\n    mn: 3\n"), 0o644)
		},
		"rules that are not YAML": func(t *testing.T, dir, reg string) {
			os.WriteFile(filepath.Join(dir, ".github", "modelgate.yml"), []byte("::error::FORGED\n\t- [\n"), 0o644)
		},
	}
	for name, edit := range edits {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runs := map[string]func(t *testing.T, rulesPath, dir string) (int, string){
				"check": func(t *testing.T, rulesPath, dir string) (int, string) {
					code, out, errs := runCLI(t, "check", "--rules", rulesPath, "--candidate", "12", "--timeout", "3s")
					return code, out + errs
				},
				"check markdown": func(t *testing.T, rulesPath, dir string) (int, string) {
					code, out, errs := runCLI(t, "check", "--rules", rulesPath, "--candidate", "12", "--timeout", "3s", "--format", "markdown")
					return code, out + errs
				},
				"approve": func(t *testing.T, rulesPath, dir string) (int, string) {
					ev := filepath.Join(dir, "evidence.json")
					os.WriteFile(ev, []byte(`{"candidate": {"arn": "arn:aws:sagemaker:eu-west-1:111122223333:model-package/fraud-xgboost/12", "arn": "x"}}`), 0o644)
					code, out, errs := runCLI(t, "approve", "--rules", rulesPath, "--candidate", "12", "--timeout", "3s", "--commit", "c1", "--no-evidence", "--actor", forged)
					code2, out2, errs2 := runCLI(t, "approve", "--rules", rulesPath, "--candidate", "12", "--timeout", "3s", "--commit", "c1", "--evidence", ev)
					if code2 != 2 {
						t.Errorf("approve with duplicate keys in the evidence: exit %d; want 2\n%s", code2, errs2)
					}
					return code, out + errs + out2 + errs2
				},
				"check with a hostile candidate": func(t *testing.T, rulesPath, dir string) (int, string) {
					code, out, errs := runCLI(t, "check", "--rules", rulesPath, "--candidate", "12\n::error::FORGED", "--timeout", "3s", "--out", filepath.Join(dir, "x\n::error::FORGED"))
					return code, out + errs
				},
				"action check with hostile inputs": func(t *testing.T, rulesPath, dir string) (int, string) {
					fake := gatetest.NewGitHub(t)
					return runHostileActionWith(t, fake, dir, "pull_request.synchronize", "pull_request", map[string]string{
						"INPUT_CANDIDATE": "12\n::error::FORGED", "INPUT_MODE": "check\n::error::FORGED", "INPUT_TIMEOUT": "::error::FORGED"})
				},
				"action check": func(t *testing.T, rulesPath, dir string) (int, string) {
					fake := gatetest.NewGitHub(t)
					fake.Forbid() // the fallback writes annotations: the product's own commands
					return runHostileAction(t, fake, dir, "pull_request.synchronize", "pull_request")
				},
				"action approve": func(t *testing.T, rulesPath, dir string) (int, string) {
					fake := gatetest.NewGitHub(t)
					fake.AddPullRequest(gatetest.PullRequest{Number: 2, HeadSHA: "ec26c3e57ca3a959ca5aad62de7213c562f8c821", HeadRef: "x", BaseRef: "master", MergeSHA: "6113728f27ae82c7b1a177c8d03f9e96e0adf246", Merged: true})
					runHostileAction(t, fake, dir, "pull_request.synchronize", "pull_request")
					return runHostileAction(t, fake, dir, "push.default-branch", "push")
				},
			}
			for rname, runIt := range runs {
				rulesPath, reg := copyRegistry(t)
				dir := filepath.Dir(filepath.Dir(rulesPath))
				edit(t, dir, reg)
				type outcome struct {
					code int
					out  string
					pan  any
				}
				done := make(chan outcome, 1)
				start := time.Now()
				go func() {
					var o outcome
					defer func() {
						o.pan = recover()
						done <- o
					}()
					o.code, o.out = runIt(t, rulesPath, dir)
				}()
				var o outcome
				select {
				case o = <-done:
				case <-time.After(hostileTimeout):
					t.Fatalf("%s: still running after %s", rname, hostileTimeout)
				}
				if o.pan != nil {
					t.Fatalf("%s: panic: %v", rname, o.pan)
				}
				if o.code < 0 || o.code > 3 {
					t.Errorf("%s: exit %d; want 0-3", rname, o.code)
				}
				for _, l := range strings.FieldsFunc(o.out, func(r rune) bool { return r == '\n' || r == '\r' }) {
					if strings.HasPrefix(strings.TrimLeft(l, " \t\v\f\u00a0\ufeff"), "::") && !productCommand.MatchString(l) {
						t.Errorf("%s: a forged workflow command reached the output: %q\n%s", rname, l, o.out)
					}
				}
				// Hostile text never approves: only the case whose reports
				// are intact (hostile descriptions and metadata) may.
				if st, _ := readPkgIfAny(reg, "12"); st == "Approved" && name != "newlines and :: in every registry text" {
					t.Errorf("%s: v12 was approved (after %s)\n%s", rname, time.Since(start), o.out)
				}
			}
		})
	}
}

func editPkg(t *testing.T, reg, v string, edit func(map[string]any)) {
	t.Helper()
	p := filepath.Join(reg, "fraud-xgboost", v, "package.json")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, _ = json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readPkgIfAny(reg, v string) (string, error) {
	p := filepath.Join(reg, "fraud-xgboost", v, "package.json")
	if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
		return "", err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return "", err
	}
	var s struct{ ModelApprovalStatus string }
	json.Unmarshal(b, &s)
	return s.ModelApprovalStatus, nil
}

// runHostileAction runs the action in the workspace dir with hostile inputs.
func runHostileAction(t *testing.T, fake *gatetest.GitHub, dir, payload, event string) (int, string) {
	return runHostileActionWith(t, fake, dir, payload, event, nil)
}

func runHostileActionWith(t *testing.T, fake *gatetest.GitHub, dir, payload, event string, inputs map[string]string) (int, string) {
	t.Helper()
	vars := map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event, "GITHUB_SHA": strings.Repeat("1", 40),
		"GITHUB_REPOSITORY": "Codertocat/Hello-World", "GITHUB_WORKSPACE": dir,
		"GITHUB_OUTPUT": filepath.Join(dir, "output"), "GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
		"GITHUB_API_URL": fake.APIURL, "INPUT_GITHUB_TOKEN": gatetest.GitHubToken,
		"INPUT_RULES": ".github/modelgate.yml", "INPUT_CANDIDATE": "12", "INPUT_TIMEOUT": "3s",
		"INPUT_CHECK_NAME": "modelgate", "INPUT_RULES_CHANGE": "warn",
		"GITHUB_EVENT_PATH": gatetest.WriteGitHubEvent(t, payload, func(m map[string]any) {
			if s, ok := m["sender"].(map[string]any); ok {
				s["login"] = forged
			}
		}),
	}
	for k, v := range inputs {
		vars[k] = v
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), nil, func(k string) string { return vars[k] }, &out, &errb)
	return code, fmt.Sprint(out.String(), errb.String())
}
