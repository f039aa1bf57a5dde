package gate_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/localreg"
	"github.com/modelgate/modelgate/rules"
)

const aucRules = `version: 1
model: {group: churn, baseline: none}
rules:
  - id: auc-floor
    metric: quality.auc
    min: 0.8
`

func parseRules(t *testing.T, src string) *rules.File {
	t.Helper()
	f, err := rules.Parse("modelgate.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// localPkg writes registry/churn/<v>/package.json with a quality report at
// uri (and the report's bytes, when body is not nil).
func localPkg(t *testing.T, root string, v int, uri, digest string, body []byte) string {
	t.Helper()
	dir := filepath.Join(root, "churn", fmt.Sprint(v))
	os.MkdirAll(dir, 0o755)
	stats := fmt.Sprintf(`{"ContentType": "application/json", "S3Uri": %q`, uri)
	if digest != "" {
		stats += fmt.Sprintf(`, "ContentDigest": %q`, digest)
	}
	stats += "}"
	pj := fmt.Sprintf(`{"ModelPackageStatus": "Completed", "ModelApprovalStatus": "PendingManualApproval", "ModelMetrics": {"ModelQuality": {"Statistics": %s}}}`, stats)
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(pj), 0o644); err != nil {
		t.Fatal(err)
	}
	if body != nil {
		os.WriteFile(filepath.Join(dir, uri), body, 0o644)
	}
	return dir
}

const goodQuality = `{"binary_classification_metrics": {"auc": {"value": 0.9}}}`

// The exit-code rule for content problems: a report whose bytes or location
// cannot be accepted is an error verdict naming it and why (exit 1); it is
// never a pass, never an approval, and never exit 3.
func TestContentProblemsAreErrorVerdicts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T, root string)
		want  string
	}{
		{"s3 URI in the local registry", func(t *testing.T, root string) {
			localPkg(t, root, 1, "s3://bucket/statistics.json", "", nil)
		}, "report quality (s3://bucket/statistics.json): report refused: the local registry reads only paths relative to the package folder"},
		{"digest mismatch", func(t *testing.T, root string) {
			localPkg(t, root, 1, "statistics.json", "sha256:"+strings.Repeat("ab", 32), []byte(goodQuality))
		}, "report quality (statistics.json): content digest mismatch: registry says sha256:abab"},
		{"malformed digest", func(t *testing.T, root string) {
			localPkg(t, root, 1, "statistics.json", "md5:1234", []byte(goodQuality))
		}, `ContentDigest "md5:1234" is not sha256:<64 hex digits>`},
		{"too large", func(t *testing.T, root string) {
			dir := localPkg(t, root, 1, "statistics.json", "", nil)
			f, _ := os.Create(filepath.Join(dir, "statistics.json"))
			f.Truncate(gate.MaxReportBytes + 1)
			f.Close()
		}, "report too large: churn/1/statistics.json is 67108865 bytes; the limit is 67108864"},
		{"a FIFO", func(t *testing.T, root string) {
			dir := localPkg(t, root, 1, "statistics.json", "", nil)
			if err := syscall.Mkfifo(filepath.Join(dir, "statistics.json"), 0o644); err != nil {
				t.Skip(err)
			}
		}, "churn/1/statistics.json is a FIFO, not a regular file"},
		{"a directory", func(t *testing.T, root string) {
			dir := localPkg(t, root, 1, "statistics.json", "", nil)
			os.Mkdir(filepath.Join(dir, "statistics.json"), 0o755)
		}, "churn/1/statistics.json is a directory, not a regular file"},
		{"missing", func(t *testing.T, root string) {
			localPkg(t, root, 1, "statistics.json", "", nil)
		}, "churn/1/statistics.json does not exist"},
		{"out of the registry", func(t *testing.T, root string) {
			localPkg(t, root, 1, "../../../etc/passwd", "", nil)
		}, "want a path inside the package folder"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			tc.setup(t, root)
			reg, _ := localreg.New(root)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			t0 := time.Now()
			res, err := gate.Run(ctx, reg, parseRules(t, aucRules), gate.RunOptions{Read: read, Now: now})
			if d := time.Since(t0); d > 3*time.Second {
				t.Errorf("Run took %v", d)
			}
			if err != nil {
				t.Fatalf("Run = %v; want a result with an error verdict", err)
			}
			fd := finding(t, res, "auc-floor")
			if fd.Verdict != gate.Error || !strings.Contains(fd.Reason, tc.want) {
				t.Errorf("auc-floor = %s %q; want error saying %q", fd.Verdict, fd.Reason, tc.want)
			}
			if res.ExitCode() != gate.ExitFail {
				t.Errorf("exit %d; want 1", res.ExitCode())
			}
			if len(res.Reports) != 1 || res.Reports[0].Error == "" {
				t.Errorf("report records = %+v; want the quality report with its error", res.Reports)
			}
			plan := gate.PlanApproval(gate.ApprovalInput{Result: res, Commit: "c", OnFail: "reject"})
			if plan.Action != gate.ActionLeave {
				t.Errorf("PlanApproval = %s; want leave (never approve, never reject on an error)", plan.Action)
			}
		})
	}
}

