package report

import (
	"math"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// quality reads a model-quality statistics file (Model Monitor
// statistics.json, a pipelines evaluation.json or a user file) into
// quality.<metric> instances and returns dataset.item_count.
//
// Every top-level *_metrics object is a section; in a section, an entry
// {"value": v, "standard_deviation": s} or a bare scalar is a metric, and
// anything else (confusion_matrix, curves, per-class maps) is skipped. A file
// with no section is read flat: its top-level scalars and {value} objects
// are the metrics.
func (r *reader) quality(doc *node) error {
	top := root()
	sections := qualitySections(doc)
	if len(sections) == 0 {
		r.qualitySection(doc, top, false)
	}
	for _, i := range sections {
		r.qualitySection(doc.vals[i], top.key(doc.keys[i]), true)
	}
	return nil
}

func (r *reader) qualitySection(sec *node, p *jpath, inSection bool) {
	for i, name := range sec.keys {
		if name == "" || (!inSection && (name == "version" || name == "dataset")) {
			continue // an empty key cannot be addressed
		}
		e := sec.vals[i]
		if !inSection && e.kind == kString {
			if _, k := parseNumString(e.str); k == numNone {
				continue // a flat file's descriptive strings are not metrics
			}
		}
		v, sd, ok := qualityEntry(e)
		if !ok {
			continue
		}
		vp := p.key(name)
		if e.kind == kObject {
			vp = vp.key("value")
		}
		in := gate.Instance{
			Address: rules.FormatAddress(rules.FamilyQuality, name),
			Value:   v.value,
			StdDev:  sd,
			Source:  r.source(vp),
			Note:    v.note,
		}
		r.add(in)
	}
}

type valueNote struct {
	value float64
	note  string
}

// qualityEntry reads one metric entry: a scalar, or an object with a scalar
// "value" and an optional "standard_deviation". ok is false for entries
// that are not scalar metrics.
func qualityEntry(e *node) (v valueNote, sd float64, ok bool) {
	sd = math.NaN()
	switch e.kind {
	case kObject:
		vn := e.get("value")
		if vn == nil {
			return v, sd, false
		}
		val, note, scalar := metricValue(vn)
		if !scalar {
			return v, sd, false
		}
		if s := e.get("standard_deviation"); s != nil {
			if f, n, ok := metricValue(s); ok && n == "" {
				sd = f
			}
		}
		return valueNote{val, note}, sd, true
	case kArray:
		return v, sd, false
	case kBool:
		return v, sd, false
	}
	val, note, scalar := metricValue(e)
	return valueNote{val, note}, sd, scalar
}

// itemCount reads dataset.item_count; 0 when absent or not a whole number.
func itemCount(doc *node) int {
	n := doc.get("dataset").get("item_count")
	if n == nil {
		return 0
	}
	f, note, ok := metricValue(n)
	if !ok || note != "" || f < 0 || f != math.Trunc(f) || f > math.MaxInt32 {
		return 0
	}
	return int(f)
}
