//go:build ignore

// recheck runs again, one at a time, the mutants of a gremlins JSON report
// that have a given status, and writes the report with their new status.
//
// Two uses:
//   - NOT COVERED: gremlins v0.6.0 takes a mutant's coverage from Go's cover
//     profile, which has no block for the case expressions of a switch
//     statement (a block starts after the colon). Every mutant of a `case
//     x < y:` is reported NOT COVERED and never run, though the tests do run
//     that line. recheck runs them.
//   - LIVED: after adding tests, rerun only the survivors instead of every
//     mutant (tests were only added, so a killed mutant stays killed).
//   - RUNNABLE (a gremlins --dry-run report) with -func: run only the
//     mutants inside the functions being scored, not every mutant of their
//     files (gremlins v0.6.0 has no function filter).
//
// -skip runs each mutant first without the tests it names (slow ones, such
// as gate/report's TestHostileSizes); a mutant that lives is run again
// with every test, so the status is always the full suite's.
//
// A mutant is applied with `go test -overlay` (the source tree is never
// written): the token at line:column is replaced as gremlins would.
//
//	go run bench/mutation/recheck.go bench/mutation/spans.go -dir gate -in out/gate.json -out out/gate.json -status "NOT COVERED,LIVED"
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/scanner"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// replacements is gremlins' table (internal/engine/mappings.go, v0.6.0)
// for the mutators it enables by default.
var replacements = map[string]map[token.Token]token.Token{
	"ARITHMETIC_BASE":       {token.ADD: token.SUB, token.MUL: token.QUO, token.QUO: token.MUL, token.REM: token.MUL, token.SUB: token.ADD},
	"CONDITIONALS_BOUNDARY": {token.GEQ: token.GTR, token.GTR: token.GEQ, token.LEQ: token.LSS, token.LSS: token.LEQ},
	"CONDITIONALS_NEGATION": {token.EQL: token.NEQ, token.GEQ: token.LSS, token.GTR: token.LEQ, token.LEQ: token.GTR, token.LSS: token.GEQ, token.NEQ: token.EQL},
	"INCREMENT_DECREMENT":   {token.DEC: token.INC, token.INC: token.DEC},
	"INVERT_NEGATIVES":      {token.SUB: token.ADD},
}

type mutation struct {
	Type   string `json:"type"`
	Status string `json:"status"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

// mutate returns src with the token at line:col replaced for the mutator.
func mutate(src []byte, line, col int, typ string) ([]byte, error) {
	fset := token.NewFileSet()
	f := fset.AddFile("x.go", -1, len(src))
	var s scanner.Scanner
	s.Init(f, src, nil, 0)
	for {
		p, tok, lit := s.Scan()
		if tok == token.EOF {
			return nil, fmt.Errorf("no token at %d:%d", line, col)
		}
		pos := fset.Position(p)
		if pos.Line != line || pos.Column != col {
			continue
		}
		to, ok := replacements[typ][tok]
		if !ok {
			return nil, fmt.Errorf("%d:%d: %s does not mutate %q", line, col, typ, tok.String()+lit)
		}
		off := pos.Offset
		out := append([]byte{}, src[:off]...)
		out = append(out, to.String()...)
		return append(out, src[off+len(tok.String()):]...), nil
	}
}

func main() {
	dir := flag.String("dir", "", "package directory relative to the module root")
	in := flag.String("in", "", "gremlins JSON report")
	outPath := flag.String("out", "", "where to write the updated report (may be -in)")
	statuses := flag.String("status", "NOT COVERED", "comma-separated statuses to rerun")
	timeout := flag.Duration("timeout", 3*time.Minute, "per-mutant test timeout")
	funcRe := flag.String("func", "", "only rerun mutants inside functions matching this regexp (file:func, as summary.go)")
	skip := flag.String("skip", "", "first pass: go test -skip this pattern; a mutant that lives is run again with every test")
	flag.Parse()
	var only *regexp.Regexp
	if *funcRe != "" {
		only = regexp.MustCompile(*funcRe)
	}

	raw, err := os.ReadFile(*in)
	if err != nil {
		fail(err)
	}
	var rep map[string]json.RawMessage
	if err := json.Unmarshal(raw, &rep); err != nil {
		fail(err)
	}
	var files []struct {
		Filename  string     `json:"file_name"`
		Mutations []mutation `json:"mutations"`
	}
	if err := json.Unmarshal(rep["files"], &files); err != nil {
		fail(err)
	}
	want := map[string]bool{}
	for _, s := range strings.Split(*statuses, ",") {
		want[strings.TrimSpace(s)] = true
	}
	tmp, err := os.MkdirTemp("", "modelgate-recheck-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(tmp)
	wd, _ := os.Getwd()

	n := 0
	for fi := range files {
		path := filepath.Join(wd, *dir, files[fi].Filename)
		src, err := os.ReadFile(path)
		if err != nil {
			fail(err)
		}
		spans, err := funcSpans(path, src)
		if err != nil {
			fail(err)
		}
		for mi := range files[fi].Mutations {
			m := &files[fi].Mutations[mi]
			if !want[m.Status] {
				continue
			}
			if only != nil && !only.MatchString(files[fi].Filename+":"+enclosing(spans, m.Line)) {
				continue
			}
			n++
			mutated, err := mutate(src, m.Line, m.Column, m.Type)
			if err != nil {
				fail(fmt.Errorf("%s: %w", path, err))
			}
			mf := filepath.Join(tmp, "mutant.go")
			ov := filepath.Join(tmp, "overlay.json")
			if err := os.WriteFile(mf, mutated, 0o600); err != nil {
				fail(err)
			}
			ovj, _ := json.Marshal(map[string]map[string]string{"Replace": {path: mf}})
			if err := os.WriteFile(ov, ovj, 0o600); err != nil {
				fail(err)
			}
			before := m.Status
			m.Status = run(*dir, ov, *timeout, *skip)
			if m.Status == "LIVED" && *skip != "" {
				m.Status = run(*dir, ov, *timeout, "")
			}
			fmt.Printf("%-11s -> %-10s %s:%d:%d %s\n", before, m.Status, filepath.Join(*dir, files[fi].Filename), m.Line, m.Column, m.Type)
		}
	}
	fj, _ := json.Marshal(files)
	rep["files"] = fj
	rep["rechecked"] = json.RawMessage(fmt.Sprintf("%q", *statuses))
	out, _ := json.MarshalIndent(rep, "", "  ")
	if err := os.WriteFile(*outPath, out, 0o644); err != nil {
		fail(err)
	}
	fmt.Printf("rechecked %d mutants\n", n)
}

// run tests the package with the overlay and returns the mutant's status.
func run(dir, overlay string, timeout time.Duration, skip string) string {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	args := []string{"test", "-count=1", "-failfast", "-overlay", overlay}
	if skip != "" {
		args = append(args, "-skip", skip)
	}
	cmd := exec.CommandContext(ctx, "go", append(args, "./"+dir+"/")...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "TIMED OUT"
	case err == nil:
		return "LIVED"
	case errors.As(err, &exit) && (strings.Contains(buf.String(), "[build failed]") || strings.Contains(buf.String(), "[setup failed]") || strings.Contains(buf.String(), "vet:")):
		return "NOT VIABLE"
	case errors.As(err, &exit):
		return "KILLED"
	}
	fail(err)
	return ""
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "recheck:", err)
	os.Exit(2)
}
