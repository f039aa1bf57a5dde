// Package schematest validates modelgate's attestations against the
// in-toto attestation framework's own message definitions. It is its own
// module so that protobuf and the in-toto bindings stay out of the product
// module's graph; .ci/run runs it.
package schematest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	vsav1 "github.com/in-toto/attestation/go/predicates/vsa/v1"
	attv1 "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/attest"
	"github.com/modelgate/modelgate/gate/localreg"
	"github.com/modelgate/modelgate/gate/report"
	"github.com/modelgate/modelgate/rules"
)

var when = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func fraud(t *testing.T, candidate string) *gate.Result {
	t.Helper()
	f, err := rules.ReadFile("../../examples/fraud/.github/modelgate.yml")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := localreg.New("../../examples/fraud/registry")
	if err != nil {
		t.Fatal(err)
	}
	r, err := gate.Run(context.Background(), reg, f, gate.RunOptions{Candidate: candidate, Read: report.Read, Now: when})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// validateProto checks the JSON against the in-toto attestation framework's
// own definitions (its protobuf schema and Go bindings): the Statement v1
// layer with its Validate rules, and the predicate as a SLSA VSA v1
// message, decoded strictly (an unknown or mistyped field is an error).
func validateProto(t *testing.T, b []byte) (*attv1.Statement, *vsav1.VerificationSummary, error) {
	t.Helper()
	var st attv1.Statement
	if err := (protojson.UnmarshalOptions{}).Unmarshal(b, &st); err != nil {
		return nil, nil, err
	}
	if err := st.Validate(); err != nil {
		return nil, nil, err
	}
	pb, err := protojson.Marshal(st.GetPredicate())
	if err != nil {
		return nil, nil, err
	}
	// The SLSA VSA v1.0 specification defines verifier.version (a map of
	// component names to versions); the in-toto v1.2.0 message has only
	// verifier.id. Check the map here and decode the rest strictly.
	var pred map[string]any
	if err := json.Unmarshal(pb, &pred); err != nil {
		return nil, nil, err
	}
	if v, ok := pred["verifier"].(map[string]any); ok {
		if ver, ok := v["version"]; ok {
			m, ok := ver.(map[string]any)
			if !ok {
				return nil, nil, errors.New("verifier.version is not a map")
			}
			for k, x := range m {
				if _, ok := x.(string); !ok {
					return nil, nil, errors.New("verifier.version[" + k + "] is not a string")
				}
			}
			delete(v, "version")
		}
	}
	if pb, err = json.Marshal(pred); err != nil {
		return nil, nil, err
	}
	var vsa vsav1.VerificationSummary
	if err := (protojson.UnmarshalOptions{}).Unmarshal(pb, &vsa); err != nil {
		return nil, nil, err
	}
	return &st, &vsa, nil
}

func TestStatementOfTheFraudExample(t *testing.T) {
	for _, c := range []struct {
		candidate, result, level string
	}{{"12", attest.Passed, attest.LevelPassed}, {"13", attest.Failed, attest.LevelFailed}} {
		r := fraud(t, c.candidate)
		s, err := attest.New(r, attest.Options{RulesURI: ".github/modelgate.yml", Version: "v1.2.3", Time: when})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := s.Write(&buf); err != nil {
			t.Fatal(err)
		}
		st, vsa, err := validateProto(t, buf.Bytes())
		if err != nil {
			t.Fatalf("candidate %s: the statement does not validate against the in-toto Statement v1 / SLSA VSA v1 definitions: %v\n%s", c.candidate, err, buf.Bytes())
		}
		if st.GetType() != attv1.StatementTypeUri || st.GetPredicateType() != "https://slsa.dev/verification_summary/v1" {
			t.Errorf("type %q predicate type %q", st.GetType(), st.GetPredicateType())
		}
		sub := st.GetSubject()[0]
		if sub.GetUri() != r.Candidate.ARN || len(sub.GetDigest()["sha256"]) != 64 {
			t.Errorf("subject %v; want the candidate ARN %s with a sha256", sub, r.Candidate.ARN)
		}
		if vsa.GetVerifier().GetId() != attest.VerifierID || s.Predicate.Verifier.Version["modelgate"] != "v1.2.3" {
			t.Errorf("verifier %v version %v", vsa.GetVerifier(), s.Predicate.Verifier.Version)
		}
		if vsa.GetResourceUri() != r.Candidate.ARN || vsa.GetVerificationResult() != c.result || len(vsa.GetVerifiedLevels()) != 1 || vsa.GetVerifiedLevels()[0] != c.level {
			t.Errorf("candidate %s: resource %q result %q levels %q; want %s %s", c.candidate, vsa.GetResourceUri(), vsa.GetVerificationResult(), vsa.GetVerifiedLevels(), c.result, c.level)
		}
		if vsa.GetPolicy().GetDigest()["sha256"] != r.RulesSHA256 || vsa.GetPolicy().GetUri() != ".github/modelgate.yml" {
			t.Errorf("policy %v; want the rules digest %s", vsa.GetPolicy(), r.RulesSHA256)
		}
		if !vsa.GetTimeVerified().AsTime().Equal(when) {
			t.Errorf("time verified %v", vsa.GetTimeVerified().AsTime())
		}
		var candReports int
		for _, rec := range r.Reports {
			if rec.Package == "candidate" {
				candReports++
			}
		}
		if got := len(vsa.GetInputAttestations()); got != candReports || got < 3 {
			t.Errorf("%d input attestations; want the %d candidate reports", got, candReports)
		}
		for _, in := range vsa.GetInputAttestations() {
			if in.GetUri() == "" || len(in.GetDigest()["sha256"]) != 64 {
				t.Errorf("input %v lacks uri or sha256", in)
			}
		}
		// Round trip through Parse.
		back, err := attest.Parse(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if back.Subject[0].Digest["sha256"] != s.Subject[0].Digest["sha256"] {
			t.Error("Parse changed the subject digest")
		}
	}
}

// TestProtoValidationBites proves the schema check rejects bad statements.
func TestProtoValidationBites(t *testing.T) {
	s, err := attest.New(fraud(t, "12"), attest.Options{Version: "v1", Time: when})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := s.Write(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	for name, bad := range map[string]string{
		"wrong statement type": strings.Replace(good, attest.StatementType, "https://in-toto.io/Statement/v2", 1),
		"no subject digest":    strings.Replace(good, `"digest": {`+"\n"+`        "sha256"`, `"digestX": {`+"\n"+`        "sha256"`, 1),
		"unknown VSA field":    strings.Replace(good, `"resourceUri"`, `"resourceURL"`, 1),
		"mistyped VSA field":   strings.Replace(good, `"verifiedLevels": [`, `"verifiedLevels": 7, "x": [`, 1),
		"version not a map":    strings.Replace(good, `"version": {`, `"version": "v1", "v": {`, 1),
	} {
		if bad == good {
			t.Fatalf("%s: the mutation did not apply", name)
		}
		if _, _, err := validateProto(t, []byte(bad)); err == nil {
			t.Errorf("%s: the in-toto definitions accepted it", name)
		}
		if _, err := attest.Parse([]byte(bad)); err == nil {
			t.Errorf("%s: attest.Parse accepted it", name)
		}
	}
}
