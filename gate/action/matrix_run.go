package action

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/gate"
	mgh "github.com/modelgate/modelgate/gate/github"
	"github.com/modelgate/modelgate/gate/render"
	"github.com/modelgate/modelgate/rules"
)

// maxChangedList caps a --changed file (a path per line).
const maxChangedList = 16 << 20

// changedFileLister is GitHub's lists of changed files (*github.Client).
type changedFileLister interface {
	PullFiles(ctx context.Context, number int) (mgh.ChangedFiles, error)
	CompareFiles(ctx context.Context, base, head string) (mgh.ChangedFiles, error)
}

var _ changedFileLister = (*mgh.Client)(nil)

// MatrixCLI is one run of `modelgate matrix`.
type MatrixCLI struct {
	MatrixOptions
	// Changed is a file of changed paths, one a line ("-": Stdin); ""
	// means unknown: every model.
	Changed        string
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// RunMatrix prints the matrix of the models the changed files touch (every
// model without --changed) as one line of JSON on stdout, and one line per
// model on stderr saying why it is in or out. Exit 0, or 2 for a bad glob,
// rules file or list.
func RunMatrix(c MatrixCLI) int {
	stdout, stderr := render.NewGuard(c.Stdout), render.NewGuard(c.Stderr)
	defer stdout.Flush()
	defer stderr.Flush()
	ch := Changes{Why: "no --changed list"}
	if c.Changed != "" {
		var b []byte
		var err error
		if c.Changed == "-" {
			b, err = io.ReadAll(io.LimitReader(c.Stdin, maxChangedList+1))
			if err == nil && len(b) > maxChangedList {
				err = fmt.Errorf("larger than %d bytes", maxChangedList)
			}
		} else {
			b, err = readCapped(c.Changed, maxChangedList)
		}
		if err != nil {
			fmt.Fprintf(stderr, "modelgate matrix: --changed %s: %s\n", render.Line(c.Changed, 500), render.Line(err.Error(), 2000))
			return gate.ExitUsage
		}
		ch = Changes{Known: true, Paths: ParseChangedList(b), Why: "--changed " + c.Changed}
	}
	plan, err := PlanMatrix(c.MatrixOptions, ch)
	if err != nil {
		fmt.Fprintf(stderr, "modelgate matrix: %s\n", render.Error(err))
		return gate.ExitCodeOf(err)
	}
	sayPlan(stderr, "modelgate matrix", plan)
	fmt.Fprintln(stdout, plan.Matrix.JSON())
	return gate.ExitPass
}

// sayPlan writes one line per model: in or out, and why.
func sayPlan(w io.Writer, prefix string, plan *MatrixPlan) {
	for _, m := range plan.Models {
		verb := "skipped"
		if m.Touched {
			verb = "checked"
		}
		fmt.Fprintf(w, "%s: %s (%s): %s: %s\n", prefix, render.Line(m.Group, 200), render.Line(m.Rules, 500), verb, render.Line(m.Why, 1000))
	}
	for _, b := range plan.Bases {
		fmt.Fprintf(w, "%s: %s is a base policy, not a model\n", prefix, render.Line(b, 500))
	}
}

// matrix is mode: matrix: the plan of the event's changes, set as the
// outputs matrix and count. It posts no check run and judges nothing; each
// matrix job then runs the action with its model's rules and check_name.
func (a *actionRun) matrix(ctx context.Context) int {
	ch, err := a.changes(ctx)
	if err != nil {
		a.say("%v", err)
		return gate.ExitRuntime
	}
	o := MatrixOptions{Root: a.Workspace, Globs: a.In.Models, CheckName: a.In.CheckName, Registry: a.In.Registry}
	if o.Root == "" {
		o.Root = "."
	}
	plan, err := PlanMatrix(o, ch)
	if err != nil {
		a.say("%s", render.Error(err))
		a.annotateMatrixDiagnostics(err)
		return gate.ExitCodeOf(err)
	}
	if a.Event.Mode == mgh.ModeNone {
		// A pull request closed without merging: nothing to judge.
		plan.Matrix.Include = []MatrixEntry{}
		for i := range plan.Models {
			plan.Models[i].Touched, plan.Models[i].Why = false, a.Event.Reason
		}
	}
	sayPlan(a.Stdout, "modelgate", plan)
	js := plan.Matrix.JSON()
	n := strconv.Itoa(len(plan.Matrix.Include))
	fmt.Fprintf(a.Stdout, "modelgate: %s of %d models to check: %s\n", n, len(plan.Models), render.Line(js, 4000))
	a.setOutputs(map[string]string{"matrix": js, "count": n})
	if a.Getenv("GITHUB_STEP_SUMMARY") != "" {
		if err := fileCommand(func() { a.Action.AddStepSummary(matrixSummary(plan, ch)) }); err != nil {
			a.say("write the job summary: %v", err)
		}
	}
	return gate.ExitPass
}

// matrixSummary is the job summary of mode: matrix: one row per model.
func matrixSummary(plan *MatrixPlan, ch Changes) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### modelgate: %d of %d models to check\n\nChanges: %s\n\n| model | rules file | checked | why |\n|---|---|---|---|\n",
		len(plan.Matrix.Include), len(plan.Models), render.Line(ch.Why, 500))
	cell := func(s string) string { return strings.ReplaceAll(render.Line(s, 500), "|", "\\|") }
	for _, m := range plan.Models {
		yes := "no"
		if m.Touched {
			yes = "yes"
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", cell(m.Group), cell(m.Rules), yes, cell(m.Why))
	}
	return b.String()
}

