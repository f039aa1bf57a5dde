//go:build ignore

// The functions of a source file, for summary.go and recheck.go (each is
// run together with this file: go run summary.go spans.go).
package main

import (
	"go/ast"
	"go/parser"
	"go/token"
)

type span struct {
	name       string
	start, end int
}

// funcSpans names the functions of a file (Type.Method for methods) with
// their first and last lines.
func funcSpans(path string, src []byte) ([]span, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, 0)
	if err != nil {
		return nil, err
	}
	var spans []span
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok {
			continue
		}
		name := fd.Name.Name
		if fd.Recv != nil && len(fd.Recv.List) == 1 {
			t := fd.Recv.List[0].Type
			if s, ok := t.(*ast.StarExpr); ok {
				t = s.X
			}
			if id, ok := t.(*ast.Ident); ok {
				name = id.Name + "." + name
			}
		}
		spans = append(spans, span{name, fset.Position(fd.Pos()).Line, fset.Position(fd.End()).Line})
	}
	return spans, nil
}

// enclosing is the name of the function holding line.
func enclosing(spans []span, line int) string {
	for _, s := range spans {
		if line >= s.start && line <= s.end {
			return s.name
		}
	}
	return "(top level)"
}
