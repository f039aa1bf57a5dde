package action

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/render"
	"github.com/modelgate/modelgate/internal/strictjson"
)

// CLI is one run of the command line's check or approve.
type CLI struct {
	Options
	Format string // text | markdown | json
	Out    string // also write the JSON result there; optional
	FailOn string // error | warning
	// Command names the command in messages ("check", "approve").
	Command        string
	Evaluate       Evaluator
	Stdout, Stderr io.Writer
	Version        string
	// Color colours the text table's verdicts (cmd: a terminal without
	// NO_COLOR).
	Color bool
	// Progress, when set (cmd: stderr when it is a terminal), shows that
	// long work goes on.
	Progress io.Writer
	// Attestation, for approve, is where the in-toto statement of a
	// decision that holds is written (gate/attest); optional.
	Attestation string
}

// Check evaluates and prints the result; the exit code is the result's.
func Check(ctx context.Context, c CLI) int {
	stdout, stderr := render.NewGuard(c.Stdout), render.NewGuard(c.Stderr)
	defer stdout.Flush()
	defer stderr.Flush()
	res, _, code := c.run(ctx, stdout, stderr)
	if res == nil {
		return code
	}
	return res.ExitCode()
}

func (c CLI) say(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "modelgate %s: %s\n", c.Command, render.Line(fmt.Sprintf(format, args...), 8000))
}

// run evaluates and writes the result; res is nil on an error, with the
// exit code.
func (c CLI) run(ctx context.Context, stdout, stderr io.Writer) (*gate.Result, gate.Registry, int) {
	rd, err := render.Get(c.Format)
	if err != nil {
		c.say(stderr, "--%v", err)
		return nil, nil, gate.ExitUsage
	}
	if c.Format == "text" && c.Color {
		rd = render.TextColor
	}
	if c.Out != "" {
		// Before any work: a result file that cannot be written is the
		// caller's to fix.
		if err := checkOutPath(c.Out); err != nil {
			c.say(stderr, "--out %v", err)
			return nil, nil, gate.ExitUsage
		}
	}
	stop := showProgress(c.Progress, c.Command)
	res, reg, err := c.Evaluate(ctx, c.Options)
	stop()
	if err != nil {
		suffix := ""
		if c.Command == "approve" {
			suffix = " (nothing written)"
		}
		fmt.Fprintf(stderr, "modelgate %s: %s%s\n", c.Command, render.Error(err), suffix)
		return nil, nil, gate.ExitCodeOf(err)
	}
	res.Version = c.Version
	if c.FailOn == "warning" {
		res.FailOnWarnings()
	}
	if c.Out != "" {
		b, err := render.JSONBytes(res)
		if err == nil {
			err = writeFile(c.Out, b)
		}
		if err != nil {
			c.say(stderr, "write result: %v", err)
			return nil, nil, gate.ExitRuntime
		}
	}
	if err := rd(stdout, res, c.Version); err != nil {
		c.say(stderr, "%v", err)
		return nil, nil, gate.ExitRuntime
	}
	return res, reg, gate.ExitPass
}

// Approve is the CLI's approve: check, then the approval protocol
// (gate.Approve) on the registry. The decision is printed only once it
// holds: after the write, or when there is nothing to write.
func Approve(ctx context.Context, c CLI, in gate.ApprovalInput) int {
	stdout, stderr := render.NewGuard(c.Stdout), render.NewGuard(c.Stderr)
	defer stdout.Flush()
	defer stderr.Flush()
	if c.Attestation != "" {
		if err := checkOutPath(c.Attestation); err != nil {
			c.say(stderr, "--attestation %v; nothing written", err)
			return gate.ExitUsage
		}
	}
	res, reg, code := c.run(ctx, stdout, stderr)
	if res == nil {
		return code
	}
	in.Result = res
	var statement []byte
	var attestErr error
	if c.Attestation != "" {
		// Made from the re-check, before the write. A result that cannot
		// be attested (a report without a digest) is one that errored,
		// and such a result is never approved nor rejected.
		_, statement, attestErr = statementOf(res, res.RulesFile, c.Version, time.Now())
	}
	out, err := gate.Approve(ctx, reg, in, nil)
	if err != nil {
		c.say(stderr, "%v; the package is left as the registry has it", err)
		return gate.ExitRuntime
	}
	fmt.Fprintf(stderr, "%s\n", render.PlanLine(res, out.Plan))
	if c.Attestation != "" && decisionHolds(out) {
		err := attestErr
		if err == nil {
			err = writeFile(c.Attestation, statement)
		}
		if err != nil {
			// The decision is in the registry: its exit code stands.
			c.say(stderr, "the decision is in the registry, but the attestation was not written: %v", err)
		} else {
			c.say(stderr, "attestation written to %s", c.Attestation)
		}
	}
	return out.Plan.Exit()
}

// Progress timing: nothing for a run shorter than progressDelay, then one
// line rewritten every progressTick.
var progressDelay, progressTick = 2 * time.Second, time.Second

// showProgress writes "modelgate check: working (5s)..." to w (a
// terminal), rewritten in place, while the evaluation reads the registry,
// the reports and any corpus; stop clears the line. A nil w shows nothing.
func showProgress(w io.Writer, cmd string) (stop func()) {
	if w == nil {
		return func() {}
	}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		start := time.Now()
		t := time.NewTimer(progressDelay)
		defer t.Stop()
		shown := false
		for {
			select {
			case <-done:
				if shown {
					fmt.Fprint(w, "\r\x1b[K")
				}
				return
			case <-t.C:
				fmt.Fprintf(w, "\rmodelgate %s: reading the registry and the reports (%s)...", cmd, time.Since(start).Round(time.Second))
				shown = true
				t.Reset(progressTick)
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// checkOutPath refuses a result path that is not a regular file, or whose
// folder is a file.
func checkOutPath(p string) error {
	if st, err := os.Stat(p); err == nil && !st.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", p)
	}
	for d := filepath.Dir(p); ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err == nil {
			if !st.IsDir() {
				return fmt.Errorf("%s: %s is not a folder", p, d)
			}
			return nil
		}
		if filepath.Dir(d) == d {
			return nil
		}
	}
}

// ReadEvidence reads the evidence of a JSON result written by check --out
// (duplicate keys refused).
func ReadEvidence(path string) (*gate.Evidence, error) {
	// A FIFO would block the open: look before opening.
	if st, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("read evidence: %w", err)
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("read evidence %s: not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read evidence: %w", err)
	}
	defer f.Close()
	var r gate.Result
	if err := strictjson.ReadAll(f, 64<<20, &r); err != nil {
		return nil, fmt.Errorf("read evidence %s: %w", path, err)
	}
	if r.Candidate == nil || r.Candidate.ARN == "" {
		return nil, fmt.Errorf("read evidence %s: no candidate package in it", path)
	}
	ev := gate.EvidenceOf(&r, "")
	return &ev, nil
}
