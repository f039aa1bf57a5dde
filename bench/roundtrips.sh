#!/bin/sh
# roundtrips.sh measures the dependent round trips of modelgate check (with
# and without baseline comparisons) and approve against the SageMaker and S3
# fakes with a fixed latency per request, through the real CLI and SDK
# clients, and prints a Markdown table: requests, round trips (wall time
# minus the binary's start-up, over the latency) and the ratio to the limit.
# Usage: bench/roundtrips.sh [latency] [runs]   (default 50ms 5)
set -eu
cd "$(dirname "$0")/.."
MODELGATE_ROUNDTRIPS=1 MODELGATE_ROUNDTRIPS_LATENCY="${1:-50ms}" MODELGATE_ROUNDTRIPS_RUNS="${2:-5}" \
	go test -count=1 -run '^TestRoundTrips$' -v ./bench/roundtrips/ | grep -v -e '^=== RUN' -e '^--- PASS' -e '^PASS' -e '^ok '
