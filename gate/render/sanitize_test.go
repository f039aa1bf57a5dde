package render

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Hostile report text cannot drive the terminal.
func TestLineStripsControls(t *testing.T) {
	t.Parallel()
	if got := Line("a\x1b[31mred\u202e\nb", 100); strings.ContainsAny(got, "\x1b\u202e\n") {
		t.Errorf("Line = %q", got)
	}
	if got := Line(strings.Repeat("x", 50), 10); got != strings.Repeat("x", 10)+"…" {
		t.Errorf("Line cut = %q", got)
	}
	if got := Line("Failed\n::error file=x::forged\r::warning::y", 0); got != "Failed ::error file=x::forged ::warning::y" {
		t.Errorf("Line = %q; want one line", got)
	}
}

func TestGuardEscapesWorkflowCommands(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"ok\n", "ok\n"},
		{"::error::x\n", CommandPrefix + "::error::x\n"},
		{"  \t::warning::x\n", CommandPrefix + "  \t::warning::x\n"},
		{"a\r::error::x\n", "a\r" + CommandPrefix + "::error::x\n"},
		{"a\n::set-output name=x::y", "a\n" + CommandPrefix + "::set-output name=x::y"},
		{"a :: b\n", "a :: b\n"},
		{"\ufeff::error::bom\n", CommandPrefix + "\ufeff::error::bom\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		g := NewGuard(&b)
		// Written a byte at a time: a line split across writes is judged whole.
		for i := 0; i < len(tt.in); i++ {
			g.Write([]byte{tt.in[i]})
		}
		g.Flush()
		if b.String() != tt.want {
			t.Errorf("Guard(%q) wrote %q; want %q", tt.in, b.String(), tt.want)
		}
		for _, l := range strings.FieldsFunc(b.String(), func(r rune) bool { return r == '\n' || r == '\r' }) {
			if StartsCommand(l) {
				t.Errorf("Guard(%q): line %q starts a workflow command", tt.in, l)
			}
		}
	}
}

func FuzzGuard(f *testing.F) {
	for _, s := range []string{"::error::x", "a\n::b", "a\r::b", " ::x\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var b bytes.Buffer
		g := NewGuard(&b)
		g.Write([]byte(s))
		g.Flush()
		for _, l := range strings.FieldsFunc(b.String(), func(r rune) bool { return r == '\n' || r == '\r' }) {
			if StartsCommand(l) {
				t.Fatalf("Guard(%q): line %q starts a workflow command", s, l)
			}
		}
	})
}

func TestErrorKeepsOnlyItsOwnLines(t *testing.T) {
	t.Parallel()
	err := errors.Join(errors.New("input a: bad"), fmt.Errorf("resolve candidate %q: no package", "12\n::error::FORGED"))
	want := "input a: bad\nresolve candidate \"12\\n::error::FORGED\": no package"
	if got := Error(err); got != want {
		t.Errorf("Error = %q; want %q", got, want)
	}
	if got := Error(errors.New("x\n::error::y")); got != "x ::error::y" {
		t.Errorf("Error = %q", got)
	}
}
