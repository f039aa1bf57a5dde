package rules

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLint(t *testing.T) {
	t.Parallel()
	src := []byte(`version: 1
model: {group: churn}
rules:
  - id: old
    require: [quality]
    waiver: {reason: r, owner: o, expires: 2025-01-31}
  - id: today
    require: [bias]
    waiver: {reason: r, owner: o, expires: "2025-03-01"}
  - id: none
    require: [explainability]
`)
	f, err := Parse("m.yml", src)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		now  time.Time
		want Diagnostics
	}{
		{"before both", time.Date(2025, 1, 31, 23, 59, 0, 0, time.UTC), nil},
		{"first expired", time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), Diagnostics{
			{File: "m.yml", Pos: Pos{6, 44}, Message: "waiver of rule `old` expired on 2025-01-31", Kind: KindWaiver},
		}},
		{"last day holds", time.Date(2025, 3, 1, 23, 0, 0, 0, time.UTC), Diagnostics{
			{File: "m.yml", Pos: Pos{6, 44}, Message: "waiver of rule `old` expired on 2025-01-31", Kind: KindWaiver},
		}},
		{"both expired", time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC), Diagnostics{
			{File: "m.yml", Pos: Pos{6, 44}, Message: "waiver of rule `old` expired on 2025-01-31", Kind: KindWaiver},
			{File: "m.yml", Pos: Pos{9, 44}, Message: "waiver of rule `today` expired on 2025-03-01", Kind: KindWaiver},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Lint(f, tt.now)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Lint(%v) mismatch (-want +got):\n%s", tt.now, diff)
			}
		})
	}
	if got := Lint(f, time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC)).Error(); got != "m.yml:6:44: waiver of rule `old` expired on 2025-01-31 [waiver]\nm.yml:9:44: waiver of rule `today` expired on 2025-03-01 [waiver]" {
		t.Errorf("Lint().Error() = %q", got)
	}
}
