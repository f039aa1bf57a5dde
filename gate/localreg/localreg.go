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
// moved between registries by copying JSON. package.json is decoded
// strictly (internal/strictjson: no key twice, also in another letter case),
// and a package's identity is its folder: a group, version or ARN in the file
// that names another package is an error. A report URI with no scheme is a
// path relative to the package folder; reads are confined to the registry
// root (os.Root), so a hostile URI cannot read outside it, read only regular
// files (a FIFO is refused before it could block) and honour the context.
// Approval holds an exclusive flock on the package folder, reads package.json
// again under it and writes only if the package is still the one judged
// (else gate.ErrConflict); it rewrites package.json atomically: a temporary
// file in the same folder, fsync, rename, fsync of the folder. Fields it does
// not know are kept as they were.
package localreg

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/internal/strictjson"
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
	ModelPackageGroupName      *string                   `json:"ModelPackageGroupName"`
	ModelPackageVersion        *int                      `json:"ModelPackageVersion"`
	ModelPackageArn            string                    `json:"ModelPackageArn"`
	ModelPackageStatus         string                    `json:"ModelPackageStatus"`
	ModelApprovalStatus        string                    `json:"ModelApprovalStatus"`
	ApprovalDescription        string                    `json:"ApprovalDescription"`
	CreationTime               json.RawMessage           `json:"CreationTime"`
	CustomerMetadataProperties map[string]string         `json:"CustomerMetadataProperties"`
	ModelMetrics               *gate.ModelMetrics        `json:"ModelMetrics"`
	DriftCheckBaselines        *gate.DriftCheckBaselines `json:"DriftCheckBaselines"`
}

const maxPackageJSON = 4 << 20

// pkgDir is the folder of a package, relative to the root.
func pkgDir(group string, version int) string { return path.Join(group, strconv.Itoa(version)) }

// load reads and checks one package folder.
func (r *Registry) load(ctx context.Context, group string, version int) (*gate.Package, error) {
	rel := path.Join(pkgDir(group, version), "package.json")
	data, err := r.readFile(ctx, rel, maxPackageJSON)
	if err != nil {
		if gate.IsContentError(err) {
			return nil, fmt.Errorf("%w: %w", gate.ErrBadPackage, err)
		}
		return nil, err
	}
	p, err := parsePackage(group, version, data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", filepath.Join(r.root, filepath.FromSlash(rel)), gate.ErrBadPackage, err)
	}
	return p, nil
}

// sageMakerARN is the ARN of a versioned model package
// (arn:<partition>:sagemaker:<region>:<account>:model-package/<group>/<version>).
var sageMakerARN = regexp.MustCompile(`^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:model-package/([A-Za-z0-9](?:-*[A-Za-z0-9]){0,62})/([1-9][0-9]*)$`)

// LocalARN is the ARN of a local package whose package.json gives none.
func LocalARN(group string, version int) string {
	return "local:" + group + "/" + strconv.Itoa(version)
}

// arnLocation is the group and version an ARN names: a SageMaker model
// package ARN or local:<group>/<version>. ok is false for anything else.
func arnLocation(arn string) (group string, version int, ok bool) {
	if rest, isLocal := strings.CutPrefix(arn, "local:"); isLocal {
		g, v, found := strings.Cut(rest, "/")
		n, err := strconv.Atoi(v)
		if !found || err != nil || n < 1 || strconv.Itoa(n) != v || !validName(g) {
			return "", 0, false
		}
		return g, n, true
	}
	m := sageMakerARN.FindStringSubmatch(arn)
	if m == nil {
		return "", 0, false
	}
	n, err := strconv.Atoi(m[2])
	if err != nil {
		return "", 0, false
	}
	return m[1], n, true
}

