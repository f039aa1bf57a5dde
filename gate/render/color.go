package render

import (
	"io"
	"os"

	"github.com/modelgate/modelgate/gate"
)

// UseColor says whether output to w may be coloured: only a terminal
// (a character device), never when NO_COLOR is set to anything
// (https://no-color.org) or TERM is dumb.
func UseColor(w io.Writer, getenv func(string) string) bool {
	if getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return false
	}
	return IsTerminal(w)
}

// IsTerminal says whether w is a terminal: a character device other than
// the null device.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	// /dev/null is a character device too, but no one reads it.
	if null, err := os.Stat(os.DevNull); err == nil && os.SameFile(st, null) {
		return false
	}
	return true
}

// TextColor is Text with the verdicts and the conclusion in colour (ANSI
// SGR): blocking red, other non-passes yellow, passes green.
func TextColor(w io.Writer, r *gate.Result, version string) error {
	return text(w, r, version, true)
}

const (
	sgrRed    = "31"
	sgrYellow = "33"
	sgrGreen  = "32"
)

func paint(code, s string) string {
	if code == "" || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func verdictColor(f gate.Finding) string {
	switch {
	case f.Blocking:
		return sgrRed
	case f.Verdict == gate.Pass:
		return sgrGreen
	case f.Verdict == gate.Waived || f.Verdict == gate.Skipped:
		return ""
	}
	return sgrYellow
}

func conclusionColor(c gate.Conclusion) string {
	switch c {
	case gate.Failure:
		return sgrRed
	case gate.Neutral:
		return sgrYellow
	}
	return sgrGreen
}
