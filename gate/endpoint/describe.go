package endpoint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Moments of a review (DESIGN §9).
const (
	// Proposed: the configuration in the repository, before deploy.
	Proposed = "proposed"
	// Live: the deployed endpoint, as the API describes it.
	Live = "live"
)

// Unknown is a value that cannot be known before deploy: a CloudFormation
// parameter with no value, an attribute of a resource not created yet, a
// condition on either. A check that meets one says so and is missing,
// never a pass.
type Unknown struct {
	// Why says where the value comes from, e.g. "!Ref EndpointInstanceType
	// (a template parameter with no value)".
	Why string
	// Partial is what is known of a string (Fn::Sub, Fn::Join), with the
	// unknown parts written ${...}; empty when nothing is known.
	Partial string

	// resource is the logical id of the template resource a Ref or GetAtt
	// names, so that a variant's model can be found in the template.
	resource string
}

// Set reports whether the value, unknown as it is, is certainly not empty:
// an attribute or id of a resource of the template, or a substitution with
// literal text around its unknown parts (an ARN built with ${AWS::Region}).
// A parameter's value may be empty, so it is not.
func (u Unknown) Set() bool {
	if u.resource != "" {
		return true
	}
	return strings.TrimSpace(subVarRE.ReplaceAllString(u.Partial, "")) != ""
}

// Description is what the checks read about one endpoint. The maps are
// shaped like the SageMaker API: Config like CreateEndpointConfig input /
// DescribeEndpointConfig output, each of Models like CreateModel input /
// DescribeModel output, ScalableTargets like Application Auto Scaling's
// ScalableTarget, Schedules like MonitoringScheduleSummary. Any value in
// them may be an Unknown.
type Description struct {
	Moment string // Proposed or Live
	// Source names what was read, for findings and notes: the file, or
	// the endpoint's ARN.
	Source string
	// Name is the endpoint's name when known.
	Name string
	// Status is the live EndpointStatus; empty for a proposed one.
	Status string

	Config map[string]any
	// Models by ModelName. A name that is absent was not described.
	Models map[string]map[string]any

	// Deployment is the endpoint's DeploymentConfig (nil when it has
	// none, or an Unknown). HasDeployment is false when the source cannot
	// say (an endpoint configuration file: DeploymentConfig belongs to
	// CreateEndpoint).
	Deployment    any
	HasDeployment bool

	// ScalableTargets of the endpoint's variants; HasScaling is false when
	// the source cannot say.
	ScalableTargets []map[string]any
	HasScaling      bool

	// Schedules are the Model Monitor schedules attached to the endpoint;
	// HasSchedules is false when the source cannot say.
	Schedules    []map[string]any
	HasSchedules bool

	// CaptureStatus is the live DataCaptureConfigSummary.CaptureStatus
	// (Started, Stopped); empty for a proposed endpoint.
	CaptureStatus string
	// CaptureSampling is the live CurrentSamplingPercentage; nil for a
	// proposed endpoint.
	CaptureSampling *float64
	// InstanceCounts are the live CurrentInstanceCount of each variant.
	InstanceCounts map[string]int

	// Notes are remarks for the result (an update in progress).
	Notes []string

	// Requests counts the API requests made to describe a live endpoint.
	Requests int
	// RoundTrips counts the dependent steps (requests that had to wait for
	// an earlier answer), concurrent requests counting once.
	RoundTrips int
}

// Source describes an endpoint: a proposed configuration file, a live
// endpoint (gate/sagemaker), an endpoint of the local registry
// (gate/localreg).
type Source interface {
	Describe(ctx context.Context) (*Description, error)
}

// ErrInput is wrapped by errors about a proposed configuration that cannot
// be read (a file, format or template problem: exit 2). Other errors of
// Describe are registry failures (exit 3).
var ErrInput = errors.New("endpoint input")

// ErrNoEndpoint is wrapped by a live source when the endpoint does not
// exist.
var ErrNoEndpoint = errors.New("endpoint not found")

func inputErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInput, fmt.Sprintf(format, args...))
}

