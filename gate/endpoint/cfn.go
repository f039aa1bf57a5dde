package endpoint

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// CloudFormation resource types the review reads.
const (
	typeEndpointConfig = "AWS::SageMaker::EndpointConfig"
	typeEndpoint       = "AWS::SageMaker::Endpoint"
	typeModel          = "AWS::SageMaker::Model"
	typeSchedule       = "AWS::SageMaker::MonitoringSchedule"
	typeScalableTarget = "AWS::ApplicationAutoScaling::ScalableTarget"
)

// noValue is AWS::NoValue: the property is removed.
type noValue struct{}

// template evaluates the intrinsic functions of a CloudFormation template
// as far as they can be known before deploy. A parameter is known when the
// template configuration file gives it (or, with such a file, from its
// Default, as CloudFormation does); a resource's id or attribute, a
// pseudo parameter, an import or a mapping lookup is Unknown.
type template struct {
	path       string
	params     map[string]any // declared parameters (their definitions)
	values     map[string]any // given values; nil: no configuration file
	resources  map[string]map[string]any
	conditions map[string]any
	// condMemo holds each named condition's value once evaluated, and
	// condBusy the ones being evaluated: a condition is evaluated once
	// (conditions that name each other many times would otherwise take
	// exponential time), and one that reaches itself is unknown.
	condMemo map[string]any
	condBusy map[string]bool
}

func describeTemplate(pf File, root map[string]any, values map[string]any) (*Description, error) {
	t := &template{path: pf.Path, values: values}
	t.params, _ = root["Parameters"].(map[string]any)
	t.conditions, _ = root["Conditions"].(map[string]any)
	res, ok := root["Resources"].(map[string]any)
	if !ok {
		return nil, inputErr("%s: Resources must be a mapping", pf.Path)
	}
	t.resources = map[string]map[string]any{}
	for id, r := range res {
		m, ok := r.(map[string]any)
		if !ok {
			return nil, inputErr("%s: resource %s must be a mapping", pf.Path, id)
		}
		t.resources[id] = m
	}
	for name := range values {
		if _, ok := t.params[name]; !ok {
			return nil, inputErr("%s gives parameter %s, which the template %s does not declare", pf.Parameters, name, pf.Path)
		}
	}
	cfgID, err := t.pick(pf.Resource)
	if err != nil {
		return nil, err
	}
	props, _ := t.eval(t.resources[cfgID]["Properties"], 0).(map[string]any)
	if props == nil {
		props = map[string]any{}
	}
	d := &Description{
		Moment: Proposed, Source: pf.Path + " (resource " + cfgID + ")",
		Config: props, Models: map[string]map[string]any{},
	}
	// Each variant's model: a model of the template (!GetAtt M.ModelName or
	// !Ref M) is described by its properties; a literal name is a model
	// outside the template, not described.
	for _, k := range []string{"ProductionVariants", "ShadowProductionVariants"} {
		for _, v := range list(props[k]) {
			vm, ok := v.(map[string]any)
			if !ok {
				continue
			}
			u, ok := vm["ModelName"].(Unknown)
			if !ok || u.resource == "" || t.typeOf(u.resource) != typeModel {
				continue
			}
			if cond := t.resourceCondition(u.resource); cond != nil {
				vm["ModelName"] = *cond
				continue
			}
			mp, _ := t.eval(t.resources[u.resource]["Properties"], 0).(map[string]any)
			if mp == nil {
				mp = map[string]any{}
			}
			vm["ModelName"] = u.resource
			d.Models[u.resource] = mp
		}
	}
	// The endpoint that uses this configuration, for its DeploymentConfig.
	var users []string
	for _, id := range t.ids(typeEndpoint) {
		p, _ := t.eval(t.resources[id]["Properties"], 0).(map[string]any)
		if u, ok := p["EndpointConfigName"].(Unknown); !ok || u.resource != cfgID {
			continue
		}
		users = append(users, id)
		if len(users) > 1 {
			// Which one deploys the model is not the template's to say:
			// judging one could pass an unguarded other.
			d.Deployment = Unknown{Why: fmt.Sprintf("%d endpoints use configuration %s (%s); give each its own", len(users), cfgID, strings.Join(users, ", "))}
			d.Name = ""
			continue
		}
		d.HasDeployment = true
		d.Deployment = p["DeploymentConfig"]
		if _, isNo := d.Deployment.(noValue); isNo {
			d.Deployment = nil
		}
		if n, ok := p["EndpointName"].(string); ok {
			d.Name = n
		}
	}
	for _, id := range t.ids(typeScalableTarget) {
		p, _ := t.eval(t.resources[id]["Properties"], 0).(map[string]any)
		if ns, _ := asString(p["ServiceNamespace"]); ns != "sagemaker" {
			continue
		}
		d.HasScaling = true
		// A target of another endpoint of the template does not count.
		switch rid := p["ResourceId"].(type) {
		case string:
			if d.Name != "" && !strings.HasPrefix(rid, "endpoint/"+d.Name+"/") {
				continue
			}
		case Unknown:
			if m := targetEndpointRE.FindStringSubmatch(rid.Partial); m != nil && t.typeOf(m[1]) == typeEndpoint && !slices.Contains(users, m[1]) {
				continue
			}
		}
		d.ScalableTargets = append(d.ScalableTargets, p)
	}
	for _, id := range t.ids(typeSchedule) {
		p, _ := t.eval(t.resources[id]["Properties"], 0).(map[string]any)
		d.HasSchedules = true
		sc := map[string]any{"MonitoringScheduleName": id}
		// Only a schedule of this endpoint counts.
		switch ep := p["EndpointName"].(type) {
		case Unknown:
			if !slices.Contains(users, ep.resource) {
				if ep.resource != "" {
					continue // another endpoint of the template
				}
				sc["MonitoringType"] = Unknown{Why: "the endpoint of schedule " + id + " cannot be known before deploy: " + ep.Why}
				d.Schedules = append(d.Schedules, sc)
				continue
			}
		case string:
			if d.Name == "" {
				sc["MonitoringType"] = Unknown{Why: "schedule " + id + " names endpoint " + ep + ", and the template's endpoint name is not known before deploy"}
				d.Schedules = append(d.Schedules, sc)
				continue
			}
			if ep != d.Name {
				continue
			}
		default:
			continue
		}
		if cfg, ok := p["MonitoringScheduleConfig"].(map[string]any); ok {
			if mt, ok := cfg["MonitoringType"]; ok {
				sc["MonitoringType"] = mt
			} else {
				sc["MonitoringType"] = Unknown{Why: "schedule " + id + " gives no MonitoringType"}
			}
		} else {
			sc["MonitoringType"] = Unknown{Why: "schedule " + id + " gives no MonitoringScheduleConfig"}
		}
		d.Schedules = append(d.Schedules, sc)
	}
	return d, nil
}

