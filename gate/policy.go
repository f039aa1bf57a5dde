package gate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/modelgate/modelgate/rules"
)

// Organisation policies: ResolvePolicy reads the base policies a rules
// file extends (rules.Extend) through injected fetchers, checks their
// digests, follows their own `extends` to MaxPolicyDepth with cycle
// detection, and merges them (rules.Inherit). Every problem with a base
// (absent, not a policy, a wrong digest, a cycle, too deep, a loosening
// child) is rules.Diagnostics at the child's `extends` entry: exit 2. A
// fetch that fails for another reason (the network, GitHub after the
// retries) is an error wrapping ErrPolicyFetch: exit 3.

// MaxPolicyDepth is how many bases deep a chain may go: the rules file
// extends a base (depth 1) that extends another (depth 2) ... up to 4.
const MaxPolicyDepth = 4

// MaxPolicyFiles caps how many base policy files one resolution reads, so
// that a hostile chain (8 bases, each with 8, ...) cannot fan out.
const MaxPolicyFiles = 32

// maxPolicyDiagnostics caps the problems one resolution reports (each
// base's own are capped by Parse).
const maxPolicyDiagnostics = 200

// MaxPolicyBytes caps a base policy file, as a rules file is capped.
const MaxPolicyBytes = rules.MaxFileBytes

// MetaPolicySHA is the CustomerMetadataProperties key for the digest of
// the resolved policy (rules.File.PolicyDigest: the rules file and every
// base it extends) on a package approval writes; the rules file's own
// digest stays under MetaRulesSHA.
const MetaPolicySHA = "modelgate:policy-sha256"

// ErrPolicyFetch is wrapped by the error of a base policy that could not be
// read for a reason other than its absence or its content.
var ErrPolicyFetch = errors.New("a base policy could not be read")

// ErrPolicyRefused is wrapped by a fetcher's error for a file it will not
// read: outside the repository, a symbolic link out of it, not a regular
// file, too large, not https. It is the rules file's problem (exit 2).
var ErrPolicyRefused = errors.New("refused")

// ErrPolicyNotFound is wrapped by a fetcher's error for a file that does
// not exist (a 404); fs.ErrNotExist is read the same way.
var ErrPolicyNotFound = errors.New("no such file")

// RepoFiles reads files of the repository that holds the rules file, by
// a slash-separated path relative to its root: the workspace (DirFiles),
// or the repository at another commit (RepoAt) for the rules-change guard.
type RepoFiles interface {
	ReadFile(ctx context.Context, path string) ([]byte, error)
}

// GitHubFiles reads a file of any GitHub repository at a ref (the contents
// API with the action's token). A missing file wraps ErrPolicyNotFound.
type GitHubFiles interface {
	FileAt(ctx context.Context, owner, repo, ref, path string) ([]byte, error)
}

// GitHubFilesFunc adapts a function to GitHubFiles: in cmd or the action,
// a client of the named repository (its retry policy, the action's token)
// whose 404 is wrapped as ErrPolicyNotFound.
type GitHubFilesFunc func(ctx context.Context, owner, repo, ref, path string) ([]byte, error)

// FileAt calls g.
func (g GitHubFilesFunc) FileAt(ctx context.Context, owner, repo, ref, path string) ([]byte, error) {
	return g(ctx, owner, repo, ref, path)
}

// URLFiles fetches an https:// URL (HTTPSFiles).
type URLFiles interface {
	Get(ctx context.Context, url string) ([]byte, error)
}

// PolicyFetchers are the sources ResolvePolicy reads bases from; a nil one
// refuses the bases that need it.
type PolicyFetchers struct {
	Repo   RepoFiles
	GitHub GitHubFiles
	HTTPS  URLFiles
}

