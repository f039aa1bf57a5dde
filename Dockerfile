# syntax=docker/dockerfile:1
# modelgate as a GitHub Docker container action: a static Go binary on
# distroless static (CA certificates, tzdata, /etc/passwd, nothing else).

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
# Modules first, so that a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/modelgate ./cmd/modelgate

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/modelgate /modelgate
# No USER: GitHub runs Docker actions as root and mounts the workspace and
# the file-command files (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) owned by the
# runner; a non-root user could not write them.
ENTRYPOINT ["/modelgate"]
