#!/usr/bin/env bash
# The test command (README): on a fresh Debian machine like CI's, installs
# everything, starts the real local servers, runs every test, and stops the
# servers again, printing how long each step took.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
. scripts/lib/steps.sh
. scripts/local/install.sh
. scripts/local/servers.sh

finish() {
  local status=$?
  stop_all
  print_step_summary
  exit $status
}
trap finish EXIT

install_all
step "npm ci" npm ci --no-audit --no-fund --loglevel=error
step "typecheck" npm run typecheck --silent
step "start local servers" start_all
set -a
. "$ENV_FILE"
set +a
step "tests (mocha)" npm test
