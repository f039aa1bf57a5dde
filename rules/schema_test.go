package rules

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema()))
	if err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("compile schema: %v", err)
	}
	return sch
}

// yamlToJSON converts a YAML file to the JSON value an editor's YAML
// language server would validate: dates stay strings as written.
func yamlToJSON(t *testing.T, data []byte) any {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	if len(doc.Content) == 0 {
		return nil
	}
	return nodeValue(t, doc.Content[0])
}

func nodeValue(t *testing.T, n *yaml.Node) any {
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = nodeValue(t, n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		l := []any{}
		for _, c := range n.Content {
			l = append(l, nodeValue(t, c))
		}
		return l
	}
	switch n.ShortTag() {
	case "!!int":
		var v int64
		if err := n.Decode(&v); err == nil {
			return v
		}
		return json.Number(n.Value)
	case "!!float":
		var v float64
		if err := n.Decode(&v); err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return n.Value // not a JSON number
		}
		return v
	case "!!bool":
		return n.Value == "true"
	case "!!null":
		return nil
	}
	return n.Value
}

var versionLine = regexp.MustCompile(`(?m)^version:`)

// TestSchemaValid validates every valid rules file in the repository
// against the schema.
func TestSchemaValid(t *testing.T) {
	t.Parallel()
	sch := compileSchema(t)
	files, err := filepath.Glob("testdata/valid/*.yml")
	if err != nil {
		t.Fatal(err)
	}
	diffFiles, err := filepath.Glob("testdata/diff/*/*.yml")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, diffFiles...)
	// The examples folder (if any) is a model repo: every YAML file there
	// that has a top-level version: is a rules file.
	err = filepath.WalkDir("../examples", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return filepath.SkipDir
			}
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(path, ".yml") || strings.HasSuffix(path, ".yaml")) {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if versionLine.Match(data) {
				files = append(files, path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Parse(path, data); err != nil {
				t.Errorf("Parse(%s): %v", path, err)
			}
			if err := sch.Validate(yamlToJSON(t, data)); err != nil {
				t.Errorf("schema rejects %s: %v", path, err)
			}
		})
	}
}

// yamlLevelCases are invalid because of the YAML itself (syntax, anchors,
// tags, NUL, several documents, emptiness); a schema validates JSON values,
// so these are Parse's alone.
var yamlLevelCases = []string{"anchors", "comments-only", "empty", "multi-doc", "nul", "syntax", "tags", "unknown-alias"}

// schemaBlind are the invalid cases whose every problem needs more than a
// schema can say: a comparison across values (min > max), uniqueness of a
// field across list items (rule ids), report names used as metric families.
// Other cross-value checks (between reversed, duplicate report names, the
// segment counts of address families, ARN groups, duplicate YAML keys) are
// Parse's alone too, but those cases also hold a problem the schema sees.
var schemaBlind = []string{"address-report", "address-slot", "duplicate-id", "min-gt-max", "overridable-bounds"}

// TestSchemaInvalid checks that the schema rejects every invalid case it can
// detect, and pins the list of those it cannot.
func TestSchemaInvalid(t *testing.T) {
	t.Parallel()
	sch := compileSchema(t)
	files, err := filepath.Glob("testdata/invalid/*.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".yml")
		if slices.Contains(yamlLevelCases, name) {
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			err = sch.Validate(yamlToJSON(t, data))
			blind := slices.Contains(schemaBlind, name)
			switch {
			case err == nil && !blind:
				t.Errorf("schema accepts %s; want it rejected (or list it in schemaBlind)", path)
			case err != nil && blind:
				t.Errorf("schema rejects %s, which is listed as schema-blind: %v", path, err)
			}
		})
	}
}
