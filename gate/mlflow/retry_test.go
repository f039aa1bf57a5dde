package mlflow

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/gatetest"
	"github.com/modelgate/modelgate/internal/retry"
)

var testCreds = aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", SessionToken: "tok"}

// wire records every request as the auth transport sent it (below it, on
// the wire), checks its SigV4 signature by signing a copy again with the
// same credentials and time, and passes it on.
type wire struct {
	t    *testing.T
	next http.RoundTripper
	mu   sync.Mutex
	sent []sent
}

type sent struct {
	path, date, auth, body string
	valid                  bool
}

func (w *wire) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	s := sent{path: req.URL.Path, date: req.Header.Get("X-Amz-Date"), auth: req.Header.Get("Authorization"), body: string(body)}
	if at, err := time.Parse("20060102T150405Z", s.date); err == nil {
		sum := sha256.Sum256(body)
		again := req.Clone(context.Background())
		again.Header.Del("Authorization")
		if err := v4.NewSigner().SignHTTP(context.Background(), testCreds, again, hex.EncodeToString(sum[:]), SigV4Service, "us-east-1", at); err != nil {
			w.t.Errorf("signing again: %v", err)
		}
		s.valid = s.auth != "" && again.Header.Get("Authorization") == s.auth && req.Header.Get("X-Amz-Security-Token") == "tok"
	}
	w.mu.Lock()
	w.sent = append(w.sent, s)
	w.mu.Unlock()
	return w.next.RoundTrip(req)
}

func (w *wire) to(suffix string) []sent {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []sent
	for _, s := range w.sent {
		if strings.HasSuffix(s.path, suffix) {
			out = append(out, s)
		}
	}
	return out
}

// sigv4Client is a SigV4 client of f through w, whose retry waits are
// recorded (nothing waits) and whose signing clock moves on a second at
// every signature.
func sigv4Client(t *testing.T, f *gatetest.MLflowFake, creds aws.CredentialsProvider, w *wire) (*Client, *[]time.Duration) {
	t.Helper()
	c, err := New(Config{URI: f.URL, SigV4: &SigV4{Credentials: creds, Region: "us-east-1"}, Transport: w, BaseDelay: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rt := c.http.Transport.(*retry.Transport)
	var waits []time.Duration
	rt.Sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	clock := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	rt.Base.(*authTransport).now = func() time.Time { clock = clock.Add(time.Second); return clock }
	return c, &waits
}

func seedOne(t *testing.T) *gatetest.MLflowFake {
	f := gatetest.NewMLflow(t)
	f.AddRun(gatetest.MLflowRun{ID: "r1"})
	f.AddRun(gatetest.MLflowRun{ID: "r2"})
	f.AddVersion(gatetest.MLflowVersion{Name: "churn", RunID: "r1", Tags: map[string]string{"modelgate.status": "approved"}})
	f.AddVersion(gatetest.MLflowVersion{Name: "churn", RunID: "r2", Tags: map[string]string{"modelgate.status": "pending"}})
	f.SetAlias("churn", "champion", 1)
	return f
}

// TestSigV4RetriedThroughThePolicy: a call survives two 502s and a 429
// with Retry-After through the real client and the one retry policy
// (internal/retry), each attempt signed again (a new X-Amz-Date, a new and
// valid signature), a POST body sent identically and signed by its hash
// every time.
func TestSigV4RetriedThroughThePolicy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := seedOne(t)
	f.Fail("/model-versions/get", 502, 2, "")
	f.Fail("/model-versions/get", 429, 1, "7")
	w := &wire{t: t, next: http.DefaultTransport}
	var retrieved atomic.Int32
	creds := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { retrieved.Add(1); return testCreds, nil })
	c, waits := sigv4Client(t, f, creds, w)

	p, err := c.Resolve(ctx, "churn", mustSel("2"))
	if err != nil || p.Version != 2 {
		t.Fatalf("Resolve after two 502s and a 429 = %v, %v; want version 2", p, err)
	}
	if diff := cmp.Diff([]time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 7 * time.Second}, *waits); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	gets := w.to("/model-versions/get")
	if len(gets) != 4 || len(f.Calls("/mlflow/model-versions/get")) != 4 {
		t.Fatalf("%d model-versions/get sent, %d received; want 4 (502, 502, 429, 200)", len(gets), len(f.Calls("/mlflow/model-versions/get")))
	}
	dates, auths := map[string]bool{}, map[string]bool{}
	for i, s := range gets {
		if !s.valid {
			t.Errorf("attempt %d: signature not valid for what was sent: %+v", i+1, s)
		}
		dates[s.date], auths[s.auth] = true, true
	}
	if len(dates) != 4 || len(auths) != 4 {
		t.Errorf("%d X-Amz-Dates, %d signatures over 4 attempts; want each signed again", len(dates), len(auths))
	}
	if n := retrieved.Load(); int(n) != len(w.to("")) {
		t.Errorf("credentials retrieved %d times for %d requests; want once per attempt", n, len(w.to("")))
	}

	f.Fail("/model-versions/set-tag", 503, 1, "")
	*waits = nil
	if err := c.SetApproval(ctx, p, gate.Decision{Status: gate.StatusApproved, Description: "ok"}); err != nil {
		t.Fatal(err)
	}
	posts := w.to("/model-versions/set-tag")
	if len(posts) < 2 || posts[0].body != posts[1].body || !strings.Contains(posts[0].body, `"key":`) {
		t.Fatalf("set-tag POSTs %+v; want the first body twice (a 503, then the retry)", posts)
	}
	if !posts[0].valid || !posts[1].valid || posts[0].auth == posts[1].auth {
		t.Errorf("set-tag POSTs not each signed anew: %+v", posts)
	}
	if f.Alias("churn", "champion") != 2 {
		t.Errorf("@champion = %d; want 2", f.Alias("churn", "champion"))
	}
	if diff := cmp.Diff([]time.Duration{100 * time.Millisecond}, *waits); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

