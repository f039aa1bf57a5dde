package gatetest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The official API subsets the endpoint fake validates against: copies of
// shared/reference/aws (botocore 1.43.67 service models, see SOURCES.md
// there).
var (
	//go:embed testdata/sagemaker-endpoint-api-subset.json
	sageMakerEndpointModelJSON []byte
	//go:embed testdata/autoscaling-api-subset.json
	autoscalingModelJSON []byte
)

// EndpointCall is one request the endpoint fake received.
type EndpointCall struct {
	Op    string // e.g. "DescribeEndpoint", "DescribeScalableTargets"
	Body  map[string]any
	Start time.Time
	End   time.Time
}

// EndpointFake is an httptest server speaking the awsJson1.1 protocol of
// both SageMaker (X-Amz-Target SageMaker.*) and Application Auto Scaling
// (AnyScaleFrontendService.*) for the calls of the endpoint review:
// DescribeEndpoint, DescribeEndpointConfig, DescribeModel,
// ListMonitoringSchedules and DescribeScalableTargets. Model-registry calls
// are passed to the embedded SageMakerFake, so that one SageMaker client
// reaches both. Every request and response of the endpoint calls is checked
// against the official API subsets; a violation fails the test.
type EndpointFake struct {
	// SageMaker is the model-registry fake behind the same URL.
	SageMaker *SageMakerFake
	// URL serves SageMaker and Application Auto Scaling.
	URL string

	t       testing.TB
	sm, aas *apiModel

	mu        sync.Mutex
	endpoints map[string]map[string]any // DescribeEndpoint outputs by name
	configs   map[string]map[string]any // DescribeEndpointConfig outputs by name
	models    map[string]map[string]any // DescribeModel outputs by name
	schedules []map[string]any          // MonitoringScheduleSummary
	targets   []map[string]any          // ScalableTarget
	calls     []EndpointCall
	latency   time.Duration
	pageSize  int
	inflight  int
	maxFlight int
}

// NewEndpointFake starts an endpoint fake (and its registry fake), closed
// when the test ends.
func NewEndpointFake(t testing.TB) *EndpointFake {
	t.Helper()
	smModel, err := loadAPIModel(sageMakerEndpointModelJSON)
	if err != nil {
		t.Fatalf("load sagemaker endpoint api model: %v", err)
	}
	aasModel, err := loadAPIModel(autoscalingModelJSON)
	if err != nil {
		t.Fatalf("load application autoscaling api model: %v", err)
	}
	f := &EndpointFake{
		SageMaker: NewSageMaker(t), t: t, sm: smModel, aas: aasModel,
		endpoints: map[string]map[string]any{}, configs: map[string]map[string]any{}, models: map[string]map[string]any{},
	}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

func (f *EndpointFake) arn(kind, name string) string {
	return "arn:aws:sagemaker:" + SageMakerRegion + ":" + SageMakerAccount + ":" + kind + "/" + strings.ToLower(name)
}

// fill sets the required members a test need not write.
func fill(m map[string]any, defaults map[string]any) map[string]any {
	c := make(map[string]any, len(m)+len(defaults))
	for k, v := range defaults {
		c[k] = v
	}
	for k, v := range m {
		c[k] = v
	}
	return c
}

var fakeEpoch = json.Number("1767225600") // 2026-01-01T00:00:00Z

// AddEndpoint stores a DescribeEndpoint output (EndpointName required;
// EndpointArn, EndpointStatus InService and the times filled in).
func (f *EndpointFake) AddEndpoint(out map[string]any) {
	name, _ := out["EndpointName"].(string)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.endpoints[name] = fill(out, map[string]any{"EndpointArn": f.arn("endpoint", name), "EndpointStatus": "InService", "CreationTime": fakeEpoch, "LastModifiedTime": fakeEpoch})
}

// AddEndpointConfig stores a DescribeEndpointConfig output
// (EndpointConfigName and ProductionVariants required).
func (f *EndpointFake) AddEndpointConfig(out map[string]any) {
	name, _ := out["EndpointConfigName"].(string)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.configs[name] = fill(out, map[string]any{"EndpointConfigArn": f.arn("endpoint-config", name), "CreationTime": fakeEpoch})
}

// AddModel stores a DescribeModel output (ModelName required).
func (f *EndpointFake) AddModel(out map[string]any) {
	name, _ := out["ModelName"].(string)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.models[name] = fill(out, map[string]any{"ModelArn": f.arn("model", name), "CreationTime": fakeEpoch})
}

// AddSchedule stores a MonitoringScheduleSummary (MonitoringScheduleName and
// EndpointName required; status Scheduled by default).
func (f *EndpointFake) AddSchedule(s map[string]any) {
	name, _ := s["MonitoringScheduleName"].(string)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.schedules = append(f.schedules, fill(s, map[string]any{"MonitoringScheduleArn": f.arn("monitoring-schedule", name), "MonitoringScheduleStatus": "Scheduled", "CreationTime": fakeEpoch, "LastModifiedTime": fakeEpoch}))
}

// AddScalableTarget registers a variant with Application Auto Scaling.
func (f *EndpointFake) AddScalableTarget(endpoint, variant string, minCap, maxCap int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.targets = append(f.targets, map[string]any{
		"ServiceNamespace": "sagemaker", "ResourceId": "endpoint/" + endpoint + "/variant/" + variant,
		"ScalableDimension": "sagemaker:variant:DesiredInstanceCount", "MinCapacity": minCap, "MaxCapacity": maxCap,
		"RoleARN":      "arn:aws:iam::" + SageMakerAccount + ":role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint",
		"CreationTime": fakeEpoch,
	})
}

// SetLatency delays every endpoint answer by d.
func (f *EndpointFake) SetLatency(d time.Duration) { f.mu.Lock(); f.latency = d; f.mu.Unlock() }

// SetPageSize caps list pages (ListMonitoringSchedules,
// DescribeScalableTargets) at n items (0 = the request's MaxResults).
func (f *EndpointFake) SetPageSize(n int) { f.mu.Lock(); f.pageSize = n; f.mu.Unlock() }

// Calls returns the endpoint requests received, in order of arrival.
func (f *EndpointFake) Calls() []EndpointCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]EndpointCall(nil), f.calls...)
}

