package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/gatetest"
)

const extendsCases = "../../rules/testdata/extends"

// caseServers serves a golden case's other repositories (github/<owner>/
// <repo>/<ref>/...) from the fake GitHub and its https/<host>/<path> files
// from a TLS server that the real HTTPSFiles client reaches for any host.
// It returns the environment of the CLI.
func caseServers(t *testing.T, dir string) (map[string]string, gate.URLFiles) {
	t.Helper()
	fake := gatetest.NewGitHub(t)
	ghRoot := filepath.Join(dir, "github")
	filepath.WalkDir(ghRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(ghRoot, p)
		parts := strings.SplitN(filepath.ToSlash(rel), "/", 4) // owner, repo, ref, path
		b, _ := os.ReadFile(p)
		fake.AddFile(parts[2], parts[3], b)
		return nil
	})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile(filepath.Join(dir, "https", r.Host, filepath.FromSlash(r.URL.Path)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	c := srv.Client()
	tr := c.Transport.(*http.Transport).Clone()
	tr.TLSClientConfig.ServerName = "example.com" // the test certificate's name
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
	}
	c.Transport = tr
	return map[string]string{"GITHUB_TOKEN": gatetest.GitHubToken, "GITHUB_API_URL": fake.APIURL}, gate.HTTPSFiles{Client: c}
}

func runEnv(env map[string]string, args ...string) (int, string, string) {
	var o, e bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, &o, &e)
	return code, o.String(), e.String()
}

// TestCLIValidateExtendsGolden runs `modelgate validate` on the rules file
// of every inheritance golden case, with its bases served by the fake
// GitHub and an HTTPS server: a rejected case prints its want.out exactly
// (the loosening with before and after, a waiver owner the base does not
// allow, a moving ref, a digest mismatch, a cycle, too deep) and exits 2;
// an accepted one says ok, exit 0.
//
// Not parallel: it points policyHTTPS at each case's server in turn.
func TestCLIValidateExtendsGolden(t *testing.T) {
	leaves, err := filepath.Glob(filepath.Join(extendsCases, "*", "repo", "modelgate.yml"))
	if err != nil || len(leaves) < 25 {
		t.Fatalf("found %d cases (%v)", len(leaves), err)
	}
	saved := policyHTTPS
	defer func() { policyHTTPS = saved }()
	for _, leaf := range leaves {
		dir := filepath.Dir(filepath.Dir(leaf))
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			env, https := caseServers(t, dir)
			policyHTTPS = https
			code, out, errs := runEnv(env, "validate", leaf)
			out = strings.ReplaceAll(out, filepath.Dir(leaf)+string(filepath.Separator), "")
			if !strings.HasSuffix(name, "-rejected") {
				if code != gate.ExitPass || !strings.HasPrefix(out, "modelgate.yml: ok (") || strings.Count(out, "\n") != 1 {
					t.Errorf("exit %d; want 0 and one ok line\n%s%s", code, out, errs)
				}
				return
			}
			want, err := os.ReadFile(filepath.Join(dir, "want.out"))
			if err != nil {
				t.Fatal(err)
			}
			if code != gate.ExitUsage || out != string(want) || errs != "" {
				t.Errorf("exit %d; want 2 with want.out\ngot:\n%s%s\nwant:\n%s", code, out, errs, want)
			}
		})
	}
}

// The ok line of a file with bases counts the resolved rules, the
// inherited ones and the bases.
func TestCLIValidateExtendsOK(t *testing.T) {
	t.Parallel()
	leaf := filepath.Join(extendsCases, "tighten", "repo", "modelgate.yml")
	code, out, errs := runCLI(t, "validate", leaf)
	if want := leaf + ": ok (5 rules, 2 inherited, from 1 base policy)\n"; code != gate.ExitPass || out != want {
		t.Errorf("exit %d, %q%s; want 0, %q", code, out, errs, want)
	}
}

