// Package readmetest tests the repository README: every fenced YAML block
// that is a GitHub Actions workflow passes actionlint, and every shell block
// marked as a command runs against the examples with the exit code the
// README states.
//
// A command block is a ```sh fence on the line right after the marker
//
//	<!-- run: exit=N -->
//
// Its lines run one by one under bash, in a scratch copy of examples/ that
// is a git repository (so that `git rev-parse HEAD` and registry writes
// touch nothing in the checkout), with `go run ./cmd/modelgate` replaced by
// a binary built once; the last line's exit code must be N and every
// earlier line must exit 0.
package readmetest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const readmePath = "../../README.md"

// block is one fenced code block of the README.
type block struct {
	lang   string
	line   int // line of the opening fence, 1-based
	text   string
	marker string // the <!-- ... --> line right before the fence, if any
}

func fences(t *testing.T, src []byte) []block {
	t.Helper()
	var out []block
	var cur *block
	var body strings.Builder
	prev := ""
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &block{lang: strings.TrimSpace(strings.TrimPrefix(line, "```")), line: n}
			if strings.HasPrefix(prev, "<!--") {
				cur.marker = prev
			}
			body.Reset()
		case cur != nil && strings.TrimSpace(line) == "```":
			cur.text = body.String()
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			body.WriteString(line + "\n")
		}
		prev = line
	}
	if cur != nil {
		t.Fatalf("README.md:%d: fence never closed", cur.line)
	}
	return out
}

func readme(t *testing.T) []block {
	t.Helper()
	src, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	return fences(t, src)
}

// isWorkflow reports whether a YAML block is a workflow: a mapping with
// a jobs key. A block that does not parse as YAML counts as one when it
// mentions jobs:, so that broken YAML is linted (and fails) too.
func isWorkflow(text string) bool {
	var m map[string]any
	if err := yaml.Unmarshal([]byte(text), &m); err != nil {
		return regexp.MustCompile(`(?m)^jobs:`).MatchString(text)
	}
	_, ok := m["jobs"]
	return ok
}

// actionlintPath finds actionlint; without it the test skips, except in CI
// (CI=true), where it fails.
func actionlintPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ACTIONLINT"); p != "" {
		return p
	}
	p, err := exec.LookPath("actionlint")
	if err == nil {
		return p
	}
	msg := "actionlint is not on PATH (go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12, or set ACTIONLINT)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; CI=true, so the README workflows must be linted")
	}
	t.Skip(msg)
	return ""
}

