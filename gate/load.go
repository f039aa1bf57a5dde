package gate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/modelgate/modelgate/rules"
)

// Parsed is what a report reader makes of one report.
type Parsed struct {
	// Format is the format the report was read as.
	Format string
	// Instances are the metric instances, in document order.
	Instances []Instance
	// ItemCount is dataset.item_count when the report gives a whole
	// number, else 0.
	ItemCount int
}

// ReadFunc reads one report's bytes into metric instances (gate/report.Read).
type ReadFunc func(src Source, data []byte) (*Parsed, error)

// ComputeFunc computes a report that modelgate makes itself (the
// memorization check) for a package. details, when not nil, is attached to
// the result under the report's name.
type ComputeFunc func(ctx context.Context, reg Registry, pkg *Package, rep rules.Report) (p *Parsed, details json.RawMessage, err error)

// RunOptions configure Run.
type RunOptions struct {
	// Candidate overrides the rules file's model.candidate when not empty.
	Candidate string
	Read      ReadFunc
	Compute   ComputeFunc
	// Concurrency bounds the parallel report fetches; 0 means all of them
	// at once, up to MaxConcurrency.
	Concurrency int
	Now         time.Time
}

// MaxConcurrency bounds the report fetches of a run in flight at once: a
// run fetches every report of both packages in one wave up to this many.
const MaxConcurrency = 32

// Run resolves the candidate and the baseline (concurrently), fetches and
// reads the reports the rules need (in parallel), and evaluates. An error
// is a registry failure (exit 3): no Result is returned, so nothing can be
// approved on partial data.
func Run(ctx context.Context, reg Registry, f *rules.File, o RunOptions) (*Result, error) {
	l, err := Load(ctx, reg, f, o)
	if err != nil {
		return nil, err
	}
	return l.Evaluate(f, o.Now), nil
}

// Loaded is what Load read: the packages, their metrics and the record of
// every report. The same metrics can be judged by other rules (the base
// branch's, in a pull request that changes the rules) without reading again.
type Loaded struct {
	Candidate, Baseline *Package
	Cand, Base          *Metrics
	Reports             []ReportRecord
	Details             map[string]json.RawMessage
}

// Load resolves the candidate and the baseline and reads the reports f
// needs.
func Load(ctx context.Context, reg Registry, f *rules.File, o RunOptions) (*Loaded, error) {
	if o.Read == nil {
		return nil, errors.New("gate: no report reader")
	}
	cand, base, err := resolve(ctx, reg, f, o.Candidate)
	if err != nil {
		return nil, err
	}
	l := &loader{reg: reg, f: f, o: o}
	cm, bm, err := l.load(ctx, cand, base)
	if err != nil {
		return nil, err
	}
	return &Loaded{Candidate: cand, Baseline: base, Cand: cm, Base: bm, Reports: l.records, Details: l.details}, nil
}

// Evaluate judges f on the loaded metrics and fills in what was read.
func (l *Loaded) Evaluate(f *rules.File, now time.Time) *Result {
	if now.IsZero() {
		now = time.Now()
	}
	res := Evaluate(f, l.Cand, l.Base, now)
	res.Candidate, res.Baseline = l.Candidate, l.Baseline
	res.Reports = l.Reports
	res.Details = l.Details
	res.loaded = l
	return res
}

func resolve(ctx context.Context, reg Registry, f *rules.File, candSel string) (cand, base *Package, err error) {
	if candSel == "" {
		candSel = f.Model.Candidate
	}
	if candSel == "" {
		candSel = rules.LatestPending
	}
	baseSel := f.Model.Baseline
	if baseSel == "" {
		baseSel = rules.LatestApproved
	}
	cs, err := ParseSelector(candSel)
	if err == nil && cs.Kind == SelectNone {
		err = fmt.Errorf("%w: the candidate cannot be %s", ErrSelector, rules.NoBaseline)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("candidate: %w", err)
	}
	bs, err := ParseSelector(baseSel)
	if err == nil && bs.Kind == SelectLatestPending {
		err = fmt.Errorf("%w: the baseline cannot be %s", ErrSelector, rules.LatestPending)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("baseline: %w", err)
	}
	var wg sync.WaitGroup
	var baseErr error
	if bs.Kind != SelectNone {
		wg.Add(1)
		go func() {
			defer wg.Done()
			base, baseErr = reg.Resolve(ctx, f.Model.Group, bs)
		}()
	}
	cand, err = reg.Resolve(ctx, f.Model.Group, cs)
	wg.Wait()
	if err == nil {
		err = cs.check(cand)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("resolve candidate %s in %s: %w", cs, f.Model.Group, err)
	}
	if baseErr == nil && base != nil {
		if baseErr = bs.check(base); baseErr != nil {
			return nil, nil, fmt.Errorf("resolve baseline %s in %s: %w", bs, f.Model.Group, baseErr)
		}
	}
	if baseErr != nil {
		// No approved package yet is the first-model case; any other
		// failure is an error (fail closed).
		if !(errors.Is(baseErr, ErrNoPackage) && bs.Kind == SelectLatestApproved) {
			return nil, nil, fmt.Errorf("resolve baseline %s in %s: %w", bs, f.Model.Group, baseErr)
		}
		base = nil
	}
	if base != nil && base.ARN == cand.ARN {
		// The candidate is itself the newest approved package (a re-run
		// after approval, or a pinned version): judging it against itself
		// proves nothing, so compare with the approved version before it.
		if base, err = priorApproved(ctx, reg, f.Model.Group, cand); err != nil {
			return nil, nil, fmt.Errorf("resolve the approved version before %s: %w", cand.ARN, err)
		}
	}
	return cand, base, nil
}

