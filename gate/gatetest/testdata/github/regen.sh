#!/bin/sh
# regen.sh regenerates the trimmed GitHub OpenAPI description (openapi.json)
# and the webhook event payloads (events/) from the pinned npm packages.
# Needs npm, python3 (for the payload picks) and go. Run from this folder.
set -eu
OPENAPI_PKG=@octokit/openapi@23.0.2
EXAMPLES_PKG=@octokit/webhooks-examples@7.6.1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent "$OPENAPI_PKG" >/dev/null
npm pack --silent "$EXAMPLES_PKG" >/dev/null
mkdir oa ex
tar xzf octokit-openapi-*.tgz -C oa
tar xzf octokit-webhooks-examples-*.tgz -C ex
cd "$here"
go run trim.go -in "$tmp/oa/package/generated/api.github.com.json" -out openapi.json
python3 - "$tmp/ex/package/api.github.com/index.json" events <<'PY'
import json, sys
index, outdir = sys.argv[1], sys.argv[2]
ex = {e["name"]: e["examples"] for e in json.load(open(index))}
def pick(event, pred):
    return next(x for x in ex[event] if pred(x))
def write(name, payload):
    with open(f"{outdir}/{name}.json", "w") as f:
        json.dump(payload, f, indent=2, sort_keys=True)
        f.write("\n")
write("pull_request.opened", pick("pull_request", lambda x: x["action"] == "opened"))
write("pull_request.synchronize", pick("pull_request", lambda x: x["action"] == "synchronize"))
closed = pick("pull_request", lambda x: x["action"] == "closed")
write("pull_request.closed", closed)
# Derived: no example is closed with merged=true. Same PR, merged.
merged = json.loads(json.dumps(closed))
merged["pull_request"]["merged"] = True
merged["pull_request"]["merged_at"] = merged["pull_request"]["closed_at"]
merged["pull_request"]["merge_commit_sha"] = "34c5c7793cb3b279e22454cb6750c80560547b3a"
merged["pull_request"]["merged_by"] = merged["sender"]
write("pull_request.closed-merged", merged)
write("push.default-branch", pick("push", lambda x: x["ref"] == "refs/heads/" + x["repository"]["default_branch"]))
write("push.tag", pick("push", lambda x: x["ref"].startswith("refs/tags/") and not x["deleted"]))
# Derived: no example pushes to a branch other than the default one.
other = json.loads(json.dumps(pick("push", lambda x: x["ref"] == "refs/heads/" + x["repository"]["default_branch"])))
other["ref"] = "refs/heads/feature/retrain"
other["base_ref"] = None
write("push.other-branch", other)
write("workflow_dispatch", pick("workflow_dispatch", lambda x: x["ref"] == "refs/heads/main"))
PY
echo "events: $(ls events | wc -l) payloads"