// ResolvePolicy returns f merged with every base policy it extends
// (directly or through its bases), with the Resolution set: the digest of
// every policy file, for the evidence and the audit record. A file that
// extends nothing is returned with a Resolution of itself alone.
func ResolvePolicy(ctx context.Context, f *rules.File, fx PolicyFetchers) (*rules.File, error) {
	r := &resolver{fx: fx}
	return r.resolve(ctx, f, frame{kind: frameRepo}, []string{"repo:" + f.Path}, []string{f.Path}, 0)
}

type frameKind int

const (
	frameRepo   frameKind = iota // the rules file's own repository
	frameGitHub                  // another repository at a ref
	frameURL                     // a file served at a URL: no repository
)

// frame is where a policy file lives, so that its `path:` bases are read
// from the same place.
type frame struct {
	kind             frameKind
	owner, repo, ref string
	url              string
}

type resolver struct {
	fx      PolicyFetchers
	fetched int
	// check is set by CheckPolicy: bases that cannot be read (offline,
	// or a fetch fault) are listed in unchecked instead of failing the
	// resolution.
	check     *CheckOptions
	unchecked []Unchecked
}

// resolve resolves f, found in frame fr; stack holds the keys of the
// files that extend it (names: their display names), depth its depth.
func (r *resolver) resolve(ctx context.Context, f *rules.File, fr frame, stack, names []string, depth int) (*rules.File, error) {
	var ds rules.Diagnostics
	var bases []rules.Base
	bad := func(e *rules.Extend, format string, args ...any) {
		ds = append(ds, rules.Diagnostic{File: f.Path, Pos: e.Pos, Message: fmt.Sprintf(format, args...), Kind: rules.KindExtends})
	}
	for i := range f.Extends {
		e := &f.Extends[i]
		name := e.String()
		if e.Repo == "" && e.URL == "" && fr.kind == frameGitHub {
			name = fr.owner + "/" + fr.repo + "@" + fr.ref + ":" + e.Path
		}
		key, child, fetch, why := r.locate(e, fr)
		if why != "" {
			bad(e, "base policy %s: %s", name, why)
			continue
		}
		if depth+1 > MaxPolicyDepth {
			bad(e, "base policy %s is %d bases deep; a chain of `extends` may be at most %d deep", name, depth+1, MaxPolicyDepth)
			continue
		}
		if j := indexOf(stack, key); j >= 0 {
			bad(e, "base policy %s extends itself: %s", name, strings.Join(append(names[j:], name), " -> "))
			continue
		}
		if r.check != nil && r.check.Offline && child.kind != frameRepo {
			r.unchecked = append(r.unchecked, Unchecked{File: f.Path, Pos: e.Pos, Name: name, Reason: "offline: it is read " + child.where()})
			continue
		}
		if r.fetched++; r.fetched > MaxPolicyFiles {
			bad(e, "base policy %s: the policy reads more than %d base policy files", name, MaxPolicyFiles)
			continue
		}
		data, err := fetch(ctx)
		switch {
		case errors.Is(err, ErrPolicyNotFound) || errors.Is(err, fs.ErrNotExist):
			bad(e, "base policy %s does not exist", name)
			continue
		case errors.Is(err, ErrPolicyRefused):
			bad(e, "base policy %s: %v", name, err)
			continue
		case err != nil && r.check != nil:
			r.unchecked = append(r.unchecked, Unchecked{File: f.Path, Pos: e.Pos, Name: name, Reason: "it could not be read: " + err.Error()})
			continue
		case err != nil:
			return nil, fmt.Errorf("%w: %s: %w", ErrPolicyFetch, name, err)
		}
		if len(data) > MaxPolicyBytes {
			bad(e, "base policy %s is larger than %d bytes", name, MaxPolicyBytes)
			continue
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); e.SHA256 != "" && got != e.SHA256 {
			bad(e, "base policy %s does not have the pinned digest: sha256 %s, want %s; the bytes at that source changed", name, got, e.SHA256)
			continue
		}
		bf, err := rules.Parse(name, data)
		if err != nil {
			var bds rules.Diagnostics
			if errors.As(err, &bds) {
				bad(e, "base policy %s has %d problem(s), listed below", name, len(bds))
				ds = append(ds, bds...)
				continue
			}
			return nil, err
		}
		if bf.Policy == nil {
			bad(e, "%s is not a base policy: it has no `policy:` section (a model's rules file cannot be extended)", name)
			continue
		}
		rb, err := r.resolve(ctx, bf, child, append(stack[:len(stack):len(stack)], key), append(names[:len(names):len(names)], name), depth+1)
		if err != nil {
			var bds rules.Diagnostics
			if errors.As(err, &bds) {
				bad(e, "base policy %s cannot be used, because:", name)
				ds = append(ds, bds...)
				continue
			}
			return nil, err
		}
		bases = append(bases, rules.Base{File: rb, Entry: e})
	}
	if len(ds) > maxPolicyDiagnostics {
		more := len(ds) - maxPolicyDiagnostics
		ds = append(ds[:maxPolicyDiagnostics:maxPolicyDiagnostics], rules.Diagnostic{File: f.Path, Message: fmt.Sprintf("too many problems in the base policies; %d more not shown", more), Kind: rules.KindSize})
	}
	if len(ds) > 0 {
		return nil, ds
	}
	return rules.Inherit(f, bases)
}