// check refuses a package that is not what the selector asked for, whatever
// the adapter did: identity comes from the registry's answer to the exact
// question, never from what a package claims about another.
func (s Selector) check(p *Package) error {
	if p == nil {
		return fmt.Errorf("the registry returned no package for %s", s)
	}
	switch s.Kind {
	case SelectLatestPending:
		if p.Approval != StatusPending {
			return fmt.Errorf("the registry returned %s with status %s for %s", p.ARN, quoteOdd(p.Approval), s)
		}
	case SelectLatestApproved:
		if p.Approval != StatusApproved {
			return fmt.Errorf("the registry returned %s with status %s for %s", p.ARN, quoteOdd(p.Approval), s)
		}
	case SelectVersion:
		if p.Version != s.Version {
			return fmt.Errorf("the registry returned version %d (%s) for version %d", p.Version, p.ARN, s.Version)
		}
	case SelectARN:
		if !strings.EqualFold(p.ARN, s.ARN) { // SageMaker ARNs ignore case
			return fmt.Errorf("the registry returned %s for %s", p.ARN, s.ARN)
		}
	case SelectApprovedBefore:
		if p.Approval != StatusApproved || p.Version >= s.Version {
			return fmt.Errorf("the registry returned version %d (%s) with status %s for %s", p.Version, p.ARN, quoteOdd(p.Approval), s)
		}
	}
	return nil
}

// priorApproved is the newest approved package of the group with a lower
// version than cand, or nil when there is none: one Resolve of
// SelectApprovedBefore (SageMaker: one listing of the approved packages, not
// a walk back one version at a time), whose answer is checked like any
// other.
func priorApproved(ctx context.Context, reg Registry, group string, cand *Package) (*Package, error) {
	sel := Selector{Kind: SelectApprovedBefore, Version: cand.Version}
	p, err := reg.Resolve(ctx, group, sel)
	if errors.Is(err, ErrNoPackage) {
		return nil, nil
	}
	if err == nil {
		err = sel.check(p)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

type loader struct {
	reg     Registry
	f       *rules.File
	o       RunOptions
	mu      sync.Mutex
	records []ReportRecord
	details map[string]json.RawMessage
}

// neededSlots lists the ModelMetrics slots the rules read, for the
// candidate (all rules) and for the baseline (comparisons only).
func neededSlots(f *rules.File) (cand, base map[string]bool) {
	cand, base = map[string]bool{}, map[string]bool{}
	for i := range f.Rules {
		ruleSlots(&f.Rules[i], cand, base)
	}
	return cand, base
}

// load fetches and reads, in parallel, the reports the rules need: the
// candidate's and, for comparisons, the baseline's.
func (l *loader) load(ctx context.Context, cand, base *Package) (cm, bm *Metrics, err error) {
	needC, needB := neededSlots(l.f)
	type job struct {
		which string // candidate | baseline
		pkg   *Package
		src   Source
		rep   *rules.Report // for computed reports
		into  *Metrics
	}
	var jobs []job
	cm = NewMetrics()
	add := func(which string, pkg *Package, need map[string]bool, into *Metrics) {
		for _, s := range pkg.Sources {
			if need[s.Slot] {
				jobs = append(jobs, job{which, pkg, s, nil, into})
			}
		}
	}
	add("candidate", cand, needC, cm)
	if base != nil {
		bm = NewMetrics()
		add("baseline", base, needB, bm)
	}
	// Named reports of the rules file: an s3:// or https:// URI is one fixed
	// file, the candidate's; a metadata key or a relative path (local
	// registry: relative to the package folder) is per package, so the
	// baseline reads its own.
	for i := range l.f.Reports {
		rep := &l.f.Reports[i]
		if rep.Memorization != nil {
			jobs = append(jobs, job{"candidate", cand, Source{Slot: rep.Name}, rep, cm})
			continue
		}
		src, err := namedSource(cand, rep)
		if err != nil {
			cm.MarkSource(rep.Name, err.Error())
			l.record(ReportRecord{Package: "candidate", Slot: rep.Name, Error: err.Error()})
			continue
		}
		jobs = append(jobs, job{"candidate", cand, src, nil, cm})
		if base != nil && (rep.Metadata != "" || !strings.Contains(rep.URI, "://")) {
			if bsrc, err := namedSource(base, rep); err == nil {
				jobs = append(jobs, job{"baseline", base, bsrc, nil, bm})
			}
		}
	}

	// Every fetch of both packages in one wave: the cap is the work itself,
	// bounded by MaxConcurrency (or the caller's Concurrency).
	n := min(len(jobs), MaxConcurrency)
	if l.o.Concurrency > 0 {
		n = min(n, l.o.Concurrency)
	}
	n = max(n, 1)
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	results := make([]*Parsed, len(jobs))
	for i := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			j := jobs[i]
			var p *Parsed
			var rec ReportRecord
			var err error
			if j.rep != nil {
				p, rec, err = l.compute(ctx, j.pkg, *j.rep)
			} else {
				p, rec, err = l.fetch(ctx, j.pkg, j.src)
			}
			rec.Package = j.which
			if err != nil {
				var re *ReadError
				if errors.As(err, &re) {
					// The bytes arrived but are not a report we can read:
					// the rules that need it see an error verdict.
					rec.Error = err.Error()
					mu.Lock()
					j.into.MarkSource(j.src.Slot, err.Error())
					mu.Unlock()
					l.record(rec)
					return
				}
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s report %s: %w", j.which, j.src.Slot, err))
				mu.Unlock()
				return
			}
			l.record(rec)
			results[i] = p
		}(i)
	}
	wg.Wait()
	if len(errs) > 0 {
		sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
		return nil, nil, errors.Join(errs...)
	}
	for i, p := range results {
		if p == nil {
			continue
		}
		j := jobs[i]
		j.into.Grow(len(p.Instances))
		j.into.Add(p.Instances...)
		j.into.MarkSource(j.src.Slot, "")
		if p.ItemCount > 0 {
			j.into.ItemCount[j.src.Slot] = p.ItemCount
		}
	}
	sort.Slice(l.records, func(i, j int) bool {
		a, b := l.records[i], l.records[j]
		if a.Package != b.Package {
			return a.Package == "candidate"
		}
		return a.Slot < b.Slot
	})
	return cm, bm, nil
}

