// Package action holds the GitHub Action's flows (check mode and approve
// mode) and the CLI's check and approve, written against small ports: the
// registry (gate.Registry, opened by the caller's OpenRegistry), the GitHub
// surface (Surface, implemented by gate/github.Client) and a clock. It has
// no globals; cmd/modelgate only wires it.
package action

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sethvargo/go-githubactions"

	"github.com/modelgate/modelgate/gate"
	mgh "github.com/modelgate/modelgate/gate/github"
	"github.com/modelgate/modelgate/gate/localreg"
	"github.com/modelgate/modelgate/gate/render"
)

// actionReportFile is where the action writes the JSON result, relative to
// GITHUB_WORKSPACE: a Docker action's other folders (RUNNER_TEMP) are not
// mounted, and the workspace is where later steps run.
const actionReportFile = "modelgate-result.json"

// maxEventBytes caps the event payload read from GITHUB_EVENT_PATH.
const maxEventBytes = 25 << 20

// actionInputs are the action's inputs (action.yml), read once and checked.
type actionInputs struct {
	Rules       string
	Registry    string
	Mode        string // auto | check | approve | matrix
	Token       string // github_token; never printed
	Candidate   string
	Region      string
	CheckName   string
	FailOn      string // error | warning
	OnFail      string // leave | reject
	Timeout     time.Duration
	PathStyle   bool
	RulesChange string // allow | warn | fail
	Override    bool
	// Endpoint, when set, makes the run a live check of that endpoint
	// (the rules file's endpoint section), posted as "<check_name> / endpoint".
	Endpoint string
	// Models are the rules-file globs of mode: matrix.
	Models []string
}

// actionRun is one run of the action, with everything read from the
// environment. Approve mode (approveHook) receives it.
type actionRun struct {
	In    actionInputs
	Event mgh.Event
	// Mode is the mode this run is in: the event's, or the mode input.
	Mode mgh.Mode
	// HeadSHA is the commit judged: Event.HeadSHA or GITHUB_SHA.
	HeadSHA     string
	Owner, Repo string
	Workspace   string
	// DetailsURL links to the workflow run.
	DetailsURL string
	// Surface is GitHub; nil when there is no token.
	Surface Surface
	// Evaluate and GateOptions evaluate the rules.
	Evaluate    Evaluator
	GateOptions Options
	Version     string
	now         func() time.Time
	publishers  []Publisher
	// Action writes outputs, the job summary and workflow commands.
	Action         *githubactions.Action
	Getenv         func(string) string
	Stdout, Stderr io.Writer
	// Act is true under nektos/act (ACT=true).
	Act bool
	// preamble is markdown put before the findings in the check run and
	// the job summary (the rules-change guard).
	preamble string
	// evaluateEndpoint is Env.EvaluateEndpoint; noGuard turns the
	// rules-change guard off (the endpoint check).
	evaluateEndpoint func(name string) Evaluator
	noGuard          bool
	// attestOutputs name the attestation files of approve mode.
	attestOutputs map[string]string
}

// Run is the GitHub Action's entry point: inputs from INPUT_*, the event
// from GITHUB_EVENT_PATH, and the check run posted through the Surface env
// builds. It returns the exit code. Every line it prints goes through
// render.Guard: only go-githubactions writes workflow commands.
func Run(ctx context.Context, env Env) int {
	stdout, stderr := render.NewGuard(env.Stdout), render.NewGuard(env.Stderr)
	defer stdout.Flush()
	defer stderr.Flush()
	a, err := newActionRun(env, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "modelgate: %s\n", render.Error(err))
		return gate.ExitCodeOf(err)
	}
	fmt.Fprintf(stdout, "modelgate %s: %s\n", render.Line(a.Version, 100), render.Line(a.Event.Reason, 500))
	if a.In.Mode == "matrix" {
		return a.matrix(ctx)
	}
	switch a.Mode {
	case mgh.ModeNone:
		a.setOutputs(map[string]string{"conclusion": "skipped"})
		return gate.ExitPass
	case mgh.ModeApprove:
		return a.approve(ctx)
	}
	if a.In.Endpoint != "" {
		return a.endpointCheck(ctx)
	}
	return a.check(ctx)
}

