package report

import (
	"encoding/json"
	"unicode/utf8"
	"unsafe"
)

// Lazy values: the bulk of a large Clarify explainability analysis.json is
// its partial dependence plots (explanations.pdp) and its kernel_shap
// labels, with their text-token maps (global_top_shap_text) and
// global_shap_values. The parser checks them (grammar, depth, duplicate
// keys) without building nodes; the explainability reader streams the
// labels with members, expands one label at a time and streams its
// global_shap_values, and the generic reader, the only other reader that
// looks at them, expands them.

// lazyAt reports whether the value about to be parsed, at p.base + p.path,
// is one that is checked but not built: explanations.pdp,
// explanations.kernel_shap, and in an expanded label of kernel_shap its
// global_shap_values and global_top_shap_text.
func (p *parser) lazyAt() bool {
	n := len(p.base) + len(p.path)
	if n != 2 && n != 4 {
		return false
	}
	seg := func(i int) pathSeg {
		if i < len(p.base) {
			return p.base[i]
		}
		return p.path[i-len(p.base)]
	}
	if s := seg(0); !s.isKey || s.key != keyExplanation {
		return false
	}
	s1 := seg(1)
	if n == 2 {
		return s1.isKey && (s1.key == "pdp" || s1.key == "kernel_shap")
	}
	s3 := seg(3)
	return s1.isKey && s1.key == "kernel_shap" && seg(2).isKey && s3.isKey &&
		(s3.key == "global_shap_values" || s3.key == "global_top_shap_text")
}

// lazyValue checks the value at p.pos. An array or object becomes a lazy
// node; a scalar is built as usual.
func (p *parser) lazyValue() (*node, error) {
	p.skipSpace()
	if p.pos >= len(p.data) || (p.data[p.pos] != '{' && p.data[p.pos] != '[') {
		return p.value()
	}
	k := kObject
	if p.data[p.pos] == '[' {
		k = kArray
	}
	lo, depth := p.pos, p.depth
	var count int
	var err error
	if p.checked {
		count = p.skipChecked()
	} else {
		count, err = p.skip()
	}
	if err != nil {
		return nil, err
	}
	n := p.alloc(k)
	n.lazy, n.depth, n.lo, n.hi, n.count = true, uint8(depth), uint32(lo), uint32(p.pos), int32(count)
	return n, nil
}

// skip checks one value at p.pos with the grammar of value, building
// nothing, and returns the number of members of an object or array.
func (p *parser) skip() (int, error) {
	p.skipSpace()
	if p.pos >= len(p.data) {
		return 0, p.errorf("unexpected end of file; want a value")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.skipObject()
	case c == '[':
		return p.skipArray()
	case c == '"':
		_, err := p.skipString()
		return 0, err
	case c == 't':
		_, err := p.literal("true", nil)
		return 0, err
	case c == 'f':
		_, err := p.literal("false", nil)
		return 0, err
	case c == 'n':
		_, err := p.literal("null", nil)
		return 0, err
	case c == 'N':
		_, err := p.literal("NaN", nil)
		return 0, err
	case c == 'I':
		_, err := p.literal("Infinity", nil)
		return 0, err
	case c == '-' && p.pos+1 < len(p.data) && p.data[p.pos+1] == 'I':
		_, err := p.literal("-Infinity", nil)
		return 0, err
	case c == '-' || (c >= '0' && c <= '9'):
		return 0, p.skipNumber()
	default:
		return 0, p.errorf("unexpected %s; want a value", p.describe())
	}
}

