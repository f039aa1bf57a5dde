package localreg

import (
	"context"
	"slices"
)

// Versions lists the package versions of a group, ascending: the folders
// named by a number (what Resolve can pick from). The CLI lists them when a
// --candidate matches nothing.
func (r *Registry) Versions(ctx context.Context, group string) ([]int, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	vs, err := r.versions(group)
	if err != nil {
		return nil, err
	}
	vs = slices.Clone(vs)
	slices.Sort(vs)
	return vs, nil
}
