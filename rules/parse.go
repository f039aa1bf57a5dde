package rules

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// MaxFileBytes caps the size of a rules file. A real rules file is a few
// kilobytes; the cap keeps a hostile one from costing memory or time.
const MaxFileBytes = 1 << 20

// maxDiagnostics caps how many problems one Parse reports; the rest are
// counted in a last diagnostic.
const maxDiagnostics = 200

// ReadFile reads the rules file at path (at most MaxFileBytes) and parses
// it. An I/O failure is returned wrapped; a problem with the content is
// Diagnostics.
func ReadFile(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read rules file: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read rules file: %w", err)
	}
	return Parse(path, data)
}

// Parse parses and validates a rules file. path names the file in
// diagnostics. When the error is non-nil it is Diagnostics holding every
// problem found, and the File is nil.
func Parse(path string, data []byte) (f *File, err error) {
	p := &parser{path: path}
	defer func() {
		// yaml.v3 is not known to panic on any input since v3.0.1, but a
		// rules file is hostile input: never let a parser bug crash the gate.
		if r := recover(); r != nil {
			f, err = nil, Diagnostics{{File: path, Message: fmt.Sprintf("internal error while parsing the rules file: %v", r), Kind: KindSyntax}}
		}
	}()
	root := p.load(data)
	if root != nil {
		f = p.file(root)
	}
	if len(p.diags) > 0 {
		p.diags.sort()
		if len(p.diags) > maxDiagnostics {
			more := len(p.diags) - maxDiagnostics
			p.diags = append(p.diags[:maxDiagnostics:maxDiagnostics], Diagnostic{File: path, Message: fmt.Sprintf("too many problems; %d more not shown", more), Kind: KindSize})
		}
		return nil, p.diags
	}
	sum := sha256.Sum256(data)
	f.Path = path
	f.SHA256 = hex.EncodeToString(sum[:])
	return f, nil
}

type parser struct {
	path  string
	diags Diagnostics
	// reports by name, filled before rules are checked.
	reports map[string]*Report
}

func (p *parser) errorf(pos Pos, kind, format string, args ...any) {
	p.diags = append(p.diags, Diagnostic{File: p.path, Pos: pos, Message: fmt.Sprintf(format, args...), Kind: kind})
}

func pos(n *yaml.Node) Pos { return Pos{Line: n.Line, Col: n.Column} }

// reported says whether walk already reported n (an alias or a node with a
// tag that is not allowed), so that the typed readers stay quiet about it.
func reported(n *yaml.Node) bool {
	return n.Kind == yaml.AliasNode || (n.Kind != yaml.DocumentNode && !allowedTags[n.ShortTag()])
}

var yamlLineRE = lazyPattern(`^yaml: line (\d+): (.*)$`)

// load checks the raw bytes and decodes the single YAML document into a
// node tree; nil when nothing more can be checked.
func (p *parser) load(data []byte) *yaml.Node {
	if len(data) > MaxFileBytes {
		p.errorf(Pos{}, KindSize, "rules file is larger than %d bytes (1 MiB); a rules file is a few kilobytes", MaxFileBytes)
		return nil
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		p.errorf(offsetPos(data, i), KindSyntax, "NUL byte in the rules file; it must be UTF-8 text")
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.errorf(Pos{Line: 1, Col: 1}, KindRequired, "rules file is empty; want a mapping that starts with `version: 1`")
			return nil
		}
		p.syntax(err)
		return nil
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		p.syntax(err)
		return nil
	default:
		p.errorf(Pos{Line: extra.Line, Col: extra.Column}, KindYAML, "a second YAML document; a rules file holds exactly one")
	}
	p.walk(&doc)
	if len(doc.Content) == 0 {
		p.errorf(Pos{Line: 1, Col: 1}, KindRequired, "rules file is empty; want a mapping that starts with `version: 1`")
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		p.errorf(pos(root), KindType, "the top level must be a mapping of `version`, `model`, `rules`..., found %s", describe(root))
		return nil
	}
	return root
}

func (p *parser) syntax(err error) {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		p.errorf(Pos{Line: line}, KindSyntax, "invalid YAML: %s", m[2])
		return
	}
	p.errorf(Pos{}, KindSyntax, "invalid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
}

// offsetPos converts a byte offset to a line and column.
func offsetPos(data []byte, off int) Pos {
	line := 1 + bytes.Count(data[:off], []byte{'\n'})
	col := off - bytes.LastIndexByte(data[:off], '\n')
	return Pos{Line: line, Col: col}
}

var allowedTags = map[string]bool{
	"!!str": true, "!!int": true, "!!float": true, "!!bool": true, "!!null": true,
	"!!timestamp": true, "!!map": true, "!!seq": true,
}

// walk rejects the YAML features a rules file has no use for and that make
// hostile input expensive or misleading: anchors, aliases, merge keys and
// tags other than the core ones.
func (p *parser) walk(n *yaml.Node) {
	if n.Anchor != "" {
		p.errorf(pos(n), KindYAML, "anchor `&%s`: anchors and aliases are not allowed in a rules file; write the value out", trunc(n.Anchor))
	}
	switch n.Kind {
	case yaml.AliasNode:
		p.errorf(pos(n), KindYAML, "alias `*%s`: anchors and aliases are not allowed in a rules file; write the value out", trunc(n.Value))
		return
	case yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode:
		if t := n.ShortTag(); t == "!!merge" {
			p.errorf(pos(n), KindYAML, "merge key `<<` is not allowed in a rules file; write the keys out")
		} else if !allowedTags[t] {
			p.errorf(pos(n), KindYAML, "tag `%s` is not allowed in a rules file", trunc(t))
		}
	}
	for _, c := range n.Content {
		p.walk(c)
	}
}

// describe names what a node is, for "found ..." in messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	switch n.ShortTag() {
	case "!!str":
		if n.Value == "" {
			return "an empty string"
		}
		return fmt.Sprintf("string %q", trunc(n.Value))
	case "!!int":
		return "integer " + trunc(n.Value)
	case "!!float":
		return "number " + trunc(n.Value)
	case "!!bool":
		return "boolean " + n.Value
	case "!!null":
		return "null"
	case "!!timestamp":
		return "timestamp " + trunc(n.Value)
	}
	return fmt.Sprintf("a %s value", trunc(n.ShortTag()))
}

