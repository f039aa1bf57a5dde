#!/bin/sh
# memorize.sh measures the memorization check at 1x, 2x, 4x and 10x a
# 100 MB corpus (100 MB, 200 MB, 400 MB, 1 GB) through memorize.Compute, the
# gate's entry point: gate/memorize/bench -compute writes a workspace with a
# deterministic generated corpus (JSON Lines shards of 100 records of
# 100 KB; FORMAT=txt for one .txt file per document) and 10,000 outputs of
# 1 KB, one in ten copying a corpus span, then runs the check for a report
# reading them by relative path, as a rules file would. Each scale runs
# RUNS times (default 3) under /usr/bin/time -v; the table gives medians of
# the wall time, the CPU time (user + system: on a shared machine the
# number that does not depend on the load) and the peak resident memory
# (the whole process), its ratio to the corpus size, and the 1-minute load
# average at the start of each run. Generating the data is not timed.
# Measured 2026-12-02 on the shared 2-core machine (JSON Lines corpus):
#   | scale | corpus MB | outputs | wall s | CPU s | peak RSS MB | RSS / corpus | load avg |
#   | 1x    | 100       | 10000   | 2.1    | 2.0   | 148         | 1.48         | 5.3      |
#   | 2x    | 201       | 10000   | 4.4    | 4.3   | 284         | 1.41         | 5.4      |
#   | 4x    | 401       | 10000   | 6.7    | 6.5   | 556         | 1.39         | 5.0      |
#   | 10x   | 1003      | 10000   | 15.7   | 16.9  | 1361        | 1.36         | 4.1      |
# The 10x run takes about 20 s per run plus a minute to write the data.
# Usage: bench/memorize.sh [scales...]   (default 1 2 4 10)
# Environment: RUNS, FORMAT (jsonl|txt), OUTPUTS, DIR (default: a new temp
# folder, removed afterwards; a given DIR is kept and reused).
set -eu
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/time ]; then
	echo "memorize.sh: needs /usr/bin/time (apt-get install time)" >&2
	exit 1
fi
runs="${RUNS:-3}"
format="${FORMAT:-jsonl}"
outputs="${OUTPUTS:-10000}"
if [ -n "${DIR:-}" ]; then
	dir="$DIR"
	mkdir -p "$dir"
else
	dir=$(mktemp -d "${TMPDIR:-/tmp}/memorize-bench.XXXXXX")
	trap 'rm -rf "$dir"' EXIT
fi
bin="$dir/bench"
go build -o "$bin" ./gate/memorize/bench
echo "| scale | corpus MB | outputs | wall s | CPU s (user+sys) | peak RSS MB | RSS / corpus | load avg at start | runs |"
echo "|---|---|---|---|---|---|---|---|---|"
for s in ${*:-1 2 4 10}; do
	"$bin" -compute -prepare -scale "$s" -format "$format" -outputs "$outputs" -dir "$dir"
	: >"$dir/runs.txt"
	r=0
	while [ "$r" -lt "$runs" ]; do
		r=$((r + 1))
		load=$(cut -d' ' -f1 /proc/loadavg)
		/usr/bin/time -v -o "$dir/time.txt" "$bin" -compute -scale "$s" -format "$format" -outputs "$outputs" -dir "$dir" >"$dir/out.json"
		echo "$load $(tr -d '\n' <"$dir/out.json")" >>"$dir/runs.txt"
		awk -F': ' '/Elapsed \(wall clock\)/ {print "wall", $2} /User time/ {print "user", $2} /System time/ {print "sys", $2} /Maximum resident/ {print "rss", $2}' "$dir/time.txt" >>"$dir/runs.txt"
	done
	python3 - "$dir/runs.txt" <<'PY'
import json, statistics, sys
runs, cur = [], None
for line in open(sys.argv[1]):
    key, val = line.split(" ", 1)
    if val.startswith("{"):
        cur = {"load": float(key), "out": json.loads(val)}
        runs.append(cur)
        continue
    val = val.strip()
    if key == "wall":
        secs = 0.0
        for part in val.split(":"):
            secs = secs * 60 + float(part)
        cur["wall"] = secs
    elif key in ("user", "sys"):
        cur["cpu"] = cur.get("cpu", 0.0) + float(val)
    elif key == "rss":
        cur["rss"] = int(val) * 1024
out = runs[0]["out"]
med = lambda k: statistics.median(r[k] for r in runs)
corpus = out["corpus_bytes"]
print("| %dx | %.0f | %d | %.1f | %.1f | %.0f | %.2f | %s | %d |" % (
    out["scale"], corpus / 1e6, out["outputs"], med("wall"), med("cpu"), med("rss") / 1e6,
    med("rss") / corpus, " ".join("%.1f" % r["load"] for r in runs), len(runs)))
PY
done
