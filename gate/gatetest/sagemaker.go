package gatetest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// SageMaker fake defaults.
const (
	SageMakerRegion  = "eu-west-1"
	SageMakerAccount = "123456789012"
)

//go:embed testdata/sagemaker-api-2.json
var sageMakerModelJSON []byte

// MetricsSource is a ModelMetrics or DriftCheckBaselines entry of a seeded
// package.
type MetricsSource struct {
	ContentType   string
	S3Uri         string
	ContentDigest string // "sha256:<hex>" or empty
}

// ModelPackage is a package in the fake's store. Tests seed it with
// [SageMakerFake.AddPackage] and read it back with [SageMakerFake.Package].
type ModelPackage struct {
	Group       string // empty for an unversioned package
	Name        string // unversioned packages only
	Version     int    // 0 = next version of the group
	ARN         string // set by AddPackage
	Status      string // ModelPackageStatus; default Completed
	Approval    string // ModelApprovalStatus; default PendingManualApproval
	Created     time.Time
	Description string

	ApprovalDescription string
	Metadata            map[string]string // CustomerMetadataProperties
	// LastModified is LastModifiedTime; UpdateModelPackage advances it.
	LastModified time.Time

	// Sources maps a dotted path of the DescribeModelPackage response to a
	// source, e.g. "ModelMetrics.ModelQuality.Statistics",
	// "ModelMetrics.Bias.Report", "DriftCheckBaselines.Bias.ConfigFile".
	Sources map[string]MetricsSource
}

// SageMakerCall is one request the fake received.
type SageMakerCall struct {
	Op   string         // operation, e.g. "ListModelPackages"
	Body map[string]any // decoded JSON body (numbers as json.Number)
}

// SageMakerFake is an httptest server speaking the SageMaker awsJson1.1
// protocol. Configure it before the client calls it; the setters are safe for
// concurrent use.
type SageMakerFake struct {
	// URL is the endpoint to give the client (BaseEndpoint or
	// AWS_ENDPOINT_URL_SAGEMAKER).
	URL string

	t     testing.TB
	model *apiModel

	mu       sync.Mutex
	groups   map[string]string // name -> ARN
	packages []*ModelPackage
	calls    []SageMakerCall
	throttle map[string]int // op ("" = any) -> remaining throttled answers
	limit    *rateLimit     // SetRateLimit; nil = none
	fail     int            // status of every answer when > 0
	latency  time.Duration
	trips    *RoundTrips
	pageCap  int
	clock    time.Time
	misroute map[string]string // name asked -> ARN of the package answered
}

