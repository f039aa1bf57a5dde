// Package github publishes a gate result to GitHub and reads the GitHub
// Actions event that decides what the gate does.
//
// A run becomes one check run on the pull request's head commit
// (Checks.Publish): created in progress (or, when a check run of the same
// name already exists on that commit, updated in place), annotated on the
// rules-file line of every finding that did not pass, 50 annotations per
// request, and completed with the conclusion of DESIGN §5. The summary is
// the markdown of RenderMarkdown, cut before GitHub's 65,535-character limit
// with an explicit line saying how much was left out. The same markdown is
// the job summary and the CLI's --format markdown.
//
// The check run carries the evidence the approval step verifies: the
// candidate package ARN, the report digests and the rules file's sha256
// (Evidence). Its hash is the check run's external_id, and the evidence
// itself is embedded in the check run's output text in a marker comment
// that ParseEvidence reads back.
//
// Errors are typed so that callers branch with errors.As: a 403 from the
// Checks API (a fork pull request's read-only token) is a *ForbiddenError,
// on which the action falls back to workflow-command annotations and the job
// summary. Secondary rate limits and 5xx responses are retried, honouring
// the Retry-After the API sends, a bounded number of times.
//
// ResolveEvent turns the event name and payload of a workflow run into a
// mode (check, approve or none) and the commit to judge: for pull requests
// pull_request.head.sha, never GITHUB_SHA, which is a merge commit.
//
// Nothing here reads the environment; cmd/modelgate passes everything in.
package github
