package action

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/render"
)

// ParseArgs parses a command's arguments with flags allowed before, between
// and after its positional arguments (`diff A B --format json`); "--" ends
// the flags. -h (or --help) prints the command's usage on stdout and
// nothing else (code 0); a bad flag is one line on stderr (code 2). code is -1 when the command should go on.
func ParseArgs(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (pos []string, code int) {
	var msg bytes.Buffer
	fs.SetOutput(&msg)
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			msg.Reset()
			fs.SetOutput(stdout)
			fs.Usage()
			return nil, gate.ExitPass
		}
		if err != nil {
			hint := ""
			if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -"); ok {
				var names []string
				fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
				if s := Suggest(strings.TrimPrefix(name, "-"), names); s != "" {
					hint = "; did you mean --" + s + "?"
				}
			}
			fmt.Fprintf(stderr, "%s: %s%s (run '%s -h' for its usage)\n", fs.Name(), render.Line(err.Error(), 2000), hint, fs.Name())
			return nil, gate.ExitUsage
		}
		rest := fs.Args()
		consumed := args[:len(args)-len(rest)]
		if len(consumed) > 0 && consumed[len(consumed)-1] == "--" {
			return append(pos, rest...), -1
		}
		if len(rest) == 0 {
			return pos, -1
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// Usage sets a flag set's usage: the synopsis line, then its flags.
func Usage(fs *flag.FlagSet, synopsis string) {
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: %s\n", synopsis)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(w, "\nflags:")
			fs.PrintDefaults()
		}
	}
}

// Suggest is the choice closest to word (at most a third of its letters
// off, two at least), or "" when none is close: "did you mean" for a
// mistyped command.
func Suggest(word string, choices []string) string {
	best, bestD := "", max(2, len(word)/3)+1
	for _, c := range choices {
		if d := editDistance(strings.ToLower(word), c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Damerau-Levenshtein (optimal string alignment)
// distance, by bytes; words longer than 64 bytes are never close.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 20
	}
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
