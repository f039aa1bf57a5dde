package gate

import (
	"testing"

	"github.com/modelgate/modelgate/rules"
)

// Names at the edges of the quality name rules: an XGBoost-style name
// with an empty data set prefix, and F-beta scores with the digit 9
// (README: modelgate knows which way the common metrics point).
func TestSemanticsNameEdges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr string
		dir  rules.Direction
	}{
		{`quality.":auc"`, rules.HigherIsBetter},
		{`quality."validation:logloss"`, rules.LowerIsBetter},
		{"quality.f9", rules.HigherIsBetter},
		{"quality.f0_9", rules.HigherIsBetter},
	}
	for _, tc := range tests {
		a, err := rules.ParseAddress(tc.addr)
		if err != nil {
			t.Fatalf("ParseAddress(%s): %v", tc.addr, err)
		}
		if s := SemanticsOf(a); !s.Known || s.Direction != tc.dir {
			t.Errorf("SemanticsOf(%s) = known %v, %s; want known, %s", tc.addr, s.Known, s.Direction, tc.dir)
		}
	}
	for _, unknownName := range []string{"quality.f", "quality.fx", "quality.f9x", "quality.f:"} {
		a, err := rules.ParseAddress(unknownName)
		if err != nil {
			continue // not an address at all
		}
		if s := SemanticsOf(a); s.Known {
			t.Errorf("SemanticsOf(%s) is known (%s); want unknown", unknownName, s.Name)
		}
	}
}