// trunc makes a value from the file fit in a one-line message: control
// characters escaped, at most 60 bytes.
func trunc(s string) string { return clip(oneLine(s), 60) }

// oneLine escapes control characters (a newline in a quoted YAML string
// must not split a diagnostic or a diff line in two).
func oneLine(s string) string {
	isCtl := func(r rune) bool { return r < 0x20 || r == 0x7f || r == 0x2028 || r == 0x2029 }
	if !strings.ContainsFunc(s, isCtl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isCtl(r) {
			q := strconv.QuoteRune(r) // '\n', '\x00', '\u2028'
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// clip cuts s to at most max bytes on a rune boundary, marking the cut.
func clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// fields is a mapping's known keys, in file order.
type fields struct {
	node *yaml.Node
	keys map[string]*yaml.Node // key name -> key node
	vals map[string]*yaml.Node // key name -> value node
}

func (fs fields) has(k string) bool { _, ok := fs.vals[k]; return ok }

// mapping checks that n is a mapping, reports duplicate and unknown keys
// (with a suggestion and the allowed set), and returns the known ones. ctx
// names the mapping in messages ("rule", "model"); misplaced says under
// which key a key that is unknown here belongs. ok is false when n is not a
// mapping (already reported).
func (p *parser) mapping(n *yaml.Node, what, ctx string, allowed []string, misplaced map[string]string) (fields, bool) {
	fs := fields{node: n, keys: map[string]*yaml.Node{}, vals: map[string]*yaml.Node{}}
	if reported(n) {
		return fs, false
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(pos(n), KindType, "%s must be a mapping, found %s", what, describe(n))
		return fs, false
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" {
			if k.Kind != yaml.AliasNode && k.ShortTag() != "!!merge" {
				p.errorf(pos(k), KindType, "keys in %s must be plain words, found %s", ctx, describe(k))
			}
			continue
		}
		name := k.Value
		if first, dup := seen[name]; dup {
			p.errorf(pos(k), KindDuplicateKey, "duplicate key `%s` in %s; first given at %s", trunc(name), ctx, pos(first))
			continue
		}
		seen[name] = k
		if !contains(allowed, name) {
			msg := fmt.Sprintf("unknown key `%s` in %s", trunc(name), ctx)
			if home, ok := misplaced[name]; ok {
				msg += fmt.Sprintf("; `%s` belongs under `%s`", name, home)
			} else {
				msg += didYouMean(name, allowed)
			}
			msg = clause(msg) + "allowed keys: " + strings.Join(allowed, ", ")
			p.errorf(pos(k), KindUnknownKey, "%s", msg)
			continue
		}
		fs.keys[name] = k
		fs.vals[name] = v
	}
	return fs, true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// require reports each missing key of keys.
func (p *parser) require(fs fields, ctx string, keys ...string) {
	for _, k := range keys {
		if !fs.has(k) {
			p.errorf(pos(fs.node), KindRequired, "missing required key `%s` in %s", k, ctx)
		}
	}
}

// str reads a string scalar.
func (p *parser) str(n *yaml.Node, key string) (string, bool) {
	if reported(n) {
		return "", false
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		p.errorf(pos(n), KindType, "`%s` must be a string, found %s", key, describe(n))
		return "", false
	}
	return n.Value, true
}

// nonEmpty reads a string scalar that must not be empty or blank.
func (p *parser) nonEmpty(n *yaml.Node, key string) (string, bool) {
	s, ok := p.str(n, key)
	if ok && strings.TrimSpace(s) == "" {
		p.errorf(pos(n), KindRequired, "`%s` must not be empty", key)
		return "", false
	}
	return s, ok
}

// text reads a scalar written as a string or a number, as written (ids,
// version numbers, label values).
func (p *parser) text(n *yaml.Node, key string) (string, bool) {
	if reported(n) {
		return "", false
	}
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!str", "!!int", "!!float", "!!bool":
			return n.Value, true
		}
	}
	p.errorf(pos(n), KindType, "`%s` must be a string, found %s", key, describe(n))
	return "", false
}

// number reads a finite YAML int or float.
func (p *parser) number(n *yaml.Node, key string) (*Number, bool) {
	if reported(n) {
		return nil, false
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" && n.Style == 0 {
		// YAML leaves a plain number too large for a float64 as a string.
		if _, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); errors.Is(err, strconv.ErrRange) {
			p.errorf(pos(n), KindRange, "`%s` is out of range, found %s", key, trunc(n.Value))
			return nil, false
		}
	}
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") {
		p.errorf(pos(n), KindType, "`%s` must be a number, found %s", key, describe(n))
		return nil, false
	}
	var v float64
	if err := n.Decode(&v); err != nil {
		p.errorf(pos(n), KindType, "`%s` must be a number, found %s", key, describe(n))
		return nil, false
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		p.errorf(pos(n), KindRange, "`%s` must be a finite number, found %s", key, n.Value)
		return nil, false
	}
	return &Number{V: v, Pos: pos(n)}, true
}

// integer reads a YAML int that fits in 32 bits.
func (p *parser) integer(n *yaml.Node, key string) (int, bool) {
	if reported(n) {
		return 0, false
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		p.errorf(pos(n), KindType, "`%s` must be an integer, found %s", key, describe(n))
		return 0, false
	}
	var v int64
	if err := n.Decode(&v); err != nil || v > math.MaxInt32 || v < math.MinInt32 {
		p.errorf(pos(n), KindRange, "`%s` is out of range, found %s", key, trunc(n.Value))
		return 0, false
	}
	return int(v), true
}

func (p *parser) boolean(n *yaml.Node, key string) (bool, bool) {
	if reported(n) {
		return false, false
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		p.errorf(pos(n), KindType, "`%s` must be true or false, found %s", key, describe(n))
		return false, false
	}
	var v bool
	if err := n.Decode(&v); err != nil {
		p.errorf(pos(n), KindType, "`%s` must be true or false, found %s", key, describe(n))
		return false, false
	}
	return v, true
}

// enum reads a string that must be one of allowed.
func (p *parser) enum(n *yaml.Node, key string, allowed ...string) (string, bool) {
	s, ok := p.str(n, key)
	if !ok {
		return "", false
	}
	if !contains(allowed, s) {
		p.errorf(pos(n), KindValue, "`%s` must be %s, found `%s`%s", key, quoteList(allowed, "or"), trunc(s), didYouMean(s, allowed))
		return "", false
	}
	return s, true
}

