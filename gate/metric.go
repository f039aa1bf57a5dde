package gate

import (
	"math"
	"sort"
	"strings"

	"github.com/modelgate/modelgate/rules"
)

// Label is one key=value label of a metric instance (facet, value, group,
// label, dataset, category, feature, metric).
type Label struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Instance is one measured value: the address it answers to (canonical, as
// rules.FormatAddress writes it), the labels that tell it apart from the
// other instances of the address, the value and, when the report gives one,
// its standard deviation.
//
// A value that is not a finite number (absent, null, "NaN", "Infinity") is
// missing: Value is NaN and Note says why. A missing value never passes.
type Instance struct {
	Address string  `json:"address"`
	Labels  []Label `json:"labels,omitempty"`
	Value   float64 `json:"-"`
	// StdDev is NaN when the report gives none.
	StdDev float64 `json:"-"`
	// Source is the report name and the JSON path the value was read at,
	// e.g. `quality: binary_classification_metrics.auc.value`.
	Source string `json:"source,omitempty"`
	// Note is why the value is missing (the report's own error text when it
	// gives one).
	Note string `json:"note,omitempty"`
	// N is the number of items the value was computed over when the report
	// says (lm-evaluation-harness n-samples), 0 when unknown.
	N int `json:"n,omitempty"`
	// Direction is the metric's direction when the report says so
	// (lm-evaluation-harness higher_is_better), "" otherwise.
	Direction rules.Direction `json:"direction,omitempty"`
}

// Missing reports whether the instance has no finite value.
func (in *Instance) Missing() bool { return math.IsNaN(in.Value) || math.IsInf(in.Value, 0) }

// HasStdDev reports whether the instance carries a usable standard deviation.
func (in *Instance) HasStdDev() bool {
	return !math.IsNaN(in.StdDev) && !math.IsInf(in.StdDev, 0) && in.StdDev >= 0
}

// Label returns the value of the label key, or "".
func (in *Instance) Label(key string) string {
	for _, l := range in.Labels {
		if l.Key == key {
			return l.Value
		}
	}
	return ""
}

// LabelString renders the labels as `facet=gender value=1`.
func LabelString(ls []Label) string {
	var b strings.Builder
	for i, l := range ls {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(l.Key)
		b.WriteByte('=')
		b.WriteString(l.Value)
	}
	return b.String()
}

// Key identifies an instance within a metric set: address plus labels.
func (in *Instance) Key() string {
	if len(in.Labels) == 0 {
		return in.Address
	}
	var b strings.Builder
	b.Grow(len(in.Address) + 16*len(in.Labels))
	b.WriteString(in.Address)
	for _, l := range in.Labels {
		b.WriteByte(0)
		b.WriteString(l.Key)
		b.WriteByte('=')
		b.WriteString(l.Value)
	}
	return b.String()
}

// Metrics is the set of instances read from one package's reports, indexed
// by address. It also records which report sources were read.
type Metrics struct {
	byAddr map[string][]int
	all    []Instance
	// sources that were attached and read, by slot name (quality, bias.pre,
	// explainability, a report name...), with the error text of those that
	// failed to read.
	sources map[string]string
	// ItemCount is dataset.item_count per source slot, when a report gives it.
	ItemCount map[string]int
}

// NewMetrics returns an empty set.
func NewMetrics() *Metrics {
	return &Metrics{byAddr: map[string][]int{}, sources: map[string]string{}, ItemCount: map[string]int{}}
}

// Add appends instances. Labels are sorted by key so that keys are stable.
func (m *Metrics) Add(ins ...Instance) {
	for _, in := range ins {
		if len(in.Labels) > 1 && !sort.SliceIsSorted(in.Labels, func(i, j int) bool { return in.Labels[i].Key < in.Labels[j].Key }) {
			ls := append([]Label(nil), in.Labels...)
			sort.SliceStable(ls, func(i, j int) bool { return ls[i].Key < ls[j].Key })
			in.Labels = ls
		}
		m.byAddr[in.Address] = append(m.byAddr[in.Address], len(m.all))
		m.all = append(m.all, in)
	}
}

// Grow reserves room for n more instances.
func (m *Metrics) Grow(n int) {
	if cap(m.all)-len(m.all) < n {
		all := make([]Instance, len(m.all), len(m.all)+n)
		copy(all, m.all)
		m.all = all
	}
}

// MarkSource records that a report source was attached: err is "" when it
// was read, or the reason it could not be.
func (m *Metrics) MarkSource(slot, err string) { m.sources[slot] = err }

// Source reports whether the slot was attached, and the read error if any.
func (m *Metrics) Source(slot string) (attached bool, err string) {
	err, attached = m.sources[slot]
	return attached, err
}

// Sources lists the attached slots.
func (m *Metrics) Sources() []string {
	out := make([]string, 0, len(m.sources))
	for s := range m.sources {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Lookup returns the instances of an address, in the order they were added.
// The returned slice must not be modified.
func (m *Metrics) Lookup(addr string) []*Instance {
	idx := m.byAddr[addr]
	out := make([]*Instance, len(idx))
	for i, j := range idx {
		out[i] = &m.all[j]
	}
	return out
}

// Each calls f for each instance of addr without allocating.
func (m *Metrics) Each(addr string, f func(*Instance)) {
	for _, j := range m.byAddr[addr] {
		f(&m.all[j])
	}
}

// WithPrefix returns the addresses that start with prefix (e.g. "shap.").
func (m *Metrics) WithPrefix(prefix string) []string {
	var out []string
	for a := range m.byAddr {
		if strings.HasPrefix(a, prefix) {
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

// Len is the number of instances.
func (m *Metrics) Len() int { return len(m.all) }

// All returns every instance. The slice must not be modified.
func (m *Metrics) All() []Instance { return m.all }

// HasSource reports whether any instance was read from the slot (its
// Source starts with "<slot>:").
func (m *Metrics) HasSource(slot string) bool {
	prefix := slot + ":"
	for i := range m.all {
		if strings.HasPrefix(m.all[i].Source, prefix) {
			return true
		}
	}
	return false
}
