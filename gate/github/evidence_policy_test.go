package github

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// The resolved policy survives the check run: parsed back exactly, part
// of the external ID; evidence without one encodes as before.
func TestEvidencePolicyRoundTrip(t *testing.T) {
	t.Parallel()
	plain := gate.EvidenceOf(sampleResult(), testSHA)
	if strings.Contains(Marker(plain), "polic") {
		t.Errorf("evidence without a policy mentions one: %s", Marker(plain))
	}
	r := sampleResult()
	r.PolicySHA256 = strings.Repeat("e", 64)
	r.Policies = []rules.PolicySource{{Name: ".github/modelgate.yml", SHA256: r.RulesSHA256}, {Name: "acme/p@" + testSHA + ":risk.yml", SHA256: strings.Repeat("f", 64), Depth: 1}}
	ev := gate.EvidenceOf(r, testSHA)
	if ExternalID(ev) == ExternalID(plain) {
		t.Error("the policy does not change the external ID")
	}
	got, err := ParseEvidence(Marker(ev))
	if err != nil {
		t.Fatal(err)
	}
	if got.PolicySHA256 != ev.PolicySHA256 || !cmp.Equal(got.Policies, ev.Policies) || ExternalID(*got) != ExternalID(ev) {
		t.Errorf("parsed %s %+v; want %s %+v", got.PolicySHA256, got.Policies, ev.PolicySHA256, ev.Policies)
	}
	// An unknown field inside a policy source is refused, as everywhere.
	bad := strings.Replace(Marker(ev), `"depth":1`, `"depth":1,"x":2`, 1)
	if _, err := ParseEvidence(bad); err == nil {
		t.Error("an unknown field in a policy source was accepted")
	}
}
