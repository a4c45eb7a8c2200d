/**
 * Waiting on the cluster without waiting for nothing: a pod that cannot pull
 * its image or keeps crashing will never become ready, so every wait of the
 * plan watches the pods it waits for and fails at once, with their events,
 * instead of running into its deadline.
 */

/** Waiting reasons after which a pod will not become ready by itself. */
const hopelessPodReasons = [
  "ErrImagePull",
  "ImagePullBackOff",
  "InvalidImageName",
  "CrashLoopBackOff",
  "CreateContainerConfigError",
] as const;

const waitPollSeconds = 2;

/**
 * Bash function `wait_guarded NAMESPACE SELECTOR COMMAND...`: runs COMMAND
 * (a `kubectl wait`, `rollout status` or `helm --wait`) and, while it runs,
 * looks at the pods matching SELECTOR; when one is stuck for a hopeless
 * reason, stops COMMAND and fails with that pod's events and last log lines.
 * Otherwise it returns COMMAND's own exit status.
 */
export const waitGuardedFunction = (() => {
  const reasons = hopelessPodReasons.join("|");
  const podReasons =
    "{range .items[*]}{.metadata.name}" +
    '{range .status.initContainerStatuses[*]}{" "}{.state.waiting.reason}{end}' +
    '{range .status.containerStatuses[*]}{" "}{.state.waiting.reason}{end}{"\\n"}{end}';
  return [
    `wait_guarded() {`,
    `  local ns=$1 selector=$2 waiting bad pod reason`,
    `  shift 2`,
    `  "$@" &`,
    `  waiting=$!`,
    `  while kill -0 "$waiting" 2>/dev/null; do`,
    `    bad=$(kubectl -n "$ns" get pods -l "$selector" -o jsonpath='${podReasons}' 2>/dev/null | grep -E ' (${reasons})( |$)' | head -n1) || true`,
    `    if [ -n "$bad" ]; then`,
    `      kill "$waiting" 2>/dev/null || true`,
    `      wait "$waiting" 2>/dev/null || true`,
    `      pod=\${bad%% *}`,
    `      reason=$(printf '%s\\n' "$bad" | grep -oE '${reasons}' | head -n1)`,
    `      echo "pod $ns/$pod will not become ready: $reason; its events:" >&2`,
    `      kubectl -n "$ns" get events --field-selector "involvedObject.name=$pod" --sort-by=.lastTimestamp >&2 || true`,
    `      echo "last log lines of $ns/$pod:" >&2`,
    `      kubectl -n "$ns" logs "$pod" --all-containers --tail=30 >&2 || true`,
    `      return 1`,
    `    fi`,
    `    sleep ${waitPollSeconds}`,
    `  done`,
    `  wait "$waiting"`,
    `}`,
  ].join("\n");
})();

/** Pods of a Job carry this label (set by the Job controller). */
export function jobPodSelector(name: string): string {
  return `batch.kubernetes.io/job-name=${name}`;
}

/**
 * `wait_guarded` until a Job has finished, completed or failed. The Job
 * controller's first condition turning True is its verdict (SuccessCriteriaMet
 * or FailureTarget, set before Complete or Failed): waiting for
 * `condition=complete` alone would sit until the deadline on a Job that has
 * given up, since its pods have stopped and nothing is left for wait_guarded
 * to find stuck. The caller reads the verdict from the Job (jobVerdict).
 */
export function jobFinishedWait(job: { readonly namespace: string; readonly name: string }, timeoutSeconds: number): string {
  return `wait_guarded ${job.namespace} '${jobPodSelector(job.name)}' kubectl -n ${job.namespace} wait --for=jsonpath='{.status.conditions[0].status}'=True job/${job.name} --timeout=${timeoutSeconds}s >/dev/null`;
}

/** Bash: the first condition of a finished Job, "<type> <reason>" (e.g. "FailureTarget BackoffLimitExceeded"). */
export function jobVerdict(job: { readonly namespace: string; readonly name: string }): string {
  return `$(kubectl -n ${job.namespace} get job ${job.name} -o jsonpath='{.status.conditions[0].type} {.status.conditions[0].reason}')`;
}

/** Pods of a Helm release (every chart we install labels them so). */
export function releasePodSelector(release: string): string {
  return `app.kubernetes.io/instance=${release}`;
}
