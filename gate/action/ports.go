package action

import (
	"context"
	"io"
	"time"

	"github.com/modelgate/modelgate/gate"
	mgh "github.com/modelgate/modelgate/gate/github"
	"github.com/modelgate/modelgate/rules"
)

// Surface is GitHub as the action's flows use it: check runs, the merged
// pull request of a commit, files at a commit. *github.Client implements
// it, every call through its one retry policy.
type Surface interface {
	// Start opens a check run in progress (or finds the one on the commit).
	Start(ctx context.Context, name, headSHA, detailsURL string) (*mgh.Started, error)
	// Publish completes a check run with a result (starting one when
	// in.Started is nil). A read-only token is a *github.ForbiddenError.
	Publish(ctx context.Context, in mgh.PublishInput) (*mgh.PublishOutcome, error)
	// FindCheck returns the newest check run called name on sha, or nil.
	FindCheck(ctx context.Context, name, sha string) (*mgh.PostedCheck, error)
	// MergedPulls lists the merged pull requests into base of a commit.
	MergedPulls(ctx context.Context, sha, base string) ([]mgh.PullRequest, error)
	// FileAt reads a file at a commit; github.ErrFileNotFound for a 404.
	FileAt(ctx context.Context, path, ref string, max int) ([]byte, error)
}

var _ Surface = (*mgh.Client)(nil)

// NewSurface builds the Surface for a token (cmd: github.New).
type NewSurface func(token, apiURL, owner, repo string, timeout time.Duration) (Surface, error)

// Evaluator evaluates the rules of a run: Evaluate(open) in production, a
// fake in tests. It returns the open registry, for approval.
type Evaluator func(ctx context.Context, o Options) (*gate.Result, gate.Registry, error)

// OpenRegistry opens the registry that o (or the rules file) names; cmd
// chooses among the adapters. Its errors are classified by
// gate.ExitCodeOf (a bad choice is a *gate.InputError).
type OpenRegistry func(ctx context.Context, o Options, f *rules.File) (gate.Registry, error)

// Env is everything one run of the action takes from outside.
type Env struct {
	Getenv         func(string) string
	Stdout, Stderr io.Writer
	Evaluate       Evaluator
	NewSurface     NewSurface
	// Now is the clock; time.Now when nil.
	Now     func() time.Time
	Version string
	// EvaluateEndpoint is the Evaluator of a live endpoint check (the
	// endpoint input): EvaluateEndpoint(open, src, name, false) in cmd.
	EvaluateEndpoint func(name string) Evaluator
	// Publishers are further places check mode sends its result to after
	// the check run (a pull-request comment, a chat message): a new surface
	// is one implementation and one entry here, in cmd.
	Publishers []Publisher
}

// Publisher is one more place a check's result goes. It informs: the check
// run gates, so a Publisher's error is reported and changes no exit code.
type Publisher interface {
	Name() string
	PublishResult(ctx context.Context, p Publication) error
}

// Publication is what check mode publishes.
type Publication struct {
	Event       mgh.Event
	HeadSHA     string
	Result      *gate.Result
	Markdown    string // the check run's summary (render.WithPreamble)
	CheckRunURL string // "" when no check run was posted
}
