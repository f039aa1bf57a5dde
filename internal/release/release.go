// Package release renders the released action.yml: the template
// .github/release/action.yml.tmpl with the image the release workflow
// pushed, pinned by digest. The template uses [[ ]] delimiters, as the
// action's own ${{ }} expressions must pass through untouched.
package release

import (
	"bytes"
	"fmt"
	"regexp"
	"text/template"
)

var (
	imageRE  = regexp.MustCompile(`^ghcr\.io/[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)+$`)
	digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
)

// Render fills the template with image (ghcr.io/owner/name, lower case,
// no tag) and digest (sha256:<64 hex>). Anything else is refused: a
// released action.yml must pull exactly one image by digest.
func Render(tmpl []byte, image, digest string) ([]byte, error) {
	if !imageRE.MatchString(image) {
		return nil, fmt.Errorf("image %q: want ghcr.io/<owner>/<name> in lower case, without tag or digest", image)
	}
	if !digestRE.MatchString(digest) {
		return nil, fmt.Errorf("digest %q: want sha256:<64 lower-case hex digits>", digest)
	}
	t, err := template.New("action.yml").Delims("[[", "]]").Option("missingkey=error").Parse(string(tmpl))
	if err != nil {
		return nil, fmt.Errorf("action.yml template: %w", err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, struct{ Image, Digest string }{image, digest}); err != nil {
		return nil, fmt.Errorf("action.yml template: %w", err)
	}
	return b.Bytes(), nil
}
