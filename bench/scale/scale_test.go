// Package scale measures modelgate check at scale: many models checked at
// once against registry fakes that throttle like the services do. It seeds
// the SageMaker and S3 fakes of gate/gatetest with model package groups,
// each with an approved baseline and a pending candidate (6 reports each),
// turns on the fakes' rate limits (a token bucket shared by every client:
// SageMaker answers ThrottlingException, S3 503 SlowDown), runs one
// `modelgate check` process per model, all at once (the real CLI, built
// once, with the real AWS SDK clients), and prints the requests, the
// throttled answers, the processes' wall times and every exit code and
// verdict checked against the expected one. It runs each retry mode the
// SDK has (AWS_RETRY_MODE=adaptive, modelgate's default, and standard).
//
// It is skipped unless MODELGATE_SCALE=1; bench/scale.sh runs it. Knobs
// (environment): MODELGATE_SCALE_MODELS (50), MODELGATE_SCALE_RATE
// (requests/s of each fake, 30), MODELGATE_SCALE_BURST (10),
// MODELGATE_SCALE_LATENCY (per answer, 0), MODELGATE_SCALE_RUNS (3; the
// median is printed), MODELGATE_SCALE_MODES ("adaptive standard"),
// MODELGATE_SCALE_TIMEOUT (--timeout of each check, 5m),
// MODELGATE_SCALE_MAX_ATTEMPTS (AWS_MAX_ATTEMPTS of each check; unset =
// modelgate's 10), MODELGATE_BIN (a built binary; default: built here).
package scale

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelgate/modelgate/gate/gatetest"
)

// reportPaths are the 6 reports of every package.
var reportPaths = gatetest.FraudReportPaths

// model is one seeded group and what its check must conclude.
type model struct {
	group    string
	rules    string // rules file path
	wantExit int
	want     string // conclusion
}

type world struct {
	sm     *gatetest.SageMakerFake
	s3     *gatetest.S3Fake
	env    []string
	dir    string
	models []model
}

// seed creates n groups: version 1 approved (the example's v11), version 2
// pending: the example's v12, which passes, or for every fifth group v13,
// which fails.
func seed(t *testing.T, n int) *world {
	w := &world{sm: gatetest.NewSageMaker(t), s3: gatetest.NewS3(t), dir: t.TempDir()}
	w.s3.CreateBucket("reports")
	example := filepath.Join("..", "..", "examples", "fraud", "registry", "fraud-xgboost")
	files := map[string][]byte{}
	read := func(v, file string) []byte {
		k := v + "/" + file
		if b, ok := files[k]; ok {
			return b
		}
		b, err := os.ReadFile(filepath.Join(example, v, file))
		if err != nil {
			t.Fatal(err)
		}
		files[k] = b
		return b
	}
	for i := range n {
		group := fmt.Sprintf("model-%02d", i)
		w.sm.AddGroup(group)
		m := model{group: group, rules: filepath.Join(w.dir, group+".yml"), wantExit: 0, want: "success"}
		cand := "12"
		if i%5 == 4 {
			cand, m.wantExit, m.want = "13", 1, "failure"
		}
		for v, from := range []string{"11", cand} {
			srcs := map[string]gatetest.MetricsSource{}
			for path, file := range reportPaths {
				body := read(from, file)
				uri := w.s3.PutObject("reports", fmt.Sprintf("%s/v%d/%s/%s", group, v+1, path, file), body)
				srcs[path] = gatetest.MetricsSource{ContentType: "application/json", S3Uri: uri, ContentDigest: gatetest.SHA256Digest(body)}
			}
			approval := "Approved"
			if v == 1 {
				approval = "PendingManualApproval"
			}
			w.sm.AddPackage(gatetest.ModelPackage{Group: group, Version: v + 1, Approval: approval, Sources: srcs})
		}
		if err := os.WriteFile(m.rules, []byte(gatetest.FraudRulesSageMaker(group)), 0o644); err != nil {
			t.Fatal(err)
		}
		w.models = append(w.models, m)
	}
	w.env = gatetest.ProcessEnv(t, w.dir, w.sm, w.s3)
	return w
}

