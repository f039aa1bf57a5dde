// TEMPORARY: stands in for the lead's cmd/modelgate/main.go, run.go and
// gate.go until they land on main; deleted when main is merged.

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

var version = "dev"

type gateOptions struct {
	Rules, Registry, Candidate, Region string
	PathStyle                          bool
	Timeout                            time.Duration
	Workdir                            string
}

// runGate loads the rules, opens the registry and evaluates. The error is
// classified by exitCodeOf.
func runGate(ctx context.Context, o gateOptions, getenv func(string) string) (*gate.Result, *rules.File, error) {
	return nil, nil, errors.New("the gate is not in this build")
}

type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func exitCodeOf(err error) int {
	var ue usageError
	if errors.As(err, &ue) {
		return gate.ExitUsage
	}
	return gate.ExitRuntime
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 && getenv("GITHUB_ACTIONS") == "true" || len(args) > 0 && args[0] == "action" {
		return runAction(ctx, getenv, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "version" {
		fmt.Fprintf(stdout, "modelgate %s\n", version)
		return 0
	}
	return gate.ExitUsage
}
