package endpoint

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDescribeFile: no configuration file, however hostile, panics the
// reader or the checks; every one either is refused with ErrInput or is
// judged.
func FuzzDescribeFile(f *testing.F) {
	for _, name := range []string{"cfn-template.yml", "create-endpoint-config.json", "create-endpoint-config.yml", "two-configs.yml", "alias.yml"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("Resources: {C: {Type: AWS::SageMaker::EndpointConfig, Properties: !If [X, !Sub '${A}', !GetAtt]}}\nConditions: {X: !Condition X}"))
	f.Add([]byte(`{"ProductionVariants": [{"ModelName": {"Ref": "AWS::NoValue"}}]}`))
	rf := rulesWith(f, allRules...)
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := File{Path: "c.yml"}.describe(data)
		if err != nil {
			if !errors.Is(err, ErrInput) {
				t.Errorf("error %v does not wrap ErrInput", err)
			}
			return
		}
		s := Evaluate(rf, d, testPackages, fixedNow)
		if len(s.Findings) < len(allRules) {
			t.Errorf("%d findings for %d rules", len(s.Findings), len(allRules))
		}
	})
}
