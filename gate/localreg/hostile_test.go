package localreg

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/modelgate/modelgate/gate"
)

// readPkg returns the bytes of a package.json, for asserting registry state.
func readPkg(t *testing.T, root, group string, version int) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, group, itoa(version), "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writePkg(t *testing.T, root, group string, version int, body string) {
	t.Helper()
	dir := filepath.Join(root, group, itoa(version))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A package's identity is its folder: a package.json that claims another
// package's ARN, group or version is refused, so it can never be taken for
// that package (and approval never writes the other one).
func TestIdentityComesFromTheFolder(t *testing.T) {
	t.Parallel()
	const arn2 = "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/2"
	tests := []struct {
		name  string
		extra map[string]any
		want  string // "" = accepted
	}{
		{"own sagemaker ARN", map[string]any{"ModelPackageArn": "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3"}, ""},
		{"own ARN, group lower-cased as SageMaker spells it", map[string]any{"ModelPackageGroupName": "Churn", "ModelPackageArn": "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3"}, ""},
		{"own local ARN", map[string]any{"ModelPackageArn": "local:churn/3"}, ""},
		{"another version's ARN", map[string]any{"ModelPackageArn": arn2}, `names package churn/2, but the file is in churn/3`},
		{"another group's ARN", map[string]any{"ModelPackageArn": "arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud/3"}, `names package fraud/3`},
		{"another local ARN", map[string]any{"ModelPackageArn": "local:churn/2"}, `names package churn/2`},
		{"not an ARN", map[string]any{"ModelPackageArn": "churn-v2"}, `ModelPackageArn "churn-v2": want arn:aws:sagemaker:`},
		{"unversioned ARN", map[string]any{"ModelPackageArn": "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn"}, `want arn:aws:sagemaker`},
		{"ARN with a newline", map[string]any{"ModelPackageArn": "local:churn/3\n::error::x"}, `want arn:aws:sagemaker`},
		{"another version", map[string]any{"ModelPackageVersion": 2}, "ModelPackageVersion 2 does not match its folder 3"},
		{"version zero", map[string]any{"ModelPackageVersion": 0}, "ModelPackageVersion 0 does not match its folder 3"},
		{"version as a string", map[string]any{"ModelPackageVersion": "3"}, "cannot unmarshal string"},
		{"empty group", map[string]any{"ModelPackageGroupName": ""}, `ModelPackageGroupName "" does not match its folder "churn"`},
		{"another group", map[string]any{"ModelPackageGroupName": "fraud"}, `ModelPackageGroupName "fraud" does not match its folder "churn"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			seed(t, root, "churn", 2, pkgJSON(2, gate.StatusPending, map[string]any{"ModelPackageArn": arn2}), map[string]string{"statistics.json": `{}`})
			if tc.name == "own ARN, group lower-cased as SageMaker spells it" {
				// The folder spells the group as the package.json does.
				root = t.TempDir()
				seed(t, root, "Churn", 3, pkgJSON(3, gate.StatusPending, tc.extra), map[string]string{"statistics.json": `{}`})
				r, _ := New(root)
				p, err := resolveSel(context.Background(), r, "Churn", "3")
				if err != nil || p.Group != "Churn" || p.Version != 3 {
					t.Fatalf("Resolve = %+v, %v", p, err)
				}
				return
			}
			seed(t, root, "churn", 3, pkgJSON(3, gate.StatusPending, tc.extra), map[string]string{"statistics.json": `{}`})
			r, _ := New(root)
			ctx := context.Background()
			p, err := resolveSel(ctx, r, "churn", "3")
			if tc.want == "" {
				if err != nil || p.Version != 3 || p.ARN != tc.extra["ModelPackageArn"] {
					t.Fatalf("Resolve(3) = %+v, %v; want v3 with its own ARN", p, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Resolve(3) error = %v; want it to contain %q", err, tc.want)
			}
			// latest-pending reads v3 first and fails closed rather than
			// skipping to v2 or taking v3 for v2.
			if p, err := resolveSel(ctx, r, "churn", "latest-pending"); err == nil {
				t.Errorf("Resolve(latest-pending) = %s v%d; want the v3 error", p.ARN, p.Version)
			}
			// Asking for v2's ARN finds v2 by its folder, never v3.
			if p, err := resolveSel(ctx, r, "churn", arn2); err != nil || p.Version != 2 {
				t.Errorf("Resolve(v2's ARN) = %+v, %v; want v2", p, err)
			}
		})
	}
}

// The false approval of issue 11: v3 claims v2's ARN. Even a caller that
// hands SetApproval a package built from v3's claims cannot get v2 written:
// the write goes to the folder the package was read from and is refused
// when the ARN there differs.
func TestApprovalWritesOnlyTheJudgedPackage(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	const arn2 = "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/2"
	seed(t, root, "churn", 2, pkgJSON(2, gate.StatusPending, map[string]any{"ModelPackageArn": arn2}), map[string]string{"statistics.json": `{}`})
	seed(t, root, "churn", 3, pkgJSON(3, gate.StatusPending, nil), map[string]string{"statistics.json": `{}`})
	r, _ := New(root)
	ctx := context.Background()
	v2before := readPkg(t, root, "churn", 2)
	v3, err := resolveSel(ctx, r, "churn", "3")
	if err != nil {
		t.Fatal(err)
	}
	d := gate.Decision{Status: gate.StatusApproved, Description: "approved v3", Metadata: map[string]string{gate.MetaCommit: "c3"}}
	// A forged package: v3's folder under v2's ARN.
	forged := *v3
	forged.ARN = arn2
	if err := r.SetApproval(ctx, &forged, d); !errors.Is(err, gate.ErrConflict) || !strings.Contains(err.Error(), "churn/3 is local:churn/3, not "+arn2) {
		t.Errorf("SetApproval(v3 folder, v2 ARN) = %v; want ErrConflict naming both", err)
	}
	// v2's ARN with v2's version but v3's revision: v2 is not the package read.
	forged = *v3
	forged.ARN, forged.Version = arn2, 2
	if err := r.SetApproval(ctx, &forged, d); !errors.Is(err, gate.ErrConflict) {
		t.Errorf("SetApproval(v3 read, aimed at v2) = %v; want ErrConflict", err)
	}
	if got := readPkg(t, root, "churn", 2); got != v2before {
		t.Errorf("v2 was written:\n%s", got)
	}
	// The real v3 is written, and only it.
	if err := r.SetApproval(ctx, v3, d); err != nil {
		t.Fatal(err)
	}
	if got := readPkg(t, root, "churn", 2); got != v2before {
		t.Errorf("approving v3 wrote v2:\n%s", got)
	}
	if p, _ := resolveSel(ctx, r, "churn", "3"); p.Approval != gate.StatusApproved || p.Metadata[gate.MetaCommit] != "c3" {
		t.Errorf("v3 after approval = %s %v", p.Approval, p.Metadata)
	}
}

// Every registry file is decoded strictly: a key given twice (also in
// another letter case) is an error naming its JSON path, never "the last one
// wins".
func TestDuplicateKeysInPackageJSON(t *testing.T) {
	t.Parallel()
	const metrics = `"ModelMetrics": {"ModelQuality": {"Statistics": {"S3Uri": "good.json"}}}`
	tests := []struct{ name, body, want string }{
		{"approval status twice", `{"ModelPackageStatus": "Completed", "ModelApprovalStatus": "Rejected", "ModelApprovalStatus": "PendingManualApproval", ` + metrics + `}`,
			`duplicate key "ModelApprovalStatus" at $.ModelApprovalStatus`},
		{"approval status in another case", `{"ModelPackageStatus": "Completed", "ModelApprovalStatus": "Rejected", "modelapprovalstatus": "PendingManualApproval", ` + metrics + `}`,
			`duplicate key "modelapprovalstatus" at $.modelapprovalstatus: it differs from "ModelApprovalStatus" only in letter case`},
		{"a second ModelMetrics hides a failing report", `{"ModelPackageStatus": "Completed", "ModelApprovalStatus": "PendingManualApproval", "ModelMetrics": {"ModelQuality": {"Statistics": {"S3Uri": "failing.json"}}}, ` + metrics + `}`,
			`duplicate key "ModelMetrics" at $.ModelMetrics`},
		{"a second S3Uri deep down", `{"ModelPackageStatus": "Completed", "ModelApprovalStatus": "PendingManualApproval", "ModelMetrics": {"ModelQuality": {"Statistics": {"S3Uri": "failing.json", "S3Uri": "good.json"}}}}`,
			`duplicate key "S3Uri" at $.ModelMetrics.ModelQuality.Statistics.S3Uri`},
		{"metadata key twice", `{"ModelPackageStatus": "Completed", "ModelApprovalStatus": "PendingManualApproval", "CustomerMetadataProperties": {"toxicity": "bad.json", "toxicity": "good.json"}}`,
			`duplicate key "toxicity" at $.CustomerMetadataProperties.toxicity`},
		{"trailing data", `{"ModelPackageStatus": "Completed", "ModelApprovalStatus": "PendingManualApproval"} {"ModelApprovalStatus": "Approved"}`,
			`data after the top-level value`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			writePkg(t, root, "churn", 1, tc.body)
			r, _ := New(root)
			for _, sel := range []string{"1", "latest-pending", "local:churn/1"} {
				if _, err := resolveSel(context.Background(), r, "churn", sel); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "package.json") {
					t.Errorf("Resolve(%s) error = %v; want it to name package.json and contain %q", sel, err, tc.want)
				}
			}
			// SetApproval reads the file again and refuses it too.
			before := readPkg(t, root, "churn", 1)
			p := &gate.Package{Group: "churn", Version: 1, ARN: "local:churn/1", Status: "Completed", Approval: gate.StatusPending}
			if err := r.SetApproval(context.Background(), p, gate.Decision{Status: gate.StatusApproved, Description: "x"}); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("SetApproval error = %v; want %q", err, tc.want)
			}
			if got := readPkg(t, root, "churn", 1); got != before {
				t.Errorf("package.json written despite the refusal:\n%s", got)
			}
		})
	}
}

// Just before writing, SetApproval reads the package again and writes only
// when it is still the package that was judged.
func TestSetApprovalRefusesAChangedPackage(t *testing.T) {
	t.Parallel()
	d := gate.Decision{Status: gate.StatusApproved, Description: "approved by modelgate", Metadata: map[string]string{gate.MetaCommit: "abc"}}
	tests := []struct {
		name   string
		change func(t *testing.T, root string)
		want   string
	}{
		{"rejected by hand meanwhile", func(t *testing.T, root string) {
			seed(t, root, "churn", 4, pkgJSON(4, gate.StatusRejected, nil), nil)
		}, "its approval status is now Rejected (it was PendingManualApproval when judged)"},
		{"report swapped meanwhile", func(t *testing.T, root string) {
			seed(t, root, "churn", 4, pkgJSON(4, gate.StatusPending, map[string]any{"ModelMetrics": map[string]any{
				"ModelQuality": map[string]any{"Statistics": map[string]any{"S3Uri": "other.json"}}}}), nil)
		}, "its reports (ModelMetrics, DriftCheckBaselines) changed"},
		{"digest changed meanwhile", func(t *testing.T, root string) {
			seed(t, root, "churn", 4, pkgJSON(4, gate.StatusPending, map[string]any{"ModelMetrics": map[string]any{
				"ModelQuality": map[string]any{"Statistics": map[string]any{"S3Uri": "statistics.json", "ContentDigest": "sha256:" + strings.Repeat("1", 64)}}}}), nil)
		}, "its reports (ModelMetrics, DriftCheckBaselines) changed"},
		{"edited meanwhile", func(t *testing.T, root string) {
			seed(t, root, "churn", 4, pkgJSON(4, gate.StatusPending, map[string]any{"ModelPackageDescription": "edited"}), nil)
		}, "the package changed since it was read"},
		{"another ARN meanwhile", func(t *testing.T, root string) {
			seed(t, root, "churn", 4, pkgJSON(4, gate.StatusPending, map[string]any{"ModelPackageArn": "local:churn/4", "ModelPackageDescription": "x"}), nil)
		}, ""}, // local:churn/4 is the derived ARN: the same package, edited
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, root := newReg(t)
			ctx := context.Background()
			p, err := resolveSel(ctx, r, "churn", "4")
			if err != nil {
				t.Fatal(err)
			}
			tc.change(t, root)
			before := readPkg(t, root, "churn", 4)
			err = r.SetApproval(ctx, p, d)
			if !errors.Is(err, gate.ErrConflict) || (tc.want != "" && !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("SetApproval = %v; want ErrConflict saying %q", err, tc.want)
			}
			if got := readPkg(t, root, "churn", 4); got != before {
				t.Errorf("package.json written despite the conflict:\n%s", got)
			}
			// Read again, the decision can be written.
			p, err = resolveSel(ctx, r, "churn", "4")
			if err == nil && p.Approval == gate.StatusPending {
				if err := r.SetApproval(ctx, p, d); err != nil {
					t.Errorf("SetApproval after reading again: %v", err)
				}
			}
		})
	}
}

// Several approvals of one package at once: exactly one writes, the others
// lose with ErrConflict, and the file holds the winner's audit record.
func TestConcurrentApprovalsOneWins(t *testing.T) {
	t.Parallel()
	r, root := newReg(t)
	ctx := context.Background()
	const n = 16
	// Every run reads the package before any writes, as runs started
	// together do.
	pkgs := make([]*gate.Package, n)
	for i := range pkgs {
		p, err := resolveSel(ctx, r, "churn", "4")
		if err != nil {
			t.Fatal(err)
		}
		pkgs[i] = p
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			errs[i] = r.SetApproval(ctx, pkgs[i], gate.Decision{Status: gate.StatusApproved,
				Description: fmt.Sprintf("approved by run %d", i), Metadata: map[string]string{gate.MetaCommit: fmt.Sprintf("commit-%d", i)}})
		}(i)
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Errorf("runs %d and %d both wrote", winner, i)
			}
			winner = i
		case !errors.Is(err, gate.ErrConflict):
			t.Errorf("run %d: %v; want nil or ErrConflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no run won")
	}
	p, err := resolveSel(ctx, r, "churn", "4")
	if err != nil {
		t.Fatal(err)
	}
	if p.Approval != gate.StatusApproved || p.ApprovalDescription != fmt.Sprintf("approved by run %d", winner) || p.Metadata[gate.MetaCommit] != fmt.Sprintf("commit-%d", winner) {
		t.Errorf("registry after the race = %s %q %v; want the winner's (run %d) record", p.Approval, p.ApprovalDescription, p.Metadata, winner)
	}
	if strings.Count(readPkg(t, root, "churn", 4), "modelgate:commit") != 1 {
		t.Errorf("package.json holds %d audit records", strings.Count(readPkg(t, root, "churn", 4), "modelgate:commit"))
	}
}

// The lock is waited for only as long as the context allows.
func TestSetApprovalLockHonoursContext(t *testing.T) {
	t.Parallel()
	r, root := newReg(t)
	unlock, err := r.lock(context.Background(), "churn/4")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	p, _ := resolveSel(context.Background(), r, "churn", "4")
	before := readPkg(t, root, "churn", 4)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	err = r.SetApproval(ctx, p, gate.Decision{Status: gate.StatusApproved, Description: "x"})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "waiting for another approval") {
		t.Errorf("SetApproval under a held lock = %v; want the deadline", err)
	}
	if d := time.Since(t0); d > 2*time.Second {
		t.Errorf("SetApproval took %v past a 100ms deadline", d)
	}
	if got := readPkg(t, root, "churn", 4); got != before {
		t.Errorf("written without the lock")
	}
}

// Non-regular files as reports or package.json are refused at once, with a
// clear error, and never block (a FIFO without a writer would block an open
// for reading forever).
func TestNonRegularFilesNeverBlock(t *testing.T) {
	t.Parallel()
	r, root := newReg(t)
	dir := filepath.Join(root, "churn", "4")
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.json"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	os.Mkdir(filepath.Join(dir, "dir.json"), 0o755)
	os.Symlink("fifo.json", filepath.Join(dir, "link-to-fifo.json"))
	os.Symlink("/dev/zero", filepath.Join(dir, "zero.json"))
	sock := filepath.Join(dir, "s.json")
	if l, err := net.Listen("unix", sock); err == nil {
		defer l.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p, err := resolveSel(ctx, r, "churn", "4")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]string{
		"fifo.json":         "churn/4/fifo.json is a FIFO, not a regular file",
		"link-to-fifo.json": "churn/4/link-to-fifo.json is a FIFO, not a regular file",
		"dir.json":          "churn/4/dir.json is a directory, not a regular file",
		"zero.json":         "churn/4/zero.json: path escapes from parent",
		"s.json":            "churn/4/s.json is a socket, not a regular file",
	}
	for uri, want := range tests {
		done := make(chan error, 1)
		go func() { _, err := r.Fetch(ctx, p, gate.Source{Slot: "x", URI: uri}); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, gate.ErrBadContent) || !strings.Contains(err.Error(), want) {
				t.Errorf("Fetch(%s) = %v; want ErrBadContent saying %q", uri, err, want)
			}
		case <-time.After(3 * time.Second):
			t.Fatalf("Fetch(%s) blocked", uri)
		}
	}
	// package.json itself a FIFO.
	pj := filepath.Join(root, "churn", "10", "package.json")
	os.Remove(pj)
	if err := syscall.Mkfifo(pj, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := resolveSel(ctx, r, "churn", "10"); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "churn/10/package.json is a FIFO, not a regular file") {
			t.Errorf("Resolve over a FIFO package.json = %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Resolve over a FIFO package.json blocked")
	}
	// SetApproval of it refuses too, promptly, and leaves the FIFO.
	q := &gate.Package{Group: "churn", Version: 10, ARN: "local:churn/10", Approval: gate.StatusPending}
	go func() { done <- r.SetApproval(ctx, q, gate.Decision{Status: gate.StatusApproved}) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "is a FIFO") {
			t.Errorf("SetApproval over a FIFO package.json = %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("SetApproval over a FIFO package.json blocked")
	}
	if st, err := os.Lstat(pj); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v %v", st, err)
	}
}

// A cancelled context stops every read.
func TestReadsHonourContext(t *testing.T) {
	t.Parallel()
	r, _ := newReg(t)
	ctx, cancel := context.WithCancel(context.Background())
	p, _ := resolveSel(ctx, r, "churn", "4")
	cancel()
	if _, err := resolveSel(ctx, r, "churn", "4"); !errors.Is(err, context.Canceled) {
		t.Errorf("Resolve after cancel = %v", err)
	}
	if _, err := r.Fetch(ctx, p, p.Sources[0]); !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch after cancel = %v", err)
	}
	if _, err := r.readFile(ctx, "churn/4/statistics.json", 10); !errors.Is(err, context.Canceled) {
		t.Errorf("readFile after cancel = %v", err)
	}
}

// The same race between processes (the flock is per open file, so it holds
// across processes too): N copies of this test binary approve at once.
func TestConcurrentApprovalProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	t.Parallel()
	_, root := newReg(t)
	const n = 6
	startFile := filepath.Join(t.TempDir(), "go")
	var wg sync.WaitGroup
	outs := make([]string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperApproveProcess$", "-test.count=1")
			cmd.Env = append(os.Environ(), "LOCALREG_HELPER_ROOT="+root, "LOCALREG_HELPER_START="+startFile, fmt.Sprintf("LOCALREG_HELPER_ID=%d", i))
			b, _ := cmd.CombinedOutput()
			outs[i] = string(b)
		}(i)
	}
	// Start the writes once every process has read the package.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		ready, _ := filepath.Glob(startFile + ".ready.*")
		if len(ready) == n || time.Now().After(deadline) {
			break
		}
	}
	os.WriteFile(startFile, nil, 0o644)
	wg.Wait()
	won, lost := 0, 0
	for i, out := range outs {
		switch {
		case strings.Contains(out, "RESULT won"):
			won++
		case strings.Contains(out, "RESULT lost") && strings.Contains(out, "approval conflict"):
			lost++
		default:
			t.Errorf("process %d: %s", i, out)
		}
	}
	if won != 1 || lost != n-1 {
		t.Errorf("won %d, lost %d; want 1 and %d", won, lost, n-1)
	}
	if c := strings.Count(readPkg(t, root, "churn", 4), "modelgate:commit"); c != 1 {
		t.Errorf("package.json holds %d audit records; want 1", c)
	}
}

// TestHelperApproveProcess is one approving process of
// TestConcurrentApprovalProcesses; it does nothing in a normal run.
func TestHelperApproveProcess(t *testing.T) {
	root := os.Getenv("LOCALREG_HELPER_ROOT")
	if root == "" {
		t.Skip("helper process")
	}
	r, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := resolveSel(ctx, r, "churn", "4")
	if err != nil {
		t.Fatal(err)
	}
	id := os.Getenv("LOCALREG_HELPER_ID")
	os.WriteFile(os.Getenv("LOCALREG_HELPER_START")+".ready."+id, nil, 0o644)
	for {
		if _, err := os.Stat(os.Getenv("LOCALREG_HELPER_START")); err == nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	err = r.SetApproval(ctx, p, gate.Decision{Status: gate.StatusApproved, Description: "run " + id, Metadata: map[string]string{gate.MetaCommit: "commit-" + id}})
	if err != nil {
		fmt.Println("RESULT lost:", err)
		return
	}
	fmt.Println("RESULT won")
}

// The group folder must be a real directory: a FIFO there never blocks, and
// a link to another group's folder is not that group.
func TestGroupFolderMustBeADirectory(t *testing.T) {
	t.Parallel()
	r, root := newReg(t)
	if err := syscall.Mkfifo(filepath.Join(root, "fifo"), 0o644); err != nil {
		t.Skip(err)
	}
	os.Symlink("churn", filepath.Join(root, "alias"))
	os.WriteFile(filepath.Join(root, "file"), []byte("x"), 0o644)
	for group, want := range map[string]string{"fifo": "fifo is a FIFO, not a directory", "alias": "alias is a symbolic link, not a directory", "file": "file is a regular file, not a directory"} {
		done := make(chan error, 1)
		go func() { _, err := resolveSel(context.Background(), r, group, "latest-pending"); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, gate.ErrBadPackage) || !strings.Contains(err.Error(), want) {
				t.Errorf("Resolve(%s) = %v; want ErrBadPackage saying %q", group, err, want)
			}
		case <-time.After(3 * time.Second):
			t.Fatalf("Resolve(%s) blocked", group)
		}
	}
}

// Registry text that reaches messages cannot carry a line of its own: a
// status outside the API's enum or a control character in a URI or a
// metadata entry makes the package.json an error (quoted), never a line
// that starts "::error".
func TestPackageTextCannotForgeLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		extra map[string]any
		want  string
	}{
		{"status with a workflow command", map[string]any{"ModelPackageStatus": "Failed\n::error ::forged"}, `ModelPackageStatus "Failed\n::error ::forged": want one of`},
		{"approval status not in the enum", map[string]any{"ModelApprovalStatus": "approved"}, `ModelApprovalStatus "approved": want one of`},
		{"URI with a newline", map[string]any{"ModelMetrics": map[string]any{"ModelQuality": map[string]any{"Statistics": map[string]any{"S3Uri": "s.json\n::warning ::x"}}}}, `report quality: "s.json\n::warning ::x" has a control character`},
		{"metadata with a carriage return", map[string]any{"CustomerMetadataProperties": map[string]any{"toxicity": "t.json\r::error ::x"}}, `CustomerMetadataProperties "toxicity": "t.json\r::error ::x" has a control character`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			seed(t, root, "churn", 1, pkgJSON(1, gate.StatusPending, tc.extra), nil)
			r, _ := New(root)
			_, err := resolveSel(context.Background(), r, "churn", "1")
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, gate.ErrBadPackage) {
				t.Fatalf("Resolve = %v; want ErrBadPackage saying %q", err, tc.want)
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if strings.HasPrefix(strings.TrimSpace(line), "::") {
					t.Errorf("error has a line that starts with '::': %q", line)
				}
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Errorf("error %q has a raw line break", err)
			}
		})
	}
}
