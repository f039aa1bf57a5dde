#!/bin/sh
# Regenerates sagemaker-api-2.json from the pinned aws-sdk-go v1 module
# without adding it to go.mod: the module is downloaded in a throwaway module.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && go mod init trim >/dev/null 2>&1 &&
	go mod download -json github.com/aws/aws-sdk-go@v1.55.8 >"$tmp/dl.json")
dir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' "$tmp/dl.json")
cd "$root"
go run ./gate/gatetest/internal/trimapi \
	-in "$dir/models/apis/sagemaker/2017-07-24/api-2.json" \
	-out "$here/sagemaker-api-2.json"
