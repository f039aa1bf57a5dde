package mlflow

// Environment variables EnvConfig reads, as MLflow clients name them.
const (
	EnvTrackingURI = "MLFLOW_TRACKING_URI"
	EnvToken       = "MLFLOW_TRACKING_TOKEN"
	EnvUsername    = "MLFLOW_TRACKING_USERNAME"
	EnvPassword    = "MLFLOW_TRACKING_PASSWORD"
	// EnvEndpoint is the sagemaker-mlflow plugin's endpoint override for an
	// ARN tracking URI.
	EnvEndpoint = "SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT"
)

// EnvConfig is the Config the environment gives, read through getenv (the
// caller passes os.Getenv: this package never reads the environment
// itself). SigV4, Model and the rest are the caller's to set.
func EnvConfig(getenv func(string) string) Config {
	return Config{
		URI:      getenv(EnvTrackingURI),
		Token:    getenv(EnvToken),
		Username: getenv(EnvUsername),
		Password: getenv(EnvPassword),
		Endpoint: getenv(EnvEndpoint),
	}
}