// A package.json that cannot be accepted is bad input (gate.IsInputError:
// exit 2), and a FIFO in its place never blocks the run.
func TestBadPackageIsInputError(t *testing.T) {
	t.Parallel()
	tests := map[string]func(dir string){
		"a FIFO": func(dir string) {
			os.Remove(filepath.Join(dir, "package.json"))
			syscall.Mkfifo(filepath.Join(dir, "package.json"), 0o644)
		},
		"duplicate key": func(dir string) {
			os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"ModelApprovalStatus": "Rejected", "ModelApprovalStatus": "PendingManualApproval"}`), 0o644)
		},
		"another package's ARN": func(dir string) {
			os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"ModelPackageArn": "local:churn/2", "ModelApprovalStatus": "PendingManualApproval"}`), 0o644)
		},
	}
	for name, spoil := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			spoil(localPkg(t, root, 1, "statistics.json", "", []byte(goodQuality)))
			reg, _ := localreg.New(root)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, err := gate.Run(ctx, reg, parseRules(t, aucRules), gate.RunOptions{Read: read, Now: now})
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil || !gate.IsInputError(err) || !errors.Is(err, gate.ErrBadPackage) {
					t.Errorf("Run = %v; want an input error wrapping ErrBadPackage", err)
				}
			case <-time.After(3 * time.Second):
				t.Fatal("Run blocked")
			}
		})
	}
}

// fakeRegistry is a Registry whose answers a test sets: an adapter that
// forgets the contract, or lies.
type fakeRegistry struct {
	pkgs  map[string]*gate.Package // selector -> answer
	data  []byte
	err   error
	wrote int
}

func (r *fakeRegistry) Resolve(_ context.Context, _ string, s gate.Selector) (*gate.Package, error) {
	sel := s.String()
	if p, ok := r.pkgs[sel]; ok {
		q := *p
		return &q, nil
	}
	return nil, fmt.Errorf("%s: %w", sel, gate.ErrNoPackage)
}

func (r *fakeRegistry) Fetch(context.Context, *gate.Package, gate.Source) ([]byte, error) {
	return r.data, r.err
}

func (r *fakeRegistry) SetApproval(context.Context, *gate.Package, gate.Decision) error {
	r.wrote++
	return nil
}

