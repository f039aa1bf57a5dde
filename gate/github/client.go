package github

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/modelgate/modelgate/internal/retry"
)

// Retry limits of every GitHub API call.
const (
	// DefaultAttempts is the most times one request is sent, the first
	// included.
	DefaultAttempts = retry.DefaultAttempts
	// DefaultMaxWait is the longest single wait between attempts; a longer
	// Retry-After (or a primary rate limit resetting later) is not waited for.
	DefaultMaxWait = retry.DefaultMaxWait
	// defaultSecondaryWait is GitHub's advice when a secondary rate limit
	// comes without Retry-After: wait at least one minute.
	//
	// GitHub API docs: https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit
	defaultSecondaryWait = time.Minute
	// maxErrorBody is how much of an error response is read to recognise a
	// secondary rate limit by its message.
	maxErrorBody = 64 << 10
)

// Options configure a Client.
type Options struct {
	Owner, Repo string
	// Token authenticates every request (github_token); never printed.
	Token string
	// APIURL is GITHUB_API_URL (on GitHub Enterprise Server
	// https://HOST/api/v3); https://api.github.com when empty.
	APIURL    string
	UserAgent string
	// HTTPClient is the client whose transport the retry policy wraps;
	// http.DefaultClient when nil.
	HTTPClient *http.Client
	// Timeout bounds the retries of the whole run (the timeout input): no
	// wait is started that would end after it. Zero means only the context
	// bounds them.
	Timeout time.Duration
	// Attempts and MaxWait default to DefaultAttempts and DefaultMaxWait.
	Attempts int
	MaxWait  time.Duration
	// Sleep waits d or until ctx is done; tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock of check-run timestamps and deadlines.
	Now func() time.Time
}

// Client is the GitHub API of one repository. Every call, including ones
// added later, goes through one retry policy installed as the transport of
// its http.Client (internal/retry.Transport); the methods only classify what is left
// after the retries.
type Client struct {
	gh          *gh.Client
	owner, repo string
	maxWait     time.Duration
	now         func() time.Time
}

// New returns a Client for o.Owner/o.Repo.
func New(o Options) (*Client, error) {
	if o.Owner == "" || o.Repo == "" {
		return nil, errors.New("github client: owner and repository are required")
	}
	if o.Attempts <= 0 {
		o.Attempts = DefaultAttempts
	}
	if o.MaxWait <= 0 {
		o.MaxWait = DefaultMaxWait
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	base := o.HTTPClient
	if base == nil {
		base = http.DefaultClient
	}
	rt := base.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	// A nil Sleep is real time, and the backoff is then jittered.
	t := &retry.Transport{Base: rt, Attempts: o.Attempts, MaxWait: o.MaxWait, Sleep: o.Sleep, Now: o.Now, Limit: limit}
	if o.Timeout > 0 {
		t.Deadline = o.Now().Add(o.Timeout)
	}
	hc := *base
	hc.Transport = t
	c := gh.NewClient(&hc)
	if o.Token != "" {
		c = c.WithAuthToken(o.Token)
	}
	if o.UserAgent != "" {
		c.UserAgent = o.UserAgent
	}
	if o.APIURL != "" {
		u, err := url.Parse(o.APIURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("GITHUB_API_URL %q: want an http(s) URL", o.APIURL)
		}
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
		}
		c.BaseURL = u
	}
	return &Client{gh: c, owner: o.Owner, repo: o.Repo, maxWait: o.MaxWait, now: o.Now}, nil
}

// BaseURL is the API URL requests go to.
func (c *Client) BaseURL() string { return c.gh.BaseURL.String() }

