package rules

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds hostile bytes to Parse: it must never panic, and must
// return either a File or Diagnostics that all name the file.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"testdata/valid", "testdata/invalid"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.yml"))
		if err != nil {
			f.Fatal(err)
		}
		for _, path := range files {
			data, err := os.ReadFile(path)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte("a: &a [*a, *a]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n"))
	f.Add([]byte("version: 1\nmodel: {group: g}\nrules: [{id: a, metric: \"quality.\\\"x\", min: 1}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("f.yml", data)
		if err != nil {
			if file != nil {
				t.Fatalf("Parse returned a File and an error")
			}
			var ds Diagnostics
			if !errors.As(err, &ds) || len(ds) == 0 {
				t.Fatalf("Parse error %T %v is not non-empty Diagnostics", err, err)
			}
			for _, d := range ds {
				if d.File != "f.yml" || d.Message == "" || d.Kind == "" {
					t.Fatalf("incomplete diagnostic %#v", d)
				}
				if strings.ContainsAny(d.String(), "\n\r") {
					t.Fatalf("diagnostic spans lines: %q", d.String())
				}
			}
			if len(ds) > maxDiagnostics+1 {
				t.Fatalf("%d diagnostics; want at most %d", len(ds), maxDiagnostics+1)
			}
			return
		}
		// A base policy (rules/extends.go) has no model; a file that
		// extends one may add no rules.
		if file.Version != 1 || (file.Model.Group == "" && file.Policy == nil) || (len(file.Rules) == 0 && len(file.Extends) == 0) || len(file.SHA256) != 64 {
			t.Fatalf("Parse accepted an incomplete file: %+v", file)
		}
		ids := map[string]bool{}
		for _, r := range file.Rules {
			kinds := 0
			if r.Metric != nil {
				kinds++
			}
			if r.Require != nil {
				kinds++
			}
			if r.Shap != nil {
				kinds++
			}
			if kinds != 1 || r.ID == "" || ids[r.ID] {
				t.Fatalf("Parse accepted rule %+v", r)
			}
			ids[r.ID] = true
		}
	})
}
