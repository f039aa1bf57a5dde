// Package localreg is the local folder model registry: the registry that
// needs no cloud account, used by the quickstart, by act and by tests.
//
// Layout (DESIGN §8):
//
//	<root>/<group>/<version>/package.json   DescribeModelPackage-shaped JSON
//	<root>/<group>/<version>/*.json         the reports
//
// package.json uses the field names of the SageMaker DescribeModelPackage
// response (ModelPackageGroupName, ModelPackageVersion, ModelPackageStatus,
// ModelApprovalStatus, ModelMetrics, DriftCheckBaselines,
// CustomerMetadataProperties, ApprovalDescription), so a package can be
// moved between registries by copying JSON. A report URI with no scheme is a
// path relative to the package folder; reads are confined to the registry
// root (os.Root), so a hostile URI cannot read outside it. Approval rewrites
// package.json atomically: a temporary file in the same folder, fsync,
// rename, fsync of the folder. Fields it does not know are kept as they were.
package localreg

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/modelgate/modelgate/gate"
)

// Registry is a folder registry rooted at a directory.
type Registry struct {
	root string
	// Now stamps LastModifiedTime on approval; tests may set it.
	Now func() time.Time
}

var _ gate.Registry = (*Registry)(nil)

// New opens the registry at dir, which must exist.
func New(dir string) (*Registry, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("open local registry: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("open local registry: %s is not a directory", dir)
	}
	return &Registry{root: dir, Now: time.Now}, nil
}

// Root is the registry folder.
func (r *Registry) Root() string { return r.root }

// packageFile is the part of package.json modelgate reads.
type packageFile struct {
	ModelPackageGroupName      string            `json:"ModelPackageGroupName"`
	ModelPackageVersion        int               `json:"ModelPackageVersion"`
	ModelPackageArn            string            `json:"ModelPackageArn"`
	ModelPackageStatus         string            `json:"ModelPackageStatus"`
	ModelApprovalStatus        string            `json:"ModelApprovalStatus"`
	ApprovalDescription        string            `json:"ApprovalDescription"`
	CreationTime               json.RawMessage   `json:"CreationTime"`
	CustomerMetadataProperties map[string]string `json:"CustomerMetadataProperties"`
	ModelMetrics               struct {
		ModelQuality     *statsPair `json:"ModelQuality"`
		ModelDataQuality *statsPair `json:"ModelDataQuality"`
		Bias             *struct {
			Report             *metricsSource `json:"Report"`
			PreTrainingReport  *metricsSource `json:"PreTrainingReport"`
			PostTrainingReport *metricsSource `json:"PostTrainingReport"`
		} `json:"Bias"`
		Explainability *struct {
			Report *metricsSource `json:"Report"`
		} `json:"Explainability"`
	} `json:"ModelMetrics"`
	DriftCheckBaselines struct {
		Bias *struct {
			PreTrainingConstraints  *metricsSource `json:"PreTrainingConstraints"`
			PostTrainingConstraints *metricsSource `json:"PostTrainingConstraints"`
		} `json:"Bias"`
		Explainability *struct {
			Constraints *metricsSource `json:"Constraints"`
		} `json:"Explainability"`
		ModelQuality     *statsPair `json:"ModelQuality"`
		ModelDataQuality *statsPair `json:"ModelDataQuality"`
	} `json:"DriftCheckBaselines"`
}

type statsPair struct {
	Statistics  *metricsSource `json:"Statistics"`
	Constraints *metricsSource `json:"Constraints"`
}

type metricsSource struct {
	ContentType   string `json:"ContentType"`
	S3Uri         string `json:"S3Uri"`
	ContentDigest string `json:"ContentDigest"`
}

const maxPackageJSON = 4 << 20

