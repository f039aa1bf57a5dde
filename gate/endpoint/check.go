package endpoint

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// Options configure Check.
type Options struct {
	// Registry resolves the packages a `serves` rule compares with, unless
	// Candidate and Approved are given. It may be nil when neither is
	// needed.
	Registry gate.Registry
	// Candidate is the model section's candidate (e.g. Result.Candidate of
	// the model run); resolved from the rules file when nil.
	Candidate *gate.Package
	// CandidateSelector overrides model.candidate when Candidate is nil.
	CandidateSelector string
	// Approved is the newest approved package of the group; resolved when
	// nil (latest-approved).
	Approved *gate.Package
	Now      time.Time
}

// Section is the verdict of the endpoint section: findings in the same
// form as model rules, so that the check run, the JSON result and the exit
// code are the model rules' own.
type Section struct {
	Moment   string         `json:"moment"`
	Source   string         `json:"source"`
	Endpoint string         `json:"endpoint,omitempty"`
	Rules    int            `json:"rules"`
	Findings []gate.Finding `json:"findings"`
	Notes    []string       `json:"notes,omitempty"`
	// Requests and RoundTrips: what describing a live endpoint cost.
	Requests   int `json:"requests,omitempty"`
	RoundTrips int `json:"round_trips,omitempty"`
}

// Check describes the endpoint and judges the endpoint section of f. An
// error is a source failure (errors.Is(err, ErrInput): exit 2; otherwise a
// registry failure: exit 3); no Section is returned then, so nothing passes
// on partial data.
func Check(ctx context.Context, f *rules.File, src Source, o Options) (*Section, error) {
	if f.Endpoint == nil || len(f.Endpoint.Rules) == 0 {
		return nil, fmt.Errorf("%w: the rules file has no endpoint section", ErrInput)
	}
	// The endpoint and the packages it must serve are independent: read
	// both at once.
	var pk Packages
	var pkErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		pk, pkErr = packages(ctx, f, o)
	}()
	d, err := src.Describe(ctx)
	<-done
	if err != nil {
		return nil, err
	}
	if pkErr != nil {
		return nil, pkErr
	}
	return Evaluate(f, d, pk, o.Now), nil
}

// CheckProposed judges the proposed configuration that the rules file names
// (endpoint.config), confined to repoRoot when it is not empty: the pull
// request moment. ok is false, with no error, when the rules file names
// none (or has no endpoint section).
func CheckProposed(ctx context.Context, f *rules.File, repoRoot string, o Options) (s *Section, ok bool, err error) {
	if f.Endpoint == nil || len(f.Endpoint.Rules) == 0 {
		return nil, false, nil
	}
	pf, ok, err := ProposedFile(f, repoRoot)
	if err != nil || !ok {
		return nil, ok, err
	}
	s, err = Check(ctx, f, pf, o)
	return s, err == nil, err
}

// Packages are the model packages a `serves` rule accepts.
type Packages struct {
	Candidate *gate.Package
	Approved  *gate.Package // nil: the group has no approved package
}

func packages(ctx context.Context, f *rules.File, o Options) (Packages, error) {
	pk := Packages{Candidate: o.Candidate, Approved: o.Approved}
	var needC, needA bool
	for _, r := range f.Endpoint.Rules {
		if r.Check == rules.CheckServes {
			needC = needC || r.Serves != rules.ServesApproved
			needA = needA || r.Serves != rules.ServesCandidate
		}
	}
	if (needC && pk.Candidate == nil || needA && pk.Approved == nil) && o.Registry == nil {
		return pk, errors.New("endpoint: a `serves` rule needs the model registry")
	}
	if needA && pk.Approved == nil {
		p, err := o.Registry.Resolve(ctx, f.Model.Group, gate.Selector{Kind: gate.SelectLatestApproved})
		switch {
		case errors.Is(err, gate.ErrNoPackage):
		case err != nil:
			return pk, fmt.Errorf("resolve latest-approved in %s: %w", f.Model.Group, err)
		default:
			pk.Approved = p
		}
	}
	if needC && pk.Candidate == nil {
		sel := o.CandidateSelector
		if sel == "" {
			sel = f.Model.Candidate
		}
		if sel == "" {
			sel = rules.LatestPending
		}
		cs, err := gate.ParseSelector(sel)
		var p *gate.Package
		if err == nil {
			p, err = o.Registry.Resolve(ctx, f.Model.Group, cs)
		}
		if err != nil && !errors.Is(err, gate.ErrNoPackage) {
			return pk, fmt.Errorf("resolve candidate %s in %s: %w", sel, f.Model.Group, err)
		}
		pk.Candidate = p
	}
	return pk, nil
}

