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

results_dir="$repo/.local/results"
mkdir -p "$results_dir"
rm -f "$results_dir"/*.log "$results_dir"/*.mocha.json

# CI reads the last line: "tests: N passed, N failed, N skipped" over mocha (from its JSON reports; pending tests are
# skipped ones), the image layouts, the fuzz runs and the gating acceptance run; the eval's and the real-model run's
# lines, which do not gate, right above it (scripts/lib/test-totals.mjs).
mocha_steps=(mocha cluster-probes cluster-plan node)
print_test_totals() {
  node scripts/lib/test-totals.mjs "$results_dir" "${mocha_steps[@]}"
}

# Mocha's spec output goes to the step's log, its JSON report to <step>.mocha.json for the totals.
spec_and_json=./test/mocha/spec-and-json.cjs

finish() {
  local status=$?
  stop_all
  print_step_summary
  print_test_totals
  exit $status
}
trap finish EXIT

install_all
use_node
step "node (the pinned release, first on PATH for every step below)" node --version
step "npm ci" npm ci --no-audit --no-fund --loglevel=error
step "typecheck" npm run typecheck --silent
step "build (what the images compile)" npm run build --silent
step "lint (ESLint, typescript-eslint)" npm run lint --silent
step "format (Prettier --check)" npm run format:check --silent
step "unused files, exports and dependencies (knip)" npm run knip --silent
step "image layouts (what dagger builds, assembled without Docker)" \
  bash -o pipefail -c 'npm run check:images --silent 2>&1 | tee "$0"' "$results_dir/image-layout.log"
step "start local servers" start_all
set -a
. "$ENV_FILE"
set +a
step "tests (mocha)" bash -o pipefail -c 'npm test -- "$@" 2>&1 | tee "$0"' "$results_dir/mocha.log" \
  --reporter "$spec_and_json" --reporter-option "json=$results_dir/mocha.mocha.json"
step "mutation (StrykerJS over the server-free domain modules, each >= 85 %)" \
  bash -o pipefail -c 'MUTATION_MIN_SCORE=85 bash scripts/mutation.sh --force 2>&1 | tee "$0" | grep -E "^\| |score below|ERROR"' "$results_dir/mutation.log"
step "fuzz (schemathesis, Data API and Agent API OpenAPI)" \
  bash -o pipefail -c 'status=0
    node --import tsx --conditions=source test/fuzz/data-api.ts 2>&1 | tee "$0" || status=$?
    node --import tsx --conditions=source test/fuzz/agent-api.ts 2>&1 | tee "$1" || status=$?
    exit $status' "$results_dir/fuzz-data-api.log" "$results_dir/fuzz-agent-api.log"
step "node namespace (private network + mount)" start_node_namespace
step "start kube-apiserver (etcd, controller-manager)" start_kube
set -a
. "$ENV_FILE"
set +a
# The probes run the services against the servers on this machine's loopback;
# the plan's steps run inside the node's namespace, where the API server is,
# before the node joins: they are about the API server alone.
step "cluster tests (plan on the real API server, probes)" \
  bash -o pipefail -c 'status=0 ns=$0 results=$1 reporter=$2
    npm run test:cluster --silent -- --ignore "test/cluster/!(probes).test.ts" \
      --reporter "$reporter" --reporter-option "json=$results/cluster-probes.mocha.json" 2>&1 | tee "$results/cluster-probes.log" || status=$?
    nsenter --target "$ns" --net --mount --wd="$PWD" -- npm run test:cluster --silent -- --ignore test/cluster/probes.test.ts \
      --reporter "$reporter" --reporter-option "json=$results/cluster-plan.mocha.json" 2>&1 | tee "$results/cluster-plan.log" || status=$?
    exit $status' "$(node_namespace_pid)" "$results_dir" "$spec_and_json"
# All images: the node's, ours and the infra stand-ins (test/node/deploy.test.ts runs the plan's phases on them).
NODE_IMAGES=all
step "start node (images, containerd, kubelet, kube-proxy, scheduler, CoreDNS, kube-router network policies)" start_node
set -a
. "$ENV_FILE"
set +a
step "node registry (distribution: TLS, htpasswd; our images pushed with crane)" start_node_registry
set -a
. "$ENV_FILE"
set +a
step "node tests (pods on the real node)" \
  bash -o pipefail -c 'nsenter --target "$0" --net --mount --wd="$PWD" -- npm run test:node --silent -- \
      --reporter "$2" --reporter-option "json=$1/node.mocha.json" 2>&1 | tee "$1/node.log"' "$(node_namespace_pid)" "$results_dir" "$spec_and_json"
step "acceptance (local platform, scripted double + small model)" \
  bash -o pipefail -c 'npm run acceptance --silent 2>&1 | tee "$0"' "$results_dir/acceptance.log"
# Bounded: it does not gate, so it must not be able to hold the run past CI's time either.
step "eval (new set + held-out set: scripted double + small model; recorded, not gating)" \
  bash -o pipefail -c 'timeout --kill-after=30s 20m npm run eval:local --silent -w @one-data/agent-api 2>&1 | tee "$0" || true' "$results_dir/eval.log"
