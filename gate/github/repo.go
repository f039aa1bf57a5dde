package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	gh "github.com/google/go-github/v60/github"

	"github.com/modelgate/modelgate/gate"
)

// ExpectedApp is the slug of the only app whose check runs approval
// trusts: GitHub Actions, which owns every check run a workflow's
// GITHUB_TOKEN creates. A check run with no app, or another app's, was not
// posted by the workflow's modelgate step.
const ExpectedApp = "github-actions"

// PostedCheck is a check run found on a commit, as approval judges it.
type PostedCheck struct {
	ID         int64
	HTMLURL    string
	HeadSHA    string
	App        string // the app's slug; "" when the run has none
	Status     string
	Conclusion string
	// Evidence is the verified evidence of the run; EvidenceErr says why
	// there is none.
	Evidence    *gate.Evidence
	EvidenceErr error
}

// FindCheck returns the newest check run called name on sha, or nil.
func (c *Client) FindCheck(ctx context.Context, name, sha string) (*PostedCheck, error) {
	run, err := c.Find(ctx, name, sha)
	if err != nil || run == nil {
		return nil, err
	}
	pc := &PostedCheck{ID: run.GetID(), HTMLURL: run.GetHTMLURL(), HeadSHA: run.GetHeadSHA(),
		App: run.GetApp().GetSlug(), Status: run.GetStatus(), Conclusion: run.GetConclusion()}
	pc.Evidence, pc.EvidenceErr = VerifiedEvidence(run)
	return pc, nil
}

// PullRequest is a merged pull request of a commit.
type PullRequest struct {
	Number   int
	HeadSHA  string
	MergeSHA string
	BaseRef  string
	// HeadRepo is the head repository's full name, "" when it was deleted.
	HeadRepo string
}

// MergedPulls lists the merged pull requests into base whose merge commit
// (or head, for rebase and fast-forward merges) is sha, reading every page.
//
// GitHub API docs: https://docs.github.com/rest/commits/commits#list-pull-requests-associated-with-a-commit
func (c *Client) MergedPulls(ctx context.Context, sha, base string) ([]PullRequest, error) {
	opts := &gh.ListOptions{PerPage: 100}
	var merged []PullRequest
	for {
		prs, resp, err := c.gh.PullRequests.ListPullRequestsWithCommit(ctx, c.owner, c.repo, sha, opts)
		if err != nil {
			return nil, c.classify("list the pull requests of commit "+shortSHA(sha), err)
		}
		for _, p := range prs {
			if p.MergedAt == nil || p.GetBase().GetRef() != base {
				continue
			}
			if p.GetMergeCommitSHA() == sha || p.GetHead().GetSHA() == sha {
				merged = append(merged, PullRequest{Number: p.GetNumber(), HeadSHA: p.GetHead().GetSHA(),
					MergeSHA: p.GetMergeCommitSHA(), BaseRef: p.GetBase().GetRef(), HeadRepo: p.GetHead().GetRepo().GetFullName()})
			}
		}
		if resp.NextPage == 0 {
			return merged, nil
		}
		opts.Page = resp.NextPage
	}
}

// ErrFileNotFound is returned by FileAt when the file does not exist at
// the ref (a 404).
var ErrFileNotFound = errors.New("no such file at that commit")

// FileAt reads a file of the repository at ref, refusing more than max
// bytes. A 404 is ErrFileNotFound; any other failure (after the retries)
// is an error that names the file and the ref.
//
// GitHub API docs: https://docs.github.com/rest/repos/contents#get-repository-content
func (c *Client) FileAt(ctx context.Context, path, ref string, max int) ([]byte, error) {
	fc, _, resp, err := c.gh.Repositories.GetContents(ctx, c.owner, c.repo, path, &gh.RepositoryContentGetOptions{Ref: ref})
	if resp != nil && resp.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("%s at %s: %w", path, shortSHA(ref), ErrFileNotFound)
	}
	if err != nil {
		return nil, c.classify(fmt.Sprintf("read %s at %s", path, shortSHA(ref)), err)
	}
	if fc == nil || fc.GetType() != "file" || fc.GetSize() > max {
		return nil, fmt.Errorf("%s at %s: not a file of at most %d bytes", path, shortSHA(ref), max)
	}
	content, err := fc.GetContent()
	if err != nil {
		return nil, fmt.Errorf("%s at %s: %w", path, shortSHA(ref), err)
	}
	if len(content) > max {
		return nil, fmt.Errorf("%s at %s: larger than %d bytes", path, shortSHA(ref), max)
	}
	return []byte(content), nil
}

func shortSHA(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
