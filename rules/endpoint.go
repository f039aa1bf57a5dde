package rules

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Endpoint is the `endpoint:` section: rules on the configuration of the
// SageMaker endpoint that serves the model (DESIGN §9). It is judged on the
// proposed configuration in the repository (Config) or on the live endpoint
// (Name), with the same verdicts, severities and waivers as model rules.
type Endpoint struct {
	// Name is the live endpoint's name; the CLI's --endpoint wins.
	Name    string
	NamePos Pos
	// Config is the proposed configuration, a path relative to the rules
	// file: a CreateEndpointConfig-shaped JSON or YAML file, or a
	// CloudFormation template holding an AWS::SageMaker::EndpointConfig.
	Config    string
	ConfigPos Pos
	// Resource is the logical id of the EndpointConfig resource when the
	// template holds several.
	Resource    string
	ResourcePos Pos
	// Parameters is a CloudFormation template configuration file
	// ({"Parameters": {...}}) giving the values of the template's
	// parameters, relative to the rules file.
	Parameters    string
	ParametersPos Pos
	// Models are CreateModel-shaped files (JSON or YAML) describing the
	// models a CreateEndpointConfig-shaped Config names, relative to the
	// rules file.
	Models    []string
	ModelsPos Pos

	Rules []EndpointRule
	Pos   Pos
}

// Endpoint checks: the key of an endpoint rule that says what it checks.
const (
	CheckServes        = "serves"
	CheckDataCapture   = "data_capture"
	CheckKMS           = "kms"
	CheckVPC           = "vpc"
	CheckInstanceTypes = "instance_types"
	CheckMinInstances  = "min_instances"
	CheckAutoscaling   = "autoscaling"
	CheckMonitoring    = "monitoring"
	CheckDeployment    = "deployment"
)

// EndpointChecks lists the checks in the order the documentation gives them.
var EndpointChecks = []string{
	CheckServes, CheckDataCapture, CheckKMS, CheckVPC, CheckInstanceTypes,
	CheckMinInstances, CheckAutoscaling, CheckMonitoring, CheckDeployment,
}

// What an endpoint may serve (the `serves` check).
const (
	ServesApproved    = "approved"              // the newest approved package of the group
	ServesCandidate   = "candidate"             // the candidate of the model section
	ServesApprovedOrC = "approved-or-candidate" // either of them
)

// MonitoringTypes are the Model Monitor schedule kinds (the API's
// MonitoringType enum).
var MonitoringTypes = []string{"DataQuality", "ModelQuality", "ModelBias", "ModelExplainability"}

// EndpointRule is one rule of the endpoint section. Check names which of
// the check fields is set.
type EndpointRule struct {
	ID       string
	Pos      Pos
	Check    string
	CheckPos Pos

	// serves: approved | candidate | approved-or-candidate.
	Serves string
	// data_capture: capture must be on.
	DataCapture *DataCaptureRule
	// kms: the endpoint's storage volumes are encrypted with a customer key
	// (KmsKeyId set).
	// vpc: the endpoint's models run in a VPC; NetworkIsolation also
	// requires EnableNetworkIsolation.
	VPC *VPCRule
	// instance_types: every variant's instance type is one of these.
	InstanceTypes []string
	// min_instances: every instance-backed variant starts with at least this
	// many instances (redundancy across Availability Zones needs 2).
	MinInstances int
	// autoscaling: every variant is a scalable target within these bounds.
	Autoscaling *AutoscalingRule
	// monitoring: a schedule of each of these kinds is attached.
	Monitoring []string
	// deployment: updates are guarded.
	Deployment *DeploymentRule

	Severity    Severity
	SeverityPos Pos
	Waiver      *Waiver
}

// DataCaptureRule: capture enabled, and optionally a minimum sampling
// percentage, a KMS key and an allowlist of destination buckets.
type DataCaptureRule struct {
	MinSampling *Number  // InitialSamplingPercentage >= this
	KMS         bool     // DataCaptureConfig.KmsKeyId set
	Buckets     []string // DestinationS3Uri's bucket is one of these
	Pos         Pos
}

// VPCRule: VpcConfig with subnets and security groups; network isolation
// when NetworkIsolation.
type VPCRule struct {
	NetworkIsolation bool
	Pos              Pos
}

// AutoscalingRule bounds the scalable target of every variant:
// MinCapacity >= Min and MaxCapacity <= Max (each when given).
type AutoscalingRule struct {
	Min *Number
	Max *Number
	Pos Pos
}

// DeploymentRule: a blue/green update policy, and auto-rollback alarms
// (at least MinAlarms, default 1) when AutoRollback.
type DeploymentRule struct {
	BlueGreen    bool
	AutoRollback bool
	MinAlarms    int
	Pos          Pos
}

