// Package roundtrips measures how many dependent round trips modelgate's
// check and approve take against the SageMaker and S3 fakes of
// gate/gatetest, which delay every answer by a fixed latency: the wall time
// of a run over that latency is the number of round trips on its critical
// path. It runs the real CLI (built from this module) with the real AWS
// SDK clients pointed at the fakes, so it measures what a user gets, and it
// depends only on the CLI's flags and the fakes' API.
//
// It is skipped unless MODELGATE_ROUNDTRIPS=1; bench/roundtrips.sh runs it.
// MODELGATE_ROUNDTRIPS_LATENCY sets the latency (default 50ms) and
// MODELGATE_ROUNDTRIPS_RUNS the runs per scenario (default 5; the median is
// printed).
package roundtrips

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/gate/gatetest"
)

const group = "fraud-xgboost"

// rulesWithBaseline is the example's rules file (examples/fraud) on the
// SageMaker registry: four of its rules compare with the baseline.
var rulesWithBaseline = gatetest.FraudRulesSageMaker(group)

// rulesAbsolute is the same without the rules that compare with the
// baseline: the baseline is resolved, but none of its reports is read.
var rulesAbsolute = func() string {
	var out []string
	skip := false
	for _, l := range strings.Split(rulesWithBaseline, "\n") {
		if strings.HasPrefix(l, "  - id: ") {
			id := strings.TrimPrefix(l, "  - id: ")
			skip = strings.HasSuffix(id, "-no-regression") || id == "disparate-impact-no-worse" || id == "importance-stable"
		}
		if !skip {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}()

// The example's reports: v11 is the approved baseline, v12 the candidate
// that passes; each package has the 6 reports of gatetest.FraudReportPaths.
var reportPaths = gatetest.FraudReportPaths

type world struct {
	sm   *gatetest.SageMakerFake
	s3   *gatetest.S3Fake
	env  []string
	dir  string
	cand string // the candidate's ARN
}

// seed creates the group: versions 1 to 9 approved (older baselines), 10
// rejected, 11 approved (the baseline), 12 pending (the candidate).
func seed(t *testing.T, latency time.Duration) *world {
	w := &world{sm: gatetest.NewSageMaker(t), s3: gatetest.NewS3(t), dir: t.TempDir()}
	w.sm.AddGroup(group)
	w.s3.CreateBucket("reports")
	example := filepath.Join("..", "..", "examples", "fraud", "registry", group)
	for v := 1; v <= 12; v++ {
		from := "11"
		if v == 12 {
			from = "12"
		}
		srcs := map[string]gatetest.MetricsSource{}
		for path, file := range reportPaths {
			body, err := os.ReadFile(filepath.Join(example, from, file))
			if err != nil {
				t.Fatal(err)
			}
			uri := w.s3.PutObject("reports", fmt.Sprintf("v%d/%s/%s", v, path, file), body)
			srcs[path] = gatetest.MetricsSource{ContentType: "application/json", S3Uri: uri, ContentDigest: gatetest.SHA256Digest(body)}
		}
		approval := "Approved"
		switch v {
		case 10:
			approval = "Rejected"
		case 12:
			approval = "PendingManualApproval"
		}
		p := w.sm.AddPackage(gatetest.ModelPackage{Group: group, Version: v, Approval: approval, Sources: srcs,
			Created: time.Date(2026, 1, v, 0, 0, 0, 0, time.UTC)})
		if v == 12 {
			w.cand = p.ARN
		}
	}
	w.env = gatetest.ProcessEnv(t, w.dir, w.sm, w.s3)
	w.sm.SetLatency(latency)
	w.s3.SetLatency(latency)
	for name, body := range map[string]string{"with-baseline.yml": rulesWithBaseline, "absolute.yml": rulesAbsolute} {
		if err := os.WriteFile(filepath.Join(w.dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// run runs the CLI and returns its exit code, wall time and the requests
// the fakes received meanwhile.
func (w *world) run(t *testing.T, bin string, args ...string) (code int, wall time.Duration, sm, s3 int, out string) {
	sm0, s30 := len(w.sm.Calls("")), len(w.s3.Requests())
	cmd := exec.Command(bin, args...)
	cmd.Env = w.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall = time.Since(start)
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", bin, args, err)
	}
	return code, wall, len(w.sm.Calls("")) - sm0, len(w.s3.Requests()) - s30, stderr.String()
}

func ops(calls []gatetest.SageMakerCall) string {
	n := map[string]int{}
	for _, c := range calls {
		n[c.Op]++
	}
	var parts []string
	for op, k := range n {
		parts = append(parts, op+"="+strconv.Itoa(k))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

func TestRoundTrips(t *testing.T) {
	if os.Getenv("MODELGATE_ROUNDTRIPS") != "1" {
		t.Skip("set MODELGATE_ROUNDTRIPS=1 (bench/roundtrips.sh) to measure")
	}
	latency := 50 * time.Millisecond
	if s := os.Getenv("MODELGATE_ROUNDTRIPS_LATENCY"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatal(err)
		}
		latency = d
	}
	runs := 5
	if s := os.Getenv("MODELGATE_ROUNDTRIPS_RUNS"); s != "" {
		runs, _ = strconv.Atoi(s)
	}
	bin := os.Getenv("MODELGATE_BIN")
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "modelgate")
		if out, err := exec.Command("go", "build", "-o", bin, "github.com/modelgate/modelgate/cmd/modelgate").CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	// The process's own start-up, paid once per run on top of the round
	// trips; subtracted (median of runs of `modelgate version`).
	startup := median(runs, func() time.Duration {
		start := time.Now()
		if err := exec.Command(bin, "version").Run(); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	})

	check := func(rules string) func(w *world) []string {
		return func(w *world) []string {
			return []string{"check", "--rules", filepath.Join(w.dir, rules), "--format", "json", "--out", filepath.Join(w.dir, "evidence.json")}
		}
	}
	approve := func(w *world) []string {
		return []string{"approve", "--rules", filepath.Join(w.dir, "with-baseline.yml"), "--candidate", "12",
			"--evidence", filepath.Join(w.dir, "evidence.json"), "--commit", "c0ffee", "--format", "json"}
	}
	// Approve needs the evidence of a check (run first, without latency),
	// and a second approve finds the candidate approved already (its
	// baseline is then the approved package before it, past a rejected
	// one).
	type row struct {
		name      string
		limit     int
		why       string
		wall, net time.Duration
		sm, s3    int
		smOps     string
	}
	var rows []row
	measure := func(name string, limit int, why string, want int, args func(w *world) []string, before func(t *testing.T, w *world)) {
		var walls []time.Duration
		var last row
		for i := 0; i < runs; i++ {
			w := seed(t, latency)
			if before != nil {
				before(t, w)
			}
			n0 := len(w.sm.Calls(""))
			code, wall, sm, s3, out := w.run(t, bin, args(w)...)
			if code != want {
				t.Fatalf("%s: exit %d; want %d\n%s", name, code, want, out)
			}
			if p, _ := w.sm.Package(w.cand); strings.HasPrefix(name, "approve") && p.Approval != "Approved" {
				t.Fatalf("%s: the candidate is %s after approve; want Approved\n%s", name, p.Approval, out)
			}
			walls = append(walls, wall)
			last = row{name: name, limit: limit, why: why, sm: sm, s3: s3, smOps: ops(w.sm.Calls("")[n0:])}
		}
		sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
		last.wall = walls[len(walls)/2]
		last.net = last.wall - startup
		rows = append(rows, last)
	}
	checkFirst := func(t *testing.T, w *world) {
		saved := latency
		w.sm.SetLatency(0)
		w.s3.SetLatency(0)
		if code, _, _, _, out := w.run(t, bin, check("with-baseline.yml")(w)...); code != 0 {
			t.Fatalf("check before approve: exit %d\n%s", code, out)
		}
		w.sm.SetLatency(saved)
		w.s3.SetLatency(saved)
	}
	measure("check, no baseline comparison", 3, "list -> describe (candidate and baseline at once) -> the candidate's reports", 0, check("absolute.yml"), nil)
	measure("check, with baseline comparisons", 3, "list -> describe (both at once) -> all reports of both at once", 0, check("with-baseline.yml"), nil)
	measure("approve, candidate pending", 5, "the check's 3 -> re-read (describe) -> write (update)", 0, approve, checkFirst)
	measure("approve again, candidate approved", 5, "as above; the prior approved package in one list", 0, approve, func(t *testing.T, w *world) {
		checkFirst(t, w)
		saved := latency
		w.sm.SetLatency(0)
		w.s3.SetLatency(0)
		if code, _, _, _, out := w.run(t, bin, approve(w)...); code != 0 {
			t.Fatalf("first approve: exit %d\n%s", code, out)
		}
		w.sm.SetLatency(saved)
		w.s3.SetLatency(saved)
	})

	fmt.Printf("latency %v per request; start-up of the binary %.1f ms (median of %d, subtracted); medians of %d runs\n\n",
		latency, ms(startup), runs, runs)
	fmt.Println("| scenario | requests (SageMaker + S3) | SageMaker calls | wall ms | round trips | limit | ratio |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, r := range rows {
		rt := float64(r.net) / float64(latency)
		fmt.Printf("| %s | %d + %d | %s | %.0f | %.2f | %d (%s) | %.2fx |\n", r.name, r.sm, r.s3, r.smOps, ms(r.wall), rt, r.limit, r.why, rt/float64(r.limit))
	}
}

func median(n int, f func() time.Duration) time.Duration {
	ds := make([]time.Duration, n)
	for i := range ds {
		ds[i] = f()
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[n/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
