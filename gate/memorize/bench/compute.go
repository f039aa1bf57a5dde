package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/memorize"
	"github.com/modelgate/modelgate/gate/memorize/internal/gen"
	"github.com/modelgate/modelgate/rules"
)

// computeResult is what -compute prints.
type computeResult struct {
	Scale        int     `json:"scale"`
	Format       string  `json:"format"`
	CorpusBytes  int64   `json:"corpus_bytes"`
	Outputs      int     `json:"outputs"`
	Planted      int     `json:"planted"`
	VerbatimRate float64 `json:"verbatim_rate"`
	MaxSpan      float64 `json:"max_span"`
	WallS        float64 `json:"wall_s"`
	CPUS         float64 `json:"cpu_s"`
	PeakRSSMB    float64 `json:"peak_rss_mb"`
}

// computeRun checks generated outputs against a generated corpus the way
// the gate does: memorize.Compute on a workspace holding the corpus folder
// and the outputs file, for a report reading them by relative path (no
// registry request). The corpus is scale x 100 MB: gen.Docs documents of
// gen.DocBytes per scale, as .txt files or as JSON Lines shards of 100
// records {"id": i, "text": ...} (one per document, newlines escaped).
// Generating the workspace is not timed and is skipped when it is there.
func computeRun(scale int, dir, format string, nout int) error {
	if format != "jsonl" && format != "txt" {
		return fmt.Errorf("format %q: want jsonl or txt", format)
	}
	ws := filepath.Join(dir, fmt.Sprintf("ws-%s-%d", format, scale))
	planted, size, err := prepareWorkspace(ws, format, gen.Docs*scale, nout)
	if err != nil {
		return err
	}
	if prepareOnly {
		return nil
	}
	rep := rules.Report{Name: "memorization", Memorization: &rules.Memorization{
		Outputs: "outputs.jsonl", Corpus: []string{"corpus"},
	}}
	compute := memorize.Compute(ws, ws)
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
	parsed, _, err := compute(context.Background(), nil, &gate.Package{}, rep)
	if err != nil {
		return err
	}
	res := computeResult{Scale: scale, Format: format, CorpusBytes: size, Outputs: nout, Planted: planted,
		WallS: time.Since(t0).Seconds(), CPUS: (cpuTime() - c0).Seconds(), PeakRSSMB: vmHWM()}
	for _, in := range parsed.Instances {
		switch in.Address {
		case memorize.AddrVerbatimRate:
			res.VerbatimRate = in.Value
		case memorize.AddrMaxSpan:
			res.MaxSpan = in.Value
		}
	}
	if want := float64(planted) / float64(nout); res.VerbatimRate < want {
		return fmt.Errorf("verbatim rate %v; %d of %d outputs were planted", res.VerbatimRate, planted, nout)
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// prepareWorkspace writes the corpus and the outputs under ws unless a
// previous run finished writing them (ws/done), and returns how many
// outputs hold a planted span and the corpus size in bytes.
func prepareWorkspace(ws, format string, ndocs, nout int) (planted int, size int64, err error) {
	done := filepath.Join(ws, "done")
	if b, err := os.ReadFile(done); err == nil {
		if _, err := fmt.Sscan(string(b), &planted, &size); err == nil {
			return planted, size, nil
		}
	}
	if err := os.RemoveAll(ws); err != nil {
		return 0, 0, err
	}
	corpus := filepath.Join(ws, "corpus")
	if err := os.MkdirAll(corpus, 0o755); err != nil {
		return 0, 0, err
	}
	var buf []byte
	switch format {
	case "txt":
		for i := 0; i < ndocs; i++ {
			buf = gen.Doc(buf[:0], i)
			size += int64(len(buf))
			if err := os.WriteFile(filepath.Join(corpus, fmt.Sprintf("%05d.txt", i)), buf, 0o644); err != nil {
				return 0, 0, err
			}
		}
	case "jsonl":
		const perShard = 100
		for s := 0; s*perShard < ndocs; s++ {
			var b []byte
			for i := s * perShard; i < min(ndocs, (s+1)*perShard); i++ {
				buf = gen.Doc(buf[:0], i)
				rec, err := json.Marshal(struct {
					ID   int    `json:"id"`
					Text string `json:"text"`
				}{i, string(buf)})
				if err != nil {
					return 0, 0, err
				}
				b = append(append(b, rec...), '\n')
			}
			size += int64(len(b))
			if err := os.WriteFile(filepath.Join(corpus, fmt.Sprintf("%04d.jsonl", s)), b, 0o644); err != nil {
				return 0, 0, err
			}
		}
	}
	f, err := os.Create(filepath.Join(ws, "outputs.jsonl"))
	if err != nil {
		return 0, 0, err
	}
	w := bufio.NewWriter(f)
	if planted, err = gen.WriteOutputs(w, nout, ndocs); err != nil {
		return 0, 0, err
	}
	if err := w.Flush(); err != nil {
		return 0, 0, err
	}
	if err := f.Close(); err != nil {
		return 0, 0, err
	}
	return planted, size, os.WriteFile(done, []byte(fmt.Sprintln(planted, size)), 0o644)
}
