package gatetest

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	gh "github.com/google/go-github/v60/github"
)

// githubFiles holds GitHub's OpenAPI description, trimmed to the operations
// the fake serves (testdata/github/regen.sh), and webhook payloads from
// @octokit/webhooks-examples.
//
//go:embed testdata/github/openapi.json testdata/github/events/*.json
var githubFiles embed.FS

// GitHubAPIPrefix is the path the fake serves the API under, as GitHub
// Enterprise Server does, so that a client that drops its base path (an
// absolute URL in a request) hits a 404 and fails the test.
const GitHubAPIPrefix = "/api/v3"

// GitHubToken is the token the fake expects in every request.
const GitHubToken = "fake-github-token"

// GitHub is an httptest fake of the GitHub REST API's Checks endpoints.
// Every request is validated against GitHub's OpenAPI description before
// it is served, and every response the fake writes is validated too; a
// failure is reported to the test (an invalid request is answered 400).
// It stores check runs and appends annotations as GitHub does.
type GitHub struct {
	// URL is the server's root; APIURL is what GITHUB_API_URL would be.
	URL, APIURL string
	// PageSize, when positive, caps list pages below the client's per_page,
	// to exercise pagination.
	PageSize int

	srv    *httptest.Server
	router routers.Router
	report func(format string, args ...any)

	mu       sync.Mutex
	nextID   int64
	runs     []*CheckRun
	pulls    []PullRequest
	files    map[string][]byte
	changes  fileChanges // github_files.go
	requests []Request
	faults   []*fault
}

// CheckRun is a check run as the fake stores it.
type CheckRun struct {
	ID                                int64
	Name, HeadSHA, Status, Conclusion string
	ExternalID, DetailsURL            string
	Title, Summary, Text              string
	StartedAt, CompletedAt            string
	Annotations                       []Annotation
	// Batches is the number of annotations carried by each request that
	// carried any, in order.
	Batches []int
	// Writes counts the create and update requests that reached it.
	Writes int
	// App is the slug of the app that created it: "github-actions" for
	// check runs created through the API (the fake's token is a workflow's
	// GITHUB_TOKEN); AddCheckRun keeps what it is given, "" for no app.
	App string
}

// GitHubActionsApp is the slug of the GitHub Actions app, which owns the
// check runs a workflow's GITHUB_TOKEN creates.
const GitHubActionsApp = "github-actions"

// Annotation is one stored check-run annotation.
type Annotation struct {
	Path            string `json:"path"`
	StartLine       int    `json:"start_line"`
	EndLine         int    `json:"end_line"`
	StartColumn     *int   `json:"start_column,omitempty"`
	EndColumn       *int   `json:"end_column,omitempty"`
	AnnotationLevel string `json:"annotation_level"`
	Message         string `json:"message"`
	Title           string `json:"title,omitempty"`
	RawDetails      string `json:"raw_details,omitempty"`
}

// Request is one request the fake received.
type Request struct {
	Method, Path, Query string
	Operation           string // the OpenAPI operationId
	Body                []byte
	Auth                bool // carried the expected token
	Status              int  // the status answered
}

type fault struct {
	operation string
	status    int
	header    http.Header
	body      string
	left      int
}

