package sagemaker

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/gatetest"
)

func TestFetch(t *testing.T) {
	f := newFakes(t)
	f.s3.CreateBucket("reports")
	body := []byte(`{"binary_classification_metrics":{"auc":{"value":0.91}}}`)
	uri := f.s3.PutObject("reports", "churn/v3/quality.json", body)
	f.s3.PutObject("reports", "churn/v3/secret.json", body)
	f.s3.DenyKey("reports", "churn/v3/secret.json")
	big := bytes.Repeat([]byte{' '}, gate.MaxReportBytes+1)
	f.s3.PutObject("reports", "churn/v3/big.json", big)
	big = nil
	pkg := &gate.Package{Group: group, ARN: "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn-xgboost/3", Version: 3}

	tests := []struct {
		name    string
		src     gate.Source
		wantErr error  // errors.Is
		prefix  string // of the error message
		// verify is the error gate.VerifyReport gives the bytes: the
		// loader checks digests, once for every adapter.
		verify string
	}{
		{name: "s3 URI with matching digest", src: gate.Source{Slot: gate.SlotQuality, URI: uri, Digest: gatetest.SHA256Digest(body)}},
		{name: "digest in upper case", src: gate.Source{Slot: gate.SlotQuality, URI: uri, Digest: strings.ToUpper(gatetest.SHA256Digest(body))}},
		{name: "no digest", src: gate.Source{Slot: gate.SlotQuality, URI: uri}},
		{name: "https virtual-hosted URL", src: gate.Source{Slot: "quality", URI: "https://reports.s3.eu-west-1.amazonaws.com/churn/v3/quality.json"}},
		{name: "https path-style URL", src: gate.Source{Slot: "quality", URI: "https://s3.eu-west-1.amazonaws.com/reports/churn/v3/quality.json"}},
		{
			name:    "access denied",
			src:     gate.Source{Slot: gate.SlotBiasPost, URI: "s3://reports/churn/v3/secret.json"},
			wantErr: nil,
			prefix:  `report "bias.post" (s3://reports/churn/v3/secret.json): access denied (s3:GetObject): operation error S3: GetObject, https response error StatusCode: 403`,
		},
		{
			name:    "no such key",
			src:     gate.Source{Slot: gate.SlotExplainability, URI: "s3://reports/churn/v3/missing.json"},
			wantErr: gate.ErrBadContent,
			prefix:  `report "explainability" (s3://reports/churn/v3/missing.json): no such key: operation error S3: GetObject`,
		},
		{
			name:   "digest mismatch",
			src:    gate.Source{Slot: gate.SlotQuality, URI: uri, Digest: "sha256:" + strings.Repeat("0", 64)},
			verify: `content digest mismatch: registry says sha256:` + strings.Repeat("0", 64) + `, the bytes have ` + gatetest.SHA256Digest(body),
		},
		{
			name:   "malformed digest",
			src:    gate.Source{Slot: gate.SlotQuality, URI: uri, Digest: "md5:abc"},
			verify: `content digest mismatch: ContentDigest "md5:abc" is not sha256:<64 hex digits>`,
		},
		{
			name:    "over the size cap",
			src:     gate.Source{Slot: gate.SlotQuality, URI: "s3://reports/churn/v3/big.json"},
			wantErr: gate.ErrTooLarge,
			prefix:  `report "quality" (s3://reports/churn/v3/big.json): report too large: 67108865 bytes, the limit is 67108864`,
		},
		{
			name:    "arbitrary https host",
			src:     gate.Source{Slot: "toxicity", URI: "https://evil.example.com/reports/tox.json"},
			wantErr: ErrUnsupportedURI, // and gate.ErrBadContent, below
			prefix:  `report "toxicity" (https://evil.example.com/reports/tox.json): unsupported report URI: host "evil.example.com" is not an S3 endpoint; modelgate fetches only S3 objects`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.client.Fetch(context.Background(), pkg, tt.src)
			if tt.prefix == "" {
				if err != nil {
					t.Fatalf("Fetch(%s): %v", tt.src.URI, err)
				}
				if !bytes.Equal(got, body) {
					t.Errorf("Fetch(%s) = %q; want %q", tt.src.URI, got, body)
				}
				verr := gate.VerifyReport(tt.src, got)
				if tt.verify == "" && verr != nil || tt.verify != "" && (verr == nil || verr.Error() != tt.verify || !errors.Is(verr, gate.ErrDigestMismatch)) {
					t.Errorf("VerifyReport(%s) = %v; want %q", tt.src.URI, verr, tt.verify)
				}
				return
			}
			if got != nil {
				t.Errorf("Fetch(%s) returned %d bytes with an error; want none", tt.src.URI, len(got))
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.prefix) {
				t.Fatalf("Fetch(%s) error = %v; want prefix %s", tt.src.URI, err, tt.prefix)
			}
			var fe *FetchError
			if !errors.As(err, &fe) || fe.Slot != tt.src.Slot || fe.URI != tt.src.URI {
				t.Errorf("Fetch error %v is not a *FetchError naming slot %q and URI %s", err, tt.src.Slot, tt.src.URI)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Fetch error = %v; want it to wrap %v", err, tt.wantErr)
			}
			// Content problems are bad input (error verdicts), the rest
			// registry failures (exit 3).
			if content := tt.wantErr != nil; gate.IsContentError(err) != content || IsRegistryFailure(err) == content {
				t.Errorf("Fetch error %v: IsContentError = %v, IsRegistryFailure = %v; want content %v", err, gate.IsContentError(err), IsRegistryFailure(err), content)
			}
		})
	}
}

