package gatetest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

func newS3Client(url, region string) *s3.Client {
	return s3.New(s3.Options{
		Region:       region,
		BaseEndpoint: aws.String(url),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	})
}

func TestS3Fake(t *testing.T) {
	t.Parallel()
	f := NewS3(t)
	f.CreateBucket("eu")
	f.CreateBucketIn(S3OtherRegion, "us")
	if got := f.PutObject("eu", "a/b.json", []byte(`{"x":1}`)); got != "s3://eu/a/b.json" {
		t.Errorf("PutObject URI = %s; want s3://eu/a/b.json", got)
	}
	f.PutObject("eu", "denied.json", []byte(`{}`))
	f.DenyKey("eu", "denied.json")
	f.PutObject("us", "c.json", []byte(`{"y":2}`))
	ctx := context.Background()
	eu := newS3Client(f.URL, S3Region)

	get := func(c *s3.Client, bucket, key string) (string, error) {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			return "", err
		}
		defer out.Body.Close()
		b, err := io.ReadAll(out.Body)
		return string(b), err
	}
	code := func(err error) string {
		var api smithy.APIError
		if errors.As(err, &api) {
			return api.ErrorCode()
		}
		return ""
	}
	if got, err := get(eu, "eu", "a/b.json"); err != nil || got != `{"x":1}` {
		t.Errorf("GetObject eu/a/b.json = %q, %v", got, err)
	}
	if _, err := get(eu, "eu", "denied.json"); code(err) != "AccessDenied" {
		t.Errorf("GetObject of a denied key: %v; want AccessDenied", err)
	}
	if _, err := get(eu, "us", "c.json"); code(err) != "PermanentRedirect" {
		t.Errorf("GetObject in the wrong region: %v; want PermanentRedirect", err)
	}
	region, err := manager.GetBucketRegion(ctx, eu, "us")
	if err != nil || region != S3OtherRegion {
		t.Errorf("GetBucketRegion(us) = %q, %v; want %s", region, err, S3OtherRegion)
	}
	if got, err := get(newS3Client(f.URL, S3OtherRegion), "us", "c.json"); err != nil || got != `{"y":2}` {
		t.Errorf("GetObject us/c.json from its region = %q, %v", got, err)
	}
	want := []S3Request{
		{Method: "GET", Bucket: "eu", Key: "a/b.json", Region: S3Region},
		{Method: "GET", Bucket: "eu", Key: "denied.json", Region: S3Region},
		{Method: "GET", Bucket: "us", Key: "c.json", Region: S3Region},
		{Method: "HEAD", Bucket: "us"},
		{Method: "GET", Bucket: "us", Key: "c.json", Region: S3OtherRegion},
	}
	if d := cmp.Diff(want, f.Requests()); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
}

func TestSHA256Digest(t *testing.T) {
	t.Parallel()
	const want = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if got := SHA256Digest(nil); got != want {
		t.Errorf("SHA256Digest(nil) = %s; want %s", got, want)
	}
}

// RoundTrips counts a request as dependent only when it was sent after
// another was answered: concurrent requests are one round trip.
func TestRoundTripsDependent(t *testing.T) {
	f := NewS3(t)
	f.CreateBucket("reports")
	f.SetLatency(20 * time.Millisecond)
	rt := &RoundTrips{}
	f.RecordTrips(rt)
	get := func() {
		resp, err := http.Get(f.URL + "/reports/missing.json")
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() { defer wg.Done(); get() }()
	}
	wg.Wait()
	if n, d := rt.Requests(), rt.Dependent(); n != 3 || d != 1 {
		t.Errorf("3 concurrent requests: %d requests, %d dependent; want 3, 1", n, d)
	}
	get()
	get()
	if n, d := rt.Requests(), rt.Dependent(); n != 5 || d != 3 {
		t.Errorf("then 2 in sequence: %d requests, %d dependent; want 5, 3", n, d)
	}
	if first, last := rt.Window(); last.Sub(first) < 60*time.Millisecond {
		t.Errorf("window %v; want at least 3 answers of 20ms", last.Sub(first))
	}
}
