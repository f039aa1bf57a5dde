package rules

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Organisation policies: a rules file may extend base policies (`extends:`)
// that it can only tighten. This file holds the language of it (the
// `policy:` and `extends:` sections, a rule's `overridable` bounds) and the
// pure merge of a rules file with its already-resolved bases (Inherit).
// Fetching the bases is the gate's (gate/policy.go): Parse stays a function
// of bytes.

// KindExtends tags the diagnostics of inheritance: a bad `extends` entry, a
// base that cannot be used, a child that loosens an inherited rule, a
// waiver without an allowed owner.
const KindExtends = "extends"

// MaxExtends caps the entries of one `extends:` list.
const MaxExtends = 8

// Policy is the `policy:` section that makes a file a base policy: a file
// other rules files may extend. A base policy judges no model of its own:
// it has no `model`, `registry` or `endpoint`.
type Policy struct {
	// Name names the policy in messages and the audit record; optional.
	Name string
	// WaiverOwners may waive this policy's rules in a file that extends it
	// (and the rules of the files it extends are waivable by their own
	// owners, not by these).
	WaiverOwners []string
	Pos          Pos
}

// Extend is one entry of `extends:`: exactly one of a path in the same
// repository, a GitHub repository at a commit, or an HTTPS URL.
type Extend struct {
	// Path is a file in the repository of the extending file, relative to
	// the repository root (with Repo: a file of that repository).
	Path string
	// Repo is another GitHub repository, owner/name; Ref is a 40-hex commit
	// SHA unless AllowMovingRef.
	Repo           string
	Ref            string
	AllowMovingRef bool
	// URL is an https:// URL; SHA256 (required with URL, optional
	// otherwise) is the hex sha256 the fetched bytes must have.
	URL    string
	SHA256 string
	Pos    Pos
}

// String names the base in messages and the resolution:
// "policies/base.yml", "acme/policies@<40-hex sha>:risk.yml", "https://...".
func (e *Extend) String() string {
	switch {
	case e.URL != "":
		return e.URL
	case e.Repo != "":
		return e.Repo + "@" + e.Ref + ":" + e.Path
	}
	return e.Path
}

// Overridable is a base rule's `overridable`: the thresholds a child may
// move, each within closed bounds. A key not listed cannot be loosened.
type Overridable struct {
	// Bounds by threshold key: min, max, abs_max, max_deviation and the
	// vs_baseline keys (max_drop, ...).
	Bounds map[string]Range
	Pos    Pos
}

// overridableKeys are the thresholds a base may let a child move.
var overridableKeys = append([]string{"min", "max", "abs_max", "max_deviation"}, vsBaselineKeys...)

var (
	policyKeys  = []string{"name", "waiver_owners"}
	extendsKeys = []string{"path", "repo", "ref", "allow_moving_ref", "url", "sha256"}
	commitSHARE = lazyPattern(`^[0-9a-f]{40}$`)
	sha256RE    = lazyPattern(`^[0-9a-f]{64}$`)
	repoRE      = lazyPattern(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$`)
	movingRefRE = lazyPattern(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$`)
	ownerRE     = lazyPattern(`^@?[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$`)
)

// requiredTop is the keys a file must have: a base policy judges no model,
// and a file that extends a base may add no rules of its own.
func requiredTop(fs fields) []string {
	req := []string{"version"}
	if !fs.has("policy") {
		req = append(req, "model")
	}
	if !fs.has("extends") {
		req = append(req, "rules")
	}
	return req
}

// policySections reads `policy:` and `extends:` and checks what a base
// policy may hold; called by file after the rules are read.
func (p *parser) policySections(f *File, fs fields) {
	if n, ok := fs.vals["policy"]; ok {
		f.Policy = p.policy(n)
		for _, k := range []string{"model", "registry", "endpoint"} {
			if fs.has(k) {
				p.errorf(pos(fs.keys[k]), KindConflict, "`%s` does not belong in a base policy (a file with `policy:`); it goes in the rules file of each model", k)
			}
		}
	}
	if n, ok := fs.vals["extends"]; ok {
		f.Extends = p.extendsList(n)
	}
	if f.Policy == nil {
		for i := range f.Rules {
			if o := f.Rules[i].Overridable; o != nil {
				p.errorf(o.Pos, KindConflict, "`overridable` applies only in a base policy (a file with `policy:`); a child cannot let itself loosen")
			}
		}
	}
}

