package memorize

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// refField is the field extraction fieldReader replaces: encoding/json into
// a map (the last of duplicate keys wins), retried with NaN and Infinity
// replaced by null.
func refField(line []byte, field string) (s string, ok bool, err error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil {
		fixed, changed := nanToNull(nil, line)
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

// dupKey reports whether line (a valid object) has field more than once.
func dupKey(line []byte, field string) bool {
	dec := json.NewDecoder(bytes.NewReader(line))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return false
	}
	n := 0
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return false
		}
		if k == field {
			n++
		}
		var v json.RawMessage
		if dec.Decode(&v) != nil {
			return false
		}
	}
	return n > 1
}

// checkField compares fieldReader.get with the reference on one line: the
// same value, or both an error (with the same message, unless NaN tokens
// made the reference report the syntax error of the original line), or a
// duplicate-key error where the reference took the last value.
func checkField(t *testing.T, f *fieldReader, line string) {
	t.Helper()
	got, gotOK, gotErr := f.get([]byte(line))
	want, wantOK, wantErr := refField([]byte(line), f.field)
	switch {
	case gotErr != nil && strings.Contains(gotErr.Error(), "appears more than once"):
		fixed, _ := nanToNull(nil, []byte(line))
		if !dupKey(fixed, f.field) {
			t.Errorf("get(%q): %v; the field is there once", line, gotErr)
		}
	case (gotErr != nil) != (wantErr != nil):
		t.Errorf("get(%q) error = %v; reference %v", line, gotErr, wantErr)
	case gotErr != nil:
		if gotErr.Error() != wantErr.Error() && !strings.Contains(line, "NaN") && !strings.Contains(line, "Infinity") {
			t.Errorf("get(%q) error = %q; reference %q", line, gotErr, wantErr)
		}
	case string(got) != want || gotOK != wantOK:
		t.Errorf("get(%q) = %q, %v; reference %q, %v", line, got, gotOK, want, wantOK)
	}
}

func TestFieldReader(t *testing.T) {
	t.Parallel()
	f := &fieldReader{field: "text"}
	for _, line := range []string{
		`{"text": "plain"}`,
		` { "a" : 1 , "text" : "x\"y\\z\/\b\f\n\r\t" , "b" : [1, {"text": 2}] } `,
		`{"te\u0078t": "by an escaped key"}`,
		`{"text": "\u00e9\u0301 \ud83d\ude00 \ud83d lone \ude00 \ud83dx \ud83d\u0041"}`,
		"{\"text\": \"bad \xff utf8 \xe2\x82\"}",
		"{\"bad \xff key\": 1, \"text\": \"v\"}",
		`{"text": null}`,
		`{"other": "x"}`,
		`{}`,
		`{"text": 3}`, `{"text": -1.5e3}`, `{"text": true}`, `{"text": false}`,
		`{"text": {"a": "b"}}`, `{"text": ["a"]}`,
		`{"text": "a", "scores": [NaN, -Infinity, Infinity]}`,
		`{"text": NaN}`,
		`{"text": "NaN"}`,
		`[NaN]`, `[1]`, `"s"`, `1`, `true`, `null`, ``, ` `,
		`{"text": "a"`, `{"text": "a"}}`, `{"text": "a"} x`, `{"text" "a"}`, `{text: "a"}`,
		`{"text": "a",}`, `{"text": 'a'}`, `{"text": "a` + "\t" + `"}`, `{"text": "\x"}`, `{"text": "\u12"}`,
		`{"text": "first", "text": "second"}`,
		`{"text": "first", "te\u0078t": null}`,
		`{"a": 1, "a": 2, "text": "dup of another key is fine"}`,
		`{"text": "x", "nested": {"text": "y", "text": "z"}}`,
	} {
		checkField(t, f, line)
	}
}

// TestFieldReaderRandom compares with the reference on random objects built
// from hostile pieces: escapes, surrogates, invalid UTF-8, NaN, nesting,
// duplicate keys, wrong types and broken syntax.
func TestFieldReaderRandom(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	strs := []string{`"text"`, `"te\u0078t"`, `"t"`, `""`, `"a\"b"`, `"\\"`, `"\ud800"`, `"\ud83d\ude00"`, "\"\xc3\"", `"é"`, `"\/"`, `"x y z"`}
	vals := []string{`null`, `1`, `-0.5e-3`, `true`, `false`, `NaN`, `-Infinity`, `[]`, `{}`, `[1, "]", {"a": [null]}]`, `{"text": "in"}`}
	f := &fieldReader{field: "text"}
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		b.WriteString("{")
		for m := rng.IntN(4); m >= 0; m-- {
			b.WriteString(strs[rng.IntN(len(strs))])
			b.WriteString(" : ")
			if rng.IntN(2) == 0 {
				b.WriteString(strs[rng.IntN(len(strs))])
			} else {
				b.WriteString(vals[rng.IntN(len(vals))])
			}
			if m > 0 {
				b.WriteString(", ")
			}
		}
		b.WriteString("}")
		line := []byte(b.String())
		if rng.IntN(5) == 0 { // break it
			k := rng.IntN(len(line))
			switch rng.IntN(3) {
			case 0:
				line = append(line[:k:k], line[k+1:]...)
			case 1:
				const junk = `{}[],:"\ 0x`
				line[k] = junk[rng.IntN(len(junk))]
			default:
				line = line[:k]
			}
		}
		checkField(t, f, string(line))
	}
}

// FuzzFieldReader compares with the reference on any line.
func FuzzFieldReader(f *testing.F) {
	f.Add(`{"text": "a\u00e9", "x": [NaN]}`)
	f.Add(`{"text": "a", "text": "b"}`)
	f.Add(`[1]`)
	fr := &fieldReader{field: "text"}
	f.Fuzz(func(t *testing.T, line string) {
		checkField(t, fr, line)
	})
}

// TestFieldReaderNoGarbage pins what the streaming extraction is for: no
// allocation per line once its buffers have grown, with escapes and NaN
// tokens too.
func TestFieldReaderNoGarbage(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	f := &fieldReader{field: "text"}
	lines := [][]byte{
		[]byte(`{"id": 7, "text": "plain text of a document", "meta": {"text": [1, 2]}}`),
		[]byte(`{"text": "escaped\n\"text\" \u00e9\ud83d\ude00", "score": NaN}`),
	}
	allocs := testing.AllocsPerRun(100, func() {
		for _, l := range lines {
			if _, ok, err := f.get(l); !ok || err != nil {
				t.Fatalf("get(%s) = %v, %v", l, ok, err)
			}
		}
	})
	if allocs != 0 {
		t.Errorf("get allocates %v times per two lines; want 0", allocs)
	}
}
