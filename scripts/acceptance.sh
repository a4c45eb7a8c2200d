#!/usr/bin/env bash
# `npm run acceptance`: the PoC acceptance suite against the whole platform on
# this machine (see test/acceptance/local/run.ts). Uses the local servers
# already started by scripts/test.sh when their endpoints are in the
# environment; otherwise installs and starts them, and stops them afterwards.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

# The servers' state directory and ports, as servers.sh knows them (LOCAL_PORT_BASE and LOCAL_STATE_DIR as the
# test command exported them): run.ts wires our services to them through the topology, as `cli.ts local-env` does.
. scripts/local/servers.sh
if [ -z "${MYSQL_HOST:-}" ]; then
  . scripts/lib/steps.sh
  . scripts/local/install.sh
  trap 'stop_all; print_step_summary' EXIT
  install_all
  step "start local servers" start_all
fi
started=()
for server in mariadb redis minio milvus model; do started+=("$server=$(server_port "$server")"); done
node --import tsx --conditions=source test/acceptance/local/run.ts "$LOCAL_STATE_DIR" "${started[@]}"
