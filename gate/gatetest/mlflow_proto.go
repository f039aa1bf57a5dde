package gatetest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
)

// The MLflow REST messages the fake speaks, hand-encoded from
// mlflow/protos (MLflow v3.11.1: model_registry.proto, service.proto;
// see ../shared/reference/mlflow/SOURCES.md). JSON field names are the proto
// field names; int64 may be a JSON number or a string; an enum is its name.
// Requests are validated strictly (unknown field, wrong type, missing
// validate_required field: the test fails), responses too, so the fake can
// never answer what a real server cannot.

type protoField struct {
	typ      string // string, int64, double, bool, enum:<Enum>, msg:<Message>
	repeated bool
	required bool // (validate_required) = true
}

var protoEnums = map[string][]string{
	"ModelVersionStatus": {"PENDING_REGISTRATION", "FAILED_REGISTRATION", "READY"},
	"RunStatus":          {"RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"},
}

func pOpt(typ string) protoField { return protoField{typ: typ} }
func pReq(typ string) protoField { return protoField{typ: typ, required: true} }
func pRep(typ string) protoField { return protoField{typ: typ, repeated: true} }

var protoMessages = map[string]map[string]protoField{
	// model_registry.proto
	"ModelVersion": {
		"name": pOpt("string"), "version": pOpt("string"), "creation_timestamp": pOpt("int64"),
		"last_updated_timestamp": pOpt("int64"), "user_id": pOpt("string"), "current_stage": pOpt("string"),
		"description": pOpt("string"), "source": pOpt("string"), "run_id": pOpt("string"),
		"status": pOpt("enum:ModelVersionStatus"), "status_message": pOpt("string"),
		"tags": pRep("msg:ModelVersionTag"), "run_link": pOpt("string"), "aliases": pRep("string"),
		"model_id": pOpt("string"), "model_params": pRep("msg:ModelParam"), "model_metrics": pRep("msg:ModelMetric"),
	},
	"ModelVersionTag": {"key": pOpt("string"), "value": pOpt("string")},
	"ModelParam":      {"name": pOpt("string"), "value": pOpt("string")},
	"ModelMetric": {
		"key": pOpt("string"), "value": pOpt("double"), "timestamp": pOpt("int64"), "step": pOpt("int64"),
		"dataset_name": pOpt("string"), "dataset_digest": pOpt("string"), "model_id": pOpt("string"), "run_id": pOpt("string"),
	},
	"GetModelVersion":          {"name": pReq("string"), "version": pReq("string")},
	"GetModelVersion.Response": {"model_version": pOpt("msg:ModelVersion")},
	"SearchModelVersions": {
		"filter": pOpt("string"), "max_results": pOpt("int64"), "order_by": pRep("string"), "page_token": pOpt("string"),
	},
	"SearchModelVersions.Response":     {"model_versions": pRep("msg:ModelVersion"), "next_page_token": pOpt("string")},
	"GetModelVersionByAlias":           {"name": pReq("string"), "alias": pReq("string")},
	"GetModelVersionByAlias.Response":  {"model_version": pOpt("msg:ModelVersion")},
	"SetRegisteredModelAlias":          {"name": pReq("string"), "alias": pReq("string"), "version": pReq("string")},
	"SetRegisteredModelAlias.Response": {},
	"SetModelVersionTag": {
		"name": pReq("string"), "version": pReq("string"), "key": pReq("string"), "value": pReq("string"),
	},
	"SetModelVersionTag.Response": {},
	"UpdateModelVersion":          {"name": pReq("string"), "version": pReq("string"), "description": pOpt("string")},
	"UpdateModelVersion.Response": {"model_version": pOpt("msg:ModelVersion")},

	// service.proto
	"GetRun":          {"run_id": pOpt("string"), "run_uuid": pOpt("string")},
	"GetRun.Response": {"run": pOpt("msg:Run")},
	"Run":             {"info": pOpt("msg:RunInfo"), "data": pOpt("msg:RunData")},
	"RunInfo": {
		"run_id": pOpt("string"), "run_uuid": pOpt("string"), "run_name": pOpt("string"), "experiment_id": pOpt("string"),
		"user_id": pOpt("string"), "status": pOpt("enum:RunStatus"), "start_time": pOpt("int64"), "end_time": pOpt("int64"),
		"artifact_uri": pOpt("string"), "lifecycle_stage": pOpt("string"),
	},
	"RunData": {"metrics": pRep("msg:Metric"), "params": pRep("msg:Param"), "tags": pRep("msg:RunTag")},
	"Metric": {
		"key": pOpt("string"), "value": pOpt("double"), "timestamp": pOpt("int64"), "step": pOpt("int64"),
		"dataset_name": pOpt("string"), "dataset_digest": pOpt("string"), "model_id": pOpt("string"), "run_id": pOpt("string"),
	},
	"Param":         {"key": pOpt("string"), "value": pOpt("string")},
	"RunTag":        {"key": pOpt("string"), "value": pOpt("string")},
	"ListArtifacts": {"run_id": pOpt("string"), "run_uuid": pOpt("string"), "path": pOpt("string"), "page_token": pOpt("string")},
	"ListArtifacts.Response": {
		"root_uri": pOpt("string"), "files": pRep("msg:FileInfo"), "next_page_token": pOpt("string"),
	},
	"FileInfo": {"path": pOpt("string"), "is_dir": pOpt("bool"), "file_size": pOpt("int64")},
}

