package gate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/rules"
)

// flakyServer answers each path with its script of statuses, one per
// request (0: the body; -1: drop the connection), then the body; it counts
// the requests.
type flakyServer struct {
	*httptest.Server
	mu     sync.Mutex
	script map[string][]int
	header http.Header
	hits   map[string]int
	body   string
}

func newFlakyServer(t *testing.T, body string, script map[string][]int) *flakyServer {
	t.Helper()
	s := &flakyServer{script: script, hits: map[string]int{}, body: body, header: http.Header{}}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		n := s.hits[r.URL.Path]
		s.hits[r.URL.Path]++
		st := 0
		if steps := s.script[r.URL.Path]; n < len(steps) {
			st = steps[n]
		}
		s.mu.Unlock()
		switch {
		case st == -1:
			c, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				c.Close()
			}
		case st != 0:
			for k, v := range s.header {
				w.Header()[k] = v
			}
			http.Error(w, http.StatusText(st), st)
		default:
			fmt.Fprint(w, s.body)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// client is a client of the server with its own connections (a dropped
// connection that was reused would be resent by net/http itself).
func (s *flakyServer) client(timeout time.Duration) *http.Client {
	c := *s.Client()
	c.Transport = s.Client().Transport.(*http.Transport).Clone()
	c.Timeout = timeout
	return &c
}

func (s *flakyServer) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// fakeClock is the retry policy's clock and sleep: a wait moves it on
// and is recorded, nothing waits.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func (c *fakeClock) retry() *HTTPSRetry {
	c.now = time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	return &HTTPSRetry{
		Now: func() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now },
		Sleep: func(_ context.Context, d time.Duration) error {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.waits = append(c.waits, d)
			c.now = c.now.Add(d)
			return nil
		},
	}
}

// TestHTTPSFilesRetry: a base fetched over HTTPS goes through the one
// retry policy: two 502s and then the bytes is the policy (after waits of
// 1s and 2s); a dropped connection and a 429 with Retry-After are retried;
// a 404 and a 403 are answered at once; a server that keeps failing is a
// fetch failure once the next wait would pass the timeout.
func TestHTTPSFilesRetry(t *testing.T) {
	t.Parallel()
	srv := newFlakyServer(t, basePolicy, map[string][]int{
		"/502-twice.yml": {502, 502},
		"/dropped.yml":   {-1},
		"/429.yml":       {429},
		"/gone.yml":      {404, 404, 404, 404},
		"/denied.yml":    {403, 403, 403, 403},
		"/down.yml":      {503, 503, 503, 503, 503, 503},
	})
	srv.header.Set("Retry-After", "3") // on every error answer: honoured for 429 and 5xx
	for _, tc := range []struct {
		path  string
		want  error // nil: the policy; errAny: a fetch failure
		hits  int
		waits []time.Duration
	}{
		{"/502-twice.yml", nil, 3, []time.Duration{3 * time.Second, 3 * time.Second}},
		{"/dropped.yml", nil, 2, []time.Duration{time.Second}},
		{"/429.yml", nil, 2, []time.Duration{3 * time.Second}},
		{"/gone.yml", ErrPolicyNotFound, 1, nil},
		{"/denied.yml", errAny, 1, nil},
		// Within the 10s timeout: three waits of 3s, then the fourth send
		// (DefaultAttempts) answers the last 503.
		{"/down.yml", errAny, 4, []time.Duration{3 * time.Second, 3 * time.Second, 3 * time.Second}},
	} {
		t.Run(strings.TrimPrefix(tc.path, "/"), func(t *testing.T) {
			t.Parallel()
			var clock fakeClock
			h := HTTPSFiles{Client: srv.client(10 * time.Second), Retry: clock.retry()}
			got, err := h.Get(context.Background(), srv.URL+tc.path)
			switch {
			case tc.want == nil && (err != nil || string(got) != basePolicy):
				t.Errorf("Get = %q, %v; want the policy", got, err)
			case tc.want == errAny && (err == nil || errors.Is(err, ErrPolicyRefused) || errors.Is(err, ErrPolicyNotFound)):
				t.Errorf("Get = %v; want a fetch failure", err)
			case tc.want != nil && tc.want != errAny && !errors.Is(err, tc.want):
				t.Errorf("Get = %v; want %v", err, tc.want)
			}
			if n := srv.count(tc.path); n != tc.hits {
				t.Errorf("%d requests; want %d", n, tc.hits)
			}
			if diff := cmp.Diff(tc.waits, clock.waits); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
		})
	}
}