// --offline reads the repository's own bases and nothing over the
// network: a file whose bases are all local is checked in full (a
// loosening is still exit 2); a base from GitHub or a URL is listed as
// not checked and the exit code is 3, never 0.
func TestCLIValidateOffline(t *testing.T) {
	t.Parallel()
	leaf := func(c string) string { return filepath.Join(extendsCases, c, "repo", "modelgate.yml") }
	strip := func(p, s string) string { return strings.ReplaceAll(s, filepath.Dir(p)+"/", "") }
	env := map[string]string{"GITHUB_TOKEN": gatetest.GitHubToken, "GITHUB_API_URL": "http://127.0.0.1:1"} // never called

	p := leaf("github-chain")
	code, out, errs := runEnv(env, "validate", "--offline", p)
	want := "modelgate.yml:5:3: base policy acme/ml-policies@0123456789abcdef0123456789abcdef01234567:teams/churn.yml not checked: offline: it is read from GitHub (acme/ml-policies) [extends]\n" +
		"modelgate.yml: no problem found, but 1 base policy was not checked\n"
	if code != gate.ExitRuntime || strip(p, out) != want || errs != "" {
		t.Errorf("github base offline: exit %d\n%s%s\nwant exit 3\n%s", code, strip(p, out), errs, want)
	}

	p = leaf("url-pinned")
	code, out, _ = runEnv(env, "validate", "--offline", p)
	if want := "modelgate.yml:5:3: base policy https://policies.acme.example/ml/v3.yml not checked: offline: it is read over HTTPS [extends]\n"; code != gate.ExitRuntime || !strings.HasPrefix(strip(p, out), want) {
		t.Errorf("url base offline: exit %d\n%s\nwant exit 3 starting\n%s", code, strip(p, out), want)
	}

	// Local bases are checked offline; a problem beats a base not checked.
	p = leaf("loosen-rejected")
	wantOut, _ := os.ReadFile(filepath.Join(extendsCases, "loosen-rejected", "want.out"))
	if code, out, errs := runEnv(env, "validate", "--offline", p); code != gate.ExitUsage || strip(p, out) != string(wantOut) {
		t.Errorf("local loosening offline: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = runEnv(env, "validate", "--offline", leaf("github-chain"), p)
	if code != gate.ExitUsage || !strings.Contains(out, "not checked") || !strings.Contains(out, "loosens") {
		t.Errorf("a problem and a base not checked: exit %d; want 2\n%s", code, out)
	}
	if code, out, errs := runEnv(env, "validate", "--offline", leaf("tighten")); code != gate.ExitPass || !strings.Contains(out, ": ok (5 rules, 2 inherited, from 1 base policy)") {
		t.Errorf("local bases only, offline: exit %d; want 0\n%s%s", code, out, errs)
	}
}

// Without GITHUB_TOKEN a base of another repository is not checked (exit
// 3, saying what to set), not a problem of the rules file.
func TestCLIValidateNoToken(t *testing.T) {
	t.Parallel()
	p := filepath.Join(extendsCases, "github-chain", "repo", "modelgate.yml")
	code, out, errs := runCLI(t, "validate", p)
	want := p + ":5:3: base policy acme/ml-policies@0123456789abcdef0123456789abcdef01234567:teams/churn.yml not checked: it could not be read: no GITHUB_TOKEN to read it with (it needs contents: read on that repository); set it, or pass --offline [extends]\n" +
		p + ": no problem found, but 1 base policy was not checked\n"
	if code != gate.ExitRuntime || out != want || errs != "" {
		t.Errorf("exit %d\n%s%s\nwant exit 3\n%s", code, out, errs, want)
	}
}

// Online, a base that cannot be read after the retries is listed as not
// checked (exit 3), and the other bases are still checked.
func TestCLIValidateUnreadableBase(t *testing.T) {
	t.Parallel()
	fake := gatetest.NewGitHub(t)
	fake.FailNext("repos/get-content", http.StatusBadGateway, 100)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "policies"), 0o755)
	os.WriteFile(filepath.Join(dir, "policies", "base.yml"), []byte("version: 1\npolicy: {name: local}\nrules:\n  - id: latency\n    metric: quality.latency_ms\n    max: 200\n"), 0o644)
	p := filepath.Join(dir, "modelgate.yml")
	os.WriteFile(p, []byte("version: 1\nmodel: {group: churn}\nextends:\n  - repo: acme/ml-policies\n    ref: "+cliPolicyRef+"\n    path: risk.yml\n  - path: policies/base.yml\nrules:\n  - id: latency\n    metric: quality.latency_ms\n    max: 300\n"), 0o644)
	env := map[string]string{"GITHUB_TOKEN": gatetest.GitHubToken, "GITHUB_API_URL": fake.APIURL}
	code, out, errs := runEnv(env, "validate", "--timeout", "1s", p)
	out = strings.ReplaceAll(out, dir+"/", "")
	if code != gate.ExitUsage || !strings.Contains(out, "modelgate.yml:4:5: base policy acme/ml-policies@"+cliPolicyRef+":risk.yml not checked: it could not be read: ") ||
		!strings.Contains(out, "modelgate.yml:11:10: rule `latency` loosens the rule it inherits from policies/base.yml: max raised: 200 -> 300") {
		t.Errorf("exit %d; want 2 with the GitHub base not checked and the local loosening\n%s%s", code, out, errs)
	}
	os.WriteFile(p, []byte("version: 1\nmodel: {group: churn}\nextends:\n  repo: acme/ml-policies\n  ref: "+cliPolicyRef+"\n  path: risk.yml\n"), 0o644)
	if code, out, errs := runEnv(env, "validate", "--timeout", "1s", p); code != gate.ExitRuntime || !strings.Contains(out, "no problem found, but 1 base policy was not checked") {
		t.Errorf("only an unreadable base: exit %d; want 3\n%s%s", code, out, errs)
	}
}

