package sagemaker

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/smithy-go"

	"github.com/modelgate/modelgate/gate/endpoint"
)

// endpointAPI is the part of the SageMaker client the live endpoint review
// calls.
type endpointAPI interface {
	DescribeEndpoint(context.Context, *sm.DescribeEndpointInput, ...func(*sm.Options)) (*sm.DescribeEndpointOutput, error)
	DescribeEndpointConfig(context.Context, *sm.DescribeEndpointConfigInput, ...func(*sm.Options)) (*sm.DescribeEndpointConfigOutput, error)
	DescribeModel(context.Context, *sm.DescribeModelInput, ...func(*sm.Options)) (*sm.DescribeModelOutput, error)
	ListMonitoringSchedules(context.Context, *sm.ListMonitoringSchedulesInput, ...func(*sm.Options)) (*sm.ListMonitoringSchedulesOutput, error)
}

// scalingAPI is the part of the Application Auto Scaling client it calls.
type scalingAPI interface {
	DescribeScalableTargets(context.Context, *aas.DescribeScalableTargetsInput, ...func(*aas.Options)) (*aas.DescribeScalableTargetsOutput, error)
}

// Endpoint is a live SageMaker endpoint as an [endpoint.Source]. Describe
// makes three dependent round trips:
//
//  1. DescribeEndpoint, with ListMonitoringSchedules (EndpointName) beside it;
//  2. DescribeEndpointConfig (its name comes from step 1), with
//     DescribeScalableTargets for the variants of step 1 beside it;
//  3. DescribeModel for every model of the configuration, concurrently.
//
// List calls follow NextToken; each page is one request.
//
// API reference:
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html,
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpointConfig.html,
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeModel.html,
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ListMonitoringSchedules.html,
// https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DescribeScalableTargets.html.
type Endpoint struct {
	sm   endpointAPI
	aas  scalingAPI
	name string
}

var _ endpoint.Source = (*Endpoint)(nil)

// maxListPages bounds the pages one list call follows.
const maxListPages = 100

// NewEndpoint returns the live endpoint name, with clients configured as
// New configures the registry's (AWS config chain, region, retries).
func NewEndpoint(ctx context.Context, o Options, name string) (*Endpoint, error) {
	cfg, err := o.awsConfig(ctx)
	if err != nil {
		return nil, err
	}
	return &Endpoint{sm: sm.NewFromConfig(cfg), aas: aas.NewFromConfig(cfg), name: name}, nil
}

// Describe reads the live endpoint. A missing endpoint wraps
// endpoint.ErrNoEndpoint; any other failure (after the SDK's retries) is
// returned, and no description: nothing is judged on partial data.
func (e *Endpoint) Describe(ctx context.Context) (*endpoint.Description, error) {
	var requests atomic.Int64
	call := func() { requests.Add(1) }
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// Round trip 1.
	var (
		ep        *sm.DescribeEndpointOutput
		schedules []map[string]any
		schedErr  error
		wg        sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		schedules, schedErr = e.schedules(ctx, call)
		if schedErr != nil {
			cancel()
		}
	}()
	call()
	ep, err := e.sm.DescribeEndpoint(ctx, &sm.DescribeEndpointInput{EndpointName: aws.String(e.name)})
	if err != nil {
		cancel()
		wg.Wait()
		if isMissingResource(err) {
			return nil, fmt.Errorf("describe endpoint %s: %w", e.name, endpoint.ErrNoEndpoint)
		}
		return nil, fmt.Errorf("describe endpoint %s: %w", e.name, err)
	}
	if aws.ToString(ep.EndpointConfigName) == "" {
		cancel()
		wg.Wait()
		return nil, fmt.Errorf("describe endpoint %s: the answer names no EndpointConfigName", e.name)
	}

	// Round trip 2.
	var (
		cfg       *sm.DescribeEndpointConfigOutput
		targets   []map[string]any
		targetErr error
	)
	var variants []string
	for _, v := range ep.ProductionVariants {
		variants = append(variants, aws.ToString(v.VariantName))
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		targets, targetErr = e.targets(ctx, variants, call)
		if targetErr != nil {
			cancel()
		}
	}()
	call()
	cfg, err = e.sm.DescribeEndpointConfig(ctx, &sm.DescribeEndpointConfigInput{EndpointConfigName: ep.EndpointConfigName})
	if err != nil {
		cancel()
		wg.Wait()
		return nil, fmt.Errorf("describe endpoint config %s of endpoint %s: %w", aws.ToString(ep.EndpointConfigName), e.name, err)
	}

	// Round trip 3: the models, concurrently.
	names := map[string]bool{}
	for _, v := range append(cfg.ProductionVariants, cfg.ShadowProductionVariants...) {
		if n := aws.ToString(v.ModelName); n != "" {
			names[n] = true
		}
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	models := make([]map[string]any, len(sorted))
	modelErrs := make([]error, len(sorted))
	for i, n := range sorted {
		wg.Add(1)
		go func() {
			defer wg.Done()
			call()
			out, err := e.sm.DescribeModel(ctx, &sm.DescribeModelInput{ModelName: aws.String(n)})
			switch {
			case err != nil && isMissingResource(err):
				// A deleted model: not described, so `serves` is missing.
			case err != nil:
				modelErrs[i] = fmt.Errorf("describe model %s of endpoint %s: %w", n, e.name, err)
				cancel()
			default:
				models[i], modelErrs[i] = endpoint.FromJSON(out)
			}
		}()
	}
	wg.Wait()
	for _, err := range append([]error{schedErr, targetErr}, modelErrs...) {
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, err
		}
	}
	for _, err := range append([]error{schedErr, targetErr}, modelErrs...) {
		if err != nil {
			return nil, err
		}
	}

	d := &endpoint.Description{
		Moment: endpoint.Live, Source: aws.ToString(ep.EndpointArn), Name: aws.ToString(ep.EndpointName),
		Status: string(ep.EndpointStatus), Models: map[string]map[string]any{},
		HasDeployment: true, HasScaling: true, ScalableTargets: targets, HasSchedules: true, Schedules: schedules,
		InstanceCounts: map[string]int{}, Requests: int(requests.Load()), RoundTrips: 3,
	}
	if len(sorted) == 0 {
		d.RoundTrips = 2
	}
	if d.Config, err = endpoint.FromJSON(cfg); err != nil {
		return nil, fmt.Errorf("endpoint config %s: %w", aws.ToString(cfg.EndpointConfigName), err)
	}
	for i, n := range sorted {
		if models[i] != nil {
			d.Models[n] = models[i]
		}
	}
	if ep.LastDeploymentConfig != nil {
		if d.Deployment, err = endpoint.FromJSON(ep.LastDeploymentConfig); err != nil {
			return nil, err
		}
	}
	if dc := ep.DataCaptureConfig; dc != nil {
		d.CaptureStatus = string(dc.CaptureStatus)
		if dc.CurrentSamplingPercentage != nil {
			f := float64(*dc.CurrentSamplingPercentage)
			d.CaptureSampling = &f
		}
		if !aws.ToBool(dc.EnableCapture) && d.CaptureStatus == "" {
			d.CaptureStatus = "disabled"
		}
	}
	if pd := ep.PendingDeploymentSummary; pd != nil {
		d.Notes = append(d.Notes, fmt.Sprintf("an update to endpoint configuration %s is in progress; the configuration judged is the current one, %s",
			aws.ToString(pd.EndpointConfigName), aws.ToString(ep.EndpointConfigName)))
	}
	for _, v := range ep.ProductionVariants {
		if v.CurrentInstanceCount != nil {
			d.InstanceCounts[aws.ToString(v.VariantName)] = int(*v.CurrentInstanceCount)
		}
	}
	return d, nil
}

