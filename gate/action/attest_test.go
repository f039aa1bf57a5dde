package action

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate/attest"
)

// Approve mode writes the statement of the decision it wrote, and its
// predicate, for actions/attest; the outputs name them and the subject.
func TestActionApproveWritesTheAttestation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.check("12")
	e := w.env("push", "push.default-branch", map[string]string{"INPUT_CANDIDATE": "12"}, nil)
	if code := e.run(t, runGate); code != 0 {
		t.Fatalf("approve exit %d\n%s%s", code, &e.stdout, &e.stderr)
	}
	out := e.outputs(t)
	if out["attestation_path"] != "modelgate-attestation.json" || out["attestation_predicate_path"] != "modelgate-attestation.predicate.json" {
		t.Fatalf("outputs = %v", out)
	}
	b, err := os.ReadFile(filepath.Join(w.dir, out["attestation_path"]))
	if err != nil {
		t.Fatal(err)
	}
	s, err := attest.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if s.Predicate.VerificationResult != attest.Passed || s.Predicate.Policy.URI != ".github/modelgate.yml" ||
		out["attestation_subject_name"] != s.Subject[0].Name || out["attestation_subject_digest"] != "sha256:"+s.Subject[0].Digest["sha256"] ||
		!strings.HasSuffix(s.Subject[0].Name, "model-package/fraud-xgboost/12") {
		t.Errorf("statement %+v with outputs %v", s, out)
	}
	pb, err := os.ReadFile(filepath.Join(w.dir, out["attestation_predicate_path"]))
	var p attest.VSA
	if err != nil || json.Unmarshal(pb, &p) != nil || p.ResourceURI != s.Predicate.ResourceURI || p.TimeVerified != s.Predicate.TimeVerified {
		t.Errorf("predicate file %v: %s", err, pb)
	}
}

// A run that writes nothing (the pull request's evidence names another
// package) attests nothing.
func TestActionApproveNoDecisionNoAttestation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.check("12")
	e := w.env("push", "push.default-branch", nil, nil) // latest-pending is v13
	if code := e.run(t, runGate); code != 1 {
		t.Fatalf("approve exit %d; want 1\n%s%s", code, &e.stdout, &e.stderr)
	}
	if _, err := os.Stat(filepath.Join(w.dir, "modelgate-attestation.json")); err == nil {
		t.Error("an attestation was written for a decision that is not in the registry")
	}
	if v, ok := e.outputs(t)["attestation_path"]; ok {
		t.Errorf("attestation_path output %q set", v)
	}
}
