package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/action"
	"github.com/modelgate/modelgate/gate/mlflow"
	"github.com/modelgate/modelgate/gate/sagemaker"
	"github.com/modelgate/modelgate/rules"
)

// openMLflow builds the MLflow client from the environment, as MLflow's own
// clients read it (MLFLOW_TRACKING_URI, _TOKEN, _USERNAME, _PASSWORD), and
// the rules file's registry section. A SageMaker-managed MLflow (the URI is
// its ARN) is signed with SigV4 from the AWS config chain; s3:// artifact
// roots are read through the SageMaker adapter's S3 client, opened only when
// a run needs it.
func openMLflow(ctx context.Context, getenv func(string) string, o action.Options, f *rules.File) (gate.Registry, error) {
	cfg := mlflow.EnvConfig(getenv)
	if cfg.URI == "" {
		cfg.URI = f.Registry.URI
	}
	if cfg.URI == "" {
		return nil, &gate.InputError{Err: errors.New("registry mlflow: set MLFLOW_TRACKING_URI or registry.uri")}
	}
	cfg.Model = f.Registry.Model
	region := o.Region
	if region == "" {
		region = f.Registry.Region
	}
	if strings.HasPrefix(cfg.URI, "arn:") {
		ac, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("open mlflow registry: %w", err)
		}
		cfg.SigV4 = &mlflow.SigV4{Credentials: ac.Credentials, Region: region} // "" = the ARN's region
	}
	var once sync.Once
	var s3 *sagemaker.Client
	var s3err error
	cfg.S3 = func(ctx context.Context, uri string) ([]byte, error) {
		once.Do(func() {
			s3, s3err = sagemaker.New(ctx, sagemaker.Options{Region: region, PathStyle: o.PathStyle || f.Registry.PathStyle})
		})
		if s3err != nil {
			return nil, s3err
		}
		return s3.Fetch(ctx, &gate.Package{}, gate.Source{Slot: "mlflow artifact", URI: uri})
	}
	c, err := mlflow.New(cfg)
	if err != nil {
		if errors.Is(err, mlflow.ErrConfig) {
			return nil, &gate.InputError{Err: err}
		}
		return nil, err
	}
	return c, nil
}