// strList reads a list of non-empty strings.
func (p *parser) strList(n *yaml.Node, key string) ([]string, bool) {
	if reported(n) {
		return nil, false
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(pos(n), KindType, "`%s` must be a list of strings, found %s", key, describe(n))
		return nil, false
	}
	out := make([]string, 0, len(n.Content))
	ok := true
	for _, c := range n.Content {
		if reported(c) {
			ok = false
			continue
		}
		if c.Kind != yaml.ScalarNode || c.ShortTag() != "!!str" || strings.TrimSpace(c.Value) == "" {
			p.errorf(pos(c), KindType, "items of `%s` must be non-empty strings, found %s", key, describe(c))
			ok = false
			continue
		}
		out = append(out, c.Value)
	}
	return out, ok
}

// The language's vocabulary.
var (
	topKeys          = []string{"version", "model", "registry", "reports", "defaults", "rules", "endpoint", "policy", "extends"}
	modelKeys        = []string{"group", "candidate", "baseline", "first_model"}
	registryKeys     = []string{"kind", "region", "path", "path_style", "uri", "model"}
	reportKeys       = []string{"name", "uri", "metadata", "format", "memorization"}
	memorizationKeys = []string{"outputs", "field", "corpus", "corpus_field", "min_tokens"}
	defaultsKeys     = []string{"severity", "on_missing"}
	ruleKeys         = []string{
		"id", "metric", "require", "shap",
		"min", "max", "between", "abs_max", "max_deviation", "vs_baseline",
		"where", "direction", "ideal", "confidence", "on_inconclusive", "min_samples",
		"severity", "on_missing", "waiver",
		"overridable", // rules/extends.go
	}
	vsBaselineKeys = []string{"max_drop", "max_drop_pct", "min_gain", "min_gain_pct", "max_rise", "max_rise_pct"}
	shapKeys       = []string{"not_in_top", "features", "max_share", "min_rank_correlation", "label"}
	waiverKeys     = []string{"reason", "owner", "expires"}
	// WhereLabels are the label keys a `where` selector may use.
	whereLabels = []string{"facet", "value", "group", "label", "dataset", "category", "feature", "metric"}

	// ReportFormats are the values of a report's `format`.
	reportFormats = []string{"model-quality", "clarify-bias", "clarify-explainability", "monitor-violations", "fmeval", "json"}

	// reservedNames may not name a report: the fixed families, and the
	// source slots a `require` could confuse it with.
	reservedNames = []string{FamilyQuality, FamilyBias, FamilyShap, FamilyLLM, FamilyViolations, "data_quality", "explainability", "drift"}

	// sources are the report slots a `require` may name (gate/registry.go).
	sources = []string{
		"quality", "quality.constraints", "data_quality", "data_quality.constraints",
		"bias", "bias.pre", "bias.post", "explainability",
		"drift.bias.pre", "drift.bias.post", "drift.explainability", "drift.quality",
		"drift.quality.constraints", "drift.data_quality", "drift.data_quality.constraints",
	}
	fixedFamilies = []string{FamilyQuality, FamilyBias, FamilyShap, FamilyLLM, FamilyViolations}

	// misplacedRuleKeys says where a key that does not belong directly in a
	// rule does belong.
	misplacedRuleKeys = map[string]string{
		"max_drop": "vs_baseline", "max_drop_pct": "vs_baseline", "min_gain": "vs_baseline",
		"min_gain_pct": "vs_baseline", "max_rise": "vs_baseline", "max_rise_pct": "vs_baseline",
		"not_in_top": "shap", "features": "shap", "max_share": "shap", "min_rank_correlation": "shap",
		"reason": "waiver", "owner": "waiver", "expires": "waiver",
		"facet": "where", "value": "where", "dataset": "where", "category": "where", "feature": "where",
	}
	misplacedTopKeys = map[string]string{
		"group": "model", "candidate": "model", "baseline": "model", "first_model": "model",
		"severity": "defaults", "on_missing": "defaults",
		"waiver_owners": "policy", // rules/extends.go
	}
)