// newActionRun reads and checks the inputs and the event.
func newActionRun(env Env, stdout, stderr io.Writer) (*actionRun, error) {
	getenv := env.Getenv
	// go-githubactions writes the workflow commands the product means:
	// the only writer that is not guarded.
	act := githubactions.New(githubactions.WithGetenv(getenv), githubactions.WithWriter(env.Stdout))
	a := &actionRun{Action: act, Getenv: getenv, Stdout: stdout, Stderr: stderr, Evaluate: env.Evaluate,
		Act: getenv("ACT") == "true", Workspace: getenv("GITHUB_WORKSPACE"), Version: env.Version, now: env.Now, publishers: env.Publishers,
		evaluateEndpoint: env.EvaluateEndpoint}
	if a.now == nil {
		a.now = time.Now
	}
	in, err := readInputs(act)
	if err != nil {
		return nil, &gate.InputError{Err: err}
	}
	a.In = in

	name := getenv("GITHUB_EVENT_NAME")
	var payload []byte
	if p := getenv("GITHUB_EVENT_PATH"); p != "" {
		if payload, err = readCapped(p, maxEventBytes); err != nil {
			return nil, &gate.InputError{Err: fmt.Errorf("read the event payload: %w", err)}
		}
	}
	if a.Event, err = mgh.ResolveEvent(name, payload, ""); err != nil {
		return nil, &gate.InputError{Err: err}
	}
	a.Mode = a.Event.Mode
	if in.Mode == "matrix" && in.Endpoint != "" {
		return nil, &gate.InputError{Err: errors.New("input endpoint: mode: matrix plans the model checks; run the endpoint check in its own step")}
	}
	if in.Endpoint != "" {
		// An endpoint check judges what is deployed: never an approval.
		if in.Mode == "approve" {
			return nil, &gate.InputError{Err: errors.New("input endpoint: a live endpoint check cannot run in mode: approve")}
		}
		in.Mode, a.In.Mode = "check", "check"
	}
	switch in.Mode {
	case "check":
		if a.Mode == mgh.ModeNone && a.Event.HeadSHA == "" {
			return nil, &gate.InputError{Err: fmt.Errorf("input mode: check, but there is no commit to check (%s)", a.Event.Reason)}
		}
		a.Mode = mgh.ModeCheck
	case "approve":
		if a.Event.Mode != mgh.ModeApprove {
			return nil, &gate.InputError{Err: fmt.Errorf("input mode: approve needs a push to the default branch or a merged pull request; %s", a.Event.Reason)}
		}
	}
	a.HeadSHA = a.Event.HeadSHA
	if a.HeadSHA == "" {
		a.HeadSHA = getenv("GITHUB_SHA")
	}
	if a.Mode != mgh.ModeNone && !shaPattern.MatchString(a.HeadSHA) {
		return nil, &gate.InputError{Err: fmt.Errorf("no commit to judge: the event names none and GITHUB_SHA is %q", a.HeadSHA)}
	}
	if repo := getenv("GITHUB_REPOSITORY"); repo != "" {
		owner, name, ok := strings.Cut(repo, "/")
		if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
			return nil, &gate.InputError{Err: fmt.Errorf("GITHUB_REPOSITORY %q: want owner/name", repo)}
		}
		a.Owner, a.Repo = owner, name
		if server, run := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_RUN_ID"); server != "" && run != "" {
			a.DetailsURL = strings.TrimRight(server, "/") + "/" + repo + "/actions/runs/" + run
		}
	}
	if in.Token != "" && a.Owner != "" {
		if a.Surface, err = env.NewSurface(in.Token, getenv("GITHUB_API_URL"), a.Owner, a.Repo, in.Timeout); err != nil {
			return nil, &gate.InputError{Err: err}
		}
	}
	a.GateOptions = Options{
		Rules: in.Rules, Registry: in.Registry, Candidate: in.Candidate, Region: in.Region,
		PathStyle: in.PathStyle, Timeout: in.Timeout, Workdir: a.Workspace,
		Policies: gate.PolicyFetchers{HTTPS: gate.HTTPSFiles{},
			GitHub: GitHubPolicies(env.NewSurface, in.Token, getenv("GITHUB_API_URL"), in.Timeout, "give the github_token input")},
	}
	return a, nil
}

// endpointName is the API's EndpointName pattern.
var endpointName = regexp.MustCompile(`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`)

var shaPattern = regexp.MustCompile(`^(?:[0-9a-f]{40}|[0-9a-f]{64})$`)

func readCapped(path string, n int64) ([]byte, error) {
	// A FIFO would block the open: look before opening.
	if st, err := os.Stat(path); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, n+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > n {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, n)
	}
	return b, nil
}

