package retry

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)

// step is one scripted answer: a status (with header and body) or an error.
type step struct {
	status int
	header http.Header
	body   string
	err    error
}

// body is a response body that records what was read of it and whether
// it was closed.
type body struct {
	r      io.Reader
	read   int
	closed bool
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read += n
	return n, err
}
func (b *body) Close() error { b.closed = true; return nil }

// script is the transport below the policy: it answers the steps in order
// (the last one again when they run out) and records what it was sent.
type script struct {
	steps  []step
	sent   []string // the body of every request
	reqs   []*http.Request
	bodies []*body
}

func (s *script) RoundTrip(req *http.Request) (*http.Response, error) {
	var b []byte
	if req.Body != nil {
		b, _ = io.ReadAll(req.Body)
		req.Body.Close()
	}
	s.sent = append(s.sent, string(b))
	s.reqs = append(s.reqs, req)
	st := s.steps[min(len(s.sent), len(s.steps))-1]
	if st.err != nil {
		return nil, st.err
	}
	rb := &body{r: strings.NewReader(st.body)}
	s.bodies = append(s.bodies, rb)
	h := st.header
	if h == nil {
		h = http.Header{}
	}
	resp := &http.Response{StatusCode: st.status, Header: h, Body: rb, Request: req}
	if st.status != 503 { // a 503 has no Status line: outOfTime names it from the code
		resp.Status = fmt.Sprintf("%d %s", st.status, http.StatusText(st.status))
	}
	return resp, nil
}

// clock is the policy's Now and Sleep: a wait moves it on and is
// recorded; nothing waits.
type clock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	return nil
}

func newTransport(s *script, c *clock) *Transport {
	c.now = t0
	return &Transport{Base: s, Sleep: c.Sleep, Now: c.Now}
}

func get(t *testing.T, tr http.RoundTripper) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "https://api.example.com/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	return tr.RoundTrip(req)
}

func status(resp *http.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}

func ra(v string) http.Header { return http.Header{"Retry-After": {v}} }

