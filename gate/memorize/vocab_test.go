package memorize

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestVocab compares the table with a map through growth: ids in insertion
// order, every token found with its id, absent tokens (prefixes,
// extensions, the empty token) not found.
func TestVocab(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	v := newVocab()
	want := map[string]uint32{}
	for i := 0; i < 20000; i++ {
		tok := fmt.Sprintf("t%d", rng.IntN(15000))
		if rng.IntN(3) == 0 { // longer than a key
			tok = fmt.Sprintf("long-token-%d", rng.IntN(5000))
		}
		id, added := v.add([]byte(tok))
		if w, ok := want[tok]; ok {
			if added || id != w {
				t.Fatalf("add(%q) = %d, %v; want %d, false", tok, id, added, w)
			}
			continue
		}
		if !added || id != uint32(len(want)) {
			t.Fatalf("add(%q) = %d, %v; want %d, true", tok, id, added, len(want))
		}
		want[tok] = id
	}
	if v.len() != len(want) {
		t.Fatalf("len = %d; want %d", v.len(), len(want))
	}
	for tok, w := range want {
		if id, ok := v.lookup([]byte(tok)); !ok || id != w || string(v.token(id)) != tok {
			t.Fatalf("lookup(%q) = %d, %v; want %d", tok, id, ok, w)
		}
		for _, absent := range []string{tok + "x", tok[:len(tok)-1]} {
			if _, in := want[absent]; in {
				continue
			}
			if id, ok := v.lookup([]byte(absent)); ok {
				t.Fatalf("lookup(%q) = %d, true; it was never added", absent, id)
			}
		}
	}
	if _, ok := v.lookup(nil); ok {
		t.Errorf("lookup(empty) found a token")
	}
}
