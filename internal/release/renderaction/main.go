// Command renderaction writes the released action.yml to stdout:
//
//	go run ./internal/release/renderaction -image ghcr.io/modelgate/modelgate -digest sha256:... > action.yml
//
// The release workflow runs it after pushing the image.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/modelgate/modelgate/internal/release"
)

func main() {
	tmplPath := flag.String("template", ".github/release/action.yml.tmpl", "the action.yml template")
	image := flag.String("image", "", "the pushed image, ghcr.io/<owner>/<name>")
	digest := flag.String("digest", "", "the image digest, sha256:<64 hex>")
	flag.Parse()
	tmpl, err := os.ReadFile(*tmplPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "renderaction:", err)
		os.Exit(2)
	}
	out, err := release.Render(tmpl, *image, *digest)
	if err != nil {
		fmt.Fprintln(os.Stderr, "renderaction:", err)
		os.Exit(2)
	}
	os.Stdout.Write(out)
}