// Name patterns.
var (
	ruleIDRE     = lazyPattern(`^[a-z0-9][a-z0-9_-]{0,62}$`)
	reportNameRE = lazyPattern(`^[a-z][a-z0-9_-]{0,62}$`)
	// groupRE is SageMaker's ModelPackageGroupName pattern; it also keeps a
	// group name safe as a folder name in the local registry.
	groupRE   = lazyPattern(`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`)
	versionRE = lazyPattern(`^[1-9][0-9]{0,8}$`)
	// packageARNRE is a model package ARN; submatch 1 is the group.
	packageARNRE = lazyPattern(`^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:model-package/([a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62})(?:/[0-9]+)?$`)
	regionRE     = lazyPattern(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)
	dateRE       = lazyPattern(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
)

// file reads the top-level mapping.
func (p *parser) file(root *yaml.Node) *File {
	f := &File{}
	fs, _ := p.mapping(root, "the top level", "the top level", topKeys, misplacedTopKeys)
	p.require(fs, "the top level", requiredTop(fs)...) // rules/extends.go
	if n, ok := fs.vals["version"]; ok {
		if v, ok := p.integer(n, "version"); ok {
			if v != 1 {
				p.errorf(pos(n), KindVersion, "unsupported `version: %d`; this modelgate reads version 1", v)
			}
			f.Version = v
		}
	}
	if n, ok := fs.vals["model"]; ok {
		f.Model = p.model(n)
	}
	if n, ok := fs.vals["registry"]; ok {
		f.Registry = p.registry(n)
	}
	p.checkMLflow(f)
	p.reports = map[string]*Report{}
	if n, ok := fs.vals["reports"]; ok {
		f.Reports = p.reportList(n)
		for i := range f.Reports {
			if _, dup := p.reports[f.Reports[i].Name]; !dup {
				p.reports[f.Reports[i].Name] = &f.Reports[i]
			}
		}
	}
	if n, ok := fs.vals["defaults"]; ok {
		f.Defaults = p.defaults(n)
	}
	if n, ok := fs.vals["rules"]; ok {
		f.Rules = p.ruleList(n)
	}
	// The endpoint section (rules/endpoint.go).
	if n, ok := fs.vals["endpoint"]; ok {
		ids := map[string]bool{}
		for _, r := range f.Rules {
			ids[r.ID] = true
		}
		f.Endpoint = p.endpointSection(n, ids)
	}
	p.policySections(f, fs) // rules/extends.go
	return f
}

func (p *parser) model(n *yaml.Node) Model {
	m := Model{Candidate: LatestPending, Baseline: LatestApproved, FirstModel: FirstModelFail}
	fs, ok := p.mapping(n, "`model`", "model", modelKeys, nil)
	if !ok {
		return m
	}
	p.require(fs, "model", "group")
	if v, ok := fs.vals["group"]; ok {
		if s, ok := p.text(v, "group"); ok {
			if !groupRE.MatchString(s) {
				p.errorf(pos(v), KindName, "model group `%s` is not a model package group name: want 1 to 63 letters, digits and hyphens, starting and ending with a letter or digit", trunc(s))
			}
			m.Group, m.GroupPos = s, pos(v)
		}
	}
	if v, ok := fs.vals["candidate"]; ok {
		if s, ok := p.text(v, "candidate"); ok {
			if s != LatestPending && !versionRE.MatchString(s) && !packageARNRE.MatchString(s) && !mlflowSelector(s) {
				p.errorf(pos(v), KindValue, "`candidate` must be `latest-pending`, a version number or a model package ARN, found `%s`%s", trunc(s), didYouMean(s, []string{LatestPending}))
			}
			p.checkARNGroup(v, "candidate", s, m.Group)
			m.Candidate, m.CandidatePos = s, pos(v)
		}
	}
	if v, ok := fs.vals["baseline"]; ok {
		if s, ok := p.text(v, "baseline"); ok {
			if s != LatestApproved && s != NoBaseline && !versionRE.MatchString(s) && !packageARNRE.MatchString(s) && !mlflowSelector(s) {
				p.errorf(pos(v), KindValue, "`baseline` must be `latest-approved`, `none`, a version number or a model package ARN, found `%s`%s", trunc(s), didYouMean(s, []string{LatestApproved, NoBaseline}))
			}
			p.checkARNGroup(v, "baseline", s, m.Group)
			m.Baseline, m.BaselinePos = s, pos(v)
		}
	}
	if v, ok := fs.vals["first_model"]; ok {
		if s, ok := p.enum(v, "first_model", string(FirstModelAbsoluteOnly), string(FirstModelFail)); ok {
			m.FirstModel, m.FirstModelPos = FirstModel(s), pos(v)
		}
	}
	return m
}

func (p *parser) checkARNGroup(n *yaml.Node, key, s, group string) {
	if m := packageARNRE.FindStringSubmatch(s); m != nil && group != "" && m[1] != group {
		p.errorf(pos(n), KindConflict, "`%s` ARN is in group `%s`, not in the model group `%s`", key, m[1], group)
	}
}

func (p *parser) registry(n *yaml.Node) Registry {
	r := Registry{Pos: pos(n)}
	fs, ok := p.mapping(n, "`registry`", "registry", registryKeys, nil)
	if !ok {
		return r
	}
	if v, ok := fs.vals["kind"]; ok {
		r.Kind, _ = p.enum(v, "kind", "sagemaker", "local", "mlflow")
	}
	p.mlflowRegistry(fs, &r)
	if v, ok := fs.vals["region"]; ok {
		if s, ok := p.nonEmpty(v, "region"); ok {
			if !regionRE.MatchString(s) {
				p.errorf(pos(v), KindValue, "`region` must be an AWS region such as eu-west-1, found `%s`", trunc(s))
			}
			r.Region = s
		}
		if r.Kind == "local" {
			p.errorf(pos(fs.keys["region"]), KindConflict, "`region` applies only to `kind: sagemaker`")
		}
	}
	if v, ok := fs.vals["path"]; ok {
		r.Path, _ = p.nonEmpty(v, "path")
		if r.Kind == "sagemaker" || r.Kind == "mlflow" {
			p.errorf(pos(fs.keys["path"]), KindConflict, "`path` applies only to `kind: local`")
		}
	}
	if v, ok := fs.vals["path_style"]; ok {
		r.PathStyle, _ = p.boolean(v, "path_style")
		if r.Kind == "local" || r.Kind == "mlflow" {
			p.errorf(pos(fs.keys["path_style"]), KindConflict, "`path_style` applies only to `kind: sagemaker`")
		}
	}
	return r
}

func (p *parser) reportList(n *yaml.Node) []Report {
	if reported(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(pos(n), KindType, "`reports` must be a list of reports, found %s", describe(n))
		return nil
	}
	var out []Report
	names := map[string]Pos{}
	for _, c := range n.Content {
		r, namePos, ok := p.report(c)
		if !ok {
			continue
		}
		if r.Name != "" {
			if first, dup := names[r.Name]; dup {
				p.errorf(namePos, KindDuplicateName, "report name `%s` is already used at %s", r.Name, first)
			} else {
				names[r.Name] = namePos
			}
		}
		out = append(out, r)
	}
	return out
}

func (p *parser) report(n *yaml.Node) (Report, Pos, bool) {
	r := Report{Pos: pos(n)}
	fs, ok := p.mapping(n, "a report", "report", reportKeys, map[string]string{"outputs": "memorization", "corpus": "memorization", "min_tokens": "memorization"})
	if !ok {
		return r, Pos{}, false
	}
	p.require(fs, "report", "name")
	var namePos Pos
	if v, ok := fs.vals["name"]; ok {
		namePos = pos(v)
		if s, ok := p.nonEmpty(v, "name"); ok {
			switch {
			case !reportNameRE.MatchString(s):
				p.errorf(pos(v), KindName, "report name `%s` must be a lowercase letter followed by up to 62 lowercase letters, digits, `_` or `-`", trunc(s))
			case contains(reservedNames, s):
				p.errorf(pos(v), KindName, "report name `%s` is reserved; reserved names: %s", s, strings.Join(reservedNames, ", "))
			default:
				r.Name = s
			}
		}
	}
	label := "report"
	if r.Name != "" {
		label = fmt.Sprintf("report `%s`", r.Name)
	}
	if v, ok := fs.vals["uri"]; ok {
		if s, ok := p.nonEmpty(v, "uri"); ok {
			if msg := checkURI(s); msg != "" {
				p.errorf(pos(v), KindValue, "`uri` %s", msg)
			}
			r.URI = s
		}
	}
	if v, ok := fs.vals["metadata"]; ok {
		if s, ok := p.nonEmpty(v, "metadata"); ok {
			if len(s) > 128 {
				p.errorf(pos(v), KindValue, "`metadata` names a CustomerMetadataProperties key, at most 128 characters; found %d", len(s))
			}
			r.Metadata = s
		}
	}
	if v, ok := fs.vals["format"]; ok {
		if s, ok := p.enum(v, "format", reportFormats...); ok {
			r.Format = s
		}
		if fs.has("memorization") {
			p.errorf(pos(fs.keys["format"]), KindConflict, "%s: `format` does not apply to a memorization report", label)
		}
	}
	if v, ok := fs.vals["memorization"]; ok {
		r.Memorization = p.memorization(v)
	}
	var given []string
	for _, k := range []string{"uri", "metadata", "memorization"} {
		if fs.has(k) {
			given = append(given, k)
		}
	}
	switch len(given) {
	case 0:
		p.errorf(pos(n), KindRequired, "%s needs one of `uri`, `metadata` or `memorization`", label)
	case 1:
	default:
		p.errorf(pos(fs.keys[given[1]]), KindConflict, "%s has both %s; give exactly one of `uri`, `metadata` or `memorization`", label, quoteList(given, "and"))
	}
	return r, namePos, true
}

// checkURI says what is wrong with a report URI, or "".
func checkURI(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		switch scheme := s[:i]; scheme {
		case "s3":
			rest := s[i+3:]
			if j := strings.IndexByte(rest, '/'); j <= 0 || j == len(rest)-1 {
				return fmt.Sprintf("`%s` must be s3://<bucket>/<key>", trunc(s))
			}
		case "https":
			if len(s) == i+3 {
				return fmt.Sprintf("`%s` has no host", trunc(s))
			}
		default:
			return fmt.Sprintf("`%s` has scheme `%s`; want s3://, https:// or a path relative to the package folder", trunc(s), trunc(scheme))
		}
		return ""
	}
	if strings.HasPrefix(s, "/") {
		return fmt.Sprintf("`%s` is an absolute path; want s3://, https:// or a path relative to the package folder", trunc(s))
	}
	for _, seg := range strings.Split(s, "/") {
		if seg == ".." {
			return fmt.Sprintf("`%s` leaves the package folder; `..` is not allowed", trunc(s))
		}
	}
	return ""
}

