package main

import (
	"os"
	"path/filepath"

	"github.com/modelgate/modelgate/gate"
)

// policyHTTPS reads `url` bases for validate and diff: HTTPS only, the one
// retry policy within its deadline, the digest checked by the resolution.
// A test points it at a TLS test server through the same client.
var policyHTTPS gate.URLFiles = gate.HTTPSFiles{}

// gitRoot is the nearest folder above the file p that holds .git (a
// folder, or a file in a worktree).
func gitRoot(p string) (string, bool) {
	dir, err := filepath.Abs(filepath.Dir(p))
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			return dir, true
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", false
		}
		dir = up
	}
}

// plural is one when n is 1, else many.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
