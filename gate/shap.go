package gate

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/rules"
)

// importance is one label's global |SHAP| per feature, ranked.
type importance struct {
	label    string
	features []featureShap // sorted by |value| descending, then name
	total    float64
	missing  []string // features whose value is not finite
}

type featureShap struct {
	name string
	abs  float64
}

// shapByLabel gathers the shap.<feature> instances of m per label. A
// feature given twice for a label (the same analysis attached twice) counts
// once; given twice with different values, it is missing (ambiguous).
func shapByLabel(m *Metrics) map[string]*importance {
	out := map[string]*importance{}
	seen := map[string]map[string]float64{} // label -> feature -> |value|
	for _, addr := range m.WithPrefix(rules.FamilyShap + ".") {
		a, err := rules.ParseAddress(addr)
		if err != nil || len(a.Parts) != 2 {
			continue
		}
		feature := a.Parts[1]
		m.Each(addr, func(in *Instance) {
			lb := in.Label("label")
			im := out[lb]
			if im == nil {
				im = &importance{label: lb}
				out[lb] = im
				seen[lb] = map[string]float64{}
			}
			if in.Missing() {
				im.missing = append(im.missing, feature)
				return
			}
			v := math.Abs(in.Value)
			if prev, dup := seen[lb][feature]; dup {
				if prev != v {
					im.missing = append(im.missing, feature+" (given twice with different values)")
				}
				return
			}
			seen[lb][feature] = v
			im.features = append(im.features, featureShap{feature, v})
			im.total += v
		})
	}
	for _, im := range out {
		sort.Slice(im.features, func(i, j int) bool {
			if im.features[i].abs != im.features[j].abs {
				return im.features[i].abs > im.features[j].abs
			}
			return im.features[i].name < im.features[j].name
		})
	}
	return out
}

// rank is 1 + the number of features strictly more important: a feature
// tied with a top-k feature is in the top k too. 0 when absent.
func (im *importance) rank(feature string) int {
	for _, f := range im.features {
		if f.name == feature {
			r := 1
			for _, g := range im.features {
				if g.abs > f.abs {
					r++
				}
			}
			return r
		}
	}
	return 0
}

func sortedLabels(m map[string]*importance) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (e *evaluator) shap(rc ruleCtx) {
	s := rc.r.Shap
	label := s.Label
	if label == "" {
		label = rc.r.Where["label"]
	}
	if e.candShap == nil {
		// Gathered once for every shap rule.
		e.candShap = shapByLabel(e.cand)
		if e.base != nil {
			e.baseShap = shapByLabel(e.base)
		}
	}
	cand, base := e.candShap, e.baseShap
	if err := e.readErrorFor(e.cand, rules.FamilyShap); err != "" {
		// A SHAP rule judges the whole ranking: with a report that could
		// not be read, the ranking may be partial or empty, and that is an
		// error naming the report, never "no SHAP values" that
		// on_missing: skip would pass.
		fd := nanFinding()
		fd.RulePos, fd.Metric, fd.Threshold, fd.Verdict = s.Pos, "shap", "explainability report", Error
		fd.Reason = "SHAP values cannot be judged: a report they may come from could not be read: " + err
		e.emit(rc, fd)
		return
	}
	labels := sortedLabels(cand)
	if label != "" {
		labels = nil
		if _, ok := cand[label]; ok {
			labels = []string{label}
		}
	}
	if len(labels) == 0 {
		fd := nanFinding()
		fd.RulePos, fd.Metric, fd.Threshold, fd.Verdict = s.Pos, "shap", "explainability report", Missing
		fd.Reason = "no SHAP values in the candidate's reports"
		if label != "" {
			fd.Reason = fmt.Sprintf("no SHAP values for label %q in the candidate's reports", label)
		}
		e.emit(rc, fd)
		return
	}
	for _, lb := range labels {
		im := cand[lb]
		lbl := []Label{{Key: "label", Value: lb}}
		if !isFinite(im.total) {
			// Finite values whose sum overflows: every share would be 0.
			fd := nanFinding()
			fd.RulePos, fd.Metric, fd.Labels, fd.Threshold, fd.Verdict = s.Pos, "shap", lbl, "finite SHAP values", Error
			fd.Reason = "the total |SHAP| of label " + lb + " is not a finite number (the values overflow); shares and ranks cannot be judged"
			e.emit(rc, fd)
			continue
		}
		if len(im.missing) > 0 {
			fd := nanFinding()
			fd.RulePos, fd.Metric, fd.Labels, fd.Threshold, fd.Verdict = s.Pos, "shap", lbl, "finite SHAP values", Missing
			fd.Reason = "SHAP value not finite for " + strings.Join(im.missing, ", ")
			e.emit(rc, fd)
		}
		if s.NotInTop > 0 {
			e.notInTop(rc, im, lbl)
		}
		if s.MaxShare != nil {
			e.maxShare(rc, im, lbl)
		}
		if s.MinRankCorrelation != nil {
			e.rankCorrelation(rc, im, base, lbl)
		}
	}
}

