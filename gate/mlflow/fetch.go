package mlflow

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/modelgate/modelgate/gate"
)

// metricsScheme names the report modelgate makes of a run's metrics.
const metricsScheme = "mlflow-metrics:runs/"

// MetricsURI is the source URI of a run's metrics (slot quality).
func MetricsURI(runID string) string { return metricsScheme + runID }

// maxArtifacts bounds the files one artifact folder listing may have.
const maxArtifacts = 10000

type metric struct {
	Key       string   `json:"key"`
	Value     float64s `json:"value"`
	Timestamp int64s   `json:"timestamp"`
	Step      int64s   `json:"step"`
}

type run struct {
	Info struct {
		RunID       string `json:"run_id"`
		ArtifactURI string `json:"artifact_uri"`
	} `json:"info"`
	Data struct {
		Metrics []metric `json:"metrics"`
	} `json:"data"`
}

type runAnswer struct {
	Run *run `json:"run"`
}

// getRun reads a run (runs/get): its artifact root and metrics, each
// metric's latest value (MLflow keeps the value of the highest step, then
// the latest timestamp).
func (c *Client) getRun(ctx context.Context, id string) (*run, error) {
	var out runAnswer
	if err := c.call(ctx, "GET", "/mlflow/runs/get", url.Values{"run_id": {id}}, nil, &out); err != nil {
		return nil, err
	}
	if out.Run == nil || out.Run.Info.RunID != id {
		return nil, fmt.Errorf("%w: asked for run %s, the answer is about another run", ErrIdentity, id)
	}
	return out.Run, nil
}

type fileInfo struct {
	Path     string `json:"path"`
	IsDir    bool   `json:"is_dir"`
	FileSize int64s `json:"file_size"`
}

type listAnswer struct {
	RootURI       string     `json:"root_uri"`
	Files         []fileInfo `json:"files"`
	NextPageToken string     `json:"next_page_token"`
}

// listArtifacts lists one artifact folder of a run (artifacts/list, every
// page); a missing folder is an empty list.
func (c *Client) listArtifacts(ctx context.Context, runID, dir string) ([]fileInfo, error) {
	q := url.Values{"run_id": {runID}, "path": {dir}}
	var files []fileInfo
	tokens := map[string]bool{}
	for {
		var out listAnswer
		if err := c.call(ctx, "GET", "/mlflow/artifacts/list", q, nil, &out); err != nil {
			return nil, err
		}
		for _, f := range out.Files {
			if !strings.HasPrefix(f.Path, dir+"/") || checkPath(f.Path) != "" {
				return nil, fmt.Errorf("%w: the listing of %s/ has the entry %s, outside it", ErrIdentity, dir, strconv.Quote(c.scrub(f.Path)))
			}
		}
		files = append(files, out.Files...)
		if len(files) > maxArtifacts {
			return nil, fmt.Errorf("artifact folder %s of run %s has more than %d files", dir, runID, maxArtifacts)
		}
		if out.NextPageToken == "" {
			return files, nil
		}
		if tokens[out.NextPageToken] {
			return nil, fmt.Errorf("MLflow artifacts/list of run %s: the server repeats a page token", runID)
		}
		tokens[out.NextPageToken] = true
		q.Set("page_token", out.NextPageToken)
	}
}

// runRef is the run of pkg: from Resolve, or read again.
func (c *Client) run(ctx context.Context, pkg *gate.Package) (runRef, error) {
	c.mu.Lock()
	ref, ok := c.runOf[pkg.ARN]
	c.mu.Unlock()
	if ok {
		return ref, nil
	}
	name, v, ok := parseARN(pkg.ARN)
	if !ok || name != pkg.Group || v != pkg.Version {
		return runRef{}, fmt.Errorf("%q is not an MLflow model version of %q (want models:/<name>/<version>)", pkg.ARN, pkg.Group)
	}
	mv, err := c.getVersion(ctx, name, v)
	if err != nil {
		return runRef{}, err
	}
	if mv.RunID == "" {
		return runRef{}, nil
	}
	r, err := c.getRun(ctx, mv.RunID)
	if err != nil {
		return runRef{}, err
	}
	ref = runRef{id: mv.RunID, artifactURI: r.Info.ArtifactURI}
	c.mu.Lock()
	c.runOf[pkg.ARN] = ref
	c.mu.Unlock()
	return ref, nil
}

