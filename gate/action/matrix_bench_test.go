package action

import (
	"fmt"
	"testing"
)

// BenchmarkPlanMatrix: 50 models extending one base, against a pull
// request of 3000 changed files (GitHub's cap) of which none touches a
// model: the worst case of the touched test (every path against every input).
func BenchmarkPlanMatrix(b *testing.B) {
	dir := b.TempDir()
	files := map[string]string{"policies/base.yml": "version: 1\npolicy: {name: base}\n" + matrixRule}
	for i := range 50 {
		files[fmt.Sprintf(".github/modelgate/m%02d.yml", i)] = fmt.Sprintf("version: 1\nmodel: {group: m%02d}\nregistry: {kind: local, path: ../../registry}\nextends:\n  - path: policies/base.yml\n", i)
	}
	writeTree(b, dir, files)
	paths := make([]string, 3000)
	for i := range paths {
		paths[i] = fmt.Sprintf("data/part-%04d.csv", i)
	}
	ch := Changes{Known: true, Paths: paths}
	for b.Loop() {
		p, err := PlanMatrix(MatrixOptions{Root: dir}, ch)
		if err != nil || len(p.Models) != 50 || len(p.Matrix.Include) != 0 {
			b.Fatalf("plan = %v, %v", p, err)
		}
	}
}