// `modelgate diff` of two rules files that differ only in a base's pin
// compares the resolved policies, as the pull request's guard does: the
// new base commit's loosening is shown (want.out of the golden case), and
// --fail-on-loosen exits 1.
func TestCLIDiffPinChange(t *testing.T) {
	t.Parallel()
	for _, c := range []string{"pin-change-loosens", "pin-change-drops-rule"} {
		t.Run(c, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(extendsCases, c)
			env, _ := caseServers(t, dir)
			want, err := os.ReadFile(filepath.Join(dir, "want.out"))
			if err != nil {
				t.Fatal(err)
			}
			base, head := filepath.Join(dir, "base.yml"), filepath.Join(dir, "head.yml")
			if code, out, errs := runEnv(env, "diff", base, head); code != gate.ExitPass || out != string(want) {
				t.Errorf("diff: exit %d\n%s%s\nwant exit 0\n%s", code, out, errs, want)
			}
			if code, out, errs := runEnv(env, "diff", "--fail-on-loosen", base, head); code != gate.ExitFail {
				t.Errorf("diff --fail-on-loosen: exit %d; want 1\n%s%s", code, out, errs)
			}
			// The same pin on both sides: the same resolved policy.
			if code, out, errs := runEnv(env, "diff", "--fail-on-loosen", head, head); code != gate.ExitPass || out != "no rule changes\n" {
				t.Errorf("diff head head: exit %d %q%s", code, out, errs)
			}
		})
	}
}