// load reads and checks one package folder.
func (r *Registry) load(group string, version int) (*gate.Package, error) {
	rel := path.Join(group, strconv.Itoa(version), "package.json")
	data, err := r.readFile(rel, maxPackageJSON)
	if err != nil {
		return nil, err
	}
	var pf packageFile
	if err := json.Unmarshal(data, &pf); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(r.root, rel), err)
	}
	if pf.ModelPackageGroupName != "" && pf.ModelPackageGroupName != group {
		return nil, fmt.Errorf("%s: ModelPackageGroupName %q does not match its folder %q", filepath.Join(r.root, rel), pf.ModelPackageGroupName, group)
	}
	if pf.ModelPackageVersion != 0 && pf.ModelPackageVersion != version {
		return nil, fmt.Errorf("%s: ModelPackageVersion %d does not match its folder %d", filepath.Join(r.root, rel), pf.ModelPackageVersion, version)
	}
	p := &gate.Package{
		Group:               group,
		Version:             version,
		ARN:                 pf.ModelPackageArn,
		Status:              pf.ModelPackageStatus,
		Approval:            pf.ModelApprovalStatus,
		ApprovalDescription: pf.ApprovalDescription,
		Metadata:            pf.CustomerMetadataProperties,
		Created:             parseTime(pf.CreationTime),
	}
	if p.ARN == "" {
		p.ARN = "local:" + group + "/" + strconv.Itoa(version)
	}
	add := func(slot string, s *metricsSource) {
		if s != nil && s.S3Uri != "" {
			p.Sources = append(p.Sources, gate.Source{Slot: slot, URI: s.S3Uri, ContentType: s.ContentType, Digest: s.ContentDigest})
		}
	}
	mm := pf.ModelMetrics
	if mm.ModelQuality != nil {
		add(gate.SlotQuality, mm.ModelQuality.Statistics)
		add(gate.SlotQualityConstraints, mm.ModelQuality.Constraints)
	}
	if mm.ModelDataQuality != nil {
		add(gate.SlotDataQuality, mm.ModelDataQuality.Statistics)
		add(gate.SlotDataQualityConstraints, mm.ModelDataQuality.Constraints)
	}
	if mm.Bias != nil {
		add(gate.SlotBias, mm.Bias.Report)
		add(gate.SlotBiasPre, mm.Bias.PreTrainingReport)
		add(gate.SlotBiasPost, mm.Bias.PostTrainingReport)
	}
	if mm.Explainability != nil {
		add(gate.SlotExplainability, mm.Explainability.Report)
	}
	dc := pf.DriftCheckBaselines
	if dc.Bias != nil {
		add(gate.SlotDriftBiasPre, dc.Bias.PreTrainingConstraints)
		add(gate.SlotDriftBiasPost, dc.Bias.PostTrainingConstraints)
	}
	if dc.Explainability != nil {
		add(gate.SlotDriftExplain, dc.Explainability.Constraints)
	}
	if dc.ModelQuality != nil {
		add(gate.SlotDriftQuality, dc.ModelQuality.Statistics)
		add(gate.SlotDriftQualityConstr, dc.ModelQuality.Constraints)
	}
	if dc.ModelDataQuality != nil {
		add(gate.SlotDriftDataQuality, dc.ModelDataQuality.Statistics)
		add(gate.SlotDriftDataConstr, dc.ModelDataQuality.Constraints)
	}
	return p, nil
}

// parseTime accepts epoch seconds (the wire form) or RFC 3339 (the CLI form).
func parseTime(raw json.RawMessage) time.Time {
	if len(raw) == 0 {
		return time.Time{}
	}
	var f float64
	if json.Unmarshal(raw, &f) == nil && !math.IsNaN(f) {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC()
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// versions lists the numeric version folders of a group, ascending.
func (r *Registry) versions(group string) ([]int, error) {
	if !validName(group) {
		return nil, fmt.Errorf("model package group %q: want 1-63 letters, digits and hyphens", group)
	}
	ents, err := os.ReadDir(filepath.Join(r.root, group))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("model package group %q not found in local registry %s", group, r.root)
	}
	if err != nil {
		return nil, fmt.Errorf("list model package group %q: %w", group, err)
	}
	var vs []int
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		v, err := strconv.Atoi(e.Name())
		if err != nil || v < 1 || strconv.Itoa(v) != e.Name() {
			continue
		}
		vs = append(vs, v)
	}
	sort.Ints(vs)
	return vs, nil
}