func (p *parser) memorization(n *yaml.Node) *Memorization {
	m := &Memorization{Pos: pos(n)}
	fs, ok := p.mapping(n, "`memorization`", "memorization", memorizationKeys, nil)
	if !ok {
		return m
	}
	p.require(fs, "memorization", "outputs", "corpus")
	if v, ok := fs.vals["outputs"]; ok {
		m.Outputs, _ = p.nonEmpty(v, "outputs")
	}
	if v, ok := fs.vals["field"]; ok {
		m.Field, _ = p.nonEmpty(v, "field")
	}
	if v, ok := fs.vals["corpus"]; ok {
		if l, ok := p.strList(v, "corpus"); ok {
			if len(l) == 0 {
				p.errorf(pos(v), KindRequired, "`corpus` must list at least one file, folder or prefix of protected text")
			}
			m.Corpus = l
		}
	}
	if v, ok := fs.vals["corpus_field"]; ok {
		m.CorpusField, _ = p.nonEmpty(v, "corpus_field")
	}
	if v, ok := fs.vals["min_tokens"]; ok {
		if t, ok := p.integer(v, "min_tokens"); ok {
			if t < 4 {
				p.errorf(pos(v), KindRange, "`min_tokens` must be at least 4, found %d", t)
			}
			m.MinTokens = t
		}
	}
	return m
}

func (p *parser) defaults(n *yaml.Node) Defaults {
	d := Defaults{Pos: pos(n)}
	fs, ok := p.mapping(n, "`defaults`", "defaults", defaultsKeys, nil)
	if !ok {
		return d
	}
	p.severity(fs, &d.Severity, &d.SeverityPos)
	if v, ok := fs.vals["on_missing"]; ok {
		if s, ok := p.enum(v, "on_missing", string(MissingFail), string(MissingWarn), string(MissingSkip)); ok {
			d.OnMissing, d.OnMissingPos = OnMissing(s), pos(v)
		}
	}
	p.multipleComparisons(&d, fs)
	return d
}

func (p *parser) ruleList(n *yaml.Node) []Rule {
	if reported(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(pos(n), KindType, "`rules` must be a list of rules, found %s", describe(n))
		return nil
	}
	if len(n.Content) == 0 {
		p.errorf(pos(n), KindRequired, "`rules` is empty; a rules file needs at least one rule")
		return nil
	}
	var out []Rule
	ids := map[string]Pos{}
	for _, c := range n.Content {
		r, idPos, ok := p.rule(c)
		if !ok {
			continue
		}
		if r.ID != "" {
			if first, dup := ids[r.ID]; dup {
				p.errorf(idPos, KindDuplicateID, "rule id `%s` is already used at %s", r.ID, first)
			} else {
				ids[r.ID] = idPos
			}
		}
		out = append(out, r)
	}
	return out
}

// ruleThresholdKeys are the keys that make a metric rule judge something.
var ruleThresholdKeys = []string{"min", "max", "between", "abs_max", "max_deviation", "vs_baseline"}

// metricOnlyKeys apply only to metric rules.
var metricOnlyKeys = []string{"min", "max", "between", "abs_max", "max_deviation", "vs_baseline", "where", "direction", "ideal", "confidence", "on_inconclusive", "min_samples"}

// ruleID reads the required `id` of a rule (what names the rule in
// messages: "rule", "endpoint rule"): the id when valid, and its position.
func (p *parser) ruleID(fs fields, what string) (string, Pos) {
	p.require(fs, what, "id")
	v, ok := fs.vals["id"]
	if !ok {
		return "", Pos{}
	}
	s, ok := p.text(v, "id")
	if !ok {
		return "", pos(v)
	}
	if !ruleIDRE.MatchString(s) {
		p.errorf(pos(v), KindName, "rule id `%s` must be 1 to 63 lowercase letters, digits, `_` or `-`, starting with a letter or digit", trunc(s))
		return "", pos(v)
	}
	return s, pos(v)
}

