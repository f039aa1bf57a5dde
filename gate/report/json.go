package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxDepth caps the nesting of arrays and objects. Real reports nest at most
// seven levels (Clarify pdp); a hostile file nested a million levels deep is
// an error, not a stack overflow.
const maxDepth = 128

// maxNodes caps the number of arrays, objects, strings and numbers built
// for one report (lazy values are checked, not built, and do not count).
// Real reports have a few thousand; at 48 bytes a value, a million keep a
// report at the 64 MiB cap under 200 MB with the document itself.
const maxNodes = 1_000_000

// maxKeys caps the keys of one object: every object key a reader reads
// makes at most one instance, and a report gives at most maxInstances.
const maxKeys = maxInstances

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
// a duplicated key is an error (a good value must not hide a bad one).
type node struct {
	kind kind
	b    bool
	// lazy marks an array or object that was checked but not built (a
	// Clarify pdp list, a label's global_shap_values): keys and vals are
	// empty, and lo:hi is its text. parser.members streams a lazy object's
	// members; parser.expand builds it.
	lazy bool
	// depth is the nesting depth of a lazy value, so that expanding it
	// keeps the depth limit of the whole document.
	depth uint8
	// lo:hi is the value's text in the document (numbers and lazy values).
	lo, hi uint32
	// count is the number of members of a lazy object or array.
	count int32
	num   float64 // kNumber; NaN or ±Inf for kBare
	// str is a kString's value, a kBare's token, or a kNumber's literal
	// as written ("1.0E-4", "24.0").
	str string
	// kids holds an object's keys and values or an array's elements; nil
	// for scalars, so that the many scalars of a report stay small.
	kids *kids
}

type kids struct {
	keys []string
	vals []*node // object values, parallel to keys; array elements
}

// keys returns an object's keys in document order.
func (n *node) keys() []string {
	if n.kids == nil {
		return nil
	}
	return n.kids.keys
}

// vals returns an object's values, parallel to keys, or an array's
// elements.
func (n *node) vals() []*node {
	if n.kids == nil {
		return nil
	}
	return n.kids.vals
}

// get returns the value of key in an object, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != kObject {
		return nil
	}
	for i, k := range n.keys() {
		if k == key {
			return n.vals()[i]
		}
	}
	return nil
}

// getString returns the value of a string member, and whether there is one.
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

// parser is a small strict JSON parser with the two tolerances that real
// report producers need, bare NaN/Infinity/-Infinity tokens and a UTF-8
// byte order mark, and one strictness encoding/json lacks: a duplicated
// key is an error. It keeps the JSON path of the
// value being read so that errors say where they happened.
type parser struct {
	data    []byte
	slab    []node // nodes are allocated in chunks
	kidSlab []kids
	// Members of the open containers, and the chunks their exactly sized
	// slices are cut from.
	scratchKeys []string
	scratchVals []*node
	keyChunk    []string
	valChunk    []*node
	nodes       int // nodes allocated so far, expansions included
	pos         int
	depth       int
	// base is the path of the lazy value being expanded: error paths
	// start with it.
	base []pathSeg
	path []pathSeg
	// lazy enables lazy values at the paths of lazyAt.
	lazy bool
	// checked is set when expanding a lazy value: it was checked when the
	// document was parsed, so the lazy values inside it are only skipped.
	checked bool
	// strs holds the strings the parser copies out of the document.
	strs arena
	// leaves counts the scalar values built, an upper bound on the
	// instances a reader makes, so that it can allocate them once.
	leaves int
}

type pathSeg struct {
	key   string
	index int
	isKey bool
}

// parseJSON parses one JSON document, building every value. Trailing data
// after the value is an error (JSON Lines files are reported by the
// caller).
func parseJSON(data []byte) (*node, error) {
	_, n, err := parseDocument(data, false)
	return n, err
}

// parseDocument parses one JSON document. With lazy set, the values at the
// paths of lazyAt (Clarify's pdp, a label's global_shap_values and
// global_top_shap_text: the bulk of a large explainability report) are
// checked as strictly as the rest, duplicate keys and depth included, but
// not built; the parser then serves members and expand on them.
func parseDocument(data []byte, lazy bool) (*parser, *node, error) {
	p := &parser{data: data, lazy: lazy}
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		p.pos = 3
	}
	p.skipSpace()
	if p.pos >= len(p.data) {
		return p, nil, p.errorf("empty document; want a JSON object or array")
	}
	n, err := p.value()
	if err != nil {
		return p, nil, err
	}
	p.skipSpace()
	if p.pos < len(p.data) {
		return p, n, &trailingError{p.errorf("unexpected %s after the top-level value", p.describe())}
	}
	return p, n, nil
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
	return &syntaxError{path: formatPath(append(p.base[:len(p.base):len(p.base)], p.path...)), line: line, col: col, msg: fmt.Sprintf(format, args...)}
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

// alloc returns a new node from the current chunk. Chunks grow from 16 to
// 1024 nodes so that small reports stay small.
func (p *parser) alloc(k kind) *node {
	if len(p.slab) == 0 {
		p.slab = make([]node, min(1024, max(16, p.nodes)))
	}
	p.nodes++
	n := &p.slab[0]
	p.slab = p.slab[1:]
	n.kind = k
	return n
}

