// Runs the modelgate binary (MODELGATE_BIN) with the environment act gives
// a local action: INPUT_*, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_EVENT_PATH.
// For the end-to-end run only, MODELGATE_E2E_API_URL and
// MODELGATE_E2E_REPOSITORY point the binary at the fake GitHub, and the job
// summary is copied to E2E_OUT for the script to check.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const env = { ...process.env, GITHUB_ACTIONS: 'true' };
if (env.MODELGATE_E2E_API_URL) env.GITHUB_API_URL = env.MODELGATE_E2E_API_URL;
if (env.MODELGATE_E2E_REPOSITORY) env.GITHUB_REPOSITORY = env.MODELGATE_E2E_REPOSITORY;
const bin = env.MODELGATE_BIN;
if (!bin) {
  console.log('::error::MODELGATE_BIN is not set');
  process.exit(2);
}
const r = spawnSync(bin, [], { stdio: 'inherit', env });
if (r.error) {
  console.log(`::error::run ${bin}: ${r.error.message}`);
  process.exit(3);
}
if (env.E2E_OUT && env.GITHUB_STEP_SUMMARY && fs.existsSync(env.GITHUB_STEP_SUMMARY)) {
  fs.copyFileSync(env.GITHUB_STEP_SUMMARY, path.join(env.E2E_OUT, 'summary.md'));
}
process.exit(r.status === null ? 3 : r.status);
