package memorize

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// Compute computes the reports modelgate makes itself: the memorization
// check, as the gate's ComputeFunc. Paths in the rules file are relative to its folder
// and confined to root (the workspace): a rules file cannot make the gate
// read files outside the repository.
func Compute(root, rulesDir string) gate.ComputeFunc {
	return func(ctx context.Context, reg gate.Registry, pkg *gate.Package, rep rules.Report) (*gate.Parsed, json.RawMessage, error) {
		m := rep.Memorization
		if m == nil {
			return nil, nil, fmt.Errorf("report %s is not computed", rep.Name)
		}
		o := Options{MinTokens: m.MinTokens, Field: m.Field, CorpusField: m.CorpusField}
		fsys, err := newConfined(root, rulesDir)
		if err != nil {
			return nil, nil, err
		}
		defer fsys.close()
		docs, err := corpusDocs(ctx, fsys, reg, pkg, m.Corpus)
		if err != nil {
			return nil, nil, &gate.ReadError{Err: fmt.Errorf("report %s: corpus: %w", rep.Name, err)}
		}
		outputs, err := fetchInput(ctx, fsys, reg, pkg, rep.Name, m.Outputs)
		if err != nil {
			return nil, nil, fmt.Errorf("report %s: outputs %s: %w", rep.Name, m.Outputs, err)
		}
		defer outputs.Close()
		ix, err := BuildIndex(ctx, docs, o)
		if err != nil {
			return nil, nil, inputError(rep.Name, "corpus", err)
		}
		r, err := ix.Scan(ctx, outputs, o)
		if err != nil {
			return nil, nil, inputError(rep.Name, "outputs "+m.Outputs, err)
		}
		details, err := json.Marshal(r)
		if err != nil {
			return nil, nil, err
		}
		return &gate.Parsed{Format: "memorization", Instances: r.Instances(rep.Name + ": computed from " + m.Outputs)}, details, nil
	}
}

// inputError makes a problem with the data (a bad JSON line) an error
// verdict on the rules that read the report, and keeps a cancelled or
// failed read a runtime error.
func inputError(name, what string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &gate.ReadError{Err: fmt.Errorf("report %s: %s: %w", name, what, err)}
}

// confined opens files under root only (os.Root: no .., no symbolic link
// out), naming them relative to the rules file's folder.
type confined struct {
	root     *os.Root
	rootDir  string
	rulesRel string // the rules folder relative to root
}

func newConfined(rootDir, rulesDir string) (*confined, error) {
	absRoot, err := filepath.Abs(rootDir)
	if err != nil {
		return nil, err
	}
	absRules, err := filepath.Abs(rulesDir)
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(absRoot, absRules)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, &gate.InputError{Err: fmt.Errorf("rules folder %s is outside the workspace %s", rulesDir, rootDir)}
	}
	r, err := os.OpenRoot(absRoot)
	if err != nil {
		return nil, err
	}
	return &confined{root: r, rootDir: absRoot, rulesRel: rel}, nil
}

func (c *confined) close() { c.root.Close() }

// rel turns a path of the rules file into a path under the root.
func (c *confined) rel(p string) (string, error) {
	if filepath.IsAbs(p) {
		return "", fmt.Errorf("%s: absolute paths are not allowed; write it relative to the rules file", p)
	}
	q := filepath.Clean(filepath.Join(c.rulesRel, p))
	if q == ".." || strings.HasPrefix(q, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s: outside the workspace", p)
	}
	return q, nil
}

func isURI(s string) bool { return strings.Contains(s, "://") }

