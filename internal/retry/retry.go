// Package retry is the one retry policy of modelgate's HTTP calls (the
// GitHub API, base policies fetched over HTTPS), installed as the
// transport of an http.Client so that every request, including ones added
// later, goes through it. It imports nothing of modelgate: gate/github and
// gate use it, and neither imports the other.
package retry

import (
	"context"
	"errors"
	"io"
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
)

// MaxDrain is how much of a response that is retried is read before its
// body is closed (so that the connection can be reused).
const MaxDrain = 64 << 10

// Transport sends a request again after a network error, a 5xx or a 429
// (or what Limit recognises), waiting what the server asks for
// (Retry-After) or, when it gives nothing, 1s, 2s, 4s, ...; any other
// answer (a 4xx, a 200) is returned at once. At most Attempts sends; no
// wait longer than MaxWait, and none that would end after Deadline, is
// started: the last answer is returned instead.
type Transport struct {
	Base     http.RoundTripper
	Attempts int
	MaxWait  time.Duration
	Deadline time.Time // zero: only the request's context bounds the waits
	// Limit, when set, decides for a 403 or a 429 (a rate limit by the
	// API's own signs: gate/github); false means return it.
	Limit func(resp *http.Response, now time.Time) (time.Duration, bool)
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time
}

// RoundTrip sends req through the policy.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	for attempt := 1; ; attempt++ {
		r := req
		if attempt > 1 {
			r = req.Clone(ctx)
			if req.Body != nil && req.Body != http.NoBody {
				if req.GetBody == nil {
					return nil, errors.New("retry: cannot resend a request whose body cannot be read again")
				}
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
		if !retry || attempt >= t.Attempts || wait > t.MaxWait ||
			(!t.Deadline.IsZero() && t.Now().Add(wait).After(t.Deadline)) {
			return resp, err
		}
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, MaxDrain))
			resp.Body.Close()
		}
		if err := t.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// decide says whether to send the request again, and after how long.
func (t *Transport) decide(resp *http.Response, err error, attempt int) (time.Duration, bool) {
	backoff := time.Second << (attempt - 1)
	if err != nil {
		return backoff, true // a network error
	}
	switch {
	case resp.StatusCode >= 500:
		if d, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), t.Now()); ok {
			return d, true
		}
		return backoff, true
	case t.Limit != nil && (resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests):
		return t.Limit(resp, t.Now())
	case resp.StatusCode == http.StatusTooManyRequests:
		if d, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), t.Now()); ok {
			return d, true
		}
		return backoff, true
	}
	return 0, false
}

// ParseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
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
