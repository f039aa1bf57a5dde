package gate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelgate/modelgate/rules"
)

const basePolicy = `version: 1
policy: {name: risk, waiver_owners: ["@ml-risk"]}
rules:
  - id: auc-floor
    metric: quality.auc
    min: 0.85
`

func write(t *testing.T, name, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDirFiles: the repository reader stays in the repository and reads
// regular files only, without blocking on a FIFO.
func TestDirFiles(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	write(t, filepath.Join(outside, "secret.yml"), basePolicy)
	root := t.TempDir()
	write(t, filepath.Join(root, "policies/base.yml"), basePolicy)
	write(t, filepath.Join(root, "big.yml"), strings.Repeat("#", MaxPolicyBytes+1))
	if err := os.Symlink(filepath.Join(outside, "secret.yml"), filepath.Join(root, "out.yml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../"+filepath.Base(outside)+"/secret.yml", filepath.Join(root, "policies/rel-out.yml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("base.yml", filepath.Join(root, "policies/in.yml")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(root, "fifo.yml"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := DirFiles{Root: root}
	for _, tc := range []struct {
		name string
		want error // nil: reads basePolicy
	}{
		{"policies/base.yml", nil},
		{"policies/in.yml", nil}, // a link inside the repository
		{"out.yml", ErrPolicyRefused},
		{"policies/rel-out.yml", ErrPolicyRefused},
		{"../" + filepath.Base(outside) + "/secret.yml", ErrPolicyRefused},
		{"/etc/passwd", ErrPolicyRefused},
		{"policies/../policies/base.yml", ErrPolicyRefused},
		{"policies", ErrPolicyRefused},
		{"fifo.yml", ErrPolicyRefused},
		{"big.yml", ErrPolicyRefused},
		{"absent.yml", ErrPolicyNotFound},
	} {
		done := make(chan struct{})
		var got []byte
		var err error
		go func() { got, err = d.ReadFile(context.Background(), tc.name); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("ReadFile(%q) blocks", tc.name)
		}
		switch {
		case tc.want == nil && (err != nil || string(got) != basePolicy):
			t.Errorf("ReadFile(%q) = %q, %v; want the policy", tc.name, got, err)
		case tc.want != nil && !errors.Is(err, tc.want):
			t.Errorf("ReadFile(%q) = %d bytes, %v; want %v", tc.name, len(got), err, tc.want)
		}
	}
}

func sum(s string) string {
	b := sha256.Sum256([]byte(s))
	return hex.EncodeToString(b[:])
}

// TestHTTPSFiles fetches over TLS: a 200 within the cap, a 404 is not
// found, a 500 is a fetch failure, a redirect to http and an http URL are
// refused, a body past the cap is refused, a slow server times out.
func TestHTTPSFiles(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/ok.yml", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, basePolicy) })
	mux.HandleFunc("/gone.yml", http.NotFound)
	mux.HandleFunc("/broken.yml", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) })
	mux.HandleFunc("/to-http.yml", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://"+r.Host+"/ok.yml", http.StatusFound)
	})
	mux.HandleFunc("/to-ok.yml", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok.yml", http.StatusFound) })
	mux.HandleFunc("/huge.yml", func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush() // chunked: no Content-Length to refuse early
		chunk := []byte(strings.Repeat("#", 64<<10))
		for i := 0; i < MaxPolicyBytes/len(chunk)+2; i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	// The slow answer holds until the test ends, whatever the request's
	// context does: only the client's timeout can end that call.
	release := make(chan struct{})
	mux.HandleFunc("/slow.yml", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-time.After(30 * time.Second):
		}
	})
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs before srv.Close
	client := srv.Client()
	client.Timeout = 300 * time.Millisecond
	h := HTTPSFiles{Client: client}
	ctx := context.Background()
	for _, tc := range []struct {
		url     string
		want    error // nil: reads basePolicy; errAny: some other error
		fetches bool
	}{
		{srv.URL + "/ok.yml", nil, true},
		{srv.URL + "/to-ok.yml", nil, true},
		{srv.URL + "/gone.yml", ErrPolicyNotFound, true},
		{srv.URL + "/broken.yml", errAny, true},
		{srv.URL + "/to-http.yml", ErrPolicyRefused, true},
		{srv.URL + "/huge.yml", ErrPolicyRefused, true},
		{srv.URL + "/slow.yml", errAny, true},
		{strings.Replace(srv.URL, "https://", "http://", 1) + "/ok.yml", ErrPolicyRefused, false},
		{"file:///etc/passwd", ErrPolicyRefused, false},
	} {
		got, err := h.Get(ctx, tc.url)
		switch {
		case tc.want == nil && (err != nil || string(got) != basePolicy):
			t.Errorf("Get(%s) = %q, %v; want the policy", tc.url, got, err)
		case tc.want == errAny && (err == nil || errors.Is(err, ErrPolicyRefused) || errors.Is(err, ErrPolicyNotFound)):
			t.Errorf("Get(%s) = %v; want a fetch failure that is neither refused nor not found", tc.url, err)
		case tc.want != nil && tc.want != errAny && !errors.Is(err, tc.want):
			t.Errorf("Get(%s) = %d bytes, %v; want %v", tc.url, len(got), err, tc.want)
		}
	}
}

var errAny = errors.New("any error")

// TestResolvePolicyHTTPS resolves a base served over TLS: the matching
// digest merges it, a changed body is refused at the entry, a server error
// (after the retries) is a fetch failure (exit 3), and the digests are in the resolution.
func TestResolvePolicyHTTPS(t *testing.T) {
	t.Parallel()
	body := basePolicy
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/risk.yml":
			fmt.Fprint(w, body)
		case "/swapped.yml":
			fmt.Fprint(w, strings.Replace(body, "min: 0.85", "min: 0.1", 1))
		default:
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(srv.Close)
	fx := PolicyFetchers{HTTPS: HTTPSFiles{Client: srv.Client(), Retry: &HTTPSRetry{Sleep: func(context.Context, time.Duration) error { return nil }}}}
	child := func(path string) *rules.File {
		f, err := rules.Parse("modelgate.yml", []byte(fmt.Sprintf(`version: 1
model: {group: churn}
extends: {url: %q, sha256: %s}
`, srv.URL+path, sum(body))))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	ctx := context.Background()
	rf, err := ResolvePolicy(ctx, child("/risk.yml"), fx)
	if err != nil {
		t.Fatalf("ResolvePolicy: %v", err)
	}
	if len(rf.Rules) != 1 || rf.Rules[0].ID != "auc-floor" || rf.Rules[0].Min.V != 0.85 {
		t.Errorf("resolved rules = %+v; want the base's auc-floor min 0.85", rf.Rules)
	}
	if got := rf.Resolution.Sources; len(got) != 2 || got[1].SHA256 != sum(body) || got[1].Name != srv.URL+"/risk.yml" || got[0].SHA256 != rf.SHA256 {
		t.Errorf("Sources = %+v; want the child and the base with their digests", got)
	}
	if rf.PolicyDigest() == rf.SHA256 || len(rf.PolicyDigest()) != 64 {
		t.Errorf("PolicyDigest = %s; want the digest of the resolution, not the child's %s", rf.PolicyDigest(), rf.SHA256)
	}

	_, err = ResolvePolicy(ctx, child("/swapped.yml"), fx)
	var ds rules.Diagnostics
	if !errors.As(err, &ds) || !strings.Contains(err.Error(), "does not have the pinned digest") || ds[0].Pos.Line != 3 {
		t.Errorf("ResolvePolicy(swapped body) = %v; want a digest diagnostic at 3", err)
	}
	_, err = ResolvePolicy(ctx, child("/down.yml"), fx)
	if !errors.Is(err, ErrPolicyFetch) || ExitCodeOf(err) != ExitRuntime {
		t.Errorf("ResolvePolicy(503) = %v (exit %d); want ErrPolicyFetch, exit %d", err, ExitCodeOf(err), ExitRuntime)
	}
}

// failingGitHub fails every read, as GitHub after the retries.
type failingGitHub struct{}

func (failingGitHub) FileAt(context.Context, string, string, string, string) ([]byte, error) {
	return nil, errors.New("GET contents: 502 Bad Gateway")
}

// TestResolvePolicyFetchers: a missing fetcher is the rules file's
// problem at the entry; a GitHub failure is a runtime failure.
func TestResolvePolicyFetchers(t *testing.T) {
	t.Parallel()
	f, err := rules.Parse("modelgate.yml", []byte(`version: 1
model: {group: churn}
extends:
  - {repo: acme/policies, ref: 0123456789abcdef0123456789abcdef01234567, path: risk.yml}
`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = ResolvePolicy(context.Background(), f, PolicyFetchers{})
	if ExitCodeOf(err) != ExitUsage || !strings.Contains(err.Error(), "modelgate.yml:4:5: base policy acme/policies@0123456789abcdef0123456789abcdef01234567:risk.yml: no GitHub reader is configured") {
		t.Errorf("ResolvePolicy(no fetchers) = %v; want a diagnostic at 4:5", err)
	}
	_, err = ResolvePolicy(context.Background(), f, PolicyFetchers{GitHub: failingGitHub{}})
	if !errors.Is(err, ErrPolicyFetch) || ExitCodeOf(err) != ExitRuntime || !strings.Contains(err.Error(), "502") {
		t.Errorf("ResolvePolicy(GitHub down) = %v; want ErrPolicyFetch with the cause, exit 3", err)
	}
}

// TestResolvedEvaluates: the resolved policy is what Evaluate judges. The
// inherited floor fails a candidate the child's own rules alone would pass,
// and its finding points at the child's `extends` entry.
func TestResolvedEvaluates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "policies/risk.yml"), basePolicy)
	f, err := rules.Parse("modelgate.yml", []byte(`version: 1
model: {group: churn, first_model: absolute-only}
extends: {path: policies/risk.yml}
rules:
  - id: f1
    metric: quality.f1
    min: 0.5
`))
	if err != nil {
		t.Fatal(err)
	}
	rf, err := ResolvePolicy(context.Background(), f, PolicyFetchers{Repo: DirFiles{Root: dir}})
	if err != nil {
		t.Fatal(err)
	}
	m := NewMetrics()
	m.Add(Instance{Address: "quality.auc", Value: 0.8, StdDev: math.NaN()})
	m.Add(Instance{Address: "quality.f1", Value: 0.9, StdDev: math.NaN()})
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if own := Evaluate(f, m, nil, now); own.Conclusion == Failure {
		t.Fatalf("the child alone fails: %+v", own.Findings)
	}
	res := Evaluate(rf, m, nil, now)
	if res.Conclusion != Failure {
		t.Errorf("Evaluate(resolved) conclusion = %s; want failure from the inherited auc-floor", res.Conclusion)
	}
	for _, r := range rf.Rules {
		if r.ID == "auc-floor" && (r.Pos != rules.Pos{Line: 3, Col: 10}) {
			t.Errorf("inherited auc-floor at %s; want the extends entry 3:10", r.Pos)
		}
	}
}