// allocKids returns new container storage from the current chunk.
func (p *parser) allocKids() *kids {
	if len(p.kidSlab) == 0 {
		p.kidSlab = make([]kids, min(256, max(8, p.nodes/8)))
	}
	k := &p.kidSlab[0]
	p.kidSlab = p.kidSlab[1:]
	return k
}

// Shared immutable leaves.
var (
	nullNode  = &node{kind: kNull}
	trueNode  = &node{kind: kBool, b: true}
	falseNode = &node{kind: kBool}
)

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
	if p.nodes >= maxNodes {
		return nil, p.errorf("more than %d JSON values; this is not a metrics report modelgate reads", maxNodes)
	}
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
		n := p.alloc(kString)
		n.str = s
		return n, nil
	case c == 't':
		return p.literal("true", trueNode)
	case c == 'f':
		return p.literal("false", falseNode)
	case c == 'n':
		p.leaves++
		return p.literal("null", nullNode)
	case c == 'N':
		p.leaves++
		return p.literal("NaN", &node{kind: kBare, num: math.NaN(), str: "NaN"})
	case c == 'I':
		p.leaves++
		return p.literal("Infinity", &node{kind: kBare, num: math.Inf(1), str: "Infinity"})
	case c == '-' && p.pos+1 < len(p.data) && p.data[p.pos+1] == 'I':
		p.leaves++
		return p.literal("-Infinity", &node{kind: kBare, num: math.Inf(-1), str: "-Infinity"})
	case c == '-' || (c >= '0' && c <= '9'):
		p.leaves++
		return p.number()
	default:
		return nil, p.errorf("unexpected %s; want a value", p.describe())
	}
}

func (p *parser) literal(lit string, n *node) (*node, error) {
	if !bytes.HasPrefix(p.data[p.pos:], []byte(lit)) {
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
	n := p.alloc(kObject)
	var index keyIndex
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		p.depth--
		return n, nil
	}
	// Members are gathered on the parser's scratch stacks and copied into
	// exactly sized slices when the object closes.
	kb, vb := len(p.scratchKeys), len(p.scratchVals)
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
		var v *node
		if p.lazy && p.lazyAt() {
			v, err = p.lazyValue()
		} else {
			v, err = p.value()
		}
		if err != nil {
			return nil, err
		}
		p.path = p.path[:len(p.path)-1]
		// Small objects are searched; large ones get an index so that a
		// hostile object with many keys stays linear.
		keys := p.scratchKeys[kb:]
		dup := index.has(keys, key)
		if dup {
			// Two values for one key: a good value could hide a bad one
			// (encoding/json keeps the last). Refuse the report.
			p.path = append(p.path, pathSeg{key: key, isKey: true})
			err := p.errorf("duplicate key %q: the report gives it twice, so which value to judge is ambiguous", key)
			p.path = p.path[:len(p.path)-1]
			return nil, err
		}
		if len(keys) == maxKeys {
			return nil, p.errorf("an object of more than %d keys; this is not a metrics report modelgate reads", maxKeys)
		}
		p.scratchKeys = append(p.scratchKeys, key)
		p.scratchVals = append(p.scratchVals, v)
		index = index.add(p.scratchKeys[kb:])
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
			n.kids = p.allocKids()
			n.kids.keys = p.takeKeys(p.scratchKeys[kb:])
			n.kids.vals = p.takeVals(p.scratchVals[vb:])
			clear(p.scratchKeys[kb:])
			clear(p.scratchVals[vb:])
			p.scratchKeys, p.scratchVals = p.scratchKeys[:kb], p.scratchVals[:vb]
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
	n := p.alloc(kArray)
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		p.depth--
		return n, nil
	}
	vb := len(p.scratchVals)
	for {
		p.path = append(p.path, pathSeg{index: len(p.scratchVals) - vb})
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		p.path = p.path[:len(p.path)-1]
		p.scratchVals = append(p.scratchVals, v)
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
			n.kids = p.allocKids()
			n.kids.vals = p.takeVals(p.scratchVals[vb:])
			clear(p.scratchVals[vb:])
			p.scratchVals = p.scratchVals[:vb]
			return n, nil
		default:
			return nil, p.errorf("unexpected %s in an array; want ',' or ']'", p.describe())
		}
	}
}

// takeKeys copies an object's keys into a chunk of key storage.
func (p *parser) takeKeys(src []string) []string {
	if len(src) > 1024 {
		return slices.Clone(src)
	}
	if cap(p.keyChunk)-len(p.keyChunk) < len(src) {
		p.keyChunk = make([]string, 0, min(4096, max(64, p.nodes/4)))
	}
	off := len(p.keyChunk)
	p.keyChunk = append(p.keyChunk, src...)
	return p.keyChunk[off:len(p.keyChunk):len(p.keyChunk)]
}