// locate says where an entry's bytes are: a key for cycle detection, the
// frame its own bases live in, and how to fetch them; or why it cannot.
func (r *resolver) locate(e *rules.Extend, fr frame) (string, frame, func(context.Context) ([]byte, error), string) {
	switch {
	case e.URL != "":
		if r.fx.HTTPS == nil {
			return "", fr, nil, "no HTTPS fetcher is configured"
		}
		return "url:" + e.URL, frame{kind: frameURL, url: e.URL}, func(ctx context.Context) ([]byte, error) { return r.fx.HTTPS.Get(ctx, e.URL) }, ""
	case e.Repo != "":
		owner, repo, _ := strings.Cut(e.Repo, "/")
		return r.github(owner, repo, e.Ref, e.Path)
	}
	switch fr.kind {
	case frameGitHub:
		return r.github(fr.owner, fr.repo, fr.ref, e.Path)
	case frameURL:
		return "", fr, nil, "a base served from a URL has no repository to read `path` from; give `repo` and `ref`, or `url` with `sha256`"
	}
	if r.fx.Repo == nil {
		return "", fr, nil, "no reader of this repository is configured"
	}
	return "repo:" + e.Path, fr, func(ctx context.Context) ([]byte, error) { return r.fx.Repo.ReadFile(ctx, e.Path) }, ""
}

func (r *resolver) github(owner, repo, ref, path string) (string, frame, func(context.Context) ([]byte, error), string) {
	fr := frame{kind: frameGitHub, owner: owner, repo: repo, ref: ref}
	if r.fx.GitHub == nil {
		return "", fr, nil, "no GitHub reader is configured"
	}
	key := "github:" + strings.ToLower(owner+"/"+repo) + "@" + ref + ":" + path
	return key, fr, func(ctx context.Context) ([]byte, error) { return r.fx.GitHub.FileAt(ctx, owner, repo, ref, path) }, ""
}

func indexOf(l []string, s string) int {
	for i, x := range l {
		if x == s {
			return i
		}
	}
	return -1
}

// RepoAt reads the rules file's own repository at a commit through
// GitHub: the bases a rules file extends by `path` on the pull request's
// base side, for the rules-change guard.
type RepoAt struct {
	GitHub      GitHubFiles
	Owner, Repo string
	Ref         string
}

// ReadFile reads path at the commit.
func (a RepoAt) ReadFile(ctx context.Context, path string) ([]byte, error) {
	return a.GitHub.FileAt(ctx, a.Owner, a.Repo, a.Ref, path)
}