// ReadError wraps an error about a report's content: the report was fetched
// but could not be read, or the registry's answer for it cannot be accepted
// (too large, a digest mismatch, a URI or file the adapter refuses:
// IsContentError). It becomes an error verdict on the rules that need the
// report, naming the report and why (exit 1), rather than a runtime failure;
// a registry or network fault after retries stays a runtime error (exit 3).
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

func (l *loader) record(r ReportRecord) {
	l.mu.Lock()
	l.records = append(l.records, r)
	l.mu.Unlock()
}

func (l *loader) fetch(ctx context.Context, pkg *Package, src Source) (*Parsed, ReportRecord, error) {
	rec := ReportRecord{Slot: src.Slot, URI: src.URI}
	data, err := l.reg.Fetch(ctx, pkg, src)
	if err != nil {
		if IsContentError(err) && ctx.Err() == nil {
			// The registry answered, but with a report that cannot be
			// accepted: bad input, judged as an error verdict.
			return nil, rec, &ReadError{err}
		}
		return nil, rec, err
	}
	sum := sha256.Sum256(data)
	rec.SHA256 = hex.EncodeToString(sum[:])
	// The registry contract, checked here once for every adapter.
	if err := VerifyReport(src, data); err != nil {
		return nil, rec, &ReadError{fmt.Errorf("report %s (%s): %w", src.Slot, src.URI, err)}
	}
	p, err := l.o.Read(src, data)
	if err != nil {
		return nil, rec, &ReadError{err}
	}
	rec.Format = p.Format
	return p, rec, nil
}

func (l *loader) compute(ctx context.Context, pkg *Package, rep rules.Report) (*Parsed, ReportRecord, error) {
	rec := ReportRecord{Slot: rep.Name, URI: "computed:memorization", Format: "memorization"}
	if l.o.Compute == nil {
		return nil, rec, &ReadError{fmt.Errorf("report %s: computed reports are not available in this build", rep.Name)}
	}
	p, details, err := l.o.Compute(ctx, l.reg, pkg, rep)
	if err != nil {
		return nil, rec, err
	}
	if details != nil {
		l.mu.Lock()
		if l.details == nil {
			l.details = map[string]json.RawMessage{}
		}
		l.details[rep.Name] = details
		l.mu.Unlock()
	}
	return p, rec, nil
}

// namedSource makes the Source of a rules-file report for pkg; a metadata
// report reads its URI from the package's CustomerMetadataProperties.
func namedSource(pkg *Package, rep *rules.Report) (Source, error) {
	src := Source{Slot: rep.Name, URI: rep.URI, Format: rep.Format, ContentType: "application/json"}
	if rep.Metadata != "" {
		uri, ok := pkg.Metadata[rep.Metadata]
		if !ok || strings.TrimSpace(uri) == "" {
			return src, fmt.Errorf("report %s: package %s has no CustomerMetadataProperties key %q", rep.Name, pkg.ARN, rep.Metadata)
		}
		src.URI = uri
	}
	return src, nil
}
