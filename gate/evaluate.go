package gate

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/modelgate/modelgate/rules"
)

// Evaluate judges every rule of f against the candidate's metrics and, for
// vs_baseline and rank-correlation rules, the baseline's (nil when there is
// no baseline). It is pure: no I/O, and now is the only clock it reads
// (waiver expiry). The Result has findings, counts, notes and the
// conclusion; the caller fills in packages and reports.
func Evaluate(f *rules.File, cand, base *Metrics, now time.Time) *Result {
	if cand == nil {
		cand = NewMetrics()
	}
	e := &evaluator{f: f, cand: cand, base: base, now: now}
	r := &Result{
		Schema:      ResultSchemaVersion,
		Tool:        "modelgate",
		RulesFile:   f.Path,
		RulesSHA256: f.SHA256,
		Group:       f.Model.Group,
	}
	if base == nil && f.Model.Baseline != rules.NoBaseline {
		msg := "no approved baseline in group " + f.Model.Group
		switch {
		case !hasBaselineRules(f):
		case f.Model.FirstModel == rules.FirstModelFail:
			msg += ": first_model is fail, so every vs_baseline rule fails"
		default:
			msg += ": first model, only absolute thresholds are judged (first_model: absolute-only)"
		}
		e.note(msg)
	}
	e.out = make([]Finding, 0, e.estimate())
	for i := range f.Rules {
		e.rule(&f.Rules[i])
	}
	e.repeatedRuns() // gate/repeated.go: min_runs_passing
	e.holm()         // gate/holm.go: defaults.multiple_comparisons
	r.Findings = e.out
	r.Notes = e.notes
	r.Counts = count(r.Findings, len(f.Rules))
	r.Conclusion = conclude(r.Findings)
	return r
}

// estimate is the number of findings Evaluate will make, give or take the
// few rule-level ones, so that the findings are allocated once.
func (e *evaluator) estimate() int {
	n := 0
	for i := range e.f.Rules {
		r := &e.f.Rules[i]
		n++
		if r.Metric != nil {
			n += len(e.cand.addrIdx(r.Metric.String()))
		}
		n += len(r.Require)
	}
	return n
}

func hasBaselineRules(f *rules.File) bool {
	for i := range f.Rules {
		if f.Rules[i].VsBaseline != nil || (f.Rules[i].Shap != nil && f.Rules[i].Shap.MinRankCorrelation != nil) {
			return true
		}
	}
	return false
}

type evaluator struct {
	f          *rules.File
	cand, base *Metrics
	now        time.Time
	out        []Finding
	notes      []string
	noted      map[string]bool
	// candShap and baseShap are the SHAP importances per label, gathered
	// by the first shap rule.
	candShap, baseShap map[string]*importance
	// seen and stamp find label sets given twice for one address
	// (conflicts): seen[set] == stamp marks a set met in this pass.
	seen  []int32
	stamp int32
	// baseIdx is the baseline's label index, rebuilt for each rule in the
	// same maps (their buckets are kept): one index per rule would leave
	// its maps as garbage, tens of MB over a large run.
	baseIdx labelIndex
}

// conflicts returns, for the candidate's instances of addr, the label sets
// that two records give with different values (two attached reports that
// disagree, such as Bias.Report and Bias.PostTrainingReport on one facet's
// DI, or one giving a value and the other none), each with a sentence
// naming the sources. Judging both copies would let a missing or passing
// copy stand beside a failing one; which to judge is ambiguous, so both are
// an error. Copies with equal values are no conflict. It is one pass over
// the address's records; the map is nil when there is no conflict.
func (e *evaluator) conflicts(addr string) map[int32]string {
	ids := e.cand.addrIdx(addr)
	if len(ids) < 2 {
		return nil
	}
	if len(e.seen) < len(e.cand.sets) {
		e.seen = make([]int32, len(e.cand.sets))
		e.stamp = 0
	}
	// Pass 1: the first record of each label set; a set met again is a
	// copy, whose value is compared with the first.
	e.stamp++
	var first map[int32]int32 // set -> its first record, for sets given twice
	var differ map[int32]bool
	for _, j := range ids {
		set := e.cand.recs[j].labels
		if e.seen[set] != e.stamp {
			e.seen[set] = e.stamp
			continue
		}
		if first == nil {
			first, differ = map[int32]int32{}, map[int32]bool{}
		}
		if _, ok := first[set]; !ok {
			// The first record of this set: find it again below.
			first[set] = -1
		}
	}
	if first == nil {
		return nil
	}
	// Pass 2: for the sets given twice, the first value and whether any
	// copy differs, with the sources that give the set.
	srcs := map[int32][]string{}
	for _, j := range ids {
		set := e.cand.recs[j].labels
		f, dup := first[set]
		if !dup {
			continue
		}
		if f < 0 {
			first[set] = j
		} else if !sameValue(e.cand.recs[f].value, e.cand.recs[j].value) {
			differ[set] = true
		}
		if src := e.cand.strs[e.cand.recs[j].source]; !slices.Contains(srcs[set], src) && len(srcs[set]) < 4 {
			srcs[set] = append(srcs[set], src)
		}
	}
	var out map[int32]string
	for set := range differ {
		if out == nil {
			out = map[int32]string{}
		}
		var in Instance
		e.cand.inst(first[set], &in)
		out[set] = fmt.Sprintf("%s%s is given with different values by %s; which one to judge is ambiguous", addr, instLabels(&in), strings.Join(srcs[set], " and "))
	}
	return out
}

