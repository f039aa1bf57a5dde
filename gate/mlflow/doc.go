// Package mlflow is the MLflow Model Registry adapter of modelgate
// (gate.Registry): open-source MLflow tracking servers, Databricks-style
// REST (bearer token) and SageMaker-managed MLflow (SigV4, service
// sagemaker-mlflow), over the REST API of mlflow/protos (MLflow 3.11).
//
// A model group is a registered model; a package is a model version,
// identified as models:/<name>/<version>. Its reports are its run's
// metrics (slot quality, as a model-quality document) and the run's
// artifacts <ArtifactDir>/<slot>.json (bias.json, explainability.json, ...)
// read through the server's mlflow-artifacts proxy; a report of the rules
// file is a path relative to the run's artifact root. Approval moves an
// alias (default @champion) with audit tags; MLflow keeps no digests, so
// the client records the sha256 of every report it read and re-reads them
// before it writes.
package mlflow
