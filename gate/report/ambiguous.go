package report

import (
	"cmp"
	"hash/maphash"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/gate"
)

// maxAmbiguousPaths caps the JSON paths one ambiguity note lists.
const maxAmbiguousPaths = 4

var instanceSeed = maphash.MakeSeed()

// markAmbiguous makes every metric that the report gives more than once
// (the same address with the same labels, read at two JSON paths: a
// model-quality metric at the top level and in a *_metrics section, or in
// two sections; one facet value listed twice in a Clarify bias section; an
// fmeval evaluation of one dataset listed twice) one missing instance whose
// note names every path. Which of two values to judge is ambiguous, so
// neither may pass; equal values are no exception (the file is not what
// its producer writes). It runs after every reader, so that a new format
// cannot forget it. The first instance keeps its place; the others are
// dropped.
func markAmbiguous(out []gate.Instance, slot string) []gate.Instance {
	if len(out) < 2 {
		return out
	}
	// Sort (hash, index) pairs rather than keying a map by strings: a
	// report at the size cap has over a million instances.
	type hi struct {
		h uint64
		i int32
	}
	hs := make([]hi, len(out))
	for i := range out {
		hs[i] = hi{instanceHash(&out[i]), int32(i)}
	}
	slices.SortFunc(hs, func(a, b hi) int {
		if c := cmp.Compare(a.h, b.h); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	var drop []bool
	for s := 0; s < len(hs); {
		e := s + 1
		for e < len(hs) && hs[e].h == hs[s].h {
			e++
		}
		if e-s > 1 {
			// Instances with one hash: group those with equal keys (a
			// hash collision of different keys is not a duplicate).
			for a := s; a < e; a++ {
				first := &out[hs[a].i]
				if drop != nil && drop[hs[a].i] {
					continue
				}
				var dups []int32
				for b := a + 1; b < e; b++ {
					if (drop == nil || !drop[hs[b].i]) && sameKey(first, &out[hs[b].i]) {
						dups = append(dups, hs[b].i)
					}
				}
				if len(dups) == 0 {
					continue
				}
				if drop == nil {
					drop = make([]bool, len(out))
				}
				paths := []string{pathOf(first.Source, slot)}
				for _, d := range dups {
					drop[d] = true
					paths = append(paths, pathOf(out[d].Source, slot))
				}
				first.Value, first.StdDev = math.NaN(), math.NaN()
				first.Note = ambiguousNote(paths)
			}
		}
		s = e
	}
	if drop == nil {
		return out
	}
	kept := out[:0]
	for i := range out {
		if !drop[i] {
			kept = append(kept, out[i])
		}
	}
	clear(out[len(kept):])
	return kept
}

func ambiguousNote(paths []string) string {
	n := len(paths)
	shown := paths
	more := ""
	if n > maxAmbiguousPaths {
		shown = paths[:maxAmbiguousPaths]
		more = ", ..."
	}
	times := strconv.Itoa(n) + " times"
	if n == 2 {
		times = "twice"
	}
	return "ambiguous: the report gives this metric " + times + ", at " +
		strings.Join(shown, ", ") + more + "; which value to judge is not clear"
}

// pathOf strips the `<slot>: ` prefix of an instance source.
func pathOf(source, slot string) string {
	return strings.TrimPrefix(source, slot+": ")
}

func instanceHash(in *gate.Instance) uint64 {
	var h maphash.Hash
	h.SetSeed(instanceSeed)
	h.WriteString(in.Address)
	for _, l := range in.Labels {
		h.WriteByte(0)
		h.WriteString(l.Key)
		h.WriteByte(1)
		h.WriteString(l.Value)
	}
	return h.Sum64()
}

// sameKey reports whether two instances have one address and equal labels
// (readers sort labels by key).
func sameKey(a, b *gate.Instance) bool {
	return a.Address == b.Address && slices.Equal(a.Labels, b.Labels)
}
