#!/usr/bin/env bash
# `npm run mutation`: StrykerJS over the domain modules that run without
# servers (stryker.config.json), then the score per module (MUTATION.md).
# StrykerJS 10 needs Node >= 22: run it with the pinned Node first on PATH
# (the test command does; scripts/local/node.sh does for a person).
# Extra arguments go to `stryker run`, e.g. --mutate services/agent-api/src/domain/router.ts
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
export NODE_OPTIONS="--require $repo/test/mutation/mocha12-compat.cjs"
node node_modules/@stryker-mutator/core/bin/stryker.js run "$@"
unset NODE_OPTIONS
node --import tsx test/mutation/summary.ts .local/mutation/mutation.json
