package gatetest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// MLflowVersion is a model version in the MLflow fake's store.
type MLflowVersion struct {
	Name          string
	Version       int    // 0 = the next version of Name
	Status        string // ModelVersionStatus; default READY
	StatusMessage string
	RunID         string
	Description   string
	Tags          map[string]string
	Created       int64 // ms; default the fake's clock
	LastUpdated   int64 // ms; set-tag and update advance it
}

// MLflowMetric is one latest metric of a run (what runs/get answers).
type MLflowMetric struct {
	Key       string
	Value     float64
	Step      int64
	Timestamp int64
}

// MLflowRun is a run: its metrics and artifacts (path under the run's
// artifact root -> bytes).
type MLflowRun struct {
	ID           string
	ExperimentID string // default "1"
	ArtifactURI  string // default mlflow-artifacts:/<experiment>/<id>/artifacts
	Metrics      []MLflowMetric
	Artifacts    map[string][]byte
}

// MLflowCall is one request the fake received.
type MLflowCall struct {
	Method, Path string // Path without /api/2.0
	Query        url.Values
	Body         map[string]any
	Auth         string // the Authorization header
}

type mlflowFault struct {
	path       string // suffix of the path; "" = any
	status     int
	retryAfter string
	n          int
}

// MLflowFake is an httptest MLflow tracking server: model registry
// (versions, search with paging, aliases, tags), runs/get, artifacts/list and
// the mlflow-artifacts download. Every request and every answer is checked
// against the protos (mlflow_proto.go); an unknown path, field or type fails
// the test. Configure it before the client calls it; the setters are safe
// for concurrent use.
type MLflowFake struct {
	URL string

	t        testing.TB
	mu       sync.Mutex
	versions map[string]map[int]*MLflowVersion
	aliases  map[string]map[string]int
	runs     map[string]*MLflowRun
	calls    []MLflowCall
	faults   []*mlflowFault
	auth     string // required Authorization header ("" = any)
	pageCap  int
	clock    int64
	// int64AsString answers int64 fields as JSON strings (both are legal).
	int64AsString bool
}

// NewMLflow starts an MLflow fake that is closed when the test ends.
func NewMLflow(t testing.TB) *MLflowFake {
	t.Helper()
	f := &MLflowFake{
		t:        t,
		versions: map[string]map[int]*MLflowVersion{},
		aliases:  map[string]map[string]int{},
		runs:     map[string]*MLflowRun{},
		clock:    1767225600000, // 2026-01-01
	}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// AddVersion stores a version and returns it as stored.
func (f *MLflowFake) AddVersion(v MLflowVersion) MLflowVersion {
	f.mu.Lock()
	defer f.mu.Unlock()
	vs := f.versions[v.Name]
	if vs == nil {
		vs = map[int]*MLflowVersion{}
		f.versions[v.Name] = vs
	}
	if v.Version == 0 {
		v.Version = len(vs) + 1
		for vs[v.Version] != nil {
			v.Version++
		}
	}
	if v.Status == "" {
		v.Status = "READY"
	}
	f.clock++
	if v.Created == 0 {
		v.Created = f.clock
	}
	if v.LastUpdated == 0 {
		v.LastUpdated = v.Created
	}
	v.Tags = cloneMap(v.Tags)
	if v.Tags == nil {
		v.Tags = map[string]string{}
	}
	vs[v.Version] = &v
	return v
}

// AddRun stores a run.
func (f *MLflowFake) AddRun(r MLflowRun) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.ExperimentID == "" {
		r.ExperimentID = "1"
	}
	if r.ArtifactURI == "" {
		r.ArtifactURI = "mlflow-artifacts:/" + r.ExperimentID + "/" + r.ID + "/artifacts"
	}
	arts := map[string][]byte{}
	for k, v := range r.Artifacts {
		arts[k] = bytes.Clone(v)
	}
	r.Artifacts = arts
	r.Metrics = append([]MLflowMetric(nil), r.Metrics...)
	f.runs[r.ID] = &r
}

// SetArtifact replaces (or adds) an artifact of a run; nil deletes it.
func (f *MLflowFake) SetArtifact(runID, path string, data []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if data == nil {
		delete(f.runs[runID].Artifacts, path)
		return
	}
	f.runs[runID].Artifacts[path] = bytes.Clone(data)
}

// SetMetric sets a run's latest value of a metric.
func (f *MLflowFake) SetMetric(runID string, m MLflowMetric) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.runs[runID]
	for i := range r.Metrics {
		if r.Metrics[i].Key == m.Key {
			r.Metrics[i] = m
			return
		}
	}
	r.Metrics = append(r.Metrics, m)
}

