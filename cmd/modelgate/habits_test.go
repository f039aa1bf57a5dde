package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate"
)

// -h on every command prints that command's usage on stdout and does
// nothing else: no action run, no schema, no registry write.
func TestHelpOnEveryCommand(t *testing.T) {
	t.Parallel()
	rulesPath, reg := copyRegistry(t)
	_, before := readPkg(t, reg, "12")
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push"}
	for _, args := range [][]string{
		{"check", "-h"}, {"validate", "-h"}, {"approve", "--rules", rulesPath, "--candidate", "12", "--no-evidence", "--commit", "c1", "-h"},
		{"diff", "-h"}, {"endpoint", "check", "-h"}, {"endpoint", "-h"}, {"verify", "--help"}, {"schema", "-h"},
		{"version", "-h"}, {"action", "-h"}, {"help", "check"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errb)
		name := args[0]
		if name == "help" {
			name = args[1]
		}
		if code != 0 || !strings.HasPrefix(out.String(), "usage: modelgate "+name) || errb.Len() != 0 {
			t.Errorf("modelgate %q = exit %d\nstdout: %s\nstderr: %s\nwant exit 0 and the usage of %s on stdout only", args, code, &out, &errb, name)
		}
		if strings.Contains(out.String(), `"$schema"`) || strings.Contains(out.String(), "modelgate dev") {
			t.Errorf("modelgate %q did its work as well as printing the usage:\n%s", args, &out)
		}
	}
	if _, after := readPkg(t, reg, "12"); !bytes.Equal(before, after) {
		t.Error("approve -h wrote the registry")
	}
	// The flags are listed, with their defaults.
	if _, out, _ := runCLI(t, "check", "-h"); !strings.Contains(out, "-format string") || !strings.Contains(out, "junit") {
		t.Errorf("check -h does not list --format and its values:\n%s", out)
	}
}

func TestDidYouMean(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"chek": "check", "aprove": "approve", "valdiate": "validate", "verfy": "verify", "endpiont": "endpoint"} {
		code, _, errs := runCLI(t, in)
		if code != gate.ExitUsage || !strings.Contains(errs, `unknown command "`+in+`"; did you mean "`+want+`"?`) {
			t.Errorf("modelgate %s = exit %d %q; want 2 and did you mean %q", in, code, errs, want)
		}
	}
	if code, _, errs := runCLI(t, "check", "--candiate", "12"); code != gate.ExitUsage || !strings.Contains(errs, "did you mean --candidate?") {
		t.Errorf("check --candiate = %d %q; want 2 and did you mean --candidate", code, errs)
	}
	if _, _, errs := runCLI(t, "frobnicate"); strings.Contains(errs, "did you mean") {
		t.Errorf("a word close to no command got a suggestion: %q", errs)
	}
}

// Flags are accepted after (and between) positional arguments; "--" ends them.
func TestFlagsAfterArguments(t *testing.T) {
	t.Parallel()
	base, _ := os.ReadFile(fraudRules)
	dir := t.TempDir()
	b, h := filepath.Join(dir, "base.yml"), filepath.Join(dir, "head.yml")
	os.WriteFile(b, base, 0o644)
	os.WriteFile(h, []byte(strings.Replace(string(base), "    min: 0.8\n", "    min: 0.7\n", 1)), 0o644)
	if code, out, errs := runCLI(t, "diff", b, h, "--fail-on-loosen"); code != gate.ExitFail || !strings.Contains(out, "accuracy-floor") {
		t.Errorf("diff A B --fail-on-loosen = %d\n%s%s; want 1", code, out, errs)
	}
	if code, _, errs := runCLI(t, "diff", b, "--fail-on-loosen", h); code != gate.ExitFail {
		t.Errorf("diff A --fail-on-loosen B = %d %s; want 1", code, errs)
	}
	if code, out, _ := runCLI(t, "validate", fraudRules, "--rules", "ignored.yml"); code != 0 || !strings.Contains(out, "ok (14 rules)") {
		t.Errorf("validate FILE --rules X = %d %s", code, out)
	}
	// After "--" everything is an argument, even what looks like a flag.
	if code, _, errs := runCLI(t, "diff", "--", b, "--fail-on-loosen"); code != gate.ExitUsage || !strings.Contains(errs, "--fail-on-loosen") {
		t.Errorf("diff -- A --fail-on-loosen = %d %q; want 2 (the file --fail-on-loosen)", code, errs)
	}
	// check takes no arguments: a stray one is a usage problem.
	if code, _, errs := runCLI(t, "check", "--rules", fraudRules, "extra"); code != gate.ExitUsage || !strings.Contains(errs, "want no arguments") {
		t.Errorf("check extra = %d %q; want 2", code, errs)
	}
	if code, _, errs := runCLI(t, "check", "--nope"); code != gate.ExitUsage || !strings.Contains(errs, "flag provided but not defined: -nope") {
		t.Errorf("check --nope = %d %q; want 2", code, errs)
	}
}

// Output that is not a terminal (a pipe, a file, CI logs) is never
// coloured, and gets no progress line.
func TestNoColorOffTerminal(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	env := map[string]string{"TERM": "xterm-256color"}
	run(context.Background(), []string{"check", "--rules", fraudRules}, func(k string) string { return env[k] }, &out, &errb)
	if strings.Contains(out.String()+errb.String(), "\x1b") {
		t.Errorf("escape sequences in output that is not a terminal:\n%q", out.String()+errb.String())
	}
}
