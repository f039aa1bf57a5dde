package rules

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Address is a parsed metric address: segments separated by dots. A segment
// that contains a dot, a double quote, a space or a colon (real reports have
// `validation:auc` and `Marital Status`) is written in double quotes, with
// `\"` and `\\` as the only escapes:
//
//	quality.auc
//	shap."Marital Status"
//	training."validation:auc".value
//
// The first segment is the family: quality, bias, shap, llm, violations, a
// slot read as generic JSON (SlotFamilies), or the name of a report from
// the reports list.
type Address struct {
	Parts []string
}

// Address families with a fixed meaning.
const (
	FamilyQuality    = "quality"
	FamilyBias       = "bias"
	FamilyShap       = "shap"
	FamilyLLM        = "llm"
	FamilyViolations = "violations"
)

// SlotFamilies are the ModelMetrics slots that are read as generic JSON
// under their own name: an address starts with the slot, quoted when it
// holds a dot (`"quality.constraints".regression_constraints.mae.threshold`,
// `data_quality.dataset.item_count`).
var SlotFamilies = []string{
	"quality.constraints", "data_quality", "data_quality.constraints",
	"drift.bias.pre", "drift.bias.post", "drift.explainability", "drift.quality",
	"drift.quality.constraints", "drift.data_quality", "drift.data_quality.constraints",
}

// IsSlotFamily reports whether family is one of SlotFamilies.
func IsSlotFamily(family string) bool {
	for _, s := range SlotFamilies {
		if s == family {
			return true
		}
	}
	return false
}

// Family is the first segment.
func (a Address) Family() string {
	if len(a.Parts) == 0 {
		return ""
	}
	return a.Parts[0]
}

// String is the canonical form: the form instances are indexed by.
func (a Address) String() string { return FormatAddress(a.Parts...) }

// FormatAddress joins segments into the canonical address, quoting the
// segments that need it. Report readers use it to name their instances.
func FormatAddress(parts ...string) string {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteByte('.')
		}
		if needsQuote(p) {
			b.WriteByte('"')
			// Bytes, not runes: a segment that is not valid UTF-8 must
			// come back byte for byte.
			for j := 0; j < len(p); j++ {
				if p[j] == '"' || p[j] == '\\' {
					b.WriteByte('\\')
				}
				b.WriteByte(p[j])
			}
			b.WriteByte('"')
		} else {
			b.WriteString(p)
		}
	}
	return b.String()
}

func needsQuote(s string) bool {
	if s == "" {
		return true
	}
	for _, r := range s {
		switch {
		case r == '.' || r == '"' || r == '\\' || r == ':' || r == '#' || r == '\'':
			return true
		case r <= ' ' || r == 0x7f:
			return true
		case r == utf8.RuneError || (r > 0x7f && !isWordRune(r)):
			return true
		}
	}
	return false
}

func isWordRune(r rune) bool {
	// Letters and digits outside ASCII are fine unquoted; anything else
	// (spaces of other scripts, symbols) is quoted.
	return r != 0xa0 && r != 0x2028 && r != 0x2029 && !(r >= 0x2000 && r <= 0x200b) && r != 0x3000 && r != 0xfeff
}

// ParseAddress parses an address. The error says at which byte offset the
// address went wrong.
func ParseAddress(s string) (Address, error) {
	var parts []string
	i := 0
	if s == "" {
		return Address{}, fmt.Errorf("empty metric address")
	}
	for {
		if i >= len(s) {
			return Address{}, fmt.Errorf("metric address %q ends with a dot; a segment is missing", s)
		}
		if s[i] == '"' {
			var b strings.Builder
			j := i + 1
			closed := false
			for j < len(s) {
				c := s[j]
				if c == '\\' {
					if j+1 >= len(s) || (s[j+1] != '"' && s[j+1] != '\\') {
						return Address{}, fmt.Errorf("metric address %q: bad escape at offset %d; only \\\" and \\\\ are allowed", s, j)
					}
					b.WriteByte(s[j+1])
					j += 2
					continue
				}
				if c == '"' {
					closed = true
					j++
					break
				}
				b.WriteByte(c)
				j++
			}
			if !closed {
				return Address{}, fmt.Errorf("metric address %q: quoted segment at offset %d is not closed", s, i)
			}
			if b.Len() == 0 {
				return Address{}, fmt.Errorf("metric address %q: empty quoted segment at offset %d", s, i)
			}
			parts = append(parts, b.String())
			i = j
		} else {
			j := i
			for j < len(s) && s[j] != '.' {
				c := s[j]
				if c == '"' || c == ' ' || c == ':' || c == '\\' || c < 0x20 || c == 0x7f {
					return Address{}, fmt.Errorf("metric address %q: %q at offset %d must be inside a quoted segment; %s", s, string(c), j, quoteHint(s, i))
				}
				j++
			}
			if j == i {
				return Address{}, fmt.Errorf("metric address %q: empty segment at offset %d", s, i)
			}
			parts = append(parts, s[i:j])
			i = j
		}
		if i == len(s) {
			break
		}
		if s[i] != '.' {
			return Address{}, fmt.Errorf("metric address %q: expected a dot at offset %d after a quoted segment", s, i)
		}
		i++
	}
	if len(parts) < 2 {
		return Address{}, fmt.Errorf("metric address %q has one segment; want <family>.<metric>, e.g. quality.auc", s)
	}
	a := Address{Parts: parts}
	if err := a.checkFamily(); err != nil {
		return Address{}, err
	}
	return a, nil
}

// checkFamily checks the segment count of the fixed families. Report-named
// families are checked against the reports list by the validator.
func (a Address) checkFamily() error {
	n := len(a.Parts)
	switch a.Family() {
	case FamilyQuality, FamilyShap, FamilyViolations:
		if a.Family() == FamilyQuality && n > 2 && a.Parts[1] == "constraints" {
			return fmt.Errorf("metric address %q: the quality.constraints slot must be quoted: write %s", a, FormatAddress(append([]string{"quality.constraints"}, a.Parts[2:]...)...))
		}
		if n != 2 {
			return fmt.Errorf("metric address %q: %s takes exactly one name, e.g. %s", a, a.Family(), familyExample[a.Family()])
		}
	case FamilyBias:
		if n != 3 || (a.Parts[1] != "pre" && a.Parts[1] != "post") {
			return fmt.Errorf("metric address %q: want bias.pre.<metric> or bias.post.<metric>, e.g. bias.post.DI", a)
		}
	case FamilyLLM:
		if n != 3 {
			return fmt.Errorf("metric address %q: want llm.<eval_name>.<score>, e.g. llm.toxicity.toxicity", a)
		}
	}
	return nil
}

// quoteHint suggests the address with the segment that starts at offset i
// quoted, when that parses; otherwise it shows the syntax.
func quoteHint(s string, i int) string {
	const generic = `quote it, e.g. shap."Marital Status"`
	if len(s) > 256 {
		return generic
	}
	end := strings.IndexByte(s[i:], '.')
	if end < 0 {
		end = len(s)
	} else {
		end += i
	}
	for _, c := range []byte(s[i:end]) {
		if c < 0x20 || c == 0x7f {
			return generic
		}
	}
	fixed := s[:i] + FormatAddress(s[i:end]) + s[end:]
	if _, err := ParseAddress(fixed); err != nil {
		return generic
	}
	return "write " + fixed
}

var familyExample = map[string]string{
	FamilyQuality:    "quality.auc",
	FamilyShap:       `shap."Marital Status"`,
	FamilyViolations: "violations.data_type_check",
}