// TestCredentialFailureNotRetried: credentials that cannot be loaded are
// found before anything is sent, and are permanent: one try, no wait, no
// request, and the error says what failed.
func TestCredentialFailureNotRetried(t *testing.T) {
	t.Parallel()
	f := seedOne(t)
	w := &wire{t: t, next: http.DefaultTransport}
	var retrieved atomic.Int32
	creds := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		retrieved.Add(1)
		return aws.Credentials{}, errors.New("no EC2 IMDS role found")
	})
	c, waits := sigv4Client(t, f, creds, w)
	_, err := c.Resolve(context.Background(), "churn", mustSel("2"))
	if err == nil || !strings.Contains(err.Error(), "AWS credentials for SigV4 could not be loaded: no EC2 IMDS role found") {
		t.Fatalf("Resolve = %v; want the credential failure", err)
	}
	if n := retrieved.Load(); n != 1 || len(*waits) != 0 || len(w.to("")) != 0 || len(f.Calls("")) != 0 {
		t.Errorf("%d retrievals, waits %v, %d requests sent; want 1, none, 0", n, *waits, len(w.to("")))
	}
}

// TestNotImplementedNotRetried: a 501 is the server's answer, not a fault.
func TestNotImplementedNotRetried(t *testing.T) {
	t.Parallel()
	f := seedOne(t)
	f.Fail("", http.StatusNotImplemented, 10, "")
	c, waits := sigv4Client(t, f, aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return testCreds, nil }), &wire{t: t, next: http.DefaultTransport})
	_, err := c.Resolve(context.Background(), "churn", mustSel("2"))
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusNotImplemented {
		t.Fatalf("Resolve = %v; want the 501", err)
	}
	if n := len(f.Calls("")); n != 1 || len(*waits) != 0 {
		t.Errorf("%d requests, waits %v; want 1, none", n, *waits)
	}
}
