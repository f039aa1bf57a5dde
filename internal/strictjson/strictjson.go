// Package strictjson decodes JSON that comes from outside the program
// (registry files, evidence, event payloads) with the strictness that
// encoding/json lacks: a key given twice in one object is an error that
// names its JSON path, because encoding/json would silently keep the last
// value and a good value could hide a bad one. Keys that differ only in
// letter case count as the same key: encoding/json matches struct fields
// without regard to case, so {"Status":"Rejected","status":"Approved"}
// would decode as Approved. It also refuses trailing
// data after the value and a document larger than a caller's cap.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ErrDuplicateKey is wrapped by errors about a key given twice.
var ErrDuplicateKey = errors.New("duplicate key")

// ErrTooLarge is wrapped by ReadAll when the input exceeds its cap.
var ErrTooLarge = errors.New("JSON document too large")

// Unmarshal is json.Unmarshal that first refuses duplicate keys (at any
// depth) and trailing data. Errors name the JSON path ("$.a.b[2]").
func Unmarshal(data []byte, v any) error {
	if err := Check(data); err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// ReadAll reads at most max bytes from r and unmarshals them strictly. A
// longer input is an error wrapping ErrTooLarge, never a partial read.
func ReadAll(r io.Reader, max int64, v any) error {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return err
	}
	if int64(len(data)) > max {
		return fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)
	}
	return Unmarshal(data, v)
}

// MaxDepth bounds the nesting of objects and arrays. Registry files,
// evidence and payloads nest a few levels; a deeper document is refused
// instead of walked (encoding/json itself stops at 10000).
const MaxDepth = 512

// Check reports the first duplicate key, syntax error, excess nesting or
// trailing data in data, without building the value. It runs in time
// linear in len(data): the JSON path is kept as a stack of steps and
// rendered only for an error.
func Check(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	w := walker{dec: dec}
	if err := w.value(); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			return fmt.Errorf("invalid JSON: data after the top-level value")
		}
		return fmt.Errorf("invalid JSON: %w", err)
	}
	return nil
}

type walker struct {
	dec  *json.Decoder
	path []string // steps below $: ".key", `["odd key"]`, "[3]"
}

func (w *walker) where() string { return "$" + strings.Join(w.path, "") }

func (w *walker) value() error {
	tok, err := w.dec.Token()
	if err != nil {
		if err == io.EOF {
			return fmt.Errorf("invalid JSON at %s: unexpected end of input", w.where())
		}
		return fmt.Errorf("invalid JSON at %s: %w", w.where(), err)
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	if len(w.path) >= MaxDepth {
		return fmt.Errorf("invalid JSON at %s: nested more than %d levels", w.where(), MaxDepth)
	}
	switch d {
	case '{':
		seen := map[string]string{}
		for w.dec.More() {
			kt, err := w.dec.Token()
			if err != nil {
				return fmt.Errorf("invalid JSON at %s: %w", w.where(), err)
			}
			key, _ := kt.(string)
			w.path = append(w.path, keyPath(key))
			fold := strings.ToLower(strings.ToUpper(key))
			if first, dup := seen[fold]; dup {
				if first == key {
					return fmt.Errorf("%w %q at %s: the value is ambiguous", ErrDuplicateKey, key, w.where())
				}
				return fmt.Errorf("%w %q at %s: it differs from %q only in letter case, so the value is ambiguous", ErrDuplicateKey, key, w.where(), first)
			}
			seen[fold] = key
			if err := w.value(); err != nil {
				return err
			}
			w.path = w.path[:len(w.path)-1]
		}
	case '[':
		for i := 0; w.dec.More(); i++ {
			w.path = append(w.path, "["+strconv.Itoa(i)+"]")
			if err := w.value(); err != nil {
				return err
			}
			w.path = w.path[:len(w.path)-1]
		}
	}
	if _, err := w.dec.Token(); err != nil { // the closing delimiter
		return fmt.Errorf("invalid JSON at %s: %w", w.where(), err)
	}
	return nil
}

// keyPath renders one object key as a path step: .name for plain keys,
// ["..."] (JSON-quoted) for anything else.
func keyPath(k string) string {
	plain := k != ""
	for _, r := range k {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			plain = false
			break
		}
	}
	if plain {
		return "." + k
	}
	q, _ := json.Marshal(k)
	return "[" + strings.TrimSpace(string(q)) + "]"
}