// NewGitHub starts a fake GitHub for the test and closes it at cleanup.
// Every invalid request or response is a test error.
func NewGitHub(t testing.TB) *GitHub {
	t.Helper()
	g, err := NewGitHubServer(func(format string, args ...any) {
		t.Errorf("fake GitHub: "+format, args...)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	return g
}

// NewGitHubServer starts a fake GitHub that reports invalid requests and
// responses to report. It is for programs (the act end-to-end run); tests
// use NewGitHub.
func NewGitHubServer(report func(format string, args ...any)) (*GitHub, error) {
	spec, err := githubFiles.ReadFile("testdata/github/openapi.json")
	if err != nil {
		return nil, err
	}
	g := &GitHub{report: report}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	g.URL = g.srv.URL
	g.APIURL = g.srv.URL + GitHubAPIPrefix
	doc, err := openapi3.NewLoader().LoadFromData(spec)
	if err != nil {
		g.srv.Close()
		return nil, fmt.Errorf("load GitHub OpenAPI description: %w", err)
	}
	// Do not call doc.Validate: GitHub's own description fails it (bad
	// examples, conflicting paths) though routing and validation work.
	doc.Servers = openapi3.Servers{{URL: g.APIURL}}
	if g.router, err = gorillamux.NewRouter(doc); err != nil {
		g.srv.Close()
		return nil, fmt.Errorf("route GitHub OpenAPI description: %w", err)
	}
	return g, nil
}

// Close stops the server.
func (g *GitHub) Close() { g.srv.Close() }

// HTTPClient returns the http.Client that reaches the fake (for clients
// that wrap its transport).
func (g *GitHub) HTTPClient() *http.Client { return g.srv.Client() }

// Client returns a go-github client for the fake, authenticated with
// GitHubToken, with the fake's API URL as its base URL.
func (g *GitHub) Client() *gh.Client {
	c := gh.NewClient(g.srv.Client()).WithAuthToken(GitHubToken)
	u, _ := url.Parse(g.APIURL + "/")
	c.BaseURL = u
	return c
}

// Forbid makes every check-run write (create and update) answer 403, as
// GitHub does for a fork pull request's read-only token.
func (g *GitHub) Forbid() {
	for _, op := range []string{"checks/create", "checks/update"} {
		g.inject(&fault{operation: op, status: http.StatusForbidden, left: -1,
			body: `{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest/checks/runs#create-a-check-run","status":"403"}`})
	}
}

// FailNext makes the next n requests for operation (an OpenAPI operationId
// such as "checks/create", or "" for any) answer status with an error body.
func (g *GitHub) FailNext(operation string, status, n int) {
	g.inject(&fault{operation: operation, status: status, left: n,
		body: `{"message":"` + http.StatusText(status) + `"}`})
}

// SecondaryRateLimit makes the next n requests for operation answer 403
// with GitHub's secondary-rate-limit body and the given Retry-After.
func (g *GitHub) SecondaryRateLimit(operation, retryAfter string, n int) {
	h := http.Header{}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	g.inject(&fault{operation: operation, status: http.StatusForbidden, header: h, left: n,
		body: `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`})
}

// Inject makes the next n requests for operation ("" for any; n < 0 for
// all) answer status with the given header and JSON body.
func (g *GitHub) Inject(operation string, status, n int, header http.Header, body string) {
	g.inject(&fault{operation: operation, status: status, header: header, left: n, body: body})
}

// RateLimit makes the next n requests for operation answer 403 with
// GitHub's primary-rate-limit headers: none remaining until reset.
func (g *GitHub) RateLimit(operation string, reset time.Time, n int) {
	h := http.Header{}
	h.Set("X-RateLimit-Limit", "5000")
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Used", "5000")
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	g.Inject(operation, http.StatusForbidden, n, h,
		`{"message":"API rate limit exceeded for installation.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}`)
}

func (g *GitHub) inject(f *fault) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.faults = append(g.faults, f)
}

// CheckRuns returns copies of the stored check runs, oldest first.
func (g *GitHub) CheckRuns() []CheckRun {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]CheckRun, len(g.runs))
	for i, r := range g.runs {
		out[i] = *r
		out[i].Annotations = slices.Clone(r.Annotations)
		out[i].Batches = slices.Clone(r.Batches)
	}
	return out
}

// AddCheckRun stores a check run as if another run had created it, and
// returns its id.
func (g *GitHub) AddCheckRun(cr CheckRun) int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.nextID++
	cr.ID = g.nextID
	if cr.Status == "" {
		cr.Status = "completed"
	}
	g.runs = append(g.runs, &cr)
	return cr.ID
}

// Requests returns the requests received so far.
func (g *GitHub) Requests() []Request {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.requests)
}

// Operations returns the operationId of every request received, in order,
// with the status answered: "checks/create 201".
func (g *GitHub) Operations() []string {
	var out []string
	for _, r := range g.Requests() {
		out = append(out, r.Operation+" "+strconv.Itoa(r.Status))
	}
	return out
}

var validation = &openapi3filter.Options{
	AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	SkipSettingDefaults:   true,
	IncludeResponseStatus: true,
	// Short messages: the schema of a failing value is not repeated.
	SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
}

