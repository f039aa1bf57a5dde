package action

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/gate/gatetest"

	"github.com/modelgate/modelgate/gate"
	"github.com/modelgate/modelgate/gate/localreg"
	"github.com/modelgate/modelgate/rules"
)

// runGate is the production Evaluator over the local registry (what cmd
// wires for registry: local and folder paths).
var runGate = Evaluate(openLocal)

func openLocal(_ context.Context, o Options, f *rules.File) (gate.Registry, error) {
	path := o.Registry
	if path == "" || path == "local" {
		p := f.Registry.Path
		if p == "" {
			p = "registry"
		}
		path = filepath.Join(filepath.Dir(o.Abs(o.Rules)), p)
	} else {
		path = o.Abs(path)
	}
	r, err := localreg.New(path)
	if err != nil {
		return nil, &gate.InputError{Err: err}
	}
	return r, nil
}

// copyRegistry copies the example registry into a temp dir with its rules
// file, so approval can write to it.
func copyRegistry(t *testing.T) (rulesPath, regDir string) {
	return gatetest.CopyModelRepo(t, "../../examples/fraud")
}

type pkgState = gatetest.LocalPackage

func readPkg(t *testing.T, reg, v string) (pkgState, []byte) {
	return gatetest.ReadLocalPackage(t, reg, "fraud-xgboost", v)
}

func setReport(t *testing.T, reg, v, name, content string) {
	gatetest.SetLocalReport(t, reg, "fraud-xgboost", v, name, content)
}

func setStatus(t *testing.T, reg, v, status string, meta map[string]string) {
	gatetest.SetLocalStatus(t, reg, "fraud-xgboost", v, status, meta)
}
