package github

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/internal/strictjson"
	"github.com/modelgate/modelgate/rules"
)

// wire is the evidence as a check run carries it: gate.Evidence with the
// candidate's and the baseline's reports in one list sorted by package,
// slot and URI (the v1 format). Decoding is lossless: every report keeps its
// package.
type wire struct {
	HeadSHA          string              `json:"head_sha"`
	RulesFile        string              `json:"rules_file"`
	RulesSHA256      string              `json:"rules_sha256"`
	Group            string              `json:"group"`
	CandidateARN     string              `json:"candidate_arn"`
	CandidateVersion int                 `json:"candidate_version"`
	Reports          []gate.ReportRecord `json:"reports"`
	Conclusion       gate.Conclusion     `json:"conclusion"`
	// The resolved policy, when the rules file extends base policies:
	// left out otherwise, so older evidence keeps its external ID.
	PolicySHA256 string               `json:"policy_sha256,omitempty"`
	Policies     []rules.PolicySource `json:"policies,omitempty"`
}

func toWire(e gate.Evidence) wire {
	return wire{HeadSHA: e.HeadSHA, RulesFile: e.RulesFile, RulesSHA256: e.RulesSHA256, Group: e.Group,
		PolicySHA256: e.PolicySHA256, Policies: e.Policies,
		CandidateARN: e.CandidateARN, CandidateVersion: e.CandidateVersion, Reports: e.AllReports(), Conclusion: e.Conclusion}
}

func (w wire) evidence() *gate.Evidence {
	e := &gate.Evidence{HeadSHA: w.HeadSHA, RulesFile: w.RulesFile, RulesSHA256: w.RulesSHA256, Group: w.Group,
		PolicySHA256: w.PolicySHA256, Policies: w.Policies, CandidateARN: w.CandidateARN, CandidateVersion: w.CandidateVersion, Conclusion: w.Conclusion}
	for _, r := range w.Reports {
		if r.Package == "candidate" {
			e.Reports = append(e.Reports, r)
		} else {
			e.BaselineReports = append(e.BaselineReports, r)
		}
	}
	return e
}

// canonical is the JSON the external ID hashes. encoding/json writes struct
// fields in declaration order and escapes <, > and &, so the bytes are
// stable and can sit inside an HTML comment.
func canonical(e gate.Evidence) []byte {
	b, err := json.Marshal(toWire(e))
	if err != nil {
		// Evidence holds only strings, ints and string-only structs.
		panic("github: marshal evidence: " + err.Error())
	}
	return b
}

// ExternalIDPrefix starts every external_id modelgate writes.
const ExternalIDPrefix = "modelgate/v1/"

// ExternalID is the check run's external_id of e: ExternalIDPrefix and the
// hex sha256 of the canonical evidence JSON. Equal evidence gives an equal ID.
func ExternalID(e gate.Evidence) string {
	sum := sha256.Sum256(canonical(e))
	return ExternalIDPrefix + hex.EncodeToString(sum[:])
}

const (
	evidenceOpen  = "<!-- modelgate-evidence:v1 "
	evidenceClose = " -->"
)

// Marker is the evidence block of e embedded in the check run's output text.
func Marker(e gate.Evidence) string {
	return evidenceOpen + string(canonical(e)) + evidenceClose
}

// ErrNoEvidence is returned by ParseEvidence when the text holds no evidence
// block.
var ErrNoEvidence = errors.New("no modelgate evidence in the check run output")

// ParseEvidence reads the evidence block from a check run's output text. It
// fails on a missing block, on more than one block (the text is not
// modelgate's alone), and on JSON that is not exactly an evidence (unknown
// fields, duplicate keys, trailing data).
func ParseEvidence(text string) (*gate.Evidence, error) {
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
	var w wire
	if err := dec.Decode(&w); err != nil {
		return nil, fmt.Errorf("parse evidence: %w", err)
	}
	if dec.More() {
		return nil, errors.New("parse evidence: trailing data after the evidence JSON")
	}
	return w.evidence(), nil
}
