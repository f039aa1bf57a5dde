package version

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func bi(main string, settings ...string) *debug.BuildInfo {
	b := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/modelgate/modelgate", Version: main}}
	for i := 0; i+1 < len(settings); i += 2 {
		b.Settings = append(b.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
	}
	return b
}

func TestFrom(t *testing.T) {
	const rev = "0123456789abcdef0123456789abcdef01234567"
	for _, c := range []struct {
		name, ldflag string
		bi           *debug.BuildInfo
		ok           bool
		ref, want    string
	}{
		{"-X wins over build info", "v1.2.3", bi("v0.0.0-20260101000000-0123456789ab", "vcs.revision", rev), true, "", "v1.2.3 (0123456789ab)"},
		{"-X only", "v1.2.3", bi("(devel)"), true, "", "v1.2.3"},
		{"-X dev is no version", "dev", bi("v1.4.0"), true, "", "v1.4.0"},
		{"go install module@version", "", bi("v1.4.0"), true, "", "v1.4.0"},
		{"pseudo-version names its revision", "", bi("v0.0.0-20260101000000-0123456789ab", "vcs.revision", rev), true, "", "v0.0.0-20260101000000-0123456789ab"},
		{"checkout build, modified", "", bi("(devel)", "vcs.revision", rev, "vcs.modified", "true"), true, "", "dev (0123456789ab, modified)"},
		{"nothing known", "", bi("(devel)"), true, "", "dev"},
		{"no build info", "", nil, false, "", "dev"},
		{"action ref for an unknown build", "", bi("(devel)"), true, "main", "dev (action ref main)"},
		{"action ref ignored when the version is known", "v1.2.3", bi("(devel)"), true, "v1", "v1.2.3"},
		{"hostile action ref dropped", "", bi("(devel)"), true, "main\n::error::x", "dev"},
		{"spaces in the ref dropped", "", bi("(devel)"), true, "a b", "dev"},
	} {
		got := from(c.ldflag, c.bi, c.ok, c.ref)
		if s := got.String(); s != c.want {
			t.Errorf("%s: %q; want %q", c.name, s, c.want)
		}
	}
	if got := from("", bi("(devel)", "vcs.revision", rev), true, ""); got.Revision != rev || got.Go != "go1.26.8" {
		t.Errorf("revision %q go %q", got.Revision, got.Go)
	}
}

// TestBuiltBinary builds a program that prints String(): with -X, and
// with VCS stamping in this checkout, so that the real build-info path is
// exercised, not only from().
func TestBuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries")
	}
	bin := filepath.Join(t.TempDir(), "printversion")
	build := func(args ...string) string {
		t.Helper()
		c := exec.Command("go", append(append([]string{"build", "-o", bin}, args...), "./testdata/printversion")...)
		c.Env = append(os.Environ(), "GOFLAGS=")
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("go build %v: %v\n%s", args, err, out)
		}
		c = exec.Command(bin)
		c.Env = append(os.Environ(), ActionRefEnv+"=main")
		out, err := c.Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}
	if got := build("-buildvcs=false", "-ldflags=-X github.com/modelgate/modelgate/internal/version.version=v9.8.7"); got != "v9.8.7" {
		t.Errorf("with -X: %q; want v9.8.7", got)
	}
	if got := build("-buildvcs=false"); got != "dev (action ref main)" {
		t.Errorf("without -X or VCS data: %q; want dev (action ref main)", got)
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skip("not in a git checkout: no VCS stamping to test")
	}
	if fi, err := os.Stat(filepath.Join("..", "..", ".git")); err != nil || !fi.IsDir() {
		t.Skip("no .git directory at the module root (a git worktree has a .git file): go build does not stamp VCS data")
	}
	rev := strings.TrimSpace(string(head))
	got := build("-buildvcs=true")
	if !strings.Contains(got, rev[:12]) || strings.Contains(got, "action ref") {
		t.Errorf("with VCS stamping: %q; want the revision %s and no action ref", got, rev[:12])
	}
}
