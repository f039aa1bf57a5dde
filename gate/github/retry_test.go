package github_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/gatetest"
	"github.com/modelgate/modelgate/gate/github"
)

// TestEveryOperationSurvivesTransientFaults: every GitHub operation the
// product makes goes through the one retry policy, so each survives two
// 502s, a 429 with Retry-After, a secondary-limit 403 with and without
// documentation_url (and with no Retry-After), and a primary rate limit.
func TestEveryOperationSurvivesTransientFaults(t *testing.T) {
	t.Parallel()
	const head = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
	const merge = "ab26c3e57ca3a959ca5aad62de7213c562f8c821"
	faults := map[string]func(g *gatetest.GitHub, op string){
		"two 502s": func(g *gatetest.GitHub, op string) { g.FailNext(op, http.StatusBadGateway, 2) },
		"429 with Retry-After": func(g *gatetest.GitHub, op string) {
			g.Inject(op, http.StatusTooManyRequests, 1, http.Header{"Retry-After": {"2"}}, `{"message":"too many"}`)
		},
		"secondary 403 with documentation_url": func(g *gatetest.GitHub, op string) { g.SecondaryRateLimit(op, "3", 1) },
		"secondary 403 without documentation_url or Retry-After": func(g *gatetest.GitHub, op string) {
			g.Inject(op, http.StatusForbidden, 1, nil, `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}`)
		},
		"primary rate limit": func(g *gatetest.GitHub, op string) { g.RateLimit(op, time.Now().Add(time.Second), 1) },
	}
	ops := map[string]func(ctx context.Context, c *github.Client) error{
		"checks/list-for-ref": func(ctx context.Context, c *github.Client) error {
			_, err := c.FindCheck(ctx, "modelgate", head)
			return err
		},
		"checks/create": func(ctx context.Context, c *github.Client) error {
			_, err := c.Start(ctx, "modelgate", head, "")
			return err
		},
		"checks/update": func(ctx context.Context, c *github.Client) error {
			_, err := c.Publish(ctx, github.PublishInput{Name: "modelgate", HeadSHA: head, Result: result(gate.Success)})
			return err
		},
		"repos/list-pull-requests-associated-with-commit": func(ctx context.Context, c *github.Client) error {
			prs, err := c.MergedPulls(ctx, merge, "master")
			if err == nil && (len(prs) != 1 || prs[0].Number != 2 || prs[0].HeadSHA != head) {
				t.Errorf("MergedPulls = %+v; want #2 with head %s", prs, head)
			}
			return err
		},
		"pulls/list-files": func(ctx context.Context, c *github.Client) error {
			f, err := c.PullFiles(ctx, 2)
			if err == nil && (!f.Complete || len(f.Paths) != 1) {
				t.Errorf("PullFiles = %+v; want one file", f)
			}
			return err
		},
		"repos/compare-commits-with-basehead": func(ctx context.Context, c *github.Client) error {
			f, err := c.CompareFiles(ctx, head, merge)
			if err == nil && (!f.Complete || len(f.Paths) != 1) {
				t.Errorf("CompareFiles = %+v; want one file", f)
			}
			return err
		},
		"repos/get-content": func(ctx context.Context, c *github.Client) error {
			b, err := c.FileAt(ctx, ".github/modelgate.yml", merge, 1<<20)
			if err == nil && string(b) != "version: 1\n" {
				t.Errorf("FileAt = %q", b)
			}
			return err
		},
	}
	for fname, fault := range faults {
		for op, call := range ops {
			t.Run(fname+"/"+op, func(t *testing.T) {
				t.Parallel()
				fake := gatetest.NewGitHub(t)
				fake.AddPullRequest(gatetest.PullRequest{Number: 2, HeadSHA: head, HeadRef: "x", BaseRef: "master", MergeSHA: merge, Merged: true})
				fake.AddFile(merge, ".github/modelgate.yml", []byte("version: 1\n"))
				fake.SetPullFiles(2, []gatetest.ChangedFile{{Name: ".github/modelgate.yml"}})
				fake.SetCompare(head, merge, []gatetest.ChangedFile{{Name: ".github/modelgate.yml"}})
				var slept []time.Duration
				c := newClient(t, fake, func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil })
				fault(fake, op)
				if err := call(context.Background(), c); err != nil {
					t.Fatalf("%s after %s: %v; want it retried to success", op, fname, err)
				}
				if len(slept) == 0 {
					t.Errorf("%s after %s: no wait; want a retry after a wait", op, fname)
				}
				var failed, ok int
				for _, o := range fake.Operations() {
					if strings.HasPrefix(o, op+" ") {
						if strings.HasSuffix(o, " 200") || strings.HasSuffix(o, " 201") {
							ok++
						} else {
							failed++
						}
					}
				}
				if failed == 0 || ok == 0 {
					t.Errorf("requests %v; want %s failing, then succeeding", fake.Operations(), op)
				}
			})
		}
	}
}

