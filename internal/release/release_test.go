package release_test

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/modelgate/modelgate/internal/release"
)

const (
	testImage  = "ghcr.io/modelgate/modelgate"
	testDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

func read(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type action struct {
	Name        string         `yaml:"name"`
	Description string         `yaml:"description"`
	Author      string         `yaml:"author"`
	Branding    map[string]any `yaml:"branding"`
	Inputs      map[string]any `yaml:"inputs"`
	Outputs     map[string]any `yaml:"outputs"`
	Runs        struct {
		Using string            `yaml:"using"`
		Image string            `yaml:"image"`
		Env   map[string]string `yaml:"env"`
		Args  []string          `yaml:"args"`
	} `yaml:"runs"`
}

func parse(t *testing.T, name string, b []byte) action {
	t.Helper()
	var a action
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return a
}

var released = regexp.MustCompile(`^docker://ghcr\.io/[a-z0-9._/-]+@sha256:[0-9a-f]{64}$`)

func TestRenderedActionPullsTheImageByDigest(t *testing.T) {
	out, err := release.Render(read(t, ".github/release/action.yml.tmpl"), testImage, testDigest)
	if err != nil {
		t.Fatal(err)
	}
	got := parse(t, "rendered action.yml", out)
	dev := parse(t, "action.yml", read(t, "action.yml"))

	if got.Runs.Using != "docker" || got.Runs.Image != "docker://"+testImage+"@"+testDigest || !released.MatchString(got.Runs.Image) {
		t.Errorf("released runs: using %q image %q; want docker and docker://%s@%s", got.Runs.Using, got.Runs.Image, testImage, testDigest)
	}
	if dev.Runs.Image != "Dockerfile" {
		t.Errorf("action.yml on main: image %q; want Dockerfile (development builds it)", dev.Runs.Image)
	}
	if strings.Contains(string(out), "[[") || strings.Contains(string(out), "]]") {
		t.Error("rendered action.yml still holds template delimiters")
	}
	// The ${{ }} expressions pass through the template untouched.
	if !strings.Contains(string(out), "default: ${{ github.token }}") {
		t.Error("rendered action.yml lost the github_token default expression")
	}
	// Same interface as the development action.yml.
	if !reflect.DeepEqual(got.Inputs, dev.Inputs) {
		t.Errorf("released inputs differ from action.yml:\n got %v\nwant %v", got.Inputs, dev.Inputs)
	}
	if !reflect.DeepEqual(got.Outputs, dev.Outputs) {
		t.Errorf("released outputs differ from action.yml")
	}
	if got.Name != dev.Name || got.Description != dev.Description || got.Author != dev.Author || !reflect.DeepEqual(got.Branding, dev.Branding) {
		t.Errorf("released metadata differs from action.yml")
	}
	if !reflect.DeepEqual(got.Runs.Env, dev.Runs.Env) || !reflect.DeepEqual(got.Runs.Args, dev.Runs.Args) {
		t.Errorf("released runs.env/args %v %v differ from action.yml %v %v", got.Runs.Env, got.Runs.Args, dev.Runs.Env, dev.Runs.Args)
	}
	for _, a := range []action{got, dev} {
		if n := utf8.RuneCountInString(a.Description); n == 0 || n > 125 {
			t.Errorf("description is %d characters; the Marketplace takes 1 to 125", n)
		}
	}
}

func TestRenderRefuses(t *testing.T) {
	tmpl := []byte("image: docker://[[.Image]]@[[.Digest]]\n")
	for _, c := range []struct{ image, digest, want string }{
		{testImage + ":v1", testDigest, "without tag"},
		{"ghcr.io/ModelGate/modelgate", testDigest, "lower case"},
		{"docker.io/modelgate/modelgate", testDigest, "ghcr.io"},
		{"ghcr.io/modelgate", testDigest, "ghcr.io/<owner>/<name>"},
		{testImage + "\nruns:", testDigest, "ghcr.io"},
		{testImage, "sha256:abc", "64"},
		{testImage, strings.ToUpper(testDigest), "64"},
		{testImage, testDigest + "\n  args: [x]", "64"},
		{testImage, "", "64"},
	} {
		if _, err := release.Render(tmpl, c.image, c.digest); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Render(%q, %q) error %v; want one naming %q", c.image, c.digest, err, c.want)
		}
	}
	if _, err := release.Render([]byte("[[.Tag]]"), testImage, testDigest); err == nil {
		t.Error("a template naming an unknown field rendered")
	}
}

var pinnedUses = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$`)

// TestWorkflowsPinActionsBySHA checks every uses: of every workflow (and
// of the act workflow): a full commit SHA, or a local action.
func TestWorkflowsPinActionsBySHA(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", ".github", "workflows", "*.yml"))
	files = append(files, filepath.Join("..", "..", ".ci", "act", "workflow.yml"))
	if len(files) < 4 {
		t.Fatalf("found workflows %q; want ci, self-test, release and the act workflow", files)
	}
	usesRE := regexp.MustCompile(`(?m)^\s*(?:-\s+)?uses:\s*(\S+)`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range usesRE.FindAllStringSubmatch(string(b), -1) {
			if u := m[1]; !strings.HasPrefix(u, "./") && !pinnedUses.MatchString(u) {
				t.Errorf("%s: uses: %s is not pinned by commit SHA", filepath.Base(f), u)
			}
		}
	}
}

// TestReleaseWorkflow checks the release workflow's contract: version
// tags, both platforms, SBOM and provenance, attestations, the rendered
// action.yml and the moving major tag.
func TestReleaseWorkflow(t *testing.T) {
	src := string(read(t, ".github/workflows/release.yml"))
	var wf struct {
		On struct {
			Push struct {
				Tags []string `yaml:"tags"`
			} `yaml:"push"`
		} `yaml:"on"`
		Jobs map[string]struct {
			Permissions map[string]string `yaml:"permissions"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal([]byte(src), &wf); err != nil {
		t.Fatal(err)
	}
	if len(wf.On.Push.Tags) != 1 || !strings.HasPrefix(wf.On.Push.Tags[0], "v") {
		t.Errorf("release runs on tags %q; want version tags", wf.On.Push.Tags)
	}
	job, ok := wf.Jobs["release"]
	if !ok {
		t.Fatal("no release job")
	}
	for k, v := range map[string]string{"contents": "write", "packages": "write", "id-token": "write", "attestations": "write"} {
		if job.Permissions[k] != v {
			t.Errorf("release job permission %s: %q; want %q", k, job.Permissions[k], v)
		}
	}
	for _, want := range []string{
		"platforms: linux/amd64,linux/arm64",
		"sbom: true",
		"provenance: mode=max",
		"push-to-registry: true",
		"subject-digest: ${{ steps.image.outputs.digest }}",
		"go run ./internal/release/renderaction",
		"SHA256SUMS",
		"GOARCH=\"$arch\"",
		"VERSION=${{ env.VERSION }}",
		"git tag -f \"$MAJOR\"",
		"gh release create",
	} {
		if !strings.Contains(src, want) {
			t.Errorf("release workflow lacks %q", want)
		}
	}
}
