package gate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"syscall"
	"time"

	"github.com/modelgate/modelgate/internal/retry"
)

// DirFiles reads the rules file's repository from a folder (the
// workspace): confined to it (no `..`, no absolute paths, no symbolic
// link that leaves it: os.Root), regular files only (a FIFO or a device
// is refused without blocking), at most MaxPolicyBytes.
type DirFiles struct{ Root string }

// ReadFile reads a slash-separated path relative to the folder.
func (d DirFiles) ReadFile(_ context.Context, name string) ([]byte, error) {
	if !fs.ValidPath(name) || name == "." || path.Clean(name) != name {
		return nil, fmt.Errorf("%s: %w: not a clean path inside the repository", name, ErrPolicyRefused)
	}
	root, err := os.OpenRoot(d.Root)
	if err != nil {
		return nil, fmt.Errorf("open the repository folder: %w", err)
	}
	defer root.Close()
	st, err := root.Stat(name)
	if err != nil {
		return nil, refusedPath(name, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w: %s, not a regular file", name, ErrPolicyRefused, fileType(st.Mode()))
	}
	// O_NONBLOCK: a file swapped for a FIFO after the Stat does not block
	// the open; the Stat of the open file refuses it.
	fh, err := root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, refusedPath(name, err)
	}
	defer fh.Close()
	if st, err := fh.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w: not a regular file", name, ErrPolicyRefused)
	}
	return readCapped(fh, name)
}

// fileType names a mode that is not a regular file.
func fileType(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

// refusedPath classifies an os.Root error: absent is not found; an escape
// (a symbolic link or `..` out of the folder) is refused.
func refusedPath(name string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", name, ErrPolicyNotFound)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w: %v", name, ErrPolicyRefused, pe.Err)
	}
	return fmt.Errorf("%s: %w: %v", name, ErrPolicyRefused, err)
}

func readCapped(r io.Reader, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxPolicyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(data) > MaxPolicyBytes {
		return nil, fmt.Errorf("%s: %w: larger than %d bytes", name, ErrPolicyRefused, MaxPolicyBytes)
	}
	return data, nil
}

// HTTPSTimeout bounds one fetch of a base policy by URL, its retries
// included.
const HTTPSTimeout = 30 * time.Second

// HTTPSFiles fetches base policies by https:// URL: https only (also after
// a redirect), a 200 only, at most MaxPolicyBytes, through the one retry
// policy (internal/retry, as the GitHub client: a network error, a 5xx or
// a 429 is sent again after Retry-After or about 1s, 2s, 4s, jittered; a 404 or another
// 4xx is answered at once), all of it within the client's timeout
// (HTTPSTimeout) and the context's deadline. The digest is checked by
// ResolvePolicy on the bytes a 200 gave: a mismatch is the rules file's
// problem and is never retried into acceptance.
type HTTPSFiles struct {
	// Client is the HTTP client; nil means one with HTTPSTimeout. Its
	// CheckRedirect is replaced by one that refuses leaving https, its
	// transport wrapped in the retry policy.
	Client *http.Client
	// Retry tunes the retry policy; nil is the defaults.
	Retry *HTTPSRetry
}

// HTTPSRetry tunes HTTPSFiles' retry policy.
type HTTPSRetry struct {
	// Attempts is the most sends of one request (retry.DefaultAttempts).
	Attempts int
	// Sleep waits between attempts (retry.Sleep); tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock of the deadline (time.Now); tests replace it.
	Now func() time.Time
}

// Get fetches u.
func (h HTTPSFiles) Get(ctx context.Context, u string) ([]byte, error) {
	pu, err := url.Parse(u)
	if err != nil || pu.Scheme != "https" || pu.Host == "" {
		return nil, fmt.Errorf("%s: %w: not an https:// URL", u, ErrPolicyRefused)
	}
	c := http.Client{Timeout: HTTPSTimeout}
	if h.Client != nil {
		c = *h.Client
		if c.Timeout == 0 {
			c.Timeout = HTTPSTimeout
		}
	}
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != "https" {
			return fmt.Errorf("%w: redirect to %s leaves https", ErrPolicyRefused, req.URL.Redacted())
		}
		if len(via) >= 5 {
			return fmt.Errorf("%w: more than 5 redirects", ErrPolicyRefused)
		}
		return nil
	}
	c.Transport = h.retry(ctx, c.Transport, c.Timeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", u, ErrPolicyRefused, err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", u, err) // a refused redirect stays ErrPolicyRefused
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return nil, fmt.Errorf("get %s: %s: %w", u, resp.Status, ErrPolicyNotFound)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("get %s: %s", u, resp.Status)
	case resp.ContentLength > MaxPolicyBytes:
		return nil, fmt.Errorf("%s: %w: larger than %d bytes", u, ErrPolicyRefused, MaxPolicyBytes)
	}
	return readCapped(resp.Body, u)
}

// retry wraps rt in the one retry policy: no wait is started that would
// end after timeout (from now) or the context's deadline.
func (h HTTPSFiles) retry(ctx context.Context, rt http.RoundTripper, timeout time.Duration) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	// Sleep nil: real time, with the backoff jittered (retry.Transport).
	t := &retry.Transport{Base: rt, Attempts: retry.DefaultAttempts, MaxWait: retry.DefaultMaxWait, Now: time.Now}
	if r := h.Retry; r != nil {
		if r.Attempts > 0 {
			t.Attempts = r.Attempts
		}
		if r.Sleep != nil {
			t.Sleep = r.Sleep
		}
		if r.Now != nil {
			t.Now = r.Now
		}
	}
	t.Deadline = t.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(t.Deadline) {
		t.Deadline = d
	}
	return t
}