// Fetch implements gate.Registry: the run's metrics as a model-quality
// document, or one artifact of the version's run (runs:/<run>/<path>, or a
// path relative to the run's artifact root for a report of the rules
// file), downloaded through the tracking server's mlflow-artifacts API
// with a bounded read. MLflow keeps no digests: Fetch records the sha256 of
// what it read, and SetApproval reads every such report again and refuses
// when the bytes differ.
func (c *Client) Fetch(ctx context.Context, pkg *gate.Package, src gate.Source) ([]byte, error) {
	ref, err := c.run(ctx, pkg)
	if err != nil {
		return nil, fmt.Errorf("report %s (%s): %w", src.Slot, src.URI, err)
	}
	data, err := c.read(ctx, ref, src)
	if err != nil {
		return nil, fmt.Errorf("report %s (%s): %w", src.Slot, src.URI, err)
	}
	sum := sha256.Sum256(data)
	c.mu.Lock()
	if c.digests[pkg.ARN] == nil {
		c.digests[pkg.ARN] = map[string]string{}
	}
	c.digests[pkg.ARN][src.URI] = hex.EncodeToString(sum[:])
	c.mu.Unlock()
	return data, nil
}

func (c *Client) read(ctx context.Context, ref runRef, src gate.Source) ([]byte, error) {
	uri := src.URI
	if ref.id == "" {
		return nil, fmt.Errorf("%w: the version has no run, so no reports", gate.ErrBadContent)
	}
	if id, ok := strings.CutPrefix(uri, metricsScheme); ok {
		if id != ref.id {
			return nil, fmt.Errorf("%w: these are the metrics of run %s; the version's run is %s", gate.ErrBadContent, id, ref.id)
		}
		return c.metricsDoc(ctx, ref.id)
	}
	path := uri
	if rest, ok := strings.CutPrefix(uri, "runs:/"); ok {
		id, p, _ := strings.Cut(rest, "/")
		if id != ref.id {
			return nil, fmt.Errorf("%w: the report is in run %s; the version's run is %s", gate.ErrBadContent, id, ref.id)
		}
		path = p
	} else if strings.Contains(uri, ":") {
		return nil, fmt.Errorf("%w: an MLflow version's reports are artifacts of its run: give a path relative to the run's artifact root, or runs:/<run_id>/<path>", gate.ErrBadContent)
	}
	if msg := checkPath(path); msg != "" {
		return nil, fmt.Errorf("%w: artifact path %s", gate.ErrBadContent, msg)
	}
	return c.download(ctx, ref, path)
}

