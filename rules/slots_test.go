package rules_test

import (
	"fmt"
	"testing"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// TestRequireKnowsEverySlot checks that the copy of gate's slot list that
// `require` accepts (rules cannot import gate) names every slot.
func TestRequireKnowsEverySlot(t *testing.T) {
	t.Parallel()
	slots := []string{
		gate.SlotQuality, gate.SlotQualityConstraints, gate.SlotDataQuality, gate.SlotDataQualityConstraints,
		gate.SlotBias, gate.SlotBiasPre, gate.SlotBiasPost, gate.SlotExplainability,
		gate.SlotDriftBiasPre, gate.SlotDriftBiasPost, gate.SlotDriftExplain, gate.SlotDriftQuality,
		gate.SlotDriftQualityConstr, gate.SlotDriftDataQuality, gate.SlotDriftDataConstr,
	}
	for _, s := range slots {
		src := fmt.Sprintf("version: 1\nmodel: {group: g}\nrules:\n  - {id: r, require: [%q]}\n", s)
		f, err := rules.Parse("m.yml", []byte(src))
		if err != nil {
			t.Errorf("require: [%s]: %v", s, err)
			continue
		}
		if got := f.Rules[0].Require; len(got) != 1 || got[0] != s {
			t.Errorf("require: [%s] parsed as %q", s, got)
		}
	}
}
