package report

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxDepth caps the nesting of arrays and objects. Real reports nest at most
// seven levels (Clarify pdp); a hostile file nested a million levels deep is
// an error, not a stack overflow.
const maxDepth = 128

// kind is the type of a JSON value.
type kind uint8

const (
	kNull kind = iota
	kBool
	kNumber
	kString
	kObject
	kArray
	// kBare is a bare NaN, Infinity or -Infinity token as Python's
	// json.dumps writes them: not JSON, but tolerated and read as missing.
	kBare
)

func (k kind) String() string {
	switch k {
	case kNull:
		return "null"
	case kBool:
		return "a boolean"
	case kNumber:
		return "a number"
	case kString:
		return "a string"
	case kObject:
		return "an object"
	case kArray:
		return "an array"
	case kBare:
		return "a bare NaN/Infinity token"
	}
	return "?"
}

// node is one parsed JSON value. Objects keep their keys in document order;
// a duplicated key keeps its last value (as encoding/json does) at the
// position of its first occurrence.
type node struct {
	kind kind
	b    bool
	num  float64 // kNumber; NaN or ±Inf for kBare
	str  string  // kString: the value; kNumber and kBare: the literal text
	keys []string
	vals []*node // object values, parallel to keys; array elements
}

// get returns the value of key in an object, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != kObject {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

// str returns the value of a string member, or "".
func (n *node) getString(key string) (string, bool) {
	v := n.get(key)
	if v == nil || v.kind != kString {
		return "", false
	}
	return v.str, true
}

// syntaxError is a parse failure at a place in the file.
type syntaxError struct {
	path      string
	line, col int
	msg       string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("line %d col %d: %s", e.line, e.col, e.msg)
}

// parser is a small strict JSON parser with three tolerances that real
// report producers need: bare NaN/Infinity/-Infinity tokens, duplicate keys
// (last wins) and a UTF-8 byte order mark. It keeps the JSON path of the
// value being read so that errors say where they happened.
type parser struct {
	data  []byte
	pos   int
	depth int
	path  []pathSeg
}

type pathSeg struct {
	key   string
	index int
	isKey bool
}

// parseJSON parses one JSON document. Trailing data after the value is an
// error (JSON Lines files are reported by the caller).
func parseJSON(data []byte) (*node, error) {
	p := &parser{data: data}
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		p.pos = 3
	}
	p.skipSpace()
	if p.pos >= len(p.data) {
		return nil, p.errorf("empty document; want a JSON object or array")
	}
	n, err := p.value()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(p.data) {
		return n, &trailingError{p.errorf("unexpected %s after the top-level value", p.describe())}
	}
	return n, nil
}

// trailingError is a document with more than one top-level value.
type trailingError struct{ *syntaxError }

func (p *parser) errorf(format string, args ...any) *syntaxError {
	line, col := 1, 1
	end := p.pos
	if end > len(p.data) {
		end = len(p.data)
	}
	for _, c := range p.data[:end] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return &syntaxError{path: formatPath(p.path), line: line, col: col, msg: fmt.Sprintf(format, args...)}
}

func (p *parser) describe() string {
	if p.pos >= len(p.data) {
		return "end of file"
	}
	r, _ := utf8.DecodeRune(p.data[p.pos:])
	if r == utf8.RuneError {
		return fmt.Sprintf("byte 0x%02x", p.data[p.pos])
	}
	return fmt.Sprintf("character %q", r)
}

func (p *parser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value() (*node, error) {
	p.skipSpace()
	if p.pos >= len(p.data) {
		return nil, p.errorf("unexpected end of file; want a value")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.string()
		if err != nil {
			return nil, err
		}
		return &node{kind: kString, str: s}, nil
	case c == 't':
		return p.literal("true", &node{kind: kBool, b: true})
	case c == 'f':
		return p.literal("false", &node{kind: kBool})
	case c == 'n':
		return p.literal("null", &node{kind: kNull})
	case c == 'N':
		return p.literal("NaN", &node{kind: kBare, num: math.NaN(), str: "NaN"})
	case c == 'I':
		return p.literal("Infinity", &node{kind: kBare, num: math.Inf(1), str: "Infinity"})
	case c == '-' && p.pos+1 < len(p.data) && p.data[p.pos+1] == 'I':
		return p.literal("-Infinity", &node{kind: kBare, num: math.Inf(-1), str: "-Infinity"})
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	default:
		return nil, p.errorf("unexpected %s; want a value", p.describe())
	}
}

func (p *parser) literal(lit string, n *node) (*node, error) {
	if !strings.HasPrefix(string(p.data[p.pos:min(len(p.data), p.pos+len(lit))]), lit) {
		return nil, p.errorf("unexpected %s; want a value", p.describe())
	}
	p.pos += len(lit)
	return n, nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errorf("nested deeper than %d levels", maxDepth)
	}
	return nil
}