// proc is one finished check process.
type proc struct {
	code       int
	conclusion string
	wall       time.Duration
	stderr     string
}

// round is one run of every model's check at once.
type round struct {
	procs         []proc
	wall          time.Duration
	smReq, s3Req  int
	smThr, s3Thr  int
	wrong, faults []string
}

func (w *world) round(t *testing.T, bin, mode, timeout, attempts string, rate float64, burst int) round {
	env := append(append([]string(nil), w.env...), "AWS_RETRY_MODE="+mode)
	if attempts != "" {
		env = append(env, "AWS_MAX_ATTEMPTS="+attempts)
	}
	sm0, s30 := len(w.sm.Calls("")), len(w.s3.Requests())
	w.sm.SetRateLimit(rate, burst) // a full bucket for each round
	w.s3.SetRateLimit(rate, burst)
	r := round{procs: make([]proc, len(w.models))}
	cmds := make([]*exec.Cmd, len(w.models))
	outs := make([]*bytes.Buffer, len(w.models))
	errs := make([]*bytes.Buffer, len(w.models))
	for i, m := range w.models {
		cmds[i] = exec.Command(bin, "check", "--rules", m.rules, "--format", "json", "--timeout", timeout)
		cmds[i].Env = env
		outs[i], errs[i] = &bytes.Buffer{}, &bytes.Buffer{}
		cmds[i].Stdout, cmds[i].Stderr = outs[i], errs[i]
	}
	var wg sync.WaitGroup
	start := time.Now()
	for i, cmd := range cmds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := time.Now()
			err := cmd.Run()
			p := proc{wall: time.Since(s), stderr: errs[i].String()}
			if ee, ok := err.(*exec.ExitError); ok {
				p.code = ee.ExitCode()
			} else if err != nil {
				p.code = -1
				p.stderr = err.Error()
			}
			var res struct {
				Conclusion string `json:"conclusion"`
			}
			if json.Unmarshal(outs[i].Bytes(), &res) == nil {
				p.conclusion = res.Conclusion
			}
			r.procs[i] = p
		}()
	}
	wg.Wait()
	r.wall = time.Since(start)
	r.smReq, r.s3Req = len(w.sm.Calls(""))-sm0, len(w.s3.Requests())-s30
	r.smThr, r.s3Thr = w.sm.RateCounts().Throttled, w.s3.RateCounts().Throttled
	w.sm.SetRateLimit(0, 0)
	w.s3.SetRateLimit(0, 0)
	for i, p := range r.procs {
		m := w.models[i]
		switch {
		case p.code == m.wantExit && p.conclusion == m.want:
		case p.code == 3:
			r.faults = append(r.faults, fmt.Sprintf("%s: exit 3: %s", m.group, firstLine(p.stderr)))
		default:
			r.wrong = append(r.wrong, fmt.Sprintf("%s: exit %d, %q; want exit %d, %q: %s", m.group, p.code, p.conclusion, m.wantExit, m.want, firstLine(p.stderr)))
		}
	}
	return r
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, "\n"); i >= 0 {
		s = s[i+1:] // the error is the last line
	}
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func TestScale(t *testing.T) {
	if os.Getenv("MODELGATE_SCALE") != "1" {
		t.Skip("set MODELGATE_SCALE=1 (bench/scale.sh) to measure")
	}
	n, _ := strconv.Atoi(env("MODELGATE_SCALE_MODELS", "50"))
	rate, _ := strconv.ParseFloat(env("MODELGATE_SCALE_RATE", "30"), 64)
	burst, _ := strconv.Atoi(env("MODELGATE_SCALE_BURST", "10"))
	runs, _ := strconv.Atoi(env("MODELGATE_SCALE_RUNS", "3"))
	latency, err := time.ParseDuration(env("MODELGATE_SCALE_LATENCY", "0s"))
	if err != nil {
		t.Fatal(err)
	}
	timeout := env("MODELGATE_SCALE_TIMEOUT", "5m")
	attempts := os.Getenv("MODELGATE_SCALE_MAX_ATTEMPTS")
	modes := strings.Fields(env("MODELGATE_SCALE_MODES", "adaptive standard"))
	if n < 1 || rate <= 0 || burst < 1 || runs < 1 {
		t.Fatal("MODELGATE_SCALE_MODELS, _RATE, _BURST and _RUNS must be positive")
	}
	bin := os.Getenv("MODELGATE_BIN")
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "modelgate")
		if out, err := exec.Command("go", "build", "-o", bin, "github.com/modelgate/modelgate/cmd/modelgate").CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}

	w := seed(t, n)
	// The expected verdicts, once without throttling: a check of each
	// model alone must conclude as its seed says.
	ref := w.round(t, bin, "standard", timeout, "", 1e9, 1<<30)
	if len(ref.wrong)+len(ref.faults) > 0 {
		t.Fatalf("without throttling: %d wrong, %d faults:\n%s", len(ref.wrong), len(ref.faults), strings.Join(append(ref.wrong, ref.faults...), "\n"))
	}
	perCheck := float64(ref.smReq+ref.s3Req) / float64(n)
	w.sm.SetLatency(latency)
	w.s3.SetLatency(latency)

	fmt.Printf("%d models checked at once (%d fail by design), each fake limited to %.0f req/s, burst %d; latency %v per answer; --timeout %s; AWS_MAX_ATTEMPTS %s\n",
		n, n/5, rate, burst, latency, timeout, orDefault(attempts, "unset (modelgate's 10)"))
	fmt.Printf("unthrottled: %d SageMaker + %d S3 requests (%.1f per check); lower bound of the wall at this rate: %.1f s\n\n",
		ref.smReq, ref.s3Req, perCheck, float64(max(ref.smReq, ref.s3Req)-burst)/rate)
	fmt.Printf("medians of %d runs (run with the median total wall shown for the rest)\n\n", runs)
	fmt.Println("| retry mode | total wall s | process wall min / median / max s | requests SageMaker + S3 | throttled SageMaker + S3 | correct | exit 3 | wrong |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	failed := false
	for _, mode := range modes {
		var rounds []round
		for range runs {
			rounds = append(rounds, w.round(t, bin, mode, timeout, attempts, rate, burst))
		}
		sort.Slice(rounds, func(i, j int) bool { return rounds[i].wall < rounds[j].wall })
		r := rounds[len(rounds)/2]
		walls := make([]time.Duration, len(r.procs))
		for i, p := range r.procs {
			walls[i] = p.wall
		}
		sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
		faults, wrong := 0, 0
		var all []string
		for _, x := range rounds {
			faults += len(x.faults)
			wrong += len(x.wrong)
			all = append(all, x.faults...)
			all = append(all, x.wrong...)
		}
		fmt.Printf("| %s | %.1f | %.1f / %.1f / %.1f | %d + %d | %d + %d | %d | %d | %d |\n", mode, r.wall.Seconds(),
			walls[0].Seconds(), walls[len(walls)/2].Seconds(), walls[len(walls)-1].Seconds(),
			r.smReq, r.s3Req, r.smThr, r.s3Thr, n-len(r.faults)-len(r.wrong), len(r.faults), len(r.wrong))
		fmt.Printf("|   all %d runs | %s | | | | | %d | %d |\n", runs, wallsOf(rounds), faults, wrong)
		for _, s := range all[:min(len(all), 5)] {
			fmt.Printf("  %s: %s\n", mode, s)
		}
		if wrong > 0 {
			failed = true // a wrong verdict is a bug; exit 3 is a measured outcome
		}
	}
	if failed {
		t.Error("a check concluded otherwise than expected")
	}
}

func wallsOf(rs []round) string {
	var s []string
	for _, r := range rs {
		s = append(s, fmt.Sprintf("%.1f", r.wall.Seconds()))
	}
	return strings.Join(s, ", ")
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