// severity reads a rule's `severity` into its value and position.
func (p *parser) severity(fs fields, sev *Severity, at *Pos) {
	if v, ok := fs.vals["severity"]; ok {
		if s, ok := p.enum(v, "severity", string(SeverityError), string(SeverityWarning)); ok {
			*sev, *at = Severity(s), pos(v)
		}
	}
}

func (p *parser) rule(n *yaml.Node) (Rule, Pos, bool) {
	r := Rule{Pos: pos(n)}
	fs, ok := p.mapping(n, "a rule", "rule", ruleKeys, misplacedRuleKeys)
	if !ok {
		return r, Pos{}, false
	}
	var idPos Pos
	r.ID, idPos = p.ruleID(fs, "rule")
	label := "this rule"
	if r.ID != "" {
		label = fmt.Sprintf("rule `%s`", r.ID)
	}

	var kinds []string
	for _, k := range RuleKinds {
		if fs.has(string(k)) {
			kinds = append(kinds, string(k))
		}
	}
	switch len(kinds) {
	case 0:
		p.errorf(pos(n), KindRequired, "%s needs one of `metric`, `require` or `shap`", label)
	case 1:
	default:
		p.errorf(pos(fs.keys[kinds[1]]), KindConflict, "%s has both %s; a rule checks exactly one of `metric`, `require` or `shap`", label, quoteList(kinds, "and"))
	}
	isMetric := len(kinds) == 1 && kinds[0] == "metric"
	if len(kinds) == 1 && !isMetric {
		for _, k := range metricOnlyKeys {
			if fs.has(k) {
				p.errorf(pos(fs.keys[k]), KindConflict, "`%s` applies only to metric rules; %s is a `%s` rule", k, label, kinds[0])
			}
		}
	}

	for _, k := range kinds {
		ruleKindParsers[RuleKind(k)](p, &r, fs.vals[k])
	}
	p.thresholds(&r, fs, label, isMetric)

	p.severity(fs, &r.Severity, &r.SeverityPos)
	if v, ok := fs.vals["on_missing"]; ok {
		if s, ok := p.enum(v, "on_missing", string(MissingFail), string(MissingWarn), string(MissingSkip)); ok {
			r.OnMissing, r.OnMissingPos = OnMissing(s), pos(v)
		}
	}
	if v, ok := fs.vals["waiver"]; ok {
		r.Waiver = p.waiver(v)
	}
	if v, ok := fs.vals["overridable"]; ok {
		r.Overridable = p.overridable(&r, v) // rules/extends.go
	}
	return r, idPos, true
}

// ruleKindParsers read the key that gives a rule its kind.
var ruleKindParsers = map[RuleKind]func(p *parser, r *Rule, v *yaml.Node){
	RuleMetric:  (*parser).metric,
	RuleRequire: (*parser).requireList,
	RuleShap:    func(p *parser, r *Rule, v *yaml.Node) { r.Shap = p.shap(v) },
}

func (p *parser) metric(r *Rule, v *yaml.Node) {
	s, ok := p.nonEmpty(v, "metric")
	if !ok {
		return
	}
	r.MetricPos = pos(v)
	a, err := ParseAddress(s)
	if err != nil {
		p.errorf(pos(v), KindAddress, "%v", err)
		return
	}
	fam := a.Family()
	if hint := slotHint(a); hint != "" {
		p.errorf(pos(v), KindAddress, "metric address `%s` names the slot `%s` without quotes; write %s", trunc(s), strings.Join(a.Parts[:len(a.Parts)-len(hintRest(a))], "."), hint)
		return
	}
	if !contains(fixedFamilies, fam) && !IsSlotFamily(fam) {
		rep, ok := p.reports[fam]
		if !ok {
			cands := append([]string{}, fixedFamilies...)
			for name := range p.reports {
				cands = append(cands, name)
			}
			slices.Sort(cands[len(fixedFamilies):])
			p.errorf(pos(v), KindAddress, "%sa metric starts with %s or the name of a report in `reports`", clause(fmt.Sprintf("unknown metric family `%s` in `%s`%s", trunc(fam), trunc(s), didYouMean(fam, cands))), quoteList(fixedFamilies, "or"))
			return
		}
		if rep.Memorization != nil {
			p.errorf(pos(v), KindAddress, "report `%s` is a memorization report; address its metrics as llm.memorization.verbatim_rate, llm.memorization.max_span or llm.memorization.outputs", fam)
			return
		}
	}
	r.Metric = &a
}

// slotHint is the quoted form of an address that spells a slot family
// unquoted (`drift.quality.x`, `data_quality.constraints.x`), or "". A slot
// whose name holds a dot must be quoted, or its first word would be read
// as the family.
func slotHint(a Address) string {
	rest := hintRest(a)
	if rest == nil {
		return ""
	}
	slot := strings.Join(a.Parts[:len(a.Parts)-len(rest)], ".")
	return FormatAddress(append([]string{slot}, rest...)...)
}

// hintRest is the path after the longest unquoted slot name that a's
// leading segments spell, when that name has a dot; nil otherwise.
func hintRest(a Address) []string {
	for k := min(len(a.Parts)-1, 4); k >= 2; k-- {
		if IsSlotFamily(strings.Join(a.Parts[:k], ".")) {
			return a.Parts[k:]
		}
	}
	return nil
}

func (p *parser) requireList(r *Rule, v *yaml.Node) {
	l, ok := p.strList(v, "require")
	if !ok {
		return
	}
	r.RequirePos = pos(v)
	if len(l) == 0 {
		p.errorf(pos(v), KindRequired, "`require` is empty; list the sources that must be attached, e.g. [quality, bias.post]")
		return
	}
	allowed := append([]string{}, sources...)
	for name := range p.reports {
		allowed = append(allowed, name)
	}
	slices.Sort(allowed[len(sources):])
	seen := map[string]bool{}
	for i, s := range l {
		item := v.Content[i]
		if !contains(allowed, s) {
			p.errorf(pos(item), KindValue, "%sallowed: %s", clause(fmt.Sprintf("unknown source `%s` in `require`%s", trunc(s), didYouMean(s, allowed))), strings.Join(allowed, ", "))
			continue
		}
		if seen[s] {
			p.errorf(pos(item), KindDuplicateName, "source `%s` is listed twice in `require`", s)
			continue
		}
		seen[s] = true
	}
	r.Require = l
}