// TestWhatIsRetried: which answers are sent again, how often, and after
// which waits.
func TestWhatIsRetried(t *testing.T) {
	t.Parallel()
	reset := errors.New("connection reset by peer")
	for _, tc := range []struct {
		name     string
		attempts int
		steps    []step
		status   int // of the answer returned; 0: an error
		sends    int
		waits    []time.Duration
	}{
		{"200 at once", 0, []step{{status: 200}}, 200, 1, nil},
		{"two 502s then 200", 0, []step{{status: 502}, {status: 502}, {status: 200}}, 200, 3, []time.Duration{time.Second, 2 * time.Second}},
		{"503 always: DefaultAttempts", 0, []step{{status: 503}}, 503, DefaultAttempts, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}},
		{"503 always: Attempts 2", 2, []step{{status: 503}}, 503, 2, []time.Duration{time.Second}},
		{"Attempts 1: never again", 1, []step{{status: 503}}, 503, 1, nil},
		{"network errors then 200", 0, []step{{err: reset}, {err: reset}, {status: 200}}, 200, 3, []time.Duration{time.Second, 2 * time.Second}},
		{"network error always", 3, []step{{err: reset}}, 0, 3, []time.Duration{time.Second, 2 * time.Second}},
		{"429 without Retry-After backs off", 0, []step{{status: 429}, {status: 200}}, 200, 2, []time.Duration{time.Second}},
		{"400", 0, []step{{status: 400}}, 400, 1, nil},
		{"401", 0, []step{{status: 401}}, 401, 1, nil},
		{"403 without Limit", 0, []step{{status: 403, header: ra("1")}}, 403, 1, nil},
		{"404", 0, []step{{status: 404}}, 404, 1, nil},
		{"409", 0, []step{{status: 409}}, 409, 1, nil},
		{"501 Not Implemented", 0, []step{{status: 501, header: ra("1")}}, 501, 1, nil},
		{"301", 0, []step{{status: 301}}, 301, 1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, c := &script{steps: tc.steps}, &clock{}
			tr := newTransport(s, c)
			tr.Attempts = tc.attempts
			resp, err := get(t, tr)
			if status(resp) != tc.status || (tc.status == 0) != (err != nil) {
				t.Errorf("RoundTrip = %d, %v; want %d", status(resp), err, tc.status)
			}
			if tc.status == 0 && !errors.Is(err, reset) {
				t.Errorf("error %v; want the last network error", err)
			}
			if len(s.sent) != tc.sends {
				t.Errorf("%d sends; want %d", len(s.sent), tc.sends)
			}
			if diff := cmp.Diff(tc.waits, c.waits); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRetryAfter: the server's wait is honoured for a 5xx and a 429, in
// seconds or as an HTTP date; a negative or odd one is no Retry-After (the
// backoff); one longer than MaxWait, or too large for a Duration, is not
// waited for.
func TestRetryAfter(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		status int
		header string
		sends  int
		waits  []time.Duration
	}{
		{"503 seconds", 503, "3", 2, []time.Duration{3 * time.Second}},
		{"429 seconds", 429, "7", 2, []time.Duration{7 * time.Second}},
		{"429 zero", 429, "0", 2, []time.Duration{0}},
		{"429 HTTP date", 429, t0.Add(10 * time.Second).Format(http.TimeFormat), 2, []time.Duration{10 * time.Second}},
		{"503 date in the past", 503, t0.Add(-time.Hour).Format(http.TimeFormat), 2, []time.Duration{0}},
		{"negative", 429, "-5", 2, []time.Duration{time.Second}},
		{"not a number", 503, "soon", 2, []time.Duration{time.Second}},
		{"fraction", 503, "1.5", 2, []time.Duration{time.Second}},
		{"at MaxWait", 503, "120", 2, []time.Duration{2 * time.Minute}},
		{"over MaxWait", 503, "121", 1, nil},
		{"huge", 429, "9999999999", 1, nil},
		{"beyond int64", 429, "99999999999999999999999", 1, nil},
		{"date a day ahead", 503, t0.Add(24 * time.Hour).Format(http.TimeFormat), 1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, c := &script{steps: []step{{status: tc.status, header: ra(tc.header)}, {status: 200}}}, &clock{}
			tr := newTransport(s, c)
			tr.Jitter = func(d time.Duration) time.Duration { return d } // exact backoff (Sleep is set anyway)
			resp, err := get(t, tr)
			want := 200
			if tc.sends == 1 {
				want = tc.status // the answer is returned, not waited for
			}
			if status(resp) != want || err != nil {
				t.Errorf("RoundTrip = %d, %v; want %d", status(resp), err, want)
			}
			if len(s.sent) != tc.sends {
				t.Errorf("%d sends; want %d", len(s.sent), tc.sends)
			}
			if diff := cmp.Diff(tc.waits, c.waits); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]struct {
		d  time.Duration
		ok bool
	}{
		"":                         {0, false},
		"0":                        {0, true},
		"3":                        {3 * time.Second, true},
		"-1":                       {0, false},
		"+3":                       {0, false},
		" 3":                       {0, false},
		"3s":                       {0, false},
		"9223372036":               {9223372036 * time.Second, true},
		"9223372037":               {math.MaxInt64, true},
		"184467440737095516160000": {math.MaxInt64, true},
		t0.Add(90 * time.Second).Format(http.TimeFormat): {90 * time.Second, true},
		t0.Add(-time.Second).Format(http.TimeFormat):     {0, true},
		"Wed, 02 Dec 2026 03:00:00":                      {0, false},
	} {
		d, ok := ParseRetryAfter(v, t0)
		if d != want.d || ok != want.ok {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", v, d, ok, want.d, want.ok)
		}
	}
}

// TestDeadline: no wait is started that would end after Deadline (the
// last answer is returned), nor after the context's deadline (an error
// wrapping context.DeadlineExceeded that names the last answer).
func TestDeadline(t *testing.T) {
	t.Parallel()
	t.Run("Deadline", func(t *testing.T) {
		t.Parallel()
		s, c := &script{steps: []step{{status: 502}}}, &clock{}
		tr := newTransport(s, c)
		tr.Deadline = t0.Add(5 * time.Second)
		resp, err := get(t, tr)
		// 1s and 2s end at 3s; 4s would end at 7s.
		if status(resp) != 502 || err != nil || len(s.sent) != 3 {
			t.Errorf("RoundTrip = %d, %v after %d sends; want the third 502", status(resp), err, len(s.sent))
		}
		if diff := cmp.Diff([]time.Duration{time.Second, 2 * time.Second}, c.waits); diff != "" {
			t.Errorf("waits (-want +got):\n%s", diff)
		}
		if c.Now().After(tr.Deadline) {
			t.Errorf("the waits ended at %v, after the deadline %v", c.Now(), tr.Deadline)
		}
	})
	t.Run("a wait ending exactly at Deadline is started", func(t *testing.T) {
		t.Parallel()
		s, c := &script{steps: []step{{status: 429, header: ra("5")}, {status: 200}}}, &clock{}
		tr := newTransport(s, c)
		tr.Deadline = t0.Add(5 * time.Second)
		if resp, err := get(t, tr); status(resp) != 200 || err != nil || len(c.waits) != 1 {
			t.Errorf("RoundTrip = %d, %v, waits %v; want 200 after one wait", status(resp), err, c.waits)
		}
	})
	t.Run("context deadline", func(t *testing.T) {
		t.Parallel()
		s, c := &script{steps: []step{{status: 503, header: ra("7200"), body: "busy"}, {status: 200}}}, &clock{}
		tr := newTransport(s, c)
		tr.MaxWait = 3 * time.Hour
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://api.example.com/x", nil)
		resp, err := tr.RoundTrip(req)
		if resp != nil || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "503 Service Unavailable") {
			t.Errorf("RoundTrip = %d, %v; want an error wrapping DeadlineExceeded that names the 503", status(resp), err)
		}
		if len(s.sent) != 1 || len(c.waits) != 0 {
			t.Errorf("%d sends, waits %v; want 1, none", len(s.sent), c.waits)
		}
		if !s.bodies[0].closed || s.bodies[0].read != len("busy") {
			t.Errorf("the 503's body: read %d, closed %v; want drained and closed", s.bodies[0].read, s.bodies[0].closed)
		}
	})
	t.Run("context deadline after a network error", func(t *testing.T) {
		t.Parallel()
		reset := errors.New("connection reset by peer")
		s, c := &script{steps: []step{{err: reset}}}, &clock{}
		tr := newTransport(s, c)
		tr.Backoff = 2 * time.Hour
		tr.MaxWait = 3 * time.Hour
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://api.example.com/x", nil)
		if _, err := tr.RoundTrip(req); !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, reset) || len(s.sent) != 1 {
			t.Errorf("RoundTrip = %v after %d sends; want one send, an error wrapping both", err, len(s.sent))
		}
	})
	t.Run("context deadline far enough", func(t *testing.T) {
		t.Parallel()
		s, c := &script{steps: []step{{status: 503, header: ra("60")}, {status: 200}}}, &clock{}
		tr := newTransport(s, c)
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://api.example.com/x", nil)
		if resp, err := tr.RoundTrip(req); status(resp) != 200 || err != nil || len(c.waits) != 1 {
			t.Errorf("RoundTrip = %d, %v, waits %v; want 200 after one wait", status(resp), err, c.waits)
		}
	})
}

