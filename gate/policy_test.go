package gate

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/rules"
)

var updatePolicy = flag.Bool("update-policy", false, "rewrite the golden files under rules/testdata/extends")

// policyCases is where the inheritance goldens live: one folder per case,
//
//	repo/modelgate.yml            the rules file (its repository is repo/)
//	github/<owner>/<repo>/<ref>/  files of other GitHub repositories
//	https/<host>/<path>           files served at https://<host>/<path>
//	want.out                      the diagnostics, or the resolved policy
//
// or, for the rules-change guard, base.yml and head.yml (the rules file on
// the two sides of a pull request) with github/ and want.out (the diff of
// the resolved policies).
const policyCases = "../rules/testdata/extends"

// dirGitHub fakes GitHubFiles over a folder.
type dirGitHub struct {
	root  string
	calls *int
}

func (g dirGitHub) FileAt(ctx context.Context, owner, repo, ref, path string) ([]byte, error) {
	if g.calls != nil {
		*g.calls++
	}
	b, err := os.ReadFile(filepath.Join(g.root, owner, repo, ref, filepath.FromSlash(path)))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s/%s@%s:%s: %w", owner, repo, ref, path, ErrPolicyNotFound)
	}
	return b, err
}

// dirURLs fakes URLFiles over a folder of hosts.
type dirURLs struct{ root string }

func (u dirURLs) Get(ctx context.Context, url string) ([]byte, error) {
	rest, ok := strings.CutPrefix(url, "https://")
	if !ok {
		return nil, fmt.Errorf("%s: %w", url, ErrPolicyRefused)
	}
	b, err := os.ReadFile(filepath.Join(u.root, filepath.FromSlash(rest)))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", url, ErrPolicyNotFound)
	}
	return b, err
}

func caseFetchers(dir string) PolicyFetchers {
	return PolicyFetchers{
		Repo:   DirFiles{Root: filepath.Join(dir, "repo")},
		GitHub: dirGitHub{root: filepath.Join(dir, "github")},
		HTTPS:  dirURLs{root: filepath.Join(dir, "https")},
	}
}

// describeResolved renders a resolved policy for a golden: its sources
// with digests, and every rule with where it is (inherited rules at the
// `extends` entry, with where they are written).
func describeResolved(f *rules.File) string {
	var b strings.Builder
	b.WriteString("sources:\n")
	for _, s := range f.Resolution.Sources {
		fmt.Fprintf(&b, "  %d %s %s\n", s.Depth, s.SHA256[:12], s.Name)
	}
	b.WriteString("rules:\n")
	for _, c := range rules.Diff(&rules.File{Model: f.Model}, f) {
		if c.Rule == "" {
			continue
		}
		fmt.Fprintf(&b, "  %s: %s at %s", c.Rule, c.After, c.Pos)
		if o, ok := f.Resolution.Origins[c.Rule]; ok {
			fmt.Fprintf(&b, " (inherited from %s %s)", o.Source, o.Pos)
		}
		for _, r := range f.Rules {
			if r.ID == c.Rule {
				fmt.Fprintf(&b, " [%s, on_missing %s]", f.EffectiveSeverity(&r), f.EffectiveOnMissing(&r))
			}
		}
		b.WriteByte('\n')
	}
	if len(f.Reports) > 0 {
		b.WriteString("reports:\n")
		for _, r := range f.Reports {
			fmt.Fprintf(&b, "  %s at %s\n", r.Name, r.Pos)
		}
	}
	if mc := f.Defaults.MultipleComparisons; mc != "" {
		fmt.Fprintf(&b, "multiple_comparisons: %s\n", mc)
	}
	return b.String()
}

func checkGolden(t *testing.T, dir, got string) {
	t.Helper()
	golden := filepath.Join(dir, "want.out")
	if *updatePolicy {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./gate -run Policy -update-policy to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", golden, diff)
	}
}

