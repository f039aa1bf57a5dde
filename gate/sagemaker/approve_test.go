package sagemaker

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/gatetest"
)

func TestSetApproval(t *testing.T) {
	f := newFakes(t)
	pkgs := f.seed(t, gate.StatusPending)
	pkg, err := resolveSel(context.Background(), f.client, group, LatestPending)
	if err != nil {
		t.Fatal(err)
	}
	// 5,000 characters, multi-byte ones included, so that a byte cut would
	// split a character.
	long := gate.TruncateRunes("PR #42 "+strings.Repeat("Verdict: passé ✓ ", 300), 5000)
	if n := utf8.RuneCountInString(long); n != 5000 {
		t.Fatalf("test description has %d characters; want 5000", n)
	}
	d := gate.Decision{
		Status:      gate.StatusApproved,
		Description: long,
		Metadata: map[string]string{
			"modelgate:verdict": "pass",
			"modelgate:rules":   gate.SafeMetadataValue("auc-floor,auc-no-regression"),
			"modelgate:commit":  "0123456789abcdef0123456789abcdef01234567",
		},
	}
	f.sm.Throttle("UpdateModelPackage", 1) // the SDK retries the same request
	if err := f.client.SetApproval(context.Background(), pkg, d); err != nil {
		t.Fatalf("SetApproval: %v", err)
	}
	got, _ := f.sm.Package(pkgs[0].ARN)
	if got.Approval != gate.StatusApproved {
		t.Errorf("approval = %s; want %s", got.Approval, gate.StatusApproved)
	}
	if n := utf8.RuneCountInString(got.ApprovalDescription); n != 1024 {
		t.Errorf("ApprovalDescription has %d characters; want 1024", n)
	}
	if r, _ := utf8.DecodeLastRuneInString(got.ApprovalDescription); r != 'é' {
		t.Errorf("ApprovalDescription ends with %q; want the cut after the 1024th character 'é'", r)
	}
	if !strings.HasPrefix(long, got.ApprovalDescription) || !utf8.ValidString(got.ApprovalDescription) {
		t.Errorf("ApprovalDescription is not a valid prefix of the description: %q", got.ApprovalDescription)
	}
	wantMD := map[string]string{
		"modelgate:verdict": "pass",
		"modelgate:rules":   "auc-floor=2Cauc-no-regression",
		"modelgate:commit":  "0123456789abcdef0123456789abcdef01234567",
	}
	if diff := cmp.Diff(wantMD, got.Metadata); diff != "" {
		t.Errorf("CustomerMetadataProperties (-want +got):\n%s", diff)
	}

	// A rerun of the same decision reads the package again, finds the
	// decision written and sends nothing; the SDK's retry of the throttled
	// request sent the same ClientToken.
	if err := f.client.SetApproval(context.Background(), pkg, d); err != nil {
		t.Fatalf("SetApproval again: %v", err)
	}
	calls := f.sm.Calls("UpdateModelPackage")
	if len(calls) != 2 {
		t.Fatalf("UpdateModelPackage requests = %d; want 2 (throttled, retried; the rerun sends nothing)", len(calls))
	}
	if a, b := clientToken(pkg.ARN, d.Status, got.ApprovalDescription, d.Metadata), clientToken(pkg.ARN, d.Status, got.ApprovalDescription, d.Metadata); a != b {
		t.Errorf("clientToken is not deterministic: %s, %s", a, b)
	}
	token := calls[0].Body["ClientToken"]
	if s, _ := token.(string); len(s) != 36 {
		t.Errorf("ClientToken = %v; want 36 characters", token)
	}
	for i, c := range calls {
		if c.Body["ClientToken"] != token {
			t.Errorf("request %d ClientToken = %v; want %v", i, c.Body["ClientToken"], token)
		}
	}
	// A different decision is a different request.
	if err := f.client.SetApproval(context.Background(), pkg, gate.Decision{Status: gate.StatusRejected, Description: "x"}); err != nil {
		t.Fatal(err)
	}
	calls = f.sm.Calls("UpdateModelPackage")
	if last := calls[len(calls)-1].Body["ClientToken"]; last == token {
		t.Errorf("a different decision reused ClientToken %v", token)
	}
}

