package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/localreg"
	"github.com/modelgate/modelgate/gate/report"
	"github.com/modelgate/modelgate/gate/sagemaker"
	"github.com/modelgate/modelgate/rules"
)

// gateOptions are the inputs of one gate run, from flags or action inputs.
type gateOptions struct {
	Rules     string // rules file path
	Registry  string // local | sagemaker | path of a local registry folder | "" (the rules file decides)
	Candidate string // overrides model.candidate
	Region    string
	PathStyle bool
	Timeout   time.Duration
	// Workdir, when set, is the folder relative paths are resolved from
	// (GITHUB_WORKSPACE in the action).
	Workdir string
}

// runGate loads the rules, opens the registry and evaluates. The error is
// classified by exitCodeOf.
func runGate(ctx context.Context, o gateOptions, getenv func(string) string) (*gate.Result, *rules.File, error) {
	res, f, _, err := runGateReg(ctx, o)
	return res, f, err
}

// runGateReg is runGate that also hands back the open registry, for
// approval.
func runGateReg(ctx context.Context, o gateOptions) (*gate.Result, *rules.File, gate.Registry, error) {
	f, reg, err := openGate(ctx, o)
	if err != nil {
		return nil, f, nil, err
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
		Compute:   computeReport(o.repoRoot(rulesDir), rulesDir),
	})
	if err != nil {
		return nil, f, reg, err
	}
	return res, f, reg, nil
}

// repoRoot is the folder the rules file may read files from: the
// workspace in the action; on the command line, the repository the rules
// file is in (the parent of its .github folder, else its own folder).
func (o gateOptions) repoRoot(rulesDir string) string {
	if o.Workdir != "" {
		return o.Workdir
	}
	if filepath.Base(rulesDir) == ".github" {
		return filepath.Dir(rulesDir)
	}
	return rulesDir
}

func (o gateOptions) abs(p string) string {
	if o.Workdir == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(o.Workdir, p)
}

// openGate reads the rules file and opens the registry it (or the flag) names.
func openGate(ctx context.Context, o gateOptions) (*rules.File, gate.Registry, error) {
	f, err := rules.ReadFile(o.abs(o.Rules))
	if err != nil {
		return nil, nil, usageError{err} // a missing or unreadable rules file is the caller's to fix
	}
	f.Path = o.Rules // as the user named it: annotations need the repo-relative path
	reg, err := openRegistry(ctx, o, f)
	if err != nil {
		return f, nil, err
	}
	return f, reg, nil
}

func openRegistry(ctx context.Context, o gateOptions, f *rules.File) (gate.Registry, error) {
	kind, path := o.Registry, ""
	switch kind {
	case "", "local", "sagemaker":
	default:
		kind, path = "local", o.abs(o.Registry)
	}
	if kind == "" {
		kind = f.Registry.Kind
	}
	if kind == "" {
		kind = "local"
	}
	switch kind {
	case "sagemaker":
		region := o.Region
		if region == "" {
			region = f.Registry.Region
		}
		c, err := sagemaker.New(ctx, sagemaker.Options{Region: region, PathStyle: o.PathStyle || f.Registry.PathStyle})
		if err != nil {
			return nil, fmt.Errorf("open sagemaker registry: %w", err)
		}
		return c, nil
	case "local":
		if path == "" {
			p := f.Registry.Path
			if p == "" {
				p = "registry"
			}
			path = filepath.Join(filepath.Dir(o.abs(o.Rules)), p)
		}
		r, err := localreg.New(path)
		if err != nil {
			return nil, usageError{err}
		}
		return r, nil
	}
	return nil, usageError{fmt.Errorf("registry %q: want local, sagemaker or a folder path", kind)}
}