// annotateMatrixDiagnostics writes one workflow command per problem of the
// rules files, each at its own file.
func (a *actionRun) annotateMatrixDiagnostics(err error) {
	var ds rules.Diagnostics
	if !errors.As(err, &ds) {
		return
	}
	for i, d := range ds {
		if i == mgh.MaxAnnotations {
			break
		}
		fields := map[string]string{"file": d.File, "line": strconv.Itoa(max(d.Pos.Line, 1)), "title": "modelgate: rules file"}
		if d.Pos.Col > 0 {
			fields["col"] = strconv.Itoa(d.Pos.Col)
		}
		a.Action.WithFieldsMap(fields).Errorf("%s", render.Line(d.Message, 2000))
	}
}

// changes are the files the event changed: a pull request's files, a
// push's comparison with the commit before it; unknown for any other event,
// a new branch, a list at GitHub's cap, or no token. A GitHub failure
// after the retries is an error (exit 3), never "no models".
func (a *actionRun) changes(ctx context.Context) (Changes, error) {
	ev := a.Event
	var files mgh.ChangedFiles
	var err error
	lister, _ := a.Surface.(changedFileLister)
	switch {
	case ev.Mode == mgh.ModeNone:
		return Changes{Why: ev.Reason}, nil
	case ev.Name != "push" && ev.Name != "pull_request" && ev.Name != "pull_request_target":
		return Changes{Why: "a " + orEvent(ev.Name) + " event names no change"}, nil
	case lister == nil:
		return Changes{Why: "no github_token to ask GitHub for the changed files"}, nil
	case ev.Name == "push" && ev.Before == "":
		return Changes{Why: "the push names no commit before it (a new branch or tag)"}, nil
	case ev.Name == "push":
		files, err = lister.CompareFiles(ctx, ev.Before, ev.HeadSHA)
	case ev.PRNumber <= 0:
		return Changes{Why: "the event names no pull request number"}, nil
	default:
		files, err = lister.PullFiles(ctx, ev.PRNumber)
	}
	if err != nil {
		return Changes{}, fmt.Errorf("list the changed files: %w", err)
	}
	if !files.Complete {
		return Changes{Why: files.Why}, nil
	}
	why := fmt.Sprintf("the %d files of pull request #%d", len(files.Paths), ev.PRNumber)
	if ev.Name == "push" {
		why = fmt.Sprintf("the %d files changed from %s to %s", len(files.Paths), short(ev.Before), short(ev.HeadSHA))
	}
	return Changes{Known: true, Paths: files.Paths, Why: why}, nil
}

func orEvent(name string) string {
	if strings.TrimSpace(name) == "" {
		return "unnamed"
	}
	return name
}

// modelGlobs splits the models input: globs separated by newlines or
// commas; empty means DefaultModelGlobs.
func modelGlobs(v string) []string {
	var out []string
	for _, g := range strings.FieldsFunc(v, func(r rune) bool { return r == '\n' || r == ',' || r == '\r' }) {
		if g = strings.TrimSpace(g); g != "" {
			out = append(out, g)
		}
	}
	return out
}