func (p *parser) skipObject() (int, error) {
	if err := p.enter(); err != nil {
		return 0, err
	}
	p.pos++ // {
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		p.depth--
		return 0, nil
	}
	// Keys are views of the document on the scratch stack, dropped when
	// the object is checked.
	kb := len(p.scratchKeys)
	defer func() {
		clear(p.scratchKeys[kb:])
		p.scratchKeys = p.scratchKeys[:kb]
	}()
	var index keyIndex
	for {
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return 0, p.errorf("unexpected %s; want an object key in double quotes", p.describe())
		}
		key, err := p.keyView()
		if err != nil {
			return 0, err
		}
		// The order of checks is object's, so that errors are the same.
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return 0, p.errorf("unexpected %s after object key %q; want ':'", p.describe(), key)
		}
		p.pos++
		p.path = append(p.path, pathSeg{key: key, isKey: true}) // a view: errorf copies it
		if _, err := p.skip(); err != nil {
			return 0, err
		}
		keys := p.scratchKeys[kb:]
		if index.has(keys, key) {
			err := p.errorf("duplicate key %q: the report gives it twice, so which value to judge is ambiguous", key)
			return 0, err
		}
		p.path = p.path[:len(p.path)-1]
		if len(keys) == maxKeys {
			return 0, p.errorf("an object of more than %d keys; this is not a metrics report modelgate reads", maxKeys)
		}
		p.scratchKeys = append(p.scratchKeys, key)
		index = index.add(p.scratchKeys[kb:])
		p.skipSpace()
		if p.pos >= len(p.data) {
			return 0, p.errorf("unexpected end of file in an object; want ',' or '}'")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			p.depth--
			return len(p.scratchKeys) - kb, nil
		default:
			return 0, p.errorf("unexpected %s in an object; want ',' or '}'", p.describe())
		}
	}
}

func (p *parser) skipArray() (int, error) {
	if err := p.enter(); err != nil {
		return 0, err
	}
	p.pos++ // [
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		p.depth--
		return 0, nil
	}
	for i := 0; ; i++ {
		p.path = append(p.path, pathSeg{index: i})
		if _, err := p.skip(); err != nil {
			return 0, err
		}
		p.path = p.path[:len(p.path)-1]
		p.skipSpace()
		if p.pos >= len(p.data) {
			return 0, p.errorf("unexpected end of file in an array; want ',' or ']'")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			p.depth--
			return i + 1, nil
		default:
			return 0, p.errorf("unexpected %s in an array; want ',' or ']'", p.describe())
		}
	}
}

// skipString checks a string literal without building it; escapes are
// checked by encoding/json, as string does.
func (p *parser) skipString() (bool, error) {
	start := p.pos
	p.pos++ // "
	escaped := false
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '\\':
			escaped = true
			p.pos += 2
			continue
		case c == '"':
			p.pos++
			if escaped && !json.Valid(p.data[start:p.pos]) {
				p.pos = start
				_, err := p.string() // for its message
				return false, err
			}
			return escaped, nil
		case c < 0x20:
			return false, p.errorf("control character 0x%02x in a string; it must be escaped", c)
		}
		p.pos++
	}
	p.pos = start
	return false, p.errorf("string is not closed")
}

// skipNumber checks a number with the grammar of number.
func (p *parser) skipNumber() error { return p.scanNumber() }

// members calls fn with each member of an object node, lazy or not, in
// document order. For a lazy object, key and v are only valid during the
// call (key may be a view of the document: strings.Clone it to keep it); v
// is a scalar as parse builds it, or a lazy array or object.
func (p *parser) members(n *node, fn func(key string, v *node) error) error {
	if !n.lazy {
		for i, k := range n.keys() {
			if err := fn(k, n.vals()[i]); err != nil {
				return err
			}
		}
		return nil
	}
	q := &parser{data: p.data, pos: int(n.lo), depth: int(n.depth) + 1}
	q.pos++ // {
	var tmp node
	for {
		q.skipSpace()
		if q.pos >= int(n.hi) || q.data[q.pos] == '}' {
			return nil
		}
		if q.data[q.pos] == ',' {
			q.pos++
			q.skipSpace()
		}
		key, err := q.keyView()
		if err != nil {
			return err
		}
		q.skipSpace()
		q.pos++ // :
		q.skipSpace()
		tmp = node{}
		switch c := q.data[q.pos]; {
		case c == '{' || c == '[':
			lo := q.pos
			q.skipChecked() // checked with n
			tmp.kind, tmp.lazy, tmp.lo, tmp.hi, tmp.depth = kObject, true, uint32(lo), uint32(q.pos), uint8(q.depth)
			if c == '[' {
				tmp.kind = kArray
			}
		case c == '"':
			s, err := q.string()
			if err != nil {
				return err
			}
			tmp.kind, tmp.str = kString, s
		case c == '-' && (q.pos+1 >= len(q.data) || q.data[q.pos+1] != 'I') || c >= '0' && c <= '9':
			lo := q.pos
			if err := q.skipNumber(); err != nil {
				return err
			}
			p.setNumber(&tmp, lo, q.pos, true)
		default:
			v, err := q.value()
			if err != nil {
				return err
			}
			tmp = *v
		}
		if err := fn(key, &tmp); err != nil {
			return err
		}
	}
}

