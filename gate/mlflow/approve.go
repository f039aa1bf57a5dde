package mlflow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/modelgate/modelgate/gate"
)

// Limits of what SetApproval writes (MLflow guarantees 250-byte tag keys;
// tag values and descriptions are bounded by modelgate).
const (
	MaxTagKey         = 250
	MaxTagValue       = 5000
	MaxDescription    = 5000
	maxApprovalDetail = gate.MaxApprovalDescription
)

// ErrInvalidTag is wrapped by SetApproval for a tag MLflow would refuse
// or that could not be read back.
var ErrInvalidTag = errors.New("invalid model version tag")

// SetApproval implements gate.Registry. Approved: it writes the audit tags
// (modelgate.commit, .pr, .rules_sha256, .result, .approved_by, ...,
// .description), appends the description line to the version's
// description, points Config.Alias at the version, then tags
// modelgate.status=approved. Rejected: the audit tags and
// modelgate.status=rejected; no alias moves.
//
// Nothing is written, and the error wraps gate.ErrConflict, when just
// before writing: the version is no longer the one judged (gate.Changed:
// status, tags, reports), the alias points elsewhere than when the version
// was resolved (someone else promoted a version; only an override decision
// moves it anyway), or a report Fetch read has other bytes now. MLflow has
// no compare-and-swap: the window is the round trips between that read and
// the alias write, and the alias is read once more right before it. The
// alias is moved only away from a version tagged modelgate.status=approved
// (or from nowhere): an alias someone set by hand, even in another process
// before this one resolved the version, needs an override decision.
func (c *Client) SetApproval(ctx context.Context, pkg *gate.Package, d gate.Decision) error {
	if pkg == nil {
		return errors.New("set approval: no model version")
	}
	name, v, ok := parseARN(pkg.ARN)
	if !ok || name != pkg.Group || v != pkg.Version {
		return fmt.Errorf("set approval: %q is not version %d of %q (want models:/<name>/<version>)", pkg.ARN, pkg.Version, pkg.Group)
	}
	var statusValue string
	switch d.Status {
	case gate.StatusApproved:
		statusValue = StatusValueApproved
	case gate.StatusRejected:
		statusValue = StatusValueRejected
	default:
		return fmt.Errorf("set approval of %s: status %q; want %s or %s", pkg.ARN, d.Status, gate.StatusApproved, gate.StatusRejected)
	}
	desc := gate.TruncateRunes(strings.ToValidUTF8(d.Description, "\uFFFD"), maxApprovalDetail)
	tags := map[string]string{}
	for k, val := range d.Metadata {
		if tk := tagKey(k); tk != TagStatus && tk != TagDescription { // written by SetApproval itself, in order
			tags[tk] = val
		}
	}
	if desc != "" {
		tags[TagDescription] = desc
	}
	if err := checkTags(tags); err != nil {
		return fmt.Errorf("set approval of %s: %w", pkg.ARN, err)
	}
	_, override := d.Metadata[gate.MetaOverride]

	// Read everything again, then write only if nothing moved.
	mv, err := c.getVersion(ctx, name, v)
	if err != nil {
		return fmt.Errorf("set approval of %s: read it again: %w", pkg.ARN, err)
	}
	cur, err := c.pkg(ctx, name, mv)
	if err != nil {
		return fmt.Errorf("set approval of %s: read it again: %w", pkg.ARN, err)
	}
	sent := d
	sent.Description = desc
	if gate.HoldsDecision(cur, sent) && cur.Metadata[TagStatus] == statusValue {
		pkg.Approval, pkg.ApprovalDescription, pkg.Revision = cur.Approval, cur.ApprovalDescription, cur.Revision
		return nil // already written: idempotent
	}
	was, ok := aliasOf(pkg.Revision)
	now, _ := aliasOf(cur.Revision)
	if d.Status == gate.StatusApproved && !override {
		if !ok {
			return fmt.Errorf("set approval of %s: %w: where @%s pointed when the version was judged is unknown (resolve it with this client first)", pkg.ARN, gate.ErrConflict, c.alias)
		}
		if now != was {
			return fmt.Errorf("set approval of %s: %w: @%s now points to %s (it pointed to %s when the version was judged): someone else moved it; it is never overwritten without override",
				pkg.ARN, gate.ErrConflict, c.alias, versionWord(now), versionWord(was))
		}
	}
	if d.Status == gate.StatusApproved && !override && now != "" && now != strconv.Itoa(v) {
		// The alias is modelgate's to move only from a version modelgate
		// approved: one set by hand (since the pull request's check, in
		// another process, or before modelgate) is never overwritten.
		n, err := versionNumber(now)
		if err != nil {
			return fmt.Errorf("set approval of %s: @%s: %w", pkg.ARN, c.alias, err)
		}
		tv, err := c.getVersion(ctx, name, n)
		if err != nil {
			return fmt.Errorf("set approval of %s: read the version @%s points to: %w", pkg.ARN, c.alias, err)
		}
		if tagOf(tv, TagStatus) != StatusValueApproved {
			return fmt.Errorf("set approval of %s: %w: @%s points to version %d, which modelgate did not approve (no %s=%s tag: the alias was set by someone else); it is never overwritten without override",
				pkg.ARN, gate.ErrConflict, c.alias, n, TagStatus, StatusValueApproved)
		}
	}
	wasCmp, curCmp := *pkg, *cur
	wasCmp.Revision, _, _ = strings.Cut(pkg.Revision, ";@")
	curCmp.Revision, _, _ = strings.Cut(cur.Revision, ";@")
	if override {
		// The alias is not what this decision is about: compare the rest.
		wasCmp.Approval, curCmp.Approval = "", ""
	}
	if why := gate.Changed(&wasCmp, &curCmp); why != "" {
		return fmt.Errorf("set approval of %s: %w: %s", pkg.ARN, gate.ErrConflict, why)
	}
	if err := c.recheckReports(ctx, pkg); err != nil {
		return fmt.Errorf("set approval of %s: %w", pkg.ARN, err)
	}

	// Write: audit tags, description, then the alias, then the status.
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := c.setTag(ctx, name, v, k, tags[k]); err != nil {
			return fmt.Errorf("set approval of %s: %w", pkg.ARN, err)
		}
	}
	if desc != "" && !strings.Contains(mv.Description, desc) {
		full := desc
		if mv.Description != "" {
			full = mv.Description + "\n\n" + desc
		}
		if utf8.RuneCountInString(full) <= MaxDescription {
			body := map[string]any{"name": name, "version": strconv.Itoa(v), "description": full}
			if err := c.call(ctx, "PATCH", "/mlflow/model-versions/update", nil, body, nil); err != nil {
				return fmt.Errorf("set approval of %s: description: %w", pkg.ARN, err)
			}
		}
	}
	if d.Status == gate.StatusApproved {
		t, err := c.aliasTarget(ctx, name, c.alias)
		if err != nil {
			return fmt.Errorf("set approval of %s: read @%s again: %w", pkg.ARN, c.alias, err)
		}
		last := ""
		if t != nil {
			last = t.Version
		}
		if last != now && !override {
			return fmt.Errorf("set approval of %s: %w: @%s moved to %s while the audit tags were written; the alias was not set (the tags were)",
				pkg.ARN, gate.ErrConflict, c.alias, versionWord(last))
		}
		body := map[string]any{"name": name, "alias": c.alias, "version": strconv.Itoa(v)}
		if err := c.call(ctx, "POST", "/mlflow/registered-models/alias", nil, body, nil); err != nil {
			return fmt.Errorf("set approval of %s: set @%s: %w", pkg.ARN, c.alias, err)
		}
	}
	if err := c.setTag(ctx, name, v, TagStatus, statusValue); err != nil {
		return fmt.Errorf("set approval of %s: %w", pkg.ARN, err)
	}
	pkg.Approval, pkg.ApprovalDescription, pkg.Revision = d.Status, desc, ""
	return nil
}

