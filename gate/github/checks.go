package github

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	gh "github.com/google/go-github/v60/github"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/render"
	"github.com/modelgate/modelgate/rules"
)

// MaxAnnotationsPerRequest is the most annotations one create or update
// request may carry; more are sent in further updates, which GitHub appends.
//
// GitHub API docs: https://docs.github.com/rest/checks/runs#update-a-check-run
const MaxAnnotationsPerRequest = 50

// MaxAnnotations caps the annotations of one check run: GitHub keeps every
// annotation of every update, and each 50 cost a request, so a run with
// thousands of failing instances posts the MaxAnnotations most severe
// (failure, then warning, then notice) and says in the summary how many
// more there are. The JSON result and the summary table keep them all.
const MaxAnnotations = 200

// PublishInput is one check run to publish.
type PublishInput struct {
	// Name is the check run's name (the check_name input).
	Name string
	// HeadSHA is the commit judged: pull_request.head.sha on pull requests.
	HeadSHA string
	// Result is the gate's result. When nil, Err must be set and the check
	// run fails, saying why the gate could not evaluate.
	Result *gate.Result
	Err    error
	// AnnotationPath is the rules file's path relative to the repository
	// root, where annotations point; empty means Result.RulesFile.
	AnnotationPath string
	// DetailsURL links the check run to the workflow run; optional.
	DetailsURL string
	// Title replaces the result's title (the approval decision check run:
	// "Approved churn-xgboost v13"); optional.
	Title string
	// Started, when set, is the check run to complete (from Start);
	// otherwise Publish starts one itself.
	Started *Started
	// Preamble is markdown put before the findings table (the approval
	// decision, the rules-change guard); it is cut so that the summary
	// stays within render.MaxSummaryChars.
	Preamble string
}

// Started is a check run opened in progress by Start (or found on the
// commit), to be completed by Publish.
type Started struct {
	ID      int64
	HTMLURL string
	// Updated is true when it already existed and is reused.
	Updated bool
}

// Start opens the check run called name on headSHA: the newest existing one
// of that name, reused as it is (its output and conclusion are replaced
// when it is completed), or a new one created in progress.
func (c *Client) Start(ctx context.Context, name, headSHA, detailsURL string) (*Started, error) {
	if name == "" || headSHA == "" {
		return nil, errors.New("start check run: name and head SHA are required")
	}
	existing, err := c.Find(ctx, name, headSHA)
	if err != nil {
		return nil, err
	}
	if existing != nil {
		return &Started{ID: existing.GetID(), HTMLURL: existing.GetHTMLURL(), Updated: true}, nil
	}
	var details *string
	if detailsURL != "" {
		details = gh.String(detailsURL)
	}
	run, _, err := c.gh.Checks.CreateCheckRun(ctx, c.owner, c.repo, gh.CreateCheckRunOptions{
		Name:       name,
		HeadSHA:    headSHA,
		DetailsURL: details,
		Status:     gh.String("in_progress"),
		StartedAt:  &gh.Timestamp{Time: c.now()},
		Output:     &gh.CheckRunOutput{Title: gh.String("Evaluating"), Summary: gh.String("modelgate is publishing its result.")},
	})
	if err != nil {
		return nil, c.classify("create check run", err)
	}
	return &Started{ID: run.GetID(), HTMLURL: run.GetHTMLURL()}, nil
}

// PublishOutcome says what Publish did.
type PublishOutcome struct {
	CheckRunID int64
	HTMLURL    string
	// Updated is true when an existing check run of the same name on the
	// same commit was updated instead of a new one created.
	Updated bool
	// Annotations is the number of annotations sent, in Batches requests.
	Annotations int
	Batches     int
	// Omitted is the number of findings left without an annotation
	// (beyond MaxAnnotations); the summary says how many.
	Omitted    int
	Evidence   gate.Evidence
	ExternalID string
}

// Find returns the newest check run called name on the commit sha, or nil
// when there is none. It reads every page of the list.
//
// GitHub API docs: https://docs.github.com/rest/checks/runs#list-check-runs-for-a-git-reference
func (c *Client) Find(ctx context.Context, name, sha string) (*gh.CheckRun, error) {
	opts := &gh.ListCheckRunsOptions{
		CheckName:   gh.String(name),
		Filter:      gh.String("latest"),
		ListOptions: gh.ListOptions{PerPage: 100},
	}
	var found *gh.CheckRun
	for {
		page, resp, err := c.gh.Checks.ListCheckRunsForRef(ctx, c.owner, c.repo, sha, opts)
		if err != nil {
			return nil, c.classify("list check runs", err)
		}
		for _, run := range page.CheckRuns {
			if run.GetName() != name {
				continue
			}
			if found == nil || run.GetID() > found.GetID() {
				found = run
			}
		}
		if resp.NextPage == 0 {
			return found, nil
		}
		opts.Page = resp.NextPage
	}
}

