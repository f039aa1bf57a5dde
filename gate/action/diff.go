package action

import (
	"context"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// DiffPolicies is `modelgate diff` of two rules files when either extends
// a base policy: the resolved policies compared as the pull request's
// rules-change guard compares them (gate.ComparePolicyFile), so that the
// CLI and the check run agree, a change of only a base's pin included.
// base and head are the two files as read (both parsed), o
// (Rules: head's path) and baseOpts (Rules: base's path) say where each
// side's bases are read, both within o.Timeout. A head side that does not
// resolve is its rules.Diagnostics (exit 2); a base side that does not is
// BaseBroken (loosening); a base that cannot be read an error wrapping
// gate.ErrPolicyFetch (exit 3).
func DiffPolicies(ctx context.Context, baseOpts Options, base *rules.File, o Options, head *rules.File) (gate.RulesChange, error) {
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	rh, err := gate.ResolvePolicy(ctx, head, o.policies())
	if err != nil {
		return gate.RulesChange{}, err
	}
	rc, _, err := gate.ComparePolicyFile(ctx, rh, base, nil, baseOpts.policies())
	rc.Path = head.Path
	return rc, err
}
