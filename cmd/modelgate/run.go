package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/action"
	"github.com/modelgate/modelgate/gate/endpoint"
	mgh "github.com/modelgate/modelgate/gate/github"
	"github.com/modelgate/modelgate/gate/localreg"
	"github.com/modelgate/modelgate/gate/render"
	"github.com/modelgate/modelgate/gate/sagemaker"
	"github.com/modelgate/modelgate/internal/version"
	"github.com/modelgate/modelgate/rules"
)

const usage = `usage: modelgate <command> [flags]

commands:
  check      evaluate the rules on the candidate model package
  validate   check the rules file and report every problem
  approve    check, then write Approved (or Rejected) into the registry
  diff       diff BASE HEAD: what a rules change loosens or tightens
  endpoint   endpoint check: judge the live (or proposed) endpoint
  matrix     print the strategy.matrix of the models a change touches
  verify     verify FILE: check an approval attestation against the registry
  schema     print the JSON Schema of the rules file
  version    print the version
  action     run as the GitHub Action (the default under GITHUB_ACTIONS=true)

exit codes: 0 passed (or warnings only), 1 gate failed, 2 bad rules, inputs
or usage, 3 runtime failure (registry, GitHub; for validate, a base policy
that could not be read or checked).
Run 'modelgate <command> -h' for the flags of a command.
`

var commands = []string{"check", "validate", "approve", "diff", "endpoint", "matrix", "verify", "schema", "version", "action", "help"}

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
		return cmdValidate(ctx, rest, getenv, stdout, stderr)
	case "diff":
		return cmdDiff(ctx, rest, getenv, stdout, stderr)
	case "endpoint":
		return cmdEndpoint(ctx, rest, getenv, stdout, stderr)
	case "verify":
		return cmdVerify(ctx, rest, stdout, stderr)
	case "matrix":
		return cmdMatrix(rest, stdout, stderr)
	case "schema", "version", "--version", "-version", "action":
		name := strings.TrimLeft(cmd, "-")
		if _, code := parse(newFlagSet(name, "modelgate "+name), rest, stdout, stderr, 0, 0); code >= 0 {
			return code
		}
		switch name {
		case "schema":
			stdout.Write(rules.Schema())
		case "version":
			fmt.Fprintf(stdout, "modelgate %s\n", version.String())
		default:
			return runAction(ctx, getenv, stdout, stderr)
		}
		return gate.ExitPass
	case "help", "-h", "--help", "-help":
		if len(rest) == 1 && slices.Contains(commands, rest[0]) && rest[0] != "help" {
			return run(ctx, []string{rest[0], "-h"}, getenv, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return gate.ExitPass
	}
	hint := ""
	if s := action.Suggest(cmd, commands); s != "" {
		hint = fmt.Sprintf("; did you mean %q?", s)
	}
	fmt.Fprintf(stderr, "modelgate: unknown command %q%s\n\n%s", render.Line(cmd, 100), hint, usage)
	return gate.ExitUsage
}

// runAction runs the GitHub Action with the production registries and
// GitHub client.
func runAction(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) int {
	return action.Run(ctx, action.Env{Getenv: getenv, Stdout: stdout, Stderr: stderr,
		Evaluate: action.Evaluate(registries(getenv)), NewSurface: newSurface, Version: version.String(),
		EvaluateEndpoint: func(name string) action.Evaluator {
			return action.EvaluateEndpoint(registries(getenv), openEndpoint, name, false)
		}})
}

// newSurface is the GitHub client of the action, every call through its
// one retry policy, bounded by the timeout input.
func newSurface(token, apiURL, owner, repo string, timeout time.Duration) (action.Surface, error) {
	return mgh.New(mgh.Options{Owner: owner, Repo: repo, Token: token, APIURL: apiURL,
		UserAgent: "modelgate/" + version.Get().Version, Timeout: timeout})
}

