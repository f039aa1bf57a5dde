// Package dockertest holds the tests of the repository's Dockerfile and the
// action image, and nothing else: its test files import buildkit and
// go-containerregistry, which production builds must not link.
//
// The tests parse and lint the Dockerfile with buildkit's own parser and
// `docker build --check` rules, build the action image as an OCI tarball
// from a static binary without a Docker engine, and, when run as root, run
// `/modelgate version` from the image's root filesystem in a chroot.
package dockertest
