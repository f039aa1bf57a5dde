// Package retry is the one retry policy of modelgate's HTTP calls (the
// GitHub API, base policies fetched over HTTPS, the MLflow tracking
// server), installed as the transport of an http.Client so that every
// request, including ones added later, goes through it. It imports nothing
// of modelgate: gate/github, gate/mlflow and gate use it, and none imports
// another.
package retry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// Limits of every call, unless its client says otherwise.
const (
	// DefaultAttempts is the most times one request is sent, the first
	// included.
	DefaultAttempts = 4
	// DefaultMaxWait is the longest single wait between attempts; a longer
	// Retry-After is not waited for.
	DefaultMaxWait = 2 * time.Minute
	// DefaultBackoff is the first wait when the server names none; it
	// doubles with every attempt (1s, 2s, 4s, ...).
	DefaultBackoff = time.Second
)

// MaxDrain is how much of a response that is retried is read before its
// body is closed (so that the connection can be reused).
const MaxDrain = 64 << 10

// ErrBodyNotReplayable is returned, before anything is sent, for a request
// with a body and no GetBody: it could not be sent again identically.
var ErrBodyNotReplayable = errors.New("retry: a request whose body cannot be read again (no GetBody) is not sent")

// Transport sends a request again after a network error, a 5xx other than
// 501 Not Implemented, or a 429 (or what Limit recognises), waiting what the
// server asks for (Retry-After) or, when it names nothing, Backoff, twice
// that, four times that, ... (capped at MaxBackoff, spread by Jitter). Any
// other answer (a 4xx, a 501, a 200) and any error that says it is
// permanent (IsPermanent) is returned at once. At most Attempts sends; no
// wait longer than MaxWait, and none that would end after Deadline, is
// started: the last answer is returned instead (the server's reason, for
// the caller to classify). Nor is a wait started that would end after the
// request context's deadline: that is at once an error wrapping
// context.DeadlineExceeded, naming the last answer (the caller learns it
// ran out of time without waiting for it).
//
// Every attempt sends a clone of the request through Base, so a transport
// below (credentials, a SigV4 signature that covers the time) is applied
// again to each attempt; the body is taken anew from GetBody.
type Transport struct {
	Base http.RoundTripper
	// Attempts is the most sends (DefaultAttempts when <= 0).
	Attempts int
	// MaxWait is the longest single wait (DefaultMaxWait when <= 0).
	MaxWait time.Duration
	// Backoff is the first wait when the server names none (DefaultBackoff
	// when <= 0); MaxBackoff caps its doubling (MaxWait when <= 0).
	Backoff, MaxBackoff time.Duration
	// Deadline is in Now's clock; zero: only the request's context bounds
	// the waits.
	Deadline time.Time
	// Limit, when set, decides for a 403 or a 429 (a rate limit by the
	// API's own signs: gate/github); false means return it.
	Limit func(resp *http.Response, now time.Time) (time.Duration, bool)
	// Jitter spreads a backoff (never a wait the server or Limit asked
	// for), so that many clients failing together do not come back
	// together. Nil: EqualJitter when Sleep is nil (real time); none when
	// Sleep is set (a test's clock, which expects exact waits).
	Jitter func(d time.Duration) time.Duration
	// Sleep waits d or until ctx is done (Sleep when nil); Now is the clock
	// of Deadline and of Retry-After dates (time.Now when nil).
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time
}

// RoundTrip sends req through the policy.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		req.Body.Close() // a RoundTripper closes the body, even on an error
		return nil, ErrBodyNotReplayable
	}
	ctx := req.Context()
	attempts := t.Attempts
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	for attempt := 1; ; attempt++ {
		r := req
		if attempt > 1 {
			r = req.Clone(ctx)
			if req.GetBody != nil {
				b, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = b
			}
		}
		resp, err := t.Base.RoundTrip(r)
		if ctx.Err() != nil {
			return resp, err
		}
		wait, retry := t.decide(resp, err, attempt)
		if !retry || attempt >= attempts || !t.fits(wait) {
			return resp, err
		}
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, MaxDrain))
			resp.Body.Close()
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return nil, outOfTime(resp, err, wait)
		}
		if err := t.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// fits says whether a wait of d may be started: not longer than MaxWait,
