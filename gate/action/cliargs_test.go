package action

import (
	"bytes"
	"flag"
	"slices"
	"strings"
	"testing"
)

func TestParseArgs(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		pos  []string
		f    string
		code int
	}{
		{[]string{"a", "b", "--f", "x"}, []string{"a", "b"}, "x", -1},
		{[]string{"--f=x", "a", "b"}, []string{"a", "b"}, "x", -1},
		{[]string{"a", "--f", "x", "b"}, []string{"a", "b"}, "x", -1},
		{[]string{"a", "--", "--f", "x"}, []string{"a", "--f", "x"}, "", -1},
		{[]string{"a", "-h"}, nil, "", 0},
		{[]string{"a", "--g"}, nil, "", 2},
		{nil, nil, "", -1},
	} {
		fs := flag.NewFlagSet("cmd", flag.ContinueOnError)
		f := fs.String("f", "", "a flag")
		Usage(fs, "cmd [--f X] A B")
		var out, errb bytes.Buffer
		pos, code := ParseArgs(fs, tt.args, &out, &errb)
		if code != tt.code || !slices.Equal(pos, tt.pos) || *f != tt.f {
			t.Errorf("ParseArgs(%q) = %q, %d, f=%q; want %q, %d, f=%q", tt.args, pos, code, *f, tt.pos, tt.code, tt.f)
		}
		switch code {
		case 0:
			if !strings.HasPrefix(out.String(), "usage: cmd [--f X] A B\n\nflags:\n  -f string") || errb.Len() > 0 {
				t.Errorf("-h: stdout %q, stderr %q", &out, &errb)
			}
		case 2:
			if out.Len() > 0 || strings.Count(errb.String(), "\n") != 1 || !strings.Contains(errb.String(), "flag provided but not defined: -g") {
				t.Errorf("bad flag: stdout %q, stderr %q; want one line on stderr", &out, &errb)
			}
		}
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	cmds := []string{"check", "validate", "approve", "diff", "schema", "version"}
	for in, want := range map[string]string{
		"chekc": "check", "CHECK": "check", "aprove": "approve", "dif": "diff", "versoin": "version",
		"x": "", "frobnicate": "", "": "", strings.Repeat("check", 20): "",
	} {
		if got := Suggest(in, cmds); got != want {
			t.Errorf("Suggest(%q) = %q; want %q", in, got, want)
		}
	}
}
