package gate

import (
	"fmt"
	"math"
	"reflect"
	"testing"
)

// TestMetricsStoreEveryInstanceField fills every field of Instance with a
// value of its type and checks that Metrics gives it back: Metrics stores
// instances in a compact form, so a field added to Instance without being
// stored would be dropped silently; this test fails instead.
func TestMetricsStoreEveryInstanceField(t *testing.T) {
	var in Instance
	v := reflect.ValueOf(&in).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString("x-" + v.Type().Field(i).Name)
		case reflect.Float64:
			f.SetFloat(float64(i) + 0.25)
		case reflect.Int:
			f.SetInt(int64(i) + 7)
		case reflect.Slice:
			if f.Type() != reflect.TypeOf([]Label(nil)) {
				t.Fatalf("Instance.%s: a field of type %s; store it in Metrics (metric.go rec) and extend this test", v.Type().Field(i).Name, f.Type())
			}
			f.Set(reflect.ValueOf([]Label{{"a", "1"}, {"b", "2"}}))
		default:
			t.Fatalf("Instance.%s: a field of kind %s; store it in Metrics (metric.go rec) and extend this test", v.Type().Field(i).Name, f.Kind())
		}
	}
	m := NewMetrics()
	m.Add(in)
	if got := m.All(); len(got) != 1 || !reflect.DeepEqual(got[0], in) {
		t.Fatalf("All() = %#v; want %#v", got, in)
	}
	if got := m.Lookup(in.Address); len(got) != 1 || !reflect.DeepEqual(*got[0], in) {
		t.Fatalf("Lookup = %#v; want %#v", got, in)
	}
}

// TestMetricsRoundTrip adds instances with every shape a reader makes
// (nil and empty labels, unsorted labels, equal label sets, the same
// source twice, a note, NaN with payload, -0) and checks that All, Lookup
// and Each give them back as added, in order, with labels sorted.
func TestMetricsRoundTrip(t *testing.T) {
	nan := math.Float64frombits(0x7ff8000000000123)
	ins := []Instance{
		{Address: "quality.auc", Value: 0.9, StdDev: math.NaN(), Source: "quality: auc"},
		{Address: "bias.post.DPPL", Labels: []Label{{"value", "1"}, {"facet", "sex"}}, Value: -0.1, StdDev: 0.01, Source: "bias: x"},
		{Address: "bias.post.DPPL", Labels: []Label{{"facet", "sex"}, {"value", "1"}}, Value: math.Copysign(0, -1), StdDev: 0, Source: "bias: x"},
		{Address: "bias.post.DPPL", Labels: []Label{}, Value: nan, StdDev: math.Inf(1), Note: "no value"},
		{Address: "quality.auc", Labels: []Label{{"label", "a"}}, Value: 1, StdDev: 2, Source: "q2", Note: "q2"},
	}
	want := make([]Instance, len(ins))
	copy(want, ins)
	want[1].Labels = []Label{{"facet", "sex"}, {"value", "1"}}
	m := NewMetrics()
	m.Add(ins[:2]...)
	m.Add(ins[2:]...)
	same := func(a, b Instance) bool {
		return a.Address == b.Address && reflect.DeepEqual(a.Labels, b.Labels) && (a.Labels == nil) == (b.Labels == nil) &&
			math.Float64bits(a.Value) == math.Float64bits(b.Value) && math.Float64bits(a.StdDev) == math.Float64bits(b.StdDev) &&
			a.Source == b.Source && a.Note == b.Note
	}
	all := m.All()
	if len(all) != len(want) || m.Len() != len(want) {
		t.Fatalf("%d instances; want %d", len(all), len(want))
	}
	for i := range want {
		if !same(all[i], want[i]) {
			t.Errorf("All()[%d] = %#v; want %#v", i, all[i], want[i])
		}
	}
	var got []Instance
	m.Each("bias.post.DPPL", func(in *Instance) { got = append(got, *in) })
	for i, w := range []Instance{want[1], want[2], want[3]} {
		if i >= len(got) || !same(got[i], w) {
			t.Fatalf("Each: %#v; want %#v", got, want[1:4])
		}
	}
	lk := m.Lookup("quality.auc")
	if len(lk) != 2 || !same(*lk[0], want[0]) || !same(*lk[1], want[4]) {
		t.Fatalf("Lookup(quality.auc) = %v", lk)
	}
	if !m.HasSource("bias") || !m.HasSource("quality") || m.HasSource("no") || m.HasSource("q2") {
		t.Fatal("HasSource: wrong answer")
	}
	if got := m.WithPrefix("bias."); !reflect.DeepEqual(got, []string{"bias.post.DPPL"}) {
		t.Fatalf("WithPrefix = %v", got)
	}
}