// registries opens the registry the flag (or the rules file) names: the
// one place that knows the adapters.
func registries(getenv func(string) string) action.OpenRegistry {
	return func(ctx context.Context, o action.Options, f *rules.File) (gate.Registry, error) {
		return openRegistry(ctx, getenv, o, f)
	}
}

func openRegistry(ctx context.Context, getenv func(string) string, o action.Options, f *rules.File) (gate.Registry, error) {
	kind, path := o.Registry, ""
	switch kind {
	case "", "local", "sagemaker", "mlflow":
	default:
		kind, path = "local", o.Registry
	}
	if kind == "" {
		kind = f.Registry.Kind
	}
	if kind == "" {
		kind = "local"
	}
	switch kind {
	case "sagemaker":
		region := o.Region
		if region == "" {
			region = f.Registry.Region
		}
		c, err := sagemaker.New(ctx, sagemaker.Options{Region: region, PathStyle: o.PathStyle || f.Registry.PathStyle})
		if err != nil {
			return nil, fmt.Errorf("open sagemaker registry: %w", err)
		}
		return c, nil
	case "local":
		return action.OpenLocal(o, f, path)
	case "mlflow":
		return openMLflow(ctx, getenv, o, f)
	}
	return nil, &gate.InputError{Err: fmt.Errorf("registry %q: want local, sagemaker, mlflow or a folder path", kind)}
}

// openEndpoint opens a live endpoint: a local registry's description, or
// SageMaker's.
func openEndpoint(ctx context.Context, o action.Options, f *rules.File, reg gate.Registry, name string) (endpoint.Source, error) {
	if lr, ok := reg.(*localreg.Registry); ok {
		return lr.Endpoint(name), nil
	}
	region := o.Region
	if region == "" {
		region = f.Registry.Region
	}
	return sagemaker.NewEndpoint(ctx, sagemaker.Options{Region: region}, name)
}

// cliFlags are the flags of check, approve, endpoint check and verify.
type cliFlags struct {
	action.CLI
	getenv func(string) string
}

// registerGate registers the flags that say what to read.
func (c *cliFlags) registerGate(fs *flag.FlagSet) {
	fs.StringVar(&c.Rules, "rules", ".github/modelgate.yml", "rules file")
	fs.StringVar(&c.Registry, "registry", "", "registry: local, sagemaker, mlflow, or the path of a local registry folder (default: the rules file's registry, else local)")
	fs.StringVar(&c.Region, "region", "", "AWS region of the SageMaker registry (default: the rules file, then the AWS config chain)")
	fs.BoolVar(&c.PathStyle, "path-style", false, "address S3 with path-style URLs (MinIO and other S3-compatible stores)")
	fs.DurationVar(&c.Timeout, "timeout", 5*time.Minute, "overall deadline for registry and report access")
	c.Evaluate, c.Version = action.Evaluate(registries(c.getenv)), version.String()
	// Base policies: the repository's folder (Options.Repo unset), https
	// URLs, and other GitHub repositories with GITHUB_TOKEN (GITHUB_API_URL
	// for GitHub Enterprise); without a token such a base is refused.
	c.Policies = gate.PolicyFetchers{HTTPS: gate.HTTPSFiles{},
		GitHub: cliGitHubPolicies(c.getenv, &c.Timeout)}
}

// cliGitHubPolicies reads bases of other GitHub repositories with
// GITHUB_TOKEN, bounded by the --timeout flag (read when a base is read,
// after the flags are parsed).
func cliGitHubPolicies(getenv func(string) string, timeout *time.Duration) gate.GitHubFiles {
	return gate.GitHubFilesFunc(func(ctx context.Context, owner, repo, ref, path string) ([]byte, error) {
		g := action.GitHubPolicies(newSurface, getenv("GITHUB_TOKEN"), getenv("GITHUB_API_URL"), *timeout, "set GITHUB_TOKEN")
		return g.FileAt(ctx, owner, repo, ref, path)
	})
}

