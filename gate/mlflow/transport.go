package mlflow

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// SigV4Service is the signing name of SageMaker-managed MLflow.
const SigV4Service = "sagemaker-mlflow"

// authTransport adds the credentials to every attempt (a SigV4 signature
// covers the time, so each retry is signed again).
type authTransport struct {
	next     http.RoundTripper
	token    string
	user     string
	password string
	creds    aws.CredentialsProvider
	region   string
	signer   *v4.Signer
	now      func() time.Time
	// header, when set, is sent with headerValue on every request (the
	// SageMaker MLflow routing header; it is signed).
	header, headerValue string
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	if t.header != "" {
		req.Header.Set(t.header, t.headerValue)
	}
	switch {
	case t.creds != nil:
		if err := t.sign(req); err != nil {
			return nil, err
		}
	case t.token != "":
		req.Header.Set("Authorization", "Bearer "+t.token)
	case t.user != "" || t.password != "":
		req.SetBasicAuth(t.user, t.password)
	}
	return t.next.RoundTrip(req)
}

// sign signs req with SigV4 for service sagemaker-mlflow. The payload hash
// is computed from the body (GetBody gives a fresh copy).
func (t *authTransport) sign(req *http.Request) error {
	creds, err := t.creds.Retrieve(req.Context())
	if err != nil {
		// The provider's error may name a profile or a file, never a secret.
		return &authError{msg: "the AWS credentials for SigV4 could not be loaded: " + err.Error()}
	}
	var body []byte
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return err
		}
		body, err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	sum := sha256.Sum256(body)
	return t.signer.SignHTTP(req.Context(), creds, req, hex.EncodeToString(sum[:]), SigV4Service, t.region, t.now())
}

// retryTransport retries 5xx, 429 and network errors with exponential
// backoff and full jitter, honouring Retry-After, within maxAttempts and the
// request's context deadline. Every request it sees has a replayable body
// (http.NewRequest with a bytes.Reader, or none).
type retryTransport struct {
	next        http.RoundTripper
	maxAttempts int
	baseDelay   time.Duration
	maxDelay    time.Duration
	sleep       func(context.Context, time.Duration) error
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	for attempt := 1; ; attempt++ {
		r := req
		if attempt > 1 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			r = req.Clone(ctx)
			r.Body = body
		}
		resp, err := t.next.RoundTrip(r)
		retry, after := retryable(resp, err)
		if !retry || attempt >= t.maxAttempts || ctx.Err() != nil {
			return resp, err
		}
		var ae *authError
		if errors.As(err, &ae) {
			return resp, err
		}
		delay := t.backoff(attempt, after)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < delay {
			// Waiting would outlive the deadline: give the caller this answer.
			return resp, err
		}
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		if err := t.sleep(ctx, delay); err != nil {
			return nil, err
		}
	}
}

// retryable says whether an answer is worth another attempt, and the
// server's Retry-After (0 when none).
func retryable(resp *http.Response, err error) (bool, time.Duration) {
	if err != nil {
		return true, 0 // a network error; the context is checked by the caller
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented {
		return true, retryAfter(resp.Header.Get("Retry-After"))
	}
	return false, 0
}

// retryAfter reads delay-seconds or an HTTP date; 0 when absent or odd.
func retryAfter(h string) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(min(s, 3600)) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

func (t *retryTransport) backoff(attempt int, after time.Duration) time.Duration {
	d := t.baseDelay << (attempt - 1)
	if d > t.maxDelay || d <= 0 {
		d = t.maxDelay
	}
	d = time.Duration(rand.Int64N(int64(d)) + 1)
	if after > d {
		// The server's word wins over the jitter, up to maxRetryAfter.
		d = min(after, maxRetryAfter)
	}
	return d
}

// maxRetryAfter bounds how long a Retry-After may make one wait last.
const maxRetryAfter = time.Minute

func sleepCtx(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

// authError is a credential problem found before the request was sent.
type authError struct{ msg string }

func (e *authError) Error() string { return e.msg }
