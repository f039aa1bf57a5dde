#!/usr/bin/env bash
# Mutation testing of modelgate's decision code with go-gremlins/gremlins.
#
# NOT RUN IN CI: every mutant recompiles and reruns a package's tests, so a
# full run takes tens of minutes (more on a loaded machine). Run it by hand
# before changing evaluation, SHAP, approval, the rules diff or a registry's
# write path, and after adding tests, to see which decisions no test pins.
#
#   bench/mutation.sh                 # every target below, one after the other
#   bench/mutation.sh gate rules      # only these targets
#   WORKERS=2 TIMEOUT_COEFFICIENT=10 bench/mutation.sh gate
#   DRY_RUN=1 bench/mutation.sh       # count mutants, run no test
#   SUMMARY_ONLY=1 bench/mutation.sh  # reprint the summaries of the last run
#   RECHECK=1 bench/mutation.sh gate  # after adding tests: rerun only the mutants
#                                     # of the last run that lived
#   FILES="ambiguous.go quality.go" FUNCS='^quality\.go:qualityEntry$' bench/mutation.sh gate/report
#                                     # only the mutants of these functions: gremlins
#                                     # --dry-run lists them, recheck.go runs them
#
# Output: for each target, the score per file (killed / every non-equivalent
# mutant, uncovered ones included) and the surviving mutants as
# file:line:col:MUTATOR (function) source. Mutants that no test can kill
# because the mutated code behaves the same are listed, with why, in
# bench/mutation/equivalent.tsv and counted apart.
# Measured on a shared 2-core machine (load ~15), WORKERS=2: gate 32 min
# (448 mutants), rules/diff.go 25 min, gate/sagemaker 4 min, gate/localreg
# 4 min plus its reruns. gate/localreg and gate/report mutate whole files;
# localreg's score counts only its write path (funcs below), but its
# timeouts are rerun for every function.
# With FUNCS (WORKERS=1, load 15-24): the approval protocol (gate,
# 15 mutants) 5.5 min, 80 s of it the dry run; gate/report's ambiguous.go,
# detect.go, quality.go, lmeval.go (lmevalStderr, lmevalN) and read.go
# (read, metricValue, parseNumString), 134 mutants, 17 min; bias.go,
# explain.go, violations.go, 79 mutants, 6 min; fmeval.go, deepeval.go,
# generic.go, 94 mutants, 6 min; promptfoo.go, lmeval_samples.go and the
# rest of lmeval.go, 205 mutants, 18 min (512 of gate/report's mutants in 4
# runs, about 47 min); rules/parse.go's validating functions, 70 mutants,
# 5 min. A RECHECK of 10-40 survivors takes 1 to 6 minutes.
# OUT=bench/mutation/out/<name> keeps one FUNCS run from overwriting another.
# Raw gremlins JSON goes to $OUT (default bench/mutation/out, ignored by git).
#
# gremlins v0.6.0 reports every mutant in the case expression of a switch
# (`case x < y:`) as NOT COVERED and never runs it: Go's cover profile has no
# block for case expressions. bench/mutation/recheck.go runs those mutants
# (go test -overlay, the source tree is never written) and updates the JSON;
# the gremlins original is kept as <target>.gremlins.json. It also reruns
# the mutants gremlins timed out (on a loaded machine a slow test run is not
# a kill) with a 3-minute limit: one that still times out hangs, a kill.
set -euo pipefail

GREMLINS_VERSION=v0.6.0
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

WORKERS=${WORKERS:-1}
TIMEOUT_COEFFICIENT=${TIMEOUT_COEFFICIENT:-10}
OUT=${OUT:-$root/bench/mutation/out}
GOBIN_DIR=${GOBIN_DIR:-$root/bin}
mkdir -p "$OUT" "$GOBIN_DIR"

# target -> "decision files (space separated; * = every non-test file)|function filter regexp (file:func, empty = all)"
declare -A files=(
	[gate]="evaluate.go shap.go approval.go approve_onread.go semantics.go"
	[rules]="diff.go parse.go"
	[gate/localreg]="localreg.go lock_unix.go"
	[gate/report]="*"
	[gate/sagemaker]="approve.go"
)
# Only the write path of the local registry decides anything irreversible:
# score only its functions (the others are run too, and listed by the JSON).
declare -A funcs=(
	[gate/localreg]='^(localreg\.go:(Registry\.SetApproval|WriteFileAtomic)|lock_unix\.go:.*)$'
)
# Slow tests skipped on a mutant's first run by recheck.go; a mutant that
# lives is run again with every test (gremlins' own runs skip nothing).
declare -A skip=(
	[gate/report]='^TestHostileSizes$'
)
# FILES="diff.go" bench/mutation.sh rules: other decision files for one target.
if [[ -n ${FILES:-} ]]; then
	for t in "$@"; do files[$t]=$FILES; done
