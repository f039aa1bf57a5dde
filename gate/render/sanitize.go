package render

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/modelgate/modelgate/rules"
)

// Line is the one sanitizer of text from outside the program (reports,
// registry descriptions, rules-file strings, inputs, error messages) on
// its way to a terminal, a log, a markdown cell or an annotation: line
// breaks and tabs become spaces, so the text stays on its line and cannot
// start a new one (a "::error" workflow command); other control characters,
// format characters (ANSI escapes, bidi overrides, zero-width joiners) and
// invalid UTF-8 are dropped; the text is trimmed and cut at max runes
// (then "…"). max <= 0 means no cut.
func Line(s string, max int) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if max > 0 && n == max {
			b.WriteString("…")
			break
		}
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			r = ' '
		case unicode.IsControl(r) || r == utf8.RuneError || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Bidi_Control, r):
			continue
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimSpace(b.String())
}

// CommandPrefix is put before a line of output that would otherwise start
// with "::", so that the runner never reads a workflow command the
// program did not write on purpose (those go through go-githubactions,
// which writes to the unguarded writer).
const CommandPrefix = "modelgate(escaped) "

// Guard is a writer that lets no line start with "::" (after blanks): such
// a line gets CommandPrefix. It holds an unfinished line until its end (or
// Flush), so a line written in pieces is judged whole.
type Guard struct {
	w   io.Writer
	buf []byte
}

// NewGuard returns a Guard writing to w.
func NewGuard(w io.Writer) *Guard { return &Guard{w: w} }

// Write writes the complete lines of p, guarded, and keeps the rest.
func (g *Guard) Write(p []byte) (int, error) {
	g.buf = append(g.buf, p...)
	for {
		i := bytes.IndexByte(g.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		if err := g.line(g.buf[:i+1]); err != nil {
			return 0, err
		}
		g.buf = g.buf[i+1:]
	}
}

// Flush writes a held unfinished line.
func (g *Guard) Flush() error {
	if len(g.buf) == 0 {
		return nil
	}
	err := g.line(g.buf)
	g.buf = nil
	return err
}

// line writes one line; a carriage return inside it also starts a line
// for the runner (it reads lines as .NET's ReadLine does).
func (g *Guard) line(l []byte) error {
	out := make([]byte, 0, len(l))
	for i, seg := range bytes.Split(l, []byte{'\r'}) {
		if i > 0 {
			out = append(out, '\r')
		}
		if StartsCommand(string(seg)) {
			out = append(out, CommandPrefix...)
		}
		out = append(out, seg...)
	}
	_, err := g.w.Write(out)
	return err
}

// StartsCommand reports whether the runner could read line as a workflow
// command: it starts with "::" after blanks.
func StartsCommand(line string) bool {
	return strings.HasPrefix(strings.TrimLeft(line, " \t\v\f\u00a0\ufeff"), "::")
}

// Error is an error's message for a terminal or a log: the problems of a
// rules file (rules.Diagnostics, which the error wraps) one per line,
// the errors of errors.Join one per line, anything else on one line; every
// line made safe by Line.
func Error(err error) string {
	var ds rules.Diagnostics
	if errors.As(err, &ds) && len(ds) > 0 {
		lines := make([]string, len(ds))
		for i, d := range ds {
			lines[i] = Line(d.String(), 2000)
		}
		return strings.Join(lines, "\n")
	}
	// A joined error (errors.Join), or a wrapper that says no more.
	var j interface {
		error
		Unwrap() []error
	}
	if errors.As(err, &j) && j.Error() == err.Error() {
		var lines []string
		for _, e := range j.Unwrap() {
			lines = append(lines, Error(e))
		}
		return strings.Join(lines, "\n")
	}
	return Line(err.Error(), 8000)
}
