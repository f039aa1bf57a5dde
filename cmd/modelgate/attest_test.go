package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/attest"
)

// approve --attestation writes the statement of the decision, and verify
// checks it against the registry: the same package, the same reports, still
// approved.
func TestApproveAttestationAndVerify(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		edit func(t *testing.T, reg, att string)
		code int
		says string
	}{
		{"unchanged", nil, 0, "VERIFIED: fraud-xgboost v12"},
		{"report changed", func(t *testing.T, reg, _ string) {
			b, _ := os.ReadFile(filepath.Join(reg, "fraud-xgboost/12/statistics.json"))
			setReport(t, reg, "12", "statistics.json", strings.Replace(string(b), "0.926", "0.927", 1))
		}, 1, "changed: sha256"},
		{"no longer approved", func(t *testing.T, reg, _ string) { setStatus(t, reg, "12", gate.StatusRejected, nil) }, 1, "the package is Rejected in the registry now, not Approved"},
		{"statement edited", func(t *testing.T, _, att string) {
			b, _ := os.ReadFile(att)
			os.WriteFile(att, []byte(strings.Replace(string(b), "fraud-xgboost/12", "fraud-xgboost/13", -1)), 0o644)
		}, 1, "the subject digest does not match"},
		{"package gone", func(t *testing.T, reg, _ string) { os.RemoveAll(filepath.Join(reg, "fraud-xgboost", "12")) }, 1, "is not in the registry"},
		{"not a statement", func(t *testing.T, _, att string) { os.WriteFile(att, []byte(`{"schema": 1}`), 0o644) }, 2, `unknown field "schema"`},
		{"a FIFO", func(t *testing.T, _, att string) {
			os.Remove(att)
			if err := mkfifo(att); err != nil {
				t.Skip(err)
			}
		}, 2, "not a regular file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rulesPath, reg := copyRegistry(t)
			dir := t.TempDir()
			ev, att := filepath.Join(dir, "pr.json"), filepath.Join(dir, "sub", "att.json")
			runCLI(t, "check", "--rules", rulesPath, "--candidate", "12", "--out", ev)
			code, _, errs := runCLI(t, "approve", "--rules", rulesPath, "--candidate", "12", "--evidence", ev, "--commit", "c1", "--attestation", att)
			if code != 0 || !strings.Contains(errs, "attestation written to") {
				t.Fatalf("approve --attestation = %d %s", code, errs)
			}
			b, err := os.ReadFile(att)
			if err != nil {
				t.Fatal(err)
			}
			s, err := attest.Parse(b)
			if err != nil || s.Predicate.VerificationResult != attest.Passed || s.Predicate.Verifier.Version["modelgate"] != "dev" ||
				s.Subject[0].Name != "arn:aws:sagemaker:eu-west-1:111122223333:model-package/fraud-xgboost/12" {
				t.Fatalf("statement %v: %+v", err, s)
			}
			if tt.edit != nil {
				tt.edit(t, reg, att)
			}
			// The rules file says latest-pending (v13): verify judges the
			// package the statement names, whatever the rules select.
			code, out, errs := runCLI(t, "verify", att, "--rules", rulesPath)
			if code != tt.code || !strings.Contains(out+errs, tt.says) {
				t.Errorf("verify = %d\n%s%s\nwant %d and %q", code, out, errs, tt.code, tt.says)
			}
		})
	}
}

// No attestation for a decision that is not in the registry.
func TestApproveAttestationOnlyWhenTheDecisionHolds(t *testing.T) {
	t.Parallel()
	rulesPath, reg := copyRegistry(t)
	dir := t.TempDir()
	ev, att := filepath.Join(dir, "pr.json"), filepath.Join(dir, "att.json")
	runCLI(t, "check", "--rules", rulesPath, "--candidate", "12", "--out", ev)
	// The evidence names v12; approving v13 refuses and writes nothing.
	code, _, errs := runCLI(t, "approve", "--rules", rulesPath, "--evidence", ev, "--commit", "c1", "--attestation", att)
	if _, err := os.Stat(att); code != gate.ExitFail || err == nil {
		t.Errorf("approve of another package = %d (%s); attestation written: %v", code, errs, err == nil)
	}
	// An attestation path that cannot be a file is refused before anything is written.
	_, before := readPkg(t, reg, "13")
	code, _, errs = runCLI(t, "approve", "--rules", rulesPath, "--no-evidence", "--commit", "c1", "--on-fail", "reject", "--attestation", filepath.Join(ev, "att.json"))
	if _, after := readPkg(t, reg, "13"); code != gate.ExitUsage || !strings.Contains(errs, "is not a folder; nothing written") || string(before) != string(after) {
		t.Errorf("approve --attestation under a file = %d %q; registry changed: %v", code, errs, string(before) != string(after))
	}
	// A rejection holds: its statement records FAILED.
	code, _, errs = runCLI(t, "approve", "--rules", rulesPath, "--no-evidence", "--commit", "c1", "--on-fail", "reject", "--attestation", att)
	b, err := os.ReadFile(att)
	var s attest.Statement
	if code != gate.ExitFail || err != nil || json.Unmarshal(b, &s) != nil || s.Predicate.VerificationResult != attest.Failed {
		t.Errorf("reject = %d %s; statement %v %+v; want FAILED", code, errs, err, s.Predicate)
	}
	// A statement of a rejection never verifies.
	code, out, errs := runCLI(t, "verify", "--rules", rulesPath, att)
	if code != gate.ExitFail || !strings.Contains(errs, "the statement records a FAILED verification") || !strings.Contains(errs, "not Approved") || !strings.Contains(out, "NOT VERIFIED") {
		t.Errorf("verify of a rejection = %d\n%s%s", code, out, errs)
	}
}