// A BASE whose policy does not resolve counts as loosening, as in the
// pull request's check; a HEAD that does not resolve is exit 2; a base
// that cannot be read is exit 3.
func TestCLIDiffUnresolved(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "policies"), 0o755)
	os.WriteFile(filepath.Join(dir, "policies", "base.yml"), []byte("version: 1\npolicy: {name: local}\nrules:\n  - id: latency\n    metric: quality.latency_ms\n    max: 200\n"), 0o644)
	good := filepath.Join(dir, "good.yml")
	os.WriteFile(good, []byte("version: 1\nmodel: {group: churn}\nextends: {path: policies/base.yml}\n"), 0o644)
	broken := filepath.Join(dir, "broken.yml")
	os.WriteFile(broken, []byte("version: 1\nmodel: {group: churn}\nextends: {path: policies/missing.yml}\n"), 0o644)

	code, out, errs := runCLI(t, "diff", "--fail-on-loosen", broken, good)
	want := "loosen  " + broken + ": the policy of BASE does not resolve, so the change counts as loosening (as in the pull request's check):\n" +
		"  " + broken + ":3:10: base policy policies/missing.yml does not exist [extends]\n"
	if code != gate.ExitFail || out != want {
		t.Errorf("broken BASE: exit %d\n%s%s\nwant exit 1\n%s", code, out, errs, want)
	}
	code, out, errs = runCLI(t, "diff", good, broken)
	if code != gate.ExitUsage || !strings.Contains(errs, "policies/missing.yml does not exist") {
		t.Errorf("broken HEAD: exit %d; want 2\n%s%s", code, out, errs)
	}
	remote := filepath.Join(dir, "remote.yml")
	os.WriteFile(remote, []byte("version: 1\nmodel: {group: churn}\nextends: {repo: acme/p, ref: "+cliPolicyRef+", path: r.yml}\n"), 0o644)
	env := map[string]string{"GITHUB_TOKEN": gatetest.GitHubToken, "GITHUB_API_URL": "http://127.0.0.1:1"}
	if code, out, errs := runEnv(env, "diff", "--timeout", "500ms", good, remote); code != gate.ExitRuntime || !strings.Contains(errs, "a base policy could not be read") {
		t.Errorf("unreadable base: exit %d; want 3\n%s%s", code, out, errs)
	}
}

// `modelgate endpoint check` resolves the policy: an endpoint rule id that
// repeats an inherited rule's is exit 2 at it, and a policy that resolves
// is recorded in the result.
func TestCLIEndpointExtends(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../examples/fraud")); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, ".github", "endpoint.yml")
	b, _ := os.ReadFile(p)
	s := strings.Replace(string(b), "version: 1\n", "version: 1\nextends: {path: policies/base.yml}\n", 1)
	os.WriteFile(p, []byte(s), 0o644)
	os.MkdirAll(filepath.Join(dir, "policies"), 0o755)
	base := filepath.Join(dir, "policies", "base.yml")
	os.WriteFile(base, []byte("version: 1\npolicy: {name: acme}\nrules:\n  - id: kms-at-rest\n    require: [quality]\n"), 0o644)

	code, out, errs := runCLI(t, "endpoint", "check", "--rules", p, "--endpoint", "fraud-prod")
	if code != gate.ExitUsage || !strings.Contains(errs, "endpoint.yml:30:7: endpoint rule id `kms-at-rest` is already used by the rule inherited from policies/base.yml") {
		t.Errorf("endpoint id repeats an inherited rule: exit %d; want 2\n%s%s", code, out, errs)
	}

	os.WriteFile(base, []byte("version: 1\npolicy: {name: acme}\nrules:\n  - id: org-quality\n    require: [quality]\n"), 0o644)
	code, out, errs = runCLI(t, "endpoint", "check", "--rules", p, "--endpoint", "fraud-prod", "--format", "json")
	var res gate.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("exit %d: %v\n%s%s", code, err, out, errs)
	}
	if code != gate.ExitPass || res.PolicySHA256 == "" || len(res.Policies) != 2 || res.Policies[1].Name != "policies/base.yml" {
		t.Errorf("exit %d, policy %q %+v; want 0 with the rules file and its base recorded\n%s", code, res.PolicySHA256, res.Policies, errs)
	}
}

