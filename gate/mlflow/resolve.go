package mlflow

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// ErrIdentity is wrapped by Resolve when the server answered about another
// version than the one asked for, or the version changed while it was
// looked up.
var ErrIdentity = errors.New("model version identity mismatch")

// Model version statuses (ModelVersionStatus).
const (
	StatusReady   = "READY"
	StatusPending = "PENDING_REGISTRATION"
	StatusFailed  = "FAILED_REGISTRATION"
)

// Tags modelgate reads and writes on a version.
const (
	TagStatus      = "modelgate.status"      // pending | approved | rejected
	TagDescription = "modelgate.description" // the approval description
)

// Values of TagStatus.
const (
	StatusValueApproved = "approved"
	StatusValueRejected = "rejected"
)

type kv struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type modelVersion struct {
	Name                 string `json:"name"`
	Version              string `json:"version"`
	CreationTimestamp    int64s `json:"creation_timestamp"`
	LastUpdatedTimestamp int64s `json:"last_updated_timestamp"`
	CurrentStage         string `json:"current_stage"`
	Description          string `json:"description"`
	Source               string `json:"source"`
	RunID                string `json:"run_id"`
	Status               string `json:"status"`
	StatusMessage        string `json:"status_message"`
	Tags                 []kv   `json:"tags"`
}

type versionAnswer struct {
	ModelVersion *modelVersion `json:"model_version"`
}

// ARN is the identity modelgate gives a version: MLflow's models:/ URI.
func ARN(name string, version int) string {
	return "models:/" + name + "/" + strconv.Itoa(version)
}

// parseARN splits models:/<name>/<version>.
func parseARN(arn string) (string, int, bool) {
	rest, ok := strings.CutPrefix(arn, "models:/")
	i := strings.LastIndexByte(rest, '/')
	if !ok || i <= 0 {
		return "", 0, false
	}
	v, err := strconv.Atoi(rest[i+1:])
	if err != nil || v < 1 || strconv.Itoa(v) != rest[i+1:] {
		return "", 0, false
	}
	return rest[:i], v, true
}

func aliasName(s string) (string, bool) { return rules.AliasSelector("@" + s) }

// Resolve implements gate.Registry. group is the registered model's name
// (Config.Model, when set, is used instead); the package's Group is the
// model's name.
// latest-pending is the newest READY version with the pending tag
// (Config.PendingTag), tag:key=value the newest READY version with that
// tag (model-versions/search, every page); latest-approved is the version
// Config.Alias points to, @name the version alias name points to
// (registered-models/alias: search results carry no aliases); a number is
// that version. A version that is not READY is refused (ErrNotReady).
func (c *Client) Resolve(ctx context.Context, group string, sel gate.Selector) (*gate.Package, error) {
	selector := sel.String()
	var err error
	if c.model != "" {
		group = c.model // the rules file's registry.model names the model for its group
	}
	if group == "" {
		return nil, fmt.Errorf("%w %q: no registered model name", gate.ErrSelector, selector)
	}
	var mv *modelVersion
	switch sel.Kind {
	case gate.SelectLatestPending:
		mv, err = c.newestTagged(ctx, group, c.pendingKey, c.pendingVal, 0)
	case gate.SelectTag:
		k, v, _ := strings.Cut(sel.Tag, "=")
		mv, err = c.newestTagged(ctx, group, k, v, 0)
	case gate.SelectApprovedBefore:
		// The newest version before sel.Version that modelgate approved:
		// the baseline of a candidate that is itself the champion.
		mv, err = c.newestTagged(ctx, group, TagStatus, StatusValueApproved, sel.Version)
	case gate.SelectLatestApproved:
		mv, err = c.byAlias(ctx, group, c.alias)
	case gate.SelectAlias:
		mv, err = c.byAlias(ctx, group, sel.Alias)
	case gate.SelectVersion:
		mv, err = c.getVersion(ctx, group, sel.Version)
	case gate.SelectARN:
		name, v, ok := parseARN(sel.ARN)
		if !ok {
			return nil, fmt.Errorf("%w %q: an MLflow version is models:/<name>/<version>", gate.ErrSelector, selector)
		}
		if name != group {
			return nil, fmt.Errorf("%s is not a version of %q: %w", sel.ARN, group, gate.ErrNoPackage)
		}
		mv, err = c.getVersion(ctx, group, v)
	default:
		return nil, fmt.Errorf("%w %q: an MLflow version is selected by latest-pending, latest-approved, a version number, @alias or tag:key=value", gate.ErrSelector, selector)
	}
	if err != nil {
		return nil, err
	}
	pkg, err := c.pkg(ctx, group, mv)
	if err != nil {
		return nil, err
	}
	// The answer must be what the selector named.
	switch sel.Kind {
	case gate.SelectARN:
		if pkg.ARN != sel.ARN {
			return nil, fmt.Errorf("%w: asked for %s, the server answered %s", ErrIdentity, sel.ARN, pkg.ARN)
		}
	case gate.SelectVersion:
		if pkg.Version != sel.Version {
			return nil, fmt.Errorf("%w: asked for version %d of %q, the server answered version %d", ErrIdentity, sel.Version, group, pkg.Version)
		}
	case gate.SelectLatestPending:
		if tagOf(mv, c.pendingKey) != c.pendingVal {
			return nil, fmt.Errorf("%w: %s lost its %s=%s tag while it was looked up", ErrIdentity, pkg.ARN, c.pendingKey, c.pendingVal)
		}
		if pkg.Approval != gate.StatusPending {
			return nil, fmt.Errorf("%w: %s is tagged %s=%s but is %s (@%s points to it, or its %s tag says so): fix its tags", ErrIdentity, pkg.ARN, c.pendingKey, c.pendingVal, pkg.Approval, c.alias, TagStatus)
		}
	case gate.SelectApprovedBefore:
		if pkg.Version >= sel.Version || pkg.Approval != gate.StatusApproved {
			return nil, fmt.Errorf("%w: asked for %s, the server answered %s (%s)", ErrIdentity, selector, pkg.ARN, pkg.Approval)
		}
	case gate.SelectTag:
		k, v, _ := strings.Cut(sel.Tag, "=")
		if tagOf(mv, k) != v {
			return nil, fmt.Errorf("%w: %s lost its %s tag while it was looked up", ErrIdentity, pkg.ARN, sel.Tag)
		}
	case gate.SelectLatestApproved:
		if pkg.Approval != gate.StatusApproved {
			return nil, fmt.Errorf("%w: @%s moved while %s was looked up", ErrIdentity, c.alias, pkg.ARN)
		}
	}
	return pkg, nil
}