func (e *evaluator) notInTop(rc ruleCtx, im *importance, lbl []Label) {
	s := rc.r.Shap
	thr := "not in top " + strconv.Itoa(s.NotInTop)
	if im.total == 0 {
		fd := nanFinding()
		fd.RulePos, fd.Metric, fd.Labels, fd.Threshold, fd.Verdict = s.Pos, "shap", lbl, thr, Missing
		fd.Reason = "every SHAP value of label " + im.label + " is 0: no ranking"
		e.emit(rc, fd)
		return
	}
	for _, f := range s.Features {
		fd := nanFinding()
		fd.RulePos, fd.Threshold = s.Pos, thr
		fd.Metric = rules.FormatAddress(rules.FamilyShap, f)
		fd.Labels = lbl
		rk := im.rank(f)
		if rk == 0 {
			fd.Verdict = Missing
			fd.Reason = fmt.Sprintf("feature %q is not among the %d features of label %s", f, len(im.features), im.label)
			e.emit(rc, fd)
			continue
		}
		for _, g := range im.features {
			if g.name == f {
				fd.Value = g.abs
			}
		}
		if rk <= s.NotInTop {
			fd.Verdict = Fail
			fd.Reason = fmt.Sprintf("%s ranks %d of %d by |SHAP| (share %.1f%%); must not be in the top %d",
				f, rk, len(im.features), share(fd.Value, im.total)*100, s.NotInTop)
		} else {
			fd.Verdict = Pass
			fd.Reason = fmt.Sprintf("rank %d of %d", rk, len(im.features))
		}
		e.emit(rc, fd)
	}
}

func share(v, total float64) float64 {
	if total == 0 {
		return 0
	}
	return v / total
}

func (e *evaluator) maxShare(rc ruleCtx, im *importance, lbl []Label) {
	s := rc.r.Shap
	fd := nanFinding()
	fd.RulePos, fd.Metric, fd.Labels = s.Pos, "shap (share)", lbl
	fd.Threshold = "max share <= " + fmtNum(s.MaxShare.V)
	if len(im.features) == 0 || im.total == 0 {
		fd.Verdict, fd.Reason = Missing, "no non-zero SHAP values for label "+im.label
		e.emit(rc, fd)
		return
	}
	top := im.features[0]
	fd.Value = share(top.abs, im.total)
	fd.Labels = []Label{{Key: "feature", Value: top.name}, lbl[0]}
	if fd.Value > s.MaxShare.V {
		fd.Verdict = Fail
		fd.Reason = fmt.Sprintf("%s holds %.1f%% of total |SHAP|; at most %.1f%% allowed", top.name, fd.Value*100, s.MaxShare.V*100)
	} else {
		fd.Verdict = Pass
	}
	e.emit(rc, fd)
}

