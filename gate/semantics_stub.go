package gate

import (
	"math"

	"github.com/modelgate/modelgate/rules"
)

// TEMPORARY: replaced by gate/semantics.go from the report branch.

type Semantics struct {
	Known     bool
	Direction rules.Direction
	Ideal     float64
	HasIdeal  bool
	Lo, Hi    float64
	Name      string
}

func SemanticsOf(a rules.Address) Semantics {
	s := Semantics{Direction: rules.HigherIsBetter, Lo: math.Inf(-1), Hi: math.Inf(1)}
	if len(a.Parts) >= 3 && a.Parts[0] == "bias" {
		s.Known, s.Direction, s.HasIdeal = true, rules.TowardIdeal, true
		if a.Parts[2] == "DI" {
			s.Ideal = 1
		}
	}
	if len(a.Parts) == 2 && a.Parts[0] == "quality" {
		switch a.Parts[1] {
		case "mae", "mse", "rmse", "false_positive_rate", "false_negative_rate":
			s.Known, s.Direction = true, rules.LowerIsBetter
		default:
			s.Known = true
		}
	}
	if len(a.Parts) == 3 && a.Parts[0] == "llm" && a.Parts[2] == "toxicity" {
		s.Known, s.Direction = true, rules.LowerIsBetter
	}
	return s
}
