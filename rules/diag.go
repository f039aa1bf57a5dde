package rules

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Diagnostic kinds: the bracketed tag at the end of a diagnostic, stable so
// that tools and tests can group problems.
const (
	KindSyntax        = "syntax"        // the YAML does not parse
	KindYAML          = "yaml"          // YAML features a rules file does not allow (anchors, aliases, tags, several documents)
	KindSize          = "size"          // the file is too large
	KindUnknownKey    = "unknown-key"   // a key that is not part of the language
	KindDuplicateKey  = "duplicate-key" // the same key twice in one mapping
	KindType          = "type"          // a value of the wrong YAML type
	KindRange         = "range"         // a number outside its allowed range
	KindValue         = "value"         // a string outside its allowed set
	KindRequired      = "required"      // a required key is missing or empty
	KindConflict      = "conflict"      // keys that cannot be used together
	KindName          = "name"          // a malformed or reserved id or report name
	KindAddress       = "address"       // a metric address that does not parse or names no family
	KindDuplicateID   = "duplicate-id"  // two rules with one id
	KindDuplicateName = "duplicate-name"
	KindVersion       = "version" // version is not 1
	KindWaiver        = "waiver"  // a malformed or (Lint) expired waiver
)

// Diagnostic is one problem in a rules file.
type Diagnostic struct {
	File    string `json:"file"`
	Pos     Pos    `json:"pos"`
	Message string `json:"message"`
	Kind    string `json:"kind"`
}

// String formats d as file:line:col: message [kind]. A diagnostic with no
// column omits it, one with no position omits both.
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(d.File)
	if d.Pos.Line > 0 {
		fmt.Fprintf(&b, ":%d", d.Pos.Line)
		if d.Pos.Col > 0 {
			fmt.Fprintf(&b, ":%d", d.Pos.Col)
		}
	}
	b.WriteString(": ")
	b.WriteString(d.Message)
	if d.Kind != "" {
		fmt.Fprintf(&b, " [%s]", d.Kind)
	}
	return b.String()
}

// Error is String, so that a Diagnostic is an error.
func (d Diagnostic) Error() string { return d.String() }

// Diagnostics is every problem found in a rules file, in file order. Parse
// returns it as its error; use errors.As to get it back.
type Diagnostics []Diagnostic

// Error joins the diagnostics, one per line.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// sort orders diagnostics by position, keeping the order of discovery for
// equal positions.
func (ds Diagnostics) sort() {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		if c := cmp.Compare(a.Pos.Line, b.Pos.Line); c != 0 {
			return c
		}
		return cmp.Compare(a.Pos.Col, b.Pos.Col)
	})
}