// pick chooses the EndpointConfig resource.
func (t *template) pick(want string) (string, error) {
	ids := t.ids(typeEndpointConfig)
	if want != "" {
		if t.typeOf(want) != typeEndpointConfig {
			return "", inputErr("%s has no %s resource %s; it has: %s", t.path, typeEndpointConfig, want, orNoneList(ids))
		}
		return want, nil
	}
	switch len(ids) {
	case 0:
		return "", inputErr("%s has no %s resource", t.path, typeEndpointConfig)
	case 1:
		return ids[0], nil
	}
	return "", inputErr("%s has %d %s resources (%s); name one with endpoint.resource", t.path, len(ids), typeEndpointConfig, strings.Join(ids, ", "))
}

func orNoneList(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}

func (t *template) typeOf(id string) string {
	s, _ := t.resources[id]["Type"].(string)
	return s
}

// ids lists the resources of a type that will be created (a resource whose
// condition is known to be false is left out), sorted.
func (t *template) ids(typ string) []string {
	var out []string
	for id := range t.resources {
		if t.typeOf(id) != typ {
			continue
		}
		if c, ok := t.resources[id]["Condition"].(string); ok {
			if b, isBool := t.condition(c, 0).(bool); isBool && !b {
				continue
			}
		}
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// resourceCondition is an Unknown when a resource's creation depends on a
// condition that cannot be known.
func (t *template) resourceCondition(id string) *Unknown {
	c, ok := t.resources[id]["Condition"].(string)
	if !ok {
		return nil
	}
	if u, ok := t.condition(c, 0).(Unknown); ok {
		u.Why = "resource " + id + " exists only if condition " + c + " holds: " + u.Why
		return &u
	}
	return nil
}

// ref resolves Ref.
func (t *template) ref(name string) any {
	if name == "AWS::NoValue" {
		return noValue{}
	}
	if strings.HasPrefix(name, "AWS::") {
		return Unknown{Why: "!Ref " + name + " (known at deploy)"}
	}
	if def, ok := t.params[name]; ok {
		dm, _ := def.(map[string]any)
		if v, given := t.values[name]; given {
			return listParam(dm, v)
		}
		if t.values != nil && dm != nil {
			if dv, ok := dm["Default"]; ok {
				return listParam(dm, dv)
			}
		}
		why := "!Ref " + name + " (a template parameter; its value is given at deploy"
		if t.values == nil {
			why += ": give endpoint.parameters"
		} else {
			why += " and the parameters file does not give it"
		}
		return Unknown{Why: why + ")"}
	}
	if _, ok := t.resources[name]; ok {
		return Unknown{Why: "!Ref " + name + " (the id of a resource, known after deploy)", resource: name}
	}
	return Unknown{Why: "!Ref " + name + " names nothing in the template"}
}

// listParam splits the value of a list parameter (CommaDelimitedList,
// List<...>), which a configuration file gives as "a,b".
func listParam(def map[string]any, v any) any {
	typ, _ := def["Type"].(string)
	str, isStr := v.(string)
	if !isStr || (typ != "CommaDelimitedList" && !strings.HasPrefix(typ, "List<")) {
		return v
	}
	var out []any
	for _, p := range strings.Split(str, ",") {
		out = append(out, strings.TrimSpace(p))
	}
	return out
}

// targetEndpointRE finds the endpoint resource a scalable target's
// ResourceId names: endpoint/${E.EndpointName}/... or endpoint/${E}/...
var targetEndpointRE = regexp.MustCompile(`^endpoint/\$\{([A-Za-z0-9]+)(?:\.EndpointName)?\}/`)

var subVarRE = regexp.MustCompile(`\$\{([^}]*)\}`)

// eval resolves the intrinsic functions in v.
func (t *template) eval(v any, depth int) any {
	if depth > maxDepth {
		return Unknown{Why: "nested too deeply"}
	}
	switch x := v.(type) {
	case []any:
		out := make([]any, 0, len(x))
		for _, item := range x {
			e := t.eval(item, depth+1)
			if _, isNo := e.(noValue); !isNo {
				out = append(out, e)
			}
		}
		return out
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") || k == "Condition" {
					return t.fn(k, arg, depth)
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, item := range x {
			e := t.eval(item, depth+1)
			if _, isNo := e.(noValue); !isNo {
				out[k] = e
			}
		}
		return out
	}
	return v
}

func (t *template) fn(name string, arg any, depth int) any {
	switch name {
	case "Ref":
		s, ok := arg.(string)
		if !ok {
			return Unknown{Why: "Ref of something that is not a name"}
		}
		return t.ref(s)
	case "Fn::GetAtt":
		var parts []string
		switch a := arg.(type) {
		case string:
			res, attr, _ := strings.Cut(a, ".")
			parts = []string{res, attr}
		case []any:
			for _, p := range a {
				s, _ := t.eval(p, depth+1).(string)
				parts = append(parts, s)
			}
		}
		if len(parts) != 2 {
			return Unknown{Why: "!GetAtt with a malformed argument"}
		}
		return Unknown{Why: "!GetAtt " + parts[0] + "." + parts[1] + " (an attribute of a resource, known after deploy)", resource: parts[0]}
	case "Fn::Sub":
		return t.sub(arg, depth)
	case "Fn::Join":
		a, _ := arg.([]any)
		if len(a) != 2 {
			return Unknown{Why: "Fn::Join with a malformed argument"}
		}
		sep, _ := t.eval(a[0], depth+1).(string)
		items, ok := t.eval(a[1], depth+1).([]any)
		if !ok {
			return Unknown{Why: "Fn::Join of a list that cannot be known"}
		}
		var b strings.Builder
		var unk *Unknown
		for i, it := range items {
			if i > 0 {
				b.WriteString(sep)
			}
			if u, ok := it.(Unknown); ok {
				unk = &u
				b.WriteString("${" + u.Why + "}")
				continue
			}
			s, _ := asString(it)
			b.WriteString(s)
		}
		if unk != nil {
			return Unknown{Why: "Fn::Join uses " + unk.Why, Partial: b.String()}
		}
		return b.String()
	case "Fn::If":
		a, _ := arg.([]any)
		if len(a) != 3 {
			return Unknown{Why: "Fn::If with a malformed argument"}
		}
		cname, _ := a[0].(string)
		switch c := t.condition(cname, 0).(type) {
		case bool:
			if c {
				return t.eval(a[1], depth+1)
			}
			return t.eval(a[2], depth+1)
		case Unknown:
			return Unknown{Why: "!If " + cname + ": " + c.Why}
		}
		return Unknown{Why: "!If " + cname + ": the condition is not a boolean"}
	case "Fn::Select":
		a, _ := arg.([]any)
		if len(a) != 2 {
			return Unknown{Why: "Fn::Select with a malformed argument"}
		}
		idx, ok := asNumber(t.eval(a[0], depth+1))
		items, isList := t.eval(a[1], depth+1).([]any)
		if !ok || !isList || idx < 0 || int(idx) >= len(items) {
			return Unknown{Why: "Fn::Select that cannot be known"}
		}
		return items[int(idx)]
	case "Condition":
		s, _ := arg.(string)
		return t.condition(s, 0)
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
		return t.condExpr(name, arg, 0)
	}
	return Unknown{Why: name + " is not evaluated before deploy"}
}

// sub resolves Fn::Sub: a string, or [string, {vars}].
func (t *template) sub(arg any, depth int) any {
	var tmpl string
	vars := map[string]any{}
	switch a := arg.(type) {
	case string:
		tmpl = a
	case []any:
		if len(a) != 2 {
			return Unknown{Why: "Fn::Sub with a malformed argument"}
		}
		tmpl, _ = a[0].(string)
		m, _ := a[1].(map[string]any)
		for k, v := range m {
			vars[k] = t.eval(v, depth+1)
		}
	default:
		return Unknown{Why: "Fn::Sub with a malformed argument"}
	}
	var unknown []string
	out := subVarRE.ReplaceAllStringFunc(tmpl, func(m string) string {
		name := m[2 : len(m)-1]
		if strings.HasPrefix(name, "!") {
			return "${" + name[1:] + "}"
		}
		var v any
		if x, ok := vars[name]; ok {
			v = x
		} else if res, _, isAtt := strings.Cut(name, "."); isAtt {
			v = Unknown{Why: "${" + name + "} (an attribute of a resource, known after deploy)", resource: res}
		} else {
			v = t.ref(name)
		}
		if _, ok := v.(Unknown); ok {
			unknown = append(unknown, name)
			return m
		}
		s, _ := asString(v)
		return s
	})
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return Unknown{Why: "!Sub " + strconv.Quote(tmpl) + " uses " + strings.Join(slices.Compact(unknown), ", ") + ", not known before deploy", Partial: out}
	}
	return out
}

// condition evaluates a named condition to a bool or an Unknown, once.
func (t *template) condition(name string, depth int) any {
	if v, ok := t.condMemo[name]; ok {
		return v
	}
	if t.condBusy[name] {
		return Unknown{Why: "condition " + name + " refers to itself"}
	}
	if depth > 20 {
		return Unknown{Why: "conditions nested too deeply at " + name}
	}
	if t.condMemo == nil {
		t.condMemo, t.condBusy = map[string]any{}, map[string]bool{}
	}
	t.condBusy[name] = true
	v := t.evalCondition(name, depth)
	delete(t.condBusy, name)
	t.condMemo[name] = v
	return v
}

func (t *template) evalCondition(name string, depth int) any {
	expr, ok := t.conditions[name]
	if !ok {
		return Unknown{Why: "condition " + name + " is not declared"}
	}
	m, ok := expr.(map[string]any)
	if !ok || len(m) != 1 {
		return Unknown{Why: "condition " + name + " is malformed"}
	}
	for k, arg := range m {
		if k == "Condition" {
			s, _ := arg.(string)
			return t.condition(s, depth+1)
		}
		return t.condExpr(k, arg, depth+1)
	}
	return nil
}

func (t *template) condValue(v any, depth int) any {
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		for k, arg := range m {
			switch k {
			case "Condition":
				s, _ := arg.(string)
				return t.condition(s, depth+1)
			case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
				return t.condExpr(k, arg, depth+1)
			}
		}
	}
	return t.eval(v, depth+1)
}