// takeVals copies a container's values into a chunk of value storage.
func (p *parser) takeVals(src []*node) []*node {
	if len(src) > 1024 {
		return slices.Clone(src)
	}
	if cap(p.valChunk)-len(p.valChunk) < len(src) {
		p.valChunk = make([]*node, 0, min(4096, max(64, p.nodes/4)))
	}
	off := len(p.valChunk)
	p.valChunk = append(p.valChunk, src...)
	return p.valChunk[off:len(p.valChunk):len(p.valChunk)]
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
				b := p.data[start+1 : p.pos-1]
				if !utf8.Valid(b) {
					return strings.ToValidUTF8(string(b), "\uFFFD"), nil
				}
				return p.strs.join(unsafeString(b), ""), nil
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

// number reads a number with the JSON grammar and keeps its place.
func (p *parser) number() (*node, error) {
	start := p.pos
	if err := p.scanNumber(); err != nil {
		return nil, err
	}
	n := p.alloc(kNumber)
	p.setNumber(n, start, p.pos, false)
	return n, nil
}

// scanNumber moves past a number with the JSON grammar.
func (p *parser) scanNumber() error {
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
		return p.errorf("unexpected %s in a number", p.describe())
	}
	if i < len(d) && d[i] == '.' {
		i++
		if digits() == 0 {
			p.pos = i
			return p.errorf("unexpected %s after the decimal point of a number", p.describe())
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if digits() == 0 {
			p.pos = i
			return p.errorf("unexpected %s in the exponent of a number", p.describe())
		}
	}
	p.pos = i
	return nil
}

// setNumber fills n with the number at data[lo:hi]. Its literal is copied
// into the parser's arena, or, with view set (a value streamed by members,
// valid only during the call), a view of the document.
func (p *parser) setNumber(n *node, lo, hi int, view bool) {
	n.kind = kNumber
	n.lo, n.hi = uint32(lo), uint32(hi)
	lit := unsafeString(p.data[lo:hi])
	// Out of range, ParseFloat returns ±Inf, which reads as missing.
	n.num, _ = strconv.ParseFloat(lit, 64)
	if view {
		n.str = lit
	} else {
		n.str = p.strs.join(lit, "")
	}
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
	var buf [64]byte
	b.Write(appendSeg(buf[:0], s))
}

// appendSeg appends a path segment: .key, ["key"] (quoted as json.Marshal
// quotes it) or [index].
func appendSeg(b []byte, s pathSeg) []byte {
	if !s.isKey {
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(s.index), 10)
		return append(b, ']')
	}
	if isIdent(s.key) {
		b = append(b, '.')
		return append(b, s.key...)
	}
	b = append(b, '[')
	if plainJSONString(s.key) {
		b = append(b, '"')
		b = append(b, s.key...)
		b = append(b, '"')
	} else {
		q, _ := json.Marshal(s.key)
		b = append(b, q...)
	}
	return append(b, ']')
}

// plainJSONString reports whether json.Marshal writes s as it is between
// quotes: valid UTF-8 with no control characters, quotes, backslashes,
// HTML characters or line and paragraph separators.
func plainJSONString(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		case c >= 0x80:
			return utf8.ValidString(s) && !strings.ContainsAny(s, "\u2028\u2029")
		}
	}
	return true
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

func (p *jpath) String() string { return p.withPrefix("") }

// withPrefix renders prefix followed by the path, in one allocation.
func (p *jpath) withPrefix(prefix string) string {
	var stack [16]*jpath
	segs := stack[:0]
	n := len(prefix) + 1
	for q := p; q != nil && q.parent != nil; q = q.parent {
		segs = append(segs, q)
		if q.seg.isKey {
			n += len(q.seg.key) + 6
		} else {
			n += 6
		}
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(prefix)
	b.WriteByte('$')
	for i := len(segs) - 1; i >= 0; i-- {
		writeSeg(&b, segs[i].seg)
	}
	return b.String()
}

// root is the path of the document itself.
func root() *jpath { return &jpath{} }

// keyIndex finds duplicate keys of a large object in linear time: a map
// from key hashes to key positions, made when an object passes 32 keys
// (smaller ones are searched). A hash shared by two different keys falls
// back to a search.
type keyIndex map[uint64]int32

var keySeed = maphash.MakeSeed()

// has reports whether key is among keys.
func (ix keyIndex) has(keys []string, key string) bool {
	if ix == nil {
		return slices.Contains(keys, key)
	}
	i, ok := ix[maphash.String(keySeed, key)]
	if !ok {
		return false
	}
	return keys[i] == key || slices.Contains(keys, key)
}

// add records the last of keys, making the index when keys pass 32.
func (ix keyIndex) add(keys []string) keyIndex {
	if ix == nil {
		if len(keys) <= 32 {
			return nil
		}
		ix = make(keyIndex, 2*len(keys))
		for i, k := range keys[:len(keys)-1] {
			ix.put(k, i)
		}
	}
	ix.put(keys[len(keys)-1], len(keys)-1)
	return ix
}

func (ix keyIndex) put(k string, i int) {
	h := maphash.String(keySeed, k)
	if _, taken := ix[h]; !taken {
		ix[h] = int32(i)
	}
}
