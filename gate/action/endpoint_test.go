package action

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/endpoint"
	"github.com/modelgate/modelgate/gate/gatetest"
	"github.com/modelgate/modelgate/gate/localreg"
	"github.com/modelgate/modelgate/rules"
)

// copyExample copies examples/fraud (rules files, registry, deploy) into dir.
func copyExample(t *testing.T, dir string) {
	t.Helper()
	src := "../../examples/fraud"
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		dst := filepath.Join(dir, rel)
		if info.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func localEndpoint(_ context.Context, _ Options, _ *rules.File, reg gate.Registry, name string) (endpoint.Source, error) {
	return reg.(*localreg.Registry).Endpoint(name), nil
}

// The endpoint input judges the live endpoint after deploy, on a push to
// the default branch (never an approval), and posts it as its own check
// run beside the model's.
func TestActionEndpointInput(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		endpoint, run, conclusion string
		code                      int
	}{
		{"fraud-prod", "success", "success", gate.ExitPass},
		{"fraud-canary", "failure", "failure", gate.ExitFail},
		{"fraud-missing", "failure", "error", gate.ExitUsage},
	} {
		t.Run(tt.endpoint, func(t *testing.T) {
			t.Parallel()
			fake := gatetest.NewGitHub(t)
			e := newActionEnv(t, fake, "push", "push.default-branch", nil)
			copyExample(t, e.dir)
			e.vars["INPUT_RULES"] = ".github/endpoint.yml"
			e.vars["INPUT_ENDPOINT"] = tt.endpoint
			calls := 0
			code := Run(context.Background(), Env{Getenv: e.getenv, Stdout: &e.stdout, Stderr: &e.stderr,
				Evaluate: func(context.Context, Options) (*gate.Result, gate.Registry, error) {
					calls++
					return nil, nil, nil
				},
				NewSurface: newTestSurface, Version: "dev",
				EvaluateEndpoint: func(name string) Evaluator { return EvaluateEndpoint(openLocal, localEndpoint, name, false) }})
			if code != tt.code {
				t.Fatalf("exit %d; want %d\n%s%s", code, tt.code, &e.stdout, &e.stderr)
			}
			if calls != 0 {
				t.Errorf("the model gate ran %d times in an endpoint check", calls)
			}
			runs := fake.CheckRuns()
			if len(runs) != 1 || runs[0].Name != "modelgate / endpoint" || runs[0].HeadSHA != pushed || runs[0].Conclusion != tt.run {
				t.Errorf("check runs = %+v; want one %q on %s, %s", runs, "modelgate / endpoint", pushed, tt.run)
			}
			if got := e.outputs(t)["conclusion"]; got != tt.conclusion {
				t.Errorf("conclusion output %q; want %q", got, tt.conclusion)
			}
			if tt.code == gate.ExitUsage && !strings.Contains(e.stderr.String(), "endpoint not found") {
				t.Errorf("stderr does not say the endpoint is missing: %s", &e.stderr)
			}
		})
	}
}

func TestActionEndpointInputRefused(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, mode, endpoint, says string }{
		{"approve mode", "approve", "fraud-prod", "cannot run in mode: approve"},
		{"bad name", "auto", "fraud prod\n::error::x", `input endpoint: "fraud prod ::error::x" is not a SageMaker endpoint name`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newActionEnv(t, gatetest.NewGitHub(t), "push", "push.default-branch", nil)
			e.vars["INPUT_MODE"], e.vars["INPUT_ENDPOINT"] = tt.mode, tt.endpoint
			if code := e.run(t, runGate); code != gate.ExitUsage || !strings.Contains(e.stderr.String(), tt.says) {
				t.Errorf("exit %d, %s; want 2 and %q", code, &e.stderr, tt.says)
			}
		})
	}
}

// A rules file that names a proposed endpoint configuration gets its
// findings in the model check: one conclusion for both artifacts.
func TestEvaluateFoldsProposedEndpoint(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	copyExample(t, dir)
	res, _, err := runGate(context.Background(), Options{Rules: ".github/endpoint.yml", Workdir: dir})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range res.Findings {
		if strings.HasPrefix(f.Metric, "endpoint.") {
			n++
		}
	}
	if n != 9 || res.Counts.Rules != 10 || res.Conclusion != gate.Success {
		t.Errorf("%d endpoint findings, %d rules, %s; want 9, 10, success", n, res.Counts.Rules, res.Conclusion)
	}
	// A proposed configuration that sets a single instance fails the check.
	p := filepath.Join(dir, "deploy", "prod-config.json")
	b, _ := os.ReadFile(p)
	os.WriteFile(p, []byte(strings.Replace(string(b), `"EndpointInstanceCount": "2"`, `"EndpointInstanceCount": "1"`, 1)), 0o644)
	res, _, err = runGate(context.Background(), Options{Rules: ".github/endpoint.yml", Workdir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if res.Conclusion != gate.Failure {
		t.Errorf("a single proposed instance: %s; want failure\n%s", res.Conclusion, b)
	}
	// A proposed file that escapes the checkout is an input problem.
	os.WriteFile(filepath.Join(dir, ".github", "endpoint.yml"), []byte(strings.Replace(mustRead(t, filepath.Join(dir, ".github", "endpoint.yml")),
		"config: ../deploy/endpoint-config.yml", "config: ../../../../etc/passwd", 1)), 0o644)
	if _, _, err := runGate(context.Background(), Options{Rules: ".github/endpoint.yml", Workdir: dir}); gate.ExitCodeOf(err) != gate.ExitUsage {
		t.Errorf("a config outside the checkout: %v (exit %d); want exit 2", err, gate.ExitCodeOf(err))
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