// readInputs reads the inputs of action.yml and checks every one, naming the
// input and the allowed values in the error.
func readInputs(act *githubactions.Action) (actionInputs, error) {
	in := actionInputs{
		Rules:       act.GetInput("rules"),
		Registry:    act.GetInput("registry"),
		Mode:        act.GetInput("mode"),
		Token:       act.GetInput("github_token"),
		Candidate:   act.GetInput("candidate"),
		Region:      act.GetInput("region"),
		CheckName:   act.GetInput("check_name"),
		FailOn:      act.GetInput("fail_on"),
		OnFail:      act.GetInput("on_fail"),
		RulesChange: act.GetInput("rules_change"),
		Endpoint:    act.GetInput("endpoint"),
	}
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&in.Rules, ".github/modelgate.yml")
	def(&in.Mode, "auto")
	def(&in.CheckName, "modelgate")
	def(&in.FailOn, "error")
	def(&in.OnFail, "leave")
	def(&in.RulesChange, "warn")
	var errs []error
	oneOf := func(name, v string, allowed ...string) {
		for _, a := range allowed {
			if v == a {
				return
			}
		}
		errs = append(errs, fmt.Errorf("input %s: %q is not one of %s", name, v, strings.Join(allowed, ", ")))
	}
	oneOf("mode", in.Mode, "auto", "check", "approve", "matrix")
	oneOf("fail_on", in.FailOn, "error", "warning")
	oneOf("on_fail", in.OnFail, "leave", "reject")
	oneOf("rules_change", in.RulesChange, "allow", "warn", "fail")
	boolean := func(name string) bool {
		switch v := act.GetInput(name); strings.ToLower(v) {
		case "", "false":
			return false
		case "true":
			return true
		default:
			errs = append(errs, fmt.Errorf("input %s: %q is not true or false", name, v))
			return false
		}
	}
	in.Models = modelGlobs(act.GetInput("models"))
	in.PathStyle = boolean("path_style")
	in.Override = boolean("override")
	in.Timeout = 10 * time.Minute
	if v := act.GetInput("timeout"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("input timeout: %q is not a positive duration such as 10m or 90s", v))
		} else {
			in.Timeout = d
		}
	}
	if in.Endpoint != "" && !endpointName.MatchString(in.Endpoint) {
		errs = append(errs, fmt.Errorf("input endpoint: %q is not a SageMaker endpoint name (letters, digits and hyphens, at most 63)", render.Line(in.Endpoint, 100)))
	}
	if strings.ContainsAny(in.CheckName, "\r\n") || len(in.CheckName) > 100 {
		errs = append(errs, fmt.Errorf("input check_name: want one line of at most 100 characters"))
	}
	return in, errors.Join(errs...)
}

// evaluate runs the gate and applies fail_on. On an error it says why on
// stderr and returns the error with its exit code.
func (a *actionRun) evaluate(ctx context.Context) (*gate.Result, int, error) {
	res, _, code, err := a.evaluateReg(ctx)
	return res, code, err
}

// evaluateReg is evaluate that also hands back the open registry.
func (a *actionRun) evaluateReg(ctx context.Context) (*gate.Result, gate.Registry, int, error) {
	res, reg, err := a.Evaluate(ctx, a.GateOptions)
	if err == nil && res == nil {
		err = errors.New("the gate returned no result")
	}
	if err != nil {
		fmt.Fprintf(a.Stderr, "modelgate: %s\n", render.Error(err))
		return nil, nil, gate.ExitCodeOf(err), err
	}
	res.Version = a.Version
	if a.In.FailOn == "warning" {
		res.FailOnWarnings()
	}
	return res, reg, res.ExitCode(), nil
}

// check is check mode: evaluate, post the check run (or fall back), and
// report. The exit code is the gate's, or 3 when the check run could not
// be posted for another reason than a read-only token.
func (a *actionRun) check(ctx context.Context) int {
	res, code, err := a.evaluate(ctx)
	if err == nil && !a.noGuard {
		if err = a.guard(ctx, res); err != nil && a.In.RulesChange == string(gate.RulesChangeAllow) {
			a.say("rules-change guard: %v (rules_change: allow, so the check goes on)", err)
			err = nil
		} else if err != nil {
			a.say("%v", err)
			code = gate.ExitCodeOf(err)
		}
	}
	if err != nil {
		// The gate could not evaluate: a required check must still say so.
		posted := false
		if a.Surface != nil {
			_, perr := a.Surface.Publish(ctx, mgh.PublishInput{Name: a.In.CheckName, HeadSHA: a.HeadSHA,
				Err: err, AnnotationPath: a.annotationPath(nil), DetailsURL: a.DetailsURL})
			if perr != nil {
				a.say("%v", perr)
			}
			posted = perr == nil
		}
		if !posted {
			a.annotateDiagnostics(err)
		}
		a.setOutputs(map[string]string{"conclusion": "error"})
		return code
	}
	code = res.ExitCode()
	url, pcode := a.publish(ctx, res)
	a.publishMore(ctx, res, url)
	return max(code, pcode, a.report(res, url))
}

