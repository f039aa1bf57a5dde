// Package attest writes the approval decision as an in-toto Statement v1
// whose predicate is a SLSA Verification Summary (VSA v1): the verifier is
// modelgate and its version, the resource the model package (ARN and
// version), the policy the rules file (by sha256), the inputs the reports
// judged (by sha256), and the result PASSED or FAILED. GitHub's artifact
// attestation action (actions/attest) signs the statement; Check compares a
// statement with what the registry holds now.
package attest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/modelgate/modelgate/gate"
)

// Type URIs and identifiers.
const (
	StatementType    = "https://in-toto.io/Statement/v1"
	VSAPredicateType = "https://slsa.dev/verification_summary/v1"
	VerifierID       = "https://github.com/modelgate/modelgate"
	// LevelPassed is the verified level of a package whose rules passed
	// (a custom level: SLSA_ levels are for builds). A failed verification
	// has the level FAILED, as the VSA specification says.
	LevelPassed = "MODELGATE_RULES_PASSED"
	LevelFailed = "FAILED"
	Passed      = "PASSED"
	Failed      = "FAILED"
)

// ResourceDescriptor is the in-toto ResourceDescriptor (the fields used).
type ResourceDescriptor struct {
	Name   string            `json:"name,omitempty"`
	URI    string            `json:"uri,omitempty"`
	Digest map[string]string `json:"digest,omitempty"`
}

// Ref is a policy or an input attestation of the VSA: a URI and its digest.
type Ref struct {
	URI    string            `json:"uri"`
	Digest map[string]string `json:"digest"`
}

// Verifier identifies who verified.
type Verifier struct {
	ID      string            `json:"id"`
	Version map[string]string `json:"version,omitempty"`
}

// VSA is the SLSA Verification Summary predicate v1.
type VSA struct {
	Verifier           Verifier `json:"verifier"`
	TimeVerified       string   `json:"timeVerified"`
	ResourceURI        string   `json:"resourceUri"`
	Policy             Ref      `json:"policy"`
	InputAttestations  []Ref    `json:"inputAttestations,omitempty"`
	VerificationResult string   `json:"verificationResult"`
	VerifiedLevels     []string `json:"verifiedLevels"`
}

// Statement is the in-toto Statement v1 with a VSA predicate.
type Statement struct {
	Type          string               `json:"_type"`
	Subject       []ResourceDescriptor `json:"subject"`
	PredicateType string               `json:"predicateType"`
	Predicate     VSA                  `json:"predicate"`
}

