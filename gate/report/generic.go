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
	r.walk(doc, root(), []string{r.slot})
	return nil
}

func (r *reader) walk(n *node, p *jpath, parts []string) {
	switch n.kind {
	case kObject:
		for i, k := range n.keys {
			if k == "" {
				continue // an empty key cannot be addressed
			}
			r.walk(n.vals[i], p.key(k), append(parts[:len(parts):len(parts)], k))
		}
		return
	case kArray:
		for i, v := range n.vals {
			r.walk(v, p.index(i), append(parts[:len(parts):len(parts)], strconv.Itoa(i)))
		}
		return
	case kString:
		if _, k := parseNumString(n.str); k == numNone {
			return
		}
	case kBool, kNull:
		return
	}
	v, note, _ := metricValue(n)
	r.add(gate.Instance{
		Address: rules.FormatAddress(parts...),
		Value:   v,
		StdDev:  math.NaN(),
		Source:  r.source(p),
		Note:    note,
	})
}

func nan() float64 { return math.NaN() }
