package endpoint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/modelgate/modelgate/internal/strictjson"
	"github.com/modelgate/modelgate/rules"
)

// MaxConfigBytes caps a proposed configuration file (CloudFormation's own
// limit for a template body in S3 is 1 MB).
const MaxConfigBytes = 1 << 20

// File is a proposed endpoint configuration in the repository: a
// CreateEndpointConfig-shaped JSON or YAML file, or a CloudFormation
// template (JSON or YAML, short-form intrinsics such as !Ref, !Sub and
// !GetAtt included) holding an AWS::SageMaker::EndpointConfig.
type File struct {
	// Path of the configuration file.
	Path string
	// Resource is the logical id of the EndpointConfig when the template
	// holds several.
	Resource string
	// Parameters is a CloudFormation template configuration file
	// ({"Parameters": {"Name": "value"}}) with the values of the
	// template's parameters; "" leaves every parameter unknown.
	Parameters string
	// Models are CreateModel-shaped files (JSON or YAML) for the models a
	// CreateEndpointConfig-shaped file names.
	Models []string
}

var _ Source = File{}

// ProposedFile is the proposed configuration the rules file names
// (endpoint.config, endpoint.resource, endpoint.parameters), with paths
// relative to the rules file. When repoRoot is not empty, both paths must
// stay inside it (symbolic links resolved): a rules file from a pull
// request cannot make the gate read a file outside the checkout. ok is
// false when the rules file names no configuration.
func ProposedFile(f *rules.File, repoRoot string) (pf File, ok bool, err error) {
	if f.Endpoint == nil || f.Endpoint.Config == "" {
		return File{}, false, nil
	}
	dir := filepath.Dir(f.Path)
	pf = File{Path: filepath.Join(dir, filepath.FromSlash(f.Endpoint.Config)), Resource: f.Endpoint.Resource}
	if f.Endpoint.Parameters != "" {
		pf.Parameters = filepath.Join(dir, filepath.FromSlash(f.Endpoint.Parameters))
	}
	for _, m := range f.Endpoint.Models {
		pf.Models = append(pf.Models, filepath.Join(dir, filepath.FromSlash(m)))
	}
	if repoRoot != "" {
		for _, p := range append([]string{pf.Path, pf.Parameters}, pf.Models...) {
			if p == "" {
				continue
			}
			if err := inside(repoRoot, p); err != nil {
				return File{}, false, err
			}
		}
	}
	return pf, true, nil
}

// inside checks that path, with its symbolic links resolved, is under root.
func inside(root, path string) error {
	r, err := filepath.EvalSymlinks(root)
	if err == nil {
		r, err = filepath.Abs(r)
	}
	if err != nil {
		return inputErr("repository root %s: %v", root, err)
	}
	p, err := filepath.EvalSymlinks(path)
	if err == nil {
		p, err = filepath.Abs(p)
	}
	if err != nil {
		return inputErr("endpoint configuration: %v", err)
	}
	if rel, err := filepath.Rel(r, p); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return inputErr("endpoint configuration %s is outside the repository %s", path, root)
	}
	return nil
}

// Describe reads the file. Problems with it are errors wrapping ErrInput
// that name the file (and the line, for YAML).
func (pf File) Describe(ctx context.Context) (*Description, error) {
	data, err := readCapped(pf.Path)
	if err != nil {
		return nil, err
	}
	return pf.describe(data)
}

// describe reads the bytes of the file.
func (pf File) describe(data []byte) (*Description, error) {
	doc, err := decode(pf.Path, data)
	if err != nil {
		return nil, err
	}
	root, ok := doc.(map[string]any)
	if !ok {
		return nil, inputErr("%s: want a mapping (a CreateEndpointConfig input or a CloudFormation template), found %s", pf.Path, kindOf(doc))
	}
	if _, isCFN := root["Resources"]; isCFN {
		if len(pf.Models) > 0 {
			return nil, inputErr("%s is a CloudFormation template: its models are its AWS::SageMaker::Model resources, so endpoint.models does not apply", pf.Path)
		}
		var params map[string]any
		if pf.Parameters != "" {
			if params, err = readParameters(pf.Parameters); err != nil {
				return nil, err
			}
		}
		return describeTemplate(pf, root, params)
	}
	if pf.Parameters != "" || pf.Resource != "" {
		return nil, inputErr("%s is not a CloudFormation template (no Resources), so parameters and resource do not apply", pf.Path)
	}
	if _, ok := root["ProductionVariants"]; !ok {
		return nil, inputErr("%s: neither a CreateEndpointConfig input (no ProductionVariants) nor a CloudFormation template (no Resources)", pf.Path)
	}
	d := &Description{Moment: Proposed, Source: pf.Path, Config: root, Models: map[string]map[string]any{}}
	for _, mp := range pf.Models {
		data, err := readCapped(mp)
		if err != nil {
			return nil, err
		}
		doc, err := decode(mp, data)
		if err != nil {
			return nil, err
		}
		m, _ := doc.(map[string]any)
		name, _ := m["ModelName"].(string)
		if name == "" {
			return nil, inputErr("%s: want a CreateModel input with a ModelName", mp)
		}
		if _, dup := d.Models[name]; dup {
			return nil, inputErr("%s: model %s is described twice", mp, name)
		}
		d.Models[name] = m
	}
	return d, nil
}