// Publish posts in.Result as a check run on in.HeadSHA: it updates the
// check run of the same name on that commit when there is one (the newest),
// else creates one in progress; sends an annotation for every finding that did not pass,
// MaxAnnotationsPerRequest per request; and completes it with the
// conclusion, the summary, and the evidence (external_id and output text).
// A 403 is a *ForbiddenError.
//
// GitHub appends the annotations of every update to those already on the
// check run and offers no way to remove them, so a check run updated in
// place keeps the annotations of the earlier runs on that commit.
func (c *Client) Publish(ctx context.Context, in PublishInput) (*PublishOutcome, error) {
	if in.Name == "" || in.HeadSHA == "" {
		return nil, errors.New("publish check run: name and head SHA are required")
	}
	r := in.Result
	if r == nil {
		if in.Err == nil {
			return nil, errors.New("publish check run: no result and no error")
		}
		r = errorResult(in.Err)
	}
	ev := gate.EvidenceOf(r, in.HeadSHA)
	out := &PublishOutcome{Evidence: ev, ExternalID: ExternalID(ev)}
	title := render.Truncate(r.Title(), 1000)
	if in.Title != "" {
		title = render.Truncate(in.Title, 1000)
	}
	summary := render.WithPreamble(in.Preamble, r)
	if in.Result == nil {
		title = render.Truncate("modelgate could not evaluate: "+render.Line(in.Err.Error(), 200), 1000)
		summary = "## ❌ modelgate could not evaluate\n\n```\n" + render.CodeBlock(in.Err.Error(), 16000) + "\n```\n"
	}
	text := "The evidence below is what the approval step verifies; do not edit it.\n\n" + Marker(ev)
	if len(text) > render.MaxSummaryChars {
		return nil, fmt.Errorf("publish check run: the evidence is %d bytes, more than the %d a check run holds", len(text), render.MaxSummaryChars)
	}
	path := in.AnnotationPath
	if path == "" {
		path = r.RulesFile
	}
	anns := annotations(r, path)
	var ds rules.Diagnostics
	if in.Result == nil && errors.As(in.Err, &ds) {
		anns = diagnosticAnnotations(ds, path)
	}
	if len(anns) > MaxAnnotations {
		out.Omitted = len(anns) - MaxAnnotations
		anns = anns[:MaxAnnotations]
		note := fmt.Sprintf("\n\n%d more findings that did not pass have no annotation (at most %d are posted, the most severe first); the JSON result lists them all.\n", out.Omitted, MaxAnnotations)
		summary = render.Truncate(summary, render.MaxSummaryChars-len(note)) + note
	}

	run := in.Started
	if run == nil {
		var err error
		if run, err = c.Start(ctx, in.Name, in.HeadSHA, in.DetailsURL); err != nil {
			return nil, err
		}
	}
	var details *string
	if in.DetailsURL != "" {
		details = gh.String(in.DetailsURL)
	}
	out.Updated = run.Updated
	out.CheckRunID, out.HTMLURL = run.ID, run.HTMLURL
	complete := func(o *gh.CheckRunOutput) error {
		return c.complete(ctx, gh.UpdateCheckRunOptions{
			Name:        in.Name,
			DetailsURL:  details,
			ExternalID:  gh.String(out.ExternalID),
			Status:      gh.String("completed"),
			Conclusion:  gh.String(string(r.Conclusion)),
			CompletedAt: &gh.Timestamp{Time: c.now()},
			Output:      o,
		}, out.CheckRunID)
	}

	output := func(batch []*gh.CheckRunAnnotation, final bool) *gh.CheckRunOutput {
		o := &gh.CheckRunOutput{Title: gh.String(title), Summary: gh.String(summary), Annotations: batch}
		if final {
			o.Text = gh.String(text)
		}
		return o
	}
	// Every batch but the last goes in its own update; the last one rides
	// with the completion.
	for len(anns) > MaxAnnotationsPerRequest {
		batch := anns[:MaxAnnotationsPerRequest]
		anns = anns[MaxAnnotationsPerRequest:]
		_, _, err := c.gh.Checks.UpdateCheckRun(ctx, c.owner, c.repo, out.CheckRunID, gh.UpdateCheckRunOptions{
			Name: in.Name, Output: output(batch, false),
		})
		err = c.classify("annotate check run", err)
		if err != nil {
			// Do not leave a required check in progress forever: complete
			// it with the real conclusion, without the rest of the
			// annotations, then report the failure.
			_ = complete(output(nil, true))
			return out, err
		}
		out.Annotations += len(batch)
		out.Batches++
	}
	if err := complete(output(anns, true)); err != nil {
		return out, err
	}
	if len(anns) > 0 {
		out.Annotations += len(anns)
		out.Batches++
	}
	return out, nil
}