// EndpointSeverity is the endpoint rule's severity or the file default.
func (f *File) EndpointSeverity(r *EndpointRule) Severity {
	if r.Severity != "" {
		return r.Severity
	}
	if f.Defaults.Severity != "" {
		return f.Defaults.Severity
	}
	return SeverityError
}

var (
	endpointKeys     = []string{"name", "config", "resource", "parameters", "models", "rules"}
	endpointRuleKeys = append([]string{"id"}, append(slices.Clone(EndpointChecks), "severity", "waiver")...)
	dataCaptureKeys  = []string{"min_sampling", "kms", "buckets"}
	vpcKeys          = []string{"network_isolation"}
	autoscalingKeys  = []string{"min", "max"}
	deploymentKeys   = []string{"blue_green", "auto_rollback", "min_alarms"}

	// endpointNameRE is the API's EndpointName pattern.
	endpointNameRE = lazyPattern(`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`)
	// bucketRE is an S3 bucket name.
	bucketRE = lazyPattern(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	// instanceTypeRE is the shape of an ML instance type (ml.m5.xlarge).
	instanceTypeRE = lazyPattern(`^ml\.[a-z0-9-]+\.[a-z0-9-]+$`)
	// logicalIDRE is a CloudFormation logical id.
	logicalIDRE = lazyPattern(`^[A-Za-z0-9]{1,255}$`)
)

// endpointSection reads the `endpoint:` mapping. modelIDs are the ids of the
// model rules: an endpoint rule may not reuse one (annotations, audit and
// diffs name rules by id alone).
func (p *parser) endpointSection(n *yaml.Node, modelIDs map[string]bool) *Endpoint {
	e := &Endpoint{Pos: pos(n)}
	fs, ok := p.mapping(n, "`endpoint`", "endpoint", endpointKeys, nil)
	if !ok {
		return e
	}
	p.require(fs, "endpoint", "rules")
	if v, ok := fs.vals["name"]; ok {
		if s, ok := p.nonEmpty(v, "endpoint.name"); ok {
			if !endpointNameRE.MatchString(s) {
				p.errorf(pos(v), KindName, "`endpoint.name` `%s` is not an endpoint name: 1 to 63 letters, digits or `-`, starting with a letter or digit", trunc(s))
			}
			e.Name, e.NamePos = s, pos(v)
		}
	}
	for _, k := range []struct {
		key  string
		dst  *string
		dpos *Pos
	}{{"config", &e.Config, &e.ConfigPos}, {"parameters", &e.Parameters, &e.ParametersPos}} {
		if v, ok := fs.vals[k.key]; ok {
			if s, ok := p.nonEmpty(v, "endpoint."+k.key); ok {
				if msg := checkRelPath(s); msg != "" {
					p.errorf(pos(v), KindValue, "`endpoint.%s`: %s", k.key, msg)
				}
				*k.dst, *k.dpos = s, pos(v)
			}
		}
	}
	if v, ok := fs.vals["resource"]; ok {
		if s, ok := p.nonEmpty(v, "endpoint.resource"); ok {
			if !logicalIDRE.MatchString(s) {
				p.errorf(pos(v), KindName, "`endpoint.resource` `%s` is not a CloudFormation logical id (letters and digits)", trunc(s))
			}
			e.Resource, e.ResourcePos = s, pos(v)
		}
	}
	if v, ok := fs.vals["models"]; ok {
		if list, ok := p.strList(v, "endpoint.models"); ok {
			for i, m := range list {
				if msg := checkRelPath(m); msg != "" {
					p.errorf(pos(v.Content[i]), KindValue, "`endpoint.models`: %s", msg)
				}
			}
			e.Models, e.ModelsPos = list, pos(v)
			if e.Config == "" {
				p.errorf(e.ModelsPos, KindConflict, "`endpoint.models` describes the models of `endpoint.config`, which is not given")
			}
		}
	}
	if e.Resource != "" && e.Config == "" {
		p.errorf(e.ResourcePos, KindConflict, "`endpoint.resource` names a resource of the template in `endpoint.config`, which is not given")
	}
	if e.Parameters != "" && e.Config == "" {
		p.errorf(e.ParametersPos, KindConflict, "`endpoint.parameters` gives values for the template in `endpoint.config`, which is not given")
	}
	v, ok := fs.vals["rules"]
	if !ok || reported(v) {
		return e
	}
	if v.Kind != yaml.SequenceNode {
		p.errorf(pos(v), KindType, "`endpoint.rules` must be a list of rules, found %s", describe(v))
		return e
	}
	if len(v.Content) == 0 {
		p.errorf(pos(v), KindRequired, "`endpoint.rules` is empty; remove the endpoint section or add a rule")
		return e
	}
	ids := map[string]Pos{}
	for _, c := range v.Content {
		r, idPos, ok := p.endpointRule(c)
		if !ok {
			continue
		}
		if r.ID != "" {
			switch first, dup := ids[r.ID]; {
			case dup:
				p.errorf(idPos, KindDuplicateID, "rule id `%s` is already used at %s", r.ID, first)
			case modelIDs[r.ID]:
				p.errorf(idPos, KindDuplicateID, "rule id `%s` is already used by a model rule; ids are unique across the file", r.ID)
			default:
				ids[r.ID] = idPos
			}
		}
		e.Rules = append(e.Rules, r)
	}
	return e
}

// checkRelPath accepts a relative path (it may climb out of the rules
// file's folder, e.g. ../deploy/x.yml from .github/; the reader confines it
// to the repository).
func checkRelPath(s string) string {
	if strings.Contains(s, "://") || strings.HasPrefix(s, "/") || strings.HasPrefix(s, `\`) || (len(s) > 1 && s[1] == ':') {
		return fmt.Sprintf("`%s` must be a path relative to the rules file", trunc(s))
	}
	return ""
}

func (p *parser) endpointRule(n *yaml.Node) (EndpointRule, Pos, bool) {
	r := EndpointRule{Pos: pos(n)}
	fs, ok := p.mapping(n, "an endpoint rule", "endpoint rule", endpointRuleKeys, nil)
	if !ok {
		return r, Pos{}, false
	}
	var idPos Pos
	r.ID, idPos = p.ruleID(fs, "endpoint rule")
	label := "this endpoint rule"
	if r.ID != "" {
		label = fmt.Sprintf("endpoint rule `%s`", r.ID)
	}
	var checks []string
	for _, k := range EndpointChecks {
		if fs.has(k) {
			checks = append(checks, k)
		}
	}
	switch len(checks) {
	case 0:
		p.errorf(pos(n), KindRequired, "%s needs one check: %s", label, quoteList(EndpointChecks, "or"))
	case 1:
		r.Check, r.CheckPos = checks[0], pos(fs.keys[checks[0]])
		p.endpointCheck(&r, fs.vals[checks[0]])
	default:
		p.errorf(pos(fs.keys[checks[1]]), KindConflict, "%s has both %s; an endpoint rule checks exactly one thing", label, quoteList(checks, "and"))
	}
	p.severity(fs, &r.Severity, &r.SeverityPos)
	if v, ok := fs.vals["waiver"]; ok {
		r.Waiver = p.waiver(v)
	}
	return r, idPos, true
}

// mustBeTrue reads a boolean that only means something when true: `false`
// would check nothing and look like a check.
func (p *parser) mustBeTrue(n *yaml.Node, key string) bool {
	b, ok := p.boolean(n, key)
	if ok && !b {
		p.errorf(pos(n), KindValue, "`%s: false` checks nothing; remove it (or the rule)", key)
	}
	return ok && b
}

func (p *parser) endpointCheck(r *EndpointRule, v *yaml.Node) {
	switch r.Check {
	case CheckServes:
		if s, ok := p.enum(v, "serves", ServesApproved, ServesCandidate, ServesApprovedOrC); ok {
			r.Serves = s
		}
	case CheckKMS:
		p.mustBeTrue(v, "kms")
	case CheckDataCapture:
		dc := &DataCaptureRule{Pos: pos(v)}
		r.DataCapture = dc
		if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!bool" {
			p.mustBeTrue(v, "data_capture")
			return
		}
		fs, ok := p.mapping(v, "`data_capture`", "data_capture", dataCaptureKeys, nil)
		if !ok {
			return
		}
		if n, ok := fs.vals["min_sampling"]; ok {
			if num, ok := p.number(n, "data_capture.min_sampling"); ok {
				if num.V <= 0 || num.V > 100 {
					p.errorf(num.Pos, KindRange, "`data_capture.min_sampling` is a percentage in (0, 100], found %s", fmtNum(num.V))
				} else {
					dc.MinSampling = num
				}
			}
		}
		if n, ok := fs.vals["kms"]; ok {
			dc.KMS = p.mustBeTrue(n, "data_capture.kms")
		}
		if n, ok := fs.vals["buckets"]; ok {
			if list, ok := p.strList(n, "data_capture.buckets"); ok {
				for i, b := range list {
					if !bucketRE.MatchString(b) {
						p.errorf(pos(n.Content[i]), KindValue, "`%s` is not an S3 bucket name (give the bucket only, not s3:// or a prefix)", trunc(b))
					}
				}
				if len(list) == 0 {
					p.errorf(pos(n), KindRequired, "`data_capture.buckets` is empty; no destination would be allowed")
				}
				dc.Buckets = list
			}
		}
	case CheckVPC:
		vr := &VPCRule{Pos: pos(v)}
		r.VPC = vr
		if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!bool" {
			p.mustBeTrue(v, "vpc")
			return
		}
		fs, ok := p.mapping(v, "`vpc`", "vpc", vpcKeys, nil)
		if !ok {
			return
		}
		if n, ok := fs.vals["network_isolation"]; ok {
			vr.NetworkIsolation = p.mustBeTrue(n, "vpc.network_isolation")
		}
	case CheckInstanceTypes:
		list, ok := p.strList(v, "instance_types")
		if !ok {
			return
		}
		if len(list) == 0 {
			p.errorf(pos(v), KindRequired, "`instance_types` is empty; no instance type would be allowed")
		}
		for i, s := range list {
			if !instanceTypeRE.MatchString(s) {
				p.errorf(pos(v.Content[i]), KindValue, "`%s` is not an ML instance type such as `ml.m5.xlarge`", trunc(s))
			}
		}
		r.InstanceTypes = list
	case CheckMinInstances:
		if n, ok := p.integer(v, "min_instances"); ok {
			if n < 1 {
				p.errorf(pos(v), KindRange, "`min_instances` must be at least 1, found %d", n)
			}
			r.MinInstances = n
		}
	case CheckAutoscaling:
		a := &AutoscalingRule{Pos: pos(v)}
		r.Autoscaling = a
		fs, ok := p.mapping(v, "`autoscaling`", "autoscaling", autoscalingKeys, nil)
		if !ok {
			return
		}
		for _, k := range []struct {
			key string
			dst **Number
		}{{"min", &a.Min}, {"max", &a.Max}} {
			if n, ok := fs.vals[k.key]; ok {
				if c, ok := p.integer(n, "autoscaling."+k.key); ok {
					if c < 0 {
						p.errorf(pos(n), KindRange, "`autoscaling.%s` must be at least 0, found %d", k.key, c)
					}
					*k.dst = &Number{V: float64(c), Pos: pos(n)}
				}
			}
		}
		if a.Min != nil && a.Max != nil && a.Min.V > a.Max.V {
			p.errorf(a.Max.Pos, KindRange, "`autoscaling.max` (%s) is below `autoscaling.min` (%s)", fmtNum(a.Max.V), fmtNum(a.Min.V))
		}
	case CheckMonitoring:
		var list []string
		if v.Kind == yaml.ScalarNode {
			if s, ok := p.enum(v, "monitoring", MonitoringTypes...); ok {
				list = []string{s}
			}
		} else if l, ok := p.strList(v, "monitoring"); ok {
			if len(l) == 0 {
				p.errorf(pos(v), KindRequired, "`monitoring` is empty; name at least one of %s", quoteList(MonitoringTypes, "or"))
			}
			for i, s := range l {
				if !contains(MonitoringTypes, s) {
					p.errorf(pos(v.Content[i]), KindValue, "`monitoring` must name %s, found `%s`%s", quoteList(MonitoringTypes, "or"), trunc(s), didYouMean(s, MonitoringTypes))
				}
			}
			list = l
		}
		r.Monitoring = list
	case CheckDeployment:
		d := &DeploymentRule{Pos: pos(v), MinAlarms: 1}
		r.Deployment = d
		fs, ok := p.mapping(v, "`deployment`", "deployment", deploymentKeys, nil)
		if !ok {
			return
		}
		if n, ok := fs.vals["blue_green"]; ok {
			d.BlueGreen = p.mustBeTrue(n, "deployment.blue_green")
		}
		if n, ok := fs.vals["auto_rollback"]; ok {
			d.AutoRollback = p.mustBeTrue(n, "deployment.auto_rollback")
		}
		if n, ok := fs.vals["min_alarms"]; ok {
			if c, ok := p.integer(n, "deployment.min_alarms"); ok {
				if c < 1 {
					p.errorf(pos(n), KindRange, "`deployment.min_alarms` must be at least 1, found %d", c)
				}
				d.MinAlarms = c
				if !fs.has("auto_rollback") {
					d.AutoRollback = true
				}
			}
		}
		if !d.BlueGreen && !d.AutoRollback {
			p.errorf(pos(v), KindRequired, "`deployment` needs `blue_green: true`, `auto_rollback: true` or both")
		}
	}
}
