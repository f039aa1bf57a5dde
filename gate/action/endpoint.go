package action

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/endpoint"
	"github.com/modelgate/modelgate/rules"
)

// OpenEndpoint gives the live endpoint called name, from the registry the
// run opened (a local registry's endpoint descriptions) or the cloud; cmd
// chooses the adapter.
type OpenEndpoint func(ctx context.Context, o Options, f *rules.File, reg gate.Registry, name string) (endpoint.Source, error)

// EvaluateEndpoint is the Evaluator of `modelgate endpoint check` and the
// action's endpoint input: the endpoint section of the rules file judged on
// the live endpoint name (empty: the rules file's endpoint.name), or, with
// proposed, on the configuration the rules file names (endpoint.config).
// The result holds the endpoint's findings alone; a rules file without an
// endpoint section, an endpoint that does not exist and a proposed file
// that cannot be read are input problems (exit 2).
func EvaluateEndpoint(open OpenRegistry, src OpenEndpoint, name string, proposed bool) Evaluator {
	return func(ctx context.Context, o Options) (*gate.Result, gate.Registry, error) {
		f, err := rules.ReadFile(o.abs(o.Rules))
		if err != nil {
			return nil, nil, &gate.InputError{Err: err}
		}
		f.Path = o.Rules
		if f.Endpoint == nil || len(f.Endpoint.Rules) == 0 {
			return nil, nil, &gate.InputError{Err: fmt.Errorf("%s has no endpoint section (or no rules in it)", f.Path)}
		}
		// The policy the model is judged with: the endpoint rules' ids
		// must not repeat an inherited rule's, a broken base is exit 2,
		// and the result carries the policy digest (the guard compares it).
		if f, err = o.resolvePolicy(ctx, f); err != nil {
			return nil, nil, err
		}
		disk := *f // paths in the endpoint section resolve against the file as read
		disk.Path = o.abs(o.Rules)
		reg, err := open(ctx, o, f)
		if err != nil {
			return nil, nil, err
		}
		if o.Timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, o.Timeout)
			defer cancel()
		}
		var s endpoint.Source
		if proposed {
			pf, ok, err := endpoint.ProposedFile(&disk, o.repoRoot(filepath.Dir(disk.Path)))
			if err != nil {
				return nil, reg, &gate.InputError{Err: err}
			}
			if !ok {
				return nil, reg, &gate.InputError{Err: fmt.Errorf("%s names no endpoint.config to judge", f.Path)}
			}
			s = pf
		} else {
			if name == "" {
				name = f.Endpoint.Name
			}
			if name == "" {
				return nil, reg, &gate.InputError{Err: errors.New("no endpoint to judge: give --endpoint NAME (the action's endpoint input) or endpoint.name")}
			}
			if s, err = src(ctx, o, f, reg, name); err != nil {
				return nil, reg, endpointErr(err)
			}
		}
		sec, err := endpoint.Check(ctx, &disk, s, endpoint.Options{Registry: reg, CandidateSelector: o.Candidate})
		if err != nil {
			return nil, reg, endpointErr(err)
		}
		res := sec.Result(f)
		res.SetPolicy(f)
		return res, reg, nil
	}
}

// endpointErr classifies an endpoint error: an unreadable proposed file or
// an endpoint that does not exist is the caller's to fix (exit 2).
func endpointErr(err error) error {
	if errors.Is(err, endpoint.ErrInput) || errors.Is(err, endpoint.ErrNoEndpoint) {
		return &gate.InputError{Err: err}
	}
	return err
}

// addProposedEndpoint judges the proposed endpoint configuration the rules
// file names (endpoint.config), in check and approve, and puts its findings
// beside the model's in res: one check run, one conclusion for both
// artifacts. A rules file without one adds nothing.
func addProposedEndpoint(ctx context.Context, o Options, f *rules.File, reg gate.Registry, res *gate.Result) error {
	if f.Endpoint == nil || f.Endpoint.Config == "" {
		return nil
	}
	disk := *f
	disk.Path = o.abs(o.Rules)
	s, ok, err := endpoint.CheckProposed(ctx, &disk, o.repoRoot(filepath.Dir(disk.Path)), endpoint.Options{Registry: reg, Candidate: res.Candidate})
	if err != nil {
		return endpointErr(err)
	}
	if ok {
		s.AddTo(res)
	}
	return nil
}