fi
# FUNCS=REGEXP (file:func): run and score only the mutants of these functions.
if [[ -n ${FUNCS:-} ]]; then
	for t in "$@"; do funcs[$t]=$FUNCS; done
fi
order=(gate rules gate/localreg gate/sagemaker gate/report)

gremlins=$GOBIN_DIR/gremlins
# "go install pkg@version" builds the binary without a version string
# (gremlins --version says "dev"), so a stamp file records what was installed.
stamp=$GOBIN_DIR/.gremlins-version
if [[ ! -x $gremlins || $(cat "$stamp" 2>/dev/null) != "$GREMLINS_VERSION" ]]; then
	echo "installing gremlins $GREMLINS_VERSION into $GOBIN_DIR" >&2
	GOBIN=$GOBIN_DIR GOFLAGS=-mod=mod go install "github.com/go-gremlins/gremlins/cmd/gremlins@$GREMLINS_VERSION"
	echo "$GREMLINS_VERSION" >"$stamp"
fi

targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${order[@]}")

summary() { # target json
	go run ./bench/mutation/summary.go ./bench/mutation/spans.go -dir "$1" -json "$2" \
		-equiv bench/mutation/equivalent.tsv ${funcs[$1]:+-func "${funcs[$1]}"}
}

for t in "${targets[@]}"; do
	[[ -n ${files[$t]+x} ]] || { echo "unknown target $t (known: ${order[*]})" >&2; exit 2; }
	json=$OUT/$(echo "$t" | tr / _).json
	echo "=== $t (${files[$t]})"
	if [[ -n ${RECHECK:-} ]]; then
		go run ./bench/mutation/recheck.go ./bench/mutation/spans.go -dir "$t" -in "$json" -out "$json" -status "LIVED,NOT COVERED,TIMED OUT" \
			${FUNCS:+-func "$FUNCS"} ${skip[$t]:+-skip "${skip[$t]}"} |
			tee "$OUT/$(echo "$t" | tr / _).recheck.log" | grep -v -- "-> KILLED" || true
	elif [[ -z ${SUMMARY_ONLY:-} ]]; then
		# gremlins walks the directory recursively: exclude sub-packages, and
		# every file that is not one of the decision files.
		excl=(-E '/')
		if [[ ${files[$t]} != "*" ]]; then
			for f in "$t"/*.go; do
				b=$(basename "$f")
				[[ $b == *_test.go ]] && continue
				[[ " ${files[$t]} " == *" $b "* ]] && continue
				excl+=(-E "^${b//./\\.}\$")
			done
		fi
		args=(unleash --workers "$WORKERS" --timeout-coefficient "$TIMEOUT_COEFFICIENT" -o "$json" "${excl[@]}")
		# FUNCS: gremlins only lists the mutants (it has no function
		# filter); recheck.go runs those of the functions asked for.
		[[ -z ${DRY_RUN:-}${FUNCS:-} ]] || args+=(--dry-run)
		start=$(date +%s)
		"$gremlins" "${args[@]}" "$root/$t" >"$OUT/$(echo "$t" | tr / _).log" 2>&1 ||
			{ echo "gremlins failed on $t, see $OUT/$(echo "$t" | tr / _).log" >&2; tail -20 "$OUT/$(echo "$t" | tr / _).log" >&2; exit 3; }
		cp "$json" "${json%.json}.gremlins.json"
		status="NOT COVERED,TIMED OUT"
		[[ -z ${FUNCS:-} ]] || status="RUNNABLE,NOT COVERED"
		[[ -n ${DRY_RUN:-} ]] || nice -n 10 go run ./bench/mutation/recheck.go ./bench/mutation/spans.go -dir "$t" -in "$json" -out "$json" -status "$status" \
			${FUNCS:+-func "$FUNCS"} ${skip[$t]:+-skip "${skip[$t]}"} >"$OUT/$(echo "$t" | tr / _).recheck.log"
		echo "($(($(date +%s) - start)) s)"
	fi
	summary "$t" "$json"
	echo
done