func TestSetApprovalNeverSendsInvalid(t *testing.T) {
	f := newFakes(t)
	pkgs := f.seed(t, gate.StatusPending)
	pkg := &gate.Package{Group: group, ARN: pkgs[0].ARN, Version: 1}
	tests := []struct {
		name    string
		d       gate.Decision
		wantErr error
		want    string
	}{
		{
			name:    "comma in a metadata value",
			d:       gate.Decision{Status: gate.StatusApproved, Metadata: map[string]string{"modelgate:rules": "a,b"}},
			wantErr: ErrInvalidMetadata,
			want:    `set approval of ` + pkgs[0].ARN + `: invalid customer metadata: "modelgate:rules": value has ',' at byte 1; allowed are letters, numbers, spaces and _.:/=+-@`,
		},
		{
			name:    "empty metadata value",
			d:       gate.Decision{Status: gate.StatusApproved, Metadata: map[string]string{"modelgate:pr": ""}},
			wantErr: ErrInvalidMetadata,
			want:    `set approval of ` + pkgs[0].ARN + `: invalid customer metadata: "modelgate:pr": value has 0 characters; want 1 to 256`,
		},
		{
			name: "status not a decision",
			d:    gate.Decision{Status: "Approve"},
			want: `set approval of ` + pkgs[0].ARN + `: status "Approve"; want Approved or Rejected`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.client.SetApproval(context.Background(), pkg, tt.d)
			if err == nil || err.Error() != tt.want {
				t.Errorf("SetApproval error = %v; want %s", err, tt.want)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("SetApproval error = %v; want it to wrap %v", err, tt.wantErr)
			}
		})
	}
	if n := len(f.sm.Calls("UpdateModelPackage")); n != 0 {
		t.Errorf("UpdateModelPackage requests = %d; want none", n)
	}
	if got, _ := f.sm.Package(pkgs[0].ARN); got.Approval != gate.StatusPending {
		t.Errorf("approval = %s; want %s", got.Approval, gate.StatusPending)
	}
}

func TestCheckMetadata(t *testing.T) {
	t.Parallel()
	many := map[string]string{}
	for i := range 51 {
		many["k"+strings.Repeat("x", i)] = "v"
	}
	tests := []struct {
		name string
		m    map[string]string
		want string // "" = valid
	}{
		{name: "valid", m: map[string]string{"modelgate:commit": "abc123", "modelgate:check": "https://github.com/o/r/runs/1", "Ünïcode key": "värde 42 @x +y =z"}},
		{name: "longest", m: map[string]string{strings.Repeat("k", 128): strings.Repeat("é", 256)}},
		{name: "empty map", m: map[string]string{}, want: "invalid customer metadata: 0 entries; want 1 to 50"},
		{name: "51 entries", m: many, want: "invalid customer metadata: 51 entries; want 1 to 50"},
		{name: "key too long", m: map[string]string{strings.Repeat("k", 129): "v"}, want: `invalid customer metadata: "` + strings.Repeat("k", 129) + `": key has 129 characters; want 1 to 128`},
		{name: "value too long", m: map[string]string{"k": strings.Repeat("é", 257)}, want: `invalid customer metadata: "k": value has 257 characters; want 1 to 256`},
		{name: "every problem listed", m: map[string]string{"a,": "1", "b": "x\ny"}, want: `invalid customer metadata: "a,": key has ',' at byte 1; allowed are letters, numbers, spaces and _.:/=+-@; "b": value has '\n' at byte 1; allowed are letters, numbers, spaces and _.:/=+-@`},
		{name: "quote", m: map[string]string{"k": `"x"`}, want: `invalid customer metadata: "k": value has '"' at byte 0; allowed are letters, numbers, spaces and _.:/=+-@`},
		{name: "invalid utf-8", m: map[string]string{"k": "\xff"}, want: `invalid customer metadata: "k": value is not valid UTF-8`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CheckMetadata(tt.m)
			if tt.want == "" {
				if err != nil {
					t.Errorf("CheckMetadata: %v; want nil", err)
				}
				return
			}
			if err == nil || err.Error() != tt.want || !errors.Is(err, ErrInvalidMetadata) {
				t.Errorf("CheckMetadata error = %v; want %s", err, tt.want)
			}
		})
	}
}

func TestClientToken(t *testing.T) {
	t.Parallel()
	md := map[string]string{"a": "1", "b": "2"}
	tok := clientToken("arn", "Approved", "d", md)
	if len(tok) != 36 {
		t.Errorf("clientToken length = %d; want 36", len(tok))
	}
	if again := clientToken("arn", "Approved", "d", map[string]string{"b": "2", "a": "1"}); again != tok {
		t.Errorf("clientToken is not deterministic: %s != %s", again, tok)
	}
	for _, other := range []string{
		clientToken("arn", "Rejected", "d", md),
		clientToken("arn", "Approved", "e", md),
		clientToken("arn2", "Approved", "d", md),
		clientToken("arn", "Approved", "d", map[string]string{"a": "1", "b": "3"}),
		clientToken("arn", "Approved", "d", nil),
	} {
		if other == tok {
			t.Errorf("a different decision has the same token %s", tok)
		}
	}
}