// TestContextCancelledDuringAWait: the wait ends with the context, and
// its error is returned; nothing more is sent.
func TestContextCancelledDuringAWait(t *testing.T) {
	t.Parallel()
	s := &script{steps: []step{{status: 502}, {status: 200}}}
	ctx, cancel := context.WithCancel(context.Background())
	var waits []time.Duration
	tr := &Transport{Base: s, Sleep: func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		cancel()
		return Sleep(ctx, time.Hour) // the real Sleep, on a cancelled context
	}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://api.example.com/x", nil)
	resp, err := tr.RoundTrip(req)
	if resp != nil || !errors.Is(err, context.Canceled) {
		t.Errorf("RoundTrip = %d, %v; want context.Canceled", status(resp), err)
	}
	if len(s.sent) != 1 || len(waits) != 1 {
		t.Errorf("%d sends, %d waits; want 1, 1", len(s.sent), len(waits))
	}
	if !s.bodies[0].closed {
		t.Errorf("the 502's body was not closed")
	}
}

// TestBodyResentIdentically: a POST through a real server is sent with the
// same bytes on every attempt; a body that cannot be read again is
// refused before anything is sent.
func TestBodyResentIdentically(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r.Method+" "+string(b)+" "+r.Header.Get("Content-Length"))
		n := len(got)
		mu.Unlock()
		if n <= 2 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.Write([]byte("done"))
	}))
	defer srv.Close()
	c := &clock{}
	tr := &Transport{Base: srv.Client().Transport, Sleep: c.Sleep, Now: c.Now}
	hc := &http.Client{Transport: tr}
	const payload = `{"alias":"champion","version":"2"}`
	resp, err := hc.Post(srv.URL, "application/json", bytes.NewReader([]byte(payload)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := "POST " + payload + " 34"
	if diff := cmp.Diff([]string{want, want, want}, got); diff != "" || string(b) != "done" {
		t.Errorf("bodies received (-want +got):\n%s; answer %q", diff, b)
	}

	s := &script{steps: []step{{status: 200}}}
	rb := &body{r: strings.NewReader(payload)}
	req, _ := http.NewRequest(http.MethodPost, "https://api.example.com/x", rb)
	if req.GetBody != nil {
		t.Fatal("the request has GetBody")
	}
	if _, err := (&Transport{Base: s, Sleep: c.Sleep}).RoundTrip(req); !errors.Is(err, ErrBodyNotReplayable) {
		t.Errorf("RoundTrip of a body without GetBody = %v; want ErrBodyNotReplayable", err)
	}
	if len(s.sent) != 0 || !rb.closed {
		t.Errorf("%d sends, body closed %v; want none sent and the body closed", len(s.sent), rb.closed)
	}
}

// TestEveryAttemptIsAFreshRequest: the transport below sees a new request
// each time (so credentials are applied again), with the original's
// headers, never the original after the first.
func TestEveryAttemptIsAFreshRequest(t *testing.T) {
	t.Parallel()
	s, c := &script{steps: []step{{status: 502}, {status: 502}, {status: 200}}}, &clock{}
	req, _ := http.NewRequest(http.MethodPut, "https://api.example.com/x", strings.NewReader("abc"))
	req.Header.Set("X-Trace", "t1")
	if resp, err := newTransport(s, c).RoundTrip(req); status(resp) != 200 || err != nil {
		t.Fatalf("RoundTrip = %d, %v", status(resp), err)
	}
	if len(s.reqs) != 3 || s.reqs[1] == req || s.reqs[2] == req || s.reqs[1] == s.reqs[2] {
		t.Fatalf("requests %p; want fresh ones after %p", s.reqs, req)
	}
	for i, r := range s.reqs {
		if r.Header.Get("X-Trace") != "t1" || r.Method != http.MethodPut || s.sent[i] != "abc" {
			t.Errorf("attempt %d: %s %v %q", i+1, r.Method, r.Header, s.sent[i])
		}
	}
}

// TestRetriedAnswersDrainedAndClosed: an answer that is retried is read
// (up to MaxDrain) and closed, so the connection can be reused; the last
// answer is the caller's, unread and open.
func TestRetriedAnswersDrainedAndClosed(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", MaxDrain+10)
	s, c := &script{steps: []step{{status: 502, body: "bad gateway"}, {status: 503, body: big}, {status: 200, body: "ok"}}}, &clock{}
	resp, err := newTransport(s, c).RoundTrip(mustGet(t))
	if status(resp) != 200 || err != nil {
		t.Fatalf("RoundTrip = %d, %v", status(resp), err)
	}
	b := s.bodies
	if !b[0].closed || b[0].read != len("bad gateway") || !b[1].closed || b[1].read != MaxDrain {
		t.Errorf("retried bodies: read %d and %d, closed %v and %v; want %d, %d, both closed", b[0].read, b[1].read, b[0].closed, b[1].closed, len("bad gateway"), MaxDrain)
	}
	if b[2].closed || b[2].read != 0 {
		t.Errorf("the answer returned was read (%d) or closed (%v)", b[2].read, b[2].closed)
	}
	if got, _ := io.ReadAll(resp.Body); string(got) != "ok" {
		t.Errorf("answer body %q", got)
	}
}

func mustGet(t *testing.T) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "https://api.example.com/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestLimit: the Limit hook decides for a 403 and a 429 (its wait is not
// jittered), and is not asked about anything else.
func TestLimit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		steps     []step
		status    int
		sends     int
		asked     []int
		waits     []time.Duration
		limitWait time.Duration
		limitOK   bool
	}{
		{"403 a rate limit", []step{{status: 403, body: "secondary rate limit"}, {status: 200}}, 200, 2, []int{403}, []time.Duration{time.Minute}, time.Minute, true},
		{"403 a permission", []step{{status: 403}, {status: 200}}, 403, 1, []int{403}, nil, 0, false},
		{"429 decided by Limit", []step{{status: 429, header: ra("1")}, {status: 200}}, 200, 2, []int{429}, []time.Duration{5 * time.Second}, 5 * time.Second, true},
		{"429 refused by Limit", []step{{status: 429}, {status: 200}}, 429, 1, []int{429}, nil, 0, false},
		{"Limit wait over MaxWait", []step{{status: 403}, {status: 200}}, 403, 1, []int{403}, nil, time.Hour, true},
		{"500 not asked", []step{{status: 500}, {status: 200}}, 200, 2, nil, []time.Duration{time.Second}, 0, false},
		{"404 not asked", []step{{status: 404}}, 404, 1, nil, nil, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, c := &script{steps: tc.steps}, &clock{}
			tr := newTransport(s, c)
			var asked []int
			tr.Limit = func(resp *http.Response, now time.Time) (time.Duration, bool) {
				asked = append(asked, resp.StatusCode)
				if !now.Equal(c.Now()) {
					t.Errorf("Limit's now %v; want the clock's %v", now, c.Now())
				}
				return tc.limitWait, tc.limitOK
			}
			tr.Jitter = func(d time.Duration) time.Duration { return d } // the backoff as is; would show if it touched Limit's
			resp, err := get(t, tr)
			if status(resp) != tc.status || err != nil || len(s.sent) != tc.sends {
				t.Errorf("RoundTrip = %d, %v after %d sends; want %d after %d", status(resp), err, len(s.sent), tc.status, tc.sends)
			}
			if diff := cmp.Diff(tc.asked, asked); diff != "" {
				t.Errorf("Limit asked about (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.waits, c.waits); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
		})
	}
}

