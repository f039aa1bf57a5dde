package action

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelgate/modelgate/gate"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Long work shows progress on the Progress writer (a terminal's stderr),
// cleared before the result is printed; a short run and a nil writer show
// nothing. Not parallel: it sets the package's timing.
func TestProgress(t *testing.T) {
	defer func(d, k time.Duration) { progressDelay, progressTick = d, k }(progressDelay, progressTick)
	progressTick = 10 * time.Millisecond
	slow := func(ctx context.Context, o Options) (*gate.Result, gate.Registry, error) {
		time.Sleep(80 * time.Millisecond)
		return runGate(ctx, o)
	}
	for _, tt := range []struct {
		name     string
		eval     Evaluator
		delay    time.Duration
		progress bool
		want     bool
	}{
		{"slow on a terminal", slow, 20 * time.Millisecond, true, true},
		{"fast on a terminal", runGate, time.Minute, true, false},
		{"slow, not a terminal", slow, 20 * time.Millisecond, false, false},
	} {
		progressDelay = tt.delay
		var prog syncBuffer
		var out, errb bytes.Buffer
		c := CLI{Options: Options{Rules: "../../examples/fraud/.github/modelgate.yml", Candidate: "12"}, Format: "text", FailOn: "error",
			Command: "check", Evaluate: tt.eval, Stdout: &out, Stderr: &errb, Version: "dev"}
		if tt.progress {
			c.Progress = &prog
		}
		if code := Check(context.Background(), c); code != 0 {
			t.Fatalf("%s: exit %d %s", tt.name, code, &errb)
		}
		got := prog.String()
		if shown := strings.Contains(got, "\rmodelgate check: reading the registry and the reports ("); shown != tt.want {
			t.Errorf("%s: progress %q; want shown=%v", tt.name, got, tt.want)
		}
		if tt.want && !strings.HasSuffix(got, "\r\x1b[K") {
			t.Errorf("%s: the progress line is not cleared: %q", tt.name, got)
		}
		if strings.Contains(out.String()+errb.String(), "reading the registry") {
			t.Errorf("%s: progress leaked into the output", tt.name)
		}
	}
}
