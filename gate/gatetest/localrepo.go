package gatetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// CopyModelRepo copies the rules file folder (.github) and the local
// registry (registry) of the example model repository at dir into a temp
// dir, so that approvals can write to it. It returns the rules file's path
// and the registry folder.
func CopyModelRepo(t testing.TB, dir string) (rulesPath, regDir string) {
	t.Helper()
	out := t.TempDir()
	for _, sub := range []string{".github", "registry"} {
		src := filepath.Join(dir, sub)
		err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(src, p)
			dst := filepath.Join(out, sub, rel)
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
	return filepath.Join(out, ".github", "modelgate.yml"), filepath.Join(out, "registry")
}

// LocalPackage is the approval state of a local registry's package.json.
type LocalPackage struct {
	ModelApprovalStatus        string
	ApprovalDescription        string
	CustomerMetadataProperties map[string]string
}

// ReadLocalPackage reads <reg>/<group>/<version>/package.json: its approval
// state and its bytes.
func ReadLocalPackage(t testing.TB, reg, group, version string) (LocalPackage, []byte) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(reg, group, version, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s LocalPackage
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s, b
}

// SetLocalReport replaces a report's bytes and keeps the package's
// ContentDigest of it consistent, as a re-registered package would.
func SetLocalReport(t testing.TB, reg, group, version, name, content string) {
	t.Helper()
	dir := filepath.Join(reg, group, version)
	old, _ := os.ReadFile(filepath.Join(dir, name))
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "package.json")
	b, _ := os.ReadFile(p)
	b = bytes.ReplaceAll(b, []byte(Digest(old)), []byte(Digest([]byte(content))))
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// SetLocalStatus sets a package's ModelApprovalStatus and adds metadata, as
// a person would by hand.
func SetLocalStatus(t testing.TB, reg, group, version, status string, meta map[string]string) {
	t.Helper()
	p := filepath.Join(reg, group, version, "package.json")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	doc["ModelApprovalStatus"] = status
	if meta != nil {
		md, _ := doc["CustomerMetadataProperties"].(map[string]any)
		if md == nil {
			md = map[string]any{}
			doc["CustomerMetadataProperties"] = md
		}
		for k, v := range meta {
			md[k] = v
		}
	}
	b, _ = json.Marshal(doc)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Digest is a ContentDigest: "sha256:<hex>".
func Digest(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}
