#!/usr/bin/env bash
# `npm run acceptance`: the PoC acceptance suite against the whole platform on
# this machine (see test/acceptance/local/run.ts). Uses the local servers
# already started by scripts/test.sh when their endpoints are in the
# environment; otherwise installs and starts them, and stops them afterwards.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

if [ -z "${MYSQL_HOST:-}" ]; then
  . scripts/lib/steps.sh
  . scripts/local/install.sh
  . scripts/local/servers.sh
  trap 'stop_all; print_step_summary' EXIT
  install_all
  step "start local servers" start_all
  set -a
  . "$ENV_FILE"
  set +a
fi
node --import tsx --conditions=source test/acceptance/local/run.ts