// publishMore hands the result to the further publishers (Env.Publishers).
// They inform; the check run is what gates, so a failure here is said on
// stderr and changes no exit code.
func (a *actionRun) publishMore(ctx context.Context, res *gate.Result, checkRunURL string) {
	for _, p := range a.publishers {
		pub := Publication{Event: a.Event, HeadSHA: a.HeadSHA, Result: res, Markdown: a.summary(res), CheckRunURL: checkRunURL}
		if err := p.PublishResult(ctx, pub); err != nil {
			a.say("%s: %v", p.Name(), err)
		}
	}
}

// publish posts res as the check run. Without a token (act, or an emptied
// github_token) it prints the summary instead. On a 403 it writes workflow
// command annotations. It returns the check run URL and an exit code: 0, or
// 3 when posting failed otherwise.
func (a *actionRun) publish(ctx context.Context, res *gate.Result) (string, int) {
	if a.Surface == nil {
		why := "no github_token"
		if a.Owner == "" {
			why = "no GITHUB_REPOSITORY"
		}
		if a.Act {
			why += " under act"
		}
		fmt.Fprintf(a.Stdout, "modelgate: %s: printing the summary instead of posting a check run\n\n%s\n", why, a.summary(res))
		return "", gate.ExitPass
	}
	out, err := a.Surface.Publish(ctx, mgh.PublishInput{
		Name: a.In.CheckName, HeadSHA: a.HeadSHA, Result: res,
		AnnotationPath: a.annotationPath(res), DetailsURL: a.DetailsURL,
		Preamble: a.preamble,
	})
	var fe *mgh.ForbiddenError
	switch {
	case errors.As(err, &fe):
		a.annotate(res)
		why := "the token cannot write check runs"
		if a.Event.Fork {
			why = "a pull request from a fork gets a read-only token"
		}
		fmt.Fprintf(a.Stderr, "modelgate: check run not posted (403: %s); the result is in the annotations and the job summary\n", why)
		return "", gate.ExitPass
	case err != nil:
		a.say("%v", err)
		a.annotate(res)
		return "", gate.ExitRuntime
	}
	verb := "posted"
	if out.Updated {
		verb = "updated"
	}
	fmt.Fprintf(a.Stdout, "modelgate: %s check run %q on %s: %s\n", verb, a.In.CheckName, a.HeadSHA, render.Line(out.HTMLURL, 500))
	return out.HTMLURL, gate.ExitPass
}

// annotationPath is the rules file's path relative to the repository root
// (the workspace), as check-run annotations and workflow commands want it.
func (a *actionRun) annotationPath(res *gate.Result) string {
	p := a.In.Rules
	if res != nil && res.RulesFile != "" && !filepath.IsAbs(res.RulesFile) {
		p = res.RulesFile
	}
	if filepath.IsAbs(p) && a.Workspace != "" {
		if rel, err := filepath.Rel(a.Workspace, p); err == nil && !strings.HasPrefix(rel, "..") {
			p = rel
		}
	}
	return filepath.ToSlash(filepath.Clean(p))
}

// annotate writes one workflow command (::error file=...,line=...::) per
// finding that did not pass: the fallback when no check run can be posted.
func (a *actionRun) annotate(res *gate.Result) {
	if n := mgh.Annotate(a.Action, res, a.annotationPath(res)); n > 0 {
		a.say("%d more findings that did not pass have no annotation (at most %d); the JSON result lists them all", n, mgh.MaxAnnotations)
	}
}

// annotateDiagnostics writes one workflow command per problem of the rules
// file, when err carries them.
func (a *actionRun) annotateDiagnostics(err error) {
	mgh.AnnotateDiagnostics(a.Action, err, a.annotationPath(nil))
}

