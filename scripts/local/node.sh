#!/usr/bin/env bash
# Runs a command with the pinned Node first on PATH, installing it into the
# tool cache first when it is missing, so the local platform and everything it
# starts run the Node the images and the test command run:
#   scripts/local/node.sh node tools/local-platform/src/main.ts up
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/install.sh"
[ -f "$NODE_HOME/.complete" ] || install_node >&2
use_node
exec "$@"
