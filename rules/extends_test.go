package rules

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestExtendsSchemaAgrees: Parse and the JSON Schema accept and refuse the
// same policy and extends shapes.
func TestExtendsSchemaAgrees(t *testing.T) {
	t.Parallel()
	sch := compileSchema(t)
	const sha = "0123456789abcdef0123456789abcdef01234567"
	const digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	rule := "rules:\n  - {id: a, metric: quality.auc, min: 0.8}\n"
	for _, tc := range []struct {
		name, doc string
		ok        bool
	}{
		{"leaf extends, no rules", "version: 1\nmodel: {group: g}\nextends: {path: p.yml}\n", true},
		{"leaf, no rules, no extends", "version: 1\nmodel: {group: g}\n", false},
		{"pinned repo", "version: 1\nmodel: {group: g}\nextends: {repo: acme/p, ref: " + sha + ", path: p.yml}\n", true},
		{"moving ref", "version: 1\nmodel: {group: g}\nextends: {repo: acme/p, ref: main, path: p.yml}\n", false},
		{"moving ref allowed", "version: 1\nmodel: {group: g}\nextends: {repo: acme/p, ref: main, path: p.yml, allow_moving_ref: true}\n", true},
		{"moving ref not allowed", "version: 1\nmodel: {group: g}\nextends: {repo: acme/p, ref: main, path: p.yml, allow_moving_ref: false}\n", false},
		{"url with digest", "version: 1\nmodel: {group: g}\nextends: [{url: 'https://x.example/p.yml', sha256: " + digest + "}]\n", true},
		{"url without digest", "version: 1\nmodel: {group: g}\nextends: [{url: 'https://x.example/p.yml'}]\n", false},
		{"url with path", "version: 1\nmodel: {group: g}\nextends: [{url: 'https://x.example/p.yml', sha256: " + digest + ", path: p.yml}]\n", false},
		{"path escapes", "version: 1\nmodel: {group: g}\nextends: {path: ../p.yml}\n", false},
		{"base policy", "version: 1\npolicy: {waiver_owners: ['@risk']}\n" + rule, true},
		{"base with model", "version: 1\npolicy: {}\nmodel: {group: g}\n" + rule, false},
		{"base with endpoint", "version: 1\npolicy: {}\nendpoint: {rules: []}\n" + rule, false},
		{"base, no rules", "version: 1\npolicy: {}\n", false},
		{"overridable in base", "version: 1\npolicy: {}\nrules:\n  - {id: a, metric: quality.auc, min: 0.8, overridable: {min: [0.7, 0.9]}}\n", true},
		{"overridable in leaf", "version: 1\nmodel: {group: g}\nrules:\n  - {id: a, metric: quality.auc, min: 0.8, overridable: {min: [0.7, 0.9]}}\n", false},
	} {
		_, perr := Parse("f.yml", []byte(tc.doc))
		serr := sch.Validate(yamlToJSON(t, []byte(tc.doc)))
		if (perr == nil) != tc.ok || (serr == nil) != tc.ok {
			t.Errorf("%s: Parse error %v, schema error %v; want accepted = %v", tc.name, perr, serr, tc.ok)
		}
	}
}

func mustParse(t *testing.T, path, doc string) *File {
	t.Helper()
	f, err := Parse(path, []byte(doc))
	if err != nil {
		t.Fatalf("Parse(%s): %v", path, err)
	}
	return f
}

const inheritBase = `version: 1
policy: {name: risk, waiver_owners: ["@risk"]}
defaults: {severity: error, on_missing: fail}
rules:
  - id: auc
    metric: quality.auc
    vs_baseline: {max_drop: 0.01}
    overridable: {max_drop: [0, 0.02]}
  - id: latency
    metric: quality.latency_ms
    max: 200
`

