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
//
// Instances are stored compactly (32 bytes each, instead of an Instance and
// its label slice): addresses and label sets are interned, and Source and
// Note are kept aside when not empty. A report of a million instances over
// a few thousand label sets then costs tens of megabytes, not hundreds.
// Each, Lookup and All give Instance values back exactly as they were added
// (only equal label sets share their backing array).
type Metrics struct {
	byAddr map[string]int32 // address -> address id
	addrs  []string         // address id -> address
	idx    [][]int32        // address id -> record indexes, in order added
	recs   []rec
	// strs holds the non-empty Source and Note strings (0 is "").
	strs []string
	// sets are the interned label sets (0 is nil), setHash their hashes
	// (hashLabels), and setNext chains sets whose hashes collide in
	// setByHash.
	sets      [][]Label
	setHash   []uint64
	setNext   []int32
	setByHash map[uint64]int32
	// sources that were attached and read, by slot name (quality, bias.pre,
	// explainability, a report name...), with the error text of those that
	// failed to read.
	sources map[string]string
	// ItemCount is dataset.item_count per source slot, when a report gives it.
	ItemCount map[string]int
	// extra holds the rare fields (a sample count, a direction the report
	// gives: LLM evaluation results) of the records that have them, so that
	// the common record stays 32 bytes.
	extra map[int32]recExtra
}

// recExtra is the rarely set part of a stored instance.
type recExtra struct {
	n   int
	dir rules.Direction
}

// rec is one stored instance.
type rec struct {
	value, stdDev              float64
	addr, labels, source, note int32
}

// NewMetrics returns an empty set.
func NewMetrics() *Metrics {
	return &Metrics{byAddr: map[string]int32{}, sources: map[string]string{}, ItemCount: map[string]int{},
		strs: []string{""}, sets: [][]Label{nil}, setHash: []uint64{hashLabels(nil)}, setNext: []int32{0},
		setByHash: map[uint64]int32{}}
}

// Add appends instances. Labels are sorted by key so that keys are stable.
func (m *Metrics) Add(ins ...Instance) {
	for i := range ins {
		in := &ins[i]
		ls := in.Labels
		if len(ls) > 1 && !sort.SliceIsSorted(ls, func(i, j int) bool { return ls[i].Key < ls[j].Key }) {
			ls = append([]Label(nil), ls...)
			sort.SliceStable(ls, func(i, j int) bool { return ls[i].Key < ls[j].Key })
		}
		a, ok := m.byAddr[in.Address]
		if !ok {
			a = int32(len(m.addrs))
			m.byAddr[in.Address] = a
			m.addrs = append(m.addrs, in.Address)
			m.idx = append(m.idx, nil)
		}
		if in.N != 0 || in.Direction != "" {
			if m.extra == nil {
				m.extra = map[int32]recExtra{}
			}
			m.extra[int32(len(m.recs))] = recExtra{n: in.N, dir: in.Direction}
		}
		m.idx[a] = append(m.idx[a], int32(len(m.recs)))
		m.recs = append(m.recs, rec{value: in.Value, stdDev: in.StdDev, addr: a,
			labels: m.internSet(ls), source: m.str(in.Source), note: m.str(in.Note)})
	}
}

// internSet returns the id of the label set ls, adding it when new.
func (m *Metrics) internSet(ls []Label) int32 {
	if ls == nil {
		return 0
	}
	h := hashLabels(ls)
	first, ok := m.setByHash[h]
	if ok {
		for id := first; id != 0; id = m.setNext[id] {
			if m.setHash[id] == h && sameLabels(m.sets[id], ls) {
				return id
			}
		}
	}
	id := int32(len(m.sets))
	m.sets = append(m.sets, ls)
	m.setHash = append(m.setHash, h)
	m.setNext = append(m.setNext, first) // 0 ends the chain
	m.setByHash[h] = id
	return id
}

// str keeps a non-empty string aside (once, when the previous one is the
// same) and returns its index.
func (m *Metrics) str(s string) int32 {
	if s == "" {
		return 0
	}
	if last := len(m.strs) - 1; last > 0 && m.strs[last] == s {
		return int32(last)
	}
	m.strs = append(m.strs, s)
	return int32(len(m.strs) - 1)
}

// inst materializes record j into in.
func (m *Metrics) inst(j int32, in *Instance) {
	r := &m.recs[j]
	*in = Instance{Address: m.addrs[r.addr], Labels: m.sets[r.labels], Value: r.value, StdDev: r.stdDev,
		Source: m.strs[r.source], Note: m.strs[r.note]}
	if len(m.extra) > 0 {
		if x, ok := m.extra[j]; ok {
			in.N, in.Direction = x.n, x.dir
		}
	}
}

// addrIdx is the record indexes of an address, in the order added.
func (m *Metrics) addrIdx(addr string) []int32 {
	a, ok := m.byAddr[addr]
	if !ok {
		return nil
	}
	return m.idx[a]
}

// Grow reserves room for n more instances.
func (m *Metrics) Grow(n int) {
	if cap(m.recs)-len(m.recs) < n {
		recs := make([]rec, len(m.recs), len(m.recs)+n)
		copy(recs, m.recs)
		m.recs = recs
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
// The instances are copies: modifying them does not change m, but their
// label slices must not be modified.
func (m *Metrics) Lookup(addr string) []*Instance {
	idx := m.addrIdx(addr)
	ins := make([]Instance, len(idx))
	out := make([]*Instance, len(idx))
	for i, j := range idx {
		m.inst(j, &ins[i])
		out[i] = &ins[i]
	}
	return out
}

// Each calls f for each instance of addr, in the order they were added.
// Each instance is a copy that f may keep; its label slice must not be
// modified. (Evaluate's loop over a million instances reads the records
// directly, without a copy per instance.)
func (m *Metrics) Each(addr string, f func(*Instance)) {
	for _, j := range m.addrIdx(addr) {
		in := new(Instance)
		m.inst(j, in)
		f(in)
	}
}

// WithPrefix returns the addresses that start with prefix (e.g. "shap.").
func (m *Metrics) WithPrefix(prefix string) []string {
	var out []string
	for _, a := range m.addrs {
		if strings.HasPrefix(a, prefix) {
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

// Len is the number of instances.
func (m *Metrics) Len() int { return len(m.recs) }

// All returns a copy of every instance, in the order they were added. Their
// label slices must not be modified.
func (m *Metrics) All() []Instance {
	out := make([]Instance, len(m.recs))
	for j := range m.recs {
		m.inst(int32(j), &out[j])
	}
	return out
}

// HasSource reports whether any instance was read from the slot (its
// Source starts with "<slot>:").
func (m *Metrics) HasSource(slot string) bool {
	prefix := slot + ":"
	for j := range m.recs {
		if strings.HasPrefix(m.strs[m.recs[j].source], prefix) {
			return true
		}
	}
	return false
}
