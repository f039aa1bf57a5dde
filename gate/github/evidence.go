package github

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/internal/strictjson"
)

// Evidence is what a check run records about the run it reports: the
// commit, the rules file, and exactly which package and which report bytes
// were judged. The approval step reads it back from the pull request's check
// run and refuses to approve anything else.
type Evidence struct {
	HeadSHA          string              `json:"head_sha"`
	RulesFile        string              `json:"rules_file"`
	RulesSHA256      string              `json:"rules_sha256"`
	Group            string              `json:"group"`
	CandidateARN     string              `json:"candidate_arn"`
	CandidateVersion int                 `json:"candidate_version"`
	Reports          []gate.ReportRecord `json:"reports"`
	Conclusion       gate.Conclusion     `json:"conclusion"`
}

// EvidenceOf takes the evidence of r, judged on the commit headSHA. Reports
// are copied and sorted (package, slot, URI) so that the evidence of two
// equal runs is byte-for-byte equal.
func EvidenceOf(r *gate.Result, headSHA string) Evidence {
	e := Evidence{
		HeadSHA:     headSHA,
		RulesFile:   r.RulesFile,
		RulesSHA256: r.RulesSHA256,
		Group:       r.Group,
		Reports:     slices.Clone(r.Reports),
		Conclusion:  r.Conclusion,
	}
	if r.Candidate != nil {
		e.CandidateARN = r.Candidate.ARN
		e.CandidateVersion = r.Candidate.Version
		if e.Group == "" {
			e.Group = r.Candidate.Group
		}
	}
	if e.Reports == nil {
		e.Reports = []gate.ReportRecord{}
	}
	slices.SortStableFunc(e.Reports, func(a, b gate.ReportRecord) int {
		if c := strings.Compare(a.Package, b.Package); c != 0 {
			return c
		}
		if c := strings.Compare(a.Slot, b.Slot); c != 0 {
			return c
		}
		return strings.Compare(a.URI, b.URI)
	})
	return e
}

// canonical is the JSON the external ID hashes. encoding/json writes struct
// fields in declaration order and escapes <, > and &, so the bytes are
// stable and can sit inside an HTML comment.
func (e Evidence) canonical() []byte {
	b, err := json.Marshal(e)
	if err != nil {
		// Evidence holds only strings, ints and string-only structs.
		panic("github: marshal evidence: " + err.Error())
	}
	return b
}

// ExternalIDPrefix starts every external_id modelgate writes.
const ExternalIDPrefix = "modelgate/v1/"

// ExternalID is the check run's external_id: ExternalIDPrefix and the hex
// sha256 of the canonical evidence JSON. Equal evidence gives an equal ID.
func (e Evidence) ExternalID() string {
	sum := sha256.Sum256(e.canonical())
	return ExternalIDPrefix + hex.EncodeToString(sum[:])
}

const (
	evidenceOpen  = "<!-- modelgate-evidence:v1 "
	evidenceClose = " -->"
)

// Marker is the evidence block embedded in the check run's output text.
func (e Evidence) Marker() string {
	return evidenceOpen + string(e.canonical()) + evidenceClose
}

// ErrNoEvidence is returned by ParseEvidence when the text holds no evidence
// block.
var ErrNoEvidence = errors.New("no modelgate evidence in the check run output")

// ParseEvidence reads the evidence block from a check run's output text. It
// fails on a missing block, on more than one block (the text is not
// modelgate's alone), and on JSON that is not exactly an Evidence.
func ParseEvidence(text string) (*Evidence, error) {
	i := strings.Index(text, evidenceOpen)
	if i < 0 {
		return nil, ErrNoEvidence
	}
	rest := text[i+len(evidenceOpen):]
	if strings.Contains(rest, evidenceOpen) {
		return nil, errors.New("parse evidence: more than one evidence block")
	}
	j := strings.Index(rest, evidenceClose)
	if j < 0 {
		return nil, errors.New("parse evidence: unterminated evidence block")
	}
	if err := strictjson.Check([]byte(rest[:j])); err != nil {
		return nil, fmt.Errorf("parse evidence: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(rest[:j])))
	dec.DisallowUnknownFields()
	var e Evidence
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("parse evidence: %w", err)
	}
	if dec.More() {
		return nil, errors.New("parse evidence: trailing data after the evidence JSON")
	}
	return &e, nil
}
