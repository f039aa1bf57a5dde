package report

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// TestFormatsTable: every entry is complete, names are unique, generic
// JSON is the fallback, and the built-in formats keep their order.
func TestFormatsTable(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, f := range formats {
		if f.name == "" || f.title == "" || f.want == "" || f.match == nil || f.read == nil {
			t.Errorf("format %q: incomplete table entry", f.name)
		}
		if seen[f.name] {
			t.Errorf("format %q is in the table twice", f.name)
		}
		seen[f.name] = true
	}
	if f := lookupFormat(FormatJSON); f == nil || f.detect {
		t.Errorf("json must be in the table and not detected (it is the fallback)")
	}
	builtin := []string{FormatModelQuality, FormatClarifyBias, FormatClarifyExplain, FormatViolations, FormatFmeval, FormatJSON}
	if got := Formats(); !slices.Equal(got[:len(builtin)], builtin) {
		t.Errorf("Formats() = %v; want it to start with %v", got, builtin)
	}
	if lookupFormat("nope") != nil {
		t.Errorf("lookupFormat(nope) != nil")
	}
}

// TestFormatsAcceptedByRules: every format of the table is a `format:` the
// rules file accepts (rules keeps its own list: it cannot import this
// package). A new format needs its line there too.
func TestFormatsAcceptedByRules(t *testing.T) {
	t.Parallel()
	for _, name := range Formats() {
		yml := fmt.Sprintf("version: 1\nmodel: {group: g}\nregistry: {kind: local, path: reg}\nreports:\n  - {name: r, uri: r.json, format: %s}\nrules:\n  - {id: x, metric: r.a, min: 0}\n", name)
		if _, err := rules.Parse("rules.yml", []byte(yml)); err != nil {
			t.Errorf("format %s: rules.Parse = %v", name, err)
		}
	}
}

// TestUnknownFormatListsTable: the error for an unknown format lists the
// table's names.
func TestUnknownFormatListsTable(t *testing.T) {
	t.Parallel()
	_, err := Read(gate.Source{Slot: "r", Format: "csv"}, []byte(`{}`))
	want := `report r: unknown format "csv"; want one of ` + strings.Join(Formats(), ", ")
	if err == nil || err.Error() != want {
		t.Errorf("Read(format csv) = %v; want %s", err, want)
	}
}