// register registers the flags of a judging command.
func (c *cliFlags) register(fs *flag.FlagSet) {
	c.registerGate(fs)
	fs.StringVar(&c.Candidate, "candidate", "", "candidate: latest-pending, a version number or a package ARN (default: the rules file's model.candidate)")
	fs.StringVar(&c.Format, "format", "text", "output format: "+strings.Join(render.Formats(), ", "))
	fs.StringVar(&c.Out, "out", "", "also write the JSON result to this file")
	fs.StringVar(&c.FailOn, "fail-on", "error", "what fails the gate: error, or warning (warnings fail too)")
}

// parse parses the flags and checks them; code < 0 means go on.
func (c *cliFlags) parse(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) int {
	c.Command = strings.TrimPrefix(fs.Name(), "modelgate ")
	c.Stdout, c.Stderr = stdout, stderr
	// Colour and progress only on a terminal, never with NO_COLOR.
	c.Color = render.UseColor(stdout, c.getenv)
	if render.IsTerminal(stderr) {
		c.Progress = stderr
	}
	if _, code := parse(fs, args, stdout, stderr, 0, 0); code >= 0 {
		return code
	}
	var err error
	switch {
	case !slices.Contains(render.Formats(), c.Format):
		err = fmt.Errorf("--format %q: want one of %s", c.Format, strings.Join(render.Formats(), ", "))
	case c.FailOn != "error" && c.FailOn != "warning":
		err = fmt.Errorf("--fail-on %q: want error or warning", c.FailOn)
	case c.Timeout <= 0:
		err = fmt.Errorf("--timeout %v: want a positive duration such as 90s or 5m", c.Timeout)
	}
	return usageError(stderr, c.Command, err)
}

// usageError says err on stderr and returns 2; -1 for no error.
func usageError(stderr io.Writer, cmd string, err error) int {
	if err == nil {
		return -1
	}
	fmt.Fprintf(stderr, "modelgate %s: %s\n", cmd, render.Line(err.Error(), 2000))
	return gate.ExitUsage
}

// newFlagSet is a command's flag set; synopsis is its usage line.
func newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("modelgate "+name, flag.ContinueOnError)
	action.Usage(fs, synopsis)
	return fs
}

// parse parses flags anywhere among the arguments and wants between lo and
// hi positional ones; code < 0 means go on.
func parse(fs *flag.FlagSet, args []string, stdout, stderr io.Writer, lo, hi int) ([]string, int) {
	pos, code := action.ParseArgs(fs, args, stdout, stderr)
	if code >= 0 {
		return nil, code
	}
	if len(pos) < lo || len(pos) > hi {
		what := "no arguments"
		if hi > 0 {
			what = fmt.Sprintf("%d to %d arguments", lo, hi)
			if lo == hi {
				what = fmt.Sprintf("%d arguments", lo)
			}
		}
		fmt.Fprintf(stderr, "%s: want %s, got %d\n", fs.Name(), what, len(pos))
		fs.SetOutput(stderr)
		fs.Usage()
		return nil, gate.ExitUsage
	}
	return pos, -1
}

func cmdCheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	c := cliFlags{getenv: getenv}
	fs := newFlagSet("check", "modelgate check [flags]")
	c.register(fs)
	if code := c.parse(fs, args, stdout, stderr); code >= 0 {
		return code
	}
	return action.Check(ctx, c.CLI)
}

