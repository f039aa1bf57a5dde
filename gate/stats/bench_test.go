package stats

import (
	"math/rand/v2"
	"testing"
)

func items(n int) (cand, base []bool, d []float64) {
	rng := rand.New(rand.NewPCG(1, 2))
	cand, base, d = make([]bool, n), make([]bool, n), make([]float64, n)
	for i := range cand {
		base[i] = rng.Float64() < 0.7
		cand[i] = rng.Float64() < 0.69
		d[i] = rng.NormFloat64()*0.1 - 0.001
	}
	return
}

func BenchmarkPairedBinary100k(b *testing.B) {
	cand, base, _ := items(100_000)
	for b.Loop() {
		PairedBinary(cand, base, 0.95)
	}
}

func BenchmarkPairedT100k(b *testing.B) {
	_, _, d := items(100_000)
	for b.Loop() {
		PairedT(d, 0.95)
	}
}

func BenchmarkBootstrap100kx1000(b *testing.B) {
	_, _, d := items(100_000)
	for b.Loop() {
		Bootstrap(d, 0.95, 1000, 7)
	}
}