// Evaluate judges the endpoint section of f on d. It is pure: the same
// description, packages and time give the same section.
func Evaluate(f *rules.File, d *Description, pk Packages, now time.Time) *Section {
	if now.IsZero() {
		now = time.Now()
	}
	s := &Section{Moment: d.Moment, Source: d.Source, Endpoint: d.Name, Requests: d.Requests, RoundTrips: d.RoundTrips}
	if d.Moment == Live && d.Status != "" && d.Status != "InService" {
		s.Notes = append(s.Notes, fmt.Sprintf("endpoint %s is %s, not InService", d.Name, d.Status))
	}
	for _, n := range d.Notes {
		s.Notes = append(s.Notes, oneLine(n, 500))
	}
	if f.Endpoint == nil {
		return s
	}
	s.Rules = len(f.Endpoint.Rules)
	for i := range f.Endpoint.Rules {
		r := &f.Endpoint.Rules[i]
		e := &emitter{s: s, r: r, sev: f.EndpointSeverity(r)}
		if w := r.Waiver; w != nil {
			if w.Active(now) {
				e.waived = true
			} else {
				s.Findings = append(s.Findings, gate.Finding{
					Rule: r.ID, RulePos: w.Pos, Severity: rules.SeverityError, Metric: metric(r),
					Value: math.NaN(), StdDev: math.NaN(), Baseline: math.NaN(), Delta: math.NaN(),
					Threshold: "waiver expires " + w.Expires.Format(time.DateOnly),
					Verdict:   gate.Fail, Blocking: true,
					Reason: fmt.Sprintf("waiver (owner %s) expired on %s; renew it or remove it", w.Owner, w.Expires.Format(time.DateOnly)),
				})
			}
		}
		judge(e, d, pk)
	}
	return s
}

func metric(r *rules.EndpointRule) string { return "endpoint." + r.Check }

// emitter applies a rule's severity and waiver to its verdicts, as the
// model rules' evaluator does: fail and missing block at error severity,
// a failure at warning severity is a warn, an active waiver waives.
type emitter struct {
	s      *Section
	r      *rules.EndpointRule
	sev    rules.Severity
	waived bool
}

type verdict struct {
	v         gate.Verdict
	reason    string
	threshold string
	value     float64
	labels    []gate.Label
}

func (e *emitter) emit(vd verdict) {
	r := e.r
	// Reasons, labels and the source quote the configuration, which is
	// hostile input: each is made one line (no newline can start a
	// `::` workflow command) and clipped.
	for i := range vd.labels {
		vd.labels[i].Value = oneLine(vd.labels[i].Value, 200)
	}
	fd := gate.Finding{
		Rule: r.ID, RulePos: r.Pos, Severity: e.sev, Metric: metric(r), Labels: vd.labels,
		Value: vd.value, StdDev: math.NaN(), Baseline: math.NaN(), Delta: math.NaN(),
		Threshold: oneLine(vd.threshold, 500), Verdict: vd.v, Reason: oneLine(vd.reason, 2000), Source: oneLine(e.s.Source, 500),
	}
	switch fd.Verdict {
	case gate.Fail, gate.Error:
		fd.Blocking = e.sev == rules.SeverityError
		if !fd.Blocking && fd.Verdict == gate.Fail {
			fd.Verdict = gate.Warn
		}
	case gate.Missing:
		fd.Blocking = e.sev == rules.SeverityError
	}
	if e.waived && fd.Verdict != gate.Pass && fd.Verdict != gate.Skipped {
		w := r.Waiver
		fd.Reason = fmt.Sprintf("waived until %s by %s (%s): %s", w.Expires.Format(time.DateOnly), w.Owner, w.Reason, fd.Reason)
		fd.Verdict, fd.Blocking = gate.Waived, false
	}
	e.s.Findings = append(e.s.Findings, fd)
}