func cmdApprove(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	c := cliFlags{getenv: getenv}
	fs := newFlagSet("approve", "modelgate approve --commit SHA (--evidence FILE | --no-evidence) [flags]")
	c.register(fs)
	var in gate.ApprovalInput
	evidence := fs.String("evidence", "", "JSON result of the pull request's check (modelgate check --out); approval refuses a different package or changed reports")
	fs.StringVar(&in.Commit, "commit", "", "commit the approval is recorded against (required)")
	fs.IntVar(&in.PR, "pr", 0, "pull request number, for the audit record")
	fs.StringVar(&in.Actor, "actor", "", "who merged, for the audit record")
	fs.StringVar(&in.CheckURL, "check-url", "", "URL of the pull request's check run, for the audit record")
	fs.StringVar(&in.OnFail, "on-fail", "leave", "when the re-check fails: leave (the package stays pending) or reject")
	fs.BoolVar(&in.Override, "override", false, "overwrite a Rejected package or an approval not made by this commit (recorded in the audit)")
	fs.StringVar(&c.Attestation, "attestation", "", "write the in-toto statement (SLSA verification summary) of the decision to this file")
	noEvidence := fs.Bool("no-evidence", false, "approve without the evidence of a pull request's check (the registry credentials are then the only gate)")
	if code := c.parse(fs, args, stdout, stderr); code >= 0 {
		return code
	}
	var err error
	switch {
	case in.OnFail != "leave" && in.OnFail != "reject":
		err = fmt.Errorf("--on-fail %q: want leave or reject", in.OnFail)
	case *evidence == "" && !*noEvidence:
		err = errors.New("--evidence FILE (the JSON result of the pull request's check) is required; --no-evidence approves without it")
	case in.Commit == "":
		err = errors.New("--commit is required: the approval is recorded against a commit")
	case *evidence != "":
		in.Evidence, err = action.ReadEvidence(*evidence)
	}
	if code := usageError(stderr, "approve", err); code >= 0 {
		return code
	}
	return action.Approve(ctx, c.CLI, in)
}

// cmdEndpoint is `modelgate endpoint check`: the endpoint section judged
// on the live endpoint (--endpoint, else endpoint.name) or on the proposed
// configuration (--proposed).
func cmdEndpoint(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	c := cliFlags{getenv: getenv}
	fs := newFlagSet("endpoint check", "modelgate endpoint check [--endpoint NAME | --proposed] [flags]")
	c.register(fs)
	name := fs.String("endpoint", "", "the live endpoint to judge (default: the rules file's endpoint.name)")
	proposed := fs.Bool("proposed", false, "judge the proposed configuration the rules file names (endpoint.config) instead of the live endpoint")
	if len(args) > 0 && args[0] == "check" {
		args = args[1:]
	} else if len(args) == 0 || (args[0] != "-h" && args[0] != "--help" && args[0] != "-help") {
		fmt.Fprintln(stderr, "usage: modelgate endpoint check [--endpoint NAME | --proposed] [flags]")
		return gate.ExitUsage
	}
	if code := c.parse(fs, args, stdout, stderr); code >= 0 {
		return code
	}
	c.Evaluate = action.EvaluateEndpoint(registries(getenv), openEndpoint, *name, *proposed)
	return action.Check(ctx, c.CLI)
}

// cmdVerify is `modelgate verify FILE`.
func cmdVerify(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var c cliFlags
	fs := newFlagSet("verify", "modelgate verify [flags] STATEMENT.json")
	c.registerGate(fs)
	c.Command, c.Stdout, c.Stderr = "verify", stdout, stderr
	pos, code := parse(fs, args, stdout, stderr, 1, 1)
	if code >= 0 {
		return code
	}
	return action.Verify(ctx, c.CLI, pos[0])
}