// NewSageMaker starts a SageMaker fake that is closed when the test ends.
func NewSageMaker(t testing.TB) *SageMakerFake {
	t.Helper()
	m, err := loadAPIModel(sageMakerModelJSON)
	if err != nil {
		t.Fatalf("load sagemaker api model: %v", err)
	}
	f := &SageMakerFake{
		t:        t,
		model:    m,
		groups:   map[string]string{},
		throttle: map[string]int{},
		clock:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// Misroute makes DescribeModelPackage of name answer the package with ARN
// arn instead: a registry (or a man in the middle) that answers about
// another package than the one asked for.
func (f *SageMakerFake) Misroute(name, arn string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.misroute == nil {
		f.misroute = map[string]string{}
	}
	f.misroute[name] = arn
}

// Update changes a stored package in place (a person acting in the console
// meanwhile) and advances its LastModified.
func (f *SageMakerFake) Update(arn string, change func(p *ModelPackage)) {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.findPackage(arn)
	if p == nil {
		f.t.Fatalf("gatetest: Update: no package %s", arn)
	}
	change(p)
	f.clock = f.clock.Add(time.Second)
	p.LastModified = f.clock
}

// AddGroup creates a model package group and returns its ARN.
func (f *SageMakerFake) AddGroup(name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	arn := fmt.Sprintf("arn:aws:sagemaker:%s:%s:model-package-group/%s", SageMakerRegion, SageMakerAccount, name)
	f.groups[name] = arn
	return arn
}

// AddPackage stores a copy of p, filling ARN, Version (next of the group),
// Status, Approval and Created (one minute after the previous package) when
// unset, and returns the stored copy. The group must exist.
func (f *SageMakerFake) AddPackage(p ModelPackage) ModelPackage {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	q := p
	if q.Group != "" {
		if _, ok := f.groups[q.Group]; !ok {
			f.t.Fatalf("gatetest: AddPackage: no group %q", q.Group)
		}
		if q.Version == 0 {
			for _, o := range f.packages {
				if o.Group == q.Group && o.Version > q.Version {
					q.Version = o.Version
				}
			}
			q.Version++
		}
		q.ARN = fmt.Sprintf("arn:aws:sagemaker:%s:%s:model-package/%s/%d", SageMakerRegion, SageMakerAccount, q.Group, q.Version)
	} else {
		q.ARN = fmt.Sprintf("arn:aws:sagemaker:%s:%s:model-package/%s", SageMakerRegion, SageMakerAccount, q.Name)
	}
	if q.Status == "" {
		q.Status = "Completed"
	}
	if q.Approval == "" {
		q.Approval = "PendingManualApproval"
	}
	if q.Created.IsZero() {
		f.clock = f.clock.Add(time.Minute)
		q.Created = f.clock
	}
	q.Metadata = cloneMap(q.Metadata)
	f.packages = append(f.packages, &q)
	return q
}

// Package returns the stored package with this ARN.
func (f *SageMakerFake) Package(arn string) (ModelPackage, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.packages {
		if p.ARN == arn {
			q := *p
			q.Metadata = cloneMap(p.Metadata)
			return q, true
		}
	}
	return ModelPackage{}, false
}

// Calls returns the requests received for op ("" = all), in order.
func (f *SageMakerFake) Calls(op string) []SageMakerCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []SageMakerCall
	for _, c := range f.calls {
		if op == "" || c.Op == op {
			out = append(out, c)
		}
	}
	return out
}

// Throttle answers the next n requests for op ("" = any operation) with a
// 400 ThrottlingException, as the service does when rate limited.
func (f *SageMakerFake) Throttle(op string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.throttle[op] = n
}

// SetRateLimit throttles the fake as the service throttles an account: a
// token bucket of rate requests per second and burst at once, shared by
// every client; a request over it is answered 400 ThrottlingException.
// rate or burst <= 0 turns it off. Throttled requests are recorded by Calls
// like the others; RateCounts counts them.
func (f *SageMakerFake) SetRateLimit(rate float64, burst int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limit = newRateLimit(rate, burst)
}

// RateCounts is what the rate limit of SetRateLimit admitted and throttled.
func (f *SageMakerFake) RateCounts() RateCounts {
	f.mu.Lock()
	l := f.limit
	f.mu.Unlock()
	return l.counts()
}

// FailAlways answers every request with this 5xx status and an
// InternalFailure error (0 turns it off).
func (f *SageMakerFake) FailAlways(status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = status
}

// SetLatency delays every answer by d.
func (f *SageMakerFake) SetLatency(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency = d
}

// SetPageCap caps ListModelPackages pages at n packages scanned, whatever
// MaxResults says (0 = no cap). Filters are applied after paging, as the
// service does, so a page may hold fewer packages than scanned, even none,
// and still carry a NextToken.
func (f *SageMakerFake) SetPageCap(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pageCap = n
}

// awsError is an awsJson1.1 error answer.
type awsError struct {
	status int
	typ    string
	msg    string
}

// RoundTrips records when the fakes that share it (SageMakerFake and
// S3Fake, RecordTrips) received and answered each request, to count the
// dependent round trips of a run: with a latency on every answer, a request
// sent only after another was answered depended on it (or queued behind
// it), whatever the CPU time of the client.
type RoundTrips struct {
	mu    sync.Mutex
	spans []tripSpan
}

type tripSpan struct {
	what       string
	start, end time.Time
}

func (rt *RoundTrips) record(what string, start time.Time) {
	if rt == nil {
		return
	}
	end := time.Now()
	rt.mu.Lock()
	rt.spans = append(rt.spans, tripSpan{what, start, end})
	rt.mu.Unlock()
}

// Requests is the number of requests answered.
func (rt *RoundTrips) Requests() int {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return len(rt.spans)
}

// Dependent is the longest chain of requests each received after the one
// before it was answered: the dependent round trips.
func (rt *RoundTrips) Dependent() int {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	chain := make([]int, len(rt.spans))
	longest := 0
	// A span can only follow one that ended before it started, so in order
	// of start every span's predecessors are computed before it.
	idx := make([]int, len(rt.spans))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return rt.spans[idx[a]].start.Before(rt.spans[idx[b]].start) })
	for _, i := range idx {
		chain[i] = 1
		for j := range rt.spans {
			if !rt.spans[j].end.After(rt.spans[i].start) && j != i && chain[j]+1 > chain[i] {
				chain[i] = chain[j] + 1
			}
		}
		longest = max(longest, chain[i])
	}
	return longest
}