// TestPolicyGolden resolves the rules file of every case and compares the
// diagnostics (or the resolved policy) with want.out. A case whose name
// ends in -rejected must fail with Diagnostics, every other must resolve.
func TestPolicyGolden(t *testing.T) {
	t.Parallel()
	dirs, err := filepath.Glob(filepath.Join(policyCases, "*", "repo", "modelgate.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 15 {
		t.Errorf("found %d inheritance cases; want at least 15", len(dirs))
	}
	for _, leaf := range dirs {
		dir := filepath.Dir(filepath.Dir(leaf))
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(leaf)
			if err != nil {
				t.Fatal(err)
			}
			got, rejected := resolveCase(t, dir, data)
			if want := strings.HasSuffix(name, "-rejected"); rejected != want {
				t.Errorf("ResolvePolicy(%s) rejected = %v; want %v:\n%s", name, rejected, want, got)
			}
			checkGolden(t, dir, got)
		})
	}
}

// resolveCase parses and resolves a case's rules file: the text of the
// diagnostics (rejected) or of the resolved policy.
func resolveCase(t *testing.T, dir string, data []byte) (string, bool) {
	t.Helper()
	f, err := rules.Parse("modelgate.yml", data)
	if err == nil {
		var rf *rules.File
		rf, err = ResolvePolicy(context.Background(), f, caseFetchers(dir))
		if err == nil {
			if rf.Path != f.Path || rf.SHA256 != f.SHA256 || rf.Resolution.Sources[0].SHA256 != f.SHA256 {
				t.Errorf("resolved file is %s %s; want the rules file's path and digest %s %s", rf.Path, rf.SHA256, f.Path, f.SHA256)
			}
			return describeResolved(rf), false
		}
	}
	var ds rules.Diagnostics
	if !errors.As(err, &ds) {
		t.Fatalf("ResolvePolicy: %v (%T); want Diagnostics or success", err, err)
	}
	if ExitCodeOf(err) != ExitUsage {
		t.Errorf("ExitCodeOf(%v) = %d; want %d", err, ExitCodeOf(err), ExitUsage)
	}
	return ds.Error() + "\n", true
}

// TestPolicyPinChange is the rules-change guard on a pull request that
// changes only a base's pin: the new base commit lowers a threshold, and
// the diff of the resolved policies shows it as loosening at the head's
// `extends` entry, with before and after.
func TestPolicyPinChange(t *testing.T) {
	t.Parallel()
	dirs, err := filepath.Glob(filepath.Join(policyCases, "*", "head.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 2 {
		t.Errorf("found %d pin-change cases; want at least 2", len(dirs))
	}
	for _, headPath := range dirs {
		dir := filepath.Dir(headPath)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			parse := func(name string) *rules.File {
				data, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				f, err := rules.Parse("modelgate.yml", data)
				if err != nil {
					t.Fatal(err)
				}
				return f
			}
			base, head := parse("base.yml"), parse("head.yml")
			gh := dirGitHub{root: filepath.Join(dir, "github")}
			// The repository itself on the two sides: at the PR's base
			// commit through GitHub, at the head in the workspace.
			// Through GitHubFilesFunc, as cmd wires a client per repository.
			var ghf GitHubFiles = GitHubFilesFunc(gh.FileAt)
			baseFx := PolicyFetchers{Repo: RepoAt{GitHub: ghf, Owner: "acme", Repo: "model", Ref: "base"}, GitHub: ghf}
			headFx := PolicyFetchers{Repo: RepoAt{GitHub: gh, Owner: "acme", Repo: "model", Ref: "head"}, GitHub: gh}
			if d := rules.Diff(base, head); rules.Loosens(d) {
				t.Fatalf("the rules files alone loosen; the case must loosen only through its base:\n%s", rules.FormatChanges(d))
			}
			changes, err := PolicyChange(context.Background(), base, baseFx, head, headFx)
			if err != nil {
				t.Fatal(err)
			}
			if !rules.Loosens(changes) {
				t.Errorf("PolicyChange = %v; want a loosening change", changes)
			}
			checkGolden(t, dir, rules.FormatChanges(changes))
		})
	}
}

