package mlflow_test

import (
	"context"
	"encoding/json"
	"math"
	"testing"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/gatetest"
	"github.com/modelgate/modelgate/gate/report"
)

// Whatever a run's metrics are called and hold, the metrics document is
// valid JSON, the same metrics give the same bytes, and the reader reads it
// or refuses it with an error: never a panic, never a value that was not
// logged.
func FuzzMetricsDocument(f *testing.F) {
	f.Add("auc", 0.9, "f1", 0.5)
	f.Add("a\n::error::x", math.NaN(), "b\"}", math.Inf(1))
	f.Add("", 1.0, "x", math.Copysign(0, -1))
	f.Add("mlflow_metrics", 1e308, "version", 5e-324)
	f.Fuzz(func(t *testing.T, k1 string, v1 float64, k2 string, v2 float64) {
		fake := gatetest.NewMLflow(t)
		fake.AddRun(gatetest.MLflowRun{ID: "r", Metrics: []gatetest.MLflowMetric{{Key: k1, Value: v1}, {Key: k2, Value: v2}}})
		fake.AddVersion(gatetest.MLflowVersion{Name: "m", RunID: "r"})
		c := client(t, fake)
		ctx := context.Background()
		p, err := c.Resolve(ctx, "m", mustSel("1"))
		if err != nil {
			t.Fatal(err)
		}
		src, ok := p.Source(gate.SlotQuality)
		if !ok {
			t.Fatalf("no quality source: %v", p.Sources)
		}
		a, errA := c.Fetch(ctx, p, src)
		b, errB := c.Fetch(ctx, p, src)
		if (errA == nil) != (errB == nil) || string(a) != string(b) {
			t.Fatalf("two reads differ: %q %v / %q %v", a, errA, b, errB)
		}
		if errA != nil {
			if !errorsIsContent(errA) {
				t.Fatalf("a metrics problem that is not a content error: %v", errA)
			}
			return
		}
		if !json.Valid(a) {
			t.Fatalf("not JSON: %q", a)
		}
		parsed, err := report.Read(src, a)
		if err != nil {
			return
		}
		for _, in := range parsed.Instances {
			if !math.IsNaN(in.Value) && in.Value != v1 && in.Value != v2 {
				t.Fatalf("instance %s = %v, logged %v and %v", in.Address, in.Value, v1, v2)
			}
		}
	})
}

func errorsIsContent(err error) bool { return gate.IsContentError(err) }