// Window is when the first request was received and the last answered.
func (rt *RoundTrips) Window() (first, last time.Time) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for i, s := range rt.spans {
		if i == 0 || s.start.Before(first) {
			first = s.start
		}
		if i == 0 || s.end.After(last) {
			last = s.end
		}
	}
	return first, last
}

// RecordTrips records every request the fake answers from now on in rt.
func (f *SageMakerFake) RecordTrips(rt *RoundTrips) {
	f.mu.Lock()
	f.trips = rt
	f.mu.Unlock()
}

func (f *SageMakerFake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	rt := f.trips
	f.mu.Unlock()
	defer rt.record("sagemaker "+r.Header.Get("X-Amz-Target"), time.Now())
	t := f.t
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, "SageMaker.")
	if r.Method != http.MethodPost || r.URL.Path != "/" || !ok {
		t.Errorf("gatetest: sagemaker: unexpected request %s %s X-Amz-Target=%q", r.Method, r.URL.Path, target)
		writeAWSError(w, awsError{400, "UnknownOperationException", "unknown operation"})
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		t.Errorf("gatetest: sagemaker %s: Content-Type %q; want application/x-amz-json-1.1", op, ct)
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		t.Errorf("gatetest: sagemaker %s: request is not SigV4-signed", op)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("gatetest: sagemaker %s: read body: %v", op, err)
		return
	}
	var in map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil {
		t.Errorf("gatetest: sagemaker %s: request body is not a JSON object: %v", op, err)
		writeAWSError(w, awsError{400, "SerializationException", err.Error()})
		return
	}

	f.mu.Lock()
	f.calls = append(f.calls, SageMakerCall{Op: op, Body: in})
	latency, fail := f.latency, f.fail
	throttled := false
	for _, k := range []string{op, ""} {
		if f.throttle[k] > 0 {
			f.throttle[k]--
			throttled = true
			break
		}
	}
	limit := f.limit
	f.mu.Unlock()
	throttled = !limit.admit() || throttled

	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
	}
	if fail > 0 {
		writeAWSError(w, awsError{fail, "InternalFailure", "injected failure"})
		return
	}
	if throttled {
		writeAWSError(w, awsError{400, "ThrottlingException", "Rate exceeded"})
		return
	}

	opm, ok := f.model.Operations[op]
	if !ok {
		t.Errorf("gatetest: sagemaker: operation %q is not in the trimmed API model", op)
		writeAWSError(w, awsError{400, "UnknownOperationException", op})
		return
	}
	if errs := f.model.validate(in, opm.Input.Shape, op+" request"); len(errs) > 0 {
		for _, e := range errs {
			t.Errorf("gatetest: sagemaker: %s", e)
		}
		writeAWSError(w, awsError{400, "ValidationException", strings.Join(errs, "; ")})
		return
	}

	var out map[string]any
	var aerr *awsError
	f.mu.Lock()
	switch op {
	case "ListModelPackages":
		out, aerr = f.listModelPackages(in)
	case "DescribeModelPackage":
		out, aerr = f.describeModelPackage(in)
	case "DescribeModelPackageGroup":
		out, aerr = f.describeModelPackageGroup(in)
	case "UpdateModelPackage":
		out, aerr = f.updateModelPackage(in)
	default:
		aerr = &awsError{400, "UnknownOperationException", op}
	}
	f.mu.Unlock()
	if aerr != nil {
		writeAWSError(w, *aerr)
		return
	}

	b, ok := f.model.encodeResponse(t, "sagemaker", op, opm.Output.Shape, out)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", "fake-"+strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

