// Package render turns a gate result into what people and tools read: the
// text table of a terminal, the markdown of a check run, a job summary and
// --format markdown, the JSON result, SARIF 2.1.0 (code scanning) and JUnit
// XML (CI test reports). Every string from outside the
// program goes through one sanitizer (Line; Cell and Code for markdown),
// and Guard keeps any output line from starting a workflow command.
package render

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"github.com/modelgate/modelgate/gate"
)

// Renderer writes a result in one format.
type Renderer func(w io.Writer, r *gate.Result, version string) error

// formats are the renderers by name; a new format is one file and one
// entry here.
var formats = map[string]Renderer{
	"text": Text,
	"markdown": func(w io.Writer, r *gate.Result, _ string) error {
		_, err := io.WriteString(w, Markdown(r))
		return err
	},
	"json": func(w io.Writer, r *gate.Result, _ string) error { return JSON(w, r) },
	// SARIF locates findings on the rules file as the result names it
	// (the path given on the command line, or the action's input).
	"sarif": func(w io.Writer, r *gate.Result, _ string) error { return SARIF(w, r, r.RulesFile) },
	"junit": func(w io.Writer, r *gate.Result, _ string) error { return JUnit(w, r) },
}

// Formats lists the format names, sorted.
func Formats() []string {
	names := make([]string, 0, len(formats))
	for n := range formats {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Get returns the renderer of a format name.
func Get(format string) (Renderer, error) {
	f, ok := formats[format]
	if !ok {
		return nil, fmt.Errorf("format %q: want one of %v", format, Formats())
	}
	return f, nil
}

// JSON writes the machine-readable result, indented, with a final newline.
func JSON(w io.Writer, r *gate.Result) error {
	b, err := JSONBytes(r)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// JSONBytes is the JSON result as bytes (for --out and the action's file).
func JSONBytes(r *gate.Result) ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