func readCapped(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, inputErr("read endpoint configuration: %v", err)
	}
	defer fh.Close()
	if st, err := fh.Stat(); err == nil && !st.Mode().IsRegular() {
		return nil, inputErr("%s is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(fh, MaxConfigBytes+1))
	if err != nil {
		return nil, inputErr("read %s: %v", path, err)
	}
	if len(data) > MaxConfigBytes {
		return nil, inputErr("%s is larger than %d bytes", path, MaxConfigBytes)
	}
	return data, nil
}

// decode reads JSON (strictly: a duplicate key is refused) or YAML.
func decode(path string, data []byte) (any, error) {
	if t := bytes.TrimLeft(data, " \t\r\n\ufeff"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		if err := CheckJSONDepth(data, maxDepth); err != nil {
			return nil, inputErr("%s: %v", path, err)
		}
		var v any
		if err := strictjson.Unmarshal(data, &v); err != nil {
			return nil, inputErr("%s: %v", path, err)
		}
		return v, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, inputErr("%s is empty", path)
		}
		return nil, inputErr("%s: %v", path, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, inputErr("%s: more than one YAML document", path)
	}
	if len(doc.Content) == 0 {
		return nil, inputErr("%s is empty", path)
	}
	y := &yamlConv{path: path}
	v := y.conv(doc.Content[0], 0)
	if y.err != nil {
		return nil, y.err
	}
	return v, nil
}

// intrinsics maps CloudFormation's short-form YAML tags to the long form.
var intrinsics = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition",
	"!Sub": "Fn::Sub", "!GetAtt": "Fn::GetAtt", "!If": "Fn::If", "!Equals": "Fn::Equals",
	"!And": "Fn::And", "!Or": "Fn::Or", "!Not": "Fn::Not", "!Join": "Fn::Join", "!Select": "Fn::Select",
	"!Split": "Fn::Split", "!FindInMap": "Fn::FindInMap", "!ImportValue": "Fn::ImportValue",
	"!GetAZs": "Fn::GetAZs", "!Base64": "Fn::Base64", "!Cidr": "Fn::Cidr", "!Transform": "Fn::Transform",
	"!Length": "Fn::Length", "!ToJsonString": "Fn::ToJsonString",
}

// maxDepth bounds the nesting of a document.
const maxDepth = 100

type yamlConv struct {
	path string
	err  error
}

func (y *yamlConv) fail(n *yaml.Node, format string, args ...any) {
	if y.err == nil {
		y.err = inputErr("%s:%d:%d: %s", y.path, n.Line, n.Column, fmt.Sprintf(format, args...))
	}
}

// conv turns a YAML node into JSON-like values, a short-form intrinsic
// into its long form ({"Fn::Sub": ...}). Anchors, aliases and merge keys
// are refused (CloudFormation does not take them either), so do duplicate
// keys.
func (y *yamlConv) conv(n *yaml.Node, depth int) any {
	if y.err != nil {
		return nil
	}
	if depth > maxDepth {
		y.fail(n, "nested deeper than %d levels", maxDepth)
		return nil
	}
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		y.fail(n, "anchors and aliases are not allowed")
		return nil
	}
	tag := n.Tag
	if fn, ok := intrinsics[tag]; ok {
		plain := *n
		plain.Tag = ""
		plain.Style &^= yaml.TaggedStyle
		switch n.Kind {
		case yaml.ScalarNode:
			plain.Tag = "!!str"
		case yaml.SequenceNode:
			plain.Tag = "!!seq"
		case yaml.MappingNode:
			plain.Tag = "!!map"
		}
		v := y.conv(&plain, depth+1)
		if fn == "Fn::GetAtt" {
			if s, ok := v.(string); ok {
				res, attr, _ := strings.Cut(s, ".")
				v = []any{res, attr}
			}
		}
		return map[string]any{fn: v}
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		lines := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" {
				y.fail(k, "keys must be plain strings")
				return nil
			}
			if first, dup := lines[k.Value]; dup {
				y.fail(k, "duplicate key %q (first at line %d)", k.Value, first)
				return nil
			}
			lines[k.Value] = k.Line
			m[k.Value] = y.conv(v, depth+1)
		}
		return m
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			l = append(l, y.conv(c, depth+1))
		}
		return l
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str", "!!binary", "!!timestamp":
			return n.Value
		case "!!int", "!!float":
			// As written: CloudFormation passes numbers on as strings.
			return n.Value
		case "!!bool":
			var b bool
			_ = n.Decode(&b)
			return b
		case "!!null":
			return nil
		}
		y.fail(n, "tag %s is not a CloudFormation intrinsic function", n.Tag)
		return nil
	}
	y.fail(n, "unexpected YAML node")
	return nil
}

func kindOf(v any) string {
	switch v.(type) {
	case []any:
		return "a list"
	case string:
		return "a string"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// readParameters reads a template configuration file: {"Parameters":
// {"Name": "value", ...}} (CodePipeline's CloudFormation action format).
func readParameters(path string) (map[string]any, error) {
	data, err := readCapped(path)
	if err != nil {
		return nil, err
	}
	var tc struct {
		Parameters map[string]any `json:"Parameters"`
	}
	if err := CheckJSONDepth(data, maxDepth); err != nil {
		return nil, inputErr("%s: %v", path, err)
	}
	if err := strictjson.Unmarshal(data, &tc); err != nil {
		return nil, inputErr("%s: %v", path, err)
	}
	if tc.Parameters == nil {
		return nil, inputErr("%s: no \"Parameters\" object (want {\"Parameters\": {\"Name\": \"value\"}})", path)
	}
	return tc.Parameters, nil
}

// CheckJSONDepth refuses JSON nested deeper than max arrays and objects,
// in one pass over the bytes, before a decoder (whose error paths grow with
// the depth) sees it: a megabyte of `[` would otherwise cost minutes.
func CheckJSONDepth(data []byte, max int) error {
	depth, inString, escaped := 0, false, false
	for i, c := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			if depth++; depth > max {
				return fmt.Errorf("JSON nested deeper than %d levels (at byte %d)", max, i)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}
