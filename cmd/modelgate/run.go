package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/localreg"
	"github.com/modelgate/modelgate/rules"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `usage: modelgate <command> [flags]

commands:
  check      evaluate the rules on the candidate model package
  validate   check the rules file and report every problem
  approve    check, then write Approved (or Rejected) into the registry
  diff       diff BASE HEAD: what a rules change loosens or tightens
  schema     print the JSON Schema of the rules file
  version    print the version
  action     run as the GitHub Action (the default under GITHUB_ACTIONS=true)

exit codes: 0 passed (or warnings only), 1 gate failed, 2 bad rules, inputs
or usage, 3 runtime failure (registry, GitHub).
Run 'modelgate <command> -h' for the flags of a command.
`

// run is main without the process: arguments, environment and output are
// passed in, and the exit code comes back.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		if getenv("GITHUB_ACTIONS") == "true" {
			return runAction(ctx, getenv, stdout, stderr)
		}
		fmt.Fprint(stderr, usage)
		return gate.ExitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "check":
		return cmdCheck(ctx, rest, getenv, stdout, stderr)
	case "approve":
		return cmdApprove(ctx, rest, getenv, stdout, stderr)
	case "validate":
		return cmdValidate(rest, stdout, stderr)
	case "diff":
		return cmdDiff(rest, stdout, stderr)
	case "schema":
		stdout.Write(rules.Schema())
		return gate.ExitPass
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "modelgate %s\n", version)
		return gate.ExitPass
	case "action":
		return runAction(ctx, getenv, stdout, stderr)
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return gate.ExitPass
	}
	fmt.Fprintf(stderr, "modelgate: unknown command %q\n\n%s", cmd, usage)
	return gate.ExitUsage
}

// usageError marks an error as the caller's: bad flags, inputs or rules.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitCodeOf maps an error of runGate to an exit code: bad rules, inputs or
// usage are 2, anything else (registry, network, GitHub) is 3.
func exitCodeOf(err error) int {
	var ue usageError
	var ds rules.Diagnostics
	if errors.As(err, &ue) || errors.As(err, &ds) || gate.IsInputError(err) {
		return gate.ExitUsage
	}
	return gate.ExitRuntime
}

// commonFlags are the flags of check and approve.
type commonFlags struct {
	gateOptions
	format string
	out    string
	failOn string
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Rules, "rules", ".github/modelgate.yml", "rules file")
	fs.StringVar(&c.Registry, "registry", "", "registry: local, sagemaker, or the path of a local registry folder (default: the rules file's registry, else local)")
	fs.StringVar(&c.Candidate, "candidate", "", "candidate: latest-pending, a version number or a package ARN (default: the rules file's model.candidate)")
	fs.StringVar(&c.Region, "region", "", "AWS region of the SageMaker registry (default: the rules file, then the AWS config chain)")
	fs.BoolVar(&c.PathStyle, "path-style", false, "address S3 with path-style URLs (MinIO and other S3-compatible stores)")
	fs.DurationVar(&c.Timeout, "timeout", 5*time.Minute, "overall deadline for registry and report access")
	fs.StringVar(&c.format, "format", "text", "output format: text, markdown or json")
	fs.StringVar(&c.out, "out", "", "also write the JSON result to this file")
	fs.StringVar(&c.failOn, "fail-on", "error", "what fails the gate: error, or warning (warnings fail too)")
}

func (c *commonFlags) check() error {
	switch c.format {
	case "text", "markdown", "json":
	default:
		return fmt.Errorf("--format %q: want text, markdown or json", c.format)
	}
	switch c.failOn {
	case "error", "warning":
	default:
		return fmt.Errorf("--fail-on %q: want error or warning", c.failOn)
	}
	return nil
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("modelgate "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func cmdCheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	var c commonFlags
	fs := newFlagSet("check", stderr)
	c.register(fs)
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if err := c.check(); err != nil || fs.NArg() > 0 {
		if err == nil {
			err = fmt.Errorf("unexpected arguments %q", fs.Args())
		}
		fmt.Fprintf(stderr, "modelgate check: %v\n", err)
		return gate.ExitUsage
	}
	res, _, err := runGate(ctx, c.gateOptions, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "modelgate check: %v\n", err)
		return exitCodeOf(err)
	}
	if c.failOn == "warning" {
		res.FailOnWarnings()
	}
	if err := writeResult(res, c.format, c.out, stdout); err != nil {
		fmt.Fprintf(stderr, "modelgate check: %v\n", err)
		return gate.ExitRuntime
	}
	return res.ExitCode()
}

func flagExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return gate.ExitPass
	}
	return gate.ExitUsage
}

// writeResult prints the result in the chosen format and writes the JSON
// result file when asked.
func writeResult(res *gate.Result, format, out string, stdout io.Writer) error {
	if out != "" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := writeFile(out, append(b, '\n')); err != nil {
			return fmt.Errorf("write result: %w", err)
		}
	}
	switch format {
	case "json":
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	case "markdown":
		_, err := io.WriteString(stdout, renderMarkdown(res))
		return err
	default:
		return renderText(stdout, res)
	}
}

// writeFile writes a result file whole or not at all.
func writeFile(name string, data []byte) error {
	if dir := filepath.Dir(name); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	return localreg.WriteFileAtomic(name, data, 0o644)
}

func cmdValidate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("validate", stderr)
	path := fs.String("rules", ".github/modelgate.yml", "rules file")
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	files := fs.Args()
	if len(files) == 0 {
		files = []string{*path}
	}
	code := gate.ExitPass
	for _, p := range files {
		f, err := rules.ReadFile(p)
		var ds rules.Diagnostics
		switch {
		case errors.As(err, &ds):
		case err != nil:
			fmt.Fprintf(stderr, "modelgate validate: %v\n", err)
			code = gate.ExitUsage
			continue
		default:
			ds = rules.Lint(f, time.Now())
		}
		for _, d := range ds {
			fmt.Fprintln(stdout, d.String())
		}
		if len(ds) > 0 {
			code = gate.ExitUsage
			continue
		}
		fmt.Fprintf(stdout, "%s: ok (%d rules)\n", p, len(f.Rules))
	}
	return code
}

func cmdDiff(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("diff", stderr)
	failOnLoosen := fs.Bool("fail-on-loosen", false, "exit 1 when the change loosens any rule")
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() != 2 {
		fmt.Fprintln(stderr, "usage: modelgate diff [--fail-on-loosen] BASE HEAD")
		return gate.ExitUsage
	}
	var files [2]*rules.File
	for i, p := range fs.Args() {
		f, err := rules.ReadFile(p)
		if err != nil {
			fmt.Fprintf(stderr, "modelgate diff: %v\n", err)
			return gate.ExitUsage
		}
		files[i] = f
	}
	changes := rules.Diff(files[0], files[1])
	if len(changes) == 0 {
		fmt.Fprintln(stdout, "no rule changes")
		return gate.ExitPass
	}
	fmt.Fprint(stdout, rules.FormatChanges(changes))
	if *failOnLoosen {
		for _, c := range changes {
			if c.Kind == rules.Loosen {
				return gate.ExitFail
			}
		}
	}
	return gate.ExitPass
}

// oneLine folds white space, line breaks included, for one-line messages.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
