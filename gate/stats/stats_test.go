package stats

import (
	"math"
	"testing"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.10g, want %.10g (±%g)", what, got, want, tol)
	}
}

// Published values. Wikipedia "McNemar's test" (Bland's example, a=59 b=6
// c=16 d=80): exact binomial p = 0.0525 (sum of C(22,i)/2^22 for i <= 6,
// doubled = 0.052478790283203125). Agresti, Categorical Data Analysis
// (2002) §10.1, presidential approval 794/150/86/570: chi-square with
// continuity (|150-86|-1)^2/236 = 16.818, p = 4.1146e-5.
func TestMcNemarPublished(t *testing.T) {
	p, exact := McNemar(6, 16)
	if !exact {
		t.Error("22 discordant pairs should use the exact test")
	}
	near(t, "exact p (6,16)", p, 0.052478790283203125, 1e-15)
	p, exact = McNemar(150, 86)
	if exact {
		t.Error("236 discordant pairs should use chi-square")
	}
	near(t, "chi2 p (150,86)", p, 4.1145622813459415e-05, 1e-12)
	p, _ = McNemar(0, 5)
	near(t, "exact p (0,5)", p, 0.0625, 1e-15)
	p, _ = McNemar(0, 0)
	near(t, "no discordant pairs", p, 1, 0)
	near(t, "one-sided (9,1)", McNemarOneSided(9, 1), 11.0/1024, 1e-15)
	near(t, "one-sided (1,9)", McNemarOneSided(1, 9), 1-1.0/1024, 1e-12)
	if p := McNemarOneSided(200, 100); p > 1e-8 {
		t.Errorf("one-sided (200,100) = %g; want tiny", p)
	}
	if p := McNemarOneSided(100, 200); p < 0.999 {
		t.Errorf("one-sided (100,200) = %g; want ~1", p)
	}
}

// R: t.test(1:5): t = 4.2426, df = 4, p-value = 0.01324, 95 percent
// confidence interval 1.036757 4.963243; qt(0.975, 10) = 2.228139;
// 2*pt(-2, 10) = 0.07338803.
func TestPairedTPublished(t *testing.T) {
	r, err := PairedT([]float64{1, 2, 3, 4, 5}, 0.975)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "mean", r.Diff, 3, 1e-12)
	near(t, "p", r.P, 0.01324, 5e-6)
	near(t, "lo", r.Lo, 1.036757, 1e-6)
	near(t, "hi", r.Hi, 4.963243, 1e-6)
	near(t, "qt(.975,10)", TQuantile(0.975, 10), 2.228139, 1e-6)
	near(t, "2*pt(-2,10)", 2*TCDF(-2, 10), 0.07338803, 1e-8)
	if _, err := PairedT([]float64{1}, 0.95); err != ErrNoPairs {
		t.Errorf("one pair: err = %v", err)
	}
	r, _ = PairedT([]float64{-0.5, -0.5, -0.5}, 0.95)
	if r.Lo != -0.5 || r.Hi != -0.5 || r.P != 0 || r.PWorse != 0 {
		t.Errorf("constant differences: %+v", r)
	}
}

// Closed form: the bootstrap distribution of the mean of n values, half 1
// and half 0, is Binomial(n, 1/2)/n, close to Normal(1/2, 1/(4n)); with
// n = 10000 the 95% bounds are 0.5 ± 1.6449·0.005.
func TestBootstrapClosedForm(t *testing.T) {
	n := 10000
	d := make([]float64, n)
	for i := 0; i < n/2; i++ {
		d[i] = 1
	}
	r, err := Bootstrap(d, 0.95, 4000, 42)
	if err != nil {
		t.Fatal(err)
	}
	m := 1.6448536269514722 * 0.005
	near(t, "mean", r.Diff, 0.5, 1e-12)
	near(t, "lo", r.Lo, 0.5-m, 6e-4)
	near(t, "hi", r.Hi, 0.5+m, 6e-4)
	again, _ := Bootstrap(d, 0.95, 4000, 42)
	if again != r {
		t.Errorf("same seed gave %+v then %+v", r, again)
	}
	other, _ := Bootstrap(d, 0.95, 4000, 43)
	if other.Lo == r.Lo && other.Hi == r.Hi {
		t.Error("a different seed gave the same interval")
	}
	if r.P != 0 || r.PWorse != 1 {
		t.Errorf("p = %g, p(worse) = %g for a mean 0.5 (100 standard errors above 0); want 0 and 1", r.P, r.PWorse)
	}
}

func TestPairedCounts(t *testing.T) {
	// 1000 items, 30 lost, 10 gained: diff -0.02, chi-square p.
	r, err := PairedCounts(1000, 30, 10, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "diff", r.Diff, -0.02, 1e-15)
	se := math.Sqrt(40-400.0/1000) / 1000
	near(t, "lo", r.Lo, -0.02-1.6448536269514722*se, 1e-12)
	p, _ := McNemar(30, 10)
	if r.P != p || r.Method != "mcnemar-chi2" || r.B != 30 || r.C != 10 {
		t.Errorf("%+v", r)
	}
	if _, err := PairedCounts(0, 0, 0, 0.95); err != ErrNoPairs {
		t.Errorf("no pairs: %v", err)
	}
	if _, err := PairedCounts(5, 4, 4, 0.95); err == nil {
		t.Error("b+c > n accepted")
	}
	bin, _ := PairedBinary([]bool{true, false, false, true}, []bool{true, true, true, false}, 0.95)
	if bin.B != 2 || bin.C != 1 || bin.N != 4 || bin.Diff != -0.25 {
		t.Errorf("PairedBinary = %+v", bin)
	}
}

func TestConfidenceOutOfRange(t *testing.T) {
	for _, c := range []float64{0, 1, -0.5, 1.5, math.NaN()} {
		if _, err := PairedCounts(10, 1, 2, c); err != ErrConfidence {
			t.Errorf("PairedCounts conf %v: %v", c, err)
		}
		if _, err := PairedT([]float64{1, 2}, c); err != ErrConfidence {
			t.Errorf("PairedT conf %v: %v", c, err)
		}
		if _, err := Bootstrap([]float64{1, 2}, c, 10, 1); err != ErrConfidence {
			t.Errorf("Bootstrap conf %v: %v", c, err)
		}
	}
}