func (e *evaluator) rankCorrelation(rc ruleCtx, im *importance, base map[string]*importance, lbl []Label) {
	s := rc.r.Shap
	fd := nanFinding()
	fd.RulePos, fd.Metric, fd.Labels = s.Pos, "shap (rank correlation)", lbl
	fd.Threshold = "spearman >= " + fmtNum(s.MinRankCorrelation.V) + " vs baseline"
	if e.base == nil {
		if e.f.Model.FirstModel == rules.FirstModelFail {
			fd.Verdict, fd.Reason = Fail, "no approved baseline to compare the feature ranking with (first_model: fail)"
		} else {
			fd.Verdict, fd.Reason = Pass, "no approved baseline: ranking not compared (first model)"
		}
		e.emit(rc, fd)
		return
	}
	b := base[im.label]
	if err := e.readErrorFor(e.base, rules.FamilyShap); err != "" {
		fd.Verdict, fd.Reason = Error, "the baseline's SHAP values cannot be compared: a baseline report they may come from could not be read: "+err
		e.emit(rc, fd)
		return
	}
	if b != nil && !isFinite(b.total) {
		fd.Verdict, fd.Reason = Error, "the baseline's total |SHAP| of label "+im.label+" is not a finite number (the values overflow)"
		e.emit(rc, fd)
		return
	}
	if b == nil || len(b.features) == 0 {
		fd.Verdict, fd.Reason = Missing, "the baseline has no SHAP values for label "+im.label
		e.emit(rc, fd)
		return
	}
	rho, common, added, removed := spearman(im, b)
	if len(added) > 0 || len(removed) > 0 {
		w := nanFinding()
		w.RulePos, w.Metric, w.Labels, w.Threshold = s.Pos, "shap (feature set)", lbl, "same features as baseline"
		w.Verdict = Warn
		w.Reason = "feature set changed:" + listChange("+", added) + listChange("-", removed)
		e.emit(rc, w)
	}
	if common < 2 {
		fd.Verdict, fd.Reason = Missing, fmt.Sprintf("only %d features in common with the baseline; ranking cannot be compared", common)
		e.emit(rc, fd)
		return
	}
	fd.Value = rho
	if !isFinite(rho) {
		fd.Verdict, fd.Reason = Error, fmt.Sprintf("the rank correlation over %d common features is not a finite number", common)
		e.emit(rc, fd)
		return
	}
	if rho < s.MinRankCorrelation.V {
		fd.Verdict = Fail
		fd.Reason = fmt.Sprintf("feature ranking moved: Spearman %.3f over %d common features; at least %s required", rho, common, fmtNum(s.MinRankCorrelation.V))
	} else {
		fd.Verdict = Pass
	}
	e.emit(rc, fd)
}

func listChange(sign string, names []string) string {
	if len(names) == 0 {
		return ""
	}
	const max = 5
	more := ""
	if len(names) > max {
		more = fmt.Sprintf(" (+%d more)", len(names)-max)
		names = names[:max]
	}
	return " " + sign + strings.Join(names, " "+sign) + more
}

// spearman is the rank correlation of the two rankings over their common
// features (ranks recomputed within the common set; ties averaged).
func spearman(c, b *importance) (rho float64, common int, added, removed []string) {
	inB := map[string]float64{}
	for _, f := range b.features {
		inB[f.name] = f.abs
	}
	inC := map[string]bool{}
	var xs, ys []float64
	for _, f := range c.features {
		inC[f.name] = true
		if v, ok := inB[f.name]; ok {
			xs = append(xs, f.abs)
			ys = append(ys, v)
		} else {
			added = append(added, f.name)
		}
	}
	for _, f := range b.features {
		if !inC[f.name] {
			removed = append(removed, f.name)
		}
	}
	sort.Strings(added)
	sort.Strings(removed)
	n := len(xs)
	if n < 2 {
		return math.NaN(), n, added, removed
	}
	rx, ry := ranks(xs), ranks(ys)
	return pearson(rx, ry), n, added, removed
}

func ranks(v []float64) []float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(i, j int) bool { return v[idx[i]] > v[idx[j]] })
	r := make([]float64, len(v))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && v[idx[j+1]] == v[idx[i]] {
			j++
		}
		avg := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			r[idx[k]] = avg
		}
		i = j + 1
	}
	return r
}

func pearson(x, y []float64) float64 {
	n := float64(len(x))
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= n
	my /= n
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		if sxx == syy {
			return 1
		}
		return 0
	}
	return sxy / math.Sqrt(sxx*syy)
}