// acc gathers the problems of one check: any failure fails it, else any
// unknown value makes it missing, else it passes.
type acc struct {
	fails, unknown []string
}

func (a *acc) fail(format string, args ...any) {
	a.fails = append(a.fails, fmt.Sprintf(format, args...))
}
func (a *acc) unk(what string, u *Unknown) {
	a.unknown = append(a.unknown, fmt.Sprintf("%s cannot be known before deploy: %s", what, u.Why))
}

func (a *acc) verdict(threshold, passReason string, value float64, labels []gate.Label) verdict {
	switch {
	case len(a.fails) > 0:
		return verdict{v: gate.Fail, reason: strings.Join(append(a.fails, a.unknown...), "; "), threshold: threshold, value: value, labels: labels}
	case len(a.unknown) > 0:
		return verdict{v: gate.Missing, reason: strings.Join(a.unknown, "; "), threshold: threshold, value: math.NaN(), labels: labels}
	}
	return verdict{v: gate.Pass, reason: passReason, threshold: threshold, value: value, labels: labels}
}

func variantLabel(v map[string]any) []gate.Label {
	return []gate.Label{{Key: "variant", Value: variantName(v)}}
}

// judge runs one rule's check.
func judge(e *emitter, d *Description, pk Packages) {
	r := e.r
	switch r.Check {
	case rules.CheckDataCapture:
		e.emit(dataCapture(r.DataCapture, d))
		return
	case rules.CheckKMS:
		var a acc
		v, u, ok := field(d.Config, "KmsKeyId")
		switch s, _ := asString(v); {
		case u != nil && u.Set():
		case u != nil:
			a.unk("KmsKeyId", u)
		case !ok || s == "":
			a.fail("no KmsKeyId: the ML storage volumes are not encrypted with a customer-managed KMS key")
		}
		e.emit(a.verdict("KmsKeyId set", "", math.NaN(), nil))
		return
	case rules.CheckMonitoring:
		e.emit(monitoring(r.Monitoring, d))
		return
	case rules.CheckDeployment:
		e.emit(deployment(r.Deployment, d))
		return
	}
	// The other checks judge every variant.
	vs, u := d.variants()
	if u != nil {
		var a acc
		a.unk("ProductionVariants", u)
		e.emit(a.verdict(threshold(r), "", math.NaN(), nil))
		return
	}
	if len(vs) == 0 {
		e.emit(verdict{v: gate.Missing, reason: "the endpoint configuration has no production variants", threshold: threshold(r), value: math.NaN()})
		return
	}
	if r.Check == rules.CheckAutoscaling && !d.HasScaling {
		e.emit(verdict{v: gate.Skipped, reason: "scalable targets are not part of " + sourceKind(d) + "; judged on the live endpoint (modelgate endpoint check --endpoint NAME)", threshold: threshold(r), value: math.NaN()})
		return
	}
	for _, v := range vs {
		switch r.Check {
		case rules.CheckServes:
			e.emit(serves(r.Serves, d, v, pk))
		case rules.CheckVPC:
			e.emit(vpc(r.VPC, d, v))
		case rules.CheckInstanceTypes:
			var a acc
			it, u, ok := field(v, "InstanceType")
			s, _ := asString(it)
			switch {
			case u != nil:
				a.unk("InstanceType", u)
			case !ok:
				a.fail("variant %s has no instance type (serverless); allowed: %s", variantName(v), strings.Join(r.InstanceTypes, ", "))
			case !slices.Contains(r.InstanceTypes, s):
				a.fail("instance type %s is not allowed; allowed: %s", s, strings.Join(r.InstanceTypes, ", "))
			}
			e.emit(a.verdict(threshold(r), "", math.NaN(), variantLabel(v)))
		case rules.CheckMinInstances:
			e.emit(minInstances(r.MinInstances, d, v))
		case rules.CheckAutoscaling:
			e.emit(autoscaling(r.Autoscaling, d, v))
		}
	}
}