func writeAWSError(w http.ResponseWriter, e awsError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", e.typ)
	w.WriteHeader(e.status)
	b, _ := json.Marshal(map[string]string{"__type": e.typ, "message": e.msg})
	_, _ = w.Write(b)
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// groupName accepts a group name or ARN.
func groupName(s string) string {
	if i := strings.Index(s, ":model-package-group/"); i >= 0 {
		return s[i+len(":model-package-group/"):]
	}
	return s
}

func (f *SageMakerFake) listModelPackages(in map[string]any) (map[string]any, *awsError) {
	group := groupName(str(in, "ModelPackageGroupName"))
	typ := str(in, "ModelPackageType")
	if typ == "" {
		typ = "Unversioned" // the API's default, unless a group is named
		if group != "" {
			typ = "Versioned"
		}
	}
	var all []*ModelPackage
	for _, p := range f.packages {
		if group != "" && p.Group != group {
			continue
		}
		versioned := p.Group != ""
		if (typ == "Versioned" && !versioned) || (typ == "Unversioned" && versioned) {
			continue
		}
		all = append(all, p)
	}
	sortBy, order := str(in, "SortBy"), str(in, "SortOrder")
	sort.SliceStable(all, func(i, j int) bool {
		if sortBy == "Name" {
			return pkgName(all[i]) < pkgName(all[j])
		}
		return all[i].Created.Before(all[j].Created)
	})
	if order == "Descending" {
		slices.Reverse(all)
	}
	start := 0
	if tok := str(in, "NextToken"); tok != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(tok, "page:"))
		if err != nil || !strings.HasPrefix(tok, "page:") || n < 0 || n > len(all) {
			return nil, &awsError{400, "ValidationException", "invalid NextToken"}
		}
		start = n
	}
	size := 10
	if n, ok := in["MaxResults"].(json.Number); ok {
		v, _ := n.Int64()
		size = int(v)
	}
	if f.pageCap > 0 && size > f.pageCap {
		size = f.pageCap
	}
	end := min(start+size, len(all))
	list := []any{}
	for _, p := range all[start:end] {
		if s := str(in, "ModelApprovalStatus"); s != "" && p.Approval != s {
			continue
		}
		if s := str(in, "NameContains"); s != "" && !strings.Contains(pkgName(p), s) {
			continue
		}
		sum := map[string]any{
			"ModelPackageArn":     p.ARN,
			"CreationTime":        epoch(p.Created),
			"ModelPackageStatus":  p.Status,
			"ModelApprovalStatus": p.Approval,
		}
		// The service leaves ModelPackageName out of the summaries of
		// versioned packages (aws/sagemaker-python-sdk#5606): only the
		// ARN identifies them.
		if p.Group != "" {
			sum["ModelPackageGroupName"] = p.Group
			sum["ModelPackageVersion"] = p.Version
		} else {
			sum["ModelPackageName"] = p.Name
		}
		if p.Description != "" {
			sum["ModelPackageDescription"] = p.Description
		}
		list = append(list, sum)
	}
	out := map[string]any{"ModelPackageSummaryList": list}
	if end < len(all) {
		out["NextToken"] = "page:" + strconv.Itoa(end)
	}
	return out, nil
}

func pkgName(p *ModelPackage) string {
	if p.Group != "" {
		return p.Group
	}
	return p.Name
}

func epoch(t time.Time) json.Number {
	return json.Number(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64))
}

// findPackage accepts an ARN, "group/version" or an unversioned name.
func (f *SageMakerFake) findPackage(name string) *ModelPackage {
	for _, p := range f.packages {
		if p.ARN == name || (p.Group != "" && p.Group+"/"+strconv.Itoa(p.Version) == name) || (p.Group == "" && p.Name == name) {
			return p
		}
	}
	return nil
}

func (f *SageMakerFake) describeModelPackage(in map[string]any) (map[string]any, *awsError) {
	name := str(in, "ModelPackageName")
	p := f.findPackage(name)
	if to, ok := f.misroute[name]; ok {
		p = f.findPackage(to)
	}
	if p == nil {
		return nil, &awsError{400, "ValidationException", "ModelPackage " + name + " does not exist."}
	}
	out := map[string]any{
		"ModelPackageName":          pkgName(p),
		"ModelPackageArn":           p.ARN,
		"CreationTime":              epoch(p.Created),
		"ModelPackageStatus":        p.Status,
		"ModelPackageStatusDetails": map[string]any{"ValidationStatuses": []any{}},
		"ModelApprovalStatus":       p.Approval,
	}
	if p.Group != "" {
		out["ModelPackageGroupName"] = p.Group
		out["ModelPackageVersion"] = p.Version
	}
	if p.Description != "" {
		out["ModelPackageDescription"] = p.Description
	}
	if p.ApprovalDescription != "" {
		out["ApprovalDescription"] = p.ApprovalDescription
	}
	if !p.LastModified.IsZero() {
		out["LastModifiedTime"] = epoch(p.LastModified)
	}
	if len(p.Metadata) > 0 {
		out["CustomerMetadataProperties"] = cloneMap(p.Metadata)
	}
	for path, s := range p.Sources {
		src := map[string]any{"S3Uri": s.S3Uri}
		if s.ContentType != "" {
			src["ContentType"] = s.ContentType
		}
		if s.ContentDigest != "" {
			src["ContentDigest"] = s.ContentDigest
		}
		parts := strings.Split(path, ".")
		m := out
		for _, k := range parts[:len(parts)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
		m[parts[len(parts)-1]] = src
	}
	return out, nil
}

func (f *SageMakerFake) describeModelPackageGroup(in map[string]any) (map[string]any, *awsError) {
	name := groupName(str(in, "ModelPackageGroupName"))
	arn, ok := f.groups[name]
	if !ok {
		return nil, &awsError{400, "ValidationException", "ModelPackageGroup " + name + " does not exist."}
	}
	return map[string]any{
		"ModelPackageGroupName":   name,
		"ModelPackageGroupArn":    arn,
		"CreationTime":            epoch(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)),
		"CreatedBy":               map[string]any{},
		"ModelPackageGroupStatus": "Completed",
	}, nil
}