// parsePackage decodes package.json strictly (a key given twice, also in
// another letter case, is an error naming its path) and checks that it
// names the package where it lives: a package's identity is its group and
// version folder, so a ModelPackageGroupName, ModelPackageVersion or
// ModelPackageArn that names another package is an error, never a way to
// be taken for that package.
func parsePackage(group string, version int, data []byte) (*gate.Package, error) {
	var pf packageFile
	if err := strictjson.Unmarshal(data, &pf); err != nil {
		return nil, err
	}
	// Left out, they are the folder's; given, they must be the folder's.
	if g := pf.ModelPackageGroupName; g != nil && *g != group {
		return nil, fmt.Errorf("ModelPackageGroupName %q does not match its folder %q", *g, group)
	}
	if v := pf.ModelPackageVersion; v != nil && *v != version {
		return nil, fmt.Errorf("ModelPackageVersion %d does not match its folder %d", *v, version)
	}
	if err := checkText(&pf); err != nil {
		return nil, err
	}
	arn := pf.ModelPackageArn
	if arn == "" {
		arn = LocalARN(group, version)
	} else if g, v, ok := arnLocation(arn); !ok {
		return nil, fmt.Errorf("ModelPackageArn %q: want arn:aws:sagemaker:<region>:<account>:model-package/%s/%d or %s", arn, strings.ToLower(group), version, LocalARN(group, version))
	} else if !strings.EqualFold(g, group) || v != version {
		// SageMaker ARNs spell the group in lower case.
		return nil, fmt.Errorf("ModelPackageArn %q names package %s/%d, but the file is in %s/%d: a package's identity is its folder", arn, g, v, group, version)
	}
	p := &gate.Package{
		Group:               group,
		Version:             version,
		ARN:                 arn,
		Status:              pf.ModelPackageStatus,
		Approval:            pf.ModelApprovalStatus,
		ApprovalDescription: pf.ApprovalDescription,
		Metadata:            pf.CustomerMetadataProperties,
		Created:             parseTime(pf.CreationTime),
		Revision:            revision(data),
	}
	p.Sources = gate.PackageSources(pf.ModelMetrics, pf.DriftCheckBaselines)
	return p, nil
}

// Statuses a package.json may give (the API's enums); empty means unset.
var (
	packageStatuses  = []string{"", "Pending", "InProgress", "Completed", "Failed", "Deleting"}
	approvalStatuses = []string{"", gate.StatusApproved, gate.StatusRejected, gate.StatusPending}
)

