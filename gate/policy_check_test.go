package gate

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/rules"
)

// TestCheckPolicyOffline: offline, a local base that extends a GitHub base
// is still read and checked (its loosening found); the GitHub base is
// listed as unchecked at the local base's entry and never fetched.
func TestCheckPolicyOffline(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "policies/team.yml"), "version: 1\npolicy: {name: team}\nextends: {repo: acme/core, ref: 0123456789abcdef0123456789abcdef01234567, path: core.yml}\nrules:\n  - id: latency\n    metric: quality.latency_ms\n    max: 200\n")
	f, err := rules.Parse("modelgate.yml", []byte("version: 1\nmodel: {group: churn}\nextends: {path: policies/team.yml}\nrules:\n  - id: latency\n    metric: quality.latency_ms\n    max: 250\n"))
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	fx := PolicyFetchers{Repo: DirFiles{Root: dir}, GitHub: dirGitHub{root: dir, calls: &calls}}
	_, un, err := CheckPolicy(context.Background(), f, fx, CheckOptions{Offline: true})
	var ds rules.Diagnostics
	if !errors.As(err, &ds) || len(ds) != 1 || !strings.Contains(ds[0].String(), "modelgate.yml:7:10: rule `latency` loosens the rule it inherits from policies/team.yml: max raised: 200 -> 250") {
		t.Errorf("CheckPolicy = %v; want the loosening of the local base", err)
	}
	want := []Unchecked{{File: "policies/team.yml", Pos: rules.Pos{Line: 3, Col: 10}, Name: "acme/core@0123456789abcdef0123456789abcdef01234567:core.yml", Reason: "offline: it is read from GitHub (acme/core)"}}
	if diff := cmp.Diff(want, un); diff != "" {
		t.Errorf("unchecked (-want +got):\n%s", diff)
	}
	if calls != 0 {
		t.Errorf("%d GitHub reads offline; want none", calls)
	}
	// Online, the same GitHub base that cannot be read is unchecked with
	// the reason, and the resolution goes on.
	_, un, err = CheckPolicy(context.Background(), f, PolicyFetchers{Repo: DirFiles{Root: dir}, GitHub: failingGitHub{}}, CheckOptions{})
	if !errors.As(err, &ds) || len(un) != 1 || !strings.HasPrefix(un[0].Reason, "it could not be read: ") {
		t.Errorf("CheckPolicy(failing GitHub) = %v, %+v; want the loosening and the base unchecked", err, un)
	}
	// ResolvePolicy still fails closed on the same fault (exit 3).
	if _, err := ResolvePolicy(context.Background(), f, PolicyFetchers{Repo: DirFiles{Root: dir}, GitHub: failingGitHub{}}); !errors.Is(err, ErrPolicyFetch) {
		t.Errorf("ResolvePolicy(failing GitHub) = %v; want ErrPolicyFetch", err)
	}
}
