package memorize

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

func checkValid(t *testing.T, s string) {
	t.Helper()
	if got, want := validJSON([]byte(s)), json.Valid([]byte(s)); got != want {
		t.Errorf("validJSON(%q) = %v; encoding/json says %v", s, got, want)
	}
}

func TestValidJSON(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		``, ` `, `null`, `nul`, `nulll`, `true`, `false`, `tru`, `0`, `-0`, `01`, `-`, `1.`, `1.5`, `.5`, `1e5`, `1E+5`, `1e-5`, `1e`, `1e+`,
		`-01`, `1.5e3.2`, `"a"`, `"a`, `"\"`, `"\\"`, `"\u00e9"`, `"\u00e"`, `"\u00eg"`, `"\x"`, "\"\x01\"", "\"\x7f\"", "\"\xff\xfe\"",
		`{}`, `{ }`, `[]`, `[ ]`, `[1,]`, `[,1]`, `[1 2]`, `{"a":1}`, `{"a" 1}`, `{"a":}`, `{"a":1,}`, `{a:1}`, `{1:1}`, `{"a":1}}`,
		`{"a":[1,{"b":null}],"c":"d"}`, " \t\r\n{\"a\" : [ 1 , 2 ] }\n ", `[NaN]`, `[Infinity]`, `{"a":1} {"b":2}`, `"a" "b"`, `[1] x`,
		strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth),
		strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1),
		strings.Repeat(`{"a":`, maxDepth) + "1" + strings.Repeat("}", maxDepth),
		strings.Repeat(`{"a":`, maxDepth+1) + "1" + strings.Repeat("}", maxDepth+1),
		strings.Repeat("[", 20),
	} {
		checkValid(t, s)
	}
}

// TestValidJSONRandom compares with encoding/json on short random strings
// over JSON's alphabet (every short input over it, sampled) and on random
// mutations of valid documents.
func TestValidJSONRandom(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(9, 10))
	const alphabet = "{}[]\",:0123-+.eE\\ utnrfalsx/\x01\xff"
	var b []byte
	for i := 0; i < 300000; i++ {
		b = b[:0]
		for n := rng.IntN(12); n >= 0; n-- {
			b = append(b, alphabet[rng.IntN(len(alphabet))])
		}
		checkValid(t, string(b))
	}
	docs := []string{`{"a": [1, -2.5e+3, true, false, null, "x\"\\\/\b\f\n\r\t\u00e9"], "b": {"c": {}}, "d": []}`, `[0, -0.0, 1E5, "é"]`}
	for i := 0; i < 100000; i++ {
		b = append(b[:0], docs[rng.IntN(len(docs))]...)
		for m := rng.IntN(3); m >= 0; m-- {
			k := rng.IntN(len(b))
			switch rng.IntN(3) {
			case 0:
				b = append(b[:k], b[k+1:]...)
			case 1:
				b[k] = alphabet[rng.IntN(len(alphabet))]
			default:
				b = append(b[:k], append([]byte{alphabet[rng.IntN(len(alphabet))]}, b[k:]...)...)
			}
		}
		checkValid(t, string(b))
	}
}

func FuzzValidJSON(f *testing.F) {
	f.Add(`{"a": [1, "b\u00e9"]}`)
	f.Add(`[-0.5e+3, true]`)
	f.Fuzz(func(t *testing.T, s string) { checkValid(t, s) })
}