// SetAlias points alias at version (0 deletes it), as another user would.
func (f *MLflowFake) SetAlias(name, alias string, version int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.aliases[name] == nil {
		f.aliases[name] = map[string]int{}
	}
	if version == 0 {
		delete(f.aliases[name], alias)
		return
	}
	f.aliases[name][alias] = version
}

// Alias is where alias points (0: nowhere).
func (f *MLflowFake) Alias(name, alias string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.aliases[name][alias]
}

// Version returns a copy of a stored version.
func (f *MLflowFake) Version(name string, v int) (MLflowVersion, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	mv, ok := f.versions[name][v]
	if !ok {
		return MLflowVersion{}, false
	}
	c := *mv
	c.Tags = cloneMap(mv.Tags)
	return c, true
}

// Update changes a stored version, as another user would (LastUpdated
// advances).
func (f *MLflowFake) Update(name string, v int, change func(*MLflowVersion)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	mv := f.versions[name][v]
	change(mv)
	f.clock++
	mv.LastUpdated = f.clock
}

// Calls lists the requests received on path (without /api/2.0; "" = all).
func (f *MLflowFake) Calls(path string) []MLflowCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []MLflowCall
	for _, c := range f.calls {
		if path == "" || c.Path == path {
			out = append(out, c)
		}
	}
	return out
}

// Writes lists the requests that change the store (POST, PATCH, DELETE).
func (f *MLflowFake) Writes() []MLflowCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []MLflowCall
	for _, c := range f.calls {
		if c.Method != "GET" {
			out = append(out, c)
		}
	}
	return out
}

// Fail makes the next n requests whose path ends with path ("" = any)
// answer status, with a Retry-After header when retryAfter is not empty.
func (f *MLflowFake) Fail(path string, status, n int, retryAfter string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, &mlflowFault{path: path, status: status, n: n, retryAfter: retryAfter})
}

// RequireAuth makes every request without exactly this Authorization header
// answer 401, with a message that repeats the header it got (a careless
// server): the client must not print it.
func (f *MLflowFake) RequireAuth(header string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.auth = header
}

// SetPageCap caps the versions of one search page (a backend's maximum).
func (f *MLflowFake) SetPageCap(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pageCap = n
}

// Int64AsString answers int64 fields as JSON strings.
func (f *MLflowFake) Int64AsString(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.int64AsString = on
}

type mlflowErr struct {
	status int
	code   string
	msg    string
}

type mlflowRoute struct {
	method, path, msg string
	handle            func(f *MLflowFake, in map[string]any) (map[string]any, *mlflowErr)
}

// The routes, as the protos' (rpc) options give them, under /api/2.0.
var mlflowRoutes = []mlflowRoute{
	{"GET", "/mlflow/model-versions/get", "GetModelVersion", (*MLflowFake).getVersion},
	{"GET", "/mlflow/model-versions/search", "SearchModelVersions", (*MLflowFake).search},
	{"GET", "/mlflow/registered-models/alias", "GetModelVersionByAlias", (*MLflowFake).getAlias},
	{"POST", "/mlflow/registered-models/alias", "SetRegisteredModelAlias", (*MLflowFake).setAlias},
	{"POST", "/mlflow/model-versions/set-tag", "SetModelVersionTag", (*MLflowFake).setTag},
	{"PATCH", "/mlflow/model-versions/update", "UpdateModelVersion", (*MLflowFake).update},
	{"GET", "/mlflow/runs/get", "GetRun", (*MLflowFake).getRun},
	{"GET", "/mlflow/artifacts/list", "ListArtifacts", (*MLflowFake).list},
}

const artifactPrefix = "/api/2.0/mlflow-artifacts/artifacts/"

