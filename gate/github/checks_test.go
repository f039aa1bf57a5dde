package github_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	gh "github.com/google/go-github/v60/github"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/gatetest"
	"github.com/modelgate/modelgate/gate/github"
	"github.com/modelgate/modelgate/gate/render"
	"github.com/modelgate/modelgate/rules"
)

const sha = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"

func result(conclusion gate.Conclusion, findings ...gate.Finding) *gate.Result {
	r := &gate.Result{
		Schema: gate.ResultSchemaVersion, Tool: "modelgate", RulesFile: ".github/modelgate.yml",
		RulesSHA256: strings.Repeat("ab", 32), Group: "churn-xgboost",
		Candidate: &gate.Package{Group: "churn-xgboost", Version: 13,
			ARN: "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn-xgboost/13"},
		Reports:    []gate.ReportRecord{{Package: "candidate", Slot: "quality", URI: "s3://m/13/q.json", SHA256: strings.Repeat("cd", 32)}},
		Conclusion: conclusion, Findings: findings,
	}
	rulesSeen := map[string]bool{}
	for _, f := range findings {
		rulesSeen[f.Rule] = true
		if f.Blocking {
			r.Counts.FailedRules++
		}
		switch f.Verdict {
		case gate.Pass:
			r.Counts.Pass++
		case gate.Fail:
			r.Counts.Fail++
		case gate.Warn:
			r.Counts.Warn++
		}
	}
	r.Counts.Rules = len(rulesSeen)
	return r
}

func finding(rule string, line int, v gate.Verdict, blocking bool) gate.Finding {
	return gate.Finding{Rule: rule, RulePos: rules.Pos{Line: line, Col: 5}, Severity: rules.SeverityError,
		Metric: "quality.auc", Value: 0.8, Threshold: ">= 0.85", Verdict: v, Blocking: blocking, Reason: "below 0.85"}
}

// newChecks returns a Checks against a fresh fake, with sleeps recorded.
func newChecks(t *testing.T) (*gatetest.GitHub, *github.Client, *[]time.Duration) {
	t.Helper()
	fake := gatetest.NewGitHub(t)
	var mu sync.Mutex
	var slept []time.Duration
	c := newClient(t, fake, func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		slept = append(slept, d)
		mu.Unlock()
		return nil
	})
	return fake, c, &slept
}