func (p *parser) shap(v *yaml.Node) *ShapRule {
	s := &ShapRule{Pos: pos(v)}
	fs, ok := p.mapping(v, "`shap`", "shap", shapKeys, nil)
	if !ok {
		return s
	}
	if !fs.has("not_in_top") && !fs.has("max_share") && !fs.has("min_rank_correlation") {
		p.errorf(pos(v), KindRequired, "`shap` needs at least one of `not_in_top`, `max_share` or `min_rank_correlation`")
	}
	if n, ok := fs.vals["not_in_top"]; ok {
		if t, ok := p.integer(n, "not_in_top"); ok {
			if t < 1 {
				p.errorf(pos(n), KindRange, "`not_in_top` must be at least 1, found %d", t)
			}
			s.NotInTop = t
		}
		if !fs.has("features") {
			p.errorf(pos(fs.keys["not_in_top"]), KindRequired, "`not_in_top` needs `features`: the features that must not rank in the top %s", n.Value)
		}
	}
	if n, ok := fs.vals["features"]; ok {
		if l, ok := p.strList(n, "features"); ok {
			if len(l) == 0 {
				p.errorf(pos(n), KindRequired, "`features` is empty; list the features that must not rank in the top")
			}
			seen := map[string]bool{}
			for i, f := range l {
				if seen[f] {
					p.errorf(pos(n.Content[i]), KindDuplicateName, "feature `%s` is listed twice in `features`", trunc(f))
				}
				seen[f] = true
			}
			s.Features = l
		}
		if !fs.has("not_in_top") {
			p.errorf(pos(fs.keys["features"]), KindConflict, "`features` is used only with `not_in_top`")
		}
	}
	if n, ok := fs.vals["max_share"]; ok {
		if x, ok := p.number(n, "max_share"); ok {
			if x.V <= 0 || x.V > 1 {
				p.errorf(pos(n), KindRange, "`max_share` must be in (0, 1], found %s", n.Value)
			}
			s.MaxShare = x
		}
	}
	if n, ok := fs.vals["min_rank_correlation"]; ok {
		if x, ok := p.number(n, "min_rank_correlation"); ok {
			if x.V < -1 || x.V > 1 {
				p.errorf(pos(n), KindRange, "`min_rank_correlation` must be in [-1, 1], found %s", n.Value)
			}
			s.MinRankCorrelation = x
		}
	}
	if n, ok := fs.vals["label"]; ok {
		s.Label, _ = p.nonEmpty(n, "label")
	}
	return s
}

// thresholds reads the metric-rule keys: bounds, vs_baseline, where,
// direction, ideal, confidence, on_inconclusive, min_samples.
func (p *parser) thresholds(r *Rule, fs fields, label string, isMetric bool) {
	if isMetric {
		has := false
		for _, k := range ruleThresholdKeys {
			has = has || fs.has(k)
		}
		if !has {
			p.errorf(pos(fs.node), KindRequired, "metric %s has no threshold; give at least one of `min`, `max`, `between`, `abs_max`, `max_deviation` or `vs_baseline`", strings.TrimPrefix(label, "this "))
		}
	}
	if v, ok := fs.vals["min"]; ok {
		r.Min, _ = p.number(v, "min")
	}
	if v, ok := fs.vals["max"]; ok {
		r.Max, _ = p.number(v, "max")
	}
	if r.Min != nil && r.Max != nil && r.Min.V > r.Max.V {
		p.errorf(r.Min.Pos, KindRange, "`min` %s is greater than `max` %s; no value can pass", fmtNum(r.Min.V), fmtNum(r.Max.V))
	}
	if v, ok := fs.vals["between"]; ok {
		r.Between = p.between(v)
		for _, k := range []string{"min", "max"} {
			if fs.has(k) {
				p.errorf(pos(fs.keys[k]), KindConflict, "`%s` and `between` both bound %s; use `between` or `min`/`max`", k, label)
			}
		}
	}
	for _, k := range []string{"abs_max", "max_deviation"} {
		if v, ok := fs.vals[k]; ok {
			x, ok := p.number(v, k)
			if ok && x.V < 0 {
				p.errorf(pos(v), KindRange, "`%s` must be at least 0, found %s", k, v.Value)
			}
			if k == "abs_max" {
				r.AbsMax = x
			} else {
				r.MaxDeviation = x
			}
		}
	}
	if v, ok := fs.vals["vs_baseline"]; ok {
		r.VsBaseline = p.vsBaseline(v)
	}
	if v, ok := fs.vals["where"]; ok {
		r.Where, r.WherePos = p.where(v), pos(v)
	}
	if v, ok := fs.vals["direction"]; ok {
		if s, ok := p.enum(v, "direction", string(HigherIsBetter), string(LowerIsBetter), string(TowardIdeal)); ok {
			r.Direction, r.DirectionPos = Direction(s), pos(v)
		}
	}
	if v, ok := fs.vals["ideal"]; ok {
		r.Ideal, _ = p.number(v, "ideal")
		if r.Direction == HigherIsBetter || r.Direction == LowerIsBetter {
			p.errorf(pos(fs.keys["ideal"]), KindConflict, "`ideal` applies only with `direction: ideal`, not `direction: %s`", r.Direction)
		}
	}
	if v, ok := fs.vals["confidence"]; ok {
		if x, ok := p.number(v, "confidence"); ok {
			if msg := checkConfidence(x.V); msg != "" {
				p.errorf(pos(v), KindRange, "%s", msg)
			}
			r.Confidence, r.ConfidencePos = x.V, pos(v)
		}
	}
	if v, ok := fs.vals["on_inconclusive"]; ok {
		if s, ok := p.enum(v, "on_inconclusive", string(MissingFail), string(MissingWarn)); ok {
			r.OnInconclusive, r.OnInconclusivePos = OnMissing(s), pos(v)
		}
		if !fs.has("confidence") {
			p.errorf(pos(fs.keys["on_inconclusive"]), KindConflict, "`on_inconclusive` needs `confidence`: only a confidence band makes a verdict inconclusive")
		}
	}
	if v, ok := fs.vals["min_samples"]; ok {
		if t, ok := p.integer(v, "min_samples"); ok {
			if t < 1 {
				p.errorf(pos(v), KindRange, "`min_samples` must be at least 1, found %d", t)
			}
			r.MinSamples, r.MinSamplesPos = t, pos(v)
		}
	}
	p.llmRuleKeys(r, fs) // rules/paired.go
}