func (f *MLflowFake) serve(w http.ResponseWriter, r *http.Request) {
	f.t.Helper()
	path := strings.TrimPrefix(r.URL.Path, "/api/2.0")
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	call := MLflowCall{Method: r.Method, Path: path, Query: r.URL.Query(), Auth: r.Header.Get("Authorization")}

	f.mu.Lock()
	var fault *mlflowFault
	for _, ft := range f.faults {
		if ft.n > 0 && strings.HasSuffix(path, ft.path) {
			ft.n--
			fault = ft
			break
		}
	}
	auth := f.auth
	f.mu.Unlock()

	if fault != nil {
		f.record(call)
		if fault.retryAfter != "" {
			w.Header().Set("Retry-After", fault.retryAfter)
		}
		writeMLflowError(w, &mlflowErr{fault.status, "TEMPORARILY_UNAVAILABLE", "injected fault"})
		return
	}
	if auth != "" && call.Auth != auth {
		f.record(call)
		writeMLflowError(w, &mlflowErr{http.StatusUnauthorized, "UNAUTHENTICATED", "invalid credentials: " + call.Auth})
		return
	}
	if r.Method == "GET" && strings.HasPrefix(r.URL.Path, artifactPrefix) {
		f.record(call)
		f.download(w, r)
		return
	}
	var route *mlflowRoute
	for i := range mlflowRoutes {
		if mlflowRoutes[i].path == path && mlflowRoutes[i].method == r.Method {
			route = &mlflowRoutes[i]
		}
	}
	if route == nil || !strings.HasPrefix(r.URL.Path, "/api/2.0/") {
		f.record(call)
		f.t.Errorf("MLflow fake: %s %s is not an endpoint of the protos", r.Method, r.URL.Path)
		writeMLflowError(w, &mlflowErr{http.StatusNotFound, "ENDPOINT_NOT_FOUND", "no such endpoint"})
		return
	}
	in := map[string]any{}
	var errs []string
	if r.Method == "GET" {
		errs = validateQuery(route.msg, call.Query)
		if len(body) > 0 {
			errs = append(errs, "a GET request has a body")
		}
		for k, v := range call.Query {
			in[k] = v[0]
		}
	} else {
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			errs = append(errs, fmt.Sprintf("Content-Type %q; want application/json", ct))
		}
		if len(call.Query) > 0 {
			errs = append(errs, "a "+r.Method+" request has query parameters")
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			errs = append(errs, "the body is not JSON: "+err.Error())
		} else {
			errs = append(errs, validateJSON(route.msg, v, "request", true)...)
			in, _ = v.(map[string]any)
		}
		call.Body = in
	}
	f.record(call)
	if len(errs) > 0 {
		f.t.Errorf("MLflow fake: %s %s: the request does not match the protos:\n  %s", r.Method, path, strings.Join(errs, "\n  "))
		writeMLflowError(w, &mlflowErr{http.StatusBadRequest, "INVALID_PARAMETER_VALUE", strings.Join(errs, "; ")})
		return
	}
	f.mu.Lock()
	out, merr := route.handle(f, in)
	asString := f.int64AsString
	f.mu.Unlock()
	if merr != nil {
		writeMLflowError(w, merr)
		return
	}
	if errs := validateJSON(route.msg+".Response", roundTrip(out), "response", false); len(errs) > 0 {
		f.t.Errorf("MLflow fake: %s %s: the fake's answer does not match the protos:\n  %s", r.Method, path, strings.Join(errs, "\n  "))
	}
	if asString {
		out = int64Strings(out, route.msg+".Response")
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

func (f *MLflowFake) record(c MLflowCall) {
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
}

func writeMLflowError(w http.ResponseWriter, e *mlflowErr) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	json.NewEncoder(w).Encode(map[string]string{"error_code": e.code, "message": e.msg})
}

// roundTrip makes an answer look like what a client decodes (numbers as
// json.Number), for validation.
func roundTrip(v any) any {
	b, _ := json.Marshal(v)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	dec.Decode(&out)
	return out
}

// int64Strings rewrites the int64 fields of an answer as strings.
func int64Strings(v any, msg string) map[string]any {
	m, _ := roundTrip(v).(map[string]any)
	var walk func(obj map[string]any, msg string)
	walk = func(obj map[string]any, msg string) {
		for k, val := range obj {
			fd := protoMessages[msg][k]
			switch {
			case fd.typ == "int64" && !fd.repeated:
				if n, ok := val.(json.Number); ok {
					obj[k] = string(n)
				}
			case strings.HasPrefix(fd.typ, "msg:"):
				if fd.repeated {
					arr, _ := val.([]any)
					for _, e := range arr {
						if o, ok := e.(map[string]any); ok {
							walk(o, fd.typ[4:])
						}
					}
				} else if o, ok := val.(map[string]any); ok {
					walk(o, fd.typ[4:])
				}
			}
		}
	}
	walk(m, msg)
	return m
}

