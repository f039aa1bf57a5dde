package gate_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/localreg"
	"github.com/modelgate/modelgate/rules"
)

// slotPackage writes a local package whose ModelMetrics carry a quality
// constraints file and data-quality statistics, as Model Monitor makes them.
func slotPackage(t *testing.T, dir string, version int, status, mae, items string) {
	t.Helper()
	p := filepath.Join(dir, "slots", strconv.Itoa(version))
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	pkg := `{"ModelPackageGroupName": "slots", "ModelPackageVersion": ` + strconv.Itoa(version) + `,
 "ModelPackageArn": "arn:aws:sagemaker:eu-west-1:111122223333:model-package/slots/` + strconv.Itoa(version) + `",
 "ModelPackageStatus": "Completed", "ModelApprovalStatus": "` + status + `", "CreationTime": 1763942400,
 "ModelMetrics": {
  "ModelQuality": {"Constraints": {"ContentType": "application/json", "S3Uri": "constraints.json"}},
  "ModelDataQuality": {"Statistics": {"ContentType": "application/json", "S3Uri": "data_statistics.json"}}}}`
	files := map[string]string{
		"package.json":         pkg,
		"constraints.json":     `{"version": 0.0, "regression_constraints": {"mae": {"threshold": ` + mae + `, "comparison_operator": "GreaterThanThreshold"}}}`,
		"data_statistics.json": `{"version": 0.0, "dataset": {"item_count": ` + items + `}, "features": []}`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(p, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Slot-named addresses parse, make the loader fetch their slot, and are
// judged on it (README: `"quality.constraints".<path>`, `data_quality.<path>`).
func TestRunSlotAddresses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	slotPackage(t, dir, 1, "Approved", "2.0", "5000")
	slotPackage(t, dir, 2, "PendingManualApproval", "3.5", "80")
	f, err := rules.Parse("modelgate.yml", []byte(`version: 1
model: {group: slots}
rules:
  - id: mae-threshold
    metric: '"quality.constraints".regression_constraints.mae.threshold'
    max: 3
  - id: enough-data
    metric: data_quality.dataset.item_count
    min: 100
  - id: threshold-steady
    metric: '"quality.constraints".regression_constraints.mae.threshold'
    direction: lower
    vs_baseline: {max_rise: 1}
`))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := localreg.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gate.Run(context.Background(), reg, f, gate.RunOptions{Read: read, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, fd := range res.Findings {
		got = append(got, fd.Rule+" "+string(fd.Verdict))
	}
	want := "mae-threshold fail|enough-data fail|threshold-steady fail"
	if strings.Join(got, "|") != want || res.Conclusion != gate.Failure {
		t.Fatalf("Run = %q %s; want %q failure (findings %+v)", got, res.Conclusion, want, res.Findings)
	}
	if fd := finding(t, res, "threshold-steady"); fd.Value != 3.5 || fd.Baseline != 2 {
		t.Errorf("threshold-steady value %v baseline %v; want 3.5 vs 2", fd.Value, fd.Baseline)
	}
	if fd := finding(t, res, "enough-data"); fd.Value != 80 || !strings.HasPrefix(fd.Source, "data_quality:") {
		t.Errorf("enough-data value %v source %q; want 80 from data_quality", fd.Value, fd.Source)
	}
	slots := map[string]bool{}
	for _, rec := range res.Reports {
		slots[rec.Package+" "+rec.Slot] = true
	}
	for _, s := range []string{"candidate quality.constraints", "candidate data_quality", "baseline quality.constraints"} {
		if !slots[s] {
			t.Errorf("reports read = %v; want %s", slots, s)
		}
	}
	if slots["baseline data_quality"] {
		t.Errorf("the baseline's data_quality was read, but no comparison needs it")
	}
}