func (p *parser) policy(n *yaml.Node) *Policy {
	pol := &Policy{Pos: pos(n)}
	fs, ok := p.mapping(n, "`policy`", "policy", policyKeys, nil)
	if !ok {
		return pol
	}
	if v, ok := fs.vals["name"]; ok {
		pol.Name, _ = p.nonEmpty(v, "name")
	}
	if v, ok := fs.vals["waiver_owners"]; ok {
		l, _ := p.strList(v, "waiver_owners")
		seen := map[string]bool{}
		for i, o := range l {
			switch {
			case !ownerRE.MatchString(o):
				p.errorf(pos(v.Content[i]), KindValue, "waiver owner `%s` must be a GitHub user or team such as @ml-risk or @acme/ml-risk", trunc(o))
			case seen[o]:
				p.errorf(pos(v.Content[i]), KindDuplicateName, "waiver owner `%s` is listed twice", trunc(o))
			default:
				pol.WaiverOwners = append(pol.WaiverOwners, o)
			}
			seen[o] = true
		}
	}
	return pol
}

// extendsList reads `extends:`, a single entry or a list of them.
func (p *parser) extendsList(n *yaml.Node) []Extend {
	if reported(n) {
		return nil
	}
	items := []*yaml.Node{n}
	switch n.Kind {
	case yaml.SequenceNode:
		items = n.Content
		if len(items) == 0 {
			p.errorf(pos(n), KindRequired, "`extends` is empty; give a base policy (path, repo or url) or remove the key")
		}
	case yaml.MappingNode:
	default:
		p.errorf(pos(n), KindType, "`extends` must be a base policy {path | repo, ref, path | url, sha256} or a list of them, found %s", describe(n))
		return nil
	}
	if len(items) > MaxExtends {
		p.errorf(pos(items[MaxExtends]), KindRange, "`extends` lists %d base policies; at most %d", len(items), MaxExtends)
		items = items[:MaxExtends]
	}
	var out []Extend
	seen := map[string]Pos{}
	for _, c := range items {
		e, ok := p.extend(c)
		if !ok {
			continue
		}
		if first, dup := seen[e.String()]; dup {
			p.errorf(e.Pos, KindDuplicateName, "base policy `%s` is already extended at %s", trunc(e.String()), first)
			continue
		}
		seen[e.String()] = e.Pos
		out = append(out, e)
	}
	return out
}

func (p *parser) extend(n *yaml.Node) (Extend, bool) {
	e := Extend{Pos: pos(n)}
	fs, ok := p.mapping(n, "an `extends` entry", "extends", extendsKeys, nil)
	if !ok {
		return e, false
	}
	str := func(k string) string {
		if v, ok := fs.vals[k]; ok {
			s, _ := p.nonEmpty(v, k)
			return s
		}
		return ""
	}
	e.Path, e.Repo, e.Ref, e.URL, e.SHA256 = str("path"), str("repo"), str("ref"), str("url"), str("sha256")
	if v, ok := fs.vals["allow_moving_ref"]; ok {
		e.AllowMovingRef, _ = p.boolean(v, "allow_moving_ref")
	}
	valid := true
	bad := func(k, format string, args ...any) {
		p.errorf(pos(fs.vals[k]), KindExtends, format, args...)
		valid = false
	}
	misplaced := func(kind string, keys ...string) {
		for _, k := range keys {
			if fs.has(k) {
				p.errorf(pos(fs.keys[k]), KindConflict, "`%s` does not apply to a base given by `%s`", k, kind)
				valid = false
			}
		}
	}
	switch {
	case fs.has("url"):
		misplaced("url", "path", "repo", "ref", "allow_moving_ref")
		if !fs.has("sha256") {
			p.errorf(pos(n), KindRequired, "a base policy from a URL needs `sha256`: the hex sha256 of the exact bytes, so that the URL cannot serve another policy")
			valid = false
		}
		if e.URL != "" {
			if msg := checkPolicyURL(e.URL); msg != "" {
				bad("url", "`url` %s", msg)
			}
		}
	case fs.has("repo"):
		p.require(fs, "an `extends` entry with `repo`", "ref", "path")
		if !fs.has("ref") || !fs.has("path") {
			valid = false
		}
		if e.Repo != "" && !repoRE.MatchString(e.Repo) {
			bad("repo", "`repo` must be a GitHub repository owner/name, found `%s`", trunc(e.Repo))
		}
		if e.Ref != "" {
			switch {
			case commitSHARE.MatchString(e.Ref):
			case !movingRefRE.MatchString(e.Ref) || strings.Contains(e.Ref, ".."):
				bad("ref", "`ref` must be a 40-hex commit SHA, found `%s`", trunc(e.Ref))
			case !e.AllowMovingRef:
				bad("ref", "`ref` `%s` is a branch or tag: it can move and change the policy under this file; pin a 40-hex commit SHA, or set `allow_moving_ref: true`", trunc(e.Ref))
			}
		}
	case fs.has("path"):
		misplaced("path", "ref", "allow_moving_ref")
	default:
		p.errorf(pos(n), KindRequired, "an `extends` entry needs `path` (this repository), `repo` with `ref` and `path` (another GitHub repository) or `url` with `sha256`")
		return e, false
	}
	if e.Path != "" {
		if msg := checkPolicyPath(e.Path); msg != "" {
			bad("path", "`path` %s", msg)
		}
	}
	if e.SHA256 != "" && !sha256RE.MatchString(e.SHA256) {
		bad("sha256", "`sha256` must be 64 lowercase hex digits, found `%s`", trunc(e.SHA256))
	}
	return e, valid && (e.Path != "" || e.URL != "")
}

