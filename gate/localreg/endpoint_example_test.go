package localreg_test

import (
	"context"
	"fmt"
	"time"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/endpoint"
	"github.com/modelgate/modelgate/gate/localreg"
	"github.com/modelgate/modelgate/rules"
)

// The README's endpoint example: the live canary endpoint of the local
// registry, judged by examples/fraud/.github/endpoint.yml.
func ExampleEndpoint_Describe() {
	f, err := rules.ReadFile("../../examples/fraud/.github/endpoint.yml")
	if err != nil {
		panic(err)
	}
	reg, err := localreg.New("../../examples/fraud/registry")
	if err != nil {
		panic(err)
	}
	s, err := endpoint.Check(context.Background(), f, reg.Endpoint("fraud-canary"), endpoint.Options{Registry: reg, Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		panic(err)
	}
	for _, fd := range s.Findings {
		v := string(fd.Verdict)
		if fd.Blocking {
			v += " (blocking)"
		}
		fmt.Printf("%-16s %-24s %-16s %s\n", fd.Rule, fd.Metric, gate.LabelString(fd.Labels), v)
		if fd.Verdict != gate.Pass {
			fmt.Printf("  -> %s\n", fd.Reason)
		}
	}
	r := s.Result(f)
	fmt.Printf("%s: %s (exit %d)\n", r.Conclusion, r.Title(), r.ExitCode())
	// Output:
	// serves-approved  endpoint.serves          variant=AllTraffic fail (blocking)
	//   -> model fraud-xgboost-v12 serves fraud-xgboost/12, which is not the approved fraud-xgboost/11 or candidate fraud-xgboost/13
	// data-capture     endpoint.data_capture                     fail (blocking)
	//   -> sampling 5% is below the minimum 20%
	// kms-at-rest      endpoint.kms                              fail (blocking)
	//   -> no KmsKeyId: the ML storage volumes are not encrypted with a customer-managed KMS key
	// vpc-isolated     endpoint.vpc             variant=AllTraffic pass
	// instance-types   endpoint.instance_types  variant=AllTraffic pass
	// two-azs          endpoint.min_instances   variant=AllTraffic fail (blocking)
	//   -> 1 instance(s), below the minimum 2 (a single instance is one Availability Zone); the live variant runs 1 instance(s) now, below the minimum 2
	// autoscaling      endpoint.autoscaling     variant=AllTraffic fail (blocking)
	//   -> variant AllTraffic is not registered with Application Auto Scaling (no scalable target sagemaker:variant:DesiredInstanceCount)
	// monitored        endpoint.monitoring                       fail (blocking)
	//   -> no ModelQuality monitoring schedule is attached to the endpoint
	// rollback-guard   endpoint.deployment                       fail (blocking)
	//   -> the endpoint has no DeploymentConfig: updates replace every instance at once with no rollback
	// failure: 7 of 9 rules failed - fraud-xgboost (exit 1)
}
