package action

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/modelgate/modelgate/gate"
	mgh "github.com/modelgate/modelgate/gate/github"
)

// GitHubPolicies reads the base policies of other GitHub repositories
// (`extends: {repo, ref, path}`): a GitHub client of that repository
// (newSurface, so one retry policy) with the action's token, its FileAt;
// a 404 is gate.ErrPolicyNotFound. Without a token every such base is
// refused (a rules-file problem, exit 2) saying which token to give.
func GitHubPolicies(newSurface NewSurface, token, apiURL string, timeout time.Duration, noToken string) gate.GitHubFiles {
	return gate.GitHubFilesFunc(func(ctx context.Context, owner, repo, ref, path string) ([]byte, error) {
		if token == "" || newSurface == nil {
			return nil, fmt.Errorf("%w: reading %s/%s needs a GitHub token that can read it (contents: read): %s", gate.ErrPolicyRefused, owner, repo, noToken)
		}
		s, err := newSurface(token, apiURL, owner, repo, timeout)
		if err != nil {
			return nil, err
		}
		return surfaceFile(ctx, s, path, ref)
	})
}

// surfaceFile reads a base policy file through a Surface.
func surfaceFile(ctx context.Context, s Surface, path, ref string) ([]byte, error) {
	b, err := s.FileAt(ctx, path, ref, gate.MaxPolicyBytes)
	if errors.Is(err, mgh.ErrFileNotFound) {
		return nil, fmt.Errorf("%w: %w", gate.ErrPolicyNotFound, err)
	}
	return b, err
}

// surfaceRepo is the action's own repository at a commit, read through
// its Surface: the bases a rules file extends by `path` on the pull
// request's base side (the rules-change guard).
type surfaceRepo struct {
	s   Surface
	ref string
}

func (r surfaceRepo) ReadFile(ctx context.Context, path string) ([]byte, error) {
	return surfaceFile(ctx, r.s, path, r.ref)
}

// policies are the fetchers a rules file's bases are read with: o's, with
// the repository (when unset) read from the folder the rules file may
// read files from.
func (o Options) policies() gate.PolicyFetchers {
	fx := o.Policies
	if fx.Repo == nil {
		fx.Repo = gate.DirFiles{Root: o.repoRoot(filepath.Dir(o.abs(o.Rules)))}
	}
	return fx
}
