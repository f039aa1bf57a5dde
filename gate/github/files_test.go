package github_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/gate/gatetest"
	"github.com/modelgate/modelgate/gate/github"
)

const (
	before = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
	after  = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
)

func filesClient(t *testing.T, g *gatetest.GitHub) *github.Client {
	t.Helper()
	c, err := github.New(github.Options{Owner: "Codertocat", Repo: "Hello-World", Token: gatetest.GitHubToken, APIURL: g.APIURL,
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func manyFiles(n int) []gatetest.ChangedFile {
	out := make([]gatetest.ChangedFile, n)
	for i := range out {
		out[i] = gatetest.ChangedFile{Name: fmt.Sprintf("data/f%04d.csv", i)}
	}
	return out
}

// PullFiles reads every page (the fake's pages of 2 and its Link headers)
// and lists a renamed file under both names.
func TestPullFilesPagesAndRenames(t *testing.T) {
	t.Parallel()
	g := gatetest.NewGitHub(t)
	g.PageSize = 2
	g.SetPullFiles(2, []gatetest.ChangedFile{
		{Name: ".github/modelgate/churn.yml"},
		{Name: "registry/fraud-v2/3/package.json", Previous: "registry/fraud/3/package.json", Status: "renamed"},
		{Name: "README.md", Status: "added"},
		{Name: "old.txt", Status: "removed"},
		{Name: "policies/base.yml"},
	})
	got, err := filesClient(t, g).PullFiles(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	want := github.ChangedFiles{Complete: true, Paths: []string{".github/modelgate/churn.yml", "registry/fraud-v2/3/package.json",
		"registry/fraud/3/package.json", "README.md", "old.txt", "policies/base.yml"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("PullFiles (-want +got):\n%s", d)
	}
	pages := 0
	for _, op := range g.Operations() {
		if op == "pulls/list-files 200" {
			pages++
		}
	}
	if pages != 3 {
		t.Errorf("read %d pages, want 3: %v", pages, g.Operations())
	}
}

// A list at GitHub's cap is not known to be whole.
func TestChangedFilesAtTheCapAreIncomplete(t *testing.T) {
	t.Parallel()
	g := gatetest.NewGitHub(t)
	g.SetPullFiles(2, manyFiles(github.MaxPullFiles+5))
	g.SetPullFiles(3, manyFiles(github.MaxPullFiles-1))
	g.SetCompare(before, after, manyFiles(github.MaxCompareFiles+1))
	c := filesClient(t, g)
	ctx := context.Background()
	pr, err := c.PullFiles(ctx, 2)
	if err != nil || pr.Complete || len(pr.Paths) != github.MaxPullFiles || !strings.Contains(pr.Why, "cap") {
		t.Errorf("PullFiles at the cap = %d paths, complete %v, %q, %v; want %d, incomplete", len(pr.Paths), pr.Complete, pr.Why, err, github.MaxPullFiles)
	}
	pr, err = c.PullFiles(ctx, 3)
	if err != nil || !pr.Complete || len(pr.Paths) != github.MaxPullFiles-1 {
		t.Errorf("PullFiles below the cap = %d paths, complete %v, %v; want %d, complete", len(pr.Paths), pr.Complete, err, github.MaxPullFiles-1)
	}
	cf, err := c.CompareFiles(ctx, before, after)
	if err != nil || cf.Complete || len(cf.Paths) != github.MaxCompareFiles {
		t.Errorf("CompareFiles at the cap = %d paths, complete %v, %v; want %d, incomplete", len(cf.Paths), cf.Complete, err, github.MaxCompareFiles)
	}
}

func TestCompareFiles(t *testing.T) {
	t.Parallel()
	g := gatetest.NewGitHub(t)
	g.SetCompare(before, after, []gatetest.ChangedFile{{Name: "b.yml", Previous: "a.yml", Status: "renamed"}, {Name: "c"}})
	c := filesClient(t, g)
	got, err := c.CompareFiles(context.Background(), before, after)
	if err != nil || !got.Complete || !slices.Equal(got.Paths, []string{"b.yml", "a.yml", "c"}) {
		t.Errorf("CompareFiles = %+v, %v; want b.yml, a.yml, c, complete", got, err)
	}
	// A commit GitHub does not know (a force push dropped it): unknown,
	// not an error and not "nothing changed".
	got, err = c.CompareFiles(context.Background(), strings.Repeat("a", 40), after)
	if err != nil || got.Complete || !strings.Contains(got.Why, "404") {
		t.Errorf("CompareFiles of an unknown base = %+v, %v; want incomplete, saying 404", got, err)
	}
	// A force push (diverged) or a push back (behind): the merge-base
	// diff is not what changed from before, so the list is unknown; an
	// identical pair changed nothing, and that is known.
	for status, complete := range map[string]bool{"diverged": false, "behind": false, "identical": true, "ahead": true} {
		g.SetCompareStatus(before, after, status)
		got, err = c.CompareFiles(context.Background(), before, after)
		if err != nil || got.Complete != complete || (!complete && !strings.Contains(got.Why, status)) {
			t.Errorf("CompareFiles of a %s comparison = %+v, %v; want complete %v", status, got, err, complete)
		}
	}
}

// Both calls go through the one retry policy; a fault that outlasts it is
// an error, never an empty list.
func TestChangedFilesRetryThenFail(t *testing.T) {
	t.Parallel()
	g := gatetest.NewGitHub(t)
	g.SetPullFiles(2, manyFiles(3))
	g.SetCompare(before, after, manyFiles(3))
	c := filesClient(t, g)
	ctx := context.Background()
	g.FailNext("pulls/list-files", http.StatusBadGateway, 2)
	g.SecondaryRateLimit("repos/compare-commits-with-basehead", "1", 1)
	if pr, err := c.PullFiles(ctx, 2); err != nil || len(pr.Paths) != 3 {
		t.Errorf("PullFiles after two 502s = %+v, %v; want 3 paths", pr, err)
	}
	if cf, err := c.CompareFiles(ctx, before, after); err != nil || len(cf.Paths) != 3 {
		t.Errorf("CompareFiles after a secondary rate limit = %+v, %v; want 3 paths", cf, err)
	}
	g.FailNext("pulls/list-files", http.StatusInternalServerError, 10)
	g.FailNext("repos/compare-commits-with-basehead", http.StatusInternalServerError, 10)
	if pr, err := c.PullFiles(ctx, 2); err == nil || !strings.Contains(err.Error(), "list the files of pull request #2") {
		t.Errorf("PullFiles with GitHub failing = %+v, %v; want an error naming the call", pr, err)
	}
	if cf, err := c.CompareFiles(ctx, before, after); err == nil || !strings.Contains(err.Error(), "compare f95f852bd8fc...") {
		t.Errorf("CompareFiles with GitHub failing = %+v, %v; want an error naming the call", cf, err)
	}
}