// validName is the SageMaker EntityName pattern [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}.
func validName(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, c := range s {
		if !(c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Resolve implements gate.Registry: latest-pending and latest-approved pick
// the highest version with that status; a number picks that version; an
// ARN (or local:<group>/<version>) picks the package that has it.
func (r *Registry) Resolve(ctx context.Context, group, selector string) (*gate.Package, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	vs, err := r.versions(group)
	if err != nil {
		return nil, err
	}
	var p *gate.Package
	switch selector {
	case "latest-pending", "latest-approved":
		want := gate.StatusPending
		if selector == "latest-approved" {
			want = gate.StatusApproved
		}
		for i := len(vs) - 1; i >= 0; i-- {
			q, err := r.load(group, vs[i])
			if err != nil {
				return nil, err
			}
			if q.Approval == want {
				p = q
				break
			}
		}
		if p == nil {
			return nil, fmt.Errorf("no %s package in group %s: %w", want, group, gate.ErrNoPackage)
		}
	default:
		if v, err := strconv.Atoi(selector); err == nil {
			if !contains(vs, v) {
				return nil, fmt.Errorf("version %d of group %s: %w", v, group, gate.ErrNoPackage)
			}
			if p, err = r.load(group, v); err != nil {
				return nil, err
			}
			break
		}
		for _, v := range vs {
			q, err := r.load(group, v)
			if err != nil {
				return nil, err
			}
			if q.ARN == selector {
				p = q
				break
			}
		}
		if p == nil {
			return nil, fmt.Errorf("package %s in group %s: %w", selector, group, gate.ErrNoPackage)
		}
	}
	if p.Status != "" && p.Status != "Completed" {
		return nil, fmt.Errorf("package %s has status %s; only Completed packages can be judged", p.ARN, p.Status)
	}
	return p, nil
}

func contains(vs []int, v int) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// Fetch implements gate.Registry. Only relative paths are served: a report
// on S3 needs the sagemaker registry.
func (r *Registry) Fetch(ctx context.Context, pkg *gate.Package, src gate.Source) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if strings.Contains(src.URI, "://") {
		return nil, fmt.Errorf("report %s (%s): the local registry reads only paths relative to the package folder", src.Slot, src.URI)
	}
	if src.URI == "" || path.IsAbs(src.URI) || filepath.IsAbs(src.URI) {
		return nil, fmt.Errorf("report %s (%q): want a path relative to the package folder", src.Slot, src.URI)
	}
	rel := path.Join(pkg.Group, strconv.Itoa(pkg.Version), filepath.ToSlash(src.URI))
	data, err := r.readFile(rel, gate.MaxReportBytes)
	if err != nil {
		return nil, fmt.Errorf("report %s (%s): %w", src.Slot, src.URI, err)
	}
	if src.Digest != "" {
		if err := checkDigest(src.Digest, data); err != nil {
			return nil, fmt.Errorf("report %s (%s): %w", src.Slot, src.URI, err)
		}
	}
	return data, nil
}

func checkDigest(want string, data []byte) error {
	algo, hexsum, ok := strings.Cut(want, ":")
	if !ok || !strings.EqualFold(algo, "sha256") || len(hexsum) != 64 {
		return fmt.Errorf("ContentDigest %q: want sha256:<64 hex digits>", want)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); !strings.EqualFold(got, hexsum) {
		return fmt.Errorf("%w: registry says sha256:%s, the bytes have sha256:%s", gate.ErrDigestMismatch, strings.ToLower(hexsum), got)
	}
	return nil
}

// readFile reads a file under the root, refusing paths that leave it (also
// through symbolic links) and files over max bytes.
func (r *Registry) readFile(rel string, max int64) ([]byte, error) {
	root, err := os.OpenRoot(r.root)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := root.Open(filepath.FromSlash(rel))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", rel)
	}
	if st.Size() > max {
		return nil, fmt.Errorf("%w: %s is %d bytes; the limit is %d", gate.ErrTooLarge, rel, st.Size(), max)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w: %s is over %d bytes", gate.ErrTooLarge, rel, max)
	}
	return data, nil
}

// SetApproval implements gate.Registry: it rewrites ModelApprovalStatus,
// ApprovalDescription, CustomerMetadataProperties (merged) and
// LastModifiedTime in package.json atomically, keeping every other field.
// Writing the same decision twice leaves the same file.
func (r *Registry) SetApproval(ctx context.Context, pkg *gate.Package, d gate.Decision) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d.Status != gate.StatusApproved && d.Status != gate.StatusRejected && d.Status != gate.StatusPending {
		return fmt.Errorf("set approval of %s: status %q is not one of Approved, Rejected, PendingManualApproval", pkg.ARN, d.Status)
	}
	rel := path.Join(pkg.Group, strconv.Itoa(pkg.Version), "package.json")
	data, err := r.readFile(rel, maxPackageJSON)
	if err != nil {
		return fmt.Errorf("set approval of %s: %w", pkg.ARN, err)
	}
	doc := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("set approval of %s: %w", pkg.ARN, err)
	}
	if doc["ModelApprovalStatus"] == d.Status && doc["ApprovalDescription"] == d.Description && metadataHas(doc, d.Metadata) {
		return nil // already written: idempotent
	}
	doc["ModelApprovalStatus"] = d.Status
	doc["ApprovalDescription"] = d.Description
	if len(d.Metadata) > 0 {
		md, _ := doc["CustomerMetadataProperties"].(map[string]any)
		if md == nil {
			md = map[string]any{}
		}
		for k, v := range d.Metadata {
			md[k] = v
		}
		doc["CustomerMetadataProperties"] = md
	}
	doc["LastModifiedTime"] = r.Now().UTC().Format(time.RFC3339)
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("set approval of %s: %w", pkg.ARN, err)
	}
	out = append(out, '\n')
	if err := WriteFileAtomic(filepath.Join(r.root, filepath.FromSlash(rel)), out, 0o644); err != nil {
		return fmt.Errorf("set approval of %s: %w", pkg.ARN, err)
	}
	pkg.Approval, pkg.ApprovalDescription = d.Status, d.Description
	return nil
}

func metadataHas(doc map[string]any, want map[string]string) bool {
	md, _ := doc["CustomerMetadataProperties"].(map[string]any)
	for k, v := range want {
		if md[k] != v {
			return false
		}
	}
	return true
}

// WriteFileAtomic writes data to name so that a reader sees the old file or
// the new one, never a part: a temporary file in the same folder, fsync,
// rename over name, fsync of the folder.
func WriteFileAtomic(name string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(name)
	f, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, name); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
