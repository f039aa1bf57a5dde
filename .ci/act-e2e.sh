#!/usr/bin/env bash
# act-e2e.sh runs the action end to end under nektos/act (host mode, no
# Docker): the act workflow .ci/act/workflow.yml uses the node20 shim
# .ci/act/shim (same inputs and outputs as action.yml), which execs the
# built modelgate binary against the fake GitHub (.ci/act/fakegithub, every
# request validated against GitHub's OpenAPI description) and the example's
# local registry. It then checks the step outputs, the job summary, the JSON
# result and the check run the fake received. It first runs actionlint on
# every workflow.
#
# Variables (paths relative to the repository root):
#   E2E_RULES       rules file          (default examples/fraud/.github/modelgate.yml)
#   E2E_REGISTRY    local registry      (default examples/fraud/registry)
#   E2E_EVENT       pull_request payload (default the octokit "opened" example)
#   E2E_CONCLUSION  expected conclusion (default failure for the default example,
#                   else any of success, neutral, failure)
#   ACT             an act binary to use instead of installing act v0.2.89
set -euo pipefail

ACT_VERSION=v0.2.89
root=$(git rev-parse --show-toplevel)
cd "$root"
E2E_RULES=${E2E_RULES:-examples/fraud/.github/modelgate.yml}
E2E_REGISTRY=${E2E_REGISTRY:-examples/fraud/registry}
E2E_EVENT=${E2E_EVENT:-gate/gatetest/testdata/github/events/pull_request.opened.json}
# The default example's pending candidate fails its rules on purpose.
if [ "$E2E_RULES" = examples/fraud/.github/modelgate.yml ]; then
	E2E_CONCLUSION=${E2E_CONCLUSION-failure}
fi
E2E_CONCLUSION=${E2E_CONCLUSION:-}

for p in "$E2E_RULES" "$E2E_REGISTRY" "$E2E_EVENT"; do
	[ -e "$p" ] || { echo "act-e2e: $p does not exist" >&2; exit 2; }
done