// TestRetryWaits: the waits are the ones the API asks for.
func TestRetryWaits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		inject func(g *gatetest.GitHub)
		want   []time.Duration
	}{
		{"two 502s back off", func(g *gatetest.GitHub) { g.FailNext("checks/list-for-ref", 502, 2) }, []time.Duration{time.Second, 2 * time.Second}},
		{"429 Retry-After", func(g *gatetest.GitHub) {
			g.Inject("checks/list-for-ref", 429, 1, http.Header{"Retry-After": {"7"}}, `{"message":"x"}`)
		}, []time.Duration{7 * time.Second}},
		{"secondary without Retry-After waits a minute", func(g *gatetest.GitHub) { g.SecondaryRateLimit("checks/list-for-ref", "", 1) }, []time.Duration{time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := gatetest.NewGitHub(t)
			var slept []time.Duration
			c := newClient(t, fake, func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil })
			tt.inject(fake)
			if _, err := c.FindCheck(context.Background(), "modelgate", sha); err != nil {
				t.Fatal(err)
			}
			if len(slept) != len(tt.want) {
				t.Fatalf("waits = %v; want %v", slept, tt.want)
			}
			for i := range slept {
				if slept[i] != tt.want[i] {
					t.Errorf("waits = %v; want %v", slept, tt.want)
				}
			}
		})
	}
}

// TestPlain403IsForbidden: a 403 with no rate-limit sign is a permission
// problem, never retried, and typed so that the action falls back.
func TestPlain403IsForbidden(t *testing.T) {
	t.Parallel()
	fake := gatetest.NewGitHub(t)
	fake.Forbid()
	var slept []time.Duration
	c := newClient(t, fake, func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil })
	_, err := c.Start(context.Background(), "modelgate", sha, "")
	var fe *github.ForbiddenError
	if !errors.As(err, &fe) {
		t.Fatalf("Start on a read-only token = %v; want *ForbiddenError", err)
	}
	if len(slept) != 0 {
		t.Errorf("waits = %v; a plain 403 is not retried", slept)
	}
}

// TestSecondaryLimitOutlastingRetriesIsNotForbidden: a secondary limit
// without documentation_url that never lifts is a rate limit, not a
// read-only token (which would silently skip the required check).
func TestSecondaryLimitOutlastingRetriesIsNotForbidden(t *testing.T) {
	t.Parallel()
	fake := gatetest.NewGitHub(t)
	fake.Inject("checks/create", http.StatusForbidden, -1, nil, `{"message":"You have exceeded a secondary rate limit."}`)
	c := newClient(t, fake, func(context.Context, time.Duration) error { return nil })
	_, err := c.Start(context.Background(), "modelgate", sha, "")
	var fe *github.ForbiddenError
	var rl *github.RateLimitedError
	if errors.As(err, &fe) || !errors.As(err, &rl) {
		t.Fatalf("Start = %v; want a *RateLimitedError, not a *ForbiddenError", err)
	}
	if n := strings.Count(strings.Join(fake.Operations(), ","), "checks/create 403"); n != github.DefaultAttempts {
		t.Errorf("%d create requests; want %d", n, github.DefaultAttempts)
	}
}

// TestRetryStopsAtTheRunDeadline: no wait that ends after the timeout.
func TestRetryStopsAtTheRunDeadline(t *testing.T) {
	t.Parallel()
	fake := gatetest.NewGitHub(t)
	fake.Inject("checks/list-for-ref", 429, -1, http.Header{"Retry-After": {"30"}}, `{"message":"x"}`)
	var slept []time.Duration
	c, err := github.New(github.Options{Owner: "Codertocat", Repo: "Hello-World", Token: gatetest.GitHubToken,
		APIURL: fake.APIURL, HTTPClient: fake.HTTPClient(), Timeout: 10 * time.Second,
		Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.FindCheck(context.Background(), "modelgate", sha); err == nil {
		t.Fatal("FindCheck succeeded against a permanent 429")
	}
	if len(slept) != 0 {
		t.Errorf("waits = %v; want none past the 10s deadline", slept)
	}
}

func TestNewBaseURL(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"":                                 "https://api.github.com/",
		"https://api.github.com":           "https://api.github.com/",
		"https://ghes.example.com/api/v3":  "https://ghes.example.com/api/v3/",
		"https://ghes.example.com/api/v3/": "https://ghes.example.com/api/v3/",
	}
	for in, want := range tests {
		c, err := github.New(github.Options{Owner: "o", Repo: "r", Token: "t", APIURL: in})
		if err != nil || c.BaseURL() != want {
			t.Errorf("New(%q).BaseURL = %v, %v; want %s", in, c, err, want)
		}
	}
	if _, err := github.New(github.Options{Owner: "o", Repo: "r", APIURL: "ftp://x"}); err == nil {
		t.Errorf("New(ftp://x) succeeded")
	}
}