// MaxInFlight is the most endpoint requests that were in progress at once.
func (f *EndpointFake) MaxInFlight() int { f.mu.Lock(); defer f.mu.Unlock(); return f.maxFlight }

var endpointOps = map[string]bool{"DescribeEndpoint": true, "DescribeEndpointConfig": true, "DescribeModel": true, "ListMonitoringSchedules": true}

func (f *EndpointFake) serve(w http.ResponseWriter, r *http.Request) {
	t := f.t
	target := r.Header.Get("X-Amz-Target")
	model, op := f.sm, ""
	switch {
	case strings.HasPrefix(target, "AnyScaleFrontendService."):
		model, op = f.aas, strings.TrimPrefix(target, "AnyScaleFrontendService.")
	case endpointOps[strings.TrimPrefix(target, "SageMaker.")]:
		op = strings.TrimPrefix(target, "SageMaker.")
	default:
		f.SageMaker.serve(w, r) // the model registry
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		t.Errorf("gatetest: endpoint: unexpected request %s %s", r.Method, r.URL.Path)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		t.Errorf("gatetest: endpoint %s: Content-Type %q; want application/x-amz-json-1.1", op, ct)
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		t.Errorf("gatetest: endpoint %s: request is not SigV4-signed", op)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		// A client that stops waiting (a concurrent call cancelled because
		// another one failed) aborts its body: that is no protocol error.
		if r.Context().Err() == nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("gatetest: endpoint %s: read body: %v", op, err)
		}
		return
	}
	var in map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil {
		t.Errorf("gatetest: endpoint %s: request body is not a JSON object: %v", op, err)
		writeAWSError(w, awsError{400, "SerializationException", err.Error()})
		return
	}
	start := time.Now()
	f.mu.Lock()
	f.inflight++
	f.maxFlight = max(f.maxFlight, f.inflight)
	latency := f.latency
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inflight--
		f.calls = append(f.calls, EndpointCall{Op: op, Body: in, Start: start, End: time.Now()})
		f.mu.Unlock()
	}()
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
	}
	opm, ok := model.Operations[op]
	if !ok {
		t.Errorf("gatetest: endpoint: operation %q is not in the API subset", op)
		writeAWSError(w, awsError{400, "UnknownOperationException", op})
		return
	}
	if errs := model.validate(in, opm.Input.Shape, op+" request"); len(errs) > 0 {
		for _, e := range errs {
			t.Errorf("gatetest: endpoint: %s", e)
		}
		writeAWSError(w, awsError{400, "ValidationException", strings.Join(errs, "; ")})
		return
	}
	f.mu.Lock()
	out, aerr := f.answer(op, in)
	f.mu.Unlock()
	if aerr != nil {
		writeAWSError(w, *aerr)
		return
	}
	b, ok := model.encodeResponse(t, "endpoint", op, opm.Output.Shape, out)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_, _ = w.Write(b)
}