work=$(mktemp -d)
fake_pid=
cleanup() {
	[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/bin" "$work/out" "$work/cache"
export XDG_CACHE_HOME="$work/cache"

echo "act-e2e: actionlint v1.7.12 on every workflow (and through uses: ./, on action.yml)"
GOBIN="$work/bin" go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
"$work/bin/actionlint" .github/workflows/*.yml .ci/act/workflow.yml

if [ -z "${ACT:-}" ]; then
	echo "act-e2e: installing act $ACT_VERSION"
	GOBIN="$work/bin" go install "github.com/nektos/act@$ACT_VERSION"
	ACT="$work/bin/act"
fi
echo "act-e2e: building modelgate and the fake GitHub"
CGO_ENABLED=0 go build -trimpath -ldflags "-X github.com/modelgate/modelgate/internal/version.version=e2e" -o "$work/bin/modelgate" ./cmd/modelgate
go build -o "$work/bin/fakegithub" ./.ci/act/fakegithub

# The base branch has the same rules file, so the check has no rules-change
# section (cmd/modelgate tests cover the guard).
base_sha=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pull_request"]["base"]["sha"])' "$E2E_EVENT")
"$work/bin/fakegithub" -url-file "$work/url" -state "$work/state.json" -file "$base_sha:$E2E_RULES=$E2E_RULES" &
fake_pid=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.1; done
[ -s "$work/url" ] || { echo "act-e2e: the fake GitHub did not start" >&2; exit 3; }
api_url=$(cat "$work/url")
echo "act-e2e: fake GitHub at $api_url"

event_name=pull_request
set +e
"$ACT" "$event_name" \
	-e "$E2E_EVENT" \
	-W .ci/act/workflow.yml \
	-P ubuntu-latest=-self-hosted \
	--no-cache-server \
	-s GITHUB_TOKEN=fake-github-token \
	--env MODELGATE_BIN="$work/bin/modelgate" \
	--env MODELGATE_E2E_API_URL="$api_url" \
	--env MODELGATE_E2E_REPOSITORY=Codertocat/Hello-World \
	--env E2E_OUT="$work/out" \
	--env E2E_RULES="$E2E_RULES" \
	--env E2E_REGISTRY="$E2E_REGISTRY" \
	2>&1 | tee "$work/act.log"
act_status=${PIPESTATUS[0]}
set -e
kill -TERM "$fake_pid"
wait "$fake_pid" || true
fake_pid=
[ "$act_status" -eq 0 ] || { echo "act-e2e: act exited $act_status" >&2; exit 1; }

python3 - "$work" "$E2E_EVENT" "$E2E_CONCLUSION" <<'PY'
import json, os, sys
work, event_path, want = sys.argv[1], sys.argv[2], sys.argv[3]
out = os.path.join(work, "out")
problems = []
def check(ok, msg):
    if not ok:
        problems.append(msg)

outputs = json.load(open(os.path.join(out, "outputs.json")))
outcome = open(os.path.join(out, "outcome")).read().strip()
state = json.load(open(os.path.join(work, "state.json")))
result = json.load(open(os.path.join(out, "result.json")))
summary = open(os.path.join(out, "summary.md")).read()
head = json.load(open(event_path))["pull_request"]["head"]["sha"]

conclusion = outputs.get("conclusion")
check(conclusion in ("success", "neutral", "failure"), f"output conclusion {conclusion!r}")
if want:
    check(conclusion == want, f"output conclusion {conclusion!r}, want {want!r}")
check(outcome == ("failure" if conclusion == "failure" else "success"),
      f"step outcome {outcome!r} does not match conclusion {conclusion!r}")
for k in ("passed", "failed", "warnings"):
    check(str(outputs.get(k, "")).isdigit(), f"output {k} {outputs.get(k)!r} is not a count")
if conclusion == "failure":
    check(int(outputs.get("failed") or 0) > 0, "conclusion failure with no failed rule")
check(outputs.get("report_path") == "modelgate-result.json", f"output report_path {outputs.get('report_path')!r}")
check(outputs.get("candidate_arn", "") != "", "output candidate_arn is empty")
check(result.get("conclusion") == conclusion, f"result.json conclusion {result.get('conclusion')!r}")
check(outputs.get("candidate_arn") == (result.get("candidate") or {}).get("arn"), "candidate_arn differs from result.json")

check(state["problems"] == [], f"the fake GitHub saw invalid requests: {state['problems']}")
runs = state["check_runs"]
check(len(runs) == 1, f"{len(runs)} check runs, want 1")
if runs:
    r = runs[0]
    check(r["HeadSHA"] == head, f"check run on {r['HeadSHA']}, want pull_request.head.sha {head}")
    check(r["Name"] == "modelgate", f"check run name {r['Name']!r}")
    check(r["Status"] == "completed" and r["Conclusion"] == conclusion,
          f"check run {r['Status']}/{r['Conclusion']}, want completed/{conclusion}")
    check(r["ExternalID"].startswith("modelgate/v1/"), f"external_id {r['ExternalID']!r}")
    check(outputs.get("check_run_url", "").startswith(state["url"]), f"check_run_url {outputs.get('check_run_url')!r}")
    check(summary.strip() == r["Summary"].strip(), "the job summary differs from the check run summary")
check(summary.startswith("## "), "job summary does not start with the title heading")
check(result.get("findings") is not None, "result.json has no findings")

if problems:
    print("act-e2e: FAIL", *problems, sep="\n  ")
    sys.exit(1)
print(f"act-e2e: ok: conclusion {conclusion}, {outputs['passed']} passed, {outputs['failed']} failed, "
      f"{outputs['warnings']} warnings; check run on {head[:12]}; requests {state['requests']}")
PY