// lint runs actionlint on one workflow, named name in its messages.
func lint(bin, name, text string) (string, error) {
	cmd := exec.Command(bin, "-no-color", "-stdin-filename", name, "-")
	cmd.Stdin = strings.NewReader(text)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestReadmeWorkflowsPassActionlint(t *testing.T) {
	bin := actionlintPath(t)
	n := 0
	for _, b := range readme(t) {
		if b.lang != "yaml" && b.lang != "yml" || !isWorkflow(b.text) {
			continue
		}
		n++
		name := fmt.Sprintf("README.md:%d", b.line)
		if out, err := lint(bin, name, b.text); err != nil {
			t.Errorf("actionlint on the workflow at %s (lines count from the fence): %v\n%s", name, err, out)
		}
	}
	if n < 3 {
		t.Errorf("found %d workflow blocks in README.md; want the workflow, the OIDC and the SARIF examples at least", n)
	}
}

var usesRE = regexp.MustCompile(`(?m)^\s*(?:-\s+)?uses:\s*(\S+)`)
var pinnedRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$`)

// TestReadmeWorkflowsPinActions: readers copy these workflows, so every
// third-party action in them is pinned by commit SHA; modelgate itself is
// shown by its major tag, with the advice to pin it.
func TestReadmeWorkflowsPinActions(t *testing.T) {
	for _, b := range readme(t) {
		if b.lang != "yaml" || !isWorkflow(b.text) {
			continue
		}
		for _, m := range usesRE.FindAllStringSubmatch(b.text, -1) {
			if u := m[1]; u != "modelgate/modelgate@v1" && !pinnedRE.MatchString(u) {
				t.Errorf("README.md:%d: uses: %s is not pinned by commit SHA", b.line, u)
			}
		}
	}
}

// TestActionlintCatchesTheOldExample proves the lint runs: the README's
// former last step is not valid YAML.
func TestActionlintCatchesTheOldExample(t *testing.T) {
	bin := actionlintPath(t)
	bad := `name: x
on: pull_request
jobs:
  gate:
    runs-on: ubuntu-latest
    steps:
      - id: gate
        uses: modelgate/modelgate@v1
      - if: always()
        run: echo "${{ steps.gate.outputs.conclusion }}: ${{ steps.gate.outputs.failed }} rules failed"
`
	if !isWorkflow(bad) {
		t.Fatal("the broken block is not recognised as a workflow")
	}
	out, err := lint(bin, "bad.yml", bad)
	if err == nil || !strings.Contains(out, "could not parse as YAML") {
		t.Errorf("actionlint on the old example: err %v, output %q; want a YAML parse error", err, out)
	}
}

var runMarker = regexp.MustCompile(`^<!-- run: exit=(\d+) -->$`)

// scratch makes a git repository holding a copy of examples/.
func scratch(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cp := exec.Command("cp", "-R", "../../examples", dir)
	if out, err := cp.CombinedOutput(); err != nil {
		t.Fatalf("copy examples: %v\n%s", err, out)
	}
	for _, args := range [][]string{
		{"init", "-q"},
		{"add", "-A"},
		{"-c", "user.name=readme", "-c", "user.email=readme@example.invalid", "commit", "-qm", "examples"},
	} {
		g := exec.Command("git", args...)
		g.Dir = dir
		if out, err := g.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	return dir
}

func TestReadmeCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the README's commands")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not on PATH")
	}
	var cmds []block
	for _, b := range readme(t) {
		if runMarker.MatchString(b.marker) {
			if b.lang != "sh" {
				t.Errorf("README.md:%d: a run marker on a %q block; want sh", b.line, b.lang)
			}
			cmds = append(cmds, b)
		}
	}
	if len(cmds) < 2 {
		t.Fatalf("%d marked command blocks in README.md; want at least 2", len(cmds))
	}
	bin := filepath.Join(t.TempDir(), "modelgate")
	build := exec.Command("go", "build", "-o", bin, "./cmd/modelgate")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, b := range cmds {
		want, _ := strconv.Atoi(runMarker.FindStringSubmatch(b.marker)[1])
		dir := scratch(t)
		lines := strings.Split(strings.TrimSpace(b.text), "\n")
		for i, line := range lines {
			line = strings.ReplaceAll(line, "go run ./cmd/modelgate", bin)
			sh := exec.Command("bash", "-c", line)
			sh.Dir = dir
			sh.Env = append(os.Environ(), "GITHUB_ACTIONS=", "NO_COLOR=1")
			out, err := sh.CombinedOutput()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatalf("README.md:%d: %v", b.line+1+i, err)
			}
			wantHere := 0
			if i == len(lines)-1 {
				wantHere = want
			}
			if code != wantHere {
				t.Errorf("README.md:%d: %s\nexit %d; want %d\n%s", b.line+1+i, lines[i], code, wantHere, out)
			}
		}
	}
}

func TestFencesAndMarkers(t *testing.T) {
	src := "text\n<!-- run: exit=1 -->\n```sh\nfalse\n```\n\n```yaml\njobs: {}\n```\n"
	got := fences(t, []byte(src))
	if len(got) != 2 {
		t.Fatalf("%d blocks; want 2", len(got))
	}
	if got[0].lang != "sh" || got[0].line != 3 || got[0].text != "false\n" || !runMarker.MatchString(got[0].marker) {
		t.Errorf("first block %+v", got[0])
	}
	if got[1].marker != "" || !isWorkflow(got[1].text) {
		t.Errorf("second block %+v: want no marker and a workflow", got[1])
	}
	if isWorkflow("rules:\n  - id: x\n") {
		t.Error("a rules file counts as a workflow")
	}
}
