package memorize

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

// stringField decodes line as a JSON object and returns its top-level
// string field. ok is false when the field is absent or null; a field of
// another type is an error. Bare NaN/Infinity tokens (written by Python's
// json.dumps) elsewhere in the line are tolerated.
func stringField(line []byte, field string) (s string, ok bool, err error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil {
		fixed, changed := nanToNull(line)
		if !changed || json.Unmarshal(fixed, &obj) != nil {
			return "", false, jsonError(line, err)
		}
	}
	if obj == nil {
		return "", false, errors.New("want a JSON object, got null")
	}
	raw, found := obj[field]
	if !found {
		return "", false, nil
	}
	raw = bytes.TrimSpace(raw)
	switch {
	case string(raw) == "null":
		return "", false, nil
	case len(raw) > 0 && raw[0] == '"':
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false, fmt.Errorf("field %q: %v", field, err)
		}
		return s, true, nil
	}
	return "", false, fmt.Errorf("field %q is %s, want a string", field, jsonKind(raw))
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

// nanToNull replaces bare NaN, Infinity and -Infinity tokens outside JSON
// strings with null.
func nanToNull(line []byte) ([]byte, bool) {
	var out []byte
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
	for _, tok := range []string{"-Infinity", "Infinity", "NaN"} {
		if bytes.HasPrefix(b, []byte(tok)) {
			return len(tok)
		}
	}
	return 0
}
