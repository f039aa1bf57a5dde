package action

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/localreg"
	"github.com/modelgate/modelgate/rules"
)

// OpenLocal opens a local registry: dir (the flag or input, resolved
// against the workspace), or else the rules file's registry.path (relative
// to the rules file; "registry" when unset). A registry.path that does not
// exist is a diagnostic at its place in the rules file (file:line:col),
// like any other problem of the file; every failure to open is exit 2.
func OpenLocal(o Options, f *rules.File, dir string) (gate.Registry, error) {
	fromFile := dir == ""
	if fromFile {
		p := f.Registry.Path
		if p == "" {
			p = "registry"
		}
		dir = filepath.Join(filepath.Dir(o.Abs(o.Rules)), p)
	} else {
		dir = o.Abs(dir)
	}
	r, err := localreg.New(dir)
	if err == nil {
		return r, nil
	}
	if fromFile && f.Registry.Path != "" && errors.Is(err, fs.ErrNotExist) {
		return nil, rules.Diagnostics{{
			File: f.Path, Pos: registryPathPos(o.Abs(o.Rules), f.Registry.Pos),
			Message: fmt.Sprintf("`registry.path` %s: no such folder (%s; the path is relative to the rules file)", f.Registry.Path, dir),
			Kind:    rules.KindValue,
		}}
	}
	return nil, &gate.InputError{Err: err}
}

// registryPathPos is the position of the value of registry.path in the
// rules file, or else the registry block's.
func registryPathPos(path string, block rules.Pos) rules.Pos {
	b, err := os.ReadFile(path)
	if err != nil || len(b) > rules.MaxFileBytes {
		return block
	}
	var doc yaml.Node
	if yaml.Unmarshal(b, &doc) != nil || len(doc.Content) == 0 {
		return block
	}
	if n := mapValue(mapValue(doc.Content[0], "registry"), "path"); n != nil {
		return rules.Pos{Line: n.Line, Col: n.Column}
	}
	return block
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
