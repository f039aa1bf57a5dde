package sagemaker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/modelgate/modelgate/gate"
)

// ErrUnsupportedURI is wrapped by Fetch for a URI that is not an S3 object:
// modelgate never fetches arbitrary URLs. It is bad content
// (errors.Is(err, gate.ErrBadContent) holds), not a registry failure.
var ErrUnsupportedURI error = &contentError{msg: "unsupported report URI"}

// contentError is an error about a report's location or content: it
// matches gate.ErrBadContent with errors.Is, keeping its own message.
type contentError struct {
	msg string
	err error
}

func (e *contentError) Error() string {
	if e.err == nil {
		return e.msg
	}
	return e.msg + ": " + e.err.Error()
}
func (e *contentError) Unwrap() error        { return e.err }
func (e *contentError) Is(target error) bool { return target == gate.ErrBadContent }

// FetchError is the error of Fetch: it names the report's slot and URI.
type FetchError struct {
	Slot string
	URI  string
	Err  error // the cause: access denied, no such key, digest mismatch, ...
}

// Error reads `report "quality" (s3://bucket/key): <cause>`.
func (e *FetchError) Error() string {
	return fmt.Sprintf("report %q (%s): %v", e.Slot, e.URI, e.Err)
}

// Unwrap returns the cause, for errors.Is and errors.As.
func (e *FetchError) Unwrap() error { return e.Err }

// s3Location is a parsed report URI.
type s3Location struct {
	Bucket, Key string
	Region      string // from a regional https host; "" when unknown
}

// Fetch downloads the report src of pkg from S3. It accepts s3://bucket/key
// and the https forms of S3 object URLs (virtual-hosted
// bucket.s3[.region].amazonaws.com/key and path-style
// s3[.region].amazonaws.com/bucket/key), and refuses any other host. A bucket
// in another region is read from there (the region is looked up once per
// bucket). The read is bounded (gate.ReadCapped at gate.MaxReportBytes); the
// loader verifies src.Digest. A URI it refuses and a missing key or bucket
// are bad content (gate.ErrBadContent). Errors are *FetchError.
func (c *Client) Fetch(ctx context.Context, pkg *gate.Package, src gate.Source) ([]byte, error) {
	fail := func(err error) ([]byte, error) {
		return nil, &FetchError{Slot: src.Slot, URI: src.URI, Err: err}
	}
	loc, err := parseS3URI(src.URI)
	if err != nil {
		return fail(err)
	}
	select {
	case c.sem <- struct{}{}:
		defer func() { <-c.sem }()
	case <-ctx.Done():
		return fail(fmt.Errorf("waiting to fetch: %w", ctx.Err()))
	}
	b, err := c.get(ctx, loc)
	if err != nil {
		return fail(err)
	}
	return b, nil
}

// get reads the object, from the bucket's region when it is not the
// registry's.
func (c *Client) get(ctx context.Context, loc s3Location) ([]byte, error) {
	region := loc.Region
	if region == "" {
		region = c.knownRegion(loc.Bucket)
	}
	b, err := c.getFrom(ctx, region, loc)
	if err == nil || !wrongRegion(err) {
		return b, err
	}
	actual, lerr := c.bucketRegion(ctx, loc.Bucket)
	if lerr != nil {
		return nil, fmt.Errorf("bucket %s is not in %s; look up its region: %w", loc.Bucket, region, lerr)
	}
	if actual == region {
		return nil, err
	}
	return c.getFrom(ctx, actual, loc)
}

func (c *Client) getFrom(ctx context.Context, region string, loc s3Location) ([]byte, error) {
	out, err := c.s3For(region).GetObject(ctx, &s3.GetObjectInput{Bucket: &loc.Bucket, Key: &loc.Key})
	if err != nil {
		return nil, describeS3Error(err)
	}
	defer out.Body.Close()
	if out.ContentLength != nil && *out.ContentLength > c.maxBytes {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", gate.ErrTooLarge, *out.ContentLength, c.maxBytes)
	}
	b, err := gate.ReadCapped(ctx, out.Body, c.maxBytes)
	if err != nil && !errors.Is(err, gate.ErrTooLarge) {
		return nil, fmt.Errorf("read object: %w", err)
	}
	return b, err
}