func (e *evaluator) note(s string) {
	if e.noted == nil {
		e.noted = map[string]bool{}
	}
	if !e.noted[s] {
		e.noted[s] = true
		e.notes = append(e.notes, s)
	}
}

// ruleCtx is the part of a finding that is the same for every instance.
type ruleCtx struct {
	r         *rules.Rule
	severity  rules.Severity
	onMissing rules.OnMissing
	waived    bool // an active waiver
}

func (e *evaluator) rule(r *rules.Rule) {
	rc := ruleCtx{r: r, severity: e.f.EffectiveSeverity(r), onMissing: e.f.EffectiveOnMissing(r)}
	if r.Waiver != nil {
		if r.Waiver.Active(e.now) {
			rc.waived = true
		} else {
			// An expired waiver fails on its own: the exception ran out and
			// somebody has to decide again.
			e.out = append(e.out, Finding{
				Rule: r.ID, RulePos: r.Waiver.Pos, Severity: rules.SeverityError,
				Value: math.NaN(), StdDev: math.NaN(), Baseline: math.NaN(), Delta: math.NaN(),
				Threshold: "waiver expires " + r.Waiver.Expires.Format("2006-01-02"),
				Verdict:   Fail, Blocking: true,
				Reason: fmt.Sprintf("waiver (owner %s) expired on %s; renew it or remove it",
					r.Waiver.Owner, r.Waiver.Expires.Format("2006-01-02")),
			})
		}
	}
	if k, ok := ruleKinds[r.Kind()]; ok {
		k.judge(e, rc)
	}
}

// ruleKind is what the gate does with one kind of rule: judge it, and name
// the ModelMetrics slots it reads from the candidate (and, for comparisons,
// from the baseline).
type ruleKind struct {
	judge func(e *evaluator, rc ruleCtx)
	slots func(r *rules.Rule, cand, base map[string]bool)
}

var ruleKinds = map[rules.RuleKind]ruleKind{
	rules.RuleMetric: {(*evaluator).metric, func(r *rules.Rule, cand, base map[string]bool) {
		addSlots(cand, FamilySlots(r.Metric.Family()))
		if r.VsBaseline != nil {
			addSlots(base, FamilySlots(r.Metric.Family()))
		}
	}},
	rules.RuleRequire: {(*evaluator).require, func(r *rules.Rule, cand, _ map[string]bool) {
		for _, e := range r.Require {
			slots, _ := requireSlots(e)
			addSlots(cand, slots)
		}
	}},
	rules.RuleShap: {(*evaluator).shap, func(r *rules.Rule, cand, base map[string]bool) {
		cand[SlotExplainability] = true
		if r.Shap.MinRankCorrelation != nil {
			base[SlotExplainability] = true
		}
	}},
}

// ruleSlots adds the slots rule r reads to cand and base (neededSlots).
func ruleSlots(r *rules.Rule, cand, base map[string]bool) {
	if k, ok := ruleKinds[r.Kind()]; ok {
		k.slots(r, cand, base)
	}
}

func addSlots(into map[string]bool, slots []string) {
	for _, s := range slots {
		into[s] = true
	}
}

// emit applies severity, waiver and blocking to a verdict and appends it.
func (e *evaluator) emit(rc ruleCtx, fd Finding) {
	r := rc.r
	fd.Rule, fd.Severity = r.ID, rc.severity
	if !fd.RulePos.IsValid() {
		fd.RulePos = r.Pos
	}
	switch fd.Verdict {
	case Fail, Error:
		fd.Blocking = rc.severity == rules.SeverityError
		if !fd.Blocking && fd.Verdict == Fail {
			fd.Verdict = Warn
		}
	case Missing:
		switch rc.onMissing {
		case rules.MissingWarn:
			fd.Verdict = Warn
		case rules.MissingSkip:
			fd.Verdict = Skipped
		default:
			fd.Blocking = rc.severity == rules.SeverityError
		}
	case Inconclusive:
		fd.Blocking = rc.severity == rules.SeverityError && r.OnInconclusive != rules.MissingWarn
	}
	if rc.waived && fd.Verdict != Pass && fd.Verdict != Skipped {
		fd.Reason = fmt.Sprintf("waived until %s by %s (%s): %s", r.Waiver.Expires.Format("2006-01-02"), r.Waiver.Owner, r.Waiver.Reason, fd.Reason)
		fd.Verdict, fd.Blocking = Waived, false
	}
	e.out = append(e.out, fd)
}

