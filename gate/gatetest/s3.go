package gatetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// S3 fake regions: buckets live in S3Region unless created with
// [S3Fake.CreateBucketIn] in S3OtherRegion.
const (
	S3Region      = SageMakerRegion
	S3OtherRegion = "us-west-2"
)

// S3Request is one request the S3 fake received.
type S3Request struct {
	Method string
	Bucket string
	Key    string
	// Region is the region of the SigV4 credential scope; empty for an
	// unsigned request (the SDK's bucket-region lookup sends one).
	Region string
}

// S3Fake is an in-process S3 (gofakes3, s3mem backend) for path-style
// clients, with one backend per region behind a wrapper that behaves like S3
// for a request signed for the wrong region: 301 PermanentRedirect with the
// x-amz-bucket-region header (HeadBucket answers the header on every status).
type S3Fake struct {
	// URL is the endpoint to give the client (BaseEndpoint or
	// AWS_ENDPOINT_URL_S3) with path-style addressing.
	URL string

	t        testing.TB
	backends map[string]*s3mem.Backend
	servers  map[string]http.Handler

	mu       sync.Mutex
	regionOf map[string]string // bucket -> region
	denied   map[string]bool   // "bucket/key" -> AccessDenied
	latency  time.Duration
	limit    *rateLimit // SetRateLimit; nil = none
	trips    *RoundTrips
	requests []S3Request
	inFlight int
	maxIn    int
}

// NewS3 starts an S3 fake that is closed when the test ends.
func NewS3(t testing.TB) *S3Fake {
	t.Helper()
	f := &S3Fake{
		t:        t,
		backends: map[string]*s3mem.Backend{},
		servers:  map[string]http.Handler{},
		regionOf: map[string]string{},
		denied:   map[string]bool{},
	}
	for _, r := range []string{S3Region, S3OtherRegion} {
		b := s3mem.New()
		f.backends[r] = b
		f.servers[r] = gofakes3.New(b, gofakes3.WithAutoBucket(false)).Server()
	}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// CreateBucket creates a bucket in S3Region.
func (f *S3Fake) CreateBucket(name string) { f.CreateBucketIn(S3Region, name) }

// CreateBucketIn creates a bucket in region (S3Region or S3OtherRegion).
func (f *S3Fake) CreateBucketIn(region, name string) {
	f.t.Helper()
	b, ok := f.backends[region]
	if !ok {
		f.t.Fatalf("gatetest: S3 fake has no region %q", region)
	}
	if err := b.CreateBucket(name); err != nil {
		f.t.Fatalf("gatetest: create bucket %s: %v", name, err)
	}
	f.mu.Lock()
	f.regionOf[name] = region
	f.mu.Unlock()
}

// PutObject stores body at bucket/key and returns its s3:// URI.
func (f *S3Fake) PutObject(bucket, key string, body []byte) string {
	f.t.Helper()
	f.mu.Lock()
	region, ok := f.regionOf[bucket]
	f.mu.Unlock()
	if !ok {
		f.t.Fatalf("gatetest: PutObject: no bucket %q", bucket)
	}
	if _, err := f.backends[region].PutObject(bucket, key, map[string]string{"Content-Type": "application/json"}, bytes.NewReader(body), int64(len(body)), nil); err != nil {
		f.t.Fatalf("gatetest: put s3://%s/%s: %v", bucket, key, err)
	}
	return "s3://" + bucket + "/" + key
}

// DenyKey makes every request for bucket/key answer 403 AccessDenied.
func (f *S3Fake) DenyKey(bucket, key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.denied[bucket+"/"+key] = true
}

// SetLatency delays every answer by d.
func (f *S3Fake) SetLatency(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency = d
}

// SetRateLimit throttles the fake as S3 throttles a prefix: a token bucket
// of rate requests per second and burst at once, shared by every client; a
// request over it is answered 503 SlowDown. rate or burst <= 0 turns it
// off. Throttled requests are recorded by Requests like the others;
// RateCounts counts them.
func (f *S3Fake) SetRateLimit(rate float64, burst int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limit = newRateLimit(rate, burst)
}

// RateCounts is what the rate limit of SetRateLimit admitted and throttled.
func (f *S3Fake) RateCounts() RateCounts {
	f.mu.Lock()
	l := f.limit
	f.mu.Unlock()
	return l.counts()
}

// Requests returns the requests received, in order.
func (f *S3Fake) Requests() []S3Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]S3Request(nil), f.requests...)
}

// MaxInFlight is the largest number of requests the fake served at once.
func (f *S3Fake) MaxInFlight() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.maxIn
}

// SHA256Digest is the ContentDigest SageMaker records for b: "sha256:<hex>".
func SHA256Digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

var credentialRegion = regexp.MustCompile(`Credential=[^/]+/[0-9]{8}/([a-z0-9-]+)/s3/aws4_request`)

// RecordTrips records every request the fake answers from now on in rt.
func (f *S3Fake) RecordTrips(rt *RoundTrips) {
	f.mu.Lock()
	f.trips = rt
	f.mu.Unlock()
}

func (f *S3Fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	rt := f.trips
	f.mu.Unlock()
	defer rt.record("s3 "+r.Method+" "+r.URL.Path, time.Now())
	path := strings.TrimPrefix(r.URL.Path, "/")
	bucket, key, _ := strings.Cut(path, "/")
	req := S3Request{Method: r.Method, Bucket: bucket, Key: key}
	if m := credentialRegion.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		req.Region = m[1]
	}

	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.inFlight++
	f.maxIn = max(f.maxIn, f.inFlight)
	latency := f.latency
	region, known := f.regionOf[bucket]
	denied := f.denied[bucket+"/"+key]
	limit := f.limit
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()

	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
	}
	if !limit.admit() {
		writeS3Error(w, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.", "")
		return
	}
	if !known {
		writeS3Error(w, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist", "")
		return
	}
	if key == "" && r.Method == http.MethodHead && req.Region != region {
		// HeadBucket, unsigned or for another region: S3 answers the
		// bucket's region in a header whatever the status.
		w.Header().Set("X-Amz-Bucket-Region", region)
		status := http.StatusMovedPermanently
		if req.Region == "" {
			status = http.StatusForbidden
		}
		w.WriteHeader(status)
		return
	}
	if req.Region != region {
		writeS3Error(w, http.StatusMovedPermanently, "PermanentRedirect",
			"The bucket you are attempting to access must be addressed using the specified endpoint.", region)
		return
	}
	if denied {
		writeS3Error(w, http.StatusForbidden, "AccessDenied", "Access Denied", "")
		return
	}
	w.Header().Set("X-Amz-Bucket-Region", region)
	f.servers[region].ServeHTTP(w, r)
}

func writeS3Error(w http.ResponseWriter, status int, code, msg, region string) {
	if region != "" {
		w.Header().Set("X-Amz-Bucket-Region", region)
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<Error><Code>%s</Code><Message>%s</Message><RequestId>fake</RequestId></Error>`, code, msg)
}