func (f *MLflowFake) versionJSON(mv *MLflowVersion, withAliases bool) map[string]any {
	tags := []any{}
	keys := make([]string, 0, len(mv.Tags))
	for k := range mv.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		tags = append(tags, map[string]any{"key": k, "value": mv.Tags[k]})
	}
	aliases := []any{}
	if withAliases { // search results carry none (mlflow#9783)
		var as []string
		for a, v := range f.aliases[mv.Name] {
			if v == mv.Version {
				as = append(as, a)
			}
		}
		sort.Strings(as)
		for _, a := range as {
			aliases = append(aliases, a)
		}
	}
	out := map[string]any{
		"name": mv.Name, "version": strconv.Itoa(mv.Version), "creation_timestamp": mv.Created,
		"last_updated_timestamp": mv.LastUpdated, "current_stage": "None", "description": mv.Description,
		"source": "models:/m-" + strconv.Itoa(mv.Version), "status": mv.Status, "tags": tags, "aliases": aliases,
		"user_id": "someone",
	}
	if mv.RunID != "" {
		out["run_id"] = mv.RunID
	}
	if mv.StatusMessage != "" {
		out["status_message"] = mv.StatusMessage
	}
	return out
}

func str1(in map[string]any, k string) string { s, _ := in[k].(string); return s }

