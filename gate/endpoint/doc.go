// Package endpoint is the review of the second artifact (DESIGN §9): the
// SageMaker endpoint that serves the model. SageMaker has no approval state
// for endpoints; the `endpoint:` section of the rules file
// ([rules.Endpoint]) says what a review board would check, and this package
// judges it with the model rules' verdicts, severities and waivers, as
// [gate.Finding] values, so that the check run, the JSON result and the exit
// code are the model rules' own ([Section.AddTo], [Section.Result]).
//
// Two moments read the same checks from different sources ([Source]):
//
//   - proposed, in the pull request: [File], a CreateEndpointConfig-shaped
//     JSON or YAML file, or the AWS::SageMaker::EndpointConfig resource of a
//     CloudFormation template (JSON or YAML with short-form intrinsics). The
//     template's intrinsic functions are evaluated as far as they can be
//     before deploy: a parameter is known from the template configuration
//     file (endpoint.parameters; then also from its Default), conditions
//     are decided when their inputs are known, !Sub keeps its literal text.
//     A value that stays unknown (a parameter with no value, a resource's
//     attribute, a condition on either) is [Unknown]: a check that needs it
//     is missing, never a pass, and its reason names what was unknown. The
//     variant's model is found in the template (!GetAtt Model.ModelName);
//     the Endpoint resource that uses the configuration gives the
//     DeploymentConfig, ScalableTarget and MonitoringSchedule resources give
//     autoscaling and monitors. What a source cannot say at all (a
//     CreateEndpointConfig file says nothing of autoscaling, monitors or the
//     deployment policy) is skipped with the reason that the live check
//     judges it.
//   - live, after deploy: gate/sagemaker.Endpoint (DescribeEndpoint ->
//     DescribeEndpointConfig -> DescribeModel, with ListMonitoringSchedules
//     and DescribeScalableTargets beside them) or gate/localreg's endpoint
//     descriptions.
//
// The checks: serves (every container of every variant's model resolves to
// the approved, or candidate, package ARN of the group, and nothing else),
// data_capture (on, sampling, KMS key, destination bucket), kms (volume key),
// vpc (subnets, security groups, network isolation), instance_types,
// min_instances (initial, current and autoscaling minimum), autoscaling
// (a scalable target within bounds, not suspended), monitoring (a Scheduled
// schedule of each kind) and deployment (blue/green traffic routing,
// auto-rollback alarms).
package endpoint