// checkPath says what is wrong with a run-relative artifact path, or "".
func checkPath(p string) string {
	switch {
	case p == "":
		return "is empty"
	case len(p) > 1024:
		return "is longer than 1024 bytes"
	case !utf8.ValidString(p):
		return "is not valid UTF-8"
	case strings.HasPrefix(p, "/") || strings.Contains(p, `\`):
		return "must be relative, with / separators"
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return "has a control character"
		}
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "has an empty, . or .. segment"
		}
	}
	return ""
}

// download reads one artifact through mlflow-artifacts (the server's
// artifact proxy, `mlflow server --serve-artifacts`).
func (c *Client) download(ctx context.Context, ref runRef, path string) ([]byte, error) {
	if bucket, ok := strings.CutPrefix(ref.artifactURI, "s3://"); ok && c.s3 != nil {
		b, prefix, _ := strings.Cut(bucket, "/")
		prefix = strings.Trim(prefix, "/")
		if b == "" || (prefix != "" && checkPath(prefix) != "") {
			return nil, fmt.Errorf("%w: run %s has the artifact root %s", gate.ErrBadContent, ref.id, strconv.Quote(c.scrub(ref.artifactURI)))
		}
		uri := "s3://" + b + "/" + path
		if prefix != "" {
			uri = "s3://" + b + "/" + prefix + "/" + path
		}
		data, err := c.s3(ctx, uri)
		if err != nil {
			return nil, err
		}
		if len(data) > gate.MaxReportBytes {
			return nil, fmt.Errorf("%w: %s has more than %d bytes", gate.ErrTooLarge, uri, gate.MaxReportBytes)
		}
		return data, nil
	}
	root, ok := strings.CutPrefix(ref.artifactURI, "mlflow-artifacts:")
	if !ok {
		scheme, _, _ := strings.Cut(ref.artifactURI, ":")
		return nil, fmt.Errorf("%w: run %s keeps its artifacts in %s storage; modelgate reads artifacts through the tracking server (run it with --serve-artifacts: artifact URIs mlflow-artifacts:/...) or, for s3://, with the S3 reader the command line configures",
			gate.ErrBadContent, ref.id, strconv.Quote(c.scrub(scheme)))
	}
	if h, ok := strings.CutPrefix(root, "//"); ok {
		// mlflow-artifacts://host:port/path: the host is the tracking
		// server's; only the path is used, never another host.
		_, root, _ = strings.Cut(h, "/")
	}
	root = strings.Trim(root, "/")
	if root != "" {
		if msg := checkPath(root); msg != "" {
			return nil, fmt.Errorf("%w: the run's artifact root %s", gate.ErrBadContent, msg)
		}
		path = root + "/" + path
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	rel := "/mlflow-artifacts/artifacts/" + strings.Join(segs, "/")
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/api/2.0"+rel, nil)
	if err != nil {
		return nil, err
	}
	data, status, err := c.do(req, gate.MaxReportBytes)
	if err != nil {
		return nil, fmt.Errorf("MLflow GET /api/2.0%s: %w", rel, err)
	}
	switch {
	case status == http.StatusOK:
		return data, nil
	case status == http.StatusNotFound:
		return nil, fmt.Errorf("%w: artifact %s does not exist", gate.ErrBadContent, path)
	}
	return nil, c.apiError("GET", "/api/2.0"+rel, status, data)
}

// metricsDoc reads the run's metrics and renders them as a model-quality
// document, {"mlflow_metrics": {"<key>": {"value", "step", "timestamp"}}},
// keys sorted: the same metrics give the same bytes, so the same sha256.
func (c *Client) metricsDoc(ctx context.Context, runID string) ([]byte, error) {
	r, err := c.getRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	ms := append([]metric(nil), r.Data.Metrics...)
	sort.Slice(ms, func(i, j int) bool { return ms[i].Key < ms[j].Key })
	var b bytes.Buffer
	b.WriteString(`{"mlflow_metrics":{`)
	for i, m := range ms {
		if m.Key == "" {
			return nil, fmt.Errorf("%w: run %s has a metric with no key", gate.ErrBadContent, runID)
		}
		if i > 0 {
			if ms[i-1].Key == m.Key {
				return nil, fmt.Errorf("%w: run %s answers metric %s twice", gate.ErrBadContent, runID, strconv.Quote(m.Key))
			}
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.Key)
		b.Write(k)
		b.WriteString(`:{"value":`)
		switch v := float64(m.Value); {
		case math.IsNaN(v):
			b.WriteString(`"NaN"`)
		case math.IsInf(v, 1):
			b.WriteString(`"Infinity"`)
		case math.IsInf(v, -1):
			b.WriteString(`"-Infinity"`)
		default:
			b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
		}
		fmt.Fprintf(&b, `,"step":%d,"timestamp":%d}`, int64(m.Step), int64(m.Timestamp))
	}
	b.WriteString("}}")
	return b.Bytes(), nil
}

// errRecheck wraps a failure to read a report again before approval.
var errRecheck = errors.New("could not read the report again")
