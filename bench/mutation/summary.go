//go:build ignore

// summary reads a gremlins JSON report (gremlins unleash --output) and prints,
// for one package directory, the score per file and every surviving mutant as
// file:line:col:MUTATOR with its enclosing function and source line.
//
// Mutants listed in the equivalents file (tab-separated: file, function,
// mutator, column, trimmed source line, reason) are counted apart: they are
// mutants that no test can kill because the mutated program behaves the same.
// They are matched on the source text, not the line number, so the list
// survives edits elsewhere in the file. "*" in the mutator, column and
// source fields makes every surviving mutant of the function equivalent.
//
//	go run bench/mutation/summary.go bench/mutation/spans.go -dir gate -json out/gate.json [-equiv bench/mutation/equivalent.tsv] [-func REGEXP]
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

type output struct {
	Files []struct {
		Filename  string `json:"file_name"`
		Mutations []struct {
			Type   string `json:"type"`
			Status string `json:"status"`
			Line   int    `json:"line"`
			Column int    `json:"column"`
		} `json:"mutations"`
	} `json:"files"`
}

// funcs names the functions of the file at path (spans.go) and returns
// its lines.
func funcs(path string) ([]span, []string, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	spans, err := funcSpans(path, src)
	if err != nil {
		return nil, nil, err
	}
	return spans, strings.Split(string(src), "\n"), nil
}

func main() {
	dir := flag.String("dir", "", "package directory, relative to the module root (e.g. gate)")
	in := flag.String("json", "", "gremlins JSON output")
	equivPath := flag.String("equiv", "", "equivalent mutants (TSV)")
	funcRe := flag.String("func", "", "only count mutants inside functions matching this regexp (file:func)")
	flag.Parse()

	raw, err := os.ReadFile(*in)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var out output
	if err := json.Unmarshal(raw, &out); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", *in, err)
		os.Exit(2)
	}
	var only *regexp.Regexp
	if *funcRe != "" {
		only = regexp.MustCompile(*funcRe)
	}

	equiv := map[string]string{}
	if *equivPath != "" {
		f, err := os.Open(*equivPath)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			p := strings.SplitN(line, "\t", 6)
			if len(p) != 6 {
				fmt.Fprintf(os.Stderr, "%s: want 6 tab-separated fields: %q\n", *equivPath, line)
				os.Exit(2)
			}
			equiv[strings.Join(p[:5], "\t")] = p[5]
		}
		f.Close()
	}

	type tally struct{ killed, lived, equiv, notCovered, timedOut, notViable, runnable int }
	per := map[string]*tally{}
	var total tally
	var alive, equivalent []string
	sort.Slice(out.Files, func(i, j int) bool { return out.Files[i].Filename < out.Files[j].Filename })
	for _, file := range out.Files {
		rel := filepath.ToSlash(filepath.Join(*dir, file.Filename))
		spans, lines, err := funcs(rel)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		ms := file.Mutations
		sort.Slice(ms, func(i, j int) bool {
			if ms[i].Line != ms[j].Line {
				return ms[i].Line < ms[j].Line
			}
			return ms[i].Column < ms[j].Column
		})
		t := &tally{}
		for _, m := range ms {
			fn := enclosing(spans, m.Line)
			if only != nil && !only.MatchString(file.Filename+":"+fn) {
				continue
			}
			text := ""
			if m.Line-1 < len(lines) {
				text = strings.TrimSpace(lines[m.Line-1])
			}
			key := strings.Join([]string{rel, fn, m.Type, fmt.Sprint(m.Column), text}, "\t")
			where := fmt.Sprintf("%s:%d:%d:%s (%s)  %s", rel, m.Line, m.Column, m.Type, fn, text)
			switch m.Status {
			case "KILLED":
				t.killed++
			case "TIMED OUT":
				t.timedOut++
			case "RUNNABLE": // dry run
				t.runnable++
			case "NOT VIABLE":
				t.notViable++
			case "NOT COVERED":
				t.notCovered++
				alive = append(alive, "NOT COVERED "+where)
			case "LIVED":
				why, ok := equiv[key]
				if !ok { // a whole function: file, function, then * * *
					why, ok = equiv[strings.Join([]string{rel, fn, "*", "*", "*"}, "\t")]
				}
				if ok {
					t.equiv++
					equivalent = append(equivalent, where+"\n        equivalent: "+why)
				} else {
					t.lived++
					alive = append(alive, "LIVED       "+where)
				}
			}
		}
		per[rel] = t
		total.killed += t.killed
		total.lived += t.lived
		total.equiv += t.equiv
		total.notCovered += t.notCovered
		total.timedOut += t.timedOut
		total.notViable += t.notViable
		total.runnable += t.runnable
	}

	score := func(t tally) string {
		// Killed (a timeout is a kill: the mutant changed behaviour) over
		// every non-equivalent mutant, covered or not.
		den := t.killed + t.timedOut + t.lived + t.notCovered
		if den == 0 {
			return "   n/a"
		}
		return fmt.Sprintf("%5.1f%%", 100*float64(t.killed+t.timedOut)/float64(den))
	}
	fmt.Printf("%-34s %6s %6s %6s %6s %6s %6s  %s\n", "file", "killed", "t/out", "lived", "uncov", "equiv", "n/viab", "score")
	names := make([]string, 0, len(per))
	for n := range per {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t := per[n]
		fmt.Printf("%-34s %6d %6d %6d %6d %6d %6d  %s\n", n, t.killed, t.timedOut, t.lived, t.notCovered, t.equiv, t.notViable, score(*t))
	}
	fmt.Printf("%-34s %6d %6d %6d %6d %6d %6d  %s\n", "TOTAL "+*dir, total.killed, total.timedOut, total.lived, total.notCovered, total.equiv, total.notViable, score(total))
	if total.runnable > 0 {
		fmt.Printf("dry run: %d covered mutants to run\n", total.runnable)
	}
	if len(alive) > 0 {
		fmt.Printf("\nsurviving mutants (%d):\n", len(alive))
		for _, a := range alive {
			fmt.Println("  " + a)
		}
	}
	if len(equivalent) > 0 {
		fmt.Printf("\nequivalent mutants (%d, not counted):\n", len(equivalent))
		for _, e := range equivalent {
			fmt.Println("  " + e)
		}
	}
}
