package memorize

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/gate/memorize/internal/gen"
)

// genDocs is the generated corpus of n documents of gen.DocBytes.
func genDocs(n int) []Doc {
	docs := make([]Doc, n)
	for i := range docs {
		docs[i] = Doc{Name: gen.DocName(i), Open: func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(gen.Doc(nil, i))), nil
		}}
	}
	return docs
}

func genOutputs(b *testing.B, n, docs int) []byte {
	var buf bytes.Buffer
	if _, err := gen.WriteOutputs(&buf, n, docs); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// genFiles writes the generated corpus of n documents to files in dir.
func genFiles(b *testing.B, dir string, n int) []Doc {
	docs := make([]Doc, n)
	var buf []byte
	for i := range docs {
		path := filepath.Join(dir, fmt.Sprintf("%05d.txt", i))
		buf = gen.Doc(buf[:0], i)
		if err := os.WriteFile(path, buf, 0o644); err != nil {
			b.Fatal(err)
		}
		docs[i] = Doc{Name: gen.DocName(i), Open: func() (io.ReadCloser, error) { return os.Open(path) }}
	}
	return docs
}

// benchmark builds the index of docs*100 KB of generated text, read from
// files, and scans outputs 1 KB outputs (one in ten with a planted corpus
// span). Generating the data is not timed.
func benchmark(b *testing.B, docs, outputs int) {
	out := genOutputs(b, outputs, docs)
	corpus := genFiles(b, b.TempDir(), docs)
	b.SetBytes(int64(docs*gen.DocBytes + len(out)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ix, err := BuildIndex(context.Background(), corpus, Options{})
		if err != nil {
			b.Fatal(err)
		}
		rep, err := ix.Scan(context.Background(), bytes.NewReader(out), Options{})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Verbatim < outputs/gen.PlantEvery {
			b.Fatalf("found %d verbatim outputs; %d were planted", rep.Verbatim, outputs/gen.PlantEvery)
		}
	}
}

// BenchmarkMemorize10MB is a tenth of the target size, for profiling.
func BenchmarkMemorize10MB(b *testing.B) { benchmark(b, gen.Docs/10, gen.Outputs/10) }

// BenchmarkMemorize100MB is the target: a 100 MB corpus and 10,000 outputs
// of 1 KB. bench/run.sh measures 1x, 2x and 4x with peak memory.
func BenchmarkMemorize100MB(b *testing.B) { benchmark(b, gen.Docs, gen.Outputs) }

// BenchmarkGenerate100MB is the cost of generating the corpus alone, to
// subtract from the above.
func BenchmarkGenerate100MB(b *testing.B) {
	var buf []byte
	for i := 0; i < b.N; i++ {
		for d := 0; d < gen.Docs; d++ {
			buf = gen.Doc(buf[:0], d)
		}
	}
}
