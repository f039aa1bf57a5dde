// Command trimapi cuts the SageMaker API model (api-2.json of the Go module
// github.com/aws/aws-sdk-go@v1.55.8) down to the operations the modelgate
// SageMaker adapter calls and every shape they reach, with documentation
// stripped. The result is gate/gatetest/testdata/sagemaker-api-2.json, the
// model the SageMaker fake validates every request and response against.
//
// Usage (see ../../testdata/trim-sagemaker-api.sh):
//
//	go run ./gate/gatetest/internal/trimapi -in api-2.json -out gate/gatetest/testdata/sagemaker-api-2.json
//
// One patch is applied and recorded under the top-level key "x-modelgate":
// aws-sdk-go v1 was frozen before UpdateModelPackage gained ClientToken, which
// aws-sdk-go-v2's sagemaker client (v1.288.x) sends; the member is added with
// the model's own ClientToken shape (1-36 of [a-zA-Z0-9-]).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
)

// operations are the calls the adapter makes.
var operations = []string{
	"DescribeModelPackage",
	"DescribeModelPackageGroup",
	"ListModelPackages",
	"UpdateModelPackage",
}

// extraShapes are error shapes the fake answers with.
var extraShapes = []string{"ResourceNotFound", "ConflictException"}

func main() {
	in := flag.String("in", "", "api-2.json of aws-sdk-go v1.55.8 models/apis/sagemaker/2017-07-24")
	out := flag.String("out", "", "trimmed output file")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "trimapi:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	b, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var model struct {
		Version    string                    `json:"version"`
		Metadata   map[string]any            `json:"metadata"`
		Operations map[string]map[string]any `json:"operations"`
		Shapes     map[string]map[string]any `json:"shapes"`
	}
	if err := json.Unmarshal(b, &model); err != nil {
		return fmt.Errorf("parse %s: %w", in, err)
	}
	ops := map[string]any{}
	keep := map[string]bool{}
	var visit func(name string) error
	visit = func(name string) error {
		if keep[name] {
			return nil
		}
		s, ok := model.Shapes[name]
		if !ok {
			return fmt.Errorf("shape %q not in model", name)
		}
		keep[name] = true
		for _, k := range []string{"member", "key", "value"} {
			if ref, ok := s[k].(map[string]any); ok {
				if err := visit(ref["shape"].(string)); err != nil {
					return err
				}
			}
		}
		if members, ok := s["members"].(map[string]any); ok {
			for _, m := range members {
				if err := visit(m.(map[string]any)["shape"].(string)); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, name := range operations {
		op, ok := model.Operations[name]
		if !ok {
			return fmt.Errorf("operation %q not in model", name)
		}
		delete(op, "documentation")
		ops[name] = op
		for _, k := range []string{"input", "output"} {
			if ref, ok := op[k].(map[string]any); ok {
				if err := visit(ref["shape"].(string)); err != nil {
					return err
				}
			}
		}
		if errs, ok := op["errors"].([]any); ok {
			for _, e := range errs {
				if err := visit(e.(map[string]any)["shape"].(string)); err != nil {
					return err
				}
			}
		}
	}
	for _, name := range extraShapes {
		if err := visit(name); err != nil {
			return err
		}
	}

	// The patch: UpdateModelPackageInput.ClientToken (see the package doc).
	upd := model.Shapes["UpdateModelPackageInput"]["members"].(map[string]any)
	patched := false
	if _, ok := upd["ClientToken"]; !ok {
		upd["ClientToken"] = map[string]any{"shape": "ClientToken", "idempotencyToken": true}
		if err := visit("ClientToken"); err != nil {
			return err
		}
		patched = true
	}

	names := make([]string, 0, len(keep))
	for n := range keep {
		names = append(names, n)
	}
	sort.Strings(names)
	shapes := map[string]any{}
	for _, n := range names {
		s := model.Shapes[n]
		delete(s, "documentation")
		if members, ok := s["members"].(map[string]any); ok {
			for _, m := range members {
				delete(m.(map[string]any), "documentation")
			}
		}
		shapes[n] = s
	}
	trimmed := map[string]any{
		"version":    model.Version,
		"metadata":   model.Metadata,
		"operations": ops,
		"shapes":     shapes,
		"x-modelgate": map[string]any{
			"source":     "github.com/aws/aws-sdk-go@v1.55.8 models/apis/sagemaker/2017-07-24/api-2.json (Apache-2.0)",
			"generator":  "go run ./gate/gatetest/internal/trimapi",
			"operations": operations,
			"patches":    patchNotes(patched),
		},
	}
	outb, err := json.MarshalIndent(trimmed, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(out, append(outb, '\n'), 0o644)
}

func patchNotes(patched bool) []string {
	if !patched {
		return nil
	}
	return []string{"UpdateModelPackageInput.ClientToken added (shape ClientToken): sent by aws-sdk-go-v2 sagemaker v1.288.x, absent from the frozen v1 model"}
}