func (p *parser) between(v *yaml.Node) *Range {
	if reported(v) {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		p.errorf(pos(v), KindType, "`between` must be a list of two numbers [lo, hi], found %s", describe(v))
		return nil
	}
	if len(v.Content) != 2 {
		p.errorf(pos(v), KindType, "`between` must be exactly two numbers [lo, hi], found %d", len(v.Content))
		return nil
	}
	lo, ok1 := p.number(v.Content[0], "between")
	hi, ok2 := p.number(v.Content[1], "between")
	if !ok1 || !ok2 {
		return nil
	}
	if lo.V > hi.V {
		p.errorf(pos(v), KindRange, "`between` lower bound %s is greater than upper bound %s", fmtNum(lo.V), fmtNum(hi.V))
	}
	return &Range{Lo: lo.V, Hi: hi.V, Pos: pos(v)}
}

func (p *parser) vsBaseline(v *yaml.Node) *VsBaseline {
	vb := &VsBaseline{Pos: pos(v)}
	fs, ok := p.mapping(v, "`vs_baseline`", "vs_baseline", append(vsBaselineKeys[:len(vsBaselineKeys):len(vsBaselineKeys)], vsPairedKeys...), nil)
	if !ok {
		return vb
	}
	if len(fs.vals) == 0 && len(v.Content) == 0 {
		p.errorf(pos(v), KindRequired, "`vs_baseline` needs at least one of %s", quoteList(vsBaselineKeys, "or"))
	}
	for _, k := range vsBaselineKeys {
		n, ok := fs.vals[k]
		if !ok {
			continue
		}
		x, ok := p.number(n, k)
		if !ok {
			continue
		}
		if x.V < 0 {
			p.errorf(pos(n), KindRange, "`%s` must be at least 0, found %s", k, n.Value)
		}
		*vb.field(k) = x
	}
	p.vsPaired(vb, fs)
	return vb
}

// field returns the VsBaseline field of a key.
func (vb *VsBaseline) field(k string) **Number {
	switch k {
	case "max_drop":
		return &vb.MaxDrop
	case "max_drop_pct":
		return &vb.MaxDropPct
	case "min_gain":
		return &vb.MinGain
	case "min_gain_pct":
		return &vb.MinGainPct
	case "max_rise":
		return &vb.MaxRise
	case "max_rise_pct":
		return &vb.MaxRisePct
	}
	panic("rules: unknown vs_baseline key " + k)
}

func (p *parser) where(v *yaml.Node) map[string]string {
	fs, ok := p.mapping(v, "`where`", "where", whereLabels, nil)
	if !ok {
		return nil
	}
	if len(v.Content) == 0 {
		p.errorf(pos(v), KindRequired, "`where` is empty; give label: value pairs, e.g. {facet: gender}")
		return nil
	}
	out := map[string]string{}
	for _, k := range whereLabels {
		n, ok := fs.vals[k]
		if !ok {
			continue
		}
		if s, ok := p.text(n, "where."+k); ok {
			out[k] = s
		}
	}
	return out
}

func (p *parser) waiver(v *yaml.Node) *Waiver {
	w := &Waiver{Pos: pos(v)}
	fs, ok := p.mapping(v, "`waiver`", "waiver", waiverKeys, nil)
	if !ok {
		return w
	}
	for _, k := range waiverKeys {
		if !fs.has(k) {
			p.errorf(pos(v), KindWaiver, "waiver needs `%s`%s", k, map[string]string{
				"reason":  ": why the rule may fail",
				"owner":   ": who answers for it",
				"expires": ": the last day it holds, YYYY-MM-DD",
			}[k])
		}
	}
	if n, ok := fs.vals["reason"]; ok {
		w.Reason, _ = p.nonEmpty(n, "reason")
	}
	if n, ok := fs.vals["owner"]; ok {
		w.Owner, _ = p.nonEmpty(n, "owner")
	}
	if n, ok := fs.vals["expires"]; ok {
		w.Expires, w.ExpiresPos = p.date(n)
	}
	return w
}

// date reads a YYYY-MM-DD date (YAML resolves it as a timestamp; a quoted
// one is a string) as UTC midnight.
func (p *parser) date(n *yaml.Node) (time.Time, Pos) {
	if reported(n) {
		return time.Time{}, Pos{}
	}
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!timestamp" && n.ShortTag() != "!!str") {
		p.errorf(pos(n), KindWaiver, "`expires` must be a date YYYY-MM-DD, found %s", describe(n))
		return time.Time{}, Pos{}
	}
	if !dateRE.MatchString(n.Value) {
		p.errorf(pos(n), KindWaiver, "`expires` must be a date YYYY-MM-DD, found `%s`", trunc(n.Value))
		return time.Time{}, Pos{}
	}
	t, err := time.Parse(time.DateOnly, n.Value)
	if err != nil {
		p.errorf(pos(n), KindWaiver, "`expires` is not a calendar date: `%s`", n.Value)
		return time.Time{}, Pos{}
	}
	return t, pos(n)
}

// fmtNum formats a threshold the shortest way that reads back the same.
func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// MinConfidence is the lowest confidence level a rule may give. Below 0.5
// the one-sided quantile z is negative: the band would move a bound the
// wrong way and pass values past the threshold (0.05 passes 0.84 against
// min 0.85). At 0.5, z is 0 and the point value is judged.
const MinConfidence = 0.5

// checkConfidence says what is wrong with a confidence level, or "". People
// who write 0.05 usually mean the significance level alpha; the message
// offers 1 - alpha.
func checkConfidence(c float64) string {
	switch {
	case math.IsNaN(c) || math.IsInf(c, 0):
		return fmt.Sprintf("`confidence` must be a finite number in [0.5, 1), e.g. 0.95; found %v", c)
	case c > 0 && c < MinConfidence:
		return fmt.Sprintf("`confidence` is a confidence level in [0.5, 1), not a significance level; found %s: did you mean %s? (below 0.5 the band would loosen the threshold)",
			fmtNum(c), strconv.FormatFloat(1-c, 'g', 12, 64))
	case c < MinConfidence || c >= 1:
		return fmt.Sprintf("`confidence` must be in [0.5, 1), e.g. 0.95; found %s", fmtNum(c))
	}
	return ""
}
