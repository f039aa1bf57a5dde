package report

import (
	"math"
	"strconv"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// quality reads a model-quality statistics file (Model Monitor
// statistics.json, a pipelines evaluation.json or a user file) into
// quality.<metric> instances and returns dataset.item_count.
//
// Every top-level *_metrics object is a section; in a section, an entry
// {"value": v, "standard_deviation": s} or a bare scalar is a metric, and
// anything else (confusion_matrix, curves, per-class maps) is skipped. The
// top-level scalars and {value} objects are metrics as well (all of a flat
// file's metrics); a metric at the top level and in a section, or in two
// sections, is one missing instance whose note names both paths.
func (r *reader) quality(doc *node) error {
	top := root()
	sections := qualitySections(doc)
	isSection := make(map[int]bool, len(sections))
	for _, i := range sections {
		isSection[i] = true
		r.qualitySection(doc.vals()[i], top.key(doc.keys()[i]), true, nil)
	}
	// Top-level metrics are read too, also beside sections: a metric given
	// at the top level and in a section is then ambiguous (markAmbiguous
	// makes it missing), never silently one of the two.
	r.qualitySection(doc, top, false, isSection)
	return nil
}

// qualitySection reads the metrics of one section, or of the top level
// (inSection false) skipping the sections themselves.
func (r *reader) qualitySection(sec *node, p *jpath, inSection bool, skip map[int]bool) {
	for i, name := range sec.keys() {
		if name == "" || skip[i] || (!inSection && (name == "version" || name == "dataset")) {
			continue // an empty key cannot be addressed
		}
		e := sec.vals()[i]
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
			} else if bad := badStdDev(s); bad != "" && note == "" {
				// An infinite spread must not read as no spread (which
				// judges the bare value): the metric cannot be judged.
				val, note = math.NaN(), bad
			}
			if sd < 0 && note == "" {
				val, note, sd = math.NaN(), "standard_deviation "+strconv.FormatFloat(sd, 'g', -1, 64)+" is negative: not a standard deviation", math.NaN()
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

// badStdDev says why a standard_deviation makes its metric unjudgeable:
// infinite ("Infinity", a bare Infinity token, 1e999). "NaN", "NA", null
// and other strings mean no standard deviation, as Model Monitor writes for
// a single sample; they return "".
func badStdDev(s *node) string {
	inf := false
	switch s.kind {
	case kNumber, kBare:
		inf = math.IsInf(s.num, 0)
	case kString:
		_, k := parseNumString(s.str)
		inf = k == numInf
	}
	if inf {
		return "standard_deviation " + truncate(s.str, 60) + " is infinite: the value cannot be judged"
	}
	return ""
}