func (g *GitHub) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		g.report("%s %s: read body: %v", r.Method, r.URL.Path, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rec := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: body,
		Auth: r.Header.Get("Authorization") == "Bearer "+GitHubToken}
	// The request is recorded when its status is written, before the
	// client can read the answer: a test that reads Requests right after
	// its call sees every request the call made.
	g.serveValidated(&recordingWriter{ResponseWriter: w, record: func(status int) {
		rec.Status = status
		g.mu.Lock()
		g.requests = append(g.requests, rec)
		g.mu.Unlock()
	}}, r, body, &rec)
}

// recordingWriter calls record with the status just before it is written.
type recordingWriter struct {
	http.ResponseWriter
	record func(status int)
	done   bool
}

func (w *recordingWriter) WriteHeader(status int) {
	if !w.done {
		w.done = true
		w.record(status)
	}
	w.ResponseWriter.WriteHeader(status)
}

func (g *GitHub) serveValidated(w http.ResponseWriter, r *http.Request, body []byte, rec *Request) int {
	fail := func(status int, format string, args ...any) int {
		msg := fmt.Sprintf(format, args...)
		g.report("%s %s: %s", r.Method, r.URL.Path, msg)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"message": msg})
		return status
	}
	// The router matches on the full URL, as the client sent it.
	full := r.Clone(r.Context())
	full.URL.Scheme, full.URL.Host = "http", r.Host
	full.Body = io.NopCloser(bytes.NewReader(body))
	escapeContentsPath(full.URL)
	route, params, err := g.router.FindRoute(full)
	if err != nil {
		return fail(http.StatusNotFound, "no such operation in GitHub's API description: %v", err)
	}
	if p, ok := params["path"]; ok {
		params["path"], _ = url.PathUnescape(p)
	}
	rec.Operation = route.Operation.OperationID
	if !rec.Auth {
		return fail(http.StatusUnauthorized, "missing or wrong Authorization header")
	}
	in := &openapi3filter.RequestValidationInput{Request: full, PathParams: params, Route: route, Options: validation}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		return fail(http.StatusBadRequest, "invalid request: %v", err)
	}

	if f := g.takeFault(rec.Operation); f != nil {
		for k, v := range f.header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(f.status)
		io.WriteString(w, f.body)
		return f.status
	}

	status, resp, header := g.handle(rec.Operation, params, full, body)
	out, err := json.Marshal(resp)
	if err != nil {
		return fail(http.StatusInternalServerError, "encode response: %v", err)
	}
	if header == nil {
		header = http.Header{}
	}
	header.Set("Content-Type", "application/json; charset=utf-8")
	vin := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header, Options: validation}
	vin.SetBodyBytes(out)
	if err := openapi3filter.ValidateResponse(context.Background(), vin); err != nil {
		g.report("%s %s: the fake's own %d response is invalid: %v", r.Method, r.URL.Path, status, err)
	}
	for k, v := range header {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	w.Write(out)
	return status
}

func (g *GitHub) takeFault(op string) *fault {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, f := range g.faults {
		if f.operation != "" && f.operation != op {
			continue
		}
		if f.left > 0 {
			f.left--
			if f.left == 0 {
				g.faults = slices.Delete(g.faults, i, i+1)
			}
		}
		return f
	}
	return nil
}

type createBody struct {
	Name        string  `json:"name"`
	HeadSHA     string  `json:"head_sha"`
	DetailsURL  *string `json:"details_url"`
	ExternalID  *string `json:"external_id"`
	Status      *string `json:"status"`
	Conclusion  *string `json:"conclusion"`
	StartedAt   *string `json:"started_at"`
	CompletedAt *string `json:"completed_at"`
	Output      *struct {
		Title       *string      `json:"title"`
		Summary     *string      `json:"summary"`
		Text        *string      `json:"text"`
		Annotations []Annotation `json:"annotations"`
	} `json:"output"`
}

