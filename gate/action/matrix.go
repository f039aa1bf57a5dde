package action

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/rules"
)

// Many models in one repository: every rules file the model globs match is
// one model (a complete rules file, which may extend a base policy in the
// repository). PlanMatrix says which of them a change touches, as a
// GitHub Actions strategy.matrix: one job per model, each running the
// action with that model's rules file and its own check name.

// maxCheckName is the longest check_name input the action takes.
const maxCheckName = 100

// MaxMatrixJobs is the most jobs GitHub Actions runs from one matrix: a
// larger plan is refused (exit 2) rather than left to fail the workflow.
//
// GitHub docs: https://docs.github.com/actions/writing-workflows/choosing-what-your-workflow-does/running-variations-of-jobs-in-a-workflow
const MaxMatrixJobs = 256

// maxRulesFiles caps the files the globs may match.
const maxRulesFiles = 4 * MaxMatrixJobs

// DefaultModelGlobs are the rules files of a repository with many models.
var DefaultModelGlobs = []string{".github/modelgate/*.yml", ".github/modelgate/*.yaml"}

// MatrixOptions say where the models are.
type MatrixOptions struct {
	// Root is the repository's root (the workspace); globs, rules file
	// paths and changed paths are relative to it.
	Root string
	// Globs select the rules files (path.Match patterns, slash-separated,
	// relative to Root); DefaultModelGlobs when empty.
	Globs []string
	// CheckName is the check_name input; each model's check is
	// "<CheckName> / <group>".
	CheckName string
	// Registry is the registry input or flag (local, sagemaker, mlflow, a
	// folder); "" lets each rules file decide, as Options.Registry does.
	Registry string
}

// Changes is what a change touched: Known false means the list is unknown
// (a workflow_dispatch, a new branch, a list cut at GitHub's cap), and then
// every model is touched. Why says where the list came from, or why it is
// unknown.
type Changes struct {
	Known bool
	Paths []string
	Why   string
}

// MatrixEntry is one job of the matrix.
type MatrixEntry struct {
	Group     string `json:"group"`
	Rules     string `json:"rules"`
	CheckName string `json:"check_name"`
}

// Matrix is the strategy.matrix value: {"include": [...]}.
type Matrix struct {
	Include []MatrixEntry `json:"include"`
}

