// Package github is the only importer of go-github: the GitHub side of the
// action, every call through one retry policy.
//
// New returns a Client of one repository whose http.Client transport is
// the retry policy (internal/retry.Transport, with GitHub's rate-limit
// signs: limit): network errors and 5xx answers but 501 are
// sent again after about 1s, 2s, 4s (jittered between half and all); 429 and rate limits (a 403 or 429 with
// Retry-After, with x-ratelimit-remaining: 0 and x-ratelimit-reset, or with
// GitHub's "secondary rate limit" message, with or without
// documentation_url) after the wait GitHub asks for; at most
// DefaultAttempts sends, no wait longer than DefaultMaxWait, none ending
// after the run's timeout. Because the policy sits under go-github, every
// call, including ones added later, is retried the same way. What is left
// after the retries is typed: a plain 403 (a fork pull request's read-only
// token) is a *ForbiddenError, on which the action falls back to
// workflow-command annotations; a rate limit that outlasted the retries is
// a *RateLimitedError, never a *ForbiddenError.
//
// A run becomes one check run on the pull request's head commit: Start
// opens it in progress (or finds the one of that name on the commit) and
// Publish completes it: annotated on the rules-file line of every finding
// that did not pass, most severe first, at most MaxAnnotations, 50 per
// request, with the summary rendered by gate/render and the conclusion of
// DESIGN §5. The check run carries the gate.Evidence the approval step
// verifies, encoded here only: its hash is the external_id, and the
// evidence itself sits in the output text in a marker comment that
// ParseEvidence reads back (strictly: unknown fields and duplicate keys are
// refused). FindCheck returns a check run as approval judges it (its app:
// only ExpectedApp is trusted), MergedPulls the merged pull requests of a
// commit, FileAt a file at a commit (ErrFileNotFound for a 404).
//
// ResolveEvent turns the event name and payload of a workflow run into a
// mode (check, approve or none) and the commit to judge: for pull requests
// pull_request.head.sha, never GITHUB_SHA, which is a merge commit.
//
// Nothing here reads the environment; cmd/modelgate passes everything in.
package github
