package localreg_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/localreg"
	"github.com/modelgate/modelgate/gate/report"
	"github.com/modelgate/modelgate/internal/strictjson"
	"github.com/modelgate/modelgate/rules"
)

const fuzzRules = `version: 1
model: {group: churn, baseline: latest-approved, first_model: absolute-only}
rules:
  - id: reports-attached
    require: [quality]
  - id: auc-floor
    metric: quality.auc
    min: 0.8
  - id: auc-no-regression
    metric: quality.auc
    vs_baseline: {max_drop: 0.05}
`

const arn2 = "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/2"

func quality(auc string) []byte {
	return []byte(`{"binary_classification_metrics": {"auc": {"value": ` + auc + `}}}`)
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

func pkgFile(approval, arn, uri, dig string) []byte {
	s := `{"ModelPackageStatus": "Completed", "ModelApprovalStatus": "` + approval + `"`
	if arn != "" {
		s += `, "ModelPackageArn": "` + arn + `"`
	}
	s += `, "ModelMetrics": {"ModelQuality": {"Statistics": {"ContentType": "application/json", "S3Uri": "` + uri + `"`
	if dig != "" {
		s += `, "ContentDigest": "` + dig + `"`
	}
	return []byte(s + `}}}}`)
}

// FuzzApprove drives the whole approve path of the local registry (Run,
// PlanApproval, reading again, SetApproval, as the CLI does) over a
// registry whose candidate folder (v3) holds a random package.json and a
// random quality report, with random evidence. Below it, v1 is the approved
// baseline and v2 is a pending package that fails its rules and carries its
// own SageMaker ARN, so that a confusion of identity (v3 claiming v2's ARN,
// issue 11) has something to approve.
//
// The invariant: no package is written Approved unless its own rules pass.
// Every package.json other than the judged candidate's is byte-identical
// afterwards; a candidate that is Approved afterwards (and was not before)
// passes when judged again from scratch, by its own folder.
func FuzzApprove(f *testing.F) {
	good := quality("0.9")
	f.Add(pkgFile("PendingManualApproval", "", "statistics.json", digest(good)), good, []byte(`{}`), uint8(0))
	f.Add(pkgFile("PendingManualApproval", "", "statistics.json", ""), good, []byte(`null`), uint8(4))
	f.Add(pkgFile("PendingManualApproval", "", "statistics.json", ""), quality("0.5"), []byte(`{}`), uint8(4))
	f.Add(pkgFile("PendingManualApproval", arn2, "statistics.json", ""), good, []byte(`{}`), uint8(7))
	f.Add(pkgFile("PendingManualApproval", "local:churn/1", "statistics.json", ""), good, []byte(`{}`), uint8(6))
	f.Add(pkgFile("PendingManualApproval", arn2, "statistics.json", ""), good, []byte(`{}`), uint8(4))
	f.Add([]byte(`{"ModelPackageGroupName": "churn", "ModelPackageVersion": 2, "ModelPackageStatus": "Completed", "ModelApprovalStatus": "PendingManualApproval", "ModelMetrics": {"ModelQuality": {"Statistics": {"S3Uri": "statistics.json"}}}}`), good, []byte(`{}`), uint8(4))
	f.Add([]byte(`{"ModelPackageStatus": "Completed", "ModelApprovalStatus": "Rejected", "ModelApprovalStatus": "PendingManualApproval", "ModelMetrics": {"ModelQuality": {"Statistics": {"S3Uri": "statistics.json"}}}}`), good, []byte(`{}`), uint8(4))
	f.Add([]byte(`{"ModelPackageStatus": "Completed", "ModelApprovalStatus": "PendingManualApproval", "ModelMetrics": {"ModelQuality": {"Statistics": {"S3Uri": "bad.json"}}}, "ModelMetrics": {"ModelQuality": {"Statistics": {"S3Uri": "statistics.json"}}}}`), good, []byte(`{}`), uint8(4))
	f.Add(pkgFile("PendingManualApproval", "", "../1/statistics.json", ""), good, []byte(`{}`), uint8(4))
	f.Add(pkgFile("PendingManualApproval", "", "s3://bucket/statistics.json", ""), good, []byte(`{}`), uint8(4))
	f.Add(pkgFile("PendingManualApproval", "", "statistics.json", ""), []byte(`{"binary_classification_metrics": {"auc": {"value": "NaN"}}}`), []byte(`{}`), uint8(4))
	f.Add(pkgFile("PendingManualApproval", "", "statistics.json", ""), []byte(`{"binary_classification_metrics": {"auc": {"value": 0.5}, "auc": {"value": 0.9}}}`), []byte(`{}`), uint8(4))
	f.Add(pkgFile("Approved", "", "statistics.json", ""), good, []byte(`{"candidate_arn": "local:churn/3", "conclusion": "success"}`), uint8(1))
	f.Add(pkgFile("PendingManualApproval", "", "statistics.json", ""), good, []byte(`{"candidate_arn": "`+arn2+`", "candidate_version": 2, "conclusion": "success", "reports": []}`), uint8(3))

	rf, err := rules.Parse("modelgate.yml", []byte(fuzzRules))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, pkgJSON, stats, evidence []byte, flags uint8) {
		if len(pkgJSON) > 1<<16 || len(stats) > 1<<16 || len(evidence) > 1<<16 {
			return
		}
		root := t.TempDir()
		put := func(v int, name string, data []byte) {
			dir := filepath.Join(root, "churn", strconv.Itoa(v))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		base := quality("0.85")
		put(1, "package.json", pkgFile("Approved", "", "statistics.json", digest(base)))
		put(1, "statistics.json", base)
		failing := quality("0.5")
		put(2, "package.json", pkgFile("PendingManualApproval", arn2, "statistics.json", digest(failing)))
		put(2, "statistics.json", failing)
		put(3, "package.json", pkgJSON)
		put(3, "statistics.json", stats)
		put(3, "bad.json", quality("0.1"))
		before := snapshot(t, root)

		reg, err := localreg.New(root)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cand := []string{"3", "latest-pending", "local:churn/3", arn2}[flags&3]
		res, runErr := gate.Run(ctx, reg, rf, gate.RunOptions{Candidate: cand, Read: report.Read, Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
		if runErr == nil {
			in := gate.ApprovalInput{Result: res, Commit: "c0ffee", PR: 7, RequireEvidence: flags&8 != 0, OnFail: []string{"leave", "reject"}[flags>>4&1]}
			if flags&4 != 0 {
				ev := gate.EvidenceOf(res, "")
				in.Evidence = &ev
			} else {
				var ev gate.Evidence
				if strictjson.Unmarshal(evidence, &ev) == nil {
					in.Evidence = &ev
				}
			}
			applyApproval(ctx, reg, in)
		}

		after := snapshot(t, root)
		judged := ""
		if runErr == nil {
			judged = filepath.Join("churn", strconv.Itoa(res.Candidate.Version), "package.json")
		}
		for name, b := range before {
			if name != judged && !bytes.Equal(after[name], b) {
				t.Fatalf("%s was written, but %s was judged (run error %v)\nbefore %s\nafter  %s", name, judged, runErr, b, after[name])
			}
		}
		if judged == "" {
			return
		}
		wasApproved := approvalOf(before[judged]) == gate.StatusApproved
		if approvalOf(after[judged]) != gate.StatusApproved || wasApproved && bytes.Equal(before[judged], after[judged]) {
			return
		}
		// Written Approved now: the package must pass its own rules, judged
		// again from scratch by its folder.
		again, err := gate.Run(ctx, reg, rf, gate.RunOptions{Candidate: strconv.Itoa(res.Candidate.Version), Read: report.Read, Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatalf("v%d was written Approved, but judging it again fails: %v", res.Candidate.Version, err)
		}
		if again.Conclusion == gate.Failure || again.Counts.Error > 0 {
			t.Fatalf("v%d was written Approved, but its own rules give %s (%s)", res.Candidate.Version, again.Conclusion, again.Title())
		}
		if res.Conclusion == gate.Failure {
			t.Fatalf("v%d was written Approved after a failing re-check %s", res.Candidate.Version, res.Title())
		}
	})
}

// applyApproval runs the one approval protocol (gate.Approve), as the CLI
// and the action do; its outcome is judged by the registry state after it.
func applyApproval(ctx context.Context, reg gate.Registry, in gate.ApprovalInput) {
	gate.Approve(ctx, reg, in, nil)
}

// snapshot reads every package.json of the registry.
func snapshot(t *testing.T, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for v := 1; v <= 3; v++ { // v1 baseline, v2 failing, v3 fuzzed
		name := filepath.Join("churn", strconv.Itoa(v), "package.json")
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		out[name] = b
	}
	return out
}

// approvalOf is the ModelApprovalStatus a package.json gives, read
// strictly: a file that cannot be read strictly has none.
func approvalOf(b []byte) string {
	var pf struct{ ModelApprovalStatus string }
	if strictjson.Unmarshal(b, &pf) != nil {
		return ""
	}
	return pf.ModelApprovalStatus
}

// The seed corpus approves the good candidate and nothing else: the
// fuzzer's invariant is not vacuous.
func TestFuzzSeedsApproveOnlyTheGoodCandidate(t *testing.T) {
	root := t.TempDir()
	good := quality("0.9")
	for v, files := range map[int]map[string][]byte{
		1: {"package.json": pkgFile("Approved", "", "statistics.json", ""), "statistics.json": quality("0.85")},
		2: {"package.json": pkgFile("PendingManualApproval", arn2, "statistics.json", ""), "statistics.json": quality("0.5")},
		3: {"package.json": pkgFile("PendingManualApproval", "", "statistics.json", digest(good)), "statistics.json": good},
	} {
		os.MkdirAll(filepath.Join(root, "churn", strconv.Itoa(v)), 0o755)
		for n, b := range files {
			os.WriteFile(filepath.Join(root, "churn", strconv.Itoa(v), n), b, 0o644)
		}
	}
	reg, _ := localreg.New(root)
	rf, _ := rules.Parse("modelgate.yml", []byte(fuzzRules))
	ctx := context.Background()
	res, err := gate.Run(ctx, reg, rf, gate.RunOptions{Candidate: "3", Read: report.Read})
	if err != nil {
		t.Fatal(err)
	}
	ev := gate.EvidenceOf(res, "")
	applyApproval(ctx, reg, gate.ApprovalInput{Result: res, Evidence: &ev, Commit: "c0ffee"})
	p, err := reg.Resolve(ctx, "churn", gate.Selector{Kind: gate.SelectVersion, Version: 3})
	if err != nil || p.Approval != gate.StatusApproved || p.Metadata[gate.MetaCommit] != "c0ffee" {
		t.Fatalf("good candidate after approval = %+v, %v; want Approved by c0ffee", p, err)
	}
}
