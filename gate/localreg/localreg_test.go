package localreg

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelgate/modelgate/gate"
)

// seed writes a package folder and its files.
func seed(t *testing.T, root, group string, version int, pkg map[string]any, files map[string]string) {
	t.Helper()
	dir := filepath.Join(root, group, itoa(version))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(pkg, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "package.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func itoa(v int) string { return jsonNum(v) }

func jsonNum(v int) string { b, _ := json.Marshal(v); return string(b) }

func pkgJSON(version int, approval string, extra map[string]any) map[string]any {
	m := map[string]any{
		"ModelPackageGroupName": "churn",
		"ModelPackageVersion":   version,
		"ModelPackageStatus":    "Completed",
		"ModelApprovalStatus":   approval,
		"CreationTime":          1700000000 + version,
		"ModelMetrics": map[string]any{
			"ModelQuality": map[string]any{"Statistics": map[string]any{"ContentType": "application/json", "S3Uri": "statistics.json"}},
		},
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func newReg(t *testing.T) (*Registry, string) {
	t.Helper()
	root := t.TempDir()
	seed(t, root, "churn", 1, pkgJSON(1, gate.StatusApproved, nil), map[string]string{"statistics.json": `{"a":1}`})
	seed(t, root, "churn", 2, pkgJSON(2, gate.StatusRejected, nil), map[string]string{"statistics.json": `{"a":2}`})
	seed(t, root, "churn", 3, pkgJSON(3, gate.StatusApproved, nil), map[string]string{"statistics.json": `{"a":3}`})
	seed(t, root, "churn", 4, pkgJSON(4, gate.StatusPending, nil), map[string]string{"statistics.json": `{"a":4}`})
	seed(t, root, "churn", 10, pkgJSON(10, gate.StatusPending, map[string]any{"ModelPackageArn": "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/10"}),
		map[string]string{"statistics.json": `{"a":10}`})
	r, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	r.Now = func() time.Time { return time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC) }
	return r, root
}

func TestResolve(t *testing.T) {
	t.Parallel()
	r, _ := newReg(t)
	ctx := context.Background()
	tests := []struct {
		sel     string
		version int
		arn     string
		err     string
	}{
		// 10 sorts after 4 numerically, not as text.
		{"latest-pending", 10, "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/10", ""},
		{"latest-approved", 3, "local:churn/3", ""},
		{"2", 2, "local:churn/2", ""},
		{"local:churn/1", 1, "local:churn/1", ""},
		{"arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/10", 10, "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/10", ""},
		{"7", 0, "", "version 7 of group churn: no matching model package"},
	}
	for _, tc := range tests {
		p, err := resolveSel(ctx, r, "churn", tc.sel)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err || !errors.Is(err, gate.ErrNoPackage) {
				t.Errorf("Resolve(%q) error = %v; want %q wrapping ErrNoPackage", tc.sel, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Resolve(%q): %v", tc.sel, err)
		}
		if p.Version != tc.version || p.ARN != tc.arn {
			t.Errorf("Resolve(%q) = v%d %s; want v%d %s", tc.sel, p.Version, p.ARN, tc.version, tc.arn)
		}
		if len(p.Sources) != 1 || p.Sources[0].Slot != gate.SlotQuality || p.Sources[0].URI != "statistics.json" {
			t.Errorf("Resolve(%q).Sources = %+v", tc.sel, p.Sources)
		}
	}
	if _, err := resolveSel(ctx, r, "nope", "latest-pending"); err == nil || !strings.Contains(err.Error(), `group "nope" not found`) {
		t.Errorf("unknown group: %v", err)
	}
	if _, err := resolveSel(ctx, r, "../etc", "latest-pending"); err == nil || !strings.Contains(err.Error(), "want 1-63 letters") {
		t.Errorf("hostile group name: %v", err)
	}
}

func TestResolveNoPending(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	seed(t, root, "g", 1, pkgJSON(1, gate.StatusApproved, map[string]any{"ModelPackageGroupName": "g"}), nil)
	seed(t, root, "g", 2, pkgJSON(2, gate.StatusPending, map[string]any{"ModelPackageGroupName": "g", "ModelPackageStatus": "InProgress"}), nil)
	r, _ := New(root)
	if _, err := resolveSel(context.Background(), r, "g", "2"); err == nil || !strings.Contains(err.Error(), "has status InProgress") {
		t.Errorf("InProgress package: %v", err)
	}
	seed(t, root, "h", 1, pkgJSON(1, gate.StatusApproved, map[string]any{"ModelPackageGroupName": "h"}), nil)
	if _, err := resolveSel(context.Background(), r, "h", "latest-pending"); !errors.Is(err, gate.ErrNoPackage) {
		t.Errorf("no pending: %v; want ErrNoPackage", err)
	}
	seed(t, root, "k", 1, pkgJSON(1, gate.StatusApproved, map[string]any{"ModelPackageGroupName": "other"}), nil)
	if _, err := resolveSel(context.Background(), r, "k", "1"); err == nil || !strings.Contains(err.Error(), "does not match its folder") {
		t.Errorf("mismatched group: %v", err)
	}
}

func TestFetch(t *testing.T) {
	t.Parallel()
	r, root := newReg(t)
	ctx := context.Background()
	p, err := resolveSel(ctx, r, "churn", "4")
	if err != nil {
		t.Fatal(err)
	}
	data, err := r.Fetch(ctx, p, p.Sources[0])
	if err != nil || string(data) != `{"a":4}` {
		t.Fatalf("Fetch = %q, %v", data, err)
	}
	sum := sha256.Sum256([]byte(`{"a":4}`))
	good := gate.Source{Slot: "quality", URI: "statistics.json", Digest: "SHA256:" + strings.ToUpper(hex.EncodeToString(sum[:]))}
	if _, err := r.Fetch(ctx, p, good); err != nil {
		t.Errorf("Fetch with matching digest: %v", err)
	}
	// The digest is the loader's to check (gate.VerifyReport), once for
	// every adapter: Fetch returns the bytes.
	bad := good
	bad.Digest = "sha256:" + strings.Repeat("0", 64)
	if data, err := r.Fetch(ctx, p, bad); err != nil || string(data) != `{"a":4}` {
		t.Errorf("Fetch with wrong digest = %q, %v; want the bytes", data, err)
	} else if err := gate.VerifyReport(bad, data); !errors.Is(err, gate.ErrDigestMismatch) {
		t.Errorf("VerifyReport with wrong digest: %v; want ErrDigestMismatch", err)
	}
	// Outside the root, directly or through a link, and other schemes.
	os.WriteFile(filepath.Join(filepath.Dir(root), "secret.json"), []byte("{}"), 0o644)
	os.Symlink("/etc/passwd", filepath.Join(root, "churn", "4", "link.json"))
	for _, uri := range []string{"../../../secret.json", "/etc/passwd", "s3://bucket/key.json", "link.json", "", "missing.json", "."} {
		if _, err := r.Fetch(ctx, p, gate.Source{Slot: "x", URI: uri}); !errors.Is(err, gate.ErrBadContent) {
			t.Errorf("Fetch(%q) = %v; want a refusal wrapping ErrBadContent", uri, err)
		}
	}
	// Size cap.
	big := filepath.Join(root, "churn", "4", "big.json")
	f, _ := os.Create(big)
	f.Truncate(gate.MaxReportBytes + 1)
	f.Close()
	if _, err := r.Fetch(ctx, p, gate.Source{Slot: "big", URI: "big.json"}); !errors.Is(err, gate.ErrTooLarge) {
		t.Errorf("Fetch of an oversized report: %v; want ErrTooLarge", err)
	}
}

func TestSetApprovalAtomicAndKeepsFields(t *testing.T) {
	t.Parallel()
	r, root := newReg(t)
	ctx := context.Background()
	p, _ := resolveSel(ctx, r, "churn", "4")
	file := filepath.Join(root, "churn", "4", "package.json")
	before, _ := os.ReadFile(file)
	d := gate.Decision{Status: gate.StatusApproved, Description: "approved by modelgate", Metadata: map[string]string{"modelgate:commit": "abc123"}}
	if err := r.SetApproval(ctx, p, d); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(file)
	var doc map[string]any
	if err := json.Unmarshal(after, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["ModelApprovalStatus"] != "Approved" || doc["ApprovalDescription"] != "approved by modelgate" ||
		doc["CustomerMetadataProperties"].(map[string]any)["modelgate:commit"] != "abc123" || doc["LastModifiedTime"] != "2026-11-24T00:00:00Z" {
		t.Errorf("package.json after approval = %s", after)
	}
	if doc["CreationTime"].(float64) != 1700000004 || doc["ModelMetrics"] == nil {
		t.Errorf("fields lost: %s (before %s)", after, before)
	}
	// Re-resolving sees it; writing it again changes nothing (not even the time).
	r.Now = func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }
	if err := r.SetApproval(ctx, p, d); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(file)
	if string(again) != string(after) {
		t.Errorf("second identical SetApproval rewrote the file")
	}
	q, _ := resolveSel(ctx, r, "churn", "latest-approved")
	if q.Version != 4 {
		t.Errorf("latest-approved after approval = v%d; want v4", q.Version)
	}
	ents, _ := os.ReadDir(filepath.Dir(file))
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
	if err := r.SetApproval(ctx, p, gate.Decision{Status: "Approve"}); err == nil {
		t.Errorf("SetApproval accepted status %q", "Approve")
	}
}

// Concurrent readers never see a half-written package.json.
func TestSetApprovalReadersSeeWholeFiles(t *testing.T) {
	t.Parallel()
	r, root := newReg(t)
	ctx := context.Background()
	p, _ := resolveSel(ctx, r, "churn", "4")
	file := filepath.Join(root, "churn", "4", "package.json")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			b, err := os.ReadFile(file)
			if err != nil || !json.Valid(b) {
				t.Errorf("reader saw a broken file (%v): %.40q", err, b)
				return
			}
		}
	}()
	for i := 0; i < 200; i++ {
		st := gate.StatusApproved
		if i%2 == 1 {
			st = gate.StatusPending
		}
		if err := r.SetApproval(ctx, p, gate.Decision{Status: st, Description: strings.Repeat("x", i*50)}); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}

// resolveSel resolves the selector as the rules file spells it.
func resolveSel(ctx context.Context, r gate.Registry, group, s string) (*gate.Package, error) {
	sel, err := gate.ParseSelector(s)
	if err != nil {
		return nil, err
	}
	return r.Resolve(ctx, group, sel)
}

// The approved version before v is the highest approved version below v,
// whatever is newer; none is ErrNoPackage, never another package.
func TestResolveApprovedBefore(t *testing.T) {
	t.Parallel()
	r, _ := newReg(t) // 1 approved, 2 rejected, 3 approved, 4 and 10 pending
	ctx := context.Background()
	for _, tc := range []struct{ before, want int }{{10, 3}, {4, 3}, {3, 1}, {2, 1}, {1, 0}} {
		p, err := r.Resolve(ctx, "churn", gate.Selector{Kind: gate.SelectApprovedBefore, Version: tc.before})
		switch {
		case tc.want == 0:
			if !errors.Is(err, gate.ErrNoPackage) || err.Error() != "no Approved package before version 1 in group churn: no matching model package" {
				t.Errorf("approved before %d = %+v, %v; want ErrNoPackage", tc.before, p, err)
			}
		case err != nil || p.Version != tc.want || p.Approval != gate.StatusApproved:
			t.Errorf("approved before %d = %+v, %v; want approved v%d", tc.before, p, err, tc.want)
		}
	}
	if _, err := r.Resolve(ctx, "churn", gate.Selector{}); !errors.Is(err, gate.ErrSelector) {
		t.Errorf("zero selector: %v; want ErrSelector", err)
	}
}
