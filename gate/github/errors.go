package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	gh "github.com/google/go-github/v60/github"
)

// ForbiddenError is a 403 from the GitHub API that is not a rate limit: the
// token may not write check runs. A pull request from a fork gets a
// read-only GITHUB_TOKEN, so this is the expected answer there; callers
// branch on it with errors.As and fall back to workflow-command annotations.
type ForbiddenError struct {
	Op  string // what was attempted, e.g. "create check run"
	Err *gh.ErrorResponse
}

func (e *ForbiddenError) Error() string {
	return e.Op + ": 403 forbidden: " + e.Err.Message + " (the token cannot write check runs; a fork pull request's token is read-only)"
}

// Unwrap returns the *github.ErrorResponse.
func (e *ForbiddenError) Unwrap() error { return e.Err }

// retryPolicy bounds the retries of one API call.
type retryPolicy struct {
	// attempts is the most calls made, the first included.
	attempts int
	// maxWait is the longest single wait; a longer Retry-After (or a primary
	// rate limit resetting later) fails at once.
	maxWait time.Duration
	// sleep waits d or until ctx is done.
	sleep func(ctx context.Context, d time.Duration) error
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// defaultSecondaryWait is GitHub's advice when a secondary rate limit comes
// without Retry-After: wait at least one minute.
//
// GitHub API docs: https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit
const defaultSecondaryWait = time.Minute

// do calls f until it succeeds, fails for good, or the attempts run out.
// Secondary rate limits, primary rate limits, 429 and 5xx are retried after
// the wait the API asks for (Retry-After, x-ratelimit-reset) or, when it
// gives none for a 5xx, 1s, 2s, 4s, ...
func (p retryPolicy) do(ctx context.Context, op string, f func() (*gh.Response, error)) error {
	for attempt := 1; ; attempt++ {
		_, err := f()
		if err == nil {
			return nil
		}
		wait, retry := p.retryAfter(err, attempt)
		if !retry || attempt >= p.attempts {
			return classify(op, err, attempt)
		}
		if wait > p.maxWait {
			return fmt.Errorf("%s: the API asks to retry after %s, longer than the %s this run waits: %w", op, wait.Round(time.Second), p.maxWait, err)
		}
		if err := p.sleep(ctx, wait); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
}

func (p retryPolicy) retryAfter(err error, attempt int) (time.Duration, bool) {
	var abuse *gh.AbuseRateLimitError
	var limit *gh.RateLimitError
	var er *gh.ErrorResponse
	switch {
	case errors.As(err, &abuse):
		if abuse.RetryAfter != nil && *abuse.RetryAfter > 0 {
			return *abuse.RetryAfter, true
		}
		return defaultSecondaryWait, true
	case errors.As(err, &limit):
		return max(time.Until(limit.Rate.Reset.Time)+time.Second, 0), true
	case errors.As(err, &er) && er.Response != nil:
		code := er.Response.StatusCode
		if code != http.StatusTooManyRequests && code < 500 {
			return 0, false
		}
		if d, ok := parseRetryAfter(er.Response.Header.Get("Retry-After")); ok {
			return d, true
		}
		return time.Second << (attempt - 1), true
	}
	return 0, false
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
func parseRetryAfter(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

func classify(op string, err error, attempts int) error {
	var er *gh.ErrorResponse
	if errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusForbidden {
		return &ForbiddenError{Op: op, Err: er}
	}
	if attempts > 1 {
		return fmt.Errorf("%s (after %d attempts): %w", op, attempts, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}
