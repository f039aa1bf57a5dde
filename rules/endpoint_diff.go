package rules

import (
	"slices"
	"strconv"
	"strings"
)

// endpoint compares the endpoint sections rule by rule (matched by id), as
// Diff does for model rules: an added rule or a stricter value tightens, a
// removed rule, a weaker value, a waiver added or a lower severity loosens.
// A rule whose check changed kind counts as loosening (the old check is
// gone).
func (d *differ) endpoint(base, head *File) {
	var bRules, hRules []EndpointRule
	var bPos, hPos Pos
	if base.Endpoint != nil {
		bRules, bPos = base.Endpoint.Rules, base.Endpoint.Pos
	}
	if head.Endpoint != nil {
		hRules, hPos = head.Endpoint.Rules, head.Endpoint.Pos
	}
	if base.Endpoint != nil && head.Endpoint == nil {
		d.out = append(d.out, Change{Kind: Loosen, What: "endpoint section removed", Pos: bPos, InBase: true})
	}
	if base.Endpoint != nil && head.Endpoint != nil {
		b, h := base.Endpoint, head.Endpoint
		// What is judged changed: another file or endpoint may hide the
		// one that is deployed, so each counts as loosening.
		if b.Config != h.Config {
			d.add("", Loosen, "endpoint.config changed (another configuration is judged)", b.Config, h.Config, firstValid(h.ConfigPos, hPos))
		}
		if b.Resource != h.Resource {
			d.add("", Loosen, "endpoint.resource changed (another configuration is judged)", b.Resource, h.Resource, firstValid(h.ResourcePos, hPos))
		}
		if b.Name != h.Name {
			d.add("", Loosen, "endpoint.name changed (another endpoint is judged)", b.Name, h.Name, firstValid(h.NamePos, hPos))
		}
		if strings.Join(b.Models, "\n") != strings.Join(h.Models, "\n") {
			d.add("", Loosen, "endpoint.models changed (the models the configuration is judged with)", strings.Join(b.Models, ", "), strings.Join(h.Models, ", "), firstValid(h.ModelsPos, hPos))
		}
		if b.Parameters != h.Parameters {
			d.add("", Loosen, "endpoint.parameters changed (the values the template is judged with)", b.Parameters, h.Parameters, firstValid(h.ParametersPos, hPos))
		}
	}
	byID := map[string]*EndpointRule{}
	for i := range bRules {
		byID[bRules[i].ID] = &bRules[i]
	}
	seen := map[string]bool{}
	for i := range hRules {
		h := &hRules[i]
		seen[h.ID] = true
		b, ok := byID[h.ID]
		if !ok {
			d.add(h.ID, Tighten, "endpoint rule added", "", EndpointSummary(h), h.Pos)
			continue
		}
		d.endpointRule(base, head, b, h)
	}
	for i := range bRules {
		if b := &bRules[i]; !seen[b.ID] {
			d.out = append(d.out, Change{Rule: b.ID, Kind: Loosen, What: "endpoint rule removed", Before: EndpointSummary(b), Pos: firstValid(b.Pos, bPos), InBase: true})
		}
	}
}

func (d *differ) endpointRule(bf, hf *File, b, h *EndpointRule) {
	if bs, hs := bf.EndpointSeverity(b), hf.EndpointSeverity(h); bs != hs {
		d.add(h.ID, severityKind(bs, hs), "severity changed", string(bs), string(hs), firstValid(h.SeverityPos, h.Pos))
	}
	d.waiver(h.ID, b.Waiver, h.Waiver, h.Pos)
	if b.Check != h.Check {
		d.add(h.ID, Loosen, "check changed", EndpointSummary(b), EndpointSummary(h), firstValid(h.CheckPos, h.Pos))
		return
	}
	before, after := EndpointSummary(b), EndpointSummary(h)
	if before == after {
		return
	}
	kind := Tighten
	if endpointLooser(b, h) {
		kind = Loosen
	}
	d.add(h.ID, kind, h.Check+" changed", before, after, firstValid(h.CheckPos, h.Pos))
}