// JSON is the matrix as one line of JSON.
func (m Matrix) JSON() string {
	if m.Include == nil {
		m.Include = []MatrixEntry{}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// Model is one rules file of the plan and why it is, or is not, touched.
type Model struct {
	MatrixEntry
	Touched bool
	// Why names the changed file that touched it (or why all are), or
	// says that nothing it reads changed.
	Why string
}

// MatrixPlan is the models found and the matrix of the touched ones.
type MatrixPlan struct {
	Models []Model // sorted by group
	Matrix Matrix
	// Bases are matched files that are base policies (`policy:`): they
	// judge no model, and touch the models that extend them.
	Bases []string
}

// PlanMatrix reads every rules file the globs match and returns the
// models ch touches, sorted by group. A glob that is not relative to the
// root, a match that leaves it, a rules file that does not parse (its
// file:line:col diagnostics) and two files of one model group are input
// errors (exit 2).
func PlanMatrix(o MatrixOptions, ch Changes) (*MatrixPlan, error) {
	if strings.ContainsAny(o.checkName(), "\r\n") {
		return nil, &gate.InputError{Err: errors.New("check name: want one line")}
	}
	files, err := matchRulesFiles(o.Root, o.Globs)
	if err != nil {
		return nil, err
	}
	repo := gate.DirFiles{Root: o.Root}
	bases := baseFiles{repo: repo, read: map[string]baseFile{}}
	plan := &MatrixPlan{}
	byGroup := map[string]string{}
	var ds rules.Diagnostics
	var models []Model
	for _, name := range files {
		data, err := repo.ReadFile(context.Background(), name)
		if err != nil {
			return nil, &gate.InputError{Err: fmt.Errorf("rules file %s: %w", name, err)}
		}
		f, err := rules.Parse(name, data)
		var fds rules.Diagnostics
		switch {
		case errors.As(err, &fds):
			ds = append(ds, fds...)
			continue
		case err != nil:
			return nil, err
		}
		if f.Policy != nil {
			plan.Bases = append(plan.Bases, name)
			continue
		}
		if first, dup := byGroup[f.Model.Group]; dup {
			ds = append(ds, rules.Diagnostic{File: name, Pos: f.Model.GroupPos, Kind: rules.KindConflict,
				Message: fmt.Sprintf("model group %s is also the group of %s: one rules file per model", f.Model.Group, first)})
			continue
		}
		byGroup[f.Model.Group] = name
		m := Model{MatrixEntry: MatrixEntry{Group: f.Model.Group, Rules: name, CheckName: o.checkName() + " / " + f.Model.Group}}
		if len(m.CheckName) > maxCheckName {
			ds = append(ds, rules.Diagnostic{File: name, Pos: f.Model.GroupPos, Kind: rules.KindValue,
				Message: fmt.Sprintf("the check name %q is longer than %d characters (check_name input and model group)", m.CheckName, maxCheckName)})
			continue
		}
		m.Touched, m.Why = touches(ch, modelInputs(bases, o, f))
		models = append(models, m)
	}
	if len(ds) > 0 {
		return nil, ds
	}
	if len(models) == 0 {
		return nil, &gate.InputError{Err: fmt.Errorf("models %s: the matching files are base policies only (%s); a model's rules file has a `model:` section", strings.Join(o.globs(), ", "), strings.Join(plan.Bases, ", "))}
	}
	sort.Slice(models, func(i, j int) bool { return models[i].Group < models[j].Group })
	plan.Models = models
	plan.Matrix.Include = []MatrixEntry{}
	for _, m := range models {
		if m.Touched {
			plan.Matrix.Include = append(plan.Matrix.Include, m.MatrixEntry)
		}
	}
	if n := len(plan.Matrix.Include); n > MaxMatrixJobs {
		return nil, &gate.InputError{Err: fmt.Errorf("models %s: %d models to check; GitHub Actions runs at most %d jobs of one matrix: split the models between plan jobs (the models input)", strings.Join(o.globs(), ", "), n, MaxMatrixJobs)}
	}
	return plan, nil
}

func (o MatrixOptions) globs() []string {
	if len(o.Globs) == 0 {
		return DefaultModelGlobs
	}
	return o.Globs
}

func (o MatrixOptions) checkName() string {
	if o.CheckName == "" {
		return "modelgate"
	}
	return o.CheckName
}

// matchRulesFiles expands the globs under root, sorted and without
// duplicates. A glob must be a clean relative path (no `..`, not
// absolute); a match that is a symbolic link leaving root is refused when
// it is read (gate.DirFiles).
func matchRulesFiles(root string, globs []string) ([]string, error) {
	if len(globs) == 0 {
		globs = DefaultModelGlobs
	}
	fsys := os.DirFS(root)
	var out []string
	for _, g := range globs {
		clean := path.Clean(g)
		if g == "" || path.IsAbs(g) || filepath.IsAbs(g) || strings.Contains(g, `\`) || clean != g || !fs.ValidPath(g) {
			return nil, &gate.InputError{Err: fmt.Errorf("models %q: want a clean slash-separated glob relative to the repository root (no `..`, not absolute)", g)}
		}
		m, err := fs.Glob(fsys, g)
		if err != nil {
			return nil, &gate.InputError{Err: fmt.Errorf("models %q: %w", g, err)}
		}
		out = append(out, m...)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) == 0 {
		return nil, &gate.InputError{Err: fmt.Errorf("models %s: no rules file matches in %s", strings.Join(globs, ", "), root)}
	}
	if len(out) > maxRulesFiles {
		return nil, &gate.InputError{Err: fmt.Errorf("models %s: %d files match; at most %d", strings.Join(globs, ", "), len(out), maxRulesFiles)}
	}
	return out, nil
}

// input is a file or folder a model's evaluation reads, repository
// relative; a changed path equal to it or under it touches the model.
type input struct {
	path string
	what string
}

// modelInputs are the repository files and folders the evaluation of f
// reads: the rules file, the base policies it extends in the repository
// (and theirs), the proposed endpoint configuration, the memorization
// inputs, and the group's folder of a local registry. A base that cannot
// be read makes the model always touched (an empty path): its check
// reports why.
// baseFiles reads and parses each base policy of the repository once for
// the whole plan (models that extend one base share it).
type baseFiles struct {
	repo gate.DirFiles
	read map[string]baseFile
}

type baseFile struct {
	f   *rules.File
	err error
}

func (b baseFiles) get(name string) (*rules.File, error) {
	if r, ok := b.read[name]; ok {
		return r.f, r.err
	}
	data, err := b.repo.ReadFile(context.Background(), name)
	var f *rules.File
	if err == nil {
		f, err = rules.Parse(name, data)
	}
	b.read[name] = baseFile{f, err}
	return f, err
}

func modelInputs(bases baseFiles, o MatrixOptions, f *rules.File) []input {
	dir := path.Dir(f.Path)
	ins := []input{{f.Path, "its rules file"}}
	add := func(p, what string) {
		if q, ok := inRepo(o.Root, dir, p); ok {
			ins = append(ins, input{q, what})
		}
	}
	reports := slices.Clone(f.Reports)
	// The bases in the repository, breadth first, each read once.
	seen := map[string]bool{}
	queue := []*rules.File{f}
	for depth := 0; len(queue) > 0 && depth <= gate.MaxPolicyDepth; depth++ {
		var next []*rules.File
		for _, cur := range queue {
			for _, e := range cur.Extends {
				if e.Repo != "" || e.URL != "" || seen[e.Path] {
					continue // another repository's or a URL's bytes are pinned by this file
				}
				seen[e.Path] = true
				ins = append(ins, input{e.Path, "its base policy " + e.Path})
				bf, err := bases.get(e.Path)
				if err != nil || len(seen) > gate.MaxPolicyFiles {
					return append(ins, input{"", "its base policy " + e.Path + " cannot be read"})
				}
				reports = append(reports, bf.Reports...)
				next = append(next, bf)
			}
		}
		queue = next
	}
	if e := f.Endpoint; e != nil {
		for _, p := range append([]string{e.Config, e.Parameters}, e.Models...) {
			if p != "" {
				add(p, "its proposed endpoint configuration "+p)
			}
		}
	}
	for _, r := range reports {
		if m := r.Memorization; m != nil {
			for _, p := range append([]string{m.Outputs}, m.Corpus...) {
				if p != "" && !strings.Contains(p, "://") && !strings.HasPrefix(p, "package:") && !strings.HasPrefix(p, "metadata:") {
					add(p, "the memorization input "+p)
				}
			}
		}
	}
	if regDir, ok := localRegistryDir(o.Registry, f); ok {
		if o.Registry != "" && o.Registry != "local" {
			if q, ok := inRepo(o.Root, ".", regDir); ok {
				ins = append(ins, input{path.Join(q, f.Model.Group), "its registry folder"})
			}
		} else {
			add(path.Join(regDir, f.Model.Group), "its registry folder")
		}
	}
	return ins
}

// localRegistryDir is the folder of a local registry, as OpenLocal opens
// it: the registry input when it is a folder (relative to the root), else
// the rules file's registry.path (relative to the rules file, "registry"
// when unset); ok is false for another kind of registry.
func localRegistryDir(registry string, f *rules.File) (string, bool) {
	switch registry {
	case "sagemaker", "mlflow":
		return "", false
	case "", "local":
		kind := f.Registry.Kind
		if registry == "local" {
			kind = "local"
		}
		if kind != "" && kind != "local" {
			return "", false
		}
		if f.Registry.Path == "" {
			return "registry", true
		}
		return f.Registry.Path, true
	}
	return registry, true
}

// inRepo resolves p (relative to dir, both relative to the root; or
// absolute) to a clean repository-relative path; ok is false when it
// leaves the repository (no file there is in a change's list).
func inRepo(root, dir, p string) (string, bool) {
	if filepath.IsAbs(p) {
		absRoot, err := filepath.Abs(root)
		if err != nil {
			return "", false
		}
		rel, err := filepath.Rel(absRoot, p)
		if err != nil {
			return "", false
		}
		p, dir = filepath.ToSlash(rel), "."
	}
	q := path.Join(dir, filepath.ToSlash(p))
	if q == ".." || strings.HasPrefix(q, "../") {
		return "", false
	}
	return q, true
}

// touches says whether a change touches a model that reads ins, and why.
func touches(ch Changes, ins []input) (bool, string) {
	if !ch.Known {
		return true, "the changed files are unknown (" + ch.Why + "): every model is checked"
	}
	for _, in := range ins {
		if in.path == "" {
			return true, in.what
		}
	}
	for _, c := range ch.Paths {
		for _, in := range ins {
			if c == in.path || strings.HasPrefix(c, in.path+"/") {
				return true, c + " changed: " + in.what
			}
		}
	}
	return false, "no file it reads changed"
}

// ParseChangedList reads a newline-separated list of changed paths (git
// diff --name-only): blank lines are skipped, "./" and surrounding space
// dropped, git's quoted names ("a\303\244.yml") unquoted.
func ParseChangedList(b []byte) []string {
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if len(line) >= 2 && line[0] == '"' && line[len(line)-1] == '"' {
			if u, err := strconv.Unquote(line); err == nil {
				line = u
			}
		}
		if line == "" {
			continue
		}
		out = append(out, path.Clean(strings.TrimPrefix(line, "./")))
	}
	return out
}
