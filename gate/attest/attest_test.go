package attest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

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

// TestStatementOfTheFraudExample checks the statement's content; the
// module .ci/schematest validates the same statements against the in-toto
// attestation framework's message definitions.
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
		back, err := attest.Parse(buf.Bytes())
		if err != nil {
			t.Fatalf("candidate %s: %v", c.candidate, err)
		}
		p := back.Predicate
		if back.Type != attest.StatementType || back.PredicateType != attest.VSAPredicateType || back.Subject[0].URI != r.Candidate.ARN {
			t.Errorf("statement %s %s subject %v", back.Type, back.PredicateType, back.Subject)
		}
		if p.VerificationResult != c.result || p.VerifiedLevels[0] != c.level || p.ResourceURI != r.Candidate.ARN {
			t.Errorf("candidate %s: %s %v %s", c.candidate, p.VerificationResult, p.VerifiedLevels, p.ResourceURI)
		}
		if p.Policy.Digest["sha256"] != r.RulesSHA256 || p.Verifier.ID != attest.VerifierID || p.Verifier.Version["modelgate"] != "v1.2.3" || p.TimeVerified != "2026-11-24T12:00:00Z" {
			t.Errorf("predicate %+v", p)
		}
		if len(p.InputAttestations) < 3 {
			t.Errorf("%d inputs; want the candidate's reports", len(p.InputAttestations))
		}
		if back.Subject[0].Digest["sha256"] != attest.SubjectDigest(r.Candidate.ARN, r.Candidate.Version, p.InputAttestations) {
			t.Error("the subject digest is not the package and its reports")
		}
	}
}

func TestNewRefuses(t *testing.T) {
	r := fraud(t, "12")
	for name, mut := range map[string]func(*gate.Result){
		"no candidate":         func(r *gate.Result) { r.Candidate = nil },
		"no rules digest":      func(r *gate.Result) { r.RulesSHA256 = "" },
		"report without hash":  func(r *gate.Result) { r.Reports[0].SHA256 = "" },
		"unreadable report":    func(r *gate.Result) { r.Reports[0].Error = "boom" },
		"unknown conclusion":   func(r *gate.Result) { r.Conclusion = "skipped" },
		"uppercase rules hash": func(r *gate.Result) { r.RulesSHA256 = strings.ToUpper(r.RulesSHA256) },
	} {
		c := *r
		if c.Candidate != nil {
			cand := *c.Candidate
			c.Candidate = &cand
		}
		c.Reports = append([]gate.ReportRecord(nil), r.Reports...)
		mut(&c)
		if _, err := attest.New(&c, attest.Options{Time: when}); err == nil {
			t.Errorf("%s: New made a statement", name)
		}
	}
	if _, err := attest.New(r, attest.Options{}); err == nil {
		t.Error("New without a time made a statement")
	}
}

func TestCheck(t *testing.T) {
	passing := fraud(t, "12")
	s, err := attest.New(passing, attest.Options{Version: "v1", Time: when})
	if err != nil {
		t.Fatal(err)
	}
	if err := attest.Check(s, fraud(t, "12")); err != nil {
		t.Fatalf("Check of an unchanged package: %v", err)
	}
	clone := func(mut func(*gate.Result)) *gate.Result {
		r := fraud(t, "12")
		mut(r)
		return r
	}
	for name, c := range map[string]struct {
		now  *gate.Result
		want string
	}{
		"other package":   {fraud(t, "13"), "is about"},
		"report changed":  {clone(func(r *gate.Result) { r.Reports[0].SHA256 = strings.Repeat("a", 64) }), "changed"},
		"report dropped":  {clone(func(r *gate.Result) { r.Reports = r.Reports[1:] }), "is not read now"},
		"rules changed":   {clone(func(r *gate.Result) { r.RulesSHA256 = strings.Repeat("b", 64) }), "rules sha256"},
		"fails now":       {clone(func(r *gate.Result) { r.Conclusion = gate.Failure }), "fail on the package now"},
		"version changed": {clone(func(r *gate.Result) { r.Candidate.Version = 99 }), "subject digest"},
	} {
		if err := attest.Check(s, c.now); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Check error %v; want one naming %q", name, err, c.want)
		}
	}
	failed, err := attest.New(fraud(t, "13"), attest.Options{Version: "v1", Time: when})
	if err != nil {
		t.Fatal(err)
	}
	if err := attest.Check(failed, fraud(t, "13")); err == nil || !strings.Contains(err.Error(), "FAILED verification") {
		t.Errorf("Check of a FAILED statement: %v", err)
	}
}

func TestParseRefuses(t *testing.T) {
	s, err := attest.New(fraud(t, "12"), attest.Options{Version: "v1", Time: when})
	if err != nil {
		t.Fatal(err)
	}
	good, _ := json.Marshal(s)
	for name, bad := range map[string][]byte{
		"trailing data":           append(append([]byte{}, good...), []byte(` {}`)...),
		"unknown field":           bytes.Replace(good, []byte(`"_type"`), []byte(`"extra":1,"_type"`), 1),
		"passed but failed level": bytes.Replace(good, []byte(attest.LevelPassed), []byte(attest.LevelFailed), 1),
		"huge":                    bytes.Repeat([]byte(" "), 2<<20),
	} {
		if _, err := attest.Parse(bad); err == nil {
			t.Errorf("%s: Parse accepted it", name)
		}
	}
}