// describeS3Error names the usual causes in front of the SDK's error.
func describeS3Error(err error) error {
	var nsk *s3types.NoSuchKey
	var nsb *s3types.NoSuchBucket
	var api smithy.APIError
	switch {
	case errors.As(err, &nsk):
		return &contentError{msg: "no such key", err: err}
	case errors.As(err, &nsb):
		return &contentError{msg: "no such bucket", err: err}
	case errors.As(err, &api) && api.ErrorCode() == "AccessDenied":
		return fmt.Errorf("access denied (s3:GetObject): %w", err)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("deadline exceeded while fetching: %w", err)
	}
	return err
}

// wrongRegion reports whether S3 refused the request because the bucket is
// in another region: a 301 PermanentRedirect, or the 400 answers S3 gives for
// a signature scoped to the wrong region.
func wrongRegion(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException":
			return true
		}
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusMovedPermanently
}

// regionLookup is a bucket-region lookup in progress.
type regionLookup struct {
	done   chan struct{}
	region string
	err    error
}

func (c *Client) knownRegion(bucket string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.buckets[bucket]; ok {
		return r
	}
	return c.region
}

// bucketRegion asks S3 for the bucket's region (manager.GetBucketRegion: one
// HeadBucket), once per bucket: concurrent callers share the lookup and the
// answer is kept; a failed lookup is not.
func (c *Client) bucketRegion(ctx context.Context, bucket string) (string, error) {
	c.mu.Lock()
	if r, ok := c.buckets[bucket]; ok && r != c.region {
		c.mu.Unlock()
		return r, nil
	}
	l, ok := c.inflight[bucket]
	if !ok {
		l = &regionLookup{done: make(chan struct{})}
		c.inflight[bucket] = l
		c.mu.Unlock()
		l.region, l.err = manager.GetBucketRegion(ctx, c.s3For(c.region), bucket)
		c.mu.Lock()
		delete(c.inflight, bucket)
		if l.err == nil {
			c.buckets[bucket] = l.region
		}
		close(l.done)
	}
	c.mu.Unlock()
	select {
	case <-l.done:
		return l.region, l.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (c *Client) s3For(region string) s3API {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.s3[region]; ok {
		return cl
	}
	cl := c.newS3(region)
	c.s3[region] = cl
	return cl
}

// S3 https hosts: virtual-hosted (bucket.s3.amazonaws.com,
// bucket.s3.region.amazonaws.com, bucket.s3-region.amazonaws.com, with
// optional dualstack) and path-style (the same without the bucket).
var (
	virtualHost = regexp.MustCompile(`^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\.s3(?:[.-](?:dualstack\.)?([a-z]{2}(?:-[a-z]+)+-[0-9]))?\.amazonaws\.com(?:\.cn)?$`)
	pathHost    = regexp.MustCompile(`^s3(?:[.-](?:dualstack\.)?([a-z]{2}(?:-[a-z]+)+-[0-9]))?\.amazonaws\.com(?:\.cn)?$`)
)

// parseS3URI parses s3://bucket/key or an S3 https object URL.
func parseS3URI(uri string) (s3Location, error) {
	if rest, ok := strings.CutPrefix(uri, "s3://"); ok {
		bucket, key, _ := strings.Cut(rest, "/")
		if bucket == "" || key == "" {
			return s3Location{}, fmt.Errorf("%w: want s3://bucket/key", ErrUnsupportedURI)
		}
		return s3Location{Bucket: bucket, Key: key}, nil
	}
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "https" || u.User != nil || u.Port() != "" || u.RawQuery != "" || u.Fragment != "" {
		return s3Location{}, fmt.Errorf("%w: want s3://bucket/key or an https S3 object URL", ErrUnsupportedURI)
	}
	host := strings.ToLower(u.Hostname())
	path := strings.TrimPrefix(u.Path, "/") // u.Path is percent-decoded
	if m := virtualHost.FindStringSubmatch(host); m != nil && !pathHost.MatchString(host) {
		if path == "" {
			return s3Location{}, fmt.Errorf("%w: no object key", ErrUnsupportedURI)
		}
		return s3Location{Bucket: m[1], Key: path, Region: m[2]}, nil
	}
	if m := pathHost.FindStringSubmatch(host); m != nil {
		bucket, key, _ := strings.Cut(path, "/")
		if bucket == "" || key == "" {
			return s3Location{}, fmt.Errorf("%w: want https://%s/bucket/key", ErrUnsupportedURI, host)
		}
		return s3Location{Bucket: bucket, Key: key, Region: m[1]}, nil
	}
	return s3Location{}, fmt.Errorf("%w: host %q is not an S3 endpoint; modelgate fetches only S3 objects", ErrUnsupportedURI, host)
}