func (g *GitHub) handle(op string, params map[string]string, r *http.Request, body []byte) (int, any, http.Header) {
	g.mu.Lock()
	defer g.mu.Unlock()
	owner, repo := params["owner"], params["repo"]
	switch op {
	case "checks/create", "checks/update":
		var b createBody
		if err := json.Unmarshal(body, &b); err != nil {
			g.report("%s: decode body: %v", op, err)
			return http.StatusUnprocessableEntity, map[string]string{"message": err.Error()}, nil
		}
		var cr *CheckRun
		status := http.StatusOK
		if op == "checks/create" {
			g.nextID++
			cr = &CheckRun{ID: g.nextID, HeadSHA: b.HeadSHA, Status: "queued", App: GitHubActionsApp}
			g.runs = append(g.runs, cr)
			status = http.StatusCreated
		} else if cr = g.find(params["check_run_id"]); cr == nil {
			return http.StatusNotFound, map[string]string{"message": "Not Found"}, nil
		}
		cr.Writes++
		if b.Name != "" {
			cr.Name = b.Name
		}
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&cr.DetailsURL, b.DetailsURL)
		set(&cr.ExternalID, b.ExternalID)
		set(&cr.Status, b.Status)
		set(&cr.StartedAt, b.StartedAt)
		if b.Conclusion != nil {
			cr.Conclusion, cr.Status = *b.Conclusion, "completed"
		}
		if b.Status != nil && *b.Status != "completed" {
			cr.Conclusion, cr.CompletedAt = "", "" // re-opened
		}
		set(&cr.CompletedAt, b.CompletedAt)
		if o := b.Output; o != nil {
			set(&cr.Title, o.Title)
			set(&cr.Summary, o.Summary)
			set(&cr.Text, o.Text)
			if len(o.Annotations) > 0 {
				cr.Annotations = append(cr.Annotations, o.Annotations...)
				cr.Batches = append(cr.Batches, len(o.Annotations))
			}
		}
		if cr.StartedAt == "" {
			cr.StartedAt = time.Now().UTC().Format(time.RFC3339)
		}
		return status, g.checkRunJSON(owner, repo, cr), nil

	case "checks/get":
		cr := g.find(params["check_run_id"])
		if cr == nil {
			return http.StatusNotFound, map[string]string{"message": "Not Found"}, nil
		}
		return http.StatusOK, g.checkRunJSON(owner, repo, cr), nil

	case "checks/list-annotations":
		cr := g.find(params["check_run_id"])
		if cr == nil {
			return http.StatusNotFound, map[string]string{"message": "Not Found"}, nil
		}
		var out []any
		for _, a := range cr.Annotations {
			out = append(out, map[string]any{
				"path": a.Path, "start_line": a.StartLine, "end_line": a.EndLine,
				"start_column": a.StartColumn, "end_column": a.EndColumn,
				"annotation_level": a.AnnotationLevel, "title": a.Title, "message": a.Message,
				"raw_details": a.RawDetails, "blob_href": g.URL + "/" + owner + "/" + repo + "/blob/" + cr.HeadSHA + "/" + a.Path,
			})
		}
		items, header := g.page(r, out)
		return http.StatusOK, items, header

	case "checks/list-for-ref":
		q := r.URL.Query()
		ref := params["ref"]
		var matched []*CheckRun
		for _, cr := range g.runs {
			if cr.HeadSHA != ref {
				continue
			}
			if n := q.Get("check_name"); n != "" && cr.Name != n {
				continue
			}
			if s := q.Get("status"); s != "" && cr.Status != s {
				continue
			}
			matched = append(matched, cr)
		}
		// Newest first, as GitHub lists them.
		slices.Reverse(matched)
		var all []any
		for _, cr := range matched {
			all = append(all, g.checkRunJSON(owner, repo, cr))
		}
		items, header := g.page(r, all)
		return http.StatusOK, map[string]any{"total_count": len(all), "check_runs": items}, header
	}
	if status, body, header, ok := g.handlePulls(op, params, r); ok {
		return status, body, header
	}
	if status, body, header, ok := g.handleChangedFiles(op, params, r); ok {
		return status, body, header
	}
	if status, body, ok := g.handleContents(op, params, r); ok {
		return status, body, nil
	}
	g.report("%s %s: the fake does not serve %s", r.Method, r.URL.Path, op)
	return http.StatusNotImplemented, map[string]string{"message": "not implemented by the fake: " + op}, nil
}