// gate.Approve on the SageMaker client reads the package once after the
// re-check: that read is both the re-read the plan is made again on and the
// read the write is compared with. A status set by hand during the re-check
// still wins, new reports are still a conflict, and an announcement that
// cannot be made stops everything before any request.
func TestApproveReadsOnceAfterTheRecheck(t *testing.T) {
	ctx := context.Background()
	recheck := func(t *testing.T) (*fakes, *gate.Result, int) {
		t.Helper()
		f := newFakes(t)
		seedRoundTrips(f, gate.StatusApproved, gate.StatusPending)
		res, err := gate.Run(ctx, f.client, roundTripRules(t, true, LatestPending), gate.RunOptions{Read: readOne})
		if err != nil || res.Conclusion != gate.Success {
			t.Fatalf("re-check: %v, %v", res, err)
		}
		return f, res, len(f.sm.Calls("DescribeModelPackage"))
	}
	input := func(res *gate.Result) gate.ApprovalInput {
		return gate.ApprovalInput{Result: res, Commit: "abc123", Actor: "octocat"}
	}

	t.Run("approves with one read", func(t *testing.T) {
		f, res, before := recheck(t)
		announced := -1
		out, err := gate.Approve(ctx, f.client, input(res), func(context.Context, gate.ApprovalPlan) error {
			announced = len(f.sm.Calls("DescribeModelPackage"))
			return nil
		})
		if err != nil || !out.Written || out.Plan.Action != gate.ActionApprove {
			t.Fatalf("approve: %+v, %v; want Approved written", out, err)
		}
		if n := len(f.sm.Calls("DescribeModelPackage")) - before; n != 1 || announced != before {
			t.Errorf("%d reads after the re-check (announced after %d); want 1, after the announcement", n, announced-before)
		}
		if got, _ := f.sm.Package(res.Candidate.ARN); got.Approval != gate.StatusApproved || len(f.sm.Calls("UpdateModelPackage")) != 1 {
			t.Errorf("package %s after %d updates; want Approved after 1", got.Approval, len(f.sm.Calls("UpdateModelPackage")))
		}
	})
	t.Run("rejected by hand during the re-check", func(t *testing.T) {
		f, res, _ := recheck(t)
		f.sm.Update(res.Candidate.ARN, func(p *gatetest.ModelPackage) { p.Approval = gate.StatusRejected })
		out, err := gate.Approve(ctx, f.client, input(res), nil)
		if err != nil || out.Written || out.Plan.Decision != nil {
			t.Fatalf("approve: %+v, %v; want nothing to write", out, err)
		}
		if got, _ := f.sm.Package(res.Candidate.ARN); got.Approval != gate.StatusRejected || len(f.sm.Calls("UpdateModelPackage")) != 0 {
			t.Errorf("package %s after %d updates; want Rejected, untouched", got.Approval, len(f.sm.Calls("UpdateModelPackage")))
		}
	})
	t.Run("reports swapped during the re-check", func(t *testing.T) {
		f, res, _ := recheck(t)
		f.sm.Update(res.Candidate.ARN, func(p *gatetest.ModelPackage) {
			p.Sources["ModelMetrics.ModelQuality.Statistics"] = gatetest.MetricsSource{ContentType: "application/json", S3Uri: "s3://reports/other.json"}
		})
		out, err := gate.Approve(ctx, f.client, input(res), nil)
		if !errors.Is(err, gate.ErrConflict) || out.Written || len(f.sm.Calls("UpdateModelPackage")) != 0 {
			t.Fatalf("approve: %+v, %v; want ErrConflict and nothing written", out, err)
		}
	})
	t.Run("announcement fails", func(t *testing.T) {
		f, res, before := recheck(t)
		boom := errors.New("check run not posted")
		out, err := gate.Approve(ctx, f.client, input(res), func(context.Context, gate.ApprovalPlan) error { return boom })
		if !errors.Is(err, boom) || out.Written {
			t.Fatalf("approve: %+v, %v; want the announcement's error", out, err)
		}
		if n := len(f.sm.Calls("DescribeModelPackage")) - before; n != 0 || len(f.sm.Calls("UpdateModelPackage")) != 0 {
			t.Errorf("%d reads and %d updates after a failed announcement; want none", n, len(f.sm.Calls("UpdateModelPackage")))
		}
	})
}
