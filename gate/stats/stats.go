// Package stats holds the paired tests modelgate uses to compare a
// candidate's per-item results with the baseline's on the same items:
// McNemar for pass/fail items (exact binomial for few discordant pairs,
// chi-square with continuity correction otherwise), a paired bootstrap
// with a fixed seed and a paired t on the mean difference for scores.
//
// Every difference is candidate minus baseline. Intervals are the one-sided
// bounds at the confidence level on each side (Lo is the conf lower bound,
// Hi the conf upper bound), so that "the drop exceeds the tolerance with
// confidence conf" reads as a bound beyond the tolerance.
package stats

import (
	"errors"
	"math"
	"math/bits"
	"sort"
)

// ExactLimit is the number of discordant pairs below which McNemar uses
// the exact binomial test.
const ExactLimit = 25

// Result is a paired comparison.
type Result struct {
	// Method is "mcnemar-exact", "mcnemar-chi2", "bootstrap" or "paired-t".
	Method string
	// N is the number of matched pairs.
	N int
	// Diff is the mean of candidate - baseline.
	Diff float64
	// Lo and Hi bound Diff at the confidence level, one side each.
	Lo, Hi float64
	// P is the two-sided p-value of "no difference".
	P float64
	// PWorse is the one-sided p-value of "the candidate is not worse"
	// (worse meaning a lower mean), where the method gives one.
	PWorse float64
	// B and C are the discordant counts of a pass/fail comparison:
	// baseline pass and candidate fail (B), candidate pass and baseline
	// fail (C).
	B, C int
}

// ErrNoPairs is returned when there is nothing to compare.
var ErrNoPairs = errors.New("no matched pairs")

// ErrConfidence is returned for a confidence level outside (0, 1).
var ErrConfidence = errors.New("stats: confidence must be between 0 and 1 (exclusive)")

func badConf(c float64) bool { return !(c > 0 && c < 1) }

// McNemar is the two-sided p-value of McNemar's test on the discordant
// counts b and c, and whether it is the exact binomial one (b+c <
// ExactLimit) or chi-square with continuity correction.
func McNemar(b, c int) (p float64, exact bool) {
	n := b + c
	if n == 0 {
		return 1, true
	}
	if n < ExactLimit {
		return math.Min(1, 2*binomCDF(min(b, c), n)), true
	}
	d := math.Abs(float64(b-c)) - 1
	if d < 0 {
		d = 0
	}
	x := d * d / float64(n)
	return math.Erfc(math.Sqrt(x / 2)), false
}

// McNemarOneSided is the one-sided p-value that the b pairs (baseline
// pass, candidate fail) outnumber the c pairs by chance alone.
func McNemarOneSided(b, c int) float64 {
	n := b + c
	if n == 0 {
		return 1
	}
	if n < ExactLimit {
		// P(X >= b) for X ~ Bin(n, 1/2) = P(X <= c).
		return math.Min(1, binomCDF(c, n))
	}
	d := float64(b-c) - 1
	if d <= 0 {
		return math.Min(1, 0.5+0.5*math.Erf(-d/math.Sqrt(float64(n))/math.Sqrt2))
	}
	return 0.5 * math.Erfc(d/math.Sqrt(float64(n))/math.Sqrt2)
}

// binomCDF is P(X <= k) for X ~ Binomial(n, 1/2), summed in log space.
func binomCDF(k, n int) float64 {
	lgN, _ := math.Lgamma(float64(n + 1))
	s := 0.0
	for i := 0; i <= k; i++ {
		a, _ := math.Lgamma(float64(i + 1))
		b, _ := math.Lgamma(float64(n - i + 1))
		s += math.Exp(lgN - a - b - float64(n)*math.Ln2)
	}
	return s
}

// zOne is the one-sided normal quantile for conf.
func zOne(conf float64) float64 { return math.Sqrt2 * math.Erfinv(2*conf-1) }

// PairedBinary compares pass/fail outcomes of matched items (cand[i] and
// base[i] are the same item): the difference of pass rates, a Wald
// interval for a paired difference of proportions, and McNemar's p-value.
func PairedBinary(cand, base []bool, conf float64) (Result, error) {
	if len(cand) != len(base) {
		return Result{}, errors.New("stats: candidate and baseline have different lengths")
	}
	b, c := 0, 0
	for i := range cand {
		switch {
		case base[i] && !cand[i]:
			b++
		case cand[i] && !base[i]:
			c++
		}
	}
	return PairedCounts(len(cand), b, c, conf)
}

// PairedCounts is PairedBinary from the counts: n matched pairs, b with
// baseline pass and candidate fail, c with candidate pass and baseline fail.
func PairedCounts(n, b, c int, conf float64) (Result, error) {
	if n <= 0 {
		return Result{}, ErrNoPairs
	}
	if badConf(conf) {
		return Result{}, ErrConfidence
	}
	if b < 0 || c < 0 || b+c > n {
		return Result{}, errors.New("stats: discordant counts outside 0..n")
	}
	fn := float64(n)
	d := float64(c-b) / fn
	se := math.Sqrt(math.Max(0, float64(b+c)-float64(c-b)*float64(c-b)/fn)) / fn
	m := zOne(conf) * se
	p, exact := McNemar(b, c)
	method := "mcnemar-chi2"
	if exact {
		method = "mcnemar-exact"
	}
	return Result{Method: method, N: n, Diff: d, Lo: d - m, Hi: d + m, P: p, PWorse: McNemarOneSided(b, c), B: b, C: c}, nil
}