func (f *SageMakerFake) updateModelPackage(in map[string]any) (map[string]any, *awsError) {
	arn := str(in, "ModelPackageArn")
	p := f.findPackage(arn)
	if p == nil || p.ARN != arn {
		return nil, &awsError{400, "ValidationException", "ModelPackage " + arn + " does not exist."}
	}
	if s := str(in, "ModelApprovalStatus"); s != "" {
		if p.Group == "" {
			return nil, &awsError{400, "ValidationException", "cannot set the approval status of an unversioned model package"}
		}
		p.Approval = s
	}
	if _, ok := in["ApprovalDescription"]; ok {
		p.ApprovalDescription = str(in, "ApprovalDescription")
	}
	if md, ok := in["CustomerMetadataProperties"].(map[string]any); ok {
		if p.Metadata == nil {
			p.Metadata = map[string]string{}
		}
		for k, v := range md {
			p.Metadata[k], _ = v.(string)
		}
	}
	if rm, ok := in["CustomerMetadataPropertiesToRemove"].([]any); ok {
		for _, k := range rm {
			ks, _ := k.(string)
			delete(p.Metadata, ks)
		}
	}
	f.clock = f.clock.Add(time.Second)
	p.LastModified = f.clock
	return map[string]any{"ModelPackageArn": p.ARN}, nil
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// apiModel is the part of an AWS api-2.json model the validator reads.
type apiModel struct {
	Operations map[string]struct {
		Input  struct{ Shape string } `json:"input"`
		Output struct{ Shape string } `json:"output"`
	} `json:"operations"`
	Shapes map[string]*apiShape `json:"shapes"`

	// skipped lists patterns Go's regexp cannot compile (lookbehind),
	// by shape name.
	skipped []string
}

type shapeRef struct {
	Shape string `json:"shape"`
}

type apiShape struct {
	Type     string              `json:"type"`
	Required []string            `json:"required"`
	Members  map[string]shapeRef `json:"members"`
	Member   *shapeRef           `json:"member"`
	Key      *shapeRef           `json:"key"`
	Value    *shapeRef           `json:"value"`
	Min      *float64            `json:"min"`
	Max      *float64            `json:"max"`
	Pattern  string              `json:"pattern"`
	Enum     []string            `json:"enum"`

	re *regexp.Regexp
}

// Two repairs make more AWS patterns compile in Go, neither loosening a
// limit the validator checks: trailingRepeat is the "${1,256}" some patterns
// end with (a repetition of the end anchor, which Go rejects), and
// bigRepeat a bound over Go's limit of 1000 ("[\S]{1,2048}", made
// "[\S]{1,}"). The shape's min and max lengths still bound the string.
var (
	trailingRepeat = regexp.MustCompile(`\$\{\d+(,\d+)?\}$`)
	bigRepeat      = regexp.MustCompile(`\{(\d+),\d{4,}\}`)
)

func loadAPIModel(b []byte) (*apiModel, error) {
	var m apiModel
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(m.Shapes))
	for n := range m.Shapes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := m.Shapes[n]
		if s.Pattern == "" {
			continue
		}
		p := trailingRepeat.ReplaceAllString(s.Pattern, "$$")
		p = bigRepeat.ReplaceAllString(p, "{$1,}")
		re, err := regexp.Compile(p)
		if err != nil {
			m.skipped = append(m.skipped, n)
			continue
		}
		s.re = re
	}
	return &m, nil
}