// page cuts items to the requested page and sets a Link header to the next.
func (g *GitHub) page(r *http.Request, items []any) ([]any, http.Header) {
	q := r.URL.Query()
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per <= 0 {
		per = 30
	}
	if g.PageSize > 0 && g.PageSize < per {
		per = g.PageSize
	}
	pg, _ := strconv.Atoi(q.Get("page"))
	pg = max(pg, 1)
	lo := min((pg-1)*per, len(items))
	hi := min(lo+per, len(items))
	header := http.Header{}
	if hi < len(items) {
		next := *r.URL
		nq := next.Query()
		nq.Set("page", strconv.Itoa(pg+1))
		next.RawQuery = nq.Encode()
		header.Set("Link", `<`+next.String()+`>; rel="next"`)
	}
	out := items[lo:hi]
	if out == nil {
		out = []any{}
	}
	return out, header
}

func (g *GitHub) find(id string) *CheckRun {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return nil
	}
	for _, cr := range g.runs {
		if cr.ID == n {
			return cr
		}
	}
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// checkRunJSON is a check run in the shape of GitHub's "check-run" schema.
func (g *GitHub) checkRunJSON(owner, repo string, cr *CheckRun) map[string]any {
	api := g.APIURL + "/repos/" + owner + "/" + repo
	id := strconv.FormatInt(cr.ID, 10)
	return map[string]any{
		"id":           cr.ID,
		"head_sha":     cr.HeadSHA,
		"node_id":      "CR_" + id,
		"external_id":  nullable(cr.ExternalID),
		"url":          api + "/check-runs/" + id,
		"html_url":     nullable(g.URL + "/" + owner + "/" + repo + "/runs/" + id),
		"details_url":  nullable(cr.DetailsURL),
		"status":       cr.Status,
		"conclusion":   nullable(cr.Conclusion),
		"started_at":   nullable(cr.StartedAt),
		"completed_at": nullable(cr.CompletedAt),
		"output": map[string]any{
			"title":             nullable(cr.Title),
			"summary":           nullable(cr.Summary),
			"text":              nullable(cr.Text),
			"annotations_count": len(cr.Annotations),
			"annotations_url":   api + "/check-runs/" + id + "/annotations",
		},
		"name":          cr.Name,
		"check_suite":   map[string]any{"id": 1},
		"app":           g.appJSON(cr.App),
		"pull_requests": []any{},
	}
}

// appJSON is the "integration" object of an app slug, nil for none.
func (g *GitHub) appJSON(slug string) any {
	if slug == "" {
		return nil
	}
	owner := map[string]any{}
	if pr, err := pullTemplate(); err == nil {
		owner = pr["user"].(map[string]any)
	}
	return map[string]any{
		"id": 15368, "slug": slug, "node_id": "MDM6QXBwMTUzNjg=", "owner": owner, "name": slug,
		"description": "Automate your workflow", "external_url": "https://help.github.com/en/actions",
		"html_url": g.URL + "/apps/" + slug, "created_at": "2018-07-30T09:30:17Z", "updated_at": "2019-12-10T19:04:12Z",
		"permissions": map[string]string{"checks": "write", "metadata": "read"}, "events": []string{"check_run"},
	}
}

// GitHubEvent returns a webhook payload from testdata/github/events:
// pull_request.opened, pull_request.synchronize, pull_request.closed,
// pull_request.closed-merged, push.default-branch, push.other-branch,
// push.tag, workflow_dispatch.
func GitHubEvent(t testing.TB, name string) []byte {
	t.Helper()
	b, err := githubFiles.ReadFile("testdata/github/events/" + name + ".json")
	if err != nil {
		t.Fatalf("GitHubEvent(%q): %v", name, err)
	}
	return b
}

// WriteGitHubEvent writes the payload name, changed by edit when not nil,
// to a file in a temporary folder and returns its path (GITHUB_EVENT_PATH).
func WriteGitHubEvent(t testing.TB, name string, edit func(payload map[string]any)) string {
	t.Helper()
	b := GitHubEvent(t, name)
	if edit != nil {
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		var err error
		if b, err = json.Marshal(m); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(t.TempDir(), strings.ReplaceAll(name, "/", "_")+".json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