// not ending after Deadline.
func (t *Transport) fits(d time.Duration) bool {
	maxWait := t.MaxWait
	if maxWait <= 0 {
		maxWait = DefaultMaxWait
	}
	return d <= maxWait && (t.Deadline.IsZero() || !t.now().Add(d).After(t.Deadline))
}

// outOfTime is the error of a retry whose wait would end after the
// context's deadline: it wraps context.DeadlineExceeded (what a caller of
// a context that ran out expects) and the last error, and names the last
// answer.
func outOfTime(resp *http.Response, err error, wait time.Duration) error {
	if err != nil {
		return fmt.Errorf("%w (not sent again: the next attempt, in %v, would start after the context's deadline: %w)", err, wait, context.DeadlineExceeded)
	}
	st := resp.Status
	if st == "" {
		st = strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode)
	}
	return fmt.Errorf("%s (not sent again: the next attempt, in %v, would start after the context's deadline): %w", st, wait, context.DeadlineExceeded)
}

// decide says whether to send the request again, and after how long.
func (t *Transport) decide(resp *http.Response, err error, attempt int) (time.Duration, bool) {
	if err != nil {
		if IsPermanent(err) || badCertificate(err) {
			return 0, false
		}
		return t.backoff(attempt), true // a network error
	}
	switch {
	case resp.StatusCode == http.StatusNotImplemented:
		return 0, false // the server does not do this; asking again will not change that
	case resp.StatusCode >= 500:
		if d, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), t.now()); ok {
			return d, true
		}
		return t.backoff(attempt), true
	case t.Limit != nil && (resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests):
		return t.Limit(resp, t.now())
	case resp.StatusCode == http.StatusTooManyRequests:
		if d, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), t.now()); ok {
			return d, true
		}
		return t.backoff(attempt), true
	}
	return 0, false
}

// backoff is the wait before attempt+1 when the server names none.
func (t *Transport) backoff(attempt int) time.Duration {
	base, ceil := t.Backoff, t.MaxBackoff
	if base <= 0 {
		base = DefaultBackoff
	}
	if ceil <= 0 {
		ceil = t.MaxWait
		if ceil <= 0 {
			ceil = DefaultMaxWait
		}
	}
	d := ceil
	if attempt-1 < 62 && base <= ceil>>(attempt-1) {
		d = base << (attempt - 1)
	}
	switch {
	case t.Jitter != nil:
		return t.Jitter(d)
	case t.Sleep == nil:
		return EqualJitter(d)
	}
	return d
}

func (t *Transport) now() time.Time {
	if t.Now == nil {
		return time.Now()
	}
	return t.Now()
}

func (t *Transport) sleep(ctx context.Context, d time.Duration) error {
	if t.Sleep == nil {
		return Sleep(ctx, d)
	}
	return t.Sleep(ctx, d)
}

// EqualJitter is a wait drawn uniformly from [d/2, d]: never longer than
// the backoff (so the deadline checks hold), never shorter than half of it
// (so a struggling server still gets its pause).
func EqualJitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	h := d / 2
	return h + rand.N(d-h+1)
}

// NoJitter leaves a backoff as it is.
func NoJitter(d time.Duration) time.Duration { return d }

// Permanent marks err as one that sending the request again cannot cure
// (IsPermanent reports it); nil stays nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

type permanent struct{ error }

func (p permanent) Unwrap() error   { return p.error }
func (p permanent) Permanent() bool { return true }

// IsPermanent says whether err, or an error it wraps, has a method
// Permanent() bool that returns true (such as Permanent's, or a transport's
// own error type: a credential that could not be loaded before sending).
// Such an error is returned at once, never retried.
func IsPermanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}

// badCertificate says whether err is the server's certificate failing
// verification (an unknown authority, another host's name, an expired
// certificate): the same certificate comes back on every attempt, so
// sending again only delays the error.
func badCertificate(err error) bool {
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	return errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci)
}

// ParseRetryAfter reads a Retry-After header (RFC 9110 10.2.3):
// delay-seconds (digits only; one too large for a Duration is the longest
// Duration, so it is not waited for) or an HTTP date (one in the past is
// no wait). Anything else is not a Retry-After (false).
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if digits(v) {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil || s > math.MaxInt64/uint64(time.Second) {
			return math.MaxInt64, true
		}
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Sleep waits d or until ctx is done.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