// TestJudgePolicyChange: a pull request that changes only a base policy
// file of the repository leaves the rules file's bytes alone, so the
// byte comparison of JudgeRulesChange sees nothing; JudgePolicyChange
// compares the resolved policies and shows the loosening.
func TestJudgePolicyChange(t *testing.T) {
	t.Parallel()
	const rulesFile = "version: 1\nmodel: {group: churn, first_model: absolute-only}\nextends: {path: policies/base.yml}\n"
	base := strings.Replace(basePolicy, "min: 0.85", "min: 0.85\n  - id: latency\n    metric: quality.latency_ms\n    max: 200", 1)
	head := strings.Replace(base, "max: 200", "max: 300", 1)
	gh := mapGitHub{"acme/model@base:policies/base.yml": base, "acme/model@base:modelgate.yml": rulesFile}
	headDir := t.TempDir()
	write(t, filepath.Join(headDir, "policies/base.yml"), head)

	ctx := context.Background()
	hf, err := rules.Parse("modelgate.yml", []byte(rulesFile))
	if err != nil {
		t.Fatal(err)
	}
	rf, err := ResolvePolicy(ctx, hf, PolicyFetchers{Repo: DirFiles{Root: headDir}})
	if err != nil {
		t.Fatal(err)
	}
	m := NewMetrics()
	m.Add(Instance{Address: "quality.auc", Value: 0.9, StdDev: math.NaN()})
	m.Add(Instance{Address: "quality.latency_ms", Value: 250, StdDev: math.NaN()})
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	res := Evaluate(rf, m, nil, now)
	if res.Conclusion != Success {
		t.Fatalf("head conclusion = %s; want success (250 <= 300)", res.Conclusion)
	}

	if old := JudgeRulesChange(res, rf, "modelgate.yml", "base", []byte(rulesFile), now); !old.Unchanged {
		t.Fatalf("JudgeRulesChange = %+v; the test assumes the byte comparison misses the change", old)
	}
	baseFx := PolicyFetchers{Repo: RepoAt{GitHub: gh, Owner: "acme", Repo: "model", Ref: "base"}}
	rc, err := JudgePolicyChange(ctx, res, rf, "modelgate.yml", "base", []byte(rulesFile), baseFx, now)
	if err != nil {
		t.Fatal(err)
	}
	// (Was, the base side's verdict, needs the metrics Run loaded; a
	// result of Evaluate has none.)
	if rc.Unchanged || !rc.Loosens || rc.BaseBroken != nil {
		t.Errorf("JudgePolicyChange = %+v; want a loosening change", rc)
	}
	if got, want := rules.FormatChanges(rc.Changes), "loosen  latency: max raised: 200 -> 300 at 3:10\n"; got != want {
		t.Errorf("changes:\n%s\nwant:\n%s", got, want)
	}

	// The same policies on both sides: unchanged, even though the base
	// side was read through GitHub and the head from the workspace.
	gh["acme/model@base:policies/base.yml"] = head
	if rc, err := JudgePolicyChange(ctx, res, rf, "modelgate.yml", "base", []byte(rulesFile), baseFx, now); err != nil || !rc.Unchanged {
		t.Errorf("JudgePolicyChange(same policies) = %+v, %v; want Unchanged", rc, err)
	}
	// A base side whose bases are gone counts as loosening; one that
	// cannot be read is the guard's failure, not a verdict.
	delete(gh, "acme/model@base:policies/base.yml")
	if rc, err := JudgePolicyChange(ctx, res, rf, "modelgate.yml", "base", []byte(rulesFile), baseFx, now); err != nil || rc.BaseBroken == nil || !rc.Loosens {
		t.Errorf("JudgePolicyChange(base side broken) = %+v, %v; want BaseBroken and Loosens", rc, err)
	}
	_, err = JudgePolicyChange(ctx, res, rf, "modelgate.yml", "base", []byte(rulesFile), PolicyFetchers{Repo: RepoAt{GitHub: failingGitHub{}, Owner: "acme", Repo: "model", Ref: "base"}}, now)
	if !errors.Is(err, ErrGuardUnavailable) || ExitCodeOf(err) != ExitRuntime {
		t.Errorf("JudgePolicyChange(GitHub down) = %v; want ErrGuardUnavailable, exit 3", err)
	}
}

