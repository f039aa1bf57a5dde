package memorize

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// lineReader reads lines of up to MaxLineBytes, counting them.
type lineReader struct {
	r    *bufio.Reader
	buf  []byte
	line int
	max  int
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10), max: MaxLineBytes}
}

// next returns the next line without its line ending; the slice is valid
// until the next call. It returns io.EOF after the last line.
func (l *lineReader) next() ([]byte, error) {
	l.line++
	l.buf = l.buf[:0]
	for {
		chunk, err := l.r.ReadSlice('\n')
		if len(l.buf)+len(chunk) > l.max+2 {
			return nil, fmt.Errorf("line longer than %d bytes", l.max)
		}
		if err == bufio.ErrBufferFull {
			l.buf = append(l.buf, chunk...)
			continue
		}
		var line []byte
		if len(l.buf) > 0 {
			l.buf = append(l.buf, chunk...)
			line = l.buf
		} else {
			line = chunk
		}
		if err == io.EOF {
			if len(line) == 0 {
				return nil, io.EOF
			}
		} else if err != nil {
			return nil, err
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) > l.max {
			return nil, fmt.Errorf("line longer than %d bytes", l.max)
		}
		return line, nil
	}
}

// fieldReader extracts one top-level string field from JSON Lines records
// without allocating: the line is validated (accepting what encoding/json
// accepts; a rejected line gets encoding/json's error message), then
// walked once to find the field, whose string is unescaped into a buffer
// that is reused from line to line. Reading a corpus or the outputs so
// makes no garbage per line: with a large index live, any garbage would let
// the heap grow by up to the index's size again before the collector runs
// (GOGC=100).
type fieldReader struct {
	field string
	fixed []byte // the line with NaN and Infinity replaced, when it has them
	val   []byte // the unescaped value
	key   []byte // an unescaped key
}

// get decodes line as a JSON object and returns its top-level string field
// (valid until the next call). ok is false when the field is absent or
// null; a field of another type, or given twice, is an error. Bare
// NaN/Infinity tokens (written by Python's json.dumps) elsewhere in the
// line are tolerated.
func (f *fieldReader) get(line []byte) (s []byte, ok bool, err error) {
	orig := line
	if bytes.Contains(line, []byte("NaN")) || bytes.Contains(line, []byte("Infinity")) {
		// Replaced only outside strings: valid JSON never changes.
		fixed, changed := nanToNull(f.fixed[:0], line)
		f.fixed = fixed
		if changed {
			line = fixed
		}
	}
	if !validJSON(line) {
		// The error of the line as written (this allocates, once).
		var obj map[string]json.RawMessage
		return nil, false, jsonError(orig, json.Unmarshal(orig, &obj))
	}
	// line is one valid JSON value.
	i := skipSpace(line, 0)
	switch line[i] {
	case '{':
	case 'n':
		return nil, false, errors.New("want a JSON object, got null")
	default:
		return nil, false, fmt.Errorf("want a JSON object, got %s", typeName(line[i]))
	}
	var raw []byte
	found := false
	i = skipSpace(line, i+1)
	for line[i] != '}' {
		// A member: "key" : value, then , or }.
		kEnd := skipString(line, i)
		var match bool
		f.key, match = unquoteEqual(f.key[:0], line[i:kEnd], f.field)
		i = skipSpace(line, kEnd)
		i = skipSpace(line, i+1) // the colon
		vEnd := skipValue(line, i)
		if match {
			if found {
				return nil, false, fmt.Errorf("field %q appears more than once", f.field)
			}
			raw, found = line[i:vEnd], true
		}
		i = skipSpace(line, vEnd)
		if line[i] == ',' {
			i = skipSpace(line, i+1)
		}
	}
	switch {
	case !found || raw[0] == 'n':
		return nil, false, nil
	case raw[0] == '"':
		f.val = unquote(f.val[:0], raw)
		return f.val, true, nil
	}
	return nil, false, fmt.Errorf("field %q is %s, want a string", f.field, jsonKind(raw))
}

