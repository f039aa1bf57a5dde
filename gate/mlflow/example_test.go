package mlflow_test

import (
	"context"
	"fmt"
	"strings"
	"sync"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/mlflow"
	"github.com/modelgate/modelgate/gate/sagemaker"
	"github.com/modelgate/modelgate/rules"
)

// openMLflow is how the command line opens the registry (cmd/modelgate):
// the environment first, as MLflow clients read it, then the rules file.
func openMLflow(ctx context.Context, getenv func(string) string, f *rules.File, region string) (*mlflow.Client, error) {
	cfg := mlflow.EnvConfig(getenv)
	if cfg.URI == "" {
		cfg.URI = f.Registry.URI
	}
	if cfg.URI == "" {
		return nil, fmt.Errorf("registry mlflow: set MLFLOW_TRACKING_URI or registry.uri")
	}
	cfg.Model = f.Registry.Model
	if region == "" {
		region = f.Registry.Region
	}
	if strings.HasPrefix(cfg.URI, "arn:") { // SageMaker-managed MLflow
		aws, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, err
		}
		cfg.SigV4 = &mlflow.SigV4{Credentials: aws.Credentials, Region: region} // "" = the ARN's region
	}
	// s3:// artifact roots through the SageMaker adapter's S3 reader, opened
	// only when a run needs it.
	var once sync.Once
	var s3 *sagemaker.Client
	var s3err error
	cfg.S3 = func(ctx context.Context, uri string) ([]byte, error) {
		once.Do(func() {
			s3, s3err = sagemaker.New(ctx, sagemaker.Options{Region: region, PathStyle: f.Registry.PathStyle})
		})
		if s3err != nil {
			return nil, s3err
		}
		return s3.Fetch(ctx, &gate.Package{}, gate.Source{Slot: "mlflow artifact", URI: uri})
	}
	return mlflow.New(cfg)
}

func Example() {
	env := map[string]string{"MLFLOW_TRACKING_URI": "https://mlflow.example.com", "MLFLOW_TRACKING_TOKEN": "t0ken"}
	f, err := rules.Parse("modelgate.yml", []byte("version: 1\nmodel: {group: churn}\nregistry: {kind: mlflow, model: Churn}\nrules:\n  - {id: auc, metric: quality.auc, min: 0.8}\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = openMLflow(context.Background(), func(k string) string { return env[k] }, f, "")
	fmt.Println(err)
	// Output: <nil>
}