// checkText refuses the package.json values that reach messages and URIs
// when they could not come from SageMaker: a status outside the API's enum,
// a control character (a newline that would start a "::error" line of its
// own) in a report URI or a CustomerMetadataProperties entry.
func checkText(pf *packageFile) error {
	if !slices.Contains(packageStatuses, pf.ModelPackageStatus) {
		return fmt.Errorf("ModelPackageStatus %q: want one of Pending, InProgress, Completed, Failed, Deleting", pf.ModelPackageStatus)
	}
	if !slices.Contains(approvalStatuses, pf.ModelApprovalStatus) {
		return fmt.Errorf("ModelApprovalStatus %q: want one of Approved, Rejected, PendingManualApproval", pf.ModelApprovalStatus)
	}
	for k, v := range pf.CustomerMetadataProperties {
		if hasControl(k) || hasControl(v) {
			return fmt.Errorf("CustomerMetadataProperties %q: %q has a control character", k, v)
		}
	}
	for _, s := range gate.PackageSources(pf.ModelMetrics, pf.DriftCheckBaselines) {
		if hasControl(s.URI) || hasControl(s.Digest) || hasControl(s.ContentType) {
			return fmt.Errorf("report %s: %q has a control character", s.Slot, s.URI)
		}
	}
	return nil
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

// revision is the Revision of a package read from data.
func revision(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
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
	// The group folder is where its packages live: a real directory, not a
	// link to another group's folder, and never a FIFO to block on.
	fi, err := os.Lstat(filepath.Join(r.root, group))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("model package group %q not found in local registry %s", group, r.root)
	}
	if err != nil {
		return nil, fmt.Errorf("list model package group %q: %w", group, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("list model package group %q: %w: %s is %s, not a directory", group, gate.ErrBadPackage, group, kind(fi.Mode()))
	}
	root, err := os.OpenRoot(r.root)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	d, err := root.OpenFile(group, os.O_RDONLY|oNonblock, 0)
	if err != nil {
		return nil, fmt.Errorf("list model package group %q: %w", group, err)
	}
	defer d.Close()
	if st, err := d.Stat(); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("list model package group %q: %w: not a directory", group, gate.ErrBadPackage)
	}
	ents, err := d.ReadDir(-1)
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
// the highest version with that status; the approved version before v
// (gate.SelectApprovedBefore) the highest approved version below v; a number
// picks that version; an ARN (or local:<group>/<version>) picks the package
// in the folder the ARN names, which must carry that ARN.
func (r *Registry) Resolve(ctx context.Context, group string, sel gate.Selector) (*gate.Package, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	vs, err := r.versions(group)
	if err != nil {
		return nil, err
	}
	var p *gate.Package
	switch sel.Kind {
	case gate.SelectLatestPending, gate.SelectLatestApproved, gate.SelectApprovedBefore:
		want := gate.StatusPending
		if sel.Kind != gate.SelectLatestPending {
			want = gate.StatusApproved
		}
		for i := len(vs) - 1; i >= 0; i-- {
			if sel.Kind == gate.SelectApprovedBefore && vs[i] >= sel.Version {
				continue
			}
			q, err := r.load(ctx, group, vs[i])
			if err != nil {
				return nil, err
			}
			if q.Approval == want {
				p = q
				break
			}
		}
		if p == nil {
			if sel.Kind == gate.SelectApprovedBefore {
				return nil, fmt.Errorf("no %s package before version %d in group %s: %w", want, sel.Version, group, gate.ErrNoPackage)
			}
			return nil, fmt.Errorf("no %s package in group %s: %w", want, group, gate.ErrNoPackage)
		}
	case gate.SelectVersion:
		if !slices.Contains(vs, sel.Version) {
			return nil, fmt.Errorf("version %d of group %s: %w", sel.Version, group, gate.ErrNoPackage)
		}
		if p, err = r.load(ctx, group, sel.Version); err != nil {
			return nil, err
		}
	case gate.SelectARN:
		// The ARN names a location; the package there must carry it.
		g, v, ok := arnLocation(sel.ARN)
		if !ok || !strings.EqualFold(g, group) || !slices.Contains(vs, v) {
			return nil, fmt.Errorf("package %s in group %s: %w", sel.ARN, group, gate.ErrNoPackage)
		}
		if p, err = r.load(ctx, group, v); err != nil {
			return nil, err
		}
		if p.ARN != sel.ARN {
			return nil, fmt.Errorf("package %s in group %s: the package in %s/%d is %s: %w", sel.ARN, group, group, v, p.ARN, gate.ErrNoPackage)
		}
	default:
		return nil, fmt.Errorf("%w %q: the local registry resolves latest-pending, latest-approved, a version or a package ARN", gate.ErrSelector, sel)
	}
	if p.Status != "" && p.Status != "Completed" {
		return nil, fmt.Errorf("package %s has status %s; only Completed packages can be judged", p.ARN, p.Status)
	}
	return p, nil
}

// Fetch implements gate.Registry. Only relative paths are served: a report
// on S3 needs the sagemaker registry. What the package names but cannot be
// served (another scheme, a path out of the package folder or the
// registry, a missing file, a FIFO or other non-regular file) wraps
// gate.ErrBadContent; the loader checks the size cap and the digest.
func (r *Registry) Fetch(ctx context.Context, pkg *gate.Package, src gate.Source) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if strings.Contains(src.URI, "://") {
		return nil, fmt.Errorf("report %s (%s): %w: the local registry reads only paths relative to the package folder", src.Slot, src.URI, gate.ErrBadContent)
	}
	if src.URI == "" || path.IsAbs(src.URI) || filepath.IsAbs(src.URI) || !filepath.IsLocal(filepath.FromSlash(src.URI)) {
		return nil, fmt.Errorf("report %s (%q): %w: want a path inside the package folder", src.Slot, src.URI, gate.ErrBadContent)
	}
	rel := path.Join(pkgDir(pkg.Group, pkg.Version), filepath.ToSlash(src.URI))
	data, err := r.readFile(ctx, rel, gate.MaxReportBytes)
	if err != nil {
		return nil, fmt.Errorf("report %s (%s): %w", src.Slot, src.URI, err)
	}
	return data, nil
}

