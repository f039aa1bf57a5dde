package report

import (
	"math"
	"strconv"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// generic reads any JSON document as <report name>.<json path>: every
// numeric leaf (a number, or a string holding a number) becomes an
// instance whose address is the report name followed by the object keys and
// array indexes leading to it. Leaves that are "NaN" or "Infinity" strings
// or bare NaN/Infinity tokens are missing instances with a note; null,
// booleans and other strings are skipped.
func (r *reader) generic(doc *node) error {
	if doc.kind != kObject && doc.kind != kArray {
		return errAt(root(), "not a known report format (looked for a JSON object or array; found %s)", doc.kind)
	}
	return r.walk(doc, root(), []string{r.slot})
}

func (r *reader) walk(n *node, p *jpath, parts []string) error {
	if n.lazy {
		var err error
		if n, err = r.ps.expand(n, p); err != nil {
			return err
		}
	}
	switch n.kind {
	case kObject:
		for i, k := range n.keys() {
			if k == "" {
				continue // an empty key cannot be addressed
			}
			if err := r.walk(n.vals()[i], p.key(k), append(parts[:len(parts):len(parts)], k)); err != nil {
				return err
			}
		}
		return nil
	case kArray:
		for i, v := range n.vals() {
			if err := r.walk(v, p.index(i), append(parts[:len(parts):len(parts)], strconv.Itoa(i))); err != nil {
				return err
			}
		}
		return nil
	case kString:
		if _, k := parseNumString(n.str); k == numNone {
			return nil
		}
	case kBool, kNull:
		return nil
	}
	v, note, _ := metricValue(n)
	r.add(gate.Instance{
		Address: rules.FormatAddress(parts...),
		Value:   v,
		StdDev:  math.NaN(),
		Source:  r.source(p),
		Note:    note,
	})
	return nil
}

func nan() float64 { return math.NaN() }