// The loader checks the registry contract itself, for every adapter: the
// size cap and the digest, and that the package answered is the one asked
// for.
func TestLoaderChecksTheContractForEveryAdapter(t *testing.T) {
	t.Parallel()
	f := parseRules(t, aucRules)
	src := gate.Source{Slot: gate.SlotQuality, URI: "s3://b/q.json"}
	pending := &gate.Package{Group: "churn", ARN: "arn:p/3", Version: 3, Status: "Completed", Approval: gate.StatusPending, Sources: []gate.Source{src}}
	ctx := context.Background()

	// An adapter that returns too much, or bytes that do not match.
	big := &fakeRegistry{pkgs: map[string]*gate.Package{"latest-pending": pending}, data: bytes.Repeat([]byte(" "), gate.MaxReportBytes+1)}
	res, err := gate.Run(ctx, big, f, gate.RunOptions{Read: read, Now: now})
	if err != nil || finding(t, res, "auc-floor").Verdict != gate.Error || !strings.Contains(finding(t, res, "auc-floor").Reason, "report too large") {
		t.Errorf("oversized bytes from an adapter: %v", err)
	}
	digested := *pending
	digested.Sources = []gate.Source{{Slot: gate.SlotQuality, URI: "s3://b/q.json", Digest: "sha256:" + strings.Repeat("0", 64)}}
	wrong := &fakeRegistry{pkgs: map[string]*gate.Package{"latest-pending": &digested}, data: []byte(goodQuality)}
	res, err = gate.Run(ctx, wrong, f, gate.RunOptions{Read: read, Now: now})
	if err != nil || !strings.Contains(finding(t, res, "auc-floor").Reason, "content digest mismatch") {
		t.Errorf("digest not checked by the loader: %v", err)
	}

	// An adapter that answers another package than the one asked for.
	approved := *pending
	approved.Approval = gate.StatusApproved
	liar := &fakeRegistry{pkgs: map[string]*gate.Package{"latest-pending": &approved}, data: []byte(goodQuality)}
	if _, err := gate.Run(ctx, liar, f, gate.RunOptions{Read: read, Now: now}); err == nil || !strings.Contains(err.Error(), "returned arn:p/3 with status Approved for latest-pending") {
		t.Errorf("latest-pending answered by an approved package: %v", err)
	}
	liar.pkgs = map[string]*gate.Package{"7": pending}
	if _, err := gate.Run(ctx, liar, f, gate.RunOptions{Candidate: "7", Read: read, Now: now}); err == nil || !strings.Contains(err.Error(), "returned version 3 (arn:p/3) for version 7") {
		t.Errorf("version 7 answered by version 3: %v", err)
	}
	liar.pkgs = map[string]*gate.Package{"arn:p/9": pending}
	if _, err := gate.Run(ctx, liar, f, gate.RunOptions{Candidate: "arn:p/9", Read: read, Now: now}); err == nil || !strings.Contains(err.Error(), "returned arn:p/3 for arn:p/9") {
		t.Errorf("arn:p/9 answered by arn:p/3: %v", err)
	}

	// A registry failure stays a runtime error (not input, not a verdict).
	down := &fakeRegistry{pkgs: map[string]*gate.Package{"latest-pending": pending}, err: errors.New("connection reset by peer")}
	if _, err := gate.Run(ctx, down, f, gate.RunOptions{Read: read, Now: now}); err == nil || gate.IsInputError(err) || !strings.Contains(err.Error(), "candidate report quality: connection reset by peer") {
		t.Errorf("registry failure = %v; want a runtime error naming the report", err)
	}
	// A content error from the adapter is a verdict.
	refused := &fakeRegistry{pkgs: map[string]*gate.Package{"latest-pending": pending}, err: fmt.Errorf("report quality: %w: FIFO", gate.ErrBadContent)}
	if res, err := gate.Run(ctx, refused, f, gate.RunOptions{Read: read, Now: now}); err != nil || finding(t, res, "auc-floor").Verdict != gate.Error {
		t.Errorf("content error from an adapter = %v; want an error verdict", err)
	}
	// A bad candidate selector is an input error.
	if _, err := gate.Run(ctx, liar, f, gate.RunOptions{Candidate: "newest", Read: read, Now: now}); !gate.IsInputError(err) || !errors.Is(err, gate.ErrSelector) {
		t.Errorf("candidate newest = %v; want ErrSelector", err)
	}
	if _, err := gate.Run(ctx, liar, f, gate.RunOptions{Candidate: "none", Read: read, Now: now}); !errors.Is(err, gate.ErrSelector) {
		t.Errorf("candidate none = %v; want ErrSelector", err)
	}
}

func TestParseSelector(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want gate.Selector
		err  bool
	}{
		{"latest-pending", gate.Selector{Kind: gate.SelectLatestPending}, false},
		{"latest-approved", gate.Selector{Kind: gate.SelectLatestApproved}, false},
		{"none", gate.Selector{Kind: gate.SelectNone}, false},
		{"12", gate.Selector{Kind: gate.SelectVersion, Version: 12}, false},
		{"arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3", gate.Selector{Kind: gate.SelectARN, ARN: "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3"}, false},
		{"local:churn/3", gate.Selector{Kind: gate.SelectARN, ARN: "local:churn/3"}, false},
		{"0", gate.Selector{}, true},
		{"-1", gate.Selector{}, true},
		{"012", gate.Selector{}, true},
		{"+3", gate.Selector{}, true},
		{"", gate.Selector{}, true},
		{"Latest-Pending", gate.Selector{}, true},
		{"arn:x\n::error::y", gate.Selector{}, true},
	}
	for _, tc := range tests {
		got, err := gate.ParseSelector(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseSelector(%q) = %+v, %v; want %+v (error %v)", tc.in, got, err, tc.want, tc.err)
		}
		if err == nil && got.String() != tc.in {
			t.Errorf("ParseSelector(%q).String() = %q", tc.in, got.String())
		}
		if err != nil && !errors.Is(err, gate.ErrSelector) {
			t.Errorf("ParseSelector(%q) error %v does not wrap ErrSelector", tc.in, err)
		}
	}
}

