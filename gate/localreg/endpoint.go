package localreg

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"

	"github.com/modelgate/modelgate/gate/endpoint"
	"github.com/modelgate/modelgate/internal/strictjson"
)

// EndpointsDir is the folder of endpoint descriptions under the registry
// root: <root>/_endpoints/<name>.json. A group name cannot start with `_`,
// so it never collides with a model package group.
const EndpointsDir = "_endpoints"

// maxEndpointJSON caps one endpoint description.
const maxEndpointJSON = 4 << 20

// endpointFile is an endpoint description of the local registry: the
// answers of the calls the live review makes, as the SageMaker and
// Application Auto Scaling APIs give them.
type endpointFile struct {
	Endpoint            map[string]any   `json:"Endpoint"`            // DescribeEndpoint
	EndpointConfig      map[string]any   `json:"EndpointConfig"`      // DescribeEndpointConfig
	Models              []map[string]any `json:"Models"`              // DescribeModel, one per model
	ScalableTargets     []map[string]any `json:"ScalableTargets"`     // DescribeScalableTargets
	MonitoringSchedules []map[string]any `json:"MonitoringSchedules"` // ListMonitoringSchedules
}

// Endpoint is an endpoint of the local registry as an [endpoint.Source]:
// the live moment of the review with no cloud account.
type Endpoint struct {
	reg  *Registry
	name string
}

var _ endpoint.Source = Endpoint{}

// Endpoint returns the endpoint name of the registry.
func (r *Registry) Endpoint(name string) Endpoint { return Endpoint{reg: r, name: name} }

// Describe reads <root>/_endpoints/<name>.json. A missing file wraps
// endpoint.ErrNoEndpoint; duplicate keys, a description of another endpoint
// or one whose configuration is not the endpoint's are errors.
func (e Endpoint) Describe(ctx context.Context) (*endpoint.Description, error) {
	if !validName(e.name) {
		return nil, fmt.Errorf("endpoint %q: want 1-63 letters, digits and hyphens", e.name)
	}
	rel := EndpointsDir + "/" + e.name + ".json"
	data, err := e.reg.readFile(ctx, rel, maxEndpointJSON)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("endpoint %s in local registry %s: %w", e.name, e.reg.root, endpoint.ErrNoEndpoint)
	}
	if err != nil {
		return nil, fmt.Errorf("read endpoint %s: %w", e.name, err)
	}
	var ef endpointFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := endpoint.CheckJSONDepth(data, 100); err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	if err := strictjson.Check(data); err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	if err := dec.Decode(&ef); err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	if ef.Endpoint == nil || ef.EndpointConfig == nil {
		return nil, fmt.Errorf("%s: want \"Endpoint\" (DescribeEndpoint) and \"EndpointConfig\" (DescribeEndpointConfig)", rel)
	}
	name, _ := ef.Endpoint["EndpointName"].(string)
	if name != e.name {
		return nil, fmt.Errorf("%s describes endpoint %q, not %q", rel, name, e.name)
	}
	cfgName, _ := ef.Endpoint["EndpointConfigName"].(string)
	if got, _ := ef.EndpointConfig["EndpointConfigName"].(string); got == "" || got != cfgName {
		return nil, fmt.Errorf("%s: the endpoint uses configuration %q but EndpointConfig is %q", rel, cfgName, got)
	}
	source, _ := ef.Endpoint["EndpointArn"].(string)
	if source == "" {
		source = "local:" + EndpointsDir + "/" + e.name
	}
	status, _ := ef.Endpoint["EndpointStatus"].(string)
	d := &endpoint.Description{
		Moment: endpoint.Live, Source: source, Name: e.name, Status: status,
		Config: ef.EndpointConfig, Models: map[string]map[string]any{},
		HasDeployment: true, Deployment: ef.Endpoint["LastDeploymentConfig"],
		HasScaling: true, ScalableTargets: ef.ScalableTargets,
		HasSchedules: true, InstanceCounts: map[string]int{},
	}
	for _, m := range ef.Models {
		n, _ := m["ModelName"].(string)
		if n == "" {
			return nil, fmt.Errorf("%s: a model without ModelName", rel)
		}
		if _, dup := d.Models[n]; dup {
			return nil, fmt.Errorf("%s: model %s described twice", rel, n)
		}
		d.Models[n] = m
	}
	for _, s := range ef.MonitoringSchedules {
		if ep, _ := s["EndpointName"].(string); ep == "" || ep == e.name {
			d.Schedules = append(d.Schedules, s)
		}
	}
	if dc, ok := ef.Endpoint["DataCaptureConfig"].(map[string]any); ok {
		d.CaptureStatus, _ = dc["CaptureStatus"].(string)
		if n, ok := dc["CurrentSamplingPercentage"].(json.Number); ok {
			if f, err := n.Float64(); err == nil {
				d.CaptureSampling = &f
			}
		}
	}
	if vs, ok := ef.Endpoint["ProductionVariants"].([]any); ok {
		for _, v := range vs {
			vm, _ := v.(map[string]any)
			vn, _ := vm["VariantName"].(string)
			if c, ok := vm["CurrentInstanceCount"].(json.Number); ok && vn != "" {
				if n, err := c.Int64(); err == nil {
					d.InstanceCounts[vn] = int(n)
				}
			}
		}
	}
	return d, nil
}
