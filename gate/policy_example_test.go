package gate_test

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// memRepo is a repository in memory.
type memRepo map[string]string

func (m memRepo) ReadFile(_ context.Context, path string) ([]byte, error) {
	s, ok := m[path]
	if !ok {
		return nil, fs.ErrNotExist
	}
	return []byte(s), nil
}

// A model's rules file extends the risk office's base policy: it may
// tighten an inherited rule, and move an overridable threshold within its
// bounds, but a loosening is a rules-file error at the child's line.
func ExampleResolvePolicy() {
	repo := memRepo{"policies/risk.yml": `version: 1
policy: {name: risk, waiver_owners: ["@ml-risk"]}
rules:
  - id: auc-floor
    metric: quality.auc
    min: 0.85
    overridable: {min: [0.80, 0.90]}
  - id: latency
    metric: quality.latency_ms
    max: 200
`}
	for _, child := range []string{
		"latency\n    metric: quality.latency_ms\n    max: 150", // tighter
		"auc-floor\n    metric: quality.auc\n    min: 0.75",     // outside the bounds
	} {
		f, err := rules.Parse("modelgate.yml", []byte(`version: 1
model: {group: churn}
extends: {path: policies/risk.yml}
rules:
  - id: `+child+`
`))
		if err != nil {
			fmt.Println(err)
			continue
		}
		rf, err := gate.ResolvePolicy(context.Background(), f, gate.PolicyFetchers{Repo: repo})
		if err != nil {
			fmt.Println(err)
			continue
		}
		for _, r := range rf.Rules {
			fmt.Printf("%s at %s\n", r.ID, r.Pos)
		}
		for _, s := range rf.Resolution.Sources {
			fmt.Printf("source %d %s\n", s.Depth, s.Name)
		}
	}
	// Output:
	// auc-floor at 3:10
	// latency at 5:5
	// source 0 modelgate.yml
	// source 1 policies/risk.yml
	// modelgate.yml:7:10: rule `auc-floor` loosens the rule it inherits from policies/risk.yml: min lowered: 0.85 -> 0.75; a rules file may only tighten an inherited rule (the base lets `min` move within [0.8, 0.9] only) [extends]
}