func (e *Endpoint) schedules(ctx context.Context, call func()) ([]map[string]any, error) {
	var out []map[string]any
	var token *string
	for page := 0; ; page++ {
		if page == maxListPages {
			return nil, fmt.Errorf("list monitoring schedules of endpoint %s: more than %d pages", e.name, maxListPages)
		}
		call()
		res, err := e.sm.ListMonitoringSchedules(ctx, &sm.ListMonitoringSchedulesInput{EndpointName: aws.String(e.name), MaxResults: aws.Int32(100), NextToken: token})
		if err != nil {
			return nil, fmt.Errorf("list monitoring schedules of endpoint %s: %w", e.name, err)
		}
		for _, s := range res.MonitoringScheduleSummaries {
			// The filter is the service's; keep only this endpoint's.
			if n := aws.ToString(s.EndpointName); n != "" && n != e.name {
				continue
			}
			m, err := endpoint.FromJSON(s)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
		if token = res.NextToken; aws.ToString(token) == "" {
			return out, nil
		}
	}
}

// targets describes the scalable targets of the endpoint's variants (at
// most 50 ResourceIds a request, the API's limit).
func (e *Endpoint) targets(ctx context.Context, variants []string, call func()) ([]map[string]any, error) {
	var out []map[string]any
	for start := 0; start < len(variants); start += 50 {
		var ids []string
		for _, v := range variants[start:min(start+50, len(variants))] {
			ids = append(ids, "endpoint/"+e.name+"/variant/"+v)
		}
		var token *string
		for page := 0; ; page++ {
			if page == maxListPages {
				return nil, fmt.Errorf("describe scalable targets of endpoint %s: more than %d pages", e.name, maxListPages)
			}
			call()
			res, err := e.aas.DescribeScalableTargets(ctx, &aas.DescribeScalableTargetsInput{
				ServiceNamespace: aastypes.ServiceNamespaceSagemaker, ResourceIds: ids,
				ScalableDimension: aastypes.ScalableDimensionSageMakerVariantDesiredInstanceCount, NextToken: token,
			})
			if err != nil {
				return nil, fmt.Errorf("describe scalable targets of endpoint %s: %w", e.name, err)
			}
			for _, t := range res.ScalableTargets {
				m, err := endpoint.FromJSON(t)
				if err != nil {
					return nil, err
				}
				out = append(out, m)
			}
			if token = res.NextToken; aws.ToString(token) == "" {
				break
			}
		}
	}
	return out, nil
}

// isMissingResource: SageMaker answers a missing endpoint, configuration or model
// with a ValidationException "Could not find ...".
func isMissingResource(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "ValidationException" && strings.Contains(api.ErrorMessage(), "Could not find")
}