// validate checks v (decoded with UseNumber) against shape and returns one
// message per violation, each naming the path.
// encodeResponse encodes a fake's answer to op and validates it, as sent
// (round-tripped through JSON), against the output shape; every problem
// fails the test. ok is false when the answer could not be encoded.
func (m *apiModel) encodeResponse(t testing.TB, service, op, shape string, out any) (b []byte, ok bool) {
	t.Helper()
	b, err := json.Marshal(out)
	if err != nil {
		t.Errorf("gatetest: %s %s: encode response: %v", service, op, err)
		return nil, false
	}
	var sent map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&sent); err != nil {
		t.Errorf("gatetest: %s %s: decode own response: %v", service, op, err)
	}
	for _, e := range m.validate(sent, shape, op+" response") {
		t.Errorf("gatetest: %s: %s", service, e)
	}
	return b, true
}

func (m *apiModel) validate(v any, shape, path string) []string {
	var errs []string
	m.check(v, shape, path, &errs)
	return errs
}

func (m *apiModel) check(v any, shape, path string, errs *[]string) {
	s, ok := m.Shapes[shape]
	if !ok {
		*errs = append(*errs, fmt.Sprintf("%s: shape %q not in the model", path, shape))
		return
	}
	bad := func(format string, args ...any) {
		*errs = append(*errs, path+": "+fmt.Sprintf(format, args...))
	}
	switch s.Type {
	case "structure":
		obj, ok := v.(map[string]any)
		if !ok {
			bad("want an object (%s), got %T", shape, v)
			return
		}
		for _, r := range s.Required {
			if _, ok := obj[r]; !ok {
				bad("required member %s missing", r)
			}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ref, ok := s.Members[k]
			if !ok {
				bad("unknown member %s (shape %s)", k, shape)
				continue
			}
			m.check(obj[k], ref.Shape, path+"."+k, errs)
		}
	case "list":
		arr, ok := v.([]any)
		if !ok {
			bad("want a list (%s), got %T", shape, v)
			return
		}
		m.length(s, len(arr), "entries", bad)
		for i, e := range arr {
			m.check(e, s.Member.Shape, fmt.Sprintf("%s[%d]", path, i), errs)
		}
	case "map":
		obj, ok := v.(map[string]any)
		if !ok {
			bad("want a map (%s), got %T", shape, v)
			return
		}
		m.length(s, len(obj), "entries", bad)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			m.check(k, s.Key.Shape, fmt.Sprintf("%s{key %q}", path, k), errs)
			m.check(obj[k], s.Value.Shape, fmt.Sprintf("%s[%q]", path, k), errs)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			bad("want a string (%s), got %T", shape, v)
			return
		}
		m.length(s, utf8.RuneCountInString(str), "characters", bad)
		if len(s.Enum) > 0 {
			found := false
			for _, e := range s.Enum {
				found = found || e == str
			}
			if !found {
				bad("%q is not one of %v (%s)", str, s.Enum, shape)
			}
		}
		if s.re != nil && !s.re.MatchString(str) {
			bad("%q does not match the pattern %s of %s", str, s.Pattern, shape)
		}
	case "integer", "long", "float", "double":
		n, ok := v.(json.Number)
		if !ok {
			bad("want a number (%s), got %T", shape, v)
			return
		}
		f, err := n.Float64()
		if err != nil {
			bad("bad number %s", n)
			return
		}
		if (s.Type == "integer" || s.Type == "long") && strings.ContainsAny(n.String(), ".eE") {
			bad("want an integer, got %s", n)
		}
		if s.Min != nil && f < *s.Min {
			bad("%s is below the minimum %v of %s", n, *s.Min, shape)
		}
		if s.Max != nil && f > *s.Max {
			bad("%s is above the maximum %v of %s", n, *s.Max, shape)
		}
	case "timestamp":
		if _, ok := v.(json.Number); !ok {
			bad("want a timestamp as epoch seconds (%s), got %T", shape, v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("want a boolean (%s), got %T", shape, v)
		}
	case "blob":
		if _, ok := v.(string); !ok {
			bad("want base64 (%s), got %T", shape, v)
		}
	default:
		bad("shape %s has unhandled type %q", shape, s.Type)
	}
}

func (m *apiModel) length(s *apiShape, n int, unit string, bad func(string, ...any)) {
	if s.Min != nil && float64(n) < *s.Min {
		bad("%d %s, fewer than the minimum %v", n, unit, *s.Min)
	}
	if s.Max != nil && float64(n) > *s.Max {
		bad("%d %s, more than the maximum %v", n, unit, *s.Max)
	}
}
