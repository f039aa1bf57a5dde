package gatetest

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/smithy-go"
)

// apiError is the code and HTTP status of an SDK error.
func apiError(err error) (string, int) {
	var api smithy.APIError
	var resp *awshttp.ResponseError
	code, status := "", 0
	if errors.As(err, &api) {
		code = api.ErrorCode()
	}
	if errors.As(err, &resp) {
		status = resp.HTTPStatusCode()
	}
	return code, status
}

// A rate limit of burst 2 refilled once in ~17 minutes: two requests
// pass, the third is throttled with the service's own error, through the
// real clients (one attempt each), and the counts say so.
func TestSageMakerRateLimit(t *testing.T) {
	t.Parallel()
	f := NewSageMaker(t)
	f.AddGroup("g")
	f.AddPackage(ModelPackage{Group: "g"})
	f.SetRateLimit(0.001, 2)
	c := newSDKClient(f.URL)
	list := func() error {
		_, err := c.ListModelPackages(context.Background(), &sm.ListModelPackagesInput{ModelPackageGroupName: aws.String("g")})
		return err
	}
	for i := range 2 {
		if err := list(); err != nil {
			t.Fatalf("request %d within the burst: %v", i+1, err)
		}
	}
	err := list()
	if code, status := apiError(err); code != "ThrottlingException" || status != http.StatusBadRequest {
		t.Errorf("request over the rate: %v (code %q, status %d); want ThrottlingException, 400", err, code, status)
	}
	if got := f.RateCounts(); got != (RateCounts{Accepted: 2, Throttled: 1}) {
		t.Errorf("RateCounts = %+v; want 2 accepted, 1 throttled", got)
	}
	if n := len(f.Calls("ListModelPackages")); n != 3 {
		t.Errorf("calls recorded = %d; want 3", n)
	}
	f.SetRateLimit(0, 0)
	if err := list(); err != nil {
		t.Errorf("after the rate limit is off: %v", err)
	}
}

func TestS3RateLimit(t *testing.T) {
	t.Parallel()
	f := NewS3(t)
	f.CreateBucket("eu")
	f.PutObject("eu", "a.json", []byte(`{}`))
	f.SetRateLimit(0.001, 1)
	c := s3.New(s3.Options{Region: S3Region, BaseEndpoint: aws.String(f.URL), UsePathStyle: true,
		Credentials: newS3Client(f.URL, S3Region).Options().Credentials, RetryMaxAttempts: 1})
	get := func() error {
		out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("eu"), Key: aws.String("a.json")})
		if err == nil {
			out.Body.Close()
		}
		return err
	}
	if err := get(); err != nil {
		t.Fatalf("request within the burst: %v", err)
	}
	err := get()
	if code, status := apiError(err); code != "SlowDown" || status != http.StatusServiceUnavailable {
		t.Errorf("request over the rate: %v (code %q, status %d); want SlowDown, 503", err, code, status)
	}
	if got := f.RateCounts(); got != (RateCounts{Accepted: 1, Throttled: 1}) {
		t.Errorf("RateCounts = %+v; want 1 accepted, 1 throttled", got)
	}
}