// cmdValidate is `modelgate validate`: every problem of each rules file,
// including those of the base policies it extends (resolved as check does:
// absent, mis-pinned, loosened, a waiver owner the base does not allow, a
// cycle, too deep). Exit 2 when any file has a problem; else 3 when a base
// was not checked (--offline, no GITHUB_TOKEN, or unreadable after the
// retries); else 0.
func cmdValidate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := newFlagSet("validate", "modelgate validate [--rules FILE] [--offline] [FILE...]")
	path := fs.String("rules", ".github/modelgate.yml", "rules file")
	offline := fs.Bool("offline", false, "read no base policy over the network (`repo` and `url` bases): each is listed as not checked, and the exit code is 3 unless a problem was found")
	root := fs.String("root", "", "the repository folder `path` bases are read from (default: the parent of the rules file's .github folder, else its folder; for a base policy, its git root)")
	timeout := fs.Duration("timeout", 2*time.Minute, "deadline for reading the base policies of one file")
	files, code := parse(fs, args, stdout, stderr, 0, 1<<20)
	if code >= 0 {
		return code
	}
	if *timeout <= 0 {
		return usageError(stderr, "validate", fmt.Errorf("--timeout %v: want a positive duration such as 90s or 5m", *timeout))
	}
	if len(files) == 0 {
		files = []string{*path}
	}
	fx := gate.PolicyFetchers{HTTPS: policyHTTPS, GitHub: cliGitHubPolicies(getenv, timeout)}
	if getenv("GITHUB_TOKEN") == "" {
		// Not a problem of the rules file: the base is not checked (exit 3).
		fx.GitHub = gate.GitHubFilesFunc(func(context.Context, string, string, string, string) ([]byte, error) {
			return nil, errors.New("no GITHUB_TOKEN to read it with (it needs contents: read on that repository); set it, or pass --offline")
		})
	}
	if *root != "" {
		fx.Repo = gate.DirFiles{Root: *root}
	}
	out := render.NewGuard(stdout)
	defer out.Flush()
	problems, unchecked := false, false
	for _, p := range files {
		f, err := rules.ReadFile(p)
		var ds rules.Diagnostics
		var un []gate.Unchecked
		rf := f
		switch {
		case errors.As(err, &ds):
		case err != nil:
			fmt.Fprintf(stderr, "modelgate validate: %s\n", render.Line(err.Error(), 2000))
			problems = true
			continue
		default:
			ds = rules.Lint(f, time.Now())
			if len(f.Extends) == 0 {
				break
			}
			o := action.Options{Rules: p, Timeout: *timeout, Policies: fx}
			if o.Policies.Repo == nil && f.Policy != nil {
				// A base policy's `path` bases are files of its repository
				// (as when it is read from GitHub): its git root.
				if r, ok := gitRoot(p); ok {
					o.Policies.Repo = gate.DirFiles{Root: r}
				}
			}
			var rds rules.Diagnostics
			rf, un, err = o.CheckPolicy(ctx, f, *offline)
			switch {
			case errors.As(err, &rds):
				ds = append(ds, rds...)
			case err != nil:
				fmt.Fprintf(stderr, "modelgate validate: %s\n", render.Line(err.Error(), 2000))
				problems = true
				continue
			}
		}
		for _, d := range ds {
			fmt.Fprintln(out, render.Line(d.String(), 4000))
		}
		for _, u := range un {
			fmt.Fprintln(out, render.Line(u.String(), 4000))
		}
		switch {
		case len(ds) > 0:
			problems = true
		case len(un) > 0:
			unchecked = true
			fmt.Fprintf(out, "%s: no problem found, but %d base %s not checked\n", render.Line(p, 1000), len(un), plural(len(un), "policy was", "policies were"))
		case rf.Resolution != nil && len(rf.Resolution.Sources) > 1:
			fmt.Fprintf(out, "%s: ok (%d rules, %d inherited, from %d base %s)\n", render.Line(p, 1000), len(rf.Rules),
				len(rf.Resolution.Origins), len(rf.Resolution.Sources)-1, plural(len(rf.Resolution.Sources)-1, "policy", "policies"))
		default:
			fmt.Fprintf(out, "%s: ok (%d rules)\n", render.Line(p, 1000), len(f.Rules))
		}
	}
	switch {
	case problems:
		return gate.ExitUsage
	case unchecked:
		return gate.ExitRuntime
	}
	return gate.ExitPass
}

