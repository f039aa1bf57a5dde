package gate

import (
	"context"
	"fmt"

	"github.com/modelgate/modelgate/rules"
)

// CheckOptions configure CheckPolicy.
type CheckOptions struct {
	// Offline reads no base that needs the network (a `repo` base from
	// GitHub, a `url` base over HTTPS): each is listed as Unchecked, with
	// the bases it would bring in.
	Offline bool
}

// Unchecked is a base policy CheckPolicy did not check: it was not read
// (offline), or it could not be read after the retries. Its rules, and
// whether the file loosens them, are unknown: never a pass.
type Unchecked struct {
	// File and Pos are the `extends` entry that names the base.
	File   string
	Pos    rules.Pos
	Name   string // the base as the entry names it
	Reason string
}

// String is "file:line:col: base policy NAME not checked: REASON [extends]",
// in the form of a rules.Diagnostic.
func (u Unchecked) String() string {
	d := rules.Diagnostic{File: u.File, Pos: u.Pos, Kind: rules.KindExtends,
		Message: fmt.Sprintf("base policy %s not checked: %s", u.Name, u.Reason)}
	return d.String()
}

// CheckPolicy is ResolvePolicy for `modelgate validate`: it reports every
// problem of the policy instead of stopping at the first base that cannot
// be read. A base that cannot be read (offline, or a fault after the
// retries) is listed in the Unchecked and left out; the rest of the chain
// is still resolved and checked, so a loosening of a base that was read is
// still found. The error is rules.Diagnostics when the policy has
// problems (the resolved file is then nil).
func CheckPolicy(ctx context.Context, f *rules.File, fx PolicyFetchers, o CheckOptions) (*rules.File, []Unchecked, error) {
	r := &resolver{fx: fx, check: &o}
	rf, err := r.resolve(ctx, f, frame{kind: frameRepo}, []string{"repo:" + f.Path}, []string{f.Path}, 0)
	return rf, r.unchecked, err
}

// where says where a base of frame fr is read from, for Unchecked.
func (fr frame) where() string {
	switch fr.kind {
	case frameGitHub:
		return "from GitHub (" + fr.owner + "/" + fr.repo + ")"
	case frameURL:
		return "over HTTPS"
	}
	return "from the repository"
}