// credErr is a transport's own error that knows it is permanent (a
// credential that could not be loaded before sending).
type credErr struct{ permanent bool }

func (e credErr) Error() string   { return "no credentials" }
func (e credErr) Permanent() bool { return e.permanent }

// TestPermanentErrors: an error that says it is permanent (Permanent, or
// its own Permanent method, wrapped or not) is returned after one try;
// one whose Permanent says false is retried like any network error.
func TestPermanentErrors(t *testing.T) {
	t.Parallel()
	base := errors.New("certificate signed by unknown authority")
	for _, tc := range []struct {
		name  string
		err   error
		sends int
	}{
		{"Permanent", Permanent(base), 1},
		{"own type", credErr{true}, 1},
		{"own type, wrapped", fmt.Errorf("sign: %w", credErr{true}), 1},
		{"own type saying false", credErr{false}, 3},
		{"plain", base, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, c := &script{steps: []step{{err: tc.err}}}, &clock{}
			tr := newTransport(s, c)
			tr.Attempts = 3
			_, err := get(t, tr)
			if !errors.Is(err, tc.err) {
				t.Errorf("RoundTrip = %v; want %v", err, tc.err)
			}
			if len(s.sent) != tc.sends || len(c.waits) != tc.sends-1 {
				t.Errorf("%d sends, waits %v; want %d sends", len(s.sent), c.waits, tc.sends)
			}
		})
	}
	if Permanent(nil) != nil || IsPermanent(nil) || !errors.Is(Permanent(base), base) {
		t.Errorf("Permanent(nil), IsPermanent(nil), or Unwrap is wrong")
	}
}