// mapGitHub fakes GitHubFiles over a map of "owner/repo@ref:path".
type mapGitHub map[string]string

func (g mapGitHub) FileAt(_ context.Context, owner, repo, ref, path string) ([]byte, error) {
	s, ok := g[owner+"/"+repo+"@"+ref+":"+path]
	if !ok {
		return nil, fmt.Errorf("%s/%s@%s:%s: %w", owner, repo, ref, path, ErrPolicyNotFound)
	}
	return []byte(s), nil
}

// TestResolvePolicyFanOut: 8 bases that each extend 8 others would read
// 72 files; the resolution stops at MaxPolicyFiles.
func TestResolvePolicyFanOut(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	entries := func(prefix string) string {
		var b strings.Builder
		b.WriteString("extends:\n")
		for i := range 8 {
			fmt.Fprintf(&b, "  - path: %s%d.yml\n", prefix, i)
		}
		return b.String()
	}
	for i := range 8 {
		write(t, filepath.Join(dir, fmt.Sprintf("a%d.yml", i)), fmt.Sprintf("version: 1\npolicy: {name: a%d}\n%s", i, entries(fmt.Sprintf("b%d-", i))))
		for j := range 8 {
			write(t, filepath.Join(dir, fmt.Sprintf("b%d-%d.yml", i, j)), fmt.Sprintf("version: 1\npolicy: {}\nrules:\n  - {id: r%d-%d, metric: quality.auc, min: 0.5}\n", i, j))
		}
	}
	f, err := rules.Parse("modelgate.yml", []byte("version: 1\nmodel: {group: g}\n"+entries("a")))
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	fx := PolicyFetchers{Repo: countingRepo{DirFiles{Root: dir}, &calls}}
	_, err = ResolvePolicy(context.Background(), f, fx)
	if ExitCodeOf(err) != ExitUsage || !strings.Contains(err.Error(), "more than 32 base policy files") {
		t.Errorf("ResolvePolicy(fan-out) = %v; want the file cap", err)
	}
	if calls != MaxPolicyFiles {
		t.Errorf("read %d files; want at most %d", calls, MaxPolicyFiles)
	}
}

type countingRepo struct {
	RepoFiles
	calls *int
}

func (c countingRepo) ReadFile(ctx context.Context, path string) ([]byte, error) {
	*c.calls++
	return c.RepoFiles.ReadFile(ctx, path)
}

// TestResolvePolicyManyProblems: bases full of problems give at most 200
// diagnostics and a count of the rest.
func TestResolvePolicyManyProblems(t *testing.T) {
	t.Parallel()
	var bad strings.Builder
	bad.WriteString("version: 1\npolicy: {}\nrules:\n")
	for i := range 150 {
		fmt.Fprintf(&bad, "  - {id: r%d, metric: quality.auc, mn: 1}\n", i)
	}
	repo := mapGitHub{}
	var child strings.Builder
	child.WriteString("version: 1\nmodel: {group: g}\nextends:\n")
	for i := range 3 {
		repo[fmt.Sprintf("acme/model@head:b%d.yml", i)] = bad.String()
		fmt.Fprintf(&child, "  - path: b%d.yml\n", i)
	}
	f, err := rules.Parse("modelgate.yml", []byte(child.String()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = ResolvePolicy(context.Background(), f, PolicyFetchers{Repo: RepoAt{GitHub: repo, Owner: "acme", Repo: "model", Ref: "head"}})
	var ds rules.Diagnostics
	if !errors.As(err, &ds) || len(ds) != 201 || !strings.Contains(ds[200].Message, "more not shown") {
		t.Errorf("ResolvePolicy(bad bases) = %d diagnostics; want 200 and a count", len(ds))
	}
}
