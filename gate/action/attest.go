package action

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/attest"
	"github.com/modelgate/modelgate/gate/render"
)

// Files the action writes in approve mode, relative to the workspace: the
// in-toto statement, and its predicate alone (actions/attest takes the
// predicate and the subject separately).
const (
	actionAttestationFile = "modelgate-attestation.json"
	actionPredicateFile   = "modelgate-attestation.predicate.json"
)

// decisionHolds says whether the registry holds modelgate's decision on
// the package after the approval protocol: written now, or already
// approved by this commit. Only then is there a verification to attest.
func decisionHolds(out gate.ApprovalOutcome) bool {
	return out.Written || out.Plan.Action == gate.ActionNoop
}

// statementOf is the attestation of an approval decision that holds
// (decisionHolds): PASSED for Approved, FAILED for Rejected.
func statementOf(res *gate.Result, rulesURI, version string, now time.Time) (*attest.Statement, []byte, error) {
	s, err := attest.New(res, attest.Options{RulesURI: rulesURI, Version: version, Time: now})
	if err != nil {
		return nil, nil, err
	}
	var b bytes.Buffer
	if err := s.Write(&b); err != nil {
		return nil, nil, err
	}
	return s, b.Bytes(), nil
}

// predicateBytes is the statement's predicate alone, as actions/attest's
// predicate-path wants it.
func predicateBytes(s *attest.Statement) ([]byte, error) {
	b, err := json.MarshalIndent(s.Predicate, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// maxStatementFile bounds the statement file verify reads.
const maxStatementFile = 1 << 20

// Verify is `modelgate verify FILE`: the statement is checked against the
// registry now: the package it names is judged again with the rules file
// (the same package and version, the same rules digest, the same reports
// byte for byte, still passing; attest.Check) and must still be Approved.
// Exit 0 when everything holds, 1 when anything differs (or the package is
// gone), 2 for a statement that cannot be read or a usage problem, 3 for a
// registry failure.
func Verify(ctx context.Context, c CLI, path string) int {
	stdout, stderr := render.NewGuard(c.Stdout), render.NewGuard(c.Stderr)
	defer stdout.Flush()
	defer stderr.Flush()
	data, err := readCapped(path, maxStatementFile)
	var s *attest.Statement
	if err == nil {
		s, err = attest.Parse(data)
	}
	if err != nil {
		c.say(stderr, "%s: %v", path, err)
		return gate.ExitUsage
	}
	o := c.Options
	o.Candidate = s.Predicate.ResourceURI // the package the statement is about, whatever the rules file selects
	res, _, err := c.Evaluate(ctx, o)
	if err == nil && res == nil {
		err = errors.New("the gate returned no result")
	}
	if errors.Is(err, gate.ErrNoPackage) {
		// The registry does not hold the package the statement names.
		c.say(stderr, "%s: %s", path, render.Error(err))
		fmt.Fprintf(stdout, "NOT VERIFIED: %s is not in the registry\n", render.Line(s.Predicate.ResourceURI, 500))
		return gate.ExitFail
	}
	if err != nil {
		c.say(stderr, "%s", render.Error(err))
		return gate.ExitCodeOf(err)
	}
	var problems []string
	if err := attest.Check(s, res); err != nil {
		problems = append(problems, err.Error())
	}
	if res.Candidate.Approval != gate.StatusApproved {
		problems = append(problems, fmt.Sprintf("the package is %s in the registry now, not Approved", res.Candidate.Approval))
	}
	if len(problems) > 0 {
		for _, p := range problems {
			c.say(stderr, "%s: %s", path, p)
		}
		fmt.Fprintf(stdout, "NOT VERIFIED: %s v%d\n", render.Line(res.Candidate.Group, 200), res.Candidate.Version)
		return gate.ExitFail
	}
	fmt.Fprintf(stdout, "VERIFIED: %s v%d (%s) is Approved; rules sha256 %s and %d reports match the statement of %s\n",
		render.Line(res.Candidate.Group, 200), res.Candidate.Version, render.Line(res.Candidate.ARN, 500),
		render.Line(res.RulesSHA256, 64), len(s.Predicate.InputAttestations), render.Line(s.Predicate.TimeVerified, 40))
	return gate.ExitPass
}

// attestApproval writes the statement and its predicate into the
// workspace once approve mode's decision holds, and returns the outputs
// that name them (attestation_path, attestation_predicate_path,
// attestation_subject_name, attestation_subject_digest). An error leaves
// the decision as it is: it is in the registry already.
func (a *actionRun) attestApproval(res *gate.Result) (map[string]string, error) {
	s, b, err := statementOf(res, a.annotationPath(res), a.Version, a.now())
	if err != nil {
		return nil, err
	}
	pb, err := predicateBytes(s)
	if err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(a.Workspace, actionAttestationFile), b); err != nil {
		return nil, fmt.Errorf("write the attestation: %w", err)
	}
	if err := writeFile(filepath.Join(a.Workspace, actionPredicateFile), pb); err != nil {
		return nil, fmt.Errorf("write the attestation predicate: %w", err)
	}
	return map[string]string{
		"attestation_path":           actionAttestationFile,
		"attestation_predicate_path": actionPredicateFile,
		"attestation_subject_name":   s.Subject[0].Name,
		"attestation_subject_digest": "sha256:" + s.Subject[0].Digest["sha256"],
	}, nil
}
