// Package version says which modelgate is running: the version set at
// build time with
//
//	-ldflags "-X github.com/modelgate/modelgate/internal/version.version=v1.2.3"
//
// (the release workflow and the Dockerfile set it), or else what the Go
// toolchain recorded in the binary: the module version of
// `go install github.com/modelgate/modelgate/cmd/modelgate@v1.2.3`, or the
// VCS revision of a build in a git checkout.
package version

import (
	"os"
	"regexp"
	"runtime/debug"
	"strings"
)

// version is set with -X; empty or "dev" means not set.
var version string

// ActionRefEnv is the variable action.yml sets to the action's ref
// (github.action_ref), for the image main builds from the Dockerfile, which
// has neither a version nor VCS data.
const ActionRefEnv = "MODELGATE_ACTION_REF"

// Info describes the running binary.
type Info struct {
	// Version is a semantic version (v1.2.3, a pseudo-version), or "dev"
	// when nothing says.
	Version string `json:"version"`
	// Revision is the VCS commit the binary was built from, when known.
	Revision string `json:"revision,omitempty"`
	// Modified says the working tree had uncommitted changes.
	Modified bool `json:"modified,omitempty"`
	// ActionRef is the action ref (main, v1, a SHA) when the version is
	// otherwise unknown.
	ActionRef string `json:"action_ref,omitempty"`
	// Go is the toolchain version.
	Go string `json:"go,omitempty"`
}

// Get reads the build information of the running binary.
func Get() Info {
	bi, ok := debug.ReadBuildInfo()
	return from(version, bi, ok, os.Getenv(ActionRefEnv))
}

// String is Get().String().
func String() string { return Get().String() }

var safeRef = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/+-]{0,99}$`)

func from(ldflag string, bi *debug.BuildInfo, ok bool, actionRef string) Info {
	info := Info{Version: "dev"}
	if ok && bi != nil {
		info.Go = bi.GoVersion
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			info.Version = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Revision = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	if v := strings.TrimSpace(ldflag); v != "" && v != "dev" {
		info.Version = v
	}
	// The ref is only a hint for an otherwise unknown build, and it is
	// printed and written into results: only a plain ref is kept.
	if info.Version == "dev" && info.Revision == "" && safeRef.MatchString(actionRef) {
		info.ActionRef = actionRef
	}
	return info
}

// String is one line: "v1.2.3", "v1.2.3 (abc123def456)", "dev (abc123def456,
// modified)" or "dev (action ref main)".
func (i Info) String() string {
	var extra []string
	if i.Revision != "" {
		r := i.Revision
		if len(r) > 12 {
			r = r[:12]
		}
		extra = append(extra, r)
	}
	if i.Modified {
		extra = append(extra, "modified")
	}
	if i.ActionRef != "" {
		extra = append(extra, "action ref "+i.ActionRef)
	}
	// A pseudo-version already names its revision.
	if len(extra) == 0 || (len(extra) == 1 && i.Revision != "" && strings.HasSuffix(i.Version, i.Revision[:min(12, len(i.Revision))])) {
		return i.Version
	}
	return i.Version + " (" + strings.Join(extra, ", ") + ")"
}