func (t *template) condExpr(fn string, arg any, depth int) any {
	if depth > 20 {
		return Unknown{Why: "conditions nested too deeply"}
	}
	a, _ := arg.([]any)
	switch fn {
	case "Fn::Equals":
		if len(a) != 2 {
			return Unknown{Why: "Fn::Equals with a malformed argument"}
		}
		x, y := t.condValue(a[0], depth), t.condValue(a[1], depth)
		for _, v := range []any{x, y} {
			if u, ok := v.(Unknown); ok {
				return Unknown{Why: "it depends on " + u.Why}
			}
		}
		xs, _ := asString(boolString(x))
		ys, _ := asString(boolString(y))
		return xs == ys
	case "Fn::Not":
		if len(a) != 1 {
			return Unknown{Why: "Fn::Not with a malformed argument"}
		}
		switch v := t.condValue(a[0], depth).(type) {
		case bool:
			return !v
		case Unknown:
			return v
		}
		return Unknown{Why: "Fn::Not of something that is not a condition"}
	case "Fn::And", "Fn::Or":
		short := fn == "Fn::Or" // the value that decides alone
		var unk *Unknown
		for _, item := range a {
			switch v := t.condValue(item, depth).(type) {
			case bool:
				if v == short {
					return short
				}
			case Unknown:
				unk = &v
			default:
				return Unknown{Why: fn + " of something that is not a condition"}
			}
		}
		if unk != nil {
			return *unk
		}
		return !short
	}
	return Unknown{Why: fmt.Sprintf("%s is not a condition function", fn)}
}

func boolString(v any) any {
	if b, ok := v.(bool); ok {
		return strconv.FormatBool(b)
	}
	return v
}