func TestFetchAccessDeniedIsRuntimeFailure(t *testing.T) {
	f := newFakes(t)
	f.s3.CreateBucket("reports")
	f.s3.PutObject("reports", "ok.json", []byte(`{}`))
	f.s3.PutObject("reports", "denied.json", []byte(`{}`))
	f.s3.DenyKey("reports", "denied.json")
	pkg := &gate.Package{ARN: "arn:aws:sagemaker:eu-west-1:123456789012:model-package/g/1"}

	if _, err := f.client.Fetch(context.Background(), pkg, gate.Source{Slot: gate.SlotQuality, URI: "s3://reports/ok.json"}); err != nil {
		t.Fatalf("Fetch of the readable report: %v", err)
	}
	_, err := f.client.Fetch(context.Background(), pkg, gate.Source{Slot: gate.SlotBias, URI: "s3://reports/denied.json"})
	if !IsRegistryFailure(err) {
		t.Errorf("IsRegistryFailure(%v) = false; want true", err)
	}
}

func TestFetchCrossRegionBucket(t *testing.T) {
	f := newFakes(t)
	f.s3.CreateBucketIn(gatetest.S3OtherRegion, "us-reports")
	a := []byte(`{"a":1}`)
	b := []byte(`{"b":2}`)
	uriA := f.s3.PutObject("us-reports", "a.json", a)
	uriB := f.s3.PutObject("us-reports", "b.json", b)
	pkg := &gate.Package{ARN: "arn:aws:sagemaker:eu-west-1:123456789012:model-package/g/1"}

	for _, c := range []struct {
		uri  string
		want []byte
	}{{uriA, a}, {uriB, b}} {
		got, err := f.client.Fetch(context.Background(), pkg, gate.Source{Slot: gate.SlotQuality, URI: c.uri, Digest: gatetest.SHA256Digest(c.want)})
		if err != nil {
			t.Fatalf("Fetch(%s): %v", c.uri, err)
		}
		if !bytes.Equal(got, c.want) {
			t.Errorf("Fetch(%s) = %q; want %q", c.uri, got, c.want)
		}
	}
	// The first fetch is refused in the registry's region, the SDK's lookup
	// (an unsigned HeadBucket) finds the bucket's region, and the answer is
	// kept: the second fetch goes straight there.
	want := []gatetest.S3Request{
		{Method: "GET", Bucket: "us-reports", Key: "a.json", Region: gatetest.S3Region},
		{Method: "HEAD", Bucket: "us-reports"},
		{Method: "GET", Bucket: "us-reports", Key: "a.json", Region: gatetest.S3OtherRegion},
		{Method: "GET", Bucket: "us-reports", Key: "b.json", Region: gatetest.S3OtherRegion},
	}
	if d := cmp.Diff(want, f.s3.Requests()); d != "" {
		t.Errorf("S3 requests (-want +got):\n%s", d)
	}
}