// fetchInput opens the outputs: metadata:KEY and package:PATH through the
// registry (the package's own files), s3:// and https:// through the
// registry adapter, anything else from the workspace. A workspace file is
// read as Scan goes, not held whole; like a fetched one, it may not exceed
// gate.MaxReportBytes.
func fetchInput(ctx context.Context, c *confined, reg gate.Registry, pkg *gate.Package, name, ref string) (io.ReadCloser, error) {
	fetch := func(uri string) (io.ReadCloser, error) {
		b, err := reg.Fetch(ctx, pkg, gate.Source{Slot: name, URI: uri})
		if err != nil {
			return nil, err
		}
		return io.NopCloser(bytes.NewReader(b)), nil
	}
	switch {
	case strings.HasPrefix(ref, "metadata:"):
		key := strings.TrimPrefix(ref, "metadata:")
		uri, ok := pkg.Metadata[key]
		if !ok || uri == "" {
			return nil, fmt.Errorf("package %s has no CustomerMetadataProperties key %q", pkg.ARN, key)
		}
		return fetch(uri)
	case strings.HasPrefix(ref, "package:"):
		return fetch(strings.TrimPrefix(ref, "package:"))
	case isURI(ref):
		return fetch(ref)
	}
	p, err := c.rel(ref)
	if err != nil {
		return nil, err
	}
	// A FIFO (or a device) would block the open: only regular files.
	if st, err := c.root.Stat(p); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", ref)
	}
	f, err := c.root.Open(p)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err != nil || st.Size() > gate.MaxReportBytes {
		f.Close()
		if err == nil {
			err = tooLarge()
		}
		return nil, err
	}
	return &limitedFile{f: f, left: gate.MaxReportBytes}, nil
}

func tooLarge() error { return fmt.Errorf("%w: over %d bytes", gate.ErrTooLarge, gate.MaxReportBytes) }

// limitedFile reads a file that may not grow past left bytes while it is
// read.
type limitedFile struct {
	f    *os.File
	left int64
}

func (l *limitedFile) Read(p []byte) (int, error) {
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.f.Read(p)
	if l.left -= int64(n); l.left < 0 {
		return 0, tooLarge()
	}
	return n, err
}

func (l *limitedFile) Close() error { return l.f.Close() }

// corpusDocs lists the corpus: files, folders (every .txt, .md, .jsonl and
// .ndjson file below them, in name order), and single S3 objects.
func corpusDocs(ctx context.Context, c *confined, reg gate.Registry, pkg *gate.Package, refs []string) ([]Doc, error) {
	var docs []Doc
	for _, ref := range refs {
		if isURI(ref) {
			if strings.HasSuffix(ref, "/") {
				return nil, fmt.Errorf("%s: a corpus prefix on object storage cannot be listed; name the objects", ref)
			}
			ref := ref
			docs = append(docs, Doc{Name: ref, Open: func() (io.ReadCloser, error) {
				b, err := reg.Fetch(ctx, pkg, gate.Source{Slot: "corpus", URI: ref})
				if err != nil {
					return nil, err
				}
				return io.NopCloser(bytes.NewReader(b)), nil
			}})
			continue
		}
		p, err := c.rel(ref)
		if err != nil {
			return nil, err
		}
		st, err := c.root.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			if !st.Mode().IsRegular() {
				return nil, fmt.Errorf("%s: not a regular file", ref)
			}
			docs = append(docs, c.doc(p))
			continue
		}
		var files []string
		err = fs.WalkDir(c.root.FS(), filepath.ToSlash(p), func(q string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() && corpusExt(q) {
				files = append(files, q)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("%s: no .txt, .md, .jsonl or .ndjson files", ref)
		}
		sort.Strings(files)
		for _, q := range files {
			docs = append(docs, c.doc(filepath.FromSlash(q)))
		}
	}
	if len(docs) == 0 {
		return nil, errors.New("empty corpus")
	}
	return docs, nil
}

func corpusExt(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".txt", ".md", ".jsonl", ".ndjson":
		return true
	}
	return false
}

func (c *confined) doc(p string) Doc {
	return Doc{Name: filepath.ToSlash(p), Open: func() (io.ReadCloser, error) { return c.root.Open(p) }}
}