func (p *parser) object() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.pos++ // {
	n := &node{kind: kObject}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		p.depth--
		return n, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.errorf("unexpected %s; want an object key in double quotes", p.describe())
		}
		key, err := p.string()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.errorf("unexpected %s after object key %q; want ':'", p.describe(), key)
		}
		p.pos++
		p.path = append(p.path, pathSeg{key: key, isKey: true})
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		p.path = p.path[:len(p.path)-1]
		dup := false
		for i, k := range n.keys {
			if k == key {
				n.vals[i] = v // duplicate key: the last value wins
				dup = true
				break
			}
		}
		if !dup {
			n.keys = append(n.keys, key)
			n.vals = append(n.vals, v)
		}
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, p.errorf("unexpected end of file in an object; want ',' or '}'")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			p.depth--
			return n, nil
		default:
			return nil, p.errorf("unexpected %s in an object; want ',' or '}'", p.describe())
		}
	}
}

func (p *parser) array() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.pos++ // [
	n := &node{kind: kArray}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		p.depth--
		return n, nil
	}
	for {
		p.path = append(p.path, pathSeg{index: len(n.vals)})
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		p.path = p.path[:len(p.path)-1]
		n.vals = append(n.vals, v)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, p.errorf("unexpected end of file in an array; want ',' or ']'")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			p.depth--
			return n, nil
		default:
			return nil, p.errorf("unexpected %s in an array; want ',' or ']'", p.describe())
		}
	}
}

// string reads a string literal. Plain strings are sliced directly; strings
// with escapes are decoded by encoding/json, which knows every escape and
// surrogate rule.
func (p *parser) string() (string, error) {
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
			raw := p.data[start:p.pos]
			if !escaped {
				return strings.ToValidUTF8(string(raw[1:len(raw)-1]), "\uFFFD"), nil
			}
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				p.pos = start
				return "", p.errorf("bad string literal: %v", unwrapJSONError(err))
			}
			return s, nil
		case c < 0x20:
			return "", p.errorf("control character 0x%02x in a string; it must be escaped", c)
		}
		p.pos++
	}
	p.pos = start
	return "", p.errorf("string is not closed")
}

func unwrapJSONError(err error) string {
	s := err.Error()
	return strings.TrimPrefix(s, "json: ")
}

// number reads a number with the JSON grammar and keeps its literal text.
func (p *parser) number() (*node, error) {
	start := p.pos
	d := p.data
	i := p.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	digits := func() int {
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		return i - j
	}
	if i < len(d) && d[i] == '0' {
		i++
	} else if digits() == 0 {
		p.pos = i
		return nil, p.errorf("unexpected %s in a number", p.describe())
	}
	if i < len(d) && d[i] == '.' {
		i++
		if digits() == 0 {
			p.pos = i
			return nil, p.errorf("unexpected %s after the decimal point of a number", p.describe())
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if digits() == 0 {
			p.pos = i
			return nil, p.errorf("unexpected %s in the exponent of a number", p.describe())
		}
	}
	lit := string(d[start:i])
	p.pos = i
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		// Out of range: ParseFloat returns ±Inf, which reads as missing.
		return &node{kind: kNumber, num: f, str: lit}, nil
	}
	return &node{kind: kNumber, num: f, str: lit}, nil
}

// formatPath renders a JSON path: $.a.b[0]["key with spaces"].
func formatPath(segs []pathSeg) string {
	var b strings.Builder
	b.WriteByte('$')
	for _, s := range segs {
		writeSeg(&b, s)
	}
	return b.String()
}

func writeSeg(b *strings.Builder, s pathSeg) {
	if !s.isKey {
		b.WriteByte('[')
		b.WriteString(strconv.Itoa(s.index))
		b.WriteByte(']')
		return
	}
	if isIdent(s.key) {
		b.WriteByte('.')
		b.WriteString(s.key)
		return
	}
	b.WriteByte('[')
	q, _ := json.Marshal(s.key)
	b.Write(q)
	b.WriteByte(']')
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
		case i > 0 && (c >= '0' && c <= '9' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// jpath is an immutable JSON path used while walking a parsed tree.
type jpath struct {
	parent *jpath
	seg    pathSeg
}

func (p *jpath) key(k string) *jpath { return &jpath{parent: p, seg: pathSeg{key: k, isKey: true}} }
func (p *jpath) index(i int) *jpath  { return &jpath{parent: p, seg: pathSeg{index: i}} }

func (p *jpath) String() string {
	var segs []pathSeg
	for q := p; q != nil; q = q.parent {
		segs = append(segs, q.seg)
	}
	// segs[len-1] is the root marker.
	var b strings.Builder
	b.WriteByte('$')
	for i := len(segs) - 2; i >= 0; i-- {
		writeSeg(&b, segs[i])
	}
	return b.String()
}

// root is the path of the document itself.
func root() *jpath { return &jpath{} }
