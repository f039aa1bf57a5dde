package rules

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// MLflow selectors and registry keys (registry kind mlflow, gate/mlflow).

// aliasRE is an MLflow alias name: letters, digits, _ and -, at most 255
// characters (MLflow guarantees 256 bytes).
var aliasRE = lazyPattern(`^[A-Za-z0-9_-]{1,255}$`)

// tagKeyRE is a version tag key this language accepts in tag:key=value.
var tagKeyRE = lazyPattern(`^[A-Za-z0-9_.\-/:]{1,250}$`)

// AliasSelector reports whether s is an MLflow alias selector "@name" and
// returns the name.
func AliasSelector(s string) (string, bool) {
	a, ok := strings.CutPrefix(s, "@")
	if !ok || !aliasRE.MatchString(a) {
		return "", false
	}
	return a, true
}

// TagSelector reports whether s is "tag:key=value" (the newest READY
// version carrying that tag) and returns key and value. The value is 1 to
// 500 printable characters without quotes, backslashes or newlines.
func TagSelector(s string) (key, value string, ok bool) {
	rest, ok := strings.CutPrefix(s, "tag:")
	if !ok {
		return "", "", false
	}
	key, value, ok = strings.Cut(rest, "=")
	if !ok || !tagKeyRE.MatchString(key) || value == "" || len(value) > 500 || !utf8.ValidString(value) {
		return "", "", false
	}
	for _, r := range value {
		if r < 0x20 || r == 0x7f || r == '\'' || r == '"' || r == '\\' || r == '`' {
			return "", "", false
		}
	}
	return key, value, true
}

// mlflowSelector reports whether s is one of the MLflow-only selector forms.
func mlflowSelector(s string) bool {
	if _, ok := AliasSelector(s); ok {
		return true
	}
	_, _, ok := TagSelector(s)
	return ok
}

// mlflowModelRE is an MLflow registered model name this language accepts:
// printable, no slash (it would change the models:/ URI), 1 to 256 bytes.
var mlflowModelRE = lazyPattern(`^[^/\x00-\x1f\x7f]{1,256}$`)

// checkMLflow runs after model and registry are read: @alias and tag:
// selectors need registry kind mlflow (or a registry given on the command
// line, when the file names none), and uri/model apply only to it.
func (p *parser) checkMLflow(f *File) {
	kind := f.Registry.Kind
	if kind == "" || kind == "mlflow" {
		return
	}
	for _, c := range []struct {
		key, val string
		pos      Pos
	}{{"candidate", f.Model.Candidate, f.Model.CandidatePos}, {"baseline", f.Model.Baseline, f.Model.BaselinePos}} {
		if mlflowSelector(c.val) {
			p.errorf(c.pos, KindConflict, "`%s: %s` (an MLflow alias or tag) applies only to `registry: {kind: mlflow}`, not `kind: %s`", c.key, trunc(c.val), kind)
		}
	}
}

// mlflowRegistry reads the registry keys of kind mlflow: uri (http or
// https, no credentials in it, or a SageMaker MLflow ARN) and model.
func (p *parser) mlflowRegistry(fs fields, r *Registry) {
	if v, ok := fs.vals["uri"]; ok {
		if s, ok := p.nonEmpty(v, "uri"); ok {
			if msg := checkTrackingURI(s); msg != "" {
				p.errorf(pos(v), KindValue, "`uri` %s, found `%s`", msg, trunc(redactUserinfo(s)))
			}
			r.URI = s
		}
		if r.Kind != "mlflow" {
			p.errorf(pos(fs.keys["uri"]), KindConflict, "`uri` applies only to `kind: mlflow`")
		}
	}
	if v, ok := fs.vals["model"]; ok {
		if s, ok := p.nonEmpty(v, "model"); ok {
			if !mlflowModelRE.MatchString(s) || strings.TrimSpace(s) != s {
				p.errorf(pos(v), KindName, "`model` `%s` is not an MLflow registered model name: want 1 to 256 printable characters, no `/`, no leading or trailing space", trunc(s))
			}
			r.Model = s
		}
		if r.Kind != "mlflow" {
			p.errorf(pos(fs.keys["model"]), KindConflict, "`model` applies only to `kind: mlflow`")
		}
	}
}

// smMLflowARNRE is a SageMaker-managed MLflow tracking server or app ARN.
var smMLflowARNRE = lazyPattern(`^arn:aws:sagemaker:[a-z]{2}(-[a-z]+)+-[0-9]{1,2}:[0-9]{12}:(mlflow-tracking-server|mlflow-app)/[A-Za-z0-9][A-Za-z0-9-]{0,254}$`)

// checkTrackingURI says what is wrong with an MLflow tracking URI, or "".
func checkTrackingURI(s string) string {
	if strings.HasPrefix(s, "arn:") {
		if !smMLflowARNRE.MatchString(s) {
			return "is not a SageMaker MLflow ARN (arn:aws:sagemaker:<region>:<account>:mlflow-tracking-server/<name>)"
		}
		return ""
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "is not a URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return "must be an http:// or https:// tracking server (databricks and file stores are not read)"
	case u.Host == "":
		return "has no host"
	case u.User != nil:
		return "must not carry credentials; give MLFLOW_TRACKING_USERNAME/PASSWORD or MLFLOW_TRACKING_TOKEN in the environment"
	case u.RawQuery != "" || u.Fragment != "":
		return "must not have a query or fragment"
	}
	return ""
}

// redactUserinfo hides the credentials of a URL before it is quoted.
func redactUserinfo(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		u.User = url.User("REDACTED")
		return u.String()
	}
	return s
}