// The README shows the output of validate and diff on examples/org-policy
// byte for byte.
func TestCLIReadmeExtendsOutput(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"validate", "examples/org-policy/.github/loosened.yml"},
		{"diff", "--fail-on-loosen", "examples/org-policy/.github/modelgate.yml", "examples/org-policy/.github/next.yml"},
	} {
		lead := "go run ./cmd/modelgate " + strings.Join(args, " ") + "\n```\n\n```\n"
		i := bytes.Index(readme, []byte(lead))
		if i < 0 {
			t.Errorf("README.md has no output block after %q", lead)
			continue
		}
		shown := readme[i+len(lead):]
		shown = shown[:bytes.Index(shown, []byte("```\n"))]
		for j, a := range args {
			if strings.HasPrefix(a, "examples/") {
				args[j] = "../../" + a
			}
		}
		_, out, errs := runCLI(t, args...)
		if got := strings.ReplaceAll(out, "../../", ""); got != string(shown) {
			t.Errorf("README output of %s differs:\nREADME:\n%s\ngot:\n%s%s", args[0], shown, got, errs)
		}
	}
}

// A base policy given to validate is checked with its own chain; its
// `path` bases are files of its repository (its git root), as when it is
// read from GitHub.
func TestCLIValidateBasePolicyChain(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, ".git"), 0o755)
	os.MkdirAll(filepath.Join(dir, "policies", "teams"), 0o755)
	os.WriteFile(filepath.Join(dir, "policies", "core.yml"), []byte("version: 1\npolicy: {name: core}\nrules:\n  - id: latency\n    metric: quality.latency_ms\n    max: 200\n"), 0o644)
	team := filepath.Join(dir, "policies", "teams", "churn.yml")
	os.WriteFile(team, []byte("version: 1\npolicy: {name: churn}\nextends: {path: policies/core.yml}\nrules:\n  - id: latency\n    metric: quality.latency_ms\n    max: 300\n"), 0o644)
	code, out, errs := runCLI(t, "validate", team)
	want := team + ":7:10: rule `latency` loosens the rule it inherits from policies/core.yml: max raised: 200 -> 300; a rules file may only tighten an inherited rule [extends]\n"
	if code != gate.ExitUsage || out != want {
		t.Errorf("exit %d\n%s%s\nwant exit 2\n%s", code, out, errs, want)
	}
	// --root says where the repository is.
	os.Remove(filepath.Join(dir, ".git"))
	if code, out, errs := runCLI(t, "validate", "--root", dir, team); code != gate.ExitUsage || out != want {
		t.Errorf("--root: exit %d\n%s%s", code, out, errs)
	}
}

// A pull request that changes only a base file of the repository: the two
// rules files are the same bytes, --base-root and --head-root say where
// each side's `path` bases are, and the loosening of the base shows.
func TestCLIDiffRoots(t *testing.T) {
	t.Parallel()
	baseRoot, headRoot := t.TempDir(), t.TempDir()
	policy := "version: 1\npolicy: {name: local}\nrules:\n  - id: latency\n    metric: quality.latency_ms\n    max: %s\n"
	for root, max := range map[string]string{baseRoot: "200", headRoot: "300"} {
		os.MkdirAll(filepath.Join(root, "policies"), 0o755)
		os.WriteFile(filepath.Join(root, "policies", "base.yml"), []byte(strings.Replace(policy, "%s", max, 1)), 0o644)
	}
	rulesFile := filepath.Join(t.TempDir(), "modelgate.yml")
	os.WriteFile(rulesFile, []byte("version: 1\nmodel: {group: churn}\nextends: {path: policies/base.yml}\n"), 0o644)
	code, out, errs := runCLI(t, "diff", "--fail-on-loosen", "--base-root", baseRoot, "--head-root", headRoot, rulesFile, rulesFile)
	if want := "loosen  latency: max raised: 200 -> 300 at 3:10\n"; code != gate.ExitFail || out != want {
		t.Errorf("exit %d %q%s; want 1 %q", code, out, errs, want)
	}
}
