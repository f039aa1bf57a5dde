package github

import (
	"context"
	"fmt"
	"net/http"

	gh "github.com/google/go-github/v60/github"
)

// The caps of GitHub's changed-file lists: a list that reaches one may be
// cut, so it is not known to be whole.
const (
	// MaxPullFiles is the most files the pull request files endpoint lists.
	//
	// GitHub API docs: https://docs.github.com/rest/pulls/pulls#list-pull-requests-files
	MaxPullFiles = 3000
	// MaxCompareFiles is the most files a comparison of two commits lists
	// (on its first page only).
	//
	// GitHub API docs: https://docs.github.com/rest/commits/commits#compare-two-commits
	MaxCompareFiles = 300
)

// ChangedFiles are the files a pull request or a push changed, repository
// relative, a renamed file under both its names. Complete is false when
// GitHub cannot give the whole list (a cap reached, a commit it does not
// know): Why says so, and the caller must assume every file changed.
type ChangedFiles struct {
	Paths    []string
	Complete bool
	Why      string
}

// PullFiles lists the files pull request number changes, reading every
// page.
//
// GitHub API docs: https://docs.github.com/rest/pulls/pulls#list-pull-requests-files
func (c *Client) PullFiles(ctx context.Context, number int) (ChangedFiles, error) {
	opts := &gh.ListOptions{PerPage: 100}
	var files []*gh.CommitFile
	for {
		page, resp, err := c.gh.PullRequests.ListFiles(ctx, c.owner, c.repo, number, opts)
		if err != nil {
			return ChangedFiles{}, c.classify(fmt.Sprintf("list the files of pull request #%d", number), err)
		}
		files = append(files, page...)
		if resp.NextPage == 0 || len(files) >= MaxPullFiles {
			break
		}
		opts.Page = resp.NextPage
	}
	out := changed(files)
	if len(files) >= MaxPullFiles {
		out.Complete = false
		out.Why = fmt.Sprintf("pull request #%d lists %d files, GitHub's cap: more may have changed", number, len(files))
	}
	return out, nil
}

// CompareFiles lists the files changed from base to head (base...head:
// from their merge base). A base GitHub does not know (a force push that
// dropped it) is not an error: the list is then incomplete.
//
// GitHub API docs: https://docs.github.com/rest/commits/commits#compare-two-commits
func (c *Client) CompareFiles(ctx context.Context, base, head string) (ChangedFiles, error) {
	// With a page parameter the files come on the first page only, at
	// most MaxCompareFiles of them; one commit per page keeps it small.
	cmp, resp, err := c.gh.Repositories.CompareCommits(ctx, c.owner, c.repo, base, head, &gh.ListOptions{PerPage: 1})
	if resp != nil && resp.StatusCode == http.StatusNotFound {
		return ChangedFiles{Why: fmt.Sprintf("GitHub cannot compare %s...%s (404): the changed files are unknown", shortSHA(base), shortSHA(head))}, nil
	}
	if err != nil {
		return ChangedFiles{}, c.classify(fmt.Sprintf("compare %s...%s", shortSHA(base), shortSHA(head)), err)
	}
	out := changed(cmp.Files)
	if st := cmp.GetStatus(); st != "ahead" && st != "identical" {
		// base...head lists the changes from their merge base: after a
		// force push (diverged) or a push back (behind), what changed
		// from base itself is not that list.
		return ChangedFiles{Why: fmt.Sprintf("the push is not a fast-forward: GitHub says %s...%s is %q, so the changed files are unknown", shortSHA(base), shortSHA(head), st)}, nil
	}
	if len(cmp.Files) >= MaxCompareFiles {
		out.Complete = false
		out.Why = fmt.Sprintf("the comparison %s...%s lists %d files, GitHub's cap: more may have changed", shortSHA(base), shortSHA(head), len(cmp.Files))
	}
	return out, nil
}

// changed is the complete list of the files' names, old and new.
func changed(files []*gh.CommitFile) ChangedFiles {
	out := ChangedFiles{Complete: true}
	for _, f := range files {
		out.Paths = append(out.Paths, f.GetFilename())
		if p := f.GetPreviousFilename(); p != "" {
			out.Paths = append(out.Paths, p)
		}
	}
	return out
}
