package render

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"math"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/internal/version"
	"github.com/modelgate/modelgate/rules"
)

// SARIFSchemaURI is the published SARIF 2.1.0 schema the output names.
const SARIFSchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool        `json:"tool"`
	Invocations []sarifInvoke    `json:"invocations"`
	Artifacts   []sarifArtifact  `json:"artifacts,omitempty"`
	Results     []sarifResult    `json:"results"`
	Properties  map[string]any   `json:"properties,omitempty"`
	Automation  *sarifAutomation `json:"automationDetails,omitempty"`
}

type sarifAutomation struct {
	ID string `json:"id"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID               string          `json:"id"`
	ShortDescription sarifText       `json:"shortDescription"`
	DefaultConfig    sarifRuleConfig `json:"defaultConfiguration"`
	Properties       map[string]any  `json:"properties,omitempty"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifInvoke struct {
	ExecutionSuccessful bool `json:"executionSuccessful"`
}

type sarifArtifact struct {
	Location sarifArtifactLocation `json:"location"`
}

type sarifArtifactLocation struct {
	URI string `json:"uri"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Kind                string            `json:"kind"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any    `json:"properties"`
}

type sarifLocation struct {
	Physical sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	Artifact sarifArtifactLocation `json:"artifactLocation"`
	Region   sarifRegion           `json:"region"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

// SARIF writes r as a SARIF 2.1.0 log for code scanning
// (github/codeql-action/upload-sarif) and other SARIF consumers. Every
// finding that did not pass is a result located on its rule's line in the
// rules file, rulesPath (relative to the repository root, as code scanning
// wants it): blocking findings are errors, other findings that need
// attention are warnings, waived and skipped ones notes. Passing findings
// are counted in the run's properties, not listed: code scanning shows every
// result as an alert.
func SARIF(w io.Writer, r *gate.Result, rulesPath string) error {
	uri := sarifURI(rulesPath)
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           "modelgate",
			Version:        version.Get().Version,
			InformationURI: "https://github.com/modelgate/modelgate",
			Rules:          []sarifRule{},
		}},
		// The gate ran to a conclusion; a run that could not evaluate
		// never gets here (no Result).
		Invocations: []sarifInvoke{{ExecutionSuccessful: true}},
		Results:     []sarifResult{},
		Properties: map[string]any{
			"conclusion":   string(r.Conclusion),
			"title":        r.Title(),
			"rules_sha256": r.RulesSHA256,
			"counts":       r.Counts,
		},
	}
	if uri != "" {
		run.Artifacts = []sarifArtifact{{Location: sarifArtifactLocation{URI: uri}}}
	}
	if r.Group != "" {
		// One category per model group, so that uploads for different
		// models do not close each other's alerts.
		run.Automation = &sarifAutomation{ID: "modelgate/" + r.Group + "/"}
	}
	if r.Candidate != nil {
		run.Properties["candidate"] = map[string]any{"arn": r.Candidate.ARN, "version": r.Candidate.Version}
	}

	index := map[string]int{}
	for _, f := range r.Findings {
		i, ok := index[f.Rule]
		if !ok {
			i = len(run.Tool.Driver.Rules)
			index[f.Rule] = i
			desc := f.Threshold
			if f.Metric != "" {
				desc = strings.TrimSpace(f.Metric + " " + f.Threshold)
			}
			if desc == "" {
				desc = f.Rule
			}
			level := "error"
			if f.Severity == rules.SeverityWarning {
				level = "warning"
			}
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
				ID:               f.Rule,
				ShortDescription: sarifText{Text: desc},
				DefaultConfig:    sarifRuleConfig{Level: level},
			})
		}
		if f.Verdict == gate.Pass {
			continue
		}
		line, col := f.RulePos.Line, f.RulePos.Col
		if line < 1 {
			line, col = 1, 0 // a finding with no rule position (the rules-change guard) sits on the file
		}
		if col < 0 {
			col = 0
		}
		res := sarifResult{
			RuleID:    f.Rule,
			RuleIndex: i,
			Kind:      "fail",
			Level:     sarifLevel(f),
			Message:   sarifText{Text: sarifMessage(f)},
			Locations: []sarifLocation{{Physical: sarifPhysical{
				Artifact: sarifArtifactLocation{URI: uri},
				Region:   sarifRegion{StartLine: line, StartColumn: col},
			}}},
			PartialFingerprints: map[string]string{"modelgateFinding/v1": sarifFingerprint(r.Group, f)},
			Properties:          sarifProps(f),
		}
		if uri == "" {
			res.Locations = []sarifLocation{}
		}
		run.Results = append(run.Results, res)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: SARIFSchemaURI, Version: "2.1.0", Runs: []sarifRun{run}})
}

// sarifURI is rulesPath as a relative URI reference with forward slashes.
func sarifURI(rulesPath string) string {
	if rulesPath == "" {
		return ""
	}
	p := filepath.ToSlash(filepath.Clean(rulesPath))
	p = strings.TrimPrefix(p, "./")
	return (&url.URL{Path: p}).EscapedPath()
}

func sarifLevel(f gate.Finding) string {
	switch {
	case f.Blocking:
		return "error"
	case f.Verdict == gate.Waived || f.Verdict == gate.Skipped:
		return "note"
	default:
		return "warning"
	}
}

// sarifMessage is one line: the rule, the metric instance, the verdict and
// the reason. Consumers render it as plain text.
func sarifMessage(f gate.Finding) string {
	var b strings.Builder
	b.WriteString(f.Rule)
	if f.Metric != "" {
		b.WriteString(" " + f.Metric)
	}
	if ls := gate.LabelString(f.Labels); ls != "" {
		b.WriteString(" [" + ls + "]")
	}
	b.WriteString(": " + strings.ToUpper(string(f.Verdict)))
	if f.Blocking {
		b.WriteString(" (blocking)")
	}
	if f.Reason != "" {
		b.WriteString(" - " + f.Reason)
	}
	if f.Threshold != "" {
		b.WriteString(" (threshold " + f.Threshold)
		if v := sarifFloat(f.Value); v != "" {
			b.WriteString(", value " + v)
		}
		b.WriteString(")")
	}
	return sarifOneLine(b.String())
}

// sarifOneLine replaces line breaks and other control characters with spaces.
func sarifOneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
}

func sarifFloat(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func sarifProps(f gate.Finding) map[string]any {
	p := map[string]any{
		"verdict":  string(f.Verdict),
		"blocking": f.Blocking,
		"severity": string(f.Severity),
	}
	if f.Metric != "" {
		p["metric"] = f.Metric
	}
	if len(f.Labels) > 0 {
		p["labels"] = f.Labels
	}
	if f.Threshold != "" {
		p["threshold"] = f.Threshold
	}
	for k, v := range map[string]float64{"value": f.Value, "baseline": f.Baseline, "delta": f.Delta} {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			p[k] = v
		}
	}
	if f.Source != "" {
		p["source"] = f.Source
	}
	return p
}

// fingerprint identifies a finding across runs: the group, the rule and the
// metric instance (not the value, which changes between candidates).
func sarifFingerprint(group string, f gate.Finding) string {
	h := sha256.New()
	for _, s := range []string{group, f.Rule, f.Metric, gate.LabelString(f.Labels)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}
