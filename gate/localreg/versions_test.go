package localreg

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestVersions(t *testing.T) {
	t.Parallel()
	r, err := New("../../examples/fraud/registry")
	if err != nil {
		t.Fatal(err)
	}
	vs, err := r.Versions(context.Background(), "fraud-xgboost")
	if err != nil || !slices.Equal(vs, []int{11, 12, 13}) {
		t.Errorf("Versions = %v, %v; want [11 12 13]", vs, err)
	}
	if _, err := r.Versions(context.Background(), "nope"); err == nil {
		t.Error("Versions of a missing group: no error")
	}
	// A folder that is not a number is not a version.
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "g", "2"), 0o755)
	os.MkdirAll(filepath.Join(dir, "g", "10"), 0o755)
	os.MkdirAll(filepath.Join(dir, "g", "notes"), 0o755)
	r2, _ := New(dir)
	if vs, err := r2.Versions(context.Background(), "g"); err != nil || !slices.Equal(vs, []int{2, 10}) {
		t.Errorf("Versions = %v, %v; want [2 10]", vs, err)
	}
}
