package action

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/memorize"
	"github.com/modelgate/modelgate/gate/report"
	"github.com/modelgate/modelgate/rules"
)

// Options are the inputs of one gate run, from flags or action inputs.
type Options struct {
	Rules     string // rules file path
	Registry  string // local | sagemaker | path of a local registry folder | "" (the rules file decides)
	Candidate string // overrides model.candidate
	Region    string
	PathStyle bool
	Timeout   time.Duration
	// Workdir, when set, is the folder relative paths are resolved from
	// (GITHUB_WORKSPACE in the action).
	Workdir string
	// Policies read the base policies the rules file extends (README
	// "Organisation policies"); a nil Repo reads the repository's folder
	// (Workdir, else the rules file's repository), a nil GitHub or HTTPS
	// refuses the bases that need it.
	Policies gate.PolicyFetchers
}

// Evaluate is the production Evaluator: it reads the rules file, opens
// the registry through open, and runs the gate with the report readers and
// the computed reports (memorization), within o.Timeout. When the rules
// file names a proposed endpoint configuration (endpoint.config), its
// findings are added beside the model's.
func Evaluate(open OpenRegistry) Evaluator {
	return func(ctx context.Context, o Options) (*gate.Result, gate.Registry, error) {
		f, err := rules.ReadFile(o.abs(o.Rules))
		if err != nil {
			return nil, nil, &gate.InputError{Err: err} // a missing or unreadable rules file is the caller's to fix
		}
		f.Path = o.Rules // as the user named it: annotations need the repo-relative path
		if f, err = o.resolvePolicy(ctx, f); err != nil {
			return nil, nil, err
		}
		reg, err := open(ctx, o, f)
		if err != nil {
			return nil, nil, err
		}
		if o.Timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, o.Timeout)
			defer cancel()
		}
		rulesDir := filepath.Dir(o.abs(o.Rules))
		res, err := gate.Run(ctx, reg, f, gate.RunOptions{
			Candidate: o.Candidate,
			Read:      report.Read,
			Compute:   memorize.Compute(o.repoRoot(rulesDir), rulesDir),
		})
		if errors.Is(err, gate.ErrNoPackage) {
			// A selector that matches nothing is the caller's to fix.
			return nil, reg, &gate.InputError{Err: fmt.Errorf("%w%s", err, versionsHint(ctx, reg, f.Model.Group))}
		}
		if err != nil {
			return nil, reg, err
		}
		res.SetPolicy(f)
		if err := addProposedEndpoint(ctx, o, f, reg, res); err != nil {
			return nil, reg, err
		}
		return res, reg, nil
	}
}

// resolvePolicy refuses a base policy as a model's rules file and merges
// the rules file with the bases it extends (gate.ResolvePolicy), within
// o.Timeout: a problem with a base is rules.Diagnostics (exit 2), a base
// that cannot be read an error wrapping gate.ErrPolicyFetch (exit 3).
func (o Options) resolvePolicy(ctx context.Context, f *rules.File) (*rules.File, error) {
	if f.Policy != nil {
		return nil, &gate.InputError{Err: fmt.Errorf("%s is a base policy (it has a `policy:` section): a base policy judges no model: run it through a file that extends it", f.Path)}
	}
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	return gate.ResolvePolicy(ctx, f, o.policies())
}

// VersionLister is a registry that can list the versions of a group
// (localreg): then a candidate that matches nothing is answered with the
// versions that exist.
type VersionLister interface {
	Versions(ctx context.Context, group string) ([]int, error)
}

// versionsHint is "; the group has versions 11, 12, 13", or "" when the
// registry cannot say.
func versionsHint(ctx context.Context, reg gate.Registry, group string) string {
	vl, ok := reg.(VersionLister)
	if !ok {
		return ""
	}
	vs, err := vl.Versions(ctx, group)
	switch {
	case err != nil:
		return ""
	case len(vs) == 0:
		return "; the group has no versions"
	}
	const show = 20
	parts := make([]string, 0, show+1)
	for i, v := range vs {
		if i == show {
			parts = append(parts, fmt.Sprintf("... (%d in all)", len(vs)))
			break
		}
		parts = append(parts, strconv.Itoa(v))
	}
	return "; the group has versions " + strings.Join(parts, ", ")
}

// repoRoot is the folder the rules file may read files from: the
// workspace in the action; on the command line, the repository the rules
// file is in (the parent of its .github folder, else its own folder).
func (o Options) repoRoot(rulesDir string) string {
	if o.Workdir != "" {
		return o.Workdir
	}
	if filepath.Base(rulesDir) == ".github" {
		return filepath.Dir(rulesDir)
	}
	return rulesDir
}

func (o Options) abs(p string) string {
	if o.Workdir == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(o.Workdir, p)
}

// Abs resolves p against the workspace (Workdir) when it is relative.
func (o Options) Abs(p string) string { return o.abs(p) }