// PairedT is the paired t test on d (candidate - baseline per item): the
// mean, its Student-t interval and the two-sided p-value.
func PairedT(d []float64, conf float64) (Result, error) {
	n := len(d)
	if n < 2 {
		return Result{}, ErrNoPairs
	}
	if badConf(conf) {
		return Result{}, ErrConfidence
	}
	mean, sd := meanSD(d)
	se := sd / math.Sqrt(float64(n))
	df := float64(n - 1)
	r := Result{Method: "paired-t", N: n, Diff: mean}
	if se == 0 {
		r.Lo, r.Hi = mean, mean
		r.P, r.PWorse = 1, 1
		if mean != 0 {
			r.P = 0
		}
		if mean < 0 {
			r.PWorse = 0
		}
		return r, nil
	}
	t := mean / se
	q := TQuantile(conf, df)
	r.Lo, r.Hi = mean-q*se, mean+q*se
	r.P = 2 * TCDF(-math.Abs(t), df)
	r.PWorse = TCDF(t, df) // small when the mean is well below 0
	return r, nil
}

func meanSD(d []float64) (mean, sd float64) {
	// Welford, for accuracy on long inputs.
	var m, s float64
	for i, x := range d {
		k := float64(i + 1)
		delta := x - m
		m += delta / k
		s += delta * (x - m)
	}
	if len(d) < 2 {
		return m, 0
	}
	return m, math.Sqrt(s / float64(len(d)-1))
}

// Bootstrap is the paired bootstrap of the mean of d with iters resamples
// drawn from a SplitMix64 generator seeded with seed (the same inputs give the
// same interval): percentile bounds at conf, and the two-sided p-value as
// twice the share of resampled means on the far side of 0.
func Bootstrap(d []float64, conf float64, iters int, seed uint64) (Result, error) {
	n := len(d)
	if n == 0 {
		return Result{}, ErrNoPairs
	}
	if badConf(conf) {
		return Result{}, ErrConfidence
	}
	if iters < 1 {
		iters = 1000
	}
	mean, _ := meanSD(d)
	// SplitMix64 inline: one draw costs a few multiplications, so 1000
	// resamples of 100,000 items stay well under a second.
	state := seed
	means := make([]float64, iters)
	un := uint64(n)
	for b := range means {
		// Two draws per step, two sums: independent work the CPU overlaps.
		s0, s1 := 0.0, 0.0
		i := 0
		for ; i+1 < n; i += 2 {
			z0 := splitmix(state + golden)
			state += golden + golden
			z1 := splitmix(state)
			h0, _ := bits.Mul64(z0, un)
			h1, _ := bits.Mul64(z1, un)
			s0 += d[h0]
			s1 += d[h1]
		}
		if i < n {
			state += golden
			h, _ := bits.Mul64(splitmix(state), un)
			s0 += d[h]
		}
		means[b] = (s0 + s1) / float64(n)
	}
	sort.Float64s(means)
	r := Result{Method: "bootstrap", N: n, Diff: mean,
		Lo: quantile(means, 1-conf), Hi: quantile(means, conf)}
	below, above := 0, 0
	for _, m := range means {
		if m <= 0 {
			below++
		}
		if m >= 0 {
			above++
		}
	}
	r.P = math.Min(1, 2*float64(min(below, above))/float64(iters))
	r.PWorse = float64(above) / float64(iters)
	return r, nil
}

var golden uint64 = 0x9E3779B97F4A7C15 // a var: sums of it wrap, as SplitMix64 wants

// splitmix is SplitMix64's output function.
func splitmix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// quantile of sorted xs at q, by linear interpolation.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 1 {
		return xs[0]
	}
	h := q * float64(len(xs)-1)
	lo := math.Floor(h)
	i := int(lo)
	if i >= len(xs)-1 {
		return xs[len(xs)-1]
	}
	if i < 0 {
		return xs[0]
	}
	return xs[i] + (h-lo)*(xs[i+1]-xs[i])
}

// TCDF is the Student t distribution function with df degrees of freedom.
func TCDF(t, df float64) float64 {
	x := df / (df + t*t)
	p := 0.5 * RegIncBeta(df/2, 0.5, x)
	if t > 0 {
		return 1 - p
	}
	return p
}

// TQuantile is the conf quantile of Student's t (by bisection on TCDF).
func TQuantile(conf, df float64) float64 {
	if conf == 0.5 {
		return 0
	}
	lo, hi := -1e3, 1e3
	for i := 0; i < 200 && hi-lo > 1e-12; i++ {
		mid := (lo + hi) / 2
		if TCDF(mid, df) < conf {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// RegIncBeta is the regularized incomplete beta function I_x(a, b)
// (continued fraction, Numerical Recipes betacf).
func RegIncBeta(a, b, x float64) float64 {
	if x <= 0 {
		return 0
	}
	if x >= 1 {
		return 1
	}
	la, _ := math.Lgamma(a + b)
	lb, _ := math.Lgamma(a)
	lc, _ := math.Lgamma(b)
	front := math.Exp(la - lb - lc + a*math.Log(x) + b*math.Log(1-x))
	if x < (a+1)/(a+b+2) {
		return front * betacf(a, b, x) / a
	}
	return 1 - front*betacf(b, a, 1-x)/b
}

func betacf(a, b, x float64) float64 {
	const eps, tiny = 1e-15, 1e-300
	qab, qap, qam := a+b, a+1, a-1
	c, d := 1.0, 1-qab*x/qap
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1; m <= 300; m++ {
		fm := float64(m)
		m2 := 2 * fm
		aa := fm * (b - fm) * x / ((qam + m2) * (a + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		h *= d * c
		aa = -(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < eps {
			break
		}
	}
	return h
}
