# Timed steps for the set-up scripts (which run with `set -e`): each step
# prints how long it took; print_step_summary lists them all and names the
# step that failed, if any, so slow or broken set-up is visible in CI logs.
STEP_SUMMARY=()
CURRENT_STEP=""
CURRENT_STEP_STARTED=0

step() {
  CURRENT_STEP=$1
  CURRENT_STEP_STARTED=$SECONDS
  shift
  echo "==> ${CURRENT_STEP}"
  "$@"
  local took=$((SECONDS - CURRENT_STEP_STARTED))
  STEP_SUMMARY+=("$(printf '%-36s %5ss' "$CURRENT_STEP" "$took")")
  echo "<== ${CURRENT_STEP}: ${took}s"
  CURRENT_STEP=""
}

print_step_summary() {
  echo
  echo "steps (seconds):"
  local line
  for line in "${STEP_SUMMARY[@]}"; do echo "  $line"; done
  if [ -n "$CURRENT_STEP" ]; then
    printf '  %-36s %5ss  FAILED\n' "$CURRENT_STEP" "$((SECONDS - CURRENT_STEP_STARTED))"
  fi
}