// Options are what the result does not hold.
type Options struct {
	// RulesURI names the rules file (a repository path or a URL).
	RulesURI string
	// Version is modelgate's version (internal/version).
	Version string
	// Time is when the verification happened.
	Time time.Time
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// New makes the statement of a result: the candidate's reports, the rules
// digest and the conclusion (success and neutral are PASSED; failure is
// FAILED). A result with no candidate, no rules digest or a report without
// a sha256 digest is refused: a statement must name exactly what was
// judged.
func New(r *gate.Result, o Options) (*Statement, error) {
	if r == nil || r.Candidate == nil || r.Candidate.ARN == "" {
		return nil, errors.New("attest: the result has no candidate package")
	}
	if !sha256Hex.MatchString(r.RulesSHA256) {
		return nil, fmt.Errorf("attest: rules sha256 %q is not 64 hex digits", r.RulesSHA256)
	}
	if o.Time.IsZero() {
		return nil, errors.New("attest: no verification time")
	}
	inputs, err := inputsOf(r)
	if err != nil {
		return nil, err
	}
	result, level := Failed, LevelFailed
	switch r.Conclusion {
	case gate.Success, gate.Neutral:
		result, level = Passed, LevelPassed
	case gate.Failure:
	default:
		return nil, fmt.Errorf("attest: conclusion %q is not success, neutral or failure", r.Conclusion)
	}
	ver := o.Version
	if ver == "" {
		ver = "dev"
	}
	rulesURI := o.RulesURI
	if rulesURI == "" {
		rulesURI = r.RulesFile
	}
	return &Statement{
		Type: StatementType,
		Subject: []ResourceDescriptor{{
			Name:   r.Candidate.ARN,
			URI:    r.Candidate.ARN,
			Digest: map[string]string{"sha256": SubjectDigest(r.Candidate.ARN, r.Candidate.Version, inputs)},
		}},
		PredicateType: VSAPredicateType,
		Predicate: VSA{
			Verifier:           Verifier{ID: VerifierID, Version: map[string]string{"modelgate": ver}},
			TimeVerified:       o.Time.UTC().Format(time.RFC3339),
			ResourceURI:        r.Candidate.ARN,
			Policy:             Ref{URI: rulesURI, Digest: map[string]string{"sha256": r.RulesSHA256}},
			InputAttestations:  inputs,
			VerificationResult: result,
			VerifiedLevels:     []string{level},
		},
	}, nil
}

// inputsOf lists the candidate's reports, sorted by URI.
func inputsOf(r *gate.Result) ([]Ref, error) {
	var in []Ref
	for _, rec := range r.Reports {
		if rec.Package != "candidate" {
			continue
		}
		if rec.Error != "" || !sha256Hex.MatchString(rec.SHA256) {
			return nil, fmt.Errorf("attest: report %s (%s) has no sha256 digest", rec.Slot, rec.URI)
		}
		in = append(in, Ref{URI: rec.URI, Digest: map[string]string{"sha256": rec.SHA256}})
	}
	sort.Slice(in, func(i, j int) bool { return in[i].URI < in[j].URI })
	var out []Ref
	for _, r := range in {
		if n := len(out); n > 0 && r.URI == out[n-1].URI {
			if r.Digest["sha256"] != out[n-1].Digest["sha256"] {
				return nil, fmt.Errorf("attest: report %s was read twice with different digests", r.URI)
			}
			continue // the same file in two slots
		}
		out = append(out, r)
	}
	return out, nil
}

// SubjectDigest identifies the judged package: the sha256 of
// "modelgate-subject/v1\n" + ARN + "\n" + version + "\n" and one
// "uri sha256\n" line per report, in the given order (New sorts
// them). A model package has no digest of its own; this one changes when
// the package or any judged report does.
func SubjectDigest(arn string, version int, inputs []Ref) string {
	var b strings.Builder
	b.WriteString("modelgate-subject/v1\n")
	b.WriteString(strconv.Quote(arn) + "\n" + strconv.Itoa(version) + "\n")
	for _, in := range inputs {
		b.WriteString(strconv.Quote(in.URI) + " " + in.Digest["sha256"] + "\n")
	}
	h := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(h[:])
}

// Write writes the statement as indented JSON.
func (s *Statement) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(s)
}

// maxStatement bounds what Parse reads.
const maxStatement = 1 << 20

