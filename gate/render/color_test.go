package render

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate"
)

func TestUseColor(t *testing.T) {
	t.Parallel()
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	if UseColor(&bytes.Buffer{}, env()) {
		t.Error("a buffer is not a terminal")
	}
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	if IsTerminal(null) || UseColor(null, env()) {
		t.Error("/dev/null is not a terminal")
	}
	f, _ := os.Create(t.TempDir() + "/out")
	defer f.Close()
	if IsTerminal(f) {
		t.Error("a regular file is not a terminal")
	}
	// A terminal, when there is one: NO_COLOR and TERM=dumb still win.
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		if !UseColor(tty, env("TERM", "xterm")) {
			t.Error("/dev/tty: no colour")
		}
		if UseColor(tty, env("NO_COLOR", "1")) || UseColor(tty, env("TERM", "dumb")) {
			t.Error("/dev/tty: colour with NO_COLOR or TERM=dumb")
		}
	}
}

func TestTextColor(t *testing.T) {
	t.Parallel()
	r := &gate.Result{Group: "g", Conclusion: gate.Failure, Findings: []gate.Finding{
		{Rule: "a", Metric: "quality.auc", Threshold: ">= 0.8", Verdict: gate.Pass, Value: 0.9},
		{Rule: "b", Metric: "quality.f1", Threshold: ">= 0.8", Verdict: gate.Fail, Blocking: true, Value: 0.5, Reason: "below"},
		{Rule: "c", Metric: "quality.f1", Threshold: ">= 0.8", Verdict: gate.Warn, Value: 0.5},
	}}
	var plain, color bytes.Buffer
	Text(&plain, r, "dev")
	TextColor(&color, r, "dev")
	if strings.Contains(plain.String(), "\x1b") {
		t.Errorf("Text has escape sequences:\n%q", plain.String())
	}
	for _, want := range []string{"\x1b[32mPASS\x1b[0m", "\x1b[31mFAIL (blocking)\x1b[0m", "\x1b[33mWARN\x1b[0m", "\x1b[31mFAILURE\x1b[0m: "} {
		if !strings.Contains(color.String(), want) {
			t.Errorf("TextColor lacks %q:\n%q", want, color.String())
		}
	}
	// Without the escapes it is the plain table, byte for byte.
	stripped := strings.NewReplacer("\x1b[31m", "", "\x1b[32m", "", "\x1b[33m", "", "\x1b[0m", "").Replace(color.String())
	if stripped != plain.String() {
		t.Errorf("colour changed the layout:\n%s\nwant:\n%s", stripped, plain.String())
	}
}