func (f *EndpointFake) answer(op string, in map[string]any) (map[string]any, *awsError) {
	switch op {
	case "DescribeEndpoint":
		name := str(in, "EndpointName")
		if e, ok := f.endpoints[name]; ok {
			return e, nil
		}
		return nil, &awsError{400, "ValidationException", fmt.Sprintf("Could not find endpoint %q.", f.arn("endpoint", name))}
	case "DescribeEndpointConfig":
		name := str(in, "EndpointConfigName")
		if c, ok := f.configs[name]; ok {
			return c, nil
		}
		return nil, &awsError{400, "ValidationException", fmt.Sprintf("Could not find endpoint configuration %q.", f.arn("endpoint-config", name))}
	case "DescribeModel":
		name := str(in, "ModelName")
		if m, ok := f.models[name]; ok {
			return m, nil
		}
		return nil, &awsError{400, "ValidationException", fmt.Sprintf("Could not find model %q.", f.arn("model", name))}
	case "ListMonitoringSchedules":
		var match []any
		for _, s := range f.schedules {
			if ep := str(in, "EndpointName"); ep != "" && s["EndpointName"] != ep {
				continue
			}
			match = append(match, s)
		}
		page, next, err := f.page(match, in, "NextToken", 10)
		if err != nil {
			return nil, err
		}
		out := map[string]any{"MonitoringScheduleSummaries": page}
		if next != "" {
			out["NextToken"] = next
		}
		return out, nil
	case "DescribeScalableTargets":
		ids := map[string]bool{}
		for _, id := range listOf(in["ResourceIds"]) {
			s, _ := id.(string)
			ids[s] = true
		}
		var match []any
		for _, tg := range f.targets {
			if tg["ServiceNamespace"] != str(in, "ServiceNamespace") {
				continue
			}
			if d := str(in, "ScalableDimension"); d != "" && tg["ScalableDimension"] != d {
				continue
			}
			if len(ids) > 0 && !ids[tg["ResourceId"].(string)] {
				continue
			}
			match = append(match, tg)
		}
		sort.SliceStable(match, func(i, j int) bool {
			return match[i].(map[string]any)["ResourceId"].(string) < match[j].(map[string]any)["ResourceId"].(string)
		})
		page, next, err := f.page(match, in, "NextToken", 50)
		if err != nil {
			return nil, err
		}
		out := map[string]any{"ScalableTargets": page}
		if next != "" {
			out["NextToken"] = next
		}
		return out, nil
	}
	return nil, &awsError{400, "UnknownOperationException", op}
}

func listOf(v any) []any { l, _ := v.([]any); return l }

// page cuts a list at the request's NextToken (an offset) and MaxResults.
func (f *EndpointFake) page(items []any, in map[string]any, tokenKey string, def int) ([]any, string, *awsError) {
	start := 0
	if tok := str(in, tokenKey); tok != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(tok, "page-"))
		if err != nil || n < 0 || n > len(items) {
			return nil, "", &awsError{400, "ValidationException", "invalid NextToken"}
		}
		start = n
	}
	size := def
	if mr, ok := in["MaxResults"].(json.Number); ok {
		if n, err := mr.Int64(); err == nil && n > 0 {
			size = int(n)
		}
	}
	if f.pageSize > 0 && f.pageSize < size {
		size = f.pageSize
	}
	end := min(start+size, len(items))
	next := ""
	if end < len(items) {
		next = "page-" + strconv.Itoa(end)
	}
	page := items[start:end]
	if page == nil {
		page = []any{}
	}
	return page, next, nil
}
