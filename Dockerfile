# syntax=docker/dockerfile:1
# modelgate as a GitHub Docker container action: a static Go binary on
# distroless static (CA certificates, tzdata, /etc/passwd, nothing else).
#
# Base images are pinned by digest (Dependabot bumps tag and digest
# together). The digests are the ones public repositories pin for these
# tags; they were not resolved against the registries from the machine
# that wrote this file, so a release build is the first to confirm them.
#
# The build stage runs on the build platform and cross-compiles for the
# target (linux/amd64, linux/arm64): no emulation in the release workflow.

FROM --platform=$BUILDPLATFORM golang:1.26.8-bookworm@sha256:a688600ca24f8a4d3ca77f95b0dd40704a9fc787c826660eb7ba0b641b8b175d AS build
WORKDIR /src
COPY . .
ARG TARGETOS=linux
ARG TARGETARCH
ARG VERSION=dev
# go build downloads only the modules the binary imports (not every module
# of go.mod, as go mod download would); the cache mounts keep them, and the
# build cache, across builds on the same builder.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} go build -trimpath \
    -ldflags="-s -w -X github.com/modelgate/modelgate/internal/version.version=${VERSION}" \
    -o /out/modelgate ./cmd/modelgate

FROM gcr.io/distroless/static-debian12:latest@sha256:d75cdd72874d4790092fcb1b058493ecf6bb5bf2b2b897045b00ff01d91843f2
ARG VERSION=dev
LABEL org.opencontainers.image.title="modelgate" \
      org.opencontainers.image.description="Model-approval gate for GitHub: judge a registry model package against YAML rules" \
      org.opencontainers.image.source="https://github.com/modelgate/modelgate" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /out/modelgate /modelgate
# No USER: GitHub runs Docker actions as root and mounts the workspace and
# the file-command files (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) owned by the
# runner; a non-root user could not write them.
ENTRYPOINT ["/modelgate"]