// TestBadCertificateNotRetried: a server whose certificate does not verify
// (here httptest's, which the default roots do not trust) answers the same
// on every attempt, so it is sent once; the error is the TLS one.
func TestBadCertificateNotRetried(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	srv.StartTLS()
	defer srv.Close()
	c := &clock{}
	tr := &Transport{Base: &http.Transport{}, Attempts: 4, Sleep: c.Sleep, Now: c.Now}
	req, _ := http.NewRequest("GET", srv.URL, nil)
	_, err := tr.RoundTrip(req)
	var cv *tls.CertificateVerificationError
	if !errors.As(err, &cv) {
		t.Fatalf("RoundTrip = %v; want a certificate verification error", err)
	}
	if len(c.waits) != 0 || hits.Load() != 0 {
		t.Errorf("waits %v, %d requests served; want one attempt, no wait", c.waits, hits.Load())
	}
	for _, e := range []error{x509.UnknownAuthorityError{}, x509.HostnameError{}, x509.CertificateInvalidError{}, fmt.Errorf("get: %w", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}})} {
		if !badCertificate(e) {
			t.Errorf("badCertificate(%T) = false", e)
		}
	}
	if badCertificate(errors.New("connection reset by peer")) || badCertificate(&tls.RecordHeaderError{}) {
		t.Error("a network error or a TLS record error counts as a bad certificate; they are retried")
	}
}