func tagOf(mv *modelVersion, key string) string {
	for _, t := range mv.Tags {
		if t.Key == key {
			return t.Value
		}
	}
	return ""
}

// getVersion reads one version (model-versions/get).
func (c *Client) getVersion(ctx context.Context, name string, version int) (*modelVersion, error) {
	var out versionAnswer
	q := url.Values{"name": {name}, "version": {strconv.Itoa(version)}}
	if err := c.call(ctx, "GET", "/mlflow/model-versions/get", q, nil, &out); err != nil {
		if isCode(err, 404, "RESOURCE_DOES_NOT_EXIST") {
			return nil, fmt.Errorf("version %d of registered model %q: %w", version, name, gate.ErrNoPackage)
		}
		return nil, err
	}
	if out.ModelVersion == nil {
		return nil, fmt.Errorf("version %d of %q: %w: the answer has no model_version", version, name, gate.ErrBadPackage)
	}
	return out.ModelVersion, nil
}

// aliasTarget is the version an alias points to ("" when the alias does
// not exist: MLflow answers 400 INVALID_PARAMETER_VALUE, not 404).
func (c *Client) aliasTarget(ctx context.Context, name, alias string) (*modelVersion, error) {
	var out versionAnswer
	q := url.Values{"name": {name}, "alias": {alias}}
	err := c.call(ctx, "GET", "/mlflow/registered-models/alias", q, nil, &out)
	if isCode(err, 400, "INVALID_PARAMETER_VALUE") || isCode(err, 404, "RESOURCE_DOES_NOT_EXIST") {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if out.ModelVersion == nil {
		return nil, fmt.Errorf("alias @%s of %q: %w: the answer has no model_version", alias, name, gate.ErrBadPackage)
	}
	return out.ModelVersion, nil
}

func (c *Client) byAlias(ctx context.Context, name, alias string) (*modelVersion, error) {
	mv, err := c.aliasTarget(ctx, name, alias)
	if err != nil {
		return nil, err
	}
	if mv == nil {
		return nil, fmt.Errorf("registered model %q has no alias @%s: %w", name, alias, gate.ErrNoPackage)
	}
	return mv, nil
}

type searchAnswer struct {
	ModelVersions []modelVersion `json:"model_versions"`
	NextPageToken string         `json:"next_page_token"`
}

// newestTagged searches every version of name, page by page, and returns
// the newest READY one with tag key=value, read again with
// model-versions/get. The tag is matched here, not in the filter, so that
// every store (file, SQL, Databricks) answers the same.
// below, when not 0, bounds the version numbers considered (exclusive).
func (c *Client) newestTagged(ctx context.Context, name, key, value string, below int) (*modelVersion, error) {
	filter, err := nameFilter(name)
	if err != nil {
		return nil, err
	}
	q := url.Values{"filter": {filter}, "max_results": {strconv.Itoa(c.pageSize)}}
	best, seen, pages := 0, 0, 0
	tokens := map[string]bool{}
	for {
		var out searchAnswer
		if err := c.call(ctx, "GET", "/mlflow/model-versions/search", q, nil, &out); err != nil {
			return nil, err
		}
		pages++
		for i := range out.ModelVersions {
			mv := &out.ModelVersions[i]
			seen++
			if mv.Name != name {
				return nil, fmt.Errorf("%w: the search for %q answered a version of %q", ErrIdentity, name, mv.Name)
			}
			v, err := versionNumber(mv.Version)
			if err != nil {
				return nil, fmt.Errorf("registered model %q: %w", name, err)
			}
			if mv.Status == StatusReady && tagOf(mv, key) == value && v > best && (below == 0 || v < below) {
				best = v
			}
		}
		if seen > c.maxVersions {
			return nil, fmt.Errorf("registered model %q has more than %d versions; modelgate reads at most that many", name, c.maxVersions)
		}
		if out.NextPageToken == "" {
			break
		}
		// A page may be short, even empty (a server that filters by
		// permission after paging); a repeated token or endless pages are
		// refused.
		if tokens[out.NextPageToken] || pages > maxPages(c.maxVersions, c.pageSize) {
			return nil, fmt.Errorf("MLflow model-versions/search of %q: the server repeats a page token or never ends (page %d)", name, pages)
		}
		tokens[out.NextPageToken] = true
		q.Set("page_token", out.NextPageToken)
	}
	if best == 0 {
		return nil, fmt.Errorf("no READY version of %q has tag %s=%s: %w", name, key, value, gate.ErrNoPackage)
	}
	return c.getVersion(ctx, name, best)
}

// nameFilter is the search filter of one model: name = '<name>', or with
// double quotes for a name with a single quote (MLflow's filter strings
// have no escapes). Every answer is checked to be of name anyway.
func nameFilter(name string) (string, error) {
	switch {
	case !strings.Contains(name, "'") && !strings.Contains(name, `\`):
		return "name = '" + name + "'", nil
	case !strings.Contains(name, `"`) && !strings.Contains(name, `\`):
		return `name = "` + name + `"`, nil
	}
	return "", fmt.Errorf("%w: registered model %q has quotes or a backslash that a search filter cannot hold; select its version by number or @alias", gate.ErrSelector, name)
}

// maxPages bounds the search pages read for maxVersions versions.
func maxPages(maxVersions, pageSize int) int { return 100 + 2*maxVersions/pageSize }

func versionNumber(s string) (int, error) {
	v, err := strconv.Atoi(s)
	if err != nil || v < 1 || strconv.Itoa(v) != s {
		return 0, fmt.Errorf("%w: version %q is not a version number", gate.ErrBadPackage, s)
	}
	return v, nil
}

// pkg makes the package of a version: identity from the question (name)
// and the version number, approval from the alias and the status tag,
// reports from its run.
func (c *Client) pkg(ctx context.Context, name string, mv *modelVersion) (*gate.Package, error) {
	if mv.Name != name {
		return nil, fmt.Errorf("%w: asked about %q, the server answered about %q", ErrIdentity, name, mv.Name)
	}
	v, err := versionNumber(mv.Version)
	if err != nil {
		return nil, fmt.Errorf("registered model %q: %w", name, err)
	}
	arn := ARN(name, v)
	if mv.Status != StatusReady {
		return nil, fmt.Errorf("%s is %s, not READY (%s): %w", arn, strconv.Quote(mv.Status), gate.TruncateRunes(c.scrub(mv.StatusMessage), 200), ErrNotReady)
	}
	target, err := c.aliasTarget(ctx, name, c.alias)
	if err != nil {
		return nil, err
	}
	at := ""
	if target != nil {
		at = target.Version
	}
	p := &gate.Package{
		Group:    name,
		ARN:      arn,
		Version:  v,
		Status:   mv.Status,
		Approval: gate.StatusPending,
		Metadata: map[string]string{},
		Revision: revision(mv, c.alias, at),
	}
	if mv.CreationTimestamp > 0 {
		p.Created = time.UnixMilli(int64(mv.CreationTimestamp)).UTC()
	}
	for _, t := range mv.Tags {
		if _, dup := p.Metadata[t.Key]; dup {
			return nil, fmt.Errorf("%s: %w: tag %q appears twice", arn, gate.ErrBadPackage, t.Key)
		}
		p.Metadata[t.Key] = t.Value
	}
	for _, t := range mv.Tags {
		if mk, ok := metaKey(t.Key); ok {
			p.Metadata[mk] = t.Value
		}
	}
	p.ApprovalDescription = p.Metadata[TagDescription]
	switch {
	case at == mv.Version || p.Metadata[TagStatus] == StatusValueApproved:
		p.Approval = gate.StatusApproved
	case p.Metadata[TagStatus] == StatusValueRejected:
		p.Approval = gate.StatusRejected
	}
	if p.Sources, err = c.sources(ctx, p, mv.RunID); err != nil {
		return nil, err
	}
	return p, nil
}

// revision is the state SetApproval compares: the version's
// last_updated_timestamp and where the promoted alias points.
func revision(mv *modelVersion, alias, target string) string {
	return fmt.Sprintf("updated=%d;@%s=%s", int64(mv.LastUpdatedTimestamp), alias, target)
}

// aliasOf reads the alias part of a revision.
func aliasOf(rev string) (string, bool) {
	_, a, ok := strings.Cut(rev, ";@")
	if !ok {
		return "", false
	}
	_, t, ok := strings.Cut(a, "=")
	return t, ok
}

// metaKey maps a modelgate.* tag to the gate's modelgate:* metadata key
// (modelgate.rules_sha256 -> modelgate:rules-sha256).
func metaKey(tag string) (string, bool) {
	rest, ok := strings.CutPrefix(tag, "modelgate.")
	if !ok || rest == "" {
		return "", false
	}
	return "modelgate:" + strings.ReplaceAll(rest, "_", "-"), true
}

// tagKey is the reverse of metaKey.
func tagKey(meta string) string {
	if rest, ok := strings.CutPrefix(meta, "modelgate:"); ok {
		return "modelgate." + strings.ReplaceAll(rest, "-", "_")
	}
	return meta
}

// knownSlots are the report slots an artifact <slot>.json can fill.
var knownSlots = []string{
	gate.SlotQuality, gate.SlotQualityConstraints, gate.SlotDataQuality, gate.SlotDataQualityConstraints,
	gate.SlotBias, gate.SlotBiasPre, gate.SlotBiasPost, gate.SlotExplainability,
	gate.SlotDriftBiasPre, gate.SlotDriftBiasPost, gate.SlotDriftExplain, gate.SlotDriftQuality,
	gate.SlotDriftQualityConstr, gate.SlotDriftDataQuality, gate.SlotDriftDataConstr,
}

func isSlot(s string) bool {
	for _, k := range knownSlots {
		if k == s {
			return true
		}
	}
	return false
}

// sources lists a version's reports: its run's metrics (slot quality) and
// the run's artifacts <ArtifactDir>/<slot>.json (an artifact quality.json
// wins over the metrics). A version without a run has none.
func (c *Client) sources(ctx context.Context, p *gate.Package, runID string) ([]gate.Source, error) {
	if runID == "" {
		return nil, nil
	}
	r, err := c.getRun(ctx, runID)
	if isCode(err, 404, "RESOURCE_DOES_NOT_EXIST") {
		return nil, fmt.Errorf("%s: %w: its run %s does not exist (deleted?), so its reports cannot be read", p.ARN, gate.ErrBadPackage, runID)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: its run %s: %w", p.ARN, runID, err)
	}
	c.mu.Lock()
	c.runOf[p.ARN] = runRef{id: runID, artifactURI: r.Info.ArtifactURI}
	c.mu.Unlock()
	var srcs []gate.Source
	files, err := c.listArtifacts(ctx, runID, c.artifactDir)
	if err != nil {
		return nil, fmt.Errorf("%s: artifacts of run %s: %w", p.ARN, runID, err)
	}
	have := map[string]bool{}
	for _, f := range files {
		if f.IsDir {
			continue
		}
		base := strings.TrimPrefix(f.Path, c.artifactDir+"/")
		slot, ok := strings.CutSuffix(base, ".json")
		if !ok || !isSlot(slot) || have[slot] {
			continue
		}
		have[slot] = true
		srcs = append(srcs, gate.Source{Slot: slot, URI: "runs:/" + runID + "/" + f.Path, ContentType: "application/json"})
	}
	if !have[gate.SlotQuality] && len(r.Data.Metrics) > 0 {
		srcs = append(srcs, gate.Source{Slot: gate.SlotQuality, URI: MetricsURI(runID), ContentType: "application/json"})
	}
	sort.Slice(srcs, func(i, j int) bool { return srcs[i].Slot < srcs[j].Slot })
	return srcs, nil
}