func sourceKind(d *Description) string {
	if d.Moment == Live {
		return "what the endpoint's description gives"
	}
	return "the proposed endpoint configuration"
}

// threshold is a rule's condition in words, for the finding.
func threshold(r *rules.EndpointRule) string {
	switch r.Check {
	case rules.CheckServes:
		return "serves " + r.Serves + " package of the group"
	case rules.CheckInstanceTypes:
		return "instance type in [" + strings.Join(r.InstanceTypes, ", ") + "]"
	case rules.CheckMinInstances:
		return ">= " + strconv.Itoa(r.MinInstances) + " instances"
	}
	return strings.TrimPrefix(rules.EndpointSummary(r), r.Check+" ")
}

// matchPackage says whether a container's ModelPackageName is p: its ARN,
// or the group/version tail of it.
func matchPackage(name string, p *gate.Package) bool {
	if p == nil || p.ARN == "" {
		return false
	}
	if name == p.ARN {
		return true
	}
	_, tail, ok := strings.Cut(p.ARN, ":model-package/")
	return ok && name == tail
}

func describePackage(name string) string {
	if _, tail, ok := strings.Cut(name, ":model-package/"); ok {
		name = tail
	}
	return name
}

func serves(want string, d *Description, v map[string]any, pk Packages) verdict {
	var a acc
	var allowed []*gate.Package
	var names []string
	if want != rules.ServesCandidate {
		if pk.Approved != nil {
			allowed = append(allowed, pk.Approved)
			names = append(names, fmt.Sprintf("approved %s", describePackage(pk.Approved.ARN)))
		} else {
			names = append(names, "approved (none: the group has no approved package)")
		}
	}
	if want != rules.ServesApproved {
		if pk.Candidate != nil {
			allowed = append(allowed, pk.Candidate)
			names = append(names, fmt.Sprintf("candidate %s", describePackage(pk.Candidate.ARN)))
		} else {
			names = append(names, "candidate (none found)")
		}
	}
	th := "serves only " + strings.Join(names, " or ")
	name, m, u, problem := d.modelOf(v)
	switch {
	case u != nil:
		a.unk("the model of variant "+variantName(v), u)
		return a.verdict(th, "", math.NaN(), variantLabel(v))
	case problem != "" && m == nil && name != "":
		// A model the source does not describe (an endpoint configuration
		// file names a model that is not in the repository).
		a.unknown = append(a.unknown, "variant "+variantName(v)+" "+problem+"; which package it serves is unknown")
		return a.verdict(th, "", math.NaN(), variantLabel(v))
	case problem != "":
		a.fail("variant %s %s", variantName(v), problem)
		return a.verdict(th, "", math.NaN(), variantLabel(v))
	}
	cs, u := containers(m)
	if u != nil {
		a.unk("the containers of model "+name, u)
		return a.verdict(th, "", math.NaN(), variantLabel(v))
	}
	if len(cs) == 0 {
		a.fail("model %s has no containers", name)
	}
	var served []string
	for i, c := range cs {
		pn, u, ok := field(c, "ModelPackageName")
		s, _ := asString(pn)
		switch {
		case u != nil:
			a.unk(fmt.Sprintf("ModelPackageName of container %d of model %s", i+1, name), u)
		case !ok || s == "":
			img, _ := asString(mustField(c, "Image"))
			a.fail("container %d of model %s is not from the model registry (no ModelPackageName; image %s)", i+1, name, orUnknown(img))
		case !slices.ContainsFunc(allowed, func(p *gate.Package) bool { return matchPackage(s, p) }):
			a.fail("model %s serves %s, which is not the %s", name, describePackage(s), strings.Join(names, " or "))
		default:
			served = append(served, describePackage(s))
		}
	}
	return a.verdict(th, "serves "+strings.Join(served, ", "), math.NaN(), variantLabel(v))
}

