package dockertest_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/opencontainers/go-digest"
)

var pinned = regexp.MustCompile(`^[a-z0-9./-]+:[A-Za-z0-9._-]+@sha256:[0-9a-f]{64}$`)

// runFlags are the flags (--mount=...) of the Dockerfile's RUN lines.
func runFlags(ast *parser.Node) []string {
	var out []string
	for _, n := range ast.Children {
		if strings.EqualFold(n.Value, "run") {
			out = append(out, n.Flags...)
		}
	}
	return out
}

func readDockerfile(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDockerfile(t *testing.T) {
	t.Parallel()
	src := readDockerfile(t)
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		t.Fatalf("parse Dockerfile: %v", err)
	}
	for _, w := range res.Warnings {
		t.Errorf("Dockerfile:%d: %s", w.Location.Start.Line, w.Short)
	}
	stages, _, err := instructions.Parse(res.AST, nil)
	if err != nil {
		t.Fatalf("Dockerfile instructions: %v", err)
	}
	if len(stages) != 2 {
		t.Fatalf("%d stages; want 2 (build, runtime)", len(stages))
	}
	build, final := stages[0], stages[1]

	if !strings.HasPrefix(build.BaseName, "golang:1.26") || build.Name != "build" {
		t.Errorf("build stage FROM %s AS %s; want golang:1.26.x AS build", build.BaseName, build.Name)
	}
	if build.Platform != "$BUILDPLATFORM" {
		t.Errorf("build stage FROM --platform=%q; want $BUILDPLATFORM (cross-compile, no emulation)", build.Platform)
	}
	if b := final.BaseName; !strings.HasPrefix(b, "gcr.io/distroless/static-debian12:latest@") {
		t.Errorf("runtime stage FROM %s; want gcr.io/distroless/static-debian12:latest (root: see the USER comment)", b)
	}
	for _, st := range stages {
		if !pinned.MatchString(st.BaseName) {
			t.Errorf("FROM %s is not pinned by digest (tag@sha256:<64 hex>)", st.BaseName)
		}
	}

	// The sources are copied, then one go build fetches only the modules
	// the binary imports, with cache mounts.
	var order []string
	var buildCmd string
	for _, c := range build.Commands {
		switch c := c.(type) {
		case *instructions.CopyCommand:
			order = append(order, "COPY "+strings.Join(c.SourcePaths, " "))
		case *instructions.RunCommand:
			cmd := strings.Join(c.CmdLine, " ")
			order = append(order, "RUN "+strings.Fields(cmd)[0])
			buildCmd = cmd
			var targets []string
			for _, f := range runFlags(res.AST) {
				if strings.HasPrefix(f, "--mount=type=cache,target=") {
					targets = append(targets, strings.TrimPrefix(f, "--mount=type=cache,target="))
				}
			}
			if !slices.Equal(targets, []string{"/go/pkg/mod", "/root/.cache/go-build"}) {
				t.Errorf("go build cache mounts %q; want the module and build caches", targets)
			}
		}
	}
	want := []string{"COPY .", "RUN CGO_ENABLED=0"}
	if !slices.Equal(order, want) {
		t.Errorf("build stage steps %q; want %q", order, want)
	}
	for _, flag := range []string{"CGO_ENABLED=0", "GOARCH=${TARGETARCH}", "-trimpath", "-s -w",
		"-X github.com/modelgate/modelgate/internal/version.version=${VERSION}", "./cmd/modelgate"} {
		if !strings.Contains(buildCmd, flag) {
			t.Errorf("go build %q lacks %q", buildCmd, flag)
		}
	}

	var entry *instructions.EntrypointCommand
	copied := false
	for _, c := range final.Commands {
		switch c := c.(type) {
		case *instructions.UserCommand:
			t.Errorf("runtime stage has USER %s; GitHub runs Docker actions as root", c.User)
		case *instructions.EntrypointCommand:
			entry = c
		case *instructions.CopyCommand:
			copied = c.From == "build" && slices.Equal(c.SourcePaths, []string{"/out/modelgate"}) && c.DestPath == "/modelgate"
		case *instructions.RunCommand:
			t.Errorf("runtime stage runs %q; it has no shell", c.CmdLine)
		}
	}
	if !copied {
		t.Errorf("runtime stage does not COPY --from=build /out/modelgate /modelgate")
	}
	// PrependShell is false for the exec form.
	if entry == nil || entry.PrependShell || !slices.Equal(entry.CmdLine, []string{"/modelgate"}) {
		t.Errorf("ENTRYPOINT = %+v; want the exec form [\"/modelgate\"]", entry)
	}
	if !strings.Contains(string(src), "# No USER: GitHub runs Docker actions as root") {
		t.Errorf("the Dockerfile does not say why it has no USER")
	}
}

// stubResolver answers every image lookup with a minimal linux/amd64
// config, so that linting never reaches a registry.
type stubResolver struct{}

func (stubResolver) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	return ref, digest.FromString(ref), []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}}`), nil
}

// lint runs the `docker build --check` rules on src and returns each
// finding as "line: rule".
func lint(t *testing.T, src []byte) []string {
	t.Helper()
	sm := llb.NewSourceMap(nil, "Dockerfile", "Dockerfile", src)
	sm.Definition = &llb.Definition{} // DockerfileLint panics on a nil one
	res, err := dockerfile2llb.DockerfileLint(context.Background(), src, dockerfile2llb.ConvertOpt{
		SourceMap:    sm,
		MetaResolver: stubResolver{},
	})
	if err != nil {
		t.Fatalf("DockerfileLint: %v", err)
	}
	var out []string
	if res.Error != nil {
		out = append(out, "error: "+res.Error.Message)
	}
	for _, w := range res.Warnings {
		line := 0
		if w.Location != nil && len(w.Location.Ranges) > 0 {
			line = int(w.Location.Ranges[0].Start.Line)
		}
		out = append(out, fmt.Sprintf("%d: %s", line, w.RuleName))
	}
	return out
}

func TestDockerfileLint(t *testing.T) {
	t.Parallel()
	if got := lint(t, readDockerfile(t)); len(got) != 0 {
		t.Errorf("docker build --check on Dockerfile:\n%s", strings.Join(got, "\n"))
	}
}

// TestDockerfileLintCatches proves the linter runs its rules here.
func TestDockerfileLintCatches(t *testing.T) {
	t.Parallel()
	bad := "FROM golang:1.26 as build\nRUN true\nFROM scratch\nENTRYPOINT /modelgate\n"
	want := []string{"1: FromAsCasing", "4: JSONArgsRecommended"}
	if got := lint(t, []byte(bad)); !slices.Equal(got, want) {
		t.Errorf("lint(bad) = %q; want %q", got, want)
	}
}