func (f *MLflowFake) lookup(in map[string]any) (*MLflowVersion, *mlflowErr) {
	name, vs := str1(in, "name"), str1(in, "version")
	v, err := strconv.Atoi(vs)
	if mv := f.versions[name][v]; err == nil && mv != nil {
		return mv, nil
	}
	return nil, &mlflowErr{http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", fmt.Sprintf("Model Version (name=%s, version=%s) not found", name, vs)}
}

func (f *MLflowFake) getVersion(in map[string]any) (map[string]any, *mlflowErr) {
	mv, e := f.lookup(in)
	if e != nil {
		return nil, e
	}
	return map[string]any{"model_version": f.versionJSON(mv, true)}, nil
}

// parseNameFilter reads the one filter the fake supports: name = '<x>'
// (or "<x>").
func parseNameFilter(s string) (string, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), "name")
	if !ok {
		return "", false
	}
	rest, ok = strings.CutPrefix(strings.TrimSpace(rest), "=")
	if !ok {
		return "", false
	}
	rest = strings.TrimSpace(rest)
	if len(rest) < 2 || (rest[0] != '\'' && rest[0] != '"') || rest[len(rest)-1] != rest[0] {
		return "", false
	}
	v := rest[1 : len(rest)-1]
	if strings.ContainsRune(v, rune(rest[0])) || strings.Contains(v, `\`) {
		return "", false // MLflow filter strings have no escapes
	}
	return v, true
}

func (f *MLflowFake) search(in map[string]any) (map[string]any, *mlflowErr) {
	name, ok := parseNameFilter(str1(in, "filter"))
	if !ok {
		f.t.Errorf("MLflow fake: search filter %q: the fake answers only name = '<model>'", str1(in, "filter"))
		return nil, &mlflowErr{http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "unsupported filter"}
	}
	max := 200000
	if s := str1(in, "max_results"); s != "" {
		max, _ = strconv.Atoi(s)
	}
	if max < 1 || max > 200000 {
		return nil, &mlflowErr{http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "max_results out of range"}
	}
	if f.pageCap > 0 && max > f.pageCap {
		max = f.pageCap
	}
	off := 0
	if tok := str1(in, "page_token"); tok != "" {
		b, err := base64.StdEncoding.DecodeString(tok)
		if err == nil {
			off, err = strconv.Atoi(string(b))
		}
		if err != nil || off < 0 {
			return nil, &mlflowErr{http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "invalid page token"}
		}
	}
	var nums []int
	for v := range f.versions[name] {
		nums = append(nums, v)
	}
	sort.Ints(nums) // oldest first: the client must not rely on an order
	out := map[string]any{}
	page := []any{}
	for i := off; i < len(nums) && i < off+max; i++ {
		page = append(page, f.versionJSON(f.versions[name][nums[i]], false))
	}
	out["model_versions"] = page
	if off+max < len(nums) {
		out["next_page_token"] = base64.StdEncoding.EncodeToString([]byte(strconv.Itoa(off + max)))
	}
	return out, nil
}

func (f *MLflowFake) getAlias(in map[string]any) (map[string]any, *mlflowErr) {
	name, alias := str1(in, "name"), str1(in, "alias")
	v, ok := f.aliases[name][alias]
	if !ok {
		// A real server answers 400, not 404, for an unknown alias.
		return nil, &mlflowErr{http.StatusBadRequest, "INVALID_PARAMETER_VALUE", fmt.Sprintf("Registered model alias %s not found.", alias)}
	}
	return map[string]any{"model_version": f.versionJSON(f.versions[name][v], true)}, nil
}

func (f *MLflowFake) setAlias(in map[string]any) (map[string]any, *mlflowErr) {
	mv, e := f.lookup(in)
	if e != nil {
		return nil, e
	}
	if f.aliases[mv.Name] == nil {
		f.aliases[mv.Name] = map[string]int{}
	}
	f.aliases[mv.Name][str1(in, "alias")] = mv.Version
	return map[string]any{}, nil
}

func (f *MLflowFake) setTag(in map[string]any) (map[string]any, *mlflowErr) {
	mv, e := f.lookup(in)
	if e != nil {
		return nil, e
	}
	if k := str1(in, "key"); len(k) > 250 {
		return nil, &mlflowErr{http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "tag key too long"}
	}
	mv.Tags[str1(in, "key")] = str1(in, "value")
	f.clock++
	mv.LastUpdated = f.clock
	return map[string]any{}, nil
}

func (f *MLflowFake) update(in map[string]any) (map[string]any, *mlflowErr) {
	mv, e := f.lookup(in)
	if e != nil {
		return nil, e
	}
	if d, ok := in["description"].(string); ok {
		mv.Description = d
	}
	f.clock++
	mv.LastUpdated = f.clock
	return map[string]any{"model_version": f.versionJSON(mv, true)}, nil
}

func (f *MLflowFake) runByID(in map[string]any) (*MLflowRun, *mlflowErr) {
	id := str1(in, "run_id")
	if id == "" {
		id = str1(in, "run_uuid")
	}
	r := f.runs[id]
	if r == nil {
		return nil, &mlflowErr{http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "Run '" + id + "' not found"}
	}
	return r, nil
}

func (f *MLflowFake) getRun(in map[string]any) (map[string]any, *mlflowErr) {
	r, e := f.runByID(in)
	if e != nil {
		return nil, e
	}
	metrics := []any{}
	for _, m := range r.Metrics {
		metrics = append(metrics, map[string]any{"key": m.Key, "value": protoDouble(m.Value), "step": m.Step, "timestamp": m.Timestamp})
	}
	return map[string]any{"run": map[string]any{
		"info": map[string]any{
			"run_id": r.ID, "run_uuid": r.ID, "experiment_id": r.ExperimentID, "status": "FINISHED",
			"artifact_uri": r.ArtifactURI, "lifecycle_stage": "active", "start_time": f.clock, "user_id": "someone",
		},
		"data": map[string]any{"metrics": metrics, "params": []any{}, "tags": []any{}},
	}}, nil
}

// protoDouble is a double as proto3 JSON writes it: NaN and the infinities
// as strings.
func protoDouble(v float64) any {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Infinity"
	case math.IsInf(v, -1):
		return "-Infinity"
	}
	return v
}

func (f *MLflowFake) list(in map[string]any) (map[string]any, *mlflowErr) {
	r, e := f.runByID(in)
	if e != nil {
		return nil, e
	}
	dir := strings.Trim(str1(in, "path"), "/")
	seen := map[string]bool{}
	var files []any
	var paths []string
	for p := range r.Artifacts {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		rest, ok := strings.CutPrefix(p, dir+"/")
		if dir == "" {
			rest, ok = p, true
		}
		if !ok {
			continue
		}
		first, _, sub := strings.Cut(rest, "/")
		full := first
		if dir != "" {
			full = dir + "/" + first
		}
		if seen[full] {
			continue
		}
		seen[full] = true
		if sub {
			files = append(files, map[string]any{"path": full, "is_dir": true})
		} else {
			files = append(files, map[string]any{"path": full, "is_dir": false, "file_size": len(r.Artifacts[p])})
		}
	}
	out := map[string]any{"root_uri": r.ArtifactURI}
	if len(files) > 0 {
		out["files"] = files
	}
	return out, nil
}

// download serves GET /api/2.0/mlflow-artifacts/artifacts/<root>/<path>.
func (f *MLflowFake) download(w http.ResponseWriter, r *http.Request) {
	if r.URL.RawQuery != "" {
		f.t.Errorf("MLflow fake: artifact download with a query %q", r.URL.RawQuery)
	}
	p := strings.TrimPrefix(r.URL.Path, artifactPrefix)
	f.mu.Lock()
	var data []byte
	found := false
	for _, run := range f.runs {
		root := strings.Trim(strings.TrimPrefix(run.ArtifactURI, "mlflow-artifacts:"), "/")
		if rest, ok := strings.CutPrefix(p, root+"/"); ok {
			data, found = run.Artifacts[rest]
			break
		}
	}
	f.mu.Unlock()
	if !found {
		writeMLflowError(w, &mlflowErr{http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "File not found"})
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(data)
}
