#!/bin/sh
# run.sh measures memorize at 1x, 2x and 4x the target size (a 100 MB corpus
# and 10,000 outputs of 1 KB per x) and prints a Markdown table of wall and
# CPU times and peak memory. Usage: gate/memorize/bench/run.sh [scales...]
# The generated corpus (up to 400 MB) is kept in $TMPDIR/memorize-bench so
# that reruns skip writing it; delete that folder afterwards.
set -eu
cd "$(dirname "$0")"
dir="${TMPDIR:-/tmp}/memorize-bench"
bin="$dir/bench"
mkdir -p "$dir"
go build -o "$bin" .
scales="${*:-1 2 4}"
echo "| scale | corpus MB | outputs | tokens | build s (CPU s) | scan s (CPU s) | total s | peak RSS MB (VmHWM) | max RSS MB (time -v) | first touch of that memory s | verbatim / planted | load avg |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for s in $scales; do
	# Write the files first, so that the measured run reads them from the
	# page cache.
	"$bin" -scale "$s" -dir "$dir" -prepare
	load=$(cut -d' ' -f1 /proc/loadavg)
	/usr/bin/time -v -o "$dir/time.txt" "$bin" -scale "$s" -dir "$dir" >"$dir/out.json"
	rss=$(awk -F: '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$dir/time.txt")
	# What merely faulting in that much fresh memory costs on this machine.
	"$bin" -touch "$rss" >"$dir/touch.json"
	python3 - "$dir/out.json" "$rss" "$load" "$dir/touch.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t = json.load(open(sys.argv[4]))
print("| %dx | %.0f | %d | %.1fM | %.2f (%.2f) | %.2f (%.2f) | %.2f | %.0f | %s | %.2f | %d / %d | %s |" % (
    r["scale"], r["corpus_mb"], r["outputs"], r["tokens"] / 1e6, r["build_s"], r["build_cpu_s"],
    r["scan_s"], r["scan_cpu_s"], r["total_s"], r["peak_rss_mb"], sys.argv[2], t["touch_s"],
    r["verbatim"], r["planted"], sys.argv[3]))
PY
done