// validateQuery checks GET query parameters against a request message.
func validateQuery(msg string, q url.Values) []string {
	fields := protoMessages[msg]
	var errs []string
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fd, ok := fields[k]
		if !ok {
			errs = append(errs, fmt.Sprintf("%s has no field %q (query parameter)", msg, k))
			continue
		}
		if len(q[k]) > 1 && !fd.repeated {
			errs = append(errs, fmt.Sprintf("%s.%s is not repeated but is given %d times", msg, k, len(q[k])))
		}
		for _, v := range q[k] {
			if e := scalarString(fd.typ, v); e != "" {
				errs = append(errs, fmt.Sprintf("%s.%s: %s", msg, k, e))
			}
		}
	}
	for name, fd := range fields {
		if fd.required && q.Get(name) == "" {
			errs = append(errs, fmt.Sprintf("%s.%s is required (validate_required) and missing", msg, name))
		}
	}
	sort.Strings(errs)
	return errs
}

func scalarString(typ, v string) string {
	switch typ {
	case "int64":
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return fmt.Sprintf("%q is not an int64", v)
		}
	case "bool":
		if v != "true" && v != "false" {
			return fmt.Sprintf("%q is not a bool", v)
		}
	case "double":
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return fmt.Sprintf("%q is not a double", v)
		}
	}
	return ""
}

// validateJSON checks a decoded JSON value (numbers as json.Number)
// against a message; required fields are checked when checkRequired.
func validateJSON(msg string, v any, path string, checkRequired bool) []string {
	fields, ok := protoMessages[msg]
	if !ok {
		return []string{fmt.Sprintf("%s: no message %s in the table", path, msg)}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("%s: %s must be a JSON object, found %T", path, msg, v)}
	}
	var errs []string
	for k, val := range obj {
		fd, ok := fields[k]
		if !ok {
			errs = append(errs, fmt.Sprintf("%s: %s has no field %q", path, msg, k))
			continue
		}
		p := path + "." + k
		if fd.repeated {
			arr, ok := val.([]any)
			if !ok {
				errs = append(errs, fmt.Sprintf("%s: repeated field must be a JSON array, found %T", p, val))
				continue
			}
			for i, e := range arr {
				errs = append(errs, checkValue(fd.typ, e, fmt.Sprintf("%s[%d]", p, i))...)
			}
			continue
		}
		errs = append(errs, checkValue(fd.typ, val, p)...)
	}
	if checkRequired {
		for name, fd := range fields {
			if s, ok := obj[name]; fd.required && (!ok || s == "") {
				errs = append(errs, fmt.Sprintf("%s: %s.%s is required (validate_required) and missing", path, msg, name))
			}
		}
	}
	sort.Strings(errs)
	return errs
}

func checkValue(typ string, v any, path string) []string {
	bad := func(want string) []string {
		return []string{fmt.Sprintf("%s: want %s, found %T %v", path, want, v, v)}
	}
	switch {
	case typ == "string":
		if _, ok := v.(string); !ok {
			return bad("a string")
		}
	case typ == "bool":
		if _, ok := v.(bool); !ok {
			return bad("a bool")
		}
	case typ == "int64":
		switch x := v.(type) {
		case json.Number:
			if _, err := strconv.ParseInt(string(x), 10, 64); err != nil {
				return bad("an int64")
			}
		case string:
			if _, err := strconv.ParseInt(x, 10, 64); err != nil {
				return bad("an int64")
			}
		default:
			return bad("an int64")
		}
	case typ == "double":
		switch x := v.(type) {
		case json.Number:
		case string:
			if x != "NaN" && x != "Infinity" && x != "-Infinity" {
				return bad("a double")
			}
		default:
			return bad("a double")
		}
	case len(typ) > 5 && typ[:5] == "enum:":
		s, ok := v.(string)
		if !ok {
			return bad("an enum name")
		}
		for _, e := range protoEnums[typ[5:]] {
			if e == s {
				return nil
			}
		}
		return []string{fmt.Sprintf("%s: %q is not a %s", path, s, typ[5:])}
	case len(typ) > 4 && typ[:4] == "msg:":
		return validateJSON(typ[4:], v, path, false)
	default:
		return []string{fmt.Sprintf("%s: unknown type %s in the table", path, typ)}
	}
	return nil
}