// Parse reads one statement strictly: unknown fields, trailing data and
// oversize input are errors, and the statement must be valid.
func Parse(data []byte) (*Statement, error) {
	if len(data) > maxStatement {
		return nil, fmt.Errorf("attest: statement is %d bytes; the limit is %d", len(data), maxStatement)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Statement
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("attest: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("attest: data after the statement")
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// Validate checks the statement's shape: the in-toto Statement v1 rules
// (type, at least one subject, each with a digest, a predicate type) and
// the VSA's required fields.
func (s *Statement) Validate() error {
	var errs []string
	if s.Type != StatementType {
		errs = append(errs, fmt.Sprintf("_type %q, want %s", s.Type, StatementType))
	}
	if len(s.Subject) != 1 {
		errs = append(errs, fmt.Sprintf("%d subjects, want 1 (the model package)", len(s.Subject)))
	}
	for i, sub := range s.Subject {
		if !sha256Hex.MatchString(sub.Digest["sha256"]) {
			errs = append(errs, fmt.Sprintf("subject[%d] has no sha256 digest", i))
		}
	}
	if s.PredicateType != VSAPredicateType {
		errs = append(errs, fmt.Sprintf("predicateType %q, want %s", s.PredicateType, VSAPredicateType))
	}
	p := s.Predicate
	if p.Verifier.ID == "" {
		errs = append(errs, "predicate.verifier.id is empty")
	}
	if _, err := time.Parse(time.RFC3339, p.TimeVerified); err != nil {
		errs = append(errs, fmt.Sprintf("predicate.timeVerified %q is not RFC 3339", p.TimeVerified))
	}
	if p.ResourceURI == "" {
		errs = append(errs, "predicate.resourceUri is empty")
	}
	if !sha256Hex.MatchString(p.Policy.Digest["sha256"]) {
		errs = append(errs, "predicate.policy has no sha256 digest")
	}
	for i, in := range p.InputAttestations {
		if in.URI == "" || !sha256Hex.MatchString(in.Digest["sha256"]) {
			errs = append(errs, fmt.Sprintf("predicate.inputAttestations[%d] lacks a uri or a sha256 digest", i))
		}
	}
	switch {
	case p.VerificationResult == Passed && len(p.VerifiedLevels) == 1 && p.VerifiedLevels[0] == LevelPassed:
	case p.VerificationResult == Failed && len(p.VerifiedLevels) == 1 && p.VerifiedLevels[0] == LevelFailed:
	default:
		errs = append(errs, fmt.Sprintf("predicate.verificationResult %q with verifiedLevels %q", p.VerificationResult, p.VerifiedLevels))
	}
	if len(s.Subject) == 1 && p.ResourceURI != s.Subject[0].URI {
		errs = append(errs, "predicate.resourceUri differs from the subject")
	}
	if len(errs) > 0 {
		return errors.New("attest: invalid statement: " + strings.Join(errs, "; "))
	}
	return nil
}

// Check compares a statement with a result computed now from the registry
// (`modelgate verify`): the same package and version, the same rules
// digest, the same reports byte for byte, and a PASSED verification that
// still passes. Whether the package is still Approved is the caller's
// registry read. Every difference is listed.
func Check(s *Statement, now *gate.Result) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if now == nil || now.Candidate == nil {
		return errors.New("attest: no current result to check against")
	}
	var diffs []string
	if s.Predicate.ResourceURI != now.Candidate.ARN {
		diffs = append(diffs, fmt.Sprintf("the statement is about %s, the registry package is %s", s.Predicate.ResourceURI, now.Candidate.ARN))
	}
	if got := s.Predicate.Policy.Digest["sha256"]; got != now.RulesSHA256 {
		diffs = append(diffs, fmt.Sprintf("rules sha256 %s in the statement, %s now", got, now.RulesSHA256))
	}
	inputs, err := inputsOf(now)
	if err != nil {
		diffs = append(diffs, err.Error())
	}
	want := map[string]string{}
	for _, in := range s.Predicate.InputAttestations {
		want[in.URI] = in.Digest["sha256"]
	}
	have := map[string]string{}
	for _, in := range inputs {
		have[in.URI] = in.Digest["sha256"]
	}
	for k, d := range want {
		switch h, ok := have[k]; {
		case !ok:
			diffs = append(diffs, "report "+k+" is not read now")
		case h != d:
			diffs = append(diffs, "report "+k+" changed: sha256 "+d+" then, "+h+" now")
		}
	}
	for k := range have {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, "report "+k+" was not judged")
		}
	}
	if err == nil && s.Subject[0].Digest["sha256"] != SubjectDigest(now.Candidate.ARN, now.Candidate.Version, inputs) {
		diffs = append(diffs, "the subject digest does not match the package and reports now")
	}
	if s.Predicate.VerificationResult != Passed {
		diffs = append(diffs, "the statement records a FAILED verification")
	}
	if now.Conclusion == gate.Failure {
		diffs = append(diffs, "the rules fail on the package now")
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		return errors.New("attest: the statement does not match the registry: " + strings.Join(diffs, "; "))
	}
	return nil
}