// limit is the GitHub part of the one retry policy (internal/retry): a
// network error, a 5xx or a 429 is sent again after what the API asks for
// (Retry-After, x-ratelimit-reset) or, when it gives nothing for a 5xx or
// a network error, about 1s, 2s, 4s, ... (jittered); a 403 or 429 is a rate limit by
// rateLimitWait. A plain 403 (no rate-limit sign) is a permission answer
// and is returned at once.
func limit(resp *http.Response, now time.Time) (time.Duration, bool) {
	body := peekBody(resp)
	return rateLimitWait(resp.StatusCode, resp.Header, body, now)
}

// peekBody reads the start of resp's body and puts it back.
func peekBody(resp *http.Response) []byte {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), resp.Body), resp.Body}
	return b
}

// rateLimitWait recognises a rate limit in a 403 or 429 answer and says how
// long to wait: a 429 always is one; a 403 is one when it carries
// Retry-After, or x-ratelimit-remaining: 0 with x-ratelimit-reset, or
// GitHub's "secondary rate limit" message (with or without
// documentation_url). Any other 403 is a permission problem (false).
func rateLimitWait(status int, h http.Header, body []byte, now time.Time) (time.Duration, bool) {
	if d, ok := retry.ParseRetryAfter(h.Get("Retry-After"), now); ok {
		return d, true
	}
	if h.Get("X-RateLimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			return max(time.Unix(reset, 0).Sub(now)+time.Second, 0), true
		}
	}
	if status == http.StatusTooManyRequests || isSecondaryMessage(string(body)) {
		return defaultSecondaryWait, true
	}
	return 0, false
}

func isSecondaryMessage(s string) bool {
	s = strings.ToLower(s)
	return strings.Contains(s, "secondary rate limit") || strings.Contains(s, "abuse detection")
}

// ForbiddenError is a 403 from the GitHub API that is not a rate limit: the
// token may not do what was attempted. A pull request from a fork gets a
// read-only GITHUB_TOKEN, so this is the expected answer there; callers
// branch on it with errors.As and fall back to workflow-command annotations.
type ForbiddenError struct {
	Op      string // what was attempted, e.g. "create check run"
	Message string // GitHub's message
	Err     error  // the *github.ErrorResponse
}

func (e *ForbiddenError) Error() string {
	return e.Op + ": 403 forbidden: " + e.Message + " (the token cannot do this; a fork pull request's token is read-only)"
}

// Unwrap returns the *github.ErrorResponse.
func (e *ForbiddenError) Unwrap() error { return e.Err }

// RateLimitedError is a rate limit that outlasted the retries, or asked
// for a wait longer than the run allows.
type RateLimitedError struct {
	Op   string
	Wait time.Duration // what the API asked for
	Err  error
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("%s: rate limited; the API asks to retry after %s: %v", e.Op, e.Wait.Round(time.Second), e.Err)
}

func (e *RateLimitedError) Unwrap() error { return e.Err }

// classify names op in err and types what callers branch on: a rate limit
// (*RateLimitedError), a plain 403 (*ForbiddenError).
func (c *Client) classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var er *gh.ErrorResponse
	var abuse *gh.AbuseRateLimitError
	var limit *gh.RateLimitError
	switch {
	case errors.As(err, &abuse):
		wait := defaultSecondaryWait
		if abuse.RetryAfter != nil {
			wait = *abuse.RetryAfter
		}
		return &RateLimitedError{Op: op, Wait: wait, Err: err}
	case errors.As(err, &limit):
		return &RateLimitedError{Op: op, Wait: max(limit.Rate.Reset.Time.Sub(c.now()), 0), Err: err}
	case errors.As(err, &er) && er.Response != nil &&
		(er.Response.StatusCode == http.StatusForbidden || er.Response.StatusCode == http.StatusTooManyRequests):
		if wait, limited := rateLimitWait(er.Response.StatusCode, er.Response.Header, []byte(er.Message), c.now()); limited {
			return &RateLimitedError{Op: op, Wait: wait, Err: err}
		}
		if er.Response.StatusCode == http.StatusForbidden {
			return &ForbiddenError{Op: op, Message: er.Message, Err: er}
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}