// expand builds a lazy node (at path p) in full, counting its values
// against the document's limit; other nodes are returned as they are.
func (p *parser) expand(n *node, at *jpath) (*node, error) {
	if !n.lazy {
		return n, nil
	}
	q := &parser{data: p.data[:n.hi], pos: int(n.lo), depth: int(n.depth), nodes: p.nodes, base: at.segs(), lazy: p.lazy, checked: true}
	v, err := q.value()
	p.nodes = q.nodes
	p.leaves += q.leaves
	return v, err
}

// segs lists a path's segments from the root.
func (p *jpath) segs() []pathSeg {
	var out []pathSeg
	for q := p; q != nil && q.parent != nil; q = q.parent {
		out = append(out, q.seg)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// unsafeString views b as a string without copying, for strconv.ParseFloat,
// which does not keep its argument (its errors copy it).
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// keyView reads an object key like string, but an unescaped valid UTF-8
// key is a view of the document, not a copy: for keys that are compared
// and dropped (duplicate checks of lazy values, map lookups).
func (p *parser) keyView() (string, error) {
	start := p.pos
	for i := start + 1; i < len(p.data); i++ {
		c := p.data[i]
		if c == '"' {
			b := p.data[start+1 : i]
			if !utf8.Valid(b) {
				break
			}
			p.pos = i + 1
			return unsafeString(b), nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
	}
	return p.string()
}

// arena hands out strings cut from large byte chunks, for the many short
// strings of a large report (instance sources) without an allocation each.
// Bytes are only appended, never changed once a string covers them.
type arena struct{ chunk []byte }

const arenaChunk = 64 << 10

// join returns a + b as a string in the arena.
func (a *arena) join(x, y string) string {
	n := len(x) + len(y)
	if n == 0 {
		return ""
	}
	if n > arenaChunk/4 {
		return x + y
	}
	if cap(a.chunk)-len(a.chunk) < n {
		// Chunks grow from 1 KiB, so that small reports stay small.
		a.chunk = make([]byte, 0, min(arenaChunk, max(1024, 2*cap(a.chunk), 2*n)))
	}
	off := len(a.chunk)
	a.chunk = append(append(a.chunk, x...), y...)
	return unsafe.String(&a.chunk[off], n)
}

// skipChecked moves past an array or object at p.pos that was checked
// already (inside a lazy value being expanded), matching brackets only,
// and returns its number of members.
func (p *parser) skipChecked() int {
	d := p.data
	depth, count, empty := 0, 0, true
	for i := p.pos; i < len(d); i++ {
		switch c := d[i]; c {
		case '"':
			for i++; i < len(d) && d[i] != '"'; i++ {
				if d[i] == '\\' {
					i++
				}
			}
			if depth == 1 {
				empty = false
			}
		case '{', '[':
			if depth == 1 {
				empty = false
			}
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				p.pos = i + 1
				if empty {
					return 0
				}
				return count + 1
			}
		case ',':
			if depth == 1 {
				count++
			}
		case ' ', '\t', '\n', '\r', ':':
		default:
			if depth == 1 {
				empty = false
			}
		}
	}
	p.pos = len(d)
	return count
}
