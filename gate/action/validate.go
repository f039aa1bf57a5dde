package action

import (
	"context"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// CheckPolicy is the policy check of `modelgate validate`: the rules file
// f (read from o.Rules) resolved with o's fetchers (gate.CheckPolicy),
// within o.Timeout. Offline reads no base over the network; such bases,
// and any that cannot be read after the retries, come back as
// gate.Unchecked. Problems are rules.Diagnostics. Unlike check, a base
// policy is a valid file here: its own chain is checked.
func (o Options) CheckPolicy(ctx context.Context, f *rules.File, offline bool) (*rules.File, []gate.Unchecked, error) {
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	return gate.CheckPolicy(ctx, f, o.policies(), gate.CheckOptions{Offline: offline})
}
