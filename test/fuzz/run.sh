#!/usr/bin/env bash
# Property-based API tests with schemathesis against a served OpenAPI document:
# every operation, every HTTP method (undocumented ones must get 405), a
# bounded number of examples with a fixed seed, all checks (no 5xx; statuses,
# content types, headers and bodies as documented; invalid input refused).
# Reusable for any of our APIs:
#
#   test/fuzz/run.sh NAME BASE_URL OPENAPI_URL
#
# Two passes: every generation mode as generated, then (with FUZZ_HOOKS, a
# hooks module in test/fuzz) positive cases the hooks make realistic, so they
# reach the stores. Reports in .local/fuzz/NAME/; the closing line
# "fuzz NAME: P passed, F failed" counts operations per pass (the test
# command adds it to its totals); the exit code is non-zero if a pass failed.
# Knobs: FUZZ_MAX_EXAMPLES (per operation, default 25), FUZZ_SEED (default
# 20261201), FUZZ_PASS_SECONDS (time budget per pass, default 75). No example
# database: the seed makes each run the same, and none is left in the tree.
set -euo pipefail
fuzz_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$fuzz_dir/../.." && pwd)
. "$repo/scripts/local/paths.sh"

usage="usage: run.sh NAME BASE_URL OPENAPI_URL"
name=${1:?$usage}
base_url=${2:?$usage}
doc_url=${3:?$usage}
seconds=${FUZZ_PASS_SECONDS:-75}
rm -rf "$repo/.local/fuzz/$name"

fuzz_pass() {
  local pass=$1 mode=$2 dir="$repo/.local/fuzz/$name/$1"
  shift 2
  mkdir -p "$dir"
  echo "==> fuzz $name, pass $pass (--mode $mode, at most ${seconds}s)"
  timeout --signal=TERM --kill-after=10s "$((seconds + 60))" \
    "$PYTHON_ENV/bin/schemathesis" --no-color --config-file "$fuzz_dir/schemathesis.toml" run "$doc_url" \
    --url "$base_url" \
    --mode "$mode" \
    --checks all \
    --phases examples,coverage,fuzzing \
    --max-examples "${FUZZ_MAX_EXAMPLES:-25}" \
    --seed "${FUZZ_SEED:-20261201}" \
    --max-time "$seconds" \
    --request-timeout 30 \
    --generation-database none \
    --workers 1 \
    --suppress-health-check all \
    --report junit --report-junit-path "$dir/junit.xml" \
    "$@" >"$dir/output.txt" 2>&1
}

status=0
(unset SCHEMATHESIS_HOOKS; fuzz_pass all all) || status=$?
if [ -n "${FUZZ_HOOKS:-}" ]; then
  (
    export PYTHONPATH="$fuzz_dir${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS="$FUZZ_HOOKS" FUZZ_HOOKS_ACTIVE=1
    # Cases the hooks built are valid by construction; refusing invalid ones is the first pass' check.
    fuzz_pass positive positive --exclude-checks negative_data_rejection
  ) || status=$?
fi
for output in "$repo/.local/fuzz/$name"/*/output.txt; do
  sed -n '/^=* FAILURES =*$/,$p' "$output"
done

# Operations without a failure or error pass, per pass; a pass without a report counts as one failure.
"$PYTHON_ENV/bin/python" - "$repo/.local/fuzz/$name" "$name" <<'PY'
import pathlib, re, sys, xml.etree.ElementTree as ET
root, name = pathlib.Path(sys.argv[1]), sys.argv[2]
passed = failed = cases = 0
for run in sorted(p for p in root.iterdir() if p.is_dir()):
    junit = run / "junit.xml"
    if not junit.exists():
        failed += 1
        continue
    for case in ET.parse(junit).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is None:
            passed += 1
    match = re.search(r"(\d+) generated", (run / "output.txt").read_text())
    cases += int(match.group(1)) if match else 0
print(f"fuzz {name} cases generated: {cases}")
print(f"fuzz {name}: {passed} passed, {failed} failed")
PY
exit "$status"