// FromJSON converts an API-shaped value (an SDK output or any struct whose
// field names are the API's member names) into the generic form the
// checks read.
func FromJSON(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	delete(m, "ResultMetadata")
	dropNulls(m)
	return m, nil
}

// dropNulls removes null members: an SDK struct writes an unset pointer as
// null, and the API leaves the member out.
func dropNulls(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if e == nil {
				delete(x, k)
				continue
			}
			dropNulls(e)
		}
	case []any:
		for _, e := range x {
			dropNulls(e)
		}
	}
}

// field looks up a path of keys and list indexes. unk is set when the value
// or a container on the way is Unknown; ok is false when it is absent.
func field(v any, path ...any) (val any, unk *Unknown, ok bool) {
	for _, p := range path {
		if u, isU := v.(Unknown); isU {
			return nil, &u, true
		}
		switch k := p.(type) {
		case string:
			m, isMap := v.(map[string]any)
			if !isMap {
				return nil, nil, false
			}
			if v, ok = m[k]; !ok || v == nil {
				return nil, nil, false
			}
		case int:
			l, isList := v.([]any)
			if !isList || k >= len(l) {
				return nil, nil, false
			}
			v = l[k]
		}
	}
	if u, isU := v.(Unknown); isU {
		return nil, &u, true
	}
	return v, nil, v != nil
}

// list reads a list (nil when absent or not a list).
func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// asString reads a string value; CloudFormation writes numbers and
// booleans as strings too, so those are taken as written.
func asString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	}
	return "", false
}

// asNumber reads a finite number, also from a numeric string (CloudFormation
// passes Number parameters as strings).
func asNumber(v any) (float64, bool) {
	var f float64
	switch x := v.(type) {
	case json.Number:
		var err error
		if f, err = x.Float64(); err != nil {
			return 0, false
		}
	case float64:
		f = x
	case int:
		f = float64(x)
	case string:
		var err error
		if f, err = strconv.ParseFloat(strings.TrimSpace(x), 64); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// asBool reads a boolean, also from "true"/"false" (CloudFormation).
func asBool(v any) (b, ok bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// modelOf finds the description of a variant's model.
func (d *Description) modelOf(variant map[string]any) (name string, m map[string]any, unk *Unknown, err string) {
	v, unk, ok := field(variant, "ModelName")
	if unk != nil {
		return "", nil, unk, ""
	}
	if !ok {
		return "", nil, nil, "names no model (ModelName)"
	}
	name, isStr := asString(v)
	if !isStr || name == "" {
		return "", nil, nil, "has a ModelName that is not a string"
	}
	m, found := d.Models[name]
	if !found {
		return name, nil, nil, fmt.Sprintf("serves model `%s`, which is not described", name)
	}
	return name, m, nil, ""
}

// containers lists a model's containers: PrimaryContainer and Containers.
func containers(m map[string]any) ([]any, *Unknown) {
	var out []any
	for _, k := range []string{"PrimaryContainer", "Containers"} {
		v, unk, ok := field(m, k)
		if unk != nil {
			return nil, unk
		}
		if !ok {
			continue
		}
		if k == "PrimaryContainer" {
			out = append(out, v)
		} else {
			out = append(out, list(v)...)
		}
	}
	return out, nil
}

// variants lists the production and shadow variants of the configuration,
// each a mapping (an Unknown item is returned as the second value).
func (d *Description) variants() (vs []map[string]any, unk *Unknown) {
	for _, k := range []string{"ProductionVariants", "ShadowProductionVariants"} {
		v, u, ok := field(d.Config, k)
		if u != nil {
			return nil, u
		}
		if !ok {
			continue
		}
		for _, item := range list(v) {
			if u, isU := item.(Unknown); isU {
				return nil, &u
			}
			if m, isMap := item.(map[string]any); isMap {
				vs = append(vs, m)
			}
		}
	}
	return vs, nil
}

func variantName(v map[string]any) string {
	if s, ok := asString(v["VariantName"]); ok && s != "" {
		return s
	}
	if u, ok := v["VariantName"].(Unknown); ok {
		return "(" + u.Why + ")"
	}
	return "(unnamed)"
}
