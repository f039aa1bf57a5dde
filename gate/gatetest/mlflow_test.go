package gatetest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// errRecorder is a testing.TB that records Errorf instead of failing.
type errRecorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *errRecorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

func (r *errRecorder) take() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := strings.Join(r.errs, "\n")
	r.errs = nil
	return s
}

func TestMLflowFakeRefusesWhatTheProtosDoNot(t *testing.T) {
	rec := &errRecorder{TB: t}
	f := NewMLflow(rec)
	f.AddVersion(MLflowVersion{Name: "m"})
	do := func(method, path, body string) int {
		req, _ := http.NewRequest(method, f.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	tests := []struct {
		method, path, body string
		status             int
		want               string // in the recorded test error; "" = none
	}{
		{"GET", "/api/2.0/mlflow/model-versions/get?name=m&version=1", "", 200, ""},
		{"GET", "/api/2.0/mlflow/model-versions/gett?name=m&version=1", "", 404, "is not an endpoint of the protos"},
		{"GET", "/api/2.1/mlflow/model-versions/get?name=m&version=1", "", 404, "is not an endpoint"},
		{"POST", "/api/2.0/mlflow/model-versions/get", `{"name":"m","version":"1"}`, 404, "is not an endpoint"},
		{"GET", "/api/2.0/mlflow/model-versions/get?nmae=m&version=1", "", 400, `GetModelVersion has no field "nmae"`},
		{"GET", "/api/2.0/mlflow/model-versions/get?name=m", "", 400, "GetModelVersion.version is required"},
		{"GET", "/api/2.0/mlflow/model-versions/search?max_results=ten", "", 400, `SearchModelVersions.max_results: "ten" is not an int64`},
		{"POST", "/api/2.0/mlflow/model-versions/set-tag", `{"name":"m","version":1,"key":"k","value":"v"}`, 400, "request.version: want a string"},
		{"POST", "/api/2.0/mlflow/model-versions/set-tag", `{"name":"m","version":"1","key":"k"}`, 400, "SetModelVersionTag.value is required"},
		{"POST", "/api/2.0/mlflow/registered-models/alias", `{"name":"m","alias":"a","version":"1","extra":true}`, 400, `SetRegisteredModelAlias has no field "extra"`},
		{"GET", "/api/2.0/mlflow/registered-models/alias?name=m&alias=nosuch", "", 400, ""}, // unknown alias: 400, as a real server
		{"GET", "/api/2.0/mlflow/model-versions/get?name=m&version=9", "", 404, ""},
	}
	for _, tc := range tests {
		status := do(tc.method, tc.path, tc.body)
		got := rec.take()
		if status != tc.status || (tc.want == "" && got != "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s %s: status %d, test errors %q; want %d and %q", tc.method, tc.path, status, got, tc.status, tc.want)
		}
	}
	// An answer outside the protos (an enum value that does not exist) fails too.
	f.AddVersion(MLflowVersion{Name: "m", Status: "DONE"})
	do("GET", "/api/2.0/mlflow/model-versions/get?name=m&version=2", "")
	if got := rec.take(); !strings.Contains(got, `"DONE" is not a ModelVersionStatus`) {
		t.Errorf("a bad enum in the answer: %q", got)
	}
}

func TestMLflowFakePaging(t *testing.T) {
	f := NewMLflow(t)
	for i := 0; i < 5; i++ {
		f.AddVersion(MLflowVersion{Name: "it's"})
	}
	f.AddVersion(MLflowVersion{Name: "other"})
	got, _ := f.search(map[string]any{"filter": `name = "it's"`, "max_results": "2"})
	if n := len(got["model_versions"].([]any)); n != 2 || got["next_page_token"] == nil {
		t.Fatalf("page 1: %d versions, token %v", n, got["next_page_token"])
	}
	got, _ = f.search(map[string]any{"filter": `name = "it's"`, "max_results": "2", "page_token": got["next_page_token"]})
	got, _ = f.search(map[string]any{"filter": `name = "it's"`, "max_results": "2", "page_token": got["next_page_token"]})
	if n := len(got["model_versions"].([]any)); n != 1 || got["next_page_token"] != nil {
		t.Errorf("last page: %d versions, token %v", n, got["next_page_token"])
	}
}

// The hand-encoded table matches the protos of the reference release, when
// they are at hand (../shared/reference/mlflow/protos).
func TestMLflowTableMatchesProtos(t *testing.T) {
	dir := os.Getenv("MODELGATE_MLFLOW_PROTOS")
	if dir == "" {
		dir = "/work/shared/reference/mlflow/protos"
	}
	msgs := map[string]map[string]string{} // message -> field -> "optional string"
	endpoints := map[string]bool{}         // "GET /api/2.0/mlflow/runs/get"
	epRE := regexp.MustCompile(`method: "(\w+)"\s+path: "([^"]+)"\s+since:\s*\{\s*major:\s*(\d+)`)
	for _, name := range []string{"model_registry.proto", "service.proto"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Skipf("protos not available: %v", err)
		}
		parseProto(data, msgs)
		for _, m := range epRE.FindAllSubmatch(data, -1) {
			endpoints[fmt.Sprintf("%s /api/%s.0%s", m[1], m[3], m[2])] = true
		}
	}
	for _, r := range mlflowRoutes {
		if ep := r.method + " /api/2.0" + r.path; !endpoints[ep] {
			t.Errorf("route %s is not an endpoint of the protos", ep)
		}
	}
	field := regexp.MustCompile(`^(optional|repeated) (\S+)$`)
	for msg, fields := range protoMessages {
		pm, ok := msgs[msg]
		if !ok {
			t.Errorf("message %s is not in the protos", msg)
			continue
		}
		for name, fd := range fields {
			decl, ok := pm[name]
			if !ok {
				t.Errorf("%s.%s is not in the protos", msg, name)
				continue
			}
			m := field.FindStringSubmatch(decl)
			if m == nil {
				t.Errorf("%s.%s: odd declaration %q", msg, name, decl)
				continue
			}
			typ := strings.TrimPrefix(strings.TrimPrefix(fd.typ, "enum:"), "msg:")
			if m[2] != typ || (m[1] == "repeated") != fd.repeated {
				t.Errorf("%s.%s: the protos say %q; the table %+v", msg, name, decl, fd)
			}
			if strings.Contains(pm[name+"#req"], "validate_required") != fd.required {
				t.Errorf("%s.%s: required %v in the table, not in the protos", msg, name, fd.required)
			}
		}
	}
}

var (
	msgRE   = regexp.MustCompile(`^\s*message (\w+) \{`)
	fieldRE = regexp.MustCompile(`^\s*(optional|repeated) (\S+) (\w+) = \d+(.*)$`)
)

func parseProto(data []byte, msgs map[string]map[string]string) {
	var stack []string
	depth := []int{}
	level := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "//"); i >= 0 {
			line = line[:i]
		}
		if m := msgRE.FindStringSubmatch(line); m != nil {
			stack = append(stack, m[1])
			depth = append(depth, level)
			msgs[strings.Join(stack, ".")] = map[string]string{}
		} else if m := fieldRE.FindStringSubmatch(line); m != nil && len(stack) > 0 {
			cur := msgs[strings.Join(stack, ".")]
			cur[m[3]] = m[1] + " " + m[2]
			cur[m[3]+"#req"] = m[4]
		}
		level += strings.Count(line, "{") - strings.Count(line, "}")
		for len(depth) > 0 && level <= depth[len(depth)-1] {
			stack, depth = stack[:len(stack)-1], depth[:len(depth)-1]
		}
	}
}