// report writes the JSON result at report_path, the job summary and the
// outputs. It returns 3 when the result file cannot be written.
func (a *actionRun) report(res *gate.Result, checkRunURL string) int {
	code := gate.ExitPass
	path := filepath.Join(a.Workspace, actionReportFile)
	b, err := render.JSONBytes(res)
	if err == nil {
		err = writeFile(path, b)
	}
	if err != nil {
		fmt.Fprintf(a.Stderr, "modelgate: write the JSON result: %v\n", err)
		code = gate.ExitRuntime
	}
	if a.Getenv("GITHUB_STEP_SUMMARY") != "" {
		if err := fileCommand(func() { a.Action.AddStepSummary(a.summary(res)) }); err != nil {
			fmt.Fprintf(a.Stderr, "modelgate: write the job summary: %v\n", err)
		}
	}
	passed, failed, warnings := ruleTally(res)
	arn := ""
	if res.Candidate != nil {
		arn = res.Candidate.ARN
	}
	outs := map[string]string{
		"conclusion":    string(res.Conclusion),
		"passed":        strconv.Itoa(passed),
		"failed":        strconv.Itoa(failed),
		"warnings":      strconv.Itoa(warnings),
		"candidate_arn": arn,
		"report_path":   actionReportFile,
		"check_run_url": checkRunURL,
	}
	for k, v := range a.attestOutputs {
		outs[k] = v
	}
	a.setOutputs(outs)
	fmt.Fprintf(a.Stdout, "modelgate: %s\n", render.Line(res.Title(), 1000))
	return code
}

// ruleTally counts rules: failed when a finding blocks, a warning when a
// finding did not pass but none blocks, passed otherwise.
func ruleTally(r *gate.Result) (passed, failed, warnings int) {
	type state int
	const (
		ok state = iota
		warned
		blocked
	)
	var order []string
	st := map[string]state{}
	for _, f := range r.Findings {
		if _, seen := st[f.Rule]; !seen {
			order = append(order, f.Rule)
			st[f.Rule] = ok
		}
		switch {
		case f.Blocking:
			st[f.Rule] = blocked
		case f.Verdict != gate.Pass && f.Verdict != gate.Skipped && f.Verdict != gate.Waived && st[f.Rule] == ok:
			st[f.Rule] = warned
		}
	}
	for _, rule := range order {
		switch st[rule] {
		case ok:
			passed++
		case warned:
			warnings++
		default:
			failed++
		}
	}
	return passed, failed, warnings
}

// setOutputs writes step outputs (GITHUB_OUTPUT), one line each: a value
// with a line break could forge other outputs.
func (a *actionRun) setOutputs(m map[string]string) {
	if a.Getenv("GITHUB_OUTPUT") == "" {
		return
	}
	for _, k := range []string{"conclusion", "passed", "failed", "warnings", "candidate_arn", "report_path", "check_run_url", "matrix", "count",
		"attestation_path", "attestation_predicate_path", "attestation_subject_name", "attestation_subject_digest"} {
		v, ok := m[k]
		if !ok {
			continue
		}
		v = strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
		if err := fileCommand(func() { a.Action.SetOutput(k, v) }); err != nil {
			fmt.Fprintf(a.Stderr, "modelgate: set output %s: %v\n", k, err)
			return
		}
	}
}

// fileCommand runs a go-githubactions file command, which panics when the
// file cannot be written, and returns that as an error.
func fileCommand(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	f()
	return nil
}

// summary is the check run's summary: the preamble (rules change,
// approval decision), then the findings.
func (a *actionRun) summary(res *gate.Result) string {
	return render.WithPreamble(a.preamble, res)
}

// say writes one line to stderr, made safe.
func (a *actionRun) say(format string, args ...any) {
	fmt.Fprintf(a.Stderr, "modelgate: %s\n", render.Line(fmt.Sprintf(format, args...), 8000))
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

// endpointCheck is the endpoint input: the live endpoint judged by the
// rules file's endpoint section, posted as its own check run
// "<check_name> / endpoint" (never the model's check run, whose evidence
// approval trusts), with the same outputs, result file and exit codes.
func (a *actionRun) endpointCheck(ctx context.Context) int {
	if a.evaluateEndpoint == nil {
		a.say("this build cannot check endpoints")
		return gate.ExitUsage
	}
	a.Evaluate = a.evaluateEndpoint(a.In.Endpoint)
	a.In.CheckName += " / endpoint"
	a.noGuard = true
	return a.check(ctx)
}