// One ModelMetrics-to-slot mapping for every adapter.
func TestPackageSources(t *testing.T) {
	t.Parallel()
	ms := func(u string) *gate.MetricsSource { return &gate.MetricsSource{S3Uri: u, ContentDigest: "sha256:" + u} }
	mm := &gate.ModelMetrics{
		ModelQuality:     &gate.StatisticsConstraints{Statistics: ms("q"), Constraints: ms("qc")},
		ModelDataQuality: &gate.StatisticsConstraints{Statistics: ms("dq"), Constraints: &gate.MetricsSource{}},
		Bias:             &gate.BiasReports{Report: ms("b"), PreTrainingReport: ms("pre"), PostTrainingReport: ms("post")},
		Explainability:   &gate.ExplainabilityReport{Report: ms("x")},
	}
	dc := &gate.DriftCheckBaselines{
		Bias:             &gate.DriftBias{PreTrainingConstraints: ms("dpre")},
		Explainability:   &gate.DriftExplainability{Constraints: ms("dx")},
		ModelQuality:     &gate.StatisticsConstraints{Statistics: ms("dqs")},
		ModelDataQuality: &gate.StatisticsConstraints{Constraints: ms("ddc")},
	}
	var got []string
	for _, s := range gate.PackageSources(mm, dc) {
		got = append(got, s.Slot+"="+s.URI+"@"+s.Digest)
	}
	want := "quality=q@sha256:q quality.constraints=qc@sha256:qc data_quality=dq@sha256:dq bias=b@sha256:b bias.pre=pre@sha256:pre bias.post=post@sha256:post explainability=x@sha256:x " +
		"drift.bias.pre=dpre@sha256:dpre drift.explainability=dx@sha256:dx drift.quality=dqs@sha256:dqs drift.data_quality.constraints=ddc@sha256:ddc"
	if strings.Join(got, " ") != want {
		t.Errorf("PackageSources =\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
	if n := len(gate.PackageSources(nil, nil)); n != 0 {
		t.Errorf("PackageSources(nil, nil) has %d sources", n)
	}
}

// The approved version before a candidate that is itself the newest
// approved package is asked once (SelectApprovedBefore), and an answer that
// is not an older approved package is refused, whatever the adapter did.
func TestLoaderChecksTheApprovedVersionBefore(t *testing.T) {
	t.Parallel()
	f := parseRules(t, strings.Replace(aucRules, "baseline: none", "baseline: latest-approved", 1))
	src := gate.Source{Slot: gate.SlotQuality, URI: "s3://b/q.json"}
	v5 := &gate.Package{Group: "churn", ARN: "arn:p/5", Version: 5, Status: "Completed", Approval: gate.StatusApproved, Sources: []gate.Source{src}}
	v3 := &gate.Package{Group: "churn", ARN: "arn:p/3", Version: 3, Status: "Completed", Approval: gate.StatusApproved, Sources: []gate.Source{src}}
	rejected := *v3
	rejected.Approval = gate.StatusRejected
	before5 := gate.Selector{Kind: gate.SelectApprovedBefore, Version: 5}.String()
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		answer *gate.Package
		want   string // error; "" = v3 is the baseline
	}{
		{"older approved", v3, ""},
		{"none", nil, ""},
		{"itself", v5, "returned version 5 (arn:p/5) with status Approved for the newest approved version before 5"},
		{"not approved", &rejected, "returned version 3 (arn:p/3) with status Rejected"},
	} {
		reg := &fakeRegistry{pkgs: map[string]*gate.Package{"5": v5, "latest-approved": v5}, data: []byte(goodQuality)}
		if tc.answer != nil {
			reg.pkgs[before5] = tc.answer
		}
		res, err := gate.Run(ctx, reg, f, gate.RunOptions{Candidate: "5", Read: read, Now: now})
		switch {
		case tc.want != "":
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: %v; want an error containing %q", tc.name, err, tc.want)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.answer == nil && res.Baseline != nil, tc.answer != nil && (res.Baseline == nil || res.Baseline.ARN != v3.ARN):
			t.Errorf("%s: baseline %+v", tc.name, res.Baseline)
		}
	}
}