// TestInheritPure: Inherit changes neither the child nor the base, and the
// inherited rules it returns are copies (relocated to the entry).
func TestInheritPure(t *testing.T) {
	t.Parallel()
	base := mustParse(t, "base.yml", inheritBase)
	child := mustParse(t, "modelgate.yml", "version: 1\nmodel: {group: g}\nextends: {path: base.yml}\nrules:\n  - {id: auc, metric: quality.auc, vs_baseline: {max_drop: 0.02}}\n")
	baseCopy, childCopy := mustParse(t, "base.yml", inheritBase), *child
	got, err := Inherit(child, []Base{{File: base, Entry: &child.Extends[0]}})
	if err != nil {
		t.Fatalf("Inherit: %v", err)
	}
	if !reflect.DeepEqual(base, baseCopy) {
		t.Errorf("Inherit changed the base")
	}
	if !reflect.DeepEqual(*child, childCopy) || child.Resolution != nil {
		t.Errorf("Inherit changed the child")
	}
	lat := got.Rules[1]
	if lat.ID != "latency" || lat.Pos != child.Extends[0].Pos || lat.Max.Pos != child.Extends[0].Pos || lat.Max == base.Rules[1].Max {
		t.Errorf("inherited latency = %+v at %s; want a copy at the entry %s", lat, lat.Pos, child.Extends[0].Pos)
	}
	if o := got.Resolution.Origins["latency"]; o.Source != "base.yml" || o.Pos != base.Rules[1].Pos {
		t.Errorf("Origins[latency] = %+v; want base.yml %s", o, base.Rules[1].Pos)
	}
	if got.Rules[0].VsBaseline.MaxDrop.V != 0.02 {
		t.Errorf("auc max_drop = %v; want the child's 0.02 (within the overridable bounds)", got.Rules[0].VsBaseline.MaxDrop.V)
	}
}

// TestInheritOverridableVsBaseline: a vs_baseline key moves within its
// bounds; past them it is a loosening with the bounds named; removing the
// key is a loosening whatever the bounds.
func TestInheritOverridableVsBaseline(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		vs, want string // want: "" accepted, else a substring of the error
	}{
		{"{max_drop: 0.02}", ""},
		{"{max_drop: 0}", ""},
		{"{max_drop: 0.03}", "vs_baseline.max_drop raised: 0.01 -> 0.03; a rules file may only tighten an inherited rule (the base lets `max_drop` move within [0, 0.02] only)"},
		{"{max_drop_pct: 1}", "vs_baseline.max_drop removed: 0.01 -> (none)"},
	} {
		base := mustParse(t, "base.yml", inheritBase)
		child := mustParse(t, "modelgate.yml", "version: 1\nmodel: {group: g}\nextends: {path: base.yml}\nrules:\n  - {id: auc, metric: quality.auc, vs_baseline: "+tc.vs+"}\n")
		_, err := Inherit(child, []Base{{File: base, Entry: &child.Extends[0]}})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("Inherit(vs_baseline %s) = %v; want accepted", tc.vs, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("Inherit(vs_baseline %s) = %v; want an error with %q", tc.vs, err, tc.want)
		}
		var ds Diagnostics
		if err != nil && (!errors.As(err, &ds) || ds[0].File != "modelgate.yml" || ds[0].Pos.Line != 5) {
			t.Errorf("Inherit(vs_baseline %s) = %v; want Diagnostics at modelgate.yml:5", tc.vs, err)
		}
	}
}

// TestPolicyDigest: the resolution's digest changes with any base's bytes;
// a file that extends nothing is its own digest.
func TestPolicyDigest(t *testing.T) {
	t.Parallel()
	child := mustParse(t, "modelgate.yml", "version: 1\nmodel: {group: g}\nextends: {path: base.yml}\n")
	if child.PolicyDigest() != child.SHA256 {
		t.Errorf("unresolved PolicyDigest = %s; want the file's %s", child.PolicyDigest(), child.SHA256)
	}
	digest := func(base string) string {
		f, err := Inherit(child, []Base{{File: mustParse(t, "base.yml", base), Entry: &child.Extends[0]}})
		if err != nil {
			t.Fatal(err)
		}
		return f.PolicyDigest()
	}
	a, b := digest(inheritBase), digest(strings.Replace(inheritBase, "max: 200", "max: 199", 1))
	if a == b || a == child.SHA256 || len(a) != 64 {
		t.Errorf("PolicyDigest = %s and %s for two bases; want two different digests, not the child's", a, b)
	}
}

// TestReadmePolicies parses the rules files of the README's Organisation
// policies section, and checks that the child tightens its base.
func TestReadmePolicies(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(data), "\n## Organisation policies\n")
	if !ok {
		t.Fatal("README has no Organisation policies section")
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	var files []*File
	for _, part := range strings.Split(sec, "```yaml\n")[1:] {
		doc, _, _ := strings.Cut(part, "```")
		files = append(files, mustParse(t, "README", doc))
	}
	if len(files) != 2 || files[0].Policy == nil || len(files[1].Extends) != 3 {
		t.Fatalf("README policies: %d files; want a base policy and a child with 3 bases", len(files))
	}
	if _, err := Inherit(files[1], []Base{{File: files[0], Entry: &files[1].Extends[0]}}); err != nil {
		t.Errorf("the README's child does not inherit its base: %v", err)
	}
}