// newClient is a Client of the fake's repository with sleep as its wait
// (nil: real waits).
func newClient(t *testing.T, fake *gatetest.GitHub, sleep func(context.Context, time.Duration) error) *github.Client {
	t.Helper()
	c, err := github.New(github.Options{Owner: "Codertocat", Repo: "Hello-World", Token: gatetest.GitHubToken,
		APIURL: fake.APIURL, HTTPClient: fake.HTTPClient(), Sleep: sleep})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPublishCreatesAndCompletes(t *testing.T) {
	t.Parallel()
	fake, c, _ := newChecks(t)
	r := result(gate.Failure,
		finding("auc-floor", 12, gate.Fail, true),
		finding("toxicity", 20, gate.Warn, false),
		finding("f1-floor", 25, gate.Pass, false),
		gate.Finding{Rule: "reports", Verdict: gate.Waived, Reason: "waived", Value: math.NaN()}, // no position: line 1
	)
	out, err := c.Publish(context.Background(), github.PublishInput{
		Name: "modelgate", HeadSHA: sha, Result: r, DetailsURL: "https://github.com/Codertocat/Hello-World/actions/runs/1",
	})
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if out.Updated || out.Annotations != 3 || out.Batches != 1 {
		t.Errorf("Publish = %+v; want a new run with 3 annotations in 1 batch", out)
	}
	runs := fake.CheckRuns()
	if len(runs) != 1 {
		t.Fatalf("%d check runs; want 1", len(runs))
	}
	cr := runs[0]
	want := gatetest.CheckRun{
		ID: cr.ID, Name: "modelgate", HeadSHA: sha, Status: "completed", Conclusion: "failure",
		ExternalID: github.ExternalID(gate.EvidenceOf(r, sha)), DetailsURL: "https://github.com/Codertocat/Hello-World/actions/runs/1",
		Title: "1 of 4 rules failed - churn-xgboost v13", Summary: render.Markdown(r), Text: cr.Text,
		StartedAt: cr.StartedAt, CompletedAt: cr.CompletedAt,
		Annotations: []gatetest.Annotation{
			{Path: ".github/modelgate.yml", StartLine: 12, EndLine: 12, AnnotationLevel: "failure", Title: "modelgate: auc-floor",
				Message: "auc-floor: fail on quality.auc = 0.8, want >= 0.85: below 0.85"},
			{Path: ".github/modelgate.yml", StartLine: 20, EndLine: 20, AnnotationLevel: "warning", Title: "modelgate: toxicity",
				Message: "toxicity: warn on quality.auc = 0.8, want >= 0.85: below 0.85"},
			{Path: ".github/modelgate.yml", StartLine: 1, EndLine: 1, AnnotationLevel: "notice", Title: "modelgate: reports",
				Message: "reports: waived: waived"},
		},
		Batches: []int{3},
		Writes:  2,
		App:     gatetest.GitHubActionsApp,
	}
	if diff := cmp.Diff(want, cr); diff != "" {
		t.Errorf("check run (-want +got):\n%s", diff)
	}
	if cr.CompletedAt == "" || cr.StartedAt == "" {
		t.Errorf("started_at %q, completed_at %q; want both set", cr.StartedAt, cr.CompletedAt)
	}
	if diff := cmp.Diff([]string{"checks/list-for-ref 200", "checks/create 201", "checks/update 200"}, fake.Operations()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	for _, req := range fake.Requests() {
		if !strings.HasPrefix(req.Path, gatetest.GitHubAPIPrefix+"/repos/Codertocat/Hello-World/") {
			t.Errorf("request to %s; want it under the GHES prefix %s", req.Path, gatetest.GitHubAPIPrefix)
		}
	}

	// The approval step reads the evidence back through the API.
	run, _, err := fake.Client().Checks.GetCheckRun(context.Background(), "Codertocat", "Hello-World", cr.ID)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := github.VerifiedEvidence(run)
	if err != nil {
		t.Fatalf("VerifiedEvidence: %v", err)
	}
	if ev.CandidateARN != r.Candidate.ARN || ev.Reports[0].SHA256 != strings.Repeat("cd", 32) || out.HTMLURL != run.GetHTMLURL() {
		t.Errorf("VerifiedEvidence = %+v", ev)
	}
	run.Output.Text = gh.String(strings.Replace(run.Output.GetText(), "/13", "/14", 1))
	if _, err := github.VerifiedEvidence(run); err == nil || !strings.Contains(err.Error(), "does not match external_id") {
		t.Errorf("VerifiedEvidence(tampered) = %v; want a hash mismatch", err)
	}
}

func TestPublishAnnotationBatches(t *testing.T) {
	t.Parallel()
	fake, c, _ := newChecks(t)
	var fs []gate.Finding
	for i := range 120 {
		f := finding("di-range", 9, gate.Fail, true)
		f.Labels = []gate.Label{{Key: "facet", Value: strings.Repeat("<&>", 80) + string(rune('a'+i%26))}}
		f.Reason = strings.Repeat("|", 300)
		fs = append(fs, f)
	}
	r := result(gate.Failure, fs...)
	out, err := c.Publish(context.Background(), github.PublishInput{Name: "modelgate", HeadSHA: sha, Result: r})
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	cr := fake.CheckRuns()[0]
	if diff := cmp.Diff([]int{50, 50, 20}, cr.Batches); diff != "" {
		t.Errorf("annotation batches (-want +got):\n%s", diff)
	}
	if out.Annotations != 120 || out.Batches != 3 || len(cr.Annotations) != 120 {
		t.Errorf("Publish = %+v, stored %d annotations; want 120 in 3 batches", out, len(cr.Annotations))
	}
	if len(cr.Summary) > render.MaxSummaryChars || !strings.Contains(cr.Summary, " more omitted: the summary is limited to 65,535 characters") {
		t.Errorf("summary of %d bytes; want it cut below %d with an omitted line", len(cr.Summary), render.MaxSummaryChars)
	}
	if diff := cmp.Diff([]string{"checks/list-for-ref 200", "checks/create 201", "checks/update 200", "checks/update 200", "checks/update 200"}, fake.Operations()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if cr.Status != "completed" || cr.Conclusion != "failure" {
		t.Errorf("status %s conclusion %s; want completed failure", cr.Status, cr.Conclusion)
	}
}

func TestPublishUpdatesInPlace(t *testing.T) {
	t.Parallel()
	fake, c, _ := newChecks(t)
	other := fake.AddCheckRun(gatetest.CheckRun{Name: "lint", HeadSHA: sha, Conclusion: "success"})
	ctx := context.Background()
	first, err := c.Publish(ctx, github.PublishInput{Name: "modelgate", HeadSHA: sha, Result: result(gate.Failure, finding("auc-floor", 3, gate.Fail, true))})
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.Publish(ctx, github.PublishInput{Name: "modelgate", HeadSHA: sha, Result: result(gate.Success, finding("auc-floor", 3, gate.Pass, false))})
	if err != nil {
		t.Fatal(err)
	}
	if first.Updated || !second.Updated || second.CheckRunID != first.CheckRunID || first.CheckRunID == other {
		t.Errorf("first %+v, second %+v; want the second to update the first", first, second)
	}
	runs := fake.CheckRuns()
	if len(runs) != 2 {
		t.Fatalf("%d check runs; want 2 (lint and modelgate)", len(runs))
	}
	cr := runs[1]
	if cr.Conclusion != "success" || cr.Title != "all 1 rules passed - churn-xgboost v13" || cr.Writes != 3 || cr.ExternalID != second.ExternalID {
		t.Errorf("updated check run = %+v", cr)
	}
	if diff := cmp.Diff([]string{
		"checks/list-for-ref 200", "checks/create 201", "checks/update 200",
		"checks/list-for-ref 200", "checks/update 200",
	}, fake.Operations()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestFindPages(t *testing.T) {
	t.Parallel()
	fake, c, _ := newChecks(t)
	fake.PageSize = 1
	fake.AddCheckRun(gatetest.CheckRun{Name: "modelgate", HeadSHA: sha})
	newest := fake.AddCheckRun(gatetest.CheckRun{Name: "modelgate", HeadSHA: sha})
	fake.AddCheckRun(gatetest.CheckRun{Name: "modelgate", HeadSHA: strings.Repeat("1", 40)})
	got, err := c.Find(context.Background(), "modelgate", sha)
	if err != nil {
		t.Fatal(err)
	}
	if got.GetID() != newest {
		t.Errorf("Find = %d; want %d", got.GetID(), newest)
	}
	if diff := cmp.Diff([]string{"checks/list-for-ref 200", "checks/list-for-ref 200"}, fake.Operations()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	none, err := c.Find(context.Background(), "other", sha)
	if err != nil || none != nil {
		t.Errorf("Find(other) = %v, %v; want nil, nil", none, err)
	}
}

func TestPublishErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		inject func(*gatetest.GitHub)
		// wantOps are the requests made; wantSlept the waits.
		wantOps   []string
		wantSlept []time.Duration
		check     func(t *testing.T, err error)
	}{
		{
			name:    "403 from a fork's read-only token",
			inject:  func(g *gatetest.GitHub) { g.Forbid() },
			wantOps: []string{"checks/list-for-ref 200", "checks/create 403"},
			check: func(t *testing.T, err error) {
				var fe *github.ForbiddenError
				if !errors.As(err, &fe) || fe.Op != "create check run" {
					t.Fatalf("err = %v; want a *ForbiddenError from create", err)
				}
				var er *gh.ErrorResponse
				if !errors.As(err, &er) || er.Response.StatusCode != http.StatusForbidden {
					t.Errorf("err = %v; want it to unwrap to a 403 *github.ErrorResponse", err)
				}
			},
		},
		{
			name:      "502 then success",
			inject:    func(g *gatetest.GitHub) { g.FailNext("checks/create", http.StatusBadGateway, 1) },
			wantOps:   []string{"checks/list-for-ref 200", "checks/create 502", "checks/create 201", "checks/update 200"},
			wantSlept: []time.Duration{time.Second},
		},
		{
			name:      "secondary rate limit with Retry-After",
			inject:    func(g *gatetest.GitHub) { g.SecondaryRateLimit("checks/update", "1", 1) },
			wantOps:   []string{"checks/list-for-ref 200", "checks/create 201", "checks/update 403", "checks/update 200"},
			wantSlept: []time.Duration{time.Second},
		},
		{
			name: "429 with Retry-After",
			inject: func(g *gatetest.GitHub) {
				g.Inject("checks/create", http.StatusTooManyRequests, 1, http.Header{"Retry-After": {"1"}}, `{"message":"slow down"}`)
			},
			wantOps:   []string{"checks/list-for-ref 200", "checks/create 429", "checks/create 201", "checks/update 200"},
			wantSlept: []time.Duration{time.Second},
		},
		{
			name:    "secondary rate limit asking for too long",
			inject:  func(g *gatetest.GitHub) { g.SecondaryRateLimit("checks/create", "3600", 1) },
			wantOps: []string{"checks/list-for-ref 200", "checks/create 403"},
			check: func(t *testing.T, err error) {
				var abuse *gh.AbuseRateLimitError
				var rl *github.RateLimitedError
				if !errors.As(err, &abuse) || !errors.As(err, &rl) || rl.Wait != time.Hour || !strings.Contains(err.Error(), "retry after 1h0m0s") {
					t.Errorf("err = %v; want the secondary rate limit, not waited for", err)
				}
				var fe *github.ForbiddenError
				if errors.As(err, &fe) {
					t.Errorf("a rate limit is not a *ForbiddenError")
				}
			},
		},
		{
			name:      "503 until the attempts run out",
			inject:    func(g *gatetest.GitHub) { g.FailNext("checks/list-for-ref", http.StatusServiceUnavailable, 10) },
			wantOps:   []string{"checks/list-for-ref 503", "checks/list-for-ref 503", "checks/list-for-ref 503", "checks/list-for-ref 503"},
			wantSlept: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second},
			check: func(t *testing.T, err error) {
				var er *gh.ErrorResponse
				if !errors.As(err, &er) || er.Response.StatusCode != 503 || !strings.HasPrefix(err.Error(), "list check runs: ") {
					t.Errorf("err = %v; want the 503 after 4 attempts", err)
				}
				var fe *github.ForbiddenError
				if errors.As(err, &fe) {
					t.Errorf("a 503 is not a *ForbiddenError")
				}
			},
		},
		{
			name:    "422 is not retried",
			inject:  func(g *gatetest.GitHub) { g.FailNext("checks/create", http.StatusUnprocessableEntity, 1) },
			wantOps: []string{"checks/list-for-ref 200", "checks/create 422"},
			check: func(t *testing.T, err error) {
				if err == nil || !strings.HasPrefix(err.Error(), "create check run: ") {
					t.Errorf("err = %v; want create check run: ...", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake, c, slept := newChecks(t)
			tt.inject(fake)
			_, err := c.Publish(context.Background(), github.PublishInput{Name: "modelgate", HeadSHA: sha,
				Result: result(gate.Success, finding("auc-floor", 3, gate.Pass, false))})
			if tt.check != nil {
				tt.check(t, err)
			} else if err != nil {
				t.Fatalf("Publish: %v", err)
			}
			if diff := cmp.Diff(tt.wantOps, fake.Operations()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantSlept, *slept); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPublishWaitsForPrimaryRateLimitReset(t *testing.T) {
	t.Parallel()
	fake, c, slept := newChecks(t)
	fake.RateLimit("checks/list-for-ref", time.Now().Add(time.Second), 1)
	if _, err := c.Publish(context.Background(), github.PublishInput{Name: "modelgate", HeadSHA: sha, Result: result(gate.Success)}); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if len(*slept) != 1 || (*slept)[0] <= 0 || (*slept)[0] > 2*time.Second+100*time.Millisecond {
		t.Errorf("waits = %v; want one until the reset, within 2s", *slept)
	}
	if diff := cmp.Diff([]string{"checks/list-for-ref 403", "checks/list-for-ref 200", "checks/create 201", "checks/update 200"}, fake.Operations()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestPublishHonoursContext(t *testing.T) {
	t.Parallel()
	fake := gatetest.NewGitHub(t)
	fake.FailNext("checks/list-for-ref", http.StatusBadGateway, 1)
	c := newClient(t, fake, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Publish(ctx, github.PublishInput{Name: "modelgate", HeadSHA: sha, Result: result(gate.Success)})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Publish with a 1s retry wait and a 50ms deadline = %v; want context.DeadlineExceeded", err)
	}
}

// TestPublishCapsAnnotations: 5,000 findings that did not pass cost at most
// MaxAnnotations annotations (4 requests of 50, the most severe first),
// and the summary says how many more there are.
func TestPublishCapsAnnotations(t *testing.T) {
	t.Parallel()
	fake, c, _ := newChecks(t)
	var fs []gate.Finding
	for i := range 5000 {
		f := finding("r", 3, gate.Warn, false) // warnings first in rule order...
		if i%10 == 9 {
			f = finding("s", 7, gate.Fail, true) // ...failures later: they must still come first
		}
		fs = append(fs, f)
	}
	out, err := c.Publish(context.Background(), github.PublishInput{Name: "modelgate", HeadSHA: sha, Result: result(gate.Failure, fs...)})
	if err != nil {
		t.Fatal(err)
	}
	cr := fake.CheckRuns()[0]
	if len(cr.Annotations) != github.MaxAnnotations || out.Omitted != 5000-github.MaxAnnotations {
		t.Fatalf("%d annotations, %d omitted; want %d and %d", len(cr.Annotations), out.Omitted, github.MaxAnnotations, 5000-github.MaxAnnotations)
	}
	for i, a := range cr.Annotations {
		if want := map[bool]string{true: "failure", false: "warning"}[i < 500]; a.AnnotationLevel != want {
			t.Fatalf("annotation %d is %s; want %s (the 500 failures first)", i, a.AnnotationLevel, want)
		}
	}
	if n := len(fake.Operations()); n != 2+github.MaxAnnotations/github.MaxAnnotationsPerRequest {
		t.Errorf("%d requests: %v", n, fake.Operations())
	}
	if !strings.Contains(cr.Summary, "4800 more findings that did not pass have no annotation") || len(cr.Summary) > render.MaxSummaryChars {
		t.Errorf("summary (%d bytes) does not state the omitted annotations", len(cr.Summary))
	}
}