// TestLabelIndexEmptyMatchesNil: a baseline instance with empty (non-nil)
// labels pairs with a candidate instance without labels, as it did before
// label sets were interned.
func TestLabelIndexEmptyMatchesNil(t *testing.T) {
	base := NewMetrics()
	base.Add(Instance{Address: "quality.auc", Labels: []Label{}, Value: 0.5})
	cand := NewMetrics()
	cand.Add(Instance{Address: "quality.auc", Value: 0.7})
	li := new(labelIndex).build(base, "quality.auc")
	j, ok, amb := li.find(cand.setHash[cand.recs[0].labels], nil)
	if !ok || amb || base.recs[j].value != 0.5 {
		t.Fatalf("find = %d %v %v", j, ok, amb)
	}
}

// TestLabelIndexRebuiltForAnotherAddress: the evaluator rebuilds one index
// for each rule in the same maps; nothing of the address before stays
// (a stale entry would pair a candidate instance with another metric's
// baseline value), and two records of one label set still chain.
func TestLabelIndexRebuiltForAnotherAddress(t *testing.T) {
	f := []Label{{Key: "facet", Value: "f"}}
	g := []Label{{Key: "facet", Value: "g"}}
	base := NewMetrics()
	base.Add(Instance{Address: "bias.post.DI", Labels: f, Value: 0.9},
		Instance{Address: "bias.post.DI", Labels: f, Value: 0.8},
		Instance{Address: "bias.post.CI", Labels: g, Value: 0.1})
	hf, hg := hashLabels(f), hashLabels(g)
	var li labelIndex
	if _, ok, amb := li.build(base, "bias.post.DI").find(hf, f); !ok || !amb {
		t.Fatalf("DI, facet f: found %v, ambiguous %v; want the two records, different values", ok, amb)
	}
	if _, ok, _ := li.find(hg, g); ok {
		t.Fatal("DI, facet g: found; DI has no facet g")
	}
	li.build(base, "bias.post.CI")
	if _, ok, _ := li.find(hf, f); ok {
		t.Fatal("CI, facet f: found after the rebuild; the DI records stayed in the index")
	}
	if j, ok, amb := li.find(hg, g); !ok || amb || base.recs[j].value != 0.1 {
		t.Fatalf("CI, facet g: %d %v %v; want the 0.1 record", j, ok, amb)
	}
}

func TestPct0IsFmt(t *testing.T) {
	for _, c := range []float64{0.5, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999, 0.9999, 0.99999999, 0.125, 0.8765} {
		if got, want := pct0(c), fmt.Sprintf("%.0f%%", c*100); got != want {
			t.Errorf("pct0(%v) = %q; want %q", c, got, want)
		}
	}
}

// TestEachInstancesMayBeKept: the instances Each gives are distinct copies,
// so a caller that keeps the pointers sees every instance, not the last.
func TestEachInstancesMayBeKept(t *testing.T) {
	m := NewMetrics()
	m.Add(Instance{Address: "quality.auc", Value: 1}, Instance{Address: "quality.auc", Value: 2})
	var kept []*Instance
	m.Each("quality.auc", func(in *Instance) { kept = append(kept, in) })
	if len(kept) != 2 || kept[0].Value != 1 || kept[1].Value != 2 {
		t.Fatalf("kept %v", kept)
	}
}