// readFile reads a regular file under the root. It refuses, wrapping
// gate.ErrBadContent, paths that leave the root (also through symbolic
// links), missing files and anything that is not a regular file; it never
// blocks on a FIFO or a device (the type is checked before opening and the
// file is opened non-blocking and checked again), and it honours ctx between
// chunks. Files over max bytes wrap gate.ErrTooLarge.
func (r *Registry) readFile(ctx context.Context, rel string, max int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	name := filepath.FromSlash(rel)
	if !filepath.IsLocal(name) {
		return nil, refusedf("%s leaves the registry", rel)
	}
	root, err := os.OpenRoot(r.root)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	fi, err := root.Stat(name) // follows links, within the root only
	if err != nil {
		return nil, fileError(rel, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, refusedf("%s is %s, not a regular file", rel, kind(fi.Mode()))
	}
	f, err := root.OpenFile(name, os.O_RDONLY|oNonblock, 0)
	if err != nil {
		return nil, fileError(rel, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() { // replaced between the two looks
		return nil, refusedf("%s is %s, not a regular file", rel, kind(st.Mode()))
	}
	if st.Size() > max {
		return nil, fmt.Errorf("%w: %s is %d bytes; the limit is %d", gate.ErrTooLarge, rel, st.Size(), max)
	}
	data, err := gate.ReadCapped(ctx, f, max)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	return data, nil
}

// fileError classifies an error of opening a file under the root: a
// missing file or a path the root refuses (it leaves the registry) is bad
// content; a permission or I/O problem stays a failure of the registry.
func fileError(rel string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return notExist{refusedf("%s does not exist", rel)}
	case errors.Is(err, fs.ErrPermission):
		return err
	}
	var pe *fs.PathError
	if errors.As(err, &pe) && !errors.Is(err, syscall.EIO) {
		return refusedf("%s: %v", rel, pe.Err)
	}
	return err
}

// refused is a file the registry will not read: errors.Is(err,
// gate.ErrBadContent) holds, and the message says only what is wrong, so
// that it reads well for a report and for a package.json alike.
type refused string

func (e refused) Error() string        { return string(e) }
func (e refused) Is(target error) bool { return target == gate.ErrBadContent }

func refusedf(format string, args ...any) error { return refused(fmt.Sprintf(format, args...)) }

// notExist is a refused file that is absent: errors.Is holds for both
// gate.ErrBadContent and fs.ErrNotExist, so a caller that treats absence
// on its own (an endpoint description) can tell it from a refusal.
type notExist struct{ error }

func (e notExist) Is(target error) bool { return target == fs.ErrNotExist }
func (e notExist) Unwrap() error        { return e.error }

// kind names a file mode's type for errors.
func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsRegular():
		return "a regular file"
	}
	return "a special file"
}

// SetApproval implements gate.Registry: it rewrites ModelApprovalStatus,
// ApprovalDescription, CustomerMetadataProperties (merged) and
// LastModifiedTime in package.json atomically, keeping every other field.
//
// It writes exactly pkg's folder (pkg.Group, pkg.Version) and only while
// holding the package's lock (an exclusive flock on the package folder,
// waited for until ctx ends), and under the lock it reads package.json again:
// when it is not the package that was judged (another ARN, approval
// status, report URIs or digests, or another Revision when pkg has one),
// nothing is written and the error wraps gate.ErrConflict. So of several
// concurrent approvals exactly one writes and the others say they lost.
// Writing the decision the file already holds changes nothing.
func (r *Registry) SetApproval(ctx context.Context, pkg *gate.Package, d gate.Decision) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if pkg == nil {
		return errors.New("set approval: no package")
	}
	if d.Status != gate.StatusApproved && d.Status != gate.StatusRejected && d.Status != gate.StatusPending {
		return fmt.Errorf("set approval of %s: status %q is not one of Approved, Rejected, PendingManualApproval", pkg.ARN, d.Status)
	}
	if !validName(pkg.Group) || pkg.Version < 1 {
		return fmt.Errorf("set approval of %s: group %q version %d is not a package of the local registry", pkg.ARN, pkg.Group, pkg.Version)
	}
	dir := pkgDir(pkg.Group, pkg.Version)
	unlock, err := r.lock(ctx, dir)
	if err != nil {
		return fmt.Errorf("set approval of %s: lock %s: %w", pkg.ARN, dir, err)
	}
	defer unlock()

	rel := path.Join(dir, "package.json")
	data, err := r.readFile(ctx, rel, maxPackageJSON)
	if err != nil {
		return fmt.Errorf("set approval of %s: %w", pkg.ARN, err)
	}
	cur, err := parsePackage(pkg.Group, pkg.Version, data)
	if err != nil {
		return fmt.Errorf("set approval of %s: %s: %w", pkg.ARN, rel, err)
	}
	if cur.ARN == pkg.ARN && gate.HoldsDecision(cur, d) {
		pkg.Approval, pkg.ApprovalDescription, pkg.Revision = cur.Approval, cur.ApprovalDescription, cur.Revision
		return nil // already written: idempotent
	}
	if why := gate.Changed(pkg, cur); why != "" {
		return fmt.Errorf("set approval of %s: %w: %s", pkg.ARN, gate.ErrConflict, why)
	}
	doc := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("set approval of %s: %w", pkg.ARN, err)
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
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("set approval of %s: %w", pkg.ARN, err)
	}
	if err := WriteFileAtomic(filepath.Join(r.root, filepath.FromSlash(rel)), out, 0o644); err != nil {
		return fmt.Errorf("set approval of %s: %w", pkg.ARN, err)
	}
	pkg.Approval, pkg.ApprovalDescription, pkg.Revision = d.Status, d.Description, revision(out)
	return nil
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