// cmdDiff is `modelgate diff BASE HEAD`. When either file extends a base
// policy, the resolved policies are compared, as the pull request's
// rules-change guard compares them: a change of only a base's pin shows
// what the new base changes.
func cmdDiff(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := newFlagSet("diff", "modelgate diff [--fail-on-loosen] BASE HEAD")
	failOnLoosen := fs.Bool("fail-on-loosen", false, "exit 1 when the change loosens any rule")
	baseRoot := fs.String("base-root", "", "the repository folder BASE's `path` bases are read from (default: the parent of BASE's .github folder, else its folder)")
	headRoot := fs.String("head-root", "", "the same for HEAD")
	timeout := fs.Duration("timeout", 2*time.Minute, "deadline for reading the base policies")
	paths, code := parse(fs, args, stdout, stderr, 2, 2)
	if code >= 0 {
		return code
	}
	if *timeout <= 0 {
		return usageError(stderr, "diff", fmt.Errorf("--timeout %v: want a positive duration such as 90s or 5m", *timeout))
	}
	var files [2]*rules.File
	for i, p := range paths {
		f, err := rules.ReadFile(p)
		if err != nil {
			fmt.Fprintf(stderr, "modelgate diff: %s\n", render.Error(err))
			return gate.ExitUsage
		}
		files[i] = f
	}
	var changes []rules.Change
	if len(files[0].Extends) == 0 && len(files[1].Extends) == 0 {
		changes = rules.Diff(files[0], files[1])
	} else {
		side := func(path, root string) action.Options {
			o := action.Options{Rules: path, Timeout: *timeout, Policies: gate.PolicyFetchers{HTTPS: policyHTTPS, GitHub: cliGitHubPolicies(getenv, timeout)}}
			if root != "" {
				o.Policies.Repo = gate.DirFiles{Root: root}
			}
			return o
		}
		rc, err := action.DiffPolicies(ctx, side(paths[0], *baseRoot), files[0], side(paths[1], *headRoot), files[1])
		if err != nil {
			fmt.Fprintf(stderr, "modelgate diff: %s\n", render.Error(err))
			return gate.ExitCodeOf(err)
		}
		if rc.BaseBroken != nil {
			out := render.NewGuard(stdout)
			fmt.Fprintf(out, "loosen  %s: the policy of BASE does not resolve, so the change counts as loosening (as in the pull request's check):\n", render.Line(paths[0], 1000))
			for _, l := range strings.Split(rc.BaseBroken.Error(), "\n") {
				fmt.Fprintf(out, "  %s\n", render.Line(l, 4000))
			}
			out.Flush()
			if *failOnLoosen {
				return gate.ExitFail
			}
			return gate.ExitPass
		}
		changes = rc.Changes
	}
	if len(changes) == 0 {
		fmt.Fprintln(stdout, "no rule changes")
		return gate.ExitPass
	}
	out := render.NewGuard(stdout)
	fmt.Fprint(out, rules.FormatChanges(changes))
	out.Flush()
	if *failOnLoosen && rules.Loosens(changes) {
		return gate.ExitFail
	}
	return gate.ExitPass
}

// cmdMatrix is `modelgate matrix`: the JSON strategy.matrix of the models
// (rules files) the changed files touch.
func cmdMatrix(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("matrix", "modelgate matrix [--models GLOB]... [--changed FILE|-] [--check-name NAME]")
	c := action.MatrixCLI{MatrixOptions: action.MatrixOptions{Root: "."}, Stdin: os.Stdin, Stdout: stdout, Stderr: stderr}
	fs.Func("models", "rules files, one model each: a glob relative to the repository root, repeatable (default "+strings.Join(action.DefaultModelGlobs, " and ")+")", func(v string) error {
		c.Globs = append(c.Globs, v)
		return nil
	})
	fs.StringVar(&c.Changed, "changed", "", "file of the changed paths, one a line (git diff --name-only --no-renames); - reads stdin; without it every model is listed")
	fs.StringVar(&c.CheckName, "check-name", "modelgate", "check name of each model: NAME / <group>")
	fs.StringVar(&c.Registry, "registry", "", "registry: local, sagemaker, mlflow, or the path of a local registry folder (default: each rules file's registry)")
	if _, code := parse(fs, args, stdout, stderr, 0, 0); code >= 0 {
		return code
	}
	return action.RunMatrix(c)
}
