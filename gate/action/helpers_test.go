package action

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/localreg"
	"github.com/modelgate/modelgate/rules"
)

// runGate is the production Evaluator over the local registry (what cmd
// wires for registry: local and folder paths).
var runGate = Evaluate(openLocal)

func openLocal(_ context.Context, o Options, f *rules.File) (gate.Registry, error) {
	path := o.Registry
	if path == "" || path == "local" {
		p := f.Registry.Path
		if p == "" {
			p = "registry"
		}
		path = filepath.Join(filepath.Dir(o.Abs(o.Rules)), p)
	} else {
		path = o.Abs(path)
	}
	r, err := localreg.New(path)
	if err != nil {
		return nil, &gate.InputError{Err: err}
	}
	return r, nil
}

// copyRegistry copies the example registry into a temp dir with its rules
// file, so approval can write to it.
func copyRegistry(t *testing.T) (rulesPath, regDir string) {
	t.Helper()
	dir := t.TempDir()
	for _, sub := range []string{".github", "registry"} {
		src := filepath.Join("../../examples/fraud", sub)
		err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(src, p)
			dst := filepath.Join(dir, sub, rel)
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
	return filepath.Join(dir, ".github", "modelgate.yml"), filepath.Join(dir, "registry")
}

type pkgState struct {
	ModelApprovalStatus        string
	ApprovalDescription        string
	CustomerMetadataProperties map[string]string
}

func readPkg(t *testing.T, reg string, v string) (pkgState, []byte) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(reg, "fraud-xgboost", v, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s pkgState
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s, b
}

// setReport replaces a report's bytes and keeps the registry's digest
// consistent, as a re-registered package would.
func setReport(t *testing.T, reg, v, name, content string) {
	t.Helper()
	dir := filepath.Join(reg, "fraud-xgboost", v)
	old, _ := os.ReadFile(filepath.Join(dir, name))
	os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)
	p := filepath.Join(dir, "package.json")
	b, _ := os.ReadFile(p)
	b = bytes.ReplaceAll(b, []byte(digest(old)), []byte(digest([]byte(content))))
	os.WriteFile(p, b, 0o644)
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

func setStatus(t *testing.T, reg, v, status string, meta map[string]string) {
	t.Helper()
	p := filepath.Join(reg, "fraud-xgboost", v, "package.json")
	b, _ := os.ReadFile(p)
	var doc map[string]any
	json.Unmarshal(b, &doc)
	doc["ModelApprovalStatus"] = status
	if meta != nil {
		md := doc["CustomerMetadataProperties"].(map[string]any)
		for k, v := range meta {
			md[k] = v
		}
	}
	b, _ = json.Marshal(doc)
	os.WriteFile(p, b, 0o644)
}
