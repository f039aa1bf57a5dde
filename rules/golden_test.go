package rules

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

// TestInvalid parses every testdata/invalid/<case>.yml and compares the
// diagnostics with <case>.out.
func TestInvalid(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/invalid/*.yml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 35 {
		t.Errorf("found %d invalid cases; want at least 35", len(files))
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".yml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Parse(filepath.ToSlash(path), data)
			if err == nil {
				t.Fatalf("Parse(%s) = %+v, nil; want diagnostics", path, f)
			}
			if f != nil {
				t.Errorf("Parse(%s) returned a File with an error", path)
			}
			var ds Diagnostics
			if !errors.As(err, &ds) {
				t.Fatalf("Parse(%s) error %T is not Diagnostics", path, err)
			}
			got := ds.Error() + "\n"
			golden := strings.TrimSuffix(path, ".yml") + ".out"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("Parse(%s) diagnostics mismatch (-want +got):\n%s", path, diff)
			}
		})
	}
}

// TestValidParse checks that every testdata/valid file parses cleanly.
func TestValidParse(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/valid/*.yml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 6 {
		t.Errorf("found %d valid cases; want at least 6", len(files))
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			f, err := ReadFile(path)
			if err != nil {
				t.Fatalf("ReadFile(%s): %v", path, err)
			}
			if f.Path != path || len(f.SHA256) != 64 {
				t.Errorf("ReadFile(%s): Path %q, SHA256 %q", path, f.Path, f.SHA256)
			}
		})
	}
}

// TestValidCoverEveryKey checks that the valid cases, together, use every
// key of the language and every report format.
func TestValidCoverEveryKey(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/valid/*.yml")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				seen[n.Content[i].Value] = true
				if n.Content[i].Value == "format" {
					seen["format:"+n.Content[i+1].Value] = true
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		walk(&doc)
	}
	var all []string
	for _, l := range [][]string{topKeys, modelKeys, registryKeys, reportKeys, memorizationKeys, defaultsKeys, ruleKeys, vsBaselineKeys, shapKeys, waiverKeys, whereLabels} {
		all = append(all, l...)
	}
	for _, f := range reportFormats {
		all = append(all, "format:"+f)
	}
	for _, k := range all {
		if !seen[k] {
			t.Errorf("no valid case uses %s", k)
		}
	}
}