func nanFinding() Finding {
	return Finding{Value: math.NaN(), StdDev: math.NaN(), Baseline: math.NaN(), Delta: math.NaN()}
}

// requireSlots maps a require entry to the slots that satisfy it and the
// address prefix their instances must show (empty: being attached and
// fetched is enough).
func requireSlots(entry string) ([]string, string) {
	switch entry {
	case SlotQuality:
		return []string{SlotQuality}, "quality."
	case SlotBias:
		return []string{SlotBias, SlotBiasPre, SlotBiasPost}, "bias."
	case SlotBiasPre:
		return []string{SlotBiasPre, SlotBias}, "bias.pre."
	case SlotBiasPost:
		return []string{SlotBiasPost, SlotBias}, "bias.post."
	case SlotExplainability:
		return []string{SlotExplainability}, "shap."
	}
	return []string{entry}, ""
}

func (e *evaluator) require(rc ruleCtx) {
	for _, entry := range rc.r.Require {
		fd := nanFinding()
		fd.RulePos = rc.r.RequirePos
		fd.Metric = entry
		fd.Threshold = "attached and readable"
		slots, prefix := requireSlots(entry)
		var attached []string
		var readErr string
		for _, s := range slots {
			ok, err := e.cand.Source(s)
			if !ok {
				continue
			}
			if err != "" {
				readErr = s + ": " + err
				continue
			}
			attached = append(attached, s)
		}
		switch {
		case len(attached) == 0 && readErr != "":
			fd.Verdict, fd.Reason = Error, "report could not be read: "+readErr
		case len(attached) == 0:
			fd.Verdict, fd.Reason = Fail, fmt.Sprintf("report %s is not attached to the candidate package", entry)
		case prefix != "" && len(e.cand.WithPrefix(prefix)) == 0:
			fd.Verdict, fd.Reason = Fail, fmt.Sprintf("report %s is attached (%s) but holds no %s* metrics", entry, strings.Join(attached, ", "), prefix)
		case prefix == "" && e.isNamedReport(entry) && !e.cand.HasSource(entry):
			fd.Verdict, fd.Reason = Fail, fmt.Sprintf("report %s was read but holds no metric", entry)
		default:
			fd.Verdict = Pass
		}
		e.emit(rc, fd)
	}
}

func (e *evaluator) isNamedReport(name string) bool {
	for i := range e.f.Reports {
		if e.f.Reports[i].Name == name {
			return true
		}
	}
	return false
}

// matches reports whether the instance has every label of where.
func matches(in *Instance, where map[string]string) bool {
	for k, v := range where {
		if in.Label(k) != v {
			return false
		}
	}
	return true
}

