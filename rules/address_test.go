package rules

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in        string
		want      []string
		canonical string
	}{
		{"quality.auc", []string{"quality", "auc"}, "quality.auc"},
		{`shap."Marital Status"`, []string{"shap", "Marital Status"}, `shap."Marital Status"`},
		{`training."validation:auc".value`, []string{"training", "validation:auc", "value"}, `training."validation:auc".value`},
		{`bias.post.DI`, []string{"bias", "post", "DI"}, "bias.post.DI"},
		{`"quality"."auc"`, []string{"quality", "auc"}, "quality.auc"},
		{`rep."a.b"."c\"d"."e\\f"`, []string{"rep", "a.b", `c"d`, `e\f`}, `rep."a.b"."c\"d"."e\\f"`},
		{`rep.it's.x#1`, []string{"rep", "it's", "x#1"}, `rep."it's"."x#1"`},
		{"shap.Größe", []string{"shap", "Größe"}, "shap.Größe"},
		{"llm.toxicity.toxicity", []string{"llm", "toxicity", "toxicity"}, "llm.toxicity.toxicity"},
		{"report.a.b.c.d", []string{"report", "a", "b", "c", "d"}, "report.a.b.c.d"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			a, err := ParseAddress(tt.in)
			if err != nil {
				t.Fatalf("ParseAddress(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, a.Parts); diff != "" {
				t.Errorf("ParseAddress(%q) parts mismatch (-want +got):\n%s", tt.in, diff)
			}
			if got := a.String(); got != tt.canonical {
				t.Errorf("ParseAddress(%q).String() = %q; want %q", tt.in, got, tt.canonical)
			}
			if got := FormatAddress(tt.want...); got != tt.canonical {
				t.Errorf("FormatAddress(%q) = %q; want %q", tt.want, got, tt.canonical)
			}
			if got := a.Family(); got != tt.want[0] {
				t.Errorf("Family() = %q; want %q", got, tt.want[0])
			}
		})
	}
}

func TestParseAddressErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", "empty metric address"},
		{"auc", `metric address "auc" has one segment; want <family>.<metric>, e.g. quality.auc`},
		{"quality.", `metric address "quality." ends with a dot; a segment is missing`},
		{"quality..auc", `metric address "quality..auc": empty segment at offset 8`},
		{".auc", `metric address ".auc": empty segment at offset 0`},
		{"shap.Marital Status", `metric address "shap.Marital Status": " " at offset 12 must be inside a quoted segment; write shap."Marital Status"`},
		{"a.b\tc", `metric address "a.b\tc": "\t" at offset 3 must be inside a quoted segment; quote it, e.g. shap."Marital Status"`},
		{"a.b\nc", `metric address "a.b\nc": "\n" at offset 3 must be inside a quoted segment; quote it, e.g. shap."Marital Status"`},
		{`shap."open`, `metric address "shap.\"open": quoted segment at offset 5 is not closed`},
		{`shap."a\n"`, `metric address "shap.\"a\\n\"": bad escape at offset 7; only \" and \\ are allowed`},
		{`shap."a\`, `metric address "shap.\"a\\": bad escape at offset 7; only \" and \\ are allowed`},
		{`shap.""`, `metric address "shap.\"\"": empty quoted segment at offset 5`},
		{`shap."a"b`, `metric address "shap.\"a\"b": expected a dot at offset 8 after a quoted segment`},
		{`a.b"c`, `metric address "a.b\"c": "\"" at offset 3 must be inside a quoted segment; write a."b\"c"`},
		{"quality.auc.value", `metric address "quality.auc.value": quality takes exactly one name, e.g. quality.auc`},
		{"shap.a.b", `metric address "shap.a.b": shap takes exactly one name, e.g. shap."Marital Status"`},
		{"violations.a.b", `metric address "violations.a.b": violations takes exactly one name, e.g. violations.data_type_check`},
		{"training.validation:auc.value", `metric address "training.validation:auc.value": ":" at offset 19 must be inside a quoted segment; write training."validation:auc".value`},
		{"a.b c.d e", `metric address "a.b c.d e": " " at offset 3 must be inside a quoted segment; quote it, e.g. shap."Marital Status"`},
		{"bias.DI", `metric address "bias.DI": want bias.pre.<metric> or bias.post.<metric>, e.g. bias.post.DI`},
		{"bias.mid.DI", `metric address "bias.mid.DI": want bias.pre.<metric> or bias.post.<metric>, e.g. bias.post.DI`},
		{"llm.toxicity", `metric address "llm.toxicity": want llm.<eval_name>.<score>, e.g. llm.toxicity.toxicity`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			a, err := ParseAddress(tt.in)
			if err == nil {
				t.Fatalf("ParseAddress(%q) = %v, nil; want error %q", tt.in, a.Parts, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("ParseAddress(%q) error = %q; want %q", tt.in, err, tt.want)
			}
		})
	}
}

// FuzzAddress checks that the canonical form of any parsed address parses
// back to the same segments, and that any segments format to an address
// that parses back to them.
func FuzzAddress(f *testing.F) {
	for _, s := range []string{"quality.auc", `shap."Marital Status"`, `training."validation:auc".value`, `r."a\"b".c`, "x.y z", "a..b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAddress(s)
		if err == nil {
			b, err := ParseAddress(a.String())
			if err != nil {
				t.Fatalf("ParseAddress(%q) ok, but its canonical form %q does not parse: %v", s, a.String(), err)
			}
			if !slices.Equal(a.Parts, b.Parts) {
				t.Fatalf("round trip of %q: %q != %q", s, a.Parts, b.Parts)
			}
		}
		// Treat s as a segment: report.<s>.x must round-trip when s is not empty.
		if s == "" {
			return
		}
		parts := []string{"report", s, "x"}
		c, err := ParseAddress(FormatAddress(parts...))
		if err != nil {
			t.Fatalf("FormatAddress(%q) = %q does not parse: %v", parts, FormatAddress(parts...), err)
		}
		if !slices.Equal(c.Parts, parts) {
			t.Fatalf("FormatAddress round trip: %q != %q", c.Parts, parts)
		}
	})
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		cand []string
		want string
	}{
		{"mn", ruleKeys, "min"},
		{"maxdrop", vsBaselineKeys, "max_drop"},
		{"warn", []string{"error", "warning"}, "warning"},
		{"eror", []string{"error", "warning"}, "error"},
		{"qualty", fixedFamilies, "quality"},
		{"Quality", fixedFamilies, "quality"},
		{"zzz", ruleKeys, ""},
		{"a", ruleKeys, ""},
		{"threshold", ruleKeys, ""},
		{"max_shar", shapKeys, "max_share"},
		{"conf", ruleKeys, "confidence"},
	}
	for _, tt := range tests {
		if got := suggest(tt.in, tt.cand); got != tt.want {
			t.Errorf("suggest(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
	if got := editDistance("ab", "ba"); got != 1 {
		t.Errorf("editDistance(ab, ba) = %d; want 1 (a transposition)", got)
	}
}
