package rules

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDiffGolden runs Diff on testdata/diff/<case>/{base,head}.yml and
// compares FormatChanges with want.out.
func TestDiffGolden(t *testing.T) {
	t.Parallel()
	dirs, err := filepath.Glob("testdata/diff/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no diff cases")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			base, err := ReadFile(filepath.Join(dir, "base.yml"))
			if err != nil {
				t.Fatal(err)
			}
			head, err := ReadFile(filepath.Join(dir, "head.yml"))
			if err != nil {
				t.Fatal(err)
			}
			got := FormatChanges(Diff(base, head))
			golden := filepath.Join(dir, "want.out")
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
				t.Errorf("Diff(%s) mismatch (-want +got):\n%s", dir, diff)
			}
		})
	}
}

// TestDiffChanges pins every field of the changes of one case, positions
// and InBase included.
func TestDiffChanges(t *testing.T) {
	t.Parallel()
	base, err := ReadFile("testdata/diff/rules-added-removed/base.yml")
	if err != nil {
		t.Fatal(err)
	}
	head, err := ReadFile("testdata/diff/rules-added-removed/head.yml")
	if err != nil {
		t.Fatal(err)
	}
	got := Diff(base, head)
	want := []Change{
		{Rule: "attached", Kind: Loosen, What: "rule changed from require to shap", Before: "require [quality]", After: "shap max_share 0.5", Pos: Pos{6, 5}},
		{Rule: "recall", Kind: Tighten, What: "rule added", After: "quality.recall min 0.6 vs_baseline {max_drop 0.01}", Pos: Pos{7, 5}},
		{Rule: "di", Kind: Tighten, What: "rule added", After: "bias.post.DI between [0.8, 1.25]", Pos: Pos{8, 5}},
		{Rule: "f1", Kind: Loosen, What: "rule removed", Before: "quality.f1 min 0.5", Pos: Pos{6, 5}, InBase: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Diff mismatch (-want +got):\n%s", diff)
	}
	if !Loosens(got) {
		t.Errorf("Loosens(%v) = false; want true", got)
	}
	if cs := Diff(head, head); len(cs) != 0 || Loosens(cs) || FormatChanges(cs) != "" {
		t.Errorf("Diff(head, head) = %v; want no changes", cs)
	}
}

// TestDiffMirror checks that swapping base and head turns each ordered
// loosening into a tightening and back (cases without changes that loosen
// both ways, such as a changed label).
func TestDiffMirror(t *testing.T) {
	t.Parallel()
	for _, c := range []string{"bounds-loosen", "bounds-removed-added", "vs-baseline", "confidence", "waivers", "shap-removed", "severity-missing", "defaults", "model-loosen", "require-samples"} {
		t.Run(c, func(t *testing.T) {
			t.Parallel()
			base, err := ReadFile(filepath.Join("testdata/diff", c, "base.yml"))
			if err != nil {
				t.Fatal(err)
			}
			head, err := ReadFile(filepath.Join("testdata/diff", c, "head.yml"))
			if err != nil {
				t.Fatal(err)
			}
			count := func(cs []Change) map[ChangeKind]int {
				m := map[ChangeKind]int{}
				for _, c := range cs {
					m[c.Kind]++
				}
				return m
			}
			fwd, rev := count(Diff(base, head)), count(Diff(head, base))
			if fwd[Loosen] != rev[Tighten] || fwd[Tighten] != rev[Loosen] || fwd[Neutral] != rev[Neutral] {
				t.Errorf("Diff counts %v, reversed %v; want loosen and tighten swapped", fwd, rev)
			}
		})
	}
}

func BenchmarkDiff(b *testing.B) {
	base, err := ReadFile("testdata/valid/all-keys.yml")
	if err != nil {
		b.Fatal(err)
	}
	head, err := ReadFile("testdata/valid/design.yml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		Diff(base, head)
	}
}

// TestFormatChangesOneLine checks that values with newlines or great length
// cannot break the one-line-per-change format.
func TestFormatChangesOneLine(t *testing.T) {
	t.Parallel()
	base, err := Parse("b.yml", []byte(`version: 1
model: {group: g}
rules:
  - {id: a, metric: "r.\"x\ny\"", max: 1}
reports: [{name: r, uri: r.json}]
`))
	if err != nil {
		t.Fatal(err)
	}
	head, err := Parse("h.yml", []byte("version: 1\nmodel: {group: g}\nreports: [{name: r, uri: r.json}]\nrules:\n  - id: a\n    metric: r.b\n    max: 1\n    waiver:\n      reason: \"line one\\nline two "+strings.Repeat("z", 300)+"\"\n      owner: o\n      expires: 2030-01-01\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := FormatChanges(Diff(base, head))
	want := "loosen  a: metric changed: r.\"x\\ny\" -> r.b at 6:13\n" +
		"loosen  a: waiver added: (none) -> until 2030-01-01, owner o: line one\\nline two " + strings.Repeat("z", 200-len("until 2030-01-01, owner o: line one\\nline two ")) + "... at 9:7\n"
	if got != want {
		t.Errorf("FormatChanges =\n%s\nwant\n%s", got, want)
	}
}

func TestChangeJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(Change{Rule: "f1", Kind: Loosen, What: "rule removed", Before: "quality.f1 min 0.5", Pos: Pos{6, 5}, InBase: true})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"rule":"f1","kind":"loosen","what":"rule removed","before":"quality.f1 min 0.5","pos":{"line":6,"col":5},"in_base":true}`
	if string(b) != want {
		t.Errorf("json.Marshal(Change) = %s; want %s", b, want)
	}
	b, err = json.Marshal(Diagnostic{File: "m.yml", Pos: Pos{3, 7}, Message: "m", Kind: KindType})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"file":"m.yml","pos":{"line":3,"col":7},"message":"m","kind":"type"}`; string(b) != want {
		t.Errorf("json.Marshal(Diagnostic) = %s; want %s", b, want)
	}
}