func (c *Client) complete(ctx context.Context, opts gh.UpdateCheckRunOptions, id int64) error {
	_, _, err := c.gh.Checks.UpdateCheckRun(ctx, c.owner, c.repo, id, opts)
	return c.classify("complete check run", err)
}

// VerifiedEvidence reads the evidence of a check run that Publish wrote and
// checks it against the run's external_id and head SHA, so that an edited
// output text is refused.
func VerifiedEvidence(run *gh.CheckRun) (*gate.Evidence, error) {
	if run == nil || run.Output == nil {
		return nil, ErrNoEvidence
	}
	ev, err := ParseEvidence(run.Output.GetText())
	if err != nil {
		return nil, err
	}
	if got := ExternalID(*ev); got != run.GetExternalID() {
		return nil, fmt.Errorf("check run %d: evidence hash %s does not match external_id %q", run.GetID(), got, run.GetExternalID())
	}
	if ev.HeadSHA != run.GetHeadSHA() {
		return nil, fmt.Errorf("check run %d: evidence is for commit %s, the check run is on %s", run.GetID(), ev.HeadSHA, run.GetHeadSHA())
	}
	return ev, nil
}

// errorResult is the failed result of a run that could not evaluate.
func errorResult(err error) *gate.Result {
	return &gate.Result{
		Schema:     gate.ResultSchemaVersion,
		Tool:       "modelgate",
		Conclusion: gate.Failure,
		Notes:      []string{err.Error()},
		Findings:   []gate.Finding{},
	}
}

// Annotation levels of the Checks API.
const (
	levelFailure = "failure"
	levelWarning = "warning"
	levelNotice  = "notice"
)

// AnnotationLevel is the check-run annotation level of a finding: failure
// when it blocks, notice when waived or skipped, warning otherwise.
func AnnotationLevel(f gate.Finding) string {
	switch {
	case f.Blocking:
		return levelFailure
	case f.Verdict == gate.Waived || f.Verdict == gate.Skipped:
		return levelNotice
	}
	return levelWarning
}

// AnnotationMessage is the one-paragraph message of a finding's annotation.
func AnnotationMessage(f gate.Finding) string {
	var b strings.Builder
	b.WriteString(f.Rule)
	b.WriteString(": ")
	b.WriteString(string(f.Verdict))
	if f.Metric != "" {
		b.WriteString(" on ")
		b.WriteString(f.Metric)
		if ls := gate.LabelString(f.Labels); ls != "" {
			b.WriteString(" [" + ls + "]")
		}
	}
	if v := render.Num(f.Value); v != "—" {
		b.WriteString(" = " + v)
	}
	if f.Threshold != "" {
		b.WriteString(", want " + f.Threshold)
	}
	if f.Reason != "" {
		b.WriteString(": " + f.Reason)
	}
	return render.Line(b.String(), 2000)
}

// diagnosticAnnotations puts each problem of the rules file on its line.
func diagnosticAnnotations(ds rules.Diagnostics, path string) []*gh.CheckRunAnnotation {
	var out []*gh.CheckRunAnnotation
	for _, d := range ds {
		line := max(d.Pos.Line, 1)
		a := &gh.CheckRunAnnotation{
			Path:            gh.String(path),
			StartLine:       gh.Int(line),
			EndLine:         gh.Int(line),
			AnnotationLevel: gh.String(levelFailure),
			Title:           gh.String("modelgate: rules file"),
			Message:         gh.String(render.Line(d.Message, 2000)),
		}
		if d.Pos.Col > 0 {
			a.StartColumn, a.EndColumn = gh.Int(d.Pos.Col), gh.Int(d.Pos.Col)
		}
		out = append(out, a)
	}
	return out
}

// annotations lists one annotation per finding that did not pass, on the
// line of its rule in the rules file (line 1 when the rule has no position).
func annotations(r *gate.Result, path string) []*gh.CheckRunAnnotation {
	var out []*gh.CheckRunAnnotation
	for _, f := range r.Findings {
		if f.Verdict == gate.Pass {
			continue
		}
		line := max(f.RulePos.Line, 1)
		out = append(out, &gh.CheckRunAnnotation{
			Path:            gh.String(path),
			StartLine:       gh.Int(line),
			EndLine:         gh.Int(line),
			AnnotationLevel: gh.String(AnnotationLevel(f)),
			Title:           gh.String(render.Line("modelgate: "+f.Rule, 200)),
			Message:         gh.String(AnnotationMessage(f)),
		})
	}
	slices.SortStableFunc(out, func(a, b *gh.CheckRunAnnotation) int {
		return levelRank(a.GetAnnotationLevel()) - levelRank(b.GetAnnotationLevel())
	})
	return out
}

func levelRank(level string) int {
	switch level {
	case levelFailure:
		return 0
	case levelWarning:
		return 1
	}
	return 2
}