func TestFetchRegionFromHTTPSURL(t *testing.T) {
	f := newFakes(t)
	f.s3.CreateBucketIn(gatetest.S3OtherRegion, "us-reports")
	body := []byte(`{"a":1}`)
	f.s3.PutObject("us-reports", "a.json", body)
	pkg := &gate.Package{ARN: "arn:aws:sagemaker:eu-west-1:123456789012:model-package/g/1"}

	uri := "https://us-reports.s3.us-west-2.amazonaws.com/a.json"
	got, err := f.client.Fetch(context.Background(), pkg, gate.Source{Slot: gate.SlotQuality, URI: uri})
	if err != nil {
		t.Fatalf("Fetch(%s): %v", uri, err)
	}
	if !bytes.Equal(got, body) {
		t.Errorf("Fetch(%s) = %q; want %q", uri, got, body)
	}
	want := []gatetest.S3Request{{Method: "GET", Bucket: "us-reports", Key: "a.json", Region: gatetest.S3OtherRegion}}
	if d := cmp.Diff(want, f.s3.Requests()); d != "" {
		t.Errorf("S3 requests (-want +got):\n%s", d)
	}
}

func TestFetchDeadlineExpires(t *testing.T) {
	f := newFakes(t)
	f.s3.CreateBucket("reports")
	uri := f.s3.PutObject("reports", "slow.json", []byte(`{}`))
	f.s3.SetLatency(5 * time.Second)
	pkg := &gate.Package{ARN: "arn:aws:sagemaker:eu-west-1:123456789012:model-package/g/1"}

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := f.client.Fetch(ctx, pkg, gate.Source{Slot: gate.SlotQuality, URI: uri})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Fetch past the deadline: error = %v; want context.DeadlineExceeded", err)
	}
	const prefix = `report "quality" (s3://reports/slow.json): deadline exceeded while fetching: operation error S3: GetObject`
	if !strings.HasPrefix(err.Error(), prefix) {
		t.Errorf("error = %v; want prefix %s", err, prefix)
	}
	if !IsRegistryFailure(err) {
		t.Errorf("IsRegistryFailure(%v) = false; want true", err)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("Fetch returned after %v; it should stop at the deadline, not wait for the server", d)
	}
}

func TestReadCappedWithoutContentLength(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		max     int64
		wantErr error
	}{
		{name: "under", in: "abc", max: 4},
		{name: "exactly the cap", in: "abcd", max: 4},
		{name: "one over", in: "abcde", max: 4, wantErr: gate.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := gate.ReadCapped(context.Background(), iotest.OneByteReader(strings.NewReader(tt.in)), tt.max)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ReadCapped(%q, %d) error = %v; want %v", tt.in, tt.max, err, tt.wantErr)
			}
			if err == nil && string(got) != tt.in {
				t.Errorf("ReadCapped(%q, %d) = %q", tt.in, tt.max, got)
			}
		})
	}
}