func mustField(v any, path ...any) any {
	x, _, _ := field(v, path...)
	return x
}

func orUnknown(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func dataCapture(dc *rules.DataCaptureRule, d *Description) verdict {
	var a acc
	var parts []string
	parts = append(parts, "enabled")
	if dc.MinSampling != nil {
		parts = append(parts, "sampling >= "+fmtNum(dc.MinSampling.V)+"%")
	}
	if dc.KMS {
		parts = append(parts, "KMS key")
	}
	if dc.Buckets != nil {
		parts = append(parts, "destination in ["+strings.Join(dc.Buckets, ", ")+"]")
	}
	th := strings.Join(parts, ", ")
	value := math.NaN()
	cfg, u, ok := field(d.Config, "DataCaptureConfig")
	switch {
	case u != nil:
		a.unk("DataCaptureConfig", u)
		return a.verdict(th, "", value, nil)
	case !ok:
		a.fail("data capture is off: the configuration has no DataCaptureConfig")
		return a.verdict(th, "", value, nil)
	}
	// EnableCapture defaults to true when DataCaptureConfig is given.
	if en, u, ok := field(cfg, "EnableCapture"); u != nil {
		a.unk("EnableCapture", u)
	} else if ok {
		if b, isBool := asBool(en); !isBool {
			a.fail("EnableCapture is not a boolean")
		} else if !b {
			a.fail("data capture is off: EnableCapture is false")
		}
	}
	if d.CaptureStatus != "" && d.CaptureStatus != "Started" {
		a.fail("data capture is %s on the live endpoint", d.CaptureStatus)
	}
	if dc.MinSampling != nil {
		sp, u, ok := field(cfg, "InitialSamplingPercentage")
		n, isNum := asNumber(sp)
		switch {
		case u != nil:
			a.unk("InitialSamplingPercentage", u)
		case !ok:
			a.fail("InitialSamplingPercentage is not given")
		case !isNum:
			a.fail("InitialSamplingPercentage is not a finite number")
		case n < dc.MinSampling.V:
			value = n
			a.fail("sampling %s%% is below the minimum %s%%", fmtNum(n), fmtNum(dc.MinSampling.V))
		default:
			value = n
		}
		// The live rate, when it differs from the configuration's.
		if cur := d.CaptureSampling; cur != nil && *cur < dc.MinSampling.V && !(isNum && *cur == n) {
			value = *cur
			a.fail("the live endpoint samples %s%% now, below the minimum %s%%", fmtNum(*cur), fmtNum(dc.MinSampling.V))
		}
	}
	if dc.KMS {
		k, u, ok := field(cfg, "KmsKeyId")
		s, _ := asString(k)
		switch {
		case u != nil && u.Set():
		case u != nil:
			a.unk("DataCaptureConfig.KmsKeyId", u)
		case !ok || s == "":
			a.fail("captured data is not encrypted with a KMS key (no DataCaptureConfig.KmsKeyId)")
		}
	}
	if dc.Buckets != nil {
		dst, u, ok := field(cfg, "DestinationS3Uri")
		s, _ := asString(dst)
		switch {
		case u != nil:
			if b := bucketOf(u.Partial); b != "" && !strings.Contains(b, "${") {
				if !slices.Contains(dc.Buckets, b) {
					a.fail("capture destination bucket %s is not allowed; allowed: %s", b, strings.Join(dc.Buckets, ", "))
				}
			} else {
				a.unk("DestinationS3Uri", u)
			}
		case !ok || s == "":
			a.fail("DataCaptureConfig has no DestinationS3Uri")
		default:
			if b := bucketOf(s); !slices.Contains(dc.Buckets, b) {
				a.fail("capture destination %s is not in an allowed bucket; allowed: %s", s, strings.Join(dc.Buckets, ", "))
			}
		}
	}
	return a.verdict(th, "", value, nil)
}

// bucketOf is the bucket of an s3:// URI ("" when it is not one).
func bucketOf(uri string) string {
	rest, ok := strings.CutPrefix(uri, "s3://")
	if !ok {
		return ""
	}
	b, _, _ := strings.Cut(rest, "/")
	return b
}

func vpc(vr *rules.VPCRule, d *Description, v map[string]any) verdict {
	var a acc
	th := "in a VPC"
	if vr.NetworkIsolation {
		th += ", network isolation"
	}
	name, m, u, problem := d.modelOf(v)
	if u != nil {
		a.unk("the model of variant "+variantName(v), u)
		return a.verdict(th, "", math.NaN(), variantLabel(v))
	}
	// VpcConfig and EnableNetworkIsolation are set on the model, or on the
	// endpoint configuration (inference components).
	has := func(key string) (any, *Unknown, bool) {
		if m != nil {
			if x, u, ok := field(m, key); ok {
				return x, u, ok
			}
		}
		return field(d.Config, key)
	}
	if m == nil && problem != "" {
		if _, _, ok := field(d.Config, "VpcConfig"); !ok {
			a.unknown = append(a.unknown, "variant "+variantName(v)+" "+problem+"; its VpcConfig is unknown")
			return a.verdict(th, "", math.NaN(), variantLabel(v))
		}
	}
	who := "model " + name
	if name == "" {
		who = "the endpoint configuration"
	}
	vc, u, ok := has("VpcConfig")
	switch {
	case u != nil:
		a.unk("VpcConfig", u)
	case !ok:
		a.fail("%s runs outside a VPC (no VpcConfig)", who)
	default:
		for _, k := range []string{"Subnets", "SecurityGroupIds"} {
			x, u, ok := field(vc, k)
			switch {
			case u != nil:
				a.unk("VpcConfig."+k, u)
			case !ok || len(list(x)) == 0:
				a.fail("VpcConfig of %s has no %s", who, k)
			}
		}
	}
	if vr.NetworkIsolation {
		x, u, ok := has("EnableNetworkIsolation")
		b, _ := asBool(x)
		switch {
		case u != nil:
			a.unk("EnableNetworkIsolation", u)
		case !ok || !b:
			a.fail("%s does not enable network isolation (EnableNetworkIsolation)", who)
		}
	}
	return a.verdict(th, "", math.NaN(), variantLabel(v))
}

// target finds the scalable target of a variant; unk is set when a target's
// ResourceId cannot be known and could be this variant's.
func target(d *Description, variant string) (t map[string]any, unk *Unknown) {
	suffix := "/variant/" + variant
	for _, st := range d.ScalableTargets {
		if dim, _ := asString(st["ScalableDimension"]); dim != "" && dim != "sagemaker:variant:DesiredInstanceCount" {
			continue
		}
		rid, u, _ := field(st, "ResourceId")
		if u != nil {
			if strings.HasSuffix(u.Partial, suffix) {
				return st, nil
			}
			unk = u
			continue
		}
		s, _ := asString(rid)
		if strings.HasSuffix(s, suffix) && (d.Name == "" || s == "endpoint/"+d.Name+suffix) {
			return st, nil
		}
	}
	return nil, unk
}

func minInstances(n int, d *Description, v map[string]any) verdict {
	var a acc
	th := ">= " + strconv.Itoa(n) + " instances"
	value := math.NaN()
	if _, _, isServerless := field(v, "ServerlessConfig"); isServerless {
		a.fail("variant %s is serverless: it has no instances to spread across Availability Zones", variantName(v))
		return a.verdict(th, "", value, variantLabel(v))
	}
	c, u, ok := field(v, "InitialInstanceCount")
	cnt, isNum := asNumber(c)
	switch {
	case u != nil:
		a.unk("InitialInstanceCount", u)
	case !ok:
		a.fail("variant %s gives no InitialInstanceCount", variantName(v))
	case !isNum:
		a.fail("the InitialInstanceCount of variant %s is not a finite number", variantName(v))
	default:
		value = cnt
		if cnt < float64(n) {
			a.fail("%s instance(s), below the minimum %d (a single instance is one Availability Zone)", fmtNum(cnt), n)
		}
	}
	if cur, ok := d.InstanceCounts[variantName(v)]; ok && float64(cur) < float64(n) {
		value = float64(cur)
		a.fail("the live variant runs %d instance(s) now, below the minimum %d", cur, n)
	}
	// Autoscaling may scale in below the minimum.
	if st, _ := target(d, variantName(v)); st != nil {
		mc, u, _ := field(st, "MinCapacity")
		if m, ok := asNumber(mc); ok && m < float64(n) {
			a.fail("autoscaling may scale in to %s instance(s) (MinCapacity), below the minimum %d", fmtNum(m), n)
		} else if u != nil {
			a.unk("the scalable target's MinCapacity", u)
		}
	}
	return a.verdict(th, "", value, variantLabel(v))
}

func autoscaling(ar *rules.AutoscalingRule, d *Description, v map[string]any) verdict {
	var a acc
	var parts []string
	if ar.Min != nil {
		parts = append(parts, "MinCapacity >= "+fmtNum(ar.Min.V))
	}
	if ar.Max != nil {
		parts = append(parts, "MaxCapacity <= "+fmtNum(ar.Max.V))
	}
	th := "scalable target"
	if len(parts) > 0 {
		th += ", " + strings.Join(parts, ", ")
	}
	st, u := target(d, variantName(v))
	switch {
	case st == nil && u != nil:
		a.unk("the scalable target of variant "+variantName(v), u)
		return a.verdict(th, "", math.NaN(), variantLabel(v))
	case st == nil:
		a.fail("variant %s is not registered with Application Auto Scaling (no scalable target sagemaker:variant:DesiredInstanceCount)", variantName(v))
		return a.verdict(th, "", math.NaN(), variantLabel(v))
	}
	for _, b := range []struct {
		key   string
		bound *rules.Number
		low   bool
	}{{"MinCapacity", ar.Min, true}, {"MaxCapacity", ar.Max, false}} {
		x, u, ok := field(st, b.key)
		n, isNum := asNumber(x)
		switch {
		case u != nil:
			a.unk(b.key, u)
		case !ok || !isNum:
			a.fail("the scalable target gives no %s", b.key)
		case b.bound == nil:
		case b.low && n < b.bound.V:
			a.fail("%s %s is below %s", b.key, fmtNum(n), fmtNum(b.bound.V))
		case !b.low && n > b.bound.V:
			a.fail("%s %s is above %s", b.key, fmtNum(n), fmtNum(b.bound.V))
		}
	}
	if sus, _, _ := field(st, "SuspendedState"); sus != nil {
		for _, k := range []string{"DynamicScalingInSuspended", "DynamicScalingOutSuspended"} {
			if b, _ := asBool(mustField(sus, k)); b {
				a.fail("autoscaling is suspended (%s)", k)
			}
		}
	}
	return a.verdict(th, "", math.NaN(), variantLabel(v))
}

func monitoring(kinds []string, d *Description) verdict {
	var a acc
	th := "a scheduled monitor of each kind: " + strings.Join(kinds, ", ")
	if !d.HasSchedules {
		return verdict{v: gate.Skipped, reason: "monitoring schedules are not part of " + sourceKind(d) + "; judged on the live endpoint (modelgate endpoint check --endpoint NAME)", threshold: th, value: math.NaN()}
	}
	for _, k := range kinds {
		found, stopped := false, ""
		var unk *Unknown
		for _, sc := range d.Schedules {
			t, u, _ := field(sc, "MonitoringType")
			if u != nil {
				unk = u
				continue
			}
			if s, _ := asString(t); s != k {
				continue
			}
			st, _ := asString(mustField(sc, "MonitoringScheduleStatus"))
			if d.Moment == Live && st != "Scheduled" {
				name, _ := asString(mustField(sc, "MonitoringScheduleName"))
				stopped = fmt.Sprintf("%s (%s)", name, orUnknown(st))
				continue
			}
			found = true
		}
		switch {
		case found:
		case unk != nil:
			a.unk("the kind of a monitoring schedule", unk)
		case stopped != "":
			a.fail("the %s schedule %s is not Scheduled", k, stopped)
		default:
			a.fail("no %s monitoring schedule is attached to the endpoint", k)
		}
	}
	return a.verdict(th, "", math.NaN(), nil)
}

func deployment(dr *rules.DeploymentRule, d *Description) verdict {
	var a acc
	var parts []string
	if dr.BlueGreen {
		parts = append(parts, "blue/green")
	}
	if dr.AutoRollback {
		parts = append(parts, fmt.Sprintf(">= %d auto-rollback alarm(s)", dr.MinAlarms))
	}
	th := strings.Join(parts, ", ")
	if !d.HasDeployment {
		return verdict{v: gate.Skipped, reason: "DeploymentConfig belongs to the endpoint (CreateEndpoint/UpdateEndpoint), not to " + sourceKind(d) + "; judged on the live endpoint", threshold: th, value: math.NaN()}
	}
	if u, ok := d.Deployment.(Unknown); ok {
		a.unk("DeploymentConfig", &u)
		return a.verdict(th, "", math.NaN(), nil)
	}
	if d.Deployment == nil {
		a.fail("the endpoint has no DeploymentConfig: updates replace every instance at once with no rollback")
		return a.verdict(th, "", math.NaN(), nil)
	}
	if dr.BlueGreen {
		_, u, ok := field(d.Deployment, "BlueGreenUpdatePolicy", "TrafficRoutingConfiguration", "Type")
		switch {
		case u != nil:
			a.unk("the blue/green traffic routing", u)
		case !ok:
			a.fail("no BlueGreenUpdatePolicy with a traffic routing (a rolling or no update policy)")
		}
	}
	if dr.AutoRollback {
		al, u, ok := field(d.Deployment, "AutoRollbackConfiguration", "Alarms")
		switch {
		case u != nil:
			a.unk("the auto-rollback alarms", u)
		case !ok || len(list(al)) < dr.MinAlarms:
			a.fail("%d auto-rollback alarm(s), fewer than %d", len(list(al)), dr.MinAlarms)
		}
	}
	return a.verdict(th, "", math.NaN(), nil)
}

// oneLine escapes control characters (and the Unicode line and paragraph
// separators) and clips s to max bytes on a rune boundary.
func oneLine(s string, max int) string {
	isCtl := func(r rune) bool { return r < 0x20 || r == 0x7f || r == 0x2028 || r == 0x2029 || r == 0x85 }
	if strings.ContainsFunc(s, isCtl) {
		var b strings.Builder
		for _, r := range s {
			if isCtl(r) {
				q := strconv.QuoteRune(r)
				b.WriteString(q[1 : len(q)-1])
				continue
			}
			b.WriteRune(r)
		}
		s = b.String()
	}
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