// PolicyChange diffs the resolved policies of the two sides of a pull
// request: base (the rules file at the base commit, with fetchers reading
// the repository there) and head. A pull request that only moves a base's
// pin to a commit whose policy loosens a rule is shown as loosening, at
// the head's `extends` entry. A side that does not resolve is its error
// (the caller treats a broken base side as loosening, as for a rules file
// that does not parse).
func PolicyChange(ctx context.Context, base *rules.File, baseFx PolicyFetchers, head *rules.File, headFx PolicyFetchers) ([]rules.Change, error) {
	rb, err := ResolvePolicy(ctx, base, baseFx)
	if err != nil {
		return nil, fmt.Errorf("resolve the base side's policy: %w", err)
	}
	rh, err := ResolvePolicy(ctx, head, headFx)
	if err != nil {
		return nil, fmt.Errorf("resolve the head side's policy: %w", err)
	}
	return rules.Diff(rb, rh), nil
}

// JudgePolicyChange is JudgeRulesChange for resolved policies: head is the
// resolved rules file res was judged with (ResolvePolicy), base the rules
// file's bytes at baseRef (nil when it does not exist there), resolved
// with baseFx (the repository at baseRef: RepoAt). It compares the
// resolved policies, so a pull request that changes only a base (a pin, or
// a base file of this repository) is compared rule by rule, and one that
// changes nothing in any policy file is Unchanged even if no byte of the
// rules file moved. A base side that does not parse or resolve counts as
// loosening (BaseBroken); one whose bases cannot be read is an error
// wrapping ErrGuardUnavailable.
func JudgePolicyChange(ctx context.Context, res *Result, head *rules.File, path, baseRef string, base []byte, baseFx PolicyFetchers, now time.Time) (RulesChange, error) {
	rc, bf, err := ComparePolicy(ctx, head, path+"@"+short12(baseRef), base, baseFx)
	rc.Path, rc.BaseRef = path, baseRef
	if err != nil {
		return rc, fmt.Errorf("%w: the base policies at %s: %w", ErrGuardUnavailable, short12(baseRef), err)
	}
	if bf != nil && !rc.Unchanged {
		if was, ok := res.Rejudge(bf, now); ok {
			rc.Was = was
		}
	}
	return rc, nil
}

// ComparePolicy is the decision of the rules-change guard on resolved
// policies, which JudgePolicyChange and `modelgate diff` share: head is the
// resolved rules file of one side (ResolvePolicy), base the bytes of the
// rules file on the other (nil when it does not exist there: New), named
// baseName in its diagnostics and resolved with baseFx. A base side that
// does not parse or resolve counts as loosening (BaseBroken); the same
// resolved policy (PolicyDigest) is Unchanged. bf is the resolved base
// side when it was compared. A base whose bases cannot be read is an
// error wrapping ErrPolicyFetch.
func ComparePolicy(ctx context.Context, head *rules.File, baseName string, base []byte, baseFx PolicyFetchers) (rc RulesChange, bf *rules.File, err error) {
	if base == nil {
		rc.New = true
		return rc, nil, nil
	}
	bf, err = rules.Parse(baseName, base)
	if err != nil {
		return ComparePolicyFile(ctx, head, nil, err, baseFx)
	}
	return ComparePolicyFile(ctx, head, bf, nil, baseFx)
}

// ComparePolicyFile is ComparePolicy for a base side already parsed: base,
// or its parse error parseErr.
func ComparePolicyFile(ctx context.Context, head, base *rules.File, parseErr error, baseFx PolicyFetchers) (rc RulesChange, bf *rules.File, err error) {
	err = parseErr
	if err == nil {
		bf, err = ResolvePolicy(ctx, base, baseFx)
	}
	var ds rules.Diagnostics
	switch {
	case errors.As(err, &ds):
		rc.BaseBroken, rc.Loosens = err, true
		return rc, nil, nil
	case err != nil:
		return rc, nil, err
	}
	if bf.PolicyDigest() == head.PolicyDigest() {
		rc.Unchanged = true
		return rc, bf, nil
	}
	rc.Changes = rules.Diff(bf, head)
	rc.Loosens = rules.Loosens(rc.Changes)
	return rc, bf, nil
}