func TestParseS3URI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		uri     string
		want    s3Location
		wantErr bool
	}{
		{uri: "s3://b/k", want: s3Location{Bucket: "b", Key: "k"}},
		{uri: "s3://my-bucket/a/b c/d.json", want: s3Location{Bucket: "my-bucket", Key: "a/b c/d.json"}},
		{uri: "https://my.bucket.s3.amazonaws.com/a/b.json", want: s3Location{Bucket: "my.bucket", Key: "a/b.json"}},
		{uri: "https://bkt.s3.eu-west-1.amazonaws.com/a%20b.json", want: s3Location{Bucket: "bkt", Key: "a b.json", Region: "eu-west-1"}},
		{uri: "https://bkt.s3-us-gov-west-1.amazonaws.com/k", want: s3Location{Bucket: "bkt", Key: "k", Region: "us-gov-west-1"}},
		{uri: "https://bkt.s3.dualstack.ap-southeast-2.amazonaws.com/k", want: s3Location{Bucket: "bkt", Key: "k", Region: "ap-southeast-2"}},
		{uri: "https://bkt.s3.cn-north-1.amazonaws.com.cn/k", want: s3Location{Bucket: "bkt", Key: "k", Region: "cn-north-1"}},
		{uri: "https://s3.amazonaws.com/bkt/a/b.json", want: s3Location{Bucket: "bkt", Key: "a/b.json"}},
		{uri: "https://s3.us-east-2.amazonaws.com/bkt/k", want: s3Location{Bucket: "bkt", Key: "k", Region: "us-east-2"}},
		{uri: "https://s3-eu-west-1.amazonaws.com/bkt/k", want: s3Location{Bucket: "bkt", Key: "k", Region: "eu-west-1"}},
		{uri: "s3://bucket-only", wantErr: true},
		{uri: "s3://bucket/", wantErr: true},
		{uri: "s3:///key", wantErr: true},
		{uri: "http://bkt.s3.amazonaws.com/k", wantErr: true},
		{uri: "https://example.com/bkt/k", wantErr: true},
		{uri: "https://bkt.s3.amazonaws.com.evil.com/k", wantErr: true},
		{uri: "https://bkt.s3.amazonaws.com:8443/k", wantErr: true},
		{uri: "https://user@bkt.s3.amazonaws.com/k", wantErr: true},
		{uri: "https://bkt.s3.amazonaws.com/k?versionId=1", wantErr: true},
		{uri: "https://bkt.s3.amazonaws.com/", wantErr: true},
		{uri: "https://s3.amazonaws.com/bkt", wantErr: true},
		{uri: "file:///etc/passwd", wantErr: true},
		{uri: "relative/path.json", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			t.Parallel()
			got, err := parseS3URI(tt.uri)
			if tt.wantErr {
				if !errors.Is(err, ErrUnsupportedURI) {
					t.Errorf("parseS3URI(%q) = %+v, %v; want ErrUnsupportedURI", tt.uri, got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseS3URI(%q): %v", tt.uri, err)
			}
			if got != tt.want {
				t.Errorf("parseS3URI(%q) = %+v; want %+v", tt.uri, got, tt.want)
			}
		})
	}
}

func TestFetchConcurrencyBound(t *testing.T) {
	f := newFakes(t)
	f.s3.CreateBucket("reports")
	var uris []string
	for _, k := range []string{"a", "b", "c", "d", "e", "f"} {
		uris = append(uris, f.s3.PutObject("reports", k+".json", []byte(`{}`)))
	}
	f.s3.SetLatency(50 * time.Millisecond)
	c, err := New(context.Background(), Options{Region: gatetest.SageMakerRegion, PathStyle: true, Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	pkg := &gate.Package{ARN: "arn:aws:sagemaker:eu-west-1:123456789012:model-package/g/1"}
	var wg sync.WaitGroup
	for _, u := range uris {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Fetch(context.Background(), pkg, gate.Source{Slot: gate.SlotQuality, URI: u}); err != nil {
				t.Errorf("Fetch(%s): %v", u, err)
			}
		}()
	}
	wg.Wait()
	if got := f.s3.MaxInFlight(); got != 2 {
		t.Errorf("S3 requests in flight at most %d; want 2 (Options.Concurrency)", got)
	}
}