// checkPolicyPath says what is wrong with a repository path, or "".
func checkPolicyPath(s string) string {
	switch {
	case strings.HasPrefix(s, "/"):
		return fmt.Sprintf("`%s` is absolute; want a path relative to the repository root", trunc(s))
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return fmt.Sprintf("`%s` holds a control character", trunc(s))
	case strings.Contains(s, "\\"):
		return fmt.Sprintf("`%s` holds a backslash; write the path with `/`", trunc(s))
	}
	for _, seg := range strings.Split(s, "/") {
		if seg == ".." || seg == "." || seg == "" {
			return fmt.Sprintf("`%s` is not a clean path inside the repository (no `..`, `.` or empty segments)", trunc(s))
		}
	}
	return ""
}

// checkPolicyURL says what is wrong with a base policy URL, or "".
func checkPolicyURL(s string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Sprintf("`%s` is not a URL", trunc(s))
	case u.Scheme != "https":
		return fmt.Sprintf("`%s` must be https://", trunc(s))
	case u.Host == "" || u.Hostname() == "":
		return fmt.Sprintf("`%s` has no host", trunc(s))
	case u.User != nil:
		return fmt.Sprintf("`%s` holds credentials; a rules file is public to the repository", trunc(s))
	case u.Fragment != "":
		return fmt.Sprintf("`%s` has a fragment", trunc(s))
	}
	return ""
}

// overridable reads a base rule's `overridable`: each key a threshold the
// rule sets, with bounds [lo, hi] that hold the rule's own value.
func (p *parser) overridable(r *Rule, n *yaml.Node) *Overridable {
	o := &Overridable{Pos: pos(n), Bounds: map[string]Range{}}
	fs, ok := p.mapping(n, "`overridable`", "overridable", overridableKeys, nil)
	if !ok {
		return o
	}
	if len(n.Content) == 0 {
		p.errorf(pos(n), KindRequired, "`overridable` is empty; give the thresholds a child may move, e.g. {min: [0.80, 0.90]}")
	}
	for _, k := range overridableKeys {
		v, ok := fs.vals[k]
		if !ok {
			continue
		}
		b := p.bounds(v, "overridable."+k)
		if b == nil {
			continue
		}
		cur := thresholdOf(r, k)
		if cur == nil {
			p.errorf(pos(fs.keys[k]), KindConflict, "`overridable.%s`: the rule sets no `%s` to override", k, k)
			continue
		}
		if cur.V < b.Lo || cur.V > b.Hi {
			p.errorf(pos(v), KindRange, "`overridable.%s` bounds %s do not hold the rule's own `%s` %s", k, rangeText(b), k, fmtNum(cur.V))
		}
		o.Bounds[k] = *b
	}
	return o
}

// bounds reads [lo, hi] with lo <= hi.
func (p *parser) bounds(v *yaml.Node, key string) *Range {
	if reported(v) {
		return nil
	}
	if v.Kind != yaml.SequenceNode || len(v.Content) != 2 {
		p.errorf(pos(v), KindType, "`%s` must be bounds [lo, hi], found %s", key, describe(v))
		return nil
	}
	lo, ok1 := p.number(v.Content[0], key)
	hi, ok2 := p.number(v.Content[1], key)
	if !ok1 || !ok2 {
		return nil
	}
	if lo.V > hi.V {
		p.errorf(pos(v), KindRange, "`%s` lower bound %s is greater than upper bound %s", key, fmtNum(lo.V), fmtNum(hi.V))
		return nil
	}
	return &Range{Lo: lo.V, Hi: hi.V, Pos: pos(v)}
}

// thresholdOf is the Number a rule gives for a threshold key, or nil.
func thresholdOf(r *Rule, k string) *Number {
	switch k {
	case "min":
		return r.Min
	case "max":
		return r.Max
	case "abs_max":
		return r.AbsMax
	case "max_deviation":
		return r.MaxDeviation
	}
	if r.VsBaseline == nil || !slices.Contains(vsBaselineKeys, k) {
		return nil
	}
	return *r.VsBaseline.field(k)
}

// setThreshold sets a threshold key of r (which must own its VsBaseline).
func setThreshold(r *Rule, k string, n *Number) {
	switch k {
	case "min":
		r.Min = n
	case "max":
		r.Max = n
	case "abs_max":
		r.AbsMax = n
	case "max_deviation":
		r.MaxDeviation = n
	default:
		if r.VsBaseline != nil {
			*r.VsBaseline.field(k) = n
		}
	}
}