// check is one compiled condition of a metric rule.
type check struct {
	kind      string // min, max, between, abs_max, max_deviation
	lo, hi    float64
	threshold string
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// pct0 writes a confidence level as fmt's "%.0f%%" of conf*100 does, without
// fmt (it is on the path of every instance that fails a band).
func pct0(conf float64) string { return strconv.FormatFloat(conf*100, 'f', 0, 64) + "%" }

// isFinite reports whether v is neither NaN nor infinite. Every
// intermediate result a verdict rests on is checked with it: a non-finite
// one is an error verdict, never a pass.
func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func compileBounds(r *rules.Rule, sem Semantics) []check {
	var cs []check
	if r.Min != nil {
		cs = append(cs, check{kind: "min", lo: r.Min.V, hi: math.Inf(1), threshold: ">= " + fmtNum(r.Min.V)})
	}
	if r.Max != nil {
		cs = append(cs, check{kind: "max", lo: math.Inf(-1), hi: r.Max.V, threshold: "<= " + fmtNum(r.Max.V)})
	}
	if r.Between != nil {
		cs = append(cs, check{kind: "between", lo: r.Between.Lo, hi: r.Between.Hi, threshold: "in [" + fmtNum(r.Between.Lo) + ", " + fmtNum(r.Between.Hi) + "]"})
	}
	if r.AbsMax != nil {
		cs = append(cs, check{kind: "abs_max", lo: -r.AbsMax.V, hi: r.AbsMax.V, threshold: "|x| <= " + fmtNum(r.AbsMax.V)})
	}
	if r.MaxDeviation != nil {
		id := idealOf(r, sem)
		cs = append(cs, check{kind: "max_deviation", lo: id - r.MaxDeviation.V, hi: id + r.MaxDeviation.V,
			threshold: "|x - " + fmtNum(id) + "| <= " + fmtNum(r.MaxDeviation.V)})
	}
	return cs
}

func idealOf(r *rules.Rule, sem Semantics) float64 {
	if r.Ideal != nil {
		return r.Ideal.V
	}
	if sem.HasIdeal {
		return sem.Ideal
	}
	return 0
}

func directionOf(r *rules.Rule, sem Semantics) rules.Direction {
	if r.Direction != "" {
		return r.Direction
	}
	if sem.Direction != "" {
		return sem.Direction
	}
	return rules.HigherIsBetter
}

// zFor is the one-sided normal quantile for a confidence level: a bound is
// judged on value - z·σ (for a floor) or value + z·σ (for a ceiling).
func zFor(c float64) float64 {
	if c <= 0 || c >= 1 {
		return 0
	}
	return math.Sqrt2 * math.Erfinv(2*c-1)
}

func (e *evaluator) metric(rc ruleCtx) {
	r := rc.r
	addr := r.Metric.String()
	sem, semErr := e.reportSemantics(r, SemanticsOf(*r.Metric)) // gate/llmsemantics.go
	checks := compileBounds(r, sem)
	var thr []string
	for _, c := range checks {
		thr = append(thr, c.threshold)
	}
	vs := newVsCheck(r, sem)
	if vs != nil {
		thr = append(thr, vs.threshold)
	}
	if r.MinSamples > 0 {
		thr = append(thr, "n >= "+strconv.Itoa(r.MinSamples))
	}
	threshold := strings.Join(thr, ", ")
	z := zFor(r.Confidence)
	if why := cmp.Or(semErr, e.configError(r, sem, vs)); why != "" {
		fd := nanFinding()
		fd.Metric, fd.Threshold, fd.Verdict, fd.Reason = addr, threshold, Error, why
		e.emit(rc, fd)
		return
	}

	var baseIdx *labelIndex
	if vs != nil && e.base != nil {
		baseIdx = e.baseIdx.build(e.base, addr)
	}

	// A violations rule without `where` judges the total of its check type
	// (the unlabelled instance); `where: {feature: F}` selects the counts
	// per feature. Otherwise `max: 4` would pass five violations spread
	// over five features.
	totalsOnly := r.Metric.Family() == rules.FamilyViolations && len(r.Where) == 0
	n := 0
	var conflicts map[int32]string
	if r.MinRunsPassing == 0 { // repeated runs are copies by design (gate/repeated.go)
		conflicts = e.conflicts(addr)
	}
	var cin, bin Instance // one copy of each, reused: no allocation per instance
	in := &cin
	for _, j := range e.cand.addrIdx(addr) {
		e.cand.inst(j, in)
		if !matches(in, r.Where) || (totalsOnly && len(in.Labels) > 0) {
			continue
		}
		n++
		fd := Finding{Metric: addr, Labels: in.Labels, Value: in.Value, StdDev: in.StdDev,
			Baseline: math.NaN(), Delta: math.NaN(), Threshold: threshold, Source: in.Source}
		if reason, ok := conflicts[e.cand.recs[j].labels]; ok {
			fd.Verdict, fd.Reason = Error, reason
			e.emit(rc, fd)
			continue
		}
		if in.Missing() {
			fd.Verdict, fd.Reason = Missing, missingReason(in)
			e.emit(rc, fd)
			continue
		}
		fd.Verdict = Pass
		if r.MinSamples > 0 {
			fd.Verdict, fd.Reason = e.samples(in, r.MinSamples)
		}
		for _, c := range checks {
			v, reason := judgeBound(c, in, z, r.Confidence)
			fd.Verdict, fd.Reason = worse(fd.Verdict, fd.Reason, v, reason)
		}
		if vs != nil {
			var b *Instance
			ambiguous := false
			if baseIdx != nil {
				var bj int32
				var found bool
				bj, found, ambiguous = baseIdx.find(e.cand.setHash[e.cand.recs[j].labels], in.Labels)
				if found {
					e.base.inst(bj, &bin)
					b = &bin
				}
			}
			v, reason := e.judgeVs(vs, in, b, z, r.Confidence, &fd)
			if vs.vb.Paired != "" && e.base != nil { // gate/paired.go
				v, reason = e.judgePaired(vs, in, r.Confidence, &fd)
			}
			if ambiguous {
				v, reason = Missing, "the baseline has several different values for "+in.Address+instLabels(in)+"; which one to compare with is ambiguous"
			}
			fd.Verdict, fd.Reason = worse(fd.Verdict, fd.Reason, v, reason)
		}
		e.emit(rc, fd)
	}
	if n == 0 {
		fd := nanFinding()
		fd.Metric, fd.Threshold = addr, threshold
		fd.Verdict = Missing
		fd.Reason = e.absentReason(addr, r.Where)
		if err := e.readErrorFor(e.cand, r.Metric.Family()); err != "" {
			// A report that could not be read is an error, never a
			// missing value that on_missing could skip.
			fd.Verdict, fd.Reason = Error, addr+" not found; a report it may come from could not be read: "+err
		}
		e.emit(rc, fd)
	}
}

// configError is a rule that cannot be judged as written: a comparison
// whose direction or ideal modelgate does not know, or a comparison with a
// baseline the rules file turned off.
func (e *evaluator) configError(r *rules.Rule, sem Semantics, vs *vsCheck) string {
	addr := r.Metric.String()
	if c := r.Confidence; c != 0 && !(c >= rules.MinConfidence && c < 1) {
		return fmt.Sprintf("confidence %v is not a level in [0.5, 1): below 0.5 the band would loosen the threshold", c)
	}
	if r.MaxDeviation != nil {
		if id := idealOf(r, sem); !isFinite(id-r.MaxDeviation.V) || !isFinite(id+r.MaxDeviation.V) {
			return "ideal ± max_deviation is not a finite number"
		}
	}
	if vs != nil && e.f.Model.Baseline == rules.NoBaseline {
		return "model.baseline is none, but this rule compares with the baseline"
	}
	if vs != nil && !sem.Known && r.Direction == "" {
		return "modelgate does not know which way " + addr + " is better; set direction: higher, lower or ideal"
	}
	needsIdeal := r.MaxDeviation != nil || (vs != nil && directionOf(r, sem) == rules.TowardIdeal)
	if needsIdeal && r.Ideal == nil && !sem.HasIdeal {
		return "modelgate does not know the ideal value of " + addr + "; set ideal:"
	}
	return ""
}

// FamilySlots are the ModelMetrics slots whose reports hold the metrics of
// an address family: quality, bias and shap read their slots, and a slot
// read as generic JSON (quality.constraints, data_quality, the drift
// baselines) is its own family, addressed `"quality.constraints".<path>`
// or `data_quality.<path>`. Other families (llm, violations, report names)
// come from the rules file's reports only: nil.
func FamilySlots(family string) []string {
	switch family {
	case rules.FamilyQuality:
		return []string{SlotQuality}
	case rules.FamilyBias:
		return []string{SlotBias, SlotBiasPre, SlotBiasPost}
	case rules.FamilyShap:
		return []string{SlotExplainability}
	}
	if rules.IsSlotFamily(family) {
		return []string{family}
	}
	return nil
}

// formatFamilies are the families a rules-file report of a forced format
// can hold; a report whose format is detected may hold any.
var formatFamilies = map[string][]string{
	"model-quality":          {rules.FamilyQuality},
	"clarify-bias":           {rules.FamilyBias, rules.FamilyShap},
	"clarify-explainability": {rules.FamilyShap},
	"monitor-violations":     {rules.FamilyViolations},
	"fmeval":                 {rules.FamilyLLM},
	"json":                   {},
}

// readErrorFor is the read error of a report of m the family's metrics may
// come from, or "".
func (e *evaluator) readErrorFor(m *Metrics, family string) string {
	if m == nil {
		return ""
	}
	slots := FamilySlots(family)
	if slots == nil {
		slots = []string{family}
	}
	// Rules-file reports are detected from content, so any of them may
	// hold an llm, violations, bias or shap family, unless its format is
	// forced to one that cannot.
	for i := range e.f.Reports {
		rep := &e.f.Reports[i]
		if fams, ok := formatFamilies[rep.Format]; ok && rep.Name != family && !slices.Contains(fams, family) {
			continue
		}
		slots = append(slots, rep.Name)
	}
	for _, s := range slots {
		if _, err := m.Source(s); err != "" {
			return err
		}
	}
	return ""
}

func missingReason(in *Instance) string {
	if in.Note != "" {
		return "no finite value: " + in.Note
	}
	return "no finite value in the report"
}

func (e *evaluator) absentReason(addr string, where map[string]string) string {
	if len(where) > 0 && len(e.cand.Lookup(addr)) > 0 {
		keys := make([]string, 0, len(where))
		for k, v := range where {
			keys = append(keys, k+"="+v)
		}
		sort.Strings(keys)
		return fmt.Sprintf("%s has no instance with %s", addr, strings.Join(keys, " "))
	}
	var read, broken []string
	for _, s := range e.cand.Sources() {
		if _, err := e.cand.Source(s); err != "" {
			broken = append(broken, err)
		} else {
			read = append(read, s)
		}
	}
	msg := fmt.Sprintf("%s not found in the candidate's reports (read: %s)", addr, strings.Join(read, ", "))
	if len(read) == 0 {
		msg = fmt.Sprintf("%s not found: no report of the candidate could be read", addr)
	}
	if len(broken) > 0 {
		msg += "; unreadable: " + strings.Join(broken, "; ")
	}
	return msg
}

func (e *evaluator) samples(in *Instance, min int) (Verdict, string) {
	slot, _, _ := strings.Cut(in.Source, ":")
	n, ok := e.cand.ItemCount[slot]
	if in.N > 0 { // the report's own count for this value (lm-eval n-samples)
		n, ok = in.N, true
	}
	if !ok || n <= 0 {
		return Missing, fmt.Sprintf("min_samples %d set but report %s gives no dataset.item_count", min, slot)
	}
	if n < min {
		// Too few records to judge: missing, so that on_missing applies
		// (a value that fails anyway still fails: worse keeps the fail).
		return Missing, fmt.Sprintf("report %s was computed on %d records; min_samples is %d", slot, n, min)
	}
	return Pass, ""
}

var verdictRank = map[Verdict]int{Pass: 0, Skipped: 1, Warn: 2, Inconclusive: 3, Missing: 4, Fail: 5, Error: 6}

func worse(v1 Verdict, r1 string, v2 Verdict, r2 string) (Verdict, string) {
	if verdictRank[v2] > verdictRank[v1] || (verdictRank[v2] == verdictRank[v1] && r1 == "") {
		return v2, r2
	}
	return v1, r1
}

// judgeBound judges lo <= value <= hi, on value ± z·σ when a confidence is set.
func judgeBound(c check, in *Instance, z, conf float64) (Verdict, string) {
	v := in.Value
	if conf > 0 && in.HasStdDev() && in.StdDev > 0 {
		m := z * in.StdDev
		if !isFinite(m) || !isFinite(v-m) || !isFinite(v+m) {
			return Error, fmt.Sprintf("the %.0f%% confidence band of %s (σ %s) is not a finite number", conf*100, fmtNum(v), fmtNum(in.StdDev))
		}
		switch {
		case v-m >= c.lo && v+m <= c.hi:
			return Pass, ""
		case v+m < c.lo || v-m > c.hi:
			return Fail, fmtNum(v) + " outside " + c.threshold + " even at " + pct0(conf) + " confidence (±" + fmtNum(m) + ")"
		default:
			return Inconclusive, fmtNum(v) + " ± " + fmtNum(m) + " (" + pct0(conf) + " confidence) straddles " + c.threshold + ": within noise"
		}
	}
	suffix := ""
	if conf > 0 {
		suffix = " (no standard deviation in the report; judged the point value)"
	}
	if v < c.lo || v > c.hi {
		return Fail, boundReason(c, v) + suffix
	}
	if suffix != "" {
		return Pass, strings.TrimPrefix(suffix, " ")
	}
	return Pass, ""
}

func boundReason(c check, v float64) string {
	switch c.kind {
	case "min":
		return fmtNum(v) + " is below the minimum " + fmtNum(c.lo)
	case "max":
		return fmtNum(v) + " is above the maximum " + fmtNum(c.hi)
	case "abs_max":
		return "|" + fmtNum(v) + "| exceeds " + fmtNum(c.hi)
	case "max_deviation":
		mid := c.lo/2 + c.hi/2 // no overflow for bounds near the float64 limit
		return fmt.Sprintf("%s is %s from the ideal %s; at most %s allowed", fmtNum(v), fmtNum(math.Abs(v-mid)), fmtNum(mid), fmtNum((c.hi-c.lo)/2))
	}
	return fmt.Sprintf("%s is outside [%s, %s]", fmtNum(v), fmtNum(c.lo), fmtNum(c.hi))
}

// vsCheck is a compiled vs_baseline condition.
type vsCheck struct {
	family    string
	dir       rules.Direction
	ideal     float64
	vb        *rules.VsBaseline
	threshold string
}

func newVsCheck(r *rules.Rule, sem Semantics) *vsCheck {
	vb := r.VsBaseline
	if vb == nil {
		return nil
	}
	c := &vsCheck{family: r.Metric.Family(), dir: directionOf(r, sem), ideal: idealOf(r, sem), vb: vb}
	var parts []string
	add := func(n *rules.Number, s string) {
		if n != nil {
			parts = append(parts, s+" "+fmtNum(n.V))
		}
	}
	add(vb.MaxDrop, "drop <=")
	add(vb.MaxDropPct, "drop% <=")
	add(vb.MinGain, "gain >=")
	add(vb.MinGainPct, "gain% >=")
	add(vb.MaxRise, "rise <=")
	add(vb.MaxRisePct, "rise% <=")
	what := "vs baseline"
	if c.dir == rules.TowardIdeal {
		what = "vs baseline, distance from ideal " + fmtNum(c.ideal)
	}
	c.threshold = strings.Join(parts, ", ") + " " + what
	return c
}

// worsening is how much worse the candidate is than the baseline, in the
// metric's direction (negative: better), and the reference the percentages
// are relative to.
func (c *vsCheck) worsening(cv, bv float64) (w, ref float64) {
	switch c.dir {
	case rules.LowerIsBetter:
		return cv - bv, math.Abs(bv)
	case rules.TowardIdeal:
		db := math.Abs(bv - c.ideal)
		return math.Abs(cv-c.ideal) - db, db
	default:
		return bv - cv, math.Abs(bv)
	}
}

func (e *evaluator) judgeVs(c *vsCheck, in, b *Instance, z, conf float64, fd *Finding) (Verdict, string) {
	if e.base == nil {
		if e.f.Model.FirstModel == rules.FirstModelFail {
			return Fail, "no approved baseline to compare with (first_model: fail)"
		}
		return Pass, "no approved baseline: vs_baseline not judged (first model)"
	}
	if b == nil {
		if err := e.readErrorFor(e.base, c.family); err != "" {
			return Error, "the baseline has no " + in.Address + instLabels(in) + "; a baseline report it may come from could not be read: " + err
		}
		return Missing, "the baseline has no " + in.Address + instLabels(in)
	}
	if b.Missing() {
		return Missing, "the baseline's value is not finite: " + missingReason(b)
	}
	fd.Baseline = b.Value
	fd.Delta = in.Value - b.Value
	w, ref := c.worsening(in.Value, b.Value)
	if !isFinite(fd.Delta) || !isFinite(w) || !isFinite(ref) {
		return Error, fmt.Sprintf("the change from the baseline %s to %s is not a finite number", fmtNum(b.Value), fmtNum(in.Value))
	}
	// Noise of the difference of two independent estimates.
	sigma := math.NaN()
	if conf > 0 && in.HasStdDev() && b.HasStdDev() {
		sigma = math.Sqrt(in.StdDev*in.StdDev + b.StdDev*b.StdDev)
	}
	vb := c.vb
	verdict, reason := Pass, ""
	// judge requires x <= limit; say describes x for the reason.
	judge := func(x, limit float64, pct bool, say func(x string) string) {
		unit := ""
		if pct {
			unit = "%"
		}
		v, why := Pass, ""
		if !isFinite(x) || !isFinite(limit) {
			verdict, reason = worse(verdict, reason, Error, say(fmtNum(x)+unit)+": not a finite number; cannot be judged")
			return
		}
		if !math.IsNaN(sigma) && sigma > 0 && !pct {
			m := z * sigma
			if !isFinite(m) || !isFinite(x-m) || !isFinite(x+m) {
				verdict, reason = worse(verdict, reason, Error, fmt.Sprintf("%s: the %.0f%% confidence band (σ %s) is not a finite number", say(fmtNum(x)), conf*100, fmtNum(sigma)))
				return
			}
			switch {
			case x-m > limit:
				v, why = Fail, fmt.Sprintf("%s; limit %s even at %.0f%% confidence (±%s)", say(fmtNum(x)), fmtNum(limit), conf*100, fmtNum(m))
			case x+m > limit:
				v, why = Inconclusive, fmt.Sprintf("%s ± %s (%.0f%% confidence) straddles the limit %s: within noise", say(fmtNum(x)), fmtNum(m), conf*100, fmtNum(limit))
			}
		} else if x > limit {
			v, why = Fail, fmt.Sprintf("%s vs baseline %s; limit %s%s", say(fmtNum(x)+unit), fmtNum(b.Value), fmtNum(limit), unit)
			if conf > 0 && !pct {
				why += " (no standard deviation for both; judged the point values)"
			}
		}
		verdict, reason = worse(verdict, reason, v, why)
	}
	// rel turns x into a percentage of ref; a zero reference is handled
	// explicitly: any worsening fails, none passes, and the run says so.
	rel := func(x, ref float64, what string) (float64, bool) {
		if ref != 0 {
			return x / ref * 100, true
		}
		e.note("a relative vs_baseline rule met a baseline of 0: the relative change is undefined, so any worsening fails and none passes")
		if x > 0 {
			verdict, reason = worse(verdict, reason, Fail, fmt.Sprintf("baseline is %s, so a %s of %s is an unbounded relative change", fmtNum(b.Value), what, fmtNum(x)))
		}
		return 0, false
	}
	drop := func(x string) string { return "drop " + x }
	gainShort := func(need float64) func(string) string {
		return func(x string) string { return fmt.Sprintf("gain short of the required %s by %s", fmtNum(need), x) }
	}
	rise := func(x string) string { return "rise " + x }
	if vb.MaxDrop != nil {
		judge(w, vb.MaxDrop.V, false, drop)
	}
	if vb.MaxDropPct != nil {
		if p, ok := rel(w, ref, "drop"); ok {
			judge(p, vb.MaxDropPct.V, true, drop)
		}
	}
	// A gain of at least g is a shortfall (g - gain) of at most 0.
	if vb.MinGain != nil {
		judge(vb.MinGain.V+w, 0, false, gainShort(vb.MinGain.V))
	}
	if vb.MinGainPct != nil {
		// With a zero reference there is no relative gain: fail unless it improved.
		if p, ok := rel(w, ref, "drop"); ok {
			judge(vb.MinGainPct.V+p, 0, true, gainShort(vb.MinGainPct.V))
		} else if w >= 0 {
			verdict, reason = worse(verdict, reason, Fail, fmt.Sprintf("baseline is %s, so a relative gain is undefined and there is no gain", fmtNum(b.Value)))
		}
	}
	up := in.Value - b.Value
	if vb.MaxRise != nil {
		judge(up, vb.MaxRise.V, false, rise)
	}
	if vb.MaxRisePct != nil {
		if p, ok := rel(up, math.Abs(b.Value), "rise"); ok {
			judge(p, vb.MaxRisePct.V, true, rise)
		}
	}
	return verdict, reason
}

func instLabels(in *Instance) string {
	if len(in.Labels) == 0 {
		return ""
	}
	return " (" + LabelString(in.Labels) + ")"
}

func count(fs []Finding, nRules int) Counts {
	c := Counts{Rules: nRules}
	failed := map[string]bool{}
	for i := range fs {
		switch fs[i].Verdict {
		case Pass:
			c.Pass++
		case Fail:
			c.Fail++
		case Warn:
			c.Warn++
		case Missing:
			c.Missing++
		case Inconclusive:
			c.Inconclusive++
		case Waived:
			c.Waived++
		case Skipped:
			c.Skipped++
		case Error:
			c.Error++
		}
		if fs[i].Blocking {
			failed[fs[i].Rule] = true
		}
	}
	c.FailedRules = len(failed)
	return c
}

func conclude(fs []Finding) Conclusion {
	concl := Success
	for i := range fs {
		if fs[i].Blocking {
			return Failure
		}
		if fs[i].Verdict != Pass && fs[i].Verdict != Skipped {
			concl = Neutral
		}
	}
	return concl
}

// FailOnWarnings turns a neutral conclusion into a failure (the action's
// fail_on: warning).
func (r *Result) FailOnWarnings() {
	if r.Conclusion == Neutral {
		r.Conclusion = Failure
		for i := range r.Findings {
			// A waiver is a decision already taken, not a warning.
			if v := r.Findings[i].Verdict; v != Pass && v != Skipped && v != Waived {
				r.Findings[i].Blocking = true
			}
		}
		r.Counts = count(r.Findings, r.Counts.Rules)
	}
}

// labelIndex finds the baseline instance with the same labels as a
// candidate instance, by a hash of the labels (checked label by label, so a
// collision cannot pair the wrong instances).
type labelIndex struct {
	m *Metrics
	// first is the first record of each label hash, next the following
	// record with the same hash (-1 ends), both in the order added.
	first map[uint64]int32
	next  map[int32]int32
}

// build indexes the records of addr in m, reusing li's maps, and returns
// li.
func (li *labelIndex) build(m *Metrics, addr string) *labelIndex {
	ids := m.addrIdx(addr)
	li.m = m
	if li.first == nil {
		li.first = make(map[uint64]int32, len(ids))
	} else {
		clear(li.first)
	}
	clear(li.next)
	// Backwards, so that each chain runs in the order added.
	for k := len(ids) - 1; k >= 0; k-- {
		j := ids[k]
		h := m.setHash[m.recs[j].labels]
		if prev, ok := li.first[h]; ok {
			if li.next == nil {
				li.next = map[int32]int32{}
			}
			li.next[j] = prev
		}
		li.first[h] = j
	}
	return li
}

// find returns the record with labels ls (whose hash is h); ambiguous is
// true when there are several with different values (the same report
// attached twice with other numbers).
func (li *labelIndex) find(h uint64, ls []Label) (found int32, ok, ambiguous bool) {
	j, more := li.first[h]
	for ; more; j, more = li.next[j] {
		r := &li.m.recs[j]
		if !sameLabels(li.m.sets[r.labels], ls) {
			continue
		}
		if !ok {
			found, ok = j, true
		} else if !sameValue(li.m.recs[found].value, r.value) {
			return found, true, true
		}
	}
	return found, ok, false
}

func sameValue(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

func hashLabels(ls []Label) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	for _, l := range ls {
		for i := 0; i < len(l.Key); i++ {
			h = (h ^ uint64(l.Key[i])) * prime
		}
		h = (h ^ 0xff) * prime
		for i := 0; i < len(l.Value); i++ {
			h = (h ^ uint64(l.Value[i])) * prime
		}
		h = (h ^ 0xfe) * prime
	}
	return h
}

func sameLabels(a, b []Label) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
