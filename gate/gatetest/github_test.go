package gatetest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	gh "github.com/google/go-github/v60/github"

	"github.com/modelgate/modelgate/gate/gatetest"
)

// collect starts a fake whose reports are collected rather than failing.
func collect(t *testing.T) (*gatetest.GitHub, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var got []string
	g, err := gatetest.NewGitHubServer(func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, fmt.Sprintf(format, args...))
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	return g, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), got...)
	}
}

func TestGitHubFakeRejectsInvalidRequests(t *testing.T) {
	t.Parallel()
	ann := func(level string) map[string]any {
		return map[string]any{"path": "a.yml", "start_line": 1, "end_line": 1, "annotation_level": level, "message": "m"}
	}
	many := make([]any, 51)
	for i := range many {
		many[i] = ann("failure")
	}
	tests := []struct {
		name, method, path string
		body               any
		status             int
		want               string
	}{
		{"missing name", "POST", "/repos/o/r/check-runs", map[string]any{"head_sha": "abc"}, 400, "invalid request"},
		{"bad annotation level", "POST", "/repos/o/r/check-runs",
			map[string]any{"name": "n", "head_sha": "abc", "output": map[string]any{"title": "t", "summary": "s", "annotations": []any{ann("error")}}}, 400, "invalid request"},
		{"51 annotations", "POST", "/repos/o/r/check-runs",
			map[string]any{"name": "n", "head_sha": "abc", "output": map[string]any{"title": "t", "summary": "s", "annotations": many}}, 400, "invalid request"},
		{"completed without conclusion", "PATCH", "/repos/o/r/check-runs/1", map[string]any{"status": "completed"}, 400, "invalid request"},
		{"summary too long", "POST", "/repos/o/r/check-runs",
			map[string]any{"name": "n", "head_sha": "abc", "output": map[string]any{"title": "t", "summary": strings.Repeat("x", 65536)}}, 400, "invalid request"},
		{"unknown path", "GET", "/repos/o/r/checkruns", nil, 404, "no such operation"},
		{"absolute URL bug: no /api/v3 prefix", "ABS", "/repos/o/r/check-runs/1", nil, 404, "no such operation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g, reports := collect(t)
			c := g.Client()
			url := g.APIURL + tt.path
			method := tt.method
			if method == "ABS" {
				method, url = "GET", g.URL+tt.path
			}
			var body bytes.Buffer
			if tt.body != nil {
				json.NewEncoder(&body).Encode(tt.body)
			}
			req, err := http.NewRequest(method, url, &body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+gatetest.GitHubToken)
			resp, err := c.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status %d; want %d", resp.StatusCode, tt.status)
			}
			rs := reports()
			if len(rs) != 1 || !strings.Contains(rs[0], tt.want) {
				t.Errorf("reports = %q; want one containing %q", rs, tt.want)
			}
			if len(g.CheckRuns()) != 0 {
				t.Errorf("an invalid request stored a check run")
			}
		})
	}
}

func TestGitHubFakeServesValidRequests(t *testing.T) {
	t.Parallel()
	g, reports := collect(t)
	c := g.Client()
	ctx := context.Background()
	cr, _, err := c.Checks.CreateCheckRun(ctx, "o", "r", gh.CreateCheckRunOptions{Name: "n", HeadSHA: "abc",
		Output: &gh.CheckRunOutput{Title: gh.String("t"), Summary: gh.String("s"), Annotations: []*gh.CheckRunAnnotation{{
			Path: gh.String("a.yml"), StartLine: gh.Int(3), EndLine: gh.Int(3), AnnotationLevel: gh.String("warning"), Message: gh.String("m")}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Checks.UpdateCheckRun(ctx, "o", "r", cr.GetID(), gh.UpdateCheckRunOptions{Name: "n",
		Status: gh.String("completed"), Conclusion: gh.String("neutral"), CompletedAt: &gh.Timestamp{}}); err != nil {
		t.Fatal(err)
	}
	anns, _, err := c.Checks.ListCheckRunAnnotations(ctx, "o", "r", cr.GetID(), nil)
	if err != nil || len(anns) != 1 || anns[0].GetStartLine() != 3 {
		t.Errorf("ListCheckRunAnnotations = %v, %v", anns, err)
	}
	got, _, err := c.Checks.GetCheckRun(ctx, "o", "r", cr.GetID())
	if err != nil || got.GetConclusion() != "neutral" || got.GetStatus() != "completed" {
		t.Errorf("GetCheckRun = %v, %v", got, err)
	}
	if rs := reports(); len(rs) != 0 {
		t.Errorf("valid requests reported: %q", rs)
	}
	// A request without the token is refused.
	bare := gh.NewClient(nil)
	bare.BaseURL = c.BaseURL
	if _, _, err := bare.Checks.GetCheckRun(ctx, "o", "r", cr.GetID()); err == nil {
		t.Errorf("GetCheckRun without a token succeeded")
	}
}

func TestGitHubEvents(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"pull_request.opened", "pull_request.synchronize", "pull_request.closed",
		"pull_request.closed-merged", "push.default-branch", "push.other-branch", "push.tag", "workflow_dispatch"} {
		var m map[string]any
		if err := json.Unmarshal(gatetest.GitHubEvent(t, name), &m); err != nil || m["repository"] == nil {
			t.Errorf("GitHubEvent(%q): %v", name, err)
		}
	}
}
