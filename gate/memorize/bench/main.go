// Command bench measures memorize on generated data: a corpus of
// scale x 100 MB and scale x 10,000 outputs of 1 KB. It prints one line of
// JSON with the wall and CPU times of building the index and scanning, and
// the peak resident memory (VmHWM). The generated files are written first
// and are not timed. See run.sh.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/modelgate/modelgate/gate/memorize"
	"github.com/modelgate/modelgate/gate/memorize/internal/gen"
)

func main() {
	scale := flag.Int("scale", 1, "corpus of scale*100 MB, scale*10,000 outputs")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "memorize-bench"), "folder for the generated corpus and outputs (reused)")
	prepare := flag.Bool("prepare", false, "only write the generated files")
	touch := flag.Int("touch", 0, "instead: time the first write to each page of this many MB of fresh memory")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the timed part to this file")
	compute := flag.Bool("compute", false, "go through memorize.Compute, the gate's entry point, on a workspace of its own (see computeRun)")
	format := flag.String("format", "jsonl", "with -compute: corpus as jsonl shards or txt files")
	outputs := flag.Int("outputs", gen.Outputs, "with -compute: outputs of 1 KB (the gate reads at most 64 MB of them)")
	flag.Parse()
	profile, prepareOnly = *cpuprofile, *prepare
	if *touch > 0 {
		firstTouch(*touch)
		return
	}
	if *compute {
		if err := computeRun(*scale, *dir, *format, *outputs); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*scale, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

var (
	profile     string
	prepareOnly bool
)

type result struct {
	Scale        int     `json:"scale"`
	CorpusMB     float64 `json:"corpus_mb"`
	Outputs      int     `json:"outputs"`
	Tokens       int     `json:"tokens"`
	Vocabulary   int     `json:"vocabulary"`
	Fingerprints int     `json:"fingerprints"`
	IndexMB      float64 `json:"index_mb"`
	BuildS       float64 `json:"build_s"`
	BuildCPUS    float64 `json:"build_cpu_s"`
	ScanS        float64 `json:"scan_s"`
	ScanCPUS     float64 `json:"scan_cpu_s"`
	TotalS       float64 `json:"total_s"`
	PeakRSSMB    float64 `json:"peak_rss_mb"`
	Planted      int     `json:"planted"`
	Verbatim     int     `json:"verbatim"`
	MaxSpan      int     `json:"max_span"`
}

func run(scale int, dir string) error {
	ctx := context.Background()
	res := result{Scale: scale}
	ndocs, nout := gen.Docs*scale, gen.Outputs*scale

	// The corpus and outputs are written to files first (not timed): the
	// index then reads files, as it does in the gate.
	corpus := filepath.Join(dir, "corpus")
	if err := os.MkdirAll(corpus, 0o755); err != nil {
		return err
	}
	var buf []byte
	docs := make([]memorize.Doc, ndocs)
	for i := range docs {
		path := filepath.Join(corpus, fmt.Sprintf("%05d.txt", i))
		buf = gen.Doc(buf[:0], i)
		res.CorpusMB += float64(len(buf)) / 1e6
		if st, err := os.Stat(path); err != nil || st.Size() != int64(len(buf)) {
			if err := os.WriteFile(path, buf, 0o644); err != nil {
				return err
			}
		}
		docs[i] = memorize.Doc{Name: gen.DocName(i), Open: func() (io.ReadCloser, error) { return os.Open(path) }}
	}
	buf = nil
	path := filepath.Join(dir, fmt.Sprintf("outputs-%d.jsonl", scale))
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if res.Planted, err = gen.WriteOutputs(w, nout, ndocs); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if prepareOnly {
		return nil
	}
	runtime.GC()

	if profile != "" {
		pf, err := os.Create(profile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	t0, c0 := time.Now(), cpuTime()
	ix, err := memorize.BuildIndex(ctx, docs, memorize.Options{})
	if err != nil {
		return err
	}
	t1, c1 := time.Now(), cpuTime()
	out, err := os.Open(path)
	if err != nil {
		return err
	}
	defer out.Close()
	rep, err := ix.Scan(ctx, out, memorize.Options{})
	if err != nil {
		return err
	}
	t2, c2 := time.Now(), cpuTime()
	st := ix.Stats()
	res.BuildS, res.ScanS, res.TotalS = t1.Sub(t0).Seconds(), t2.Sub(t1).Seconds(), t2.Sub(t0).Seconds()
	res.BuildCPUS, res.ScanCPUS = (c1 - c0).Seconds(), (c2 - c1).Seconds()
	res.Outputs, res.Verbatim, res.MaxSpan = rep.Outputs, rep.Verbatim, rep.MaxSpan
	res.Tokens, res.Vocabulary, res.Fingerprints = st.Tokens, st.Vocabulary, st.Fingerprints
	res.IndexMB = float64(st.Bytes) / 1e6
	res.PeakRSSMB = vmHWM()
	if rep.Verbatim < res.Planted {
		return fmt.Errorf("found %d verbatim outputs; %d were planted", rep.Verbatim, res.Planted)
	}
	runtime.KeepAlive(ix)
	return json.NewEncoder(os.Stdout).Encode(res)
}

// firstTouch prints how long writing one byte to every page of mb MB of
// fresh memory takes: the page-fault cost that any run touching that much
// memory pays. On a virtual machine that backs guest memory lazily this is
// far from free, and grows faster than linearly.
func firstTouch(mb int) {
	t := time.Now()
	b := make([]byte, mb<<20)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	fmt.Printf("{\"touch_mb\":%d,\"touch_s\":%.3f}\n", mb, time.Since(t).Seconds())
	runtime.KeepAlive(b)
}

// cpuTime is the user plus system time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// vmHWM is the process's peak resident set size in MB, from /proc.
func vmHWM() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			if err == nil {
				return float64(kb) / 1024
			}
		}
	}
	return -1
}
