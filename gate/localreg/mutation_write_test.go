package localreg

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate"
)

// A decision without metadata writes the status and description and adds
// no CustomerMetadataProperties to a package that had none (DESIGN §8:
// every other field is kept as it was).
func TestSetApprovalWithoutMetadataAddsNoKey(t *testing.T) {
	t.Parallel()
	r, root := newReg(t)
	ctx := context.Background()
	p, err := r.Resolve(ctx, "churn", gate.Selector{Kind: gate.SelectVersion, Version: 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.SetApproval(ctx, p, gate.Decision{Status: gate.StatusRejected, Description: "rejected"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "churn", "4", "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if _, ok := doc["CustomerMetadataProperties"]; ok || doc["ModelApprovalStatus"] != gate.StatusRejected || doc["ApprovalDescription"] != "rejected" {
		t.Errorf("package.json after a decision without metadata = %s; want Rejected, the description, and no CustomerMetadataProperties", b)
	}
}

// A write that cannot complete returns the error and leaves neither the
// target changed nor a temporary file behind.
func TestWriteFileAtomicFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "package.json")
	// A non-empty directory in the way: the rename over it fails.
	if err := os.MkdirAll(filepath.Join(target, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(target, []byte("{}\n"), 0o644); err == nil {
		t.Fatal("WriteFileAtomic over a non-empty directory = nil; want an error")
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "package.json" {
		t.Errorf("folder after a failed write = %v; want only package.json (no temporary file)", names)
	}
}

// A package "folder" that is a regular file is refused with an error
// saying so, never locked or written.
func TestSetApprovalPackageFolderIsAFile(t *testing.T) {
	t.Parallel()
	r, root := newReg(t)
	ctx := context.Background()
	p, err := r.Resolve(ctx, "churn", gate.Selector{Kind: gate.SelectVersion, Version: 4})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "churn", "4")
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("not a folder"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = r.SetApproval(ctx, p, gate.Decision{Status: gate.StatusApproved, Description: "ok"})
	if err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("SetApproval with the package folder a file = %v; want an error saying it is not a directory", err)
	}
	if b, _ := os.ReadFile(dir); string(b) != "not a folder" {
		t.Errorf("the file in place of the folder = %q; want it unchanged", b)
	}
}
