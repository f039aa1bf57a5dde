package gatetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
)

// The embedded API subsets are the shared references, byte for byte
// (shared/reference/aws; the SageMaker one as it is after
// DescribeModelPackageGroup was added, so its sha256 is not the one in the
// SOURCES.md table).
func TestEndpointAPISubsets(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{
		"sagemaker-endpoint-api-subset.json": "6a5c5c44cc8858b521e7f102c98c233c4c827a1af925739f5b771fad90205dbc",
		"autoscaling-api-subset.json":        "37684dbf4ce6ed04e476fc3170628dc42de8e8163a254542c89df3837b597ecd",
	} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s sha256 %s; want %s", name, got, want)
		}
	}
	for _, b := range [][]byte{sageMakerEndpointModelJSON, autoscalingModelJSON} {
		m, err := loadAPIModel(b)
		if err != nil {
			t.Fatal(err)
		}
		for op := range m.Operations {
			if _, ok := m.Shapes[m.Operations[op].Output.Shape]; !ok {
				t.Errorf("%s: output shape missing", op)
			}
		}
	}
}

func TestEndpointFakeFlagsInvalidAnswersAndRequests(t *testing.T) {
	t.Parallel()
	r := &recorder{TB: t}
	f := NewEndpointFake(r)
	f.AddEndpoint(map[string]any{"EndpointName": "e", "EndpointStatus": "Running"})
	f.AddModel(map[string]any{"ModelName": "m", "PrimaryContainer": map[string]any{"ModelPackageName": strings.Repeat("x", 3000)}})
	c := sm.New(sm.Options{Region: SageMakerRegion, BaseEndpoint: aws.String(f.URL), Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""), RetryMaxAttempts: 1})
	ctx := context.Background()
	if _, err := c.DescribeEndpoint(ctx, &sm.DescribeEndpointInput{EndpointName: aws.String("e")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DescribeModel(ctx, &sm.DescribeModelInput{ModelName: aws.String("m")}); err != nil {
		t.Fatal(err)
	}
	// A name longer than the API allows: the fake flags the request.
	if _, err := c.DescribeEndpointConfig(ctx, &sm.DescribeEndpointConfigInput{EndpointConfigName: aws.String(strings.Repeat("c", 64))}); err == nil {
		t.Error("DescribeEndpointConfig(64 characters) succeeded")
	}
	a := aas.New(aas.Options{Region: SageMakerRegion, BaseEndpoint: aws.String(f.URL), Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""), RetryMaxAttempts: 1})
	if _, err := a.DescribeScalableTargets(ctx, &aas.DescribeScalableTargetsInput{ServiceNamespace: "sagemakr"}); err == nil {
		t.Error("DescribeScalableTargets(sagemakr) succeeded")
	}
	got := strings.Join(r.flagged(), "\n")
	for _, want := range []string{
		`DescribeEndpoint response.EndpointStatus: "Running" is not one of`,
		`DescribeModel response.PrimaryContainer.ModelPackageName`,
		`DescribeEndpointConfig request.EndpointConfigName: 64 characters, more than the maximum 63`,
		`DescribeScalableTargets request.ServiceNamespace: "sagemakr" is not one of`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("flagged:\n%s\nwant a line containing %q", got, want)
		}
	}
	// A valid listing pages as asked.
	f.AddScalableTarget("e", "A", 1, 2)
	f.AddScalableTarget("e", "B", 1, 2)
	out, err := a.DescribeScalableTargets(ctx, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceSagemaker, MaxResults: aws.Int32(1)})
	if err != nil || len(out.ScalableTargets) != 1 || aws.ToString(out.NextToken) == "" {
		t.Errorf("page 1 = %+v, %v; want one target and a NextToken", out, err)
	}
}