// typeName names the JSON type starting with c as encoding/json's
// UnmarshalTypeError does.
func typeName(c byte) string {
	switch c {
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	}
	return "number"
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the end of the valid JSON string starting at b[i]:
// after the first quote not escaped, that is not preceded by an odd number
// of backslashes.
func skipString(b []byte, i int) int {
	for i++; ; i++ {
		i += bytes.IndexByte(b[i:], '"')
		k := i
		for b[k-1] == '\\' {
			k--
		}
		if (i-k)%2 == 0 {
			return i + 1
		}
	}
}

// skipValue returns the end of the valid JSON value starting at b[i].
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; ; i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
	}
	// A number or a literal: up to a delimiter.
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\t' && b[i] != '\n' && b[i] != '\r' {
		i++
	}
	return i
}

// unquoteEqual unquotes the key q (using buf) and reports whether it is
// field.
func unquoteEqual(buf, q []byte, field string) ([]byte, bool) {
	if s := q[1 : len(q)-1]; bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
		return buf, string(s) == field
	}
	buf = unquote(buf, q)
	return buf, string(buf) == field
}

// unquote appends the value of the valid JSON string q to dst, as
// encoding/json decodes it: invalid UTF-8 and unpaired surrogates become
// U+FFFD.
func unquote(dst, q []byte) []byte {
	s := q[1 : len(q)-1]
	for len(s) > 0 {
		// The run up to the next escape: one copy when it is valid UTF-8
		// (utf8.Valid is fast on ASCII), else rune by rune.
		run := bytes.IndexByte(s, '\\')
		if run < 0 {
			run = len(s)
		}
		if seg := s[:run]; utf8.Valid(seg) {
			dst = append(dst, seg...)
		} else {
			for len(seg) > 0 {
				r, size := utf8.DecodeRune(seg)
				if r == utf8.RuneError && size == 1 {
					dst = utf8.AppendRune(dst, r)
				} else {
					dst = append(dst, seg[:size]...)
				}
				seg = seg[size:]
			}
		}
		if s = s[run:]; len(s) == 0 {
			break
		}
		// s[0] is a backslash.
		switch s[1] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(s[2:6])
			s = s[6:]
			if utf16.IsSurrogate(r) {
				r1 := rune(-1)
				if len(s) >= 6 && s[0] == '\\' && s[1] == 'u' {
					r1 = hex4(s[2:6])
				}
				if dec := utf16.DecodeRune(r, r1); dec != unicode.ReplacementChar {
					r = dec
					s = s[6:]
				} else {
					r = unicode.ReplacementChar
				}
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default: // " \\ /
			dst = append(dst, s[1])
		}
		s = s[2:]
	}
	return dst
}

// hex4 is the value of four hex digits (valid JSON: they are).
func hex4(h []byte) rune {
	var r rune
	for _, c := range h[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		default:
			c = c - 'A' + 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

func jsonError(line []byte, err error) error {
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		return fmt.Errorf("want a JSON object, got %s", ute.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("invalid JSON at byte %d: %v", se.Offset, err)
	}
	return fmt.Errorf("invalid JSON: %v", err)
}

func jsonKind(raw []byte) string {
	if len(raw) == 0 {
		return "empty"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}

// nanToNull appends line to out with bare NaN, Infinity and -Infinity
// tokens outside JSON strings replaced by null.
func nanToNull(out, line []byte) ([]byte, bool) {
	inStr, esc := false, false
	changed := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			out = append(out, c)
			continue
		}
		if c == '"' {
			inStr = true
			out = append(out, c)
			continue
		}
		if n := nonFinitePrefix(line[i:]); n > 0 {
			out = append(out, "null"...)
			i += n - 1
			changed = true
			continue
		}
		out = append(out, c)
	}
	return out, changed
}

// nonFinitePrefix is the length of the NaN, Infinity or -Infinity token
// that b starts with, or 0.
func nonFinitePrefix(b []byte) int {
	for _, tok := range [...]string{"-Infinity", "Infinity", "NaN"} {
		if len(b) >= len(tok) && string(b[:len(tok)]) == tok {
			return len(tok)
		}
	}
	return 0
}
