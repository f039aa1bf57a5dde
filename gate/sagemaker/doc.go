// Package sagemaker is the SageMaker Model Registry adapter of modelgate: a
// [gate.Registry] over aws-sdk-go-v2.
//
// Resolve finds a model package of a model package group with
// ListModelPackages (newest first: SortBy=CreationTime, SortOrder=Descending,
// which is not the API's default) and describes it with DescribeModelPackage.
// Fetch downloads a report with S3 GetObject, from the registry's region or,
// for a bucket elsewhere, from the region the SDK's bucket-region lookup
// (manager.GetBucketRegion) reports, with a read bounded at
// gate.MaxReportBytes; the loader in gate verifies the ContentDigest, once for
// every adapter. A package is the ARN that was asked: a DescribeModelPackage
// answer about another package (ErrIdentity) is refused. SetApproval describes
// the package again just before writing and refuses a package that changed
// since it was judged (gate.ErrConflict); it writes the decision with
// UpdateModelPackage, after checking every value against the API's limits, so
// that an invalid request is never sent.
//
// Configuration follows the AWS SDK: credentials from the default chain
// (environment, web identity as used by GitHub OIDC, shared profile),
// endpoints from AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SAGEMAKER and
// AWS_ENDPOINT_URL_S3 (or the shared config file), the standard retryer.
// [Options] adds the region, S3 path-style addressing (MinIO and other
// S3-compatible stores) and the fetch concurrency bound.
//
// API reference:
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ListModelPackages.html,
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeModelPackage.html,
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateModelPackage.html,
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html.
package sagemaker
