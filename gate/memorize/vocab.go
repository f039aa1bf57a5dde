package memorize

import (
	"bytes"
	"hash/maphash"
)

// vocab maps normalised tokens to dense ids 0..len-1, in insertion order:
// an open-addressing table over one byte arena of the tokens. It replaces
// map[string]uint32 on the hot paths (a look-up per corpus and output
// token): no string header or allocation per token, and one slot of 16
// bytes read per look-up of a token of up to 8 bytes (most words), whose
// bytes are the slot's key. A longer token's key is its hash, confirmed
// against the arena. Ids do not depend on the hash seed.
type vocab struct {
	seed  maphash.Seed
	slots []slot
	data  []byte   // the tokens, concatenated in id order
	end   []uint32 // end[id] is the end of token id in data
}

type slot struct {
	key  uint64 // a short token's bytes, little-endian; a long one's hash
	meta uint64 // len<<32 | id+1; 0 is an empty slot
}

func newVocab() *vocab { return &vocab{seed: maphash.MakeSeed(), slots: make([]slot, 64)} }

// len is the number of tokens.
func (v *vocab) len() int { return len(v.end) }

// token is the bytes of token id.
func (v *vocab) token(id uint32) []byte {
	start := uint32(0)
	if id > 0 {
		start = v.end[id-1]
	}
	return v.data[start:v.end[id]]
}

// keyOf returns tok's key and the hash that places it.
func (v *vocab) keyOf(tok []byte) (key, h uint64) {
	if len(tok) > 8 {
		h = maphash.Bytes(v.seed, tok)
		return h, h
	}
	for i, c := range tok {
		key |= uint64(c) << (8 * i)
	}
	return key, fmix64(key ^ uint64(len(tok))<<59)
}

// find returns the id of tok and the slot it is in or would go to.
func (v *vocab) find(tok []byte) (id uint32, at int, ok bool) {
	key, h := v.keyOf(tok)
	mask := len(v.slots) - 1
	n := uint64(len(tok))
	for i := int(h) & mask; ; i = (i + 1) & mask {
		s := &v.slots[i]
		if s.meta == 0 {
			return 0, i, false
		}
		if s.key == key && s.meta>>32 == n {
			id := uint32(s.meta) - 1
			if n <= 8 || bytes.Equal(v.token(id), tok) {
				return id, i, true
			}
		}
	}
}

// lookup returns the id of tok.
func (v *vocab) lookup(tok []byte) (uint32, bool) {
	id, _, ok := v.find(tok)
	return id, ok
}

// add returns the id of tok, adding it when new (then added is true).
func (v *vocab) add(tok []byte) (id uint32, added bool) {
	id, at, ok := v.find(tok)
	if ok {
		return id, false
	}
	id = uint32(len(v.end))
	v.data = append(v.data, tok...)
	v.end = append(v.end, uint32(len(v.data)))
	key, _ := v.keyOf(tok)
	v.slots[at] = slot{key: key, meta: uint64(len(tok))<<32 | uint64(id+1)}
	if 2*len(v.end) > len(v.slots) { // load at most one half
		v.grow()
	}
	return id, true
}

func (v *vocab) grow() {
	old := v.slots
	v.slots = make([]slot, 2*len(old))
	mask := len(v.slots) - 1
	for _, s := range old {
		if s.meta == 0 {
			continue
		}
		_, h := v.keyOf(v.token(uint32(s.meta) - 1))
		i := int(h) & mask
		for v.slots[i].meta != 0 {
			i = (i + 1) & mask
		}
		v.slots[i] = s
	}
}