// Without Retry-After the waits are 1s, 2s, 4s, and the timeout bounds
// the total: with 5s, the 4s wait (ending at 7s) is not started.
func TestHTTPSFilesRetryBackoffWithinTimeout(t *testing.T) {
	t.Parallel()
	srv := newFlakyServer(t, basePolicy, map[string][]int{"/502.yml": {502, 502, 502, 502, 502}, "/502-twice.yml": {502, 502}})
	for _, tc := range []struct {
		path  string
		ok    bool
		hits  int
		waits []time.Duration
	}{
		{"/502-twice.yml", true, 3, []time.Duration{time.Second, 2 * time.Second}},
		{"/502.yml", false, 3, []time.Duration{time.Second, 2 * time.Second}},
	} {
		var clock fakeClock
		got, err := HTTPSFiles{Client: srv.client(5 * time.Second), Retry: clock.retry()}.Get(context.Background(), srv.URL+tc.path)
		if tc.ok != (err == nil && string(got) == basePolicy) {
			t.Errorf("%s: Get = %q, %v; want ok %v", tc.path, got, err, tc.ok)
		}
		if !tc.ok && (err == nil || !strings.Contains(err.Error(), "502 Bad Gateway")) {
			t.Errorf("%s: Get = %v; want the last 502", tc.path, err)
		}
		if n := srv.count(tc.path); n != tc.hits {
			t.Errorf("%s: %d requests; want %d", tc.path, n, tc.hits)
		}
		if diff := cmp.Diff(tc.waits, clock.waits); diff != "" {
			t.Errorf("%s: waits (-want +got):\n%s", tc.path, diff)
		}
	}
}

// A base whose bytes do not match its sha256 is refused after one fetch:
// a 200 is never retried, so a flaky server cannot be retried into
// serving the pinned bytes, nor the wrong bytes into acceptance; two
// 502s before the wrong bytes change nothing.
func TestHTTPSDigestMismatchNotRetried(t *testing.T) {
	t.Parallel()
	srv := newFlakyServer(t, strings.Replace(basePolicy, "min: 0.85", "min: 0.1", 1), map[string][]int{"/flaky.yml": {502, 502}})
	var clock fakeClock
	fx := PolicyFetchers{HTTPS: HTTPSFiles{Client: srv.client(0), Retry: clock.retry()}}
	for _, tc := range []struct {
		path string
		hits int
	}{{"/risk.yml", 1}, {"/flaky.yml", 3}} {
		f, err := rules.Parse("modelgate.yml", []byte(fmt.Sprintf("version: 1\nmodel: {group: churn}\nextends: {url: %q, sha256: %s}\n", srv.URL+tc.path, sum(basePolicy))))
		if err != nil {
			t.Fatal(err)
		}
		_, err = ResolvePolicy(context.Background(), f, fx)
		var ds rules.Diagnostics
		if !errors.As(err, &ds) || len(ds) != 1 || !strings.Contains(ds[0].Message, "does not have the pinned digest: sha256 "+sum(srv.body)+", want "+sum(basePolicy)) {
			t.Errorf("%s: ResolvePolicy = %v; want the digest mismatch", tc.path, err)
		}
		if n := srv.count(tc.path); n != tc.hits {
			t.Errorf("%s: %d requests; want %d", tc.path, n, tc.hits)
		}
	}
}