// TestBackoff: Backoff doubles up to MaxBackoff; Jitter shapes it.
func TestBackoff(t *testing.T) {
	t.Parallel()
	s, c := &script{steps: []step{{status: 502}}}, &clock{}
	tr := newTransport(s, c)
	tr.Attempts, tr.Backoff, tr.MaxBackoff = 6, 100*time.Millisecond, 350*time.Millisecond
	get(t, tr)
	ms := time.Millisecond
	if diff := cmp.Diff([]time.Duration{100 * ms, 200 * ms, 350 * ms, 350 * ms, 350 * ms}, c.waits); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}

	s, c = &script{steps: []step{{status: 502}}}, &clock{}
	tr = newTransport(s, c)
	tr.Attempts = 100 // the doubling does not overflow: it stays at MaxWait
	tr.Jitter = func(d time.Duration) time.Duration { return d / 2 }
	get(t, tr)
	if len(c.waits) != 99 || c.waits[0] != 500*ms || c.waits[98] != DefaultMaxWait/2 {
		t.Errorf("%d waits, first %v, last %v; want 99, 500ms, %v", len(c.waits), c.waits[0], c.waits[len(c.waits)-1], DefaultMaxWait/2)
	}
}

// TestJitter: EqualJitter draws from [d/2, d], spread out; it is the
// default in real time (no Sleep), and none with an injected Sleep.
func TestJitter(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{0, 1, 2, 3, time.Millisecond, time.Second, DefaultMaxWait} {
		seen := map[time.Duration]bool{}
		for range 1000 {
			j := EqualJitter(d)
			if j < d/2 || j > d {
				t.Fatalf("EqualJitter(%v) = %v; want within [%v, %v]", d, j, d/2, d)
			}
			seen[j] = true
		}
		if d >= time.Millisecond && len(seen) < 100 {
			t.Errorf("EqualJitter(%v): %d distinct waits in 1000; want them spread", d, len(seen))
		}
	}
	rt := &Transport{}
	seen := map[time.Duration]bool{}
	for range 100 {
		d := rt.backoff(2)
		if d < time.Second || d > 2*time.Second {
			t.Fatalf("default backoff before attempt 3 = %v; want within [1s, 2s]", d)
		}
		seen[d] = true
	}
	if len(seen) < 10 {
		t.Errorf("default backoff: %d distinct waits in 100; want jitter", len(seen))
	}
	if d := (&Transport{Sleep: Sleep}).backoff(2); d != 2*time.Second {
		t.Errorf("backoff with an injected Sleep = %v; want exactly 2s", d)
	}
	if d := (&Transport{Jitter: NoJitter}).backoff(3); d != 4*time.Second {
		t.Errorf("backoff with NoJitter = %v; want exactly 4s", d)
	}
}

// TestSleep: the real Sleep ends with its context.
func TestSleep(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep on a cancelled context = %v", err)
	}
	if err := Sleep(context.Background(), 0); err != nil {
		t.Errorf("Sleep(0) = %v", err)
	}
}
