package dockertest_test

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

const imageVersion = "v0.0.0-imagetest"

// buildStatic builds cmd/modelgate as the Dockerfile does.
func buildStatic(t *testing.T) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "modelgate")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w -X github.com/modelgate/modelgate/internal/version.version="+imageVersion, "-o", out, "./cmd/modelgate")
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// layerTar is a layer holding the binary at /modelgate, mode 0755.
func layerTar(t *testing.T, bin []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "modelgate", Mode: 0o755, Size: int64(len(bin)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(bin); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestImage builds the action image (the static binary on an empty base:
// what the Dockerfile's runtime stage adds to distroless) as a tarball with
// no Docker engine, reads it back, and, as root, runs its entrypoint.
func TestImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the image is linux")
	}
	bin := buildStatic(t)
	lt := layerTar(t, bin)
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(lt)), nil })
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Architecture, cfg.OS = runtime.GOARCH, "linux"
	cfg.Config = v1.Config{Entrypoint: []string{"/modelgate"}}
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference("modelgate:imagetest")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "image.tar")
	if err := tarball.WriteToFile(path, ref, img); err != nil {
		t.Fatalf("write image tarball: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("binary %d bytes (%.1f MiB); image tarball %d bytes (%.1f MiB), plus distroless static (~2 MiB)",
		len(bin), float64(len(bin))/(1<<20), fi.Size(), float64(fi.Size())/(1<<20))

	// Read the image back from the tarball, as a runtime would load it.
	loaded, err := tarball.ImageFromPath(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	lcfg, err := loaded.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if len(lcfg.Config.Entrypoint) != 1 || lcfg.Config.Entrypoint[0] != "/modelgate" || lcfg.Config.User != "" {
		t.Errorf("image config entrypoint %q user %q; want [/modelgate] and no user", lcfg.Config.Entrypoint, lcfg.Config.User)
	}
	layers, err := loaded.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("%d layers, %v; want 1", len(layers), err)
	}
	rootfs := t.TempDir()
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(rootfs, filepath.Clean("/"+h.Name))
		f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY, os.FileMode(h.Mode))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(f, tr); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}

	if os.Geteuid() != 0 {
		t.Skip("running the image's entrypoint in a chroot needs root")
	}
	cmd := exec.Command(lcfg.Config.Entrypoint[0], "version")
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: rootfs}
	cmd.Dir = "/"
	cmd.Env = []string{} // nothing from the host
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("chroot %s /modelgate version: %v\n%s", rootfs, err, out)
	}
	if got, want := string(out), "modelgate "+imageVersion+"\n"; got != want {
		t.Errorf("/modelgate version = %q; want %q", got, want)
	}
}