// endpointLooser reports whether h may pass an endpoint that b fails. Both
// rules have the same check.
func endpointLooser(b, h *EndpointRule) bool {
	subset := func(small, big []string) bool { // every item of small is in big
		for _, s := range small {
			if !slices.Contains(big, s) {
				return false
			}
		}
		return true
	}
	lower := func(bn, hn *Number) bool { // a minimum lowered or dropped
		return bn != nil && (hn == nil || hn.V < bn.V)
	}
	higher := func(bn, hn *Number) bool { // a maximum raised or dropped
		return bn != nil && (hn == nil || hn.V > bn.V)
	}
	switch h.Check {
	case CheckServes:
		// approved-or-candidate accepts more than either alone; approved and
		// candidate are different packages: only narrowing to one tightens.
		return b.Serves != ServesApprovedOrC
	case CheckDataCapture:
		bd, hd := b.DataCapture, h.DataCapture
		return lower(bd.MinSampling, hd.MinSampling) || (bd.KMS && !hd.KMS) ||
			(bd.Buckets != nil && (hd.Buckets == nil || !subset(hd.Buckets, bd.Buckets)))
	case CheckVPC:
		return b.VPC.NetworkIsolation && !h.VPC.NetworkIsolation
	case CheckInstanceTypes:
		return !subset(h.InstanceTypes, b.InstanceTypes)
	case CheckMinInstances:
		return h.MinInstances < b.MinInstances
	case CheckAutoscaling:
		return lower(b.Autoscaling.Min, h.Autoscaling.Min) || higher(b.Autoscaling.Max, h.Autoscaling.Max)
	case CheckMonitoring:
		return !subset(b.Monitoring, h.Monitoring)
	case CheckDeployment:
		bd, hd := b.Deployment, h.Deployment
		return (bd.BlueGreen && !hd.BlueGreen) || (bd.AutoRollback && !hd.AutoRollback) || (bd.AutoRollback && hd.MinAlarms < bd.MinAlarms)
	}
	return true
}

// EndpointSummary is an endpoint rule's check in one line, e.g.
// "data_capture min_sampling 20 kms buckets [a, b]".
func EndpointSummary(r *EndpointRule) string {
	var parts []string
	add := func(s ...string) { parts = append(parts, s...) }
	switch r.Check {
	case CheckServes:
		add("serves", r.Serves)
	case CheckDataCapture:
		add("data_capture")
		if dc := r.DataCapture; dc != nil {
			if dc.MinSampling != nil {
				add("min_sampling", fmtNum(dc.MinSampling.V))
			}
			if dc.KMS {
				add("kms")
			}
			if dc.Buckets != nil {
				add("buckets [" + strings.Join(dc.Buckets, ", ") + "]")
			}
		}
	case CheckKMS:
		add("kms")
	case CheckVPC:
		add("vpc")
		if r.VPC != nil && r.VPC.NetworkIsolation {
			add("network_isolation")
		}
	case CheckInstanceTypes:
		add("instance_types [" + strings.Join(r.InstanceTypes, ", ") + "]")
	case CheckMinInstances:
		add("min_instances", strconv.Itoa(r.MinInstances))
	case CheckAutoscaling:
		add("autoscaling")
		if a := r.Autoscaling; a != nil {
			if a.Min != nil {
				add("min", fmtNum(a.Min.V))
			}
			if a.Max != nil {
				add("max", fmtNum(a.Max.V))
			}
		}
	case CheckMonitoring:
		add("monitoring [" + strings.Join(r.Monitoring, ", ") + "]")
	case CheckDeployment:
		add("deployment")
		if dp := r.Deployment; dp != nil {
			if dp.BlueGreen {
				add("blue_green")
			}
			if dp.AutoRollback {
				add("auto_rollback", "min_alarms", strconv.Itoa(dp.MinAlarms))
			}
		}
	}
	return strings.Join(parts, " ")
}