func versionWord(v string) string {
	if v == "" {
		return "no version (it did not exist)"
	}
	return "version " + v
}

func (c *Client) setTag(ctx context.Context, name string, v int, key, value string) error {
	body := map[string]any{"name": name, "version": strconv.Itoa(v), "key": key, "value": value}
	if err := c.call(ctx, "POST", "/mlflow/model-versions/set-tag", nil, body, nil); err != nil {
		return fmt.Errorf("tag %s: %w", key, err)
	}
	return nil
}

// recheckReports reads every report Fetch read for pkg again and refuses,
// wrapping gate.ErrConflict, when its bytes differ.
func (c *Client) recheckReports(ctx context.Context, pkg *gate.Package) error {
	c.mu.Lock()
	want := map[string]string{}
	for u, s := range c.digests[pkg.ARN] {
		want[u] = s
	}
	c.mu.Unlock()
	if len(want) == 0 {
		return nil
	}
	ref, err := c.run(ctx, pkg)
	if err != nil {
		return err
	}
	uris := make([]string, 0, len(want))
	for u := range want {
		uris = append(uris, u)
	}
	sort.Strings(uris)
	for _, u := range uris {
		data, err := c.read(ctx, ref, gate.Source{URI: u})
		if err != nil {
			return fmt.Errorf("%w: %s: %w", errRecheck, u, err)
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != want[u] {
			return fmt.Errorf("%w: report %s changed since it was judged (sha256 %s, now %s)", gate.ErrConflict, u, want[u], got)
		}
	}
	return nil
}

// checkTags checks the tags SetApproval writes.
func checkTags(tags map[string]string) error {
	var problems []string
	for k, v := range tags {
		switch {
		case k == "" || len(k) > MaxTagKey:
			problems = append(problems, fmt.Sprintf("key %q: want 1 to %d bytes", k, MaxTagKey))
		case !utf8.ValidString(k) || strings.ContainsFunc(k, func(r rune) bool { return r < 0x21 || r == 0x7f }):
			problems = append(problems, fmt.Sprintf("key %q: no spaces or control characters", k))
		case !utf8.ValidString(v) || len(v) > MaxTagValue:
			problems = append(problems, fmt.Sprintf("key %q: the value must be valid UTF-8 of at most %d bytes", k, MaxTagValue))
		case strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }):
			problems = append(problems, fmt.Sprintf("key %q: the value has a control character", k))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return fmt.Errorf("%w: %s", ErrInvalidTag, strings.Join(problems, "; "))
	}
	return nil
}
