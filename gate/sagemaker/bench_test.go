package sagemaker

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/gatetest"
)

// rtt is the latency the fakes add to every request: one round trip.
const rtt = 50 * time.Millisecond

// BenchmarkResolveAndFetch is one gate run against fakes that answer every
// request after rtt: resolve the candidate and the baseline concurrently,
// then fetch their 6 reports concurrently, as the gate does. The target is 3
// dependent round trips (list -> describe -> fetch); roundtrips/op is the
// wall time over rtt.
//
//   - same-region: the reports' bucket is in the registry's region.
//   - cross-region-cold: the bucket is in another region and every run is a
//     new process (a new Client): the first GetObject is refused (301) and
//     the SDK's bucket-region lookup (HeadBucket) adds a round trip, so 5.
//   - cross-region-warm: the same Client again; the bucket's region is kept,
//     so back to 3.
func BenchmarkResolveAndFetch(b *testing.B) {
	for _, bc := range []struct {
		name   string
		region string
		fresh  bool
	}{
		{"same-region", gatetest.S3Region, false},
		{"cross-region-cold", gatetest.S3OtherRegion, true},
		{"cross-region-warm", gatetest.S3OtherRegion, false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			f := newFakes(b)
			f.sm.AddGroup(group)
			f.s3.CreateBucketIn(bc.region, "reports")
			for _, approval := range []string{gate.StatusApproved, gate.StatusPending} {
				srcs := map[string]gatetest.MetricsSource{}
				for _, path := range []string{"ModelMetrics.ModelQuality.Statistics", "ModelMetrics.Bias.PostTrainingReport", "ModelMetrics.Explainability.Report"} {
					body := []byte(`{"report":"` + approval + path + `"}`)
					uri := f.s3.PutObject("reports", approval+"/"+path+".json", body)
					srcs[path] = gatetest.MetricsSource{ContentType: "application/json", S3Uri: uri, ContentDigest: gatetest.SHA256Digest(body)}
				}
				f.sm.AddPackage(gatetest.ModelPackage{Group: group, Approval: approval, Sources: srcs})
			}
			f.sm.SetLatency(rtt)
			f.s3.SetLatency(rtt)
			client := f.client
			ctx := context.Background()

			b.ResetTimer()
			for b.Loop() {
				if bc.fresh {
					b.StopTimer()
					client = newClient(b)
					b.StartTimer()
				}
				if n := runGate(ctx, b, client); n != 6 {
					b.Fatalf("fetched %d reports; want 6", n)
				}
			}
			perOp := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(perOp)/float64(time.Millisecond), "ms/op")
			b.ReportMetric(float64(perOp)/float64(rtt), "roundtrips/op")
		})
	}
}

// runGate resolves candidate and baseline concurrently, then fetches all
// their reports concurrently, and returns how many it fetched.
func runGate(ctx context.Context, b *testing.B, c *Client) int {
	var cand, base *gate.Package
	var cerr, berr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); cand, cerr = resolveSel(ctx, c, group, LatestPending) }()
	go func() { defer wg.Done(); base, berr = resolveSel(ctx, c, group, LatestApproved) }()
	wg.Wait()
	if cerr != nil || berr != nil {
		b.Fatalf("resolve: %v, %v", cerr, berr)
	}
	var mu sync.Mutex
	n := 0
	for _, p := range []*gate.Package{cand, base} {
		for _, s := range p.Sources {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.Fetch(ctx, p, s); err != nil {
					b.Errorf("fetch: %v", err)
					return
				}
				mu.Lock()
				n++
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	return n
}
