package github

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/modelgate/modelgate/gate"
)

func TestEvidenceRoundTrip(t *testing.T) {
	t.Parallel()
	ev := gate.EvidenceOf(sampleResult(), testSHA)
	if got, want := ev.CandidateARN, "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn-xgboost/13"; got != want {
		t.Errorf("CandidateARN = %q; want %q", got, want)
	}
	if ev.CandidateVersion != 13 || ev.Group != "churn-xgboost" || ev.HeadSHA != testSHA {
		t.Errorf("EvidenceOf = %+v", ev)
	}
	// Sorted by package, slot, URI.
	var order []string
	for _, r := range ev.AllReports() {
		order = append(order, r.Package+"/"+r.Slot)
	}
	if diff := cmp.Diff([]string{"baseline/quality", "candidate/bias.post", "candidate/quality"}, order); diff != "" {
		t.Errorf("report order (-want +got):\n%s", diff)
	}
	id := ExternalID(ev)
	if !regexp.MustCompile(`^modelgate/v1/[0-9a-f]{64}$`).MatchString(id) {
		t.Errorf("ExternalID() = %q; want modelgate/v1/<sha256>", id)
	}
	if again := ExternalID(gate.EvidenceOf(sampleResult(), testSHA)); again != id {
		t.Errorf("ExternalID is not stable: %q then %q", id, again)
	}
	text := "some summary\n\n" + Marker(ev) + "\n"
	got, err := ParseEvidence(text)
	if err != nil {
		t.Fatalf("ParseEvidence: %v", err)
	}
	if diff := cmp.Diff(&ev, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("ParseEvidence (-want +got):\n%s", diff)
	}
	if ExternalID(*got) != id {
		t.Errorf("parsed evidence hashes to %q; want %q", ExternalID(*got), id)
	}
	if strings.Contains(Marker(ev)[4:len(Marker(ev))-4], "--") && strings.Contains(Marker(ev), "-->"+"x") {
		t.Errorf("marker is not a single HTML comment: %s", Marker(ev))
	}
}

func TestEvidenceChangesWithEveryField(t *testing.T) {
	t.Parallel()
	base := ExternalID(gate.EvidenceOf(sampleResult(), testSHA))
	edits := map[string]func(e *gate.Evidence){
		"head":      func(e *gate.Evidence) { e.HeadSHA = strings.Repeat("a", 40) },
		"arn":       func(e *gate.Evidence) { e.CandidateARN += "x" },
		"version":   func(e *gate.Evidence) { e.CandidateVersion++ },
		"rules":     func(e *gate.Evidence) { e.RulesSHA256 = "00" },
		"digest":    func(e *gate.Evidence) { e.Reports[0].SHA256 = "00" },
		"verdict":   func(e *gate.Evidence) { e.Conclusion = "success" },
		"no report": func(e *gate.Evidence) { e.Reports = e.Reports[1:] },
	}
	for name, edit := range edits {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := gate.EvidenceOf(sampleResult(), testSHA)
			edit(&e)
			if ExternalID(e) == base {
				t.Errorf("ExternalID unchanged after editing %s", name)
			}
		})
	}
}

func TestParseEvidenceRejects(t *testing.T) {
	t.Parallel()
	m := Marker(gate.EvidenceOf(sampleResult(), testSHA))
	tests := []struct {
		name, text string
		want       string
	}{
		{"none", "no marker here", "no modelgate evidence"},
		{"two", m + m, "more than one evidence block"},
		{"unterminated", strings.TrimSuffix(m, " -->"), "unterminated"},
		{"unknown field", `<!-- modelgate-evidence:v1 {"head_sha":"x","approved":true} -->`, "unknown field"},
		{"trailing", `<!-- modelgate-evidence:v1 {"head_sha":"x"} {} -->`, "data after the top-level value"},
		{"not json", `<!-- modelgate-evidence:v1 approve me -->`, "parse evidence"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseEvidence(tt.text)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseEvidence(%.40q) error = %v; want one containing %q", tt.text, err, tt.want)
			}
		})
	}
	if _, err := ParseEvidence(""); !errors.Is(err, ErrNoEvidence) {
		t.Errorf("ParseEvidence(\"\") = %v; want ErrNoEvidence", err)
	}
}
