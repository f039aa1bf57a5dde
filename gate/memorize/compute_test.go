package memorize

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// TestComputeWorkspace runs the gate's entry point on workspace files: the
// outputs are streamed from the file (not read whole), and one larger than
// gate.MaxReportBytes is refused before the corpus is read.
func TestComputeWorkspace(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	write := func(name, s string) {
		p := filepath.Join(ws, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("corpus/a.jsonl", `{"text": "alpha bravo charlie delta echo"}`+"\n")
	write("out.jsonl", `{"model_output": "x alpha bravo charlie y"}`+"\n"+`{"model_output": "nothing here at all"}`+"\n")
	rep := rules.Report{Name: "mem", Memorization: &rules.Memorization{Outputs: "out.jsonl", Corpus: []string{"corpus"}, MinTokens: 3}}
	p, _, err := Compute(ws, ws)(context.Background(), nil, &gate.Package{}, rep)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Instances[0]; got.Address != AddrVerbatimRate || got.Value != 0.5 {
		t.Errorf("first instance = %s %v; want %s 0.5", got.Address, got.Value, AddrVerbatimRate)
	}

	big := filepath.Join(ws, "big.jsonl")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, gate.MaxReportBytes+1); err != nil {
		t.Fatal(err)
	}
	rep.Memorization.Outputs = "big.jsonl"
	_, _, err = Compute(ws, ws)(context.Background(), nil, &gate.Package{}, rep)
	var re *gate.ReadError
	if !errors.Is(err, gate.ErrTooLarge) || errors.As(err, &re) {
		t.Errorf("outputs over the limit: error %v; want ErrTooLarge, not a ReadError", err)
	}
}
